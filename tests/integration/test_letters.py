"""Referral letters (oficios): templates per kind of institution, numbering, consent, the PDF attached and audited."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from dfi_casos.cases import services as cases
from dfi_casos.catalogs.enums import AssistanceType
from dfi_casos.database import local_today
from dfi_casos.documents import letters
from dfi_casos.documents.content import DocumentError
from dfi_casos.documents.letters import InstitutionKind
from dfi_casos.documents.models import Attachment
from dfi_casos.registry.models import Household
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def referral(db, login_as):
    user = login_as("caseworker", ["12"])
    case = factories.make_case(db, owner=user, state="12")
    head = factories.household_head(db.get(Household, case.household_id))
    head.curp = "HEGG560427MVZRRL04"
    institution = factories.make_institution(db, "Sistema estatal DIF de prueba")
    consent = factories.make_sharing_consent(db, head, institution, user)
    found = cases.add_referral(db, user, case, institution_id=institution.id, need=AssistanceType.HOUSING,
                               due_on=local_today() + timedelta(days=10), notes="")
    return user, case, found, consent


def test_caseworker_generates_the_oficio_and_it_is_attached_to_the_referral(app, client, db, referral):
    user, case, ref, _consent = referral
    url = f"/oficios/canalizaciones/{ref.id}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "signer": "Rosa Pérez",
                                      "signer_post": "Jefa de departamento"})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    attachment = db.scalars(select(Attachment).where(Attachment.record_id == ref.id)).one()
    assert attachment.generated_from == "oficio" and attachment.record_type == "referral"
    assert attachment.current.mime == "application/pdf"
    assert attachment.current.file_name.startswith("oficio-DEPCMH-DFI-GRO-")
    entry = db.scalars(select(AuditEvent).where(AuditEvent.action == "referral", AuditEvent.actor_id == user.id)
                       .order_by(AuditEvent.seq.desc())).first()
    details = json.loads(entry.details)
    assert details["fields"] == ["letter"] and details["letter_number"].startswith("DEPCMH/DFI/GRO/")
    page = client.get(f"/documentos/canalizaciones/{ref.id}").get_data(as_text=True)
    assert "generado" in page


def test_the_letter_says_only_what_the_consent_allows(app, db, referral):
    user, case, ref, _consent = referral
    with app.test_request_context():
        letter = letters.compose(db, user, case, ref, signer="Rosa", signer_post="Jefa", number="N/1")
    text = " ".join(letter.paragraphs)
    assert "HEGG560427MVZRRL04" in text and case.folio in text and "vivienda" in text.lower()
    assert letter.institution == "Sistema estatal DIF de prueba"


def test_without_consent_in_force_no_letter_and_no_number_is_spent(app, db, referral):
    user, case, ref, consent = referral
    consent.withdrawn_on = local_today()
    db.flush()
    with app.test_request_context(), pytest.raises(DocumentError, match="consentimiento vigente"):
        letters.generate(db, user, case, ref, signer="Rosa", signer_post="Jefa")
    with app.test_request_context():
        assert letters.next_letter_number(db, "12", local_today().year).endswith("/000001")


def test_numbers_are_consecutive_per_state_and_year(app, db):
    with app.test_request_context():
        first = letters.next_letter_number(db, "07", 2031)
        second = letters.next_letter_number(db, "07", 2031)
        other = letters.next_letter_number(db, "12", 2031)
    assert first.endswith("/CHIS/2031/000001") and second.endswith("/CHIS/2031/000002")
    assert other.endswith("/GRO/2031/000001")


def test_a_template_with_an_unknown_placeholder_is_refused(app, db):
    admin = factories.make_user(db, "administrator", None)
    with pytest.raises(DocumentError, match="telefono"):
        letters.save_template(db, admin, InstitutionKind.STATE, "Asunto", "Llame al {telefono}", "")
    with pytest.raises(DocumentError, match="llave"):
        letters.save_template(db, admin, InstitutionKind.STATE, "Asunto", "Texto {persona", "")


def test_national_administrator_edits_a_template_used_by_the_next_letter(app, client, db, login_as):
    login_as("administrator", None)
    url = "/oficios/plantillas/estatal"
    assert "Plantillas de oficios" in client.get("/oficios/plantillas").get_data(as_text=True)
    bad = client.post(url, data={"csrf_token": csrf_token(client, url), "subject": "Asunto", "body": "{domicilio}",
                                 "copies": "", "version": ""})
    assert bad.status_code == 400 and "Marcadores desconocidos" in bad.get_data(as_text=True)
    good = client.post(url, data={"csrf_token": csrf_token(client, url), "subject": "Canalización {folio}",
                                  "body": "Texto propio para {persona}.", "copies": "Archivo", "version": ""})
    assert good.status_code == 302
    assert letters.template_for(db, InstitutionKind.STATE).body == "Texto propio para {persona}."


def test_state_administrators_do_not_edit_the_national_templates(app, client, db, login_as):
    login_as("administrator", ["12"])
    assert client.get("/oficios/plantillas").status_code == 404
    assert client.get("/oficios/plantillas/federal").status_code == 404


def test_kinds_of_institutions():
    from dfi_casos.institutions.models import Institution

    assert letters.kind_of(Institution(code="acnur", name="ACNUR")) is InstitutionKind.INTERNATIONAL
    assert letters.kind_of(Institution(code="x", name="Otra", state_code="12")) is InstitutionKind.STATE
    assert letters.kind_of(Institution(code="y", name="Federal")) is InstitutionKind.FEDERAL


def test_the_letter_keeps_acronyms_and_the_drafters_initials_leave_out_the_role():
    assert letters._mid_sentence("Documentación (reposición de acta, CURP, INE)") == \
        "documentación (reposición de acta, CURP, INE)"
    assert letters._initials("Rosa Martínez (capturista, Guerrero)") == "rm"
