"""Deletion (supresión): values overwritten, indexes gone, tombstone kept, audit chain still verifies."""
from __future__ import annotations

from datetime import date

import pytest
from flask import current_app
from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.catalogs.enums import ArcoRight
from dfi_casos.database import Base
from dfi_casos.documents.models import Attachment
from dfi_casos.registry.models import Person, PersonNameToken
from dfi_casos.rights import blocking, deletion, services
from dfi_casos.rights.models import ArcoChannel, IdentityDocument
from dfi_casos.security import audit
from tests import factories
from tests.conftest import csrf_token

GRO = "12"


def cancelled(db, app, person):
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    arco = services.register_request(db, liaison, app.config, services.RequestData(
        right=ArcoRight.CANCELLATION, channel=ArcoChannel.EMAIL, received_on=date(2026, 11, 2),
        description="Cancelación", person_id=person.id, identity_verified=True,
        identity_document=IdentityDocument.INE))
    return liaison, blocking.block_for_request(db, liaison, arco, "Cancelación procedente")


def raw_rows(db) -> str:
    """Every value of every table (the audit trail included), as one text: what a dump would hold."""
    parts = []
    for table in Base.metadata.sorted_tables:
        for row in db.execute(select(table)):
            for value in row:
                parts.append(value.hex() if isinstance(value, bytes | memoryview) else repr(value))
    return "\n".join(parts)


def test_head_of_household_with_other_members_is_refused_until_headship_moves(db, app):
    household = factories.make_household(db, GRO, members=2)
    head = household.current_memberships[0].person
    liaison, _ = cancelled(db, app, head)
    with pytest.raises(services.RightsError, match="reasigne la jefatura"):
        deletion.suppress(db, liaison, head, reason="Vencido el plazo", source="arco")
    assert head.given_names is not None and head.suppressed_at is None


def test_deleted_values_are_absent_from_a_raw_scan_and_audit_still_verifies(db, app):
    household = factories.make_household(db, GRO, members=2)
    person = household.current_memberships[1].person
    person.curp, person.phone, person.address = "HEGG560427MVZRRL04", "7471234567", "Calle Reservada 3"
    factories.make_sharing_consent(db, person, factories.make_institution(db),
                                   factories.make_user(db, Role.CASEWORKER, [GRO]))
    factories.make_attachment(db, person, "person", factories.make_user(db, Role.SUPERVISOR, [GRO]),
                              name="Acta de Eufemia.pdf")
    db.flush()
    secrets = [getattr(person, f"{name}_enc").hex() for name in ("given_names", "first_surname", "curp", "phone",
                                                                 "address")]
    indexes = [repr(person.curp_bidx), repr(person.phone_bidx), repr(person.name_dob_bidx)]
    assert db.scalars(select(PersonNameToken).where(PersonNameToken.person_id == person.id)).first() is not None
    liaison, _ = cancelled(db, app, person)
    erased = deletion.suppress(db, liaison, person, reason="Cancelación concluida", source="arco")
    assert {"given_names", "curp", "phone", "address"} <= set(erased)
    dump = raw_rows(db)
    assert not [s for s in secrets if s in dump]
    assert person.curp_bidx is None and person.phone_bidx is None and person.name_dob_bidx is None
    assert not [i for i in indexes if i != "None" and f"\n{i}\n" in f"\n{dump}\n"]
    assert db.scalars(select(PersonNameToken).where(PersonNameToken.person_id == person.id)).first() is None
    assert db.scalars(select(Attachment).where(Attachment.record_id == person.id)).first() is None
    tombstone = db.get(Person, person.id)
    assert tombstone.suppressed_at is not None and tombstone.state_code == GRO and tombstone.given_names is None
    assert household.size == 1  # the household keeps its other member
    result = audit.verify_chain(db, current_app.extensions["dfi_keys"].audit_key)
    assert result.ok, result.message


def test_a_deleted_person_cannot_be_unblocked(db, app):
    person = factories.make_person(db, GRO)
    liaison, record = cancelled(db, app, person)
    deletion.suppress(db, liaison, person, reason="Cancelación concluida", source="arco")
    with pytest.raises(services.RightsError, match="suprimidos"):
        blocking.unblock(db, liaison, record, "Error")


def test_legal_hold_and_unblocked_persons_are_not_deleted(db, app):
    person = factories.make_person(db, GRO)
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    with pytest.raises(services.RightsError, match="bloquéelos primero"):
        deletion.suppress(db, liaison, person, reason="x", source="arco")
    _, _ = cancelled(db, app, person)
    person.legal_hold = True
    with pytest.raises(services.RightsError, match="reserva legal"):
        deletion.suppress(db, liaison, person, reason="x", source="arco")


def test_suppress_from_the_blocked_page(app, client, db, login_as):
    person = factories.make_person(db, GRO, given_names="Eufrosina")
    _, record = cancelled(db, app, person)
    login_as(Role.TRANSPARENCY, [GRO])
    token = csrf_token(client, "/arco/bloqueos")
    response = client.post(f"/arco/bloqueos/{record.id}/suprimir", data={"csrf_token": token,
                                                                         "reason": "Plazo concluido"})
    assert response.status_code == 302
    assert db.get(Person, person.id).suppressed_at is not None
    assert "suprimidos" in client.get("/arco/bloqueos").get_data(as_text=True)
