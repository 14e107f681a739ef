"""The request log behind ``GET /_emulator/requests``: one entry per API request, in the order the answers were made."""

from __future__ import annotations

import threading
from typing import Any, Optional

from werkzeug.wrappers import Request, Response

from github_emulator.faults import APPLIED_FAULT, COMMITTED_RESPONSE, DELAYED

MAX_LOG_ENTRIES = 100_000
SMS_METHODS = ("POST", "PUT", "PATCH")


def sms_sent(request: Request, response: Response) -> bool:
    """Whether GitHub would have texted a code: an SMS challenge to POST, PUT or PATCH on the Authorizations API.

    See reference/CONTRACT.md#two-factor-authentication.
    """
    challenged = response.headers.get("X-GitHub-OTP") == "required; sms"
    return challenged and request.method in SMS_METHODS and request.path.startswith("/authorizations")


class RequestLog:
    """A thread-safe list of request summaries (no credentials, no bodies), keeping the first ``max_entries``."""

    def __init__(self, max_entries: int = MAX_LOG_ENTRIES) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def add(self, request: Request, response: Optional[Response], started: float) -> None:
        """Record a request; ``response`` None means the connection was dropped (``status`` null).

        Optional keys: ``fault`` (the fault applied), ``delayed`` (the seconds a delay fault held the request) and, for a
        connection dropped after the request was handled, ``committed_status`` (the status of the answer never sent).
        """
        committed = request.environ.get(COMMITTED_RESPONSE) if response is None else None
        made = response if response is not None else committed
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code if response is not None else None,
            "otp_sent": bool(request.headers.get("X-GitHub-OTP")),
            "sms_sent": made is not None and sms_sent(request, made),
            "query": request.args.to_dict(),
            "time": started,
        }
        if APPLIED_FAULT in request.environ:
            entry["fault"] = request.environ[APPLIED_FAULT]
        if DELAYED in request.environ:
            entry["delayed"] = request.environ[DELAYED]
        if committed is not None:
            entry["committed_status"] = committed.status_code
        with self._lock:
            if len(self._entries) < self.max_entries:
                self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """A copy of the log."""
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        """Empty the log."""
        with self._lock:
            self._entries.clear()
