"""Encrypted columns declared in one line, blind indexes and exact search, on a SQLite file."""
from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Integer, LargeBinary, event, inspect, select
from sqlalchemy.orm import Session

from dfi_casos.database import make_engine
from dfi_casos.security.crypto import BlindIndexKeys, DecryptionError, KeyConfigError, KeyMaterial, load_key_material
from dfi_casos.security.errors import register_error_handlers
from dfi_casos.security.fields import Encrypted, blind_index_condition, find_by_blind_index
from tests.encryption_support import EncBase, EncPerson

BORN = date(1956, 4, 27)


@pytest.fixture
def keys(tmp_path: Path) -> KeyMaterial:
    return load_key_material({"ENV_NAME": "test"}, str(tmp_path / "instance"))


@pytest.fixture
def keys_app(keys: KeyMaterial) -> Iterator[Flask]:
    app = Flask(__name__)
    app.extensions["dfi_keys"] = keys
    with app.app_context():
        yield app


@pytest.fixture
def session(tmp_path: Path, keys_app: Flask) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'fields.sqlite3'}")
    EncBase.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def _person(**values: Any) -> EncPerson:
    defaults: dict[str, Any] = {
        "given_names": "Gloria",
        "first_surname": "Hernández",
        "second_surname": "García",
        "birth_date": BORN,
        "curp": "HEGG560427MVZRRL04",
        "phone": "55 1234 5678",
        "state_code": "30",
    }
    return EncPerson(**(defaults | values))


def _reload(session: Session, person: EncPerson) -> EncPerson:
    session.commit()
    session.expunge_all()
    loaded = session.get(EncPerson, person.id)
    assert loaded is not None
    return loaded


def _count_decryptions(keys: KeyMaterial, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    calls: list[bytes] = []
    original = keys.ring.decrypt

    def counting(stored: bytes, ad: bytes) -> bytes:
        calls.append(ad)
        return original(stored, ad)

    monkeypatch.setattr(keys.ring, "decrypt", counting)
    return calls


def test_declaration_adds_ciphertext_and_index_columns_only() -> None:
    columns = EncPerson.__table__.c
    for name in ("given_names", "first_surname", "second_surname", "birth_date", "curp", "phone", "risks"):
        assert name not in columns, "no plaintext column"
        assert isinstance(columns[f"{name}_enc"].type, LargeBinary) and columns[f"{name}_enc"].nullable
    for name in ("curp_bidx", "phone_bidx", "name_dob_bidx"):
        assert isinstance(columns[name].type, Integer) and columns[name].index
    assert "given_names_bidx" not in columns
    assert isinstance(EncPerson.curp, Encrypted)


def test_an_encrypted_field_cannot_be_compared_in_sql() -> None:
    with pytest.raises(TypeError, match="find_by_blind_index"):
        select(EncPerson).where(EncPerson.curp == "HEGG560427MVZRRL04")


def test_only_known_value_types_can_be_encrypted() -> None:
    with pytest.raises(TypeError, match="Encrypted admite"):
        Encrypted(int)  # type: ignore[call-overload]


def test_setting_a_field_gives_the_record_its_id_first(keys_app: Flask) -> None:
    person = EncPerson()
    assert person.id is None
    person.given_names = "Gloria"
    assert isinstance(person.id, uuid.UUID)
    assert person.given_names_enc is not None and b"Gloria" not in person.given_names_enc


def test_values_of_each_type_round_trip_through_the_database(session: Session) -> None:
    person = _person(risks=["amenazas", "extorsión"])
    session.add(person)
    loaded = _reload(session, person)
    assert loaded is not person
    assert (loaded.given_names, loaded.first_surname, loaded.second_surname) == ("Gloria", "Hernández", "García")
    assert loaded.birth_date == BORN and type(loaded.birth_date) is date
    assert loaded.risks == ["amenazas", "extorsión"]
    assert loaded.curp == "HEGG560427MVZRRL04"


def test_an_explicit_id_given_after_the_fields_still_decrypts(session: Session) -> None:
    chosen = uuid.uuid4()
    person = EncPerson(given_names="Gloria", curp="HEGG560427MVZRRL04", id=chosen)
    assert person.id == chosen
    session.add(person)
    loaded = _reload(session, person)
    assert loaded.id == chosen and loaded.given_names == "Gloria" and loaded.curp == "HEGG560427MVZRRL04"


def test_a_value_is_decrypted_once_per_instance(
    session: Session, keys: KeyMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.add(person := _person())
    loaded = _reload(session, person)
    calls = _count_decryptions(keys, monkeypatch)
    assert [loaded.given_names for _ in range(5)] == ["Gloria"] * 5
    assert calls == [f"enc_person.given_names_enc.{loaded.id}".encode()]


def test_saving_the_same_value_again_is_not_an_edit(session: Session) -> None:
    session.add(person := _person())
    loaded = _reload(session, person)
    before = loaded.curp_enc
    loaded.curp = "HEGG560427MVZRRL04"
    loaded.given_names = "Gloria"
    assert loaded.curp_enc == before
    assert not session.dirty
    loaded.given_names = "Gloria Isabel"
    assert session.dirty


def test_a_new_value_is_read_back_after_setting_it(session: Session) -> None:
    session.add(person := _person())
    loaded = _reload(session, person)
    loaded.given_names = "Rosa"
    assert loaded.given_names == "Rosa"
    assert _reload(session, loaded).given_names == "Rosa"


def test_none_clears_the_value_and_its_indexes(session: Session) -> None:
    session.add(person := _person())
    loaded = _reload(session, person)
    loaded.curp = None
    loaded.birth_date = None
    assert loaded.curp_enc is None and loaded.curp_bidx is None and loaded.name_dob_bidx is None
    assert _reload(session, loaded).curp is None


@pytest.mark.parametrize(("attribute", "value"), [("birth_date", datetime(1956, 4, 27)), ("given_names", 12)])
def test_a_value_of_the_wrong_type_is_refused(keys_app: Flask, attribute: str, value: Any) -> None:
    with pytest.raises(TypeError, match="se esperaba"):
        setattr(EncPerson(), attribute, value)


def test_composite_index_follows_each_input(keys_app: Flask) -> None:
    person = _person()
    first = person.name_dob_bidx
    assert first is not None
    person.second_surname = "Gómez"
    assert person.name_dob_bidx not in (None, first)
    person.second_surname = "García"
    assert person.name_dob_bidx == first
    person.birth_date = None
    assert person.name_dob_bidx is None


def test_reading_outside_an_application_context_is_a_loud_error(session: Session) -> None:
    session.add(person := _person())
    loaded = _reload(session, person)
    errors: list[BaseException] = []

    def read() -> None:  # a new thread starts without the application context
        try:
            _ = loaded.given_names
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    assert len(errors) == 1 and isinstance(errors[0], KeyConfigError)
    assert "contexto de aplicación" in str(errors[0])


@pytest.mark.parametrize(
    ("index", "typed"),
    [
        ("curp", (" hegg560427mvzrrl04 ",)),
        ("phone", ("+52 (55) 1234-5678",)),
        ("name_dob", ("GLORIA", "hernandez", "GARCÍA ", BORN)),
    ],
)
def test_exact_search_finds_the_person_however_it_was_typed(
    session: Session, index: str, typed: tuple[Any, ...]
) -> None:
    session.add_all([target := _person(), _person(curp="MAHJ280603MSPRRV09", phone="5598765432", given_names="Juana")])
    session.commit()
    assert [p.id for p in find_by_blind_index(session, EncPerson, index, *typed)] == [target.id]


def test_search_for_nothing_finds_nothing(session: Session) -> None:
    session.add(_person(curp=None))
    session.commit()
    assert find_by_blind_index(session, EncPerson, "curp", "  ") == []
    assert find_by_blind_index(session, EncPerson, "name_dob", "Gloria", "Hernández", "García", None) == []


def test_search_reads_only_candidates_never_every_row(
    session: Session, keys: KeyMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.add_all([_person(curp=f"XXXX{i:06d}HDFRRL0{i % 10}") for i in range(300)])
    session.add(target := _person(curp="MAHJ280603MSPRRV09"))
    session.commit()
    session.expunge_all()
    statements: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    calls = _count_decryptions(keys, monkeypatch)
    found = find_by_blind_index(session, EncPerson, "curp", "MAHJ280603MSPRRV09")
    assert [p.id for p in found] == [target.id]
    verify, load = [sql for sql in statements if sql.startswith("SELECT")]
    assert "curp_bidx" in verify.split("WHERE")[1]
    # the candidates are verified on their id and CURP ciphertext only; the match alone is loaded whole
    assert "curp_enc" in verify.split("FROM")[0] and "phone_enc" not in verify and "given_names_enc" not in verify
    assert "phone_enc" in load and "curp_bidx" not in load.split("WHERE")[1]
    assert len(calls) <= 5, f"decrypted {len(calls)} values for one lookup"


def test_truncated_index_collisions_are_settled_by_exact_comparison(
    session: Session, keys_app: Flask, keys: KeyMaterial
) -> None:
    # Two bits: a quarter of the table shares each index value.
    keys_app.extensions["dfi_keys"] = dataclasses.replace(keys, blind=BlindIndexKeys(keys.blind.root, bits=2))
    session.add_all([_person(curp=f"CURP{i:02d}") for i in range(40)])
    session.commit()
    candidates = session.scalars(select(EncPerson).where(blind_index_condition(EncPerson, "curp", "CURP07"))).all()
    assert len(candidates) > 3
    assert [p.curp for p in find_by_blind_index(session, EncPerson, "curp", "curp07")] == ["CURP07"]


def test_search_within_the_callers_scoped_query(session: Session) -> None:
    session.add_all([_person(state_code="12"), in_veracruz := _person(state_code="30")])
    session.commit()
    scoped = select(EncPerson).where(EncPerson.state_code == "30")
    found = find_by_blind_index(session, EncPerson, "curp", "HEGG560427MVZRRL04", query=scoped)
    assert [p.id for p in found] == [in_veracruz.id]


def test_search_keeps_working_while_indexes_are_rebuilt_under_a_new_root(
    session: Session, keys_app: Flask, keys: KeyMaterial
) -> None:
    session.add(person := _person())
    session.commit()
    new_root = BlindIndexKeys(bytes(32 * [7]), bits=keys.blind.bits)
    during = BlindIndexKeys(new_root.root, keys.blind.bits, keys.blind.root, keys.blind.bits)
    keys_app.extensions["dfi_keys"] = dataclasses.replace(keys, blind=new_root)
    assert find_by_blind_index(session, EncPerson, "curp", "HEGG560427MVZRRL04") == [], "why the old root is kept"
    keys_app.extensions["dfi_keys"] = dataclasses.replace(keys, blind=during)
    assert [p.id for p in find_by_blind_index(session, EncPerson, "curp", "HEGG560427MVZRRL04")] == [person.id]
    session.add(newcomer := _person(phone="5511112222"))
    session.commit()
    assert newcomer.curp_bidx == during.compute("enc_person.curp", "HEGG560427MVZRRL04"), "writes use the new root"
    assert len(find_by_blind_index(session, EncPerson, "curp", "HEGG560427MVZRRL04")) == 2


def test_altered_ciphertext_raises_and_never_shows_garbage(session: Session) -> None:
    session.add(person := _person())
    session.commit()
    altered = bytearray(person.given_names_enc or b"")
    altered[-1] ^= 0x80
    person.given_names_enc = bytes(altered)
    loaded = _reload(session, person)
    with pytest.raises(DecryptionError) as error:
        _ = loaded.given_names
    assert error.value.column == "given_names_enc" and error.value.record_id == str(person.id)
    assert inspect(loaded).attrs.given_names_enc.value == bytes(altered)


def test_decryption_error_is_a_spanish_page_without_the_ciphertext(keys: KeyMaterial) -> None:
    app = Flask(__name__)
    register_error_handlers(app)

    @app.route("/persona")
    def show() -> str:
        raise DecryptionError("enc_person", "curp_enc", "6a5e6fb1", "la etiqueta de autenticación no coincide")

    response = app.test_client().get("/persona")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "No se pudo mostrar la información protegida" in page
    assert "curp_enc" not in page and "6a5e6fb1" not in page
