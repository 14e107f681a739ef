# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The three token stores behind ``_custody.Store``: a local file, a file on the task's host, an ansible-vault vars file.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

* ``LocalFileStore``: ``token_path`` on the controller itself (a local connection without
  become), through ``_token_store`` in this process, with its lock beside the file.
* ``HostFileStore``: ``token_path`` on any other host, or with become: the same
  ``_token_store`` runs there as the ``oauthkit.github.token_file`` module.  The host
  reports the SHA-256 of its token, never the token (except for the reset under
  ``recreate: always``); the token travels there only to be written.  Runs for the same
  host address, port, user and path are serialised by a lock file on the controller.
* ``VaultFileStore``: ``vault_path``, an ansible-vault encrypted vars file on the controller
  that defines one variable holding the token (other variables in it are kept).

Stores decide nothing; ``_custody`` does.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import typing as t

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils._messages import Part, part
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import MAX_BYTES, Attributes, Held, TokenFile, hold_lock, token_hash, unseal

VAULT_MAX_BYTES = 1 << 20


class LocalFileStore:
    """``token_path`` in the controller's own file system."""

    def __init__(self, path: str, attributes: Attributes, *, option: str = "token_path", become_helps: bool = True) -> None:
        self.file = TokenFile(path, attributes, option=option, machine="the controller", become_helps=become_helps)

    @property
    def where(self) -> Part:
        return part("where.file", path=self.file.path, on_host="")

    def inspect(self) -> Held:
        return self.file.inspect()

    def read_token(self) -> str | None:
        return self.file.read()

    def write(self, token: str) -> None:
        self.file.write(token)

    def remove(self) -> bool:
        return self.file.remove()

    def apply_attributes(self) -> bool:
        return self.file.apply_attributes()

    def locked(self, timeout: float) -> t.ContextManager[None]:
        return self.file.locked(timeout)


class ModuleRun(t.Protocol):
    """Runs ``oauthkit.github.token_file`` on the task's host with these arguments and returns its result."""

    def __call__(self, args: dict[str, t.Any], *, carries_token: bool) -> dict[str, t.Any]:
        """The module's result; ``carries_token`` says whether the arguments hold a token being written."""


class HostFileStore:
    """``token_path`` on the task's host, kept there by the ``oauthkit.github.token_file`` module."""

    def __init__(  # noqa: PLR0913 - keyword-only: where the host is and how its runs are serialised
        self, run: ModuleRun, path: str, attributes: Attributes, *, host: str, lock_folder: str, lock_key: t.Sequence[t.Any]
    ) -> None:
        self._run = run
        self.path = path  # expanded on the host by the first module run
        self._attributes = attributes
        self._host = host
        digest = hashlib.sha256("\0".join(str(part) for part in (*lock_key, path)).encode()).hexdigest()[:32]
        self._lock_folder = lock_folder
        self._lock_path = os.path.join(lock_folder, f"{digest}.lock")

    @property
    def where(self) -> Part:
        return part("where.file", path=self.path, on_host=f" on {self._host}")

    def _args(self, state: str, **extra: t.Any) -> dict[str, t.Any]:
        attributes = self._attributes
        return {"path": self.path, "state": state, "mode": attributes.mode, "owner": attributes.owner, "group": attributes.group, **extra}

    def _call(self, state: str, **extra: t.Any) -> dict[str, t.Any]:
        result = self._run(self._args(state, **extra), carries_token=state == "present")
        if isinstance(result.get("path"), str):
            self.path = result["path"]
        return result

    def inspect(self) -> Held:
        result = self._call("stat")
        return Held(result.get("sha256") or None, bool(result.get("attributes_differ")), exists=bool(result.get("exists")))

    def read_token(self) -> str | None:
        """The token, read back once for the reset: the host returns it sealed with a one-time pad made here."""
        pad = secrets.token_bytes(MAX_BYTES)
        sealed = self._call("read", pad=pad.hex()).get("sealed")
        if not isinstance(sealed, str):
            return None
        return unseal(sealed, pad).decode("ascii", "replace").strip() or None

    def write(self, token: str) -> None:
        result = self._call("present", token=token)
        if result.get("sha256") != token_hash(token):
            raise errors.TokenWriteUnknown("store.write_unknown", {"path": self.path, "reason": "the host did not confirm the write"})

    def remove(self) -> bool:
        return bool(self._call("absent").get("changed"))

    def apply_attributes(self) -> bool:
        return bool(self._call("attributes").get("changed"))

    @contextlib.contextmanager
    def locked(self, timeout: float) -> t.Iterator[None]:
        try:
            os.makedirs(self._lock_folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            fields = {"lock_path": self._lock_path, "path": self.path, "option": "token_path", "reason": exc.strerror or exc.__class__.__name__}
            raise errors.TokenStoreError("store.controller_lock_failed", fields, token_path=self.path) from None
        with hold_lock(self._lock_path, timeout, subject=self.path, failed_id="store.controller_lock_failed"):
            yield


class VaultFileStore(LocalFileStore):
    """``vault_path`` on the controller: an ansible-vault encrypted YAML vars file that defines ``variable`` as the token.
    Removed, given its attributes and locked as a local file (``LocalFileStore``)."""

    def __init__(self, path: str, variable: str, password: str, vault_id: str | None, attributes: Attributes) -> None:
        from ansible.parsing.vault import VaultLib, VaultSecret  # noqa: PLC0415 - controller only, loaded with the store

        super().__init__(path, attributes, option="vault_path", become_helps=False)
        self.variable = str(variable)  # a plain str: PyYAML refuses ansible-core's tagged strings
        self._vault_id = str(vault_id or "default")
        self._secret = VaultSecret(password.encode("utf-8"))
        self._vault = VaultLib([(self._vault_id, self._secret)])
        self._vars: dict[str, t.Any] | None = None

    @property
    def where(self) -> Part:
        return part("where.vault", path=self.file.path, variable=self.variable)

    def _load(self) -> dict[str, t.Any]:
        """The decrypted variables; {} when there is no file or it is empty."""
        import yaml  # noqa: PLC0415 - PyYAML comes with ansible-core
        from ansible.errors import AnsibleError  # noqa: PLC0415

        data = self.file.read_bytes(VAULT_MAX_BYTES)
        if not data or not data.strip():
            return {}
        try:
            plain = self._vault.decrypt(data)
        except AnsibleError:
            note = f" (vault id {self._vault_id})" if self._vault_id != "default" else ""
            raise errors.TokenStoreError("vault.undecryptable", {"path": self.file.path, "vault_id_note": note}, token_path=self.file.path) from None
        try:
            loaded = yaml.safe_load(plain) or {}
        except yaml.YAMLError:
            loaded = None
        if not isinstance(loaded, dict):
            raise errors.TokenStoreError("vault.not_vars", {"path": self.file.path}, token_path=self.file.path)
        return loaded

    def inspect(self) -> Held:
        target = self.file.check()
        if target is None:
            self._vars = {}
            return Held(None)
        self._vars = self._load()
        token = self._token(self._vars)
        return Held(token_hash(token) if token else None, self.file.attributes_differ(target), exists=True)

    def _token(self, variables: dict[str, t.Any]) -> str | None:
        value = variables.get(self.variable)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise errors.TokenStoreError("vault.token_not_string", {"path": self.file.path, "variable": self.variable}, token_path=self.file.path)
        return value.strip() or None

    def read_token(self) -> str | None:
        return self._token(self._load())

    def write(self, token: str) -> None:
        import yaml  # noqa: PLC0415

        variables = dict(self._vars if self._vars is not None else self._load())
        variables[self.variable] = token
        plain = yaml.safe_dump(variables, default_flow_style=False, sort_keys=True)
        try:
            vault_id = None if self._vault_id == "default" else self._vault_id
            data = self._vault.encrypt(plain, self._secret, vault_id=vault_id)
        except Exception as exc:
            raise errors.TokenStoreError("vault.encrypt_failed", {"path": self.file.path, "reason": exc.__class__.__name__}) from None
        self.file.write_bytes(data if data.endswith(b"\n") else data + b"\n")
        self._vars = variables
