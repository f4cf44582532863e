"""Flags on a case: raised with a type and an encrypted reason, shown on the case page and in every list,
lowered with a reason; the lowered ones stay as history. Every step is audited (`flag`)."""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.cases.life_models import CaseFlag, FlagType
from dfi_casos.cases.models import Case
from dfi_casos.cases.workflow import CaseError, NextStep, NotPermitted
from dfi_casos.database import utcnow
from dfi_casos.errors import NotVisible
from dfi_casos.scope import works_on
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission
from dfi_casos.security.audit import Action

#: The case list's filter value for "any active flag".
ANY_FLAG = "cualquiera"
REASON_LIMIT = 2000


class FlagError(CaseError):
    """A flag cannot be raised or lowered as asked."""


def can_raise(user: Principal, case: Any) -> bool:
    """Whoever works an open case (caseworker or supervisor) may raise a flag on it."""
    return case.is_open and has_permission(user, Permission.RECORD_SERVICES) and works_on(user, case)


def can_lower(user: Principal, case: Any) -> bool:
    """Lowering needs the same hands, on an open or a closed case (a closed case's flag can be settled)."""
    return has_permission(user, Permission.RECORD_SERVICES) and works_on(user, case)


def steps(case: Any, user: Principal) -> list[NextStep]:
    """The flag actions `user` may take on `case` now (for the case page's buttons)."""
    return [NextStep("raise_flag", _("Levantar alerta"))] if can_raise(user, case) else []


def _reason(text: str | None, field: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise FlagError(_("Escriba el motivo."), field)
    if len(cleaned) > REASON_LIMIT:
        raise FlagError(_("Máximo %(n)s caracteres.", n=REASON_LIMIT), field)
    return cleaned


def raise_flag(session: Session, actor: Principal, case: Case, flag_type: FlagType, reason: str | None) -> CaseFlag:
    """Raise a flag on the case; one active flag per type (a second one would only repeat it)."""
    if not can_raise(actor, case):
        raise NotPermitted(_("Solo quien trabaja un caso abierto puede levantar una alerta en él."))
    text = _reason(reason, "reason")
    if any(f.flag_type == flag_type for f in active_flags(session, [case.id]).get(case.id, [])):
        raise FlagError(_("El caso ya tiene una alerta activa de «%(flag)s».", flag=flag_type.label), "flag_type")
    flag = CaseFlag(case_id=case.id, flag_type=flag_type, raised_by_id=actor.id)
    flag.reason = text
    session.add(flag)
    session.flush()
    audit.record_change(session, actor, Action.FLAG, "case_flag", flag.id, fields=["reason"], step="raised",
                        flag_type=flag_type.value, case_id=str(case.id), state_code=case.state_code,
                        folio=case.folio)
    return flag


def lower_flag(session: Session, actor: Principal, case: Case, flag: CaseFlag, reason: str | None) -> CaseFlag:
    """Lower an active flag with a reason; it stays on the case's history."""
    if flag.case_id != case.id:
        raise NotVisible("case_flag", flag.id, "not_in_case")
    if not can_lower(actor, case):
        raise NotPermitted(_("Solo quien trabaja el caso puede bajar sus alertas."))
    if not flag.is_active:
        raise FlagError(_("Esta alerta ya se bajó."))
    flag.lowered_reason = _reason(reason, "reason")
    flag.lowered_at = utcnow()
    flag.lowered_by_id = actor.id
    session.flush()
    audit.record_change(session, actor, Action.FLAG, "case_flag", flag.id, fields=["lowered_reason"], step="lowered",
                        flag_type=flag.flag_type.value, case_id=str(case.id), state_code=case.state_code,
                        folio=case.folio)
    return flag


# --- reading ---------------------------------------------------------------------------------------

def active_flags(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[CaseFlag]]:
    """The active flags of each listed case (one query for a whole page of a list), oldest first."""
    if not case_ids:
        return {}
    found: dict[uuid.UUID, list[CaseFlag]] = defaultdict(list)
    stmt = (select(CaseFlag).where(CaseFlag.case_id.in_(case_ids), CaseFlag.lowered_at.is_(None))
            .order_by(CaseFlag.raised_at))
    for flag in session.scalars(stmt):
        found[flag.case_id].append(flag)
    return dict(found)


def flags_of(session: Session, case: Case) -> list[CaseFlag]:
    """Every flag of the case, active or lowered, newest first (the case page)."""
    stmt = (select(CaseFlag).where(CaseFlag.case_id == case.id)
            .options(selectinload(CaseFlag.raised_by), selectinload(CaseFlag.lowered_by))
            .order_by(CaseFlag.raised_at.desc()))
    return list(session.scalars(stmt))


def flag_clause(wanted: str) -> Any:
    """SQL condition for a case list: cases with an active flag (of one type, or ANY_FLAG)."""
    active = select(CaseFlag.case_id).where(CaseFlag.lowered_at.is_(None))
    if wanted != ANY_FLAG:
        active = active.where(CaseFlag.flag_type == FlagType(wanted))
    return Case.id.in_(active)


@dataclass
class FlagLine:
    """A flag as the case page shows it, its reasons decrypted here (never by the template)."""

    flag: CaseFlag
    reason: str
    lowered_reason: str = ""

    @property
    def fields(self) -> list[str]:
        return ["case_flag.reason"] + (["case_flag.lowered_reason"] if self.lowered_reason else [])


def flag_lines(session: Session, case: Case) -> list[FlagLine]:
    """Every flag of the case with its reasons; the caller names `fields` in its view audit entry."""
    return [FlagLine(f, f.reason or "", f.lowered_reason or "") for f in flags_of(session, case)]
