"""Settings: defaults, one class per environment, and overrides from `DFI_*` variables.

Every upper-case attribute of `Defaults` is a setting. `DFI_<NAME>` in the environment
overrides it, parsed after the type of its default (bool, int, float, list, str).
"""
from __future__ import annotations

import json
import os
from typing import Any

DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105 - the refused sentinel


class Defaults:
    ENV_NAME = "default"
    DEBUG = False
    TESTING = False
    #: Flask's session signing key; production refuses the development value.
    SECRET_KEY = DEV_SECRET_KEY
    #: SQLAlchemy URL; empty means a SQLite file under instance/.
    DATABASE_URL = ""
    #: Where rate-limit counters live: memory:// for one process, redis://host:port for many.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_RATE_LIMIT = "30 per minute"
    #: Per address and per account (dfi_casos/ratelimits.py): searches, exports/downloads, passwords and codes.
    SEARCH_RATE_LIMIT = "60 per minute"
    EXPORT_RATE_LIMIT = "20 per minute"
    CREDENTIAL_RATE_LIMIT = "10 per minute"
    #: Per API token (dfi_casos/api): every call under /api/v1 counts; 429 with Retry-After beyond it.
    API_RATE_LIMIT = "300 per minute"
    #: Roles that must sign in with a second factor (TOTP); the others may turn it on.
    MFA_REQUIRED_ROLES = ["supervisor", "auditor", "administrator", "transparency"]
    #: Reverse proxies in front of the app (nginx = 1). Only then X-Forwarded-For/-Proto are believed.
    TRUSTED_PROXIES = 0
    #: Minutes of inactivity after which a session ends.
    SESSION_IDLE_MINUTES = 30
    #: Hours after login after which a session ends, active or not.
    SESSION_MAX_HOURS = 12
    SESSION_COOKIE_NAME = "dfi_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    #: Failed logins before the account is locked, and for how long.
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_MINUTES = 15
    PASSWORD_MIN_LENGTH = 12
    #: argon2id cost: RFC 9106's second recommended option (64 MiB, 3 passes).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4
    BABEL_DEFAULT_LOCALE = "es_MX"
    BABEL_DEFAULT_TIMEZONE = "America/Mexico_City"
    WTF_CSRF_TIME_LIMIT = 3600 * 12
    #: Shows the "modo demostración" banner with the demo accounts on the login page.
    DEMO_MODE = False
    #: Key material, see docs: DFI_ENCRYPTION_KEYS, DFI_BLIND_INDEX_KEY, DFI_AUDIT_KEY or DFI_KEYFILE.
    ENCRYPTION_KEYS = ""
    BLIND_INDEX_KEY = ""
    AUDIT_KEY = ""
    KEYFILE = ""
    #: Backup key (base64 of 32 bytes) or a file holding it; never the same as the keys above.
    BACKUP_KEY = ""
    BACKUP_KEYFILE = ""
    #: Files store directory (documents); empty means instance/files. Backups include it.
    FILES_DIR = ""
    #: Where encrypted documents are kept: "directory" (FILES_DIR) or "s3" (an S3-compatible store, e.g. MinIO).
    STORAGE_BACKEND = "directory"
    S3_ENDPOINT_URL = ""
    S3_BUCKET = "dfi-casos"
    S3_ACCESS_KEY = ""
    S3_SECRET_KEY = ""
    S3_REGION = "us-east-1"
    S3_PREFIX = ""
    #: Largest document accepted (bytes; the upload route alone reads this much), and all of one record's files.
    DOCUMENT_MAX_BYTES = 15 * 1024 * 1024
    DOCUMENT_RECORD_QUOTA = 200 * 1024 * 1024
    #: Referral letters (oficios): letterhead lines, place of issue, number prefix, and each year's official legend.
    LETTER_LETTERHEAD = ["Secretaría de Gobernación", "Subsecretaría de Derechos Humanos, Población y Migración",
                         "DEPCMH · Atención al desplazamiento forzado interno"]
    LETTER_PLACE = "Ciudad de México"
    LETTER_NUMBER_PREFIX = "DEPCMH/DFI"
    LETTER_YEAR_LEGENDS = {"2025": "2025, Año de la Mujer Indígena"}
    #: Largest image accepted, in pixels (width x height): a decompression bomb is refused before decoding.
    DOCUMENT_MAX_PIXELS = 40_000_000
    #: Expected registry size, used to size blind-index truncation.
    EXPECTED_REGISTRY_SIZE = 1_000_000
    #: Published tables hide counts below this value.
    SMALL_CELL_THRESHOLD = 5
    #: A displacement event is "masivo" from this many households or persons.
    MASS_EVENT_MIN_HOUSEHOLDS = 10
    MASS_EVENT_MIN_PERSONS = 50
    PAGE_SIZE = 25
    #: An open case with no activity for this many days is flagged as idle (worklists, case page, home).
    CASE_IDLE_DAYS = 30
    #: A durable-solution assessment older than this many months needs renewing (dashboard, case page).
    ASSESSMENT_RENEWAL_MONTHS = 6
    #: Days the receiving state's supervisors have to answer a transfer request before it shows as overdue.
    TRANSFER_ANSWER_DAYS = 10
    #: Accounts not used for this many days show as dormant on the administrator's home page.
    ACCOUNT_DORMANT_DAYS = 90
    #: Closure reasons after which a case can never be reopened (a death; a duplicate lives on in its twin).
    CASE_NEVER_REOPEN_REASONS = ["death", "duplicate"]
    #: Days during which a second supervisor can undo a merge of two persons or households.
    MERGE_UNDO_DAYS = 30
    #: A newer INEGI municipality CSV; empty means the edition shipped with the package.
    MUNICIPALITIES_FILE = ""
    #: Largest upload the import page reads (bytes), and most rows (households and members) in one file.
    IMPORT_MAX_BYTES = 25_000_000
    IMPORT_MAX_ROWS = 20_000
    #: Households per transaction when an import is committed.
    IMPORT_BATCH = 200
    #: A running import whose worker has not reported for this long is taken over by another worker.
    IMPORT_STALE_SECONDS = 300
    #: Commit imports inside the request instead of a background thread (tests).
    IMPORT_RUN_INLINE = False
    #: Data-subject (ARCO) requests, in días hábiles (DOMAIN.md "Business days"; article numbers of the
    #: 2025 law unconfirmed, so every period is a setting): answer, one extension, carrying out what was
    #: granted, returning a request that lacks information, and the person's time to complete it.
    ARCO_ANSWER_DAYS = 20
    ARCO_EXTENSION_DAYS = 10
    ARCO_EXECUTION_DAYS = 15
    ARCO_PREVENTION_DAYS = 5
    ARCO_PREVENTION_REPLY_DAYS = 10
    #: A request with this many business days left or fewer is flagged on the home page.
    ARCO_NEAR_DEADLINE_DAYS = 5
    #: Non-working days of the administrative calendar (LFPA art. 28), as MM-DD: the nominal dates, not
    #: the labour law's Monday substitutes. Vacation and suspension periods are kept in the database.
    ARCO_NONWORKING_DAYS = ["01-01", "02-05", "03-21", "05-01", "05-05", "09-01", "09-16", "10-12", "11-20",
                            "12-01", "12-25"]
    #: Single non-working dates (YYYY-MM-DD), e.g. the day a new federal executive takes office.
    ARCO_EXTRA_NONWORKING_DATES: list[str] = ["2030-10-01"]
    #: Whether the access report names the staff who opened the person's records (else role and territory).
    ARCO_REPORT_STAFF_NAMES = False
    #: Retention (Ley General de Archivos; docs/data-protection.md). Per documentary series: years in the
    #: archivo de trámite after a case closes, then in concentración; per closure reason the two may differ.
    #: At the end of the vigencia the person's data are blocked, and deleted `blocked_years` later
    #: (with a baja documental record). Persons never part of a case count from their registration.
    RETENTION_POLICY = {
        "series": "Expedientes de atención a personas en situación de desplazamiento forzado interno",
        "tramite_years": 2,
        "concentracion_years": 5,
        "by_closure_reason": {"duplicate": [0, 1], "not_recognized": [1, 4]},
        "without_case_years": 7,
        "blocked_years": 1,
    }
    #: Persons reviewed per transaction by `dfi-casos retention run`.
    RETENTION_BATCH = 200
    #: Serves /bench/plain, the load benchmark's baseline page. Off everywhere but bench/load.sh.
    BENCH_ROUTES = False


class Development(Defaults):
    ENV_NAME = "development"
    DEBUG = True
    SESSION_COOKIE_SECURE = False
    DEMO_MODE = True


class Test(Defaults):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    SESSION_COOKIE_SECURE = False
    # Cheap hashing in tests only; a test checks production's are not these.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    RATELIMIT_ENABLED = False
    IMPORT_RUN_INLINE = True
    # Tests of the second factor turn it on for the roles they need; the browser journeys use the default.
    MFA_REQUIRED_ROLES: list[str] = []


class Production(Defaults):
    ENV_NAME = "production"


ENVIRONMENTS: dict[str, type[Defaults]] = {
    "development": Development,
    "test": Test,
    "production": Production,
}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


def _parse(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on", "si", "sí"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, list | dict):
        return json.loads(raw)
    return raw


def settings_for(env_name: str | None = None, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings of one environment with the `DFI_*` overrides applied."""
    environ = dict(os.environ) if environ is None else environ
    env_name = env_name or environ.get("DFI_ENV", "development")
    if env_name not in ENVIRONMENTS:
        raise ConfigError(f"DFI_ENV={env_name!r} no es válido; use development, test o production.")
    cls = ENVIRONMENTS[env_name]
    settings = {name: getattr(cls, name) for name in dir(cls) if name.isupper()}
    for name, default in list(settings.items()):
        raw = environ.get(f"DFI_{name}")
        if raw is not None:
            try:
                settings[name] = _parse(raw, default)
            except ValueError as exc:
                raise ConfigError(f"DFI_{name} tiene un valor no válido: {exc}") from exc
    # Settings that have no default of their own (e.g. RATELIMIT_ENABLED) still take DFI_ values.
    for key, raw in environ.items():
        name = key[4:]
        if key.startswith("DFI_") and name.isupper() and name not in settings and name != "ENV":
            settings[name] = raw
    settings["ENV_NAME"] = env_name
    return settings


def check_production(settings: dict[str, Any]) -> None:
    """Refuse to run production with a missing or development secret."""
    if settings["ENV_NAME"] != "production":
        return
    secret = settings.get("SECRET_KEY") or ""
    if secret in {"", DEV_SECRET_KEY, Test.SECRET_KEY} or len(secret) < 32:
        raise ConfigError(
            "Producción requiere DFI_SECRET_KEY: una clave aleatoria propia de al menos 32 caracteres "
            "(por ejemplo: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
