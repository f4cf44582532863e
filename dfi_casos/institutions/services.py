"""The institutions catalog: the seed list, active institutions by territory, and administrators' edits."""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.institutions.models import DEFAULT_INSTITUTIONS, Institution
from dfi_casos.registry.rules import (
    RegistryError,
    apply_changes,
    check_version,
    require,
    save_edit,
)
from dfi_casos.scope import can_edit_institution
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal
from dfi_casos.security.audit import Action


def ensure_default_institutions(session: Session) -> int:
    """Insert the seed institutions that are missing (by code); how many were added."""
    existing = set(session.scalars(select(Institution.code)))
    added = [Institution(code=s.code, name=s.name, active=True) for s in DEFAULT_INSTITUTIONS
             if s.code not in existing]
    session.add_all(added)
    session.flush()
    forget_institution_names()
    return len(added)


def active_institutions(session: Session, state_code: str | None = None) -> list[Institution]:
    """Active national institutions, plus those of `state_code` when given."""
    stmt = select(Institution).where(Institution.active.is_(True))
    territory: ColumnElement[bool] = Institution.state_code.is_(None)
    if state_code:
        territory = territory | (Institution.state_code == state_code)
    return list(session.scalars(stmt.where(territory).order_by(Institution.name)))


#: Institution names by id, per process: every case page and person page names institutions, and the
#: catalog changes a few times a year. An edit here clears it at once; other processes read it again
#: after NAMES_MAX_AGE seconds (the only staleness: a renamed institution shows its old name that long).
NAMES_MAX_AGE = 60.0
_names: dict[int, str] = {}
_names_read_at = 0.0


def institution_names(session: Session, needed: Iterable[int | None] = ()) -> dict[int, str]:
    """Every institution's name by id, from the per-process cache (one query a minute at most).

    An id in `needed` that the cache does not know (added by another process) reads the catalog again.
    """
    global _names, _names_read_at
    missing = any(i is not None and i not in _names for i in needed)
    if missing or not _names or time.monotonic() - _names_read_at > NAMES_MAX_AGE:
        _names = {row.id: row.name for row in session.execute(select(Institution.id, Institution.name))}
        _names_read_at = time.monotonic()
    return _names


#: Option lists of the active institutions by territory (None: national only), per process, like the names:
#: the forms of services, referrals, measures and plans offer them. Cleared with the names on every edit
#: here; other processes read them again after NAMES_MAX_AGE seconds. The other option lists are static and
#: need no cache: states and municipalities are INEGI's catalog in code (`catalogs/geography.py`, read
#: once at start), enums are classes; their labels stay lazy so each user's language applies.
_options: dict[str | None, tuple[float, list[tuple[str, str]]]] = {}


def institution_options(session: Session, state_code: str | None = None) -> list[tuple[str, str]]:
    """(id, name) of the active institutions offered in `state_code`'s forms, from the per-process cache."""
    cached = _options.get(state_code)
    if cached is None or time.monotonic() - cached[0] > NAMES_MAX_AGE:
        cached = _options[state_code] = (time.monotonic(), [(str(i.id), i.name) for i in active_institutions(
            session, state_code)])
    return list(cached[1])


def forget_institution_names() -> None:
    """Drop the cached names and option lists (after an edit of the catalog)."""
    global _names_read_at
    _names.clear()
    _names_read_at = 0.0
    _options.clear()


@dataclass
class InstitutionData:
    code: str
    name: str
    active: bool = True
    state_code: str | None = None


def list_institutions(session: Session, actor: Principal) -> list[Institution]:
    """Every institution, active first, for the administrators' catalog page."""
    require(actor, Permission.MANAGE_CATALOGS)
    return list(session.scalars(select(Institution).order_by(Institution.active.desc(), Institution.name)))


def _check_institution(session: Session, actor: Principal, data: InstitutionData, current: Institution | None) -> None:
    if data.state_code is not None and state_by_code(data.state_code) is None:
        raise RegistryError(_("Elija una entidad válida."), "state_code")
    if not can_edit_institution(actor, data.state_code):
        raise RegistryError(_("Solo puede asignar instituciones a las entidades de su adscripción."), "state_code")
    taken = session.scalars(select(Institution.id).where(Institution.code == data.code.strip())).first()
    if taken is not None and (current is None or taken != current.id):
        raise RegistryError(_("Ya existe una institución con esa clave."), "code")
    if not data.name.strip():
        raise RegistryError(_("Escriba el nombre."), "name")


def create_institution(session: Session, actor: Principal, data: InstitutionData) -> Institution:
    """Add an institution to the catalog."""
    require(actor, Permission.MANAGE_CATALOGS)
    _check_institution(session, actor, data, None)
    institution = Institution(code=data.code.strip(), name=data.name.strip(), active=data.active,
                              state_code=data.state_code)
    session.add(institution)
    session.flush()
    audit.record_change(session, actor, Action.CREATE, "institution", institution.id,
                        fields=["code", "name", "active"], state_code=institution.state_code)
    forget_institution_names()
    return institution


def update_institution(session: Session, actor: Principal, institution: Institution, data: InstitutionData,
                       expected_version: int) -> list[str]:
    """Rename or (de)activate an institution; its code never changes once records may refer to it."""
    require(actor, Permission.MANAGE_CATALOGS)
    labels = {"name": "nombre", "active": "activa", "code": "clave", "state_code": "entidad"}
    check_version(session, "institution", institution, expected_version, labels)
    if data.code.strip() != institution.code:
        raise RegistryError(_("La clave no se cambia: otros registros la usan."), "code")
    _check_institution(session, actor, data, institution)
    changed = apply_changes(institution, {"name": data.name.strip(), "active": data.active,
                                          "state_code": data.state_code})
    forget_institution_names()
    return save_edit(session, actor, "institution", institution, changed, labels)
