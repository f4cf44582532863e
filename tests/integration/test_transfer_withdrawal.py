"""A pending transfer withdrawn by the office that asked for it: with a reason, audited, the case stays home."""
from __future__ import annotations

import json
import types

import pytest
from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.cases import transfers
from dfi_casos.cases.life_models import TransferStatus
from dfi_casos.cases.workflow import NotPermitted
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

GRO, CHIS = "12", "07"


@pytest.fixture
def pending(db):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner, GRO)
    transfer = transfers.request_transfer(db, owner, case, CHIS, "La familia se mudaría a Tapachula")
    return types.SimpleNamespace(owner=owner, case=case, transfer=transfer)


def test_whoever_asked_withdraws_with_a_reason_and_the_case_stays(db, pending):
    with pytest.raises(transfers.TransferError, match="por qué") as refused:
        transfers.withdraw_transfer(db, pending.owner, pending.transfer, "  ")
    assert refused.value.field == "reason" and pending.transfer.is_pending
    transfers.withdraw_transfer(db, pending.owner, pending.transfer, "La familia decidió quedarse")
    assert pending.transfer.status == TransferStatus.CANCELLED and pending.case.state_code == GRO
    assert pending.transfer.comment == "La familia decidió quedarse"
    assert transfers.pending_transfer(db, pending.case) is None  # a new request may follow
    entry = db.scalars(select(AuditEvent).where(AuditEvent.action == "transfer")
                       .order_by(AuditEvent.seq.desc())).first()
    assert json.loads(entry.details)["step"] == "withdrawn" and entry.actor_id == pending.owner.id
    assert "quedarse" not in entry.details  # the reason is encrypted, not copied into the trail
    with pytest.raises(transfers.TransferError, match="ya se respondió o se retiró"):
        transfers.withdraw_transfer(db, pending.owner, pending.transfer, "Otra vez")
    with pytest.raises(transfers.TransferError, match="ya respondió"):
        transfers.decide_transfer(db, factories.make_user(db, Role.SUPERVISOR, [CHIS]), pending.transfer, False,
                                  comment="Tarde")


def test_who_may_withdraw(db, pending):
    sending_supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    colleague = factories.make_user(db, Role.CASEWORKER, [GRO])
    receiving_supervisor = factories.make_user(db, Role.SUPERVISOR, [CHIS])
    assert transfers.can_withdraw(pending.owner, pending.transfer)
    assert transfers.can_withdraw(sending_supervisor, pending.transfer)
    assert not transfers.can_withdraw(colleague, pending.transfer)
    assert not transfers.can_withdraw(receiving_supervisor, pending.transfer)  # it answers; it does not withdraw
    with pytest.raises(NotPermitted):
        transfers.withdraw_transfer(db, colleague, pending.transfer, "No me toca")
    transfers.withdraw_transfer(db, sending_supervisor, pending.transfer, "Se envió a Chiapas por error")
    assert not transfers.can_withdraw(pending.owner, pending.transfer)


def test_withdrawn_through_the_transfer_page(client, db, login_as):
    owner = login_as(Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner, GRO)
    transfer = transfers.request_transfer(db, owner, case, CHIS, "Se mudarían")
    page_url = f"/casos/traslados/{transfer.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert "Retirar la solicitud" in page and "retiro-reason" in page
    url = f"{page_url}/retirar"
    refused = client.post(url, data={"retiro-csrf_token": csrf_token(client, page_url), "retiro-reason": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and transfer.is_pending
    assert "Escriba por qué se retira la solicitud de traslado." in html  # next to the field
    done = client.post(url, data={"retiro-csrf_token": csrf_token(client, page_url),
                                  "retiro-reason": "Decidieron quedarse en Chilpancingo"})
    assert done.status_code == 302 and done.location == page_url
    after = client.get(page_url).get_data(as_text=True)
    assert transfer.status == TransferStatus.CANCELLED and "Cancelado" in after
    assert "Retirar la solicitud" not in after and "Decidieron quedarse" in after
    assert client.get(url).status_code == 405  # a POST only


def test_the_receiving_state_does_not_see_a_withdraw_form(client, db, login_as):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner, GRO)
    transfer = transfers.request_transfer(db, owner, case, CHIS, "Se mudarían")
    login_as(Role.SUPERVISOR, [CHIS])
    page = client.get(f"/casos/traslados/{transfer.id}").get_data(as_text=True)
    assert "Guardar respuesta" in page and "Retirar la solicitud" not in page
    answer = client.post(f"/casos/traslados/{transfer.id}/retirar",
                         data={"retiro-csrf_token": csrf_token(client, "/"), "retiro-reason": "Intento ajeno"})
    assert answer.status_code == 404 and transfer.is_pending
