"""Assessment endpoints (#21): a household's IASC history and one assessment, read only, scoped and audited."""
from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dfi_casos.catalogs.enums import CriterionStatus, IascCriterion
from dfi_casos.security.access import Role
from tests import factories
from tests.integration.api_support import api_token, audit_entries


def test_household_history_and_one_assessment_with_its_evidence(client: FlaskClient, db: Session) -> None:
    worker = factories.make_user(db, Role.CASEWORKER, ["12"])
    household = factories.make_case_household(db, worker, "12")
    older = factories.make_assessment(db, household, sign=True, evidence="vivienda propia visitada")
    newer = factories.make_assessment(db, household, statuses={IascCriterion.SAFETY: CriterionStatus.NOT_MET})
    headers, account = api_token(db, groups=("cases:read",))
    listed = client.get(f"/api/v1/hogares/{household.id}/evaluaciones", headers=headers)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    body = listed.get_json()
    assert {item["id"] for item in body["items"]} == {str(older.id), str(newer.id)}
    assert body["standing_id"] == str(older.id) and body["closure_blockers"] == []
    assert "vivienda propia" not in listed.get_data(as_text=True)
    one = client.get(f"/api/v1/evaluaciones/{older.id}", headers=headers)
    assert one.status_code == 200, one.get_data(as_text=True)
    assert one.headers["ETag"] == f'"{older.version}"'
    criteria = one.get_json()["criteria"]
    assert len(criteria) == 8 and {c["evidence"] for c in criteria} == {"vivienda propia visitada"}
    assert one.get_json()["signed"] is True and one.get_json()["blockers"] == []
    views = [e for e in audit_entries(db, account.id, "view") if e.object_id == str(older.id)]
    assert len(views) == 1 and json.loads(views[0].details)["fields"] == ["criteria.evidence"]


def test_foreign_assessments_are_404_and_other_groups_403(client: FlaskClient, db: Session) -> None:
    worker = factories.make_user(db, Role.CASEWORKER, ["16"])
    household = factories.make_case_household(db, worker, "16")
    foreign = factories.make_assessment(db, household, evidence="dato de Michoacán")
    headers, account = api_token(db, state="12", groups=("cases:read",))
    for path in (f"/api/v1/evaluaciones/{foreign.id}", f"/api/v1/hogares/{household.id}/evaluaciones",
                 "/api/v1/evaluaciones/123"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404 and answer.get_json()["code"] == "not_found", path
        assert "Michoacán" not in answer.get_data(as_text=True)
    assert any(e.object_id == str(foreign.id) for e in audit_entries(db, account.id, "access_denied"))
    other_group, _a = api_token(db, state="16", groups=("indicators:read",))
    assert client.get(f"/api/v1/evaluaciones/{foreign.id}", headers=other_group).status_code == 403
    auditor, _b = api_token(db, state="16", role=Role.AUDITOR, groups=("cases:read",))
    assert client.get(f"/api/v1/evaluaciones/{foreign.id}", headers=auditor).status_code == 403
    assert client.get(f"/api/v1/evaluaciones/{foreign.id}").status_code == 401
