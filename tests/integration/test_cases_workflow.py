"""The stage workflow: every transition for every role, approvals with separation of duties, conflicts."""
from __future__ import annotations

import types

import pytest

from dfi_casos.auth.models import Role
from dfi_casos.cases import services as cases
from dfi_casos.cases.models import ApprovalStatus, CaseStatus, RecognitionStatus, StageTransition
from dfi_casos.cases.workflow import ApprovalNotAllowed, NotPermitted, TransitionNotAllowed
from dfi_casos.catalogs.enums import ClosureReason, RecognitionDecision, Stage
from dfi_casos.errors import EditConflict
from dfi_casos.security.audit import AuditEvent
from dfi_casos.solutions import services as solutions_services
from tests import factories

GRO, CHIS = "12", "07"
P, A, AT, DS, C = Stage.PREVENTION, Stage.ASSISTANCE, Stage.ATTENTION, Stage.DURABLE_SOLUTIONS, Stage.CLOSED
OPEN_STAGES = (P, A, AT, DS)

#: Written out by hand (not computed from workflow.py): what a direct change from → to does.
DIRECT_ALLOWED = {(P, A), (A, AT), (A, P), (AT, P), (AT, A), (DS, P), (DS, A), (DS, AT)}
NEEDS_APPROVAL = {(AT, DS), (P, C), (A, C), (AT, C), (DS, C)}


@pytest.fixture
def team(db):
    """A caseworker owning a Guerrero case, two supervisors of Guerrero, and outsiders."""
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    return types.SimpleNamespace(
        owner=owner,
        other_caseworker=factories.make_user(db, Role.CASEWORKER, [GRO]),
        assignee=factories.make_user(db, Role.CASEWORKER, [GRO]),
        national=factories.make_user(db, Role.SUPERVISOR, None),
        supervisor=factories.make_user(db, Role.SUPERVISOR, [GRO]),
        supervisor2=factories.make_user(db, Role.SUPERVISOR, [GRO]),
        chiapas_supervisor=factories.make_user(db, Role.SUPERVISOR, [CHIS]),
        auditor=factories.make_user(db, Role.AUDITOR, [GRO]),
        admin=factories.make_user(db, Role.ADMINISTRATOR, [GRO]),
    )


def case_at(db, team, stage):
    case = factories.make_case(db, team.owner, GRO, stage=A)
    cases.assign(db, team.supervisor, case, team.owner.id, [team.assignee.id])
    if stage != A:
        case.stage = stage  # test set-up: place the case directly in the stage under test
        db.flush()
    return case


def stage_pairs():
    return [(f, t) for f in OPEN_STAGES for t in (*OPEN_STAGES, C)]


@pytest.mark.parametrize(("from_stage", "to_stage"), stage_pairs(), ids=lambda s: s.value)
@pytest.mark.parametrize("role", ["owner", "assignee", "supervisor", "national"])
def test_direct_stage_change_for_those_who_work_the_case(db, team, role, from_stage, to_stage):
    case = case_at(db, team, from_stage)
    actor = getattr(team, role)
    if (from_stage, to_stage) in DIRECT_ALLOWED:
        transition = cases.change_stage(db, actor, case, to_stage, reason="Motivo de prueba")
        assert case.stage == to_stage
        assert (transition.from_stage, transition.to_stage, transition.actor_id) == (from_stage, to_stage, actor.id)
    else:
        with pytest.raises(TransitionNotAllowed):
            cases.change_stage(db, actor, case, to_stage, reason="Motivo de prueba")
        assert case.stage == from_stage


@pytest.mark.parametrize(("from_stage", "to_stage"), sorted(DIRECT_ALLOWED), ids=lambda s: s.value)
@pytest.mark.parametrize("role", ["other_caseworker", "chiapas_supervisor", "auditor", "admin"])
def test_stage_change_refused_to_those_outside_the_case(db, team, role, from_stage, to_stage):
    case = case_at(db, team, from_stage)
    with pytest.raises(NotPermitted):
        cases.change_stage(db, getattr(team, role), case, to_stage, reason="Motivo")
    assert case.stage == from_stage


@pytest.mark.parametrize(("from_stage", "to_stage"), sorted(NEEDS_APPROVAL), ids=lambda s: s.value)
@pytest.mark.parametrize("requester", ["owner", "assignee", "supervisor"])
def test_approval_stages_are_requested_then_approved_by_another_supervisor(db, team, requester, from_stage,
                                                                            to_stage):
    case = case_at(db, team, from_stage)
    reason = ClosureReason.LOST_CONTACT if to_stage == C else None
    approval = cases.request_approval(db, getattr(team, requester), case, to_stage, reason, "Justificación")
    assert case.stage == from_stage and approval.status == ApprovalStatus.PENDING
    approver = team.supervisor2 if requester == "supervisor" else team.supervisor
    cases.decide_approval(db, approver, case, approve=True, comment="De acuerdo")
    assert case.stage == to_stage and approval.status == ApprovalStatus.APPROVED
    assert case.transitions[-1].approval_id == approval.id
    if to_stage == C:
        assert case.status == CaseStatus.CLOSED and case.closure_reason == ClosureReason.LOST_CONTACT
        assert case.closed_on is not None


@pytest.mark.parametrize("role", ["owner", "supervisor"])
def test_nobody_approves_their_own_request(db, team, role):
    case = case_at(db, team, AT)
    actor = getattr(team, role)
    cases.request_approval(db, actor, case, DS, None, "Listo para soluciones")
    with pytest.raises((ApprovalNotAllowed, NotPermitted)):
        cases.decide_approval(db, actor, case, approve=True)
    assert case.stage == AT and case.pending_approval is not None


@pytest.mark.parametrize("role", ["owner", "other_caseworker", "chiapas_supervisor", "auditor", "admin"])
def test_only_supervisors_of_the_territory_decide_approvals(db, team, role):
    case = case_at(db, team, AT)
    cases.request_approval(db, team.supervisor, case, DS, None, "Listo")
    with pytest.raises(NotPermitted):
        cases.decide_approval(db, getattr(team, role), case, approve=True)
    assert case.stage == AT


def test_rejection_needs_a_comment_and_leaves_the_stage(db, team):
    case = case_at(db, team, AT)
    approval = cases.request_approval(db, team.owner, case, DS, None, "Listo")
    with pytest.raises(ApprovalNotAllowed, match="comentario"):
        cases.decide_approval(db, team.supervisor, case, approve=False, comment="  ")
    cases.decide_approval(db, team.supervisor, case, approve=False, comment="Falta evaluación")
    assert approval.status == ApprovalStatus.REJECTED and case.stage == AT
    assert approval.comment == "Falta evaluación"
    assert [a.name for a in factories_next(case, team.owner)].count("request_approval") == 1


def factories_next(case, user):
    from dfi_casos.cases.workflow import next_actions

    return next_actions(case, user)


def test_a_second_request_waits_for_the_first(db, team):
    case = case_at(db, team, AT)
    cases.request_approval(db, team.owner, case, DS, None, "Listo")
    with pytest.raises(ApprovalNotAllowed):
        cases.request_approval(db, team.owner, case, C, ClosureReason.DEATH, "Fallecimiento")


def test_going_back_needs_a_reason(db, team):
    case = case_at(db, team, AT)
    with pytest.raises(TransitionNotAllowed, match="motivo"):
        cases.change_stage(db, team.owner, case, A, reason=" ")
    cases.change_stage(db, team.owner, case, A, reason="Nueva emergencia")
    assert case.transitions[-1].reason == "Nueva emergencia"


def test_closure_needs_a_reason_and_a_closed_case_does_not_move(db, team):
    case = case_at(db, team, A)
    with pytest.raises(TransitionNotAllowed, match="motivo del cierre"):
        cases.request_approval(db, team.owner, case, C, None, "Cerrar")
    cases.request_approval(db, team.owner, case, C, ClosureReason.DUPLICATE, "Duplicado")
    cases.decide_approval(db, team.supervisor, case, approve=True)
    for stage in OPEN_STAGES:
        with pytest.raises(TransitionNotAllowed):
            cases.change_stage(db, team.supervisor, case, stage, reason="Reabrir")


def test_closure_as_not_recognized_needs_a_final_non_recognition(db, team):
    case = case_at(db, team, A)
    with pytest.raises(TransitionNotAllowed, match="no reconocimiento"):
        cases.request_approval(db, team.owner, case, C, ClosureReason.NOT_RECOGNIZED, "No reconocido")
    cases.submit_intake(db, team.owner, case, "Resumen")
    cases.decide_recognition(db, team.supervisor, case, RecognitionDecision.NOT_RECOGNIZED, "No cumple")
    cases.request_approval(db, team.owner, case, C, ClosureReason.NOT_RECOGNIZED, "No reconocido")


@pytest.fixture
def solutions_stub(monkeypatch):
    """The durable-solutions closure rule replaced by one that reports the blockers the test sets."""
    stub = types.SimpleNamespace(blockers=["el criterio «seguridad» no cumple"])
    monkeypatch.setattr(solutions_services, "closure_blockers", lambda _session, _household_id: list(stub.blockers))
    return stub


def test_closure_as_durable_solution_is_blocked_by_the_assessment(db, team, solutions_stub):
    case = case_at(db, team, DS)
    with pytest.raises(TransitionNotAllowed, match="seguridad"):
        cases.request_approval(db, team.owner, case, C, ClosureReason.DURABLE_SOLUTION_ACHIEVED, "Logrado")
    solutions_stub.blockers = []
    cases.request_approval(db, team.owner, case, C, ClosureReason.DURABLE_SOLUTION_ACHIEVED, "Logrado")
    solutions_stub.blockers = ["la evaluación firmada cambió"]  # re-checked when approving
    with pytest.raises(TransitionNotAllowed, match="cambió"):
        cases.decide_approval(db, team.supervisor, case, approve=True)
    solutions_stub.blockers = []
    cases.decide_approval(db, team.supervisor, case, approve=True)
    assert case.status == CaseStatus.CLOSED


def test_a_stale_version_is_a_conflict_and_writes_nothing(db, team):
    case = case_at(db, team, A)
    seen = case.version
    cases.change_stage(db, team.supervisor, case, AT)
    transitions = db.query(StageTransition).filter_by(case_id=case.id).count()
    audits = db.query(AuditEvent).count()
    with pytest.raises(EditConflict, match="Otra persona cambió este caso"):
        cases.change_stage(db, team.owner, case, P, reason="Regreso", expected_version=seen)
    assert case.stage == AT
    assert db.query(StageTransition).filter_by(case_id=case.id).count() == transitions
    assert db.query(AuditEvent).count() == audits


def test_every_transition_is_kept_with_who_when_from_to_why(db, team):
    case = case_at(db, team, P)
    cases.change_stage(db, team.owner, case, A)
    cases.change_stage(db, team.owner, case, AT)
    cases.change_stage(db, team.supervisor, case, A, reason="Emergencia")
    history = [(t.from_stage, t.to_stage, t.actor_id, t.reason) for t in case.transitions]
    assert history[-3:] == [(P, A, team.owner.id, None), (A, AT, team.owner.id, None),
                            (AT, A, team.supervisor.id, "Emergencia")]
    assert all(t.occurred_at is not None for t in case.transitions)
    assert case.recognition_status == RecognitionStatus.INTAKE


@pytest.mark.parametrize(("from_stage", "to_stage"), sorted(NEEDS_APPROVAL), ids=lambda s: s.value)
@pytest.mark.parametrize("role", ["other_caseworker", "chiapas_supervisor", "auditor", "admin"])
def test_approval_requests_refused_to_those_outside_the_case(db, team, role, from_stage, to_stage):
    case = case_at(db, team, from_stage)
    reason = ClosureReason.DUPLICATE if to_stage == C else None
    with pytest.raises(NotPermitted):
        cases.request_approval(db, getattr(team, role), case, to_stage, reason, "Justificación")
    assert case.pending_approval is None


@pytest.mark.parametrize("role", ["owner", "assignee"])
def test_caseworkers_cannot_decide_approvals(db, team, role):
    case = case_at(db, team, AT)
    cases.request_approval(db, team.supervisor, case, DS, None, "Listo")
    with pytest.raises(NotPermitted):
        cases.decide_approval(db, getattr(team, role), case, approve=True)


def test_national_supervisor_approves_a_state_supervisors_request(db, team):
    case = case_at(db, team, AT)
    cases.request_approval(db, team.supervisor, case, DS, None, "Listo")
    cases.decide_approval(db, team.national, case, approve=True)
    assert case.stage == DS


def test_no_direct_stage_change_while_a_request_is_pending(db, team):
    case = case_at(db, team, A)
    cases.request_approval(db, team.owner, case, C, ClosureReason.DEATH, "Fallecimiento")
    with pytest.raises(TransitionNotAllowed, match="pendiente"):
        cases.change_stage(db, team.owner, case, AT)
    assert "change_stage" not in [a.name for a in factories_next(case, team.owner)]
