"""Transfers between states: the owner asks, a supervisor of the receiving state accepts or declines.

Until the answer the case stays where it is; both offices see the pending request (scope.transfer_scope).
On acceptance the case's territory and owner change, the folio stays (it names where the case was
opened), and the household or person with their consents and assessments move with it: one record,
one territory. The sending office keeps no access to the case (see docs/cases.md).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from dfi_casos.auth.models import User
from dfi_casos.cases.life_models import CaseTransfer, TransferStatus
from dfi_casos.cases.locking import check_version, conflicts_as, touch
from dfi_casos.cases.models import Case, CaseStatus
from dfi_casos.cases.workflow import CaseError, NextStep, NotPermitted
from dfi_casos.catalogs.enums import CaseSubject
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import local_today, utcnow
from dfi_casos.registry.models import Consent, DisplacementEvent, Household, HouseholdMembership, Person
from dfi_casos.scope import scoped, transfer_scope, works_on
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory, roles_with
from dfi_casos.security.audit import Action
from dfi_casos.solutions.models import DurableSolutionAssessment

#: Default of TRANSFER_ANSWER_DAYS.
ANSWER_DAYS_DEFAULT = 10
DECIDED_MESSAGE = _l("Otra supervisora u otro supervisor ya respondió este traslado mientras usted lo revisaba: su "
                   "respuesta no se guardó. Recargue la página para ver cómo quedó.")
CONFLICT_MESSAGE = _l("Otra persona cambió este caso mientras usted trabajaba: recargue la página y vuelva a "
                    "intentarlo. No se guardó nada.")


class TransferError(CaseError):
    """The transfer cannot be asked or answered as it was."""


def answer_days() -> int:
    """Days the receiving office has to answer (TRANSFER_ANSWER_DAYS, DFI_TRANSFER_ANSWER_DAYS)."""
    if not has_app_context():
        return ANSWER_DAYS_DEFAULT
    return int(current_app.config.get("TRANSFER_ANSWER_DAYS", ANSWER_DAYS_DEFAULT))


def pending_transfer(session: Session, case: Case) -> CaseTransfer | None:
    return session.scalars(select(CaseTransfer).where(CaseTransfer.case_id == case.id,
                                                      CaseTransfer.status == TransferStatus.PENDING)).first()


def can_request(user: Principal, case: Case) -> bool:
    """The people working on an open household or individual case ask (a community stays where it lives)."""
    return (case.is_open and case.subject_type != CaseSubject.COMMUNITY
            and has_permission(user, Permission.REQUEST_STAGE_CHANGE) and works_on(user, case))


def can_decide(user: Principal, transfer: CaseTransfer) -> bool:
    """A supervisor of the receiving state (never the one who asked) answers a pending request."""
    return (transfer.is_pending and has_permission(user, Permission.APPROVE_STAGE_CHANGE)
            and in_territory(user, transfer.to_state_code) and transfer.requested_by_id != user.id)


def steps(session: Session, case: Case, user: Principal) -> list[NextStep]:
    """The transfer actions `user` may take on `case` now."""
    if can_request(user, case) and pending_transfer(session, case) is None:
        return [NextStep("request_transfer", _("Solicitar traslado a otra entidad"))]
    return []


# --- asking ---------------------------------------------------------------------------------------------

def _check_destination(case: Case, to_state: str) -> None:
    if state_by_code(to_state) is None:
        raise TransferError(_("Elija la entidad que recibirá el caso."), "to_state")
    if to_state == case.state_code:
        raise TransferError(_("El caso ya está en esa entidad."), "to_state")


def moving_people(session: Session, case: Case) -> list[uuid.UUID]:
    """The persons who move with the case: the household's current members, or the person."""
    if case.household_id is not None:
        return list(session.scalars(select(HouseholdMembership.person_id).where(
            HouseholdMembership.household_id == case.household_id, HouseholdMembership.left_on.is_(None))))
    return [case.person_id] if case.person_id is not None else []


def _refuse_shared_records(session: Session, case: Case) -> None:
    """A person who moves must not leave behind another open case of the sending state that needs them."""
    people = moving_people(session, case)
    households = select(HouseholdMembership.household_id).where(HouseholdMembership.person_id.in_(people),
                                                                HouseholdMembership.left_on.is_(None))
    other = session.scalar(select(Case.folio).where(
        Case.id != case.id, Case.status == CaseStatus.OPEN, Case.state_code == case.state_code,
        Case.person_id.in_(people) | Case.household_id.in_(households)))
    if other is not None:
        raise TransferError(_("Una persona de este caso también está en el caso abierto %(folio)s de esta entidad: "
                              "traslade ese caso también (o ciérrelo) antes de trasladar este.", folio=other))


def request_transfer(session: Session, actor: Principal, case: Case, to_state: str, reason: str | None,
                     expected_version: int | None = None, batch_id: uuid.UUID | None = None) -> CaseTransfer:
    """Ask that the case move to `to_state`'s office, with a reason both offices read."""
    check_version(case, expected_version, CONFLICT_MESSAGE)
    if not case.is_open:
        raise TransferError(_("Un caso cerrado no se traslada."))
    if case.subject_type == CaseSubject.COMMUNITY:
        raise TransferError(_("Un caso comunitario no se traslada: la comunidad sigue donde vive. Traslade los "
                              "casos de los hogares que se fueron."))
    if not can_request(actor, case):
        raise NotPermitted(_("Su rol no permite solicitar el traslado de este caso."))
    _check_destination(case, to_state)
    text = (reason or "").strip()
    if not text:
        raise TransferError(_("Escriba el motivo del traslado."), "reason")
    if pending_transfer(session, case) is not None:
        raise TransferError(_("El caso %(folio)s ya tiene un traslado pendiente.", folio=case.folio), "to_state")
    _refuse_shared_records(session, case)
    transfer = CaseTransfer(case_id=case.id, from_state_code=case.state_code, to_state_code=to_state,
                            requested_by_id=actor.id, answer_due_on=local_today() + timedelta(days=answer_days()),
                            status=TransferStatus.PENDING, batch_id=batch_id)
    transfer.reason = text
    with conflicts_as(CONFLICT_MESSAGE):
        session.add(transfer)
        touch(session, case, CONFLICT_MESSAGE)
    audit.record_change(session, actor, Action.TRANSFER, "case_transfer", transfer.id, fields=["reason"],
                        step="requested", case_id=str(case.id), from_state=case.state_code, to_state=to_state,
                        batch_id=str(batch_id) if batch_id else None, state_code=case.state_code, folio=case.folio)
    return transfer


def event_cases(session: Session, actor: Principal, event: DisplacementEvent) -> list[Case]:
    """The open household cases of an event's households that `actor` may work on."""
    households = select(Household.id).where(Household.event_id == event.id)
    stmt = scoped(select(Case), Case, actor).where(Case.household_id.in_(households),
                                                    Case.status == CaseStatus.OPEN)
    return [c for c in session.scalars(stmt.options(selectinload(Case.assignees)).order_by(Case.folio))
            if can_request(actor, c)]


def request_event_transfer(session: Session, actor: Principal, event: DisplacementEvent, to_state: str,
                           reason: str | None) -> list[CaseTransfer]:
    """Ask, as one action, the transfer of every open case of the event's households (all or none)."""
    cases = event_cases(session, actor, event)
    if not cases:
        raise TransferError(_("Este evento no tiene casos abiertos de hogares que usted pueda trasladar."))
    batch_id = uuid.uuid4()
    try:
        with session.begin_nested():
            return [request_transfer(session, actor, case, to_state, reason, batch_id=batch_id) for case in cases]
    except TransferError as exc:
        raise TransferError(_("No se solicitó ningún traslado: %(reason)s", reason=exc.message), exc.field) from exc


# --- answering ------------------------------------------------------------------------------------------

def receiving_users(session: Session, transfer: CaseTransfer) -> list[User]:
    """Active accounts of the receiving state that can hold the case (the new owner's choices)."""
    users = session.scalars(select(User).where(User.active.is_(True), User.role.in_(roles_with(Permission.VIEW_CASES)))
                            .order_by(User.full_name))
    return [u for u in users if in_territory(u, transfer.to_state_code) and not u.is_national]


def decide_transfer(session: Session, actor: Principal, transfer: CaseTransfer, accept: bool,
                    new_owner_id: int | None = None, comment: str | None = None) -> CaseTransfer:
    """Accept (choosing the new owner) or decline (with a reason) a transfer addressed to the actor's state.

    Two supervisors answering at once: the case row's version lets one write; the other reads DECIDED_MESSAGE.
    """
    case = session.get(Case, transfer.case_id)
    assert case is not None  # noqa: S101 - a foreign key
    if not transfer.is_pending:
        raise TransferError(DECIDED_MESSAGE)
    if not has_permission(actor, Permission.APPROVE_STAGE_CHANGE) or not in_territory(actor, transfer.to_state_code):
        raise NotPermitted(_("Solo una supervisora o un supervisor de la entidad que recibe responde el traslado."))
    if transfer.requested_by_id == actor.id:
        raise TransferError(_("Nadie responde su propia solicitud de traslado."))
    if case.state_code != transfer.from_state_code or not case.is_open:
        raise TransferError(_("El caso cambió desde la solicitud (se cerró o ya no está en la entidad que lo envió)."))
    text = (comment or "").strip() or None
    owner: User | None = None
    if accept:
        owner = session.get(User, new_owner_id) if new_owner_id else None
        if owner is None or owner not in receiving_users(session, transfer):
            raise TransferError(_("Elija a la persona responsable del caso en la entidad que lo recibe."),
                                "new_owner_id")
    elif text is None:
        raise TransferError(_("Para rechazar el traslado escriba el motivo."), "comment")
    with conflicts_as(DECIDED_MESSAGE):
        transfer.status = TransferStatus.ACCEPTED if accept else TransferStatus.DECLINED
        transfer.decided_by_id = actor.id
        transfer.decided_at = utcnow()
        transfer.comment = text
        if owner is not None:
            transfer.new_owner_id = owner.id
            _move(session, case, transfer.to_state_code, owner)
        touch(session, case, DECIDED_MESSAGE)
    audit.record_change(session, actor, Action.TRANSFER, "case_transfer", transfer.id,
                        fields=["comment"] if text else [], step="accepted" if accept else "declined",
                        case_id=str(case.id), from_state=transfer.from_state_code, to_state=transfer.to_state_code,
                        new_owner_id=owner.id if owner else None, state_code=case.state_code, folio=case.folio)
    return transfer


WITHDRAWN_MESSAGE = _l("El traslado ya se respondió o se retiró mientras usted lo revisaba: no se retiró. Recargue "
                      "la página para ver cómo quedó.")


def can_withdraw(user: Principal, transfer: CaseTransfer) -> bool:
    """The sending office may withdraw a pending request: whoever asked, or a supervisor of the sending state."""
    if not transfer.is_pending:
        return False
    if transfer.requested_by_id == user.id:
        return True
    return has_permission(user, Permission.APPROVE_STAGE_CHANGE) and in_territory(user, transfer.from_state_code)


def withdraw_transfer(session: Session, actor: Principal, transfer: CaseTransfer, reason: str | None) -> CaseTransfer:
    """Withdraw a pending request (the family stayed, the request went to the wrong state), with a reason.

    The case stays where it is; the request reads «Cancelado» in both offices' lists. Racing an answer
    from the receiving state, the case row's version lets one of the two write.
    """
    case = session.get(Case, transfer.case_id)
    assert case is not None  # noqa: S101 - a foreign key
    if not transfer.is_pending:
        raise TransferError(WITHDRAWN_MESSAGE)
    if not can_withdraw(actor, transfer):
        raise NotPermitted(_("Solo quien pidió el traslado, o una supervisora o un supervisor de la entidad que "
                             "lo envía, puede retirarlo."))
    text = (reason or "").strip()
    if not text:
        raise TransferError(_("Escriba por qué se retira la solicitud de traslado."), "reason")
    with conflicts_as(WITHDRAWN_MESSAGE):
        transfer.status = TransferStatus.CANCELLED
        transfer.decided_by_id = actor.id
        transfer.decided_at = utcnow()
        transfer.comment = text
        touch(session, case, WITHDRAWN_MESSAGE)
    audit.record_change(session, actor, Action.TRANSFER, "case_transfer", transfer.id, fields=["comment"],
                        step="withdrawn", case_id=str(case.id), from_state=transfer.from_state_code,
                        to_state=transfer.to_state_code, state_code=case.state_code, folio=case.folio)
    return transfer


def _move(session: Session, case: Case, to_state: str, owner: User) -> None:
    """The case, its household or person, their consents and assessments change territory together."""
    # Every query first, before any versioned row changes (the caller turns a stale flush into a conflict).
    people = moving_people(session, case)
    if case.household_id is not None:
        session.execute(update(DurableSolutionAssessment).where(
            DurableSolutionAssessment.household_id == case.household_id).values(state_code=to_state))
    session.execute(update(Consent).where(Consent.person_id.in_(people)).values(state_code=to_state))
    persons = list(session.scalars(select(Person).where(Person.id.in_(people))))
    household = session.get(Household, case.household_id) if case.household_id is not None else None
    list(case.assignees)  # loaded now, before any change
    for person in persons:
        person.state_code = to_state
    if household is not None:
        household.state_code = to_state
    case.state_code = to_state
    case.owner_id = owner.id
    case.assignees = []  # the sending office's assignees lose the case with its territory


# --- reading --------------------------------------------------------------------------------------------

@dataclass
class TransferLine:
    """A transfer as the lists and the transfer page show it (folio and facts: no personal data)."""

    transfer: CaseTransfer
    folio: str
    stage: str
    subject_kind: str
    reason: str = ""
    comment: str = ""
    overdue: bool = False

    @property
    def fields(self) -> list[str]:
        return ["case_transfer.reason"] + (["case_transfer.comment"] if self.comment else [])


def line(session: Session, transfer: CaseTransfer, with_text: bool = True) -> TransferLine:
    """The transfer's facts; with `with_text`, its reason and comment decrypted (the caller audits `fields`)."""
    case = session.get(Case, transfer.case_id)
    assert case is not None  # noqa: S101 - a foreign key
    return TransferLine(transfer, case.folio, case.stage.label, case.subject_type.label,
                        (transfer.reason or "") if with_text else "", (transfer.comment or "") if with_text else "",
                        transfer.is_pending and transfer.answer_due_on < local_today())


@dataclass
class TransferDesk:
    """The transfers page: requests to answer, and those sent or received."""

    incoming: list[TransferLine] = field(default_factory=list)
    others: list[TransferLine] = field(default_factory=list)


def transfer_desk(session: Session, actor: Principal, limit: int = 100) -> TransferDesk:
    """What the actor may read of transfers, the ones they may answer first: folios and facts, no reasons."""
    stmt = transfer_scope(select(CaseTransfer), actor).options(
        selectinload(CaseTransfer.requested_by), selectinload(CaseTransfer.decided_by))
    desk = TransferDesk()
    for transfer in session.scalars(stmt.order_by(CaseTransfer.requested_at.desc()).limit(limit)):
        shown = line(session, transfer, with_text=False)
        (desk.incoming if can_decide(actor, transfer) else desk.others).append(shown)
    return desk


def transfers_of(session: Session, case: Case) -> list[CaseTransfer]:
    """Every transfer request of the case, newest first (its page and history)."""
    return list(session.scalars(select(CaseTransfer).where(CaseTransfer.case_id == case.id)
                                .options(selectinload(CaseTransfer.requested_by),
                                         selectinload(CaseTransfer.decided_by))
                                .order_by(CaseTransfer.requested_at.desc())))


def to_answer_count(session: Session, actor: Principal) -> int:
    """Pending transfers addressed to the actor's territory that they may answer (home page badge)."""
    if not has_permission(actor, Permission.APPROVE_STAGE_CHANGE):
        return 0
    stmt = transfer_scope(select(CaseTransfer), actor).where(CaseTransfer.status == TransferStatus.PENDING)
    return sum(1 for t in session.scalars(stmt) if can_decide(actor, t))
