"""Import endpoints (#21): submit a file (multipart), confirm it, poll the job; the screen's path, scoped, audited."""
from __future__ import annotations

import io

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dfi_casos.cases.models import Case
from dfi_casos.registry.models import Household, Person
from dfi_casos.security.access import Role
from tests import import_files as files
from tests.integration.api_support import api_token, audit_entries


def _two_households() -> list:
    return [files.household(files.member(), files.member("Pedro", relationship="child", sex="male",
                                                         birth="2012-05-01")),
            files.household(files.member("Rosa", "Martínez", "Cruz"), state="12", municipality="12029",
                            municipio_origen="12001")]


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _submit(client: FlaskClient, headers: dict[str, str], data: bytes, name: str = "kobo.xlsx") -> object:
    return client.post("/api/v1/importaciones", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=headers)


def test_submit_confirm_and_poll_a_kobo_export(client: FlaskClient, db: Session) -> None:
    headers, account = api_token(db, role=Role.CASEWORKER, groups=("imports:write",))
    submitted = _submit(client, headers, files.kobo_xlsx(_two_households()))
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    job = submitted.get_json()
    assert job["status"] == "validated" and (job["households_total"], job["persons_total"]) == (2, 3)
    assert job["counts"] == {"valid": 2} and job["report"] == []
    assert _count(db, Person) == 0, "validation writes nothing in the registry"
    refused = client.post(f"/api/v1/importaciones/{job['id']}/confirmacion",
                          json={"stage": "assistance", "include_duplicates": True}, headers=headers)
    assert refused.status_code == 422 and "motivo" in refused.get_json()["message"]
    confirmed = client.post(f"/api/v1/importaciones/{job['id']}/confirmacion", json={"stage": "attention"},
                            headers=headers)
    assert confirmed.status_code == 202, confirmed.get_data(as_text=True)
    polled = client.get(confirmed.headers["Location"], headers=headers)
    assert polled.status_code == 200 and polled.get_json()["status"] == "done"
    assert polled.get_json()["progress"] == 100
    assert _count(db, Household) == 2 and _count(db, Person) == 3
    assert {c.owner_id for c in db.scalars(select(Case))} == {account.id}
    again = client.post(f"/api/v1/importaciones/{job['id']}/confirmacion", json={}, headers=headers)
    assert again.status_code == 422 and "ya se confirmó" in again.get_json()["message"]
    assert [e.object_id for e in audit_entries(db, account.id, "view") if e.object_type == "import_job"]
    assert any(e.object_type == "import_job" for e in audit_entries(db, account.id, "update"))


def test_bad_files_and_missing_parts_are_422_with_the_field(client: FlaskClient, db: Session) -> None:
    headers, _account = api_token(db, role=Role.CASEWORKER, groups=("imports:write",))
    unreadable = _submit(client, headers, b"no es una hoja de calculo", "datos.pdf")
    assert unreadable.status_code == 422 and "file" in unreadable.get_json()["fields"]
    missing = client.post("/api/v1/importaciones", data={}, content_type="multipart/form-data", headers=headers)
    assert missing.status_code == 422 and "file" in missing.get_json()["fields"]
    as_json = client.post("/api/v1/importaciones", json={"file": "x"}, headers=headers)
    assert as_json.status_code == 422


def test_another_accounts_job_is_404_and_other_groups_403(client: FlaskClient, db: Session) -> None:
    owner_headers, _owner = api_token(db, role=Role.CASEWORKER, groups=("imports:write",))
    job = _submit(client, owner_headers, files.kobo_xlsx(_two_households())).get_json()
    other_headers, other = api_token(db, role=Role.CASEWORKER, groups=("imports:write",))
    for method, path in (("get", f"/api/v1/importaciones/{job['id']}"),
                         ("post", f"/api/v1/importaciones/{job['id']}/confirmacion")):
        answer = getattr(client, method)(path, json={} if method == "post" else None, headers=other_headers)
        assert answer.status_code == 404, path
    assert any(e.object_id == job["id"] for e in audit_entries(db, other.id, "access_denied"))
    cases_only, _c = api_token(db, groups=("cases:write",))
    assert _submit(client, cases_only, files.kobo_xlsx(_two_households())).status_code == 403
    auditor, _d = api_token(db, role=Role.AUDITOR, groups=("imports:write",))
    assert client.get(f"/api/v1/importaciones/{job['id']}", headers=auditor).status_code == 403
    assert client.get(f"/api/v1/importaciones/{job['id']}").status_code == 401
