# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only filter for ``make bench``: the current TOTP code for a base32 seed, computed with pyotp.

The ansible.builtin.uri baseline needs an ``X-GitHub-OTP`` header, and the collection has no
totp lookup yet.  ``{{ seed | bench_totp }}`` stands in for it: like a lookup in the task's
arguments, it is evaluated on the controller once per loop item.  pyotp 2.12 refuses seeds
under 112 bits, so the benchmark user has a 160-bit seed.
"""

from __future__ import annotations

import typing as t

import pyotp


def bench_totp(seed: str) -> str:
    """The six-digit code of the current 30-second step, as a zero-padded string."""
    return pyotp.TOTP(seed).now()


class FilterModule:
    """The ``bench_totp`` filter."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"bench_totp": bench_totp}
