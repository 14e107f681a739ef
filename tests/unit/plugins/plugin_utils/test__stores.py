# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The three token stores: a local file, a file on the task's host (through the token_file module), an ansible-vault vars file."""

from __future__ import annotations

import fcntl
import os
import re
import stat
import typing as t
from pathlib import Path

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import Attributes, Held, token_hash
from ansible_collections.oauthkit.github.plugins.modules import token_file
from ansible_collections.oauthkit.github.plugins.plugin_utils import _stores
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import NEW_TOKEN, TOKEN, run_main

VAULT_PASSWORD = "vault password 42"


# ---------------------------------------------------------------- LocalFileStore


def test_local_file_store(tmp_path: Path) -> None:
    kept = _stores.LocalFileStore(str(tmp_path / "app.token"), Attributes(0o640))
    assert kept.where.fields == {"path": str(tmp_path / "app.token"), "on_host": ""}
    assert kept.inspect() == Held(None)
    kept.write(TOKEN)
    assert kept.read_token() == TOKEN
    assert stat.S_IMODE(os.stat(tmp_path / "app.token").st_mode) == 0o640
    assert kept.inspect() == Held(token_hash(TOKEN), exists=True)
    os.chmod(tmp_path / "app.token", 0o600)
    assert kept.apply_attributes() is True
    with kept.locked(1.0):
        assert (tmp_path / "app.token.lock").exists()
    assert kept.remove() is True
    assert kept.remove() is False


# ---------------------------------------------------------------- HostFileStore, with the token_file module run in this process


class ModuleRun:
    """Runs oauthkit.github.token_file's main() as the host would, and records every call."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.calls: list[tuple[dict[str, t.Any], bool]] = []
        self.override: dict[str, t.Any] | None = None

    def __call__(self, args: dict[str, t.Any], *, carries_token: bool) -> dict[str, t.Any]:
        self.calls.append((dict(args), carries_token))
        if self.override is not None:
            return self.override
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HOME", str(self.home))  # the host's home, for ~ in the path
            return run_main(token_file.main, args)


def host_store(tmp_path: Path, run: ModuleRun, path: str = "~/app.token", **lock_key: t.Any) -> _stores.HostFileStore:
    key = (lock_key.get("addr", "web1.example.com"), 22, "deploy")
    return _stores.HostFileStore(run, path, Attributes(0o600), host="web1", lock_folder=str(tmp_path / "locks"), lock_key=key)


def test_host_file_store_keeps_the_token_through_the_module(tmp_path: Path) -> None:
    run = ModuleRun(tmp_path)
    kept = host_store(tmp_path, run)
    assert kept.inspect() == Held(None)
    assert kept.path == str(tmp_path / "app.token")  # expanded on the host by the first run
    assert kept.where.fields == {"path": str(tmp_path / "app.token"), "on_host": " on web1"}
    kept.write(TOKEN)
    assert (tmp_path / "app.token").read_text() == f"{TOKEN}\n"
    assert kept.inspect() == Held(token_hash(TOKEN), exists=True)
    assert kept.read_token() == TOKEN
    os.chmod(tmp_path / "app.token", 0o644)
    assert kept.inspect().attributes_differ is True
    assert kept.apply_attributes() is True
    assert kept.remove() is True
    assert kept.remove() is False
    states = [(args["state"], carries) for args, carries in run.calls]
    assert states == [("stat", False), ("present", True), ("stat", False), ("read", False), ("stat", False), ("attributes", False),
                      ("absent", False), ("absent", False)]
    assert all(("token" in args) is (args["state"] == "present") for args, _carries in run.calls)  # the token travels only to be written
    read = next(args for args, _carries in run.calls if args["state"] == "read")
    assert len(bytes.fromhex(read["pad"])) == 4096  # a one-time pad as long as any token file: the token comes back sealed
    assert run.calls[0][0] == {"path": "~/app.token", "state": "stat", "mode": 0o600, "owner": None, "group": None}


def test_a_write_the_host_does_not_confirm_is_unknown(tmp_path: Path) -> None:
    run = ModuleRun(tmp_path)
    kept = host_store(tmp_path, run, path=str(tmp_path / "app.token"))
    run.override = {"changed": True, "sha256": token_hash(NEW_TOKEN)}
    with pytest.raises(errors.TokenWriteUnknown) as exc_info:
        kept.write(TOKEN)
    assert exc_info.value.msg_id == "store.write_unknown"
    assert exc_info.value.fields == {"path": str(tmp_path / "app.token"), "reason": "the host did not confirm the write"}
    assert TOKEN not in exc_info.value.msg


def test_the_host_store_lock_is_shared_by_the_runs_for_one_file(tmp_path: Path) -> None:
    run = ModuleRun(tmp_path)
    first, same, other_host = host_store(tmp_path, run), host_store(tmp_path, run), host_store(tmp_path, run, addr="web2.example.com")
    with first.locked(1.0):
        locks = list((tmp_path / "locks").iterdir())
        assert len(locks) == 1
        assert stat.S_IMODE(os.stat(tmp_path / "locks").st_mode) == 0o700
        other = os.open(locks[0], os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
        with pytest.raises(errors.TokenStoreError) as exc_info, same.locked(0.1):
            pass
        assert exc_info.value.msg_id == "store.lock_timeout"
        with other_host.locked(0.1):  # another host's file: its own lock
            pass
    assert len(list((tmp_path / "locks").iterdir())) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}\.lock", lock.name) for lock in (tmp_path / "locks").iterdir())  # names tell nothing of host or path


# ---------------------------------------------------------------- VaultFileStore


def vault_store(tmp_path: Path, *, password: str = VAULT_PASSWORD, vault_id: str | None = None, variable: str = "github_token") -> _stores.VaultFileStore:
    return _stores.VaultFileStore(str(tmp_path / "token.yml"), variable, password, vault_id, Attributes(0o600))


def decrypt(path: Path, password: str = VAULT_PASSWORD, vault_id: str = "default") -> t.Any:
    return yaml.safe_load(VaultLib([(vault_id, VaultSecret(password.encode()))]).decrypt(path.read_bytes()))


def encrypt(path: Path, data: str, password: str = VAULT_PASSWORD) -> None:
    secret = VaultSecret(password.encode())
    path.write_bytes(VaultLib([("default", secret)]).encrypt(data, secret))
    os.chmod(path, 0o600)


def test_vault_store_writes_an_encrypted_vars_file(tmp_path: Path) -> None:
    kept = vault_store(tmp_path)
    assert kept.where.fields == {"path": str(tmp_path / "token.yml"), "variable": "github_token"}
    assert kept.inspect() == Held(None)
    kept.write(TOKEN)
    raw = (tmp_path / "token.yml").read_bytes()
    assert raw.startswith(b"$ANSIBLE_VAULT;1.1;AES256\n") and raw.endswith(b"\n")
    assert TOKEN.encode() not in raw
    assert decrypt(tmp_path / "token.yml") == {"github_token": TOKEN}
    assert stat.S_IMODE(os.stat(tmp_path / "token.yml").st_mode) == 0o600
    fresh = vault_store(tmp_path)
    assert fresh.inspect() == Held(token_hash(TOKEN), exists=True)
    assert fresh.read_token() == TOKEN


def test_vault_store_keeps_the_other_variables(tmp_path: Path) -> None:
    encrypt(tmp_path / "token.yml", "github_token: old\nother_secret: keep me\n")
    kept = vault_store(tmp_path)
    assert kept.inspect().sha256 == token_hash("old")
    kept.write(NEW_TOKEN)
    assert decrypt(tmp_path / "token.yml") == {"github_token": NEW_TOKEN, "other_secret": "keep me"}


def test_vault_store_with_a_vault_id(tmp_path: Path) -> None:
    kept = vault_store(tmp_path, vault_id="prod")
    kept.write(TOKEN)
    assert (tmp_path / "token.yml").read_bytes().startswith(b"$ANSIBLE_VAULT;1.2;AES256;prod\n")
    assert decrypt(tmp_path / "token.yml", vault_id="prod") == {"github_token": TOKEN}
    assert vault_store(tmp_path, vault_id="prod").read_token() == TOKEN


@pytest.mark.parametrize(("vault_id", "note"), [(None, ""), ("prod", " (vault id prod)")])
def test_a_vault_file_that_does_not_decrypt(tmp_path: Path, vault_id: str | None, note: str) -> None:
    encrypt(tmp_path / "token.yml", "github_token: old\n", password="another password")
    with pytest.raises(errors.TokenStoreError) as exc_info:
        vault_store(tmp_path, vault_id=vault_id).inspect()
    assert exc_info.value.msg_id == "vault.undecryptable"
    assert f"could not be decrypted with vault_password{note}: the password" in exc_info.value.msg
    assert VAULT_PASSWORD not in exc_info.value.msg


def test_a_plain_file_is_not_a_vault(tmp_path: Path) -> None:
    (tmp_path / "token.yml").write_text(f"github_token: {TOKEN}\n")
    with pytest.raises(errors.TokenStoreError) as exc_info:
        vault_store(tmp_path).inspect()
    assert exc_info.value.msg_id == "vault.undecryptable"
    assert TOKEN not in exc_info.value.msg


@pytest.mark.parametrize(("content", "msg_id"), [("- a list\n", "vault.not_vars"), ("key: [unclosed\n", "vault.not_vars"),
                                                 ("github_token: [1, 2]\n", "vault.token_not_string")])
def test_a_vault_file_that_holds_something_else(tmp_path: Path, content: str, msg_id: str) -> None:
    encrypt(tmp_path / "token.yml", content)
    with pytest.raises(errors.TokenStoreError) as exc_info:
        vault_store(tmp_path).inspect()
    assert exc_info.value.msg_id == msg_id


@pytest.mark.parametrize("content", ["", "other: 1\n", "github_token: ''\n", "github_token:\n"], ids=["empty-vault", "no-variable", "empty", "null"])
def test_a_vault_file_without_a_token(tmp_path: Path, content: str) -> None:
    encrypt(tmp_path / "token.yml", content)
    assert vault_store(tmp_path).inspect() == Held(None, exists=True)


def test_an_empty_file_holds_no_token(tmp_path: Path) -> None:
    (tmp_path / "token.yml").write_text("")
    os.chmod(tmp_path / "token.yml", 0o600)
    kept = vault_store(tmp_path)
    assert kept.inspect() == Held(None, exists=True)
    kept.write(TOKEN)
    assert decrypt(tmp_path / "token.yml") == {"github_token": TOKEN}


def test_an_encryption_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: t.Any, **kwargs: t.Any) -> bytes:
        raise ValueError("no cipher")

    monkeypatch.setattr(VaultLib, "encrypt", broken)
    kept = vault_store(tmp_path)
    kept.inspect()
    with pytest.raises(errors.TokenStoreError) as exc_info:
        kept.write(TOKEN)
    assert (exc_info.value.msg_id, exc_info.value.fields["reason"]) == ("vault.encrypt_failed", "ValueError")
    assert not (tmp_path / "token.yml").exists()


def test_vault_store_file_operations(tmp_path: Path) -> None:
    kept = vault_store(tmp_path)
    kept.write(TOKEN)
    os.chmod(tmp_path / "token.yml", 0o644)
    assert kept.inspect().attributes_differ is True
    assert kept.apply_attributes() is True
    with kept.locked(1.0):
        assert (tmp_path / "token.yml.lock").exists()
    assert kept.remove() is True
    assert not (tmp_path / "token.yml").exists()
