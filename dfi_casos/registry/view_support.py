"""What the registry's pages share: the blueprint, place names, form status, the audit of what a page shows."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, current_app, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos.cases.lists import cases_of_subject
from dfi_casos.catalogs.enums import CaseSubject
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.errors import DomainError
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, parse_version
from dfi_casos.pagination import page_number
from dfi_casos.registry import forms, services
from dfi_casos.registry.curp import CurpInvalida, curp_mismatches, validate_curp
from dfi_casos.registry.models import Person
from dfi_casos.security import audit
from dfi_casos.security.access import Permission

bp = Blueprint("registry", __name__, url_prefix="/registro")
P = Permission
T = TypeVar("T")

#: Person fields the view page shows (and the audit entry names).
PERSON_VIEW_FIELDS = ["given_names", "first_surname", "second_surname", "aliases", "curp", "birth_date",
                      "gender_identity", "phone", "address", "safe_contact_channel", "protection_risks"]
#: Person fields shown in lists and member tables.
PERSON_ROW_FIELDS = ["given_names", "first_surname", "second_surname"]


def catalog() -> Any:
    return services.municipalities()


def state_name(code: str | None) -> str:
    state = state_by_code(code or "")
    return state.name if state else (_("Extranjero") if code == "NE" else "—")


def municipality_name(code: str | None) -> str:
    municipality = catalog().get(code or "") if code else None
    return municipality.name if municipality else "—"


def form_status() -> int:
    return 400 if request.method == "POST" else 200


def re_rendering() -> bool:
    """A button that only re-renders the form (nothing is saved)."""
    return any(name in request.form for name in ("refresh_municipalities", "add_member", "remove_member"))


def duplicates_for_display(matches: list[services.DuplicateMatch]) -> list[dict[str, Any]]:
    """Visible candidates with name and link; out-of-scope ones as a count only. Audits the names shown."""
    # Nothing was written before the service found them; the view entries of the names shown are kept.
    db.discard_refused_work()
    shown = []
    for match in matches:
        rows = []
        for person, reasons in match.visible:
            audit_view("person", person, PERSON_ROW_FIELDS)
            rows.append({"id": person.id, "name": person.full_name(), "reasons": reasons,
                         "state": state_name(person.state_code)})
        shown.append({"index": match.index, "visible": rows, "hidden": match.hidden})
    return shown


def person_row(person: Person) -> dict[str, Any]:
    """What a list shows of a person: decrypts the name only."""
    return {"id": person.id, "name": person.full_name(), "sex": person.registered_sex.label,
            "state": state_name(person.state_code), "municipality": municipality_name(person.municipality_code),
            "created_at": person.created_at}


def audit_view(object_type: str, record: Any, fields: list[str]) -> None:
    """The page showed these sensitive fields (names) of one record."""
    audit.record_view(db.session, current_user, object_type, record.id, fields=fields, state_code=record.state_code)


def audit_list(object_type: str, records: list[Any], fields: list[str]) -> None:
    """A list page showed these fields of these records; the entry names the state when they share one."""
    if records:
        states = {r.state_code for r in records}
        audit.record_view(db.session, current_user, object_type, None, fields=fields, ids=[r.id for r in records],
                          state_code=states.pop() if len(states) == 1 else None)


def requested_page() -> int:
    return page_number(request.args.get("pagina"))


def read_list_filters() -> tuple[forms.ListFilterForm, services.Filters]:
    form = forms.ListFilterForm(formdata=request.args)
    forms.set_municipality_choices(form.municipio, catalog(), form.estado.data, _("Todos"))
    form.validate()
    return form, forms.list_filters(form)


def page_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k != "pagina" and v}


def page_size() -> int:
    return int(current_app.config["PAGE_SIZE"])


def default_state(form: Any) -> None:
    if request.method == "GET" and not form.state_code.data and len(current_user.states) == 1:
        form.state_code.data = current_user.states[0]



def curp_warnings(form: Any) -> list[str]:
    """CURP that disagrees with the date of birth or sex typed: a warning, not an error."""
    if not form.curp.data or form.curp.errors:
        return []
    try:
        info = validate_curp(form.curp.data)
    except CurpInvalida:
        return []
    return curp_mismatches(info, form.birth_date.data, form.registered_sex.data)


def subject_cases(subject_type: CaseSubject, subject_id: Any) -> list[Any]:
    return cases_of_subject(db.session, current_user, subject_type, subject_id)


def history(record_type: str, record_id: Any, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [{"version": c.version, "fields": [str(labels.get(f, f)) for f in c.fields], "username": c.username,
             "changed_at": c.changed_at} for c in services.changes_since(db.session, record_type, record_id, 0)]



def save_record(form: Any, record: Any, read: Callable[[Any], Any], register: Callable[..., Any],
                 update: Callable[..., Any], messages: tuple[str, str]) -> tuple[Any, str | None]:
    """Register a new record or update `record` from a submitted form: (saved record or None, error)."""
    if re_rendering() or not form.validate_on_submit():
        return None, None
    is_new = record is None
    try:
        if is_new:
            record = register(db.session, current_user, read(form))
        else:
            update(db.session, current_user, record, read(form), parse_version(form.version.data))
    except DomainError as exc:
        return None, attach_error(form, exc)
    flash(messages[0] if is_new else messages[1], "success")
    return record, None


def form_errors_text(form: Any) -> str:
    """Every error of a posted form in one line, for a flash shown after the redirect."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def post_and_flash(form: Any, save: Callable[[], object], saved_message: str) -> bool:
    """A small form posted from a record's page: run `save` if the form is valid, flash what happened
    (saved, the refusal, or the form's errors) and let the caller redirect. True when it was saved."""
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")
        return False
    try:
        save()
    except DomainError as exc:
        flash(str(exc), "error")
        return False
    flash(saved_message, "success")
    return True


def save_person_form(form: Any, context: dict[str, Any], save: Callable[[], T], warnings: Callable[[], list[str]],
                     saved_message: str) -> T | None:
    """Run `save` for a form that registers or edits persons: what it returns, with the CURP warnings and
    `saved_message` flashed; or None, with the possible duplicates or the refusal put in `context` for the page."""
    try:
        saved = save()
    except services.DuplicatesFound as exc:
        context["duplicates"] = duplicates_for_display(exc.matches)
    except DomainError as exc:
        context["general_error"] = attach_error(form, exc)
    else:
        for warning in warnings():
            flash(warning, "warning")
        flash(saved_message, "success")
        return saved
    return None
