"""The WSGI application: dispatch by path, and the pipeline every API request goes through.

Paths are dispatched with werkzeug's ``DispatcherMiddleware``, which moves the matched mount point into ``SCRIPT_NAME``:

- ``{prefix}/_emulator/...``: the control API (control.py);
- ``{prefix}`` and ``{prefix}/...``: the GitHub API, through :meth:`EmulatorApp.serve_api`;
- anything else, when a prefix is set: the stand-in for the GHES web UI (web.py).

An API request is logged (log.py), may meet a queued fault (faults.py), answers 404 in removed mode, counts toward the
rate limit (limits.py), and is then served by the API (api.py). A ``drop`` or ``delay`` fault with ``when: after_commit``
acts once the answer is made: the request has then been fully handled (an authorization created and stored). Every API and control answer gets GitHub's common
headers (headers.py) and ``X-RateLimit-*``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from github_emulator import responses
from github_emulator.api import GitHubAPI
from github_emulator.auth import Authenticator
from github_emulator.config import Config
from github_emulator.control import ControlAPI
from github_emulator.faults import AFTER_COMMIT, BEFORE, RECORD_DROP, Fault, FaultQueue, WaitInterrupted, drop_connection, fault_response, wait
from github_emulator.headers import add_github_headers
from github_emulator.limits import RateLimiter, new_request_id
from github_emulator.log import RequestLog
from github_emulator.store import Store
from github_emulator.web import WebUI

CONTROL_MOUNT = "/_emulator"


def removed_path(path: str) -> bool:
    """Whether removed mode (github.com since 2020-11-13) answers 404 here: the root and every ``/authorizations*`` path."""
    return path in ("/", "/authorizations") or path.startswith("/authorizations/")


class EmulatorApp:
    """The emulator as a WSGI callable."""

    def __init__(
        self,
        config: Config,
        *,
        prefix: str = "",
        removed: bool = False,
        state_path: Optional[Path] = None,
        enterprise_version: Optional[str] = None,
    ) -> None:
        self.prefix = prefix.rstrip("/")
        self.initial_config = config
        self.initial_removed = removed
        self.enterprise_version_override = enterprise_version
        self._removed = threading.Event()
        self.set_removed(removed)
        self.store = Store(config, state_path)
        self.faults = FaultQueue()
        self.authenticator = Authenticator(self.store, self.faults)
        self.limiter = RateLimiter(self.store)
        self.log = RequestLog()
        self.api = GitHubAPI(self.store, self.authenticator)
        self.control = ControlAPI(self)
        if self.prefix:
            mounts = {self.prefix: self.serve_api, self.prefix + CONTROL_MOUNT: self.serve_control}
            self.dispatcher = DispatcherMiddleware(WebUI(self.prefix), mounts)
        else:
            self.dispatcher = DispatcherMiddleware(self.serve_api, {CONTROL_MOUNT: self.serve_control})

    # ---- state the control API changes --------------------------------------------------------------

    @property
    def removed(self) -> bool:
        """Whether removed mode (github.com's behaviour) is on."""
        return self._removed.is_set()

    def set_removed(self, removed: bool) -> None:
        """Turn removed mode on or off."""
        if removed:
            self._removed.set()
        else:
            self._removed.clear()

    @property
    def enterprise_version(self) -> Optional[str]:
        """The ``X-GitHub-Enterprise-Version`` value: the command line's, else the config's; None in removed mode."""
        if self.removed:
            return None
        return self.enterprise_version_override or str(self.store.config.settings["enterprise_version"])

    def reset(self, config: Optional[Config] = None) -> None:
        """Back to the loaded config (or a new one): state, log, faults, clock, lockouts, OTP mode, removed mode.

        Delays in progress end at once and drop their connections, so no delayed request lands in the new state.
        """
        if config is not None:
            self.initial_config = config
        self.faults.interrupt_waits()
        self.store.load(self.initial_config)
        self.authenticator.reset()
        self.faults.clear()
        self.limiter.reset()
        self.set_removed(self.initial_removed)
        self.log.clear()

    def shutdown(self) -> None:
        """The server stops: end every delay now and any later one at once (their connections are dropped)."""
        self.faults.interrupt_waits(final=True)

    # ---- WSGI -------------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.dispatcher(environ, start_response)

    def serve_control(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """A control request: not logged, not rate-counted."""
        response = self._finish(self.control.dispatch(Request(environ)), None)
        return response(environ, start_response)

    def serve_api(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """A GitHub API request, logged once its answer is made (or its connection dropped).

        A request whose delay a reset or the stopping emulator cut short is not logged: it belongs to the state before.
        """
        request = Request(environ)
        started = time.time()
        # A dropped connection is logged by drop_connection, before the socket is shut down (see faults.RECORD_DROP).
        environ[RECORD_DROP] = lambda: self.log.add(request, None, started)
        try:
            response = self._handle(request)
        except WaitInterrupted:
            raise
        except BaseException:
            record = environ.pop(RECORD_DROP, None)
            if record is not None:  # not logged yet: an error other than a fault's drop
                record()
            raise
        environ.pop(RECORD_DROP, None)
        self.log.add(request, response, started)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        # At most one delay fault and one status/drop/rate_limit fault apply to a request, each losing one count.
        delay = self.faults.take(("delay",), request)
        if delay is not None and delay.when == BEFORE:
            self._delay(request, delay, None)
        fault = self.faults.take(("status", "drop", "rate_limit"), request)
        if fault is not None and fault.kind == "drop" and fault.when == BEFORE:
            drop_connection(request)
        if fault is not None and fault.kind != "drop":
            response = self._finish(fault_response(fault, request, self.limiter), request)
        else:
            response = self._serve(request)
        if fault is not None and fault.kind == "drop":  # when: after_commit
            drop_connection(request, response)
        if delay is not None and delay.when == AFTER_COMMIT:
            self._delay(request, delay, response)
        return response

    def _delay(self, request: Request, delay: Fault, committed: Optional[Response]) -> None:
        """Hold the request for the delay's seconds, then go on (``then: answer``) or drop the connection."""
        wait(request, delay.seconds)
        if delay.then == "drop":
            drop_connection(request, committed)

    def _serve(self, request: Request) -> Response:
        if self.removed and removed_path(request.path):
            return self._finish(responses.error(404, "Not Found", responses.DOCS_REMOVED), request)
        limited = self.limiter.consume(request)
        if limited is not None:
            return self._finish(limited, request)
        return self._finish(self.api.dispatch(request), request)

    def _finish(self, response: Response, request: Optional[Request]) -> Response:
        """Add ``X-RateLimit-*`` (for the request's identity) and GitHub's other common headers.

        An HTML answer (the "Unicorn!" page of a ``status`` fault with ``body: html``) comes from GitHub's front end, not
        from the API: it gets only ``X-GitHub-Request-Id``.
        """
        if response.mimetype == "text/html":
            response.headers.setdefault("X-GitHub-Request-Id", new_request_id())
            return response
        self.limiter.add_headers(response, request)
        add_github_headers(response, self.enterprise_version)
        return response
