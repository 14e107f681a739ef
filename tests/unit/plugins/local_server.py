# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted HTTP(S) server on 127.0.0.1, so that the transport is tested through requests, urllib3 and GitHubRetry for real.

The server answers from a script: routes (method and path pattern, each with replies in turn, the last one repeated)
and a queue (replies in turn, for any request no route takes).  A reply is a status, headers and a body, or a delay
before it, or a connection dropped before or after the request was read.  The server records every request it saw and
counts the connections it accepted.  It listens before the test starts: no sleep stands in for readiness.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import re
import socket
import ssl
import threading
import typing as t

API_PREFIX = "/api/v3"
BEFORE_READ, AFTER_READ = "before_read", "after_read"


@dataclasses.dataclass(frozen=True)
class Seen:
    """A request as the server saw it."""

    method: str
    path: str  # with the query
    headers: dict[str, str]
    body: bytes

    @property
    def endpoint(self) -> str:
        """``METHOD /path`` without the API prefix and the query."""
        path = self.path.split("?", 1)[0]
        return f"{self.method} {path[len(API_PREFIX):] if path.startswith(API_PREFIX) else path}"

    @property
    def query(self) -> str:
        return self.path.partition("?")[2]

    def json(self) -> t.Any:
        return json.loads(self.body.decode("utf-8"))

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)


Body = t.Union[None, bytes, str, dict, list, t.Callable[[Seen], t.Any]]


@dataclasses.dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: Body = None  # JSON for a dict or list; bytes or str as they are; a callable gets the request and returns one of those
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    reason: str | None = None
    delay: float = 0.0  # real seconds before the answer (for read timeouts); the server's shutdown ends the wait
    drop: str | None = None  # BEFORE_READ or AFTER_READ: close the connection without an answer
    on_request: t.Callable[[Seen], None] | None = None  # for example, move a fake clock on as if the answer took long

    def payload(self, seen: Seen) -> tuple[bytes, dict[str, str]]:
        body = self.body(seen) if callable(self.body) else self.body
        headers = dict(self.headers)
        if body is None:
            return b"", headers
        if isinstance(body, (dict, list)):
            if not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = "application/json; charset=utf-8"
            return json.dumps(body).encode(), headers
        return (body.encode() if isinstance(body, str) else body), headers


def json_reply(status: int, body: t.Any, **headers: str) -> Reply:
    return Reply(status, body, dict(headers))


def fixture_reply(fixture: dict[str, t.Any]) -> Reply:
    """A reply from a fixture of tests/unit/fixtures (status, headers, body)."""
    return Reply(fixture["status"], fixture["body"], dict(fixture["headers"]))


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # handler threads may wait on a client's idle keep-alive connection

    def __init__(self, owner: LocalServer, tls: ssl.SSLContext | None, *, listening: bool) -> None:
        self.owner = owner
        self.tls = tls
        super().__init__(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        self.server_bind()
        if listening:
            self.server_activate()

    def get_request(self) -> tuple[socket.socket, t.Any]:
        sock, address = self.socket.accept()
        with self.owner.lock:
            self.owner.connections += 1
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True)  # a failed handshake raises OSError: socketserver drops it
        return sock, address

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        pass  # a client that went away (read timeout, failed handshake) is what several tests do on purpose


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: t.Any) -> None:
        pass

    def _answer(self) -> None:
        owner = self.server.owner
        headers = dict(self.headers.items())
        probe = Seen(self.command, self.path, headers, b"")
        reply = owner.reply_for(probe)
        if reply.drop == BEFORE_READ:
            owner.record(probe)
            self._drop()
            return
        length = int(self.headers.get("Content-Length") or 0)
        seen = Seen(self.command, self.path, headers, self.rfile.read(length) if length else b"")
        owner.record(seen)
        if reply.on_request is not None:
            reply.on_request(seen)
        if reply.drop == AFTER_READ:
            self._drop()
            return
        if reply.delay and owner.stopping.wait(reply.delay):
            self.close_connection = True
            return
        data, extra = reply.payload(seen)
        if reply.status in (204, 304):
            data = b""  # these answers have no body: one sent anyway would be read as the start of the next answer
        self.send_response(reply.status, reply.reason)
        for name, value in extra.items():
            self.send_header(name, value)
        if reply.status not in (204, 304):
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")  # RST, not FIN
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST = _answer


class LocalServer:
    """A scripted HTTP server on 127.0.0.1 (HTTPS with ``tls``), serving from a thread until ``close()``.

    With ``listening=False`` the port is bound but refuses connections (Linux answers them with a reset, as for a server
    that is not up yet) until ``listen()``.
    """

    def __init__(self, tls: ssl.SSLContext | None = None, *, listening: bool = True) -> None:
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.connections = 0
        self.seen: list[Seen] = []
        self._queue: list[Reply] = []
        self._routes: list[tuple[str, re.Pattern[str], list[Reply]]] = []
        self._httpd = _Server(self, tls, listening=listening)
        self.listening = listening
        self.port = self._httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.api_url = f"{self.url}{API_PREFIX}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        if listening:
            self._thread.start()

    def listen(self) -> None:
        """Start accepting connections (for a server made with ``listening=False``)."""
        if not self.listening:
            self.listening = True
            self._httpd.server_activate()
            self._thread.start()

    def reset(self) -> None:
        with self.lock:
            self.seen.clear()
            self._queue.clear()
            self._routes.clear()
            self.connections = 0

    def queue(self, *replies: Reply) -> LocalServer:
        """Answer the next requests that no route takes with these replies, in turn (then 599)."""
        with self.lock:
            self._queue.extend(replies)
        return self

    def route(self, method: str, path: str, *replies: Reply) -> LocalServer:
        """Answer ``method`` requests whose path (without the API prefix and the query) fully matches ``path`` with
        these replies in turn, the last one again and again.  A route added later wins over an earlier one."""
        assert replies, "a route needs a reply"
        with self.lock:
            self._routes.append((method.upper(), re.compile(path), list(replies)))
        return self

    def reply_for(self, seen: Seen) -> Reply:
        method, _space, path = seen.endpoint.partition(" ")
        with self.lock:
            for wanted, pattern, replies in reversed(self._routes):  # a later route wins over an earlier one
                if wanted == method and pattern.fullmatch(path):
                    return replies.pop(0) if len(replies) > 1 else replies[0]
            if self._queue:
                return self._queue.pop(0)
        return Reply(599, {"message": f"the script has no answer for {seen.endpoint}"})

    def record(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)

    def calls(self) -> list[str]:
        """``METHOD /path`` of every request seen, without the API prefix and the query."""
        with self.lock:
            return [seen.endpoint for seen in self.seen]

    def methods(self) -> list[str]:
        with self.lock:
            return [seen.method for seen in self.seen]

    def close(self) -> None:
        self.stopping.set()
        if self.listening:
            self._httpd.shutdown()
            self._thread.join(5)
        self._httpd.server_close()


def closed_port() -> int:
    """A port of 127.0.0.1 on which nothing listens (bound once, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
