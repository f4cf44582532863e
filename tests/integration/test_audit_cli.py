"""`dfi-casos audit verify` and `audit head`: exit codes, the first bad entry named, saved heads."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from dfi_casos.security import audit
from dfi_casos.security.audit import Action


@pytest.fixture
def entries(db):
    for _ in range(5):
        audit.record(db, action=Action.LOGIN)


def run(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_verify_exits_zero_on_an_intact_chain(app, entries):
    result = run(app, "verify")
    assert result.exit_code == 0, result.stderr
    assert "Cadena íntegra: 5 entradas" in result.output


def test_verify_exits_non_zero_naming_the_first_bad_entry(app, db, entries):
    db.execute(text("UPDATE audit_event SET action = 'logout' WHERE seq = 3"))
    result = run(app, "verify")
    assert result.exit_code == 1
    assert "primera entrada mala: 3" in result.stderr and "altered" in result.stderr


def test_head_prints_sequence_and_mac(app, db, entries):
    result = run(app, "head")
    head = json.loads(result.output)
    assert head == {"seq": 5, "mac": audit.chain_head(db).mac}


def test_verify_against_a_saved_head_catches_a_truncated_tail(app, db, entries, tmp_path):
    saved = tmp_path / "cabeza.json"
    assert run(app, "head", "--output", str(saved)).exit_code == 0
    assert run(app, "verify", "--head", str(saved)).exit_code == 0
    db.execute(text("DELETE FROM audit_event WHERE seq = 5"))
    assert run(app, "verify").exit_code == 0
    result = run(app, "verify", "--head", str(saved))
    assert result.exit_code == 1 and "truncated" in result.stderr and "primera entrada mala: 5" in result.stderr


def test_grant_app_role_prints_the_documented_sql(app):
    result = run(app, "grant-app-role", "--print", "dfi_app")
    assert result.exit_code == 0
    assert 'GRANT SELECT, INSERT ON TABLE audit_event TO "dfi_app";' in result.output


def test_verify_refuses_a_head_file_that_is_not_a_head(app, entries, tmp_path):
    bad = tmp_path / "otra-cosa.json"
    bad.write_text("no es json")
    result = run(app, "verify", "--head", str(bad))
    assert result.exit_code == 1 and "no es una cabeza guardada" in result.output
