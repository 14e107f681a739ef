# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The pre-flight step: every option checked before any request, with a message that says what to do."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _authorizations as auth
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils import _preflight
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import API_URL, CLIENT_ID, CLIENT_SECRET, OTP_SECRET, PASSWORD, USERNAME

CONNECTION = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD}


def desired(**kwargs: t.Any) -> auth.Desired:
    result = _preflight.check({**CONNECTION, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **kwargs}, require_secret=True).desired
    assert result is not None
    return result


# ---------------------------------------------------------------- connection checks before any request


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"api_url": "ghes.example.com/api/v3"}, "http:// or https:// URL"),
        ({"api_url": "ftp://ghes.example.com/api/v3"}, "http:// or https:// URL"),
        ({"api_url": "https:///api/v3"}, "http:// or https:// URL"),
        ({"api_url": ""}, "http:// or https:// URL"),
        ({"api_url": "https://octocat:hunter2@ghes.example.com/api/v3"}, "must not contain credentials"),
        ({"api_url": "https://octocat@ghes.example.com/api/v3"}, "must not contain credentials"),
        ({"api_url": "octocat:hunter2@ghes.example.com/api/v3"}, "must not contain credentials"),
        ({"api_url": "ftp://octocat:hunter2@ghes.example.com/api/v3"}, "must not contain credentials"),
        ({"api_url": "https://ghes.example.com/api/v3?x=1"}, "without ?query or #fragment"),
        ({"api_url": "https://ghes.example.com/api/v3#top"}, "without ?query or #fragment"),
        ({"ca_path": "/nonexistent/ca.pem"}, "is not a file"),
        ({"timeout": 0}, "greater than 0"),
        ({"timeout": -1.5}, "greater than 0"),
        ({"username": ""}, "username is empty"),
        ({"password": ""}, "password is empty"),
    ],
    ids=[
        "no-scheme",
        "ftp",
        "no-host",
        "empty",
        "credentials",
        "user-only",
        "credentials-without-scheme",
        "credentials-with-ftp",
        "query",
        "fragment",
        "ca-path-missing",
        "timeout-zero",
        "timeout-negative",
        "username-empty",
        "password-empty",
    ],
)
def test_connection_checks_refuse(changes: dict[str, t.Any], fragment: str) -> None:
    params = {**CONNECTION, "timeout": 30.0, **changes}
    with pytest.raises(errors.InvalidInput) as exc_info:
        _preflight.check(params, require_secret=False)
    assert fragment in exc_info.value.msg
    assert "hunter2" not in exc_info.value.msg
    assert PASSWORD not in exc_info.value.msg


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        (API_URL, API_URL),
        (f" {API_URL}/ ", API_URL),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("HTTPS://GHES.example.com/api/v3", "HTTPS://GHES.example.com/api/v3"),
    ],
    ids=["ghes", "spaces-and-slash", "loopback-http", "upper-case-scheme"],
)
def test_connection_checks_accept(api_url: str, expected: str) -> None:
    assert _preflight.check({**CONNECTION, "api_url": api_url, "timeout": None}, require_secret=False).api_url == expected


# ---------------------------------------------------------------- the authorization options


def test_desired_normalises() -> None:
    result = desired(client_id=f" {CLIENT_ID} ", scopes=["repo", "gist", "repo"], note="")
    assert result.client_id == CLIENT_ID
    assert result.scopes == ("repo", "gist")
    assert result.note == ""  # an empty note is managed, not ignored
    assert result.diff_view() == {"fingerprint": None, "scopes": ["gist", "repo"], "note": ""}


def test_desired_without_secret_for_absent() -> None:
    result = _preflight.check({**CONNECTION, "client_id": CLIENT_ID, "client_secret": None}, require_secret=False).desired
    assert result is not None
    assert result.client_secret == ""


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"client_id": "0123456789abcdef012"}, "20-character client ID"),
        ({"client_id": "0123456789abcdef01234"}, "got 21 characters"),
        ({"client_id": "0123456789abcdef012/"}, "20-character client ID"),
        ({"client_id": ""}, "got 0 characters"),
        ({"client_secret": CLIENT_SECRET[:-1]}, "40-character client secret; got 39"),
        ({"client_secret": None}, "got 0 characters"),
        ({"fingerprint": ""}, "fingerprint must be"),
        ({"fingerprint": "a b"}, "fingerprint must be"),
        ({"fingerprint": "a/b"}, "fingerprint must be"),
        ({"fingerprint": "a%2Fb"}, "fingerprint must be"),
        ({"fingerprint": "é"}, "fingerprint must be"),
        ({"fingerprint": "x" * 256}, "fingerprint must be"),
        ({"scopes": ["repo,gist"]}, "'repo,gist'"),
        ({"scopes": ["repo gist"]}, "comma or whitespace"),
        ({"scopes": [""]}, "is empty"),
        ({"scopes": [None]}, "None"),
    ],
    ids=[
        "client-id-19",
        "client-id-21",
        "client-id-slash",
        "client-id-empty",
        "secret-39",
        "secret-missing",
        "fingerprint-empty",
        "fingerprint-space",
        "fingerprint-slash",
        "fingerprint-percent",
        "fingerprint-non-ascii",
        "fingerprint-256",
        "scope-comma",
        "scope-space",
        "scope-empty",
        "scope-none",
    ],
)
def test_authorization_checks_refuse(kwargs: dict[str, t.Any], fragment: str) -> None:
    params: dict[str, t.Any] = {**CONNECTION, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **kwargs}
    with pytest.raises(errors.InvalidInput) as exc_info:
        _preflight.check(params, require_secret=True)
    assert fragment in exc_info.value.msg
    assert CLIENT_SECRET[:-1] not in exc_info.value.msg


def test_fingerprint_of_255_printable_characters_is_accepted() -> None:
    fingerprint = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "/%")
    assert desired(fingerprint=fingerprint).fingerprint == fingerprint
    assert desired(fingerprint="x" * 255).fingerprint == "x" * 255


# ---------------------------------------------------------------- warnings and two-factor options


@pytest.mark.parametrize(
    ("api_url", "warned"),
    [
        ("http://ghes.example.com/api/v3", True),
        ("http://10.1.2.3/api/v3", True),
        ("http://127.0.0.1:8080/api/v3", False),
        ("http://127.9.9.9/api/v3", False),
        ("http://[::1]:8080/api/v3", False),
        ("http://localhost/api/v3", False),
        ("https://ghes.example.com/api/v3", False),
    ],
    ids=["http-remote", "http-private-ip", "http-loopback", "http-loopback-range", "http-ipv6-loopback", "http-localhost", "https"],
)
def test_clear_text_warning(api_url: str, warned: bool) -> None:
    warnings = _preflight.check({**CONNECTION, "api_url": api_url}, require_secret=False).warnings
    assert bool(warnings) is warned
    if warned:
        assert "unencrypted" in warnings[0] and "https://" in warnings[0]
        assert PASSWORD not in warnings[0]


def test_two_factor_options_are_normalised() -> None:
    checked = _preflight.check({**CONNECTION, "otp_secret": "jbsw y3dp ehpk 3pxp"}, require_secret=False)
    assert checked.otp_secret == "JBSWY3DPEHPK3PXP"
    assert _preflight.check({**CONNECTION, "otp": " 012345 "}, require_secret=False).otp == "012345"


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [({"otp_secret": "not base32!"}, "not valid base32"), ({"otp_secret": "JBSWY3DP"}, "too short"), ({"otp": "12345"}, "6 to 8 digits")],
    ids=["seed-not-base32", "seed-short", "otp-short"],
)
def test_two_factor_checks_refuse(changes: dict[str, t.Any], fragment: str) -> None:
    with pytest.raises(errors.InvalidInput) as exc_info:
        _preflight.check({**CONNECTION, **changes}, require_secret=False)
    assert fragment in exc_info.value.msg
    assert OTP_SECRET not in exc_info.value.msg


def test_no_desired_without_a_client_id_option() -> None:
    assert _preflight.check(CONNECTION, require_secret=False).desired is None


@pytest.mark.parametrize(("api_url", "validate_certs", "warned"), [(API_URL, False, True), (API_URL, True, False), ("http://127.0.0.1/api/v3", False, False)])
def test_validate_certs_false_warns_once(api_url: str, validate_certs: bool, warned: bool) -> None:
    warnings = _preflight.check({**CONNECTION, "api_url": api_url, "validate_certs": validate_certs}, require_secret=False).warnings
    assert len([w for w in warnings if "validate_certs is false" in w]) == (1 if warned else 0)
