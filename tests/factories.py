"""Test data as plain functions: each makes one valid record and flushes it."""
from __future__ import annotations

import itertools
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.auth import services, sessions
from dfi_casos.auth.models import Role, User, UserSession
from dfi_casos.database import local_today
from dfi_casos.institutions import services as institutions
from dfi_casos.security import audit

PASSWORD = "una frase de prueba larga"  # noqa: S105
_counter = itertools.count(1)


def make_user(session: Session, role: str | Role = Role.CASEWORKER, states: list[str] | None = None,
              **kwargs: Any) -> User:
    """A user of `role`; `states` None means national scope."""
    number = next(_counter)
    data = services.AccountData(
        username=kwargs.pop("username", f"usuario{number}"),
        full_name=kwargs.pop("full_name", f"Usuario de Prueba {number}"),
        email=kwargs.pop("email", f"usuario{number}@prueba.gob.mx"),
        role=Role(role),
        is_national=states is None,
        states=states or [],
        active=kwargs.pop("active", True),
        password=kwargs.pop("password", PASSWORD),
    )
    user = services.create_user(session, current_app.config, None, data)
    for name, value in kwargs.items():
        setattr(user, name, value)
    session.flush()
    return user


# --- cases (and the few registry records a case needs) -----------------------------------------

def make_institution(session: Session, name: str = "Institución de prueba") -> Any:
    """An active institution of the catalog."""
    from dfi_casos.registry.models import Institution

    institution = Institution(code=f"inst-{next(_counter)}", name=name, active=True)
    session.add(institution)
    session.flush()
    return institution


def make_case_household(session: Session, registered_by: User, state: str = "12",
                        head_name: str = "Juana") -> Any:
    """A household of `state` with one person, its head (named `head_name`)."""
    from datetime import date

    from dfi_casos.catalogs.enums import RelationshipToHead
    from dfi_casos.registry.models import Household, HouseholdMembership, Person

    household = Household(state_code=state, registered_by_id=registered_by.id)
    person = Person(state_code=state, registered_by_id=registered_by.id)
    person.given_names = head_name
    person.first_surname = "Prueba"
    session.add_all([household, person])
    session.flush()
    session.add(HouseholdMembership(household_id=household.id, person_id=person.id, joined_on=date(2026, 1, 1),
                                    relationship_to_head=RelationshipToHead.HEAD, recorded_by_id=registered_by.id))
    session.flush()
    session.refresh(household)
    return household


def household_head(household: Any) -> Any:
    return household.current_memberships[0].person


def make_sharing_consent(session: Session, person: Any, institution: Any, taken_by: User,
                         withdrawn: bool = False) -> Any:
    """The person's consent to share their data with `institution` (withdrawn if asked)."""
    from datetime import date

    from dfi_casos.catalogs.enums import ConsentMethod, ConsentScope
    from dfi_casos.registry.models import Consent

    consent = Consent(person_id=person.id, scope=ConsentScope.SHARING_WITH_INSTITUTION,
                      institution_id=institution.id, method=ConsentMethod.SIGNED, taken_on=date(2026, 1, 2),
                      taken_by_id=taken_by.id, withdrawn_on=date(2026, 1, 3) if withdrawn else None,
                      state_code=person.state_code, registered_by_id=taken_by.id)
    session.add(consent)
    session.flush()
    return consent


def make_case(session: Session, owner: User | None = None, state: str = "12", stage: Any = None,
              household: Any = None) -> Any:
    """An open case of a new household of `state`, owned by `owner` (a new caseworker if None)."""
    from dfi_casos.cases import services as cases
    from dfi_casos.catalogs.enums import Stage

    owner = owner or make_user(session, Role.CASEWORKER, [state])
    household = household or make_case_household(session, owner, state)
    return cases.open_case(session, owner, household, stage=stage or Stage.ASSISTANCE)


# --- registry ------------------------------------------------------------------------------

def _registrar(session: Session, state: str, registered_by: Any) -> Any:
    return registered_by or make_user(session, role=Role.CASEWORKER, states=[state])


def make_person(session: Session, state: str = "12", registered_by: Any = None, **values: Any) -> Any:
    """A person alone in `state`; `values` override PersonData fields."""
    from dfi_casos.registry import services as registry

    data = registry.PersonData(**{"given_names": "Juana", "first_surname": f"Prueba{next(_counter)}",
                                  "second_surname": "López", **values})
    return registry.register_person(session, _registrar(session, state, registered_by), data, state,
                                    duplicate_reason="datos de prueba")


def make_household(session: Session, state: str = "12", registered_by: Any = None, members: int = 2,
                   **values: Any) -> Any:
    """A household of `members` persons (the first is the head) in `state`."""
    from dfi_casos.catalogs.enums import RelationshipToHead
    from dfi_casos.registry import services as registry

    people = [registry.MemberData(
        person=registry.PersonData(given_names=f"Integrante{i}", first_surname=f"Hogar{next(_counter)}"),
        relationship=RelationshipToHead.HEAD if i == 0 else RelationshipToHead.CHILD) for i in range(members)]
    data = registry.HouseholdData(**{"state_code": state, "municipality_code": None, "members": people, **values})
    return registry.register_household(session, _registrar(session, state, registered_by), data,
                                       duplicate_reason="datos de prueba")


def make_event(session: Session, state: str = "12", registered_by: Any = None, **values: Any) -> Any:
    """An individual/family displacement event in `state`."""
    from datetime import date

    from dfi_casos.catalogs.enums import DisplacementCause, EventType
    from dfi_casos.registry import services as registry

    data = registry.EventData(**{
        "event_type": EventType.INDIVIDUAL_OR_FAMILY, "started_on": date(2025, 3, 1), "origin_state_code": state,
        "state_code": state, "causes": [DisplacementCause.GENERALIZED_VIOLENCE], **values})
    return registry.register_event(session, _registrar(session, state, registered_by), data)


def make_community(session: Session, state: str = "12", registered_by: Any = None, **values: Any) -> Any:
    """A community in `state`."""
    from dfi_casos.registry import services as registry

    data = registry.CommunityData(**{"name": f"Comunidad {next(_counter)}", "kind": "locality",
                                     "state_code": state, **values})
    return registry.register_community(session, _registrar(session, state, registered_by), data)


def registry_foreign_records(session: Session, state: str) -> dict[str, str]:
    """Registry records of `state` by URL argument name (person_id, household_id, event_id, ...).

    Their sensitive values go through `plant()`; foreign_records() includes this mapping.
    """

    number = next(_counter)
    owner = make_user(session, role=Role.CASEWORKER, states=[state])
    event = make_event(session, state, owner, narrative=plant(f"Relato reservado {number}"))
    community = make_community(session, state, owner, event_ids=[event.id],
                               notes=plant(f"Nota comunitaria reservada {number}"))
    household = make_household(session, state, owner, event_id=event.id, community_id=community.id,
                               notes=plant(f"Nota de hogar reservada {number}"))
    person = household.memberships[0].person
    person.given_names = plant(f"Zoraida{number}")
    person.curp = plant(make_curp_for_test(number))
    person.phone = plant(f"55{number:08d}")
    session.flush()
    administrator = make_user(session, role=Role.ADMINISTRATOR, states=[state])
    institution = institutions.create_institution(session, administrator, institutions.InstitutionData(
        code=f"inst_{state}_{number}", name=f"Institución estatal {number}", state_code=state))
    return {"person_id": str(person.id), "household_id": str(household.id), "event_id": str(event.id),
            "community_id": str(community.id), "institution_id": str(institution.id)}


def make_curp_for_test(number: int) -> str:
    """A valid CURP unique to `number` (birth date varies with it)."""
    from datetime import date, timedelta

    from dfi_casos.registry.curp import make_curp

    return make_curp("Reservado", "Ajeno", "Zoraida", date(1950, 1, 1) + timedelta(days=number), "M", "GR")


#: Plaintext planted in cases of another state: no outsider's response may contain any of it.
CASES_PLANTED: list[str] = []


def case_foreign_records(session: Session, state: str) -> dict[str, str]:
    """A case of `state` with every kind of content, by URL argument name (case_id, referral_id, ...).

    Its sensitive values go through `plant()` (and CASES_PLANTED); foreign_records() includes this mapping.
    """
    from datetime import date, timedelta

    from dfi_casos.cases import flags, plans
    from dfi_casos.cases import services as cases
    from dfi_casos.cases.life_models import FlagType
    from dfi_casos.catalogs.enums import AssistanceType, IascCriterion, ServiceStatus

    def plant_here(value: str) -> str:
        CASES_PLANTED.append(value)
        return plant(value)

    number = next(_counter)
    owner = make_user(session, role=Role.CASEWORKER, states=[state])
    household = make_case_household(session, owner, state, head_name=plant_here(f"Eulalia{number}"))
    case = cases.open_case(session, owner, household)
    institution = make_institution(session, f"Institución {number}")
    make_sharing_consent(session, household_head(household), institution, owner)
    cases.add_note(session, owner, case, plant_here(f"Nota de caso reservada {number}"))
    cases.add_service(session, owner, case, assistance_type=AssistanceType.FOOD, provided_on=date(2026, 1, 5),
                      status=ServiceStatus.DELIVERED, notes=plant_here(f"Servicio reservado {number}"))
    referral = cases.add_referral(session, owner, case, institution_id=institution.id, need=AssistanceType.HOUSING,
                                  due_on=local_today() + timedelta(days=5),
                                  notes=plant_here(f"Canalización reservada {number}"))
    cases.submit_intake(session, owner, case, plant_here(f"Entrevista reservada {number}"))
    service = case.services[0]
    flag = flags.raise_flag(session, owner, case, FlagType.SECURITY_RISK, plant_here(f"Alerta reservada {number}"))
    transfer = make_pending_transfer(session, state, THIRD_STATE if state != THIRD_STATE else "31",
                                     plant_here(f"Traslado reservado {number}"))
    plan = plans.start_revision(session, owner, case)
    goal = plans.add_goal(session, owner, case, plan, plant_here(f"Meta reservada {number}"),
                          IascCriterion.DOCUMENTATION, None)
    action = plans.add_action(session, owner, case, goal, plant_here(f"Acción reservada {number}"),
                              date(2026, 1, 10), owner.id, None)
    measure = make_community_case_measure(session, state, plant_here(f"Medida reservada {number}"))
    event = make_event(session, state, owner)
    community = make_community(session, state, owner)
    return {"case_id": str(case.id), "event_id": str(event.id), "community_id": str(community.id),
            "referral_id": str(referral.id), "service_id": str(service.id),
            "subject_id": str(household.id), "word": "hogar", "flag_id": str(flag.id), "measure_id": str(measure.id),
            "transfer_id": str(transfer.id), "plan_id": str(plan.id), "goal_id": str(goal.id),
            "action_id": str(action.id)}


def make_community_case_measure(session: Session, state: str, notes: str) -> Any:
    """A case of a new community of `state` with one collective measure (its notes as given)."""
    from datetime import date

    from dfi_casos.cases import community
    from dfi_casos.cases import services as cases
    from dfi_casos.cases.community_models import CollectiveMeasureType, MeasureStatus

    owner = make_user(session, Role.CASEWORKER, [state])
    case = cases.open_case(session, owner, make_community(session, state, owner))
    return community.add_measure(session, owner, case, CollectiveMeasureType.COLLECTIVE_PROTECTION,
                                 date(2026, 2, 1), MeasureStatus.PLANNED, notes=notes)


#: A state neither the route walker's home (07) nor its foreign state (12): transfers between others.
THIRD_STATE = "17"


def make_pending_transfer(session: Session, from_state: str, to_state: str, reason: str) -> Any:
    """A case of `from_state` (new household and owner) with a pending transfer to `to_state`."""
    from dfi_casos.cases import transfers

    case = make_case(session, state=from_state)
    return transfers.request_transfer(session, case.owner, case, to_state, reason)


#: Plaintext planted in records of another territory: no response to an outsider may contain any of it.
PLANTED_SENSITIVE: list[str] = []


def plant(value: str) -> str:
    """Remember `value` as sensitive plaintext planted in a foreign record, and return it."""
    if value not in PLANTED_SENSITIVE:
        PLANTED_SENSITIVE.append(value)
    return value


def foreign_records(session: Session, state: str) -> dict[str, str]:
    """Records of `state`, by the URL argument name that would address them (e.g. "user_id").

    The route-walking test (tests/integration/test_route_access.py) fills every URL argument
    from this mapping and fails for an argument it lacks: a feature that adds a route with a
    new argument (person_id, household_id, case_id, ...) extends this function with a record
    of `state`, its sensitive values passed through `plant()`.
    """
    number = next(_counter)
    owner = make_user(session, role=Role.CASEWORKER, states=[state], username=f"ajeno{number}",
                      full_name=plant(f"Zacarías Reservado Ajeno {state}"),
                      email=plant(f"zacarias.reservado.{state}@ajeno.gob.mx"))
    person_id = f"00000000-0000-4000-8000-{number:012d}"
    # An access to a record of that state, so the audit screens have something to refuse.
    audit.record_view(session, owner, "person", person_id, fields=["names"], state_code=state,
                      folio=f"DFI-{state}-2026-{number:06d}")
    sessions.start_session(session, owner, user_agent="Firefox en Linux", origin="198.51.100.9")
    device = session.scalars(select(UserSession).where(UserSession.user_id == owner.id)).one()
    records = {
        "user_id": str(owner.id),
        "object_type": "person",
        "object_id": person_id,
        "session_id": str(device.id),  # another user's device: never closable by anyone else
    }
    records.update(registry_foreign_records(session, state))
    records.update(case_foreign_records(session, state))
    records.update(solutions_foreign_records(session, state))
    records.update(imports_foreign_records(session, state))
    records.update(merge_foreign_records(session, state))
    records.update(rights_foreign_records(session, state))
    records.update(documents_foreign_records(session, state))
    records.update(api_foreign_records(session, state))
    return records


def api_foreign_records(session: Session, state: str) -> dict[str, str]:
    """A service account of `state` with a token (the admin screens' `token_id`)."""
    from dfi_casos.api import tokens

    admin = make_user(session, role=Role.ADMINISTRATOR, states=[state])
    account = tokens.create_service_account(session, admin, username=f"svc-ajeno-{next(_counter)}",
                                            full_name=plant(f"Sistema Reservado {state}"),
                                            email=f"svc{state}@ajeno.gob.mx", state_code=state)
    token, _text = tokens.issue_token(session, admin, account, label=plant(f"Kobo reservado {state}"),
                                      role=Role.CASEWORKER, state_code=state, groups=["registry:read"], days=30)
    return {"token_id": str(token.id), "service_account_id": str(account.id)}


def rights_foreign_records(session: Session, state: str) -> dict[str, str]:
    """An ARCO request about a person of `state` (request_id) and a period of the calendar (period_id).

    The calendar is national: only a national catalog administrator may remove its periods.
    """
    from datetime import date

    from dfi_casos.catalogs.enums import ArcoRight
    from dfi_casos.rights import blocking
    from dfi_casos.rights import services as rights
    from dfi_casos.rights.models import ArcoChannel, IdentityDocument

    number = next(_counter)
    liaison = make_user(session, role=Role.TRANSPARENCY, states=[state])
    person = make_person(session, state, given_names=plant(f"Solicitante{number}"))
    request = rights.register_request(session, liaison, current_app.config, rights.RequestData(
        right=ArcoRight.ACCESS, channel=ArcoChannel.EMAIL, received_on=date(2026, 11, 2), person_id=person.id,
        description=plant(f"Descripción reservada de la solicitud {number}"),
        representative=plant(f"Representante Reservado {number}")))
    admin = make_user(session, role=Role.ADMINISTRATOR, states=None)
    period = rights.add_period(session, admin, rights.PeriodData(f"Periodo {number}", date(2027, 12, 20),
                                                                 date(2027, 12, 31)))
    blocked = make_person(session, state, given_names=plant(f"Bloqueada{number}"))
    cancellation = rights.register_request(session, liaison, current_app.config, rights.RequestData(
        right=ArcoRight.CANCELLATION, channel=ArcoChannel.EMAIL, received_on=date(2026, 11, 2), person_id=blocked.id,
        description="Cancelación", identity_verified=True, identity_document=IdentityDocument.INE))
    record = blocking.block_for_request(session, liaison, cancellation, "Cancelación procedente")
    return {"request_id": str(request.id), "period_id": str(period.id), "block_id": str(record.id), "fmt": "json"}


#: A minimal PDF libmagic recognizes (documents' tests).
SMALL_PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def make_attachment(session: Session, owner_record: Any, record_type: str, actor: Any,
                    name: str = "acta.pdf", data: bytes = SMALL_PDF) -> Any:
    """A document attached to a record (a PDF by default), stored in the app's storage."""
    from dfi_casos.documents import services as documents
    from dfi_casos.documents.models import RecordType

    kind = RecordType(record_type)
    case = None
    if kind is RecordType.REFERRAL:
        from dfi_casos.cases.models import Case

        case = session.get(Case, owner_record.case_id)
    return documents.attach(session, actor, documents.owner_of(kind, owner_record, case=case), name, data)


def documents_foreign_records(session: Session, state: str) -> dict[str, str]:
    """A case of `state` with a document whose name is planted (attachment_id), and a consent (consent_id)."""
    number = next(_counter)
    owner = make_user(session, role=Role.CASEWORKER, states=[state])
    case = make_case(session, owner, state)
    attachment = make_attachment(session, case, "case", owner, name=plant(f"Acta reservada {number}.pdf"))
    institution = make_institution(session, f"Institución documental {number}")
    from dfi_casos.registry.models import Household

    household = session.get(Household, case.household_id)
    consent = make_sharing_consent(session, household_head(household), institution, owner)
    return {"attachment_id": str(attachment.id), "consent_id": str(consent.id), "kind": "federal"}


def imports_foreign_records(session: Session, state: str) -> dict[str, str]:
    """An import job of `state` (validated, one household with a problem to report), for the route walk."""
    from dfi_casos.imports.validation import validate_upload
    from dfi_casos.registry import services as registry
    from tests import import_files

    owner = make_user(session, Role.CASEWORKER, [state])
    member = import_files.member(plant(f"Filomena{next(_counter)}"), curp="HEGG560427MVZRRL05")
    data = import_files.kobo_xlsx([import_files.household(member, state=state, municipality=f"{state}001")])
    job = validate_upload(session, owner, "ajeno.xlsx", data, registry.municipalities())
    return {"job_id": str(job.id)}


def merge_foreign_records(session: Session, state: str) -> dict[str, str]:
    """Two persons of `state` (survivor_id, absorbed_id) and a merge of two others (merge_id)."""
    from dfi_casos.registry import merge

    number = next(_counter)
    supervisor = make_user(session, role=Role.SUPERVISOR, states=[state])
    one, other, third, fourth = (make_person(session, state, supervisor, given_names=plant(f"Fusionable{number}{i}"))
                                 for i in range(4))
    log = merge.merge(session, supervisor, merge.PERSON, third.id, fourth.id, [],
                      plant(f"Motivo de fusión reservado {number}"), (third.version, fourth.version))
    return {"survivor_id": str(one.id), "absorbed_id": str(other.id), "merge_id": str(log.id)}


# --- durable solutions -----------------------------------------------------------------------------

def make_assessment(session: Session, household: Any, *, assessor: Any = None, signed_by: Any = None,
                    sign: bool = False, assessed_on: Any = None, statuses: Any = None, default: Any = None,
                    preferred: Any = None, in_progress: Any = None, evidence: str = "Visita domiciliaria") -> Any:
    """An assessment of `household` through the service (so its rules apply), signed when asked.

    `statuses` maps criteria to statuses; the others take `default` (cumple unless given).
    `assessor` defaults to a new supervisor of the household's state; `signed_by` (or `sign`) signs it.
    """
    from dfi_casos.cases.services import local_today
    from dfi_casos.catalogs.enums import CriterionStatus, IascCriterion
    from dfi_casos.solutions import services as solutions

    assessor = assessor or make_user(session, Role.SUPERVISOR, [household.state_code])
    fill = default or CriterionStatus.MET
    chosen = {c: (statuses or {}).get(c, fill) for c in IascCriterion}
    data = solutions.AssessmentData(
        assessed_on=assessed_on or local_today(), preferred_option=preferred, option_in_progress=in_progress,
        statuses=chosen,
        evidence={c: evidence for c, s in chosen.items() if s is not CriterionStatus.NOT_ASSESSED},
    )
    assessment = solutions.record_assessment(session, assessor, household, data)
    if signed_by is None and sign:
        signed_by = make_user(session, Role.SUPERVISOR, [household.state_code])
    if signed_by is not None:
        solutions.sign_assessment(session, signed_by, assessment)
    return assessment


def solutions_foreign_records(session: Session, state: str) -> dict[str, str]:
    """A signed assessment of a household of `state`, its evidence planted (for the route walk)."""
    owner = make_user(session, Role.CASEWORKER, [state])
    household = make_case_household(session, owner, state, head_name=plant(f"Evangelina{next(_counter)}"))
    assessment = make_assessment(session, household, assessor=owner, sign=True,
                                 evidence=plant(f"Evidencia reservada {next(_counter)}"))
    return {"assessment_id": str(assessment.id)}
