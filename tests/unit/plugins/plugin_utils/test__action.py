# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the action plugins share: dependencies, option names, the clients kept for a task's loop, and the masked result."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _argspec, _otp, _preflight
from ansible_collections.oauthkit.github.plugins.module_utils._errors import InvalidInput, OAuthKitError
from ansible_collections.oauthkit.github.plugins.module_utils._messages import part
from ansible_collections.oauthkit.github.plugins.plugin_utils import _action, _guard
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import API_URL, OTP_SECRET, PASSWORD, USERNAME

CONNECTION = _preflight.Connection(API_URL, USERNAME, PASSWORD)


def versions(monkeypatch: pytest.MonkeyPatch, **found: str | None) -> None:
    installed = {"requests": "2.32.0", "urllib3": "2.2.0", "pyotp": "2.9.0", **found}
    monkeypatch.setattr(_action, "_INSTALLED", installed)  # what the action looked up when it was loaded


def test_installed_versions_are_looked_up_when_the_action_is_loaded() -> None:
    assert _action._INSTALLED == {library: _action._installed(library) for library in _action.MINIMUM_VERSIONS}
    assert _action._INSTALLED["requests"]


def test_dependencies_at_their_minimum_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    versions(monkeypatch, requests="2.25.0", urllib3="1.26.5", pyotp="2.6.0")
    _action.check_dependencies(needs_pyotp=True)


@pytest.mark.parametrize(
    ("found", "needs_pyotp", "msg_id", "library"),
    [({"requests": "2.24.9"}, False, "dependency.too_old", "requests"), ({"urllib3": "1.25.11"}, False, "dependency.too_old", "urllib3"),
     ({"pyotp": "2.5"}, True, "dependency.too_old", "pyotp"), ({"pyotp": None}, True, "dependency.missing", "pyotp"),
     ({"requests": None}, False, "dependency.missing", "requests")],
    ids=["requests-old", "urllib3-old", "pyotp-old", "pyotp-missing", "requests-missing"],
)
def test_dependencies(monkeypatch: pytest.MonkeyPatch, found: dict[str, str | None], needs_pyotp: bool, msg_id: str, library: str) -> None:
    versions(monkeypatch, **found)
    with pytest.raises(OAuthKitError) as exc_info:
        _action.check_dependencies(needs_pyotp=needs_pyotp)
    assert exc_info.value.msg_id == msg_id
    assert exc_info.value.fields["library"] == library
    assert f"-m pip install '{library}>=" in exc_info.value.msg


def test_pyotp_is_needed_only_for_a_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    versions(monkeypatch, pyotp=None)
    _action.check_dependencies(needs_pyotp=False)
    monkeypatch.setattr(_otp, "HAS_PYOTP", False)
    versions(monkeypatch)
    with pytest.raises(OAuthKitError):
        _action.check_dependencies(needs_pyotp=True)  # installed, but not importable


def test_option_names() -> None:
    assert _action.option_names({"oauthkit_github_option_names": {"token_path": "app_token_path"}}) == {"token_path": "app_token_path"}
    assert _action.option_names({"oauthkit_github_option_names": "not a mapping"}) == {}
    assert _action.option_names(None) == {}


def test_clients_are_kept_per_connection_and_environment(tmp_path: Path) -> None:
    first = _action.client_for(CONNECTION, {"PATH": "/bin"}, guard_folder=str(tmp_path))
    assert _action.client_for(CONNECTION, {"PATH": "/usr/bin", "HOME": "/x"}, guard_folder=str(tmp_path)) is first  # nothing about connecting
    assert _action.client_for(CONNECTION, {"HTTPS_PROXY": "http://proxy:3128"}, guard_folder=str(tmp_path)) is not first
    assert _action.client_for(CONNECTION, {}, guard_folder=None) is not first
    assert _action.client_for(_preflight.Connection(API_URL, USERNAME, "other"), {}, guard_folder=str(tmp_path)) is not first
    assert isinstance(first.guard, _guard.FileGuard)
    assert isinstance(_action.client_for(CONNECTION, {}, guard_folder=None).guard, _api.NoGuard)


def test_the_least_recently_used_client_is_closed_beyond_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[int] = []
    connections = [_preflight.Connection(API_URL, USERNAME, f"pw{n}") for n in range(_action._MAX_CLIENTS)]
    made = [_action.client_for(connection, {}, guard_folder=None) for connection in connections]
    for number, client in enumerate(made):
        monkeypatch.setattr(client.session, "close", lambda number=number: closed.append(number))
    assert _action.client_for(connections[0], {}, guard_folder=None) is made[0]  # used again: now the most recent
    _action.client_for(_preflight.Connection(API_URL, USERNAME, "pw-new"), {}, guard_folder=None)
    assert closed == [1]
    assert len(_action._CLIENTS) == _action._MAX_CLIENTS
    assert made[1] not in _action._CLIENTS.values() and made[0] in _action._CLIENTS.values()


@pytest.mark.parametrize(("connection", "kind"), [(_preflight.Connection(API_URL, USERNAME, PASSWORD, otp_secret=OTP_SECRET), _otp.TOTPSource),
                                                  (_preflight.Connection(API_URL, USERNAME, PASSWORD, otp="123456"), _otp.StaticCode)])
def test_the_code_source(connection: _preflight.Connection, kind: type) -> None:
    assert isinstance(_action.client_for(connection, {}, guard_folder=None)._otp, kind)


def test_the_guard_waits_as_long_as_a_call_may_last(tmp_path: Path) -> None:
    client = _action.client_for(_preflight.Connection(API_URL, USERNAME, PASSWORD, timeout=10, retries=2, rate_limit_wait=5), {}, guard_folder=str(tmp_path))
    assert client.guard._wait == 5 + (10 + 8) * 3 + _api.OTP_STEP_WAIT  # type: ignore[attr-defined]


def test_run_finish_renders_warnings_with_names_and_masks_secrets() -> None:
    run = _action.Run({"password": PASSWORD, "client_secret": "c" * 40}, {}, {"mode": "app_mode"})
    run.warnings.append(part("mode.readable_warning", mode="0640", who="its group"))
    result = run.finish({"note": f"{PASSWORD} and {'c' * 40}"})
    assert result["warnings"] == ["app_mode 0640 lets its group read the token. Keep '0600' unless another account must read it."]
    assert PASSWORD not in result["note"] and "c" * 40 not in result["note"]
    assert run.transport_report() == {}


def test_run_failed_renders_with_names() -> None:
    run = _action.Run({}, {}, {"token_path": "app_token_path"})
    result = run.failed(InvalidInput("token_path.relative", {"path": "x"}, token_path="x"))
    assert result == {"failed": True, "msg": result["msg"], "msg_id": "token_path.relative", "token_path": "x"}
    assert result["msg"].startswith("app_token_path 'x' is relative")


def test_run_environment_is_the_controllers_with_the_tasks_over_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONLY_HERE", "1")
    monkeypatch.setenv("BOTH", "controller")
    run = _action.Run({}, {"TASK": 2, "BOTH": "task"}, {})
    with pytest.raises(InvalidInput):  # the pass runs after the environment is merged; these arguments fail it
        run.check(_argspec.authorization_info(), module="oauthkit.github.authorization_info")
    assert (run.env["ONLY_HERE"], run.env["TASK"], run.env["BOTH"]) == ("1", "2", "task")
