"""Deletion (supresión): a blocked person's values overwritten, their indexes removed, a tombstone kept.

The row stays (id, territory, dates, `suppressed_at`) so memberships, cases and counts stay
consistent; the audit trail never held a personal value, so its chain still verifies.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dfi_casos.cases.models import (
    Appeal,
    ApprovalRequest,
    Case,
    CaseNote,
    CaseStatus,
    Recognition,
    Referral,
    Service,
    StageTransition,
)
from dfi_casos.catalogs.enums import RegisteredSex, RelationshipToHead
from dfi_casos.database import utcnow
from dfi_casos.documents.models import RecordType
from dfi_casos.documents.services import purge_for
from dfi_casos.registry.models import (
    Consent,
    DuplicateOverride,
    HouseholdMembership,
    Person,
    PersonNameToken,
    RecordMerge,
)
from dfi_casos.rights.models import ArcoRequest
from dfi_casos.rights.services import RightsError
from dfi_casos.security import audit
from dfi_casos.security.audit import Action
from dfi_casos.security.fields import blind_indexes, encrypted_fields

HEAD_WITH_MEMBERS = (_l("Esta persona es jefa o jefe de un hogar que tiene otros integrantes: reasigne la jefatura "
                     "del hogar a otro integrante antes de suprimir sus datos. El hogar conserva a sus demás "
                     "integrantes."))

#: Plain (not encrypted) columns that still describe the person: emptied too. What stays is the tombstone.
PLAIN_PERSONAL = {"estimated_age": None, "birth_date_estimated": False, "age_group": None,
                  "registered_sex": RegisteredSex.UNKNOWN, "birth_state_code": None, "nationality": None,
                  "indigenous": None, "indigenous_languages": [], "speaks_spanish": None, "afro_mexican": None,
                  "disability": {}, "municipality_code": None, "may_contact": False, "documents_held": [],
                  "documents_lost": [], "specific_needs": []}

#: Case records whose encrypted text is about the subject of an individual case.
CASE_TEXT = ((Service, "case_id"), (CaseNote, "case_id"), (StageTransition, "case_id"),
             (ApprovalRequest, "case_id"), (Recognition, "case_id"), (Appeal, "case_id"))


def deletion_blockers(session: Session, person: Person) -> list[str]:
    """Why the person cannot be deleted now (Spanish, for the liaison); empty when it may proceed."""
    reasons = []
    if person.suppressed_at is not None:
        reasons.append(_("Los datos de esta persona ya fueron suprimidos."))
    if person.blocked_at is None:
        reasons.append(_("Solo se suprimen datos bloqueados: bloquéelos primero."))
    if person.legal_hold:
        reasons.append(_("La persona tiene una reserva legal (un procedimiento necesita sus datos)."))
    open_case = session.scalar(select(Case.id).where(Case.person_id == person.id, Case.status == CaseStatus.OPEN))
    if open_case is not None:
        reasons.append(_("La persona es sujeto de un caso abierto: ciérrelo antes de suprimir sus datos."))
    membership = session.scalars(select(HouseholdMembership).where(
        HouseholdMembership.person_id == person.id, HouseholdMembership.left_on.is_(None),
        HouseholdMembership.relationship_to_head == RelationshipToHead.HEAD)).first()
    if membership is not None:
        others = session.scalar(select(HouseholdMembership.id).where(
            HouseholdMembership.household_id == membership.household_id, HouseholdMembership.left_on.is_(None),
            HouseholdMembership.person_id != person.id).limit(1))
        if others is not None:
            reasons.append(HEAD_WITH_MEMBERS)
    return reasons


def _erase(record: Any) -> list[str]:
    """Overwrite every encrypted value (and blind index) of one record; the names of the fields erased."""
    erased = []
    for field in encrypted_fields(type(record)):
        if getattr(record, field.column_attr) is not None:
            erased.append(field.name)
            setattr(record, field.name, None)  # through the descriptor: its cache and indexes follow
    for index in blind_indexes(type(record)):
        setattr(record, index.column_attr, None)
    return erased


def _purge_attachments(session: Session, person: Person, case_ids: list[Any]) -> int:
    """Remove the attachments of the person, of their consents and of their individual cases (#17's purge_for)."""
    consent_ids = list(session.scalars(select(Consent.id).where(Consent.person_id == person.id)))
    removed = purge_for(session, RecordType.PERSON, person.id)
    for consent_id in consent_ids:
        removed += purge_for(session, RecordType.CONSENT, consent_id)
    for case_id in case_ids:
        removed += purge_for(session, RecordType.CASE, case_id)
    return removed


def suppress(session: Session, actor: Any, person: Person, *, reason: str, source: str) -> list[str]:
    """Delete a blocked person's data, keeping a tombstone; RightsError with the blockers otherwise.

    Returns the names of the fields erased (for the summary; the audit entry names them too).
    """
    blockers = deletion_blockers(session, person)
    if blockers:
        raise RightsError(" ".join(str(b) for b in blockers))
    erased = _erase(person)
    for name, empty in PLAIN_PERSONAL.items():
        setattr(person, name, empty)
    person.suppressed_at = utcnow()
    # The name-token index and what other records hold of the person.
    session.execute(delete(PersonNameToken).where(PersonNameToken.person_id == person.id))
    for model, column in ((Consent, Consent.person_id), (DuplicateOverride, DuplicateOverride.person_id),
                          (Referral, Referral.person_id), (ArcoRequest, ArcoRequest.person_id)):
        for record in session.scalars(select(model).where(column == person.id)):
            if isinstance(record, ArcoRequest):
                _erase_requester(record)
            else:
                _erase(record)
    for record in session.scalars(select(RecordMerge).where(
            (RecordMerge.survivor_id == str(person.id)) | (RecordMerge.absorbed_id == str(person.id)))):
        _erase(record)
    own_cases = list(session.scalars(select(Case.id).where(Case.person_id == person.id)))
    for model, column in CASE_TEXT:
        if own_cases:
            for record in session.scalars(select(model).where(getattr(model, column).in_(own_cases))):
                _erase(record)
    attachments = _purge_attachments(session, person, own_cases)
    session.flush()
    audit.record_change(session, actor, Action.SUPPRESS, "person", person.id, fields=sorted(erased),
                        state_code=person.state_code, source=source, attachments=attachments,
                        cases=[str(c) for c in own_cases], reason_given=bool(reason.strip()))
    return erased


def _erase_requester(request: ArcoRequest) -> None:
    # The request stays as the institution's record of the procedure; who filed it does not.
    request.requester_name = None
    request.representative = None
