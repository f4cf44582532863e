"""Opposition (oposición): a referral to the institution objected to is refused; statistics leave the person out."""
from __future__ import annotations

from datetime import date

import pytest

from dfi_casos.auth.models import Role
from dfi_casos.cases import services as cases
from dfi_casos.catalogs.enums import ArcoRight, AssistanceType, ObjectionUse
from dfi_casos.database import local_today
from dfi_casos.errors import DomainError
from dfi_casos.registry.models import Household
from dfi_casos.rights import services
from dfi_casos.rights.models import ArcoChannel, IdentityDocument
from tests import factories
from tests.conftest import csrf_token

GRO = "12"


def opposition(db, app, person):
    liaison = factories.make_user(db, Role.TRANSPARENCY, [GRO])
    arco = services.register_request(db, liaison, app.config, services.RequestData(
        right=ArcoRight.OPPOSITION, channel=ArcoChannel.EMAIL, received_on=date(2026, 11, 2),
        description="Me opongo", person_id=person.id, identity_verified=True, identity_document=IdentityDocument.INE))
    return liaison, arco


def test_referral_to_an_institution_objected_to_is_refused(db, app):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner)
    head = factories.household_head(db.get(Household, case.household_id))
    institution, other = factories.make_institution(db, "Objetada"), factories.make_institution(db, "Aceptada")
    factories.make_sharing_consent(db, head, institution, owner)
    factories.make_sharing_consent(db, head, other, owner)
    liaison, arco = opposition(db, app, head)
    services.record_objection(db, liaison, arco, ObjectionUse.REFERRAL, institution.id)
    with pytest.raises(DomainError, match="se opuso"):
        cases.add_referral(db, owner, case, institution_id=institution.id, need=AssistanceType.LEGAL_ADVICE,
                           due_on=local_today())
    cases.add_referral(db, owner, case, institution_id=other.id, need=AssistanceType.LEGAL_ADVICE,
                       due_on=local_today())


def test_statistics_leave_out_a_person_who_opposed_them(app, client, db, login_as):
    household = factories.make_household(db, GRO, members=7)
    person = household.current_memberships[1].person
    login_as(Role.SUPERVISOR, [GRO])
    url = f"/reportes/personas.csv?desde=2026-01&hasta={local_today():%Y-%m}"
    before = client.get(url).get_data(as_text=True)
    liaison, arco = opposition(db, app, person)
    services.record_objection(db, liaison, arco, ObjectionUse.STATISTICS, None)
    assert client.get(url).get_data(as_text=True) != before


def test_objection_from_the_request_page(app, client, db, login_as):
    person = factories.make_person(db, GRO)
    _, arco = opposition(db, app, person)
    login_as(Role.TRANSPARENCY, [GRO])
    token = csrf_token(client, f"/arco/{arco.id}")
    response = client.post(f"/arco/{arco.id}/oposicion", data={"csrf_token": token, "use": "statistics"})
    assert response.status_code == 302
    assert "Usos a los que se opuso" in client.get(f"/arco/{arco.id}").get_data(as_text=True)
    refused = client.post(f"/arco/{arco.id}/oposicion", data={"csrf_token": token, "use": "referral"})
    assert refused.status_code == 400 and "Elija la institución" in refused.get_data(as_text=True)
