"""schemathesis against /api/v1/openapi.json: for every operation, generated valid and invalid requests
answer no 5xx, only documented status codes, and bodies that match the documented schemas.

Bounded: EXAMPLES per operation and mode (about a minute in all). SQLite only: what this checks is the
contract between the document and the code, which does not depend on the database; the PostgreSQL side
of every endpoint runs in test_api_core.py / test_api_registry.py.
"""
from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests import factories
from tests.integration.test_api_core import bearer, make_token

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _path_values(db: Any) -> dict[str, str]:
    """Records of the token's own state, so reads and updates reach real records (and real answers)."""
    household = factories.make_household(db, state="12")
    return {"person_id": str(factories.household_head(household).id), "household_id": str(household.id),
            "event_id": str(factories.make_event(db, state="12").id),
            "community_id": str(factories.make_community(db, state="12").id)}


def test_every_operation_holds_to_its_document(app: Any, db: Any, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("el contrato no depende de la base; ver el docstring")
    _token, text = make_token(db, "12")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    known = _path_values(db)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    failures: list[str] = []
    for operation in operations:
        path_values = {name: known[name] for name in known if "{" + name + "}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_values or None)

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case: Any) -> None:
                headers = {**bearer(text), "If-Match": '"1"'}
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - every operation's failure is reported together
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
