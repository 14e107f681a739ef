# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A token file: inspect it, read it (bounded), hash it, write it atomically, remove it, and lock it.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

Only Python's standard library is used, because the same code runs in the controller's
process (a local token file) and, through the ``oauthkit.github.token_file`` module, on a
managed host that has nothing but Python 3.8 or later.

Outside Ansible's own 0700 temporary folder, the token only ever sits in a file that this
run created: ``O_CREAT | O_EXCL | O_NOFOLLOW``, mode 0600 (or the mode asked for), owner
and group set before the token is written, then renamed over the target.  The target's
old mode and owner are never copied.  The target must be a regular file or absent; reads
are bounded and never block on a FIFO.  Nothing here puts a token into a message.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import grp
import hashlib
import os
import pwd
import secrets
import stat
import time
import typing as t

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors

DEFAULT_MODE = 0o600
MAX_BYTES = 4096  # a token is 40 to 255 printable characters; a bigger file holds something else
LOCK_POLL_S = 0.05
LOCK_SUFFIX = ".lock"


def seal(data: bytes, pad: bytes) -> str:
    """``data`` XOR a one-time pad of at least its length, in hex: what the host module returns for the token it read, so that
    its output (which ``-vvv`` prints) holds no token; only the controller, which made the pad, can open it."""
    if len(pad) < len(data):
        raise ValueError("the pad is shorter than the data")
    return bytes(byte ^ key for byte, key in zip(data, pad)).hex()


def unseal(sealed: str, pad: bytes) -> bytes:
    """The data that ``seal`` sealed with this pad."""
    data = bytes.fromhex(sealed)
    return bytes(byte ^ key for byte, key in zip(data, pad[: len(data)]))


def token_hash(token: str) -> str:
    """GitHub's ``hashed_token``: the lowercase hex SHA-256 of the token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@dataclasses.dataclass(frozen=True)
class Attributes:
    """The mode, owner and group the token file must have; None for owner or group: leave it as the writer makes it."""

    mode: int = DEFAULT_MODE
    owner: str | None = None
    group: str | None = None


@dataclasses.dataclass(frozen=True)
class Held:
    """What a store holds: the SHA-256 of its token (None when there is none), whether the file's attributes differ, and whether
    there is a file at all (an empty one holds no token)."""

    sha256: str | None
    attributes_differ: bool = False
    exists: bool = False


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


class TokenFile:
    """One token file at an absolute path, with the attributes it must have.

    ``option`` is the option that names the file in messages (``token_path``, or ``vault_path`` for a vault file), ``machine``
    where it is (``the task's host``, ``the controller``), and ``become_helps`` whether the advice may suggest become.
    """

    def __init__(self, path: str, attributes: Attributes | None = None, *, option: str = "token_path", machine: str = "the task's host",
                 become_helps: bool = True) -> None:
        self._context = {"option": option, "machine": machine, "become_hint": "use become, or " if become_helps else ""}
        if not os.path.isabs(path):
            raise errors.TokenStoreError("store.relative", fields={"path": path, **self._context})
        self.path = os.path.normpath(path)
        self.attributes = attributes or Attributes()
        self._uid = self._id(self.attributes.owner, pwd.getpwnam, "pw_uid", "store.owner_unknown", "owner_name")
        self._gid = self._id(self.attributes.group, grp.getgrnam, "gr_gid", "store.group_unknown", "group_name")

    def _id(self, name: str | None, lookup: t.Callable[[str], t.Any], field: str, msg_id: str, key: str) -> int:
        if name is None:
            return -1
        try:
            return int(name) if name.isdigit() else int(getattr(lookup(name), field))
        except KeyError:
            raise errors.TokenStoreError(msg_id, fields={key: name, **self._context}) from None

    @property
    def lock_path(self) -> str:
        return f"{self.path}{LOCK_SUFFIX}"

    def _fail(self, msg_id: str, **fields: t.Any) -> t.NoReturn:
        raise errors.TokenStoreError(msg_id, fields={"path": self.path, **self._context, **fields}, token_path=self.path)

    def _check_target(self) -> os.stat_result | None:
        """The target's lstat, or None when absent; refuses anything but a regular file and a directory it cannot write in."""
        directory = os.path.dirname(self.path)
        try:
            dir_stat = os.stat(directory)
        except FileNotFoundError:
            self._fail("store.no_directory", directory=directory)
        except OSError as exc:
            self._fail("store.directory_unusable", directory=directory, reason=_reason(exc))
        if not stat.S_ISDIR(dir_stat.st_mode):
            self._fail("store.no_directory", directory=directory)
        if not os.access(directory, os.W_OK | os.X_OK):
            self._fail("store.directory_read_only", directory=directory)
        try:
            target = os.lstat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._fail("store.unreadable", reason=_reason(exc))
        if stat.S_ISDIR(target.st_mode):
            self._fail("store.is_directory")
        if not stat.S_ISREG(target.st_mode):
            self._fail("store.special_file", kind=_kind(target.st_mode))
        return target

    def _check_ownership(self) -> None:
        """A writer that is not root can give the file only its own user and one of its groups."""
        if os.geteuid() == 0:
            return
        if self._uid not in (-1, os.geteuid()):
            self._fail("store.owner_needs_root", owner_name=self.attributes.owner)
        if self._gid not in (-1, *os.getgroups(), os.getegid()):
            self._fail("store.group_not_member", group_name=self.attributes.group)

    def _attributes_differ(self, target: os.stat_result) -> bool:
        return (
            stat.S_IMODE(target.st_mode) != self.attributes.mode
            or self._uid not in (-1, target.st_uid)
            or self._gid not in (-1, target.st_gid)
        )

    def read(self) -> str | None:
        """The stored token, or None when there is no file or it is empty.  Never blocks, never reads more than MAX_BYTES."""
        data = self.read_bytes(MAX_BYTES)
        if data is None:
            return None
        token = data.decode("ascii", "replace").strip()
        return token or None

    def read_bytes(self, limit: int) -> bytes | None:
        """The file's content, or None when there is none; refuses anything but a regular file, and a file over ``limit`` bytes."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self._fail("store.special_file", kind="symbolic link")
            self._fail("store.unreadable", reason=_reason(exc))
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                self._fail("store.special_file", kind=_kind(mode))
            chunks = []
            size = 0
            while size <= limit:
                chunk = os.read(fd, limit + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError as exc:
            self._fail("store.unreadable", reason=_reason(exc))
        finally:
            os.close(fd)
        if size > limit:
            self._fail("store.too_big", limit=limit)
        return b"".join(chunks)

    def check(self) -> os.stat_result | None:
        """Every check that tells whether a token can be kept here (raises TokenStoreError if not); the file's lstat, None if absent."""
        target = self._check_target()
        self._check_ownership()
        return target

    def attributes_differ(self, target: os.stat_result) -> bool:
        return self._attributes_differ(target)

    def inspect(self) -> Held:
        """What the file holds, after every check that tells whether a token can be kept here; raises TokenStoreError if not."""
        target = self.check()
        if target is None:
            return Held(None)
        token = self.read()
        return Held(token_hash(token) if token else None, self._attributes_differ(target), exists=True)

    def write(self, token: str) -> None:
        """Store the token alone, with a trailing newline (see ``write_bytes``)."""
        self.write_bytes(f"{token}\n".encode("ascii"))

    def write_bytes(self, data: bytes) -> None:
        """Store data atomically with the file's attributes; on any failure nothing new is left behind and the target is unchanged."""
        directory, name = os.path.split(self.path)
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_NOCTTY, DEFAULT_MODE)
        except OSError as exc:
            self._fail("store.write_failed", reason=_reason(exc))
        try:
            try:
                if self._uid != -1 or self._gid != -1:
                    os.fchown(fd, self._uid, self._gid)
                os.fchmod(fd, self.attributes.mode)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except BaseException:
                with contextlib.suppress(OSError):
                    os.close(fd)
                raise
            os.rename(tmp, self.path)
        except Exception as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            self._fail("store.write_failed", reason=_reason(exc) if isinstance(exc, OSError) else exc.__class__.__name__)
        _sync_directory(directory)

    def remove(self) -> bool:
        """Remove the file (not a directory or special file); False when there was none."""
        if self._check_target() is None:
            return False
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            self._fail("store.remove_failed", reason=_reason(exc))
        _sync_directory(os.path.dirname(self.path))
        return True

    def apply_attributes(self) -> bool:
        """Give the existing file its mode, owner and group; True when something changed."""
        target = self._check_target()
        if target is None or not self._attributes_differ(target):
            return False
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError as exc:
            self._fail("store.attributes_failed", reason=_reason(exc))
        try:
            os.fchown(fd, self._uid, self._gid)
            os.fchmod(fd, self.attributes.mode)
        except OSError as exc:
            self._fail("store.attributes_failed", reason=_reason(exc))
        finally:
            os.close(fd)
        return True

    @contextlib.contextmanager
    def locked(
        self, timeout: float, *, clock: t.Callable[[], float] = time.monotonic, sleep: t.Callable[[float], None] = time.sleep
    ) -> t.Iterator[None]:
        """Hold ``<path>.lock`` (never through a symbolic link) for the block; wait for another run at most ``timeout`` seconds.
        The directory is checked first, so that a missing one is named as such."""
        self._check_target()
        with hold_lock(self.lock_path, timeout, clock=clock, sleep=sleep, subject=self.path, option=str(self._context["option"])):
            yield


def flock_within(fd: int, timeout: float, *, clock: t.Callable[[], float] = time.monotonic, sleep: t.Callable[[float], None] = time.sleep) -> bool:
    """Take an exclusive ``flock`` on fd, polling for at most ``timeout`` seconds; False when another holder kept it that long."""
    deadline = clock() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if clock() >= deadline:
            return False
        sleep(LOCK_POLL_S)


@contextlib.contextmanager
def hold_lock(  # noqa: PLR0913 - keyword-only: the clock for the tests, and how messages name the lock
    lock_path: str,
    timeout: float,
    *,
    clock: t.Callable[[], float] = time.monotonic,
    sleep: t.Callable[[float], None] = time.sleep,
    subject: str | None = None,
    option: str = "token_path",
    failed_id: str = "store.lock_failed",
) -> t.Iterator[None]:
    """An exclusive ``flock`` on lock_path, created 0600 if missing and never followed through a symbolic link.

    ``failed_id`` is the message when the lock file cannot be opened (a lock beside the token, or one on the controller).
    """
    fields = {"lock_path": lock_path, "path": subject or lock_path, "seconds": timeout, "option": option}
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, DEFAULT_MODE)
    except OSError as exc:
        msg_id = "store.lock_symlink" if exc.errno == errno.ELOOP else failed_id
        raise errors.TokenStoreError(msg_id, fields={**fields, "reason": _reason(exc)}, token_path=subject) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise errors.TokenStoreError(failed_id, fields={**fields, "reason": "not a regular file"}, token_path=subject)
        try:
            acquired = flock_within(fd, timeout, clock=clock, sleep=sleep)
        except OSError as exc:
            raise errors.TokenStoreError(failed_id, fields={**fields, "reason": _reason(exc)}, token_path=subject) from None
        if not acquired:
            raise errors.TokenStoreError("store.lock_timeout", fields=fields, token_path=subject)
        yield
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISLNK, "symbolic link"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "directory"))
    return next((name for test, name in kinds if test(mode)), "special file")


def _sync_directory(directory: str) -> None:
    """Make a rename or removal durable; a file system that cannot sync a directory is no reason to fail."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
