"""An oficio sent as Word is attached as sent and named as such; one with macros is refused beside the field."""
from __future__ import annotations

from sqlalchemy import select

from dfi_casos.documents.models import Attachment
from tests import factories
from tests.integration.test_documents import storage_files, upload
from tests.unit.test_office_documents import docx


def test_a_word_document_is_attached_and_listed_as_word(app, client, db, login_as):
    user = login_as("caseworker", ["12"])
    case = factories.make_case(db, owner=user, state="12")
    response = upload(client, f"/documentos/casos/{case.id}", "respuesta DIF.docx", docx())
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    attachment = db.scalars(select(Attachment).where(Attachment.record_id == case.id)).one()
    assert attachment.current.file_name == "respuesta DIF.docx"
    assert "Documento de Word" in client.get(f"/documentos/casos/{case.id}").get_data(as_text=True)


def test_a_word_document_with_macros_is_refused_beside_the_field(app, client, db, login_as):
    user = login_as("caseworker", ["12"])
    case = factories.make_case(db, owner=user, state="12")
    before = storage_files(app)
    response = upload(client, f"/documentos/casos/{case.id}", "oficio.docx",
                      docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}))
    assert response.status_code == 400 and "Guárdelo como PDF" in response.get_data(as_text=True)
    assert storage_files(app) == before
    assert db.scalars(select(Attachment).where(Attachment.record_id == case.id)).all() == []
