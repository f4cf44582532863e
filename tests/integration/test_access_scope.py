"""Territorial scope: `scoped` and `get_for` over a stand-in record table; administrators' territory."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dfi_casos.auth.models import User
from dfi_casos.errors import NotVisible
from dfi_casos.scope import can_manage_account, get_for, scoped
from dfi_casos.security.audit import Action, AuditEvent
from tests import factories
from tests.conftest import csrf_token


class _StandInBase(DeclarativeBase):
    """Outside the application's metadata: the table lives only inside one test's transaction."""


class StandInRecord(_StandInBase):
    """What a registry or case table offers `scoped`: a territory and who registered it."""

    __tablename__ = "stand_in_record"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state_code: Mapped[str] = mapped_column(String(2))
    registered_by_id: Mapped[int] = mapped_column(Integer)


@pytest.fixture
def records(db):
    """Records of Chiapas by two caseworkers, and one of Guerrero; DDL rolled back with the test."""
    _StandInBase.metadata.create_all(db.connection())
    mine = factories.make_user(db, role="caseworker", states=["07"])
    colleague = factories.make_user(db, role="caseworker", states=["07"])
    made = {
        "mine": StandInRecord(id=str(uuid.uuid4()), state_code="07", registered_by_id=mine.id),
        "colleague": StandInRecord(id=str(uuid.uuid4()), state_code="07", registered_by_id=colleague.id),
        "guerrero": StandInRecord(id=str(uuid.uuid4()), state_code="12", registered_by_id=mine.id),
    }
    db.add_all(made.values())
    db.flush()
    return mine, made


def visible(db, user):
    names = {}
    for record in db.scalars(scoped(select(StandInRecord), StandInRecord, user)):
        names[record.id] = record
    return names


def names_of(made, found):
    return {name for name, record in made.items() if record.id in found}


def test_caseworker_sees_only_what_they_registered_in_their_states(db, records):
    mine, made = records
    assert names_of(made, visible(db, mine)) == {"mine"}


def test_supervisor_sees_every_record_of_their_states(db, records):
    _, made = records
    supervisor = factories.make_user(db, role="supervisor", states=["07"])
    assert names_of(made, visible(db, supervisor)) == {"mine", "colleague"}


def test_national_supervisor_sees_all(db, records):
    _, made = records
    supervisor = factories.make_user(db, role="supervisor", states=None)
    assert names_of(made, visible(db, supervisor)) == set(made)


@pytest.mark.parametrize("role", ["auditor", "administrator"])
def test_auditors_and_administrators_see_no_case_content_even_national(db, records, role):
    user = factories.make_user(db, role=role, states=None)
    assert visible(db, user) == {}


def test_get_for_returns_a_record_in_scope(db, records):
    mine, made = records
    assert get_for(db, mine, StandInRecord, made["mine"].id, "stand_in") is made["mine"]


@pytest.mark.parametrize(("name", "reason"), [("guerrero", "out_of_scope"), ("colleague", "out_of_scope"),
                                               (None, "absent")])
def test_get_for_refuses_forbidden_and_absent_alike_naming_the_reason_for_the_audit(db, records, name, reason):
    mine, made = records
    record_id = made[name].id if name else str(uuid.uuid4())
    with pytest.raises(NotVisible) as refused:
        get_for(db, mine, StandInRecord, record_id, "stand_in")
    assert (refused.value.object_type, refused.value.object_id, refused.value.reason) == (
        "stand_in", record_id, reason)


def test_a_refused_record_is_an_audited_404_whose_denial_entry_is_kept(app, client, db, login_as):
    chiapas = login_as("caseworker", ["07"])
    foreign = factories.make_person(db, state="12")
    response = client.get(f"/registro/personas/{foreign.id}")
    assert response.status_code == 404 and "no está a su alcance" in response.get_data(as_text=True)
    db.expire_all()
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == Action.ACCESS_DENIED)).one()
    assert (denied.actor_id, denied.object_type, denied.object_id, denied.outcome) == (
        chiapas.id, "person", str(foreign.id), "denied")
    assert "out_of_scope" in denied.details


@pytest.mark.parametrize(("actor_states", "account_states", "account_national", "allowed"), [
    (None, ["12"], False, True),
    (None, None, True, True),
    (["07"], ["07"], False, True),
    (["07"], ["12"], False, False),
    (["07"], ["07", "12"], False, False),
    (["07", "12"], ["07", "12"], False, True),
    (["07"], None, True, False),
])
def test_administrator_manages_accounts_of_their_territory(actor_states, account_states, account_national,
                                                           allowed):
    actor = User(role="administrator", is_national=actor_states is None, active=True)
    actor.states = actor_states or []
    account = User(role="caseworker", is_national=account_national)
    account.states = account_states or []
    assert can_manage_account(actor, account) is allowed


def test_state_administrator_lists_only_accounts_of_their_territory(client, db, login_as):
    chiapas = factories.make_user(db, role="caseworker", states=["07"])
    guerrero = factories.make_user(db, role="caseworker", states=["12"])
    login_as("administrator", ["07"])
    page = client.get("/admin/users").get_data(as_text=True)
    assert chiapas.username in page and guerrero.username not in page
    assert client.get(f"/admin/users/{guerrero.id}").status_code == 404


def test_state_administrator_cannot_grant_national_scope_nor_other_states(client, db, login_as):
    login_as("administrator", ["07"])
    token = csrf_token(client, "/admin/users/new")
    base = {"csrf_token": token, "username": "nueva.cuenta", "full_name": "Cuenta Nueva", "email": "n@x.gob.mx",
            "role": "supervisor", "active": "y", "password": factories.PASSWORD}
    national = client.post("/admin/users/new", data={**base, "is_national": "y"})
    assert national.status_code == 400 and "alcance nacional" in national.get_data(as_text=True)
    other_state = client.post("/admin/users/new", data={**base, "states": ["12"]})
    assert other_state.status_code == 400
    assert db.scalars(select(User).where(User.username == "nueva.cuenta")).first() is None
    assert client.post("/admin/users/new", data={**base, "states": ["07"]}).status_code == 302


def test_viewing_an_account_is_audited_with_field_names(client, db, login_as):
    account = factories.make_user(db, role="caseworker", states=["07"])
    login_as("administrator", ["07"])
    client.get(f"/admin/users/{account.id}")
    view = db.scalars(select(AuditEvent).where(AuditEvent.action == Action.VIEW)).one()
    assert view.object_id == str(account.id) and view.details == '{"fields":["email","full_name"]}'
