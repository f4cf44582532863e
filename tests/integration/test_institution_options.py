"""Institution option lists: read once per process, cleared by an edit, re-read when another process edits."""
from __future__ import annotations

from sqlalchemy import insert

from dfi_casos.auth.models import Role
from dfi_casos.institutions import services as catalog
from dfi_casos.institutions.models import Institution
from tests import factories

GRO, MICH = "12", "16"


def _names(options: list[tuple[str, str]]) -> list[str]:
    return [name for _id, name in options]


def test_options_are_read_once_then_served_from_memory(db, count_statements) -> None:
    catalog.forget_institution_names()
    with count_statements() as first:
        options = catalog.institution_options(db, GRO)
    with count_statements() as again:
        assert catalog.institution_options(db, GRO) == options
    assert first.count == 1 and again.count == 0


def test_an_administrators_edit_shows_at_once(db) -> None:
    admin = factories.make_user(db, Role.ADMINISTRATOR, None)
    before = _names(catalog.institution_options(db, GRO))
    added = catalog.create_institution(db, admin, catalog.InstitutionData("PRUEBA-GRO", "Refugio de Chilpancingo",
                                                                           state_code=GRO))
    assert "Refugio de Chilpancingo" in _names(catalog.institution_options(db, GRO))
    assert "Refugio de Chilpancingo" not in _names(catalog.institution_options(db, MICH))  # another territory
    catalog.update_institution(db, admin, added, catalog.InstitutionData("PRUEBA-GRO", "Albergue de Chilpancingo",
                                                                         state_code=GRO), added.version)
    names = _names(catalog.institution_options(db, GRO))
    assert "Albergue de Chilpancingo" in names and "Refugio de Chilpancingo" not in names
    catalog.update_institution(db, admin, added, catalog.InstitutionData("PRUEBA-GRO", "Albergue de Chilpancingo",
                                                                         active=False, state_code=GRO), added.version)
    assert _names(catalog.institution_options(db, GRO)) == before


def test_another_processs_edit_is_read_after_the_maximum_age(db, monkeypatch) -> None:
    catalog.forget_institution_names()
    catalog.institution_options(db, None)
    # written by another process: this one's cache does not know yet
    db.execute(insert(Institution).values(code="OTRO-PROC", name="Casa del Migrante (otro proceso)", active=True,
                                          state_code=None))
    assert "Casa del Migrante (otro proceso)" not in _names(catalog.institution_options(db, None))
    clock = catalog.time.monotonic() + catalog.NAMES_MAX_AGE + 1
    monkeypatch.setattr(catalog.time, "monotonic", lambda: clock)
    assert "Casa del Migrante (otro proceso)" in _names(catalog.institution_options(db, None))


def test_callers_cannot_change_the_cached_list(db) -> None:
    options = catalog.institution_options(db, GRO)
    options.insert(0, ("", "(ninguna)"))
    assert ("", "(ninguna)") not in catalog.institution_options(db, GRO)
