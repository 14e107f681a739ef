# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The AnsibleModule wrapper: options and their fallbacks, checks before any request, dependencies, failures."""

from __future__ import annotations

import json
import typing as t

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.oauthkit.github.plugins.doc_fragments import _attributes, _auth
from ansible_collections.oauthkit.github.plugins.module_utils import _api, _module, _otp
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    API_URL,
    OTP_SECRET,
    PASSWORD,
    USERNAME,
    FakeClock,
    hotp_reference,
)

CONNECTION = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD}


def build(args: dict[str, t.Any]) -> _module.OAuthKitModule:
    with patch_module_args(args):
        return _module.OAuthKitModule({}, supports_check_mode=True)


def failure(args: dict[str, t.Any], capsys: pytest.CaptureFixture[str]) -> dict[str, t.Any]:
    capsys.readouterr()
    with patch_module_args(args), pytest.raises(SystemExit) as exc_info:
        _module.OAuthKitModule({})
    assert exc_info.value.code == 1
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True
    return result


# ---------------------------------------------------------------- the option spec and its documentation


def test_secrets_are_no_log() -> None:
    spec = _module.auth_argument_spec()
    assert {name for name, option in spec.items() if option.get("no_log")} == {"password", "otp_secret", "otp"}
    assert spec["otp"]["type"] == "str"  # never an int: a leading zero must survive


def test_doc_fragment_matches_the_spec() -> None:
    documented = yaml.safe_load(_auth.ModuleDocFragment.DOCUMENTATION)["options"]
    spec = _module.auth_argument_spec()
    assert set(documented) == set(spec)
    for name, option in spec.items():
        doc = documented[name]
        assert doc["type"] == option["type"], name
        assert doc.get("required", False) == option.get("required", False), name
        assert doc.get("default") == option.get("default"), name
        fallback = option.get("fallback")
        if fallback:
            for variable in fallback[1]:
                assert f"E({variable})" in " ".join(doc["description"]), name


def test_attribute_fragments_are_yaml() -> None:
    attributes = yaml.safe_load(_attributes.ModuleDocFragment.DOCUMENTATION)["attributes"]
    assert {"check_mode", "diff_mode", "idempotent"} <= set(attributes)
    group = yaml.safe_load(_attributes.ModuleDocFragment.ACTIONGROUP_GITHUB)["attributes"]["action_group"]
    assert group["membership"] == ["oauthkit.github.github"]


# ---------------------------------------------------------------- environment fallbacks


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://env.example.com/api/v3")
    monkeypatch.setenv("GITHUB_USERNAME", "env-user")
    monkeypatch.setenv("GITHUB_PASSWORD", "env-password")
    monkeypatch.setenv("GITHUB_OTP_SECRET", OTP_SECRET)
    module = build({})
    assert module.params["api_url"] == "https://env.example.com/api/v3"
    assert module.params["username"] == "env-user"
    assert module.params["password"] == "env-password"
    assert module.params["otp_secret"] == OTP_SECRET
    assert "env-password" in module.no_log_values and OTP_SECRET in module.no_log_values
    client = module.github_client()
    assert client.api_url == "https://env.example.com/api/v3"
    assert client.session.auth == ("env-user", "env-password")


def test_options_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://env.example.com/api/v3")
    monkeypatch.setenv("GITHUB_USERNAME", "env-user")
    assert build(CONNECTION).params["api_url"] == API_URL
    assert build(CONNECTION).params["username"] == USERNAME


def test_required_options_without_environment(capsys: pytest.CaptureFixture[str]) -> None:
    result = failure({}, capsys)
    assert "missing required arguments" in result["msg"]
    for name in ("api_url", "username", "password"):
        assert name in result["msg"]


# ---------------------------------------------------------------- two-factor sources


def test_computed_codes_are_no_log_values(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    real = _otp.TOTPSource
    monkeypatch.setattr(_otp, "TOTPSource", lambda secret, **kw: real(secret, clock=clock.time, sleep=clock.sleep, **kw))
    module = build({**CONNECTION, "otp_secret": OTP_SECRET.lower()})
    source = module.otp_source()
    assert isinstance(source, real)
    first = source.code()
    clock.now += 30
    second = source.code()
    assert first == hotp_reference(OTP_SECRET, int((clock.now - 30) // 30))
    assert {first, second} <= module.no_log_values


def test_static_code_source() -> None:
    source = build({**CONNECTION, "otp": "012345"}).otp_source()
    assert isinstance(source, _otp.StaticCode)
    assert source.code() == "012345"


def test_no_code_source() -> None:
    assert build(CONNECTION).otp_source() is None


def test_otp_and_otp_secret_are_mutually_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    result = failure({**CONNECTION, "otp": "123456", "otp_secret": OTP_SECRET}, capsys)
    assert "mutually exclusive" in result["msg"]
    assert "otp|otp_secret" in result["msg"]


def test_github_client_gets_the_options(tmp_path: t.Any) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    module = build({**CONNECTION, "api_url": API_URL + "/", "ca_path": str(ca), "timeout": 2.5, "otp": "123456"})
    client = module.github_client()
    assert client.api_url == API_URL
    assert client._verify == str(ca)
    assert client._timeout == 2.5
    assert isinstance(client._otp, _otp.StaticCode)
    assert build({**CONNECTION, "validate_certs": False}).github_client()._verify is False


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
def test_check_connection_options_refuses(changes: dict[str, t.Any], fragment: str) -> None:
    params = {**CONNECTION, "timeout": 30.0, **changes}
    with pytest.raises(errors.InvalidInput) as exc_info:
        _module.check_connection_options(params)
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
def test_check_connection_options_accepts(api_url: str, expected: str) -> None:
    assert _module.check_connection_options({**CONNECTION, "api_url": api_url, "timeout": None}) == expected


# ---------------------------------------------------------------- dependencies


def test_missing_requests(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(_api, "HAS_REQUESTS", False)
    monkeypatch.setattr(_api, "REQUESTS_IMPORT_ERROR", "Traceback: No module named 'requests'")
    result = failure(CONNECTION, capsys)
    assert "Failed to import the required Python library (requests)" in result["msg"]


def test_missing_pyotp_with_otp_secret(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(_otp, "HAS_PYOTP", False)
    monkeypatch.setattr(_otp, "PYOTP_IMPORT_ERROR", "Traceback: No module named 'pyotp'")
    result = failure({**CONNECTION, "otp_secret": OTP_SECRET}, capsys)
    assert "Failed to import the required Python library (pyotp)" in result["msg"]
    assert OTP_SECRET not in json.dumps(result)


def test_pyotp_is_needed_only_with_otp_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_otp, "HAS_PYOTP", False)
    assert build({**CONNECTION, "otp": "123456"}).params["otp"] == "123456"


# ---------------------------------------------------------------- failing from a typed exception


def test_fail_from_api_error(capsys: pytest.CaptureFixture[str]) -> None:
    with patch_module_args(CONNECTION), pytest.raises(SystemExit):
        module = _module.OAuthKitModule({})
        capsys.readouterr()
        module.fail_from(errors.NotFound("GET /x returned 404", status=404, method="GET", path="/x", documentation_url="https://d"), extra=1)
    result = json.loads(capsys.readouterr().out)
    assert result["msg"] == "GET /x returned 404"
    assert (result["status"], result["method"], result["path"], result["documentation_url"], result["extra"]) == (404, "GET", "/x", "https://d", 1)


def test_fail_from_invalid_input(capsys: pytest.CaptureFixture[str]) -> None:
    with patch_module_args(CONNECTION), pytest.raises(SystemExit):
        module = _module.OAuthKitModule({})
        capsys.readouterr()
        module.fail_from(errors.InvalidInput("bad option"))
    result = json.loads(capsys.readouterr().out)
    assert result["msg"] == "bad option"
    assert "status" not in result
