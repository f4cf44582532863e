"""Searches, exports and codes are rate-limited per address and per account, with a Spanish 429 and Retry-After."""
from __future__ import annotations

from tests.conftest import csrf_token


def search(client, address="198.51.100.50"):
    token = csrf_token(client, "/busqueda/")
    return client.post("/busqueda/", data={"rapida-csrf_token": token, "buscar": "rapida",
                                           "rapida-q": "AAAA000000HGRXXX00"}, environ_base={"REMOTE_ADDR": address})


def test_searches_are_limited_per_account_even_from_several_addresses(app, client, login_as, rate_limits_on,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_RATE_LIMIT", "2 per minute")
    login_as("caseworker", ["12"])
    assert search(client, "198.51.100.51").status_code != 429
    assert search(client, "198.51.100.52").status_code != 429
    refused = search(client, "198.51.100.53")
    assert refused.status_code == 429
    assert "Demasiados intentos" in refused.get_data(as_text=True) and int(refused.headers["Retry-After"]) >= 1


def test_searches_are_limited_per_address_across_accounts(app, client, login_as, rate_limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_RATE_LIMIT", "2 per minute")
    login_as("caseworker", ["12"])
    search(client)
    search(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("caseworker", ["12"])  # another account behind the same address
    assert search(client).status_code == 429


def test_exports_are_limited(app, client, login_as, rate_limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_RATE_LIMIT", "2 per minute")
    login_as("auditor", ["12"])
    statuses = [client.get("/auditoria/exportar").status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429


def test_password_changes_are_limited(app, client, login_as, rate_limits_on, monkeypatch):
    monkeypatch.setitem(app.config, "CREDENTIAL_RATE_LIMIT", "2 per minute")
    login_as("caseworker", ["12"])
    statuses = [client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"), "current_password": "adivinanza equivocada",
        "new_password": "otra frase nueva y larga"}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
