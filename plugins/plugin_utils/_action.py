# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the collection's action plugins share: the task's environment, the one validation pass, the client, the result.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

An action plugin runs in the controller's worker process for its task and host.  The
items of one task's loop share that process, and with it the clients kept here: a
keep-alive session and the two-factor step.  Hosts and forks have processes of their own
and share nothing in memory; what they share goes through files (``_guard``).
"""

from __future__ import annotations

import collections
import functools
import importlib.metadata
import re
import sys
import typing as t

from ansible.module_utils.common.parameters import remove_values

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _argspec, _environ, _otp, _preflight
from ansible_collections.oauthkit.github.plugins.module_utils._errors import OAuthKitError
from ansible_collections.oauthkit.github.plugins.module_utils._messages import Part, render
from ansible_collections.oauthkit.github.plugins.plugin_utils import _guard

# The oldest versions the transport and the two-factor codes are known to work with, on the controller.
MINIMUM_VERSIONS = {"requests": (2, 25), "urllib3": (1, 26), "pyotp": (2, 6)}
# A task variable by which a role names its own inputs in messages: {"token_path": "app_token_path", ...}.
NAMES_VARIABLE = "oauthkit_github_option_names"
# Environment variables that change how the client connects; clients are reused only when these are the same.
_CONNECTION_ENV = re.compile(r"^(https?_proxy|all_proxy|no_proxy|requests_ca_bundle|curl_ca_bundle)$", re.IGNORECASE)
_MAX_CLIENTS = 4
_CLIENTS: collections.OrderedDict[tuple[t.Any, ...], _api.GitHubClient] = collections.OrderedDict()


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(piece) for piece in re.findall(r"\d+", text)[:2])


@functools.cache
def _installed(library: str) -> str | None:
    """The installed version of a library (looked up once per process: loop items share it)."""
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return None


# Looked up when the strategy loads the actions in the main process, so that every forked worker inherits them.
_INSTALLED = {library: _installed(library) for library in MINIMUM_VERSIONS}


def check_dependencies(*, needs_pyotp: bool) -> None:
    """requests, urllib3 and (for a seed) pyotp on the controller, at their minimum versions; raise a message that says how to get them."""
    python = sys.executable
    importable = {"requests": _api.HAS_REQUESTS, "urllib3": _api.HAS_REQUESTS, "pyotp": _otp.HAS_PYOTP}
    found = {library: version for library, version in _INSTALLED.items() if importable[library] and version}
    wanted = ["requests", "urllib3"] + (["pyotp"] if needs_pyotp else [])
    for library in wanted:
        minimum = ".".join(str(number) for number in MINIMUM_VERSIONS[library])
        requirement = f"{library}>={minimum}"
        if library not in found:
            raise OAuthKitError("dependency.missing", {"library": library, "python": python, "requirement": requirement})
        if _version(found[library]) < MINIMUM_VERSIONS[library]:
            raise OAuthKitError("dependency.too_old", {"library": library, "found": found[library], "python": python, "requirement": requirement})


def option_names(task_vars: t.Mapping[str, t.Any] | None, templar: t.Any = None) -> dict[str, str]:
    """How messages name the options: as they are, or as the role that called the module names its inputs.

    An action's task_vars hold a variable as it was written: the role gives it as a template, which ``templar`` renders.
    """
    names = (task_vars or {}).get(NAMES_VARIABLE)
    if templar is not None and isinstance(names, str):
        names = templar.template(names)
    return {str(key): str(value) for key, value in names.items()} if isinstance(names, t.Mapping) else {}


def client_for(connection: _preflight.Connection, env: t.Mapping[str, str], *, guard_folder: str | None) -> _api.GitHubClient:
    """The client for these connection options and this environment; the same one for every loop item of the task."""
    connection_env = tuple(sorted((key, value) for key, value in env.items() if _CONNECTION_ENV.match(key)))
    key = (connection, connection_env, guard_folder)
    client = _CLIENTS.get(key)
    if client is not None:
        _CLIENTS.move_to_end(key)
        return client
    otp: _otp.OTPSource | None = None
    if connection.otp_secret:
        otp = _otp.TOTPSource(connection.otp_secret)
    elif connection.otp:
        otp = _otp.StaticCode(connection.otp)
    guard = None
    if guard_folder is not None:
        wait = connection.rate_limit_wait + (connection.timeout + 8.0) * (connection.retries + 1) + _api.OTP_STEP_WAIT
        guard = _guard.FileGuard(guard_folder, connection.api_url, connection.username, wait=wait)
    client = _api.GitHubClient(
        connection.api_url,
        connection.username,
        connection.password,
        otp=otp,
        verify=connection.verify,
        timeout=connection.timeout,
        retries=connection.retries,
        rate_limit_wait=connection.rate_limit_wait,
        env=env,
        guard=guard,
    )
    _CLIENTS[key] = client
    while len(_CLIENTS) > _MAX_CLIENTS:
        _CLIENTS.popitem(last=False)[1].session.close()
    return client


class Run:
    """One task item's run of an action: its validated options, its client, and its result, rendered and masked."""

    @classmethod
    def of(cls, action: t.Any, task_vars: t.Mapping[str, t.Any]) -> Run:
        """The run of an action plugin's task: its arguments, its templated ``environment:`` and the names a role gives options."""
        environment: dict[str, t.Any] = {}
        action._compute_environment_string(environment)
        return cls(action._task.args, environment, option_names(task_vars, action._templar))

    def __init__(self, args: t.Mapping[str, t.Any], task_environment: t.Mapping[str, t.Any], names: t.Mapping[str, str]) -> None:
        self.args = args
        self.task_environment = task_environment
        self.env: dict[str, str] = {}
        self.names = names
        self.no_log: set[str] = _preflight.secrets_of(args)
        self.warnings: list[Part] = []
        self.client: _api.GitHubClient | None = None
        self._attempts_before = 0
        self._otp_wait_before = 0.0

    def check(self, spec: _argspec.Spec, *, module: str) -> _preflight.Checked:
        """The environment of the task's calls (the controller's, with the task's ``environment:`` merged over it), then the pass."""
        self.env = _environ.merged(self.task_environment)
        checked = _preflight.check(self.args, spec, self.env, module=module)
        self.no_log |= set(checked.no_log_values)
        self.warnings += checked.warnings
        return checked

    def connect(self, checked: _preflight.Checked, *, guard_folder: str | None, sms_get_hint: str) -> _api.GitHubClient:
        check_dependencies(needs_pyotp=checked.connection.otp_secret is not None)
        client = client_for(checked.connection, self.env, guard_folder=guard_folder)
        client.sms_get_hint = sms_get_hint
        self.client = client
        self._attempts_before = client.retries_made
        self._otp_wait_before = client.otp_wait
        self.warnings += client.warnings
        return client

    def transport_report(self) -> dict[str, t.Any]:
        """``retries`` and ``otp_wait`` of this item, once a client was made."""
        if self.client is None:
            return {}
        return {"retries": self.client.retries_made - self._attempts_before, "otp_wait": round(self.client.otp_wait - self._otp_wait_before, 1)}

    def failed(self, exc: OAuthKitError) -> dict[str, t.Any]:
        return {"failed": True, "msg": exc.render(self.names), "msg_id": exc.msg_id, **exc.details, **self.transport_report()}

    def finish(self, result: dict[str, t.Any]) -> dict[str, t.Any]:
        """The result with warnings, every secret of the run (options, computed codes, credentials in api_url) hidden."""
        if self.warnings:
            result["warnings"] = [render(warning.msg_id, warning.fields, self.names) for warning in self.warnings]
        secrets = {value for value in self.no_log if value}
        if self.client is not None:
            secrets |= set(getattr(self.client._otp, "codes", ()))
        return t.cast("dict[str, t.Any]", remove_values(result, secrets)) if secrets else result
