"""What is recorded on a case while it is open: services (assistance), referrals to institutions, follow-up notes."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dfi_casos.cases.community import consenting_representative
from dfi_casos.cases.models import Case, CaseNote, Referral, Service
from dfi_casos.cases.rules import REFERRAL_FLOW, SERVICE_FLOW, audit_case, referred_person, require_record
from dfi_casos.cases.workflow import CaseError, ConsentMissing
from dfi_casos.catalogs.enums import AssistanceType, ReferralStatus, ServiceStatus
from dfi_casos.database import local_today, utcnow
from dfi_casos.errors import NotVisible
from dfi_casos.institutions.models import Institution
from dfi_casos.registry.services import has_consent_to_share, objects_to_referral
from dfi_casos.security.access import Principal
from dfi_casos.security.audit import Action


def _institution(session: Session, case: Case, institution_id: int | None, required: bool) -> Institution | None:
    if institution_id is None:
        if required:
            raise CaseError(_("Elija la institución."), "institution_id")
        return None
    institution = session.get(Institution, institution_id)
    if institution is None or not institution.active or institution.state_code not in (None, case.state_code):
        raise CaseError(_("La institución no existe, no está activa o no atiende en la entidad del caso."),
                        "institution_id")
    return institution


def add_service(session: Session, actor: Principal, case: Case, *, assistance_type: AssistanceType, provided_on: date,
                status: ServiceStatus, institution_id: int | None = None, notes: str | None = None) -> Service:
    """Record assistance or a service; allowed from the first contact, recognized or not."""
    require_record(actor, case)
    _institution(session, case, institution_id, required=False)
    if provided_on > local_today() + timedelta(days=366):
        raise CaseError(_("La fecha es demasiado lejana."), "provided_on")
    service = Service(assistance_type=assistance_type, provided_on=provided_on, status=status,
                      institution_id=institution_id, recorded_by_id=actor.id)
    service.notes = (notes or "").strip() or None
    case.services.append(service)
    session.flush()
    audit_case(session, actor, Action.CREATE, case, object_type="case_service", object_id=service.id,
               fields=["notes"] if service.notes else [], case_id=str(case.id))
    return service


def update_service_status(session: Session, actor: Principal, case: Case, service: Service,
                          status: ServiceStatus) -> Service:
    """Move a service along its flow: solicitado → en curso → entregado (or rechazado, cancelado)."""
    require_record(actor, case)
    if service.case_id != case.id:
        raise NotVisible("case_service", service.id, "not_in_case")
    if status not in SERVICE_FLOW[service.status]:
        raise CaseError(_("Un servicio «%(old)s» no puede pasar a «%(new)s».", old=service.status.label,
                          new=status.label), "status")
    service.status = status
    session.flush()
    audit_case(session, actor, Action.UPDATE, case, object_type="case_service", object_id=service.id, fields=["status"],
               case_id=str(case.id), status=status.value)
    return service


def add_referral(session: Session, actor: Principal, case: Case, *, institution_id: int, need: AssistanceType,
                 due_on: date, notes: str | None = None) -> Referral:
    """Refer the case to an institution; refused unless the person consented to sharing with it."""
    require_record(actor, case)
    _institution(session, case, institution_id, required=True)
    today = local_today()
    if due_on < today:
        raise CaseError(_("La fecha límite no puede ser anterior a hoy."), "due_on")
    if case.community_id is not None:  # on a community's behalf: its representatives' consent
        person = consenting_representative(session, case, institution_id)
        if person is None:
            raise ConsentMissing(_("Ninguna persona representante registrada de la comunidad ha dado su consentimiento "
                                   "para compartir sus datos con esta institución. Registre a sus representantes y "
                                   "su consentimiento antes de canalizar."))
    else:
        person = referred_person(session, case)
    if person is None:
        raise ConsentMissing(_("El caso no tiene una persona (o jefa o jefe de hogar) cuyo consentimiento se "
                               "pueda verificar."))
    if not has_consent_to_share(session, person, institution_id):
        raise ConsentMissing(_("La persona no ha dado su consentimiento para compartir sus datos con esta "
                               "institución (o lo retiró). Registre el consentimiento antes de canalizar."))
    if objects_to_referral(session, person, institution_id):
        raise ConsentMissing(_("La persona se opuso a que sus datos se compartan con esta institución (derecho de "
                               "oposición): no se puede canalizar a ella."))
    referral = Referral(person_id=person.id, institution_id=institution_id, need=need,
                        sent_on=today, due_on=due_on, status=ReferralStatus.SENT, created_by_id=actor.id)
    referral.notes = (notes or "").strip() or None
    case.referrals.append(referral)
    session.flush()
    audit_case(session, actor, Action.REFERRAL, case, object_type="referral", object_id=referral.id,
               fields=["notes"] if referral.notes else [], case_id=str(case.id), institution_id=institution_id)
    return referral


def update_referral_status(session: Session, actor: Principal, case: Case, referral: Referral, status: ReferralStatus,
                           response: str | None = None) -> Referral:
    """Move a referral along its flow: enviada → aceptada/rechazada → atendida → cerrada."""
    require_record(actor, case)
    if referral.case_id != case.id:
        raise NotVisible("referral", referral.id, "not_in_case")
    if status not in REFERRAL_FLOW[referral.status]:
        raise CaseError(_("Una canalización «%(old)s» no puede pasar a «%(new)s».", old=referral.status.label,
                          new=status.label), "status")
    now = utcnow()
    if referral.status == ReferralStatus.SENT and referral.responded_at is None:
        referral.responded_at = now
    referral.status = status
    if (response or "").strip():
        referral.response = (response or "").strip()
    referral.updated_at = now
    session.flush()
    audit_case(session, actor, Action.UPDATE, case, object_type="referral", object_id=referral.id,
               fields=["status", "response"] if (response or "").strip() else ["status"], case_id=str(case.id),
               status=status.value)
    return referral


def add_note(session: Session, actor: Principal, case: Case, body: str) -> CaseNote:
    """Add a follow-up note (encrypted)."""
    require_record(actor, case)
    if not body.strip():
        raise CaseError(_("Escriba la nota."), "body")
    note = CaseNote(author_id=actor.id)
    note.body = body.strip()
    case.notes.append(note)
    session.flush()
    audit_case(session, actor, Action.CREATE, case, object_type="case_note", object_id=note.id, fields=["body"],
               case_id=str(case.id))
    return note
