# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reference codes, computed without the collection: pyotp for seeds it accepts, RFC 4226 written out for 80-bit seeds.

Usage: reference_totp.py SEED DIGITS AT [AT...]; prints {"now": <time>, "codes": {"<at>": code, ...}} as JSON.
An AT of "now" means the current time, and also adds the codes of the next two steps (now+30 and now+60).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import sys
import time

import pyotp


def hotp(seed: str, counter: int, digits: int) -> str:
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return str((struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits).zfill(digits)


def code(seed: str, digits: int, at: int) -> str:
    if len(base64.b32decode(seed + "=" * (-len(seed) % 8))) >= 14:
        return pyotp.TOTP(seed, digits=digits).at(at)
    return hotp(seed, at // 30, digits)  # pyotp >= 2.12 refuses seeds under 112 bits, such as GitHub's


def main() -> None:
    seed, digits, *times = sys.argv[1:]
    now = int(time.time())
    ats = []
    for at in times:
        ats.extend([now, now + 30, now + 60] if at == "now" else [int(at)])
    print(json.dumps({"now": now, "codes": {str(at): code(seed, int(digits), at) for at in ats}}))


if __name__ == "__main__":
    main()
