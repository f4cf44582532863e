"""The one-time decryption that gives existing persons their age band (migration 0070); new ones get it at
registration from the services."""
from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dfi_casos.catalogs.ages import registration_age_group
from dfi_casos.security.fields import current_keys

BATCH = 2000

_person = sa.table(
    "person", sa.column("id", sa.Uuid), sa.column("birth_date_enc", sa.LargeBinary),
    sa.column("estimated_age", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("age_group", sa.String),
)


def backfill_age_groups(connection: Connection) -> int:
    """Set `age_group` on every person still without one who has a date of birth or an estimated age.

    Walks the table by id in batches; decrypts only inside this process (plaintext dates never
    leave it, nor reach a log). Returns how many rows got a band.
    """
    pending = sa.and_(_person.c.age_group.is_(None),
                      sa.or_(_person.c.birth_date_enc.is_not(None), _person.c.estimated_age.is_not(None)))
    updated, after = 0, None
    while True:
        stmt = sa.select(_person.c.id, _person.c.birth_date_enc, _person.c.estimated_age, _person.c.created_at)
        stmt = stmt.where(pending if after is None else sa.and_(pending, _person.c.id > after))
        rows = connection.execute(stmt.order_by(_person.c.id).limit(BATCH)).all()
        if not rows:
            return updated
        ring = current_keys().ring  # asked only when a row needs it: an empty database migrates without keys
        for person_id, stored, estimated_age, created_at in rows:
            birth = None
            if stored is not None:
                birth = date.fromisoformat(ring.decrypt_field(stored, "person", "birth_date_enc", person_id).decode())
            group = registration_age_group(birth, estimated_age, created_at.date())
            if group is not None:
                connection.execute(sa.update(_person).where(_person.c.id == person_id).values(age_group=group.value))
                updated += 1
        after = rows[-1][0]
        if isinstance(after, str):
            after = uuid.UUID(after)
