"""Small helpers shared by every form: choices, and a domain error shown beside its field."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from dfi_casos.errors import DomainError


def select_choices(pairs: Iterable[tuple[str, str]], blank: str | None = None) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs; `blank` adds an empty first option."""
    choices = [SelectChoice(value, label) for value, label in pairs]
    if blank is not None:
        choices.insert(0, SelectChoice("", blank))
    return choices


def parse_version(value: str | None) -> int:
    """The version a form was opened at (optimistic lock); -1 (never current) when tampered with."""
    try:
        return int(value or "")
    except ValueError:
        return -1


def _field_for(form: Any, name: str | None) -> Any:
    """The form's field called `name`, including a member row's field ("members-2-curp")."""
    if not name:
        return None
    if name in form._fields:
        return form._fields[name]
    match = re.fullmatch(r"(\w+?)-(\d+)-(\w+)", name)
    if match and match[1] in form._fields:
        entries = form._fields[match[1]].entries
        if int(match[2]) < len(entries):
            return entries[int(match[2])].form._fields.get(match[3])
    return None


def attach_error(form: Any, exc: DomainError) -> str | None:
    """Put a domain error's message beside the field it names; return the message when no field takes it.

    The caller shows a returned message as the form's general error (or flashes it).
    """
    field = _field_for(form, exc.field)
    if field is None:
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes: a multi-select needs Ctrl-click, which few people know."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
