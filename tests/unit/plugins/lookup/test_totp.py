# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The oauthkit.github.totp lookup: RFC 6238 vectors, GitHub's 80-bit seeds, options, and errors that never show the seed."""

from __future__ import annotations

import base64
import time
import typing as t

import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.oauthkit.github.plugins.module_utils import _otp
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import OTP_SECRET, hotp_reference

# RFC 6238 appendix B: the SHA1 seed is the 20-byte ASCII string "12345678901234567890".
RFC6238_SEED = base64.b32encode(b"12345678901234567890").decode()
RFC6238_SHA1_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


def totp(*terms: t.Any, **options: t.Any) -> list[str]:
    """Run the lookup as a template's lookup() does: loaded by its FQCN, with its options as keyword arguments."""
    lookup = lookup_loader.get("oauthkit.github.totp")
    assert lookup is not None, "oauthkit.github.totp must be found by the plugin loader"
    return lookup.run(list(terms), variables={}, **options)


def lookup_error(*terms: t.Any, **options: t.Any) -> str:
    with pytest.raises(AnsibleLookupError) as exc_info:
        totp(*terms, **options)
    return str(exc_info.value)


@pytest.mark.parametrize(("at", "expected"), RFC6238_SHA1_VECTORS, ids=[f"T={vector[0]}" for vector in RFC6238_SHA1_VECTORS])
def test_rfc6238_sha1_vectors(at: int, expected: str) -> None:
    assert totp(RFC6238_SEED, digits=8, at=at) == [expected]


def test_leading_zero_is_kept_in_a_string() -> None:
    (code,) = totp(RFC6238_SEED, digits=8, at=1111111109)
    assert code == "07081804"
    assert isinstance(code, str)


def test_six_digits_by_default() -> None:
    # The six-digit code is the last six digits of the eight-digit one (RFC 4226 truncation modulo 10^6).
    assert totp(RFC6238_SEED, at=1111111109) == ["081804"]


@pytest.mark.parametrize("at", [0, 59, 1_699_999_990, 1_699_999_999.9, 2_000_000_000], ids=["epoch", "T59", "mid-step", "step-end", "T2e9"])
def test_github_80_bit_seed(at: float) -> None:
    # GitHub's seeds are 16 base32 characters, 80 bits: fewer than pyotp alone accepts. The codes are those of RFC 4226/6238.
    assert totp(OTP_SECRET, at=at) == [hotp_reference(OTP_SECRET, int(at // 30))]


@pytest.mark.parametrize("shown", ["jbsw y3dp ehpk 3pxp", "JBSW-Y3DP-EHPK-3PXP", " JBSWY3DPEHPK3PXP\n"], ids=["groups", "dashes", "whitespace"])
def test_seed_as_authenticator_apps_show_it(shown: str) -> None:
    assert totp(shown, at=1_699_999_990) == totp(OTP_SECRET, at=1_699_999_990)


def test_now_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_699_999_990.0)
    assert totp(OTP_SECRET) == [hotp_reference(OTP_SECRET, 1_699_999_990 // 30)]


def test_now_is_read_at_each_run(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_699_999_990.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    first = totp(OTP_SECRET)
    now[0] += 30
    assert totp(OTP_SECRET) == [hotp_reference(OTP_SECRET, 1_699_999_990 // 30 + 1)]
    assert first != totp(OTP_SECRET)


def test_interval() -> None:
    assert totp(OTP_SECRET, interval=60, at=1_699_999_990) == [hotp_reference(OTP_SECRET, 1_699_999_990 // 60)]


def test_one_code_per_seed() -> None:
    assert totp(RFC6238_SEED, OTP_SECRET, at=59) == [hotp_reference(RFC6238_SEED, 1), hotp_reference(OTP_SECRET, 1)]


def test_options_from_strings() -> None:
    # Options given as strings, as a template may pass them, are converted to their documented types.
    assert totp(RFC6238_SEED, digits="8", interval="30", at="59") == ["94287082"]


# ---------------------------------------------------------------- errors


BAD_SEEDS = {
    "not-base32": ("JBSWY3DPEHPK3PX1", "not valid base32"),
    "otpauth-uri": ("otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub", "not valid base32"),
    "a-code": ("123456", "not valid base32"),
    "too-short": ("JBSWY3DPEHPK", "too short"),
    "empty": ("", "empty"),
    "blank": ("   ", "empty"),
}


@pytest.mark.parametrize(("seed", "fragment"), BAD_SEEDS.values(), ids=BAD_SEEDS.keys())
def test_bad_seed_is_refused_without_showing_it(seed: str, fragment: str) -> None:
    message = lookup_error(seed)
    assert fragment in message
    assert message.startswith("oauthkit.github.totp: the seed ")
    assert "otp_secret" not in message  # that is the modules' option; here the seed is the term
    if seed.strip():
        assert seed.strip() not in message
        assert "JBSWY3DP" not in message


def test_a_bad_seed_among_good_ones_is_not_shown_either() -> None:
    message = lookup_error(OTP_SECRET, "JBSWY3DPEHPK3PX1")
    assert "not valid base32" in message
    assert OTP_SECRET not in message
    assert "JBSWY3DP" not in message


@pytest.mark.parametrize("term", [123456, None, ["JBSWY3DPEHPK3PXP"], {"seed": "JBSWY3DPEHPK3PXP"}], ids=["int", "none", "list", "dict"])
def test_a_term_that_is_not_a_string(term: t.Any) -> None:
    message = lookup_error(term)
    assert "takes the base32 TOTP seed as a string" in message
    assert "123456" not in message
    assert "JBSWY3DP" not in message


def test_no_term() -> None:
    assert "needs the base32 TOTP seed" in lookup_error()


@pytest.mark.parametrize("digits", [5, 9, 0], ids=["five", "nine", "zero"])
def test_digits_out_of_range(digits: int) -> None:
    assert "digits must be 6 to 8" in lookup_error(OTP_SECRET, digits=digits)


@pytest.mark.parametrize("interval", [0, -30], ids=["zero", "negative"])
def test_interval_must_be_positive(interval: int) -> None:
    assert "interval must be a number of seconds, 1 or more" in lookup_error(OTP_SECRET, interval=interval)


def test_unknown_option_is_refused() -> None:
    # The plugin API would ignore it silently; a misspelled interval would then give codes that no server accepts.
    assert "unknown option(s) period; the options are digits, interval, at." in lookup_error(OTP_SECRET, period=60)


def test_without_pyotp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_otp, "HAS_PYOTP", False)
    message = lookup_error(OTP_SECRET)
    assert message.startswith("pyotp is missing on the controller")
    assert "-m pip install 'pyotp>=2.6'" in message
    assert OTP_SECRET not in message
