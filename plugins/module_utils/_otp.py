# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Two-factor codes for GitHub's ``X-GitHub-OTP`` header.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

A code is computed from the TOTP seed just before each request (pyotp), always as a
zero-padded ``str``.  When GitHub rejects a code, the caller may ask for the code of
the *next* 30-second step, which means waiting for that step to begin.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
import traceback
import typing as t

from ansible_collections.oauthkit.github.plugins.module_utils._errors import InvalidInput

try:
    import pyotp
except ImportError:
    HAS_PYOTP = False
    PYOTP_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_PYOTP = True
    PYOTP_IMPORT_ERROR = None

DEFAULT_DIGITS = 6
DEFAULT_INTERVAL = 30
# A retry may wait for the next step: at most one interval, plus a little slack for clock granularity.
MAX_STEP_WAIT = DEFAULT_INTERVAL + 2.0

MIN_SEED_BYTES = 10  # 80 bits: GitHub's seeds
PYOTP_MIN_BYTES = 14  # 112 bits: pyotp >= 2.12 refuses shorter keys
_OTP_RE = re.compile(r"^[0-9]{6,8}$")


def normalize_secret(secret: str) -> str:
    """Return the base32 seed without spaces, upper case and unpadded; raise InvalidInput if it is not base32.

    Authenticator apps show seeds in groups of four (``JBSW Y3DP ...``) and sometimes lower case.
    """
    cleaned = re.sub(r"[\s-]", "", secret or "").upper().rstrip("=")
    if not cleaned:
        raise InvalidInput("otp_secret.empty")
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise InvalidInput("otp_secret.not_base32") from None
    if len(raw) < MIN_SEED_BYTES:
        raise InvalidInput("otp_secret.too_short")
    return cleaned


def hmac_equivalent_seed(secret: str) -> str:
    """The seed padded with zero bytes to the 112 bits that pyotp >= 2.12 insists on, with the same codes.

    GitHub's seeds are 16 base32 characters (80 bits).  HMAC pads a key shorter than the
    hash's block size with zero bytes (RFC 2104, section 2), so appending zero bytes to the
    seed yields exactly the same HMAC, hence the same codes.
    """
    cleaned = normalize_secret(secret)
    raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    raw += b"\0" * max(0, PYOTP_MIN_BYTES - len(raw))
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def validate_code(code: str) -> str:
    """Check a code given by hand (SMS users): 6 to 8 digits, as a string."""
    code = (code or "").strip()
    if not _OTP_RE.fullmatch(code):
        raise InvalidInput("otp.invalid", fields={"length": len(code)})
    return code


class OTPSource(t.Protocol):
    """Where the ``X-GitHub-OTP`` code comes from."""

    renewable: bool

    def code(self) -> str:
        """The code to send now."""

    def next_code(self, max_wait: float | None = None) -> str | None:
        """A fresh code after the last one was rejected (waiting at most max_wait s), or None when no other code can be had."""


class StaticCode:
    """A code given by hand (``otp``): it cannot be renewed."""

    renewable = False

    def __init__(self, code: str) -> None:
        self._code = validate_code(code)

    def code(self) -> str:
        return self._code

    def next_code(self, max_wait: float | None = None) -> str | None:
        return None


class TOTPSource:
    """Codes from a TOTP seed, computed at the moment they are needed."""

    renewable = True

    def __init__(  # noqa: PLR0913 - keyword-only; clock and sleep are injected by the tests
        self,
        secret: str,
        *,
        digits: int = DEFAULT_DIGITS,
        interval: int = DEFAULT_INTERVAL,
        max_wait: float = MAX_STEP_WAIT,
        clock: t.Callable[[], float] = time.time,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self._totp = pyotp.TOTP(hmac_equivalent_seed(secret), digits=digits, interval=interval)
        self._interval = interval
        self._max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._last_step: int | None = None
        self.waited = 0.0  # seconds spent waiting for a next step, over the source's life
        self.codes: set[str] = set()  # every code computed, so that the caller can hide them in its output

    def step(self, at: float | None = None) -> int:
        """The TOTP time step (counter) at ``at``, or now."""
        return int((self._clock() if at is None else at) // self._interval)

    def _code_at(self, step: int) -> str:
        code = self._totp.generate_otp(step)
        self._last_step = step
        self.codes.add(code)
        return code

    def code(self) -> str:
        return self._code_at(self.step())

    def next_code(self, max_wait: float | None = None) -> str | None:
        """Wait (at most ``max_wait`` s, and never more than the source's own bound) until a step after the last code's begins,
        then return its code; None when it does not begin in time."""
        wanted = (self.step() if self._last_step is None else self._last_step) + 1
        deadline = self._clock() + min(self._max_wait, self._max_wait if max_wait is None else max_wait)
        while self.step() < wanted:
            remaining = deadline - self._clock()
            if remaining <= 0:
                return None
            pause = min(wanted * self._interval - self._clock() + 0.05, remaining)
            self._sleep(pause)
            self.waited += pause
        return self._code_at(self.step())
