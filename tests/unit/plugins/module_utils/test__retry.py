# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one retry policy, GitHubRetry, through the real transport (requests' HTTPAdapter and urllib3) against a scripted
server on 127.0.0.1: what is retried and what never is, rate-limit waits, the deadline, and lost answers.

No test waits for real: the client's clock and sleep are a FakeClock (``clock.sleeps`` lists the waits); only the
read-timeout cases wait 0.3 s for a socket timeout.
"""

from __future__ import annotations

import time
import typing as t
from types import SimpleNamespace

import pytest
from urllib3.exceptions import MaxRetryError, ProtocolError, ReadTimeoutError
from urllib3.util.retry import RequestHistory

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _otp, _retry
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.plugin_utils import _guard
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTP_SECRET,
    PASSWORD,
    USERNAME,
    FakeClock,
    load_fixture,
)
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import (
    AFTER_READ,
    BEFORE_READ,
    LocalServer,
    Reply,
    fixture_reply,
)

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
RESET_PATH = f"/applications/{CLIENT_ID}/token"
OK = Reply(200, {"id": 1, "token": "", "hashed_token": "x"})
CREATED = Reply(201, {"id": 1, "token": "t" * 40, "hashed_token": "x"})
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
ABUSE = {"message": "You have triggered an abuse detection mechanism. Please wait a few minutes before you try again."}
DROPPED = Reply(drop=AFTER_READ)
READ_TIMEOUT = 0.3
MakeClient = t.Callable[..., _api.GitHubClient]


def put(client: _api.GitHubClient) -> _api.APIResponse:
    response = client.request("PUT", PUT_PATH, body={"client_secret": "s"}, expect=(200, 201), shape=dict)
    assert response is not None
    return response


def put_fails(client: _api.GitHubClient) -> errors.OAuthKitError:
    with pytest.raises(errors.OAuthKitError) as exc_info:
        put(client)
    return exc_info.value


def reset(client: _api.GitHubClient) -> _api.APIResponse | None:
    return client.request("PATCH", RESET_PATH, body={"access_token": "old"}, shape=dict, app_auth=(CLIENT_ID, CLIENT_SECRET), idempotent=False)


def proven_client(server: LocalServer, make_client: MakeClient, **options: t.Any) -> _api.GitHubClient:
    """A client whose credentials GitHub accepted once: a GET of /user succeeded."""
    server.route("GET", "/user", Reply(200, {"login": USERNAME}))
    client = make_client(**options)
    client.request("GET", "/user")
    assert client.proven()
    server.reset()
    return client


# ---------------------------------------------------------------- 5xx


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_retries_times(server: LocalServer, make_client: MakeClient, clock: FakeClock, status: int) -> None:
    server.route("PUT", PUT_PATH, Reply(status, {"message": "oops"}))
    client = make_client(retries=3)
    exc = put_fails(client)
    assert isinstance(exc, errors.ServerError)
    assert server.calls() == [f"PUT {PUT_PATH}"] * 4  # the first attempt and 3 retries
    assert client.retries_made == 3
    assert [attempt.status for attempt in client.attempts] == [status] * 3
    # urllib3 retries the first failure at once; then backoff_factor * 2 ** n, plus up to BACKOFF_JITTER.
    assert len(clock.sleeps) == 2
    assert 1.0 <= clock.sleeps[0] <= 1.0 + _retry.BACKOFF_JITTER
    assert 2.0 <= clock.sleeps[1] <= 2.0 + _retry.BACKOFF_JITTER


def test_server_errors_then_success(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, Reply(502, "<html>bad gateway</html>"), Reply(500), CREATED)
    client = make_client()
    response = put(client)
    assert response.created is True
    assert response.answer_lost is False  # a 5xx is an answer, not a lost one
    assert len(server.seen) == 3


@pytest.mark.parametrize(("method", "msg_id"), [("GET", "api.server_error_get"), ("PUT", "api.server_error")])
def test_server_error_after_the_retries(server: LocalServer, make_client: MakeClient, method: str, msg_id: str) -> None:
    server.route(method, "/authorizations", Reply(503, {"message": "Service Unavailable"}))
    with pytest.raises(errors.ServerError) as exc_info:
        make_client(retries=1).request(method, "/authorizations")
    assert exc_info.value.msg_id == msg_id
    assert len(server.seen) == 2


def test_no_retries_when_turned_off(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, Reply(502), OK)
    assert isinstance(put_fails(make_client(retries=0)), errors.ServerError)
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    "fixture",
    ["login_lockout", "bad_credentials", "problems_parsing_json", "gone", "validation_note_missing", "otp_required_app"],
)
def test_never_retried(server: LocalServer, make_client: MakeClient, clock: FakeClock, fixture: str) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture(fixture)), CREATED)
    client = make_client()
    exc = put_fails(client)
    assert isinstance(exc, errors.APIError)
    assert len(server.seen) == 1
    assert (client.retries_made, clock.sleeps) == (0, [])


def test_a_403_that_is_no_limit_is_never_retried(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, Reply(403, {"message": "Must have admin rights to Repository."}), CREATED)
    assert isinstance(put_fails(make_client()), errors.Forbidden)
    assert len(server.seen) == 1


def test_the_lockout_is_never_retried_and_its_message_survives(server: LocalServer, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The policy reads a 403's body to tell a limit from a lockout; the answer comes back as AnswerRead, message and all."""
    read_by_policy: list[int] = []
    original = _api.Answer.read_by_policy

    def spy(read: _retry.AnswerRead) -> _api.Answer:
        read_by_policy.append(read.status)
        return original(read)

    monkeypatch.setattr(_api.Answer, "read_by_policy", staticmethod(spy))
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("login_lockout")), CREATED)
    exc = put_fails(make_client(retries=3))
    assert isinstance(exc, errors.LoginLockout)
    assert read_by_policy == [403]
    assert exc.fields["where"] == f"PUT {PUT_PATH} returned 403 Maximum number of login attempts exceeded. Please try again later"
    assert exc.details["documentation_url"] == "https://developer.github.com/v3"
    assert len(server.seen) == 1


# ---------------------------------------------------------------- requests that never reached the server


def test_connection_refused_then_success_is_no_lost_answer(clock: FakeClock) -> None:
    late = LocalServer(listening=False)  # bound, refusing connections until listen()
    try:
        late.route("PUT", PUT_PATH, CREATED)
        reads: list[float] = []

        def clock_that_starts_the_server() -> float:
            reads.append(clock.time())
            if len(reads) == 2:  # first read: the request's deadline; second: the policy, after the refused connection
                late.listen()
            return clock.time()

        client = _api.GitHubClient(late.api_url, USERNAME, PASSWORD, timeout=5.0)
        client.clock, client.sleep = clock_that_starts_the_server, clock.sleep
        response = put(client)
    finally:
        late.close()
    assert response.created is True
    assert response.answer_lost is False  # refused: the first attempt never reached the server
    assert client.retries_made == 1
    assert client.attempts[0].maybe_committed is False
    assert late.connections == 1 and len(late.seen) == 1


# ---------------------------------------------------------------- lost answers: retried only once the credentials are proven


@pytest.mark.parametrize("drop", [AFTER_READ, BEFORE_READ])
def test_a_dropped_connection_of_unproven_credentials_is_not_retried(server: LocalServer, make_client: MakeClient, drop: str) -> None:
    """It may have been a "Bad credentials" whose answer was lost: a retry could be a second failed login."""
    server.route("PUT", PUT_PATH, Reply(drop=drop), CREATED)
    client = make_client(retries=3)
    exc = put_fails(client)
    assert exc.__class__ is errors.AnswerLost
    assert exc.msg_id == "transport.answer_lost"
    assert exc.fields == {"method": "PUT", "path": PUT_PATH, "why": "the connection dropped"}
    assert "no answer came back (the connection dropped)" in exc.msg
    assert len(server.seen) == 1
    assert client.retries_made == 0


def test_a_lost_get_says_so(server: LocalServer, make_client: MakeClient) -> None:
    server.route("GET", "/authorizations", DROPPED)
    with pytest.raises(errors.AnswerLost) as exc_info:
        make_client().request("GET", "/authorizations")
    assert exc_info.value.msg_id == "transport.answer_lost_get"
    assert "raise timeout" in exc_info.value.msg


def test_a_dropped_connection_of_proven_credentials_is_retried_and_reported(server: LocalServer, make_client: MakeClient) -> None:
    client = proven_client(server, make_client)
    server.route("PUT", PUT_PATH, DROPPED, OK)
    response = put(client)
    assert response.answer_lost is True  # GitHub may have created it with the first attempt
    assert len(server.seen) == 2
    assert client.attempts[-1].maybe_committed is True


def test_credentials_proven_by_another_task_of_the_run(server: LocalServer, make_client: MakeClient, tmp_path: t.Any) -> None:
    """The guard's verdict counts for a client that has not made a request yet."""
    first = _guard.FileGuard(str(tmp_path), server.api_url, USERNAME, wait=1.0)
    first.before()
    first.after(_api.ACCEPTED)
    client = make_client(guard=_guard.FileGuard(str(tmp_path), server.api_url, USERNAME, wait=1.0))
    assert client._proven is False and client.proven() is True
    server.route("PUT", PUT_PATH, DROPPED, OK)
    assert put(client).answer_lost is True
    assert len(server.seen) == 2


def test_a_lost_answer_marks_only_its_own_request(server: LocalServer, make_client: MakeClient) -> None:
    client = proven_client(server, make_client)
    server.route("PUT", PUT_PATH, DROPPED, OK)
    assert put(client).answer_lost is True
    assert put(client).answer_lost is False  # the lost answer of the first PUT says nothing about the second
    assert client.retries_made == 1


def test_a_read_timeout_before_any_success_is_not_retried(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, Reply(delay=5.0), CREATED)
    client = make_client(timeout=READ_TIMEOUT, retries=3)
    started = time.monotonic()
    exc = put_fails(client)
    assert time.monotonic() - started < 3.0
    assert exc.__class__ is errors.AnswerLost
    assert exc.fields["why"] == f"no answer within {READ_TIMEOUT:g} s"
    assert len(server.seen) == 1


def test_a_read_timeout_of_proven_credentials_is_retried(server: LocalServer, make_client: MakeClient) -> None:
    client = proven_client(server, make_client, timeout=READ_TIMEOUT)
    server.route("PUT", PUT_PATH, Reply(delay=5.0), OK)
    response = put(client)
    assert response.answer_lost is True
    assert len(server.seen) == 2


# ---------------------------------------------------------------- the token reset is never sent twice


@pytest.mark.parametrize("drop", [AFTER_READ, BEFORE_READ])
def test_the_reset_is_never_retried_after_a_drop(server: LocalServer, make_client: MakeClient, drop: str) -> None:
    client = proven_client(server, make_client, retries=3)
    server.route("PATCH", RESET_PATH, Reply(drop=drop), OK)
    with pytest.raises(errors.AnswerLost) as exc_info:
        reset(client)
    assert exc_info.value.msg_id == "transport.answer_lost"
    assert server.calls() == [f"PATCH {RESET_PATH}"]


def test_the_reset_is_never_retried_after_a_read_timeout(server: LocalServer, make_client: MakeClient) -> None:
    client = proven_client(server, make_client, retries=3, timeout=READ_TIMEOUT)
    server.route("PATCH", RESET_PATH, Reply(delay=5.0), OK)
    with pytest.raises(errors.AnswerLost) as exc_info:
        reset(client)
    assert exc_info.value.fields["why"] == f"no answer within {READ_TIMEOUT:g} s"
    assert len(server.seen) == 1


@pytest.mark.parametrize("reply", [Reply(502), Reply(500), Reply(503, headers={"Retry-After": "1"})], ids=["502", "500", "503-retry-after"])
def test_the_reset_is_never_retried_after_a_server_error(server: LocalServer, make_client: MakeClient, reply: Reply) -> None:
    client = proven_client(server, make_client, retries=3)
    server.route("PATCH", RESET_PATH, reply, OK)
    with pytest.raises(errors.ServerError) as exc_info:
        reset(client)
    assert exc_info.value.msg_id == "api.server_error"
    assert server.calls() == [f"PATCH {RESET_PATH}"]


# ---------------------------------------------------------------- TLS


def test_a_tls_verification_failure_is_not_retried(tls_server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    tls_server.route("GET", "/user", OK)
    client = make_client(api_url=tls_server.api_url, retries=3)
    with pytest.raises(errors.TransportError) as exc_info:
        client.request("GET", "/user")
    assert exc_info.value.msg_id == "transport.tls"
    assert tls_server.connections == 1  # one handshake, refused by the client, never tried again
    assert client.retries_made == 0
    assert clock.sleeps == []


# ---------------------------------------------------------------- rate limits


@pytest.mark.parametrize("body", [SECONDARY, ABUSE], ids=["secondary", "abuse"])
def test_a_limit_named_only_by_its_message_is_waited_for(server: LocalServer, make_client: MakeClient, clock: FakeClock, body: dict[str, str]) -> None:
    server.route("PUT", PUT_PATH, Reply(403, body), CREATED)
    client = make_client(rate_limit_wait=60, retries=1)
    assert put(client).created is True
    assert clock.sleeps == [_retry.SECONDARY_LIMIT_WAIT] == [60.0]
    assert len(server.seen) == 2
    assert client.attempts == [_retry.Attempt("PUT", 403, False, 60.0)]


@pytest.mark.parametrize("options", [{"rate_limit_wait": 59}, {"retries": 0}], ids=["wait-too-short", "no-retry-left"])
def test_a_limit_named_only_by_its_message_is_not_waited_for_beyond_the_options(
    server: LocalServer, make_client: MakeClient, clock: FakeClock, options: dict[str, t.Any]
) -> None:
    server.route("PUT", PUT_PATH, Reply(403, SECONDARY), CREATED)
    exc = put_fails(make_client(**options))
    assert isinstance(exc, errors.RateLimited)
    assert "You have exceeded a secondary rate limit" in exc.msg  # the body the policy read is the message's
    assert clock.sleeps == []
    assert len(server.seen) == 1


def test_a_limit_that_stays_is_waited_for_while_retries_last(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    server.route("PUT", PUT_PATH, Reply(403, SECONDARY))
    exc = put_fails(make_client(retries=2, rate_limit_wait=60, timeout=30))  # a budget of 60 + 38 * 3 = 174 s: two waits fit
    assert isinstance(exc, errors.RateLimited)
    assert clock.sleeps == [60.0, 60.0]
    assert len(server.seen) == 3


@pytest.mark.parametrize(
    ("reply", "rate_limit_wait", "waits"),
    [
        (Reply(403, SECONDARY, {"Retry-After": "2"}), 60, [2.0]),
        (Reply(429, {"message": "slow down"}, {"Retry-After": "30"}), 30, [30.0]),
        (Reply(429, {"message": "slow down"}), 60, [60.0]),
        (Reply(429, {"message": "slow down"}, {"Retry-After": "soon"}), 60, [60.0]),
        (Reply(503, {"message": "busy"}, {"Retry-After": "7"}), 0, [7.0]),
    ],
    ids=["403-retry-after", "429-retry-after", "429-without-headers", "429-unreadable-retry-after", "503-retry-after"],
)
def test_waits_within_rate_limit_wait(
    server: LocalServer, make_client: MakeClient, clock: FakeClock, reply: Reply, rate_limit_wait: float, waits: list[float]
) -> None:
    server.route("PUT", PUT_PATH, reply, OK)
    client = make_client(rate_limit_wait=rate_limit_wait)
    assert put(client).created is False
    assert clock.sleeps == waits
    assert len(server.seen) == 2
    assert client.retries_made == 1


@pytest.mark.parametrize(
    ("reply", "rate_limit_wait", "when"),
    [
        (Reply(403, SECONDARY, {"Retry-After": "120"}), 60, "for 120 s"),
        (Reply(429, {"message": "slow down"}, {"Retry-After": "31"}), 30, "for 31 s"),
        (Reply(429, {"message": "slow down"}), 59, "for now"),
    ],
    ids=["403-retry-after", "429-retry-after", "429-without-headers"],
)
def test_waits_beyond_rate_limit_wait_fail_at_once(
    server: LocalServer, make_client: MakeClient, clock: FakeClock, reply: Reply, rate_limit_wait: float, when: str
) -> None:
    server.route("PUT", PUT_PATH, reply, OK)
    exc = put_fails(make_client(rate_limit_wait=rate_limit_wait))
    assert isinstance(exc, errors.RateLimited)
    assert f"exhausted {when}" in exc.msg
    assert clock.sleeps == []
    assert len(server.seen) == 1


def test_the_primary_limit_is_waited_for_until_its_reset(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    reset_at = int(time.time()) + 5
    server.route("PUT", PUT_PATH, Reply(403, {"message": "API rate limit exceeded"}, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_at)}), OK)
    put(make_client())
    (wait,) = clock.sleeps
    assert 4.0 <= wait <= 6.5  # until the reset, plus 1 s
    assert len(server.seen) == 2


def test_a_primary_limit_beyond_rate_limit_wait_fails_with_the_reset_time(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    reset_at = int(time.time()) + 3600
    server.route("PUT", PUT_PATH, Reply(403, {"message": "API rate limit exceeded"}, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_at)}), OK)
    exc = put_fails(make_client(rate_limit_wait=60))
    assert exc.details["reset_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(reset_at))
    assert f"until {exc.details['reset_at']}" in exc.msg
    assert clock.sleeps == []
    assert len(server.seen) == 1


# ---------------------------------------------------------------- one deadline per call


def test_the_deadline_stops_long_waits(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    # rate_limit_wait + (timeout + BACKOFF_MAX) * (retries + 1) = 60 + 9 * 4 = 96 s: a second wait of 50 s does not fit.
    server.route("PUT", PUT_PATH, Reply(403, SECONDARY, {"Retry-After": "50"}))
    assert isinstance(put_fails(make_client(rate_limit_wait=60, timeout=1, retries=3)), errors.RateLimited)
    assert clock.sleeps == [50.0]
    assert len(server.seen) == 2


def test_the_deadline_stops_retries_after_errors(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    client = proven_client(server, make_client, rate_limit_wait=0, timeout=1, retries=3)  # a budget of 9 * 4 = 36 s
    server.route("PUT", PUT_PATH, Reply(drop=AFTER_READ, on_request=lambda seen: clock.advance(40)), OK)
    assert isinstance(put_fails(client), errors.AnswerLost)
    assert len(server.seen) == 1


def test_the_two_factor_step_shares_the_calls_deadline(server: LocalServer, make_client: MakeClient, clock: FakeClock) -> None:
    """Budget 0 + (1 + 8) * 1 + 32 = 41 s; an answer that took 35 s leaves 6 s, short of the next step (of 60 s, 15 s away).

    (With 30-second steps the deadline cannot be the bound that stops the wait: an answer slow enough to leave less than
    the rest of the step is slower than the step itself.)
    """
    assert clock.now % 60 == 10
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep, interval=60, max_wait=100)
    challenge = fixture_reply(load_fixture("otp_required_app"))
    challenge.on_request = lambda seen: clock.advance(35)
    server.route("PUT", PUT_PATH, challenge, CREATED)
    exc = put_fails(make_client(otp=source, rate_limit_wait=0, timeout=1, retries=0))
    assert isinstance(exc, errors.OTPRequired)
    assert exc.fields["hint"].msg_id == "otp.no_next_step"
    assert sum(clock.sleeps) == pytest.approx(6.0)
    assert len(server.seen) == 1


# ---------------------------------------------------------------- the policy object itself


def test_copies_share_the_settings_and_the_record() -> None:
    attempts: list[_retry.Attempt] = []
    policy = _retry.GitHubRetry(2, rate_limit_wait=5, deadline=100.0, attempts=attempts, clock=lambda: 1.0, sleeper=lambda s: None)
    copy = policy.new(total=1)
    assert (copy.rate_limit_wait, copy.deadline, copy.attempts, copy.clock) == (5, 100.0, attempts, policy.clock)
    assert copy.attempts is attempts


def test_backoff_has_a_jitter_and_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retry.random, "uniform", lambda low, high: high)
    policy = _retry.GitHubRetry(10)
    assert policy.get_backoff_time() == 0.0  # no error yet
    history = (RequestHistory("GET", "/", None, 502, None),) * 2
    two = policy.new(history=history)
    assert two.get_backoff_time() == 2 * _retry.BACKOFF_FACTOR + _retry.BACKOFF_JITTER
    many = policy.new(history=history * 10)
    assert many.get_backoff_time() == _retry.BACKOFF_MAX


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (403, {"Retry-After": "12"}, 12.0),
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1010"}, 11.0),
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "900"}, 1.0),
        (403, {"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "1010"}, None),
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "soon"}, None),
        (429, {}, 60.0),
        (403, {}, None),
    ],
    ids=["retry-after", "reset", "reset-past", "remaining", "reset-not-a-number", "429", "403"],
)
def test_rate_limit_delay(status: int, headers: dict[str, str], expected: float | None) -> None:
    policy = _retry.GitHubRetry(3, wallclock=lambda: 1000.0)
    assert policy.rate_limit_delay(SimpleNamespace(status=status, headers=headers)) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("API rate limit exceeded for user ID 1.", True),
        ("You have exceeded a secondary rate limit.", True),
        ("You have triggered an abuse detection mechanism.", True),
        ("Maximum number of login attempts exceeded. Please try again later.", False),
        ("Maximum number of login attempts exceeded (rate limit).", False),
        ("Must have admin rights to Repository.", False),
    ],
)
def test_says_rate_limit(message: str, expected: bool) -> None:
    assert _retry.says_rate_limit(message) is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b'{"message": "x"}', "x"), (b'{"message": 5}', ""), (b"[1]", ""), (b"<html>", ""), (b"[" * 50_000, "")],
    ids=["message", "not-a-string", "not-an-object", "not-json", "too-deep"],
)
def test_message_of(body: bytes, expected: str) -> None:
    assert _retry.message_of(body) == expected


def test_unproven_errors_are_refused_with_their_cause() -> None:
    policy = _retry.GitHubRetry(3, may_retry_unanswered=lambda: False)
    for error in (ReadTimeoutError(None, "/", "read timed out"), ProtocolError("Connection aborted.")):
        with pytest.raises(MaxRetryError) as exc_info:
            policy.increment("PUT", "/x", error=error)
        assert exc_info.value.reason is error
    assert policy.attempts == []


def test_password_never_in_a_transport_message(server: LocalServer, make_client: MakeClient) -> None:
    server.route("PUT", PUT_PATH, DROPPED)
    assert PASSWORD not in put_fails(make_client()).msg
