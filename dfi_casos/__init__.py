"""dfi-casos: case management for internal forced displacement (DFI) in Mexico."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import check_production, settings_for

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, keys, blueprints, CLI.

    `config` may name the environment with ENV_NAME and override any setting.
    """
    overrides = dict(config or {})
    settings = settings_for(overrides.pop("ENV_NAME", None))
    settings.update(overrides)
    check_production(settings)

    # cycle: every module of the package imports `dfi_casos` (this file) first, and some read
    # PROJECT_ROOT from it; so the factory imports the app's parts when called, not at load time.

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
        instance_path=settings.get("INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
    )
    app.config.update(settings)
    from dfi_casos.uploads import InMemoryUploadRequest

    # Uploads (imports, attachments) hold personal data: never spooled in plaintext to a temp folder.
    app.request_class = InMemoryUploadRequest
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'dfi_casos.sqlite3'}"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["SESSION_COOKIE_SECURE"])
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        # Only then is X-Forwarded-For believed: with no proxy in front, a client could name any address
        # and walk out of its rate-limit bucket or into someone else's audit origin.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from dfi_casos.security.crypto import load_key_material

    app.extensions["dfi_keys"] = load_key_material(app.config, app.instance_path)

    from dfi_casos.catalogs.geography import load_municipalities

    # Loaded once per app; a bad file stops the start-up with the line at fault.
    app.extensions["municipalities"] = load_municipalities(app.config.get("MUNICIPALITIES_FILE") or None)

    _init_extensions(app)
    _register_blueprints(app)

    from dfi_casos import labels, web

    web.init_app(app)
    labels.init_app(app)

    from dfi_casos import api

    # After web.init_app: the API's token check runs right after web's per-request reset, before the limiter.
    api.init_app(app)

    from dfi_casos.security.errors import register_error_handlers

    register_error_handlers(app)

    from dfi_casos.cli import register_commands

    register_commands(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return app


def _init_extensions(app: Flask) -> None:
    # cycle: the extensions module imports the package (this file) first; see create_app.
    from dfi_casos.extensions import babel, csrf, db, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    import flask_babel

    from dfi_casos.i18n import day, html_lang, moment, number, select_locale

    babel.init_app(app, default_locale="es_MX", default_timezone=app.config["BABEL_DEFAULT_TIMEZONE"],
                   locale_selector=select_locale)
    app.jinja_env.globals["html_lang"] = html_lang
    app.add_template_filter(day, "day")
    app.add_template_filter(moment, "moment")
    app.add_template_filter(number, "number")
    # Flask-Babel caches the locale on `g`, which an app context shared by several requests (tests,
    # CLI) would carry from one user to the next: each request chooses its own.
    app.before_request(flask_babel.refresh)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    # The limiter is one object shared by every app of the process (tests build several): its
    # storage is always set up, and whether this app enforces limits is this app's setting.
    app.config["RATE_LIMITS_ENFORCED"] = bool(app.config.get("RATELIMIT_ENABLED", True))
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    # cycle: each blueprint imports the package (this file) first; see create_app.
    from dfi_casos.admin.views import bp as admin_bp
    from dfi_casos.audit_ui.views import bp as audit_ui_bp
    from dfi_casos.auth.account_views import bp as account_bp
    from dfi_casos.auth.views import bp as auth_bp
    from dfi_casos.cases.views import bp as cases_bp
    from dfi_casos.documents.letter_views import bp as letters_bp
    from dfi_casos.documents.views import bp as documents_bp
    from dfi_casos.imports.views import bp as imports_bp
    from dfi_casos.institutions.views import bp as institutions_bp
    from dfi_casos.main.views import bp as main_bp
    from dfi_casos.registry.merge_views import bp as merge_bp
    from dfi_casos.registry.search_views import bp as search_bp
    from dfi_casos.registry.views import bp as registry_bp
    from dfi_casos.reports.views import bp as reports_bp
    from dfi_casos.rights.views import bp as rights_bp
    from dfi_casos.solutions.views import bp as solutions_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(merge_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(institutions_bp)
    app.register_blueprint(solutions_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(audit_ui_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(rights_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(letters_bp)
    if app.config.get("BENCH_ROUTES"):
        from dfi_casos.bench_views import bp as bench_bp

        app.register_blueprint(bench_bp)
