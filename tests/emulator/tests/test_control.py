"""The control API: request log, faults, removed mode, stored authorizations, reset."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from conftest import CLIENT_ID, CLIENT_SECRET, EmulatorProcess, GitHubSession

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
BODY = {"client_secret": CLIENT_SECRET, "scopes": ["repo"]}


def test_request_log_and_clear(gh: GitHubSession, ctl: Any) -> None:
    gh.put(PUT_PATH + "/fp%2Fone", json=BODY)
    gh.get("/authorizations", params={"per_page": "5"})
    log = ctl("GET", "requests").json()
    assert [(e["method"], e["path"], e["status"], e["otp_sent"]) for e in log] == [
        ("PUT", f"{PUT_PATH}/fp/one", 201, True),
        ("GET", "/authorizations", 200, True),
    ]
    assert log[1]["query"] == {"per_page": "5"}
    assert ctl("DELETE", "requests").status_code == 204
    assert ctl("GET", "requests").json() == []
    gh.get("/authorizations")
    assert len(ctl("GET", "requests", params={"clear": "1"}).json()) == 1
    assert ctl("GET", "requests").json() == []


def test_status_fault(gh: GitHubSession, ctl: Any) -> None:
    reply = ctl("POST", "faults", json={"kind": "status", "status": 502, "count": 2, "method": "PUT", "path": "/authorizations/clients"})
    assert reply.status_code == 201
    gh.validate = False  # 502 is not in the extract, on purpose
    assert gh.get("/authorizations").status_code == 200
    first = gh.put(PUT_PATH, json=BODY)
    assert first.status_code == 502
    assert first.json()["message"] == "Server Error"
    assert gh.put(PUT_PATH, json=BODY).status_code == 502
    assert gh.put(PUT_PATH, json=BODY).status_code == 201
    assert ctl("GET", "faults").json() == []
    assert [e["status"] for e in ctl("GET", "requests").json()] == [200, 502, 502, 201]


def test_path_regex_and_list_of_faults(gh: GitHubSession, ctl: Any) -> None:
    faults = [{"kind": "status", "status": 503, "path_regex": r"^/authorizations$"}, {"kind": "status", "status": 500, "method": "DELETE"}]
    assert ctl("POST", "faults", json={"faults": faults}).json()["queued"] == 2
    gh.validate = False
    assert gh.put(PUT_PATH, json=BODY).status_code == 201
    assert gh.get("/authorizations").status_code == 503
    assert gh.delete("/authorizations/1").status_code == 500
    assert ctl("POST", "faults", json={"kind": "status", "status": 404}).status_code == 422
    assert ctl("POST", "faults", json={"kind": "nope"}).status_code == 422


def test_delay_fault(gh: GitHubSession, ctl: Any) -> None:
    ctl("POST", "faults", json={"kind": "delay", "seconds": 0.5, "path": "/authorizations"})
    started = time.monotonic()
    assert gh.get("/authorizations").status_code == 200
    assert time.monotonic() - started >= 0.5
    assert ctl("GET", "faults").json() == []  # consumed: the next request is not delayed


def test_drop_fault(gh: GitHubSession, ctl: Any) -> None:
    ctl("POST", "faults", json={"kind": "drop", "method": "PUT"})
    with pytest.raises(requests.ConnectionError):
        gh.put(PUT_PATH, json=BODY)
    assert gh.put(PUT_PATH, json=BODY).status_code == 201
    statuses = [(e["status"], e.get("fault")) for e in ctl("GET", "requests").json()]
    assert statuses == [(None, "drop"), (201, None)]


def test_rate_limit_faults(gh: GitHubSession, ctl: Any) -> None:
    ctl("POST", "faults", json=[{"kind": "rate_limit", "reset_in": 120}, {"kind": "rate_limit", "status": 429, "retry_after": 7}])
    primary = gh.put(PUT_PATH, json=BODY)
    assert primary.status_code == 403
    assert primary.headers["X-RateLimit-Remaining"] == "0"
    assert int(primary.headers["X-RateLimit-Reset"]) >= int(time.time()) + 100
    assert "rate limit" in primary.json()["message"]
    gh.validate = False  # 429 is not in the extract
    secondary = gh.put(PUT_PATH, json=BODY)
    assert secondary.status_code == 429
    assert secondary.headers["Retry-After"] == "7"
    assert gh.put(PUT_PATH, json=BODY).status_code == 201


def test_removed_mode_toggle(gh: GitHubSession, ctl: Any) -> None:
    assert ctl("POST", "removed", json={"removed": True}).json() == {"removed": True}
    for reply in (gh.put(PUT_PATH, json=BODY), gh.get("/authorizations"), gh.get("/authorizations/1")):
        assert reply.status_code == 404
        assert reply.json()["message"] == "Not Found"
    ctl("POST", "removed", json={"removed": False})
    assert gh.put(PUT_PATH, json=BODY).status_code == 201
    ctl("POST", "removed", json={"removed": True})
    ctl("POST", "reset")
    assert ctl("GET", "removed").json() == {"removed": False}


def test_control_authorizations_drift(gh: GitHubSession, ctl: Any) -> None:
    created = gh.put(PUT_PATH, json={**BODY, "note": "before"}).json()
    [stored] = ctl("GET", "authorizations").json()
    assert stored == {
        "id": created["id"],
        "user": "octocat",
        "client_id": CLIENT_ID,
        "fingerprint": None,
        "scopes": ["repo"],
        "note": "before",
        "note_url": None,
        "hashed_token": created["hashed_token"],
        "token_last_eight": created["token_last_eight"],
    }
    changed = ctl("PATCH", f"authorizations/{created['id']}", json={"scopes": ["gist"], "note": "drifted", "note_url": "https://d.example"})
    assert changed.status_code == 200
    existing = gh.put(PUT_PATH, json=BODY).json()
    assert (existing["scopes"], existing["note"], existing["note_url"]) == (["gist"], "drifted", "https://d.example")
    assert ctl("PATCH", "authorizations/999999", json={"note": "x"}).status_code == 404
    assert ctl("PATCH", f"authorizations/{created['id']}", json={"scopes": ["bogus"]}).status_code == 422


def test_reset_restores_config(emulator: EmulatorProcess, gh: GitHubSession, ctl: Any) -> None:
    gh.put(PUT_PATH, json=BODY)
    ctl("POST", "clock", json={"offset": 99})
    ctl("POST", "otp-mode", json={"mode": "strict"})
    ctl("POST", "faults", json={"kind": "drop"})
    assert ctl("POST", "reset").json() == {"reset": True}
    assert ctl("GET", "authorizations").json() == []
    assert ctl("GET", "faults").json() == []
    assert ctl("GET", "clock").json()["offset"] == 0
    assert ctl("GET", "otp-mode").json() == {"mode": "reuse"}
    assert ctl("GET", "requests").json() == []
    assert requests.get(emulator.url + "/_emulator/nothing", timeout=5).status_code == 404


def test_seeded_authorizations_from_config(ctl: Any, gh: GitHubSession) -> None:
    token = "0123456789abcdef0123456789abcdef0badf00d"
    config = {
        "users": [{"login": "octocat", "password": "correct horse battery staple", "two_factor": "app", "otp_secret": "JBSWY3DPEHPK3PXP"}],
        "apps": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "name": "Provisioner", "url": "https://example.com/provisioner"}],
        "authorizations": [
            {"user": "octocat", "client_id": CLIENT_ID, "fingerprint": "seed", "scopes": ["repo"], "note": "seeded", "note_url": None, "token": token},
        ],
    }
    ctl("POST", "reset", json={"config": config})
    existing = gh.put(PUT_PATH + "/seed", json=BODY)
    assert existing.status_code == 200
    assert existing.json()["token_last_eight"] == "0badf00d"
    assert existing.json()["note"] == "seeded"
