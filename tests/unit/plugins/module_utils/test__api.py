# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP transport against a scripted server on 127.0.0.1: every recorded error answer mapped to a typed exception,
the 404 diagnosis, two-factor codes, success bodies, pagination, TLS, proxies and transport errors.

The retry policy's own behaviour (what is retried, waits, lost answers) is in test__retry.py.
"""

from __future__ import annotations

import base64
import json
import socket
import typing as t
from pathlib import Path

import pytest
import yaml
from requests.structures import CaseInsensitiveDict

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _otp
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTP_SECRET,
    PASSWORD,
    USERNAME,
    FakeClock,
    hotp_reference,
    load_fixture,
)
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import AFTER_READ, LocalServer, Reply, closed_port, fixture_reply

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
CREATED = {"id": 1, "token": "t" * 40, "hashed_token": "h" * 64}
MakeClient = t.Callable[..., _api.GitHubClient]


def raised(client: _api.GitHubClient, method: str, path: str, **kwargs: t.Any) -> errors.OAuthKitError:
    body = {"client_secret": "x"} if method in ("PUT", "PATCH") else None
    with pytest.raises(errors.OAuthKitError) as exc_info:
        client.request(method, path, body=body, **kwargs)
    return exc_info.value


class ErrorCase(t.NamedTuple):
    fixture: str
    method: str
    path: str
    exc_type: type[errors.APIError]
    fragments: tuple[str, ...]  # in the message
    details: dict[str, t.Any]  # extra keys for the failure result
    retries: int = 3  # 0 where a retry would be right (rate limits), to see the message of a first answer

    @property
    def id(self) -> str:
        return f"{self.fixture}-{self.method}"


ERROR_CASES = [
    ErrorCase("otp_required_app", "PUT", PUT_PATH, errors.OTPRequired, ("X-GitHub-OTP: required; app", "otp_secret", "base32 TOTP seed"),
              {"otp_kind": "app", "otp_sent": False}),
    ErrorCase("otp_required_sms", "PUT", PUT_PATH, errors.OTPRequired, ("by SMS", "POST or PUT", "as this request just did"),
              {"otp_kind": "sms", "otp_sent": False}),
    ErrorCase("bad_credentials", "PUT", PUT_PATH, errors.BadCredentials, ("returned 401 Bad credentials", "rejected the username or password"), {}),
    ErrorCase("requires_authentication", "PUT", PUT_PATH, errors.BadCredentials, ("returned 401 Requires authentication", "received no credentials"), {}),
    ErrorCase("login_lockout", "PUT", PUT_PATH, errors.LoginLockout, ("locked this account's password logins", "Nothing was retried"), {}),
    ErrorCase("rate_limit", "GET", "/authorizations", errors.RateLimited, ("rate limit", "until 2019-11-12T20:50:08Z"),
              {"reset_at": "2019-11-12T20:50:08Z"}, 0),
    ErrorCase("abuse", "PUT", PUT_PATH, errors.RateLimited, ("abuse detection", "exhausted for now"), {}, 0),
    ErrorCase("retry_after", "PUT", PUT_PATH, errors.RateLimited, ("429", "exhausted for 60 s"), {"retry_after": "60"}, 0),
    ErrorCase("gone", "PUT", PUT_PATH, errors.Gone, ("410", "switched this endpoint off", "2020-11-13", "api_url"), {}),
    ErrorCase("validation_note_missing", "PUT", PUT_PATH, errors.ValidationFailed, ("422 Validation Failed", "note is required"), {}),
    ErrorCase("validation_duplicate_note", "PUT", PUT_PATH, errors.ValidationFailed, ("note already exists",), {}),
    ErrorCase("validation_invalid_scopes", "PUT", PUT_PATH, errors.ValidationFailed, ("scopes: scopes are invalid: user,repo,gist",), {}),
    ErrorCase("validation_client_id_key", "PUT", PUT_PATH, errors.ValidationFailed, ('"client_id" is not a permitted key', "GitHub refused the request"),
              {"errors": []}),
    ErrorCase("problems_parsing_json", "PUT", PUT_PATH, errors.BadRequest, ("400 Problems parsing JSON", "could not read the request"), {}),
    ErrorCase("body_not_object", "PUT", PUT_PATH, errors.BadRequest, ("Body should be a JSON object",), {}),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case.id for case in ERROR_CASES])
def test_recorded_error_bodies(server: LocalServer, make_client: MakeClient, clock: FakeClock, case: ErrorCase) -> None:
    recorded = load_fixture(case.fixture)
    server.route(case.method, case.path, fixture_reply(recorded), Reply(200, CREATED))
    exc = raised(make_client(retries=case.retries), case.method, case.path)
    assert exc.__class__ is case.exc_type
    assert exc.status == recorded["status"]
    assert (exc.method, exc.path) == (case.method, case.path)
    assert exc.msg.startswith(f"{case.method} {case.path} returned {recorded['status']}")
    for fragment in case.fragments:
        assert fragment in exc.msg
    for key, value in case.details.items():
        assert exc.details[key] == value
    if recorded["body"].get("documentation_url"):
        assert exc.details["documentation_url"] == recorded["body"]["documentation_url"]
    assert server.calls() == [f"{case.method} {case.path}"]  # never retried, and no second look
    assert clock.sleeps == []
    assert PASSWORD not in exc.msg


# ---------------------------------------------------------------- 404: one look at the API root tells the cases apart

GHES_ROOT = Reply(200, {"current_user_url": "https://ghes.example.com/api/v3/user"}, {"X-GitHub-Enterprise-Version": "3.17.0"})
HTML_PAGE = Reply(404, "<!DOCTYPE html><html>Page not found</html>", {"Content-Type": "text/html; charset=utf-8"})


@pytest.mark.parametrize(
    ("root", "msg_id", "fragments"),
    [
        (GHES_ROOT, "hint.ghes_client_id", ("GitHub Enterprise Server 3.17.0", "client_id is not an OAuth app on this server")),
        (Reply(404, {"message": "Not Found"}, {"X-GitHub-Enterprise-Version": "3.17.0"}), "hint.below_root",
         ("api_url is not the API root: GitHub Enterprise Server 3.17.0 answers 404 there",)),
        (Reply(200, "<html>GHES</html>", {"X-GitHub-Enterprise-Version": "3.17.0"}), "hint.below_root", ("answers 200 there",)),
        (fixture_reply(load_fixture("not_found")), "hint.removed", ("2020-11-13",)),
        (Reply(200, {"current_user_url": "https://api.github.com/user"}), "hint.removed", ("2020-11-13",)),
        (HTML_PAGE, "hint.not_api_root", ("api_url does not lead to a GitHub API root", "https://HOST/api/v3")),
        (Reply(302, None, {"Location": "https://ghes.example.com/login"}), "hint.not_api_root", ("does not lead to a GitHub API root",)),
        (Reply(drop=AFTER_READ), "hint.check", ("check api_url and client_id",)),
    ],
    ids=["ghes-unknown-client-id", "ghes-below-root-404", "ghes-below-root-html", "github-json-404", "github-root-document", "html",
         "redirect", "root-unreachable"],
)
def test_not_found_is_diagnosed_from_the_api_root(
    server: LocalServer, make_client: MakeClient, root: Reply, msg_id: str, fragments: tuple[str, ...]
) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("not_found"))).route("GET", "/", root)
    exc = raised(make_client(), "PUT", PUT_PATH)
    assert isinstance(exc, errors.NotFound)
    assert exc.fields["hint"].msg_id == msg_id
    assert exc.msg.startswith(f"PUT {PUT_PATH} returned 404 Not Found: ")
    for fragment in fragments:
        assert fragment in exc.msg
    assert server.calls() == [f"PUT {PUT_PATH}", "GET /"]
    root_request = server.seen[1]
    assert root_request.header("Authorization") is None  # the second look sends no credentials
    assert root_request.header("X-GitHub-OTP") is None


def test_not_found_on_another_path_of_a_ghes(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PATCH", "/authorizations/7", fixture_reply(load_fixture("not_found"))).route("GET", "/", GHES_ROOT)
    exc = raised(make_client(), "PATCH", "/authorizations/7")
    assert exc.fields["hint"].msg_id == "hint.ghes_other"
    assert "GitHub Enterprise Server 3.17.0 answers at api_url, but not for this PATCH" in exc.msg


def test_missing_ok_returns_none_without_a_second_look(server: LocalServer, make_client: MakeClient) -> None:
    server.route("DELETE", "/authorizations/1", fixture_reply(load_fixture("not_found")))
    assert make_client().request("DELETE", "/authorizations/1", expect=(204,), missing_ok=True) is None
    assert server.calls() == ["DELETE /authorizations/1"]


# ---------------------------------------------------------------- 422 details, other statuses


def test_validation_errors_keep_githubs_list_without_values(server: LocalServer, make_client: MakeClient) -> None:
    body = {"message": "Validation Failed", "errors": [{"resource": "OauthAccess", "field": "client_secret", "code": "invalid", "value": "s3cr3t"}]}
    server.route("PUT", PUT_PATH, Reply(422, body))
    exc = raised(make_client(), "PUT", PUT_PATH)
    assert exc.details["errors"] == [{"resource": "OauthAccess", "field": "client_secret", "code": "invalid"}]
    assert "s3cr3t" not in exc.msg
    assert "client_secret is invalid" in exc.msg


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"errors": [{"resource": "OauthAccess", "code": "missing_field", "field": "description"}]}, "note is required"),
        ({"errors": [{"resource": "OauthAccess", "code": "already_exists", "field": "description"}]}, "note already exists"),
        ({"errors": [{"resource": "OauthAccess", "code": "missing", "field": "client_id"}]}, "client_id refers to something that does not exist"),
        ({"errors": [{"resource": "OauthAccess", "code": "invalid", "field": "fingerprint"}]}, "fingerprint is invalid"),
        ({"errors": [{"resource": "OauthAccess", "code": "unprocessable"}]}, "OauthAccess cannot be processed"),
        ({"errors": [{"code": "weird", "field": "note_url"}]}, "note_url weird"),
        ({"errors": [{"field": "scopes", "message": "scopes are invalid: user,repo,gist", "code": "custom"}]}, "scopes: scopes are invalid: user,repo,gist"),
        ({"errors": [{"message": "just a message"}]}, "request: just a message"),
        ({"errors": ["a plain string", 42, {"field": "note", "code": "invalid"}]}, "a plain string; note is invalid"),
        ({"errors": None}, ""),
        ({}, ""),
    ],
    ids=["missing_field", "already_exists", "missing", "invalid", "unprocessable-resource", "unknown-code", "custom", "message-only", "mixed",
         "null", "none"],
)
def test_describe_validation_errors(body: dict[str, t.Any], expected: str) -> None:
    assert _api.describe_validation_errors(body) == expected


@pytest.mark.parametrize(
    ("method", "msg_id", "fragment"),
    [("GET", "api.server_error_get", "this request changed nothing"), ("PUT", "api.server_error", "It may have carried out the PUT")],
)
def test_server_error_messages(server: LocalServer, make_client: MakeClient, method: str, msg_id: str, fragment: str) -> None:
    server.route(method, "/authorizations", Reply(502, "<html>oops</html>", reason="Server Trouble"))
    exc = raised(make_client(retries=0), method, "/authorizations")
    assert isinstance(exc, errors.ServerError)
    assert exc.msg_id == msg_id
    assert "returned 502 Server Trouble" in exc.msg
    assert fragment in exc.msg


def test_plain_forbidden(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, Reply(403, {"message": "Must have admin rights to Repository."}))
    exc = raised(make_client(), "PUT", PUT_PATH)
    assert isinstance(exc, errors.Forbidden)
    assert "Must have admin rights to Repository: the account may not do this" in exc.msg
    assert len(server.seen) == 1


def test_rate_limit_reset_wins_over_retry_after(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, Reply(429, {"message": "slow down"}, {"Retry-After": "600", "X-RateLimit-Reset": "0"}))
    exc = raised(make_client(), "PUT", PUT_PATH)
    assert "until 1970-01-01T00:00:00Z" in exc.msg
    assert exc.details["retry_after"] == "600"


@pytest.mark.parametrize("reset", ["soon", "99999999999999999999"], ids=["not-a-number", "beyond-datetime"])
def test_rate_limit_with_a_reset_that_is_no_time(server: LocalServer, make_client: MakeClient, reset: str) -> None:
    server.route("PUT", PUT_PATH, Reply(403, {"message": "x"}, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}))
    exc = raised(make_client(retries=0), "PUT", PUT_PATH)
    assert isinstance(exc, errors.RateLimited)
    assert "reset_at" not in exc.details
    assert "exhausted for now" in exc.msg


def test_unlisted_client_error_is_unexpected(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, Reply(418, b"", reason="I'm a teapot"))
    exc = raised(make_client(), "PUT", PUT_PATH)
    assert isinstance(exc, errors.UnexpectedResponse)
    assert exc.msg_id == "api.unexpected_status"
    assert "418 I'm a teapot" in exc.msg


@pytest.mark.parametrize("body", [b"[1, 2]", b"not json at all", b""], ids=["json-list", "text", "empty"])
def test_error_body_that_is_not_an_object(server: LocalServer, make_client: MakeClient, body: bytes) -> None:
    server.route("PUT", PUT_PATH, Reply(401, body, reason="Unauthorized"))
    exc = raised(make_client(), "PUT", PUT_PATH)
    assert isinstance(exc, errors.BadCredentials)
    assert "returned 401 Unauthorized" in exc.msg


@pytest.mark.parametrize(
    ("header", "kind"),
    [("required; app", "app"), ("required; sms", "sms"), ("Required; SMS", "sms"), ("required", "app"), ("required;", "app")],
    ids=["app", "sms", "upper-case", "bare", "empty-kind"],
)
def test_otp_challenge_kinds(server: LocalServer, make_client: MakeClient, header: str, kind: str) -> None:
    server.route("PUT", PUT_PATH, Reply(401, {"message": "Must specify two-factor authentication OTP code."}, {"X-GitHub-OTP": header}))
    exc = raised(make_client(), "PUT", PUT_PATH)
    assert isinstance(exc, errors.OTPRequired)
    assert (exc.kind, exc.otp_sent) == (kind, False)


def test_otp_header_that_is_not_a_challenge(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, Reply(401, {"message": "Bad credentials"}, {"X-GitHub-OTP": "optional"}))
    assert isinstance(raised(make_client(), "PUT", PUT_PATH), errors.BadCredentials)


@pytest.mark.parametrize(
    ("fixture", "method", "attempt", "msg_id"),
    [
        ("otp_required_app", "PUT", _api.OTPAttempt(), "otp.required"),
        ("otp_required_app", "PUT", _api.OTPAttempt(sent=True, renewable=True, retried=True), "otp.rejected_twice"),
        ("otp_required_app", "PUT", _api.OTPAttempt(sent=True, renewable=True), "otp.no_next_step"),
        ("otp_required_app", "PUT", _api.OTPAttempt(sent=True), "otp.static_rejected"),
        ("otp_required_sms", "PUT", _api.OTPAttempt(), "otp.sms_sent"),
        ("otp_required_sms", "GET", _api.OTPAttempt(), "otp.sms_info"),
        ("otp_required_sms", "PUT", _api.OTPAttempt(sent=True), "otp.static_rejected"),
    ],
    ids=["app-no-code", "app-totp-rejected-twice", "app-totp-not-retried", "app-static-rejected", "sms-put", "sms-get", "sms-code-rejected"],
)
def test_error_from_answer_otp_hints(fixture: str, method: str, attempt: _api.OTPAttempt, msg_id: str) -> None:
    recorded = load_fixture(fixture)
    headers = CaseInsensitiveDict(recorded["headers"])  # the recorded app challenge has lower-case header names
    answer = _api.Answer(recorded["status"], "Unauthorized", headers, json.dumps(recorded["body"]).encode())
    exc = _api.error_from_answer(answer, method, "/authorizations", otp=attempt, sms_get_hint="otp.sms_info")
    assert isinstance(exc, errors.OTPRequired)
    assert exc.fields["hint"].msg_id == msg_id
    assert exc.details["otp_sent"] is attempt.sent


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (200, {}, b"{}", _api.ACCEPTED),
        (201, {}, b"{}", _api.ACCEPTED),
        (404, {}, b"{}", _api.ACCEPTED),  # the password got GitHub past authentication
        (401, {}, b'{"message": "Bad credentials"}', _api.REJECTED),
        (401, {"X-GitHub-OTP": "required; app"}, b"{}", _api.UNKNOWN),
        (403, {}, b'{"message": "Maximum number of login attempts exceeded."}', _api.REJECTED),
        (403, {}, b'{"message": "Must have admin rights"}', _api.ACCEPTED),
        (502, {}, b"", _api.UNKNOWN),
    ],
    ids=["200", "201", "404", "bad-credentials", "otp-challenge", "lockout", "forbidden", "502"],
)
def test_verdict(status: int, headers: dict[str, str], body: bytes, expected: str) -> None:
    assert _api.verdict(_api.Answer(status, "", headers, body)) == expected


# ---------------------------------------------------------------- success, 3xx and bodies


def test_success_decodes_json_and_sends_auth(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("authorization_existing")))
    response = make_client().request("PUT", PUT_PATH, body={"client_secret": "s", "scopes": ["repo"]}, expect=(200, 201), shape=dict)
    assert response is not None
    assert (response.created, response.next_url, response.answer_lost) == (False, None, False)
    assert response.data["id"] == 223595300
    sent = server.seen[0]
    assert sent.json() == {"client_secret": "s", "scopes": ["repo"]}
    assert sent.header("Authorization") == "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert sent.header("Accept") == "application/vnd.github.v3+json"
    assert sent.header("User-Agent") == _api.USER_AGENT
    assert sent.header("X-GitHub-OTP") is None


def test_created_is_a_201(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, Reply(201, CREATED))
    response = make_client().request("PUT", PUT_PATH, body={}, expect=(200, 201), shape=dict)
    assert response is not None and response.created is True


def test_empty_success_body(server: LocalServer, make_client: MakeClient) -> None:
    server.route("DELETE", "/authorizations/1", Reply(204))
    response = make_client().request("DELETE", "/authorizations/1", expect=(204,))
    assert response is not None and response.data is None


@pytest.mark.parametrize(
    ("kwargs", "reply", "msg_id"),
    [
        ({"expect": (200,)}, Reply(201, {}), "api.unexpected_status"),
        ({"expect": (200, 201), "shape": dict}, Reply(200, []), "api.no_shape"),
        ({"expect": (200, 201), "shape": dict}, Reply(200, b""), "api.no_shape"),
        ({"shape": list}, Reply(200, {"message": "x"}), "api.no_shape"),
        ({}, Reply(200, "<!DOCTYPE html><html>GitHub Enterprise sign in</html>"), "api.not_json"),
        ({}, Reply(200, "[" * 100_000 + "]" * 100_000), "api.not_json"),
    ],
    ids=["unexpected-success-status", "list-for-object", "empty-for-object", "object-for-list", "html", "deep-json"],
)
def test_expected_status_shape_and_json(server: LocalServer, make_client: MakeClient, kwargs: dict[str, t.Any], reply: Reply, msg_id: str) -> None:
    server.route("PUT", PUT_PATH, reply)
    exc = raised(make_client(), "PUT", PUT_PATH, **kwargs)
    assert isinstance(exc, errors.UnexpectedResponse)
    assert exc.msg_id == msg_id


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_not_followed(server: LocalServer, make_client: MakeClient, status: int) -> None:
    """A redirect would turn the PUT into a GET and send the two-factor code to another host."""
    server.route("PUT", PUT_PATH, Reply(status, b"", {"Location": f"{server.url}/elsewhere"}, reason="Moved"))
    server.route("GET", "/elsewhere", Reply(200, {}))
    exc = raised(make_client(), "PUT", PUT_PATH)
    assert isinstance(exc, errors.UnexpectedResponse)
    assert exc.msg_id == "api.redirect"
    assert f"returned {status} Moved" in exc.msg
    assert server.calls() == [f"PUT {PUT_PATH}"]


def test_user_agent_version_is_the_collection_version() -> None:
    galaxy = Path(__file__).resolve().parents[4] / "galaxy.yml"
    assert yaml.safe_load(galaxy.read_text())["version"] == _api.COLLECTION_VERSION
    assert _api.USER_AGENT == f"oauthkit.github/{_api.COLLECTION_VERSION}"


def test_trailing_slash_of_api_url_is_dropped(server: LocalServer, make_client: MakeClient) -> None:
    server.route("GET", "/user", Reply(200, {}))
    make_client(api_url=f"{server.api_url}/").request("GET", "/user")
    assert server.seen[0].path == "/api/v3/user"


# ---------------------------------------------------------------- two-factor codes and the one resend


def totp(clock: FakeClock, **kwargs: t.Any) -> _otp.TOTPSource:
    return _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep, **kwargs)


def test_totp_code_is_sent_as_a_six_digit_string(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    server.route("PUT", PUT_PATH, Reply(200, CREATED))
    make_client(otp=totp(clock)).request("PUT", PUT_PATH)
    assert server.seen[0].header("X-GitHub-OTP") == hotp_reference(OTP_SECRET, int(clock.now // 30))


def test_rejected_totp_code_is_sent_again_once_with_the_next_steps_code(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    step = int(clock.now // 30)
    source = totp(clock)
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("otp_required_app")), Reply(201, CREATED))
    client = make_client(otp=source)
    response = client.request("PUT", PUT_PATH, body={"client_secret": "s"}, expect=(200, 201))
    assert response is not None and response.created is True
    codes = [hotp_reference(OTP_SECRET, step), hotp_reference(OTP_SECRET, step + 1)]
    assert [seen.header("X-GitHub-OTP") for seen in server.seen] == codes
    assert server.seen[1].json() == {"client_secret": "s"}
    assert source.codes == set(codes)  # for the action plugin to hide them
    assert 20.0 <= sum(clock.sleeps) <= 20.1  # waited only for the next step
    assert client.otp_wait == pytest.approx(sum(clock.sleeps))
    assert client.retries_made == 0  # the resend is not one of the retries


def test_second_rejection_raises(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("otp_required_app")))
    exc = raised(make_client(otp=totp(clock)), "PUT", PUT_PATH)
    assert isinstance(exc, errors.OTPRequired)
    assert len(server.seen) == 2
    assert exc.otp_sent is True
    assert exc.fields["hint"].msg_id == "otp.rejected_twice"


def test_no_resend_when_the_next_step_is_too_far(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("otp_required_app")), Reply(201, CREATED))
    exc = raised(make_client(otp=totp(clock, max_wait=1.0)), "PUT", PUT_PATH)
    assert len(server.seen) == 1
    assert sum(clock.sleeps) == pytest.approx(1.0)
    assert exc.fields["hint"].msg_id == "otp.no_next_step"


def test_static_code_is_not_sent_again(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("otp_required_sms")), Reply(201, CREATED))
    exc = raised(make_client(otp=_otp.StaticCode("987650")), "PUT", PUT_PATH)
    assert len(server.seen) == 1
    assert server.seen[0].header("X-GitHub-OTP") == "987650"
    assert isinstance(exc, errors.OTPRequired) and exc.otp_sent is True
    assert "given in otp" in exc.msg
    assert "987650" not in exc.msg


@pytest.mark.parametrize(
    ("method", "hint", "msg_id"),
    [("PUT", "otp.sms_get", "otp.sms_sent"), ("GET", "otp.sms_get", "otp.sms_get"), ("GET", "otp.sms_check_mode", "otp.sms_check_mode")],
    ids=["put-sends-the-sms", "get-sends-none", "check-mode"],
)
def test_sms_without_a_code(server: LocalServer, make_client: MakeClient, method: str, hint: str, msg_id: str) -> None:
    server.route(method, "/authorizations", fixture_reply(load_fixture("otp_required_sms")))
    client = make_client()
    client.sms_get_hint = hint
    exc = raised(client, method, "/authorizations")
    assert exc.fields["hint"].msg_id == msg_id


@pytest.mark.parametrize("fixture", ["bad_credentials", "login_lockout"])
def test_a_refused_login_with_a_code_is_not_sent_again(server: LocalServer, make_client: MakeClient, clock: FakeClock, fixture: str) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture(fixture)), Reply(201, CREATED))
    raised(make_client(otp=totp(clock)), "PUT", PUT_PATH)
    assert len(server.seen) == 1
    assert clock.sleeps == []


def test_app_authentication_replaces_the_password_and_sends_no_code(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    path = f"/applications/{CLIENT_ID}/token"
    server.route("PATCH", path, Reply(200, CREATED))
    source = totp(clock)
    make_client(otp=source).request("PATCH", path, body={"access_token": "x"}, app_auth=(CLIENT_ID, CLIENT_SECRET), idempotent=False)
    sent = server.seen[0]
    assert sent.header("Authorization") == "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert sent.header("X-GitHub-OTP") is None
    assert source.codes == set()  # no code was even computed


# ---------------------------------------------------------------- pagination


def test_pagination_follows_next_on_the_same_server(server: LocalServer, make_client: MakeClient) -> None:
    page1 = load_fixture("authorizations_list_page1")
    headers = {**page1["headers"], "Link": f'<{server.api_url}/authorizations?page=2>; rel="next"'}
    server.route("GET", "/authorizations", Reply(200, page1["body"], headers), Reply(200, [{"id": 4}]))
    items = list(make_client().paginate("/authorizations", {"client_id": "abc"}))
    assert [item["id"] for item in items] == [*(item["id"] for item in page1["body"]), 4]
    first, second = server.seen
    assert sorted(first.query.split("&")) == ["client_id=abc", "per_page=100"]
    assert second.path == "/api/v3/authorizations?page=2"  # the Link value, as given
    assert second.header("Authorization") is not None


@pytest.mark.parametrize(
    "link",
    ['<https://api.github.com/authorizations?page=2>; rel="next"', '<http://127.0.0.1.evil.test/api/v3/authorizations?page=2>; rel="next"'],
    ids=["another-host", "lookalike-host"],
)
def test_pagination_refuses_a_next_link_on_another_host(server: LocalServer, make_client: MakeClient, link: str) -> None:
    server.route("GET", "/authorizations", Reply(200, [{"id": 1}], {"Link": link}))
    with pytest.raises(errors.UnexpectedResponse) as exc_info:
        list(make_client().paginate("/authorizations"))
    assert exc_info.value.msg_id == "api.next_page_elsewhere"
    assert "credentials are not sent there" in exc_info.value.msg
    assert len(server.seen) == 1


def test_pagination_needs_a_list(server: LocalServer, make_client: MakeClient) -> None:
    server.route("GET", "/authorizations", Reply(200, {"message": "not a list"}))
    with pytest.raises(errors.UnexpectedResponse) as exc_info:
        list(make_client().paginate("/authorizations"))
    assert "without a list" in exc_info.value.msg


def test_pagination_error_on_a_later_page(server: LocalServer, make_client: MakeClient) -> None:
    link = {"Link": f'<{server.api_url}/authorizations?page=2>; rel="next"'}
    server.route("GET", "/authorizations", Reply(200, [{"id": 1}], link), fixture_reply(load_fixture("not_found")))
    server.route("GET", "/", GHES_ROOT)
    with pytest.raises(errors.NotFound) as exc_info:
        list(make_client().paginate("/authorizations"))
    assert "GitHub Enterprise Server 3.17.0" in exc_info.value.msg


# ---------------------------------------------------------------- TLS, proxies and the task's environment


def test_tls_with_the_ca_in_ca_path(tls_server: LocalServer, make_client: MakeClient, ca_file: str) -> None:
    tls_server.route("GET", "/user", Reply(200, {"login": USERNAME}))
    response = make_client(api_url=tls_server.api_url, verify=ca_file).request("GET", "/user")
    assert response is not None and response.data == {"login": USERNAME}


def test_tls_with_the_ca_bundle_of_the_tasks_environment(tls_server: LocalServer, make_client: MakeClient, ca_file: str) -> None:
    tls_server.route("GET", "/user", Reply(200, {}))
    client = make_client(api_url=tls_server.api_url, env={"REQUESTS_CA_BUNDLE": ca_file})
    assert client.request("GET", "/user") is not None


def test_tls_ignores_the_controllers_ca_bundle(tls_server: LocalServer, make_client: MakeClient, ca_file: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_file)
    tls_server.route("GET", "/user", Reply(200, {}))
    client = make_client(api_url=tls_server.api_url, env={})
    exc = raised(client, "GET", "/user")
    assert exc.msg_id == "transport.tls"


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_without_verification(tls_server: LocalServer, make_client: MakeClient) -> None:
    tls_server.route("GET", "/user", Reply(200, {}))
    assert make_client(api_url=tls_server.api_url, verify=False).request("GET", "/user") is not None


def test_tls_failure_names_the_fix(tls_server: LocalServer, make_client: MakeClient) -> None:
    tls_server.route("GET", "/user", Reply(200, {}))
    exc = raised(make_client(api_url=tls_server.api_url), "GET", "/user")
    assert isinstance(exc, errors.TransportError)
    assert exc.msg == (f"TLS verification of {tls_server.url} failed (SSLError). Set ca_path to the PEM file of the CA that signed the "
                       "server's certificate; validate_certs: false is for tests only.")
    assert exc.__cause__ is None and exc.__suppress_context__
    assert tls_server.seen == []


def test_the_tasks_proxy_is_used_and_warned_about(server: LocalServer, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")  # the controller's: not the task's, so not used
    server.queue(Reply(200, {"via": "proxy"}))
    client = make_client(api_url="http://ghes.internal.test/api/v3", env={"HTTP_PROXY": server.url})
    response = client.request("GET", "/user")
    assert response is not None and response.data == {"via": "proxy"}
    assert server.seen[0].path == "http://ghes.internal.test/api/v3/user"  # a proxy request: the absolute URL
    (warning,) = client.warnings
    assert warning.msg_id == "api_url.proxy_warning"
    assert warning.fields == {"proxy_host": "127.0.0.1", "variable": "HTTP_PROXY"}


def test_no_proxy_of_the_task(server: LocalServer, make_client: MakeClient) -> None:
    server.route("GET", "/user", Reply(200, {}))
    client = make_client(env={"http_proxy": f"http://127.0.0.1:{closed_port()}", "no_proxy": "127.0.0.1"})
    assert client.request("GET", "/user") is not None
    assert client.warnings == ()
    assert server.seen[0].path == "/api/v3/user"


def test_https_through_a_proxy_is_not_warned_about(make_client: MakeClient) -> None:
    client = make_client(api_url="https://ghes.example.com/api/v3", env={"https_proxy": "http://proxy.example.com:3128"})
    assert client.warnings == ()


# ---------------------------------------------------------------- transport errors


def test_connection_refused(make_client: MakeClient) -> None:
    client = make_client(api_url=f"http://127.0.0.1:{closed_port()}/api/v3", retries=2)
    exc = raised(client, "PUT", PUT_PATH)
    assert exc.__class__ is errors.TransportError
    assert exc.msg_id == "transport.unreachable"
    assert exc.msg.startswith(f"Could not reach {client.api_url.removesuffix('/api/v3')} (ConnectionError)")
    assert client.retries_made == 2  # it never reached a server: retried
    assert exc.details == {"url": client.api_url.removesuffix("/api/v3")}
    assert exc.__cause__ is None  # "from None": the requests traceback stays out of the result


def test_connect_timeout(make_client: MakeClient) -> None:
    """A listening socket whose backlog is full drops new connection attempts: they time out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _filler in range(4):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            client = make_client(api_url=f"http://127.0.0.1:{port}/api/v3", timeout=0.3, retries=0)
            exc = raised(client, "GET", "/user")
        finally:
            for filler in fillers:
                filler.close()
    assert exc.msg_id == "transport.connect_timeout"
    assert "within 0.3 s" in exc.msg
