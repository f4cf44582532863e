"""Small helpers shared by every form."""
from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def select_choices(pairs: Iterable[tuple[str, str]], blank: str | None = None) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs; `blank` adds an empty first option."""
    choices = [SelectChoice(value, label) for value, label in pairs]
    if blank is not None:
        choices.insert(0, SelectChoice("", blank))
    return choices
