"""The age band at registration: written by the services, backfilled once by migration 0070's decryption."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from dfi_casos.catalogs.ages import registration_age_group
from dfi_casos.catalogs.enums import AgeGroup
from dfi_casos.registry import services as registry
from dfi_casos.registry.models import Person
from dfi_casos.reports.backfill import backfill_age_groups
from tests import factories


def test_bands_follow_the_domain_boundaries():
    on = date(2026, 11, 27)
    assert registration_age_group(date(2021, 11, 28), None, on) is AgeGroup.AGE_0_4  # 4 the day before 5
    assert registration_age_group(date(2021, 11, 27), None, on) is AgeGroup.AGE_5_11
    assert registration_age_group(date(2008, 11, 27), None, on) is AgeGroup.AGE_18_29
    assert registration_age_group(None, 59, on) is AgeGroup.AGE_30_59
    assert registration_age_group(None, 60, on) is AgeGroup.AGE_60_PLUS
    assert registration_age_group(None, None, on) is None


def test_registration_and_edits_keep_the_band(db):
    person = factories.make_person(db, estimated_age=15)
    assert person.age_group is AgeGroup.AGE_12_17
    data = registry.PersonData(given_names=person.given_names, first_surname=person.first_surname,
                               second_surname=person.second_surname, estimated_age=45)
    registry.update_person(db, factories.make_user(db, "supervisor", ["12"]), person, data, person.version,
                           duplicate_reason="prueba")
    assert person.age_group is AgeGroup.AGE_30_59


def test_backfill_decrypts_birth_dates_once_and_fills_missing_bands(db, app):
    born = factories.make_person(db, birth_date=date(1990, 1, 15))
    estimated = factories.make_person(db, estimated_age=70)
    unknown = factories.make_person(db)
    db.execute(update(Person).values(age_group=None))
    updated = backfill_age_groups(db.connection())
    assert updated == 2
    bands = dict(db.execute(select(Person.id, Person.age_group)).tuples().all())
    assert bands[born.id] is AgeGroup.AGE_30_59
    assert bands[estimated.id] is AgeGroup.AGE_60_PLUS
    assert bands[unknown.id] is None
