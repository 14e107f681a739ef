# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Token custody on disk: read, verify against ``hashed_token``, write atomically, and serialise runs with a lock.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

The file holds the token alone, with a trailing newline.  A write goes to a temporary
file in the same directory, then ``atomic_move`` (the module's) renames it over the
path, so a reader sees the old file or the new one, never a part of one.  The lock is
a second file next to the token (``<token_path>.lock``) held with ``fcntl.flock``.
Nothing here ever puts a token into an exception message.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import tempfile
import time
import typing as t

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors

CREATED = "created"
VERIFIED = "verified"
ROTATED = "rotated"
MISSING = "missing"
MISMATCH = "mismatch"
LOCK_POLL_S = 0.05
DEFAULT_MODE = 0o600


def token_hash(token: str) -> str:
    """GitHub's ``hashed_token``: the lowercase hex SHA-256 of the token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class TokenFile:
    """One token file.  ``atomic_move(src, dest)`` is the module's, so that attributes and SELinux contexts are handled as Ansible does."""

    def __init__(self, path: str, *, atomic_move: t.Callable[[str, str], None]) -> None:
        self.path = os.path.abspath(path)
        self._atomic_move = atomic_move

    @property
    def lock_path(self) -> str:
        return f"{self.path}.lock"

    def read(self) -> str | None:
        """The stored token, or None when there is no file or it is empty."""
        try:
            with open(self.path, encoding="ascii", errors="replace") as handle:
                token = handle.read().strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise errors.TokenStoreError(f"token_path {self.path} could not be read ({exc.strerror}).", token_path=self.path) from None
        return token or None

    def status(self, hashed_token: str | None) -> str:
        """``verified``, ``missing`` (no file, or empty) or ``mismatch`` (another token, or no hash to compare with)."""
        token = self.read()
        if token is None:
            return MISSING
        return VERIFIED if hashed_token and token_hash(token) == hashed_token.lower() else MISMATCH

    def write(self, token: str) -> None:
        """Store the token atomically; on any failure no temporary file is left behind, and TokenStoreError says why."""
        directory = os.path.dirname(self.path)
        tmp = placeholder = None
        try:
            if not os.path.lexists(self.path):
                # atomic_move gives a new file 0666 & ~umask; an empty 0600 file in its place keeps the token's mode 0600 throughout.
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DEFAULT_MODE))
                placeholder = self.path
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(self.path)}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                os.fchmod(handle.fileno(), DEFAULT_MODE)
                handle.write(f"{token}\n")
                handle.flush()
                os.fsync(handle.fileno())
            self._atomic_move(tmp, self.path)
            tmp = placeholder = None
        except OSError as exc:
            raise errors.TokenStoreError(
                f"the token could not be written to {self.path} ({exc.strerror or exc.__class__.__name__}).", token_path=self.path
            ) from None
        finally:
            for leftover in (tmp, placeholder):
                if leftover is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(leftover)

    @contextlib.contextmanager
    def locked(self, timeout: float, *, clock: t.Callable[[], float] = time.monotonic, sleep: t.Callable[[float], None] = time.sleep) -> t.Iterator[None]:
        """Hold ``<token_path>.lock`` for the block; wait for another run at most ``timeout`` seconds."""
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, DEFAULT_MODE)
        except OSError as exc:
            raise errors.TokenStoreError(
                f"the lock file {self.lock_path} could not be created ({exc.strerror}): the directory of token_path must exist "
                "and be writable.",
                token_path=self.path,
            ) from None
        try:
            deadline = clock() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                if clock() >= deadline:
                    raise errors.TokenStoreError(
                        f"another run holds {self.lock_path} for longer than {timeout:g} s (timeout); run again when it is done.",
                        token_path=self.path,
                    )
                sleep(LOCK_POLL_S)
            yield
        finally:
            os.close(fd)
