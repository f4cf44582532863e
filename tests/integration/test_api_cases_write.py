"""Case endpoints, writing: open, assign, stages and four-eyes approvals, services and referrals (#21)."""
from __future__ import annotations

import json
from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dfi_casos.cases.models import Case
from dfi_casos.security.access import Role
from tests import factories
from tests.integration.api_support import api_token, audit_entries


def test_open_a_case_for_a_household_then_read_it_back(client: FlaskClient, db: Session) -> None:
    caseworker = factories.make_user(db, Role.CASEWORKER, ["12"])
    household = factories.make_case_household(db, caseworker, "12")
    headers, account = api_token(db)
    answer = client.post("/api/v1/casos", json={"subject_type": "household", "subject_id": str(household.id),
                                                "stage": "attention"}, headers=headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["folio"].startswith("DFI-GRO-") and body["stage"] == "attention"
    assert body["owner_id"] == account.id and answer.headers["ETag"] == '"1"'
    assert client.get(answer.headers["Location"], headers=headers).get_json()["folio"] == body["folio"]
    created = [e for e in audit_entries(db, account.id, "create") if e.object_type == "case"]
    assert len(created) == 1 and created[0].object_id == body["id"]
    # One open case per subject: the service's rule, in Spanish, with a stable code.
    again = client.post("/api/v1/casos", json={"subject_type": "household", "subject_id": str(household.id)},
                        headers=headers)
    assert again.status_code == 422 and again.get_json()["code"] == "refused"
    assert "ya tiene un caso abierto" in again.get_json()["message"]


def test_open_refuses_bad_bodies_foreign_subjects_and_read_only_tokens(client: FlaskClient, db: Session) -> None:
    foreign = factories.make_case_household(db, factories.make_user(db, Role.CASEWORKER, ["16"]), "16")
    headers, _account = api_token(db)
    invalid = client.post("/api/v1/casos", json={"subject_type": "household", "subject_id": "x", "stage": "closed",
                                                 "extra": 1}, headers=headers)
    assert invalid.status_code == 422 and invalid.get_json()["code"] == "invalid"
    assert {"subject_id", "stage", "extra"} <= set(invalid.get_json()["fields"])
    hidden = client.post("/api/v1/casos", json={"subject_type": "household", "subject_id": str(foreign.id)},
                         headers=headers)
    assert hidden.status_code == 404
    assert db.query(Case).filter(Case.household_id == foreign.id).count() == 0
    read_only, _b = api_token(db, groups=("cases:read",))
    refused = client.post("/api/v1/casos", json={"subject_type": "household", "subject_id": str(foreign.id)},
                          headers=read_only)
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden_group"


def test_stage_change_needs_if_match_and_refuses_a_stale_one(client: FlaskClient, db: Session) -> None:
    case = factories.make_case(db)
    headers, account = api_token(db)
    path = f"/api/v1/casos/{case.id}/etapa"
    missing = client.post(path, json={"to_stage": "attention"}, headers=headers)
    assert missing.status_code == 428 and missing.get_json()["code"] == "precondition_required"
    stale = client.post(path, json={"to_stage": "attention"}, headers={**headers, "If-Match": '"99"'})
    assert stale.status_code == 412 and stale.get_json()["code"] == "stale"
    moved = client.post(path, json={"to_stage": "attention"}, headers={**headers, "If-Match": f'"{case.version}"'})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.get_json()["stage"] == "attention" and moved.headers["ETag"] == f'"{moved.get_json()["version"]}"'
    assert [e.object_id for e in audit_entries(db, account.id, "stage_change")] == [str(case.id)]
    # The ETag read before the change is stale now.
    again = client.post(path, json={"to_stage": "assistance", "reason": "regresa"},
                        headers={**headers, "If-Match": '"1"'})
    assert again.status_code == 412
    skipped = client.post(path, json={"to_stage": "durable_solutions"},
                          headers={**headers, "If-Match": moved.headers["ETag"]})
    assert skipped.status_code == 422 and "to_stage" in skipped.get_json()["fields"]


def test_approval_is_decided_by_another_account_only(client: FlaskClient, db: Session) -> None:
    case = factories.make_case(db)
    asking, asker = api_token(db)
    deciding, decider = api_token(db)
    base = f"/api/v1/casos/{case.id}"
    etag = client.get(base, headers=asking).headers["ETag"]
    asked = client.post(f"{base}/solicitud", json={"to_stage": "closed", "closure_reason": "lost_contact",
                                                    "justification": "sin contacto en tres meses"},
                        headers={**asking, "If-Match": etag})
    assert asked.status_code == 200, asked.get_data(as_text=True)
    pending = asked.get_json()["pending_approval"]
    assert pending["to_stage"] == "closed" and pending["justification"] == "sin contacto en tres meses"
    etag = asked.headers["ETag"]
    own = client.post(f"{base}/solicitud/decision", json={"decision": "approve"}, headers={**asking, "If-Match": etag})
    assert own.status_code == 422 and "propia solicitud" in own.get_json()["message"]
    no_comment = client.post(f"{base}/solicitud/decision", json={"decision": "reject"},
                             headers={**deciding, "If-Match": etag})
    assert no_comment.status_code == 422 and "comment" in no_comment.get_json()["fields"]
    approved = client.post(f"{base}/solicitud/decision", json={"decision": "approve"},
                           headers={**deciding, "If-Match": etag})
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.get_json()["status"] == "closed" and approved.get_json()["pending_approval"] is None
    steps = [json.loads(e.details)["step"] for e in audit_entries(db, asker.id, "approval")]
    assert steps == ["requested"]
    assert [json.loads(e.details)["decision"] for e in audit_entries(db, decider.id, "approval")] == ["approved"]


def test_assign_within_the_state_with_if_match(client: FlaskClient, db: Session) -> None:
    case = factories.make_case(db)
    colleague = factories.make_user(db, Role.CASEWORKER, ["12"])
    outsider = factories.make_user(db, Role.CASEWORKER, ["16"])
    headers, account = api_token(db)
    path = f"/api/v1/casos/{case.id}/asignacion"
    etag = f'"{case.version}"'
    refused = client.put(path, json={"owner_id": outsider.id}, headers={**headers, "If-Match": etag})
    assert refused.status_code == 422 and "owner_id" in refused.get_json()["fields"]
    done = client.put(path, json={"owner_id": colleague.id, "assignee_ids": []}, headers={**headers, "If-Match": etag})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["owner_id"] == colleague.id
    assert audit_entries(db, account.id, "assignment")
    caseworker_token, _c = api_token(db, role=Role.CASEWORKER)
    assert client.put(path, json={"owner_id": colleague.id}, headers={**caseworker_token, "If-Match": etag}
                      ).status_code == 403


def test_services_and_referrals_follow_their_flows(client: FlaskClient, db: Session) -> None:
    owner = factories.make_user(db, Role.CASEWORKER, ["12"])
    household = factories.make_case_household(db, owner, "12")
    case = factories.make_case(db, owner, household=household)
    institution = factories.make_institution(db, "DIF estatal")
    other = factories.make_institution(db, "Sin consentimiento")
    factories.make_sharing_consent(db, factories.household_head(household), institution, owner)
    headers, account = api_token(db)
    base = f"/api/v1/casos/{case.id}"
    added = client.post(f"{base}/servicios", json={"assistance_type": "food", "provided_on": "2026-11-20",
                                                   "notes": "consulta"}, headers=headers)
    assert added.status_code == 201, added.get_data(as_text=True)
    service = added.get_json()
    assert service["status"] == "requested" and "in_progress" in service["next_statuses"]
    moved = client.patch(f"{base}/servicios/{service['id']}", json={"status": "in_progress"}, headers=headers)
    assert moved.status_code == 200 and moved.get_json()["status"] == "in_progress"
    backwards = client.patch(f"{base}/servicios/{service['id']}", json={"status": "requested"}, headers=headers)
    assert backwards.status_code == 422 and "status" in backwards.get_json()["fields"]
    listed = client.get(f"{base}/servicios", headers=headers).get_json()["items"]
    assert [s["id"] for s in listed] == [service["id"]]
    due = (date.today() + timedelta(days=5)).isoformat()
    without_consent = client.post(f"{base}/canalizaciones", json={"institution_id": other.id, "need": "shelter",
                                                                  "due_on": due}, headers=headers)
    assert without_consent.status_code == 422 and "consentimiento" in without_consent.get_json()["message"]
    sent = client.post(f"{base}/canalizaciones", json={"institution_id": institution.id, "need": "shelter",
                                                       "due_on": due}, headers=headers)
    assert sent.status_code == 201, sent.get_data(as_text=True)
    referral = sent.get_json()
    accepted = client.patch(f"{base}/canalizaciones/{referral['id']}",
                            json={"status": "accepted", "response": "la recibimos"}, headers=headers)
    assert accepted.status_code == 200 and accepted.get_json()["text"] == "la recibimos"
    assert [r["status"] for r in client.get(f"{base}/canalizaciones", headers=headers).get_json()["items"]] == [
        "accepted"]
    kinds = {(str(e.action), e.object_type) for e in audit_entries(db, account.id)}
    assert {("create", "case_service"), ("update", "case_service"), ("referral", "referral"),
            ("update", "referral")} <= kinds


def test_records_of_a_foreign_case_are_404(client: FlaskClient, db: Session) -> None:
    foreign = factories.make_case(db, state="16")
    mine = factories.make_case(db)
    from dfi_casos.cases import services as case_services
    from dfi_casos.catalogs.enums import AssistanceType, ServiceStatus

    service = case_services.add_service(db, foreign.owner, foreign, assistance_type=AssistanceType.FOOD,
                                        provided_on=date(2026, 11, 1), status=ServiceStatus.REQUESTED)
    headers, _account = api_token(db)
    for method, path, body in [
        ("post", f"/api/v1/casos/{foreign.id}/servicios", {"assistance_type": "food", "provided_on": "2026-11-01"}),
        ("patch", f"/api/v1/casos/{foreign.id}/servicios/{service.id}", {"status": "in_progress"}),
        ("patch", f"/api/v1/casos/{mine.id}/servicios/{service.id}", {"status": "in_progress"}),
        ("post", f"/api/v1/casos/{foreign.id}/etapa", {"to_stage": "attention"}),
    ]:
        answer = getattr(client, method)(path, json=body, headers={**headers, "If-Match": '"1"'})
        assert answer.status_code == 404, (path, answer.get_data(as_text=True))
