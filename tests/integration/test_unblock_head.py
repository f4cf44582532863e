"""A head of household blocked, replaced while blocked, then unblocked: the household still has one head."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.catalogs.enums import ArcoRight, RelationshipToHead
from dfi_casos.registry import persons
from dfi_casos.rights import blocking, services
from dfi_casos.rights.models import ArcoChannel, IdentityDocument
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

GRO = "12"
HEAD = RelationshipToHead.HEAD


def _blocked_head(db, app):
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    household = factories.make_household(db, GRO, supervisor, members=3)
    head = household.head
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    request = services.register_request(db, liaison, app.config, services.RequestData(
        right=ArcoRight.CANCELLATION, channel=ArcoChannel.IN_PERSON, received_on=date(2026, 11, 2),
        description="Cancelen mis datos", person_id=head.id, identity_verified=True,
        identity_document=IdentityDocument.INE))
    record = blocking.block_for_request(db, liaison, request, "Cancelación procedente")
    return supervisor, household, head, liaison, record


def _heads(household) -> list:
    return [m.person for m in household.current_memberships if m.relationship_to_head == HEAD]


def test_a_head_replaced_while_blocked_comes_back_as_a_relative(db, app):
    supervisor, household, head, liaison, record = _blocked_head(db, app)
    successor = household.current_memberships[0].person  # the head is hidden while blocked
    persons.update_membership(db, supervisor, household, successor.id, HEAD, True)
    assert _heads(household) == [successor]
    assert blocking.unblock(db, liaison, record, "Resolución revocada") is True
    assert _heads(household) == [successor]
    assert head.current_membership.relationship_to_head == RelationshipToHead.OTHER_RELATIVE
    entry = db.scalars(select(AuditEvent).where(AuditEvent.action == "unblock")).one()
    details = json.loads(entry.details)
    assert details["head_replaced"] is True and "relationship_to_head" in details["fields"]


def test_a_head_not_replaced_is_still_the_head(db, app):
    _supervisor, household, head, liaison, record = _blocked_head(db, app)
    assert blocking.unblock(db, liaison, record, "Resolución revocada") is False
    assert _heads(household) == [head]


def test_the_liaison_is_told_to_have_the_relationship_reviewed(client, db, app, login_as):
    supervisor, household, _head, _liaison, record = _blocked_head(db, app)
    persons.update_membership(db, supervisor, household, household.current_memberships[0].person_id, HEAD, True)
    login_as(Role.TRANSPARENCY, [GRO])
    response = client.post(f"/arco/bloqueos/{record.id}/levantar",
                           data={"csrf_token": csrf_token(client, "/arco/bloqueos"), "reason": "Resolución revocada"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Bloqueo levantado" in page
    assert "vuelve como «Otro pariente»" in page
