# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""oauthkit.github.token_file through its main(), as it runs on a managed host: each state, check mode, failures, the Python floor."""

from __future__ import annotations

import os
import stat
import sys
import typing as t
from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils._token_store import token_hash, unseal
from ansible_collections.oauthkit.github.plugins.modules import token_file
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import NEW_TOKEN, TOKEN, run_module


def run(args: dict[str, t.Any], capsys: pytest.CaptureFixture[str]) -> dict[str, t.Any]:
    return run_module(token_file.main, args, capsys)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "app.token"


def test_stat_of_a_missing_file_expands_the_path_on_the_host(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    result = run({"path": "~/app.token"}, capsys)
    assert result["_exit_code"] == 0
    assert (result["path"], result["exists"], result["sha256"], result["attributes_differ"], result.get("changed", False)) == (
        str(tmp_path / "app.token"), False, None, False, False)


def test_stat_reports_the_hash_never_the_token(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path.write_text(f"{TOKEN}\n")
    os.chmod(path, 0o644)
    result = run({"path": str(path), "mode": 0o600}, capsys)
    assert (result["exists"], result["sha256"], result["attributes_differ"]) == (True, token_hash(TOKEN), True)
    assert TOKEN not in result["_raw"]


def test_present_writes_the_token(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run({"path": str(path), "state": "present", "token": TOKEN, "mode": 0o640}, capsys)
    assert (result["changed"], result["exists"], result["sha256"]) == (True, False, token_hash(TOKEN))
    assert path.read_text() == f"{TOKEN}\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert TOKEN not in result["_raw"]  # no_log: not even in the invocation


def test_present_replaces_a_token(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path.write_text(f"{TOKEN}\n")
    result = run({"path": str(path), "state": "present", "token": NEW_TOKEN}, capsys)
    assert (result["changed"], result["exists"], result["sha256"]) == (True, True, token_hash(NEW_TOKEN))
    assert path.read_text() == f"{NEW_TOKEN}\n"


def test_present_in_check_mode_writes_nothing(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run({"path": str(path), "state": "present", "token": TOKEN, "_ansible_check_mode": True}, capsys)
    assert (result["changed"], result["sha256"]) == (True, None)
    assert not path.exists()
    assert os.listdir(path.parent) == []


def test_present_needs_the_token(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run({"path": str(path), "state": "present"}, capsys)
    assert result["failed"] is True
    assert "token" in result["msg"]


def test_read_returns_the_token_sealed_with_the_pad(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path.write_text(f"{TOKEN}\n")
    pad = os.urandom(4096)
    result = run({"path": str(path), "state": "read", "pad": pad.hex(), "_ansible_check_mode": True}, capsys)
    assert TOKEN not in result["_raw"]  # what -vvv prints of the module's output
    assert "token" not in result
    assert unseal(result["sealed"], pad).decode().strip() == TOKEN
    assert result["sha256"] == token_hash(TOKEN)


def test_read_needs_a_pad(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path.write_text(f"{TOKEN}\n")
    result = run({"path": str(path), "state": "read"}, capsys)
    assert result["failed"] is True
    assert TOKEN not in result["_raw"]


@pytest.mark.parametrize(("existed", "check_mode", "changed", "left"), [(True, False, True, False), (True, True, True, True), (False, False, False, False)],
                         ids=["removes", "check-mode", "nothing-there"])
def test_absent(path: Path, capsys: pytest.CaptureFixture[str], existed: bool, check_mode: bool, changed: bool, left: bool) -> None:
    if existed:
        path.write_text(f"{TOKEN}\n")
    result = run({"path": str(path), "state": "absent", "_ansible_check_mode": check_mode}, capsys)
    assert result["changed"] is changed
    assert path.exists() is left


@pytest.mark.parametrize(("check_mode", "mode_after"), [(False, 0o600), (True, 0o644)], ids=["real", "check-mode"])
def test_attributes(path: Path, capsys: pytest.CaptureFixture[str], check_mode: bool, mode_after: int) -> None:
    path.write_text(f"{TOKEN}\n")
    os.chmod(path, 0o644)
    result = run({"path": str(path), "state": "attributes", "_ansible_check_mode": check_mode}, capsys)
    assert result["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == mode_after
    again = run({"path": str(path), "state": "attributes"}, capsys)
    assert again["changed"] is (check_mode is True)


def test_a_failure_carries_its_message_id_and_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "gone" / "app.token"
    result = run({"path": str(missing), "state": "present", "token": TOKEN}, capsys)
    assert result["_exit_code"] == 1 and result["failed"] is True
    assert result["msg_id"] == "store.no_directory"
    assert {key: result["msg_fields"][key] for key in ("path", "directory", "option")} == {
        "path": str(missing), "directory": str(tmp_path / "gone"), "option": "token_path"}
    assert result["token_path"] == str(missing)
    assert result["msg"].startswith(f"The directory {tmp_path / 'gone'} of token_path {missing} does not exist")
    assert TOKEN not in result["_raw"]


def test_a_fifo_is_refused(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(path)
    result = run({"path": str(path), "state": "read", "pad": "00" * 4096}, capsys)
    assert (result["msg_id"], result["msg_fields"]["kind"]) == ("store.special_file", "FIFO")


def test_a_relative_path_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    result = run({"path": "relative/app.token"}, capsys)
    assert result["msg_id"] == "store.relative"


def test_an_unknown_owner(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run({"path": str(path), "owner": "no-such-user-oauthkit"}, capsys)
    assert result["msg_id"] == "store.owner_unknown"
    assert not path.exists()


def test_a_python_older_than_the_floor(path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "version_info", (3, 7, 9))
    result = run({"path": str(path), "state": "present", "token": TOKEN}, capsys)
    assert result["msg_id"] == "store.host_python"
    assert f"({sys.executable}) is older than 3.8" in result["msg"]
    assert not path.exists()
