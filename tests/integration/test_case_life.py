"""A case's life beside the stages: flags, reopening with four eyes, transfers between states."""
from __future__ import annotations

import json
import re
import types

import pytest
from sqlalchemy import select

from dfi_casos import scope
from dfi_casos.auth.models import Role
from dfi_casos.cases import flags, lists, reopening, transfers
from dfi_casos.cases import services as cases
from dfi_casos.cases.life_models import CaseTransfer, FlagType, TransferStatus
from dfi_casos.cases.models import ApprovalStatus, CaseStatus, RecognitionStatus
from dfi_casos.cases.workflow import ApprovalNotAllowed, CaseAlreadyOpen, NotPermitted, TransitionNotAllowed
from dfi_casos.catalogs.enums import ClosureReason, RecognitionDecision, Stage
from dfi_casos.errors import NotVisible
from dfi_casos.registry.models import Consent
from dfi_casos.security.audit import AuditEvent
from tests import factories

GRO, CHIS, MOR = "12", "07", "17"


@pytest.fixture
def team(db):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    return types.SimpleNamespace(
        owner=owner,
        other=factories.make_user(db, Role.CASEWORKER, [GRO]),
        supervisor=factories.make_user(db, Role.SUPERVISOR, [GRO]),
        supervisor2=factories.make_user(db, Role.SUPERVISOR, [GRO]),
        chis_supervisor=factories.make_user(db, Role.SUPERVISOR, [CHIS]),
        chis_supervisor2=factories.make_user(db, Role.SUPERVISOR, [CHIS]),
        chis_caseworker=factories.make_user(db, Role.CASEWORKER, [CHIS]),
        case=factories.make_case(db, owner, GRO),
    )


def _close(db, team, case, reason=ClosureReason.LOST_CONTACT, from_stage=Stage.ATTENTION):
    if case.stage != from_stage:
        cases.change_stage(db, team.owner, case, from_stage)
    cases.request_approval(db, team.owner, case, Stage.CLOSED, reason, "Ya no contesta")
    cases.decide_approval(db, team.supervisor, case, True)
    assert case.status == CaseStatus.CLOSED


# --- flags ----------------------------------------------------------------------------------------------

def test_flag_is_raised_with_an_encrypted_reason_shown_in_lists_and_lowered_with_a_reason(db, team):
    flag = flags.raise_flag(db, team.owner, team.case, FlagType.SECURITY_RISK, "Amenazas del grupo armado")
    stored = db.execute(select(flag.__table__.c.reason_enc).where(flag.__table__.c.id == flag.id)).scalar_one()
    assert b"Amenazas" not in stored
    row, = lists.case_rows(db, team.supervisor, [team.case])
    assert row.flags == [FlagType.SECURITY_RISK]
    listed = lists.find_cases(db, team.supervisor, lists.CaseFilters(flag=FlagType.SECURITY_RISK.value), 1, 25)
    assert [c.id for c in listed.items] == [team.case.id]
    assert not lists.find_cases(db, team.supervisor, lists.CaseFilters(flag=FlagType.MISSING_PERSON.value), 1, 25).items
    assert lists.find_cases(db, team.supervisor, lists.CaseFilters(flag=flags.ANY_FLAG), 1, 25).items
    with pytest.raises(flags.FlagError, match="ya tiene una alerta activa"):
        flags.raise_flag(db, team.supervisor, team.case, FlagType.SECURITY_RISK, "Otra vez")
    with pytest.raises(flags.FlagError, match="motivo"):
        flags.lower_flag(db, team.supervisor, team.case, flag, "  ")
    flags.lower_flag(db, team.supervisor, team.case, flag, "Se reubicó a la familia")
    assert not flag.is_active and flags.active_flags(db, [team.case.id]) == {}
    assert not lists.find_cases(db, team.supervisor, lists.CaseFilters(flag=flags.ANY_FLAG), 1, 25).items
    steps = [json.loads(e.details)["step"] for e in db.scalars(select(AuditEvent).where(AuditEvent.action == "flag"))]
    assert steps[-2:] == ["raised", "lowered"]


def test_only_who_works_the_case_raises_flags(db, team):
    with pytest.raises(NotPermitted):
        flags.raise_flag(db, team.other, team.case, FlagType.OTHER, "No es mi caso")
    with pytest.raises(NotPermitted):
        flags.raise_flag(db, team.chis_supervisor, team.case, FlagType.OTHER, "Otra entidad")


def test_case_page_shows_active_flags_on_top(client, db, team, login_as):
    flags.raise_flag(db, team.owner, team.case, FlagType.MISSING_PERSON, "El hijo mayor no regresó")
    login_as(Role.SUPERVISOR, [GRO])
    page = client.get(f"/casos/{team.case.id}").get_data(as_text=True)
    assert "case-flags" in page and "El hijo mayor no regresó" in page
    assert page.index("case-flags") < page.index('id="resumen"')
    listing = client.get("/casos/lista?flag=missing_person").get_data(as_text=True)
    assert team.case.folio in listing and "Alerta: Persona desaparecida" in listing


# --- reopening ------------------------------------------------------------------------------------------

def test_reopening_returns_to_the_stage_it_closed_from_and_keeps_folio_and_recognition(db, team):
    case = team.case
    cases.submit_intake(db, team.owner, case, "Entrevista")
    cases.decide_recognition(db, team.supervisor, case, RecognitionDecision.RECOGNIZED, "Cumple")
    folio = case.folio
    _close(db, team, case)
    assert reopening.closed_from(case) == Stage.ATTENTION
    request = reopening.request_reopening(db, team.owner, case, Stage.ATTENTION, "La familia volvió a buscarnos")
    with pytest.raises(NotPermitted):
        reopening.decide_reopening(db, team.owner, case, True)
    reopening.decide_reopening(db, team.supervisor, case, True)
    assert request.status == ApprovalStatus.APPROVED
    assert case.is_open and case.stage == Stage.ATTENTION and case.folio == folio
    assert case.recognition_status == RecognitionStatus.RECOGNIZED and case.closure_reason is None
    assert (case.transitions[-1].from_stage, case.transitions[-1].to_stage) == (Stage.CLOSED, Stage.ATTENTION)


def test_nobody_approves_their_own_reopening_and_rejection_needs_a_comment(db, team):
    _close(db, team, team.case)
    reopening.request_reopening(db, team.supervisor, team.case, Stage.ASSISTANCE, "Reaparece")
    with pytest.raises(ApprovalNotAllowed, match="propia"):
        reopening.decide_reopening(db, team.supervisor, team.case, True)
    with pytest.raises(ApprovalNotAllowed, match="comentario"):
        reopening.decide_reopening(db, team.supervisor2, team.case, False)
    reopening.decide_reopening(db, team.supervisor2, team.case, False, "No hay elementos")
    assert not team.case.is_open


@pytest.mark.parametrize("reason", [ClosureReason.DEATH, ClosureReason.DUPLICATE])
def test_closure_reasons_that_never_reopen_say_so(db, team, reason):
    _close(db, team, team.case, reason)
    assert "no se reabre" in (reopening.never_reopens(team.case) or "")
    assert not reopening.can_request(team.owner, team.case)
    with pytest.raises(TransitionNotAllowed, match="no se reabre"):
        reopening.request_reopening(db, team.owner, team.case, Stage.ATTENTION, "Error")


def test_a_case_does_not_reopen_while_its_subject_has_another_open_case(db, team):
    _close(db, team, team.case)
    second = cases.open_case(db, team.owner, scope.get_household_for(db, team.owner, team.case.household_id))
    with pytest.raises(CaseAlreadyOpen, match=second.folio):
        reopening.request_reopening(db, team.owner, team.case, Stage.ATTENTION, "Volvió")


def test_the_second_supervisor_deciding_a_reopening_reads_that_it_was_decided(db, team):
    _close(db, team, team.case)
    reopening.request_reopening(db, team.owner, team.case, Stage.ATTENTION, "Volvió")
    seen = team.case.version
    reopening.decide_reopening(db, team.supervisor, team.case, True, expected_version=seen)
    with pytest.raises(ApprovalNotAllowed, match="ya decidió"):
        reopening.decide_reopening(db, team.supervisor2, team.case, True, expected_version=seen)


# --- transfers ------------------------------------------------------------------------------------------

def test_transfer_accepted_moves_case_household_and_consents_and_keeps_the_folio(db, team):
    case = team.case
    head = factories.household_head(scope.get_household_for(db, team.owner, case.household_id))
    institution = factories.make_institution(db)
    factories.make_sharing_consent(db, head, institution, team.owner)
    folio = case.folio
    transfer = transfers.request_transfer(db, team.owner, case, CHIS, "La familia se mudó a Tapachula")
    # Pending: the case stays; both offices see the request; the receiving one sees no content yet.
    assert case.state_code == GRO
    assert scope.get_transfer_for(db, team.owner, transfer.id) is transfer
    assert scope.get_transfer_for(db, team.chis_supervisor, transfer.id) is transfer
    with pytest.raises(NotVisible):
        scope.get_case_for(db, team.chis_supervisor, case.id)
    with pytest.raises(NotVisible):
        scope.get_transfer_for(db, team.chis_caseworker, transfer.id)
    with pytest.raises(NotPermitted):
        transfers.decide_transfer(db, team.supervisor, transfer, True, team.chis_caseworker.id)
    with pytest.raises(transfers.TransferError, match="responsable"):
        transfers.decide_transfer(db, team.chis_supervisor, transfer, True, team.owner.id)
    transfers.decide_transfer(db, team.chis_supervisor, transfer, True, team.chis_caseworker.id)
    assert transfer.status == TransferStatus.ACCEPTED
    assert case.state_code == CHIS and case.folio == folio and case.owner_id == team.chis_caseworker.id
    assert scope.get_case_for(db, team.chis_caseworker, case.id) is case
    assert scope.get_household_for(db, team.chis_caseworker, case.household_id).state_code == CHIS
    assert {c.state_code for c in db.scalars(select(Consent).where(Consent.person_id == head.id))} == {CHIS}
    # The sending office keeps no access to the case, only to the transfer record.
    for outsider in (team.owner, team.supervisor):
        with pytest.raises(NotVisible):
            scope.get_case_for(db, outsider, case.id)
        with pytest.raises(NotVisible):
            scope.get_household_for(db, outsider, case.household_id)
    assert scope.get_transfer_for(db, team.supervisor, transfer.id) is transfer


def test_transfer_declined_needs_a_reason_and_leaves_the_case_where_it_was(db, team):
    transfer = transfers.request_transfer(db, team.owner, team.case, CHIS, "Se mudaron")
    with pytest.raises(transfers.TransferError, match="motivo"):
        transfers.decide_transfer(db, team.chis_supervisor, transfer, False)
    transfers.decide_transfer(db, team.chis_supervisor, transfer, False, comment="No los localizamos aquí")
    assert transfer.status == TransferStatus.DECLINED and team.case.state_code == GRO
    with pytest.raises(transfers.TransferError, match="ya respondió"):
        transfers.decide_transfer(db, team.chis_supervisor2, transfer, True, team.chis_caseworker.id)


def test_a_person_needed_by_another_open_case_of_the_sending_state_blocks_the_transfer(db, team):
    household = scope.get_household_for(db, team.owner, team.case.household_id)
    individual = cases.open_case(db, team.owner, factories.household_head(household))
    with pytest.raises(transfers.TransferError, match=individual.folio):
        transfers.request_transfer(db, team.owner, team.case, CHIS, "Se mudaron")


def test_an_event_s_households_are_transferred_as_one_action(db, team):
    event = factories.make_event(db, GRO, team.owner)
    made = []
    for _ in range(3):
        household = factories.make_household(db, GRO, team.owner, event_id=event.id)
        made.append(cases.open_case(db, team.owner, household))
    requested = transfers.request_event_transfer(db, team.owner, event, MOR, "Reubicación colectiva")
    assert len(requested) == 3 and len({t.batch_id for t in requested}) == 1
    assert {t.case_id for t in requested} == {c.id for c in made}
    pending = db.scalars(select(CaseTransfer).where(CaseTransfer.batch_id == requested[0].batch_id)).all()
    assert all(t.is_pending for t in pending)


def test_demo_has_a_flagged_a_reopened_and_a_transferred_case(app, db):
    from dfi_casos.cases.life_models import CaseFlag
    from dfi_casos.cases.models import Case, StageTransition
    from dfi_casos.demo import seed_demo

    seed_demo(db, app.config)
    assert db.scalars(select(CaseFlag).where(CaseFlag.lowered_at.is_(None))).first() is not None
    assert db.scalars(select(StageTransition).where(StageTransition.from_stage == Stage.CLOSED)).first() is not None
    moved = db.scalars(select(CaseTransfer).where(CaseTransfer.status == TransferStatus.ACCEPTED)).one()
    assert (moved.from_state_code, moved.to_state_code) == (GRO, CHIS)
    case = db.get(Case, moved.case_id)
    assert case.state_code == CHIS and case.folio.startswith("DFI-GRO-")
    assert db.scalars(select(CaseTransfer).where(CaseTransfer.status == TransferStatus.PENDING)).first() is not None


# --- the pages, as each role uses them ----------------------------------------------------------------

def _post(client, path, prefix, data, version=None):
    from tests.conftest import csrf_token

    form = {f"{prefix}-{k}": v for k, v in data.items()}
    form[f"{prefix}-csrf_token"] = csrf_token(client, "/")
    if version is not None:
        form[f"{prefix}-version"] = str(version)
    return client.post(path, data=form)


def _switch(client, login_as, role, states):
    """Log out the current user, then in as a new one."""
    from tests.conftest import csrf_token

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    return login_as(role, states)


def test_flag_raised_and_lowered_through_the_pages(client, db, login_as):
    owner = login_as(Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner, GRO)
    assert client.get(f"/casos/{case.id}/alertas").status_code == 200
    answer = _post(client, f"/casos/{case.id}/alertas", "alerta", {"flag_type": "security_risk", "reason": "Amenazas"})
    assert answer.status_code == 302 and answer.location.endswith("#alertas")
    flag, = flags.flags_of(db, case)
    lower = f"/casos/{case.id}/alertas/{flag.id}"
    assert "Amenazas" in client.get(lower).get_data(as_text=True)
    assert _post(client, lower, "bajar", {"reason": ""}).status_code == 400
    assert _post(client, lower, "bajar", {"reason": "Ya no hay riesgo"}).status_code == 302
    assert not flag.is_active


def test_reopening_requested_by_the_caseworker_and_approved_by_a_supervisor_through_the_pages(client, db, login_as):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    team = types.SimpleNamespace(owner=owner, supervisor=factories.make_user(db, Role.SUPERVISOR, [GRO]))
    case = factories.make_case(db, owner, GRO)
    _close(db, team, case)
    login_as(Role.SUPERVISOR, [GRO])
    page = client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert "Solicitar reapertura" in page
    form = client.get(f"/casos/{case.id}/reapertura").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="attention"|<option[^>]*value="attention"[^>]*selected', form)
    answer = _post(client, f"/casos/{case.id}/reapertura", "reapertura",
                   {"to_stage": "attention", "reason": "Volvió"}, case.version)
    assert answer.status_code == 302
    _switch(client, login_as, Role.SUPERVISOR, [GRO])
    home = client.get("/").get_data(as_text=True)
    assert "Reaperturas y traslados por decidir" in home and case.folio in home
    answer = _post(client, f"/casos/{case.id}/reapertura/decision", "decision_reapertura",
                   {"decision": "approve", "comment": ""}, case.version)
    assert answer.status_code == 302 and case.is_open and case.stage == Stage.ATTENTION
    history = client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert "Caso reabierto en «Atención»" in history and "Solicitud de reapertura" in history


def test_a_case_closed_by_death_says_it_never_reopens(client, db, login_as):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    team = types.SimpleNamespace(owner=owner, supervisor=factories.make_user(db, Role.SUPERVISOR, [GRO]))
    case = factories.make_case(db, owner, GRO)
    _close(db, team, case, ClosureReason.DEATH)
    login_as(Role.SUPERVISOR, [GRO])
    page = client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert "no se reabre" in page and "Solicitar reapertura" not in page


def test_transfer_accepted_by_the_other_state_through_the_pages(client, db, login_as):
    owner = login_as(Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner, GRO)
    answer = _post(client, f"/casos/{case.id}/traslado", "traslado", {"to_state": CHIS, "reason": "Se mudaron"},
                   case.version)
    assert answer.status_code == 302
    transfer, = transfers.transfers_of(db, case)
    assert "Traslado pendiente" in client.get(f"/casos/{case.id}").get_data(as_text=True)
    new_owner = factories.make_user(db, Role.CASEWORKER, [CHIS])
    _switch(client, login_as, Role.SUPERVISOR, [CHIS])
    listing = client.get("/casos/traslados").get_data(as_text=True)
    assert case.folio in listing
    assert client.get(f"/casos/{case.id}").status_code == 404
    page = client.get(f"/casos/traslados/{transfer.id}").get_data(as_text=True)
    assert "Se mudaron" in page and "Guardar respuesta" in page
    refused = _post(client, f"/casos/traslados/{transfer.id}", "traslado", {"decision": "accept"})
    assert refused.status_code == 400 and transfer.is_pending
    answer = _post(client, f"/casos/traslados/{transfer.id}", "traslado",
                   {"decision": "accept", "new_owner_id": str(new_owner.id), "comment": ""})
    assert answer.status_code == 302 and answer.location == f"/casos/{case.id}"
    assert case.state_code == CHIS and client.get(f"/casos/{case.id}").status_code == 200


# --- case plans -----------------------------------------------------------------------------------------

def _plan_with_one_action(db, team, due):
    from dfi_casos.cases import plans
    from dfi_casos.catalogs.enums import IascCriterion

    plan = plans.start_revision(db, team.owner, team.case)
    goal = plans.add_goal(db, team.owner, team.case, plan, "Reponer actas", IascCriterion.DOCUMENTATION, None)
    plans.add_action(db, team.owner, team.case, goal, "Ir al Registro Civil", due, team.owner.id, None)
    return plan


def test_plan_is_approved_by_another_supervisor_and_revised_with_history(db, team):
    from datetime import timedelta

    from dfi_casos.cases import plans
    from dfi_casos.cases.plan_models import PlanStatus
    from dfi_casos.catalogs.enums import AssistanceType
    from dfi_casos.database import local_today

    plan = plans.start_revision(db, team.owner, team.case)
    with pytest.raises(plans.PlanError, match="al menos una meta"):
        plans.submit(db, team.owner, team.case, plan, "Acordado")
    goal = plans.add_goal(db, team.owner, team.case, plan, "Escuela", None, AssistanceType.EDUCATION)
    with pytest.raises(plans.PlanError, match="criterio IASC o a una necesidad"):
        plans.add_goal(db, team.owner, team.case, plan, "Sin vínculo", None, None)
    with pytest.raises(plans.PlanError, match="al menos una acción"):
        plans.submit(db, team.owner, team.case, plan, "Acordado")
    with pytest.raises(plans.PlanError, match="responsable"):
        plans.add_action(db, team.owner, team.case, goal, "Inscribir", local_today(), None, None)
    plans.add_action(db, team.owner, team.case, goal, "Inscribir", local_today() + timedelta(days=5), team.owner.id,
                     None)
    plans.submit(db, team.supervisor, team.case, plan, "Acordado con la familia")
    with pytest.raises(plans.PlanError, match="Nadie aprueba"):
        plans.decide(db, team.supervisor, team.case, plan, True, None)
    with pytest.raises(NotPermitted):
        plans.decide(db, team.owner, team.case, plan, True, None)
    with pytest.raises(plans.PlanError, match="comentario"):
        plans.decide(db, team.supervisor2, team.case, plan, False, None)
    plans.decide(db, team.supervisor2, team.case, plan, True, None)
    assert plan.status == PlanStatus.APPROVED
    revision = plans.start_revision(db, team.owner, team.case)
    assert revision.revision == 2 and [g.description for g in revision.goals] == ["Escuela"]
    plans.submit(db, team.owner, team.case, revision, "Se agrega vivienda")
    plans.decide(db, team.supervisor, team.case, revision, True, None)
    history = plans.revisions(db, team.case)
    assert [(p.revision, p.status) for p in history] == [(2, PlanStatus.APPROVED), (1, PlanStatus.SUPERSEDED)]


def test_overdue_plan_actions_show_in_the_owner_worklist_and_the_supervisor_home(client, db, team):
    from datetime import timedelta

    from dfi_casos.cases import plans
    from dfi_casos.database import local_today

    plan = _plan_with_one_action(db, team, local_today() - timedelta(days=2))
    assert plans.overdue_actions(db, team.owner, mine_only=True) == []  # a draft is not in force yet
    plans.submit(db, team.owner, team.case, plan, "Acordado")
    plans.decide(db, team.supervisor, team.case, plan, True, None)
    mine, = plans.overdue_actions(db, team.owner, mine_only=True)
    assert mine.case.id == team.case.id and mine.text == "Ir al Registro Civil"
    assert plans.overdue_actions(db, team.supervisor, mine_only=False)
    assert plans.overdue_actions(db, team.chis_supervisor, mine_only=False) == []
    action = mine.action
    plans.update_action(db, team.owner, team.case, action, plans.ActionStatus.DONE)
    assert plans.overdue_actions(db, team.owner, mine_only=True) == []


def test_plan_drafted_by_the_caseworker_and_approved_by_a_supervisor_through_the_pages(client, db, login_as):
    from datetime import timedelta

    from dfi_casos.cases import plans
    from dfi_casos.cases.plan_models import PlanStatus
    from dfi_casos.database import local_today
    from tests.conftest import csrf_token

    owner = login_as(Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner, GRO)
    assert "Preparar el plan" in client.get(f"/casos/{case.id}").get_data(as_text=True)
    assert client.post(f"/casos/{case.id}/plan/revision",
                       data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    plan, = plans.revisions(db, case)
    assert _post(client, f"/casos/{case.id}/plan/{plan.id}/metas", "meta",
                 {"description": "Documentos", "criterion": "documentation", "need": ""}).status_code == 302
    goal = plan.goals[0]
    refused = _post(client, f"/casos/{case.id}/plan/metas/{goal.id}/acciones", "accion1",
                    {"description": "Registro Civil", "due_on": "", "responsible_user_id": str(owner.id)})
    assert refused.status_code == 400
    due = (local_today() + timedelta(days=7)).isoformat()
    assert _post(client, f"/casos/{case.id}/plan/metas/{goal.id}/acciones", "accion1",
                 {"description": "Registro Civil", "due_on": due, "responsible_user_id": str(owner.id),
                  "institution_id": ""}).status_code == 302
    assert _post(client, f"/casos/{case.id}/plan/{plan.id}/envio", "enviar", {"summary": "Acordado"},
                 plan.version).status_code == 302
    _switch(client, login_as, Role.SUPERVISOR, [GRO])
    page = client.get(f"/casos/{case.id}/plan").get_data(as_text=True)
    assert "Decidir la revisión" in page and "Registro Civil" in page
    assert _post(client, f"/casos/{case.id}/plan/{plan.id}/decision", "decision",
                 {"decision": "approve", "comment": ""}, plan.version).status_code == 302
    assert plan.status == PlanStatus.APPROVED
    assert "Plan vigente: revisión 1" in client.get(f"/casos/{case.id}").get_data(as_text=True)
