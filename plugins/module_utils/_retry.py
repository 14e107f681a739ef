# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one retry policy of the transport: urllib3's ``Retry``, taught how GitHub answers.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

* A request that never reached the server (connection refused, connect timeout) is retried.
* A request that may have reached it (read timeout, dropped connection) and a 500, 502,
  503 or 504 are retried only for idempotent requests (the PUT is get-or-create by its key,
  the PATCH of an authorization sets absolute values, a DELETE that finds nothing is done),
  never for the token reset; and a request whose answer may have been a 401 is not retried
  until these credentials have succeeded once in the run (``may_retry_unanswered``), so
  that a slow "Bad credentials" is never turned into several failed logins.
* TLS verification failures are never retried: another attempt cannot change them.
* A rate limit is waited for, only when the wait fits in ``rate_limit_wait`` and before the
  deadline: ``Retry-After``; ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset`` (until the
  reset plus 1 s); a 429 without either header, or a 403 whose message says it is a rate or
  abuse limit (60 s, as GitHub asks).  Each wait counts as a retry.
* 400, 401, 404, 410, 422 and any other 403 (the login lockout among them) are never
  retried, so a lockout is never made worse by a retry.
* The backoff is urllib3's exponential one, with a jitter added here and a cap, so that the
  policy works alike on urllib3 1.26 and 2.x.

Telling a 403 apart needs its body, which ``Retry`` reads here; a body read here is gone for
requests afterwards, so an answer whose body was read and that is not retried comes back as
``AnswerRead`` (status, headers and body), which the transport turns into its typed error.
``attempts`` is shared by every copy urllib3 makes of the policy: one entry per retry, for
the transport to report how many retries it made and whether an attempt of a request may
have reached the server before its answer was lost.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
import typing as t

try:
    from urllib3.exceptions import InvalidHeader, MaxRetryError, ProtocolError, ReadTimeoutError, ResponseError, SSLError
    from urllib3.util.retry import Retry
except ImportError:  # requests brings urllib3; without requests, the action reports the missing library
    Retry = object  # type: ignore[assignment,misc]

RETRY_STATUSES = frozenset({500, 502, 503, 504})
RATE_LIMIT_STATUSES = frozenset({403, 429})
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "PATCH", "DELETE"})
SECONDARY_LIMIT_WAIT = 60.0
BACKOFF_FACTOR = 0.5
BACKOFF_JITTER = 0.5
BACKOFF_MAX = 8.0
MAX_BODY = 65536  # a 403 body read here to tell a limit apart; GitHub's are a few hundred bytes


class Attempt(t.NamedTuple):
    """One retried attempt: its method, the status it got (None after an error), whether the request may have reached the server, and the wait."""

    method: str
    status: int | None
    maybe_committed: bool
    wait: float


class Resend(Exception):
    """The policy waited before a resend that must carry a fresh two-factor code: urllib3 would resend the first attempt's
    headers, so the transport sends again itself, with the code of that moment, under ``policy`` (the same count and deadline)."""

    def __init__(self, policy: GitHubRetry) -> None:
        super().__init__("resend with a fresh two-factor code")
        self.policy = policy


class AnswerRead(Exception):
    """An answer that is not retried and whose body the policy read: the transport turns it into its typed error."""

    def __init__(self, status: int, reason: str, headers: t.Mapping[str, str], body: bytes) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body


def says_rate_limit(message: str) -> bool:
    """Whether GitHub's message calls the answer a rate limit (primary, secondary or abuse), the login lockout aside."""
    lowered = message.lower()
    return "login attempts exceeded" not in lowered and ("rate limit" in lowered or "abuse" in lowered)


def message_of(body: bytes) -> str:
    """GitHub's ``message`` in a JSON error body, or ''."""
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else ""


def _never(_url: str | None, pool: t.Any, why: str) -> t.NoReturn:
    # With raise_on_status=False, urllib3 hands the answer that raised this back to the caller unchanged.
    raise MaxRetryError(pool, _url or "", ResponseError(why))


class GitHubRetry(Retry):  # type: ignore[misc,valid-type]
    """urllib3 ``Retry`` for GitHub's REST API (see the module docstring).  One instance per request: its deadline bounds it all."""

    def __init__(  # noqa: PLR0913 - keyword-only policy settings on top of urllib3's
        self,
        total: int = 3,
        *,
        idempotent: bool = True,
        rate_limit_wait: float = 60.0,
        deadline: float | None = None,
        attempts: list[Attempt] | None = None,
        may_retry_unanswered: t.Callable[[], bool] | None = None,
        fresh_code: bool = False,
        clock: t.Callable[[], float] | None = None,
        wallclock: t.Callable[[], float] | None = None,
        sleeper: t.Callable[[float], None] | None = None,
        **kwargs: t.Any,
    ) -> None:
        kwargs.setdefault("status_forcelist", RETRY_STATUSES | RATE_LIMIT_STATUSES)
        kwargs.setdefault("allowed_methods", IDEMPOTENT_METHODS if idempotent else frozenset({"NONE"}))
        kwargs.setdefault("backoff_factor", BACKOFF_FACTOR)
        kwargs.setdefault("raise_on_status", False)  # an answer that is not retried goes back to the caller as it is
        kwargs.setdefault("redirect", False)
        super().__init__(total=total, **kwargs)
        self.rate_limit_wait = rate_limit_wait
        self.deadline = deadline
        self.attempts: list[Attempt] = [] if attempts is None else attempts
        self.may_retry_unanswered = may_retry_unanswered or (lambda: True)
        self.fresh_code = fresh_code  # every resend carries a code computed when it is sent (Resend), not the first attempt's
        self.clock = clock or time.monotonic
        self.wallclock = wallclock or time.time
        self.sleeper = sleeper or time.sleep
        self.planned_wait = 0.0

    def new(self, **kw: t.Any) -> GitHubRetry:
        copy = super().new(**kw)
        copy.rate_limit_wait, copy.deadline, copy.attempts = self.rate_limit_wait, self.deadline, self.attempts
        copy.may_retry_unanswered, copy.clock, copy.wallclock, copy.sleeper = self.may_retry_unanswered, self.clock, self.wallclock, self.sleeper
        copy.fresh_code = self.fresh_code
        return copy

    def get_backoff_time(self) -> float:
        """urllib3's exponential backoff (0 before the second retry), plus up to BACKOFF_JITTER s of jitter, at most BACKOFF_MAX s."""
        base = super().get_backoff_time()
        if base <= 0:
            return 0.0
        return min(BACKOFF_MAX, base + random.uniform(0, BACKOFF_JITTER))  # noqa: S311 - jitter, not cryptography

    def rate_limit_delay(self, response: t.Any) -> float | None:
        """Seconds until a rate-limited answer may be retried, from its headers; None when its headers say no rate limit."""
        headers = response.headers
        retry_after = headers.get("Retry-After")
        if retry_after:
            with contextlib.suppress(InvalidHeader):  # a value that is neither seconds nor a date: as if it were not there
                return float(self.parse_retry_after(retry_after))
        reset = headers.get("X-RateLimit-Reset") or ""
        if headers.get("X-RateLimit-Remaining") == "0" and reset.isascii() and reset.isdigit():
            return max(0.0, int(reset) - self.wallclock()) + 1.0
        if response.status == 429:
            return SECONDARY_LIMIT_WAIT
        return None

    def _refuse_error(self, error: Exception, url: str | None, pool: t.Any) -> None:
        """Errors that are never retried: TLS verification, and an unanswered request while the credentials are unproven."""
        if isinstance(error, SSLError) or (isinstance(error, (ReadTimeoutError, ProtocolError)) and not self.may_retry_unanswered()):
            raise MaxRetryError(pool, url or "", error) from error

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: t.Any = None,
        error: Exception | None = None,
        _pool: t.Any = None,
        _stacktrace: t.Any = None,
    ) -> GitHubRetry:
        if error is not None:
            self._refuse_error(error, url, _pool)
        rate_wait = None
        body: bytes | None = None
        if response is not None and response.status in RATE_LIMIT_STATUSES:
            rate_wait = self.rate_limit_delay(response)
            if rate_wait is None and response.status == 403:
                body = response.read(MAX_BODY) or b""
                if says_rate_limit(message_of(body)):
                    rate_wait = SECONDARY_LIMIT_WAIT
            if rate_wait is None or rate_wait > self.rate_limit_wait:
                self._give_back(url, _pool, response, body, "not a rate limit, or one that resets later than rate_limit_wait allows")
        try:
            new = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError:
            if body is not None:
                self._give_back(url, _pool, response, body, "no retry is left")
            raise
        wait = rate_wait if rate_wait is not None else new.get_backoff_time()
        if rate_wait is None and response is not None and response.headers.get("Retry-After"):
            with contextlib.suppress(InvalidHeader):
                wait = float(self.parse_retry_after(response.headers["Retry-After"]))
        if self.deadline is not None and self.clock() + wait > self.deadline:
            if error is not None:
                raise MaxRetryError(_pool, url or "", error) from error
            self._give_back(url, _pool, response, body, "no time is left before the deadline")
        new.planned_wait = wait
        maybe_committed = error is not None and isinstance(error, (ReadTimeoutError, ProtocolError))
        self.attempts.append(Attempt((method or "").upper(), None if response is None else response.status, maybe_committed, wait))
        return new

    @staticmethod
    def _give_back(url: str | None, pool: t.Any, response: t.Any, body: bytes | None, why: str) -> t.NoReturn:
        if body is None:
            _never(url, pool, why)
        with contextlib.suppress(Exception):
            response.release_conn()
        raise AnswerRead(response.status, getattr(response, "reason", "") or "", dict(response.headers), body)

    def sleep(self, response: t.Any = None) -> None:
        """Wait what ``increment`` planned: the rate-limit wait, ``Retry-After``, or the backoff with its jitter; then, with
        ``fresh_code``, hand the resend to the transport (``Resend``), which computes the two-factor code it carries."""
        if self.planned_wait > 0:
            self.sleeper(self.planned_wait)
        if self.fresh_code:
            raise Resend(self)
