"""seed-demo records assessment histories so the dashboard has content, and running it twice adds nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from dfi_casos.auth import services as accounts
from dfi_casos.cases.services import local_today
from dfi_casos.demo import seed_demo
from dfi_casos.reports import solutions as dashboard
from dfi_casos.solutions.models import DurableSolutionAssessment


def test_demo_gives_each_state_signed_assessments_and_households_ready_for_closure(app, db):
    seed_demo(db, app.config)
    count = db.scalar(select(func.count(DurableSolutionAssessment.id)))
    seed_demo(db, app.config)
    assert db.scalar(select(func.count(DurableSolutionAssessment.id))) == count > 0
    assert db.scalar(select(func.count()).where(DurableSolutionAssessment.signed_at.is_not(None))) < count
    for supervisor in ("supervisora.gro", "supervisora.chis"):
        user = accounts.find_user(db, supervisor)
        data = dashboard.build(db, user, local_today())
        assert len(data.ready) == 2
        assert data.stale
        assert sum(row.counts[3] for row in data.criteria.rows) > 0  # some criteria at "cumple"
