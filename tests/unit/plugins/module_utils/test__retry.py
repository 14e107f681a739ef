# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The retry policy, through the real transport (requests + urllib3) against a scripted HTTP server on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
import typing as t

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _retry
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import PASSWORD, USERNAME

Answer = t.Tuple[int, t.Dict[str, str], t.Any]  # status, headers, JSON body; status 0 closes the connection without an answer
OK: Answer = (200, {}, {"id": 1, "token": "", "hashed_token": "x"})
CREATED: Answer = (201, {}, {"id": 1, "token": "t" * 40, "hashed_token": "x"})
LOCKOUT: Answer = (403, {}, {"message": "Maximum number of login attempts exceeded. Please try again later."})


class Script:
    """The answers the server gives, in order, and the requests it saw."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = list(answers)
        self.seen: list[str] = []
        self.lock = threading.Lock()

    def next(self, method: str) -> Answer:
        with self.lock:
            self.seen.append(method)
            return self.answers.pop(0) if self.answers else (599, {}, {"message": "the script ran out"})


@pytest.fixture
def server() -> t.Iterator[tuple[str, Script]]:
    script = Script([])

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status, headers, body = script.next(self.command)
            if status == 0:  # the request was read (and, for the test, done); the answer is lost
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, *args: t.Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api/v3", script
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def slept() -> list[float]:
    """Waits of the retry policy, recorded instead of slept (see client())."""
    return []


def client(url: str, waits: list[float], **kwargs: t.Any) -> _api.GitHubClient:
    """A client whose retry policy records its waits in ``waits``, on a clock that each wait moves on."""
    c = _api.GitHubClient(url, USERNAME, PASSWORD, **{"timeout": 5, **kwargs})
    start = time.monotonic()
    c.clock = lambda: start + sum(waits)
    c.sleep = waits.append
    return c


def put(c: _api.GitHubClient) -> _api.APIResponse:
    response = c.request("PUT", "/authorizations/clients/x", body={"client_secret": "s"}, expect=(200, 201), shape=dict)
    assert response is not None
    return response


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_with_backoff(server: tuple[str, Script], slept: list[float], status: int) -> None:
    url, script = server
    script.answers = [(status, {}, {"message": "oops"}), (status, {}, {"message": "oops"}), CREATED]
    c = client(url, slept)
    response = put(c)
    assert response.created is True
    assert script.seen == ["PUT", "PUT", "PUT"]
    assert c.retries_made == 2
    assert response.answer_lost is False
    # urllib3 retries the first failure at once; the second waits backoff_factor * 2 plus up to backoff_jitter.
    assert len(slept) == 1 and 2 * _retry.BACKOFF_FACTOR <= slept[0] <= 2 * _retry.BACKOFF_FACTOR + _retry.BACKOFF_JITTER


def test_retries_are_bounded(server: tuple[str, Script], slept: list[float]) -> None:
    url, script = server
    script.answers = [(502, {}, {"message": "bad gateway"})] * 10
    with pytest.raises(errors.ServerError):
        put(client(url, slept, retries=2))
    assert script.seen == ["PUT"] * 3


def test_no_retries_when_turned_off(server: tuple[str, Script], slept: list[float]) -> None:
    url, script = server
    script.answers = [(502, {}, {"message": "bad gateway"}), OK]
    with pytest.raises(errors.ServerError):
        put(client(url, slept, retries=0))
    assert script.seen == ["PUT"]


@pytest.mark.parametrize(
    "answer",
    [
        LOCKOUT,
        (403, {}, {"message": "Must have admin rights to Repository."}),
        (400, {}, {"message": "Problems parsing JSON"}),
        (401, {}, {"message": "Bad credentials"}),
        (404, {}, {"message": "Not Found"}),
        (410, {}, {"message": "Gone"}),
        (422, {}, {"message": "Validation Failed", "errors": []}),
    ],
    ids=["lockout", "forbidden", "400", "401", "404", "410", "422"],
)
def test_never_retried(server: tuple[str, Script], slept: list[float], answer: Answer) -> None:
    url, script = server
    script.answers = [answer, CREATED, OK]
    with pytest.raises(errors.APIError):
        c = client(url, slept)
        put(c)
    assert script.seen[0] == "PUT" and script.seen.count("PUT") == 1  # a 404 adds one GET of the API root, nothing else
    assert slept == []


def test_primary_rate_limit_waits_until_the_reset(server: tuple[str, Script], slept: list[float]) -> None:
    url, script = server
    reset = int(time.time()) + 5
    script.answers = [(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}, {"message": "API rate limit exceeded"}), OK]
    c = client(url, slept)
    assert put(c).created is False
    assert script.seen == ["PUT", "PUT"]
    assert len(slept) == 1 and 4.0 <= slept[0] <= 6.5  # until the reset, plus 1 s


def test_secondary_limit_waits_for_retry_after(server: tuple[str, Script], slept: list[float]) -> None:
    url, script = server
    script.answers = [(403, {"Retry-After": "2"}, {"message": "You have exceeded a secondary rate limit."}), OK]
    put(client(url, slept))
    assert slept == [2.0]


def test_429_without_headers_waits_a_minute(server: tuple[str, Script], slept: list[float]) -> None:
    url, script = server
    script.answers = [(429, {}, {"message": "slow down"}), OK]
    put(client(url, slept, rate_limit_wait=90))
    assert slept == [_retry.SECONDARY_LIMIT_WAIT]


def test_rate_limit_beyond_rate_limit_wait_fails_at_once(server: tuple[str, Script], slept: list[float]) -> None:
    url, script = server
    reset = int(time.time()) + 3600
    script.answers = [(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}, {"message": "API rate limit exceeded"}), OK]
    with pytest.raises(errors.RateLimited) as exc_info:
        put(client(url, slept, rate_limit_wait=60))
    assert script.seen == ["PUT"]
    assert slept == []
    assert "until 20" in exc_info.value.msg  # the reset time, as a date


def test_a_lost_answer_to_a_put_is_reported(server: tuple[str, Script], slept: list[float]) -> None:
    url, script = server
    script.answers = [(0, {}, None), OK]
    c = client(url, slept)
    response = put(c)
    assert script.seen == ["PUT", "PUT"]
    assert response.answer_lost is True
    assert c.retries_made == 1


def test_connection_refused_is_retried_then_reported(slept: list[float]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    c = client(f"http://127.0.0.1:{port}/api/v3", slept, retries=2)
    with pytest.raises(errors.TransportError) as exc_info:
        put(c)
    assert "Could not reach" in exc_info.value.msg
    assert c.retries_made == 2


def test_the_deadline_stops_long_waits(server: tuple[str, Script], slept: list[float]) -> None:
    url, script = server
    # The budget is rate_limit_wait + (timeout + 8) * (retries + 1) = 60 + 9 * 4 = 96 s: a second wait of 50 s does not fit.
    c = client(url, slept, rate_limit_wait=60, timeout=1)
    script.answers = [(403, {"Retry-After": "50"}, {"message": "secondary rate limit"})] * 3 + [OK]
    with pytest.raises(errors.RateLimited):
        put(c)
    assert (script.seen, slept) == (["PUT", "PUT"], [50.0])
