# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Constants and helpers shared by the unit tests (fixtures live in tests/unit/conftest.py)."""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import typing as t
from pathlib import Path

import pyotp
import pytest

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19 has no ansible.module_utils.testing
    import contextlib

    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args: dict[str, t.Any] | None = None) -> t.Iterator[None]:
        """Expose args to the AnsibleModule instances created within this context (what 2.19's helper does)."""
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode())
            yield

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
COLLECTION_ROOT = FIXTURES.parent.parent.parent

API_URL = "https://ghes.example.com/api/v3"
USERNAME = "octocat"
PASSWORD = "correct horse battery staple"
CLIENT_ID = "0123456789abcdef0123"
CLIENT_SECRET = "0123456789abcdef0123456789abcdef01234567"
OTP_SECRET = "JBSWY3DPEHPK3PXP"
TOKEN = "4107db863bdeb2b7d669c74b63192f2205c8e48b"
NEW_TOKEN = "ab" * 20
# 2023-11-14T22:13:10Z: 10 s into a 30-second step, so a retry has to wait 20 s.
NOW = 1_699_999_990.0


def load_fixture(name: str) -> dict[str, t.Any]:
    """A recorded or documented response from tests/unit/fixtures/<name>.json (a fresh copy)."""
    with (FIXTURES / f"{name}.json").open(encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["source"], f"fixture {name} must name its source"
    cited = data["source"].split()[0].rstrip(",")
    assert cited.startswith("tests/emulator/reference/"), f"fixture {name} must cite the reference data inside the repository"
    assert (COLLECTION_ROOT / cited).is_file(), f"fixture {name} cites {cited}, which is not in the repository"
    return copy.deepcopy(data)


def authorization(*, fixture: str = "authorization_existing", **overrides: t.Any) -> dict[str, t.Any]:
    """A recorded authorization object for our app, with fields overridden."""
    body = load_fixture(fixture)["body"]
    body["app"]["client_id"] = CLIENT_ID
    body.update(overrides)
    return body


class _ReferenceHOTP(pyotp.HOTP):
    """pyotp's HOTP (RFC 4226) over the seed's own key, whatever its length.

    pyotp >= 2.12 refuses keys under 112 bits when it decodes them; the HMAC it computes takes any key.  GitHub's seeds
    are 80 bits, so the reference decodes the seed itself and leaves the algorithm to pyotp, independently of the
    zero-byte padding that the code under test relies on (``_otp.hmac_equivalent_seed``).
    """

    def byte_secret(self) -> bytes:
        return base64.b32decode(self.secret + "=" * (-len(self.secret) % 8), casefold=True)


def hotp_reference(secret_b32: str, counter: int, digits: int = 6) -> str:
    """The HOTP code of ``counter`` (the TOTP code of that 30-second step), computed by pyotp: the one TOTP implementation of the tests."""
    return _ReferenceHOTP(secret_b32, digits=digits).at(counter)


class FakeClock:
    """A clock and a sleep that advances it: no real waiting in the tests."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "sleep must be asked for a positive duration"
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def run_module(main: t.Callable[[], None], args: dict[str, t.Any], capsys: pytest.CaptureFixture[str]) -> dict[str, t.Any]:
    """Run a module's main() with args; return the JSON it printed, plus ``_exit_code``."""
    capsys.readouterr()  # drop anything printed before
    with patch_module_args(args), pytest.raises(SystemExit) as exc_info:
        main()
    out = capsys.readouterr().out
    result = json.loads(out)
    result["_exit_code"] = exc_info.value.code
    result["_raw"] = out
    return result


def run_main(main: t.Callable[[], None], args: dict[str, t.Any]) -> dict[str, t.Any]:
    """Run a module's main() in this process with args, as Ansible would on a host; return its JSON result.

    Unlike run_module, it needs no capsys: the action plugin tests call it from a fake ``_execute_module``.
    """
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main()
    return t.cast("dict[str, t.Any]", json.loads(out.getvalue()))
