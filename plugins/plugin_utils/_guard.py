# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The per-account guard: at most one failed login per account (API URL and username) per playbook run.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

Every host's task runs in its own forked worker, so the guard lives in files, in a folder
of the run on the controller (inside ansible-core's ``DEFAULT_LOCAL_TMP``, which every worker
of one run shares and which is removed when the run ends).  Until the run knows whether an
account's credentials work, the first request for it holds ``<key>.lock``; the others wait
for it, then go on (``<key>.state`` says ``accepted``) or fail at once with the first
failure's message (``rejected``).  A rejection after the account was accepted is recorded
as well, so every later login of the account in the run fails at once.  The key is a hash of the API URL and the username; no
password, nor a hash of one, is ever written there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import typing as t

from ansible_collections.oauthkit.github.plugins.module_utils import _api
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import flock_within


def run_folder() -> str:
    """The guard's folder in this run's local temporary folder (created by ansible-core in the main process, shared by its workers)."""
    from ansible import constants as C  # noqa: PLC0415 - the controller's configuration, loaded once per run

    return os.path.join(C.DEFAULT_LOCAL_TMP, "oauthkit-github-guard")


def lock_folder() -> str:
    """A folder for locks that every run of this user on this controller shares: beside the runs' local temporary folders."""
    from ansible import constants as C  # noqa: PLC0415

    return os.path.join(os.path.dirname(os.path.normpath(C.DEFAULT_LOCAL_TMP)), "oauthkit-github-locks")


class FileGuard:
    """The guard of one account, shared by the workers of a run through ``folder``."""

    def __init__(  # noqa: PLR0913 - keyword-only clock and sleep for the tests
        self,
        folder: str,
        api_url: str,
        username: str,
        *,
        wait: float,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        key = hashlib.sha256(f"{api_url}\0{username}".encode()).hexdigest()[:32]
        self._folder = folder
        self._state = os.path.join(folder, f"{key}.state")
        self._lock = os.path.join(folder, f"{key}.lock")
        self._api_url = api_url
        self._login = username
        self._wait = wait
        self._clock = clock
        self._sleep = sleep
        self._fd: int | None = None
        self._accepted = False

    def _read(self) -> dict[str, t.Any]:
        try:
            with open(self._state, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, t.Any]) -> None:
        os.makedirs(self._folder, mode=0o700, exist_ok=True)
        tmp = f"{self._state}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, self._state)

    def _settle(self, data: dict[str, t.Any]) -> bool:
        """True when the state decides: accepted (go on), or rejected (raise LoginRefused)."""
        if data.get("verdict") == _api.ACCEPTED:
            self._accepted = True
            return True
        if data.get("verdict") == _api.REJECTED:
            raise errors.LoginRefused("guard.refused", {"api_url": self._api_url, "login": self._login, "first": data.get("message", "")})
        return False

    def proven(self) -> bool:
        if not self._accepted:
            self._accepted = self._read().get("verdict") == _api.ACCEPTED
        return self._accepted

    def before(self) -> None:
        if self._settle(self._read()):
            return
        os.makedirs(self._folder, mode=0o700, exist_ok=True)
        fd = os.open(self._lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            if not flock_within(fd, self._wait, clock=self._clock, sleep=self._sleep):
                raise errors.LoginRefused("guard.wait_timeout", {"api_url": self._api_url, "login": self._login, "seconds": self._wait})
            if self._settle(self._read()):  # the first request of another worker decided while this one waited
                os.close(fd)
                return
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def after(self, verdict: str, message: str = "") -> None:
        try:
            if verdict == _api.ACCEPTED:
                self._accepted = True
                if self._fd is not None:
                    self._write({"verdict": _api.ACCEPTED})
            elif verdict == _api.REJECTED:
                # Also after the account was accepted earlier in the run (then no lock is held): at most one failed login per
                # account per run, so a later "Bad credentials" or lockout stops every later login of the account too.
                self._accepted = False
                self._write({"verdict": _api.REJECTED, "message": message})
        finally:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = None
