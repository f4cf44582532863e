"""Mis casos and the supervisor's decisions read their cases as sets of ids (#20: no OR over the whole state)."""
from __future__ import annotations

from dfi_casos.auth.models import Role
from dfi_casos.cases import lists, recognition
from dfi_casos.cases import services as cases
from dfi_casos.catalogs.enums import Stage
from tests import factories

GRO = "12"


def test_mis_casos_are_the_owned_and_the_assigned_open_cases(db):
    me = factories.make_user(db, Role.CASEWORKER, [GRO])
    colleague = factories.make_user(db, Role.CASEWORKER, [GRO])
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    owned = factories.make_case(db, me, GRO)
    assigned = factories.make_case(db, colleague, GRO)
    cases.assign(db, supervisor, assigned, colleague.id, [me.id])
    theirs = factories.make_case(db, colleague, GRO)  # neither mine nor assigned to me
    assert {c.id for c in lists.worklist(db, me).cases} == {owned.id, assigned.id}
    assert {c.id for c in lists.worklist(db, colleague).cases} == {assigned.id, theirs.id}


def test_decisions_waiting_are_pending_requests_and_submitted_recognitions(db):
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])
    supervisor = factories.make_user(db, Role.SUPERVISOR, [GRO])
    requested = factories.make_case(db, owner, GRO, stage=Stage.ATTENTION)
    cases.request_approval(db, owner, requested, Stage.DURABLE_SOLUTIONS, justification="Listo para cerrar")
    submitted = factories.make_case(db, owner, GRO)
    recognition.submit_intake(db, owner, submitted, "Entrevista completa")
    factories.make_case(db, owner, GRO)  # nothing to decide
    assert {c.id for c in lists.worklist(db, supervisor).to_decide} == {requested.id, submitted.id}
