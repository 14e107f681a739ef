# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one validation pass, with the modules' real argument specs: every check in its documented order, each message,
the environment fallbacks from the task's environment, and what is hidden before validation."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _argspec, _preflight
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import Attributes
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import API_URL, CLIENT_ID, CLIENT_SECRET, OTP_SECRET, PASSWORD, USERNAME

AUTHORIZATION = "oauthkit.github.authorization"
INFO = "oauthkit.github.authorization_info"
CONNECTION = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD}
BASE = {**CONNECTION, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def check(args: dict[str, t.Any], env: dict[str, str] | None = None, *, info: bool = False) -> _preflight.Checked:
    spec = _argspec.authorization_info() if info else _argspec.authorization()
    return _preflight.check(args, spec, env or {}, module=INFO if info else AUTHORIZATION)


def refused(args: dict[str, t.Any], env: dict[str, str] | None = None, *, info: bool = False) -> errors.InvalidInput:
    with pytest.raises(errors.InvalidInput) as exc_info:
        check(args, env, info=info)
    return exc_info.value


# ---------------------------------------------------------------- the order


ORDER = [
    # (option, bad value, good value, message id): the checks, in the order check() documents
    ("tokne_path", "/x", None, "option.unsupported"),
    ("api_url", "https://api.github.com", API_URL, "api_url.github_com"),
    ("ca_path", "/nonexistent/ca.pem", None, "ca_path.missing"),
    ("timeout", 0, 30, "timeout.invalid"),
    ("retries", -1, 3, "retries.invalid"),
    ("rate_limit_wait", -1, 60, "rate_limit_wait.invalid"),
    ("username", "", USERNAME, "username.empty"),
    ("password", "", PASSWORD, "password.empty"),
    ("otp_secret", "not base32!", OTP_SECRET, "otp_secret.not_base32"),
    ("client_id", "short", CLIENT_ID, "client_id.invalid"),
    ("client_secret", "short", CLIENT_SECRET, "client_secret.invalid"),
    ("fingerprint", "a/b", "web1", "fingerprint.invalid"),
    ("scopes", ["a b"], ["repo"], "scopes.invalid"),
    ("mode", "u=rw", "0600", "mode.invalid"),
    ("token_path", "relative/app.token", "/etc/app.token", "token_path.relative"),
]


def test_every_check_in_its_order() -> None:
    args = {name: bad for name, bad, _good, _msg_id in ORDER}
    for name, _bad, good, msg_id in ORDER:
        assert refused(args).msg_id == msg_id
        if good is None:
            del args[name]
        else:
            args[name] = good
    checked = check(args)
    assert checked.store == _preflight.StoreOptions("file", "/etc/app.token", Attributes(0o600, None, None))


# ---------------------------------------------------------------- the argument spec's errors, as the collection words them


@pytest.mark.parametrize(
    ("changes", "msg_id", "fragments"),
    [
        ({"username": None}, "option.missing",
         ("username is not set. Give username, or set the environment variable OAUTHKIT_GITHUB_USERNAME (GITHUB_USERNAME is read last).",)),
        ({"client_id": None}, "option.missing", ("client_id is not set. Give client_id.",)),
        ({"tokne_path": "/x", "vault_pth": "/v"}, "option.unsupported",
         ("oauthkit.github.authorization has no option tokne_path, vault_pth. Its options are: api_url, ca_path,",)),
        ({"retries": "many"}, "option.invalid", ("retries", "int")),
        ({"state": "gone"}, "option.invalid", ("state", "present, absent")),
        ({"otp": "123456", "otp_secret": OTP_SECRET}, "option.otp_conflict", ("otp and otp_secret are mutually exclusive. Give otp",)),
        ({"token_path": "/t", "vault_path": "/v", "vault_password": "p"}, "token_path.with_vault", ()),
        ({"client_secret": None}, "state.needs_secret", ("client_secret is required with state: present.",)),
        ({"recreate": "when_lost"}, "recreate.needs_store", ("recreate: when_lost needs token_path (or vault_path)",)),
        ({"recreate": "always"}, "recreate.needs_store", ("recreate: always needs",)),
        ({"vault_path": "/v"}, "vault.password_missing", ("vault_path needs vault_password",)),
    ],
    ids=["required-with-env-hint", "required", "unsupported", "wrong-type", "bad-choice", "otp-conflict", "two-stores", "needs-secret",
         "when-lost-needs-store", "always-needs-store", "vault-needs-password"],
)
def test_spec_errors(changes: dict[str, t.Any], msg_id: str, fragments: tuple[str, ...]) -> None:
    args = {key: value for key, value in {**BASE, **changes}.items() if value is not None}
    exc = refused(args)
    assert exc.msg_id == msg_id
    for fragment in fragments:
        assert fragment in exc.msg
    assert PASSWORD not in exc.msg and CLIENT_SECRET not in exc.msg


def test_absent_needs_no_client_secret() -> None:
    checked = check({**CONNECTION, "client_id": CLIENT_ID, "state": "absent"})
    assert checked.desired is not None and checked.desired.client_secret == ""
    assert checked.state == "absent" and checked.recreate == "never"


# ---------------------------------------------------------------- the environment


def test_fallbacks_come_from_the_given_environment_not_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHKIT_GITHUB_USERNAME", "from-the-controller")
    env = {"OAUTHKIT_GITHUB_API_URL": "https://a.example.com/api/v3", "GITHUB_API_URL": "https://b.example.com/api/v3",
           "GITHUB_USERNAME": "hubot", "OAUTHKIT_GITHUB_PASSWORD": "pw", "GITHUB_PASSWORD": "other"}
    checked = check({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, env)
    assert checked.connection.api_url == "https://a.example.com/api/v3"  # the collection's own variable wins
    assert checked.connection.username == "hubot"
    assert checked.connection.password == "pw"
    assert "pw" in checked.no_log_values


def test_the_task_wins_over_the_environment() -> None:
    checked = check(BASE, {"OAUTHKIT_GITHUB_API_URL": "https://a.example.com/api/v3"})
    assert checked.connection.api_url == API_URL


def test_an_empty_fallback_variable_counts_as_unset() -> None:
    """AWX sets every injector of a credential type, with '' for an input left empty."""
    env = {"OAUTHKIT_GITHUB_OTP_SECRET": "", "OAUTHKIT_GITHUB_API_URL": "", "GITHUB_API_URL": "https://b.example.com/api/v3"}
    checked = check({k: v for k, v in BASE.items() if k != "api_url"}, env)
    assert checked.connection.otp_secret is None
    assert checked.connection.api_url == "https://b.example.com/api/v3"


def test_the_otp_conflict_names_the_variable_the_seed_came_from() -> None:
    exc = refused({**BASE, "otp": "123456"}, {"GITHUB_OTP_SECRET": OTP_SECRET})
    assert exc.msg_id == "option.otp_conflict"
    assert "(otp_secret came from the environment variable GITHUB_OTP_SECRET; unset it for this task)" in exc.msg
    assert OTP_SECRET not in exc.msg


@pytest.mark.parametrize(
    ("args", "env", "source"),
    [
        ({"api_url": ""}, {}, " (the task gave an empty value: is the variable it comes from set?)"),
        ({"api_url": "  /  "}, {}, " (the task gave an empty value"),
        ({}, {"OAUTHKIT_GITHUB_API_URL": " "}, " (from the environment variable OAUTHKIT_GITHUB_API_URL)"),
    ],
    ids=["task", "blank-task", "environment"],
)
def test_an_empty_api_url_names_where_it_came_from(args: dict[str, t.Any], env: dict[str, str], source: str) -> None:
    exc = refused({**{k: v for k, v in BASE.items() if k != "api_url"}, **args}, env)
    assert exc.msg_id == "api_url.empty"
    assert exc.msg.startswith(f"api_url is empty{source}")
    assert "or set the environment variable OAUTHKIT_GITHUB_API_URL (GITHUB_API_URL is read last)" in exc.msg


@pytest.mark.parametrize(
    ("args", "env", "source"),
    [
        ({"api_url": "https://github.com/api/v3"}, {}, ""),
        ({"api_url": "https://API.GitHub.com."}, {}, ""),
        ({"api_url": "https://uploads.github.com"}, {}, ""),
        ({}, {"GITHUB_API_URL": "https://api.github.com"}, " (from GITHUB_API_URL, which GitHub Actions sets in every job)"),
        ({}, {"OAUTHKIT_GITHUB_API_URL": "https://api.github.com"}, " (from the environment variable OAUTHKIT_GITHUB_API_URL)"),
    ],
    ids=["github-com", "upper-case-trailing-dot", "subdomain", "github-actions", "collection-variable"],
)
def test_github_com_is_refused(args: dict[str, t.Any], env: dict[str, str], source: str) -> None:
    exc = refused({**{k: v for k, v in BASE.items() if k != "api_url"}, **args}, env)
    assert exc.msg_id == "api_url.github_com"
    assert f"github.com{source}, and github.com removed the OAuth Authorizations API" in exc.msg
    assert "no credentials were sent there" in exc.msg


def test_a_host_that_merely_ends_like_github_com_is_not_refused() -> None:
    assert check({**BASE, "api_url": "https://notgithub.com/api/v3"}).connection.api_url == "https://notgithub.com/api/v3"


# ---------------------------------------------------------------- api_url


@pytest.mark.parametrize(
    ("api_url", "msg_id"),
    [
        ("https://octocat:hunter2@ghes.example.com/api/v3", "api_url.credentials"),
        ("https://octocat@ghes.example.com/api/v3", "api_url.credentials"),
        ("https://ghes.example.com/api/v3/@x", "api_url.credentials"),
        ("https://ghes.example.com/api /v3", "api_url.whitespace"),
        ("https://ghes.example.com/api\x00/v3", "api_url.whitespace"),
        ("https://ghes.example.com/api/v3?x=1", "api_url.query"),
        ("https://ghes.example.com/api/v3#top", "api_url.query"),
        ("https://[::1/api/v3", "api_url.unparsable"),
        ("https://[v0.0]/api/v3", "api_url.unparsable"),
        ("https://[127.0.0.1]/api/v3", "api_url.unparsable"),
        ("https://ghes.example.com:port/api/v3", "api_url.unparsable"),
        ("ghes.example.com/api/v3", "api_url.scheme"),
        ("ftp://ghes.example.com/api/v3", "api_url.scheme"),
        ("https:///api/v3", "api_url.scheme"),
        ("https://ghes.example.com/api/../v3", "api_url.dot_segments"),
        ("https://ghes.example.com/./api/v3", "api_url.dot_segments"),
        ("https://ghes.example.com/api/%2e%2e/v3", "api_url.dot_segments"),
        ("https://ghes.example.com/api/%2E/v3", "api_url.dot_segments"),
        ("https://ghes.example.com/api%2Fv3", "api_url.dot_segments"),
        ("https://ghes.example.com/api%5Cv3", "api_url.dot_segments"),
        ("https://ghes.example.com/api%25v3", "api_url.dot_segments"),
    ],
    ids=["credentials", "user-only", "at-in-path", "space", "nul", "query", "fragment", "ipv6-bracket", "ipvfuture", "ipv4-in-brackets",
         "port-not-a-number", "no-scheme", "ftp",
         "no-host", "dot-dot", "dot", "encoded-dot-dot", "encoded-dot-upper", "encoded-slash", "encoded-backslash", "encoded-percent"],
)
def test_api_url_refused(api_url: str, msg_id: str) -> None:
    exc = refused({**BASE, "api_url": api_url})
    assert exc.msg_id == msg_id
    assert "hunter2" not in exc.msg


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        (API_URL, API_URL),
        (f" {API_URL}/ \n", API_URL),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("HTTPS://GHES.example.com/api/v3", "HTTPS://GHES.example.com/api/v3"),
        ("https://ghes.example.com/api/v3.1/x%41y", "https://ghes.example.com/api/v3.1/x%41y"),
    ],
    ids=["ghes", "spaces-and-slash", "loopback-http", "upper-case-scheme", "encoded-letter"],
)
def test_api_url_accepted(api_url: str, expected: str) -> None:
    assert check({**BASE, "api_url": api_url}).connection.api_url == expected


@pytest.mark.parametrize(
    ("api_url", "secrets"),
    [
        ("https://octocat:hunter2@ghes.example.com/api/v3", {"octocat:hunter2", "octocat", "hunter2"}),
        ("http://deployer:pa/ss@host/api/v3", {"deployer:pa/ss", "deployer", "pa/ss"}),
        ("deployer:p@ss@host/api/v3", {"deployer:p@ss", "deployer", "p@ss"}),
        ("https://ghes.example.com/api/v3", set()),
    ],
    ids=["user-password", "slash-in-password", "at-in-password-no-scheme", "none"],
)
def test_credentials_in_api_url_are_secrets_before_validation(api_url: str, secrets: set[str]) -> None:
    args = {**BASE, "api_url": api_url, "otp": 123456}
    assert _preflight.secrets_of(args) == {PASSWORD, CLIENT_SECRET, "123456", *secrets}
    if secrets:
        exc = refused(args)
        assert exc.msg_id == "api_url.credentials"
        for secret in secrets:
            assert secret not in exc.msg


@pytest.mark.parametrize(
    ("api_url", "validate_certs", "warnings"),
    [
        ("http://ghes.example.com/api/v3", True, ["api_url.http_warning"]),
        ("http://10.1.2.3/api/v3", True, ["api_url.http_warning"]),
        ("http://127.9.9.9/api/v3", True, []),
        ("http://[::1]:8080/api/v3", True, []),
        ("http://localhost/api/v3", True, []),
        (API_URL, True, []),
        (API_URL, False, ["validate_certs.warning"]),
        ("http://127.0.0.1/api/v3", False, []),
    ],
    ids=["http-remote", "http-private-ip", "http-loopback-range", "http-ipv6-loopback", "http-localhost", "https", "no-validation", "http-no-validation"],
)
def test_warnings(api_url: str, validate_certs: bool, warnings: list[str]) -> None:
    checked = check({**BASE, "api_url": api_url, "validate_certs": validate_certs})
    assert [warning.msg_id for warning in checked.warnings] == warnings
    assert checked.connection.verify is validate_certs


def test_ca_path(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert check({**BASE, "ca_path": str(ca)}).connection.verify == str(ca)
    assert check({**BASE, "ca_path": str(ca), "validate_certs": False}).connection.verify is False
    assert check(BASE, {"OAUTHKIT_GITHUB_CA_PATH": str(ca)}).connection.verify == str(ca)
    exc = refused({**BASE, "ca_path": str(tmp_path)})
    assert exc.msg_id == "ca_path.missing"


@pytest.mark.parametrize(
    ("changes", "msg_id"),
    [({"timeout": 0}, "timeout.invalid"), ({"timeout": -1.5}, "timeout.invalid"), ({"timeout": "nan"}, "timeout.invalid"),
     ({"timeout": "inf"}, "timeout.invalid"), ({"retries": -1}, "retries.invalid"), ({"rate_limit_wait": -0.5}, "rate_limit_wait.invalid"),
     ({"rate_limit_wait": "inf"}, "rate_limit_wait.invalid"), ({"username": ""}, "username.empty"), ({"password": ""}, "password.empty")],
    ids=["timeout-zero", "timeout-negative", "timeout-nan", "timeout-inf", "retries", "rate-limit-wait", "rate-limit-wait-inf", "username", "password"],
)
def test_numbers_and_credentials(changes: dict[str, t.Any], msg_id: str) -> None:
    exc = refused({**BASE, **changes})
    assert exc.msg_id == msg_id
    assert PASSWORD not in exc.msg


def test_the_connection_is_typed() -> None:
    checked = check({**BASE, "timeout": "7", "retries": "0", "rate_limit_wait": 0, "otp_secret": "jbsw y3dp ehpk 3pxp"})
    assert checked.connection == _preflight.Connection(API_URL, USERNAME, PASSWORD, OTP_SECRET, None, True, 7.0, 0, 0.0)
    assert OTP_SECRET in checked.no_log_values  # the normalised seed, which ansible-core did not see
    assert check({**BASE, "otp": " 012345 "}).connection.otp == "012345"


@pytest.mark.parametrize(
    ("changes", "msg_id"),
    [({"otp_secret": ""}, "otp_secret.empty"), ({"otp_secret": "not base32!"}, "otp_secret.not_base32"), ({"otp_secret": "JBSWY3DP"}, "otp_secret.too_short"),
     ({"otp": "12345"}, "otp.invalid")],
    ids=["seed-empty", "seed-not-base32", "seed-short", "otp-short"],
)
def test_two_factor_options(changes: dict[str, t.Any], msg_id: str) -> None:
    exc = refused({**BASE, **changes})
    assert exc.msg_id == msg_id
    assert OTP_SECRET not in exc.msg


# ---------------------------------------------------------------- the authorization's options


def test_desired_is_normalised() -> None:
    result = check({**BASE, "client_id": f" {CLIENT_ID} ", "scopes": ["repo", "gist", "repo"], "note": ""}).desired
    assert result is not None
    assert result.client_id == CLIENT_ID
    assert result.scopes == ("repo", "gist")
    assert result.note == ""  # an empty note is managed, not ignored
    assert check({**BASE, "scopes": "repo,read:org"}).desired.scopes == ("repo", "read:org")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "msg_id", "fragment"),
    [
        ({"client_id": "0123456789abcdef012"}, "client_id.invalid", "got 19 characters"),
        ({"client_id": "0123456789abcdef012/"}, "client_id.invalid", "got 20 characters"),
        ({"client_secret": CLIENT_SECRET[:-1]}, "client_secret.invalid", "got 39 characters"),
        ({"fingerprint": ""}, "fingerprint.invalid", ""),
        ({"fingerprint": "."}, "fingerprint.invalid", ""),
        ({"fingerprint": ".."}, "fingerprint.invalid", ""),
        ({"fingerprint": "a\\b"}, "fingerprint.invalid", ""),
        ({"fingerprint": "a/b"}, "fingerprint.invalid", ""),
        ({"fingerprint": "a%2Fb"}, "fingerprint.invalid", ""),
        ({"fingerprint": "a b"}, "fingerprint.invalid", ""),
        ({"fingerprint": "é"}, "fingerprint.invalid", ""),
        ({"fingerprint": "x" * 256}, "fingerprint.invalid", ""),
        ({"scopes": ["repo,gist"]}, "scopes.invalid", "'repo,gist'"),
        ({"scopes": ["repo gist"]}, "scopes.invalid", "'repo gist'"),
        ({"scopes": [""]}, "scopes.invalid", "''"),
    ],
    ids=["client-id-19", "client-id-slash", "secret-39", "fingerprint-empty", "fingerprint-dot", "fingerprint-dot-dot", "fingerprint-backslash",
         "fingerprint-slash", "fingerprint-percent", "fingerprint-space", "fingerprint-non-ascii", "fingerprint-256", "scope-comma", "scope-space",
         "scope-empty"],
)
def test_authorization_options_refused(changes: dict[str, t.Any], msg_id: str, fragment: str) -> None:
    exc = refused({**BASE, **changes})
    assert exc.msg_id == msg_id
    assert fragment in exc.msg
    assert CLIENT_SECRET[:-1] not in exc.msg


def test_fingerprints_of_printable_characters_are_accepted() -> None:
    fingerprint = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "/\\%")
    assert check({**BASE, "fingerprint": fingerprint}).desired.fingerprint == fingerprint  # type: ignore[union-attr]
    assert check({**BASE, "fingerprint": "x" * 255}).desired.fingerprint == "x" * 255  # type: ignore[union-attr]
    assert check({**BASE, "fingerprint": "..."}).desired.fingerprint == "..."  # type: ignore[union-attr]


# ---------------------------------------------------------------- the token store's options


@pytest.mark.parametrize(
    ("mode", "parsed"),
    [(None, 0o600), (0o600, 0o600), (384, 0o600), ("0600", 0o600), ("600", 0o600), (" 0640 ", 0o640), ("0400", 0o400), (0, 0)],
    ids=["default", "yaml-octal-int", "decimal-int", "quoted", "three-digits", "spaces", "read-only", "zero"],
)
def test_mode_is_parsed(mode: t.Any, parsed: int) -> None:
    assert _preflight.parse_mode(mode) == parsed


@pytest.mark.parametrize("mode", ["u=rw", "rw-------", "0800", "12345", "1600", "06000", 0o1000, -1, True, 6.0, "0x180"],
                         ids=["symbolic", "ls-style", "not-octal", "five-digits", "sticky", "setuid", "above-0777", "negative", "bool", "float", "hex"])
def test_mode_refused(mode: t.Any) -> None:
    exc = refused({**BASE, "token_path": "/etc/app.token", "mode": mode})
    assert exc.msg_id == "mode.invalid"


@pytest.mark.parametrize(("mode", "msg_id"), [("0602", "mode.world_writable"), ("0666", "mode.world_writable"), ("0622", "mode.world_writable")])
def test_world_writable_is_refused(mode: str, msg_id: str) -> None:
    exc = refused({**BASE, "token_path": "/etc/app.token", "mode": mode})
    assert exc.msg_id == msg_id
    assert f"mode {int(mode, 8):04o} lets every user on the host replace the token" in exc.msg


@pytest.mark.parametrize(("mode", "who"), [("0640", "its group"), ("0604", "every user"), ("0644", "its group and every user")])
def test_readable_modes_warn(mode: str, who: str) -> None:
    checked = check({**BASE, "token_path": "/etc/app.token", "mode": mode})
    (warning,) = checked.warnings
    assert (warning.msg_id, warning.fields["who"]) == ("mode.readable_warning", who)
    assert check({**BASE, "token_path": "/etc/app.token", "mode": "0600"}).warnings == ()


@pytest.mark.parametrize("path", ["relative/app.token", "./app.token", "app.token", ""], ids=["relative", "dot", "bare", "empty"])
def test_a_relative_token_path_is_refused(path: str) -> None:
    exc = refused({**BASE, "token_path": path})
    assert exc.msg_id == "token_path.relative"
    assert repr(path) in exc.msg


@pytest.mark.parametrize("path", ["/etc/app.token", "~/app.token", "~deploy/app.token", "$HOME/app.token", " /etc/app.token "])
def test_token_paths_expanded_on_the_host_are_accepted(path: str) -> None:
    checked = check({**BASE, "token_path": path, "owner": "deploy", "group": "", "recreate": "when_lost"})
    assert checked.store == _preflight.StoreOptions("file", path.strip(), Attributes(0o600, "deploy", None))
    assert checked.recreate == "when_lost"


def test_vault_options(tmp_path: Path) -> None:
    checked = check({**BASE, "vault_path": str(tmp_path / "token.yml"), "vault_password": "vault-pw", "vault_id": "prod", "vault_variable": "gh_token"})
    assert checked.store is not None
    expected = ("vault", str(tmp_path / "token.yml"), "gh_token", "prod")
    assert (checked.store.kind, checked.store.path, checked.store.vault_variable, checked.store.vault_id) == expected
    assert checked.store.vault_password == "vault-pw"
    assert "vault-pw" not in repr(checked.store)
    assert "vault-pw" in checked.no_log_values
    assert check({**BASE, "vault_path": "/v.yml", "vault_password": "p"}).store.vault_variable == "github_token"  # type: ignore[union-attr]


@pytest.mark.parametrize("variable", ["1token", "github-token", "", "a b"])
def test_vault_variable_refused(variable: str) -> None:
    exc = refused({**BASE, "vault_path": "/v.yml", "vault_password": "p", "vault_variable": variable})
    assert exc.msg_id == "vault_variable.invalid"


def test_no_store_without_a_path() -> None:
    assert check(BASE).store is None
    assert refused({**BASE, "mode": "u=rw"}).msg_id == "mode.invalid"  # the mode is checked even without a store


# ---------------------------------------------------------------- authorization_info


def test_info_filters() -> None:
    checked = check({**CONNECTION, "client_id": f"{CLIENT_ID} ", "fingerprint": "web1", "note": "n", "note_regex": "^deploy"}, info=True)
    assert checked.desired is None and checked.store is None
    assert checked.filters is not None
    assert (checked.filters.client_id, checked.filters.fingerprint, checked.filters.note) == (CLIENT_ID, "web1", "n")
    assert checked.filters.note_regex is not None and checked.filters.note_regex.pattern == "^deploy"
    assert check(CONNECTION, info=True).filters == (None, None, None, None)


@pytest.mark.parametrize(
    ("changes", "msg_id"),
    [({"note_regex": "[unclosed"}, "note_regex.invalid"), ({"client_id": "short"}, "client_id.invalid"), ({"fingerprint": "a/b"}, "fingerprint.invalid"),
     ({"client_secret": CLIENT_SECRET}, "option.unsupported")],
    ids=["regex", "client-id", "fingerprint", "no-client-secret"],
)
def test_info_filters_refused(changes: dict[str, t.Any], msg_id: str) -> None:
    exc = refused({**CONNECTION, **changes}, info=True)
    assert exc.msg_id == msg_id
    if msg_id == "option.unsupported":
        assert exc.msg.startswith("oauthkit.github.authorization_info has no option client_secret.")
        assert CLIENT_SECRET not in exc.msg


def test_note_regex_message_gives_the_reason() -> None:
    assert "not a valid Python regular expression: unterminated character set at position 0" in refused({**CONNECTION, "note_regex": "["}, info=True).msg


def test_plain_strips_ansible_cores_tags_from_keys_and_values() -> None:
    """The validator deep-copies what it validates: tagged keys or values (ansible-core 2.19 hands subclasses of str and int
    that carry their origin) would make every loop item slow. plain() gives the builtin types back."""

    class TaggedStr(str):
        origin = ("/playbook.yml", 1)

    class TaggedInt(int):
        origin = ("/playbook.yml", 2)

    tagged = {TaggedStr("scopes"): [TaggedStr("repo")], TaggedStr("retries"): TaggedInt(3), TaggedStr("validate_certs"): True}
    plain = _preflight.plain(tagged)
    assert plain == {"scopes": ["repo"], "retries": 3, "validate_certs": True}
    assert {type(key) for key in plain} == {str}
    assert (type(plain["scopes"][0]), type(plain["retries"]), type(plain["validate_certs"])) == (str, int, bool)
