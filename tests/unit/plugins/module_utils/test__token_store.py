# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token file: status against hashed_token, atomic writes that leave nothing behind, and the bounded lock."""

from __future__ import annotations

import fcntl
import os
import stat
import typing as t
from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils import _token_store as store
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import TOKEN, FakeClock

# API_CONTRACT.md section 2: sha256("4107db86...") as GitHub reported it in a recorded answer.
TOKEN_HASH = "18a2cd7312840f313366dce10184c1b309a98e84355402a2265d6fadf36f4ee4"


def token_file(tmp_path: Path, move: t.Callable[[str, str], None] = os.replace) -> store.TokenFile:
    return store.TokenFile(str(tmp_path / "app.token"), atomic_move=move)


def test_token_hash_is_githubs_hashed_token() -> None:
    assert store.token_hash(TOKEN) == TOKEN_HASH


@pytest.mark.parametrize(
    ("content", "hashed", "expected"),
    [
        (None, TOKEN_HASH, store.MISSING),
        ("", TOKEN_HASH, store.MISSING),
        ("\n", TOKEN_HASH, store.MISSING),
        (f"{TOKEN}\n", TOKEN_HASH, store.VERIFIED),
        (TOKEN, TOKEN_HASH.upper(), store.VERIFIED),
        ("0" * 40, TOKEN_HASH, store.MISMATCH),
        (TOKEN, None, store.MISMATCH),
    ],
    ids=["no-file", "empty", "newline-only", "verified", "verified-upper-hash", "other-token", "no-hash"],
)
def test_status(tmp_path: Path, content: str | None, hashed: str | None, expected: str) -> None:
    file = token_file(tmp_path)
    if content is not None:
        Path(file.path).write_text(content)
    assert file.status(hashed) == expected


def test_write_is_the_token_alone_mode_0600_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    os.umask(0o022)
    moves: list[tuple[str, str]] = []

    def move(src: str, dest: str) -> None:
        assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600  # the placeholder keeps the final name 0600 before the rename
        moves.append((src, dest))
        os.replace(src, dest)

    file = token_file(tmp_path, move)
    file.write(TOKEN)
    assert Path(file.path).read_text() == f"{TOKEN}\n"
    assert stat.S_IMODE(os.stat(file.path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["app.token"]
    assert moves[0][1] == file.path and os.path.dirname(moves[0][0]) == str(tmp_path)
    assert file.status(TOKEN_HASH) == store.VERIFIED


def test_write_replaces_an_existing_token(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_text("0" * 40)
    file.write(TOKEN)
    assert file.read() == TOKEN


@pytest.mark.parametrize("existed", [False, True], ids=["new-file", "existing-file"])
def test_failed_move_leaves_nothing_new_and_names_no_token(tmp_path: Path, existed: bool) -> None:
    def broken(src: str, dest: str) -> None:
        raise OSError(28, "No space left on device")

    file = token_file(tmp_path, broken)
    if existed:
        Path(file.path).write_text("old\n")
    with pytest.raises(errors.TokenStoreError) as exc_info:
        file.write(TOKEN)
    assert "No space left on device" in exc_info.value.msg
    assert TOKEN not in exc_info.value.msg
    assert os.listdir(tmp_path) == (["app.token"] if existed else [])
    if existed:
        assert Path(file.path).read_text() == "old\n"


def test_write_into_a_missing_directory(tmp_path: Path) -> None:
    file = store.TokenFile(str(tmp_path / "gone" / "app.token"), atomic_move=os.replace)
    with pytest.raises(errors.TokenStoreError) as exc_info:
        file.write(TOKEN)
    assert "could not be written" in exc_info.value.msg


def test_unreadable_token_file(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    os.mkdir(file.path)
    with pytest.raises(errors.TokenStoreError) as exc_info:
        file.read()
    assert "could not be read" in exc_info.value.msg


def test_lock_is_exclusive_and_bounded(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    clock = FakeClock()
    with file.locked(5.0):
        assert stat.S_IMODE(os.stat(file.lock_path).st_mode) == 0o600
        other = os.open(file.lock_path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: another process could not take it
        finally:
            os.close(other)
    blocked = store.TokenFile(file.path, atomic_move=os.replace)
    holder = os.open(file.lock_path, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with pytest.raises(errors.TokenStoreError) as exc_info, blocked.locked(2.0, clock=clock.time, sleep=clock.sleep):
            pass
        assert "longer than 2 s" in exc_info.value.msg
        assert 2.0 - 1e-9 <= sum(clock.sleeps) <= 2.0 + store.LOCK_POLL_S + 1e-9
    finally:
        os.close(holder)
    with blocked.locked(2.0):  # free again once the holder is gone
        pass


def test_lock_in_a_missing_directory(tmp_path: Path) -> None:
    file = store.TokenFile(str(tmp_path / "gone" / "app.token"), atomic_move=os.replace)
    with pytest.raises(errors.TokenStoreError) as exc_info, file.locked(1.0):
        pass
    assert "must exist and be writable" in exc_info.value.msg
