"""The WSGI application: prefix handling, request log, faults, rate-limit headers, removed mode, then the API or control API."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from typing import Any, Callable, Iterable, Optional

from werkzeug.wrappers import Request, Response

from github_emulator import responses
from github_emulator.api import GitHubAPI
from github_emulator.auth import Authenticator
from github_emulator.config import Config
from github_emulator.control import ControlAPI
from github_emulator.faults import Fault, FaultQueue
from github_emulator.store import Store

CONTROL_SEGMENT = "/_emulator/"
RATE_WINDOW_SECONDS = 3600
SERVER_ERROR_MESSAGES = {500: "Server Error", 502: "Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}
RATE_LIMIT_MESSAGE = "API rate limit exceeded for user ID {id}."
SECONDARY_RATE_LIMIT_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
MAX_LOG_ENTRIES = 100_000
SMS_METHODS = ("POST", "PUT", "PATCH")


class DropConnection(ConnectionResetError):
    """Raised after the socket was shut down, so werkzeug treats the request as a dropped connection."""


class RateLimiter:
    """GitHub's primary rate limit bookkeeping, for the ``X-RateLimit-*`` headers (enforced only when configured)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def reset(self) -> None:
        """Forget all usage."""
        with self._lock:
            self._windows.clear()

    def consume(self, identity: str) -> tuple[int, int]:
        """Count one request; return (used, reset epoch) for the identity's current window."""
        now = int(time.time())
        with self._lock:
            reset_at, used = self._windows.get(identity, (now + RATE_WINDOW_SECONDS, 0))
            if reset_at <= now:
                reset_at, used = now + RATE_WINDOW_SECONDS, 0
            used += 1
            self._windows[identity] = (reset_at, used)
            return used, reset_at

    def peek(self, identity: str) -> tuple[int, int]:
        """(used, reset epoch) for the identity without counting a request."""
        now = int(time.time())
        with self._lock:
            reset_at, used = self._windows.get(identity, (now + RATE_WINDOW_SECONDS, 0))
            if reset_at <= now:
                return 0, now + RATE_WINDOW_SECONDS
            return used, reset_at


class EmulatorApp:
    """The emulator as a WSGI callable."""

    def __init__(self, config: Config, *, prefix: str = "", removed: bool = False, state_path: Any = None) -> None:
        self.prefix = prefix.rstrip("/")
        self.initial_config = config
        self.store = Store(config, state_path)
        self.authenticator = Authenticator(self.store)
        self.faults = FaultQueue()
        self.rate_limiter = RateLimiter()
        self.api = GitHubAPI(self.store, self.authenticator)
        self.removed = removed
        self.initial_removed = removed
        self._log_lock = threading.Lock()
        self.request_log: list[dict[str, Any]] = []
        self.control = ControlAPI(self)

    # ---- control hooks ------------------------------------------------------------------------------

    def reset(self, config: Optional[Config] = None) -> None:
        """Back to the loaded config (or a new one): state, log, faults, clock, lockouts, OTP mode, removed mode."""
        if config is not None:
            self.initial_config = config
        self.store.load(self.initial_config)
        self.authenticator.reset()
        self.faults.clear()
        self.rate_limiter.reset()
        self.removed = self.initial_removed
        self.clear_log()

    def clear_log(self) -> None:
        """Empty the request log."""
        with self._log_lock:
            self.request_log.clear()

    def log_entries(self) -> list[dict[str, Any]]:
        """A copy of the request log."""
        with self._log_lock:
            return [dict(entry) for entry in self.request_log]

    # ---- WSGI -------------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if self.prefix:
            if path != self.prefix and not path.startswith(self.prefix + "/"):
                return self._finish(responses.not_found())(environ, start_response)
            path = path[len(self.prefix) :] or "/"
        if path.startswith(CONTROL_SEGMENT):
            return self._finish(self.control.dispatch(request, path[len(CONTROL_SEGMENT) :]))(environ, start_response)
        entry: dict[str, Any] = {
            "method": request.method,
            "path": path,
            "status": None,
            "otp_sent": bool(request.headers.get("X-GitHub-OTP")),
            "sms_sent": False,
            "query": request.args.to_dict(),
            "time": time.time(),
        }
        try:
            response = self._handle(request, path, entry)
        finally:
            with self._log_lock:
                if len(self.request_log) < MAX_LOG_ENTRIES:
                    self.request_log.append(entry)
        entry["status"] = response.status_code
        # GitHub texts an SMS code only for POST/PUT/PATCH on the Authorizations API (API_CONTRACT.md 3.1).
        entry["sms_sent"] = response.headers.get("X-GitHub-OTP") == "required; sms" and request.method in SMS_METHODS and path.startswith("/authorizations")
        return response(environ, start_response)

    def _handle(self, request: Request, path: str, entry: dict[str, Any]) -> Response:
        method = request.method
        while True:
            delay = self.faults.take(("delay",), method, path)
            if delay is None:
                break
            time.sleep(delay.seconds)
        fault = self.faults.take(("status", "drop", "rate_limit"), method, path)
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.kind == "drop":
                self._drop(request)
            return self._finish(self._fault_response(fault), request)
        if self.removed and (path == "/authorizations" or path.startswith("/authorizations/")):
            return self._finish(responses.error(404, "Not Found", "https://docs.github.com/rest"), request)

        def otp_reject() -> bool:
            taken = self.faults.take(("otp_reject",), method, path)
            if taken is not None:
                entry["fault"] = "otp_reject"
            return taken is not None

        settings = self.store.config.settings
        identity, limit = self._identity(request)
        used = self.rate_limiter.consume(identity)[0]
        if settings["enforce_rate_limit"] and used > limit:
            fault = Fault(kind="rate_limit", status=403, reset_in=0)
            return self._finish(self._fault_response(fault), request)
        api_base = request.host_url.rstrip("/") + self.prefix
        web_base = request.host_url.rstrip("/")
        response = self.api.dispatch(request, path, api_base, web_base, otp_reject)
        return self._finish(response, request)

    def _identity(self, request: Request) -> tuple[str, int]:
        settings = self.store.config.settings
        credentials = request.authorization
        if credentials is not None and credentials.type == "basic" and credentials.username:
            return f"user:{credentials.username}", int(settings["rate_limit"])
        return f"anon:{request.remote_addr}", int(settings["anonymous_rate_limit"])

    def _drop(self, request: Request) -> None:
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise DropConnection("connection dropped by fault injection")

    def _fault_response(self, fault: Fault) -> Response:
        status = fault.status or 502
        if fault.kind == "status":
            return responses.error(status, fault.message or SERVER_ERROR_MESSAGES.get(status, "Server Error"))
        reset_at = int(time.time()) + fault.reset_in
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_at), "X-RateLimit-Used": "5000"}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if status == 429 or fault.retry_after is not None:
            message = fault.message or SECONDARY_RATE_LIMIT_MESSAGE
            docs = "https://docs.github.com/rest/overview/resources-in-the-rest-api#secondary-rate-limits"
        else:
            message = fault.message or RATE_LIMIT_MESSAGE.format(id=1)
            docs = responses.DOCS_RATE_LIMIT
        response = responses.error(status, message, docs)
        response.headers["X-RateLimit-Limit"] = "5000"
        for key, value in headers.items():
            response.headers[key] = value
        return response

    def _finish(self, response: Response, request: Optional[Request] = None) -> Response:
        """Add GitHub's common headers, including ``X-RateLimit-*`` on every response."""
        headers = response.headers
        if "X-RateLimit-Limit" not in headers:
            limit, remaining, reset_at = 60, 60, int(time.time()) + RATE_WINDOW_SECONDS
            if request is not None:
                identity, limit = self._identity(request)
                used, reset_at = self.rate_limiter.peek(identity)
                remaining = max(limit - used, 0)
            headers["X-RateLimit-Limit"] = str(limit)
            headers["X-RateLimit-Remaining"] = str(remaining)
            headers["X-RateLimit-Reset"] = str(reset_at)
            headers["X-RateLimit-Used"] = str(limit - remaining)
            headers["X-RateLimit-Resource"] = "core"
        headers.setdefault("X-GitHub-Media-Type", "github.v3; format=json")
        headers.setdefault("X-GitHub-Request-Id", uuid.uuid4().hex[:20].upper())
        headers.setdefault("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
        headers.setdefault(
            "Access-Control-Expose-Headers",
            "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, "
            "X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type",
        )
        headers.setdefault("Access-Control-Allow-Origin", "*")
        return response
