"""#21's "done when": a client that knows only the OpenAPI document registers a household, opens its case
and reads it back. It finds each operation, its body schema and its fields in the document, builds the
bodies from those schemas (required fields and enum values), follows Location headers, and never uses a
path or a field name the document does not give it.
"""
from __future__ import annotations

from typing import Any

import jsonschema_rs

from tests.integration.test_api_core import bearer, make_token


class DocumentClient:
    """A client built from /api/v1/openapi.json alone."""

    def __init__(self, http: Any, token: str) -> None:
        self.http = http
        self.headers = bearer(token)
        self.document = http.get("/api/v1/openapi.json").get_json()
        self.schemas = self.document["components"]["schemas"]

    def operation(self, tag: str, method: str, *, with_parameters: bool) -> tuple[str, dict[str, Any]]:
        """The one operation of `tag` and `method` on the collection, or on one of its items (`/{id}`)."""
        found = [(path, item[method]) for path, item in self.document["paths"].items()
                 if method in item and tag in item[method]["tags"]
                 and path.count("{") == int(with_parameters) and path.endswith("}") == with_parameters]
        assert len(found) == 1, found
        return found[0]

    def schema(self, ref: dict[str, Any]) -> dict[str, Any]:
        return self.schemas[ref["$ref"].rsplit("/", 1)[-1]]

    def body_schema(self, operation: dict[str, Any]) -> dict[str, Any]:
        return self.schema(operation["requestBody"]["content"]["application/json"]["schema"])

    def answer_schema(self, operation: dict[str, Any], status: str) -> dict[str, Any]:
        return self.schema(operation["responses"][status]["content"]["application/json"]["schema"])

    def check(self, operation: dict[str, Any], status: str, body: Any) -> None:
        """The answer validates against its documented schema (the whole document resolves the $refs)."""
        schema = {**self.answer_schema(operation, status), "components": self.document["components"]}
        jsonschema_rs.validator_for(schema).validate(body)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.http.post(path, json=body, headers=self.headers)

    def get(self, path: str) -> Any:
        return self.http.get(path, headers=self.headers)


def test_a_client_from_the_document_alone_registers_a_household_opens_its_case_and_reads_it(client, db):
    _token, text = make_token(db, "12")
    api = DocumentClient(client, text)
    assert api.document["openapi"].startswith("3.1")

    # Register a household: the body's fields come from its schema.
    path, register = api.operation("hogares", "post", with_parameters=False)
    household_schema = api.body_schema(register)
    member_schema = api.schema(household_schema["properties"]["members"]["items"])
    person_schema = api.schema(member_schema["properties"]["person"])
    relationships = api.schema(member_schema["properties"]["relationship"])["enum"]
    assert {"state_code", "members"} <= set(household_schema["required"])
    person = {name: {"given_names": "Rosa", "first_surname": "Luna"}[name] for name in person_schema["required"]}
    body = {"state_code": "12", "members": [{"person": person, "relationship": relationships[0]}]}
    created = api.post(path, body)
    assert created.status_code == 201, created.get_data(as_text=True)
    api.check(register, "201", created.get_json())
    household_id = created.get_json()["id"]

    # Open its case: the subject kinds are the schema's enum.
    path, open_case = api.operation("casos", "post", with_parameters=False)
    case_schema = api.body_schema(open_case)
    subject_types = api.schema(case_schema["properties"]["subject_type"])["enum"]
    assert "household" in subject_types and {"subject_type", "subject_id"} <= set(case_schema["required"])
    opened = api.post(path, {"subject_type": "household", "subject_id": household_id})
    assert opened.status_code == 201, opened.get_data(as_text=True)
    api.check(open_case, "201", opened.get_json())

    # Read it back where the answer said it lives.
    _path, read_case = api.operation("casos", "get", with_parameters=True)
    read = api.get(opened.headers["Location"])
    assert read.status_code == 200, read.get_data(as_text=True)
    api.check(read_case, "200", read.get_json())
    assert read.get_json()["id"] == opened.get_json()["id"] and read.headers["ETag"]
