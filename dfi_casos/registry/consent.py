"""Consent: recording what a person agreed to, its withdrawal, and whether data may be shared."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.catalogs.enums import (
    ConsentMethod,
    ConsentScope,
    ObjectionUse,
)
from dfi_casos.database import local_today
from dfi_casos.institutions.services import active_institutions
from dfi_casos.registry.data import ConsentData
from dfi_casos.registry.models import (
    Consent,
    Objection,
    Person,
)
from dfi_casos.registry.rules import RegistryError, require
from dfi_casos.scope import parse_uuid
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal
from dfi_casos.security.audit import Action


def record_consent(session: Session, actor: Principal, person: Person, data: ConsentData) -> Consent:
    """Record a consent the person gave (who took it, when, how, for what)."""
    require(actor, Permission.REGISTER)
    if data.taken_on > local_today():
        raise RegistryError(_("La fecha no puede ser posterior a hoy."), "taken_on")
    if data.scope == ConsentScope.SHARING_WITH_INSTITUTION:
        if data.institution_id not in {i.id for i in active_institutions(session, person.state_code)}:
            raise RegistryError(_("Elija la institución con la que se compartirán los datos."), "institution_id")
    if data.method == ConsentMethod.VERBAL_WITH_WITNESS and not (data.witness_name or "").strip():
        raise RegistryError(_("Un consentimiento verbal requiere el nombre del testigo."), "witness_name")
    consent = Consent(id=uuid.uuid4(), person_id=person.id, scope=data.scope, method=data.method,
                      taken_on=data.taken_on, taken_by_id=actor.id, state_code=person.state_code,
                      registered_by_id=actor.id,
                      institution_id=data.institution_id if data.scope == ConsentScope.SHARING_WITH_INSTITUTION
                      else None)
    consent.witness_name = (data.witness_name or "").strip() or None
    with session.no_autoflush:
        consent.person = person
    session.add(consent)
    audit.record_change(session, actor, Action.CONSENT_GIVEN, "person", person.id,
                        fields=["witness_name"] if consent.witness_name else [], state_code=person.state_code,
                        consent_id=str(consent.id), scope=data.scope.value, institution_id=consent.institution_id)
    session.flush()
    return consent


def withdraw_consent(session: Session, actor: Principal, person: Person, consent_id: Any,
                     on_date: date | None = None) -> Consent:
    """Record the withdrawal of a consent; the record stays."""
    require(actor, Permission.EDIT_RECORDS)
    parsed = parse_uuid(consent_id)
    consent = next((c for c in person.consents if c.id == parsed), None)
    if consent is None or consent.withdrawn_on is not None:
        raise RegistryError(_("El consentimiento no existe o ya fue retirado."))
    on_date = on_date or local_today()
    if on_date > local_today() or on_date < consent.taken_on:
        raise RegistryError(_("La fecha de retiro debe estar entre la fecha del consentimiento y hoy."), "withdrawn_on")
    consent.withdrawn_on = on_date
    audit.record_change(session, actor, Action.CONSENT_WITHDRAWN, "person", person.id,
                        state_code=person.state_code, consent_id=str(consent.id))
    session.flush()
    return consent


def has_consent_to_share(session: Session, person: Person, institution_id: int) -> bool:
    """Whether the person has an unwithdrawn consent to sharing with this institution (referrals check it)."""
    found = session.scalars(select(Consent.id).where(
        Consent.person_id == person.id, Consent.scope == ConsentScope.SHARING_WITH_INSTITUTION,
        Consent.institution_id == institution_id, Consent.withdrawn_on.is_(None)).limit(1)).first()
    return found is not None


def objects_to_referral(session: Session, person: Person, institution_id: int) -> bool:
    """Whether the person opposed referrals to this institution (derecho de oposición), and has not withdrawn it."""
    return session.scalar(select(Objection.id).where(
        Objection.person_id == person.id, Objection.use == ObjectionUse.REFERRAL,
        Objection.institution_id == institution_id, Objection.withdrawn_on.is_(None)).limit(1)) is not None
