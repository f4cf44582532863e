"""Blocking (bloqueo): a person's data kept encrypted for the legal period, out of every ordinary use.

`scope.not_blocked_clause` is what hides them; this module sets and lifts the flag, with its record.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos import scope
from dfi_casos.catalogs.enums import ArcoRight, RelationshipToHead
from dfi_casos.database import utcnow
from dfi_casos.errors import NotVisible
from dfi_casos.registry.models import Person
from dfi_casos.rights.models import ArcoRequest, PersonBlock
from dfi_casos.rights.services import RightsError
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, Principal, has_permission
from dfi_casos.security.audit import Action


def active_block(session: Session, person: Person) -> PersonBlock | None:
    """The person's current blocking record, if they are blocked."""
    return session.scalars(select(PersonBlock).where(PersonBlock.person_id == person.id,
                                                     PersonBlock.unblocked_at.is_(None))
                           .order_by(PersonBlock.blocked_at.desc())).first()


def block(session: Session, actor: Principal | None, person: Person, *, source: str, reason: str,
          request: ArcoRequest | None = None) -> PersonBlock:
    """Block `person` (ARCO cancellation or retention): the record stays, every ordinary screen loses it."""
    if person.blocked_at is not None:
        raise RightsError(_("Los datos de esta persona ya están bloqueados."))
    now = utcnow()
    record = PersonBlock(person_id=person.id, arco_request_id=request.id if request is not None else None,
                         source=source, blocked_by_id=actor.id if actor is not None else None, blocked_at=now,
                         state_code=person.state_code)
    record.reason = reason
    session.add(record)
    person.blocked_at = now
    session.flush()
    audit.record_change(session, actor, Action.BLOCK, "person", person.id, fields=["blocked_at"],
                        state_code=person.state_code, source=source, block_id=str(record.id),
                        arco_request_id=str(request.id) if request is not None else None,
                        folio=request.folio if request is not None else None)
    return record


def block_for_request(session: Session, actor: Principal, request: ArcoRequest, reason: str) -> PersonBlock:
    """Block the person of an open cancellation request whose requester proved their identity."""
    if not has_permission(actor, Permission.MANAGE_ARCO):
        raise NotVisible("arco_request", request.id, f"missing:{Permission.MANAGE_ARCO.value}")
    if request.right != ArcoRight.CANCELLATION:
        raise RightsError(_("Solo una solicitud de cancelación bloquea los datos."))
    if not request.is_open:
        raise RightsError(_("La solicitud ya fue respondida o concluida."))
    if request.person_id is None:
        raise RightsError(_("La solicitud no está vinculada a una persona del registro."))
    if not request.identity_verified:
        raise RightsError(_("Antes de bloquear, acredite la identidad de la persona titular."))
    if not reason.strip():
        raise RightsError(_("Escriba el fundamento del bloqueo."), "reason")
    person = scope.get_arco_person_for(session, actor, request.person_id)
    return block(session, actor, person, source="arco", reason=reason.strip(), request=request)


def unblock(session: Session, actor: Principal, record: PersonBlock, reason: str) -> bool:
    """Lift a blocking (only the ARCO role, with a reason); a deleted person cannot come back.

    True when the person was a head of household replaced while blocked: they come back as «Otro
    pariente» (a household has one head) and the relationship needs a caseworker's review.
    """
    if not has_permission(actor, Permission.MANAGE_ARCO):
        raise NotVisible("person_block", record.id, f"missing:{Permission.MANAGE_ARCO.value}")
    if record.unblocked_at is not None:
        raise RightsError(_("Este bloqueo ya fue levantado."))
    person = record.person
    if person.suppressed_at is not None:
        raise RightsError(_("Los datos de esta persona ya fueron suprimidos: no se pueden desbloquear."))
    if not reason.strip():
        raise RightsError(_("Escriba el motivo para levantar el bloqueo."), "reason")
    record.unblocked_at, record.unblocked_by_id = utcnow(), actor.id
    record.unblock_reason = reason.strip()
    person.blocked_at = None
    stepped_down = _step_down_if_replaced(person)
    session.flush()
    audit.record_change(session, actor, Action.UNBLOCK, "person", person.id,
                        fields=["blocked_at", "relationship_to_head"] if stepped_down else ["blocked_at"],
                        state_code=person.state_code, block_id=str(record.id),
                        head_replaced=True if stepped_down else None)
    return stepped_down


def _step_down_if_replaced(person: Person) -> bool:
    """A head blocked and replaced meanwhile comes back as «Otro pariente»: True when that happened."""
    membership = person.current_membership
    if membership is None or membership.relationship_to_head != RelationshipToHead.HEAD:
        return False
    if not any(m is not membership and m.relationship_to_head == RelationshipToHead.HEAD
               for m in membership.household.current_memberships):
        return False
    membership.relationship_to_head = RelationshipToHead.OTHER_RELATIVE
    return True


def blocked_list(session: Session, actor: Principal) -> list[PersonBlock]:
    """Current blockings of the liaison's territory, newest first (no names: ids, dates, folios)."""
    stmt = scope.arco_scoped(select(PersonBlock), PersonBlock, actor).where(PersonBlock.unblocked_at.is_(None))
    return list(session.scalars(stmt.order_by(PersonBlock.blocked_at.desc())))
