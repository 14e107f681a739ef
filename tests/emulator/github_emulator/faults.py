"""Fault injection: failures queued through ``POST /_emulator/faults`` for the next N matching requests, and their answers."""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass
from typing import Any, Optional

from werkzeug.wrappers import Request, Response

from github_emulator import limits, responses

FAULT_KINDS = ("status", "delay", "drop", "rate_limit", "otp_reject")
APPLIED_FAULT = "github_emulator.fault"  # WSGI environ key: the kind of fault applied to the request (for the request log)
SERVER_ERROR_MESSAGES = {500: "Server Error", 502: "Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}


class DropConnection(ConnectionResetError):
    """Raised after the socket was shut down, so werkzeug treats the request as a dropped connection."""


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

    def matches(self, method: str, path: str) -> bool:
        """Whether a request (method, API path without prefix) matches the method and path matchers."""
        if self.method is not None and self.method != method.upper():
            return False
        if self.path is not None and self.path not in path:
            return False
        return not (self.path_regex is not None and self.path_regex.search(path) is None)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly view for ``GET /_emulator/faults``."""
        return {
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


def _int_field(spec: dict[str, Any], key: str, default: Optional[int], minimum: int) -> Optional[int]:
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultSpecError(f"'{key}' must be an integer >= {minimum}")
    return value


def parse_fault(spec: Any) -> Fault:
    """Build a :class:`Fault` from its JSON description (see README.md for the keys)."""
    if not isinstance(spec, dict):
        raise FaultSpecError("each fault must be a JSON object")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise FaultSpecError(f"'kind' must be one of {', '.join(FAULT_KINDS)}")
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
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0 or seconds > 300:
        raise FaultSpecError("'seconds' must be a number between 0 and 300")
    default_status = {"status": 502, "rate_limit": 403}.get(kind)
    status = _int_field(spec, "status", default_status, 100)
    if kind == "status" and (status is None or not 500 <= status <= 599):
        raise FaultSpecError("a 'status' fault needs a 5xx 'status'")
    if kind == "rate_limit" and status not in (403, 429):
        raise FaultSpecError("a 'rate_limit' fault answers 403 or 429")
    retry_default = 60 if kind == "rate_limit" and status == 429 else None
    message = spec.get("message")
    if message is not None and not isinstance(message, str):
        raise FaultSpecError("'message' must be a string")
    return Fault(
        kind=kind,
        remaining=_int_field(spec, "count", 1, 1) or 1,
        method=method.upper() if method else None,
        path=path,
        path_regex=compiled,
        status=status,
        seconds=float(seconds),
        retry_after=_int_field(spec, "retry_after", retry_default, 0),
        reset_in=_int_field(spec, "reset_in", 60, 0) or 0,
        message=message,
    )


class FaultQueue:
    """Thread-safe queue of faults; each matching request consumes one count of the first matching fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, faults: list[Fault]) -> None:
        """Queue faults after those already queued."""
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        """Descriptions of the faults still queued."""
        with self._lock:
            return [f.describe() for f in self._faults]

    def take(self, kinds: tuple[str, ...], request: Request, *, record: bool = True) -> Optional[Fault]:
        """Consume one count of the first queued fault of one of ``kinds`` that matches the request (method and API path).

        With ``record``, the fault's kind is noted in the request's WSGI environ, where the request log finds it.
        """
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(request.method, request.path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    if record:
                        request.environ[APPLIED_FAULT] = fault.kind
                    return fault
            return None


def fault_response(fault: Fault) -> Response:
    """The answer a ``status`` or ``rate_limit`` fault gives."""
    status = fault.status or 502
    if fault.kind == "status":
        return responses.error(status, fault.message or SERVER_ERROR_MESSAGES.get(status, "Server Error"))
    return limits.rate_limited(status, reset_in=fault.reset_in, retry_after=fault.retry_after, message=fault.message)


def drop_connection(request: Request) -> None:
    """Shut the request's socket down and raise :class:`DropConnection`: the client gets no answer at all."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise DropConnection("connection dropped by fault injection")
