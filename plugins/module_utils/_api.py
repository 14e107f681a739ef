# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP transport for GitHub's REST API with password authentication.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

Every exchange goes through one ``requests.Session``: Basic authentication, the
``X-GitHub-OTP`` header computed just before each request, timeouts and TLS options.
Every HTTP failure becomes a typed exception here, and only here.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
import traceback
import typing as t
from urllib.parse import urlsplit

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils import _retry

if t.TYPE_CHECKING:
    from ansible_collections.oauthkit.github.plugins.module_utils._otp import OTPSource

try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

COLLECTION_VERSION = "0.1.0"
USER_AGENT = f"oauthkit.github/{COLLECTION_VERSION}"
ACCEPT = "application/vnd.github.v3+json"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_RATE_LIMIT_WAIT = 60.0
REMOVED_HINT = (
    "github.com removed the OAuth Authorizations API on 2020-11-13; "
    "point api_url at a GitHub Enterprise Server that still serves it (https://HOST/api/v3)."
)
NOT_API_ROOT_HINT = (
    "api_url does not lead to a GitHub API root (its answer is not GitHub's API): "
    "for GitHub Enterprise Server, api_url is https://HOST/api/v3."
)
GITHUB_COM_HOSTS = frozenset({"github.com", "api.github.com", "www.github.com"})
# GitHub stores an authorization's note in a field it calls "description".
_FIELD_NAMES = {"description": "note"}
_ERROR_CODES = {
    "missing": "refers to something that does not exist",
    "missing_field": "is required",
    "invalid": "is invalid",
    "already_exists": "already exists",
    "unprocessable": "cannot be processed",
}


@dataclasses.dataclass(frozen=True)
class APIResponse:
    """A successful answer, as the domain needs it: the decoded JSON body (None when empty), whether the request created
    what it names (201 Created), and the ``Link: rel="next"`` URL."""

    data: t.Any
    created: bool = False
    next_url: str | None = None
    answer_lost: bool = False  # an earlier attempt of this request failed after it was sent: the server may have done it


def describe_validation_errors(body: dict[str, t.Any]) -> str:
    """Render GitHub's 422 ``errors[]`` as one readable sentence."""
    parts = []
    items = body.get("errors")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            parts.append(item)
            continue
        if not isinstance(item, dict):
            continue
        field = str(item.get("field") or item.get("resource") or "request")
        field = _FIELD_NAMES.get(field, field)
        if item.get("message"):
            parts.append(f"{field}: {item['message']}")
        else:
            code = item.get("code", "invalid")
            parts.append(f"{field} {_ERROR_CODES.get(code, code)}")
    return "; ".join(parts)


def _without_value(item: t.Any) -> t.Any:
    """A 422 error item without ``value``, which may echo what was submitted (a secret, for instance)."""
    return {key: val for key, val in item.items() if key != "value"} if isinstance(item, dict) else item


def _otp_kind(response: requests.Response) -> str | None:
    """``app`` or ``sms`` when the response is GitHub's two-factor challenge, else None."""
    header = response.headers.get("X-GitHub-OTP", "")
    if not header.lower().startswith("required"):
        return None
    kind = header.partition(";")[2]
    return kind.strip().lower() or "app"


def _reset_time(response: requests.Response) -> str | None:
    reset = response.headers.get("X-RateLimit-Reset") or ""
    if not (reset.isascii() and reset.isdigit()):
        return None
    try:
        return datetime.datetime.fromtimestamp(int(reset), tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):  # beyond the dates a datetime holds
        return None


def _body(response: requests.Response) -> dict[str, t.Any]:
    try:
        data = response.json()
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclasses.dataclass(frozen=True)
class OTPAttempt:
    """What was done about the two-factor code of a request: sent, renewable from a seed, retried with the next step's code."""

    sent: bool = False
    renewable: bool = False
    retried: bool = False


@dataclasses.dataclass(frozen=True)
class _Failure:
    """An error answer, decoded once for the message builders below."""

    response: requests.Response
    method: str
    path: str
    body: dict[str, t.Any]
    message: str

    @property
    def where(self) -> str:
        return f"{self.method} {self.path} returned {self.response.status_code} {self.message.rstrip('.')}".rstrip()

    @property
    def common(self) -> dict[str, t.Any]:
        common: dict[str, t.Any] = {"status": self.response.status_code, "method": self.method, "path": self.path}
        if self.body.get("documentation_url"):
            common["documentation_url"] = self.body["documentation_url"]
        return common


def error_from_response(
    response: requests.Response, method: str, path: str, *, otp: OTPAttempt, not_found_hint: str = "check api_url and client_id."
) -> errors.APIError:
    """Map an error response to a typed exception whose message names the cause and the fix.

    ``not_found_hint`` is what a 404 means; the client finds it out by looking at the API root (see GitHubClient).
    """
    body = _body(response)
    failure = _Failure(response, method, path, body, str(body.get("message") or response.reason or ""))
    status = response.status_code
    if status == 401:
        return _unauthorized(failure, otp)
    if status in (403, 429):
        return _forbidden(failure)
    if status == 404:
        return errors.NotFound(f"{failure.where}: {not_found_hint}", **failure.common)
    if status == 422:
        details = describe_validation_errors(body)
        return errors.ValidationFailed(
            f"{failure.where}: {details or 'GitHub refused the request'}. Check client_id, client_secret, scopes, note and fingerprint.",
            errors=[_without_value(item) for item in body["errors"]] if isinstance(body.get("errors"), list) else [], **failure.common,
        )
    return _other(failure)


def _unauthorized(failure: _Failure, otp: OTPAttempt) -> errors.APIError:
    kind = _otp_kind(failure.response)
    if kind is None and "requires authentication" in failure.message.lower():
        return errors.BadCredentials(
            f"{failure.where}: GitHub received no credentials. Set username and password (or GITHUB_USERNAME and GITHUB_PASSWORD).",
            **failure.common,
        )
    if kind is None:
        return errors.BadCredentials(
            f"{failure.where}: GitHub rejected the username or password. Check username and password "
            "(or GITHUB_USERNAME and GITHUB_PASSWORD); repeated failures lock the account's password logins.",
            **failure.common,
        )
    return errors.OTPRequired(f"{failure.where}: {_two_factor_hint(kind, failure.method, otp)}", kind=kind, otp_sent=otp.sent, **failure.common)


def _two_factor_hint(kind: str, method: str, otp: OTPAttempt) -> str:
    if kind == "sms" and not otp.sent and method == "GET":
        return (
            "This account receives its two-factor codes by SMS. Check mode sends only GET requests, and a GET makes GitHub "
            "send no SMS, so no code can be had in check mode. Run the task once without check mode (its PUT makes GitHub "
            "send the SMS), then run it again within a few minutes with otp set to the code from the SMS (quoted, as a string)."
        )
    if kind == "sms" and not otp.sent:
        return (
            "This account receives its two-factor codes by SMS, so no code can be computed. GitHub sends the SMS only when a "
            "POST or PUT reaches the Authorizations API, as this request just did: run the task again within a few minutes with "
            "otp set to the code from the SMS (quoted, as a string). For unattended runs, switch the account to an authenticator "
            "app and give its seed as otp_secret."
        )
    if not otp.sent:
        return (
            f"GitHub asks for a two-factor code (X-GitHub-OTP: required; {kind}). Set otp_secret to the account's base32 TOTP seed, "
            "kept in ansible-vault, or otp to a code given by hand."
        )
    if otp.retried:
        return (
            "GitHub rejected the two-factor code, and again the code of the next 30-second step. Check that otp_secret is this "
            "account's seed and that this machine's clock is right (NTP); a code is also refused when it was already used."
        )
    if otp.renewable:
        return (
            "GitHub rejected the two-factor code computed from otp_secret, and the next 30-second step did not begin within the "
            "bounded wait, so it was not retried. Check that this machine's clock is right (NTP), then run again."
        )
    return "GitHub rejected the one-time code given in otp: it expired or was already used. Get a new code and run again."


def _says_rate_limit(message: str) -> bool:
    """Whether GitHub's message calls the answer a rate limit (primary, secondary or abuse), the login lockout aside."""
    lowered = message.lower()
    return "login attempts exceeded" not in lowered and ("rate limit" in lowered or "abuse" in lowered)


def _forbidden(failure: _Failure) -> errors.APIError:
    lowered = failure.message.lower()
    headers = failure.response.headers
    if "login attempts exceeded" in lowered:
        return errors.LoginLockout(
            f"{failure.where}: GitHub locked this account's password logins after too many failed attempts. Nothing was retried, "
            "because every attempt extends the lockout: fix the password, wait until GitHub lifts the lockout, then run again.",
            **failure.common,
        )
    if failure.response.status_code == 429 or headers.get("X-RateLimit-Remaining") == "0" or _says_rate_limit(failure.message):
        reset = _reset_time(failure.response)
        retry_after = headers.get("Retry-After")
        when = f"until {reset}" if reset else (f"for {retry_after} s" if retry_after else "for now")
        return errors.RateLimited(
            f"{failure.where}: GitHub's rate limit for this account is exhausted {when}; run again after that.",
            reset_at=reset, retry_after=retry_after, **failure.common,
        )
    return errors.Forbidden(f"{failure.where}: the account may not do this; check its permissions and the OAuth app's settings.", **failure.common)


def _other(failure: _Failure) -> errors.APIError:
    status = failure.response.status_code
    if status == 410:
        return errors.Gone(f"{failure.where}: GitHub has switched this endpoint off. {REMOVED_HINT}", **failure.common)
    if status == 400:
        return errors.BadRequest(f"{failure.where}: GitHub could not read the request.", **failure.common)
    if status >= 500:
        return errors.ServerError(f"{failure.where}: the GitHub server failed; nothing was changed by this request. Try again later.", **failure.common)
    return errors.UnexpectedResponse(f"{failure.where}: this status is not part of the API contract.", **failure.common)


class GitHubClient:
    """A password-authenticated client for one GitHub API root, such as ``https://ghes.example.com/api/v3``."""

    def __init__(  # noqa: PLR0913 - keyword-only, one per connection option of the modules
        self,
        api_url: str,
        username: str,
        password: str,
        *,
        otp: OTPSource | None = None,
        validate_certs: bool = True,
        ca_path: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        rate_limit_wait: float = DEFAULT_RATE_LIMIT_WAIT,
        session: requests.Session | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        parts = urlsplit(self.api_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._otp = otp
        self._timeout = timeout
        self.session = session or requests.Session()
        self.session.auth = (username, password)
        # Passed with every request: a session-level verify loses to REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment.
        self._verify: bool | str = (ca_path or True) if validate_certs else False
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": ACCEPT})
        self._retries = retries
        self._rate_limit_wait = rate_limit_wait
        self.attempts: list[_retry.Attempt] = []
        self.clock: t.Callable[[], float] = time.monotonic  # for the retry deadline and waits; the tests replace both
        self.sleep: t.Callable[[float], None] = time.sleep
        self._adapter = HTTPAdapter()
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, self._adapter)

    @property
    def retries_made(self) -> int:
        """How many retries the transport made, over every request of this client."""
        return len(self.attempts)

    @property
    def otp_wait(self) -> float:
        """Seconds spent waiting for the next two-factor step."""
        return getattr(self._otp, "waited", 0.0)

    def _arm_retries(self) -> None:
        """A fresh policy for one request: its deadline bounds every attempt, wait and backoff of that request."""
        budget = self._rate_limit_wait + (self._timeout + _retry.BACKOFF_MAX) * (self._retries + 1)
        self._adapter.max_retries = _retry.GitHubRetry(
            self._retries,
            rate_limit_wait=self._rate_limit_wait,
            deadline=self.clock() + budget,
            attempts=self.attempts,
            clock=self.clock,
            sleeper=self.sleep,
        )

    def _unheaded_rate_limit(self, response: requests.Response, first_attempt: int) -> bool:
        """A 403 whose message says rate limit (a secondary or abuse limit), with neither ``Retry-After`` nor an exhausted
        primary limit: GitHub asks to wait at least a minute. True when that wait fits in ``rate_limit_wait`` and a retry is left."""
        headers = response.headers
        if response.status_code != 403 or headers.get("Retry-After") or headers.get("X-RateLimit-Remaining") == "0":
            return False
        if _retry.SECONDARY_LIMIT_WAIT > self._rate_limit_wait or len(self.attempts) - first_attempt >= self._retries:
            return False
        try:
            message = response.json().get("message")
        except (ValueError, AttributeError, RecursionError):
            return False
        return isinstance(message, str) and _says_rate_limit(message)

    def _send(  # noqa: PLR0913 - one request's parts
        self, method: str, url: str, body: t.Any, params: dict[str, t.Any] | None, *, otp: str | None, auth: tuple[str, str] | None = None
    ) -> requests.Response:
        headers = {"X-GitHub-OTP": otp} if otp else {}
        try:
            # No redirects: a 30x would turn the PUT into a GET and send the two-factor code to another host.
            return self.session.request(
                method, url, json=body, params=params, headers=headers, auth=auth, timeout=self._timeout, verify=self._verify, allow_redirects=False
            )
        except requests.exceptions.SSLError as exc:
            raise errors.TransportError(
                f"TLS verification of {self._origin} failed ({exc.__class__.__name__}). Set ca_path to the PEM file of the CA "
                "that signed the server's certificate; validate_certs: false is for tests only.",
                url=self._origin,
            ) from None
        except requests.exceptions.Timeout:
            raise errors.TransportError(
                f"{method} {url} got no answer within {self._timeout:g} s: check that api_url is reachable, or raise timeout.",
                url=self._origin,
            ) from None
        except requests.exceptions.RequestException as exc:
            reason = exc.__class__.__name__
            raise errors.TransportError(
                f"Could not reach {self._origin} ({reason}): check api_url, DNS, proxies and that the server is up.",
                url=self._origin,
            ) from None

    def _not_found_hint(self, method: str, path: str) -> str:
        """What a 404 means, found out with one ``GET`` of the API root, sent only after the 404.

        GitHub Enterprise Server names its version in ``X-GitHub-Enterprise-Version`` on every API answer;
        github.com's API answers in JSON without it; anything else is not a GitHub API root.
        """
        host = (urlsplit(self.api_url).hostname or "").lower()
        if host in GITHUB_COM_HOSTS:
            return REMOVED_HINT
        try:
            root = self.session.get(
                f"{self.api_url}/", timeout=self._timeout, verify=self._verify, allow_redirects=False, headers={"Accept": ACCEPT}
            )
        except requests.exceptions.RequestException:
            return "check api_url and client_id."
        version = root.headers.get("X-GitHub-Enterprise-Version")
        if version:
            what = (
                f"client_id is not an OAuth app on this server (copy it from the app's settings page), or GitHub Enterprise Server "
                f"{version} no longer serves the OAuth Authorizations API"
                if path.startswith("/authorizations/clients/")
                else f"GitHub Enterprise Server {version} answers at api_url, but not for this {method}"
            )
            return f"{what}."
        answer = _body(root)
        if isinstance(answer.get("current_user_url") or answer.get("message"), str):
            return REMOVED_HINT  # GitHub's API (its root document, or its JSON error), without an Enterprise version
        return NOT_API_ROOT_HINT

    def request(  # noqa: PLR0913 - keyword-only options of one HTTP call
        self,
        method: str,
        path: str,
        *,
        body: t.Any = None,
        params: dict[str, t.Any] | None = None,
        url: str | None = None,
        expect: tuple[int, ...] = (200,),
        shape: type | None = None,
        missing_ok: bool = False,
        app_auth: tuple[str, str] | None = None,
    ) -> APIResponse | None:
        """Send one request (and at most one retry with a fresh two-factor code, and one after a rate limit that only
        GitHub's message names, besides the retries of ``_retry``); return the decoded answer or raise.

        ``expect`` lists the success statuses this call may get, and ``shape`` the type its JSON body must have.
        With ``missing_ok``, a 404 returns None: the thing is gone already.  ``app_auth`` (client_id, client_secret)
        replaces the user's password for the ``/applications/{client_id}/...`` endpoints; no two-factor code goes with it.
        """
        url = url or f"{self.api_url}{path}"
        source = None if app_auth else self._otp
        otp = source.code() if source is not None else None
        first_attempt = len(self.attempts)
        self._arm_retries()
        response = self._send(method, url, body, params, otp=otp, auth=app_auth)
        retried = False
        if source is not None and response.status_code == 401 and _otp_kind(response) is not None:
            fresh = source.next_code()
            if fresh is not None:
                otp, retried = fresh, True
                self._arm_retries()
                response = self._send(method, url, body, params, otp=otp)
        if self._unheaded_rate_limit(response, first_attempt):
            # urllib3's Retry sees headers only, not this body: wait as GitHub asks for a limit without Retry-After, then once more.
            self.attempts.append(_retry.Attempt(method.upper(), response.status_code, False, _retry.SECONDARY_LIMIT_WAIT))
            self.sleep(_retry.SECONDARY_LIMIT_WAIT)
            otp = source.code() if source is not None else None
            self._arm_retries()
            response = self._send(method, url, body, params, otp=otp, auth=app_auth)
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if status >= 400:
            attempt = OTPAttempt(sent=otp is not None, renewable=source is not None and source.renewable, retried=retried)
            hint = self._not_found_hint(method, path) if status == 404 else ""
            raise error_from_response(response, method, path, otp=attempt, not_found_hint=hint)
        if status not in expect:
            hint = "check api_url (for GHES it ends in /api/v3)." if status >= 300 else "this status is not part of the API contract."
            raise errors.UnexpectedResponse(f"{method} {path} returned {status} {response.reason}: {hint}", status=status, method=method, path=path)
        data = None
        if response.content:
            try:
                data = response.json()
            except (ValueError, RecursionError):
                raise errors.UnexpectedResponse(
                    f"{method} {path} returned {status} with a body that is not JSON: check that api_url is the API root "
                    "(for GHES https://HOST/api/v3), not the web interface.",
                    status=status, method=method, path=path,
                ) from None
        if shape is not None and not isinstance(data, shape):
            kind = "an object" if shape is dict else "a list"
            raise errors.UnexpectedResponse(
                f"{method} {path} returned {status} without {kind} in its body, which the API contract promises.", status=status, method=method, path=path
            )
        lost = any(attempt.maybe_committed for attempt in self.attempts[first_attempt:])
        return APIResponse(data=data, created=status == 201, next_url=response.links.get("next", {}).get("url"), answer_lost=lost)

    def paginate(self, path: str, params: dict[str, t.Any] | None = None) -> t.Iterator[t.Any]:
        """Yield the items of a list endpoint, following ``Link: rel="next"`` on the same server only."""
        response = self.request("GET", path, params={"per_page": 100, **(params or {})}, shape=list)
        while response is not None:
            yield from response.data
            if not response.next_url:
                return
            if not response.next_url.startswith(f"{self._origin}/"):
                raise errors.UnexpectedResponse(
                    f"GET {path}: the next page is on another server ({urlsplit(response.next_url).netloc}); credentials are not sent there.",
                    status=200, method="GET", path=path,
                )
            response = self.request("GET", path, url=response.next_url, shape=list)
