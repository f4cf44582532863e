"""Flask extensions, created unbound here and bound to an app in `create_app`."""
from __future__ import annotations

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from dfi_casos.database import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Counters live in Redis when RATELIMIT_STORAGE_URI says so, shared by every worker.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _limits_off() -> bool:
    return not current_app.config.get("RATE_LIMITS_ENFORCED", True)
