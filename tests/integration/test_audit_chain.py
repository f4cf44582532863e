"""The audit chain: appends link by HMAC; raw-SQL tampering of any kind is caught and located."""
from __future__ import annotations

import hmac
import json
import secrets
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from dfi_casos.security import audit, audit_chain
from dfi_casos.security.audit import Action, AuditEvent, ChainHead, chain_head, verify_chain
from tests import factories


@pytest.fixture
def key(app):
    return app.extensions["dfi_keys"].audit_key


@pytest.fixture
def chain(db):
    """Ten entries from a caseworker of Chiapas; returns their sequence numbers."""
    actor = factories.make_user(db, role="caseworker", states=["07"])
    for number in range(8):
        audit.record_view(db, actor, "person", f"p-{number}", fields=["names", "curp"], state_code="07")
    return [seq for (seq,) in db.execute(text("SELECT seq FROM audit_event ORDER BY seq"))]


def mac_of(db, seq):
    return db.execute(text("SELECT mac FROM audit_event WHERE seq = :seq"), {"seq": seq}).scalar_one()


def renumber(db, first, shift):
    """Move entries from `first` on by `shift` positions, in two steps so the primary key never collides."""
    db.execute(text("UPDATE audit_event SET seq = seq + 100000 WHERE seq >= :first"), {"first": first})
    db.execute(text("UPDATE audit_event SET seq = seq - 100000 + :shift WHERE seq >= 100000"), {"shift": shift})


def test_intact_chain_verifies(db, key, chain):
    result = verify_chain(db, key)
    assert result.ok and result.bad_seq is None
    assert result.checked == len(chain) == chain[-1]
    assert result.head == chain_head(db)


def test_empty_chain_verifies(db, key):
    result = verify_chain(db, key)
    assert result.ok and result.checked == 0 and result.head.seq == 0


def test_entries_link_to_their_predecessor(db, chain):
    events = db.query(AuditEvent).order_by(AuditEvent.seq).all()
    assert events[0].prev_mac == audit.GENESIS_MAC
    assert all(later.prev_mac == earlier.mac for earlier, later in zip(events, events[1:], strict=False))


def test_altered_content_is_caught(db, key, chain):
    db.execute(text("UPDATE audit_event SET details = '{\"fields\":[]}' WHERE seq = 5"))
    result = verify_chain(db, key)
    assert (result.ok, result.bad_seq, result.reason) == (False, 5, "altered")
    assert result.checked == 4


@pytest.mark.parametrize("column", ["actor_id", "object_id", "occurred_at", "mac", "prev_mac", "outcome"])
def test_altering_any_column_is_caught(db, key, chain, column):
    new_value = {"actor_id": "99999", "object_id": "'otro'", "occurred_at": "occurred_at",
                 "mac": "'" + "a" * 64 + "'", "prev_mac": "'" + "b" * 64 + "'", "outcome": "'denied'"}[column]
    if column == "occurred_at":  # one microsecond later, through each database's own arithmetic
        db.execute(text("UPDATE audit_event SET occurred_at = (SELECT occurred_at FROM audit_event WHERE seq = 2) "
                        "WHERE seq = 6"))
    else:
        db.execute(text(f"UPDATE audit_event SET {column} = {new_value} WHERE seq = 6"))
    result = verify_chain(db, key)
    assert not result.ok and result.bad_seq == 6


def test_deleted_entry_is_caught(db, key, chain):
    db.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    result = verify_chain(db, key)
    assert (result.ok, result.bad_seq, result.reason) == (False, 4, "removed")


def test_deleted_first_entry_is_caught(db, key, chain):
    db.execute(text("DELETE FROM audit_event WHERE seq = 1"))
    result = verify_chain(db, key)
    assert (result.ok, result.bad_seq, result.reason) == (False, 1, "removed")


def test_deleted_entry_with_later_ones_renumbered_is_caught(db, key, chain):
    db.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    renumber(db, 5, -1)
    result = verify_chain(db, key)
    assert (result.ok, result.bad_seq, result.reason) == (False, 4, "removed")


def test_inserted_entry_is_caught(db, key, chain):
    renumber(db, 4, 1)
    forged = {"seq": 4, "prev": mac_of(db, 3), "mac": secrets.token_hex(32)}
    db.execute(text(
        "INSERT INTO audit_event (seq, occurred_at, action, outcome, details, prev_mac, mac) "
        "SELECT :seq, occurred_at, 'login', 'ok', '{}', :prev, :mac FROM audit_event WHERE seq = 3"), forged)
    result = verify_chain(db, key)
    assert (result.ok, result.bad_seq, result.reason) == (False, 4, "inserted")


def test_entry_appended_with_a_forged_mac_is_caught(db, key, chain):
    last = chain[-1]
    db.execute(text(
        "INSERT INTO audit_event (seq, occurred_at, action, outcome, details, prev_mac, mac) "
        "SELECT seq + 1, occurred_at, 'login', 'ok', '{}', mac, :mac FROM audit_event WHERE seq = :last"),
        {"last": last, "mac": secrets.token_hex(32)})
    result = verify_chain(db, key)
    assert not result.ok and result.bad_seq == last + 1


def test_reordered_entries_are_caught(db, key, chain):
    db.execute(text("UPDATE audit_event SET seq = -5 WHERE seq = 5"))
    db.execute(text("UPDATE audit_event SET seq = 5 WHERE seq = 6"))
    db.execute(text("UPDATE audit_event SET seq = 6 WHERE seq = -5"))
    result = verify_chain(db, key)
    assert (result.ok, result.bad_seq, result.reason) == (False, 5, "reordered")


def test_truncated_tail_passes_without_a_saved_head_but_not_with_one(db, key, chain):
    saved = chain_head(db)
    db.execute(text("DELETE FROM audit_event WHERE seq > :keep"), {"keep": saved.seq - 2})
    assert verify_chain(db, key).ok  # the limit of any chain: only a head kept elsewhere tells
    result = verify_chain(db, key, saved)
    assert (result.ok, result.bad_seq, result.reason) == (False, saved.seq - 1, "truncated")


def test_tail_cut_and_regrown_is_caught_by_the_saved_head(db, key, chain):
    saved = chain_head(db)
    db.execute(text("DELETE FROM audit_event WHERE seq > :keep"), {"keep": saved.seq - 2})
    db.commit()  # the tampering lands first; the app appends in a later transaction
    for _ in range(3):
        audit.record(db, action=Action.LOGIN)
    result = verify_chain(db, key, saved)
    assert (result.ok, result.bad_seq, result.reason) == (False, saved.seq, "truncated")


def test_chain_that_grew_after_the_head_was_saved_verifies(db, key, chain):
    saved = chain_head(db)
    audit.record(db, action=Action.LOGIN)
    assert verify_chain(db, key, saved).ok


def test_another_key_cannot_vouch_for_the_chain(db, key, chain):
    result = verify_chain(db, secrets.token_bytes(32))
    assert not result.ok and result.bad_seq == 1


def test_audit_key_is_independent_of_the_other_secrets(app):
    keys = app.extensions["dfi_keys"]
    others = {app.config["SECRET_KEY"].encode(), keys.blind_index_root, *keys.encryption_keys.values()}
    assert keys.audit_key not in others and len(keys.audit_key) == 32


def test_chain_head_round_trips_through_json():
    head = ChainHead(42, "f" * 64)
    assert ChainHead.from_json(head.to_json()) == head


def test_entries_record_actor_territory_and_object_territory(db, chain):
    event = db.get(AuditEvent, chain[-1])
    assert event.actor_states == ",07," and event.object_state == "07" and event.actor_role == "caseworker"


def test_search_entry_keeps_kind_count_and_ids_never_the_term(db):
    actor = factories.make_user(db, role="supervisor", states=["12"])
    event = audit.record_search(db, actor, "person_by_name", ["a1", "b2"])
    assert json.loads(event.details) == {"kind": "person_by_name", "count": 2, "ids": ["a1", "b2"],
                                         "ids_truncated": False}


def test_search_entry_caps_the_ids_but_keeps_the_exact_count(db):
    event = audit.record_search(db, None, "person_by_curp", range(audit.MAX_IDS + 5))
    details = json.loads(event.details)
    assert details["count"] == audit.MAX_IDS + 5 and len(details["ids"]) == audit.MAX_IDS
    assert details["ids_truncated"] is True


def test_update_entry_names_changed_fields_and_never_their_values(db):
    actor = factories.make_user(db, role="caseworker", states=["12"])
    event = audit.record_change(db, actor, Action.UPDATE, "person", "p-1", fields=["phone", "address"],
                                state_code="12")
    assert json.loads(event.details) == {"fields": ["address", "phone"]}


def test_record_change_refuses_actions_that_are_not_changes(db):
    with pytest.raises(ValueError, match="does not record"):
        audit.record_change(db, None, Action.LOGIN, "person", "p-1")


def test_export_entry_counts_rows_and_names_fields(db):
    actor = factories.make_user(db, role="supervisor", states=["12"])
    event = audit.record_export(db, actor, "cases", count=3, record_ids=["c1", "c2", "c3"], fields=["folio"])
    assert json.loads(event.details) == {"kind": "cases", "count": 3, "format": "csv", "ids": ["c1", "c2", "c3"],
                                         "fields": ["folio"]}


@pytest.mark.parametrize("key_size", [16, 32, 64, 100])
def test_precomputed_hmac_equals_the_standard_library(key_size):
    key = secrets.token_bytes(key_size)
    for message in [b"", b"x", secrets.token_bytes(1000)]:
        assert audit.keyed_hmac_sha256(key)(message) == hmac.digest(key, message, "sha256").hex()


def test_canonical_encoding_is_compact_json_of_the_content_columns():
    values = ["2026-01-01T00:00:00.000000Z", 7, "usuario", None, "ñandú \"x\" \\ \n", '{"a":[1]}']
    assert audit_chain._encode_json(values) == json.dumps(values, separators=(",", ":"))


@pytest.mark.parametrize("moment", [datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC),
                                    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)])
def test_database_formats_timestamps_exactly_as_python_does(db, key, monkeypatch, moment):
    monkeypatch.setattr(audit, "utcnow", lambda: moment)
    audit.record(db, action=Action.LOGIN)
    assert verify_chain(db, key).ok


def test_key_operation_entry_names_the_key_and_counts_only(db):
    event = audit.record_key_operation(db, None, Action.KEY_ROTATION, 3, rows=1200)
    assert (event.action, event.object_type, event.object_id) == ("key_rotation", "clave", "3")
    assert json.loads(event.details) == {"rows": 1200}
    with pytest.raises(ValueError, match="does not record"):
        audit.record_key_operation(db, None, Action.VIEW, 3)
