# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Malformed answers, fuzzed: whatever the server sends, a task ends in a result or a clear failure, never a traceback.

Every case runs the action plugin of oauthkit.github.authorization, as a playbook would, against a scripted server on
127.0.0.1 that answers with the drawn statuses, headers and bodies (or drops the connection): the transport, the retry
policy, the domain and the token custody all see the answers for real.  An exception that escapes ``run()`` is what
Ansible shows as a task failure with a Python traceback: it fails the test, with the answers that caused it.

``OPEN_BUGS`` names the answers known to end in a traceback today; the strategies leave them out while a bug is open.
Take an id out of the set when its bug is fixed, and the fuzzing covers those answers again.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import types
import typing as t
from pathlib import Path

import pytest
from hypothesis import currently_in_test_context, event
from hypothesis import strategies as st

from ansible_collections.oauthkit.github.plugins.action.authorization import ActionModule
from ansible_collections.oauthkit.github.plugins.module_utils import _api, _messages
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import token_hash
from ansible_collections.oauthkit.github.plugins.plugin_utils import _action, _guard
from ansible_collections.oauthkit.github.tests.unit.plugins.action_harness import Task, make_action, secrets_in
from ansible_collections.oauthkit.github.tests.unit.plugins.fuzzing import fuzz
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    NOW,
    OTP_SECRET,
    PASSWORD,
    TOKEN,
    USERNAME,
    FakeClock,
    authorization,
)
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import AFTER_READ, BEFORE_READ, LocalServer, Reply

OPEN_BUGS: frozenset[str] = frozenset()  # every bug the fuzzing found is fixed; add an id here while one is open

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
ONE = r"/authorizations/[^/]+"
RESET_PATH = f"/applications/{CLIENT_ID}/token"
EVIL = "https://evil.example.net"
ACTIONS = {"create", "update", "delete", "none", "rotate", "recreate"}
TOKEN_STATUSES = {"created", "verified", "rotated", "missing", "mismatch", "foreign", "unknown"}
HASH = token_hash(TOKEN)
MB = 1024 * 1024


def unless_open(bug: str, strategy: st.SearchStrategy[t.Any]) -> st.SearchStrategy[t.Any]:
    """``strategy`` once ``bug`` is fixed; nothing while it is open."""
    return st.nothing() if bug in OPEN_BUGS else strategy


# ---------------------------------------------------------------- strategies: what a broken or hostile server may answer

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT
JSON_VALUES = st.recursive(JSON_SCALARS, lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3), max_leaves=6)


def typed(good: st.SearchStrategy[t.Any]) -> st.SearchStrategy[t.Any]:
    """A field of the contract's type, or any JSON value in its place."""
    return good | JSON_VALUES


APP = st.fixed_dictionaries({}, optional={"client_id": typed(st.just(CLIENT_ID)), "name": TEXT, "url": TEXT})
AUTHORIZATION_FIELDS = {
    "id": typed(st.integers(1, 2**40)),
    "token": typed(st.sampled_from([TOKEN, ""]) | st.text("0123456789abcdef", min_size=1, max_size=40)),
    "hashed_token": typed(st.none() | st.sampled_from([HASH, HASH.upper()]) | st.text("0123456789abcdef", min_size=64, max_size=64)),
    "token_last_eight": typed(st.just(TOKEN[-8:])),
    "scopes": typed(st.lists(st.sampled_from(["repo", "gist", "read:org"]), max_size=3)),
    "app": typed(APP | st.none()),
    "fingerprint": typed(st.none() | st.just("web1")),
    "note": typed(st.none() | TEXT),
    "note_url": typed(st.none() | TEXT),
}


@st.composite
def authorizations(draw: st.DrawFn) -> dict[str, t.Any]:
    """The recorded authorization of our app (no fingerprint), with some fields replaced by values of any shape and some dropped."""
    obj = authorization(fingerprint=None, token=TOKEN, hashed_token=HASH)
    obj.update(draw(st.fixed_dictionaries({}, optional=AUTHORIZATION_FIELDS)))
    for key in draw(st.sets(st.sampled_from(sorted(AUTHORIZATION_FIELDS)), max_size=3)):
        obj.pop(key, None)
    return obj


AUTHORIZATIONS = authorizations()
HTML = st.sampled_from(
    [
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        "<html><body>Sign in to GitHub &middot; GitHub</body></html>",
        "<?xml version='1.0'?><error>maintenance</error>",
    ]
)
ERRORS_422 = st.lists(
    st.fixed_dictionaries(
        {}, optional={"resource": st.just("OauthAccess"), "field": st.sampled_from(["scopes", "description", "client_id"]), "code": TEXT, "message": TEXT}
    )
    | TEXT,
    max_size=3,
) | JSON_VALUES
ERROR_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "message": typed(st.sampled_from(["Validation Failed", "Bad credentials", "API rate limit exceeded", "Not Found",
                                          "You have exceeded a secondary rate limit", "Maximum number of login attempts exceeded."])),
        "errors": ERRORS_422,
        "documentation_url": typed(st.just("https://docs.github.com")),
    },
)


@st.composite
def truncated(draw: st.DrawFn, values: st.SearchStrategy[t.Any]) -> str:
    text = json.dumps(draw(values))
    return text[: draw(st.integers(0, max(0, len(text) - 1)))]


NOT_OBJECTS = st.one_of(
    JSON_VALUES.filter(lambda value: not isinstance(value, dict)).map(json.dumps),
    truncated(AUTHORIZATIONS),
    HTML,
    st.just(""),
    st.binary(max_size=24),
)
BODIES = AUTHORIZATIONS.map(json.dumps) | ERROR_BODIES.map(json.dumps) | JSON_VALUES.map(json.dumps) | NOT_OBJECTS
CONTRACT_STATUSES = [200, 201, 204, 400, 401, 403, 404, 410, 422, 429, 500, 502, 503]
OUTSIDE_STATUSES = [202, 203, 206, 301, 302, 304, 307, 308, 405, 409, 418, 451, 501, 504, 599]
STATUSES = st.sampled_from(CONTRACT_STATUSES + OUTSIDE_STATUSES) | st.integers(200, 599)
RESETS = st.sampled_from(["1700000000", "0", "soon", ""]) | st.integers(0, 99_999_999_999).map(str) | TEXT.filter(lambda text: "\n" not in text)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Content-Type": st.sampled_from(["application/json; charset=utf-8", "text/html; charset=utf-8", "application/octet-stream"]),
        "X-GitHub-OTP": st.sampled_from(["required; app", "required; sms", "required;", "optional"]),
        "X-RateLimit-Remaining": st.sampled_from(["0", "1", "", "x"]),
        "X-RateLimit-Reset": RESETS.map(lambda text: text.encode("latin-1", "replace").decode("latin-1").strip()),
        "Retry-After": st.sampled_from(["0", "1", "30", "90", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"]),
        "Location": st.sampled_from([f"{EVIL}/collect", "/login"]),
        "X-GitHub-Enterprise-Version": st.sampled_from(["3.17.0", ""]),
        "Link": st.sampled_from(['<{api}/authorizations?page=2>; rel="next"', f'<{EVIL}/authorizations?page=2>; rel="next"', "<>; rel=next", "garbage"]),
    },
)


class Answer(t.NamedTuple):
    status: int
    body: str | bytes = ""
    headers: dict[str, str] | None = None
    drop: str | None = None

    def reply(self, api_url: str) -> Reply:
        headers = {key: value.replace("{api}", api_url) for key, value in (self.headers or {}).items()}
        return Reply(self.status, self.body, headers, drop=self.drop)


def ok(obj: t.Any, status: int = 200, **headers: str) -> Answer:
    return Answer(status, json.dumps(obj), {"Content-Type": "application/json; charset=utf-8", **headers})


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    status = draw(STATUSES)
    return Answer(status, draw(BODIES), draw(HEADERS))


DROPS = st.sampled_from([Answer(0, drop=AFTER_READ), Answer(0, drop=BEFORE_READ)])
ANSWERS = answers() | DROPS
# An authorization object with a success status: what gets past the transport into the domain and the token custody.
OBJECT_ANSWERS = st.builds(ok, AUTHORIZATIONS, st.sampled_from([200, 201]))
LIST_PAGES = st.builds(ok, st.lists(AUTHORIZATIONS | JSON_VALUES, max_size=3))
LIST_ANSWERS = st.one_of(LIST_PAGES, LIST_PAGES, ANSWERS)
DELETE_ANSWERS = st.sampled_from([Answer(204), Answer(404, '{"message": "Not Found"}'), Answer(500, "<html>oops</html>"), Answer(200, "{}"),
                                  Answer(0, drop=AFTER_READ)])
ROOT_ANSWERS = st.sampled_from(
    [
        Answer(404, "<html>Not Found</html>", {"Content-Type": "text/html"}),
        ok({"current_user_url": "https://ghes.example.com/api/v3/user"}, **{"X-GitHub-Enterprise-Version": "3.17.0"}),
        ok({"current_user_url": "https://ghes.example.com/api/v3/user"}),
        ok({"message": "Not Found"}, 404),
        ok([1, 2]),
        Answer(200, '{"current_user_url": '),
        ok({"message": ["not", "a", "string"]}),
        Answer(500),
        Answer(0, drop=AFTER_READ),
    ]
)


# ---------------------------------------------------------------- driving the action plugin


class Harness:
    """Runs the action plugin against the module's server, each case with a fresh client, guard folder and clock."""

    def __init__(self, server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.server = server
        self.tmp_path = tmp_path
        self.clock = FakeClock()
        self.folder = str(tmp_path)
        monkeypatch.setattr(_api, "time", types.SimpleNamespace(monotonic=self.clock.time, sleep=self.clock.sleep))
        monkeypatch.setattr(_guard, "run_folder", lambda: self.folder)
        monkeypatch.setattr(_guard, "lock_folder", lambda: self.folder)

    def run(self, routes: dict[tuple[str, str], Answer | list[Answer]], check_mode: bool = False, **extra: t.Any) -> dict[str, t.Any]:
        self.server.reset()
        self.clock.now, self.clock.sleeps = NOW, []
        self.folder = tempfile.mkdtemp(dir=self.tmp_path)  # a new run: no verdict of an earlier case
        _action._CLIENTS.clear()
        for (method, path), answer in routes.items():
            replies = [a.reply(self.server.api_url) for a in (answer if isinstance(answer, list) else [answer])]
            self.server.route(method, path, *replies)
        args = {"api_url": self.server.api_url, "username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET, "retries": 1, **extra}
        action = make_action(ActionModule, Task(args, check_mode=check_mode, diff=True))
        return action.run(task_vars={"inventory_hostname": "web1"})


@pytest.fixture
def harness(local_server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    return Harness(local_server, tmp_path, monkeypatch)


def label(outcome: str) -> None:
    """Count the outcome in hypothesis' statistics (pytest --hypothesis-show-statistics), when run by hypothesis."""
    if currently_in_test_context():
        event(outcome)


def assert_clear_end(harness: Harness, result: dict[str, t.Any]) -> dict[str, t.Any]:
    """A failure with a message of the catalog, or a result whose keys have the documented types; no secret in it; every
    request went to the API root's paths (no redirect followed)."""
    assert isinstance(result, dict)
    assert secrets_in(result, [PASSWORD, CLIENT_SECRET]) == []
    assert all(seen.path.startswith("/api/v3/") for seen in harness.server.seen), harness.server.calls()
    if result.get("failed"):
        assert isinstance(result["msg"], str) and result["msg"].strip()
        assert result["msg_id"] in _messages.MESSAGES
        assert "Traceback" not in result["msg"]
        label(f"failed: {result['msg_id']}")
        return result
    assert isinstance(result["changed"], bool)
    assert result["action"] in ACTIONS
    assert result["authorization"] is None or isinstance(result["authorization"], dict)
    assert "token" not in (result["authorization"] or {})
    if "token" in result:
        assert result["action"] == "create"
        assert isinstance(result["token"], str) and result["token"]
    if "token_status" in result:
        assert result["token_status"] in TOKEN_STATUSES
    assert isinstance(result["retries"], int) and isinstance(result["otp_wait"], float)
    label(f"ok: {result['action']} {result.get('token_status', '')}".rstrip())
    return result


# ---------------------------------------------------------------- the PUT, and what follows it (404: GET of the API root; drift: PATCH)


def test_put_answers(harness: Harness, request: pytest.FixtureRequest) -> None:
    """Any status, body and headers for the PUT (and the API root after a 404): a status other than 200 or 201 fails the task."""

    @fuzz(request, 150, 100, put=ANSWERS, root=ROOT_ANSWERS, otp=st.booleans())
    def case(put: Answer, root: Answer, otp: bool) -> None:
        extra = {"otp_secret": OTP_SECRET} if otp else {}
        result = assert_clear_end(harness, harness.run({("PUT", PUT_PATH): put, ("GET", "/"): root, ("DELETE", ONE): Answer(204)}, **extra))
        if put.status not in (200, 201):
            assert result.get("failed"), f"a {put.status} answer to the PUT must fail the task"


def test_put_objects_with_wrong_types(harness: Harness, request: pytest.FixtureRequest) -> None:
    """A 200 or 201 whose authorization has fields missing or of other types, with drift to repair (PATCH) or not."""

    @fuzz(request, 150, 100, put=OBJECT_ANSWERS, patch=OBJECT_ANSWERS | ANSWERS, manage=st.booleans())
    def case(put: Answer, patch: Answer, manage: bool) -> None:
        managed = {"scopes": ["repo"], "note": "ci", "note_url": "https://ci.example.com"} if manage else {}
        routes = {("PUT", PUT_PATH): put, ("PATCH", ONE): patch, ("DELETE", ONE): Answer(204), ("GET", "/"): Answer(404)}
        result = assert_clear_end(harness, harness.run(routes, **managed))
        methods = [method for method in harness.server.methods() if method != "GET"]
        # A malformed 201 is deleted again: GitHub made an authorization whose token cannot be kept.
        assert methods in (["PUT"], ["PUT", "PATCH"], ["PUT", "PATCH", "PATCH"], ["PUT", "DELETE"]), methods
        if "DELETE" in methods:
            assert put.status == 201 and result.get("failed")


# ---------------------------------------------------------------- token_path: hashed_token and token of every shape, every recreate policy


def test_token_path_answers(harness: Harness, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """With token_path: whatever the answers, a clear end, no stray temporary file, mode 0600 after success, nothing written in check mode."""

    @fuzz(
        request,
        120,
        80,
        stored=st.sampled_from([None, "", TOKEN, TOKEN, TOKEN, "f" * 40]),
        recreate=st.sampled_from(["never", "when_lost", "always"]),
        check_mode=st.booleans(),
        puts=st.lists(OBJECT_ANSWERS | ANSWERS, min_size=2, max_size=2),
        reset=OBJECT_ANSWERS | ANSWERS,
        delete=DELETE_ANSWERS,
        listed=st.lists(AUTHORIZATIONS, max_size=2),
    )
    def case(stored: str | None, recreate: str, check_mode: bool, puts: list[Answer], reset: Answer, delete: Answer, listed: list[t.Any]) -> None:
        directory = tempfile.mkdtemp(dir=tmp_path)
        path = os.path.join(directory, "token")
        if stored is not None:
            with open(path, "w", encoding="ascii") as handle:
                handle.write(f"{stored}\n")
            os.chmod(path, 0o600)
        before = sorted(os.listdir(directory))
        routes = {("PUT", PUT_PATH): puts, ("PATCH", RESET_PATH): reset, ("DELETE", ONE): delete, ("GET", "/authorizations"): ok(listed),
                  ("GET", "/"): Answer(404)}
        result = assert_clear_end(harness, harness.run(routes, check_mode=check_mode, token_path=path, recreate=recreate))
        assert "token" not in result  # with token_path, never in the result
        assert secrets_in(result, [TOKEN]) == [] or stored is None  # the stored token is never shown
        after = sorted(os.listdir(directory))
        if check_mode:
            assert after == before  # neither the token file nor its lock
            assert set(harness.server.methods()) <= {"GET"}
        assert set(after) <= {"token", "token.lock"}, after  # no temporary file left behind
        if not result.get("failed") and not check_mode:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# ---------------------------------------------------------------- GET /authorizations: check mode and state=absent


def test_list_answers(harness: Harness, request: pytest.FixtureRequest) -> None:
    """Check mode (present and absent) and state=absent read the paginated list: any page, any Link header, any DELETE answer."""

    @fuzz(request, 120, 80, first=LIST_ANSWERS, second=LIST_ANSWERS, delete=DELETE_ANSWERS, state=st.sampled_from(["present", "absent"]),
          check_mode=st.booleans())
    def case(first: Answer, second: Answer, delete: Answer, state: str, check_mode: bool) -> None:
        if state == "present":
            check_mode = True  # state=present only lists in check mode
        routes = {("GET", "/authorizations"): [first, second], ("DELETE", ONE): delete, ("GET", "/"): Answer(404)}
        assert_clear_end(harness, harness.run(routes, check_mode=check_mode, state=state, scopes=["repo"]))
        if check_mode:
            assert set(harness.server.methods()) <= {"GET"}


# ---------------------------------------------------------------- named cases from the contract, each once


def huge_object() -> dict[str, t.Any]:
    return authorization(note="x" * (3 * MB))


NAMED: dict[str, tuple[dict[str, t.Any], dict[tuple[str, str], Answer | list[Answer]], str | None]] = {
    # name: (extra args, routes, the failure's message id, or None when the run succeeds)
    "truncated-json-201": ({}, {("PUT", PUT_PATH): Answer(201, '{"id": 1, "token": "4107db8')}, "api.not_json"),
    "truncated-json-200": ({}, {("PUT", PUT_PATH): Answer(200, json.dumps(authorization())[:-1])}, "api.not_json"),
    "html-200": ({}, {("PUT", PUT_PATH): Answer(200, "<html><body>Sign in</body></html>", {"Content-Type": "text/html"})}, "api.not_json"),
    "html-502": ({}, {("PUT", PUT_PATH): Answer(502, "<html><h1>502 Bad Gateway</h1></html>", {"Content-Type": "text/html"})}, "api.server_error"),
    "empty-200": ({}, {("PUT", PUT_PATH): Answer(200)}, "api.no_shape"),
    "empty-201": ({}, {("PUT", PUT_PATH): Answer(201)}, "api.no_shape"),
    "json-list-201": ({}, {("PUT", PUT_PATH): ok([authorization()], 201)}, "api.no_shape"),
    "status-202": ({}, {("PUT", PUT_PATH): ok(authorization(), 202)}, "api.unexpected_status"),
    "status-204": ({}, {("PUT", PUT_PATH): Answer(204)}, "api.unexpected_status"),
    "status-304": ({}, {("PUT", PUT_PATH): Answer(304)}, "api.redirect"),
    "status-418": ({}, {("PUT", PUT_PATH): ok({"message": "I'm a teapot"}, 418)}, "api.unexpected_status"),
    "redirect-not-followed": ({}, {("PUT", PUT_PATH): Answer(302, "", {"Location": f"{EVIL}/collect"})}, "api.redirect"),
    "huge-valid-object": ({}, {("PUT", PUT_PATH): ok(huge_object())}, None),
    "huge-not-json": ({}, {("PUT", PUT_PATH): Answer(200, "{" + "x" * (3 * MB))}, "api.not_json"),
    "huge-html-502": ({}, {("PUT", PUT_PATH): Answer(502, "<html>" + "x" * (3 * MB))}, "api.server_error"),
    "huge-403": ({}, {("PUT", PUT_PATH): Answer(403, json.dumps({"message": "x" * (3 * MB)}))}, "api.forbidden"),
    "link-to-another-host": (
        {"_check_mode": True},
        {("GET", "/authorizations"): ok([authorization(id=1, fingerprint="other")], Link=f'<{EVIL}/authorizations?page=2>; rel="next"')},
        "api.next_page_elsewhere",
    ),
    "link-to-same-host": (
        {"_check_mode": True},
        {("GET", "/authorizations"): [ok([], Link='<{api}/authorizations?page=2>; rel="next"'), ok([authorization()])]},
        None,
    ),
    "id-missing-with-drift": ({"scopes": ["repo"]}, {("PUT", PUT_PATH): ok({"scopes": []})}, "api.malformed"),
    "id-not-a-number-absent": ({"state": "absent"}, {("GET", "/authorizations"): ok([authorization(id="abc")])}, "api.malformed"),
    "scopes-not-a-list": ({"scopes": ["repo"]}, {("PUT", PUT_PATH): ok(authorization(scopes=5))}, "api.malformed"),
    "app-not-an-object-check-mode": ({"_check_mode": True}, {("GET", "/authorizations"): ok([authorization(app="octokit")])}, "api.malformed"),
    "token-not-a-string": ({}, {("PUT", PUT_PATH): ok(authorization(token=12345), 201), ("DELETE", ONE): Answer(204)}, "api.malformed"),
    "422-errors-not-a-list": ({}, {("PUT", PUT_PATH): ok({"message": "Validation Failed", "errors": 5}, 422)}, "api.validation"),
    "422-field-not-a-string": ({}, {("PUT", PUT_PATH): ok({"message": "Validation Failed", "errors": [{"field": ["scopes"]}]}, 422)}, "api.validation"),
    "rate-limit-reset-after-9999": (
        {},
        {("PUT", PUT_PATH): ok({"message": "API rate limit exceeded"}, 403, **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "253402300800"})},
        "api.rate_limited",
    ),
    "deep-json": ({}, {("PUT", PUT_PATH): Answer(200, "[" * 100_000 + "]" * 100_000)}, "api.not_json"),
}


@pytest.mark.parametrize("case", NAMED.values(), ids=NAMED.keys())
def test_named_answers(harness: Harness, case: tuple[dict[str, t.Any], dict[tuple[str, str], t.Any], str | None]) -> None:
    extra, routes, msg_id = case
    extra = dict(extra)
    check_mode = extra.pop("_check_mode", False)
    result = assert_clear_end(harness, harness.run({**routes, ("GET", "/"): Answer(404)}, check_mode=check_mode, **extra))
    if msg_id is None:
        assert not result.get("failed"), result["msg"]
    else:
        assert result.get("failed") is True
        assert result["msg_id"] == msg_id, result["msg"]


@pytest.mark.parametrize(
    ("stored", "hashed", "status"),
    [(TOKEN, None, "mismatch"), (TOKEN, "missing", "mismatch"), (TOKEN, "", "mismatch"), (None, None, "missing"), (TOKEN, HASH.upper(), "verified")],
    ids=["null", "absent", "empty", "null-without-file", "upper-case"],
)
def test_hashed_token_missing_or_null(harness: Harness, tmp_path: Path, stored: str | None, hashed: str | None, status: str) -> None:
    """Without a usable hashed_token the stored token cannot be verified: recreate=never fails and deletes nothing."""
    path = tmp_path / "token"
    if stored is not None:
        path.write_text(f"{stored}\n", encoding="ascii")
        os.chmod(path, 0o600)
    existing = authorization(hashed_token=hashed)
    if hashed == "missing":
        del existing["hashed_token"]
    result = assert_clear_end(harness, harness.run({("PUT", PUT_PATH): ok(existing), ("GET", "/authorizations"): ok([existing])}, token_path=str(path)))
    assert "DELETE" not in harness.server.methods()
    assert result["token_status"] == status
    if status == "verified":
        assert not result.get("failed")
    else:
        assert result["failed"] is True
        assert f"({status})" in result["msg"] and "Nothing was deleted" in result["msg"]
    assert TOKEN not in json.dumps(result)
