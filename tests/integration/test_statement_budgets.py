"""Statement budgets: the pages people use all day send a bounded number of SQL statements, whatever they show.

Each page is requested once to warm per-process caches, then counted (SQLAlchemy
`before_cursor_execute`, the test harness's savepoints left out) with 2 rows to show and again
with 20: the two counts must be equal (no statement per row: an N+1 would show here) and within
the page's budget. Budgets carry a little headroom over what was measured (2026-11-28) so that a
new section (case plans, flags, transfers) does not fail them by one statement; a page that grows
past its budget should load its new rows with one query (`selectinload` or an explicit `IN`), not
raise the budget. Timings live in bench/ (docs/performance.md); counting is deterministic.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from dfi_casos.auth.models import Role
from dfi_casos.cases import services as cases
from dfi_casos.catalogs.enums import AssistanceType, ServiceStatus, Stage
from dfi_casos.database import local_today
from dfi_casos.registry.models import Household
from tests import factories
from tests.conftest import csrf_token

GRO = "12"
CURP = "HEGG560427MVZRRL04"

#: Statements per request, measured + headroom (see the module docstring).
BUDGETS = {
    "case_page": 28,       # 23 on PostgreSQL before #15 landed, 28 after (plans, flags, transfers): no headroom
    "case_list": 16,       # 13, 14 after #15
    "my_cases": 17,        # 14, 16 after #15
    "household_page": 15,  # 12
    "person_page": 15,     # 12
    "curp_search": 10,     # 8
    "name_search": 9,      # 9; 7 once candidates are ranked on their names alone (search, 2026-11-28)
    "dashboard": 26,       # 23, 27 after #15, 24 once the idle cases are read by id, 22 in one statement (2026-11-28)
}

def _count(db: Any, count_statements: Callable[[], Any], request: Callable[[], Any]) -> Any:
    request()  # warm: per-process caches (catalogs, compiled statements) are not per-request work
    # Requests share the test's session: expire it, or what was loaded before would save the page its loads.
    db.expire_all()
    with count_statements() as log:
        response = request()
    assert response.status_code == 200, response.status_code
    return log


def _check(name: str, db: Any, count_statements: Callable[[], Any], request: Callable[[], Any],
           add_rows: Callable[[int], None]) -> None:
    add_rows(2)
    few = _count(db, count_statements, request)
    add_rows(18)
    many = _count(db, count_statements, request)
    print(f"\n{name}: {few.count} statements with 2 rows, {many.count} with 20\n{many}")
    assert many.count == few.count, f"{name}: one statement per row?\n--- 2 rows:\n{few}\n--- 20 rows:\n{many}"
    assert few.count <= BUDGETS[name], f"{name}: {few.count} > {BUDGETS[name]}\n{few}"


def _search(client: Any, typed: str) -> Callable[[], Any]:
    token = csrf_token(client, "/busqueda/")  # read once, outside the count: only the POST is measured
    return lambda: client.post("/busqueda/", data={"rapida-csrf_token": token, "buscar": "rapida", "rapida-q": typed})


def test_case_page(client, db, login_as, count_statements) -> None:
    owner = login_as(Role.CASEWORKER, [GRO])
    case = factories.make_case(db, owner, GRO)
    institution = factories.make_institution(db)
    head = factories.household_head(db.get(Household, case.household_id))
    factories.make_sharing_consent(db, head, institution, owner)

    def add(n: int) -> None:
        for i in range(n):
            cases.add_service(db, owner, case, assistance_type=AssistanceType.FOOD, provided_on=local_today(),
                              status=ServiceStatus.DELIVERED, notes=f"Despensa {i}")
            cases.add_note(db, owner, case, f"Seguimiento {i}")
            cases.add_referral(db, owner, case, institution_id=institution.id, need=AssistanceType.MEDICAL_CARE,
                               due_on=local_today() + timedelta(days=10))
        db.expire_all()

    _check("case_page", db, count_statements, lambda: client.get(f"/casos/{case.id}"), add)


def test_case_list(client, db, login_as, count_statements) -> None:
    login_as(Role.SUPERVISOR, [GRO])
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])

    def add(n: int) -> None:
        for _ in range(n):
            factories.make_case(db, owner, GRO)
        db.expire_all()

    _check("case_list", db, count_statements, lambda: client.get("/casos/lista"), add)


def test_my_cases(client, db, login_as, count_statements) -> None:
    owner = login_as(Role.CASEWORKER, [GRO])

    def add(n: int) -> None:
        for _ in range(n):
            factories.make_case(db, owner, GRO)
        db.expire_all()

    _check("my_cases", db, count_statements, lambda: client.get("/casos/"), add)


def test_household_page(client, db, login_as, count_statements) -> None:
    from dfi_casos.catalogs.enums import RelationshipToHead
    from dfi_casos.registry import services as registry

    user = login_as(Role.CASEWORKER, [GRO])
    household = factories.make_household(db, GRO, user, members=1)

    def add(n: int) -> None:
        for i in range(n):
            registry.add_member(db, user, household, registry.MemberData(
                person=registry.PersonData(given_names=f"Hija{i}", first_surname="Prueba"),
                relationship=RelationshipToHead.CHILD), duplicate_reason="datos de prueba")
        db.expire_all()

    _check("household_page", db, count_statements, lambda: client.get(f"/registro/hogares/{household.id}"), add)


def test_person_page(client, db, login_as, count_statements) -> None:
    user = login_as(Role.CASEWORKER, [GRO])
    person = factories.make_person(db, GRO, user)

    def add(n: int) -> None:
        for _ in range(n):
            factories.make_sharing_consent(db, person, factories.make_institution(db), user)
        db.expire_all()

    _check("person_page", db, count_statements, lambda: client.get(f"/registro/personas/{person.id}"), add)


def test_curp_search(client, db, login_as, count_statements) -> None:
    user = login_as(Role.CASEWORKER, [GRO])
    factories.make_person(db, GRO, user, given_names="Guadalupe", first_surname="Hernández", curp=CURP,
                          birth_date=date(1956, 4, 27))

    def add(n: int) -> None:  # other persons of the registry: the answer is still one row
        for _ in range(n):
            factories.make_person(db, GRO, user)
        db.expire_all()

    _check("curp_search", db, count_statements, _search(client, CURP), add)


def test_name_search(client, db, login_as, count_statements) -> None:
    user = login_as(Role.CASEWORKER, [GRO])

    def add(n: int) -> None:  # n more persons answer the search
        for i in range(n):
            factories.make_person(db, GRO, user, given_names="Yesenia", first_surname="Valdés",
                                  second_surname=f"López{i}")
        db.expire_all()

    _check("name_search", db, count_statements, _search(client, "Yesenia Valdés"), add)


def test_dashboard(client, db, login_as, count_statements) -> None:
    login_as(Role.SUPERVISOR, [GRO])
    owner = factories.make_user(db, Role.CASEWORKER, [GRO])

    def add(n: int) -> None:  # n decisions waiting for the supervisor
        for _ in range(n):
            case = factories.make_case(db, owner, GRO, stage=Stage.ATTENTION)
            cases.request_approval(db, owner, case, Stage.DURABLE_SOLUTIONS, justification="Listo para cerrar")
        db.expire_all()

    _check("dashboard", db, count_statements, lambda: client.get("/"), add)


def test_institution_names_are_cached_and_an_edit_is_seen_at_once(db, login_as) -> None:
    from dfi_casos.institutions import services as institutions

    admin = factories.make_user(db, Role.ADMINISTRATOR, None)
    institution = factories.make_institution(db, name="Instituto de Prueba")
    institutions.forget_institution_names()
    assert institutions.institution_names(db)[institution.id] == "Instituto de Prueba"
    institutions.update_institution(db, admin, institution, institutions.InstitutionData(
        code=institution.code, name="Instituto Renombrado"), institution.version)
    assert institutions.institution_names(db)[institution.id] == "Instituto Renombrado"
