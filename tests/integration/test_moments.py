"""Moments (date and time) read like the dates beside them, in the users' time zone and language."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from flask_babel import force_locale

from dfi_casos.i18n import moment
from tests import factories

AT = datetime(2026, 11, 28, 10, 2, 9, tzinfo=UTC)  # 04:02 in Mexico City (no daylight saving since 2022)


def test_a_moment_in_each_language(app):
    with app.test_request_context():
        assert moment(AT) == "28/11/2026 04:02" and moment(None) == ""
        assert moment(AT, seconds=True) == "28/11/2026 04:02:09"
        with force_locale("en"):
            assert moment(AT) == "28 Nov 2026, 04:02"


def test_the_case_history_writes_its_moments_like_its_dates(client, db, login_as):
    user = login_as("caseworker", ["12"])
    case = factories.make_case(db, user, "12")
    page = client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", page), "the history's moments"
    assert "a.m." not in page and "p.m." not in page and not re.search(r"\d\d/\d\d/\d\d,", page)
