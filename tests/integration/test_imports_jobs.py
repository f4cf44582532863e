"""Import jobs: claimed by one worker at a time, resumed after a crash, never importing a household twice."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from dfi_casos.catalogs.enums import Stage
from dfi_casos.database import utcnow
from dfi_casos.imports import commit, jobs
from dfi_casos.imports.commit import commit_rows
from dfi_casos.imports.models import ImportedSubmission, ImportRow, JobStatus, RowStatus
from dfi_casos.imports.validation import validate_upload
from dfi_casos.registry import services as registry
from dfi_casos.registry.models import Household, Person
from tests import factories
from tests import import_files as files


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def queued_job(db, user, households=3):
    items = [files.household(files.member(f"Persona{i}", f"Apellido{i}", "Prueba", birth=f"198{i}-03-14"))
             for i in range(households)]
    job = validate_upload(db, user, "kobo.xlsx", files.kobo_xlsx(items), registry.municipalities())
    jobs.confirm(db, user, job, Stage.ASSISTANCE, None, False, None)
    db.commit()
    return job


def test_a_job_whose_worker_died_is_resumed_and_finishes_without_duplicating(app, db, monkeypatch):
    monkeypatch.setattr(commit, "COPY_FROM", 1)  # PostgreSQL's COPY path even for these few rows
    user = factories.make_user(db, role="caseworker", states=["12"])
    job = queued_job(db, user)
    claimed = jobs.claim(db, job.id)
    assert claimed is not None and claimed.status == JobStatus.RUNNING
    first = db.scalars(select(ImportRow).where(ImportRow.job_id == job.id).order_by(ImportRow.position)).first()
    commit_rows(db, user, claimed, [first])  # one batch landed, then the worker died
    db.commit()
    assert jobs.claim(db) is None, "a running job with a fresh heartbeat belongs to its worker"

    claimed.heartbeat_at = utcnow() - timedelta(hours=1)
    db.commit()
    monkeypatch.setitem(app.config, "IMPORT_BATCH", 1)
    assert jobs.work_on(db) is True
    db.expire_all()
    assert claimed.status == JobStatus.DONE
    assert count(db, Household) == 3 and count(db, Person) == 3 and count(db, ImportedSubmission) == 3
    statuses = db.scalars(select(ImportRow.status).where(ImportRow.job_id == job.id)).all()
    assert set(statuses) == {RowStatus.DONE}
    person = db.scalars(select(Person)).first()
    assert person.full_name() and person.curp and person.birth_date, "values written by COPY decrypt"
    assert db.scalars(select(Household)).first().created_at is not None


def test_a_job_is_refused_at_run_time_when_the_importer_lost_the_territory(app, db):
    user = factories.make_user(db, role="caseworker", states=["12"])
    job = queued_job(db, user, households=1)
    user.states = ["07"]
    db.commit()
    assert jobs.work_on(db, job.id) is True
    db.expire_all()
    assert job.status == JobStatus.FAILED and "territorio" in job.error
    assert count(db, Person) == 0


def test_the_worker_command_runs_queued_jobs(app, db):
    user = factories.make_user(db, role="supervisor", states=["12"])
    queued_job(db, user, households=2)
    assert jobs.work_on(db) is True
    assert jobs.work_on(db) is False
    assert count(db, Household) == 2



def test_start_confirmed_commits_the_confirmation_before_another_thread_may_claim_it(app, db, monkeypatch):
    # The screen and the API both start a confirmed job through jobs.start_confirmed.
    user = factories.make_user(db, role="caseworker", states=["12"])
    job = queued_job(db, user, households=1)
    steps: list[str] = []
    monkeypatch.setattr(jobs, "start_in_background", lambda _app, job_id: steps.append(f"start {job_id}"))
    monkeypatch.setattr(db, "commit", lambda: steps.append("commit"))
    monkeypatch.setitem(app.config, "IMPORT_RUN_INLINE", False)
    jobs.start_confirmed(job.id)
    assert steps == ["commit", f"start {job.id}"]
    steps.clear()
    monkeypatch.setitem(app.config, "IMPORT_RUN_INLINE", True)  # tests: inline, inside their own transaction
    jobs.start_confirmed(job.id)
    assert steps == [f"start {job.id}"]
