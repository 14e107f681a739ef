# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The AnsibleModule wrapper: options and their fallbacks, checks before any request, dependencies, failures."""

from __future__ import annotations

import json
import typing as t

import pytest
import yaml

from ansible_collections.oauthkit.github.plugins.doc_fragments import _attributes, _connection
from ansible_collections.oauthkit.github.plugins.module_utils import _api, _module, _otp
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    API_URL,
    OTP_SECRET,
    PASSWORD,
    USERNAME,
    FakeClock,
    hotp_reference,
    patch_module_args,
)

CONNECTION = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD}


def build(args: dict[str, t.Any]) -> _module.OAuthKitModule:
    with patch_module_args(args):
        return _module.OAuthKitModule({}, supports_check_mode=True)


def client_of(module: _module.OAuthKitModule) -> _api.GitHubClient:
    """The client the module builds after its pre-flight step."""
    return module.github_client(module.preflight(require_secret=False))


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
    spec = _module.connection_argument_spec()
    assert {name for name, option in spec.items() if option.get("no_log")} == {"password", "otp_secret", "otp"}
    assert spec["otp"]["type"] == "str"  # never an int: a leading zero must survive


def test_doc_fragment_matches_the_spec() -> None:
    documented = yaml.safe_load(_connection.ModuleDocFragment.DOCUMENTATION)["options"]
    spec = _module.connection_argument_spec()
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
    client = client_of(module)
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
    source = client_of(module)._otp
    assert isinstance(source, real)
    first = source.code()
    clock.now += 30
    second = source.code()
    assert first == hotp_reference(OTP_SECRET, int((clock.now - 30) // 30))
    assert {first, second} <= module.no_log_values


def test_static_code_source() -> None:
    source = client_of(build({**CONNECTION, "otp": "012345"}))._otp
    assert isinstance(source, _otp.StaticCode)
    assert source.code() == "012345"


def test_no_code_source() -> None:
    assert client_of(build(CONNECTION))._otp is None


def test_otp_and_otp_secret_are_mutually_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    result = failure({**CONNECTION, "otp": "123456", "otp_secret": OTP_SECRET}, capsys)
    assert "mutually exclusive" in result["msg"]
    assert "otp|otp_secret" in result["msg"]


def test_github_client_gets_the_options(tmp_path: t.Any) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    module = build({**CONNECTION, "api_url": API_URL + "/", "ca_path": str(ca), "timeout": 2.5, "otp": "123456"})
    client = client_of(module)
    assert client.api_url == API_URL
    assert client._verify == str(ca)
    assert client._timeout == 2.5
    assert isinstance(client._otp, _otp.StaticCode)
    assert client_of(build({**CONNECTION, "validate_certs": False}))._verify is False


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
