"""The control API: request log, faults, removed mode, stored authorizations, reset."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from conftest import CLIENT_ID, CLIENT_SECRET, LOGIN, PASSWORD, EmulatorProcess, GitHubSession, totp_now
from github_emulator.app import EmulatorApp
from github_emulator.config import load_config
from github_emulator.faults import DropConnection, parse_fault
from werkzeug.test import EnvironBuilder

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


def test_put_faults_replaces_the_queue(gh: GitHubSession, ctl: Any) -> None:
    ctl("POST", "faults", json=[{"kind": "status", "status": 500}, {"kind": "drop"}])
    reply = ctl("PUT", "faults", json={"faults": [{"kind": "status", "status": 503, "method": "PUT"}]})
    assert reply.status_code == 201
    assert [(f["kind"], f["status"]) for f in ctl("GET", "faults").json()] == [("status", 503)]
    # A fault that cannot be used is refused, and the queue stays as it was.
    assert ctl("PUT", "faults", json=[{"kind": "status", "status": 404}]).status_code == 422
    assert [(f["kind"], f["status"]) for f in ctl("GET", "faults").json()] == [("status", 503)]
    gh.validate = False  # 503 is not in the extract
    assert gh.put(PUT_PATH, json=BODY).status_code == 503
    ctl("POST", "faults", json={"kind": "drop"})
    assert ctl("PUT", "faults", json=[]).status_code == 201
    assert ctl("GET", "faults").json() == []
    assert gh.put(PUT_PATH, json=BODY).status_code == 201


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


@pytest.mark.parametrize(
    ("fault", "logged"),
    [
        ({"kind": "drop"}, (None, "drop", None, None)),
        ({"kind": "drop", "when": "after_commit"}, (None, "drop_after_commit", 201, None)),
        ({"kind": "delay", "seconds": 0, "then": "drop"}, (None, "delay", None, 0)),
        ({"kind": "delay", "seconds": 0, "when": "after_commit", "then": "drop"}, (None, "delay", 201, 0)),
    ],
    ids=["drop", "drop-after-commit", "delay-then-drop", "delay-after-commit-then-drop"],
)
def test_a_dropped_request_is_logged_before_its_connection_closes(fault: dict[str, Any], logged: tuple[Any, ...]) -> None:
    """The client sees a drop when the socket is shut down: by then the log must hold the request, or a client that sends
    its next request at once can find that one logged first (the race test_drop_fault once lost). In-process, with a
    socket that reads the log at the moment it is shut down."""
    app = EmulatorApp(load_config(None))
    app.faults.add([parse_fault({**fault, "method": "PUT"})])
    at_shutdown: list[list[tuple[Any, ...]]] = []

    class Socket:
        def shutdown(self, how: int) -> None:
            del how
            entries = app.log.entries()
            at_shutdown.append([(e["status"], e.get("fault"), e.get("committed_status"), e.get("delayed")) for e in entries])

    environ = EnvironBuilder(
        path=PUT_PATH + "/logged-before-drop", method="PUT", json=BODY, auth=(LOGIN, PASSWORD), headers={"X-GitHub-OTP": totp_now()}
    ).get_environ()
    environ["werkzeug.socket"] = Socket()
    with pytest.raises(DropConnection):
        app(environ, lambda *args: None)
    assert at_shutdown == [[logged]]
    assert len(app.log.entries()) == 1  # logged once, not again when the drop unwinds


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
