"""Official documents stay in Spanish for a user whose screens are in English (docs/i18n.md).

The case file and the oficio go to Mexican authorities or to the person concerned: their headings,
enumeration labels and history are Spanish whatever the language of the user who prints them.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from dfi_casos.cases import services as cases
from dfi_casos.catalogs.enums import AssistanceType
from dfi_casos.database import local_today
from dfi_casos.documents import casefile, letters
from dfi_casos.pdf import html_to_pdf
from dfi_casos.registry.models import Household
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def english_caseworker(db, login_as):
    user = login_as("caseworker", ["12"])
    user.language = "en"
    db.flush()
    return user


@pytest.fixture
def laid_out(monkeypatch) -> list[str]:
    """The HTML each PDF was laid out from."""
    seen: list[str] = []

    def spy(html: str):
        seen.append(html)
        return html_to_pdf(html)

    monkeypatch.setattr(casefile, "html_to_pdf", spy)
    monkeypatch.setattr(letters, "html_to_pdf", spy)
    return seen


def test_the_case_file_printed_by_an_english_user_is_in_spanish(client, db, english_caseworker, laid_out):
    case = factories.make_case(db, owner=english_caseworker, state="12")
    assert '<html lang="en"' in client.get(f"/casos/{case.id}").get_data(as_text=True)  # screens in English
    response = client.get(f"/documentos/casos/{case.id}/expediente.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    html = laid_out[-1]
    assert "Caso abierto en" in html and "Case opened" not in html
    assert "Asistencia" in html and "Assistance" not in html  # the stage's label


def test_the_oficio_of_an_english_user_is_in_spanish(client, db, english_caseworker, laid_out):
    case = factories.make_case(db, owner=english_caseworker, state="12")
    head = factories.household_head(db.get(Household, case.household_id))
    institution = factories.make_institution(db, "Sistema estatal DIF de prueba")
    factories.make_sharing_consent(db, head, institution, english_caseworker)
    referral = cases.add_referral(db, english_caseworker, case, institution_id=institution.id,
                                  need=AssistanceType.HOUSING, due_on=local_today() + timedelta(days=10), notes="")
    url = f"/oficios/canalizaciones/{referral.id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "signer": "Rosa Pérez",
                                      "signer_post": "Jefa de departamento"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    html = laid_out[-1].lower()
    assert "vivienda" in html and "housing" not in html
