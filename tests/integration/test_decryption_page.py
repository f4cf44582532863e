"""A value that does not decrypt is a loud Spanish error page: never garbage, never an empty field."""
from __future__ import annotations

import logging

from sqlalchemy import select, update

from dfi_casos.registry.models import Person
from tests import factories


def test_ciphertext_copied_from_another_person_shows_the_spanish_error_page(client, db, login_as, caplog):
    supervisor = login_as("supervisor", ["12"])
    victim = factories.make_person(db, state="12", registered_by=supervisor, given_names="Esperanza")
    other = factories.make_person(db, state="12", registered_by=supervisor, given_names="Refugio")
    db.flush()
    # An attacker with database access copies one person's ciphertext onto another row.
    table = Person.__table__
    stolen = db.execute(select(table.c.given_names_enc).where(table.c.id == other.id)).scalar_one()
    db.execute(update(table).where(table.c.id == victim.id).values(given_names_enc=stolen))
    db.expire_all()

    with caplog.at_level(logging.DEBUG):
        response = client.get(f"/registro/personas/{victim.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "No se pudo mostrar la información protegida" in body
    assert "Refugio" not in body and "Esperanza" not in body
    assert "Traceback" not in body
    assert stolen.hex() not in caplog.text and "Refugio" not in caplog.text
