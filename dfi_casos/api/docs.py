"""The OpenAPI 3.1 document and its page, rendered by the app from the document (no CDN, no script)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, render_template

from dfi_casos.api import bp, spec

_METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(ref: dict[str, Any] | None) -> str:
    target = str((ref or {}).get("$ref", ""))
    return target.rsplit("/", 1)[-1] if target else ""


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's operations, grouped for the page: method, path, summary, tag, body and answers."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            by_schema: dict[str, list[str]] = {}
            for status, answer in sorted(operation.get("responses", {}).items()):
                content = answer.get("content", {}).get("application/json", {})
                by_schema.setdefault(_schema_name(content.get("schema")), []).append(status)
            # Success first, then the error envelope with all its statuses on one line.
            answers = sorted(({"statuses": codes, "schema": name} for name, codes in by_schema.items()),
                             key=lambda answer: answer["statuses"][0])
            found.append({
                "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""), "tag": (operation.get("tags") or [""])[0],
                "body": _schema_name(body.get("schema")),
                "parameters": [p.get("name") for p in operation.get("parameters", [])],
                "answers": answers,
            })
    return sorted(found, key=lambda op: (op["tag"], op["path"], op["method"]))


@bp.get("/openapi.json")
def openapi_json() -> Any:
    """The OpenAPI 3.1 document: endpoints and schemas, never data (public)."""
    return jsonify(spec.spec)


@bp.get("/docs")
def docs() -> Any:
    """The API's reference page, in Spanish, styled like the app."""
    document = spec.spec
    schemas = document.get("components", {}).get("schemas", {})
    return render_template("api/docs.html", info=document.get("info", {}), operations=operations(document),
                           schemas=dict(sorted(schemas.items())))
