"""Fault injection for retry tests: drops before and after the commit, HTML 5xx pages, primary and secondary rate limits, delays.

Every test talks real HTTP to a started emulator. Waits are bounded: a deadline, never a sleep standing in for readiness.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import pytest
import requests
from conftest import CLIENT_ID, CLIENT_SECRET, EmulatorProcess, GitHubSession

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
BODY = {"client_secret": CLIENT_SECRET, "scopes": ["repo"]}
WAIT_LIMIT = 10.0  # seconds any bounded wait below may take


def wait_until(condition: Callable[[], Any], timeout: float = WAIT_LIMIT) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"condition not met within {timeout} s"
        time.sleep(0.02)


def log_entries(ctl: Any, count: int) -> list[dict[str, Any]]:
    """The request log once it holds ``count`` entries (a delayed request is logged when its delay ends)."""

    def enough() -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = ctl("GET", "requests").json()
        return log if len(log) >= count else []

    return wait_until(enough)


def queue(ctl: Any, *faults: dict[str, Any]) -> None:
    reply = ctl("POST", "faults", json=list(faults))
    assert reply.status_code == 201, reply.text


def in_background(call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``call`` in a thread; its result or exception lands in the returned dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except Exception as exc:  # the test inspects whatever happened
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


# ---- drop -------------------------------------------------------------------------------------------------------------


def test_drop_before_is_the_default_and_commits_nothing(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "drop", "method": "PUT"}, {"kind": "drop", "when": "before", "path": "/clients/"})
    for _attempt in range(2):
        with pytest.raises(requests.ConnectionError):
            gh.put(PUT_PATH, json=BODY)
    assert ctl("GET", "authorizations").json() == []
    assert gh.put(PUT_PATH, json=BODY).status_code == 201
    log = ctl("GET", "requests").json()
    assert [(e["status"], e.get("fault"), "committed_status" in e) for e in log] == [(None, "drop", False), (None, "drop", False), (201, None, False)]


def test_drop_after_commit_loses_the_answer_of_a_committed_put(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "drop", "when": "after_commit", "method": "PUT", "path": "/authorizations/clients/"})
    assert ctl("GET", "faults").json()[0]["when"] == "after_commit"
    with pytest.raises(requests.ConnectionError):
        gh.put(PUT_PATH, json=BODY)
    [stored] = ctl("GET", "authorizations").json()  # the PUT was handled: the authorization exists
    again = gh.put(PUT_PATH, json=BODY)  # the client's retry finds it: 200, and the token is gone for good
    assert again.status_code == 200
    assert again.json()["token"] == ""
    assert again.json()["id"] == stored["id"]
    assert again.json()["hashed_token"] == stored["hashed_token"]
    log = ctl("GET", "requests").json()
    assert [(e["method"], e["status"], e.get("fault"), e.get("committed_status")) for e in log] == [
        ("PUT", None, "drop_after_commit", 201),
        ("PUT", 200, None, None),
    ]


def test_drop_after_commit_keeps_count_and_matchers(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "drop", "when": "after_commit", "count": 2, "method": "PATCH", "path_regex": r"^/authorizations/\d+$"})
    created = gh.put(PUT_PATH, json=BODY).json()
    assert gh.get(f"/authorizations/{created['id']}").status_code == 200  # GET: the method does not match
    for note in ("one", "two"):
        with pytest.raises(requests.ConnectionError):
            gh.patch(f"/authorizations/{created['id']}", json={"note": note})
        assert ctl("GET", "authorizations").json()[0]["note"] == note  # committed, though never answered
    assert gh.patch(f"/authorizations/{created['id']}", json={"note": "three"}).status_code == 200
    log = ctl("GET", "requests").json()
    assert [(e["method"], e["status"], e.get("fault"), e.get("committed_status")) for e in log] == [
        ("PUT", 201, None, None),
        ("GET", 200, None, None),
        ("PATCH", None, "drop_after_commit", 200),
        ("PATCH", None, "drop_after_commit", 200),
        ("PATCH", 200, None, None),
    ]


def test_drop_after_commit_logs_the_otp_challenge_it_committed(emulator: EmulatorProcess, ctl: Any) -> None:
    queue(ctl, {"kind": "drop", "when": "after_commit", "method": "PUT"})
    session = GitHubSession(emulator.url, "/api/v3", otp_secret=None)
    with pytest.raises(requests.ConnectionError):
        session.put(PUT_PATH, json=BODY)
    [entry] = ctl("GET", "requests").json()
    assert (entry["status"], entry["fault"], entry["committed_status"], entry["otp_sent"]) == (None, "drop_after_commit", 401, False)
    assert ctl("GET", "authorizations").json() == []


# ---- status -----------------------------------------------------------------------------------------------------------


def test_status_html_unicorn_page_twice(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "status", "status": 502, "body": "html", "count": 2, "method": "PUT"})
    gh.validate = False  # an HTML 502 is in no OpenAPI operation, on purpose
    for _attempt in range(2):
        reply = gh.put(PUT_PATH, json=BODY)
        assert reply.status_code == 502
        assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "<title>Unicorn! &middot; GitHub</title>" in reply.text
        assert "Retry-After" not in reply.headers
        assert "X-GitHub-Request-Id" in reply.headers
        assert "X-RateLimit-Remaining" not in reply.headers  # the front end's page, not an API answer
    assert gh.put(PUT_PATH, json=BODY).status_code == 201
    log = ctl("GET", "requests").json()
    assert [(e["status"], e.get("fault")) for e in log] == [(502, "status"), (502, "status"), (201, None)]


def test_status_retry_after_with_json_and_html(gh: GitHubSession, ctl: Any) -> None:
    queue(
        ctl,
        {"kind": "status", "status": 503, "retry_after": 2, "path": "/authorizations"},
        {"kind": "status", "status": 504, "body": "html", "retry_after": 0},
    )
    gh.validate = False
    json_answer = gh.get("/authorizations")
    assert (json_answer.status_code, json_answer.headers["Retry-After"]) == (503, "2")
    assert json_answer.json()["message"] == "Service Unavailable"
    assert json_answer.headers["Content-Type"].startswith("application/json")
    html_answer = gh.get("/authorizations")
    assert (html_answer.status_code, html_answer.headers["Retry-After"]) == (504, "0")
    assert html_answer.headers["Content-Type"].startswith("text/html")


# ---- rate limits ------------------------------------------------------------------------------------------------------


def test_primary_rate_limit_resets_in_two_seconds(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "rate_limit", "limit": "primary", "reset_in": 2, "method": "PUT"})
    before = int(time.time())
    reply = gh.put(PUT_PATH, json=BODY)
    assert reply.status_code == 403
    headers = reply.headers
    rate_headers = [headers[f"X-RateLimit-{name}"] for name in ("Remaining", "Limit", "Used", "Resource")]
    assert rate_headers == ["0", "5000", "5000", "core"]
    assert before + 2 <= int(headers["X-RateLimit-Reset"]) <= int(time.time()) + 2
    assert "Retry-After" not in headers
    assert reply.json() == {"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://developer.github.com/v3/#rate-limiting"}
    assert gh.put(PUT_PATH, json=BODY).status_code == 201
    assert [(e["status"], e.get("fault")) for e in ctl("GET", "requests").json()] == [(403, "rate_limit"), (201, None)]


def test_primary_rate_limit_429_and_anonymous_message(emulator: EmulatorProcess, ctl: Any) -> None:
    queue(ctl, {"kind": "rate_limit", "limit": "primary", "status": 429, "reset_in": 30})
    anonymous = GitHubSession(emulator.url, "/api/v3", auth=None, otp_secret=None)
    anonymous.validate = False  # 429 is not in the extract
    reply = anonymous.get("/authorizations")
    assert reply.status_code == 429
    assert (reply.headers["X-RateLimit-Remaining"], reply.headers["X-RateLimit-Limit"]) == ("0", "60")
    assert "Retry-After" not in reply.headers
    assert reply.json()["message"].startswith("API rate limit exceeded for 127.0.0.1. (But here's the good news")


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_rate_limit_with_retry_after(gh: GitHubSession, ctl: Any, status: int) -> None:
    queue(ctl, {"kind": "rate_limit", "limit": "secondary", "status": status, "retry_after": 1, "method": "PUT"})
    gh.validate = status == 403
    reply = gh.put(PUT_PATH, json=BODY)
    assert reply.status_code == status
    assert reply.headers["Retry-After"] == "1"
    body = reply.json()
    assert body["message"].startswith("You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
    assert body["message"].endswith(f"please include the request ID {reply.headers['X-GitHub-Request-Id']}.")
    assert body["documentation_url"].endswith("#about-secondary-rate-limits")
    assert int(reply.headers["X-RateLimit-Remaining"]) > 0  # the primary limit is not exhausted
    assert gh.put(PUT_PATH, json=BODY).status_code == 201


def test_secondary_rate_limit_without_retry_after(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "rate_limit", "limit": "secondary", "retry_after": None, "count": 2})
    assert ctl("GET", "faults").json()[0]["retry_after"] is None
    for _attempt in range(2):
        reply = gh.put(PUT_PATH, json=BODY)
        assert reply.status_code == 403
        assert "Retry-After" not in reply.headers
        assert int(reply.headers["X-RateLimit-Remaining"]) > 0
        assert "secondary rate limit" in reply.json()["message"]
    assert gh.put(PUT_PATH, json=BODY).status_code == 201
    assert [e.get("fault") for e in ctl("GET", "requests").json()] == ["rate_limit", "rate_limit", None]


def test_secondary_rate_limit_retry_after_defaults_to_60(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "rate_limit", "limit": "secondary"})
    assert gh.put(PUT_PATH, json=BODY).headers["Retry-After"] == "60"


def test_rate_limit_without_limit_key_keeps_its_original_shape(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "rate_limit"}, {"kind": "rate_limit", "status": 429}, {"kind": "rate_limit", "retry_after": 5, "reset_in": 10})
    assert [(f["limit"], f["retry_after"]) for f in ctl("GET", "faults").json()] == [("primary", None), ("secondary", 60), ("secondary", 5)]
    gh.validate = False
    primary, too_many, retry = gh.put(PUT_PATH, json=BODY), gh.put(PUT_PATH, json=BODY), gh.put(PUT_PATH, json=BODY)
    assert (primary.status_code, primary.headers["X-RateLimit-Remaining"], primary.headers.get("Retry-After")) == (403, "0", None)
    assert "API rate limit exceeded" in primary.json()["message"]
    assert (too_many.status_code, too_many.headers["X-RateLimit-Remaining"], too_many.headers["Retry-After"]) == (429, "0", "60")
    assert (retry.status_code, retry.headers["X-RateLimit-Remaining"], retry.headers["Retry-After"]) == (403, "0", "5")
    for reply in (too_many, retry):
        assert "secondary rate limit" in reply.json()["message"]


# ---- delay ------------------------------------------------------------------------------------------------------------


def test_delay_longer_than_the_client_timeout_then_answer(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "delay", "seconds": 1.5, "method": "PUT"})
    with pytest.raises(requests.ReadTimeout):
        gh.put(PUT_PATH, json=BODY, timeout=0.3)
    [entry] = log_entries(ctl, 1)  # logged when the delay ends; the request was handled after the client gave up
    assert (entry["status"], entry["fault"], entry["delayed"]) == (201, "delay", 1.5)
    assert len(ctl("GET", "authorizations").json()) == 1


def test_delay_then_drop(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "delay", "seconds": 0.5, "then": "drop", "method": "PUT"})
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError) as raised:
        gh.put(PUT_PATH, json=BODY, timeout=5)
    assert not isinstance(raised.value, requests.Timeout)
    assert time.monotonic() - started >= 0.5
    [entry] = ctl("GET", "requests").json()
    assert (entry["status"], entry["fault"], entry["delayed"], "committed_status" in entry) == (None, "delay", 0.5, False)
    assert ctl("GET", "authorizations").json() == []


def test_delay_after_commit_then_drop(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "delay", "seconds": 2, "when": "after_commit", "then": "drop", "method": "PUT"})
    with pytest.raises(requests.ReadTimeout):
        gh.put(PUT_PATH, json=BODY, timeout=0.3)
    wait_until(lambda: len(ctl("GET", "authorizations").json()) == 1)
    assert ctl("GET", "requests").json() == []  # the request is still held: it was committed before the delay
    [entry] = log_entries(ctl, 1)
    assert (entry["status"], entry["fault"], entry["delayed"], entry["committed_status"]) == (None, "delay", 2.0, 201)
    assert gh.put(PUT_PATH, json=BODY).status_code == 200


def test_delay_count_delays_that_many_requests(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "delay", "seconds": 0.3, "count": 2, "path": "/authorizations"})
    for _attempt in range(2):
        started = time.monotonic()
        assert gh.get("/authorizations").status_code == 200
        assert time.monotonic() - started >= 0.3
    assert ctl("GET", "faults").json() == []
    assert [e.get("delayed") for e in ctl("GET", "requests").json()] == [0.3, 0.3]


def test_delay_and_status_fault_on_one_request(gh: GitHubSession, ctl: Any) -> None:
    queue(ctl, {"kind": "delay", "seconds": 0.2}, {"kind": "status", "status": 500})
    gh.validate = False
    assert gh.get("/authorizations").status_code == 500
    [entry] = ctl("GET", "requests").json()
    assert (entry["status"], entry["fault"], entry["delayed"]) == (500, "status", 0.2)


def test_reset_ends_a_delay_in_progress(emulator: EmulatorProcess, ctl: Any) -> None:
    queue(ctl, {"kind": "delay", "seconds": 300, "method": "PUT"})
    client = GitHubSession(emulator.url, "/api/v3")
    thread, outcome = in_background(lambda: client.put(PUT_PATH, json=BODY, timeout=30))
    wait_until(lambda: ctl("GET", "faults").json() == [])  # the request holds the fault's only count
    started = time.monotonic()
    assert ctl("POST", "reset").status_code == 200
    thread.join(WAIT_LIMIT)
    assert not thread.is_alive()
    assert time.monotonic() - started < 5
    assert isinstance(outcome.get("error"), requests.ConnectionError)
    assert ctl("GET", "authorizations").json() == []  # the delayed PUT never reached the new state
    assert ctl("GET", "requests").json() == []  # nor its log


def test_stopping_is_not_held_up_by_a_delay_in_progress() -> None:
    proc = EmulatorProcess("--prefix", "/api/v3")
    try:
        assert requests.post(proc.url + "/_emulator/faults", json={"kind": "delay", "seconds": 300}, timeout=5).status_code == 201
        client = GitHubSession(proc.url, "/api/v3")
        client.validate = False
        thread, outcome = in_background(lambda: client.get("/authorizations", timeout=30))
        wait_until(lambda: requests.get(proc.url + "/_emulator/faults", timeout=5).json() == [])
        started = time.monotonic()
        assert proc.stop() == 0
        assert time.monotonic() - started < 5
        thread.join(WAIT_LIMIT)
        assert isinstance(outcome.get("error"), requests.ConnectionError)
    finally:
        proc.stop()


# ---- validation -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "drop", "when": "later"},
        {"kind": "drop", "then": "drop"},
        {"kind": "status", "when": "after_commit"},
        {"kind": "delay", "seconds": 1, "then": "answer twice"},
        {"kind": "delay", "seconds": 301},
        {"kind": "status", "body": "xml"},
        {"kind": "rate_limit", "body": "html"},
        {"kind": "status", "limit": "primary"},
        {"kind": "rate_limit", "limit": "tertiary"},
        {"kind": "rate_limit", "limit": "secondary", "status": 503},
        {"kind": "status", "retry_after": -1},
    ],
)
def test_bad_fault_specs_are_refused(ctl: Any, spec: dict[str, Any]) -> None:
    reply = ctl("POST", "faults", json=spec)
    assert reply.status_code == 422, spec
    assert ctl("GET", "faults").json() == []
