# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""oauthkit.github.authorization driven through main() with HTTP mocked: the state matrix, check and diff mode, validation, secrets."""

from __future__ import annotations

import json
import re
import typing as t

import pytest
import requests
from requests_mock import ANY as ANY_METHOD

from ansible_collections.oauthkit.github.plugins.module_utils import _otp
from ansible_collections.oauthkit.github.plugins.modules import authorization as module_under_test
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    OTP_SECRET,
    PASSWORD,
    TOKEN,
    FakeClock,
    authorization,
    hotp_reference,
    response_kwargs,
    run_module,
)

PUT_URL = f"{API_URL}/authorizations/clients/{CLIENT_ID}"
LIST_URL = f"{API_URL}/authorizations"
AUTH_ID = 223595300  # the recorded existing authorization
ANY_URL = re.compile(r"https?://.*")


def run(args: dict[str, t.Any], capsys: pytest.CaptureFixture[str]) -> dict[str, t.Any]:
    return run_module(module_under_test.main, args, capsys)


def methods(requests_mock: t.Any) -> list[str]:
    return [request.method for request in requests_mock.request_history]


def created(**overrides: t.Any) -> dict[str, t.Any]:
    return authorization(fixture="authorization_created", **{"token": TOKEN, "fingerprint": None, **overrides})


def existing(**overrides: t.Any) -> dict[str, t.Any]:
    return authorization(**overrides)  # recorded 200: token "", scopes ["gist"], note null, fingerprint null


def assert_no_token_outside_token_key(result: dict[str, t.Any]) -> None:
    rest = {key: value for key, value in result.items() if key not in ("token", "_raw")}
    assert TOKEN not in json.dumps(rest)
    assert "token" not in (result.get("authorization") or {})


# ---------------------------------------------------------------- state=present


def test_created(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, status_code=201, json=created(scopes=["repo", "read:org"], note="ci"))
    result = run({**base_args, "scopes": ["repo", "read:org"], "note": "ci"}, capsys)
    assert result["_exit_code"] == 0
    assert (result["changed"], result["action"]) == (True, "create")
    assert result["token"] == TOKEN
    assert result["authorization"]["id"] == 223759435
    assert_no_token_outside_token_key(result)
    assert methods(requests_mock) == ["PUT"]
    assert requests_mock.last_request.json() == {"client_secret": CLIENT_SECRET, "scopes": ["repo", "read:org"], "note": "ci"}
    assert "diff" not in result


def test_existing_is_ok(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, **{**response_kwargs("authorization_existing"), "json": existing()})
    result = run({**base_args, "scopes": ["gist"]}, capsys)
    assert (result["changed"], result["action"]) == (False, "none")
    assert "token" not in result
    assert result["authorization"]["id"] == AUTH_ID
    assert_no_token_outside_token_key(result)
    assert methods(requests_mock) == ["PUT"]  # the steady state is one request


def test_drift_is_repaired_with_one_patch(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, json=existing())
    requests_mock.patch(f"{LIST_URL}/{AUTH_ID}", json=existing(scopes=["repo", "gist"], note="ci", note_url="https://ci.example.com"))
    result = run({**base_args, "scopes": ["repo", "gist"], "note": "ci", "note_url": "https://ci.example.com"}, capsys)
    assert (result["changed"], result["action"]) == (True, "update")
    assert methods(requests_mock) == ["PUT", "PATCH"]
    patch = requests_mock.request_history[1]
    assert patch.json() == {"scopes": ["repo", "gist"], "note": "ci", "note_url": "https://ci.example.com"}
    assert result["authorization"]["note"] == "ci"
    assert "token" not in result
    assert_no_token_outside_token_key(result)


def test_created_without_token_fails(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, status_code=201, json=created(id=42, token=""))
    result = run(base_args, capsys)
    assert result["failed"] is True
    assert "created authorization 42" in result["msg"]
    assert result["authorization_id"] == 42


class FailureCase(t.NamedTuple):
    fixture: str
    fragments: tuple[str, ...]
    status: int


FAILURE_CASES = {
    "bad-credentials": FailureCase("bad_credentials", ("Bad credentials",), 401),
    "lockout": FailureCase("login_lockout", ("Nothing was retried",), 403),
    "invalid-scopes": FailureCase("validation_invalid_scopes", ("scopes: scopes are invalid",), 422),
}


@pytest.mark.parametrize("case", FAILURE_CASES.values(), ids=FAILURE_CASES.keys())
def test_api_failures(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any], case: FailureCase) -> None:
    fixture, fragments, status = case
    requests_mock.put(PUT_URL, **response_kwargs(fixture))
    result = run(base_args, capsys)
    assert result["_exit_code"] == 1
    assert result["failed"] is True
    assert result["status"] == status
    for fragment in fragments:
        assert fragment in result["msg"]
    assert requests_mock.call_count == 1


def test_not_found_looks_once_at_the_api_root(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, **response_kwargs("not_found"))
    requests_mock.get(f"{API_URL}/", status_code=404, headers={"Content-Type": "text/html"}, text="<html>Not Found</html>")
    result = run(base_args, capsys)
    assert result["failed"] is True
    assert result["status"] == 404
    assert "for GitHub Enterprise Server, api_url is https://HOST/api/v3" in result["msg"]
    assert [r.method for r in requests_mock.request_history] == ["PUT", "GET"]


def test_clear_text_warning(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    url = "http://ghes.example.com/api/v3"
    requests_mock.put(f"{url}/authorizations/clients/{base_args['client_id']}", **response_kwargs("authorization_existing"))
    result = run({**base_args, "api_url": url}, capsys)
    assert result["changed"] is False
    assert "travel unencrypted" in json.dumps(result["warnings"])  # the shape of a warning differs between ansible-core versions


def test_transport_failure(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, exc=requests.exceptions.SSLError("certificate verify failed"))
    result = run(base_args, capsys)
    assert result["failed"] is True
    assert "ca_path" in result["msg"]
    assert result["url"] == "https://ghes.example.com"


# ---------------------------------------------------------------- state=absent


def test_absent_deletes(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.get(LIST_URL, json=[existing()])
    requests_mock.delete(f"{LIST_URL}/{AUTH_ID}", status_code=204)
    result = run({**base_args, "state": "absent"}, capsys)
    assert (result["changed"], result["action"]) == (True, "delete")
    assert methods(requests_mock) == ["GET", "DELETE"]
    assert requests_mock.request_history[1].url == f"{LIST_URL}/{AUTH_ID}"
    assert result["authorization"]["id"] == AUTH_ID


def test_absent_without_client_secret(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.get(LIST_URL, json=[])
    args = {**base_args, "state": "absent"}
    del args["client_secret"]
    result = run(args, capsys)
    assert result["_exit_code"] == 0
    assert (result["changed"], result["action"], result["authorization"]) == (False, "none", None)


def test_absent_when_missing_is_ok(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    other = existing(id=5, fingerprint="web1")  # same app, other fingerprint: not ours
    requests_mock.get(LIST_URL, json=[other])
    result = run({**base_args, "state": "absent"}, capsys)
    assert (result["changed"], result["action"]) == (False, "none")
    assert methods(requests_mock) == ["GET"]


def test_absent_follows_pagination(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.get(
        LIST_URL,
        [
            {"json": [existing(id=1, fingerprint="a")], "headers": {"Link": f'<{LIST_URL}?page=2>; rel="next"'}},
            {"json": [existing(id=2, fingerprint="web1")]},
        ],
    )
    requests_mock.delete(f"{LIST_URL}/2", status_code=204)
    result = run({**base_args, "state": "absent", "fingerprint": "web1"}, capsys)
    assert result["action"] == "delete"
    assert methods(requests_mock) == ["GET", "GET", "DELETE"]


# ---------------------------------------------------------------- check mode: only GETs, a prediction, never a token


class CheckCase(t.NamedTuple):
    state: str
    extra: dict[str, t.Any]
    listed: list[dict[str, t.Any]]
    changed: bool
    action: str


CHECK_CASES = {
    "present-missing": CheckCase("present", {"scopes": ["repo"]}, [], True, "create"),
    "present-equal": CheckCase("present", {"scopes": ["gist"]}, [existing()], False, "none"),
    "present-drift": CheckCase("present", {"scopes": ["repo"], "note": "ci"}, [existing()], True, "update"),
    "absent-existing": CheckCase("absent", {}, [existing()], True, "delete"),
    "absent-missing": CheckCase("absent", {}, [], False, "none"),
}


@pytest.mark.parametrize("case", CHECK_CASES.values(), ids=CHECK_CASES.keys())
def test_check_mode(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any], case: CheckCase) -> None:
    state, extra, listed, changed, action = case
    requests_mock.register_uri(ANY_METHOD, ANY_URL, status_code=599)
    requests_mock.get(LIST_URL, json=listed)
    result = run({**base_args, **extra, "state": state, "_ansible_check_mode": True}, capsys)
    assert result["_exit_code"] == 0
    assert (result["changed"], result["action"]) == (changed, action)
    assert set(methods(requests_mock)) == {"GET"}
    assert requests_mock.request_history[0].qs["client_id"] == [CLIENT_ID.lower()]
    assert "token" not in result
    assert_no_token_outside_token_key(result)


def test_check_mode_predicts_the_updated_authorization(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.get(LIST_URL, json=[existing()])
    result = run({**base_args, "scopes": ["repo"], "note": "ci", "_ansible_check_mode": True}, capsys)
    assert result["authorization"]["scopes"] == ["repo"]
    assert result["authorization"]["note"] == "ci"
    assert result["authorization"]["id"] == AUTH_ID


def test_check_mode_create_predicts_no_authorization(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.get(LIST_URL, json=[])
    result = run({**base_args, "_ansible_check_mode": True}, capsys)
    assert result["authorization"] is None
    assert "token" not in result


# ---------------------------------------------------------------- diff mode


def test_diff_on_create(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, status_code=201, json=created(scopes=["repo", "gist"], note="ci"))
    result = run({**base_args, "scopes": ["repo", "gist"], "note": "ci", "_ansible_diff": True}, capsys)
    assert result["diff"] == {"before": {}, "after": {"fingerprint": None, "scopes": ["gist", "repo"], "note": "ci"}}
    assert TOKEN not in json.dumps(result["diff"])


def test_diff_on_drift(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, json=existing())
    requests_mock.patch(f"{LIST_URL}/{AUTH_ID}", json=existing(scopes=["repo"]))
    result = run({**base_args, "scopes": ["repo"], "_ansible_diff": True}, capsys)
    assert result["diff"] == {"before": {"fingerprint": None, "scopes": ["gist"]}, "after": {"fingerprint": None, "scopes": ["repo"]}}


def test_diff_in_check_mode(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.get(LIST_URL, json=[existing(token=TOKEN)])  # even if a server returned the token, the diff must not show it
    result = run({**base_args, "note": "ci", "_ansible_diff": True, "_ansible_check_mode": True}, capsys)
    assert result["diff"] == {"before": {"fingerprint": None, "note": None}, "after": {"fingerprint": None, "note": "ci"}}
    assert_no_token_outside_token_key(result)


def test_diff_on_absent(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.get(LIST_URL, json=[existing()])
    requests_mock.delete(f"{LIST_URL}/{AUTH_ID}", status_code=204)
    result = run({**base_args, "state": "absent", "_ansible_diff": True}, capsys)
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["fingerprint"] is None
    assert result["diff"]["before"]["scopes"] == ["gist"]


def test_no_diff_without_diff_mode(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, json=existing())
    assert "diff" not in run(base_args, capsys)


# ---------------------------------------------------------------- fingerprint in the path


def test_fingerprint_is_percent_encoded(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(ANY_URL, status_code=201, json=created(fingerprint="host:1~x"))
    result = run({**base_args, "fingerprint": "host:1~x"}, capsys)
    assert result["changed"] is True
    assert requests_mock.last_request.url == f"{PUT_URL}/host%3A1~x"
    assert "fingerprint" not in requests_mock.last_request.json()


def test_fingerprint_matches_in_check_mode(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.get(LIST_URL, json=[existing(id=1), existing(id=2, fingerprint="host:1~x", scopes=["repo"])])
    result = run({**base_args, "fingerprint": "host:1~x", "scopes": ["repo"], "_ansible_check_mode": True}, capsys)
    assert (result["changed"], result["authorization"]["id"]) == (False, 2)


# ---------------------------------------------------------------- two-factor codes


def test_otp_header_is_a_six_digit_string(
    requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any], module_clock: FakeClock
) -> None:
    requests_mock.put(PUT_URL, json=existing())
    run({**base_args, "otp_secret": OTP_SECRET}, capsys)
    header = requests_mock.last_request.headers["X-GitHub-OTP"]
    assert isinstance(header, str)
    assert re.fullmatch(r"[0-9]{6}", header)
    assert header == hotp_reference(OTP_SECRET, int(module_clock.now // 30))


def test_otp_header_on_every_request(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any], module_clock: FakeClock) -> None:
    requests_mock.get(LIST_URL, json=[existing()])
    requests_mock.delete(f"{LIST_URL}/{AUTH_ID}", status_code=204)
    run({**base_args, "otp_secret": OTP_SECRET, "state": "absent"}, capsys)
    expected = hotp_reference(OTP_SECRET, int(module_clock.now // 30))
    assert [request.headers.get("X-GitHub-OTP") for request in requests_mock.request_history] == [expected, expected]


def test_static_otp_header(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, status_code=201, json=created())
    run({**base_args, "otp": "012345"}, capsys)
    assert requests_mock.last_request.headers["X-GitHub-OTP"] == "012345"


def test_rejected_code_is_retried_with_the_next_step(
    requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any], module_clock: FakeClock
) -> None:
    step = int(module_clock.now // 30)
    requests_mock.put(PUT_URL, [response_kwargs("otp_required_app"), {"status_code": 201, "json": created()}])
    result = run({**base_args, "otp_secret": OTP_SECRET}, capsys)
    assert result["changed"] is True
    codes = [request.headers["X-GitHub-OTP"] for request in requests_mock.request_history]
    assert codes == [hotp_reference(OTP_SECRET, step), hotp_reference(OTP_SECRET, step + 1)]
    assert sum(module_clock.sleeps) < 21
    for code in codes:
        assert code not in result["_raw"]


def test_sms_account_without_otp(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, **response_kwargs("otp_required_sms"))
    result = run(base_args, capsys)
    assert result["failed"] is True
    assert result["otp_kind"] == "sms"
    assert "SMS" in result["msg"]
    assert "otp" in result["msg"]


# ---------------------------------------------------------------- validation before any request

VALIDATION_CASES: list[tuple[str, dict[str, t.Any], str]] = [
    ("client-id-19", {"client_id": CLIENT_ID[:-1]}, "20-character client ID"),
    ("client-secret-39", {"client_secret": CLIENT_SECRET[:-1]}, "40-character client secret"),
    ("client-secret-missing", {"client_secret": None}, "client_secret"),
    ("fingerprint-empty", {"fingerprint": ""}, "fingerprint must be"),
    ("fingerprint-space", {"fingerprint": "a b"}, "fingerprint must be"),
    ("fingerprint-slash", {"fingerprint": "web/1"}, "fingerprint must be"),
    ("otp-secret-invalid-base32", {"otp_secret": "JBSWY3DPEHPK3PX1"}, "not valid base32"),
    ("otp-secret-too-short", {"otp_secret": "JBSWY3DP"}, "too short"),
    ("otp-five-digits", {"otp": "12345"}, "6 to 8 digits"),
    ("otp-nine-digits", {"otp": "123456789"}, "6 to 8 digits"),
    ("scope-comma", {"scopes": ["repo,gist"]}, "comma or whitespace"),
    ("scope-whitespace", {"scopes": ["repo gist"]}, "comma or whitespace"),
    ("scope-empty", {"scopes": [""]}, "is empty"),
    ("api-url-ftp", {"api_url": "ftp://ghes.example.com/api/v3"}, "http:// or https://"),
    ("api-url-no-scheme", {"api_url": "ghes.example.com"}, "http:// or https://"),
    ("api-url-credentials", {"api_url": "https://octocat:hunter2@ghes.example.com/api/v3"}, "must not contain credentials"),
    ("api-url-query", {"api_url": f"{API_URL}?per_page=1"}, "without ?query"),
    ("ca-path-missing", {"ca_path": "/nonexistent/ca.pem"}, "is not a file"),
    ("timeout-zero", {"timeout": 0}, "greater than 0"),
    ("timeout-negative", {"timeout": -5}, "greater than 0"),
    ("otp-and-otp-secret", {"otp": "123456", "otp_secret": OTP_SECRET}, "mutually exclusive"),
    ("state-invalid", {"state": "gone"}, "state"),
]


@pytest.mark.parametrize(("changes", "fragment"), [case[1:] for case in VALIDATION_CASES], ids=[case[0] for case in VALIDATION_CASES])
def test_invalid_input_sends_nothing(
    requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any], changes: dict[str, t.Any], fragment: str
) -> None:
    requests_mock.register_uri(ANY_METHOD, ANY_URL, json={})
    args = {**base_args, **changes}
    result = run({key: value for key, value in args.items() if value is not None}, capsys)
    assert result["_exit_code"] == 1
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert requests_mock.call_count == 0
    assert "hunter2" not in result["msg"]


# ---------------------------------------------------------------- no secret in any output

SECRET_RUNS: dict[str, tuple[dict[str, t.Any], list[dict[str, t.Any]]]] = {
    "created": ({"scopes": ["repo"]}, [{"status_code": 201, "json": None}]),
    "existing": ({}, [{"json": None}]),
    "bad-credentials": ({}, [response_kwargs("bad_credentials")]),
    "otp-rejected-twice": ({"otp_secret": "jbsw y3dp ehpk 3pxp"}, [response_kwargs("otp_required_app")] * 2),
    "static-otp-rejected": ({"otp": "987650"}, [response_kwargs("otp_required_sms")]),
    "validation": ({"otp_secret": OTP_SECRET}, [response_kwargs("validation_client_id_key")]),
    "transport": ({}, [{"exc": requests.exceptions.ConnectionError(f"refused {PASSWORD}")}]),
    "bad-otp": ({"otp": "98765"}, []),
    "bad-otp-secret": ({"otp_secret": "JBSWY3DPEHPK3PX1"}, []),
    "bad-client-secret": ({"client_secret": CLIENT_SECRET[:-1]}, []),
}


@pytest.mark.usefixtures("module_clock")
@pytest.mark.parametrize("case", SECRET_RUNS.values(), ids=SECRET_RUNS.keys())
def test_no_secret_in_output(
    requests_mock: t.Any,
    capsys: pytest.CaptureFixture[str],
    base_args: dict[str, t.Any],
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[dict[str, t.Any], list[dict[str, t.Any]]],
) -> None:
    extra, responses = case
    responses = [{**r, "json": created() if r.get("status_code") == 201 else existing()} if "json" in r and r["json"] is None else r for r in responses]
    if responses:
        requests_mock.put(PUT_URL, responses)
    seen_codes: list[str] = []
    real = _otp.TOTPSource

    def recording(secret: str, **kwargs: t.Any) -> _otp.TOTPSource:
        source = real(secret, **kwargs)
        original = source._on_code

        def on_code(code: str) -> None:
            seen_codes.append(code)
            if original is not None:
                original(code)

        source._on_code = on_code
        return source

    monkeypatch.setattr(_otp, "TOTPSource", recording)  # wraps module_clock's factory
    result = run({**base_args, **extra}, capsys)
    raw = result["_raw"]
    secrets = [PASSWORD, CLIENT_SECRET, CLIENT_SECRET[:-1], OTP_SECRET, _otp.hmac_equivalent_seed(OTP_SECRET), "jbsw y3dp ehpk 3pxp", *seen_codes]
    if "otp" in extra:
        secrets.append(extra["otp"])
    for secret in secrets:
        assert secret not in raw, secret
    assert "********" not in raw  # nothing had to be masked by Ansible: the messages never carried a secret
    if "otp_secret" in extra and responses:
        assert seen_codes  # codes were computed and are covered by the scan above
    if result.get("failed"):
        assert TOKEN not in raw
    else:
        assert_no_token_outside_token_key(result)
        if result["action"] == "create":
            assert result["token"] == TOKEN
            assert raw.count(TOKEN) == 1


def test_credentials_in_api_url_are_hidden_in_the_failure(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any]) -> None:
    result = run({**base_args, "api_url": "https://octocat:s3cret-in-url@ghes.example.com/api/v3"}, capsys)
    assert result["failed"] is True
    assert "must not contain credentials" in result["msg"]
    assert "s3cret-in-url" not in result["_raw"]
    if "invocation" in result:  # ansible-core 2.21 leaves the invocation out of a failure's result
        assert "********@" in result["invocation"]["module_args"]["api_url"]
    assert requests_mock.call_count == 0
