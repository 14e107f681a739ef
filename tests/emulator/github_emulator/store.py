"""The store: users and apps from the config, and the runtime :class:`~github_emulator.state.State` behind one lock.

Every public method takes the lock itself. It is re-entrant, so methods may call each other; callers outside this
module never touch the lock or the state directly.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from pathlib import Path
from typing import Any, Optional

from github_emulator.config import AppConfig, Config, UserConfig
from github_emulator.state import Authorization, Grant, State, hash_token, new_token, read_state, write_state


class Store:
    """Users and apps from the config, and the mutable state, optionally persisted to a JSON file."""

    def __init__(self, config: Config, state_path: Optional[Path] = None) -> None:
        self._lock = threading.RLock()
        self.state_path = state_path
        self.config = config
        self.users: dict[str, UserConfig] = {}
        self.apps: dict[str, AppConfig] = {}
        self._state = State()
        with self._lock:
            if state_path is not None and state_path.exists():
                self._apply_config_identities(config)
                self._state = read_state(state_path)
            else:
                self.load(config)

    # ---- loading, resetting, persisting -------------------------------------------------------------

    def _apply_config_identities(self, config: Config) -> None:
        self.config = config
        self.users = {u.login: u for u in config.users}
        self.apps = {a.client_id: a for a in config.apps}

    def load(self, config: Config) -> None:
        """Replace all state with the given config (users, apps and seeded authorizations)."""
        with self._lock:
            self._apply_config_identities(config)
            self._state = State()
            now = time.time()
            for seed in config.authorizations:
                token = None if seed.legacy else seed.token or new_token()
                self._create_locked(
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
            self.save()

    def save(self) -> None:
        """Write the state file (when ``--state`` is set)."""
        if self.state_path is None:
            return
        with self._lock:
            write_state(self.state_path, self._state)

    # ---- queries ------------------------------------------------------------------------------------

    def get_authorization(self, auth_id: int) -> Optional[Authorization]:
        """The authorization with this id, if any."""
        with self._lock:
            return self._state.authorizations.get(auth_id)

    def all_authorizations(self) -> list[Authorization]:
        """Copies of every stored authorization, by id."""
        with self._lock:
            return [dataclasses.replace(self._state.authorizations[auth_id]) for auth_id in sorted(self._state.authorizations)]

    def user_authorizations(self, login: str, client_id: Optional[str] = None) -> list[Authorization]:
        """All of a user's authorizations, oldest first; optionally only those of one app."""
        with self._lock:
            found = [a for a in self._state.authorizations.values() if a.user == login]
            if client_id is not None:
                found = [a for a in found if a.client_id == client_id]
            return sorted(found, key=lambda a: a.id)

    def find_for_app(self, login: str, client_id: str, fingerprint: Optional[str]) -> Optional[Authorization]:
        """The authorization keyed by (user, client_id, fingerprint or None)."""
        with self._lock:
            for auth in self._state.authorizations.values():
                if auth.user == login and auth.client_id == client_id and auth.fingerprint == fingerprint:
                    return auth
            return None

    def find_by_token(self, token: str, client_id: Optional[str] = None) -> Optional[Authorization]:
        """The authorization whose token hashes to the same digest (optionally restricted to one app)."""
        digest = hash_token(token)
        with self._lock:
            for auth in self._state.authorizations.values():
                if auth.hashed_token and secrets.compare_digest(auth.hashed_token, digest) and (client_id is None or auth.client_id == client_id):
                    return auth
            return None

    def personal_note_taken(self, login: str, note: str) -> bool:
        """Whether the user already has a personal token with this note (GitHub requires unique notes there)."""
        with self._lock:
            return any(a.user == login and a.client_id is None and a.note == note for a in self._state.authorizations.values())

    def grant_for(self, login: str, client_id: str) -> Optional[Grant]:
        """The user's grant for an app, if any."""
        with self._lock:
            for grant in self._state.grants.values():
                if grant.user == login and grant.client_id == client_id:
                    return grant
            return None

    def user_grants(self, login: str, client_id: Optional[str] = None) -> list[Grant]:
        """All of a user's grants, oldest first; optionally only the one for an app."""
        with self._lock:
            found = [g for g in self._state.grants.values() if g.user == login and (client_id is None or g.client_id == client_id)]
            return sorted(found, key=lambda g: g.id)

    def user_grant_with_scopes(self, login: str, grant_id: int) -> Optional[tuple[Grant, list[str]]]:
        """The user's grant with this id and the scopes of all its authorizations (each once), or None."""
        with self._lock:
            grant = self._state.grants.get(grant_id)
            if grant is None or grant.user != login:
                return None
            scopes = [scope for auth in self.user_authorizations(grant.user, grant.client_id) for scope in auth.scopes]
            return grant, list(dict.fromkeys(scopes))

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
        """Store a new authorization (the caller holds the lock); ``token`` None seeds a pre-2015 token whose hash GitHub never stored."""
        if auth_id is None or auth_id in self._state.authorizations:
            auth_id = self._state.next_authorization_id
        self._state.next_authorization_id = max(self._state.next_authorization_id, auth_id + 1)
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
        self._state.authorizations[auth.id] = auth
        if client_id is not None and self.grant_for(user, client_id) is None:
            grant = Grant(id=self._state.next_grant_id, user=user, client_id=client_id, created_at=now, updated_at=now)
            self._state.next_grant_id += 1
            self._state.grants[grant.id] = grant
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
        with self._lock:
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

    def create_personal(
        self, *, user: str, fingerprint: Optional[str], scopes: list[str], note: str, note_url: Optional[str]
    ) -> Optional[tuple[Authorization, str]]:
        """Create a personal token, unless the user already has one with this note (then None)."""
        with self._lock:
            if self.personal_note_taken(user, note):
                return None
            return self.create(user=user, client_id=None, fingerprint=fingerprint, scopes=scopes, note=note, note_url=note_url)

    def create_for_app(
        self, *, user: str, client_id: str, fingerprint: Optional[str], scopes: list[str], note: Optional[str], note_url: Optional[str]
    ) -> Optional[tuple[Authorization, str]]:
        """Create an app authorization, unless one exists for (user, client_id, fingerprint) (then None)."""
        with self._lock:
            if self.find_for_app(user, client_id, fingerprint) is not None:
                return None
            return self.create(user=user, client_id=client_id, fingerprint=fingerprint, scopes=scopes, note=note, note_url=note_url)

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
        with self._lock:
            existing = self.find_for_app(user, client_id, fingerprint)
            if existing is not None:
                return existing, None
            return self.create(user=user, client_id=client_id, fingerprint=fingerprint, scopes=scopes, note=note, note_url=note_url)

    def update(self, auth: Authorization, changes: dict[str, Any]) -> Authorization:
        """Apply changes (scopes, note, note_url, fingerprint) to an authorization and bump ``updated_at``."""
        with self._lock:
            for key, value in changes.items():
                setattr(auth, key, value)
            auth.updated_at = time.time()
            self.save()
            return auth

    def update_keeping_notes_unique(self, auth: Authorization, changes: dict[str, Any]) -> bool:
        """Like :meth:`update`, but refuse (False) to give a personal token a note another of the user's personal tokens has."""
        with self._lock:
            note = changes.get("note", auth.note)
            if auth.client_id is None and "note" in changes and note != auth.note and note and self.personal_note_taken(auth.user, note):
                return False
            self.update(auth, changes)
            return True

    def update_by_id(self, auth_id: int, changes: dict[str, Any]) -> Optional[Authorization]:
        """Apply changes to the authorization with this id; return a copy of it, or None if there is none."""
        with self._lock:
            auth = self._state.authorizations.get(auth_id)
            if auth is None:
                return None
            return dataclasses.replace(self.update(auth, changes))

    def reset_token(self, auth: Authorization) -> str:
        """Give the authorization a new token at once (the old one stops working); return the new token."""
        token = new_token()
        with self._lock:
            auth.set_token(token)
            auth.updated_at = time.time()
            self.save()
        return token

    def _drop_grant_if_empty_locked(self, login: str, client_id: Optional[str]) -> None:
        if client_id is None:
            return
        if any(a.user == login and a.client_id == client_id for a in self._state.authorizations.values()):
            return
        grant = self.grant_for(login, client_id)
        if grant is not None:
            del self._state.grants[grant.id]

    def delete(self, auth_id: int) -> bool:
        """Delete one authorization; return False if it did not exist."""
        with self._lock:
            auth = self._state.authorizations.pop(auth_id, None)
            if auth is None:
                return False
            self._drop_grant_if_empty_locked(auth.user, auth.client_id)
            self.save()
            return True

    def delete_grant(self, grant: Grant) -> None:
        """Delete a grant and every authorization of that app for that user."""
        with self._lock:
            for auth in list(self._state.authorizations.values()):
                if auth.user == grant.user and auth.client_id == grant.client_id:
                    del self._state.authorizations[auth.id]
            self._state.grants.pop(grant.id, None)
            self.save()

    def delete_user_grant(self, login: str, grant_id: int) -> bool:
        """Delete the user's grant with this id (and its authorizations); False if the user has no such grant."""
        with self._lock:
            grant = self._state.grants.get(grant_id)
            if grant is None or grant.user != login:
                return False
            self.delete_grant(grant)
            return True

    def revoke_grant_of(self, auth: Authorization, client_id: str) -> None:
        """Delete the user's grant for the app holding ``auth``, with all its authorizations (or ``auth`` alone if there is no grant)."""
        with self._lock:
            grant = self.grant_for(auth.user, client_id)
            if grant is not None:
                self.delete_grant(grant)
            else:
                self.delete(auth.id)
