"""Browser journeys: the app served by a real WSGI server in a thread, driven by Debian's Chromium."""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from config import Defaults
from dfi_casos.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from dfi_casos.extensions import db
from dfi_casos.security.mfa import code_at, current_step

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # No browser download works here: drive the distribution's Chromium. The flags keep it
    # from phoning home, which this closed network refuses.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_app(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             keyfile: Path) -> Iterator[Any]:
    """A served app on its own database with the demo data loaded (committed, not rolled back)."""
    from tests.conftest import database_url_for, demo_app

    tmp = tmp_path_factory.mktemp(f"e2e-{backend}")
    url = database_url_for(backend, request, tmp)
    if backend == "postgresql":  # its own schema-less database would clash with the app fixture's tables
        url = _fresh_pg_database(request, url)
    # As in production: supervisors, auditors and administrators sign in with a second factor;
    # the demo enrols them with DEMO_TOTP_SECRET, and `login` types its codes.
    app = demo_app(url, tmp / "instance", keyfile, DEMO_MODE=True, MFA_REQUIRED_ROLES=Defaults.MFA_REQUIRED_ROLES)
    yield app
    with app.app_context():
        db.engine.dispose()


def _fresh_pg_database(request: pytest.FixtureRequest, base_url: str) -> str:
    from dfi_casos.database import scratch_postgres_database

    scratch = scratch_postgres_database(base_url, "dfi_e2e")
    url = scratch.__enter__()
    request.addfinalizer(lambda: scratch.__exit__(None, None, None))
    return url


@pytest.fixture(scope="session")
def live_server(live_app: Any) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        yield server


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    """A failing journey leaves a screenshot and the page's HTML in test-results/."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = ARTIFACTS / re.sub(r"[^\w.-]+", "_", item.name)
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001 - a failed capture must not hide the test's failure
            report.sections.append(("artifacts", f"no se pudo guardar la captura: {exc}"))
    return report


#: The last TOTP step typed per (server, account): the app accepts each code once.
_USED_STEPS: dict[tuple[str, str], int] = {}


def next_totp_code(base_url: str, username: str, secret: str = DEMO_TOTP_SECRET) -> str:
    """A code of `secret` the app has not seen yet for this account, as the person's phone would show.

    The app accepts the steps around now; a fourth login of one account within 30 seconds waits.
    """
    key = (base_url, username)
    while True:
        now = current_step()
        step = max(now, _USED_STEPS.get(key, -1) + 1)
        if step <= now + 1:
            _USED_STEPS[key] = step
            return code_at(secret, step)
        time.sleep(1)


def login(page: Any, base_url: str, username: str, password: str = DEMO_PASSWORD,
          totp_secret: str = DEMO_TOTP_SECRET) -> None:
    """Sign in through the login form, as a person would; types the TOTP code when the app asks for one."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Usuario", exact=True).fill(username)
    page.get_by_label("Contraseña", exact=True).fill(password)
    # Wait for the answer: a `goto` right after the click would cancel the login POST.
    with page.expect_navigation():
        page.get_by_role("button", name="Entrar").click()
    if page.url.split("?")[0].endswith("/login/codigo"):
        page.get_by_label("Código de verificación").fill(next_totp_code(base_url, username, totp_secret))
        with page.expect_navigation():
            page.get_by_role("button", name="Verificar").click()


def logout(page: Any) -> None:
    page.get_by_role("button", name="Cerrar sesión").first.click()
