"""ARCO requests: registering them with their legal deadline, and every step until they are closed.

Services take the session, the acting account and the settings; they audit and flush, never commit.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dfi_casos import scope
from dfi_casos.catalogs.enums import ArcoRight, ObjectionUse
from dfi_casos.database import local_today
from dfi_casos.errors import DomainError, EditConflict, NotVisible
from dfi_casos.registry.models import Objection, Person
from dfi_casos.rights import calendar
from dfi_casos.rights.models import (
    ArcoChannel,
    ArcoRequest,
    ArcoStatus,
    BusinessCalendar,
    CalendarPeriod,
    IdentityDocument,
)
from dfi_casos.security import audit
from dfi_casos.security.access import ROLE_LABELS, Permission, Principal, Role, has_permission
from dfi_casos.security.audit import Action, AuditEvent
from dfi_casos.security.fields import find_by_blind_index


class RightsError(DomainError):
    """A rule of the rights feature refused the operation (Spanish message, optional form field)."""


#: Same words whether the CURP is absent or belongs to a person outside the liaison's territory.
PERSON_NOT_FOUND = _l("No hay en su territorio una persona registrada con esa CURP.")


class PersonNotFound(RightsError):
    """The CURP matched nobody the liaison may handle; `reason` and `person_id` are for the audit entry only."""

    field = "curp"

    def __init__(self, reason: str, person_id: Any = None) -> None:
        super().__init__(PERSON_NOT_FOUND)
        self.reason = reason
        self.person_id = person_id


def record_refused_lookup(session: Session, actor: Principal, exc: PersonNotFound) -> None:
    """Audit a refused person lookup (absent or out of scope, told apart only here). Call after discarding work."""
    audit.record_denial(session, actor, "person", exc.person_id, exc.reason)


def _require(actor: Principal) -> None:
    if not has_permission(actor, Permission.MANAGE_ARCO):
        raise NotVisible("arco_request", None, f"missing:{Permission.MANAGE_ARCO.value}")


def find_person_by_curp(session: Session, actor: Principal, curp: str) -> Person:
    """The person with this CURP whom the liaison may handle; PersonNotFound (same message) otherwise."""
    _require(actor)
    found = [p for p in find_by_blind_index(session, Person, "curp", curp) if p.merged_into_id is None]
    if not found:
        raise PersonNotFound("absent")
    mine = [p for p in found if scope.may_handle_arco(actor, p.state_code)]
    if not mine:
        raise PersonNotFound("out_of_scope", found[0].id)
    return mine[0]


# --- registering -----------------------------------------------------------------------------------

@dataclass
class RequestData:
    """What the registration form carries."""

    right: ArcoRight
    channel: ArcoChannel
    received_on: date
    description: str
    #: The person of the registry, by id (a link) or CURP; neither for a requester not yet identified.
    person_id: Any = None
    curp: str = ""
    requester_name: str = ""
    representative: str = ""
    #: Territory of a request whose person is not identified.
    state_code: str | None = None
    identity_verified: bool = False
    identity_document: IdentityDocument | None = None


def deadline(session: Session, config: Mapping[str, Any], start: date, days: int) -> tuple[date, calendar.Calendar]:
    """`days` business days after `start` in the administrative calendar as it stands, and that calendar."""
    used = calendar.load(session, config)
    return used.add_business_days(start, days), used


def _next_folio(session: Session, state_code: str, year: int) -> str:
    prefix = f"ARCO-{state_code}-{year}-"
    count = session.scalar(select(func.count()).select_from(ArcoRequest).where(ArcoRequest.folio.like(prefix + "%")))
    return f"{prefix}{(count or 0) + 1:06d}"


def register_request(session: Session, actor: Principal, config: Mapping[str, Any], data: RequestData) -> ArcoRequest:
    """Register a request with its deadline in business days; the person must lie in the liaison's territory."""
    _require(actor)
    today = local_today()
    if data.received_on > today:
        raise RightsError(_("La fecha de recepción no puede ser posterior a hoy."), "received_on")
    if not data.description.strip():
        raise RightsError(_("Describa lo que se solicita."), "description")
    person: Person | None = None
    if data.person_id:
        person = scope.get_arco_person_for(session, actor, data.person_id)
    elif data.curp.strip():
        person = find_person_by_curp(session, actor, data.curp)
    if person is None:
        if not data.requester_name.strip():
            raise RightsError(_("Escriba el nombre de quien solicita o la CURP de la persona registrada."),
                              "requester_name")
        if not data.state_code or not scope.may_handle_arco(actor, data.state_code):
            raise RightsError(_("Elija una entidad de su territorio."), "state_code")
    state_code = person.state_code if person is not None else str(data.state_code)
    if data.identity_verified and data.identity_document is None:
        raise RightsError(_("Indique con qué documento se acreditó la identidad."), "identity_document")
    due_on, used = deadline(session, config, data.received_on, int(config["ARCO_ANSWER_DAYS"]))
    request = ArcoRequest(
        id=uuid.uuid4(), folio=_next_folio(session, state_code, data.received_on.year), right=data.right,
        status=ArcoStatus.RECEIVED, person_id=person.id if person is not None else None, channel=data.channel,
        received_on=data.received_on, due_on=due_on, calendar_code=used.code, calendar_revision=used.revision,
        state_code=state_code, registered_by_id=actor.id,
    )
    request.requester_name = data.requester_name.strip() or None
    request.representative = data.representative.strip() or None
    request.description = data.description.strip()
    if data.identity_verified:
        request.identity_verified = True
        request.identity_document = data.identity_document
        request.identity_verified_by_id = actor.id
        request.identity_verified_on = today
    session.add(request)
    session.flush()
    audit.record_change(session, actor, Action.CREATE, "arco_request", request.id,
                        fields=["right", "channel", "received_on", "description", "requester_name", "representative"],
                        state_code=state_code, folio=request.folio, right=request.right.value,
                        person_id=str(person.id) if person is not None else None,
                        due_on=due_on.isoformat(), calendar=used.label)
    return request


# --- the steps of a request ------------------------------------------------------------------------

#: Actions a request page offers, with the statuses each may start from.
STEPS: dict[str, tuple[ArcoStatus, ...]] = {
    "process": (ArcoStatus.RECEIVED,),
    "identity": (ArcoStatus.RECEIVED, ArcoStatus.IN_PROCESS, ArcoStatus.EXTENDED),
    "extend": (ArcoStatus.RECEIVED, ArcoStatus.IN_PROCESS),
    "answer": (ArcoStatus.RECEIVED, ArcoStatus.IN_PROCESS, ArcoStatus.EXTENDED),
    "decline": (ArcoStatus.RECEIVED, ArcoStatus.IN_PROCESS, ArcoStatus.EXTENDED),
    "close": (ArcoStatus.ANSWERED, ArcoStatus.DECLINED),
}


@dataclass
class StepData:
    """What a step's form carries: a reason or answer text, whether it was granted, an identity document."""

    text: str = ""
    granted: bool = True
    identity_document: IdentityDocument | None = None


def available_steps(request: ArcoRequest) -> list[str]:
    """The steps the request's status allows (extension only once)."""
    return [step for step, starts in STEPS.items()
            if request.status in starts and not (step == "extend" and request.extended_on is not None)
            and not (step == "identity" and request.identity_verified)]


def take_step(session: Session, actor: Principal, config: Mapping[str, Any], request: ArcoRequest, step: str,
              data: StepData, version: int) -> ArcoRequest:
    """Move a request one step (process, identity, extend, answer, decline, close), audited."""
    _require(actor)
    if version != request.version:
        raise EditConflict()
    if step not in STEPS or step not in available_steps(request):
        raise RightsError(_("Ese paso no procede en el estado actual de la solicitud."))
    today = local_today()
    before = request.status
    fields: list[str] = ["status"]
    facts: dict[str, Any] = {}
    if step == "process":
        request.status = ArcoStatus.IN_PROCESS
    elif step == "identity":
        if data.identity_document is None:
            raise RightsError(_("Indique con qué documento se acreditó la identidad."), "identity_document")
        request.identity_verified, request.identity_document = True, data.identity_document
        request.identity_verified_by_id, request.identity_verified_on = actor.id, today
        fields = ["identity_verified", "identity_document"]
    elif step == "extend":
        _need_text(data.text, _("Explique el motivo de la ampliación del plazo."))
        if today > request.due_on:
            raise RightsError(_("El plazo ya venció: la ampliación debe notificarse antes del vencimiento."))
        due_on, used = deadline(session, config, request.due_on, int(config["ARCO_EXTENSION_DAYS"]))
        request.original_due_on, request.due_on, request.extended_on = request.due_on, due_on, today
        request.calendar_code, request.calendar_revision = used.code, used.revision
        request.extension_reason = data.text.strip()
        request.status = ArcoStatus.EXTENDED
        fields += ["due_on", "extension_reason"]
        facts = {"due_on": due_on.isoformat(), "calendar": used.label}
    elif step in ("answer", "decline"):
        _need_text(data.text, _("Escriba la respuesta que se notifica.") if step == "answer"
                   else _("Explique por qué la solicitud es improcedente."))
        request.answered_on = today
        if step == "answer":
            request.response = data.text.strip()
            request.status = ArcoStatus.ANSWERED
            fields.append("response")
            if data.granted:
                request.execute_by, used = deadline(session, config, today, int(config["ARCO_EXECUTION_DAYS"]))
                fields.append("execute_by")
                facts = {"execute_by": request.execute_by.isoformat(), "calendar": used.label}
        else:
            request.decline_reason = data.text.strip()
            request.status = ArcoStatus.DECLINED
            fields.append("decline_reason")
    elif step == "close":
        request.status, request.closed_on = ArcoStatus.CLOSED, today
    session.flush()
    audit.record_change(session, actor, Action.UPDATE, "arco_request", request.id, fields=fields,
                        state_code=request.state_code, folio=request.folio, step=step,
                        from_status=before.value, to_status=request.status.value, **facts)
    return request


def _need_text(text: str, message: str) -> None:
    if not text.strip():
        raise RightsError(message, "text")


def access_report_person(session: Session, actor: Principal, request: ArcoRequest) -> Person:
    """The person whose access report an access request may produce (identified, identity proven, not deleted)."""
    _require(actor)
    if request.right != ArcoRight.ACCESS:
        raise NotVisible("arco_request", request.id, "not_an_access_request")
    if request.person_id is None or not request.identity_verified:
        raise NotVisible("arco_request", request.id, "person_not_identified_or_verified")
    person = scope.get_arco_person_for(session, actor, request.person_id)
    if person.suppressed_at is not None:
        raise NotVisible("person", person.id, "suppressed")
    return person


def record_objection(session: Session, actor: Principal, request: ArcoRequest, use: ObjectionUse,
                     institution_id: int | None) -> Objection:
    """Record a use the person objects to, from an open opposition request; the services of that use check it."""
    _require(actor)
    if request.right != ArcoRight.OPPOSITION or not request.is_open or request.person_id is None:
        raise RightsError(_("Solo una solicitud de oposición abierta y vinculada a una persona registra oposiciones."))
    if use == ObjectionUse.REFERRAL and institution_id is None:
        raise RightsError(_("Elija la institución a la que la persona se opone."), "institution_id")
    person = scope.get_arco_person_for(session, actor, request.person_id)
    objection = Objection(person_id=person.id, use=use, institution_id=institution_id if use == ObjectionUse.REFERRAL
                          else None, arco_request_id=request.id, recorded_on=local_today(),
                          state_code=person.state_code, registered_by_id=actor.id)
    session.add(objection)
    session.flush()
    audit.record_change(session, actor, Action.CREATE, "objection", objection.id, fields=["use", "institution_id"],
                        state_code=person.state_code, folio=request.folio, use=use.value,
                        institution_id=institution_id, person_id=str(person.id))
    return objection


def objections_of(session: Session, request: ArcoRequest) -> list[Objection]:
    """The objections recorded by this request."""
    return list(session.scalars(select(Objection).where(Objection.arco_request_id == request.id)
                                .order_by(Objection.created_at)))


def rectification_for(session: Session, person: Person, request_id: str | None) -> str | None:
    """The id of the open rectification request about `person` that an edit answers; None when none was given.

    Called by the person's edit form (`?arco=<id>`): the editor already may see the person; a request id
    that is not an open rectification of this very person is refused.
    """
    if not request_id:
        return None
    parsed = scope.parse_uuid(request_id)
    found = session.get(ArcoRequest, parsed) if parsed is not None else None
    if (found is None or found.right != ArcoRight.RECTIFICATION or found.person_id != person.id
            or not found.is_open):
        raise RightsError(_("La solicitud de rectificación indicada no corresponde a esta persona o ya concluyó."))
    return str(found.id)


@dataclass
class Rectification:
    """One edit made in answer to a rectification request: when, which fields (names), by which role."""

    at: Any
    fields: list[str]
    role: str


def rectifications_of(session: Session, request: ArcoRequest) -> list[Rectification]:
    """The edits made in answer to a rectification request, from the audit trail (no values)."""
    marker = f'"arco_request_id":"{request.id}"'
    entries = session.scalars(select(AuditEvent).where(AuditEvent.action == Action.UPDATE,
                                                       AuditEvent.details.like(f"%{marker}%"))
                              .order_by(AuditEvent.seq))
    return [Rectification(e.occurred_at, list(json.loads(e.details).get("fields", [])),
                          ROLE_LABELS.get(Role(e.actor_role), e.actor_role) if e.actor_role in set(Role) else "—")
            for e in entries]


def record_request_view(session: Session, actor: Principal, request: ArcoRequest) -> None:
    """The request page decrypts its free-text fields: say so in the trail."""
    audit.record_view(session, actor, "arco_request", request.id,
                      fields=["requester_name", "representative", "description", "response", "decline_reason",
                              "extension_reason"],
                      state_code=request.state_code, folio=request.folio)


# --- the calendar's published periods --------------------------------------------------------------

@dataclass
class PeriodData:
    name: str
    starts_on: date
    ends_on: date
    source: str = ""


def _require_calendar_editor(actor: Principal) -> None:
    if not scope.can_edit_calendar(actor):
        raise NotVisible("calendar_period", None, "not_calendar_editor")


def add_period(session: Session, actor: Principal, data: PeriodData) -> CalendarPeriod:
    """Add a published vacation or suspension period; the calendar's revision grows (deadlines name it)."""
    _require_calendar_editor(actor)
    if data.ends_on < data.starts_on:
        raise RightsError(_("El periodo termina antes de empezar."), "ends_on")
    if (data.ends_on - data.starts_on).days > 366:
        raise RightsError(_("Un periodo no puede durar más de un año."), "ends_on")
    if not data.name.strip():
        raise RightsError(_("Escriba el nombre del periodo."), "name")
    row = calendar.stored_calendar(session)
    period = CalendarPeriod(calendar_id=row.id, name=data.name.strip(), starts_on=data.starts_on,
                            ends_on=data.ends_on, source=data.source.strip() or None, created_by_id=actor.id)
    session.add(period)
    _bump(session, actor, row, Action.CREATE, period, "add")
    return period


def remove_period(session: Session, actor: Principal, period: CalendarPeriod) -> None:
    """Remove a period entered by mistake (loaded by `scope.get_calendar_period_for`); deadlines computed
    before keep the revision that computed them."""
    _require_calendar_editor(actor)
    row = period.calendar
    session.delete(period)
    _bump(session, actor, row, Action.UPDATE, period, "remove")


def _bump(session: Session, actor: Principal, row: BusinessCalendar, action: Action, period: CalendarPeriod,
          change: str) -> None:
    row.revision += 1
    session.flush()
    audit.record_change(session, actor, action, "calendar_period", period.id, fields=["starts_on", "ends_on", "name"],
                        change=change, calendar=row.code, revision=row.revision,
                        starts_on=period.starts_on.isoformat(), ends_on=period.ends_on.isoformat())
