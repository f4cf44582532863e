"""Password policy, hashing cost, and configuration rules."""
from __future__ import annotations

import pytest

import config as settings
from dfi_casos import create_app
from dfi_casos.security.passwords import PasswordRejected, check_policy, common_passwords


def test_twelve_characters_are_required():
    with pytest.raises(PasswordRejected, match="al menos 12"):
        check_policy("once letras")
    check_policy("doce letras!")


@pytest.mark.parametrize("password", ["password1234", "qwertyuiopas", "contraseña123", "123456789012"])
def test_common_passwords_are_refused(password):
    with pytest.raises(PasswordRejected, match="común"):
        check_policy(password)


def test_no_composition_rules():
    check_policy("solo minúsculas y espacios")  # no digit, no capital, no symbol: fine


def test_password_containing_the_username_is_refused():
    with pytest.raises(PasswordRejected, match="nombre de usuario"):
        check_policy("rosa.martinez-2026", username="rosa.martinez")


def test_common_list_is_large():
    assert len(common_passwords()) > 19000


def test_production_hashing_cost_is_not_the_test_cost():
    prod, test = settings.Production, settings.Test
    assert prod.ARGON2_MEMORY_COST >= 19456 and prod.ARGON2_TIME_COST >= 2  # OWASP minimums for argon2id
    assert (prod.ARGON2_MEMORY_COST, prod.ARGON2_TIME_COST) != (test.ARGON2_MEMORY_COST, test.ARGON2_TIME_COST)


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("DFI_SECRET_KEY", raising=False)
    with pytest.raises(settings.ConfigError, match="DFI_SECRET_KEY"):
        create_app({"ENV_NAME": "production"})


def test_production_refuses_the_development_secret_key():
    with pytest.raises(settings.ConfigError, match="DFI_SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": settings.DEV_SECRET_KEY})


def test_production_refuses_to_start_without_keys(tmp_path):
    from dfi_casos.security.crypto import KeyConfigError

    with pytest.raises(KeyConfigError, match="Producción requiere claves"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 48, "INSTANCE_PATH": str(tmp_path)})


def test_every_setting_can_be_overridden_from_the_environment():
    values = settings.settings_for("production", {
        "DFI_DATABASE_URL": "postgresql+psycopg://db/app", "DFI_SESSION_IDLE_MINUTES": "10",
        "DFI_SESSION_COOKIE_SECURE": "false", "DFI_SMALL_CELL_THRESHOLD": "3",
    })
    assert values["DATABASE_URL"] == "postgresql+psycopg://db/app"
    assert values["SESSION_IDLE_MINUTES"] == 10
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SMALL_CELL_THRESHOLD"] == 3


def test_bad_override_is_a_clear_error():
    with pytest.raises(settings.ConfigError, match="DFI_SESSION_IDLE_MINUTES"):
        settings.settings_for("development", {"DFI_SESSION_IDLE_MINUTES": "media hora"})


def test_secure_cookie_outside_development():
    assert settings.Production.SESSION_COOKIE_SECURE is True
    assert settings.Development.SESSION_COOKIE_SECURE is False


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DFI_DATABASE_URL", raising=False)
    app = create_app({"ENV_NAME": "development", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'dfi_casos.sqlite3'}"


def test_benchmark_baseline_page_is_off_unless_asked(tmp_path):
    plain = create_app({"ENV_NAME": "test", "INSTANCE_PATH": str(tmp_path)})
    bench = create_app({"ENV_NAME": "test", "INSTANCE_PATH": str(tmp_path), "BENCH_ROUTES": True})
    assert "bench.plain" not in plain.view_functions
    assert "bench.plain" in bench.view_functions


def test_rate_limiting_can_be_switched_off_from_the_environment():
    assert settings.settings_for("production", {"DFI_RATELIMIT_ENABLED": "false"})["RATELIMIT_ENABLED"] is False
    assert settings.settings_for("production", {})["RATELIMIT_ENABLED"] is True


def test_the_api_rate_limit_is_a_setting_with_an_environment_override(tmp_path):
    assert settings.settings_for("production", {})["API_RATE_LIMIT"] == "300 per minute"
    assert settings.settings_for("production", {"DFI_API_RATE_LIMIT": "50 per minute"})["API_RATE_LIMIT"] \
        == "50 per minute"
    assert create_app({"ENV_NAME": "test", "INSTANCE_PATH": str(tmp_path)}).config["API_RATE_LIMIT"] == \
        "300 per minute"
