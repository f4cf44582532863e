"""Dates people type and read are Mexico City's, not the server's UTC date."""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask

from dfi_casos import database


class _EveningInMexico(datetime):
    @classmethod
    def now(cls, tz=None):  # 01:30 UTC on 25 Nov is 19:30 on 24 Nov in Mexico City
        return datetime(2026, 11, 25, 1, 30, tzinfo=UTC).astimezone(tz)


def test_local_today_is_mexico_city_date_on_a_mexican_evening(monkeypatch):
    monkeypatch.setattr(database, "datetime", _EveningInMexico)
    app = Flask(__name__)
    app.config["BABEL_DEFAULT_TIMEZONE"] = "America/Mexico_City"
    with app.app_context():
        assert database.local_today() == date(2026, 11, 24)
    assert database.local_today() == date(2026, 11, 25)  # no app: UTC
