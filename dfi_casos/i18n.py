"""Interface languages: Spanish (es_MX, the message ids) and English (the `en` catalogue).

The active locale of a request is the signed-in user's choice (User.language); anonymous pages
(sign-in, errors before sign-in) are in Spanish. Exports and PDFs are built during the request,
so they follow the same locale.
"""
from __future__ import annotations

from datetime import date, datetime

from babel.numbers import format_decimal
from flask import has_request_context
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

DEFAULT_LANGUAGE = "es_MX"
#: locale -> the language's own name (shown in the chooser in that language, as is customary)
LANGUAGES: dict[str, str] = {"es_MX": "Español (México)", "en": "English"}
#: the chooser's explanation, translated
LANGUAGE_HELP = _l("El idioma de las pantallas, los mensajes, las exportaciones y los PDF.")


def select_locale() -> str:
    """Flask-Babel's locale selector: the user's language when it is one we have, else Spanish."""
    if has_request_context():
        user = current_user
        if user is not None and getattr(user, "is_authenticated", False):
            language = getattr(user, "language", None)
            if language in LANGUAGES:
                return str(language)
    return DEFAULT_LANGUAGE


def html_lang() -> str:
    """The page's `lang` attribute (BCP 47): screen readers pick their voice and hyphenation from it."""
    return "en" if str(get_locale()) == "en" else "es-MX"


def day(value: date | None) -> str:
    """A date as people read it: dd/mm/aaaa in Spanish; "28 Nov 2026" in English (no month/day ambiguity)."""
    if value is None:
        return ""
    if str(get_locale()) == "en":
        return str(format_date(value, "d MMM y"))
    return value.strftime("%d/%m/%Y")


def moment(value: datetime | None, seconds: bool = False) -> str:
    """A moment in the users' time zone, as `day` writes the date: «28/11/2026 04:02» or «28 Nov 2026, 04:02».

    Babel's "short" datetime gave «28/11/26, 4:02 a.m.» beside dd/mm/aaaa dates on the same page.
    `seconds` for the audit trail, where the order of entries within a minute matters.
    """
    if value is None:
        return ""
    time = "HH:mm:ss" if seconds else "HH:mm"
    pattern = f"d MMM y, {time}" if str(get_locale()) == "en" else f"dd/MM/y {time}"
    return str(format_datetime(value, pattern))


def number(value: object) -> str:
    """A count or measure with the locale's grouping (12,345 in es_MX and en); text such as "<5" passes as is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    # outside a request (a job, the CLI) Flask-Babel has no locale: Spanish, as everywhere else
    return str(format_decimal(value, locale=str(get_locale() or DEFAULT_LANGUAGE)))
