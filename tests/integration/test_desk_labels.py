"""What people read instead of codes: state names, Spanish audit labels, no shell command, no refused offer."""
from __future__ import annotations

from dfi_casos.catalogs.enums import Stage
from dfi_casos.security import audit
from dfi_casos.security.audit import Action
from tests import factories


def body(response):
    return response.get_data(as_text=True)


def test_home_page_names_the_territory_guerrero_not_12(client, login_as):
    login_as("auditor", ["12"])
    html = body(client.get("/"))
    assert "Guerrero" in html and "<strong>12</strong>" not in html


def test_users_list_names_each_account_territory(client, db, login_as):
    login_as("administrator", ["12"])
    factories.make_user(db, role="caseworker", states=["12"])
    html = body(client.get("/admin/users"))
    assert "<td>Guerrero</td>" in html and "<td>12</td>" not in html


def test_state_administrator_is_not_offered_national_scope(client, login_as):
    login_as("administrator", ["12"])
    html = body(client.get("/admin/users/new"))
    assert 'name="is_national"' not in html and "Alcance nacional" not in html


def test_national_administrator_is_offered_national_scope(client, login_as):
    login_as("administrator", None)
    assert 'name="is_national"' in body(client.get("/admin/users/new"))


def test_account_states_are_checkboxes_not_a_multi_select(client, login_as):
    login_as("administrator", None)
    html = body(client.get("/admin/users/new"))
    assert 'type="checkbox" value="12"' in html
    assert "multiple" not in html


def test_auditor_reads_spanish_labels_instead_of_internal_codes(client, db, login_as):
    login_as("auditor", ["12"])
    actor = factories.make_user(db, role="supervisor", states=["12"])
    audit.record_change(db, actor, Action.STAGE_CHANGE, "case", "c-1", fields=["stage"], state_code="12",
                        folio="DFI-GRO-2026-000001", from_stage="attention", to_stage="durable_solutions")
    audit.record_change(db, actor, Action.APPROVAL, "case", "c-1", fields=["comment"], state_code="12",
                        folio="DFI-GRO-2026-000001", step="decided", decision="approved")
    html = body(client.get("/auditoria/"))
    assert "Etapa anterior: atención" in html and "Etapa nueva: soluciones duraderas" in html
    assert "Decisión: aprobada" in html and "Paso: decisión" in html
    assert "from_stage" not in html and "decision:" not in html and ": approved" not in html
    assert ">Caso <" in html and "<td>Guerrero</td>" in html


def test_record_history_names_the_record_type_in_spanish(client, db, login_as):
    login_as("auditor", ["12"])
    actor = factories.make_user(db, role="caseworker", states=["12"])
    audit.record_view(db, actor, "household", "h-1", fields=["notes"], state_code="12")
    html = body(client.get("/auditoria/registro/household/h-1"))
    assert "<strong>Hogar h-1</strong>" in html and "Campos: notas" in html


def test_chain_page_tells_no_shell_command(client, login_as):
    login_as("auditor", ["12"])
    html = body(client.get("/auditoria/cadena"))
    assert "dfi-casos" not in html and "audit head" not in html


def test_households_without_recent_assessment_are_named_by_head_and_place(client, db, login_as):
    login_as("supervisor", ["12"])
    owner = factories.make_user(db, role="caseworker", states=["12"])
    household = factories.make_case_household(db, owner, head_name="Herminia")
    household.municipality_code = "12029"
    factories.make_case(db, owner=owner, household=household, stage=Stage.ATTENTION)
    db.flush()
    html = body(client.get("/soluciones/"))
    section = html.split('id="tabla-sin-evaluacion"', 1)[1].split("</table>", 1)[0]
    assert "Hogar de Herminia Prueba · Chilpancingo de los Bravo, Guerrero" in section
    assert "Hogar sin caso abierto" not in section
    listed = [e for e in db.query(audit.AuditEvent).filter_by(object_type="household", action="view")]
    assert any(str(household.id) in e.details for e in listed)
