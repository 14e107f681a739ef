"""The OpenAPI extract against the emulator: every operation is served, and where the extract's examples contradict
reference/CONTRACT.md the contract wins (each such case is asserted here, so the disagreement stays visible).

Every response in this suite is also validated against the extract by conftest.GitHubSession.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, OPENAPI_PATH, GitHubSession
from github_emulator.api import URL_MAP
from werkzeug.exceptions import NotFound

SPEC = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
OPERATIONS = [(path, method.upper()) for path, item in SPEC["paths"].items() for method in item if method in ("get", "put", "post", "patch", "delete")]
SAMPLES = {"client_id": CLIENT_ID, "fingerprint": "fp", "authorization_id": "1", "grant_id": "1", "access_token": "0" * 40}


def example(name: str) -> Any:
    return SPEC["components"]["examples"][name]["value"]


def test_extract_has_all_operations() -> None:
    assert len(OPERATIONS) == 19


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_every_operation_is_routed(path: str, method: str) -> None:
    concrete = re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m.group(1)], path)
    try:
        rule, args = URL_MAP.bind("emulator", "/").match(concrete, method=method, return_rule=True)
    except NotFound:
        pytest.fail(f"{method} {path} is not served")
    # The rule that serves it is the operation's own (not a catch-all or a neighbour), and it reads every path parameter.
    assert re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule) == path
    assert {name: str(value) for name, value in args.items()} == {name: SAMPLES[name] for name in re.findall(r"\{(\w+)\}", path)}


def test_existing_token_example_is_wrong_contract_wins(gh: GitHubSession) -> None:
    # The extract's "response if returning an existing token" example shows a non-empty token. Real GitHub (and
    # reference/CONTRACT.md#get-or-create) answers an existing authorization with "token": "". The contract wins.
    documented = example("authorization-response-if-returning-an-existing-token-2")
    assert documented["token"] != ""
    body = {"client_secret": CLIENT_SECRET}
    assert gh.put(f"/authorizations/clients/{CLIENT_ID}", json=body).status_code == 201
    existing = gh.put(f"/authorizations/clients/{CLIENT_ID}", json=body)
    assert existing.status_code == 200
    assert existing.json()["token"] == ""


def test_patch_example_sends_two_scope_keys_contract_wins(gh: GitHubSession) -> None:
    # The ghes-3.6 PATCH example sends add_scopes and remove_scopes together, which the documented rule
    # ("You can only send one of these scope keys at a time") forbids. The contract wins: 422.
    documented = SPEC["paths"]["/authorizations/{authorization_id}"]["patch"]["requestBody"]["content"]["application/json"]["examples"]
    payload = documented["default"]["value"]
    assert {"add_scopes", "remove_scopes"} <= set(payload)
    created = gh.post("/authorizations", json={"note": "example", "scopes": ["user"]}).json()
    reply = gh.patch(f"/authorizations/{created['id']}", json=payload)
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"] == "scopes"


def test_created_authorization_matches_example_keys(gh: GitHubSession) -> None:
    documented = example("authorization")
    created = gh.put(f"/authorizations/clients/{CLIENT_ID}/keys", json={"client_secret": CLIENT_SECRET}).json()
    # The example also carries "user" and "installation" (GitHub Apps); OAuth app authorizations from get-or-create
    # never had them in real recordings (reference/CONTRACT.md#the-authorization-object).
    assert set(documented) - {"user", "installation"} <= set(created)
