# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action of ``oauthkit.github.authorization``: every GitHub request is made here, on the controller.

The task's host keeps the token (``token_path``): through ``_token_store`` in this process on a
local connection without become, else through the ``oauthkit.github.token_file`` module run on
that host.  No account secret (password, seed, two-factor code, client secret) ever leaves the
controller.
"""

from __future__ import annotations

import os
import typing as t

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.oauthkit.github.plugins.module_utils import _argspec, _authorizations, _custody, _environ
from ansible_collections.oauthkit.github.plugins.module_utils._errors import InvalidInput, OAuthKitError, TokenStoreError, TokenWriteUnknown

# _action imports requests and pyotp: the strategy loads this class in the main process, so every forked worker inherits them loaded.
from ansible_collections.oauthkit.github.plugins.plugin_utils import _action, _guard, _stores

# Connections that cannot run a Python module in a POSIX shell on the host.
_NO_HOST_MODULE = frozenset({"winrm", "psrp", "network_cli", "netconf", "httpapi"})
_FLOOR_SIGNS = ("future feature annotations is not defined", "SyntaxError")
_FALLBACK_VARIABLES = frozenset(name for names in _argspec.ENVIRONMENT.values() for name in names)


class ActionModule(ActionBase):
    """Get or create the authorization on the controller; keep its token on the task's host."""

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        run = _action.Run.of(self, task_vars)
        # The host's module gets the task's environment without the collection's variables: they may hold the password or the seed.
        self._host_environment = {key: value for key, value in run.task_environment.items() if key not in _FALLBACK_VARIABLES}
        check_mode = bool(self._task.check_mode)
        try:
            checked = run.check(_argspec.authorization(), module="oauthkit.github.authorization")
            store = self._store(checked, task_vars, run.env)
            hint = "otp.sms_check_mode" if check_mode else "otp.sms_get"
            api = _authorizations.Authorizations(run.connect(checked, guard_folder=_guard.run_folder(), sms_get_hint=hint))
            outcome = self._ensure(api, checked, store, check_mode=check_mode)
            result.update(outcome.result(with_diff=bool(self._task.diff)))
            result.update(run.transport_report())
        except OAuthKitError as exc:
            result.update(run.failed(exc))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return run.finish(result)

    @staticmethod
    def _ensure(api: _authorizations.Authorizations, checked: t.Any, store: _custody.Store | None, *, check_mode: bool) -> _authorizations.Outcome:
        desired = checked.desired
        if store is None:
            if checked.state == "absent":
                return _authorizations.ensure_absent(api, desired, check_mode=check_mode)
            return _authorizations.ensure_present(api, desired, check_mode=check_mode)
        if check_mode:
            if checked.state == "absent":
                return _custody.ensure_absent(api, desired, store, check_mode=True)
            return _custody.ensure_present(api, desired, store, checked.recreate, check_mode=True)
        with store.locked(checked.connection.timeout):
            if checked.state == "absent":
                return _custody.ensure_absent(api, desired, store, check_mode=False)
            return _custody.ensure_present(api, desired, store, checked.recreate, check_mode=False)

    def _transport(self) -> str:
        name = str(getattr(self._connection, "transport", "") or getattr(self._connection, "_load_name", ""))
        return name.rsplit(".", 1)[-1]

    def _store(self, checked: t.Any, task_vars: dict[str, t.Any], env: dict[str, str]) -> _custody.Store | None:
        options = checked.store
        if options is None:
            return None
        if options.kind == "vault":
            path = options.path
            if not os.path.isabs(path):
                path = os.path.join(str(task_vars.get("playbook_dir") or os.getcwd()), path)
            return _stores.VaultFileStore(path, options.vault_variable, options.vault_password, options.vault_id, options.attributes)
        transport = self._transport()
        if transport == "local" and not self._play_context.become:
            with _environ.applied(env):
                path = os.path.expanduser(os.path.expandvars(options.path))
            return _stores.LocalFileStore(path, options.attributes)  # refuses a path that is not absolute after expansion
        if transport in _NO_HOST_MODULE or getattr(self._connection._shell, "SHELL_FAMILY", "sh") == "powershell":
            raise InvalidInput("connection.unsupported", {"connection": transport})
        host = str(self._task.delegate_to or task_vars.get("inventory_hostname") or "the host")
        play = self._play_context
        lock_key = (getattr(play, "remote_addr", None) or host, getattr(play, "port", None), getattr(play, "remote_user", None))
        return _stores.HostFileStore(
            self._token_file_runner(task_vars), options.path, options.attributes, host=host, lock_folder=_guard.lock_folder(), lock_key=lock_key
        )

    def _token_file_runner(self, task_vars: dict[str, t.Any]) -> _stores.ModuleRun:
        """A function that runs ``oauthkit.github.token_file`` on the task's host, with pipelining where the connection allows it."""

        def run(args: dict[str, t.Any], *, carries_token: bool) -> dict[str, t.Any]:
            if getattr(self._connection, "has_pipelining", False):
                self._connection.set_option("pipelining", True)  # the token then travels through stdin, never into a file
            path = str(args.get("path"))
            task_environment = self._task.environment
            self._task.environment = [self._host_environment]
            try:
                result = self._execute_module(module_name="oauthkit.github.token_file", module_args=args, task_vars=task_vars)
            except AnsibleConnectionFailure as exc:
                if carries_token:  # the write may have happened or not: custody rolls back
                    raise TokenWriteUnknown("store.write_unknown", {"path": path, "reason": exc.__class__.__name__}, token_path=path) from None
                raise  # the host is unreachable, as Ansible reports it; when this is the first contact, nothing was sent to GitHub
            except AnsibleError as exc:
                if carries_token:
                    raise TokenWriteUnknown("store.write_unknown", {"path": path, "reason": exc.__class__.__name__}, token_path=path) from None
                raise TokenStoreError("store.host_failed", {"reason": str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__}) from None
            finally:
                self._task.environment = task_environment
            return self._checked_module_result(result, path, carries_token=carries_token)

        return run

    def _checked_module_result(self, result: dict[str, t.Any], path: str, *, carries_token: bool) -> dict[str, t.Any]:
        if not result.get("failed") and not result.get("unreachable"):
            return result
        if result.get("msg_id") and result.get("msg_id") != "store.host_python":
            fields = result.get("msg_fields") if isinstance(result.get("msg_fields"), dict) else {}
            raise TokenStoreError(str(result["msg_id"]), fields, token_path=result.get("token_path") or path)
        output = " ".join(str(result.get(key) or "") for key in ("msg", "module_stderr", "module_stdout"))
        if result.get("msg_id") == "store.host_python" or any(sign in output for sign in _FLOOR_SIGNS):
            raise TokenStoreError("store.host_python", {"interpreter": getattr(self, "_used_interpreter", None) or "python"}, token_path=path)
        if carries_token:
            reason = str(result.get("msg") or "the module's answer was lost").splitlines()[0]
            raise TokenWriteUnknown("store.write_unknown", {"path": path, "reason": reason}, token_path=path)
        raise TokenStoreError("store.host_failed", {"reason": str(result.get("msg") or "no answer").splitlines()[0]}, token_path=path)
