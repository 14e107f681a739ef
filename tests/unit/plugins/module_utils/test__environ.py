# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The task's environment: merged over the controller's, and put in os.environ only while the libraries read it."""

from __future__ import annotations

import os

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _environ
from ansible_collections.oauthkit.github.plugins.module_utils._errors import InvalidInput


def test_merged_puts_the_tasks_environment_over_the_controllers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHKIT_GITHUB_API_URL", "https://controller.example.com")
    monkeypatch.setenv("ONLY_ON_THE_CONTROLLER", "kept")
    env = _environ.merged({"OAUTHKIT_GITHUB_API_URL": "https://task.example.com", "RETRIES": 5, "EMPTY": None})
    assert env["OAUTHKIT_GITHUB_API_URL"] == "https://task.example.com"
    assert env["ONLY_ON_THE_CONTROLLER"] == "kept"
    assert env["RETRIES"] == "5"  # a process environment holds strings
    assert env["EMPTY"] == ""
    assert os.environ["OAUTHKIT_GITHUB_API_URL"] == "https://controller.example.com"  # merging changes nothing


def test_merged_without_a_task_environment_is_the_controllers() -> None:
    assert _environ.merged(None) == dict(os.environ)
    assert _environ.merged({}) == dict(os.environ)


def test_applied_replaces_os_environ_for_the_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTROLLER_ONLY", "1")
    saved = dict(os.environ)
    task_env = {"TASK_ONLY": "2", "PATH": "/task/bin"}
    with _environ.applied(task_env):
        assert dict(os.environ) == task_env  # exactly the task's: nothing of the controller's that the task did not keep
    assert dict(os.environ) == saved


def test_applied_restores_after_an_exception() -> None:
    saved = dict(os.environ)
    with pytest.raises(RuntimeError), _environ.applied({"ONLY": "this"}):
        raise RuntimeError("boom")
    assert dict(os.environ) == saved


def test_applied_with_the_same_environment_does_not_touch_it(monkeypatch: pytest.MonkeyPatch) -> None:
    touched: list[str] = []
    monkeypatch.setattr(os.environ, "clear", lambda: touched.append("clear"))
    with _environ.applied(dict(os.environ)):
        pass
    assert touched == []


@pytest.mark.parametrize(
    ("key", "value"), [("NO_PROXY", "127.0.0.1\0x"), ("A\0B", "1"), ("A=B", "1"), ("", "1")], ids=["nul-value", "nul-name", "equals", "empty"]
)
def test_merged_refuses_what_no_process_environment_holds(key: str, value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _environ.merged({key: value})
    assert caught.value.msg_id == "environment.invalid"
    assert "\0" not in caught.value.msg
