# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""oauthkit.github.authorization_info driven through main() with HTTP mocked: filters, pagination, no token, check mode, errors."""

from __future__ import annotations

import json
import typing as t
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ansible_collections.oauthkit.github.plugins.modules import authorization_info as module_under_test
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    API_URL,
    CLIENT_ID,
    OTP_SECRET,
    PASSWORD,
    TOKEN,
    USERNAME,
    FakeClock,
    authorization,
    hotp_reference,
    response_kwargs,
    run_module,
)

LIST_URL = f"{API_URL}/authorizations"
OTHER_CLIENT_ID = "abcdefabcdefabcdef01"
PERSONAL_CLIENT_ID = "00000000000000000000"
CONNECTION = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD}


def run(args: dict[str, t.Any], capsys: pytest.CaptureFixture[str]) -> dict[str, t.Any]:
    return run_module(module_under_test.main, {**CONNECTION, **args}, capsys)


def item(number: int, *, client_id: str = CLIENT_ID, fingerprint: str | None = None, note: str | None = None) -> dict[str, t.Any]:
    """A listed authorization, with a token in it, as a server that (wrongly) listed tokens would send."""
    listed = authorization(id=number, fingerprint=fingerprint, note=note, token=TOKEN)
    listed["app"] = {**listed["app"], "client_id": client_id}
    return listed


# Ten authorizations: three of the Provisioner app with fingerprints, one without, two of another app, four personal tokens.
ITEMS = [
    item(1, fingerprint="web1", note="provisioner on web1"),
    item(2, fingerprint="web2", note="provisioner on web2"),
    item(3, fingerprint="db1", note="provisioner on db1"),
    item(4, note="provisioner"),
    item(5, client_id=OTHER_CLIENT_ID, fingerprint="web1", note="other on web1"),
    item(6, client_id=OTHER_CLIENT_ID, note=None),
    item(7, client_id=PERSONAL_CLIENT_ID, note="ci deploy"),
    item(8, client_id=PERSONAL_CLIENT_ID, note="ci release"),
    item(9, client_id=PERSONAL_CLIENT_ID, note="CI nightly"),
    item(10, client_id=PERSONAL_CLIENT_ID, note="laptop"),
]


def ids(result: dict[str, t.Any]) -> list[int]:
    return [listed["id"] for listed in result["authorizations"]]


def query_of(request: t.Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query)


def assert_no_token(result: dict[str, t.Any]) -> None:
    assert TOKEN not in result["_raw"]
    assert all("token" not in listed for listed in result["authorizations"])


def test_lists_everything_without_tokens(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(LIST_URL, json=ITEMS)
    result = run({}, capsys)
    assert result["_exit_code"] == 0
    assert result["changed"] is False
    assert ids(result) == list(range(1, 11))
    assert_no_token(result)
    assert result["authorizations"][0]["token_last_eight"] == ITEMS[0]["token_last_eight"]
    assert result["authorizations"][0]["hashed_token"] == ITEMS[0]["hashed_token"]
    assert (result["retries"], result["otp_wait"]) == (0, 0.0)
    assert requests_mock.call_count == 1
    assert query_of(requests_mock.last_request) == {"per_page": ["100"]}
    assert requests_mock.last_request.headers["Authorization"].startswith("Basic ")


class FilterCase(t.NamedTuple):
    args: dict[str, t.Any]
    expected: list[int]


FILTER_CASES = {
    "client_id": FilterCase({"client_id": CLIENT_ID}, [1, 2, 3, 4]),
    "fingerprint": FilterCase({"fingerprint": "web1"}, [1, 5]),
    "client_id-and-fingerprint": FilterCase({"client_id": CLIENT_ID, "fingerprint": "web1"}, [1]),
    "note-exact": FilterCase({"note": "provisioner"}, [4]),
    "note-exact-is-not-a-substring": FilterCase({"note": "provisioner on"}, []),
    "note-empty-matches-no-note": FilterCase({"note": ""}, [6]),
    "note_regex-searches": FilterCase({"note_regex": "web"}, [1, 2, 5]),
    "note_regex-anchored": FilterCase({"note_regex": "^ci "}, [7, 8]),
    "note_regex-case-insensitive-flag": FilterCase({"note_regex": "(?i)^ci "}, [7, 8, 9]),
    "note_regex-matches-no-note-as-empty": FilterCase({"note_regex": "^$"}, [6]),
    "note-and-note_regex": FilterCase({"note": "ci deploy", "note_regex": "release"}, []),
    "every-filter": FilterCase({"client_id": CLIENT_ID, "fingerprint": "web2", "note": "provisioner on web2", "note_regex": "web2$"}, [2]),
    "no-match": FilterCase({"fingerprint": "nowhere"}, []),
}


@pytest.mark.parametrize("case", FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_filters(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], case: FilterCase) -> None:
    # The server here ignores client_id, so the module's own filtering is what is tested.
    requests_mock.get(LIST_URL, json=ITEMS)
    result = run(case.args, capsys)
    assert result["_exit_code"] == 0
    assert ids(result) == case.expected
    assert result["changed"] is False
    assert_no_token(result)


def test_client_id_is_sent_to_github(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(LIST_URL, json=ITEMS[:4])
    result = run({"client_id": CLIENT_ID, "note_regex": "db"}, capsys)
    assert ids(result) == [3]
    assert query_of(requests_mock.last_request) == {"per_page": ["100"], "client_id": [CLIENT_ID]}


def test_follows_every_page(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    pages = [ITEMS[0:4], ITEMS[4:8], ITEMS[8:10]]
    requests_mock.get(
        LIST_URL,
        [
            {"json": pages[0], "headers": {"Link": f'<{LIST_URL}?per_page=100&page=2>; rel="next", <{LIST_URL}?per_page=100&page=3>; rel="last"'}},
            {"json": pages[1], "headers": {"Link": f'<{LIST_URL}?per_page=100&page=3>; rel="next", <{LIST_URL}?per_page=100&page=1>; rel="first"'}},
            {"json": pages[2], "headers": {"Link": f'<{LIST_URL}?per_page=100&page=1>; rel="first"'}},
        ],
    )
    result = run({"note_regex": "web"}, capsys)
    assert ids(result) == [1, 2, 5]
    assert [request.method for request in requests_mock.request_history] == ["GET", "GET", "GET"]
    assert [query_of(request).get("page") for request in requests_mock.request_history] == [None, ["2"], ["3"]]
    assert_no_token(result)


def test_check_mode_lists_the_same(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(LIST_URL, json=ITEMS)
    normal = run({"client_id": CLIENT_ID}, capsys)
    checked = run({"client_id": CLIENT_ID, "_ansible_check_mode": True}, capsys)
    assert checked["_exit_code"] == 0
    assert checked["changed"] is False
    assert checked["authorizations"] == normal["authorizations"]
    assert {request.method for request in requests_mock.request_history} == {"GET"}


def test_no_diff_in_diff_mode(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(LIST_URL, json=ITEMS)
    result = run({"_ansible_diff": True}, capsys)
    assert result["changed"] is False
    assert "diff" not in result


def test_two_factor_code_is_sent(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], module_clock: FakeClock) -> None:
    requests_mock.get(LIST_URL, json=ITEMS)
    result = run({"otp_secret": OTP_SECRET}, capsys)
    assert result["_exit_code"] == 0
    code = hotp_reference(OTP_SECRET, int(module_clock.now) // 30)
    assert requests_mock.last_request.headers["X-GitHub-OTP"] == code
    assert code not in result["_raw"]
    assert OTP_SECRET not in result["_raw"]


def test_rejected_code_is_retried_with_the_next_step(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], module_clock: FakeClock) -> None:
    requests_mock.get(LIST_URL, [response_kwargs("otp_required_app"), {"json": ITEMS}])
    result = run({"otp_secret": OTP_SECRET}, capsys)
    assert result["_exit_code"] == 0
    assert len(result["authorizations"]) == len(ITEMS)
    assert 20.0 <= result["otp_wait"] <= 20.2  # until the next step began (20 s), plus a small margin
    assert requests_mock.call_count == 2


# ---------------------------------------------------------------- refused before any request


class RefusedCase(t.NamedTuple):
    args: dict[str, t.Any]
    fragment: str


REFUSED_CASES = {
    "invalid-regex": RefusedCase({"note_regex": "ci ("}, "note_regex is not a valid Python regular expression: missing ), unterminated subpattern"),
    "short-client_id": RefusedCase({"client_id": "0123456789"}, "client_id must be the OAuth app's 20-character client ID"),
    "empty-client_id": RefusedCase({"client_id": ""}, "got 0 characters"),
    "fingerprint-with-slash": RefusedCase({"fingerprint": "web/1"}, "fingerprint must be 1 to 255 printable ASCII characters"),
    "bad-api_url": RefusedCase({"api_url": "ghes.example.com"}, "api_url must be an http:// or https:// URL"),
    "bad-otp_secret": RefusedCase({"otp_secret": "JBSWY3DPEHPK3PX1"}, "otp_secret is not valid base32"),
}


@pytest.mark.parametrize("case", REFUSED_CASES.values(), ids=REFUSED_CASES.keys())
def test_refused_before_any_request(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], case: RefusedCase) -> None:
    result = run(case.args, capsys)
    assert result["_exit_code"] == 1
    assert result["failed"] is True
    assert case.fragment in result["msg"]
    assert requests_mock.call_count == 0
    assert "retries" not in result  # no client was made


def test_unknown_option_is_refused(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    result = run({"client_secret": "0123456789abcdef0123456789abcdef01234567"}, capsys)
    assert result["failed"] is True
    assert "client_secret" in result["msg"]
    assert requests_mock.call_count == 0


def test_clear_text_warning(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    url = "http://ghes.example.com/api/v3"
    requests_mock.get(f"{url}/authorizations", json=[])
    result = run({"api_url": url}, capsys)
    assert result["authorizations"] == []
    assert "travel unencrypted" in json.dumps(result["warnings"])


# ---------------------------------------------------------------- failures


class FailureCase(t.NamedTuple):
    fixture: str
    fragment: str
    status: int


FAILURE_CASES = {
    "bad-credentials": FailureCase("bad_credentials", "GitHub rejected the username or password", 401),
    "otp-required": FailureCase("otp_required_app", "Set otp_secret", 401),
    "lockout": FailureCase("login_lockout", "Nothing was retried", 403),
}


@pytest.mark.parametrize("case", FAILURE_CASES.values(), ids=FAILURE_CASES.keys())
def test_api_failures(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], case: FailureCase) -> None:
    requests_mock.get(LIST_URL, **response_kwargs(case.fixture))
    result = run({}, capsys)
    assert result["_exit_code"] == 1
    assert result["failed"] is True
    assert result["status"] == case.status
    assert case.fragment in result["msg"]
    assert (result["retries"], result["otp_wait"]) == (0, 0.0)
    assert PASSWORD not in result["_raw"]


def test_not_found_is_explained(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(LIST_URL, **response_kwargs("not_found"))
    requests_mock.get(f"{API_URL}/", status_code=404, headers={"Content-Type": "text/html"}, text="<html>Not Found</html>")
    result = run({}, capsys)
    assert result["failed"] is True
    assert "for GitHub Enterprise Server, api_url is https://HOST/api/v3" in result["msg"]


def test_failure_on_a_later_page(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(
        LIST_URL,
        [
            {"json": ITEMS[:5], "headers": {"Link": f'<{LIST_URL}?per_page=100&page=2>; rel="next"'}},
            response_kwargs("bad_credentials"),
        ],
    )
    result = run({}, capsys)
    assert result["failed"] is True
    assert "authorizations" not in result
    assert requests_mock.call_count == 2


def test_next_page_on_another_server_is_refused(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(LIST_URL, json=ITEMS[:2], headers={"Link": '<https://evil.example.net/authorizations?page=2>; rel="next"'})
    result = run({}, capsys)
    assert result["failed"] is True
    assert "the next page is on another server (evil.example.net)" in result["msg"]
    assert requests_mock.call_count == 1


def test_a_list_that_is_not_a_list(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(LIST_URL, json={"message": "surprise"})
    result = run({}, capsys)
    assert result["failed"] is True
    assert "without a list in its body" in result["msg"]


def test_items_that_are_not_objects_are_skipped(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(LIST_URL, json=[ITEMS[0], "junk", None, 7, ITEMS[1]])
    result = run({}, capsys)
    assert result["_exit_code"] == 0
    assert ids(result) == [1, 2]


def test_transport_failure(requests_mock: t.Any, capsys: pytest.CaptureFixture[str]) -> None:
    requests_mock.get(LIST_URL, exc=requests.exceptions.ConnectionError("refused"))
    result = run({"retries": 0}, capsys)
    assert result["failed"] is True
    assert "Could not reach https://ghes.example.com" in result["msg"]
    assert result["retries"] == 0
