"""Community cases end to end: representatives, collective measures, referrals on a community's behalf, closure.

- Representatives are persons of the registry, members of a household of the community, with a role.
  A referral on behalf of a community shares a representative's data: it needs that representative's
  consent to share with the institution (the first recorded representative who gave it).
- Collective measures are structured records (type, institution, date, status, notes [S]).
- Closure as "solución duradera alcanzada" is judged per household (docs/solutions.md): every
  household registered in the community needs a signed assessment with all eight criteria met or
  not applicable.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dfi_casos.cases.community_models import (
    CollectiveMeasure,
    CollectiveMeasureType,
    CommunityRepresentative,
    MeasureStatus,
)
from dfi_casos.cases.models import Case
from dfi_casos.cases.workflow import CaseError, NextStep, NotPermitted, can_record
from dfi_casos.catalogs.enums import CaseSubject
from dfi_casos.database import local_today
from dfi_casos.errors import NotVisible
from dfi_casos.institutions.models import Institution
from dfi_casos.registry.models import Community, Household, HouseholdMembership, Person
from dfi_casos.registry.services import has_consent_to_share
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission, in_territory
from dfi_casos.security.audit import Action
from dfi_casos.solutions import services as solutions

#: How a collective measure's status may move.
MEASURE_FLOW: dict[MeasureStatus, frozenset[MeasureStatus]] = {
    MeasureStatus.PLANNED: frozenset({MeasureStatus.IN_PROGRESS, MeasureStatus.DONE, MeasureStatus.CANCELLED}),
    MeasureStatus.IN_PROGRESS: frozenset({MeasureStatus.DONE, MeasureStatus.CANCELLED}),
    MeasureStatus.DONE: frozenset(),
    MeasureStatus.CANCELLED: frozenset(),
}


class CommunityError(CaseError):
    """A community case's rule refused the action."""


def steps(case: Case, user: Principal) -> list[NextStep]:
    """The community actions `user` may take on `case` now."""
    if case.subject_type == CaseSubject.COMMUNITY and can_record(user, case):
        return [NextStep("add_measure", _("Registrar medida colectiva"))]
    return []


# --- representatives -----------------------------------------------------------------------------------

def representatives(session: Session, community_id: object) -> list[CommunityRepresentative]:
    stmt = (select(CommunityRepresentative).where(CommunityRepresentative.community_id == community_id)
            .options(selectinload(CommunityRepresentative.person)).order_by(CommunityRepresentative.recorded_at))
    return list(session.scalars(stmt))


def member_choices(session: Session, community: Community) -> list[Person]:
    """Current members of the community's registered households: who may be named a representative."""
    households = select(Household.id).where(Household.community_id == community.id)
    stmt = (select(Person).join(HouseholdMembership, HouseholdMembership.person_id == Person.id)
            .where(HouseholdMembership.household_id.in_(households), HouseholdMembership.left_on.is_(None)))
    return list(session.scalars(stmt))


def add_representative(session: Session, actor: Principal, community: Community, person_id: object,
                       role: str | None) -> CommunityRepresentative:
    """Name a member of the community's households its representative, with the role the community gives."""
    if not has_permission(actor, Permission.EDIT_RECORDS) or not in_territory(actor, community.state_code):
        raise NotPermitted(_("Su rol no permite registrar representantes de esta comunidad."))
    person = next((p for p in member_choices(session, community) if str(p.id) == str(person_id)), None)
    if person is None:
        raise CommunityError(_("Elija a una persona de un hogar registrado en la comunidad."), "person_id")
    text = (role or "").strip()
    if not text or len(text) > 120:
        raise CommunityError(_("Escriba el cargo o papel en la comunidad (máximo 120 caracteres)."), "role")
    if any(r.person_id == person.id for r in representatives(session, community.id)):
        raise CommunityError(_("Esa persona ya es representante de la comunidad."), "person_id")
    representative = CommunityRepresentative(community_id=community.id, person_id=person.id, role=text,
                                             recorded_by_id=actor.id)
    session.add(representative)
    session.flush()
    audit.record_change(session, actor, Action.UPDATE, "community", community.id, fields=["representatives"],
                        person_id=str(person.id), state_code=community.state_code)
    return representative


def remove_representative(session: Session, actor: Principal, community: Community,
                          representative_id: object) -> CommunityRepresentative:
    """Take a person off the community's representatives (a new comisariado, someone who left); audited.

    The row goes; who was representative and until when stays in the audit trail.
    """
    if not has_permission(actor, Permission.EDIT_RECORDS) or not in_territory(actor, community.state_code):
        raise NotPermitted(_("Su rol no permite cambiar los representantes de esta comunidad."))
    representative = next((r for r in representatives(session, community.id) if str(r.id) == str(representative_id)),
                          None)
    if representative is None:
        raise CommunityError(_("Esa persona ya no es representante de la comunidad."), "representative_id")
    session.delete(representative)
    session.flush()
    audit.record_change(session, actor, Action.UPDATE, "community", community.id, fields=["representatives"],
                        person_id=str(representative.person_id), removed=True, state_code=community.state_code)
    return representative


def consenting_representative(session: Session, case: Case, institution_id: int) -> Person | None:
    """The first recorded representative of the case's community who consented to sharing with the institution."""
    for representative in representatives(session, case.community_id):
        if has_consent_to_share(session, representative.person, institution_id):
            return representative.person
    return None


# --- collective measures -------------------------------------------------------------------------------

def _institution(session: Session, case: Case, institution_id: int | None) -> None:
    if institution_id is None:
        return
    institution = session.get(Institution, institution_id)
    if institution is None or not institution.active or institution.state_code not in (None, case.state_code):
        raise CommunityError(_("La institución no existe, no está activa o no atiende en la entidad del caso."),
                             "institution_id")


def add_measure(session: Session, actor: Principal, case: Case, measure_type: CollectiveMeasureType,
                measure_on: date, status: MeasureStatus, institution_id: int | None = None,
                notes: str | None = None) -> CollectiveMeasure:
    """Record a collective measure on an open community case."""
    if case.subject_type != CaseSubject.COMMUNITY:
        raise CommunityError(_("Las medidas colectivas se registran en casos de comunidades."))
    if not can_record(actor, case):
        raise NotPermitted(_("Su rol no permite registrar actividades en este caso."))
    _institution(session, case, institution_id)
    if measure_on > local_today() + timedelta(days=366):
        raise CommunityError(_("La fecha es demasiado lejana."), "measure_on")
    measure = CollectiveMeasure(case_id=case.id, measure_type=measure_type, measure_on=measure_on, status=status,
                                institution_id=institution_id, recorded_by_id=actor.id)
    measure.notes = (notes or "").strip() or None
    session.add(measure)
    session.flush()
    audit.record_change(session, actor, Action.CREATE, "collective_measure", measure.id,
                        fields=["notes"] if measure.notes else [], case_id=str(case.id),
                        measure_type=measure_type.value, state_code=case.state_code, folio=case.folio)
    return measure


def update_measure(session: Session, actor: Principal, case: Case, measure: CollectiveMeasure,
                   status: MeasureStatus) -> CollectiveMeasure:
    if measure.case_id != case.id:
        raise NotVisible("collective_measure", measure.id, "not_in_case")
    if not can_record(actor, case):
        raise NotPermitted(_("Su rol no permite registrar actividades en este caso."))
    if status not in MEASURE_FLOW[measure.status]:
        raise CommunityError(_("Una medida «%(old)s» no puede pasar a «%(new)s».", old=measure.status.label,
                                new=status.label), "status")
    measure.status = status
    session.flush()
    audit.record_change(session, actor, Action.UPDATE, "collective_measure", measure.id, fields=["status"],
                        case_id=str(case.id), status=status.value, state_code=case.state_code, folio=case.folio)
    return measure


def measures_of(session: Session, case: Case) -> list[CollectiveMeasure]:
    return list(session.scalars(select(CollectiveMeasure).where(CollectiveMeasure.case_id == case.id)
                                .options(selectinload(CollectiveMeasure.recorded_by))
                                .order_by(CollectiveMeasure.measure_on.desc())))


# --- closure as durable solution -----------------------------------------------------------------------

def closure_blockers(session: Session, case: Case) -> list[str]:
    """Why the community case cannot close as "solución duradera alcanzada": judged household by household."""
    household_ids = list(session.scalars(select(Household.id).where(Household.community_id == case.community_id)))
    if not household_ids:
        return [_("la comunidad no tiene hogares registrados: cada hogar necesita su evaluación firmada")]
    blocked = [(hid, solutions.closure_blockers(session, hid)) for hid in household_ids]
    pending = [reasons for _hid, reasons in blocked if reasons]
    if not pending:
        return []
    return [_("%(pending)s de %(total)s hogares de la comunidad aún no cumplen (por ejemplo: %(example)s)",
              pending=len(pending), total=len(household_ids), example=pending[0][0])]
