"""seed-demo opens cases in every stage so that each demo role has work waiting, and running it twice adds nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from dfi_casos.auth import services as accounts
from dfi_casos.cases import lists
from dfi_casos.cases.models import Case
from dfi_casos.catalogs.enums import Stage
from dfi_casos.demo import seed_demo


def test_demo_cases_cover_every_stage_and_give_each_role_work(app, db):
    seed_demo(db, app.config)
    count = db.scalar(select(func.count(Case.id)))
    seed_demo(db, app.config)
    assert db.scalar(select(func.count(Case.id))) == count > 0
    assert set(db.scalars(select(Case.stage).where(Case.state_code == "12"))) == set(Stage)

    caseworker = lists.worklist(db, accounts.find_user(db, "capturista.gro"))
    assert caseworker.awaiting_approval and caseworker.returned and caseworker.overdue_referrals
    assert caseworker.stale
    first = lists.worklist(db, accounts.find_user(db, "supervisora.gro"))
    second = lists.worklist(db, accounts.find_user(db, "supervisor2.gro"))
    assert first.to_decide and second.to_decide
    appealed = [c for c in second.to_decide if c.appeal is not None]
    assert appealed and not [c for c in first.to_decide if c.appeal is not None]  # the first decider is excluded
    assert lists.worklist(db, accounts.find_user(db, "capturista.chis")).cases


def test_every_demo_case_page_renders_for_its_caseworker_and_supervisor(app, client, db):
    from dfi_casos.demo import DEMO_PASSWORD
    from tests.conftest import csrf_token

    seed_demo(db, app.config)
    ids = list(db.scalars(select(Case.id).where(Case.state_code == "12")))
    for username in ("capturista.gro", "supervisora.gro"):
        client.post("/login", data={"csrf_token": csrf_token(client), "username": username,
                                    "password": DEMO_PASSWORD})
        for case_id in ids:
            response = client.get(f"/casos/{case_id}")
            assert response.status_code == 200, (username, case_id)
            assert "Historia del caso" in response.get_data(as_text=True)
        assert client.get("/casos/").status_code == 200
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
