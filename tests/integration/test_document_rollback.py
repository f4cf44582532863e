"""A file stored by work that is then rolled back (a refusal, a conflict, a failed commit) leaves no orphan."""
from __future__ import annotations

from dfi_casos.auth.models import Role
from dfi_casos.documents import services as documents
from tests import factories
from tests.integration.test_documents import storage_files, upload

GRO = "12"


def test_the_file_of_a_rolled_back_attachment_is_removed(app, db):
    user = factories.make_user(db, Role.CASEWORKER, [GRO])
    case = factories.make_case(db, user, GRO)
    db.commit()
    attachment = factories.make_attachment(db, case, "case", user)
    key = attachment.versions[0].storage_key
    store = documents.current_storage()
    assert store.exists(key)
    db.rollback()
    assert not store.exists(key)


def test_a_committed_file_stays_when_later_work_rolls_back(app, db):
    user = factories.make_user(db, Role.CASEWORKER, [GRO])
    case = factories.make_case(db, user, GRO)
    kept = factories.make_attachment(db, case, "case", user, name="acta.pdf")
    db.commit()
    dropped = factories.make_attachment(db, case, "case", user, name="otra.pdf")
    kept_key, dropped_key = kept.versions[0].storage_key, dropped.versions[0].storage_key
    db.rollback()
    store = documents.current_storage()
    assert store.exists(kept_key) and not store.exists(dropped_key)


def test_an_upload_whose_request_fails_leaves_no_file(app, client, db, login_as, monkeypatch):
    user = login_as(Role.CASEWORKER, [GRO])
    case = factories.make_case(db, user, GRO)
    before = storage_files(app)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(documents.audit, "record_change", broken)
    response = upload(client, f"/documentos/casos/{case.id}", "acta.pdf", factories.SMALL_PDF)
    assert response.status_code == 500
    assert storage_files(app) == before
