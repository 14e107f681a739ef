# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The domain: the pure plan() matrix, answers checked for their types, and the operations against a scripted GitHub."""

from __future__ import annotations

import re
import typing as t
from urllib.parse import unquote

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _argspec, _preflight
from ansible_collections.oauthkit.github.plugins.module_utils import _authorizations as auth
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    TOKEN,
    USERNAME,
    authorization,
    load_fixture,
)
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import AFTER_READ, LocalServer, Reply, fixture_reply

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
PUT = f"PUT {PUT_PATH}"
MakeClient = t.Callable[..., _api.GitHubClient]


def desired(**kwargs: t.Any) -> auth.Desired:
    """What a task with these options asks for, through the validation pass as in the action plugin."""
    args = {"api_url": "https://ghes.example.com/api/v3", "username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, **kwargs}
    result = _preflight.check(args, _argspec.authorization(), {}, module="oauthkit.github.authorization").desired
    assert result is not None
    return result


def current(**overrides: t.Any) -> dict[str, t.Any]:
    base = {"id": 7, "scopes": ["repo", "read:org"], "note": "ci", "note_url": "https://ci.example.com", "fingerprint": None, "token": ""}
    base.update(overrides)
    return base


# ---------------------------------------------------------------- plan(): the table

PLAN_CASES: list[tuple[str, dict[str, t.Any] | None, dict[str, t.Any], str, str, dict[str, t.Any]]] = [
    ("missing-creates", None, {"scopes": ["repo"]}, "present", "create", {}),
    ("missing-unmanaged-creates", None, {}, "present", "create", {}),
    ("equal-is-none", current(), {"scopes": ["repo", "read:org"], "note": "ci", "note_url": "https://ci.example.com"}, "present", "none", {}),
    ("scope-order-ignored", current(), {"scopes": ["read:org", "repo"]}, "present", "none", {}),
    ("scope-duplicates-ignored", current(), {"scopes": ["repo", "read:org", "repo"]}, "present", "none", {}),
    ("scope-drift-removed", current(), {"scopes": ["repo"]}, "present", "update", {"scopes": ["repo"]}),
    ("scope-drift-added", current(), {"scopes": ["repo", "read:org", "gist"]}, "present", "update", {"scopes": ["repo", "read:org", "gist"]}),
    ("scopes-emptied", current(), {"scopes": []}, "present", "update", {"scopes": []}),
    ("null-scopes-equal-empty", current(scopes=None), {"scopes": []}, "present", "none", {}),
    ("note-drift", current(), {"note": "deploy"}, "present", "update", {"note": "deploy"}),
    ("note-from-null", current(note=None), {"note": "deploy"}, "present", "update", {"note": "deploy"}),
    ("empty-note-is-managed", current(), {"note": ""}, "present", "update", {"note": ""}),
    ("note-url-drift", current(), {"note_url": "https://x.example.com"}, "present", "update", {"note_url": "https://x.example.com"}),
    (
        "several-at-once",
        current(),
        {"scopes": ["gist"], "note": "deploy", "note_url": "https://x.example.com"},
        "present",
        "update",
        {"scopes": ["gist"], "note": "deploy", "note_url": "https://x.example.com"},
    ),
    ("unmanaged-ignored", current(scopes=["admin:org"], note="other", note_url=None), {}, "present", "none", {}),
    ("only-note-managed", current(scopes=["admin:org"], note="ci"), {"note": "ci"}, "present", "none", {}),
    ("absent-with-current", current(), {}, "absent", "delete", {}),
    ("absent-without-current", None, {}, "absent", "none", {}),
    ("absent-ignores-drift", current(), {"scopes": ["gist"]}, "absent", "delete", {}),
    ("fingerprint-empty-string-equals-null", current(fingerprint=""), {"scopes": ["repo", "read:org"]}, "present", "none", {}),
]


@pytest.mark.parametrize(
    ("current_auth", "wanted", "state", "action", "changes"),
    [case[1:] for case in PLAN_CASES],
    ids=[case[0] for case in PLAN_CASES],
)
def test_plan(current_auth: dict[str, t.Any] | None, wanted: dict[str, t.Any], state: str, action: str, changes: dict[str, t.Any]) -> None:
    result = auth.plan(current_auth, desired(**wanted), state=state)
    assert result.action == action
    assert result.changes == changes
    assert result.changed is (action != "none")
    # GitHub accepts one scope key per PATCH: only the replacing "scopes" is ever used.
    assert not {"add_scopes", "remove_scopes"} & set(result.changes)


def test_plan_several_changes_make_one_body_and_sorted_diff() -> None:
    result = auth.plan(current(), desired(scopes=["gist", "admin:org"], note="deploy", note_url="https://x.example.com"))
    assert result.before == {"fingerprint": None, "scopes": ["read:org", "repo"], "note": "ci", "note_url": "https://ci.example.com"}
    assert result.after == {"fingerprint": None, "scopes": ["admin:org", "gist"], "note": "deploy", "note_url": "https://x.example.com"}
    assert result.changes["scopes"] == ["gist", "admin:org"]  # the order asked for, in one list


def test_plan_create_diff() -> None:
    result = auth.plan(None, desired(fingerprint="web1", scopes=["repo", "gist"], note="n", note_url="https://ci.example.com"))
    assert result.before == {}
    assert result.after == {"fingerprint": "web1", "scopes": ["gist", "repo"], "note": "n", "note_url": "https://ci.example.com"}


def test_plan_diff_shows_only_managed_fields() -> None:
    result = auth.plan(current(token=TOKEN), desired(note="ci"))
    assert result.before == {"fingerprint": None, "note": "ci"}
    assert result.after == result.before


def test_plan_absent_diff_shows_everything_that_goes() -> None:
    result = auth.plan(current(fingerprint="web1", token=TOKEN), desired(fingerprint="web1"), state="absent")
    assert result.before == {"fingerprint": "web1", "scopes": ["read:org", "repo"], "note": "ci", "note_url": "https://ci.example.com"}
    assert result.after == {}
    assert auth.plan(None, desired(), state="absent").before == {}


@pytest.mark.parametrize("fingerprint", [None, ""], ids=["null", "empty-string"])
def test_fingerprint_null_and_empty_are_the_same(fingerprint: str | None) -> None:
    listed = authorization(fingerprint=fingerprint)
    assert auth.matches(listed, desired()) is True
    assert auth.matches(listed, desired(fingerprint="web1")) is False
    assert auth.current_diff_view(listed, desired())["fingerprint"] is None


def test_matches_needs_the_same_app() -> None:
    assert auth.matches(authorization(fingerprint="web1"), desired(fingerprint="web1")) is True
    assert auth.matches({**authorization(fingerprint="web1"), "app": {"client_id": "00000000000000000000"}}, desired(fingerprint="web1")) is False
    assert auth.matches({"fingerprint": None}, desired()) is False


def test_without_token_drops_only_the_token() -> None:
    shown = auth.without_token(current(token=TOKEN))
    assert shown is not None
    assert "token" not in shown
    assert shown["id"] == 7
    assert auth.without_token(None) is None


def test_outcome_result() -> None:
    outcome = auth.Outcome(True, "create", {"id": 1}, {"before": {}, "after": {"note": "n"}}, token=TOKEN)
    assert outcome.result(with_diff=False) == {"changed": True, "action": "create", "authorization": {"id": 1}, "token": TOKEN}
    assert outcome.result(with_diff=True)["diff"] == {"before": {}, "after": {"note": "n"}}
    assert "token" not in auth.Outcome(False, "none", None, {}).result(with_diff=True)
    assert auth.Outcome(False, "none", None, {}, token_status="verified").result(with_diff=False)["token_status"] == "verified"


def test_desired_diff_view() -> None:
    assert desired(scopes=["repo", "gist"], note="").diff_view() == {"fingerprint": None, "scopes": ["gist", "repo"], "note": ""}
    assert desired(fingerprint="web1", note_url="https://n").diff_view() == {"fingerprint": "web1", "note_url": "https://n"}


# ---------------------------------------------------------------- answers of the wrong shape


@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({"id": "7"}, "id"),
        ({"id": True}, "id"),
        ({"scopes": "repo"}, "scopes"),
        ({"scopes": [1]}, "scopes"),
        ({"app": "octokit"}, "app"),
        ({"token": 5}, "token"),
        ({"token": "with space"}, "token"),
        ({"hashed_token": ["x"]}, "hashed_token"),
        ({"note": {}}, "note"),
    ],
    ids=["id-string", "id-bool", "scopes-string", "scopes-ints", "app-string", "token-int", "token-space", "hash-list", "note-object"],
)
def test_well_formed_names_the_bad_fields(changes: dict[str, t.Any], bad: str) -> None:
    with pytest.raises(errors.MalformedAnswer) as exc_info:
        auth.well_formed({**current(), **changes}, "PUT /x")
    assert exc_info.value.msg_id == "api.malformed"
    assert exc_info.value.fields["fields_list"] == bad
    assert exc_info.value.msg.startswith(f"PUT /x returned an authorization whose {bad} does not have the type")


def test_well_formed_refuses_what_is_no_object() -> None:
    with pytest.raises(errors.MalformedAnswer) as exc_info:
        auth.well_formed(["x"], "GET /authorizations")
    assert exc_info.value.msg == "GET /authorizations returned list where an authorization object belongs."


def test_well_formed_accepts_nulls_and_missing_fields() -> None:
    minimal = {"id": 1}
    assert auth.well_formed(minimal, "x") is minimal
    assert auth.well_formed({**current(), "scopes": None, "app": None, "note": None}, "x")["id"] == 7


# ---------------------------------------------------------------- the operations


@pytest.fixture
def api(make_client: MakeClient) -> auth.Authorizations:
    return auth.Authorizations(make_client(retries=1))


@pytest.mark.parametrize(
    ("fingerprint", "segment"),
    [(None, None), ("host:1~x", "host%3A1~x"), ("a?b#c", "a%3Fb%23c"), ("..a", "..a")],
    ids=["no-fingerprint", "colon-encoded", "query-chars-encoded", "dots"],
)
def test_get_or_create_path_and_body(server: LocalServer, api: auth.Authorizations, fingerprint: str | None, segment: str | None) -> None:
    server.queue(fixture_reply(load_fixture("authorization_existing")))
    created, found, lost = api.get_or_create(desired(fingerprint=fingerprint, scopes=["repo"], note="n"))
    assert (created, found["id"], lost) == (False, 223595300, False)
    sent = server.seen[0]
    assert sent.path == f"/api/v3{PUT_PATH}" + (f"/{segment}" if segment else "")
    if fingerprint:
        assert unquote(sent.path.rsplit("/", 1)[1]) == fingerprint
    body = sent.json()
    assert body == {"client_secret": CLIENT_SECRET, "scopes": ["repo"], "note": "n"}
    assert "client_id" not in body and "fingerprint" not in body  # CONTRACT.md: client_id in the body is refused


def test_get_or_create_created(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("authorization_created")))
    created, found, _lost = api.get_or_create(desired())
    assert created is True
    assert found["token"] == "CHECK_APPLICATION_AUTHORIZATION_TOKEN"
    assert server.seen[0].json() == {"client_secret": CLIENT_SECRET}


@pytest.mark.parametrize(("reply", "msg_id"), [(Reply(202, {"id": 1}), "api.unexpected_status"), (Reply(200, [1]), "api.no_shape"),
                                               (Reply(200, b""), "api.no_shape")], ids=["202", "list", "empty"])
def test_get_or_create_unexpected_answer(server: LocalServer, api: auth.Authorizations, reply: Reply, msg_id: str) -> None:
    server.route("PUT", PUT_PATH, reply)
    with pytest.raises(errors.UnexpectedResponse) as exc_info:
        api.get_or_create(desired())
    assert exc_info.value.msg_id == msg_id
    assert f"PUT {PUT_PATH}" in exc_info.value.msg


def test_get_or_create_deletes_a_malformed_201(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("PUT", PUT_PATH, Reply(201, {**current(id=11, token=TOKEN), "scopes": "repo"}))
    server.route("DELETE", "/authorizations/11", Reply(204))
    with pytest.raises(errors.MalformedAnswer) as exc_info:
        api.get_or_create(desired())
    assert server.calls() == [PUT, "DELETE /authorizations/11"]
    assert exc_info.value.fields["rolled_back_note"].msg_id == "note.malformed_deleted"
    assert exc_info.value.details["authorization_id"] == 11


@pytest.mark.parametrize("status", [200, 201])
def test_get_or_create_cannot_delete_what_has_no_id(server: LocalServer, api: auth.Authorizations, status: int) -> None:
    server.route("PUT", PUT_PATH, Reply(status, {**current(token=TOKEN), "id": "11"}))
    with pytest.raises(errors.MalformedAnswer):
        api.get_or_create(desired())
    assert server.calls() == [PUT]


def test_get_or_create_reports_a_lost_first_answer(server: LocalServer, api: auth.Authorizations) -> None:
    api.client._proven = True
    server.route("PUT", PUT_PATH, Reply(drop=AFTER_READ), fixture_reply(load_fixture("authorization_existing")))
    got = api.get_or_create(desired())
    assert (got.created, got.answer_lost) == (False, True)


def test_find_filters_by_client_and_fingerprint(server: LocalServer, api: auth.Authorizations) -> None:
    other_app = authorization(id=1, fingerprint="web1")
    other_app["app"]["client_id"] = "00000000000000000000"
    server.route("GET", "/authorizations", Reply(200, [other_app, authorization(id=2, fingerprint=None), authorization(id=3, fingerprint="web1")]))
    assert api.find(desired(fingerprint="web1"))["id"] == 3  # type: ignore[index]
    assert api.find(desired())["id"] == 2  # type: ignore[index]
    assert api.find(desired(fingerprint="web2")) is None
    assert sorted(server.seen[-1].query.split("&")) == [f"client_id={CLIENT_ID}", "per_page=100"]


def test_find_refuses_a_list_with_something_else_than_authorizations(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("GET", "/authorizations", Reply(200, [authorization(id=2), "junk"]))
    with pytest.raises(errors.MalformedAnswer) as exc_info:
        api.find(desired(fingerprint="web9"))
    assert "GET /authorizations returned str where an authorization object belongs" in exc_info.value.msg


def test_find_by_hash_follows_every_page_of_every_app(server: LocalServer, api: auth.Authorizations) -> None:
    link = {"Link": f'<{server.api_url}/authorizations?page=2>; rel="next"'}
    wanted = {**authorization(id=5), "hashed_token": "AB" * 32}
    server.route("GET", "/authorizations", Reply(200, [authorization(id=4)], link), Reply(200, [wanted]))
    assert api.find_by_hash("ab" * 32) == wanted
    assert server.seen[0].query == "per_page=100"  # no client_id filter: the token may be another app's
    assert len(server.seen) == 2


def test_update_and_delete(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("PATCH", "/authorizations/7", Reply(200, current(note="new")))
    server.route("DELETE", "/authorizations/7", Reply(204))
    assert api.update(7, {"note": "new"})["note"] == "new"
    assert server.seen[0].json() == {"note": "new"}
    assert api.delete(7) is True
    assert server.calls() == ["PATCH /authorizations/7", "DELETE /authorizations/7"]


def test_delete_of_a_vanished_authorization(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("DELETE", "/authorizations/7", fixture_reply(load_fixture("not_found")))
    assert api.delete(7) is False
    assert len(server.seen) == 1


def test_delete_other_errors_propagate(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("DELETE", "/authorizations/7", Reply(500, {"message": "boom"}))
    with pytest.raises(errors.ServerError):
        api.delete(7)


def test_reset(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("PATCH", f"/applications/{CLIENT_ID}/token", Reply(200, current(token="new" * 10)))
    assert api.reset(desired(), TOKEN)["token"] == "new" * 10
    assert server.seen[0].json() == {"access_token": TOKEN}


# ---------------------------------------------------------------- ensure_present / ensure_absent without a store


def test_ensure_present_created(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(fixture="authorization_created", token=TOKEN, fingerprint=None)))
    outcome = auth.ensure_present(api, desired(scopes=["repo"]), check_mode=False)
    assert (outcome.changed, outcome.action, outcome.token) == (True, "create", TOKEN)
    assert outcome.authorization is not None and "token" not in outcome.authorization
    assert outcome.diff == {"before": {}, "after": {"fingerprint": None, "scopes": []}}


def test_ensure_present_existing_is_one_request(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("authorization_existing")))
    outcome = auth.ensure_present(api, desired(scopes=["gist"]), check_mode=False)
    assert (outcome.changed, outcome.action, outcome.token) == (False, "none", None)
    assert server.calls() == [PUT]


def test_ensure_present_repairs_drift_with_one_patch(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("PUT", PUT_PATH, Reply(200, authorization(id=5, scopes=["gist"])))
    server.route("PATCH", "/authorizations/5", Reply(200, authorization(id=5, scopes=["repo"])))
    outcome = auth.ensure_present(api, desired(scopes=["repo"]), check_mode=False)
    assert (outcome.changed, outcome.action) == (True, "update")
    assert server.calls() == [PUT, "PATCH /authorizations/5"]
    assert server.seen[1].json() == {"scopes": ["repo"]}


def test_ensure_present_a_lost_first_answer_is_a_lost_token(server: LocalServer, api: auth.Authorizations) -> None:
    """The retry found the authorization: if the lost first attempt created it, its token went with the lost answer."""
    api.client._proven = True
    server.route("PUT", PUT_PATH, Reply(drop=AFTER_READ), Reply(200, authorization(id=5, token_last_eight="7eefd11c")))
    with pytest.raises(errors.TokenLost) as exc_info:
        auth.ensure_present(api, desired(), check_mode=False)
    exc = exc_info.value
    assert exc.msg_id == "token.answer_lost"
    assert exc.details == {"authorization_id": 5}
    assert "found authorization 5 (token ending 7eefd11c)" in exc.msg
    assert server.calls() == [PUT, PUT]


def test_ensure_present_created_without_a_token_is_deleted_again(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(id=99, token="")))
    server.route("DELETE", "/authorizations/99", Reply(204))
    with pytest.raises(errors.TokenNotReturned) as exc_info:
        auth.ensure_present(api, desired(), check_mode=False)
    assert exc_info.value.msg_id == "token.not_returned"
    assert exc_info.value.details == {"authorization_id": 99, "rolled_back": True}
    assert server.calls() == [PUT, "DELETE /authorizations/99"]


def test_ensure_present_created_without_a_token_that_cannot_be_deleted(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(id=99, token="")))
    server.route("DELETE", "/authorizations/99", Reply(403, {"message": "Must have admin rights"}))
    with pytest.raises(errors.TokenNotReturned) as exc_info:
        auth.ensure_present(api, desired(), check_mode=False)
    assert exc_info.value.msg_id == "token.not_returned_kept"
    assert "deleting it failed (DELETE /authorizations/99 returned 403 Must have admin rights" in exc_info.value.msg


def test_ensure_present_check_mode_predicts_the_update(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("GET", "/authorizations", Reply(200, [authorization(id=5, scopes=["gist"], note=None)]))
    outcome = auth.ensure_present(api, desired(scopes=["repo"]), check_mode=True)
    assert (outcome.changed, outcome.action, outcome.token) == (True, "update", None)
    assert outcome.authorization is not None and outcome.authorization["scopes"] == ["repo"]
    assert server.methods() == ["GET"]


def test_ensure_absent(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("GET", "/authorizations", Reply(200, [authorization(id=5)]))
    server.route("DELETE", "/authorizations/5", Reply(204))
    assert auth.ensure_absent(api, desired(), check_mode=True).changed is True
    assert server.methods() == ["GET"]
    outcome = auth.ensure_absent(api, desired(), check_mode=False)
    assert (outcome.changed, outcome.action) == (True, "delete")
    assert server.methods() == ["GET", "GET", "DELETE"]


def test_ensure_absent_when_someone_else_deleted_it(server: LocalServer, api: auth.Authorizations) -> None:
    server.route("GET", "/authorizations", Reply(200, [authorization(id=5)]))
    server.route("DELETE", "/authorizations/5", fixture_reply(load_fixture("not_found")))
    outcome = auth.ensure_absent(api, desired(), check_mode=False)
    assert (outcome.changed, outcome.action) == (False, "none")
    assert server.methods() == ["GET", "DELETE"]


# ---------------------------------------------------------------- authorization_info's listing


def test_listing_applies_every_filter_and_shows_no_token(server: LocalServer, api: auth.Authorizations) -> None:
    listed = [
        authorization(id=1, fingerprint="web1", note="deploy web1", token="x" * 40),
        authorization(id=2, fingerprint="web2", note="deploy web2"),
        authorization(id=3, fingerprint="web1", note="other"),
        "junk",
    ]
    server.route("GET", "/authorizations", Reply(200, listed))
    filters = auth.Filters(CLIENT_ID, "web1", None, re.compile(r"^deploy"))
    assert auth.listing(api, filters) == [{key: value for key, value in listed[0].items() if key != "token"}]  # type: ignore[union-attr]
    assert f"client_id={CLIENT_ID}" in server.seen[0].query
    assert [item["id"] for item in auth.listing(api, auth.Filters(note="other"))] == [3]
    assert "client_id" not in server.seen[-1].query
    assert len(auth.listing(api, auth.Filters())) == 3
