# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action plugin of oauthkit.github.authorization, run as in a playbook against a scripted GitHub on 127.0.0.1:
results without secrets, the task's environment, a role's option names, the local, host and vault stores, connections
that cannot keep a token, and per-item retries with the client kept for the task's loop."""

from __future__ import annotations

import base64
import os
import stat
import types
import typing as t
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.oauthkit.github.plugins.action.authorization import ActionModule
from ansible_collections.oauthkit.github.plugins.module_utils import _api, _otp
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import token_hash
from ansible_collections.oauthkit.github.plugins.modules import token_file
from ansible_collections.oauthkit.github.plugins.plugin_utils import _action, _guard
from ansible_collections.oauthkit.github.tests.unit.plugins.action_harness import FakeConnection, Task, Templar, make_action, secrets_in
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTP_SECRET,
    PASSWORD,
    TOKEN,
    USERNAME,
    FakeClock,
    hotp_reference,
    load_fixture,
    run_main,
)
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import LocalServer, Reply, closed_port, fixture_reply

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
PUT = f"PUT {PUT_PATH}"
VAULT_PASSWORD = "vault password 42"


def authorization(ident: int = 7, token: str = "", *, of: str = TOKEN, **overrides: t.Any) -> dict[str, t.Any]:
    return {
        "id": ident, "token": token, "hashed_token": token_hash(of), "token_last_eight": of[-8:], "scopes": [], "note": None,
        "note_url": None, "fingerprint": None, "app": {"client_id": CLIENT_ID, "name": "Provisioner", "url": "https://example.com"},
        **overrides,
    }


@pytest.fixture(autouse=True)
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The run's guard folder and the controller's lock folder, in the test's temporary folder."""
    made = {"guard": tmp_path / "run" / "oauthkit-github-guard", "locks": tmp_path / "oauthkit-github-locks"}
    monkeypatch.setattr(_guard, "run_folder", lambda: str(made["guard"]))
    monkeypatch.setattr(_guard, "lock_folder", lambda: str(made["locks"]))
    return made


@pytest.fixture(autouse=True)
def fake_time(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeClock:
    """The clients the action makes wait on the fake clock: no backoff or rate-limit wait is slept for real."""
    monkeypatch.setattr(_api, "time", types.SimpleNamespace(monotonic=clock.time, sleep=clock.sleep))
    return clock


@pytest.fixture
def args(server: LocalServer) -> dict[str, t.Any]:
    return {"api_url": server.api_url, "username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def run(task: Task, connection: FakeConnection | None = None, *, task_vars: dict[str, t.Any] | None = None, **options: t.Any) -> dict[str, t.Any]:
    return make_action(ActionModule, task, connection, **options).run(task_vars=task_vars or {"inventory_hostname": "web1"})


class Host:
    """The task's host: runs oauthkit.github.token_file's main() in this process (with the host's HOME), or fails as told."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.calls: list[dict[str, t.Any]] = []
        self.fail: dict[str, t.Any] = {}  # state -> an exception to raise, or a result to return
        self.task: Task | None = None  # when set, the environment the module would get is recorded
        self.environments: list[t.Any] = []

    def __call__(self, module_name: str | None = None, module_args: dict[str, t.Any] | None = None, **kwargs: t.Any) -> dict[str, t.Any]:
        assert module_name == "oauthkit.github.token_file"
        args = dict(module_args or {})
        self.calls.append(args)
        if self.task is not None:
            self.environments.append(self.task.environment)
        failure = self.fail.get(args["state"])
        if isinstance(failure, BaseException):
            raise failure
        if failure is not None:
            return dict(failure)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HOME", str(self.home))
            return run_main(token_file.main, args)

    def states(self) -> list[str]:
        return [call["state"] for call in self.calls]


@pytest.fixture
def host(tmp_path: Path) -> Host:
    home = tmp_path / "host-home"
    home.mkdir()
    return Host(home)


# ---------------------------------------------------------------- results


def test_created_without_a_store_returns_the_token(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(9, TOKEN)))
    result = run(Task(args))
    assert (result["changed"], result["action"], result["token"]) == (True, "create", TOKEN)
    assert (result["retries"], result["otp_wait"]) == (0, 0.0)
    assert "token" not in result["authorization"]
    assert "diff" not in result
    assert not result.get("failed")
    assert server.calls() == [PUT]


def test_diff_mode(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("PUT", PUT_PATH, Reply(200, authorization(scopes=["gist"])))
    server.route("PATCH", "/authorizations/7", Reply(200, authorization(scopes=["repo"])))
    result = run(Task({**args, "scopes": ["repo"]}, diff=True))
    assert result["diff"] == {"before": {"fingerprint": None, "scopes": ["gist"]}, "after": {"fingerprint": None, "scopes": ["repo"]}}
    assert (result["changed"], result["action"]) == (True, "update")


def test_check_mode_sends_only_gets(server: LocalServer, args: dict[str, t.Any], tmp_path: Path) -> None:
    server.route("GET", "/authorizations", Reply(200, []))
    result = run(Task({**args, "token_path": str(tmp_path / "app.token")}, check_mode=True))
    assert (result["changed"], result["action"], result["token_status"]) == (True, "create", "created")
    assert set(server.methods()) == {"GET"}
    assert not (tmp_path / "app.token").exists() and not (tmp_path / "app.token.lock").exists()


def test_the_result_holds_no_secret_even_when_github_echoes_one(server: LocalServer, args: dict[str, t.Any], module_clock: FakeClock) -> None:
    """GitHub puts the password, the client secret and the two-factor code it got into the note: the result hides them all."""

    def echo(seen: t.Any) -> dict[str, t.Any]:
        note = f"{PASSWORD} {CLIENT_SECRET} {seen.header('X-GitHub-OTP')} {OTP_SECRET}"
        return authorization(9, TOKEN, note=note, note_url=f"https://x.example.com/?p={PASSWORD}")

    server.route("PUT", PUT_PATH, Reply(201, echo))
    result = run(Task({**args, "otp_secret": OTP_SECRET.lower()}))
    code = server.seen[0].header("X-GitHub-OTP")
    assert code == hotp_reference(OTP_SECRET, int(module_clock.now // 30))
    assert secrets_in(result, [PASSWORD, CLIENT_SECRET, OTP_SECRET, OTP_SECRET.lower(), code]) == []
    assert "********" in result["authorization"]["note"]
    assert result["token"] == TOKEN  # no store: the token is the result (the task needs no_log)


def test_a_failure_holds_no_secret(server: LocalServer, args: dict[str, t.Any]) -> None:
    body = {"message": f"Validation Failed for {PASSWORD}", "errors": [{"field": "client_secret", "code": "invalid", "value": CLIENT_SECRET}]}
    server.route("PUT", PUT_PATH, Reply(422, body))
    result = run(Task(args))
    assert result["failed"] is True
    assert result["msg_id"] == "api.validation"
    assert (result["status"], result["method"], result["retries"]) == (422, "PUT", 0)
    assert secrets_in(result, [PASSWORD, CLIENT_SECRET]) == []


def test_credentials_in_api_url_are_hidden(server: LocalServer, args: dict[str, t.Any]) -> None:
    result = run(Task({**args, "api_url": "https://deployer:s3cr3t-pw@ghes.example.com/api/v3"}))
    assert result["msg_id"] == "api_url.credentials"
    assert secrets_in(result, ["s3cr3t-pw", "deployer:s3cr3t-pw"]) == []
    assert server.seen == []


def test_a_refused_login_stops_the_next_task_of_the_run(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("bad_credentials")))
    first = run(Task(args))
    assert first["msg_id"] == "api.bad_credentials"
    _action._CLIENTS.clear()  # another host's worker: a process of its own, sharing only the run's folder
    second = run(Task({**args, "fingerprint": "web2"}))
    assert second["msg_id"] == "guard.refused"
    assert len(server.seen) == 1


# ---------------------------------------------------------------- the task's environment and a role's names


def test_the_tasks_environment_wins_over_the_controllers(server: LocalServer, args: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch) -> None:
    unreachable = f"http://127.0.0.1:{closed_port()}/api/v3"
    monkeypatch.setenv("OAUTHKIT_GITHUB_API_URL", unreachable)
    monkeypatch.setenv("OAUTHKIT_GITHUB_USERNAME", "controller-user")
    server.route("PUT", PUT_PATH, Reply(200, authorization()))
    task_args = {key: value for key, value in args.items() if key not in ("api_url", "username")}
    environment = [{"OAUTHKIT_GITHUB_API_URL": "http://elsewhere.invalid/api/v3"}, {"OAUTHKIT_GITHUB_API_URL": server.api_url, "GITHUB_USERNAME": "x"},
                   {"OAUTHKIT_GITHUB_USERNAME": "hubot"}]
    result = run(Task(task_args, environment=environment))
    assert not result.get("failed"), result.get("msg")
    assert server.seen[0].header("Authorization") == "Basic " + base64.b64encode(f"hubot:{PASSWORD}".encode()).decode()
    assert os.environ["OAUTHKIT_GITHUB_API_URL"] == unreachable  # the controller's environment is as it was


def test_a_roles_names_are_used_in_messages(server: LocalServer, args: dict[str, t.Any]) -> None:
    names = {"token_path": "app_token_path", "mode": "app_token_mode"}
    result = run(Task({**args, "token_path": "relative/app.token"}), task_vars={"oauthkit_github_option_names": names})
    assert result["msg_id"] == "token_path.relative"
    assert result["msg"].startswith("app_token_path 'relative/app.token' is relative")
    assert "retries" not in result  # refused before a client was made
    warned = run(Task({**args, "token_path": "/nonexistent-dir/app.token", "mode": "0644"}, check_mode=True),
                 task_vars={"oauthkit_github_option_names": names})
    assert warned["warnings"] == ["app_token_mode 0644 lets its group and every user read the token. Keep '0600' unless another account must read it."]
    assert server.seen == []


def test_a_roles_names_given_as_a_template_are_rendered(server: LocalServer, args: dict[str, t.Any]) -> None:
    """An action's task_vars hold the role's variable as it was written, a template: the templar renders it."""

    class RoleTemplar(Templar):
        def template(self, value: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
            return {"token_path": "app_token_path"} if value == "{{ __app_token_names }}" else value

    action = make_action(ActionModule, Task({**args, "token_path": "relative/app.token"}))
    action._templar = RoleTemplar()
    result = action.run(task_vars={"oauthkit_github_option_names": "{{ __app_token_names }}"})
    assert result["msg"].startswith("app_token_path 'relative/app.token' is relative")


# ---------------------------------------------------------------- the local store


def test_the_local_store(server: LocalServer, args: dict[str, t.Any], tmp_path: Path) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(9, TOKEN)), Reply(200, authorization(9)))
    task = Task({**args, "token_path": "~/app.token"}, environment=[{"HOME": str(tmp_path)}])
    first = run(task)
    assert (first["changed"], first["action"], first["token_status"]) == (True, "create", "created")
    assert "token" not in first and secrets_in(first, [TOKEN]) == []
    assert (tmp_path / "app.token").read_text() == f"{TOKEN}\n"
    assert stat.S_IMODE(os.stat(tmp_path / "app.token").st_mode) == 0o600
    second = run(task)
    assert (second["changed"], second["action"], second["token_status"]) == (False, "none", "verified")
    assert server.calls() == [PUT, PUT]


def test_the_local_store_rolls_back_a_failed_write(server: LocalServer, args: dict[str, t.Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(9, TOKEN)))
    server.route("DELETE", "/authorizations/9", Reply(204))

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", broken)
    result = run(Task({**args, "token_path": str(tmp_path / "app.token")}))
    assert (result["msg_id"], result["authorization_id"], result["rolled_back"]) == ("token.rolled_back", 9, True)
    assert server.calls() == [PUT, "DELETE /authorizations/9"]
    assert [name for name in os.listdir(tmp_path) if name.startswith((".app.token", "app.token")) and name != "app.token.lock"] == []


def test_state_absent_removes_the_local_file(server: LocalServer, args: dict[str, t.Any], tmp_path: Path) -> None:
    (tmp_path / "app.token").write_text(f"{TOKEN}\n")
    server.route("GET", "/authorizations", Reply(200, [authorization()]))
    server.route("DELETE", "/authorizations/7", Reply(204))
    result = run(Task({**args, "state": "absent", "token_path": str(tmp_path / "app.token")}))
    assert (result["changed"], result["action"]) == (True, "delete")
    assert not (tmp_path / "app.token").exists()


def test_state_absent_without_a_store(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("GET", "/authorizations", Reply(200, []))
    result = run(Task({key: value for key, value in args.items() if key != "client_secret"} | {"state": "absent"}))
    assert (result["changed"], result["action"]) == (False, "none")


def test_the_vault_store(server: LocalServer, args: dict[str, t.Any], tmp_path: Path) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(9, TOKEN)))
    task = Task({**args, "vault_path": "vars/token.yml", "vault_password": VAULT_PASSWORD})
    (tmp_path / "vars").mkdir()
    result = run(task, task_vars={"inventory_hostname": "web1", "playbook_dir": str(tmp_path)})
    assert (result["token_status"], result["changed"]) == ("created", True)
    secret = VaultSecret(VAULT_PASSWORD.encode())
    assert yaml.safe_load(VaultLib([("default", secret)]).decrypt((tmp_path / "vars" / "token.yml").read_bytes())) == {"github_token": TOKEN}
    assert secrets_in(result, [TOKEN, VAULT_PASSWORD]) == []


# ---------------------------------------------------------------- the host store (token_file on the task's host)


def test_the_host_store(server: LocalServer, args: dict[str, t.Any], host: Host, folders: dict[str, Path]) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(9, TOKEN)))
    connection = FakeConnection("ssh")
    result = run(Task({**args, "token_path": "~/app.token"}), connection, execute_module=host)
    assert (result["changed"], result["token_status"]) == (True, "created")
    assert (host.home / "app.token").read_text() == f"{TOKEN}\n"
    assert host.states() == ["stat", "present"]
    assert connection.options == {"pipelining": True}  # the token goes through stdin, not into a file on the host
    assert [call.get("token") for call in host.calls] == [None, TOKEN]
    assert all(secret not in repr(call) for call in host.calls for secret in (PASSWORD, CLIENT_SECRET))  # no account secret leaves
    assert secrets_in(result, [TOKEN]) == []
    assert len(list(folders["locks"].iterdir())) == 1  # the runs for this host and path are serialised on the controller


@pytest.mark.parametrize(("transport", "become"), [("local", True), ("paramiko_ssh", False), ("ansible.builtin.ssh", False)])
def test_other_connections_keep_the_token_on_the_host(server: LocalServer, args: dict[str, t.Any], host: Host, transport: str, become: bool) -> None:
    server.route("PUT", PUT_PATH, Reply(200, authorization()))
    (host.home / "app.token").write_text(f"{TOKEN}\n")
    os.chmod(host.home / "app.token", 0o600)
    result = run(Task({**args, "token_path": "~/app.token"}), FakeConnection(transport), become=become, execute_module=host)
    assert result["token_status"] == "verified"
    assert host.states() == ["stat"]


def test_a_host_that_cannot_keep_a_token_causes_no_request(server: LocalServer, args: dict[str, t.Any], host: Host) -> None:
    result = run(Task({**args, "token_path": "/nonexistent-dir/app.token"}), FakeConnection("ssh"), execute_module=host,
                 task_vars={"inventory_hostname": "web1"})
    assert result["msg_id"] == "store.no_directory"
    assert result["msg"].startswith("The directory /nonexistent-dir of token_path /nonexistent-dir/app.token does not exist")
    assert server.seen == []


def test_a_connection_failure_during_the_write_rolls_back(server: LocalServer, args: dict[str, t.Any], host: Host) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(9, TOKEN)))
    server.route("DELETE", "/authorizations/9", Reply(204))
    host.fail["present"] = AnsibleConnectionFailure("Failed to connect to the host via ssh: Connection reset")
    result = run(Task({**args, "token_path": "~/app.token"}), FakeConnection("ssh"), execute_module=host, task_vars={"inventory_hostname": "web1"})
    assert server.calls() == [PUT, "DELETE /authorizations/9"]
    assert (result["msg_id"], result["authorization_id"], result["rolled_back"]) == ("token.rolled_back", 9, True)
    path = host.home / "app.token"
    assert result["msg"].startswith(f"Whether the token was written to {path} is not known (AnsibleConnectionFailure)")
    assert f"token_path {path} on web1 may hold that token, which no longer works" in result["msg"]
    assert secrets_in(result, [TOKEN]) == []


@pytest.mark.parametrize(
    ("failure", "unknown"),
    [({"failed": True, "msg": "MODULE FAILURE\nSee stdout/stderr", "module_stdout": ""}, True),
     ({"failed": True, "msg_id": "store.write_failed", "msg_fields": {"path": "/p", "reason": "Disk quota exceeded"}, "msg": "x"}, False),
     ({"unreachable": True, "msg": "Data could not be sent to remote host"}, True)],
    ids=["module-failure", "store-error-on-the-host", "unreachable"],
)
def test_a_failed_write_on_the_host_rolls_back(server: LocalServer, args: dict[str, t.Any], host: Host, failure: dict[str, t.Any], unknown: bool) -> None:
    server.route("PUT", PUT_PATH, Reply(201, authorization(9, TOKEN)))
    server.route("DELETE", "/authorizations/9", Reply(204))
    host.fail["present"] = failure
    result = run(Task({**args, "token_path": "~/app.token"}), FakeConnection("ssh"), execute_module=host)
    assert server.calls() == [PUT, "DELETE /authorizations/9"]
    assert result["msg_id"] == "token.rolled_back"
    assert ("may hold that token" in result["msg"]) is unknown
    if not unknown:
        assert result["msg"].startswith("The token could not be written to /p (Disk quota exceeded).")


@pytest.mark.parametrize(
    "failure",
    [{"failed": True, "msg": "MODULE FAILURE", "module_stderr": '  File "<stdin>", line 1\nSyntaxError: future feature annotations is not defined'},
     {"failed": True, "msg": "MODULE FAILURE", "module_stdout": "SyntaxError: invalid syntax"},
     {"failed": True, "msg_id": "store.host_python", "msg": "older than 3.8"}],
    ids=["python-3.6-stderr", "stdout", "module-says-so"],
)
def test_a_python_too_old_on_the_host(server: LocalServer, args: dict[str, t.Any], host: Host, failure: dict[str, t.Any]) -> None:
    host.fail["stat"] = failure
    action = make_action(ActionModule, Task({**args, "token_path": "~/app.token"}), FakeConnection("ssh"), execute_module=host)
    action._used_interpreter = "/usr/bin/python3.6"
    result = action.run(task_vars={"inventory_hostname": "web1"})
    assert result["msg_id"] == "store.host_python"
    assert "(/usr/bin/python3.6) is older than 3.8" in result["msg"]
    assert server.seen == []


@pytest.mark.parametrize(
    ("failure", "reason"),
    [(AnsibleError("ssh: connect to host web1 port 22: Connection refused\nmore"), "ssh: connect to host web1 port 22: Connection refused"),
     ({"failed": True, "msg": "Permission denied\ndetails"}, "Permission denied"), ({"failed": True}, "no answer")],
    ids=["ansible-error", "module-failure", "no-message"],
)
def test_a_failed_stat_on_the_host(server: LocalServer, args: dict[str, t.Any], host: Host, failure: t.Any, reason: str) -> None:
    host.fail["stat"] = failure
    result = run(Task({**args, "token_path": "~/app.token"}), FakeConnection("ssh"), execute_module=host)
    assert result["msg_id"] == "store.host_failed"
    assert result["msg"] == f"The oauthkit.github.token_file module failed on the host: {reason}"
    assert server.seen == []


def test_the_host_module_gets_no_collection_variable_of_the_environment(server: LocalServer, args: dict[str, t.Any], host: Host) -> None:
    """They may hold the password or the seed, which never leave the controller."""
    server.route("PUT", PUT_PATH, Reply(201, authorization(9, TOKEN)))
    environment = [{"OAUTHKIT_GITHUB_PASSWORD": PASSWORD, "GITHUB_OTP_SECRET": OTP_SECRET, "LANG": "C.UTF-8"}, {"OAUTHKIT_GITHUB_USERNAME": USERNAME}]
    task = Task({key: value for key, value in args.items() if key not in ("password", "username")} | {"token_path": "~/app.token"},
                environment=environment)
    host.task = task
    result = run(task, FakeConnection("ssh"), execute_module=host)
    assert result["token_status"] == "created"
    assert host.environments == [[{"LANG": "C.UTF-8"}], [{"LANG": "C.UTF-8"}]]
    assert task.environment == environment  # the task's own keyword is as it was


def test_an_unreachable_host_stays_unreachable(server: LocalServer, args: dict[str, t.Any], host: Host) -> None:
    host.fail["stat"] = AnsibleConnectionFailure("Failed to connect to the host via ssh")
    with pytest.raises(AnsibleConnectionFailure):
        run(Task({**args, "token_path": "~/app.token"}), FakeConnection("ssh"), execute_module=host)
    assert server.seen == []


def test_delegate_to_names_the_host(server: LocalServer, args: dict[str, t.Any], host: Host) -> None:
    server.route("PUT", PUT_PATH, Reply(200, authorization()))
    result = run(Task({**args, "token_path": "~/app.token"}, delegate_to="vault-box"), FakeConnection("ssh"), execute_module=host)
    assert result["msg_id"] == "token.lost"
    assert f"token_path {host.home / 'app.token'} on vault-box holds no token (missing)" in result["msg"]


@pytest.mark.parametrize(("transport", "family"), [("winrm", "powershell"), ("psrp", "powershell"), ("ssh", "powershell"), ("network_cli", "sh")])
def test_connections_that_cannot_run_the_module(server: LocalServer, args: dict[str, t.Any], transport: str, family: str) -> None:
    called: list[t.Any] = []
    result = run(Task({**args, "token_path": "/srv/app.token"}), FakeConnection(transport, family=family), execute_module=lambda **kw: called.append(kw) or {})
    assert result["msg_id"] == "connection.unsupported"
    assert f"the connection {transport} cannot run the oauthkit.github.token_file module there" in result["msg"]
    assert "Nothing was sent to GitHub" in result["msg"]
    assert server.seen == [] and called == []


def test_a_winrm_task_without_a_store_works(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("PUT", PUT_PATH, Reply(200, authorization()))
    assert run(Task(args), FakeConnection("winrm", family="powershell"))["action"] == "none"


# ---------------------------------------------------------------- one client for the task's loop, counts per item


def test_retries_are_counted_per_item(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("PUT", PUT_PATH, Reply(502), Reply(200, authorization()))
    first = run(Task(args))
    assert (first["action"], first["retries"]) == ("none", 1)
    client = next(iter(_action._CLIENTS.values()))
    second = run(Task(args))  # the next loop item: the same worker process, the same client
    assert (second["action"], second["retries"]) == ("none", 0)
    assert list(_action._CLIENTS.values()) == [client]
    assert client.retries_made == 1
    assert len(server.seen) == 3


def test_otp_wait_is_counted_per_item(server: LocalServer, args: dict[str, t.Any], module_clock: FakeClock) -> None:
    server.route("PUT", PUT_PATH, fixture_reply(load_fixture("otp_required_app")), Reply(200, authorization()))
    first = run(Task({**args, "otp_secret": OTP_SECRET}))
    assert 20.0 <= first["otp_wait"] <= 20.1  # to the next 30-second step, rounded to 0.1 s
    second = run(Task({**args, "otp_secret": OTP_SECRET}))
    assert second["otp_wait"] == 0.0
    assert len(_action._CLIENTS) == 1


def test_a_failure_reports_the_items_retries(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("PUT", PUT_PATH, Reply(503))
    result = run(Task({**args, "retries": 2}))
    assert (result["msg_id"], result["retries"], result["otp_wait"]) == ("api.server_error", 2, 0.0)


def test_a_missing_library_is_named_before_any_request(server: LocalServer, args: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_otp, "HAS_PYOTP", False)
    result = run(Task({**args, "otp_secret": OTP_SECRET}))
    assert result["msg_id"] == "dependency.missing"
    assert "pyotp is missing on the controller" in result["msg"]
    assert server.seen == []


def test_a_nul_in_the_tasks_environment_is_no_traceback(server: LocalServer, args: dict[str, t.Any]) -> None:
    """YAML can put a NUL into the task's environment keyword; a process environment cannot hold one. Whatever the action
    makes of it, it ends in a result (a failure with a message, or a run without that variable), not in an exception."""
    server.route("PUT", PUT_PATH, Reply(200, authorization()))
    result = run(Task(args, environment=[{"NO_PROXY": "127.0.0.1\x00.example.com"}]))
    assert (result["failed"], result["msg_id"]) == (True, "environment.invalid")
    assert "NO_PROXY" in result["msg"]
    assert server.seen == []
