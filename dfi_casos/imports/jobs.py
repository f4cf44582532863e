"""Import jobs in the database: confirm, claim, run in batches, resume after a crash.

A job is a row; any process may run it (`dfi-casos jobs work`, or a thread of the web process
that confirmed it). Claiming is one conditional UPDATE, so two workers never run the same job;
each batch commits with the job's progress, and a job whose worker stopped reporting is claimed
again and continues after its last committed batch (rows already imported are skipped by their
instance id).
"""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from dfi_casos.auth.models import User
from dfi_casos.cases.workflow import OPENING_STAGES
from dfi_casos.catalogs.enums import Stage
from dfi_casos.database import utcnow
from dfi_casos.extensions import db
from dfi_casos.imports.commit import commit_rows
from dfi_casos.imports.models import ImportJob, ImportRow, JobStatus, RowStatus
from dfi_casos.imports.validation import ImportRefused, require_import
from dfi_casos.registry.models import DisplacementEvent
from dfi_casos.scope import scoped
from dfi_casos.security import audit
from dfi_casos.security.access import Principal, in_territory

log = logging.getLogger(__name__)


def confirm(session: Session, actor: Principal, job: ImportJob, stage: Stage, event_id: uuid.UUID | None,
            include_duplicates: bool, duplicate_reason: str | None) -> None:
    """Queue a validated job for commit with the importer's choices; the work itself runs in the background."""
    require_import(actor)
    if job.status != JobStatus.VALIDATED:
        raise ImportRefused(_("Esta importación ya se confirmó."))
    wanted = [RowStatus.VALID, RowStatus.DUPLICATE] if include_duplicates else [RowStatus.VALID]
    households, persons = session.execute(select(func.count(), func.coalesce(func.sum(ImportRow.persons), 0)).where(
        ImportRow.job_id == job.id, ImportRow.status.in_(wanted))).one()
    if households == 0:
        raise ImportRefused(_("No hay hogares válidos que importar: corrija el archivo y súbalo de nuevo."))
    if stage not in OPENING_STAGES:
        raise ImportRefused(_("Los casos se abren en prevención, asistencia o atención."))
    if include_duplicates and not (duplicate_reason or "").strip():
        raise ImportRefused(_("Para importar también los posibles duplicados, escriba el motivo."))
    if event_id is not None:
        found = session.scalar(scoped(select(DisplacementEvent.id).where(DisplacementEvent.id == event_id),
                                      DisplacementEvent, actor))
        if found is None:
            raise ImportRefused(_("El evento elegido no existe o no está a su alcance."))
    job.stage, job.event_id, job.include_duplicates = stage, event_id, include_duplicates
    job.duplicate_reason = (duplicate_reason or "").strip() or None if include_duplicates else None
    job.status = JobStatus.QUEUED
    job.households_valid, job.persons_valid = households, persons
    audit.record_change(session, actor, audit.Action.UPDATE, "import_job", job.id, fields=["status", "stage"],
                        stage=stage.value, include_duplicates=include_duplicates)
    session.flush()


def claim(session: Session, job_id: uuid.UUID | None = None) -> ImportJob | None:
    """Take a queued job (or one whose worker went silent) for this worker; None when there is none."""
    stale = utcnow() - timedelta(seconds=current_app.config["IMPORT_STALE_SECONDS"])
    claimable = or_(ImportJob.status == JobStatus.QUEUED,
                    (ImportJob.status == JobStatus.RUNNING) & (ImportJob.heartbeat_at < stale))
    candidates = select(ImportJob.id).where(claimable).order_by(ImportJob.created_at)
    if job_id is not None:
        candidates = candidates.where(ImportJob.id == job_id)
    for candidate in session.scalars(candidates.limit(5)).all():
        # one conditional UPDATE: of two workers racing for a job, exactly one changes the row
        taken = session.execute(update(ImportJob).where(ImportJob.id == candidate, claimable)
                                .values(status=JobStatus.RUNNING, heartbeat_at=utcnow())
                                .execution_options(synchronize_session=False))
        session.commit()
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(ImportJob, candidate, populate_existing=True)
    return None


def run(session: Session, job: ImportJob) -> None:
    """Commit the job's staged households batch by batch; each batch is its own transaction."""
    actor = session.get(User, job.created_by_id)
    size = current_app.config["IMPORT_BATCH"]
    try:
        _check_actor(actor, job)
        while True:
            rows = list(session.scalars(select(ImportRow).where(
                ImportRow.job_id == job.id,
                ImportRow.status.in_([RowStatus.VALID, RowStatus.DUPLICATE] if job.include_duplicates
                                     else [RowStatus.VALID]))
                .order_by(ImportRow.position).limit(size)))
            if not rows:
                break
            households, persons = commit_rows(session, actor, job, rows)
            job.households_done += households
            job.persons_done += persons
            job.heartbeat_at = utcnow()
            session.commit()
        job.status, job.finished_at = JobStatus.DONE, utcnow()
        _discard_unimported(session, job)
        session.commit()
    except ImportRefused as exc:
        session.rollback()
        _fail(session, job, str(exc))
    except Exception:
        session.rollback()
        log.exception("import job %s failed", job.id)  # ids only: the exception names no personal value
        _fail(session, job, _("Ocurrió un error interno; lo importado hasta ahora se conserva y la importación "
                            "puede reanudarse."))
        raise


def _check_actor(actor: User | None, job: ImportJob) -> None:
    # the importer's rights are checked when the work is done, not only when it was asked for
    require_import(actor)
    assert actor is not None  # noqa: S101 - require_import refused None
    if not all(in_territory(actor, state) for state in job.state_codes):
        raise ImportRefused(_("La cuenta que pidió la importación ya no tiene ese territorio."))


def _discard_unimported(session: Session, job: ImportJob) -> None:
    # the job is over: nothing of the file is kept beyond the report's messages
    session.execute(update(ImportRow).where(ImportRow.job_id == job.id, ImportRow.data_enc.is_not(None))
                    .values(data_enc=None).execution_options(synchronize_session=False))


def _fail(session: Session, job: ImportJob, message: str) -> None:
    job = session.get(ImportJob, job.id, populate_existing=True) or job
    job.status, job.error, job.finished_at = JobStatus.FAILED, message[:400], utcnow()
    session.commit()


def work_on(session: Session, job_id: uuid.UUID | None = None) -> bool:
    """Claim and run one job (this one, or any); False when there was nothing to do."""
    job = claim(session, job_id)
    if job is None:
        return False
    run(session, job)
    return True


def start_in_background(app: Flask, job_id: uuid.UUID) -> None:
    """Run the job now: inline in tests, else in a thread of this process (any worker may resume it)."""
    if app.config["IMPORT_RUN_INLINE"]:
        work_on(db.session, job_id)
        return

    def target() -> None:
        with app.app_context():
            try:
                work_on(db.session, job_id)
            finally:
                db.session.remove()

    threading.Thread(target=target, name=f"import-{job_id}", daemon=True).start()


def start_confirmed(job_id: uuid.UUID) -> None:
    """Run a job just confirmed in this request (the screen's and the API's confirmation alike).

    Another thread can claim the job only once its confirmation (and audit entry) is committed, so
    the request's work is committed first; tests run it inline, inside their transaction.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["IMPORT_RUN_INLINE"]:
        db.session.commit()
    start_in_background(app, job_id)
