"""``make bench``, token custody for the ``custody`` variant: seed known tokens and their files, check them after a run.

The emulator's config accepts a ``token`` for each seeded authorization (stored only as its SHA-256), so the
steady state with ``token_path`` is set up without running the module: every authorization exists with a token
the runner chose, and ``<bench_token_dir>/<item>.token`` holds that token (mode 0600, with the lock file
``<item>.token.lock`` beside it, as an earlier run leaves them).  After the run, each file must still hold the
seeded token, with mode 0600, and the emulator's ``hashed_token`` for the item's authorization must still be
its SHA-256: nothing was rotated or re-created, and every file verifies.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import stat
import typing as t
from pathlib import Path

TOKEN_DIR = "tokens"  # noqa: S105 - a directory name; under the run's work directory; the playbooks get it as bench_token_dir
FILE_MODE = 0o600


def new_tokens(n: int) -> list[str]:
    """One fresh token per item, in GitHub's classic form (40 lowercase hex characters)."""
    return [secrets.token_hex(20) for _index in range(n)]


def token_file(directory: Path, item: int) -> Path:
    """Must match ``token_path: "{{ bench_token_dir }}/{{ item }}.token"`` in tests/bench/custody.yml."""
    return directory / f"{item}.token"


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def write_token_files(directory: Path, tokens: list[str]) -> None:
    """An empty directory holding each item's token file (0600, the token and a newline) and its lock file."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for item, token in enumerate(tokens):
        path = token_file(directory, item)
        with os.fdopen(os.open(path, flags, FILE_MODE), "w", encoding="ascii") as handle:
            handle.write(f"{token}\n")
        os.close(os.open(f"{path}.lock", flags, FILE_MODE))


def verified_files(directory: Path, tokens: list[str], authorizations: list[dict[str, t.Any]]) -> int:
    """How many items still hold their seeded token (mode 0600) whose SHA-256 is the emulator's ``hashed_token`` for the item."""
    hashes = {entry.get("fingerprint"): entry.get("hashed_token") for entry in authorizations}
    count = 0
    for item, token in enumerate(tokens):
        path = token_file(directory, item)
        try:
            held = path.read_text(encoding="ascii").strip()
            mode = stat.S_IMODE(path.stat().st_mode)
        except (OSError, UnicodeDecodeError):
            continue
        if held == token and mode == FILE_MODE and hashes.get(f"bench-{item}") == sha256(held):
            count += 1
    return count
