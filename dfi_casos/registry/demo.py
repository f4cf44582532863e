"""Demo registry: plausible households, events and communities in Guerrero and Chiapas (never production)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.auth import services as accounts
from dfi_casos.catalogs.enums import (
    ConsentMethod,
    ConsentScope,
    DisplacementCause,
    EventType,
    ProtectionRisk,
    RegisteredSex,
    RelationshipToHead,
    SpecificNeed,
)
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import local_today
from dfi_casos.institutions import services as institutions
from dfi_casos.registry import services
from dfi_casos.registry.curp import make_curp
from dfi_casos.registry.models import Household

FEMALE_NAMES = ("María Guadalupe", "Rosa", "Juana", "Margarita", "Josefina", "Verónica", "Leticia", "Araceli",
                "Yolanda", "Marisol", "Adriana", "Elena", "Petrona", "Micaela", "Rosalinda", "Citlali")
MALE_NAMES = ("José Luis", "Juan", "Pedro", "Miguel Ángel", "Francisco", "Antonio", "Rigoberto", "Efraín",
              "Mario", "Domingo", "Sebastián", "Santiago", "Lorenzo", "Eusebio", "Jesús", "Raúl")
SURNAMES = {
    "12": ("Salgado", "Bahena", "Nava", "Astudillo", "Catalán", "Abarca", "Mastache", "Ocampo", "Guevara",
           "Figueroa", "Vargas", "Morales", "Flores", "Sánchez", "Jaimes", "Urióstegui"),
    "07": ("Gómez", "Pérez", "López", "Hernández", "Díaz", "Ruiz", "Santiz", "Girón", "Méndez", "Jiménez",
           "Velasco", "Núñez", "Cruz", "Álvarez", "Pale", "Arias"),
}
MUNICIPALITIES = {
    "12": ("12029", "12001", "12040", "12054", "12022", "12035", "12028"),
    "07": ("07078", "07101", "07026", "07066", "07034", "07030", "07089"),
}
CASEWORKERS = {"12": "capturista.gro", "07": "capturista.chis"}
HOUSEHOLDS_PER_STATE = 16
#: INALI grouping most spoken among the displaced of each state: Tlapaneco (me'phaa), Tsotsil
INDIGENOUS_LANGUAGE = {"12": "26", "07": "43"}


@dataclass(frozen=True)
class DemoEvent:
    event_type: EventType
    started_on: date
    origin: str
    causes: tuple[DisplacementCause, ...]
    households: int | None
    persons: int | None
    narrative: str


EVENTS = {
    "12": (
        DemoEvent(EventType.MASS, date(2024, 11, 14), "12054", (DisplacementCause.GENERALIZED_VIOLENCE,), 38, 142,
                  "Enfrentamientos armados en la comunidad; las familias salieron de noche hacia la cabecera."),
        DemoEvent(EventType.INDIVIDUAL_OR_FAMILY, date(2025, 5, 2), "12040",
                  (DisplacementCause.GENERALIZED_VIOLENCE,), 1, 5, "Amenazas y cobro de cuota al negocio familiar."),
        DemoEvent(EventType.INDIVIDUAL_OR_FAMILY, date(2025, 9, 20), "12022",
                  (DisplacementCause.COMMUNITY_CONFLICT,), 2, 7, "Conflicto por tierras ejidales."),
    ),
    "07": (
        DemoEvent(EventType.MASS, date(2023, 7, 6), "07066",
                  (DisplacementCause.COMMUNITY_CONFLICT, DisplacementCause.GENERALIZED_VIOLENCE), 75, 310,
                  "Disputa territorial entre grupos armados; desplazamiento de varias comunidades tsotsiles."),
        DemoEvent(EventType.MASS, date(2024, 9, 10), "07034", (DisplacementCause.GENERALIZED_VIOLENCE,), 120, 480,
                  "Familias de la zona fronteriza huyen por enfrentamientos entre grupos delictivos."),
        DemoEvent(EventType.INDIVIDUAL_OR_FAMILY, date(2025, 8, 1), "07026",
                  (DisplacementCause.RELIGIOUS_CONFLICT,), 1, 4, "Expulsión de la comunidad por motivos religiosos."),
    ),
}
COMMUNITIES = {
    "12": ("El Naranjo", "locality", "12054"),
    "07": ("Comunidad tsotsil de Santa Martha", "indigenous_community", "07066"),
}


def seed_registry(session: Session, config: Any) -> str:
    """Register the demo households, events and communities unless they exist; never twice."""
    institutions.ensure_default_institutions(session)
    summary = []
    for state_code, username in CASEWORKERS.items():
        caseworker = accounts.find_user(session, username)
        if caseworker is None:
            continue
        already = session.scalars(select(Household.id).where(Household.registered_by_id == caseworker.id).limit(1))
        if already.first() is not None:
            continue
        summary.append(_seed_state(session, caseworker, state_code))
    return "; ".join(summary) or "registro de demostración ya presente"


def _seed_state(session: Session, caseworker: Any, state_code: str) -> str:
    # a fixed seed: every demo installation shows the same registry (not for secrets: S311)
    rng = random.Random(f"dfi-demo-{state_code}")  # noqa: S311
    events = [_event(session, caseworker, state_code, e) for e in EVENTS[state_code]]
    name, kind, municipality = COMMUNITIES[state_code]
    community = services.register_community(session, caseworker, services.CommunityData(
        name=name, kind=kind, state_code=state_code, municipality_code=municipality, at_risk=False,
        indigenous=kind == "indigenous_community", estimated_households=events[0].estimated_households,
        estimated_persons=events[0].estimated_persons, event_ids=[events[0].id],
        notes="Mesa de trabajo para el retorno con garantías de seguridad."))
    used: set[tuple[str, str, str]] = set()
    persons = 0
    for number in range(HOUSEHOLDS_PER_STATE):
        event = events[number % len(events)]
        members = _members(rng, state_code, used, number)
        household = services.register_household(session, caseworker, services.HouseholdData(
            state_code=state_code, municipality_code=rng.choice(MUNICIPALITIES[state_code]), members=members,
            event_id=event.id, community_id=community.id if number % len(events) == 0 else None))
        head = household.memberships[0].person
        services.record_consent(session, caseworker, head, services.ConsentData(
            scope=ConsentScope.REGISTRATION, method=ConsentMethod.SIGNED, taken_on=event.started_on))
        persons += len(members)
    state = state_by_code(state_code)
    return f"{state.name if state else state_code}: {HOUSEHOLDS_PER_STATE} hogares, {persons} personas, " \
           f"{len(events)} eventos, 1 comunidad"


def _event(session: Session, caseworker: Any, state_code: str, demo: DemoEvent) -> Any:
    return services.register_event(session, caseworker, services.EventData(
        event_type=demo.event_type, started_on=demo.started_on, origin_state_code=state_code,
        origin_municipality_code=demo.origin, state_code=state_code, causes=list(demo.causes),
        estimated_households=demo.households, estimated_persons=demo.persons, narrative=demo.narrative,
        destination_state_code=state_code, destination_municipality_code=MUNICIPALITIES[state_code][0]))


def _members(rng: random.Random, state_code: str, used: set[tuple[str, str, str]],
             number: int) -> list[services.MemberData]:
    surnames = SURNAMES[state_code]
    first, second = rng.sample(surnames, 2)
    head_sex = "M" if number % 3 else "H"  # many displaced households are headed by women
    head = _person(rng, state_code, used, head_sex, first, second, age=rng.randint(24, 62), with_curp=number % 2 == 0)
    head.phone = f"{'744' if state_code == '12' else '967'}{5550000 + number * 37 + int(state_code):07d}"
    head.protection_risks = [rng.choice(list(ProtectionRisk)).value]
    members = [services.MemberData(person=head, relationship=RelationshipToHead.HEAD)]
    if rng.random() < 0.8:
        spouse = _person(rng, state_code, used, "H" if head_sex == "M" else "M", rng.choice(surnames),
                         rng.choice(surnames), age=rng.randint(24, 62), with_curp=rng.random() < 0.5)
        members.append(services.MemberData(person=spouse, relationship=RelationshipToHead.SPOUSE_OR_PARTNER,
                                           present=rng.random() < 0.85))
    for _ in range(rng.randint(0, 3)):
        child = _person(rng, state_code, used, rng.choice("HM"), first, second, age=rng.randint(0, 17),
                        with_curp=rng.random() < 0.6)
        members.append(services.MemberData(person=child, relationship=RelationshipToHead.CHILD))
    return members


def _person(rng: random.Random, state_code: str, used: set[tuple[str, str, str]], sex: str, first: str,
            second: str, age: int, with_curp: bool) -> services.PersonData:
    names = FEMALE_NAMES if sex == "M" else MALE_NAMES
    given = rng.choice(names)
    while (given, first, second) in used:  # the demo must not trip its own duplicate warnings
        given = rng.choice(names)
    used.add((given, first, second))
    born = local_today() - timedelta(days=365 * age + rng.randint(0, 364))
    state = state_by_code(state_code)
    curp = make_curp(first, second, given, born, sex, state.curp_code if state else "NE") if with_curp else None
    indigenous = rng.random() < (0.7 if state_code == "07" else 0.2)
    return services.PersonData(
        given_names=given, first_surname=first, second_surname=second, birth_date=born, curp=curp,
        registered_sex=RegisteredSex.FEMALE if sex == "M" else RegisteredSex.MALE, birth_state_code=state_code,
        nationality="Mexicana", indigenous=indigenous,
        indigenous_languages=[INDIGENOUS_LANGUAGE[state_code]] if indigenous else [],
        speaks_spanish=True, specific_needs=[SpecificNeed.CHRONIC_ILLNESS.value] if age > 55 else [])
