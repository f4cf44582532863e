"""A plan revision being drafted can lose a goal or an action typed by mistake; a submitted or approved one cannot."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from dfi_casos.auth.models import Role
from dfi_casos.cases import plans
from dfi_casos.cases.plan_models import PlanAction
from dfi_casos.cases.workflow import NotPermitted
from dfi_casos.catalogs.enums import AssistanceType, IascCriterion
from dfi_casos.database import local_today
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests.conftest import csrf_token

GRO = "12"


@pytest.fixture
def draft(db):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner, GRO)
    plan = plans.start_revision(db, owner, case)
    goals = [plans.add_goal(db, owner, case, plan, text, None, need) for text, need in
             (("Escuela", AssistanceType.EDUCATION), ("Meta por error", AssistanceType.FOOD),
              ("Vivienda", AssistanceType.HOUSING))]
    due = local_today() + timedelta(days=10)
    actions = [plans.add_action(db, owner, case, goals[0], text, due, owner.id, None)
               for text in ("Inscribir", "Acción duplicada")]
    plans.add_action(db, owner, case, goals[1], "Se irá con su meta", due, owner.id, None)
    plans.add_action(db, owner, case, goals[2], "Buscar vivienda", due, owner.id, None)
    return owner, case, plan, goals, actions


def test_a_goal_goes_with_its_actions_and_the_others_are_renumbered(db, draft):
    owner, case, plan, goals, _actions = draft
    plans.remove_goal(db, owner, case, goals[1])
    assert [(g.position, g.description) for g in plan.goals] == [(1, "Escuela"), (2, "Vivienda")]
    assert {a.description for a in db.scalars(select(PlanAction).where(PlanAction.case_id == case.id))} == \
        {"Inscribir", "Acción duplicada", "Buscar vivienda"}
    entry = db.scalars(select(AuditEvent).where(AuditEvent.object_id == str(plan.id))
                       .order_by(AuditEvent.seq.desc())).first()
    assert json.loads(entry.details)["step"] == "goal_removed"


def test_an_action_goes_and_a_submitted_revision_keeps_everything(db, draft):
    owner, case, plan, goals, actions = draft
    plans.remove_action(db, owner, case, actions[1])
    assert [a.description for a in goals[0].actions] == ["Inscribir"]
    with pytest.raises(NotPermitted):
        plans.remove_action(db, factories.make_user(db, Role.CASEWORKER, [GRO]), case, actions[0])
    plans.remove_goal(db, owner, case, goals[1])
    plans.submit(db, owner, case, plan, "Acordado con la familia")
    with pytest.raises(plans.PlanError, match="ya no se puede modificar"):
        plans.remove_action(db, owner, case, actions[0])
    with pytest.raises(plans.PlanError, match="ya no se puede modificar"):
        plans.remove_goal(db, owner, case, goals[2])


def test_removed_through_the_plan_page(client, db, login_as):
    owner = login_as(Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner, GRO)
    plan = plans.start_revision(db, owner, case)
    goal = plans.add_goal(db, owner, case, plan, "Reponer actas", IascCriterion.DOCUMENTATION, None)
    action = plans.add_action(db, owner, case, goal, "Ir al Registro Civil", local_today() + timedelta(days=3),
                              owner.id, None)
    page = client.get(f"/casos/{case.id}/plan").get_data(as_text=True)
    assert f"/casos/{case.id}/plan/acciones/{action.id}/quitar" in page
    assert f"/casos/{case.id}/plan/metas/{goal.id}/quitar" in page
    token = csrf_token(client, f"/casos/{case.id}/plan")
    answer = client.post(f"/casos/{case.id}/plan/acciones/{action.id}/quitar", data={"csrf_token": token})
    assert answer.status_code == 302 and goal.actions == []
    answer = client.post(f"/casos/{case.id}/plan/metas/{goal.id}/quitar", data={"csrf_token": token})
    assert answer.status_code == 302 and plan.goals == []
    assert "Meta quitada del borrador" in client.get(f"/casos/{case.id}/plan").get_data(as_text=True)
