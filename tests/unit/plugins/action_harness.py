# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Light stand-ins for what ansible-core gives an action plugin (task, connection, play context, templar), so that the
collection's action plugins run as in a playbook: their ``run()`` with task variables, against a scripted GitHub."""

from __future__ import annotations

import dataclasses
import json
import typing as t
from types import SimpleNamespace

from ansible.plugins.action import ActionBase


class FakeShell:
    """The parts of a shell plugin that ActionBase and the action plugins use."""

    def __init__(self, family: str = "sh") -> None:
        self.SHELL_FAMILY = family
        self.tmpdir: str | None = None

    def env_prefix(self, **env: t.Any) -> str:
        return " ".join(f"{key}={value}" for key, value in env.items())

    def remove(self, path: str, recurse: bool = False) -> str:
        return f"rm -rf {path}"


class FakeConnection:
    """A connection plugin: its transport, shell, pipelining and options."""

    def __init__(self, transport: str = "local", *, family: str = "sh", pipelining: bool = True) -> None:
        self.transport = transport
        self._shell = FakeShell(family)
        self.has_pipelining = pipelining
        self.options: dict[str, t.Any] = {}

    def set_option(self, name: str, value: t.Any) -> None:
        self.options[name] = value


@dataclasses.dataclass
class Task:
    """The task's attributes that ActionBase and the action plugins read."""

    args: dict[str, t.Any]
    environment: list[dict[str, t.Any]] | None = None
    check_mode: bool = False
    diff: bool = False
    delegate_to: str | None = None
    async_val: int = 0
    action: str = "oauthkit.github.authorization"


class Templar:
    """Templates nothing: the values are final already."""

    def template(self, value: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        return value


def play_context(*, become: bool = False) -> SimpleNamespace:
    return SimpleNamespace(become=become, remote_addr="web1.example.com", port=22, remote_user="deploy")


ModuleCall = t.Tuple[str, t.Dict[str, t.Any]]


def make_action(
    action_class: type[ActionBase],
    task: Task,
    connection: FakeConnection | None = None,
    *,
    become: bool = False,
    execute_module: t.Callable[..., dict[str, t.Any]] | None = None,
) -> ActionBase:
    """The action plugin for this task; ``execute_module`` stands in for ActionBase._execute_module (a run on the host)."""
    action = action_class(task, connection or FakeConnection(), play_context(become=become), None, Templar(), None)  # type: ignore[arg-type]
    if execute_module is not None:
        action._execute_module = execute_module  # type: ignore[method-assign]
    return action


def secrets_in(result: t.Mapping[str, t.Any], secrets: t.Iterable[str]) -> list[str]:
    """The secrets that appear anywhere in the result, as Ansible would print or register it."""
    shown = json.dumps(result, default=str)
    return [secret for secret in secrets if secret and secret in shown]
