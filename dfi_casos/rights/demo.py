"""Demo data of the rights feature: the published periods of the calendar and a few ARCO requests in Guerrero."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dfi_casos.auth import services as accounts
from dfi_casos.catalogs.enums import ArcoRight
from dfi_casos.database import local_today
from dfi_casos.registry.models import Person
from dfi_casos.rights import calendar, services
from dfi_casos.rights.models import ArcoChannel, ArcoRequest, CalendarPeriod, IdentityDocument

#: Periods an institution typically publishes in the DOF (illustrative, not an official agreement).
DEMO_PERIODS = (
    ("Segundo periodo vacacional 2026", date(2026, 12, 21), date(2027, 1, 1)),
    ("Semana Santa 2027", date(2027, 3, 22), date(2027, 3, 26)),
    ("Primer periodo vacacional 2027", date(2027, 7, 19), date(2027, 7, 30)),
)


def seed_rights(session: Session, config: Any) -> str:
    """The calendar's demo periods and three requests of Guerrero for the liaison (never twice)."""
    liaison = accounts.find_user(session, "enlace.gro")
    if liaison is None or session.scalars(select(ArcoRequest.id).limit(1)).first() is not None:
        return "derechos ARCO de demostración ya presentes"
    row = calendar.stored_calendar(session)
    for name, starts_on, ends_on in DEMO_PERIODS:
        if not any(p.name == name for p in row.periods):
            session.add(CalendarPeriod(calendar_id=row.id, name=name, starts_on=starts_on, ends_on=ends_on,
                                       source="Ejemplo de demostración", created_by_id=liaison.id))
    session.flush()
    persons = list(session.scalars(select(Person).where(Person.state_code == "12", Person.merged_into_id.is_(None))
                                   .order_by(Person.created_at).limit(3)))
    today = local_today()
    plans = [
        (ArcoRight.ACCESS, today - timedelta(days=24), "Solicito copia de todos mis datos y de quién los ha visto."),
        (ArcoRight.RECTIFICATION, today - timedelta(days=10), "Mi segundo apellido está mal escrito."),
        (ArcoRight.CANCELLATION, today - timedelta(days=2), "Pido que cancelen mis datos: temo ser localizada."),
    ]
    for (right, received_on, description), person in zip(plans, persons, strict=False):
        services.register_request(session, liaison, config, services.RequestData(
            right=right, channel=ArcoChannel.IN_PERSON, received_on=received_on, description=description,
            person_id=person.id, identity_verified=True, identity_document=IdentityDocument.INE))
    return f"{min(len(plans), len(persons))} solicitudes ARCO de demostración"
