"""Every route of the application, for every role of Chiapas, against records of Guerrero.

The test walks `app.url_map`, so a route added later is covered without editing it. URL
arguments are filled from `factories.foreign_records`; an argument it cannot fill fails the
test, so a new kind of record is never skipped in silence.
"""
from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import event, select
from werkzeug.routing import Map, Rule

from dfi_casos import scope
from dfi_casos.auth.models import Role
from dfi_casos.database import Base
from dfi_casos.extensions import db as _db
from dfi_casos.security.access import has_permission
from tests import factories
from tests.conftest import csrf_token

HOME_STATE, FOREIGN_STATE = "07", "12"  # Chiapas, Guerrero
ROLES = list(Role)
#: Endpoints that are not the application's own pages.
NOT_PAGES = {"static"}
#: Answers that serve nothing: unauthenticated (a browser's session never opens /api/v1), forbidden, not found.
REFUSED = {401, 403, 404}


def walked_rules(app: Flask) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint not in NOT_PAGES),
                  key=lambda rule: rule.rule)


def url_for_rule(rule: Rule, records: dict[str, str]) -> str:
    missing = sorted(set(rule.arguments) - set(records))
    if missing:
        pytest.fail(f"la ruta {rule.rule} ({rule.endpoint}) usa {missing}: extienda tests/factories.py "
                    f"foreign_records() con un registro de otra entidad para cada argumento")
    built = rule.build({name: records[name] for name in rule.arguments}, append_unknown=False)
    assert built is not None, f"no se pudo construir {rule.rule}"
    return built[1]


def refused(response, loaded: list[tuple[str, str]]) -> bool:
    """Not served. A 400 (a bad form) counts only when no record was loaded: one that was may have shown."""
    if response.status_code in REFUSED:
        return True
    if response.status_code == 400:
        return not loaded
    return response.status_code == 302 and response.location.startswith("/login")


def database_snapshot(db) -> dict[str, list[str]]:
    """Every row of every table but the audit trail (which a refusal rightly appends to)."""
    return {table.name: sorted(repr(tuple(row)) for row in db.execute(select(table)))
            for table in Base.metadata.sorted_tables if table.name != "audit_event"}


#: A statement that can change a table other than the audit trail.
_WRITE = re.compile(r"\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(?!audit_event\b)\w", re.IGNORECASE)


class DataWatch:
    """Whether a request changed data, without reading every table around every request.

    Every change reaches the database as an INSERT, UPDATE or DELETE through the application's engine:
    while none touched a table but the audit trail, the last snapshot still holds and nothing is read;
    after one, every table is read again and compared with it (a refusal writes nothing but its audit
    entry, so the walk reads the tables only around the few requests that wrote).
    """

    def __init__(self, db) -> None:
        self.db = db
        self.snapshot = database_snapshot(db)
        self.writes: list[str] = []
        self.engine = _db.engine
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement: str, parameters, context, executemany) -> None:
        if _WRITE.match(statement):
            self.writes.append(statement)

    def changed(self) -> bool:
        """Whether any row (the audit trail aside) differs from the last call's."""
        if not self.writes:
            return False
        self.writes.clear()
        now = database_snapshot(self.db)
        changed, self.snapshot = now != self.snapshot, now
        return changed

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def log_in(client, username: str) -> None:
    response = client.post("/login", data={"csrf_token": csrf_token(client), "username": username,
                                           "password": factories.PASSWORD})
    assert response.status_code == 302


def still_logged_in(client) -> bool:
    """A cheap signed-in page (the home page is a dashboard): it answers only an open, unrevoked session."""
    return client.get("/cuenta/idioma").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_no_route_serves_records_of_another_state(app, client, db, role):
    problems = _walk_as(app, client, db, role, factories.foreign_records(db, FOREIGN_STATE))
    assert not problems, "\n".join(problems)


def _walk(app, client, db, user, role, records, loaded, problems) -> None:
    watch = DataWatch(db)
    try:
        _walk_watched(app, client, user, role, records, loaded, problems, watch)
    finally:
        watch.close()


def _walk_watched(app, client, user, role, records, loaded, problems, watch) -> None:
    token = None  # one per signed-in session: read again only after the walk signs in again
    for rule in walked_rules(app):
        url = url_for_rule(rule, records)
        view = app.view_functions[rule.endpoint]
        needed = getattr(view, "required_permission", None)
        lacks_permission = needed is not None and not has_permission(user, needed)
        for method in ("GET", "POST"):
            if method not in (rule.methods or ()):
                continue
            if method == "POST" and token is None:
                token = csrf_token(client, "/account/password")
            data = {"csrf_token": token} if method == "POST" else None
            watch.changed()  # what the walk itself wrote (signing in again) is the new baseline
            loaded.clear()
            response = client.open(url, method=method, data=data)
            if watch.changed() and rule.arguments:
                problems.append(f"{method} {url} as {role.value}: changed data of another territory")
            where = f"{method} {url} as {role.value}"
            # Binary answers (the XLSX export) are read leniently; counts-only exports are tested on their own.
            text = response.get_data().decode("utf-8", errors="replace")
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
            if (rule.arguments or lacks_permission) and not refused(response, loaded):
                problems.append(f"{where}: served ({response.status_code}) what it must refuse")
            leaked = [value for value in factories.PLANTED_SENSITIVE if value in text]
            if leaked:
                problems.append(f"{where}: shows {leaked}")
            if not still_logged_in(client):  # the walk crossed /logout: carry on as the same user
                log_in(client, user.username)
                token = None


def test_missing_record_for_a_url_argument_fails_with_a_hint():
    rule = Rule("/casos/<uuid:case_id>", endpoint="cases.show")
    Map([rule])  # binding compiles the rule and names its arguments
    with pytest.raises(pytest.fail.Exception, match="extienda tests/factories.py"):
        url_for_rule(rule, {"user_id": "1"})


def test_the_walk_covers_the_admin_and_audit_routes(app):
    endpoints = {rule.endpoint for rule in walked_rules(app)}
    assert {"admin.edit_user", "admin.revoke_user_sessions", "audit_ui.record_history",
            "audit_ui.user_activity", "audit_ui.export"} <= endpoints


def test_a_bad_form_counts_as_a_refusal_only_when_no_record_was_loaded():
    class Answer:
        status_code, location = 400, ""

    assert refused(Answer(), loaded=[])
    assert not refused(Answer(), loaded=[("case", "c0ffee")])


# --- a case transferred between states, seen from both -------------------------------------------------

def _walk_as(app, client, db, role, records) -> list[str]:
    user = factories.make_user(db, role=role, states=[HOME_STATE])
    log_in(client, user.username)
    problems: list[str] = []
    loaded: list[tuple[str, str]] = []

    def on_load(object_type: str, object_id: object) -> None:
        loaded.append((object_type, str(object_id)))

    scope.record_loaded.connect(on_load)
    try:
        _walk(app, client, db, user, role, records, loaded, problems)
    finally:
        scope.record_loaded.disconnect(on_load)
    return problems


def _case_records_of(db, case_records: dict[str, str]) -> dict[str, str]:
    """The walk's records, with the case's own ones (case, referral, service, flag, subject) swapped in.

    The event and community stay foreign: those made beside the case belong to its first state's registry.
    """
    records = factories.foreign_records(db, FOREIGN_STATE)
    records.update({k: v for k, v in case_records.items() if k not in ("transfer_id", "event_id", "community_id")})
    return records


@pytest.mark.parametrize("role", ROLES)
def test_the_sending_state_sees_nothing_of_a_case_it_transferred_away(app, client, db, role):
    """Chiapas recorded the case, transferred it to Guerrero, Guerrero accepted: no Chiapas route serves it."""
    from dfi_casos.cases import transfers

    mine = factories.case_foreign_records(db, HOME_STATE)  # content planted while the case was Chiapas'
    case_id = mine["case_id"]
    case = scope.get_case_for(db, factories.make_user(db, Role.SUPERVISOR, [HOME_STATE]), case_id)
    transfer = transfers.request_transfer(db, case.owner, case, FOREIGN_STATE, "Se mudaron a Acapulco")
    receiver = factories.make_user(db, Role.SUPERVISOR, [FOREIGN_STATE])
    new_owner = factories.make_user(db, Role.CASEWORKER, [FOREIGN_STATE])
    transfers.decide_transfer(db, receiver, transfer, True, new_owner.id)
    assert case.state_code == FOREIGN_STATE
    problems = _walk_as(app, client, db, role, _case_records_of(db, mine))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_the_receiving_state_sees_only_the_request_of_a_pending_transfer(app, client, db, role):
    """Guerrero asked to transfer a case to Chiapas: until Chiapas accepts, no Chiapas route shows its content."""
    from dfi_casos.cases import transfers

    theirs = factories.case_foreign_records(db, FOREIGN_STATE)
    supervisor = factories.make_user(db, Role.SUPERVISOR, [FOREIGN_STATE])
    case = scope.get_case_for(db, supervisor, theirs["case_id"])
    pending = transfers.request_transfer(db, case.owner, case, HOME_STATE, "Se mudaron a Tapachula")
    problems = _walk_as(app, client, db, role, _case_records_of(db, theirs))
    assert not problems, "\n".join(problems)
    answer = client.get(f"/casos/traslados/{pending.id}")
    if role == Role.SUPERVISOR:
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200 and case.folio in page and "Se mudaron a Tapachula" in page
        assert not [value for value in factories.PLANTED_SENSITIVE if value in page]
    else:
        assert answer.status_code == 404


def test_the_data_watch_sees_a_changed_row_and_not_an_audit_entry(app, db):
    from dfi_casos.security import audit

    user = factories.make_user(db, role=Role.CASEWORKER, states=[HOME_STATE])
    watch = DataWatch(db)
    try:
        assert not watch.changed()
        audit.record(db, action="view", actor=user, object_type="user", object_id=user.id)
        db.flush()
        assert not watch.changed(), "the audit trail is not data of a territory"
        user.full_name = "Nombre cambiado"
        db.flush()
        assert watch.changed()
        assert not watch.changed(), "the change is the new baseline"
    finally:
        watch.close()
