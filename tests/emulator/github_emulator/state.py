"""The emulator's runtime state (authorizations, grants, id counters) and its JSON file for ``--state``.

Tokens are never kept in plain text: only ``hashed_token`` (SHA-256 hex digest) and ``token_last_eight``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

FIRST_AUTHORIZATION_ID = 1001
FIRST_GRANT_ID = 501
STATE_VERSION = 1  # the format of the state file; a file of another version is refused


class StateFileError(ValueError):
    """The state file cannot be used."""


def new_token() -> str:
    """Return a new token: 40 lowercase hex characters, like GitHub's classic OAuth tokens."""
    return secrets.token_hex(20)


def hash_token(token: str) -> str:
    """Return GitHub's ``hashed_token``: the lowercase hex SHA-256 digest of the token's ASCII string."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class Authorization:
    """One stored authorization (an OAuth access). ``client_id`` None means a personal token."""

    id: int
    user: str
    client_id: Optional[str]
    fingerprint: Optional[str]
    scopes: list[str]
    note: Optional[str]
    note_url: Optional[str]
    hashed_token: str  # "" for seeded pre-2015 tokens, shown as null like GitHub did
    token_last_eight: str
    created_at: float
    updated_at: float

    def set_token(self, token: str) -> None:
        """Replace the token, keeping only its hash and last eight characters."""
        self.hashed_token = hash_token(token)
        self.token_last_eight = token[-8:]


@dataclass
class Grant:
    """One grant: the user's authorization of an OAuth app, holding the app's authorizations for that user."""

    id: int
    user: str
    client_id: str
    created_at: float
    updated_at: float


@dataclass
class State:
    """Everything that changes at runtime and is persisted with ``--state``."""

    authorizations: dict[int, Authorization] = field(default_factory=dict)
    grants: dict[int, Grant] = field(default_factory=dict)
    next_authorization_id: int = FIRST_AUTHORIZATION_ID
    next_grant_id: int = FIRST_GRANT_ID


def read_state(path: Path) -> State:
    """Load a state file written by :func:`write_state`; refuse one of another ``version``."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
        found = raw.get("version") if isinstance(raw, dict) else None
        raise StateFileError(f"state file {path} has version {found!r}; this emulator reads version {STATE_VERSION}")
    state = State(
        next_authorization_id=int(raw.get("next_authorization_id", FIRST_AUTHORIZATION_ID)),
        next_grant_id=int(raw.get("next_grant_id", FIRST_GRANT_ID)),
    )
    for item in raw.get("authorizations", []):
        auth = Authorization(**item)
        state.authorizations[auth.id] = auth
    for item in raw.get("grants", []):
        grant = Grant(**item)
        state.grants[grant.id] = grant
    return state


def write_state(path: Path, state: State) -> None:
    """Write the state file atomically (a temporary file in the same directory, then ``os.replace``)."""
    payload = {
        "version": STATE_VERSION,
        "next_authorization_id": state.next_authorization_id,
        "next_grant_id": state.next_grant_id,
        "authorizations": [asdict(a) for a in state.authorizations.values()],
        "grants": [asdict(g) for g in state.grants.values()],
    }
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
