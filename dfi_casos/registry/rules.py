"""The registry's shared rules: its error, territory and field checks, edit history and optimistic locking."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dfi_casos.auth.models import User
from dfi_casos.catalogs.geography import MunicipalityCatalog, state_by_code
from dfi_casos.database import local_today
from dfi_casos.errors import DomainError, EditConflict
from dfi_casos.registry.curp import CurpInvalida, validate_curp
from dfi_casos.registry.data import PERSON_FIELDS, PersonData
from dfi_casos.registry.models import (
    RecordChange,
)
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.security.audit import Action


class RegistryError(DomainError):
    """A registry rule refused the operation; the message is Spanish, `field` names the form field at fault."""


@dataclass(frozen=True)
class ChangeSummary:
    """One later save of a record: which fields, by whom, when (never the values)."""

    version: int
    fields: list[str]
    username: str
    changed_at: Any


def edit_conflict(changes: list[ChangeSummary], labels: dict[str, str]) -> EditConflict:
    """The EditConflict for a registry record, naming the later saves (fields and who, never values)."""
    parts = []
    for change in changes:
        names = ", ".join(str(labels.get(f, f)) for f in change.fields) or _("sin campos registrados")
        parts.append(_("%(user)s cambió: %(fields)s", user=change.username, fields=names))
    detail = "; ".join(parts) if parts else _("no se pudo determinar qué cambió")
    return EditConflict(
        _("Otra persona modificó este registro mientras usted lo editaba; no se guardaron sus cambios. "
          "Cambios posteriores: %(detail)s. Recargue la página para ver la versión actual.", detail=detail),
        changes=changes)


def municipalities() -> MunicipalityCatalog:
    """The app's municipality catalog (loaded once in create_app)."""
    catalog: MunicipalityCatalog = current_app.extensions["municipalities"]
    return catalog


def require(actor: Principal, permission: Permission) -> None:
    if not has_permission(actor, permission):
        raise RegistryError(_("No tiene permiso para realizar esta acción."))


def check_territory(actor: Principal, state_code: str, field_name: str = "state_code") -> None:
    if state_by_code(state_code) is None:
        raise RegistryError(_("Elija una entidad federativa válida."), field_name)
    if not in_territory(actor, state_code):
        raise RegistryError(_("Solo puede registrar en las entidades de su adscripción."), field_name)


def check_municipality(municipality_code: str | None, state_code: str | None, field_name: str) -> None:
    if municipality_code and not (state_code and municipalities().belongs_to(municipality_code, state_code)):
        raise RegistryError(_("El municipio no pertenece a la entidad elegida."), field_name)


def check_person(data: PersonData, state_code: str, prefix: str = "") -> None:
    if not data.given_names.strip() or not data.first_surname.strip():
        raise RegistryError(_("Escriba el nombre y el primer apellido."), prefix + "given_names")
    if data.birth_date is not None and data.birth_date > local_today():
        raise RegistryError(_("La fecha de nacimiento no puede ser posterior a hoy."), prefix + "birth_date")
    if data.curp:
        try:
            validate_curp(data.curp)
        except CurpInvalida as exc:
            raise RegistryError(str(exc), prefix + "curp") from None
    check_municipality(data.municipality_code, state_code, prefix + "municipality_code")


def apply_changes(record: Any, values: dict[str, Any]) -> list[str]:
    """Set each attribute that differs; the names of those that changed."""
    changed = []
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def person_values(data: PersonData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in PERSON_FIELDS}
    if values["curp"]:
        values["curp"] = validate_curp(values["curp"]).curp
    # Encrypted list fields take a list; an empty one is stored as nothing.
    values["protection_risks"] = list(data.protection_risks) or None
    for name in ("second_surname", "aliases", "curp", "gender_identity", "phone", "address",
                 "safe_contact_channel"):
        values[name] = (values[name] or "").strip() or None
    values["given_names"] = data.given_names.strip()
    values["first_surname"] = data.first_surname.strip()
    return values


def filled_fields(values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if value not in (None, "", [], {}, False)]


def add_history(session: Session, actor: Principal, record_type: str, record: Any, fields: list[str]) -> None:
    session.add(RecordChange(record_type=record_type, record_id=str(record.id), version=record.version,
                             fields=fields, changed_by_id=actor.id))


def save_edit(session: Session, actor: Principal, record_type: str, record: Any, changed: list[str],
              labels: dict[str, str], arco_request_id: str | None = None) -> list[str]:
    """Write an edit that changed the `changed` fields: optimistic lock, history row and audit entry; the names.

    Nothing happens when nothing changed. EditConflict when someone saved the record in between.
    `arco_request_id` names the rectification request the edit answers (kept in the audit entry).
    """
    if not changed:
        return changed
    since, record_id = record.version, record.id
    try:
        session.flush()
    except StaleDataError:
        # A concurrent save slipped in between our read and our write. A failed flush leaves the
        # session unusable, and the form is shown again: roll this request's work back first
        # (nothing of it may land anyway), then read what the other save changed.
        session.rollback()
        raise edit_conflict(changes_since(session, record_type, record_id, since), labels) from None
    add_history(session, actor, record_type, record, changed)
    facts = {"arco_request_id": arco_request_id} if arco_request_id else {}
    audit.record_change(session, actor, Action.UPDATE, record_type, record.id, fields=changed,
                        state_code=record.state_code, **facts)
    session.flush()
    return changed


def changes_since(session: Session, record_type: str, record_id: Any, version: int) -> list[ChangeSummary]:
    """The saves of a record after `version`, oldest first: field names and who, never values."""
    rows = session.execute(
        select(RecordChange, User.username)
        .join(User, User.id == RecordChange.changed_by_id)
        .where(RecordChange.record_type == record_type, RecordChange.record_id == str(record_id),
               RecordChange.version > version)
        .order_by(RecordChange.version)
    ).all()
    return [ChangeSummary(row.RecordChange.version, list(row.RecordChange.fields), row.username,
                          row.RecordChange.changed_at) for row in rows]


def check_version(session: Session, record_type: str, record: Any, expected: int,
                   labels: dict[str, str]) -> None:
    if record.version != expected:
        raise edit_conflict(changes_since(session, record_type, record.id, expected), labels)


# --- records chosen in a form ----------------------------------------------------------------

def chosen_record(session: Session, actor: Principal, model: Any, record_id: uuid.UUID | None,
                     field_name: str) -> Any:
    if record_id is None:
        return None
    found = session.scalars(scoped(select(model).where(model.id == record_id), model, actor)).first()
    if found is None:
        raise RegistryError(_("El registro elegido no existe o no está a su alcance."), field_name)
    return found
