"""Merging two records of one person or household: both histories kept, a tombstone, an undo by another supervisor."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.auth.models import Role
from dfi_casos.cases.models import Case
from dfi_casos.errors import NotVisible
from dfi_casos.registry import merge
from dfi_casos.registry.models import Consent, Household, HouseholdMembership, Person, RecordMerge
from dfi_casos.registry.name_search import NameQuery, find_by_name
from dfi_casos.security.audit import AuditEvent
from tests import factories


@pytest.fixture
def supervisors(db: Session):
    return (factories.make_user(db, Role.SUPERVISOR, ["12"]), factories.make_user(db, Role.SUPERVISOR, ["12"]))


@pytest.fixture
def twins(db: Session):
    """One woman registered twice in Guerrero: once with a household and a case, once alone with a consent."""
    household = factories.make_case_household(db, factories.make_user(db, Role.CASEWORKER, ["12"]), "12")
    first = factories.household_head(household)
    first.given_names, first.first_surname, first.birth_date = "Yesenia", "Valdés", date(1990, 5, 1)
    second = factories.make_person(db, given_names="Llesenia", first_surname="Baldez", curp=None,
                                   phone="5512345678", birth_date=date(1990, 5, 1))
    db.add(Consent(person_id=second.id, scope="registration", method="signed", taken_on=date(2026, 1, 5),
                   taken_by_id=second.registered_by_id, state_code="12", registered_by_id=second.registered_by_id))
    db.flush()
    return first, second


def _merge(db, actor, first, second, take=("phone",), reason="La misma persona, registrada dos veces"):
    return merge.merge(db, actor, merge.PERSON, first.id, second.id, list(take), reason,
                       (first.version, second.version))


def test_merging_two_persons_keeps_both_histories_and_leaves_a_tombstone(db: Session, supervisors, twins) -> None:
    first, second = twins
    log = _merge(db, supervisors[0], first, second)
    assert first.phone == "5512345678" and first.given_names == "Yesenia"
    assert second.merged_into_id == first.id
    assert db.scalars(select(Consent).where(Consent.person_id == first.id)).all()
    assert db.scalars(select(HouseholdMembership).where(HouseholdMembership.person_id == first.id)).all()
    assert log.fields_taken == ["phone"] and log.survivor_before == [["phone", None]]
    entry = db.scalars(select(AuditEvent).where(AuditEvent.action == "merge")).one()
    details = json.loads(entry.details)
    assert details["absorbed_id"] == str(second.id) and details["survivor_id"] == str(first.id)
    assert "5512345678" not in entry.details


def test_a_tombstone_is_not_found_by_name_any_more(db: Session, supervisors, twins) -> None:
    first, second = twins
    _merge(db, supervisors[0], first, second)
    found = [hit.person.id for hit in find_by_name(db, NameQuery(given_names="Yesenia", first_surname="Valdes"))]
    assert first.id in found and second.id not in found


def test_a_merge_needs_a_reason(db: Session, supervisors, twins) -> None:
    with pytest.raises(merge.MergeError) as caught:
        _merge(db, supervisors[0], *twins, reason="   ")
    assert caught.value.field == "reason"


def test_a_merge_is_refused_when_either_record_changed_since_the_comparison(db: Session, supervisors, twins) -> None:
    first, second = twins
    with pytest.raises(merge.MergeError, match="cambió"):
        merge.merge(db, supervisors[0], merge.PERSON, first.id, second.id, [], "motivo válido",
                    (first.version, second.version - 1))
    assert second.merged_into_id is None


def test_a_caseworker_cannot_merge(db: Session, twins) -> None:
    caseworker = factories.make_user(db, Role.CASEWORKER, ["12"])
    with pytest.raises(merge.MergeError, match="supervisión"):
        _merge(db, caseworker, *twins)


def test_a_supervisor_of_another_state_is_told_nothing(db: Session, twins) -> None:
    with pytest.raises(NotVisible):
        _merge(db, factories.make_user(db, Role.SUPERVISOR, ["07"]), *twins)


def test_a_second_supervisor_undoes_a_merge(db: Session, supervisors, twins) -> None:
    first, second = twins
    log = _merge(db, supervisors[0], first, second)
    assert merge.undo_refusal(db, supervisors[0], log, first) is not None  # not the one who merged
    merge.undo(db, supervisors[1], log.id)
    assert second.merged_into_id is None and first.phone is None
    assert db.scalars(select(Consent).where(Consent.person_id == second.id)).all()
    assert not db.scalars(select(Consent).where(Consent.person_id == first.id)).all()
    assert log.undone_by_id == supervisors[1].id
    found = [hit.person.id for hit in find_by_name(db, NameQuery(given_names="Llesenia", first_surname="Baldez"))]
    assert second.id in found


def test_no_undo_once_something_new_was_recorded_on_the_survivor(db: Session, supervisors, twins) -> None:
    first, second = twins
    log = _merge(db, supervisors[0], first, second)
    first.address = "Otra dirección"
    db.flush()
    assert "algo nuevo" in (merge.undo_refusal(db, supervisors[1], log, first) or "")


def test_no_undo_after_the_configured_days(app, db: Session, supervisors, twins) -> None:
    first, second = twins
    log = _merge(db, supervisors[0], first, second)
    log.merged_at = log.merged_at - timedelta(days=app.config["MERGE_UNDO_DAYS"] + 1)
    assert "días" in (merge.undo_refusal(db, supervisors[1], log, first) or "")


def test_merging_two_households_moves_members_and_cases(db: Session, supervisors) -> None:
    caseworker = factories.make_user(db, Role.CASEWORKER, ["12"])
    one = factories.make_household(db, "12", caseworker, members=1)
    case = factories.make_case(db, caseworker, "12")
    other = db.get(Household, case.household_id)
    members_before = {m.person_id for m in other.current_memberships}
    merge.merge(db, supervisors[0], merge.HOUSEHOLD, one.id, other.id, [], "Misma familia registrada dos veces",
                (one.version, other.version))
    db.expire_all()
    assert {m.person_id for m in one.current_memberships} >= members_before
    assert other.merged_into_id == one.id and not other.current_memberships
    assert db.get(Case, case.id).household_id == one.id
    assert db.scalars(select(RecordMerge).where(RecordMerge.record_type == "household")).one()


def test_merging_a_person_with_themself_is_refused(db: Session, supervisors, twins) -> None:
    first, _ = twins
    with pytest.raises(merge.MergeError, match="distintos"):
        merge.merge(db, supervisors[0], merge.PERSON, first.id, first.id, [], "motivo válido", (1, 1))


def test_the_person_table_keeps_the_tombstone(db: Session, supervisors, twins) -> None:
    first, second = twins
    _merge(db, supervisors[0], first, second)
    assert db.get(Person, second.id) is not None
