# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token file: an atomic write that never exposes the token under another mode, refusal of anything but a regular file,
bounded reads, the lock, ownership, and removal."""

from __future__ import annotations

import errno
import fcntl
import grp
import os
import pwd
import stat
import threading
import typing as t
from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils import _token_store as store
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import NEW_TOKEN as NEW
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import TOKEN, FakeClock

# CONTRACT.md: sha256("4107db86...") as GitHub reported it in a recorded answer.
TOKEN_HASH = "18a2cd7312840f313366dce10184c1b309a98e84355402a2265d6fadf36f4ee4"
NOBODY = pwd.getpwuid(65534).pw_name
NOGROUP = grp.getgrgid(65534).gr_name


def token_file(tmp_path: Path, **attributes: t.Any) -> store.TokenFile:
    return store.TokenFile(str(tmp_path / "app.token"), store.Attributes(**attributes))


def store_error(call: t.Callable[[], t.Any]) -> errors.TokenStoreError:
    with pytest.raises(errors.TokenStoreError) as exc_info:
        call()
    return exc_info.value


@pytest.fixture(autouse=True)
def _umask() -> t.Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_token_hash_is_githubs_hashed_token() -> None:
    assert store.token_hash(TOKEN) == TOKEN_HASH


# ---------------------------------------------------------------- the atomic write


def test_write_is_the_token_alone_mode_0600_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    file.write(TOKEN)
    assert Path(file.path).read_text() == f"{TOKEN}\n"
    assert stat.S_IMODE(os.stat(file.path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["app.token"]
    assert file.inspect() == store.Held(TOKEN_HASH, attributes_differ=False, exists=True)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o400])
def test_an_existing_files_mode_is_never_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int) -> None:
    """The path shows the old file, untouched, until the rename puts a file there that already has the asked mode and owner."""
    file = token_file(tmp_path, mode=mode, owner=NOBODY, group=NOGROUP)
    Path(file.path).write_text("old\n")
    os.chmod(file.path, 0o644)
    old_inode = os.stat(file.path).st_ino
    seen: list[tuple[int, int, int, int, str]] = []
    real_rename = os.rename

    def rename(src: str, dst: str) -> None:
        assert dst == file.path
        assert os.path.dirname(src) == str(tmp_path) and os.path.basename(src).startswith(".app.token.") and src.endswith(".tmp")
        before_rename = os.stat(dst)
        assert (before_rename.st_ino, stat.S_IMODE(before_rename.st_mode), Path(dst).read_text()) == (old_inode, 0o644, "old\n")
        temp = os.lstat(src)
        seen.append((stat.S_IMODE(temp.st_mode), temp.st_uid, temp.st_gid, temp.st_nlink, Path(src).read_text()))
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    file.write(TOKEN)
    assert seen == [(mode, 65534, 65534, 1, f"{TOKEN}\n")]
    after = os.stat(file.path)
    assert (stat.S_IMODE(after.st_mode), after.st_uid, after.st_gid) == (mode, 65534, 65534)
    assert after.st_ino != old_inode


def test_the_temporary_file_is_created_exclusively_never_through_a_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[str, int, int]] = []
    real_open = os.open

    def spy(path: t.Any, flags: int, mode: int = 0o777, *args: t.Any, **kwargs: t.Any) -> int:
        opened.append((str(path), flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    token_file(tmp_path).write(TOKEN)
    (_path, flags, mode) = next(entry for entry in opened if entry[0].endswith(".tmp"))
    wanted = os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_WRONLY
    assert flags & wanted == wanted
    assert mode == 0o600


def test_a_link_planted_at_the_temporary_name_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    monkeypatch.setattr(store.secrets, "token_hex", lambda size: "0" * 16)
    os.symlink(victim, tmp_path / f".app.token.{'0' * 16}.tmp")
    exc = store_error(lambda: token_file(tmp_path).write(TOKEN))
    assert exc.msg_id == "store.write_failed"
    assert victim.read_text() == "keep me\n"
    assert not (tmp_path / "app.token").exists()


@pytest.mark.parametrize(
    "failure",
    [OSError(errno.EBUSY, "Device or resource busy"), Exception("atomic_move failed")],
    ids=["oserror-ebusy", "bare-exception"],
)
def test_a_failed_rename_leaves_the_target_unchanged_and_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_text("old\n")
    os.chmod(file.path, 0o600)

    def broken(src: str, dst: str) -> None:
        raise failure

    monkeypatch.setattr(os, "rename", broken)
    exc = store_error(lambda: file.write(TOKEN))
    assert exc.msg_id == "store.write_failed"
    assert exc.fields["reason"] == ("Device or resource busy" if isinstance(failure, OSError) else "Exception")
    assert os.listdir(tmp_path) == ["app.token"]
    assert Path(file.path).read_text() == "old\n"
    assert TOKEN not in exc.msg


def test_a_failure_before_the_rename_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(fd: int, mode: int) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "fchmod", broken)
    exc = store_error(lambda: token_file(tmp_path).write(TOKEN))
    assert exc.fields["reason"] == "Operation not permitted"
    assert os.listdir(tmp_path) == []


def test_write_replaces_an_existing_token(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_text("0" * 40)
    file.write(TOKEN)
    assert file.read() == TOKEN


def test_write_into_a_missing_directory(tmp_path: Path) -> None:
    exc = store_error(lambda: store.TokenFile(str(tmp_path / "gone" / "app.token")).write(TOKEN))
    assert exc.msg_id == "store.write_failed"


# ---------------------------------------------------------------- what may stand at the path


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    os.mkfifo(file.path)
    result: list[t.Any] = []

    def attempt() -> None:
        for call in (file.inspect, file.read):
            try:
                call()
            except errors.TokenStoreError as exc:
                result.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():  # open it for writing, so that a blocked reader wakes up and the test process can end
        os.close(os.open(file.path, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a FIFO at token_path blocked")
    assert [(exc.msg_id, exc.fields["kind"]) for exc in result] == [("store.special_file", "FIFO")] * 2


@pytest.mark.parametrize("target", ["file", "/dev/zero"])
def test_a_symbolic_link_is_refused(tmp_path: Path, target: str) -> None:
    real = tmp_path / "real.token"
    real.write_text(f"{TOKEN}\n")
    file = token_file(tmp_path)
    os.symlink(real if target == "file" else target, file.path)
    for call in (file.inspect, file.read, file.remove, file.apply_attributes):
        exc = store_error(call)
        assert (exc.msg_id, exc.fields["kind"]) == ("store.special_file", "symbolic link")
    assert os.path.islink(file.path)
    if target == "file":
        file.write(NEW)  # the rename replaces the link itself, never what it points at
        assert not os.path.islink(file.path)
        assert (Path(file.path).read_text(), real.read_text()) == (f"{NEW}\n", f"{TOKEN}\n")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    os.mkdir(file.path)
    assert store_error(file.inspect).msg_id == "store.is_directory"
    assert store_error(file.read).msg_id == "store.special_file"


def test_a_file_over_4096_bytes_is_refused_after_a_bounded_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_bytes(b"x" * (10 * 1024 * 1024))
    asked: list[int] = []
    real_read = os.read

    def read(fd: int, size: int) -> bytes:
        asked.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(os, "read", read)
    exc = store_error(file.inspect)
    assert (exc.msg_id, exc.fields["limit"]) == ("store.too_big", 4096)
    assert sum(asked) <= store.MAX_BYTES + 1 + 1  # never more than the limit and one byte, whatever the file's size


def test_exactly_4096_bytes_are_read(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_bytes(b"a" * 4095 + b"\n")
    assert file.read() == "a" * 4095


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, store.Held(None)), ("", store.Held(None, exists=True)), ("\n", store.Held(None, exists=True)), (f"{TOKEN}\n", store.Held(TOKEN_HASH, exists=True))],
    ids=["absent", "empty", "newline", "token"],
)
def test_held(tmp_path: Path, content: str | None, expected: store.Held) -> None:
    file = token_file(tmp_path)
    if content is not None:
        Path(file.path).write_text(content)
        os.chmod(file.path, 0o600)
    assert file.inspect() == expected


def test_missing_directory(tmp_path: Path) -> None:
    exc = store_error(store.TokenFile(str(tmp_path / "gone" / "app.token")).inspect)
    assert (exc.msg_id, exc.fields["directory"]) == ("store.no_directory", str(tmp_path / "gone"))
    assert exc.details == {"token_path": str(tmp_path / "gone" / "app.token")}


def test_a_file_where_the_directory_belongs(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    assert store_error(store.TokenFile(str(tmp_path / "plain" / "app.token")).inspect).msg_id == "store.no_directory"


def test_a_directory_this_user_cannot_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert store_error(token_file(tmp_path).inspect).msg_id == "store.directory_read_only"


def test_a_relative_path_is_refused() -> None:
    assert store_error(lambda: store.TokenFile("relative/app.token")).msg_id == "store.relative"


def test_the_path_is_normalised(tmp_path: Path) -> None:
    assert store.TokenFile(f"{tmp_path}//x/../app.token").path == str(tmp_path / "app.token")


# ---------------------------------------------------------------- owner, group, mode


@pytest.mark.parametrize(
    ("attributes", "msg_id"),
    [({"owner": "no-such-user-oauthkit"}, "store.owner_unknown"), ({"group": "no-such-group-oauthkit"}, "store.group_unknown")],
)
def test_an_unknown_owner_or_group_is_refused_before_anything(tmp_path: Path, attributes: dict[str, str], msg_id: str) -> None:
    exc = store_error(lambda: token_file(tmp_path, **attributes))
    assert exc.msg_id == msg_id
    assert os.listdir(tmp_path) == []
    assert next(iter(attributes.values())) in exc.msg


def test_mode_owner_and_group_are_applied_as_root(tmp_path: Path) -> None:
    assert os.geteuid() == 0, "the unit tests run as root here"
    file = token_file(tmp_path, mode=0o640, owner=NOBODY, group="65534")
    file.write(TOKEN)
    result = os.stat(file.path)
    assert (stat.S_IMODE(result.st_mode), result.st_uid, result.st_gid) == (0o640, 65534, 65534)
    assert file.inspect().attributes_differ is False


def test_attributes_differ_and_apply(tmp_path: Path) -> None:
    path = tmp_path / "app.token"
    path.write_text(f"{TOKEN}\n")
    os.chmod(path, 0o644)
    file = store.TokenFile(str(path), store.Attributes(0o600, owner=NOBODY))
    held = file.inspect()
    assert (held.sha256, held.attributes_differ) == (TOKEN_HASH, True)
    assert file.attributes_differ(os.lstat(path)) is True
    assert file.apply_attributes() is True
    result = os.stat(path)
    assert (stat.S_IMODE(result.st_mode), result.st_uid, result.st_gid) == (0o600, 65534, 0)  # the group was left alone
    assert file.apply_attributes() is False
    assert file.inspect().attributes_differ is False
    assert path.read_text() == f"{TOKEN}\n"


def test_apply_attributes_without_a_file(tmp_path: Path) -> None:
    assert token_file(tmp_path).apply_attributes() is False


def test_apply_attributes_that_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_text(TOKEN)
    os.chmod(file.path, 0o644)

    def broken(fd: int, mode: int) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "fchmod", broken)
    exc = store_error(file.apply_attributes)
    assert (exc.msg_id, exc.fields["reason"]) == ("store.attributes_failed", "Read-only file system")


@pytest.mark.parametrize(
    ("attributes", "msg_id"),
    [({"owner": "0"}, "store.owner_needs_root"), ({"group": "0"}, "store.group_not_member"), ({"owner": "1000", "group": "1000"}, None),
     ({"group": "2000"}, None)],
    ids=["another-owner", "a-group-not-its-own", "its-own-user-and-group", "a-supplementary-group"],
)
def test_a_writer_that_is_not_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, attributes: dict[str, str], msg_id: str | None) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(os, "getegid", lambda: 1000)
    monkeypatch.setattr(os, "getgroups", lambda: [1000, 2000])
    file = token_file(tmp_path, **attributes)
    if msg_id is None:
        assert file.check() is None
        return
    exc = store_error(file.inspect)
    assert exc.msg_id == msg_id
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- removal


def test_remove(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_text(TOKEN)
    assert file.remove() is True
    assert os.listdir(tmp_path) == []
    assert file.remove() is False


def test_remove_that_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_text(TOKEN)

    def broken(path: str) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "unlink", broken)
    exc = store_error(file.remove)
    assert (exc.msg_id, exc.fields["reason"]) == ("store.remove_failed", "Permission denied")


def test_remove_of_a_file_that_vanished_meanwhile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_text(TOKEN)

    def gone(path: str) -> None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(os, "unlink", gone)
    assert file.remove() is False


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = token_file(tmp_path)
    Path(file.path).write_text(TOKEN)
    real_open = os.open

    def denied(path: t.Any, flags: int, *args: t.Any) -> int:
        if str(path) == file.path:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", denied)
    exc = store_error(file.read)
    assert (exc.msg_id, exc.fields["reason"]) == ("store.unreadable", "Permission denied")


# ---------------------------------------------------------------- the lock


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
    holder = os.open(file.lock_path, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        exc = store_error(lambda: file.locked(2.0, clock=clock.time, sleep=clock.sleep).__enter__())
        assert exc.msg_id == "store.lock_timeout"
        assert "longer than 2 s" in exc.msg
        assert 2.0 <= sum(clock.sleeps) <= 2.0 + store.LOCK_POLL_S + 1e-9
    finally:
        os.close(holder)
    with file.locked(2.0):  # free again once the holder is gone
        pass


def test_the_lock_is_never_followed_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("")
    file = token_file(tmp_path)
    os.symlink(victim, file.lock_path)
    exc = store_error(lambda: file.locked(1.0).__enter__())
    assert exc.msg_id == "store.lock_symlink"
    assert file.lock_path in exc.msg


def test_a_fifo_at_the_lock_path_does_not_hang(tmp_path: Path) -> None:
    file = token_file(tmp_path)
    os.mkfifo(file.lock_path)
    result: list[errors.TokenStoreError] = []

    def attempt() -> None:
        try:
            with file.locked(1.0):
                pass
        except errors.TokenStoreError as exc:
            result.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():
        os.close(os.open(file.lock_path, os.O_RDWR | os.O_NONBLOCK))
        pytest.fail("opening a FIFO at the lock path blocked")
    assert [(exc.msg_id, exc.fields["reason"]) for exc in result] == [("store.lock_failed", "not a regular file")]


def test_lock_in_a_missing_directory(tmp_path: Path) -> None:
    exc = store_error(lambda: store.TokenFile(str(tmp_path / "gone" / "app.token")).locked(1.0).__enter__())
    assert exc.msg_id == "store.no_directory"


def test_a_lock_that_cannot_be_created(tmp_path: Path) -> None:
    exc = store_error(lambda: store.hold_lock(str(tmp_path / "gone" / "x.lock"), 1.0).__enter__())
    assert exc.msg_id == "store.lock_failed"
    assert exc.fields["reason"] == "No such file or directory"


def test_seal_is_a_one_time_pad_that_only_its_pad_opens() -> None:
    pad = os.urandom(64)
    sealed = store.seal(TOKEN.encode(), pad)
    assert TOKEN not in sealed and TOKEN.encode().hex() not in sealed
    assert store.unseal(sealed, pad) == TOKEN.encode()
    assert store.unseal(sealed, os.urandom(64)) != TOKEN.encode()
    with pytest.raises(ValueError, match="shorter"):
        store.seal(TOKEN.encode(), pad[:10])
