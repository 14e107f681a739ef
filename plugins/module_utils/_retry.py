# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The retry policy of the transport: urllib3's ``Retry``, taught how GitHub answers.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

* Connection errors, read timeouts and 500/502/503/504 are retried with exponential
  backoff and jitter, for the methods this collection sends (all idempotent: the PUT
  is get-or-create by its key, the PATCH sets absolute values, a DELETE that finds
  nothing is done).
* 403 and 429 are retried only when GitHub says they are a rate limit: ``Retry-After``
  (secondary limits), ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset`` (the
  primary limit: wait until the reset plus 1 s), or a 429 without either header (wait
  60 s).  Any other 403 (the login lockout among them) goes back to the caller at once.
  A 403 whose body alone says it is a secondary or abuse limit cannot be seen here (``Retry``
  gets no body); the transport (``_api``) waits 60 s for it and sends once more, within the
  same ``retries`` and ``rate_limit_wait``.
* A wait happens only if it fits in ``rate_limit_wait`` and every wait fits before the
  deadline; otherwise the last answer goes back to the caller.
* 400, 401, 404, 410 and 422 are never retried.  Together with the rule above, a
  lockout is never made worse by a retry.

``attempts`` is shared by every copy urllib3 makes of the policy: one entry per retry,
which the transport reads to report how many retries it made and whether an earlier
attempt of a request may have reached the server (a read error) before it got an answer.
"""

from __future__ import annotations

import contextlib
import time
import typing as t

try:
    from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
    from urllib3.util.retry import Retry
except ImportError:  # requests brings urllib3; without requests, _api reports the missing library
    Retry = object  # type: ignore[assignment,misc]

RETRY_STATUSES = frozenset({500, 502, 503, 504})
RATE_LIMIT_STATUSES = frozenset({403, 429})
RETRY_METHODS = frozenset({"GET", "PUT", "PATCH", "DELETE"})
SECONDARY_LIMIT_WAIT = 60.0
BACKOFF_FACTOR = 0.5
BACKOFF_JITTER = 0.5
BACKOFF_MAX = 8.0


class Attempt(t.NamedTuple):
    """One retried attempt: its method, the status it got (None after an error), and whether the request may have reached the server."""

    method: str
    status: int | None
    maybe_committed: bool
    wait: float


class GitHubRetry(Retry):  # type: ignore[misc,valid-type]
    """urllib3 ``Retry`` for GitHub's REST API (see the module docstring)."""

    def __init__(  # noqa: PLR0913 - keyword-only policy settings on top of urllib3's
        self,
        total: int = 3,
        *,
        rate_limit_wait: float = 60.0,
        deadline: float | None = None,
        attempts: list[Attempt] | None = None,
        clock: t.Callable[[], float] | None = None,
        wallclock: t.Callable[[], float] | None = None,
        sleeper: t.Callable[[float], None] | None = None,
        **kwargs: t.Any,
    ) -> None:
        kwargs.setdefault("status_forcelist", RETRY_STATUSES | RATE_LIMIT_STATUSES)
        kwargs.setdefault("allowed_methods", RETRY_METHODS)
        kwargs.setdefault("backoff_factor", BACKOFF_FACTOR)
        kwargs.setdefault("backoff_jitter", BACKOFF_JITTER)
        kwargs.setdefault("backoff_max", BACKOFF_MAX)
        kwargs.setdefault("raise_on_status", False)  # an answer that is not retried goes back to the caller as it is
        kwargs.setdefault("redirect", False)
        super().__init__(total=total, **kwargs)
        self.rate_limit_wait = rate_limit_wait
        self.deadline = deadline
        self.attempts: list[Attempt] = [] if attempts is None else attempts
        self.clock = clock or time.monotonic
        self.wallclock = wallclock or time.time
        self.sleeper = sleeper or time.sleep
        self.planned_wait = 0.0

    def new(self, **kw: t.Any) -> GitHubRetry:
        copy = super().new(**kw)
        copy.rate_limit_wait, copy.deadline, copy.attempts = self.rate_limit_wait, self.deadline, self.attempts
        copy.clock, copy.wallclock, copy.sleeper = self.clock, self.wallclock, self.sleeper
        return copy

    def rate_limit_delay(self, response: t.Any) -> float | None:
        """Seconds until a rate-limited answer may be retried, as GitHub documents it; None when the answer is no rate limit."""
        headers = response.headers
        retry_after = headers.get("Retry-After")
        if retry_after:
            with contextlib.suppress(InvalidHeader):  # a value that is neither seconds nor a date: as if it were not there
                return self.parse_retry_after(retry_after)
        reset = headers.get("X-RateLimit-Reset") or ""
        if headers.get("X-RateLimit-Remaining") == "0" and reset.isascii() and reset.isdigit():
            return max(0.0, int(reset) - self.wallclock()) + 1.0
        if response.status == 429:
            return SECONDARY_LIMIT_WAIT
        return None

    def _give_back(self, url: str | None, pool: t.Any, why: str) -> t.NoReturn:
        # With raise_on_status=False, urllib3 hands the answer that raised this back to the caller unchanged.
        raise MaxRetryError(pool, url or "", ResponseError(why))

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: t.Any = None,
        error: Exception | None = None,
        _pool: t.Any = None,
        _stacktrace: t.Any = None,
    ) -> GitHubRetry:
        rate_wait = None
        if response is not None and response.status in RATE_LIMIT_STATUSES:
            rate_wait = self.rate_limit_delay(response)
            if rate_wait is None:
                self._give_back(url, _pool, "not a rate limit")
            if rate_wait > self.rate_limit_wait:
                self._give_back(url, _pool, "the rate limit resets later than rate_limit_wait allows")
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        if rate_wait is not None:
            wait = rate_wait
        else:
            wait = new.get_backoff_time()
            if response is not None and response.headers.get("Retry-After"):
                with contextlib.suppress(InvalidHeader):
                    wait = self.parse_retry_after(response.headers["Retry-After"])
        if self.deadline is not None and self.clock() + wait > self.deadline:
            if error is not None:
                raise MaxRetryError(_pool, url or "", error) from error
            self._give_back(url, _pool, "no time is left before the deadline")
        new.planned_wait = wait
        maybe_committed = error is not None and self._is_read_error(error)
        self.attempts.append(Attempt((method or "").upper(), None if response is None else response.status, maybe_committed, wait))
        return new

    def sleep(self, response: t.Any = None) -> None:
        """Wait what ``increment`` planned: the rate-limit wait, ``Retry-After``, or the backoff with its jitter."""
        if self.planned_wait > 0:
            self.sleeper(self.planned_wait)
