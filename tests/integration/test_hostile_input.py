"""A small hostile crawl: every form reachable by each role, sent SQL, HTML, very long and non-UTF-8 values.

No answer may be a 500, and no injected markup may come back unescaped. The crawl starts at every
route without URL arguments and follows the links it finds one step, so new forms are covered
without editing this test.
"""
from __future__ import annotations

from urllib.parse import quote_from_bytes, urlsplit

import pytest
from flask import Flask

from dfi_casos.auth.models import Role
from tests import factories
from tests.conftest import csrf_token
from tests.html_forms import Form, forms_of

ROLES = list(Role)
MARKUP = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>"
HOSTILE = {
    "sql": "' OR '1'='1'; DROP TABLE person; -- " + MARKUP,
    "long": "Ñ" * 20_000,
}
#: Forms that end the session or act on accounts: crawling them would stop the crawl itself.
SKIP_ACTIONS = ("logout", "/cerrar", "/revoke", "/mfa/reset")
#: Pages per role at most: the walk stays small.
MAX_PAGES = 60


def start_paths(app: Flask) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if not rule.arguments and "GET" in (rule.methods or ()) and rule.endpoint != "static"
                   and not rule.rule.startswith(("/logout", "/login"))})


def local_links(html: str) -> list[str]:
    links = []
    for chunk in html.split('href="')[1:]:
        href = chunk.split('"', 1)[0]
        if href.startswith("/") and not href.startswith(("//", "/static")) and "logout" not in href:
            links.append(href.replace("&amp;", "&"))
    return links


def crawl(client, app: Flask) -> dict[str, list[Form]]:
    """{page: its forms} for the pages a role reaches from the start paths and one link further."""
    seen: dict[str, list[Form]] = {}
    queue = start_paths(app)
    depth = {path: 0 for path in queue}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        assert response.status_code != 500, path
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        seen[path] = forms_of(html, urlsplit(path).path)
        if depth[path] == 0:
            for link in local_links(html):
                if link not in depth:
                    depth[link] = 1
                    queue.append(link)
    return seen


def hostile_bodies(form: Form, token: str) -> list[bytes]:
    """The form's own values with every free-text field replaced, once per hostile value, plus raw bad UTF-8."""
    text = {name for name, _value, kind in form.fields if kind in ("text", "textarea", "search", "email", "tel",
                                                                     "date", "number", "password", "hidden")}
    text.discard("csrf_token")
    bodies = []
    for value in [*HOSTILE.values(), None]:
        pairs = []
        for name, current, _kind in form.fields:
            if name == "csrf_token":
                pairs.append(f"csrf_token={token}".encode())
            elif name in text:
                encoded = quote_from_bytes(b"\xff\xfe\xc3(" if value is None else value.encode()).encode()
                pairs.append(quote_from_bytes(name.encode()).encode() + b"=" + encoded)
            else:
                pairs.append(quote_from_bytes(name.encode()).encode() + b"=" +
                             quote_from_bytes(current.encode()).encode())
        bodies.append(b"&".join(pairs))
    return bodies


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_no_form_of_any_role_answers_hostile_input_with_a_500(app, client, db, login_as, role):
    owner = factories.make_user(db, role=Role.CASEWORKER, states=["12"])
    factories.make_case_household(db, owner, "12")
    login_as(role, ["12"])
    token = csrf_token(client, "/account/password")
    pages = crawl(client, app)
    submitted = 0
    for page, forms in pages.items():
        for form in forms:
            if any(marker in form.action for marker in SKIP_ACTIONS):
                continue
            for body in hostile_bodies(form, token):
                if form.method == "post":
                    response = client.post(form.action, data=body,
                                           content_type="application/x-www-form-urlencoded")
                else:
                    response = client.get(f"{form.action}?{body.decode()}")
                submitted += 1
                assert response.status_code != 500, (page, form.action, body[:120])
                if response.mimetype == "text/html":  # exports (CSV, XLSX, PDF) are downloads, not pages
                    assert "<script>alert('x')</script>" not in response.get_data(as_text=True), form.action
    assert submitted > 0
