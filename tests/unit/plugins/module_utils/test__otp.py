# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Two-factor codes: RFC 6238 vectors, seed handling, hand-given codes, and waiting for the next step."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _otp
from ansible_collections.oauthkit.github.plugins.module_utils._errors import InvalidInput
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import OTP_SECRET, FakeClock, hotp_reference

# RFC 6238 appendix B: the SHA1 seed is the ASCII string "12345678901234567890".
RFC6238_SEED = base64.b32encode(b"12345678901234567890").decode()
RFC6238_SHA1_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


def test_rfc6238_seed_is_the_documented_base32() -> None:
    assert RFC6238_SEED == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.mark.parametrize(("at", "expected"), RFC6238_SHA1_VECTORS, ids=[f"T={vector[0]}" for vector in RFC6238_SHA1_VECTORS])
def test_rfc6238_sha1_vectors(at: int, expected: str) -> None:
    source = _otp.TOTPSource(RFC6238_SEED, digits=8, clock=lambda: float(at))
    code = source.code()
    assert code == expected
    assert isinstance(code, str)


def test_leading_zero_is_kept_as_a_string() -> None:
    code = _otp.TOTPSource(RFC6238_SEED, digits=8, clock=lambda: 1111111109.0).code()
    assert code == "07081804"
    assert len(code) == 8


def test_default_is_six_digits_from_the_thirty_second_step() -> None:
    clock = FakeClock(1111111109.0)
    source = _otp.TOTPSource(RFC6238_SEED, clock=clock.time)
    assert source.step() == 1111111109 // 30
    # RFC 6238 codes are the HOTP of the step; six digits are the last six of the eight-digit value.
    assert source.code() == "081804"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP"),
        ("jbsw y3dp ehpk 3pxp", "JBSWY3DPEHPK3PXP"),
        ("JBSW-Y3DP-EHPK-3PXP", "JBSWY3DPEHPK3PXP"),
        ("  JBSWY3DPEHPK3PXP\n", "JBSWY3DPEHPK3PXP"),
        ("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
    ],
    ids=["plain", "groups-lower-case", "dashes", "surrounding-whitespace", "padded"],
)
def test_normalize_secret_accepts_what_apps_show(given: str, expected: str) -> None:
    assert _otp.normalize_secret(given) == expected


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("", "otp_secret is empty"),
        ("   ", "otp_secret is empty"),
        ("JBSWY3DPEHPK3PX1", "not valid base32"),
        ("otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP", "not valid base32"),
        ("012345", "not valid base32"),
        ("JBSWY3DP", "too short"),
    ],
    ids=["empty", "blank", "digit-1", "otpauth-uri", "six-digit-code", "too-short-40-bits"],
)
def test_normalize_secret_refuses(given: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        _otp.normalize_secret(given)
    assert fragment in exc_info.value.msg
    if given.strip():
        assert given.strip() not in exc_info.value.msg  # the seed is never echoed


def test_hmac_equivalent_seed_is_padded_to_112_bits() -> None:
    padded = _otp.hmac_equivalent_seed(OTP_SECRET)
    raw = base64.b32decode(padded + "=" * (-len(padded) % 8))
    assert len(raw) == _otp.PYOTP_MIN_BYTES
    assert raw.startswith(base64.b32decode(OTP_SECRET))
    assert raw.endswith(b"\0" * 4)


def test_hmac_equivalent_seed_leaves_long_seeds_alone() -> None:
    assert _otp.hmac_equivalent_seed(RFC6238_SEED) == RFC6238_SEED


@pytest.mark.parametrize("counter", [0, 1, 56666666, 56666667, 1 << 33], ids=["c0", "c1", "c56666666", "c56666667", "c2^33"])
def test_padded_seed_gives_the_codes_of_the_80_bit_seed(counter: int) -> None:
    source = _otp.TOTPSource(OTP_SECRET, clock=lambda: counter * 30.0 + 7)
    assert source.code() == hotp_reference(OTP_SECRET, counter)


def test_reference_hotp_matches_rfc4226_appendix_d() -> None:
    # RFC 4226 appendix D, counters 0 and 9, as a check on the reference computation itself.
    assert hotp_reference(RFC6238_SEED, 0) == "755224"
    assert hotp_reference(RFC6238_SEED, 9) == "520489"


@pytest.mark.parametrize("code", ["012345", "12345678", " 123456 ", "0000000"], ids=["six-leading-zero", "eight", "spaces", "seven"])
def test_validate_code_accepts(code: str) -> None:
    assert _otp.validate_code(code) == code.strip()


@pytest.mark.parametrize(
    "code",
    ["12345", "123456789", "12 3456", "abcdef", "", None],
    ids=["five-yaml-dropped-zero", "nine", "inner-space", "letters", "empty", "none"],
)
def test_validate_code_refuses(code: str | None) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        _otp.validate_code(code)  # type: ignore[arg-type]
    assert "6 to 8 digits" in exc_info.value.msg
    assert "otp: '012345'" in exc_info.value.msg
    if code:
        # The code is not echoed (the example in the hint aside).
        assert code.strip() not in exc_info.value.msg.replace("'012345'", "")


def test_static_code_is_not_renewable() -> None:
    source = _otp.StaticCode("012345")
    assert source.renewable is False
    assert source.code() == "012345"
    assert source.next_code() is None
    assert source.code() == "012345"


def test_static_code_validates() -> None:
    with pytest.raises(InvalidInput):
        _otp.StaticCode("12345")


def test_totp_source_is_renewable() -> None:
    assert _otp.TOTPSource(OTP_SECRET).renewable is True


def test_step(clock: FakeClock) -> None:
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time)
    assert source.step() == int(clock.now) // 30
    assert source.step(at=59.9) == 1


def test_next_code_waits_for_the_next_step(clock: FakeClock) -> None:
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep)
    first_step = source.step()
    first = source.code()
    fresh = source.next_code()
    assert fresh == hotp_reference(OTP_SECRET, first_step + 1)
    assert fresh != first
    assert source.step() == first_step + 1
    # Slept only until the next step began (20 s, plus the small margin), in one go.
    assert len(clock.sleeps) == 1
    assert 20.0 <= sum(clock.sleeps) <= 20.1
    assert source.codes == {first, fresh}


def test_next_code_at_a_step_boundary_waits_almost_a_whole_step() -> None:
    clock = FakeClock(1_699_999_980.0)  # the first instant of a step
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep)
    step = source.step()
    source.code()
    assert source.next_code() == hotp_reference(OTP_SECRET, step + 1)
    assert 30.0 <= sum(clock.sleeps) <= 30.1


def test_next_code_without_waiting_when_the_step_already_moved_on(clock: FakeClock) -> None:
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep)
    source.code()
    clock.now += 65  # two steps later
    assert source.next_code() == hotp_reference(OTP_SECRET, source.step())
    assert clock.sleeps == []


def test_next_code_before_any_code_uses_the_step_after_now(clock: FakeClock) -> None:
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep)
    step = source.step()
    assert source.next_code() == hotp_reference(OTP_SECRET, step + 1)
    assert 20.0 <= sum(clock.sleeps) <= 20.1


def test_next_code_gives_up_after_max_wait(clock: FakeClock) -> None:
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep, max_wait=5.0)
    source.code()
    assert source.next_code() is None
    assert sum(clock.sleeps) == pytest.approx(5.0)
    assert len(source.codes) == 1  # no code for the step it did not reach


def test_default_max_wait_is_bounded_by_one_step() -> None:
    assert _otp.DEFAULT_INTERVAL < _otp.MAX_STEP_WAIT <= _otp.DEFAULT_INTERVAL + 5


def test_every_code_is_recorded_once_per_step(clock: FakeClock) -> None:
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep)
    codes = [source.code(), source.code()]
    clock.now += 30
    codes.append(source.code())
    codes.append(source.next_code())
    assert source.codes == set(codes)
    assert len(source.codes) == 3
    assert all(isinstance(code, str) and len(code) == 6 for code in source.codes)


def test_every_computed_code_is_recorded_for_hiding(clock: FakeClock) -> None:
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep)
    step = source.step()
    first = source.code()
    fresh = source.next_code()
    assert source.codes == {first, fresh} == {hotp_reference(OTP_SECRET, step), hotp_reference(OTP_SECRET, step + 1)}
    assert source.waited == pytest.approx(sum(clock.sleeps))


def test_invalid_seed_is_refused_when_the_source_is_built() -> None:
    with pytest.raises(InvalidInput):
        _otp.TOTPSource("not a seed!")


def test_each_code_belongs_to_the_step_it_is_sent_in(clock: FakeClock) -> None:
    source = _otp.TOTPSource(OTP_SECRET, clock=clock.time, sleep=clock.sleep)
    first_step = int(clock.now // 30)
    first = source.code()
    assert source.code() == first  # the same step gives the same code
    clock.now += 30
    assert source.code() == hotp_reference(OTP_SECRET, first_step + 1)
    clock.now += 95
    assert source.code() == hotp_reference(OTP_SECRET, int(clock.now // 30))
    assert first != hotp_reference(OTP_SECRET, first_step + 1)  # the fixture's steps have distinct codes, so the test can tell them apart
