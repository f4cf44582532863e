"""The institutions catalog kept by administrators, and the demo registry."""
from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import func, select

from dfi_casos.demo import seed_demo
from dfi_casos.institutions import services as institutions
from dfi_casos.registry.models import Community, DisplacementEvent, Household, Institution, Person
from tests.conftest import csrf_token


def institution_form(client, path="/admin/instituciones/nueva", **overrides):
    data = {"csrf_token": csrf_token(client, path), "code": "fiscalia_indigena", "name": "Fiscalía indígena",
            "active": "y", **overrides}
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def test_administrator_adds_renames_and_deactivates_an_institution(client, db, login_as):
    login_as("administrator", ["12"])
    assert institution_form(client).status_code == 302
    institution = db.scalars(select(Institution).where(Institution.code == "fiscalia_indigena")).one()
    path = f"/admin/instituciones/{institution.id}"
    response = institution_form(client, path, name="Fiscalía de asuntos indígenas", active=None,
                                version=str(institution.version))
    assert response.status_code == 302
    assert institution.name == "Fiscalía de asuntos indígenas" and not institution.active
    assert institution not in institutions.active_institutions(db)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"code": ""}, "Escriba la clave"),
    ({"code": "Con Espacios"}, "Solo minúsculas"),
    ({"code": "<script>"}, "Solo minúsculas"),
    ({"name": "x" * 10000}, "Máximo 200 caracteres"),
    ({"name": ""}, "Escriba el nombre"),
])
def test_bad_institution_input_is_refused(client, db, login_as, overrides, message):
    login_as("administrator", ["12"])
    before = db.scalar(select(func.count()).select_from(Institution))
    response = institution_form(client, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True) and "<script>" not in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Institution)) == before


def test_institution_code_is_unique_and_never_changes(client, db, login_as):
    login_as("administrator", ["12"])
    assert institution_form(client).status_code == 302
    assert "Ya existe una institución" in institution_form(client).get_data(as_text=True)
    institution = db.scalars(select(Institution).where(Institution.code == "fiscalia_indigena")).one()
    path = f"/admin/instituciones/{institution.id}"
    response = institution_form(client, path, code="otra", version=str(institution.version))
    assert response.status_code == 400 and "La clave no se cambia" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "auditor"])
def test_only_administrators_edit_the_catalog(client, db, login_as, role):
    login_as(role, ["12"])
    assert client.get("/admin/instituciones/").status_code == 404


def test_demo_registry_is_seeded_once_in_both_states(db):
    first = seed_demo(db, current_app.config)
    households = db.scalar(select(func.count()).select_from(Household))
    assert households >= 30 and "Guerrero" in first and "Chiapas" in first
    assert set(db.scalars(select(Household.state_code).distinct())) == {"07", "12"}
    assert set(db.scalars(select(DisplacementEvent.event_type).distinct())) == {"mass", "individual_or_family"}
    assert db.scalar(select(func.count()).select_from(Community)) >= 1
    curps = [p.curp for p in db.scalars(select(Person))]
    assert any(curps) and not all(curps)
    seed_demo(db, current_app.config)
    assert db.scalar(select(func.count()).select_from(Household)) == households


def test_a_newer_municipality_file_is_loaded_from_the_setting(keyfile, tmp_path):
    from dfi_casos import create_app
    from dfi_casos.catalogs.geography import CatalogError, packaged_municipalities_path

    newer = tmp_path / "municipios-2030.csv"
    rows = packaged_municipalities_path().read_text(encoding="utf-8").splitlines()
    newer.write_text("\n".join([*rows, "12999,Guerrero,12,Municipio Nuevo,999"]) + "\n", encoding="utf-8")
    base = {"ENV_NAME": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "KEYFILE": str(keyfile),
            "INSTANCE_PATH": str(tmp_path / "instance")}
    app = create_app({**base, "MUNICIPALITIES_FILE": str(newer)})
    assert app.extensions["municipalities"].belongs_to("12999", "12")
    broken = tmp_path / "roto.csv"
    broken.write_text("cve_geo,nombre_estado\n", encoding="utf-8")
    with pytest.raises(CatalogError):
        create_app({**base, "MUNICIPALITIES_FILE": str(broken)})
