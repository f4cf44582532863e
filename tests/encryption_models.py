"""Test-only models with encrypted fields, on their own declarative base (not the app's metadata)."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, MetaData, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dfi_casos.database import new_uuid
from dfi_casos.security.fields import BlindIndex, CompositeBlindIndex, Encrypted
from dfi_casos.security.normalize import normalize_curp, normalize_full_name_dob, normalize_phone


class EncBase(DeclarativeBase):
    """Kept apart from dfi_casos.database.Base: the migrations test compares that one's metadata."""

    metadata = MetaData()


class EncPerson(EncBase):
    __tablename__ = "enc_person"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    given_names = Encrypted()
    first_surname = Encrypted()
    second_surname = Encrypted()
    birth_date = Encrypted(date)
    curp = Encrypted(blind_index=BlindIndex("curp", normalize_curp))
    phone = Encrypted(blind_index=BlindIndex("phone", normalize_phone))
    risks = Encrypted(list)
    name_dob_bidx = CompositeBlindIndex(
        "name_dob", ("given_names", "first_surname", "second_surname", "birth_date"), normalize_full_name_dob
    )
    #: Plain column: the control that proves the raw scans can see text when it is there.
    state_code: Mapped[str | None] = mapped_column(String(40))


class EncNote(EncBase):
    __tablename__ = "enc_note"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enc_person.id"))
    body = Encrypted()
