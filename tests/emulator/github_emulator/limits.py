"""GitHub's primary rate limit: per-identity windows, the ``X-RateLimit-*`` headers, and the rate-limited answers."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Optional

from werkzeug.wrappers import Request, Response

from github_emulator import responses

if TYPE_CHECKING:
    from github_emulator.store import Store

RATE_WINDOW_SECONDS = 3600
ANONYMOUS_DEFAULT = 60  # the limit shown when no request is at hand (control answers)
RATE_LIMIT_MESSAGE = "API rate limit exceeded for user ID {id}."
SECONDARY_RATE_LIMIT_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
DOCS_SECONDARY_RATE_LIMIT = "https://docs.github.com/rest/overview/resources-in-the-rest-api#secondary-rate-limits"


def rate_limited(status: int, *, reset_in: int, retry_after: Optional[int], message: Optional[str]) -> Response:
    """A rate-limited answer: 403 or 429, ``X-RateLimit-Remaining: 0``, the reset time, and ``Retry-After`` when given.

    A 403 without ``retry_after`` carries the primary rate-limit message; otherwise the secondary rate-limit message.
    """
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + reset_in), "X-RateLimit-Used": "5000"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if status == 429 or retry_after is not None:
        response = responses.error(status, message or SECONDARY_RATE_LIMIT_MESSAGE, DOCS_SECONDARY_RATE_LIMIT)
    else:
        response = responses.error(status, message or RATE_LIMIT_MESSAGE.format(id=1), responses.DOCS_RATE_LIMIT)
    response.headers["X-RateLimit-Limit"] = "5000"
    for key, value in headers.items():
        response.headers[key] = value
    return response


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
            return rate_limited(403, reset_in=0, retry_after=None, message=None)
        return None

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
