# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reference codes, computed without the collection: with pyotp, whose key-length check alone is relaxed for 80-bit seeds.

Usage: reference_totp.py SEED DIGITS AT [AT...]; prints {"now": <time>, "codes": {"<at>": code, ...}} as JSON.
An AT of "now" means the current time, and also adds the codes of the next two steps (now+30 and now+60).
"""

from __future__ import annotations

import base64
import json
import sys
import time

import pyotp


class TOTP(pyotp.TOTP):
    """pyotp's TOTP for any seed: pyotp >= 2.12 refuses seeds under 112 bits, such as GitHub's 80-bit ones; the codes are pyotp's."""

    def byte_secret(self) -> bytes:
        return base64.b32decode(self.secret + "=" * (-len(self.secret) % 8))


def code(seed: str, digits: int, at: int) -> str:
    return TOTP(seed, digits=digits).at(at)


def main() -> None:
    seed, digits, *times = sys.argv[1:]
    now = int(time.time())
    ats = []
    for at in times:
        ats.extend([now, now + 30, now + 60] if at == "now" else [int(at)])
    print(json.dumps({"now": now, "codes": {str(at): code(seed, int(digits), at) for at in ats}}))


if __name__ == "__main__":
    main()
