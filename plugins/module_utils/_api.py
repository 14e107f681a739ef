# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP transport for GitHub's REST API with password authentication.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

Every exchange goes through one ``requests.Session``: Basic authentication, the
``X-GitHub-OTP`` header computed just before each request, timeouts, TLS options and the
proxies of the task's environment.  The retry policy is ``_retry.GitHubRetry``, one per
request (a resend after its wait is sent here, with a code computed then: ``_retry.Resend``); the
only other resend here is the one with the next two-factor step's code.
Every HTTP status is read here (and in ``_retry``), and every failure becomes a typed
exception here, and only here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import time
import traceback
import typing as t
from urllib.parse import urlsplit

from ansible_collections.oauthkit.github.plugins.module_utils import _environ, _retry
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils._messages import Part, part

if t.TYPE_CHECKING:
    from ansible_collections.oauthkit.github.plugins.module_utils._otp import OTPSource

try:
    import requests
    from requests.adapters import HTTPAdapter
    from requests.structures import CaseInsensitiveDict
    from urllib3.exceptions import MaxRetryError, ProtocolError, ReadTimeoutError
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

COLLECTION_VERSION = "0.1.0"
USER_AGENT = f"oauthkit.github/{COLLECTION_VERSION}"
ACCEPT = "application/vnd.github.v3+json"
OTP_STEP_WAIT = 32.0  # the longest wait for the next two-factor step (_otp.MAX_STEP_WAIT)
# GitHub stores an authorization's note in a field it calls "description".
_FIELD_NAMES = {"description": "note"}
_ERROR_CODES = {
    "missing": "refers to something that does not exist",
    "missing_field": "is required",
    "invalid": "is invalid",
    "already_exists": "already exists",
    "unprocessable": "cannot be processed",
}
ACCEPTED, REJECTED, UNKNOWN = "accepted", "rejected", "unknown"


class LoginGuard(t.Protocol):
    """Stops a run after the first "Bad credentials" of an account, across processes (see ``plugin_utils/_guard.py``)."""

    def proven(self) -> bool:
        """Whether these credentials were accepted once in the run."""

    def before(self) -> None:
        """Called before a request authenticated with the password; raises LoginRefused, or waits for another process's verdict."""

    def after(self, verdict: str, message: str = "") -> None:
        """The verdict of that request: ACCEPTED, REJECTED (with the message), or UNKNOWN."""


class NoGuard:
    """No guard: every process decides for itself; credentials count as proven once a request of this client succeeded."""

    def proven(self) -> bool:
        return False

    def before(self) -> None:
        return None

    def after(self, verdict: str, message: str = "") -> None:
        return None


@dataclasses.dataclass(frozen=True)
class APIResponse:
    """A successful answer, as the domain needs it: the decoded JSON body (None when empty), whether the request created
    what it names (201 Created), the ``Link: rel="next"`` URL, and whether an earlier attempt's answer was lost."""

    data: t.Any
    created: bool = False
    next_url: str | None = None
    answer_lost: bool = False  # an earlier attempt of this request failed after it was sent: the server may have done it


@dataclasses.dataclass(frozen=True)
class Answer:
    """An HTTP answer, whether requests read it or the retry policy did."""

    status: int
    reason: str
    headers: t.Mapping[str, str]
    body: bytes
    links: t.Mapping[str, t.Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, response: requests.Response) -> Answer:
        return cls(response.status_code, response.reason or "", response.headers, response.content, response.links)

    @classmethod
    def read_by_policy(cls, read: _retry.AnswerRead) -> Answer:
        return cls(read.status, read.reason, CaseInsensitiveDict(read.headers), read.body)

    def json(self) -> t.Any:
        return json.loads(self.body.decode("utf-8", "replace"))

    def body_object(self) -> dict[str, t.Any]:
        try:
            data = self.json()
        except (ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}

    def otp_kind(self) -> str | None:
        """``app`` or ``sms`` when the answer is GitHub's two-factor challenge, else None."""
        header = self.headers.get("X-GitHub-OTP", "") or ""
        if self.status != 401 or not header.lower().startswith("required"):
            return None
        return header.partition(";")[2].strip().lower() or "app"


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


def _reset_time(answer: Answer) -> str | None:
    reset = answer.headers.get("X-RateLimit-Reset") or ""
    if not (reset.isascii() and reset.isdigit()):
        return None
    try:
        return datetime.datetime.fromtimestamp(int(reset), tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):  # beyond the dates a datetime holds
        return None


@dataclasses.dataclass(frozen=True)
class OTPAttempt:
    """What was done about the two-factor code of a request: sent, renewable from a seed, retried with the next step's code."""

    sent: bool = False
    renewable: bool = False
    retried: bool = False


def verdict(answer: Answer) -> str:
    """What an answer says about the password: ACCEPTED, REJECTED ("Bad credentials", the lockout) or UNKNOWN."""
    if answer.status == 401:
        return UNKNOWN if answer.otp_kind() else REJECTED
    if answer.status == 403 and "login attempts exceeded" in str(answer.body_object().get("message") or "").lower():
        return REJECTED
    return UNKNOWN if answer.status >= 500 else ACCEPTED


@dataclasses.dataclass(frozen=True)
class _Failure:
    """An error answer, decoded once for the message builders below."""

    answer: Answer
    method: str
    path: str
    otp: OTPAttempt
    not_found_hint: Part | None
    sms_get_hint: str

    @property
    def message(self) -> str:
        return str(self.answer.body_object().get("message") or self.answer.reason or "")

    @property
    def fields(self) -> dict[str, t.Any]:
        return {"where": f"{self.method} {self.path} returned {self.answer.status} {self.message.rstrip('.')}".rstrip(), "method": self.method}

    @property
    def common(self) -> dict[str, t.Any]:
        common: dict[str, t.Any] = {"status": self.answer.status, "method": self.method, "path": self.path}
        documentation = self.answer.body_object().get("documentation_url")
        if isinstance(documentation, str):
            common["documentation_url"] = documentation
        return common


def error_from_answer(  # noqa: PLR0913 - keyword-only context of one failed request
    answer: Answer, method: str, path: str, *, otp: OTPAttempt, not_found_hint: Part | None = None, sms_get_hint: str = "otp.sms_get"
) -> errors.APIError:
    """Map an error answer to a typed exception whose message names the cause and the fix."""
    failure = _Failure(answer, method, path, otp, not_found_hint, sms_get_hint)
    if answer.status in (403, 429):
        return _forbidden(failure)
    if answer.status >= 500:
        msg_id = "api.server_error_get" if method == "GET" else "api.server_error"
        return errors.ServerError(msg_id, failure.fields, **failure.common)
    build = _BY_STATUS.get(answer.status)
    if build is None:
        return errors.UnexpectedResponse("api.unexpected_status", failure.fields, **failure.common)
    return build(failure)


def _unauthorized(failure: _Failure) -> errors.APIError:
    kind = failure.answer.otp_kind()
    if kind is not None:
        hint = _two_factor_hint(kind, failure.method, failure.otp, failure.sms_get_hint)
        return errors.OTPRequired("api.otp", {**failure.fields, "hint": hint}, kind=kind, otp_sent=failure.otp.sent, **failure.common)
    msg_id = "api.no_credentials" if "requires authentication" in failure.message.lower() else "api.bad_credentials"
    return errors.BadCredentials(msg_id, failure.fields, **failure.common)


def _not_found(failure: _Failure) -> errors.APIError:
    return errors.NotFound("api.not_found", {**failure.fields, "hint": failure.not_found_hint or part("hint.check")}, **failure.common)


def _unprocessable(failure: _Failure) -> errors.APIError:
    body = failure.answer.body_object()
    details = describe_validation_errors(body) or "GitHub refused the request"
    items = [_without_value(item) for item in body["errors"]] if isinstance(body.get("errors"), list) else []
    return errors.ValidationFailed("api.validation", {**failure.fields, "details": details}, errors=items, **failure.common)


_BY_STATUS: dict[int, t.Callable[[_Failure], errors.APIError]] = {
    400: lambda failure: errors.BadRequest("api.bad_request", failure.fields, **failure.common),
    401: _unauthorized,
    404: _not_found,
    410: lambda failure: errors.Gone("api.gone", failure.fields, **failure.common),
    422: _unprocessable,
}


def _two_factor_hint(kind: str, method: str, otp: OTPAttempt, sms_get_hint: str) -> Part:
    if kind == "sms" and not otp.sent:
        return part(sms_get_hint if method == "GET" else "otp.sms_sent")
    if not otp.sent:
        return part("otp.required", kind=kind)
    if otp.retried:
        return part("otp.rejected_twice")
    if otp.renewable:
        return part("otp.no_next_step")
    return part("otp.static_rejected")


def _forbidden(failure: _Failure) -> errors.APIError:
    lowered = failure.message.lower()
    headers = failure.answer.headers
    if "login attempts exceeded" in lowered:
        return errors.LoginLockout("api.lockout", failure.fields, **failure.common)
    if failure.answer.status == 429 or headers.get("X-RateLimit-Remaining") == "0" or _retry.says_rate_limit(failure.message):
        reset = _reset_time(failure.answer)
        retry_after = headers.get("Retry-After")
        when = f"until {reset}" if reset else (f"for {retry_after} s" if retry_after else "for now")
        return errors.RateLimited("api.rate_limited", {**failure.fields, "when": when}, reset_at=reset, retry_after=retry_after, **failure.common)
    return errors.Forbidden("api.forbidden", failure.fields, **failure.common)


class GitHubClient:
    """A password-authenticated client for one GitHub API root, such as ``https://ghes.example.com/api/v3``."""

    def __init__(  # noqa: PLR0913 - keyword-only, one per connection option of the modules
        self,
        api_url: str,
        username: str,
        password: str,
        *,
        otp: OTPSource | None = None,
        verify: bool | str = True,
        timeout: float = 30.0,
        retries: int = 3,
        rate_limit_wait: float = 60.0,
        env: t.Mapping[str, str] | None = None,
        guard: LoginGuard | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        parts = urlsplit(self.api_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._otp = otp
        self._timeout = timeout
        self._retries = retries
        self._rate_limit_wait = rate_limit_wait
        self.guard: LoginGuard = guard or NoGuard()
        self._proven = False
        self.attempts: list[_retry.Attempt] = []
        self.clock: t.Callable[[], float] = time.monotonic  # for the retry deadline and waits; the tests replace both
        self.sleep: t.Callable[[float], None] = time.sleep
        self.sms_get_hint = "otp.sms_get"
        self.session = session or requests.Session()
        self.session.auth = (username, password)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": ACCEPT})
        # Proxies and the CA bundle as requests finds them in the task's environment, found once; then the session reads no
        # environment: the process's own is the controller's, not the task's.
        with _environ.applied(env if env is not None else dict(os.environ)):
            settings = self.session.merge_environment_settings(self.api_url, {}, None, verify, None)
        self.session.trust_env = False
        self._proxies: dict[str, str] = settings.get("proxies") or {}
        self._verify = settings.get("verify", verify)
        self.warnings: tuple[Part, ...] = self._proxy_warnings(env or {})
        self._adapter = HTTPAdapter()
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, self._adapter)

    def _proxy_warnings(self, env: t.Mapping[str, str]) -> tuple[Part, ...]:
        proxy = self._proxies.get("http") or self._proxies.get("all")
        if not self.api_url.lower().startswith("http://") or not proxy:
            return ()
        variable = next((name for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY") if env.get(name)), "the environment")
        return (part("api_url.proxy_warning", proxy_host=urlsplit(proxy).hostname or proxy, variable=variable),)

    @property
    def retries_made(self) -> int:
        """How many retries the transport made, over every request of this client."""
        return len(self.attempts)

    @property
    def otp_wait(self) -> float:
        """Seconds spent waiting for the next two-factor step."""
        return float(getattr(self._otp, "waited", 0.0))

    def proven(self) -> bool:
        """Whether the password was accepted once: by a request of this client, or of another task of the run (the guard)."""
        return self._proven or self.guard.proven()

    def _budget(self, renewable: bool) -> float:
        """One deadline per call: every attempt, backoff, rate-limit wait and the two-factor step's wait end within it."""
        return self._rate_limit_wait + (self._timeout + _retry.BACKOFF_MAX) * (self._retries + 1) + (OTP_STEP_WAIT if renewable else 0.0)

    def _send(  # noqa: PLR0913 - one request's parts
        self,
        method: str,
        url: str,
        body: t.Any,
        params: dict[str, t.Any] | None,
        *,
        otp: str | None,
        auth: tuple[str, str] | None,
        deadline: float,
        idempotent: bool,
        fresh_code: t.Callable[[], str] | None = None,
    ) -> Answer:
        policy = _retry.GitHubRetry(
            self._retries,
            idempotent=idempotent,
            rate_limit_wait=self._rate_limit_wait,
            deadline=deadline,
            attempts=self.attempts,
            may_retry_unanswered=self.proven if auth is None else (lambda: True),
            fresh_code=fresh_code is not None,
            clock=self.clock,
            sleeper=self.sleep,
        )
        try:
            while True:
                self._adapter.max_retries = policy
                headers = {"X-GitHub-OTP": otp} if otp else {}
                try:
                    # No redirects: a 30x would turn the PUT into a GET and send the two-factor code to another host.
                    response = self.session.request(
                        method, url, json=body, params=params, headers=headers, auth=auth, timeout=self._timeout,
                        verify=self._verify, proxies=self._proxies, allow_redirects=False,
                    )
                    break
                except _retry.Resend as resend:  # a retry after a wait: with the code of the moment it is sent, never a stale one
                    policy, otp = resend.policy, fresh_code() if fresh_code is not None else otp
        except _retry.AnswerRead as read:
            return Answer.read_by_policy(read)
        except requests.exceptions.SSLError as exc:
            raise errors.TransportError("transport.tls", {"origin": self._origin, "reason": exc.__class__.__name__}, url=self._origin) from None
        except requests.exceptions.RequestException as exc:
            self._transport_failure(exc, method, url)
        return Answer.of(response)

    def _transport_failure(self, exc: Exception, method: str, url: str) -> t.NoReturn:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        path = url[len(self.api_url):].partition("?")[0] if url.startswith(self.api_url) else urlsplit(url).path  # as the api.* messages name it
        if isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(reason, (ReadTimeoutError, ProtocolError)):
            # A read timeout that the retry policy refuses or runs out of arrives as a ConnectionError around ReadTimeoutError.
            timed_out = isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(reason, ReadTimeoutError)
            why = f"no answer within {self._timeout:g} s" if timed_out else "the connection dropped"
            msg_id = "transport.answer_lost_get" if method == "GET" else "transport.answer_lost"
            raise errors.AnswerLost(msg_id, {"method": method, "path": path, "why": why}, url=self._origin) from None
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            raise errors.TransportError("transport.connect_timeout", {"origin": self._origin, "seconds": self._timeout}, url=self._origin) from None
        raise errors.TransportError("transport.unreachable", {"origin": self._origin, "reason": exc.__class__.__name__}, url=self._origin) from None

    def _not_found_hint(self, method: str, path: str) -> Part:
        """What a 404 means, found out with one unauthenticated ``GET`` of the API root, sent only after the 404.

        A GitHub API root answers its root document (``current_user_url``); GitHub Enterprise Server names its version in
        ``X-GitHub-Enterprise-Version`` on every answer; github.com's root has no such header.
        """
        try:
            root = self.session.get(
                f"{self.api_url}/", timeout=self._timeout, verify=self._verify, proxies=self._proxies, allow_redirects=False,
                headers={"Accept": ACCEPT}, auth=lambda request: request,
            )
        except (requests.exceptions.RequestException, _retry.AnswerRead):
            return part("hint.check")
        answer = Answer.of(root)
        version = answer.headers.get("X-GitHub-Enterprise-Version")
        is_root = answer.status == 200 and isinstance(answer.body_object().get("current_user_url"), str)
        if version and is_root:
            if path.startswith("/authorizations/clients/"):
                return part("hint.ghes_client_id", version=version)
            return part("hint.ghes_other", version=version, method=method)
        if version:
            return part("hint.below_root", version=version, status=answer.status)
        if is_root or isinstance(answer.body_object().get("message"), str):
            return part("hint.removed")  # GitHub's API (its root document, or its JSON error), without an Enterprise version
        return part("hint.not_api_root")

    @contextlib.contextmanager
    def _login(self, guarded: bool) -> t.Iterator[list[str]]:
        """The guard around a request authenticated with the password, until the run proved it; yields a list for the verdict."""
        if not guarded or self._proven:
            yield []
            return
        self.guard.before()
        outcome: list[str] = []
        try:
            yield outcome
        finally:
            self.guard.after(*(outcome or [UNKNOWN]))

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
        idempotent: bool = True,
    ) -> APIResponse | None:
        """Send one request (with the retries of ``_retry``, and at most one resend with the next two-factor step's code);
        return the decoded answer or raise.

        ``expect`` lists the success statuses this call may get, and ``shape`` the type its JSON body must have.
        With ``missing_ok``, a 404 returns None: the thing is gone already.  ``app_auth`` (client_id, client_secret)
        replaces the user's password for the ``/applications/{client_id}/...`` endpoints; no two-factor code goes with it.
        ``idempotent=False`` (the token reset) is never retried once it may have reached the server.
        """
        url = url or f"{self.api_url}{path}"
        source = None if app_auth else self._otp
        deadline = self.clock() + self._budget(source is not None and source.renewable)
        first_attempt = len(self.attempts)
        otp = source.code() if source is not None else None
        retried = False
        error = None
        fresh_code = source.code if source is not None and source.renewable else None
        with self._login(guarded=app_auth is None) as outcome:
            answer = self._send(method, url, body, params, otp=otp, auth=app_auth, deadline=deadline, idempotent=idempotent, fresh_code=fresh_code)
            if source is not None and answer.otp_kind() is not None:
                fresh = source.next_code(max_wait=max(0.0, deadline - self.clock()))
                if fresh is not None:
                    otp, retried = fresh, True
                    answer = self._send(
                        method, url, body, params, otp=otp, auth=None, deadline=deadline, idempotent=idempotent, fresh_code=fresh_code
                    )
            if answer.status >= 400 and not (answer.status == 404 and missing_ok):
                error = self._error(answer, method, path, otp=otp, source=source, retried=retried)
            outcome.append(verdict(answer))
            if error is not None and outcome[0] == REJECTED:
                outcome.append(error.msg)
        if app_auth is None and outcome and outcome[0] == ACCEPTED:
            self._proven = True
        if error is not None:
            raise error
        if answer.status == 404:
            return None
        if answer.status not in expect:
            msg_id = "api.redirect" if answer.status >= 300 else "api.unexpected_status"
            raise errors.UnexpectedResponse(msg_id, {"where": f"{method} {path} returned {answer.status} {answer.reason}"},
                                            status=answer.status, method=method, path=path)
        data = None
        if answer.body:
            try:
                data = answer.json()
            except (ValueError, RecursionError):
                raise errors.UnexpectedResponse("api.not_json", {"where": f"{method} {path} returned {answer.status}"},
                                                status=answer.status, method=method, path=path) from None
        if shape is not None and not isinstance(data, shape):
            kind = "an object" if shape is dict else "a list"
            raise errors.UnexpectedResponse("api.no_shape", {"where": f"{method} {path} returned {answer.status}", "kind": kind},
                                            status=answer.status, method=method, path=path)
        lost = any(attempt.maybe_committed for attempt in self.attempts[first_attempt:])
        return APIResponse(data=data, created=answer.status == 201, next_url=(answer.links.get("next") or {}).get("url"), answer_lost=lost)

    def _error(  # noqa: PLR0913 - the parts of one failed request
        self, answer: Answer, method: str, path: str, *, otp: str | None, source: OTPSource | None, retried: bool
    ) -> errors.APIError:
        attempt = OTPAttempt(sent=otp is not None, renewable=source is not None and source.renewable, retried=retried)
        hint = self._not_found_hint(method, path) if answer.status == 404 else None
        return error_from_answer(answer, method, path, otp=attempt, not_found_hint=hint, sms_get_hint=self.sms_get_hint)

    def paginate(self, path: str, params: dict[str, t.Any] | None = None) -> t.Iterator[t.Any]:
        """Yield the items of a list endpoint, following ``Link: rel="next"`` on the same server only."""
        response = self.request("GET", path, params={"per_page": 100, **(params or {})}, shape=list)
        while response is not None:
            yield from response.data
            if not response.next_url:
                return
            if not response.next_url.startswith(f"{self._origin}/"):
                raise errors.UnexpectedResponse(
                    "api.next_page_elsewhere", {"path": path, "host": urlsplit(response.next_url).netloc}, status=200, method="GET", path=path
                )
            response = self.request("GET", path, url=response.next_url, shape=list)
