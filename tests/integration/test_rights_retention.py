"""Retention: end of vigencia → bloqueo → supresión with a baja documental record; refusals; resumable runs."""
from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dfi_casos.auth.models import Role
from dfi_casos.catalogs.enums import ArcoRight
from dfi_casos.registry.models import Person, PersonNameToken
from dfi_casos.rights import blocking, retention, services
from dfi_casos.rights.cli import run_command
from dfi_casos.rights.models import ArcoChannel, DisposalRecord, PersonBlock, RetentionRun
from dfi_casos.security.audit import AuditEvent
from tests import factories

GRO = "12"
LATER = date(2040, 1, 5)  # far past every vigencia of persons registered today
MUCH_LATER = date(2042, 1, 5)


def test_dry_run_reports_and_changes_nothing(db, app):
    person = factories.make_person(db, GRO)
    summary = retention.run(db, app.config, dry_run=True, today=LATER)
    assert summary.blocked == 1 and summary.reviewed == 1
    assert person.blocked_at is None and db.scalar(select(func.count()).select_from(RetentionRun)) == 0


def test_vigencia_ends_in_blocking_then_deletion_with_a_baja_record(db, app):
    person = factories.make_person(db, GRO, curp="HEGG560427MVZRRL04")
    first = retention.run(db, app.config, today=LATER)
    assert first.blocked == 1 and person.blocked_at is not None
    assert db.scalars(select(PersonBlock)).one().source == "retention"
    second = retention.run(db, app.config, today=MUCH_LATER)
    assert second.suppressed == 1 and person.suppressed_at is not None and person.curp is None
    assert db.scalars(select(PersonNameToken).where(PersonNameToken.person_id == person.id)).first() is None
    actions = [r.action for r in db.scalars(select(DisposalRecord).order_by(DisposalRecord.id))]
    assert actions == ["bloqueo", "supresion"]
    logged = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert "block" in logged and "suppress" in logged and logged.count("retention_run") == 4


def test_open_request_open_case_and_legal_hold_are_left_alone(db, app):
    held = factories.make_person(db, GRO)
    held.legal_hold = True
    asking = factories.make_person(db, GRO)
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    services.register_request(db, liaison, app.config, services.RequestData(
        right=ArcoRight.ACCESS, channel=ArcoChannel.EMAIL, received_on=date(2026, 11, 2), description="x",
        person_id=asking.id))
    factories.make_case(db)  # an open case: its household head is left alone
    summary = retention.run(db, app.config, today=LATER)
    assert summary.blocked == 0
    assert summary.skipped == {"reserva legal": 1, "solicitud ARCO en trámite": 1, "caso abierto": 1}


def test_a_run_killed_half_way_resumes_and_nothing_is_half_done(db, app, monkeypatch):
    people = sorted((factories.make_person(db, GRO) for _ in range(3)), key=lambda p: p.id)
    real_block = blocking.block
    calls = {"n": 0}

    def dies_on_the_second(*args, **kwargs):
        calls["n"] += 1
        record = real_block(*args, **kwargs)  # the block is written...
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")  # ...and the process dies before its batch commits
        return record

    monkeypatch.setattr(blocking, "block", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        retention.run(db, app.config, today=LATER, batch_size=1, commit=db.commit)
    db.rollback()  # what the database does with the transaction of a dead process
    blocked = [p for p in people if db.get(Person, p.id).blocked_at is not None]
    assert [p.id for p in blocked] == [people[0].id]
    assert db.scalar(select(func.count()).select_from(PersonBlock)) == 1  # the second one's record went too
    monkeypatch.setattr(blocking, "block", real_block)
    summary = retention.run(db, app.config, today=LATER, batch_size=1, commit=db.commit)
    assert summary.resumed_from == str(people[0].id)
    assert all(db.get(Person, p.id).blocked_at is not None for p in people)
    assert db.scalar(select(func.count()).select_from(PersonBlock)) == 3
    assert db.scalars(select(RetentionRun)).one().status == "finished"


def test_command_prints_progress_and_summary(app, db, monkeypatch):
    factories.make_person(db, GRO)
    result = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "personas revisadas" in result.output and "Simulación" in result.output
    assert isinstance(CliRunner, type) and run_command.name == "run"
