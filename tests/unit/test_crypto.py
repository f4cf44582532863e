"""Key ring, stored format, blind-index keys, key loading and key-file edits: no database involved."""
from __future__ import annotations

import base64
import json
import logging
import math
import os
import stat
from pathlib import Path

import pytest

from dfi_casos.security import crypto
from dfi_casos.security.crypto import (
    BlindIndexKeys,
    DecryptionError,
    KeyConfigError,
    KeyRing,
    index_bits_for,
    load_key_material,
)

RECORD = "6a5e6fb1-273d-4f16-a331-727a2fc4d494"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing({1: os.urandom(32), 2: os.urandom(32)}, active_key_id=2)


def test_stored_value_carries_version_key_id_and_random_nonce(ring: KeyRing) -> None:
    first = ring.encrypt_field(b"HEGG560427MVZRRL04", "person", "curp_enc", RECORD)
    second = ring.encrypt_field(b"HEGG560427MVZRRL04", "person", "curp_enc", RECORD)
    assert first[0] == crypto.FORMAT_VERSION
    assert first[1:3] == b"\x00\x02"
    assert crypto.stored_key_id(first) == 2
    assert len(first) == 1 + 2 + 12 + len(b"HEGG560427MVZRRL04") + 16
    assert first[3:15] != second[3:15], "a nonce must never repeat"
    assert first != second
    assert ring.decrypt_field(first, "person", "curp_enc", RECORD) == b"HEGG560427MVZRRL04"


def test_values_under_an_older_key_still_decrypt(ring: KeyRing) -> None:
    old = KeyRing({1: ring.keys[1]}, active_key_id=1).encrypt_field(b"Guadalupe", "person", "c", RECORD)
    assert ring.decrypt_field(old, "person", "c", RECORD) == b"Guadalupe"


@pytest.mark.parametrize(
    ("table", "column", "record"),
    [("other", "curp_enc", RECORD), ("person", "phone_enc", RECORD), ("person", "curp_enc", "another-id")],
)
def test_value_moved_to_other_table_column_or_record_does_not_decrypt(
    ring: KeyRing, table: str, column: str, record: str
) -> None:
    stored = ring.encrypt_field(b"HEGG560427MVZRRL04", "person", "curp_enc", RECORD)
    with pytest.raises(DecryptionError) as error:
        ring.decrypt_field(stored, table, column, record)
    assert error.value.table == table and error.value.column == column and error.value.record_id == record


@pytest.mark.parametrize("position", [0, 1, 2, 3, 14, 15, 20, -16, -1])
def test_any_flipped_byte_is_a_decryption_error(ring: KeyRing, position: int) -> None:
    stored = bytearray(ring.encrypt_field(b"Maria de la Luz", "person", "given_names_enc", RECORD))
    stored[position] ^= 0x01
    with pytest.raises(DecryptionError):
        ring.decrypt_field(bytes(stored), "person", "given_names_enc", RECORD)


@pytest.mark.parametrize("stored", [b"", b"\x01\x00\x02", b"\x01\x00\x02" + b"\x00" * 20])
def test_truncated_value_is_a_decryption_error(ring: KeyRing, stored: bytes) -> None:
    with pytest.raises(DecryptionError, match="truncado"):
        ring.decrypt_field(stored, "person", "c", RECORD)


def test_wrong_key_is_a_loud_error_that_names_no_content(ring: KeyRing, caplog: pytest.LogCaptureFixture) -> None:
    stored = ring.encrypt_field(b"Rosa Hernandez", "person", "given_names_enc", RECORD)
    impostor = KeyRing({2: os.urandom(32)}, active_key_id=2)
    with caplog.at_level(logging.ERROR, logger="dfi_casos.security.crypto"), pytest.raises(DecryptionError) as error:
        impostor.decrypt_field(stored, "person", "given_names_enc", RECORD)
    logged = caplog.text
    assert "person" in logged and "given_names_enc" in logged and RECORD in logged
    for text in (str(error.value), logged):
        assert "Rosa" not in text
        assert stored.hex() not in text and _b64(stored) not in text and repr(stored) not in text
        assert stored[15:23].hex() not in text


def test_value_under_a_key_this_process_lacks_names_the_key(ring: KeyRing) -> None:
    stored = KeyRing({9: os.urandom(32)}, 9).encrypt_field(b"x", "t", "c", RECORD)
    with pytest.raises(DecryptionError, match="clave 9 no disponible"):
        ring.decrypt_field(stored, "t", "c", RECORD)


def test_unknown_format_version_is_a_decryption_error(ring: KeyRing) -> None:
    stored = b"\x07" + ring.encrypt_field(b"x", "t", "c", RECORD)[1:]
    with pytest.raises(DecryptionError, match="versión"):
        ring.decrypt_field(stored, "t", "c", RECORD)


@pytest.mark.parametrize(
    ("keys", "active"), [({1: os.urandom(32)}, 2), ({1: os.urandom(16)}, 1), ({0: os.urandom(32)}, 0), ({}, 1)]
)
def test_key_ring_refuses_unusable_keys(keys: dict[int, bytes], active: int) -> None:
    with pytest.raises(KeyConfigError):
        KeyRing(keys, active)


def test_blind_index_is_deterministic_truncated_and_keyed_per_index() -> None:
    blind = BlindIndexKeys(os.urandom(32), bits=17)
    value = blind.compute("person.curp", "HEGG560427MVZRRL04")
    assert value == blind.compute("person.curp", "HEGG560427MVZRRL04")
    assert 0 <= value < 2**17
    others = {blind.compute(f"person.idx{i}", "HEGG560427MVZRRL04") for i in range(20)}
    assert len(others) > 15, "each index must have its own key"
    other_root = BlindIndexKeys(os.urandom(32), bits=17)
    differing = sum(other_root.compute("p.curp", f"V{i}") != blind.compute("p.curp", f"V{i}") for i in range(50))
    assert differing > 45, "another root must give other index values"


def test_lookup_during_rebuild_asks_for_both_roots() -> None:
    old_root, new_root = os.urandom(32), os.urandom(32)
    old = BlindIndexKeys(old_root, bits=12)
    during = BlindIndexKeys(new_root, bits=17, previous_root=old_root, previous_bits=12)
    values = during.lookup_values("person.curp", "HEGG560427MVZRRL04")
    curp = "HEGG560427MVZRRL04"
    assert values == [during.compute("person.curp", curp), old.compute("person.curp", curp)]
    assert during.rebuild_pending and not old.rebuild_pending


def test_truncation_bits_for_one_million_records() -> None:
    assert index_bits_for(1_000_000) == 17


@pytest.mark.parametrize("size", [100, 1_000, 10_000, 100_000, 750_000, 1_000_000, 3_000_000, 50_000_000, 10**9])
def test_truncation_shares_each_index_value_between_2_and_32_records(size: int) -> None:
    shared = size / 2 ** index_bits_for(size)
    assert 2 <= shared <= 32
    assert shared < math.sqrt(size)


def test_development_generates_owner_only_key_file_once(tmp_path: Path) -> None:
    first = load_key_material({"ENV_NAME": "development"}, str(tmp_path))
    path = tmp_path / crypto.DEV_KEYFILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["development"] is True
    assert first.development
    again = load_key_material({"ENV_NAME": "development"}, str(tmp_path))
    assert again.encryption_keys == first.encryption_keys and again.audit_key == first.audit_key
    assert first.blind.bits == index_bits_for(1_000_000)


def test_four_secrets_are_independent(tmp_path: Path) -> None:
    material = load_key_material({"ENV_NAME": "development"}, str(tmp_path))
    secrets = [material.encryption_keys[1], material.blind_index_root, material.audit_key]
    assert len(set(secrets)) == 3


def test_production_refuses_to_start_without_keys(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigError, match="Producción requiere claves"):
        load_key_material({"ENV_NAME": "production"}, str(tmp_path))
    assert not (tmp_path / crypto.DEV_KEYFILE_NAME).exists()


def test_production_refuses_the_development_key_file(tmp_path: Path) -> None:
    load_key_material({"ENV_NAME": "development"}, str(tmp_path))
    with pytest.raises(KeyConfigError, match="desarrollo"):
        load_key_material({"ENV_NAME": "production", "KEYFILE": str(tmp_path / crypto.DEV_KEYFILE_NAME)}, str(tmp_path))


def test_production_refuses_a_renamed_development_key_file(tmp_path: Path) -> None:
    renamed = tmp_path / "prod-keys.json"
    crypto.generate_keyfile(renamed, development=True)
    with pytest.raises(KeyConfigError, match="desarrollo"):
        load_key_material({"ENV_NAME": "production", "KEYFILE": str(renamed)}, str(tmp_path))


def test_production_accepts_its_own_key_file(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "prod.json"
    crypto.generate_keyfile(path, development=False)
    material = load_key_material({"ENV_NAME": "production", "KEYFILE": str(path)}, str(tmp_path))
    assert material.keyfile == path and not material.development
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_keys_from_environment_variables() -> None:
    k1, k2, blind, audit = (os.urandom(32) for _ in range(4))
    config = {
        "ENV_NAME": "production",
        "ENCRYPTION_KEYS": f"1:{_b64(k1)}, 2:{_b64(k2)}",
        "BLIND_INDEX_KEY": _b64(blind),
        "AUDIT_KEY": _b64(audit),
    }
    material = load_key_material(config, "/nonexistent")
    assert material.active_key_id == 2 and material.encryption_keys == {1: k1, 2: k2}
    assert material.blind_index_root == blind and material.audit_key == audit and material.source == "environment"
    assert load_key_material({**config, "ACTIVE_KEY_ID": "1"}, "/nonexistent").active_key_id == 1


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"BLIND_INDEX_KEY": ""}, "DFI_BLIND_INDEX_KEY"),
        ({"ENCRYPTION_KEYS": "1:bm90LWJhc2U2NCE"}, "base64"),
        ({"ENCRYPTION_KEYS": "1:" + _b64(b"short")}, "32 bytes"),
        ({"ENCRYPTION_KEYS": "uno:" + _b64(b"k" * 32)}, "1:base64"),
        ({"ACTIVE_KEY_ID": "5"}, "activa"),
        ({"AUDIT_KEY": _b64(b"b" * 32)}, "distintas"),
    ],
)
def test_unusable_environment_keys_are_refused(override: dict[str, str], message: str) -> None:
    config = {
        "ENV_NAME": "production",
        "ENCRYPTION_KEYS": "1:" + _b64(b"a" * 32),
        "BLIND_INDEX_KEY": _b64(b"b" * 32),
        "AUDIT_KEY": _b64(b"c" * 32),
    }
    with pytest.raises(KeyConfigError, match=message):
        load_key_material({**config, **override}, "/nonexistent")


def test_malformed_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"encryption_keys": {"1": _b64(b"a" * 32)}}))
    with pytest.raises(KeyConfigError, match="mal formado"):
        load_key_material({"KEYFILE": str(path)}, str(tmp_path))


def test_key_file_edits_add_activate_and_remove_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    crypto.generate_keyfile(path, development=False)
    assert crypto.add_field_key(path, activate=False) == 2
    material = load_key_material({"KEYFILE": str(path)}, str(tmp_path))
    assert material.active_key_id == 1 and set(material.encryption_keys) == {1, 2}
    crypto.activate_field_key(path, 2)
    with pytest.raises(KeyConfigError, match="activa"):
        crypto.remove_field_key(path, 2)
    crypto.remove_field_key(path, 1)
    material = load_key_material({"KEYFILE": str(path)}, str(tmp_path))
    assert material.active_key_id == 2 and set(material.encryption_keys) == {2}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"], "no temporary file left behind"


def test_blind_index_root_rotation_keeps_the_old_root_until_finished(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    crypto.generate_keyfile(path, development=False)
    before = load_key_material({"KEYFILE": str(path)}, str(tmp_path))
    crypto.start_blind_index_rotation(path, bits=20)
    during = load_key_material({"KEYFILE": str(path)}, str(tmp_path))
    assert during.blind.previous_root == before.blind.root and during.blind.root != before.blind.root
    assert during.blind.bits == 20 and during.blind.previous_bits == before.blind.bits
    with pytest.raises(KeyConfigError, match="pendiente"):
        crypto.start_blind_index_rotation(path, bits=20)
    crypto.finish_blind_index_rotation(path)
    after = load_key_material({"KEYFILE": str(path)}, str(tmp_path))
    assert after.blind.root == during.blind.root and not after.blind.rebuild_pending


def test_environment_lines_reproduce_the_key_material(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    crypto.generate_keyfile(path, development=False)
    crypto.start_blind_index_rotation(path, bits=18)
    material = load_key_material({"KEYFILE": str(path)}, str(tmp_path))
    lines = dict(line.split("=", 1) for line in crypto.env_lines_for(material))
    config = {name.removeprefix("DFI_"): value for name, value in lines.items()}
    again = load_key_material({**config, "AUDIT_KEY": _b64(material.audit_key)}, str(tmp_path))
    assert again.encryption_keys == material.encryption_keys and again.active_key_id == material.active_key_id
    assert again.blind.root == material.blind.root and again.blind.previous_root == material.blind.previous_root
    assert (again.blind.bits, again.blind.previous_bits) == (material.blind.bits, material.blind.previous_bits)
