"""Authentication: Basic (login:password or client_id:client_secret), token auth, lockout, and 2FA (TOTP via pyotp)."""

from __future__ import annotations

import base64
import hmac
import threading
import time
from dataclasses import dataclass
from typing import Optional

import pyotp
from werkzeug.wrappers import Request, Response

from github_emulator import responses
from github_emulator.config import AppConfig, UserConfig
from github_emulator.faults import FaultQueue
from github_emulator.state import Authorization
from github_emulator.store import Store

OTP_MODES = ("reuse", "strict")


class TOTP(pyotp.TOTP):
    """pyotp's TOTP, accepting the 80-bit (16 base32 characters) seeds GitHub issues.

    Recent pyotp releases (2.12 here) refuse secrets shorter than 112 bits, but GitHub's seeds, and the documented demo seed
    ``JBSWY3DPEHPK3PXP``, are 80 bits. Only the key decoding is relaxed; code generation is pyotp's.
    """

    def byte_secret(self) -> bytes:
        """Decode the base32 secret without pyotp's minimum-length policy."""
        secret = self.secret.replace(" ", "").upper()
        return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


@dataclass
class Principal:
    """Who a request authenticated as: a user (``login``) or an OAuth app (``app``); ``token`` is set for token auth."""

    login: Optional[str] = None
    app: Optional[AppConfig] = None
    token: Optional[Authorization] = None


class Authenticator:
    """Checks credentials and 2FA codes; tracks failed logins (lockout), the TOTP clock offset and the OTP mode.

    ``faults`` supplies queued ``otp_reject`` faults. All mutable fields are read and written under the lock.
    """

    def __init__(self, store: Store, faults: FaultQueue) -> None:
        self.store = store
        self.faults = faults
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._clock_offset = 0.0
        self._otp_mode = "reuse"
        self._last_step: dict[str, int] = {}

    def reset(self) -> None:
        """Forget lockouts, used OTP steps, the clock offset and the OTP mode."""
        with self._lock:
            self._failures.clear()
            self._last_step.clear()
            self._clock_offset = 0.0
            self._otp_mode = "reuse"

    @property
    def clock_offset(self) -> float:
        """Seconds added to wall time for TOTP codes."""
        with self._lock:
            return self._clock_offset

    def set_clock_offset(self, seconds: float) -> None:
        """Shift the TOTP clock by ``seconds`` from wall time (not cumulative)."""
        with self._lock:
            self._clock_offset = float(seconds)

    @property
    def otp_mode(self) -> str:
        """``reuse`` (a code may be used again within its step) or ``strict`` (each step once per user)."""
        with self._lock:
            return self._otp_mode

    def set_otp_mode(self, mode: str) -> None:
        """Switch the OTP mode; ``mode`` must be one of :data:`OTP_MODES`."""
        if mode not in OTP_MODES:
            raise ValueError(f"OTP mode must be one of {', '.join(OTP_MODES)}")
        with self._lock:
            self._otp_mode = mode

    @property
    def lockout_after(self) -> int:
        """Failed logins after which every attempt (even a valid one) gets 403 until reset."""
        return int(self.store.config.settings["lockout_after"])

    def now(self) -> float:
        """The emulator's TOTP clock: wall time plus the offset set through the control API."""
        return time.time() + self.clock_offset

    def current_code(self, user: UserConfig) -> str:
        """The code the user's authenticator app shows right now on the emulator's clock."""
        return TOTP(user.otp_secret or "").at(self.now())

    def verify_otp(self, user: UserConfig, code: str) -> bool:
        """Verify a TOTP code within +/- ``otp_window`` steps; in strict mode a step is accepted only once."""
        if not user.otp_secret:
            return False
        code = code.strip()
        if not code.isdigit():
            return False
        totp = TOTP(user.otp_secret)
        window = int(self.store.config.settings["otp_window"])
        now = self.now()
        for delta in range(-window, window + 1):
            for_time = now + delta * totp.interval
            if hmac.compare_digest(totp.at(for_time), code):
                step = int(for_time // totp.interval)
                with self._lock:
                    if self._otp_mode == "strict":
                        if step <= self._last_step.get(user.login, -1):
                            return False
                        self._last_step[user.login] = step
                return True
        return False

    def _locked_out(self, login: str) -> bool:
        with self._lock:
            return self._failures.get(login, 0) >= self.lockout_after

    def _record_failure(self, login: str) -> None:
        with self._lock:
            self._failures[login] = self._failures.get(login, 0) + 1

    def _record_success(self, login: str) -> None:
        with self._lock:
            self._failures.pop(login, None)

    def authenticate_user(
        self,
        request: Request,
        *,
        allow_token: bool,
    ) -> tuple[Optional[Principal], Optional[Response]]:
        """Authenticate a user for ``/authorizations*``, grants and ``/user``.

        Returns (principal, None) on success, or (None, error response). ``allow_token`` False makes token
        authentication answer 404, as GitHub does on the Authorizations API. A request that carries a code, with the
        right password, consumes a matching queued ``otp_reject`` fault, if any, and gets the 2FA challenge.
        """
        credentials = request.authorization
        if credentials is None:
            return None, responses.error(401, "Requires authentication")
        if credentials.type in ("token", "bearer"):
            return self._token_principal(credentials.token or "", allow_token)
        if credentials.type != "basic":
            return None, responses.error(401, "Bad credentials")
        login = credentials.username or ""
        password = credentials.password or ""
        if self._locked_out(login):
            return None, responses.error(403, responses.LOCKOUT_MESSAGE)
        user = self.store.users.get(login)
        if user is None or not hmac.compare_digest(user.password.encode("utf-8"), password.encode("utf-8")):
            token_auth = self.store.find_by_token(password) if password else None
            if token_auth is not None and token_auth.user == login:
                return self._token_principal(password, allow_token)
            self._record_failure(login)
            return None, responses.error(401, "Bad credentials")
        self._record_success(login)
        if user.two_factor != "none":
            code = request.headers.get("X-GitHub-OTP")
            if not code:
                return None, responses.otp_required(user.two_factor)
            if self.faults.take(("otp_reject",), request) is not None or not self.verify_otp(user, code):
                return None, responses.otp_required(user.two_factor)
        return Principal(login=login), None

    def _token_principal(self, token: str, allow_token: bool) -> tuple[Optional[Principal], Optional[Response]]:
        auth = self.store.find_by_token(token) if token else None
        if auth is None:
            return None, responses.error(401, "Bad credentials")
        if not allow_token:
            return None, responses.not_found()
        return Principal(login=auth.user, token=auth), None

    def authenticate_app(self, request: Request, client_id: str) -> tuple[Optional[Principal], Optional[Response]]:
        """Basic authentication with client_id:client_secret for ``/applications/{client_id}/...`` token endpoints."""
        # GitHub hides these endpoints from callers without the app's credentials: 404, as recorded
        # (octokit.rb 2014 ``with_invalid_authentication``: no credentials -> 404 Not Found).
        credentials = request.authorization
        if credentials is None or credentials.type != "basic":
            return None, responses.not_found()
        app = self.store.apps.get(credentials.username or "")
        secret = (credentials.password or "").encode("utf-8")
        if app is None or app.client_id != client_id or not hmac.compare_digest(app.client_secret.encode("utf-8"), secret):
            return None, responses.not_found()
        return Principal(app=app), None
