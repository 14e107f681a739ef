"""The emulator's state: authorizations and grants, guarded by one lock, optionally persisted to a JSON file.

Tokens are never stored in plain text: only ``hashed_token`` (SHA-256 hex digest) and ``token_last_eight``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from github_emulator.config import AppConfig, Config, UserConfig

FIRST_AUTHORIZATION_ID = 1001
FIRST_GRANT_ID = 501
STATE_VERSION = 1


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


class Store:
    """Users and apps from the config, and the mutable :class:`State`. All access goes through :attr:`lock`."""

    def __init__(self, config: Config, state_path: Optional[Path] = None) -> None:
        self.lock = threading.RLock()
        self.state_path = state_path
        self.config = config
        self.users: dict[str, UserConfig] = {}
        self.apps: dict[str, AppConfig] = {}
        self.state = State()
        with self.lock:
            if state_path is not None and state_path.exists():
                self._apply_config_identities(config)
                self.state = self._read_state(state_path)
            else:
                self.load(config)

    # ---- loading, resetting, persisting -------------------------------------------------------------

    def _apply_config_identities(self, config: Config) -> None:
        self.config = config
        self.users = {u.login: u for u in config.users}
        self.apps = {a.client_id: a for a in config.apps}

    def load(self, config: Config) -> None:
        """Replace all state with the given config (users, apps and seeded authorizations)."""
        with self.lock:
            self._apply_config_identities(config)
            self.state = State()
            now = time.time()
            for seed in config.authorizations:
                token = None if seed.legacy else seed.token or new_token()
                auth = self._create_locked(
                    user=seed.user,
                    client_id=seed.client_id,
                    fingerprint=seed.fingerprint,
                    scopes=seed.scopes,
                    note=seed.note,
                    note_url=seed.note_url,
                    token=token,
                    now=now,
                    auth_id=seed.id,
                )
                del auth
            self.save()

    def _read_state(self, path: Path) -> State:
        raw = json.loads(path.read_text(encoding="utf-8"))
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

    def save(self) -> None:
        """Write the state file atomically (temporary file in the same directory, then ``os.replace``)."""
        if self.state_path is None:
            return
        with self.lock:
            payload = {
                "version": STATE_VERSION,
                "next_authorization_id": self.state.next_authorization_id,
                "next_grant_id": self.state.next_grant_id,
                "authorizations": [asdict(a) for a in self.state.authorizations.values()],
                "grants": [asdict(g) for g in self.state.grants.values()],
            }
            directory = self.state_path.parent
            fd, tmp_name = tempfile.mkstemp(prefix=f".{self.state_path.name}.", suffix=".tmp", dir=directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(payload, handle, indent=1, sort_keys=True)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp_name, self.state_path)
            except BaseException:
                if os.path.exists(tmp_name):
                    os.unlink(tmp_name)
                raise

    # ---- queries (call with the lock held) ----------------------------------------------------------

    def user_authorizations(self, login: str, client_id: Optional[str] = None) -> list[Authorization]:
        """All of a user's authorizations, oldest first; optionally only those of one app."""
        with self.lock:
            found = [a for a in self.state.authorizations.values() if a.user == login]
            if client_id is not None:
                found = [a for a in found if a.client_id == client_id]
            return sorted(found, key=lambda a: a.id)

    def find_for_app(self, login: str, client_id: str, fingerprint: Optional[str]) -> Optional[Authorization]:
        """The authorization keyed by (user, client_id, fingerprint or None)."""
        with self.lock:
            for auth in self.state.authorizations.values():
                if auth.user == login and auth.client_id == client_id and auth.fingerprint == fingerprint:
                    return auth
            return None

    def find_by_token(self, token: str, client_id: Optional[str] = None) -> Optional[Authorization]:
        """The authorization whose token hashes to the same digest (optionally restricted to one app)."""
        digest = hash_token(token)
        with self.lock:
            for auth in self.state.authorizations.values():
                if auth.hashed_token and secrets.compare_digest(auth.hashed_token, digest) and (client_id is None or auth.client_id == client_id):
                    return auth
            return None

    def personal_note_taken(self, login: str, note: str) -> bool:
        """Whether the user already has a personal token with this note (GitHub requires unique notes there)."""
        with self.lock:
            return any(a.user == login and a.client_id is None and a.note == note for a in self.state.authorizations.values())

    def grant_for(self, login: str, client_id: str) -> Optional[Grant]:
        """The user's grant for an app, if any."""
        with self.lock:
            for grant in self.state.grants.values():
                if grant.user == login and grant.client_id == client_id:
                    return grant
            return None

    def user_grants(self, login: str, client_id: Optional[str] = None) -> list[Grant]:
        """All of a user's grants, oldest first; optionally only the one for an app."""
        with self.lock:
            found = [g for g in self.state.grants.values() if g.user == login and (client_id is None or g.client_id == client_id)]
            return sorted(found, key=lambda g: g.id)

    # ---- mutations ----------------------------------------------------------------------------------

    def _create_locked(
        self,
        *,
        user: str,
        client_id: Optional[str],
        fingerprint: Optional[str],
        scopes: list[str],
        note: Optional[str],
        note_url: Optional[str],
        token: Optional[str],
        now: float,
        auth_id: Optional[int] = None,
    ) -> Authorization:
        """Store a new authorization; ``token`` None seeds a pre-2015 token whose hash GitHub never stored."""
        if auth_id is None or auth_id in self.state.authorizations:
            auth_id = self.state.next_authorization_id
        self.state.next_authorization_id = max(self.state.next_authorization_id, auth_id + 1)
        auth = Authorization(
            id=auth_id,
            user=user,
            client_id=client_id,
            fingerprint=fingerprint,
            scopes=list(scopes),
            note=note,
            note_url=note_url,
            hashed_token="",
            token_last_eight="",
            created_at=now,
            updated_at=now,
        )
        if token is not None:
            auth.set_token(token)
        self.state.authorizations[auth.id] = auth
        if client_id is not None and self.grant_for(user, client_id) is None:
            grant = Grant(id=self.state.next_grant_id, user=user, client_id=client_id, created_at=now, updated_at=now)
            self.state.next_grant_id += 1
            self.state.grants[grant.id] = grant
        return auth

    def create(
        self,
        *,
        user: str,
        client_id: Optional[str],
        fingerprint: Optional[str],
        scopes: list[str],
        note: Optional[str],
        note_url: Optional[str],
    ) -> tuple[Authorization, str]:
        """Create an authorization; return it with its plain-text token (the only time the token exists)."""
        token = new_token()
        with self.lock:
            auth = self._create_locked(
                user=user,
                client_id=client_id,
                fingerprint=fingerprint,
                scopes=scopes,
                note=note,
                note_url=note_url,
                token=token,
                now=time.time(),
            )
            self.save()
        return auth, token

    def get_or_create(
        self,
        *,
        user: str,
        client_id: str,
        fingerprint: Optional[str],
        scopes: list[str],
        note: Optional[str],
        note_url: Optional[str],
    ) -> tuple[Authorization, Optional[str]]:
        """Atomically find the (user, client_id, fingerprint) authorization or create it.

        Returns the authorization and the new token, or None as the token when it already existed (unchanged).
        """
        with self.lock:
            existing = self.find_for_app(user, client_id, fingerprint)
            if existing is not None:
                return existing, None
            return self.create(user=user, client_id=client_id, fingerprint=fingerprint, scopes=scopes, note=note, note_url=note_url)

    def update(self, auth: Authorization, changes: dict[str, Any]) -> Authorization:
        """Apply changes (scopes, note, note_url, fingerprint) to an authorization and bump ``updated_at``."""
        with self.lock:
            for key, value in changes.items():
                setattr(auth, key, value)
            auth.updated_at = time.time()
            self.save()
            return auth

    def reset_token(self, auth: Authorization) -> str:
        """Give the authorization a new token at once (the old one stops working); return the new token."""
        token = new_token()
        with self.lock:
            auth.set_token(token)
            auth.updated_at = time.time()
            self.save()
        return token

    def _drop_grant_if_empty_locked(self, login: str, client_id: Optional[str]) -> None:
        if client_id is None:
            return
        if any(a.user == login and a.client_id == client_id for a in self.state.authorizations.values()):
            return
        grant = self.grant_for(login, client_id)
        if grant is not None:
            del self.state.grants[grant.id]

    def delete(self, auth_id: int) -> bool:
        """Delete one authorization; return False if it did not exist."""
        with self.lock:
            auth = self.state.authorizations.pop(auth_id, None)
            if auth is None:
                return False
            self._drop_grant_if_empty_locked(auth.user, auth.client_id)
            self.save()
            return True

    def delete_grant(self, grant: Grant) -> None:
        """Delete a grant and every authorization of that app for that user."""
        with self.lock:
            for auth in list(self.state.authorizations.values()):
                if auth.user == grant.user and auth.client_id == grant.client_id:
                    del self.state.authorizations[auth.id]
            self.state.grants.pop(grant.id, None)
            self.save()
