"""``make bench``, token custody for the custody variants: seed known tokens and their files, check them after a run.

The emulator's config accepts a ``token`` for each seeded authorization (stored only as its SHA-256), so the
steady state with ``token_path`` is set up without running the module: every authorization exists with a token
the runner chose, and the item's file holds that token (mode 0600; on the controller with the lock file
``<file>.lock`` beside it, as an earlier run leaves them; on an SSH host owned by the login user).  After the run,
each file must still hold the seeded token, with mode 0600 (and that owner), and the emulator's ``hashed_token``
for the item's authorization must still be its SHA-256: nothing was rotated or re-created, and every file verifies.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import stat
import typing as t
from pathlib import Path

FILE_MODE = 0o600


def new_tokens(n: int) -> list[str]:
    """One fresh token per item, in GitHub's classic form (40 lowercase hex characters)."""
    return [secrets.token_hex(20) for _index in range(n)]


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def write_token_files(paths: list[Path], tokens: list[str], *, uid: int | None = None, gid: int | None = None) -> None:
    """Each item's token file (0600, the token and a newline) in its emptied folder(s), folders 0700.

    With ``uid`` (a host's login user), the folders and files are given to that user and no lock file is made (a
    remote store's lock is on the controller); else each file gets its empty lock file beside it.
    """
    for folder in {path.parent for path in paths}:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(mode=0o700, parents=True)
        if uid is not None:
            os.chown(folder, uid, -1 if gid is None else gid)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    for path, token in zip(paths, tokens, strict=True):
        with os.fdopen(os.open(path, flags, FILE_MODE), "w", encoding="ascii") as handle:
            handle.write(f"{token}\n")
        if uid is not None:
            os.chown(path, uid, -1 if gid is None else gid)
        else:
            os.close(os.open(f"{path}.lock", flags, FILE_MODE))


def verified_files(paths: list[Path], tokens: list[str], authorizations: list[dict[str, t.Any]], *, uid: int | None = None) -> int:
    """How many items' files still hold their seeded token (mode 0600, owned by ``uid`` if given) whose SHA-256 is the
    emulator's ``hashed_token`` for the item's authorization (fingerprint ``bench-<item>``)."""
    hashes = {entry.get("fingerprint"): entry.get("hashed_token") for entry in authorizations}
    count = 0
    for item, (path, token) in enumerate(zip(paths, tokens, strict=True)):
        try:
            held = path.read_text(encoding="ascii").strip()
            info = path.lstat()
        except (OSError, UnicodeDecodeError):
            continue
        if (held == token and stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == FILE_MODE and uid in (None, info.st_uid)
                and hashes.get(f"bench-{item}") == sha256(held)):
            count += 1
    return count
