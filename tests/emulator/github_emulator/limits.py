"""GitHub's primary rate limit: per-identity windows, the ``X-RateLimit-*`` headers, and the rate-limited answers."""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING, Optional

from werkzeug.wrappers import Request, Response

from github_emulator import responses

if TYPE_CHECKING:
    from github_emulator.store import Store

RATE_WINDOW_SECONDS = 3600
ANONYMOUS_DEFAULT = 60  # the limit shown when no request is at hand (control answers)
RATE_LIMIT_MESSAGE = "API rate limit exceeded for user ID {id}."
ANONYMOUS_RATE_LIMIT_MESSAGE = (
    "API rate limit exceeded for {address}. (But here's the good news: Authenticated requests get a higher rate limit. "
    "Check out the documentation for more details.)"
)
SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)
DOCS_SECONDARY_RATE_LIMIT = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"


def _exhausted(response: Response, limit: int, reset_in: int) -> Response:
    """The primary limit's headers: ``X-RateLimit-Remaining: 0`` and the reset ``reset_in`` seconds from now."""
    headers = response.headers
    headers["X-RateLimit-Limit"] = str(limit)
    headers["X-RateLimit-Remaining"] = "0"
    headers["X-RateLimit-Reset"] = str(int(time.time()) + reset_in)
    headers["X-RateLimit-Used"] = str(limit)
    headers["X-RateLimit-Resource"] = "core"
    return response


def primary_limited(
    status: int, limiter: RateLimiter, request: Request, *, reset_in: int, retry_after: Optional[int] = None, message: Optional[str] = None
) -> Response:
    """GitHub's primary rate limit: 403 (or 429), ``X-RateLimit-Remaining: 0``, ``X-RateLimit-Reset`` = now + ``reset_in``.

    ``Retry-After`` only when ``retry_after`` is given (GitHub does not send it for the primary limit).
    """
    response = responses.error(status, message or limiter.primary_message(request), responses.DOCS_RATE_LIMIT)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return _exhausted(response, limiter.limit_for(request), reset_in)


def secondary_limited(
    status: int,
    limiter: RateLimiter,
    request: Request,
    *,
    retry_after: Optional[int],
    message: Optional[str] = None,
    exhausted_reset_in: Optional[int] = None,
) -> Response:
    """GitHub's secondary rate limit: 403 (or 429), its message, and ``Retry-After`` when ``retry_after`` is not None.

    The ``X-RateLimit-*`` headers are the identity's usual ones (the primary limit is not exhausted), unless
    ``exhausted_reset_in`` is given: then they are the primary limit's (``Remaining: 0``), as the original rate_limit
    fault sent them.
    """
    request_id = new_request_id()
    body = message or SECONDARY_RATE_LIMIT_MESSAGE.format(request_id=request_id)
    response = responses.error(status, body, DOCS_SECONDARY_RATE_LIMIT, {"X-GitHub-Request-Id": request_id})
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    if exhausted_reset_in is not None:
        _exhausted(response, limiter.limit_for(request), exhausted_reset_in)
    return response


def new_request_id() -> str:
    """An ``X-GitHub-Request-Id`` value (the same form headers.py makes)."""
    return uuid.uuid4().hex[:20].upper()


class RateLimiter:
    """Counts requests per identity (Basic login, else client address) in hourly windows; enforces only when configured."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def reset(self) -> None:
        """Forget all usage."""
        with self._lock:
            self._windows.clear()

    def _identity(self, request: Request) -> tuple[str, int]:
        settings = self.store.config.settings
        credentials = request.authorization
        if credentials is not None and credentials.type == "basic" and credentials.username:
            return f"user:{credentials.username}", int(settings["rate_limit"])
        return f"anon:{request.remote_addr}", int(settings["anonymous_rate_limit"])

    def consume(self, request: Request) -> Optional[Response]:
        """Count the request; return the 403 answer when ``enforce_rate_limit`` is on and the limit is exceeded."""
        identity, limit = self._identity(request)
        now = int(time.time())
        with self._lock:
            reset_at, used = self._windows.get(identity, (now + RATE_WINDOW_SECONDS, 0))
            if reset_at <= now:
                reset_at, used = now + RATE_WINDOW_SECONDS, 0
            used += 1
            self._windows[identity] = (reset_at, used)
        if self.store.config.settings["enforce_rate_limit"] and used > limit:
            return primary_limited(403, self, request, reset_in=max(reset_at - now, 0))
        return None

    def limit_for(self, request: Request) -> int:
        """The ``X-RateLimit-Limit`` of the request's identity (``rate_limit`` for Basic logins, else ``anonymous_rate_limit``)."""
        return self._identity(request)[1]

    def primary_message(self, request: Request) -> str:
        """GitHub's primary rate-limit message: by user ID for a known Basic login, else by client address."""
        credentials = request.authorization
        user = self.store.users.get(credentials.username or "") if credentials is not None and credentials.type == "basic" else None
        if user is not None:
            return RATE_LIMIT_MESSAGE.format(id=user.id)
        return ANONYMOUS_RATE_LIMIT_MESSAGE.format(address=request.remote_addr)

    def _peek(self, identity: str) -> tuple[int, int]:
        now = int(time.time())
        with self._lock:
            reset_at, used = self._windows.get(identity, (now + RATE_WINDOW_SECONDS, 0))
            if reset_at <= now:
                return 0, now + RATE_WINDOW_SECONDS
            return used, reset_at

    def add_headers(self, response: Response, request: Optional[Request]) -> None:
        """Send ``X-RateLimit-*`` for the request's identity, unless the answer already carries them."""
        headers = response.headers
        if "X-RateLimit-Limit" in headers:
            return
        limit, remaining, reset_at = ANONYMOUS_DEFAULT, ANONYMOUS_DEFAULT, int(time.time()) + RATE_WINDOW_SECONDS
        if request is not None:
            identity, limit = self._identity(request)
            used, reset_at = self._peek(identity)
            remaining = max(limit - used, 0)
        headers["X-RateLimit-Limit"] = str(limit)
        headers["X-RateLimit-Remaining"] = str(remaining)
        headers["X-RateLimit-Reset"] = str(reset_at)
        headers["X-RateLimit-Used"] = str(limit - remaining)
        headers["X-RateLimit-Resource"] = "core"
