"""Fault injection: failures queued through ``POST /_emulator/faults`` for the next N matching requests, and their answers."""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from werkzeug.wrappers import Request, Response

from github_emulator import limits, responses

if TYPE_CHECKING:
    from github_emulator.limits import RateLimiter

FAULT_KINDS = ("status", "delay", "drop", "rate_limit", "otp_reject")
# WSGI environ keys the request log reads: the label of the fault applied to the request ("drop_after_commit" for a drop
# after the commit, else the kind), the seconds a delay fault held it, and the answer that was made but never sent.
APPLIED_FAULT = "github_emulator.fault"
DELAYED = "github_emulator.delayed"
COMMITTED_RESPONSE = "github_emulator.committed_response"
WAIT_EVENT = "github_emulator.wait_event"  # set when the emulator resets or stops: a delay in progress ends at once
# A callable that records the request in the request log; drop_connection calls it (once) before it closes the connection,
# so that a client that sees the connection drop finds the request in the log at once.
RECORD_DROP = "github_emulator.record_drop"
SERVER_ERROR_MESSAGES = {500: "Server Error", 502: "Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}
MAX_DELAY_SECONDS = 300
BEFORE, AFTER_COMMIT = "before", "after_commit"
WHEN_CHOICES = (BEFORE, AFTER_COMMIT)
THEN_CHOICES = ("answer", "drop")
BODY_CHOICES = ("json", "html")
LIMIT_CHOICES = ("primary", "secondary")
LEGACY_RETRY_AFTER_429 = 60  # rate_limit without "limit" (the original form): a 429 sends Retry-After 60 unless told
SECONDARY_RETRY_AFTER = 60  # "limit": "secondary": Retry-After 60 unless told; null sends none
# A stand-in for the "Unicorn!" page GitHub's front end serves when the application behind it fails or times out.
UNICORN_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="Content-type" content="text/html; charset=utf-8">
    <title>Unicorn! &middot; GitHub</title>
  </head>
  <body>
    <div class="container">
      <h1>Unicorn!</h1>
      <p><strong>We had issues producing the response to your request.</strong></p>
      <p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>
      <p>(github_emulator: HTTP {status})</p>
    </div>
  </body>
</html>
"""
# The keys only some kinds take; elsewhere they are refused, so that a misplaced key is not silently ignored.
KIND_ONLY_KEYS = {"when": ("drop", "delay"), "then": ("delay",), "body": ("status",), "limit": ("rate_limit",)}


class DropConnection(ConnectionResetError):
    """Raised after the socket was shut down, so werkzeug treats the request as a dropped connection."""


class WaitInterrupted(DropConnection):
    """A delay cut short by a reset or by the emulator stopping: the connection is dropped and the request not logged."""


class FaultSpecError(ValueError):
    """A fault description that cannot be used."""


@dataclass
class Fault:
    """One queued fault. ``remaining`` counts down as matching requests consume it."""

    kind: str
    remaining: int = 1
    method: Optional[str] = None
    path: Optional[str] = None
    path_regex: Optional[re.Pattern[str]] = None
    status: Optional[int] = None
    seconds: float = 0.0
    retry_after: Optional[int] = None
    reset_in: int = 60
    message: Optional[str] = None
    when: str = BEFORE  # drop, delay: before the request is handled, or after it was committed (its answer made)
    then: str = "answer"  # delay: send the answer after the delay, or drop the connection
    body: str = "json"  # status: GitHub's JSON error body, or the HTML "Unicorn!" page
    limit: Optional[str] = None  # rate_limit: primary or secondary (resolved from status/retry_after when not given)
    exhausted: bool = True  # rate_limit: X-RateLimit-Remaining 0 (primary, and the original form without "limit")

    @property
    def label(self) -> str:
        """The name the request log shows in ``fault``."""
        return "drop_after_commit" if self.kind == "drop" and self.when == AFTER_COMMIT else self.kind

    def matches(self, method: str, path: str) -> bool:
        """Whether a request (method, API path without prefix) matches the method and path matchers."""
        if self.method is not None and self.method != method.upper():
            return False
        if self.path is not None and self.path not in path:
            return False
        return not (self.path_regex is not None and self.path_regex.search(path) is None)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly view for ``GET /_emulator/faults``."""
        view = {
            "kind": self.kind,
            "count": self.remaining,
            "method": self.method,
            "path": self.path,
            "path_regex": self.path_regex.pattern if self.path_regex is not None else None,
            "status": self.status,
            "seconds": self.seconds,
            "retry_after": self.retry_after,
            "reset_in": self.reset_in,
            "message": self.message,
        }
        if self.kind in ("drop", "delay"):
            view["when"] = self.when
        if self.kind == "delay":
            view["then"] = self.then
        if self.kind == "status":
            view["body"] = self.body
        if self.kind == "rate_limit":
            view["limit"] = self.limit
        return view


def _int_field(spec: dict[str, Any], key: str, default: Optional[int], minimum: int) -> Optional[int]:
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultSpecError(f"'{key}' must be an integer >= {minimum}")
    return value


def _choice(spec: dict[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = spec.get(key, default)
    if value not in choices:
        raise FaultSpecError(f"'{key}' must be one of {', '.join(choices)}")
    return str(value)


def _check_kind_only_keys(spec: dict[str, Any], kind: str) -> None:
    for key, kinds in KIND_ONLY_KEYS.items():
        if key in spec and kind not in kinds:
            raise FaultSpecError(f"'{key}' applies only to {' and '.join(kinds)} faults")


def _rate_limit_fields(spec: dict[str, Any], status: Optional[int]) -> tuple[Optional[str], Optional[int], bool]:
    """(limit, retry_after, exhausted) of a rate_limit fault.

    Without ``limit`` (the original form) the answer keeps its original shape: ``X-RateLimit-Remaining: 0`` always, and
    the secondary message for a 429 or when ``retry_after`` is given (Retry-After 60 by default for a 429).
    """
    limit = spec.get("limit")
    if limit is None:
        retry_after = _int_field(spec, "retry_after", LEGACY_RETRY_AFTER_429 if status == 429 else None, 0)
        return ("secondary" if status == 429 or retry_after is not None else "primary"), retry_after, True
    if limit not in LIMIT_CHOICES:
        raise FaultSpecError(f"'limit' must be one of {', '.join(LIMIT_CHOICES)}")
    if limit == "primary":
        return "primary", _int_field(spec, "retry_after", None, 0), True
    return "secondary", _int_field(spec, "retry_after", SECONDARY_RETRY_AFTER, 0), False


def parse_fault(spec: Any) -> Fault:
    """Build a :class:`Fault` from its JSON description (see README.md for the keys)."""
    if not isinstance(spec, dict):
        raise FaultSpecError("each fault must be a JSON object")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise FaultSpecError(f"'kind' must be one of {', '.join(FAULT_KINDS)}")
    _check_kind_only_keys(spec, kind)
    method = spec.get("method")
    if method is not None and not isinstance(method, str):
        raise FaultSpecError("'method' must be a string")
    path = spec.get("path")
    if path is not None and not isinstance(path, str):
        raise FaultSpecError("'path' must be a string")
    regex = spec.get("path_regex")
    try:
        compiled = re.compile(regex) if isinstance(regex, str) else None
    except re.error as exc:
        raise FaultSpecError(f"'path_regex' does not compile: {exc}") from exc
    seconds = spec.get("seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0 or seconds > MAX_DELAY_SECONDS:
        raise FaultSpecError(f"'seconds' must be a number between 0 and {MAX_DELAY_SECONDS}")
    default_status = {"status": 502, "rate_limit": 403}.get(kind)
    status = _int_field(spec, "status", default_status, 100)
    if kind == "status" and (status is None or not 500 <= status <= 599):
        raise FaultSpecError("a 'status' fault needs a 5xx 'status'")
    if kind == "rate_limit" and status not in (403, 429):
        raise FaultSpecError("a 'rate_limit' fault answers 403 or 429")
    message = spec.get("message")
    if message is not None and not isinstance(message, str):
        raise FaultSpecError("'message' must be a string")
    limit, exhausted = None, True
    if kind == "rate_limit":
        limit, retry_after, exhausted = _rate_limit_fields(spec, status)
    else:
        retry_after = _int_field(spec, "retry_after", None, 0)
    return Fault(
        kind=kind,
        remaining=_int_field(spec, "count", 1, 1) or 1,
        method=method.upper() if method else None,
        path=path,
        path_regex=compiled,
        status=status,
        seconds=float(seconds),
        retry_after=retry_after,
        reset_in=_int_field(spec, "reset_in", 60, 0) or 0,
        message=message,
        when=_choice(spec, "when", WHEN_CHOICES, BEFORE),
        then=_choice(spec, "then", THEN_CHOICES, "answer"),
        body=_choice(spec, "body", BODY_CHOICES, "json"),
        limit=limit,
        exhausted=exhausted,
    )


class FaultQueue:
    """Thread-safe queue of faults; each matching request consumes one count of the first matching fault.

    It also owns the event that delays in progress wait on: :meth:`interrupt_waits` (on reset, and when the emulator
    stops) sets it, so no delayed request outlives a reset or holds the emulator up for long when it stops.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._wake = threading.Event()
        self._closed = False

    def add(self, faults: list[Fault]) -> None:
        """Queue faults after those already queued."""
        with self._lock:
            self._faults.extend(faults)

    def replace(self, faults: list[Fault]) -> None:
        """Drop every queued fault and queue these instead, at once (no request sees the queue in between)."""
        with self._lock:
            self._faults[:] = faults

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        """Descriptions of the faults still queued."""
        with self._lock:
            return [f.describe() for f in self._faults]

    def take(self, kinds: tuple[str, ...], request: Request) -> Optional[Fault]:
        """Consume one count of the first queued fault of one of ``kinds`` that matches the request (method and API path).

        The fault's label is noted in the request's WSGI environ, where the request log finds it (a later fault taken
        for the same request replaces it), together with the event a delay waits on.
        """
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(request.method, request.path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    request.environ[APPLIED_FAULT] = fault.label
                    if fault.kind == "delay":
                        request.environ[WAIT_EVENT] = self._wake
                    return fault
            return None

    def interrupt_waits(self, *, final: bool = False) -> None:
        """End every delay in progress now; with ``final`` (the emulator stops), every later delay ends at once too."""
        with self._lock:
            self._wake.set()
            if not final and not self._closed:
                self._wake = threading.Event()
            self._closed = self._closed or final


def wait(request: Request, seconds: float) -> None:
    """Hold the request for ``seconds``; if a reset or the emulator stopping cuts that short, drop its connection."""
    event = request.environ.get(WAIT_EVENT)
    interrupted = event.wait(seconds) if isinstance(event, threading.Event) else False
    request.environ[DELAYED] = seconds
    if interrupted:
        drop_connection(request, interrupted=True)


def fault_response(fault: Fault, request: Request, limiter: RateLimiter) -> Response:
    """The answer a ``status`` or ``rate_limit`` fault gives."""
    status = fault.status or 502
    if fault.kind == "status":
        if fault.body == "html":
            response = Response(UNICORN_PAGE.format(status=status), status=status, content_type="text/html; charset=utf-8")
        else:
            response = responses.error(status, fault.message or SERVER_ERROR_MESSAGES.get(status, "Server Error"))
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response
    if fault.limit == "primary":
        return limits.primary_limited(status, limiter, request, reset_in=fault.reset_in, retry_after=fault.retry_after, message=fault.message)
    return limits.secondary_limited(
        status, limiter, request, retry_after=fault.retry_after, message=fault.message, exhausted_reset_in=fault.reset_in if fault.exhausted else None
    )


def drop_connection(request: Request, committed: Optional[Response] = None, *, interrupted: bool = False) -> None:
    """Shut the request's socket down and raise :class:`DropConnection`: the client gets no answer at all.

    ``committed`` is the answer that was made (the request fully handled) but is not sent; the request log shows its
    status. The request is logged (through the environ's ``RECORD_DROP`` callable) before the socket is shut down.
    ``interrupted`` raises :class:`WaitInterrupted`, which the request log leaves out.
    """
    if committed is not None:
        request.environ[COMMITTED_RESPONSE] = committed
    record = request.environ.pop(RECORD_DROP, None)
    if record is not None and not interrupted:
        record()  # before the socket closes: the client must never see the drop before the log does
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    if interrupted:
        raise WaitInterrupted("delay interrupted by a reset or by the emulator stopping")
    raise DropConnection("connection dropped by fault injection")
