# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The argument specs: what ansible-core's validator makes of them, and that the documentation says the same."""

from __future__ import annotations

import os
import typing as t

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.oauthkit.github.plugins.doc_fragments._connection import ModuleDocFragment
from ansible_collections.oauthkit.github.plugins.module_utils import _argspec, _environ
from ansible_collections.oauthkit.github.plugins.modules import token_file
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import API_URL, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME

CONNECTION = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD}
SECRETS = {"password", "otp_secret", "otp", "client_secret", "vault_password"}


def validate(spec: _argspec.Spec, args: dict[str, t.Any], env: dict[str, str] | None = None) -> t.Any:
    with _environ.applied({**os.environ, **(env or {})}):
        return ArgumentSpecValidator(spec.argument_spec, **spec.relations()).validate(dict(args))


def error_types(result: t.Any) -> list[str]:
    return [type(error).__name__ for error in result.errors]


def test_the_collections_variables_are_read_before_githubs() -> None:
    for option, names in _argspec.ENVIRONMENT.items():
        assert names[0] == f"OAUTHKIT_GITHUB_{option.upper()}"
        assert all(name.startswith(("OAUTHKIT_GITHUB_", "GITHUB_")) and not name.startswith("ANSIBLE_") for name in names)
    assert _argspec.ENVIRONMENT["api_url"] == ("OAUTHKIT_GITHUB_API_URL", "GITHUB_API_URL")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"OAUTHKIT_GITHUB_API_URL": "https://a.example.com", "GITHUB_API_URL": "https://b.example.com"}, "https://a.example.com"),
        ({"GITHUB_API_URL": "https://b.example.com"}, "https://b.example.com"),
    ],
    ids=["collection-wins", "github-fallback"],
)
def test_environment_fallbacks(env: dict[str, str], expected: str) -> None:
    result = validate(_argspec.authorization_info(), {"username": USERNAME, "password": PASSWORD}, env)
    assert error_types(result) == []
    assert result.validated_parameters["api_url"] == expected


def test_every_secret_is_no_log() -> None:
    spec = _argspec.authorization().argument_spec
    assert {name for name, option in spec.items() if option.get("no_log")} == SECRETS
    assert spec["token_path"].get("no_log") is False  # "token" in its name would make ansible-core guess it is a secret
    assert _argspec.token_file().argument_spec["token"]["no_log"] is True
    result = validate(_argspec.authorization(), {**CONNECTION, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "otp_secret": "JBSWY3DPEHPK3PXP"})
    assert {PASSWORD, CLIENT_SECRET, "JBSWY3DPEHPK3PXP"} <= result._no_log_values


def test_defaults() -> None:
    result = validate(_argspec.authorization(), {**CONNECTION, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    params = result.validated_parameters
    assert (params["timeout"], params["retries"], params["rate_limit_wait"]) == (30.0, 3, 60.0)
    assert (params["state"], params["recreate"], params["validate_certs"], params["vault_variable"]) == ("present", "never", True, "github_token")


def test_token_path_is_not_expanded_on_the_controller() -> None:
    result = validate(_argspec.authorization(), {**CONNECTION, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token_path": "~/x/$HOME"})
    assert result.validated_parameters["token_path"] == "~/x/$HOME"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"client_id": CLIENT_ID}, "RequiredIfError"),  # state=present needs client_secret
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "recreate": "when_lost"}, "RequiredIfError"),
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "recreate": "always"}, "RequiredIfError"),
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "otp": "123456", "otp_secret": "JBSWY3DPEHPK3PXP"}, "MutuallyExclusiveError"),
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token_path": "/t", "vault_path": "/v", "vault_password": "p"}, "MutuallyExclusiveError"),
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "vault_path": "/v"}, "RequiredByError"),
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "recreate": "sometimes"}, "ArgumentValueError"),
        ({"client_secret": CLIENT_SECRET}, "RequiredError"),
    ],
    ids=["present-needs-secret", "when-lost-needs-store", "always-needs-store", "otp-and-seed", "two-stores", "vault-needs-password", "bad-choice",
         "client-id-required"],
)
def test_authorization_relations(args: dict[str, t.Any], error: str) -> None:
    assert error in error_types(validate(_argspec.authorization(), {**CONNECTION, **args}))


@pytest.mark.parametrize(
    "args",
    [
        {"client_id": CLIENT_ID, "state": "absent"},
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "recreate": "when_lost", "token_path": "/t"},
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "recreate": "always", "vault_path": "/v", "vault_password": "p"},
    ],
    ids=["absent-without-secret", "when-lost-with-file", "always-with-vault"],
)
def test_authorization_relations_accept(args: dict[str, t.Any]) -> None:
    assert error_types(validate(_argspec.authorization(), {**CONNECTION, **args})) == []


def test_authorization_info_has_filters_and_no_store() -> None:
    spec = _argspec.authorization_info().argument_spec
    assert {"client_id", "fingerprint", "note", "note_regex"} <= set(spec)
    assert not {"token_path", "vault_path", "client_secret", "recreate"} & set(spec)
    assert not spec["client_id"].get("required")


def test_token_file_present_needs_the_token() -> None:
    assert "RequiredIfError" in error_types(validate(_argspec.token_file(), {"path": "/t", "state": "present"}))
    params = validate(_argspec.token_file(), {"path": "/t"}).validated_parameters
    assert (params["state"], params["mode"]) == ("stat", 0o600)


def _documented(documentation: str) -> dict[str, t.Any]:
    return yaml.safe_load(documentation)["options"]


def _compare(spec: dict[str, dict[str, t.Any]], documented: dict[str, t.Any]) -> None:
    assert sorted(spec) == sorted(documented)
    for name, option in spec.items():
        doc = documented[name]
        assert doc.get("type", "str") == option.get("type", "str"), name
        assert bool(doc.get("required")) == bool(option.get("required")), name
        assert doc.get("default") == option.get("default"), name
        assert doc.get("choices") == option.get("choices"), name


def test_the_connection_doc_fragment_documents_the_connection_spec() -> None:
    _compare(_argspec.connection(), _documented(ModuleDocFragment.DOCUMENTATION))


def test_the_token_file_module_documents_its_spec() -> None:
    _compare(_argspec.token_file().argument_spec, _documented(token_file.DOCUMENTATION))
