# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The per-account login guard: one failed login per account and run, shared through files by every worker of the run."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import stat
import threading
import typing as t
from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _api
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import LOCK_POLL_S
from ansible_collections.oauthkit.github.plugins.plugin_utils import _guard
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import CLIENT_ID, PASSWORD, USERNAME, FakeClock, load_fixture
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import LocalServer, Reply, fixture_reply

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
MakeClient = t.Callable[..., _api.GitHubClient]


@pytest.fixture
def folder(tmp_path: Path) -> str:
    return str(tmp_path / "oauthkit-github-guard")


def guard(folder: str, server: LocalServer, username: str = USERNAME, **kwargs: t.Any) -> _guard.FileGuard:
    return _guard.FileGuard(folder, server.api_url, username, wait=kwargs.pop("wait", 5.0), **kwargs)


def put(client: _api.GitHubClient) -> _api.APIResponse | None:
    return client.request("PUT", PUT_PATH, body={"client_secret": "s"}, expect=(200, 201))


def scan(folder: str) -> bytes:
    return b"".join(path.read_bytes() for path in Path(folder).rglob("*") if path.is_file())


def test_a_rejected_login_stops_every_other_login_of_the_account(server: LocalServer, make_client: MakeClient, folder: str) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("bad_credentials")), Reply(200, {"id": 1}))
    with pytest.raises(errors.BadCredentials) as first:
        put(make_client(guard=guard(folder, server)))
    second = make_client(guard=guard(folder, server))  # another worker of the run: its own guard, the same folder
    with pytest.raises(errors.LoginRefused) as refused:
        put(second)
    assert len(server.seen) == 1  # the second login never reached the server
    assert refused.value.msg_id == "guard.refused"
    assert refused.value.fields == {"api_url": server.api_url, "login": USERNAME, "first": first.value.msg}
    assert f"as {USERNAME} and GitHub refused it (PUT {PUT_PATH} returned 401 Bad credentials" in refused.value.msg


def test_a_lockout_is_a_rejected_login_too(server: LocalServer, make_client: MakeClient, folder: str) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("login_lockout")))
    with pytest.raises(errors.LoginLockout):
        put(make_client(guard=guard(folder, server)))
    with pytest.raises(errors.LoginRefused):
        put(make_client(guard=guard(folder, server)))
    assert len(server.seen) == 1


def test_another_account_is_not_stopped(server: LocalServer, make_client: MakeClient, folder: str) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("bad_credentials")), Reply(200, {"id": 1}))
    with pytest.raises(errors.BadCredentials):
        put(make_client(guard=guard(folder, server)))
    assert put(make_client(guard=guard(folder, server, username="hubot"))) is not None
    assert len(server.seen) == 2


def test_an_accepted_login_lets_the_others_go_on(server: LocalServer, make_client: MakeClient, folder: str) -> None:
    server.route("PUT", PUT_PATH, Reply(200, {"id": 1}))
    first = make_client(guard=guard(folder, server))
    put(first)
    second = make_client(guard=guard(folder, server))
    assert second.proven() is True  # before any request of its own
    put(second)
    assert len(server.seen) == 2


@pytest.mark.parametrize(
    "reply",
    [Reply(502), fixture_reply(load_fixture("otp_required_app"))],
    ids=["server-error", "two-factor-challenge"],
)
def test_an_answer_that_proves_nothing_decides_nothing(server: LocalServer, make_client: MakeClient, folder: str, reply: Reply) -> None:
    server.route("PUT", PUT_PATH, reply, Reply(200, {"id": 1}))
    with pytest.raises(errors.APIError):
        put(make_client(guard=guard(folder, server), retries=0))
    second = make_client(guard=guard(folder, server))
    assert second.proven() is False
    assert put(second) is not None
    assert len(server.seen) == 2


def test_once_proven_a_client_takes_no_lock(server: LocalServer, make_client: MakeClient, folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("PUT", PUT_PATH, Reply(200, {"id": 1}))
    client = make_client(guard=guard(folder, server))
    put(client)
    calls: list[str] = []
    monkeypatch.setattr(_guard.FileGuard, "before", lambda self: calls.append("before"))
    put(client)
    assert calls == []


def test_a_worker_waiting_on_the_lock_goes_on_after_the_first_verdict(server: LocalServer, make_client: MakeClient, folder: str) -> None:
    server.route("PUT", PUT_PATH, Reply(200, {"id": 2}))
    first = guard(folder, server)
    first.before()  # the first worker's login is under way: it holds the account's lock
    polling = threading.Event()

    def poll(seconds: float) -> None:
        polling.set()
        threading.Event().wait(seconds)  # the guard's poll interval, shortened by nothing

    waiting_client = make_client(guard=guard(folder, server, sleep=poll))
    outcome: list[t.Any] = []
    worker = threading.Thread(target=lambda: outcome.append(put(waiting_client)), daemon=True)
    worker.start()
    try:
        assert polling.wait(5), "the second worker never waited for the lock"
        assert server.seen == []  # it waits: nothing was sent
        first.after(_api.ACCEPTED)
    finally:
        worker.join(5)
    assert not worker.is_alive()
    assert outcome and outcome[0].data == {"id": 2}
    assert len(server.seen) == 1


def test_a_worker_waiting_on_the_lock_fails_after_a_rejection(folder: str, server: LocalServer) -> None:
    first = guard(folder, server)
    first.before()
    polling = threading.Event()
    errors_seen: list[BaseException] = []

    def poll(seconds: float) -> None:
        polling.set()
        threading.Event().wait(seconds)

    def wait_for_the_lock() -> None:
        try:
            guard(folder, server, sleep=poll).before()
        except errors.LoginRefused as exc:
            errors_seen.append(exc)

    worker = threading.Thread(target=wait_for_the_lock, daemon=True)
    worker.start()
    try:
        assert polling.wait(5)
        first.after(_api.REJECTED, "401 Bad credentials")
    finally:
        worker.join(5)
    assert [exc.fields["first"] for exc in errors_seen] == ["401 Bad credentials"]  # type: ignore[attr-defined]


def test_the_lock_is_held_until_the_verdict(folder: str, server: LocalServer) -> None:
    first = guard(folder, server)
    first.before()
    lock = next(Path(folder).glob("*.lock"))
    other = os.open(lock, os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        first.after(_api.UNKNOWN)
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again, and no verdict written
    finally:
        os.close(other)
    assert list(Path(folder).glob("*.state")) == []


def test_waiting_is_bounded(folder: str, server: LocalServer) -> None:
    clock = FakeClock()
    first = guard(folder, server)
    first.before()
    try:
        with pytest.raises(errors.LoginRefused) as exc_info:
            guard(folder, server, wait=2.0, clock=clock.time, sleep=clock.sleep).before()
    finally:
        first.after(_api.UNKNOWN)
    assert exc_info.value.msg_id == "guard.wait_timeout"
    assert "for more than 2 s" in exc_info.value.msg
    assert 2.0 <= sum(clock.sleeps) <= 2.0 + LOCK_POLL_S + 1e-9


def test_the_folder_holds_no_password_nor_its_hash(server: LocalServer, make_client: MakeClient, folder: str) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("bad_credentials")))
    with pytest.raises(errors.BadCredentials):
        put(make_client(guard=guard(folder, server)))
    server.reset()
    server.route("PUT", PUT_PATH, Reply(200, {"id": 1}))
    put(make_client(guard=guard(folder, server, username="hubot")))
    content = scan(folder)
    assert len(list(Path(folder).iterdir())) == 4  # a lock and a state for each account
    for secret in (PASSWORD, hashlib.sha256(PASSWORD.encode()).hexdigest(), base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()):
        assert secret.encode() not in content
        assert secret.upper().encode() not in content
    assert b"Bad credentials" in content  # the first failure is kept, for the others' message
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_a_state_file_that_is_no_verdict_decides_nothing(folder: str, server: LocalServer) -> None:
    first = guard(folder, server)
    first.before()
    first.after(_api.ACCEPTED)
    state = next(Path(folder).glob("*.state"))
    for garbage in ("not json", "[1, 2]", '{"verdict": "maybe"}'):
        state.write_text(garbage)
        fresh = guard(folder, server)
        assert fresh.proven() is False
        fresh.before()
        fresh.after(_api.UNKNOWN)


def test_the_folders_of_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible import constants as C

    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", "/home/u/.ansible/tmp/ansible-local-42abc", raising=False)
    assert _guard.run_folder() == "/home/u/.ansible/tmp/ansible-local-42abc/oauthkit-github-guard"
    assert _guard.lock_folder() == "/home/u/.ansible/tmp/oauthkit-github-locks"
