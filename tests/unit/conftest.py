# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared fixtures for the unit tests."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _otp
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    FakeClock,
)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock whose sleep advances it."""
    return FakeClock()


@pytest.fixture
def module_clock(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeClock:
    """Make every TOTPSource the modules build use the fake clock and fake sleep."""
    real = _otp.TOTPSource

    def factory(secret: str, **kwargs: t.Any) -> _otp.TOTPSource:
        return real(secret, clock=clock.time, sleep=clock.sleep, **kwargs)

    monkeypatch.setattr(_otp, "TOTPSource", factory)
    return clock


@pytest.fixture
def base_args() -> dict[str, t.Any]:
    """Module arguments for a valid state=present task without two-factor authentication."""
    return {
        "api_url": API_URL,
        "username": USERNAME,
        "password": PASSWORD,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


@pytest.fixture(autouse=True)
def _no_github_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The GITHUB_* fallbacks of the environment the tests run in must not leak into module runs."""
    for name in ("GITHUB_API_URL", "GITHUB_USERNAME", "GITHUB_PASSWORD", "GITHUB_OTP_SECRET"):
        monkeypatch.delenv(name, raising=False)
