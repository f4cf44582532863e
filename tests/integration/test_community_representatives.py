"""A community's representatives change: a caseworker of its state takes one off, audited; others cannot."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.cases import community
from dfi_casos.cases.workflow import NotPermitted
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

GRO = "12"


def _community_with_representative(db, owner):
    place = factories.make_community(db, GRO, owner)
    household = factories.make_household(db, GRO, owner, community_id=place.id)
    head = factories.household_head(household)
    representative = community.add_representative(db, owner, place, head.id, "Comisariado ejidal")
    return place, head, representative


def test_a_representative_is_taken_off_and_the_trail_says_who(db):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    place, head, representative = _community_with_representative(db, owner)
    with pytest.raises(NotPermitted):
        community.remove_representative(db, factories.make_user(db, Role.CASEWORKER, ["07"]), place,
                                        representative.id)
    community.remove_representative(db, owner, place, representative.id)
    assert community.representatives(db, place.id) == []
    entry = db.scalars(select(AuditEvent).where(AuditEvent.object_id == str(place.id))
                       .order_by(AuditEvent.seq.desc())).first()
    details = json.loads(entry.details)
    assert details["removed"] is True and details["person_id"] == str(head.id)
    with pytest.raises(community.CommunityError, match="ya no es representante"):
        community.remove_representative(db, owner, place, representative.id)
    community.add_representative(db, owner, place, head.id, "Autoridad tradicional")  # may be named again


def test_taken_off_from_the_representatives_page(client, db, login_as):
    owner = login_as(Role.CASEWORKER, [GRO])
    place, _head, representative = _community_with_representative(db, owner)
    url = f"/casos/comunidad/{place.id}/representantes"
    page = client.get(url).get_data(as_text=True)
    assert "Comisariado ejidal" in page and 'name="quitar-representative_id"' in page
    answer = client.post(url, data={"quitar-csrf_token": csrf_token(client, url),
                                    "quitar-representative_id": str(representative.id)})
    assert answer.status_code == 302
    after = client.get(url).get_data(as_text=True)
    assert "Ya no es representante: Comisariado ejidal." in after
    assert "La comunidad aún no tiene representantes registrados." in after
    stale = client.post(url, data={"quitar-csrf_token": csrf_token(client, url),
                                   "quitar-representative_id": str(representative.id)})
    assert stale.status_code == 400
