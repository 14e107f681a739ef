# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP transport: every error status of API_CONTRACT.md §3 mapped to a typed exception, OTP retry, pagination, transport errors."""

from __future__ import annotations

import base64
import typing as t
from pathlib import Path

import pytest
import requests
import yaml

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _otp
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    API_URL,
    OTP_SECRET,
    PASSWORD,
    USERNAME,
    FakeClock,
    hotp_reference,
    load_fixture,
    response_kwargs,
)

PUT_PATH = "/authorizations/clients/0123456789abcdef0123"
PUT_URL = f"{API_URL}{PUT_PATH}"


@pytest.fixture
def client() -> _api.GitHubClient:
    made = _api.GitHubClient(API_URL, USERNAME, PASSWORD)
    made.sleep = no_sleep
    return made


def raised(client: _api.GitHubClient, method: str, path: str) -> errors.APIError:
    with pytest.raises(errors.APIError) as exc_info:
        client.request(method, path, body={"client_secret": "x"})
    return exc_info.value


class ErrorCase(t.NamedTuple):
    fixture: str
    method: str
    path: str
    exc_type: type[errors.APIError]
    fragments: tuple[str, ...]  # in the message
    details: dict[str, t.Any]  # extra keys for the failure result

    @property
    def id(self) -> str:
        return f"{self.fixture}-{self.method}{self.path.split('/')[1]}"


ERROR_CASES = [
    ErrorCase(
        "otp_required_app",
        "PUT",
        PUT_PATH,
        errors.OTPRequired,
        ("X-GitHub-OTP: required; app", "otp_secret", "base32 TOTP seed"),
        {"otp_kind": "app", "otp_sent": False},
    ),
    ErrorCase(
        "otp_required_sms",
        "PUT",
        PUT_PATH,
        errors.OTPRequired,
        ("by SMS", "POST or PUT", "otp set to the code from the SMS"),
        {"otp_kind": "sms", "otp_sent": False},
    ),
    ErrorCase("bad_credentials", "PUT", PUT_PATH, errors.BadCredentials, ("401 Bad credentials", "rejected the username or password", "GITHUB_PASSWORD"), {}),
    ErrorCase("requires_authentication", "PUT", PUT_PATH, errors.BadCredentials, ("401 Requires authentication", "received no credentials"), {}),
    ErrorCase("login_lockout", "PUT", PUT_PATH, errors.LoginLockout, ("locked", "Nothing was retried", "extends the lockout"), {}),
    ErrorCase("rate_limit", "GET", "/authorizations", errors.RateLimited, ("rate limit", "until 2019-11-12T20:50:08Z"), {"reset_at": "2019-11-12T20:50:08Z"}),
    ErrorCase("abuse", "PUT", PUT_PATH, errors.RateLimited, ("abuse detection", "exhausted for now"), {"reset_at": None, "retry_after": None}),
    ErrorCase("retry_after", "PUT", PUT_PATH, errors.RateLimited, ("429", "for 60 s"), {"retry_after": "60", "reset_at": None}),
    ErrorCase("gone", "PUT", PUT_PATH, errors.Gone, ("410", "switched this endpoint off", "2020-11-13", "api_url"), {}),
    ErrorCase("validation_note_missing", "PUT", PUT_PATH, errors.ValidationFailed, ("422 Validation Failed", "note is required"), {}),
    ErrorCase("validation_duplicate_note", "PUT", PUT_PATH, errors.ValidationFailed, ("note already exists",), {}),
    ErrorCase("validation_invalid_scopes", "PUT", PUT_PATH, errors.ValidationFailed, ("scopes: scopes are invalid: user,repo,gist",), {}),
    ErrorCase(
        "validation_client_id_key",
        "PUT",
        PUT_PATH,
        errors.ValidationFailed,
        ('"client_id" is not a permitted key', "GitHub refused the request"),
        {"errors": []},
    ),
    ErrorCase("problems_parsing_json", "PUT", PUT_PATH, errors.BadRequest, ("400 Problems parsing JSON", "could not read the request"), {}),
    ErrorCase("body_not_object", "PUT", PUT_PATH, errors.BadRequest, ("Body should be a JSON object",), {}),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case.id for case in ERROR_CASES])
def test_recorded_error_bodies(requests_mock: t.Any, case: ErrorCase) -> None:
    fixture, method, path, exc_type, fragments, details = case
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, retries=0)  # the messages of first answers: no retry or wait
    client.sleep = no_sleep
    recorded = load_fixture(fixture)
    requests_mock.register_uri(method, f"{API_URL}{path}", **response_kwargs(fixture))
    exc = raised(client, method, path)
    assert isinstance(exc, exc_type)
    assert exc.status == recorded["status"]
    assert (exc.method, exc.path) == (method, path)
    assert exc.msg.startswith(f"{method} {path} returned {recorded['status']}")
    for fragment in fragments:
        assert fragment in exc.msg
    for key, value in details.items():
        assert exc.details[key] == value
    if recorded["body"].get("documentation_url"):
        assert exc.details["documentation_url"] == recorded["body"]["documentation_url"]
    assert requests_mock.call_count == 1  # nothing is retried without a two-factor code to renew
    assert PASSWORD not in exc.msg


def no_sleep(seconds: float) -> None:
    raise AssertionError(f"nothing may wait here ({seconds} s)")


ABUSE = {"message": "You have triggered an abuse detection mechanism. Please wait a few minutes before you try again."}
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
CREATED = {"id": 1, "token": "t" * 40, "hashed_token": "h" * 64}


def waiting_client(**options: t.Any) -> tuple[_api.GitHubClient, list[float]]:
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, **options)
    slept: list[float] = []
    client.sleep = slept.append
    return client, slept


@pytest.mark.parametrize("body", [ABUSE, SECONDARY], ids=["abuse", "secondary"])
def test_limit_named_only_by_its_message_waits_a_minute_then_sends_again(requests_mock: t.Any, body: dict[str, str]) -> None:
    requests_mock.put(PUT_URL, [{"status_code": 403, "json": body}, {"status_code": 201, "json": CREATED}])
    client, slept = waiting_client()
    answer = client.request("PUT", PUT_PATH, body={}, expect=(200, 201))
    assert answer is not None and answer.created
    assert slept == [60.0]
    assert requests_mock.call_count == 2
    assert client.retries_made == 1


def test_limit_named_only_by_its_message_is_waited_for_once(requests_mock: t.Any) -> None:
    requests_mock.put(PUT_URL, status_code=403, json=ABUSE)
    client, slept = waiting_client()
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.RateLimited)
    assert slept == [60.0]
    assert requests_mock.call_count == 2


@pytest.mark.parametrize("options", [{"rate_limit_wait": 59.0}, {"retries": 0}], ids=["wait-too-short", "no-retries"])
def test_limit_named_only_by_its_message_is_not_waited_for_beyond_the_options(requests_mock: t.Any, options: dict[str, t.Any]) -> None:
    requests_mock.put(PUT_URL, status_code=403, json=SECONDARY)
    client, slept = waiting_client(**options)
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.RateLimited)
    assert slept == []
    assert requests_mock.call_count == 1


@pytest.mark.parametrize(
    "body",
    [{"message": "Maximum number of login attempts exceeded. Please try again later."}, {"message": "Must have admin rights to Repository."}],
    ids=["lockout", "forbidden"],
)
def test_other_403_is_never_waited_for(requests_mock: t.Any, body: dict[str, str]) -> None:
    requests_mock.put(PUT_URL, status_code=403, json=body)
    client, slept = waiting_client()
    raised(client, "PUT", PUT_PATH)
    assert slept == []
    assert requests_mock.call_count == 1


# ---------------------------------------------------------------- 404: one look at the API root tells the cases apart

GHES_ROOT = {
    "json": {"current_user_url": f"{API_URL}/user", "authorizations_url": f"{API_URL}/authorizations"},
    "headers": {"X-GitHub-Enterprise-Version": "3.9.0"},
}
HTML_PAGE = {"status_code": 404, "text": "<!DOCTYPE html><html>Page not found</html>", "headers": {"Content-Type": "text/html; charset=utf-8"}}


@pytest.mark.parametrize(
    ("root", "fragments", "absent"),
    [
        (GHES_ROOT, ("404 Not Found", "GitHub Enterprise Server 3.9.0", "client_id is not an OAuth app on this server"), ("2020-11-13", "/api/v3")),
        ({**response_kwargs("not_found")}, ("404 Not Found", "2020-11-13"), ("Enterprise Server 3", "client_id is not")),
        ({"json": {"current_user_url": "https://api.github.com/user"}}, ("2020-11-13",), ("client_id is not",)),
        (HTML_PAGE, ("api_url does not lead to a GitHub API root", "https://HOST/api/v3"), ("2020-11-13", "client_id is not")),
        ({"status_code": 302, "headers": {"Location": "https://ghes.example.com/login"}}, ("https://HOST/api/v3",), ("2020-11-13",)),
    ],
    ids=["ghes-unknown-client-id", "github-json-404", "github-root-document", "html-not-an-api-root", "redirect-not-an-api-root"],
)
def test_not_found_is_diagnosed_from_the_api_root(
    requests_mock: t.Any, client: _api.GitHubClient, root: dict[str, t.Any], fragments: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    requests_mock.put(PUT_URL, **response_kwargs("not_found"))
    requests_mock.get(f"{API_URL}/", **root)
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.NotFound)
    assert exc.status == 404
    for fragment in fragments:
        assert fragment in exc.msg
    for fragment in absent:
        assert fragment not in exc.msg
    assert [(r.method, r.url) for r in requests_mock.request_history] == [("PUT", PUT_URL), ("GET", f"{API_URL}/")]
    assert "X-GitHub-OTP" not in requests_mock.request_history[1].headers


def test_not_found_on_another_path_of_a_ghes(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.patch(f"{API_URL}/authorizations/7", **response_kwargs("not_found"))
    requests_mock.get(f"{API_URL}/", **GHES_ROOT)
    exc = raised(client, "PATCH", "/authorizations/7")
    assert "GitHub Enterprise Server 3.9.0 answers at api_url, but not for this PATCH" in exc.msg
    assert "client_id is not" not in exc.msg


def test_not_found_when_the_root_cannot_be_reached(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, **response_kwargs("not_found"))
    requests_mock.get(f"{API_URL}/", exc=requests.exceptions.ConnectionError)
    assert "check api_url and client_id" in raised(client, "PUT", PUT_PATH).msg


def test_not_found_on_github_com_needs_no_second_look(requests_mock: t.Any) -> None:
    client = _api.GitHubClient("https://api.github.com", USERNAME, PASSWORD)
    requests_mock.put(f"https://api.github.com{PUT_PATH}", **response_kwargs("not_found"))
    assert "2020-11-13" in raised(client, "PUT", PUT_PATH).msg
    assert requests_mock.call_count == 1


def test_missing_ok_returns_none_without_a_second_look(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.delete(f"{API_URL}/authorizations/1", **response_kwargs("not_found"))
    assert client.request("DELETE", "/authorizations/1", expect=(204,), missing_ok=True) is None
    assert requests_mock.call_count == 1


def test_sms_in_check_mode_says_a_get_sends_no_sms(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.get(f"{API_URL}/authorizations", **response_kwargs("otp_required_sms"))
    exc = raised(client, "GET", "/authorizations")
    assert isinstance(exc, errors.OTPRequired)
    assert "Check mode sends only GET requests" in exc.msg
    assert "without check mode" in exc.msg
    assert "as this request just did" not in exc.msg


def test_validation_errors_keep_githubs_list(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, **response_kwargs("validation_note_missing"))
    exc = raised(client, "PUT", PUT_PATH)
    assert exc.details["errors"] == [{"resource": "OauthAccess", "code": "missing_field", "field": "description"}]
    assert "description" not in exc.msg.split(": ", 1)[1]  # shown as "note", GitHub's internal field name is not


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
    ids=["missing_field", "already_exists", "missing", "invalid", "unprocessable-resource", "unknown-code", "custom", "message-only", "mixed", "null", "none"],
)
def test_describe_validation_errors(body: dict[str, t.Any], expected: str) -> None:
    assert _api.describe_validation_errors(body) == expected


@pytest.mark.parametrize("status", [500, 502, 503, 504], ids=str)
def test_server_errors(requests_mock: t.Any, client: _api.GitHubClient, status: int) -> None:
    requests_mock.put(PUT_URL, status_code=status, reason="Server Trouble", text="<html>oops</html>")
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.ServerError)
    assert f"returned {status} Server Trouble" in exc.msg
    assert "Try again later" in exc.msg
    assert requests_mock.call_count == 1


def test_plain_forbidden(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, status_code=403, json={"message": "Must have admin rights to Repository."})
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.Forbidden)
    assert "permissions" in exc.msg


def test_rate_limit_recognised_by_message_without_headers(requests_mock: t.Any) -> None:
    requests_mock.put(PUT_URL, status_code=403, json={"message": "API rate limit exceeded for user ID 1."})
    client, slept = waiting_client()
    exc = raised(client, "PUT", PUT_PATH)
    assert slept == [60.0]  # waited once, as GitHub asks when no header says how long
    assert isinstance(exc, errors.RateLimited)
    assert "for now" in exc.msg


def test_rate_limit_reset_wins_over_retry_after(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, status_code=429, headers={"Retry-After": "60", "X-RateLimit-Reset": "0"}, json={"message": "slow down"})
    exc = raised(client, "PUT", PUT_PATH)
    assert "until 1970-01-01T00:00:00Z" in exc.msg
    assert exc.details["retry_after"] == "60"


def test_rate_limit_with_a_malformed_reset(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, status_code=403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "soon"}, json={"message": "x"})
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.RateLimited)
    assert exc.details["reset_at"] is None


def test_unlisted_client_error_is_unexpected(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, status_code=418, reason="I'm a teapot", text="")
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.UnexpectedResponse)
    assert "418 I'm a teapot" in exc.msg
    assert "not part of the API contract" in exc.msg


@pytest.mark.parametrize("body", ["[1, 2]", "not json at all", ""], ids=["json-list", "text", "empty"])
def test_error_body_that_is_not_an_object(requests_mock: t.Any, client: _api.GitHubClient, body: str) -> None:
    requests_mock.put(PUT_URL, status_code=401, reason="Unauthorized", text=body)
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.BadCredentials)
    assert "returned 401 Unauthorized" in exc.msg


@pytest.mark.parametrize(
    ("header", "kind"),
    [("required; app", "app"), ("required; sms", "sms"), ("Required; SMS", "sms"), ("required", "app"), ("required;", "app")],
    ids=["app", "sms", "upper-case", "bare", "empty-kind"],
)
def test_otp_challenge_kinds(requests_mock: t.Any, client: _api.GitHubClient, header: str, kind: str) -> None:
    requests_mock.put(PUT_URL, status_code=401, headers={"X-GitHub-OTP": header}, json={"message": "Must specify two-factor authentication OTP code."})
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.OTPRequired)
    assert exc.kind == kind
    assert exc.otp_sent is False


def test_otp_header_that_is_not_a_challenge(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, status_code=401, headers={"X-GitHub-OTP": "optional"}, json={"message": "Bad credentials"})
    assert isinstance(raised(client, "PUT", PUT_PATH), errors.BadCredentials)


# ---------------------------------------------------------------- error_from_response's OTP hints, directly


@pytest.mark.parametrize(
    "case",
    [
        ("otp_required_app", False, False, False, "Set otp_secret"),
        ("otp_required_app", True, True, True, "again the code of the next 30-second step"),
        ("otp_required_app", True, True, False, "so it was not retried"),
        ("otp_required_app", True, False, False, "rejected the one-time code given in otp"),
        ("otp_required_sms", False, False, False, "by SMS"),
        ("otp_required_sms", True, False, False, "rejected the one-time code given in otp"),
    ],
    ids=["app-no-code", "app-totp-rejected-twice", "app-totp-not-retried", "app-static-rejected", "sms-no-code", "sms-code-rejected"],
)
def test_error_from_response_otp_hints(requests_mock: t.Any, case: tuple[str, bool, bool, bool, str]) -> None:
    fixture, otp_sent, renewable, retried, fragment = case
    requests_mock.get(f"{API_URL}/user", **response_kwargs(fixture))
    response = requests.get(f"{API_URL}/user", timeout=1)
    exc = _api.error_from_response(response, "GET", "/user", otp=_api.OTPAttempt(sent=otp_sent, renewable=renewable, retried=retried))
    assert isinstance(exc, errors.OTPRequired)
    assert fragment in exc.msg
    assert exc.details["otp_sent"] is otp_sent


# ---------------------------------------------------------------- success, 3xx and bodies


def test_success_decodes_json_and_sends_auth(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, **response_kwargs("authorization_existing"))
    response = client.request("PUT", PUT_PATH, body={"client_secret": "s", "scopes": ["repo"]}, expect=(200, 201), shape=dict)
    assert response.created is False
    assert response.data["id"] == 223595300
    assert response.next_url is None
    sent = requests_mock.last_request
    assert sent.json() == {"client_secret": "s", "scopes": ["repo"]}
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert sent.headers["Accept"] == "application/vnd.github.v3+json"
    assert sent.headers["User-Agent"].startswith("oauthkit.github/")
    assert "X-GitHub-OTP" not in sent.headers
    assert sent.timeout == _api.DEFAULT_TIMEOUT


def test_empty_success_body(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.delete(f"{API_URL}/authorizations/1", status_code=204)
    response = client.request("DELETE", "/authorizations/1", expect=(204,))
    assert response.data is None


@pytest.mark.parametrize(
    ("kwargs", "answer", "fragment"),
    [
        ({"expect": (200,)}, {"status_code": 201, "json": {}}, "returned 201"),
        ({"expect": (200, 201), "shape": dict}, {"json": []}, "without an object"),
        ({"expect": (200, 201), "shape": dict}, {"status_code": 200, "text": ""}, "without an object"),
        ({"shape": list}, {"json": {"message": "x"}}, "without a list"),
    ],
    ids=["unexpected-success-status", "list-for-object", "empty-for-object", "object-for-list"],
)
def test_expected_status_and_shape(requests_mock: t.Any, client: _api.GitHubClient, kwargs: dict[str, t.Any], answer: dict[str, t.Any], fragment: str) -> None:
    requests_mock.put(PUT_URL, **answer)
    with pytest.raises(errors.UnexpectedResponse) as exc_info:
        client.request("PUT", PUT_PATH, **kwargs)
    assert fragment in exc_info.value.msg


def test_non_json_body_on_200(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, status_code=200, text="<!DOCTYPE html><html>GitHub Enterprise sign in</html>")
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.UnexpectedResponse)
    assert "not JSON" in exc.msg
    assert "api/v3" in exc.msg


@pytest.mark.parametrize("status", [301, 302, 304, 307], ids=str)
def test_unexpected_3xx(requests_mock: t.Any, client: _api.GitHubClient, status: int) -> None:
    requests_mock.put(PUT_URL, status_code=status, reason="Moved", text="")
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.UnexpectedResponse)
    assert exc.status == status
    assert f"returned {status} Moved" in exc.msg
    assert "check api_url" in exc.msg


def test_redirects_are_not_followed(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    """A redirect would turn the PUT into a GET and send the two-factor code to another host."""
    requests_mock.put(PUT_URL, status_code=302, reason="Found", headers={"Location": "https://elsewhere.example.net/steal"})
    requests_mock.get("https://elsewhere.example.net/steal", json={})
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.UnexpectedResponse)
    assert requests_mock.call_count == 1


def test_validation_error_values_are_dropped(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    body = {"message": "Validation Failed", "errors": [{"resource": "OauthAccess", "field": "client_secret", "code": "invalid", "value": "s3cr3t"}]}
    requests_mock.put(PUT_URL, status_code=422, json=body)
    exc = raised(client, "PUT", PUT_PATH)
    assert exc.details["errors"] == [{"resource": "OauthAccess", "field": "client_secret", "code": "invalid"}]
    assert "s3cr3t" not in exc.msg


def test_user_agent_version_is_the_collection_version() -> None:
    galaxy = Path(__file__).resolve().parents[4] / "galaxy.yml"
    assert yaml.safe_load(galaxy.read_text())["version"] == _api.COLLECTION_VERSION
    assert f"/{_api.COLLECTION_VERSION}" in _api.USER_AGENT


def test_trailing_slash_of_api_url_is_dropped(requests_mock: t.Any) -> None:
    client = _api.GitHubClient(API_URL + "/", USERNAME, PASSWORD)
    requests_mock.get(f"{API_URL}/user", json={})
    client.request("GET", "/user")
    assert requests_mock.last_request.url == f"{API_URL}/user"


@pytest.mark.parametrize(
    ("validate_certs", "ca_path", "verify"),
    [(True, None, "/from/the/environment.pem"), (True, "/etc/ca.pem", "/etc/ca.pem"), (False, "/etc/ca.pem", False), (False, None, False)],
    ids=["default-honours-environment-bundle", "ca-path-wins", "no-validation-ca-ignored", "no-validation"],
)
def test_tls_options(
    requests_mock: t.Any, monkeypatch: pytest.MonkeyPatch, validate_certs: bool, ca_path: str | None, verify: t.Any
) -> None:
    """ca_path and validate_certs reach every request and win over REQUESTS_CA_BUNDLE; without them the environment's bundle counts."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/from/the/environment.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/from/the/environment.pem")
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, validate_certs=validate_certs, ca_path=ca_path, timeout=5)
    requests_mock.get(f"{API_URL}/user", json={})
    client.request("GET", "/user")
    assert requests_mock.last_request.verify == verify
    assert client.session.auth == (USERNAME, PASSWORD)


# ---------------------------------------------------------------- transport errors


@pytest.mark.parametrize(
    ("exc", "fragments"),
    [
        (requests.exceptions.ConnectionError("refused"), ("Could not reach https://ghes.example.com (ConnectionError)", "check api_url, DNS, proxies")),
        (requests.exceptions.ConnectTimeout("slow"), ("got no answer within 7.5 s", "raise timeout")),
        (requests.exceptions.ReadTimeout("slow"), ("got no answer within 7.5 s", "raise timeout")),
        (requests.exceptions.SSLError("certificate verify failed"), ("TLS verification of https://ghes.example.com failed (SSLError)", "Set ca_path")),
        (requests.exceptions.TooManyRedirects("loop"), ("Could not reach", "TooManyRedirects")),
    ],
    ids=["connection-refused", "connect-timeout", "read-timeout", "tls", "other-request-exception"],
)
def test_transport_errors(requests_mock: t.Any, exc: Exception, fragments: tuple[str, ...]) -> None:
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, timeout=7.5)
    requests_mock.put(PUT_URL, exc=exc)
    with pytest.raises(errors.TransportError) as exc_info:
        client.request("PUT", PUT_PATH)
    for fragment in fragments:
        assert fragment in exc_info.value.msg
    assert exc_info.value.details == {"url": "https://ghes.example.com"}
    assert exc_info.value.__cause__ is None  # "from None": the requests traceback stays out of the result
    assert PASSWORD not in exc_info.value.msg


# ---------------------------------------------------------------- two-factor codes and the one retry


def totp(clock: FakeClock, **kwargs: t.Any) -> _otp.TOTPSource:
    return _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep, **kwargs)


def test_totp_code_is_sent_as_a_six_digit_string(requests_mock: t.Any, clock: FakeClock) -> None:
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, otp=totp(clock))
    requests_mock.put(PUT_URL, **response_kwargs("authorization_existing"))
    client.request("PUT", PUT_PATH)
    assert requests_mock.last_request.headers["X-GitHub-OTP"] == hotp_reference(OTP_SECRET, int(clock.now // 30))


def test_rejected_totp_code_is_retried_once_with_the_next_steps_code(requests_mock: t.Any, clock: FakeClock) -> None:
    step = int(clock.now // 30)
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, otp=totp(clock))
    requests_mock.put(PUT_URL, [response_kwargs("otp_required_app"), response_kwargs("authorization_created")])
    response = client.request("PUT", PUT_PATH, body={"client_secret": "s"}, expect=(200, 201))
    assert response.created is True
    history = requests_mock.request_history
    assert [request.headers["X-GitHub-OTP"] for request in history] == [hotp_reference(OTP_SECRET, step), hotp_reference(OTP_SECRET, step + 1)]
    assert history[1].json() == {"client_secret": "s"}
    assert 20.0 <= sum(clock.sleeps) <= 20.1  # waited only for the next step


def test_second_rejection_raises(requests_mock: t.Any, clock: FakeClock) -> None:
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, otp=totp(clock))
    requests_mock.put(PUT_URL, [response_kwargs("otp_required_app")] * 3)
    with pytest.raises(errors.OTPRequired) as exc_info:
        client.request("PUT", PUT_PATH)
    assert requests_mock.call_count == 2
    assert exc_info.value.otp_sent is True
    assert "clock" in exc_info.value.msg
    assert "again the code of the next 30-second step" in exc_info.value.msg


def test_no_retry_when_the_next_step_is_too_far(requests_mock: t.Any, clock: FakeClock) -> None:
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, otp=totp(clock, max_wait=1.0))
    requests_mock.put(PUT_URL, [response_kwargs("otp_required_app"), response_kwargs("authorization_created")])
    with pytest.raises(errors.OTPRequired) as exc_info:
        client.request("PUT", PUT_PATH)
    assert requests_mock.call_count == 1
    assert sum(clock.sleeps) == pytest.approx(1.0)
    assert "not retried" in exc_info.value.msg
    assert "again the code of the next 30-second step" not in exc_info.value.msg


def test_static_code_is_not_retried(requests_mock: t.Any) -> None:
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, otp=_otp.StaticCode("987650"))
    requests_mock.put(PUT_URL, [response_kwargs("otp_required_sms"), response_kwargs("authorization_created")])
    with pytest.raises(errors.OTPRequired) as exc_info:
        client.request("PUT", PUT_PATH)
    assert requests_mock.call_count == 1
    assert requests_mock.last_request.headers["X-GitHub-OTP"] == "987650"
    assert exc_info.value.otp_sent is True
    assert "given in otp" in exc_info.value.msg
    assert "987650" not in exc_info.value.msg


def test_static_code_accepted(requests_mock: t.Any) -> None:
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, otp=_otp.StaticCode("987650"))
    requests_mock.put(PUT_URL, **response_kwargs("authorization_created"))
    assert client.request("PUT", PUT_PATH, expect=(200, 201)).created is True


def test_no_otp_source_tells_to_set_otp_secret(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.put(PUT_URL, **response_kwargs("otp_required_app"))
    exc = raised(client, "PUT", PUT_PATH)
    assert isinstance(exc, errors.OTPRequired)
    assert "Set otp_secret" in exc.msg
    assert requests_mock.call_count == 1


def test_bad_credentials_with_a_code_are_not_retried(requests_mock: t.Any, clock: FakeClock) -> None:
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, otp=totp(clock))
    requests_mock.put(PUT_URL, [response_kwargs("bad_credentials"), response_kwargs("authorization_created")])
    with pytest.raises(errors.BadCredentials):
        client.request("PUT", PUT_PATH)
    assert requests_mock.call_count == 1
    assert clock.sleeps == []


def test_lockout_with_a_code_is_not_retried(requests_mock: t.Any, clock: FakeClock) -> None:
    client = _api.GitHubClient(API_URL, USERNAME, PASSWORD, otp=totp(clock))
    requests_mock.put(PUT_URL, [response_kwargs("login_lockout"), response_kwargs("authorization_created")])
    with pytest.raises(errors.LoginLockout):
        client.request("PUT", PUT_PATH)
    assert requests_mock.call_count == 1


# ---------------------------------------------------------------- pagination


def test_pagination_follows_next_on_the_same_server(requests_mock: t.Any) -> None:
    page1 = load_fixture("authorizations_list_page1")
    client = _api.GitHubClient("https://api.github.com", USERNAME, PASSWORD)
    requests_mock.get(
        "https://api.github.com/authorizations",
        [
            {"status_code": 200, "headers": page1["headers"], "json": page1["body"]},
            {"status_code": 200, "json": [{"id": 4}]},
        ],
    )
    items = list(client.paginate("/authorizations", {"client_id": "abc"}))
    assert [item["id"] for item in items] == [*(item["id"] for item in page1["body"]), 4]
    first, second = requests_mock.request_history
    assert first.qs == {"per_page": ["100"], "client_id": ["abc"]}
    assert second.url == "https://api.github.com/authorizations?page=2"  # the Link value, as given
    assert second.headers["Authorization"].startswith("Basic ")


def test_pagination_refuses_a_next_link_on_another_host(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    page1 = load_fixture("authorizations_list_page1")  # its Link points at api.github.com, not at our GHES
    requests_mock.get(f"{API_URL}/authorizations", headers=page1["headers"], json=page1["body"])
    with pytest.raises(errors.UnexpectedResponse) as exc_info:
        list(client.paginate("/authorizations"))
    assert "another server (api.github.com)" in exc_info.value.msg
    assert requests_mock.call_count == 1


def test_pagination_refuses_a_host_that_merely_starts_like_ours(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.get(f"{API_URL}/authorizations", headers={"Link": '<https://ghes.example.com.evil.test/api/v3/authorizations?page=2>; rel="next"'}, json=[])
    with pytest.raises(errors.UnexpectedResponse):
        list(client.paginate("/authorizations"))
    assert requests_mock.call_count == 1


def test_pagination_needs_a_list(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.get(f"{API_URL}/authorizations", json={"message": "not a list"})
    with pytest.raises(errors.UnexpectedResponse) as exc_info:
        list(client.paginate("/authorizations"))
    assert "without a list" in exc_info.value.msg


def test_pagination_error_on_a_later_page(requests_mock: t.Any, client: _api.GitHubClient) -> None:
    requests_mock.get(
        f"{API_URL}/authorizations",
        [
            {"json": [{"id": 1}], "headers": {"Link": f'<{API_URL}/authorizations?page=2>; rel="next"'}},
            response_kwargs("not_found"),
        ],
    )
    requests_mock.get(f"{API_URL}/", **GHES_ROOT)
    with pytest.raises(errors.NotFound) as exc_info:
        list(client.paginate("/authorizations"))
    assert "GitHub Enterprise Server 3.9.0" in exc_info.value.msg
