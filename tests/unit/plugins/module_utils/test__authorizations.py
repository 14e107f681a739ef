# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The domain: the pure plan() and the get-or-create / update / delete operations."""

from __future__ import annotations

import re
import typing as t

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _preflight
from ansible_collections.oauthkit.github.plugins.module_utils import _authorizations as auth
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    TOKEN,
    USERNAME,
    authorization,
    response_kwargs,
)

PUT_URL = f"{API_URL}/authorizations/clients/{CLIENT_ID}"
LIST_URL = f"{API_URL}/authorizations"
ANY_GHES_URL = re.compile(r"https://ghes\.example\.com/.*")


def desired(**kwargs: t.Any) -> auth.Desired:
    """What a task with these options asks for, through the pre-flight step as in the module."""
    params = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **kwargs}
    result = _preflight.check(params, require_secret=True).desired
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


def test_desired_diff_view() -> None:
    assert desired(scopes=["repo", "gist"], note="").diff_view() == {"fingerprint": None, "scopes": ["gist", "repo"], "note": ""}
    assert desired(fingerprint="web1", note_url="https://n").diff_view() == {"fingerprint": "web1", "note_url": "https://n"}


# ---------------------------------------------------------------- Authorizations: the API operations


@pytest.fixture
def api() -> auth.Authorizations:
    return auth.Authorizations(_api.GitHubClient(API_URL, USERNAME, PASSWORD))


@pytest.mark.parametrize(
    ("fingerprint", "path"),
    [
        (None, f"/api/v3/authorizations/clients/{CLIENT_ID}"),
        ("host:1~x", f"/api/v3/authorizations/clients/{CLIENT_ID}/host%3A1~x"),
        ("a?b#c", f"/api/v3/authorizations/clients/{CLIENT_ID}/a%3Fb%23c"),
    ],
    ids=["no-fingerprint", "colon-encoded", "query-chars-encoded"],
)
def test_get_or_create_path_and_body(requests_mock: t.Any, api: auth.Authorizations, fingerprint: str | None, path: str) -> None:
    requests_mock.put(ANY_GHES_URL, **response_kwargs("authorization_existing"))
    created, found, lost = api.get_or_create(desired(fingerprint=fingerprint, scopes=["repo"], note="n"))
    assert lost is False
    assert created is False
    assert found["id"] == 223595300
    sent = requests_mock.last_request
    assert sent.url == f"https://ghes.example.com{path}"
    body = sent.json()
    assert body == {"client_secret": CLIENT_SECRET, "scopes": ["repo"], "note": "n"}
    assert "client_id" not in body and "fingerprint" not in body  # API_CONTRACT.md §3.4: client_id in the body is refused


def test_get_or_create_created(requests_mock: t.Any, api: auth.Authorizations) -> None:
    requests_mock.put(PUT_URL, **response_kwargs("authorization_created"))
    created, found, _lost = api.get_or_create(desired())
    assert created is True
    assert found["token"] == "CHECK_APPLICATION_AUTHORIZATION_TOKEN"
    assert requests_mock.last_request.json() == {"client_secret": CLIENT_SECRET}


@pytest.mark.parametrize(("status", "body"), [(202, {"id": 1}), (200, [1]), (200, None)], ids=["202", "list", "empty"])
def test_get_or_create_unexpected_answer(requests_mock: t.Any, api: auth.Authorizations, status: int, body: t.Any) -> None:
    if body is None:
        requests_mock.put(PUT_URL, status_code=status, text="")
    else:
        requests_mock.put(PUT_URL, status_code=status, json=body)
    with pytest.raises(errors.UnexpectedResponse) as exc_info:
        api.get_or_create(desired())
    assert "PUT /authorizations/clients/" in exc_info.value.msg


def test_find_filters_by_client_and_fingerprint(requests_mock: t.Any, api: auth.Authorizations) -> None:
    other_app = authorization(id=1, fingerprint="web1")
    other_app["app"]["client_id"] = "00000000000000000000"
    listed = [other_app, authorization(id=2, fingerprint=None), authorization(id=3, fingerprint="web1")]
    requests_mock.get(LIST_URL, json=listed)
    assert api.find(desired(fingerprint="web1"))["id"] == 3  # type: ignore[index]
    assert api.find(desired())["id"] == 2  # type: ignore[index]
    assert api.find(desired(fingerprint="web2")) is None
    assert requests_mock.last_request.qs == {"per_page": ["100"], "client_id": [CLIENT_ID.lower()]}


def test_find_refuses_a_list_with_something_else_than_authorizations(requests_mock: t.Any, api: auth.Authorizations) -> None:
    requests_mock.get(LIST_URL, json=[authorization(id=2), "junk"])
    with pytest.raises(errors.MalformedAnswer) as exc_info:
        api.find(desired(fingerprint="web9"))
    assert "GET /authorizations returned str where an authorization object belongs" in exc_info.value.msg


def test_update_and_delete(requests_mock: t.Any, api: auth.Authorizations) -> None:
    requests_mock.patch(f"{LIST_URL}/7", json=current(note="new"))
    requests_mock.delete(f"{LIST_URL}/7", status_code=204)
    assert api.update(7, {"note": "new"})["note"] == "new"
    assert requests_mock.request_history[0].json() == {"note": "new"}
    assert api.delete(7) is True


def test_delete_of_a_vanished_authorization(requests_mock: t.Any, api: auth.Authorizations) -> None:
    requests_mock.delete(f"{LIST_URL}/7", **response_kwargs("not_found"))
    assert api.delete(7) is False


def test_delete_other_errors_propagate(requests_mock: t.Any, api: auth.Authorizations) -> None:
    requests_mock.delete(f"{LIST_URL}/7", status_code=500, json={"message": "boom"})
    with pytest.raises(errors.ServerError):
        api.delete(7)


# ---------------------------------------------------------------- ensure_present / ensure_absent


def test_ensure_present_created_without_token_is_an_error(requests_mock: t.Any, api: auth.Authorizations) -> None:
    requests_mock.put(PUT_URL, status_code=201, json=authorization(id=99, token=""))
    with pytest.raises(errors.TokenNotReturned) as exc_info:
        auth.ensure_present(api, desired(), check_mode=False)
    assert "created authorization 99" in exc_info.value.msg
    assert "state: absent" in exc_info.value.msg
    assert exc_info.value.details == {"authorization_id": 99}


def test_ensure_present_created(requests_mock: t.Any, api: auth.Authorizations) -> None:
    requests_mock.put(PUT_URL, status_code=201, json=authorization(fixture="authorization_created", token=TOKEN, fingerprint=None))
    outcome = auth.ensure_present(api, desired(scopes=["repo"]), check_mode=False)
    assert (outcome.changed, outcome.action, outcome.token) == (True, "create", TOKEN)
    assert outcome.authorization is not None
    assert "token" not in outcome.authorization
    assert outcome.diff == {"before": {}, "after": {"fingerprint": None, "scopes": []}}


def test_ensure_present_check_mode_predicts_the_update(requests_mock: t.Any, api: auth.Authorizations) -> None:
    requests_mock.get(LIST_URL, json=[authorization(id=5, scopes=["gist"], note=None)])
    outcome = auth.ensure_present(api, desired(scopes=["repo"]), check_mode=True)
    assert (outcome.changed, outcome.action, outcome.token) == (True, "update", None)
    assert outcome.authorization is not None
    assert outcome.authorization["scopes"] == ["repo"]
    assert [r.method for r in requests_mock.request_history] == ["GET"]


def test_ensure_absent_when_someone_else_deleted_it(requests_mock: t.Any, api: auth.Authorizations) -> None:
    requests_mock.get(LIST_URL, json=[authorization(id=5)])
    requests_mock.delete(f"{LIST_URL}/5", **response_kwargs("not_found"))
    outcome = auth.ensure_absent(api, desired(), check_mode=False)
    assert (outcome.changed, outcome.action) == (False, "none")
    assert [r.method for r in requests_mock.request_history] == ["GET", "DELETE"]
