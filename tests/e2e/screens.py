"""Full-page screenshots of the main pages of every role, at 1366 and 390 px, on the demo data.

    .venv/bin/python tests/e2e/screens.py OUTDIR [--only case] [--language en]

Serves the app on a throw-away SQLite database seeded with `seed-demo`, drives Debian's Chromium
through the login form, and writes OUTDIR/<role>-<page>-<width>.png. Prints each file and, for
every page, whether it scrolls sideways (document wider than the viewport).
"""
from __future__ import annotations

import logging
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import update
from werkzeug.serving import make_server

from dfi_casos import create_app
from dfi_casos.auth.models import User
from dfi_casos.database import Base
from dfi_casos.demo import DEMO_PASSWORD, seed_demo
from dfi_casos.extensions import db
from dfi_casos.models import import_all_models

WIDTHS = (1366, 390)

#: role -> (username, [(page name, path or callable that navigates)])
PAGES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "capturista": ("capturista.gro", [("inicio", "/"), ("casos", "/casos/"), ("lista", "/casos/lista"),
                                      ("caso", "case"), ("hogares", "/registro/hogares"),
                                      ("busqueda", "/busqueda/"), ("hogar-nuevo", "/registro/hogares/nuevo")]),
    "supervisora": ("supervisora.gro", [("inicio", "/"), ("casos", "/casos/"), ("lista", "/casos/lista"),
                                        ("caso", "case"), ("tablero", "/soluciones/")]),
    "auditor": ("auditor.gro", [("inicio", "/"), ("bitacora", "/auditoria/"), ("cadena", "/auditoria/cadena")]),
    "admin": ("admin.gro", [("inicio", "/"), ("usuarios", "/admin/users"), ("usuario-nuevo", "/admin/users/new"),
                            ("api-cuenta", "/admin/api/cuentas/nueva"), ("api", "api"),
                            ("api-docs", "/api/v1/docs")]),
    "enlace": ("enlace.gro", [("inicio", "/"), ("arco", "/arco/"), ("arco-nueva", "/arco/nueva"),
                              ("arco-solicitud", "arco"), ("arco-calendario", "/arco/calendario"),
                              ("arco-bloqueos", "/arco/bloqueos")]),
}


def serve(tmp: Path, language: str | None = None) -> tuple[str, object]:
    app = create_app({"ENV_NAME": "test", "DATABASE_URL": f"sqlite:///{tmp / 'screens.sqlite3'}",
                      "INSTANCE_PATH": str(tmp / "instance"), "DEMO_MODE": True, "RATELIMIT_ENABLED": False})
    import_all_models()
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed_demo(db.session, app.config)
        if language:  # every demo account reads the interface in that language (User.language, #21)
            db.session.execute(update(User).values(language=language))
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Usuario", exact=True).fill(username)
    page.get_by_label("Contraseña", exact=True).fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Entrar").click()


def first_case_url(page: Page, base: str) -> str:
    """The case with the most history among the first ones the user's worklist links to."""
    page.goto(f"{base}/casos/")
    hrefs = page.locator("main a").evaluate_all(
        "els => els.map(e => e.getAttribute('href')).filter(h => /^\\/casos\\/[0-9a-f-]{36}$/.test(h))")
    return str(hrefs[0])


def first_arco_url(page: Page, base: str) -> str:
    """The first ARCO request of the liaison's worklist (the most urgent)."""
    page.goto(f"{base}/arco/")
    hrefs = page.locator("main a").evaluate_all(
        "els => els.map(e => e.getAttribute('href')).filter(h => /^\\/arco\\/[0-9a-f-]{36}$/.test(h))")
    return str(hrefs[0])


def api_tokens_url(page: Page, base: str) -> str:
    """Create a service account and one token through the admin forms (once); the API access page."""
    page.goto(f"{base}/admin/api")
    if page.get_by_text("kobo-demo").count() == 0:
        page.goto(f"{base}/admin/api/cuentas/nueva")
        # by field name, not label: the same steps work with --language en
        page.locator("input[name=username]").fill("kobo-demo")
        page.locator("input[name=full_name]").fill("KoboToolbox Guerrero")
        page.locator("input[name=email]").fill("kobo@guerrero.gob.mx")
        page.locator("select[name=state_code]").select_option("12")
        with page.expect_navigation():
            page.locator("main button[type=submit]").click()
        page.locator("input[name=label]").fill("Encuestas de albergues")
        page.locator("input[name=groups][value='registry:read']").check()
        with page.expect_navigation():
            page.locator("main button[type=submit]").click()
    return "/admin/api"


def main(out: Path, only: str | None, language: str | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        base, server = serve(Path(tmp), language)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            for role, (username, pages) in PAGES.items():
                context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-MX")
                page = context.new_page()
                login(page, base, username)
                for name, path in pages:
                    if only and only != name:
                        continue
                    url = (first_case_url(page, base) if path == "case" else first_arco_url(page, base)
                           if path == "arco" else api_tokens_url(page, base) if path == "api" else path)
                    for width in WIDTHS:
                        page.set_viewport_size({"width": width, "height": 900})
                        page.goto(f"{base}{url}")
                        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
                        target = out / f"{role}-{name}-{width}.png"
                        page.screenshot(path=str(target), full_page=True)
                        print(f"{target}{'  SCROLLS SIDEWAYS' if wide else ''}")
                context.close()
            browser.close()
        server.shutdown()  # type: ignore[attr-defined]


if __name__ == "__main__":
    args = sys.argv[1:]
    only = args[args.index("--only") + 1] if "--only" in args else None
    language = args[args.index("--language") + 1] if "--language" in args else None
    main(Path(args[0]), only, language)
