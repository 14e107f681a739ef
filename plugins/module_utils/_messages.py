# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The catalog of every message the collection shows a user, by id.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

A message is a ``str.format`` template.  Option names are written between backticks
(`` `token_path` ``): they are shown as the option's name, or as the input that stands for
it when the role ``oauthkit.github.app_token`` calls the module (``app_token_path``).
``{field}`` is a value filled in at run time; a field whose value is a ``Part`` is
itself a message of the catalog, rendered with the same names, and a field named
``option`` (or ``*_option``) holds an option name, shown the same way.  The troubleshooting
guide has one entry per id (``hacking/check_messages.py`` compares the two sets).
Templates never take a secret as a field.
"""

from __future__ import annotations

import re
import typing as t

MESSAGES: dict[str, str] = {
    # ------------------------------------------------------------------ options, before any request
    "option.missing": (
        "{option} is not set. Give {option}{env_hint}."
    ),
    "option.unsupported": "{module} has no option {unknown}. Its options are: {supported}.",
    "option.invalid": "{detail}",
    "option.otp_conflict": (
        "`otp` and `otp_secret` are mutually exclusive{source}. Give `otp` (a code received by SMS) or `otp_secret` (the seed), not both."
    ),
    "api_url.empty": (
        "`api_url` is empty{source}. Give the API root of your GitHub Enterprise Server, such as https://ghes.example.com/api/v3, in `api_url`{env_hint}."
    ),
    "api_url.credentials": (
        "`api_url` must not contain credentials (user:password@ before the host): remove them and use `username` and `password`."
    ),
    "api_url.whitespace": "`api_url` contains whitespace or control characters: give the URL alone, such as https://ghes.example.com/api/v3.",
    "api_url.unparsable": "`api_url` is not a URL that can be parsed (check the [brackets] of an IPv6 host): give https://HOST/api/v3.",
    "api_url.scheme": "`api_url` must be an http:// or https:// URL with a host, such as https://ghes.example.com/api/v3; it starts with {start!r}.",
    "api_url.query": "`api_url` must be the API root, without ?query or #fragment, such as https://ghes.example.com/api/v3.",
    "api_url.dot_segments": (
        "`api_url` has a path that URL normalisation would change ({segment!r}): give the API root as it is, such as https://ghes.example.com/api/v3."
    ),
    "api_url.github_com": (
        "`api_url` points at {host}{source}, and github.com removed the OAuth Authorizations API on 2020-11-13: no credentials were sent there. "
        "Point `api_url` at a GitHub Enterprise Server that still serves it (https://HOST/api/v3){env_hint}."
    ),
    "api_url.http_warning": (
        "`api_url` uses http:// to {host}: the password and the two-factor code travel unencrypted. Use https:// (with `ca_path` for a private CA)."
    ),
    "api_url.proxy_warning": (
        "`api_url` uses http:// through the proxy {proxy_host} (from {variable}): the proxy, and anyone on the way to it, can read the password "
        "and the two-factor code. Use https://, or exempt the host in NO_PROXY."
    ),
    "validate_certs.warning": (
        "`validate_certs` is false: the server's certificate is not checked, so anyone on the path can read the password and the two-factor "
        "code. Give the CA's PEM file in `ca_path` instead."
    ),
    "ca_path.missing": "`ca_path` {path!r} is not a file on the controller: give the PEM file of the CA that signed the server's certificate.",
    "environment.invalid": (
        "The task's environment has a variable that no process environment can hold ({variable!r}: a NUL character, an = in its name, "
        "or no name): fix the task's `environment` keyword. Nothing was sent to GitHub."
    ),
    "timeout.invalid": "`timeout` must be a number of seconds greater than 0.",
    "retries.invalid": "`retries` must be 0 (no retries) or more.",
    "rate_limit_wait.invalid": "`rate_limit_wait` must be a number of seconds, 0 or more.",
    "username.empty": "`username` is empty: set the GitHub login that owns the authorization{env_hint}.",
    "password.empty": "`password` is empty: set the account's password, kept in ansible-vault{env_hint}.",
    "otp_secret.empty": "`otp_secret` is empty: give the base32 TOTP seed shown when two-factor authentication was set up.",
    "otp_secret.not_base32": (
        "`otp_secret` is not valid base32 (letters A-Z and digits 2-7): give the TOTP seed itself, not an otpauth:// URI, a recovery code "
        "or a six-digit code."
    ),
    "otp_secret.too_short": "`otp_secret` is too short for a TOTP seed (under 80 bits): check that the whole seed was copied.",
    "otp.invalid": (
        "`otp` must be a one-time code of 6 to 8 digits, given as a string; it has {length} characters. Quote it in YAML (otp: '012345'), "
        "otherwise a leading zero is lost."
    ),
    "client_id.invalid": (
        "`client_id` must be the OAuth app's 20-character client ID (letters, digits and '.'); got {length} characters. Copy it from the app's "
        "settings page."
    ),
    "client_secret.invalid": (
        "`client_secret` must be the OAuth app's 40-character client secret; got {length} characters. Generate or copy it on the app's settings "
        "page and keep it in ansible-vault."
    ),
    "fingerprint.invalid": (
        "`fingerprint` must be 1 to 255 printable ASCII characters without spaces, '/', '\\' or '%', and not '.' or '..' (for example a host "
        "name or a UUID); omit it for the app's one authorization without fingerprint."
    ),
    "scopes.invalid": (
        "`scopes` must be a list of scope names such as repo or read:org, one per item; {scope!r} is empty or contains a comma or whitespace. "
        "Write scopes: [repo, read:org], or the string 'repo,read:org' without spaces."
    ),
    "note_regex.invalid": "`note_regex` is not a valid Python regular expression: {reason}.",
    "mode.invalid": (
        "`mode` must be an octal mode such as '0600' (quoted), between 0000 and 0777; got {value!r}. Symbolic modes (u=rw) are not taken "
        "for a token file."
    ),
    "mode.world_writable": "`mode` {mode} lets every user on the host replace the token: give '0600', or '0640' to share it with a group.",
    "mode.readable_warning": "`mode` {mode} lets {who} read the token. Keep '0600' unless another account must read it.",
    "token_path.relative": (
        "`token_path` {path!r} is relative: give an absolute path on the task's host (~ and $HOME are expanded there), such as "
        "/etc/provisioner/github.token."
    ),
    "token_path.with_vault": "`token_path` and `vault_path` are two places for one token: give one of them.",
    "vault.password_missing": "`vault_path` needs `vault_password`, the ansible-vault password that encrypts it.",
    "vault_variable.invalid": "`vault_variable` must be a variable name (letters, digits and _, not starting with a digit); got {value!r}.",
    "recreate.needs_store": "`recreate`: {policy} needs `token_path` (or `vault_path`), where the new token is kept.",
    "state.needs_secret": "`client_secret` is required with `state`: present.",
    "connection.unsupported": (
        "`token_path` is a path on the task's host, and the connection {connection} cannot run the oauthkit.github.token_file module there "
        "(it needs a POSIX shell and Python 3.8 or later). Nothing was sent to GitHub. Keep the token on a host reached over ssh or local, "
        "for example with delegate_to, or use `vault_path` on the controller."
    ),
    # ------------------------------------------------------------------ token stores
    "store.relative": "{option} {path!r} is not absolute on {machine} after ~ and variables were expanded there: give an absolute path.",
    "store.no_directory": "The directory {directory} of {option} {path} does not exist on {machine}: create it first (for example with ansible.builtin.file).",
    "store.directory_unusable": "The directory {directory} of {option} {path} cannot be used ({reason}).",
    "store.directory_read_only": (
        "The directory {directory} of {option} {path} on {machine} is not writable for this user: the token could not be kept there. "
        "Make it writable, {become_hint}give another path."
    ),
    "store.is_directory": "{option} {path} is a directory: give the path of the file that is to hold the token.",
    "store.special_file": "{option} {path} is a {kind}, not a regular file: remove it, or give another path.",
    "store.too_big": "{option} {path} holds more than {limit} bytes, so it holds something else than a token: give another path.",
    "store.unreadable": "{option} {path} could not be read ({reason}).",
    "store.owner_unknown": "`owner` {owner_name!r} is not a user on {machine}, which keeps {option}.",
    "store.group_unknown": "`group` {group_name!r} is not a group on {machine}, which keeps {option}.",
    "store.owner_needs_root": "`owner` {owner_name!r} can be given to {option} {path} only by root: {become_hint}leave `owner` out.",
    "store.group_not_member": (
        "`group` {group_name!r} can be given to {option} {path} only by root or a member of that group: {become_hint}leave `group` out."
    ),
    "store.write_failed": "The token could not be written to {path} ({reason}).",
    "store.write_unknown": (
        "Whether the token was written to {path} is not known ({reason}): the file may hold the new token or not."
    ),
    "store.remove_failed": "{option} {path} could not be removed ({reason}).",
    "store.attributes_failed": "The mode, owner or group of {option} {path} could not be set ({reason}).",
    "store.lock_failed": "The lock file {lock_path} could not be opened ({reason}): the directory of {option} {path} must be writable.",
    "store.controller_lock_failed": (
        "The lock file {lock_path} on the controller, which serialises the runs that keep {option} {path} on one host, could not be "
        "opened ({reason}): ~/.ansible/tmp on the controller must be writable."
    ),
    "store.lock_symlink": "The lock file {lock_path} is a symbolic link: remove it; a lock file is never followed through a link.",
    "store.lock_timeout": "Another run holds {lock_path} for longer than {seconds:g} s (`timeout`): run again when it is done.",
    "store.host_failed": "The oauthkit.github.token_file module failed on the host: {reason}",
    "store.host_python": (
        "The Python on the task's host ({interpreter}) is older than 3.8, which the oauthkit.github.token_file module needs. Set "
        "ansible_python_interpreter to Python 3.8 or later on that host."
    ),
    "module.direct_use": (
        "{module} runs on the controller, as an action plugin, and is not run as a module on its own: use it as a task in a playbook "
        "(ansible-playbook, ansible-runner, AWX), or with ansible -m {module}."
    ),
    "vault.undecryptable": (
        "`vault_path` {path} could not be decrypted with `vault_password`{vault_id_note}: the password or the vault id is not the one it was "
        "written with, or the file is not an ansible-vault file. Nothing was sent to GitHub. Give the right `vault_password`, or move the file "
        "away and run with `recreate`: when_lost."
    ),
    "vault.not_vars": "`vault_path` {path} decrypts to something else than a YAML mapping of variables: move it away, or give another path.",
    "vault.token_not_string": "The variable {variable!r} in `vault_path` {path} is not a string: move the file away, or give another path.",
    "vault.encrypt_failed": "The token could not be encrypted for `vault_path` {path} ({reason}).",
    # ------------------------------------------------------------------ token custody
    "where.file": "`token_path` {path}{on_host}",
    "where.vault": "`vault_path` {path} (variable {variable})",
    "token.what_missing": "holds no token",
    "token.what_mismatch": "holds another token than the authorization's",
    "token.lost": (
        "{where} {what} ({status}) for authorization {ident} (token ending {last_eight}), and GitHub never shows a token again.{lost_note} "
        "Nothing was deleted. Set `recreate`: when_lost to replace the authorization with a new one whose token is kept, or delete the "
        "authorization (`state`: absent) and run again."
    ),
    "token.lost_note": " The answer to a first attempt of the PUT was lost on the way: GitHub probably created the authorization then.",
    "token.foreign": (
        "{where} holds the token of another live authorization: id {other_id}, fingerprint {other_fingerprint}, app {other_app} (foreign). "
        "Two tasks share one store, and each would replace the other's token on every run. Nothing of that authorization was "
        "touched.{created_note} Give each fingerprint its own store, for example with the fingerprint in the file name."
    ),
    "token.foreign_created_note": " Authorization {ident}, which this run had just made, was deleted again.",
    "token.answer_lost": (
        "The answer to a first attempt of the PUT was lost on the way, and the retry found authorization {ident} (token ending "
        "{last_eight}). If that first attempt created it, GitHub sent its token in the lost answer and never shows it again. If you do not "
        "hold that token, delete the authorization (`state`: absent) and run again; with `token_path` and `recreate`: when_lost the module "
        "does this itself."
    ),
    "token.not_returned": (
        "GitHub made authorization {ident}, but its answer held no token, and GitHub never shows a token again. Authorization {ident} "
        "was deleted again, so the next run starts clean: run again."
    ),
    "token.not_returned_kept": (
        "GitHub made authorization {ident}, but its answer held no token, and deleting it failed ({second}): delete it (`state`: absent) "
        "and run again."
    ),
    "token.not_returned_reason": "GitHub's answer for authorization {ident} held no token.",
    "token.write_raised": "The store failed with {kind}.",
    "token.made_new": "made",
    "token.made_reset": "reset (its old token no longer works)",
    "token.unknown_note": " {where} may hold that token, which no longer works.",
    "token.rolled_back": (
        "{reason} Authorization {ident}, {made} by this run, was deleted again, since its token could not be kept, so the next run starts "
        "clean.{unknown_note} Fix {where} and run again."
    ),
    "token.rollback_failed": (
        "{reason} Deleting authorization {ident}, {made} by this run, whose token could not be kept, failed too ({second}).{unknown_note} "
        "Delete it (`state`: absent), fix {where} and run again."
    ),
    "token.recreate_found_other": (
        "Authorization {ident} was deleted to replace its lost token, but the next PUT found authorization {other}, which another run made "
        "in the meantime; run again."
    ),
    "token.recreate_answer_lost": (
        "Authorization {ident} was deleted to replace its lost token, and the answer to the PUT that made its successor ({other}) was lost, "
        "so its token was never seen. Run again: the token is missing, and `recreate` replaces it."
    ),
    "token.reset_lost": (
        "The answer to the token reset of authorization {ident} was lost ({why}): GitHub may have reset the token, so {where} may hold a "
        "token that no longer works. It was not sent again. The next run finds out, and a dead token is replaced by `recreate`."
    ),
    "token.changed_during_run": "{where} changed during the run, so its token was not reset; run again.",
    "note.malformed_deleted": " Authorization {ident}, made by this request, was deleted again.",
    # ------------------------------------------------------------------ GitHub's answers
    "api.otp": "{where}: {hint}",
    "api.no_credentials": (
        "{where}: GitHub received no credentials, though the request carried `username` and `password`. Something between the controller "
        "and GitHub (a proxy, a load balancer) removed the Authorization header: check the proxy settings of the task's environment."
    ),
    "api.bad_credentials": (
        "{where}: GitHub rejected the username or password. Check `username` and `password`; repeated failures lock the account's "
        "password logins, so no other task of this run tries them again."
    ),
    "api.lockout": (
        "{where}: GitHub locked this account's password logins after too many failed attempts. Nothing was retried, because every attempt "
        "extends the lockout: fix `password`, wait until GitHub lifts the lockout, then run again."
    ),
    "api.rate_limited": "{where}: GitHub's rate limit for this account is exhausted {when}; run again after that, or raise `rate_limit_wait`.",
    "api.forbidden": "{where}: the account may not do this; check its permissions and the OAuth app's settings.",
    "api.not_found": "{where}: {hint}",
    "api.validation": "{where}: {details}. Check `client_id`, `client_secret`, `scopes`, `note` and `fingerprint`.",
    "api.gone": (
        "{where}: GitHub has switched this endpoint off. github.com removed the OAuth Authorizations API on 2020-11-13; point `api_url` at "
        "a GitHub Enterprise Server that still serves it (https://HOST/api/v3)."
    ),
    "api.bad_request": "{where}: GitHub could not read the request.",
    "api.server_error": (
        "{where}: the GitHub server failed. It may have carried out the {method} before it failed; a later run finds out. Try again later."
    ),
    "api.server_error_get": "{where}: the GitHub server failed; this request changed nothing. Try again later.",
    "api.unexpected_status": "{where}: this status is not part of the API contract.",
    "api.redirect": "{where}: check `api_url` (for GitHub Enterprise Server it ends in /api/v3); redirects are not followed.",
    "api.not_json": (
        "{where} with a body that is not JSON: check that `api_url` is the API root (for GitHub Enterprise Server https://HOST/api/v3), "
        "not the web interface."
    ),
    "api.no_shape": "{where} without {kind} in its body, which the API contract promises.",
    "api.next_page_elsewhere": "GET {path}: the next page is on another server ({host}); credentials are not sent there.",
    "api.malformed": (
        "{where} returned an authorization whose {fields_list} does not have the type the API contract gives it; check that `api_url` "
        "is a GitHub Enterprise Server API root (https://HOST/api/v3).{rolled_back_note}"
    ),
    "api.not_an_object": "{where} returned {kind} where an authorization object belongs.",
    "hint.check": "check `api_url` and `client_id`.",
    "hint.removed": (
        "github.com removed the OAuth Authorizations API on 2020-11-13; point `api_url` at a GitHub Enterprise Server that still serves "
        "it (https://HOST/api/v3)."
    ),
    "hint.not_api_root": (
        "`api_url` does not lead to a GitHub API root (its answer is not GitHub's API): for GitHub Enterprise Server, `api_url` is "
        "https://HOST/api/v3."
    ),
    "hint.below_root": (
        "`api_url` is not the API root: GitHub Enterprise Server {version} answers {status} there, not with its root document. "
        "Give the root itself, https://HOST/api/v3, without a path after it."
    ),
    "hint.ghes_client_id": (
        "`client_id` is not an OAuth app on this server (copy it from the app's settings page), or GitHub Enterprise Server {version} "
        "no longer serves the OAuth Authorizations API."
    ),
    "hint.ghes_other": "GitHub Enterprise Server {version} answers at `api_url`, but not for this {method}.",
    "otp.required": (
        "GitHub asks for a two-factor code (X-GitHub-OTP: required; {kind}). Set `otp_secret` to the account's base32 TOTP seed, kept "
        "in ansible-vault, or `otp` to a code given by hand."
    ),
    "otp.sms_sent": (
        "This account receives its two-factor codes by SMS, so no code can be computed. GitHub sends the SMS only when a POST or PUT "
        "reaches the Authorizations API, as this request just did: run the task again within a few minutes with `otp` set to the code "
        "from the SMS (quoted, as a string). For unattended runs, switch the account to an authenticator app and give its seed as `otp_secret`."
    ),
    "otp.sms_get": (
        "This account receives its two-factor codes by SMS, and a GET makes GitHub send no SMS. Make GitHub send one by running "
        "oauthkit.github.authorization with `state`: present once (its PUT fails without an OTP and creates nothing, but triggers the "
        "SMS), then run this task within a few minutes with `otp` set to the code from the SMS (quoted, as a string)."
    ),
    "otp.sms_check_mode": (
        "This account receives its two-factor codes by SMS. Check mode sends only GET requests, and a GET makes GitHub send no SMS, so "
        "no code can be had in check mode. Run the task once without check mode (its PUT makes GitHub send the SMS), then run it again "
        "within a few minutes with `otp` set to the code from the SMS (quoted, as a string)."
    ),
    "otp.sms_info": (
        "This account receives its two-factor codes by SMS, and oauthkit.github.authorization_info sends only GET requests, which make "
        "GitHub send no SMS. Get a code by running oauthkit.github.authorization (its PUT makes GitHub send the SMS), then run this task "
        "within a few minutes with `otp` set to the code from the SMS (quoted, as a string)."
    ),
    "otp.rejected_twice": (
        "GitHub rejected the two-factor code, and again the code of the next 30-second step. Check that `otp_secret` is this account's "
        "seed and that this machine's clock is right (NTP); a code is also refused when it was already used."
    ),
    "otp.no_next_step": (
        "GitHub rejected the two-factor code computed from `otp_secret`, and the next 30-second step did not begin before the request's "
        "time ran out (the retries and waits before it used it up), so it was not retried. Check that this machine's clock is right "
        "(NTP), then run again."
    ),
    "otp.static_rejected": "GitHub rejected the one-time code given in `otp`: it expired or was already used. Get a new code and run again.",
    "guard.refused": (
        "Not sent: an earlier task of this run logged in to {api_url} as {login} and GitHub refused it ({first}). No other login is "
        "tried in this run, so that the account is not locked out; fix `username` or `password` and run again."
    ),
    "guard.wait_timeout": (
        "Not sent: another task of this run has been logging in to {api_url} as {login} for more than {seconds:g} s; run again when it is done."
    ),
    # ------------------------------------------------------------------ the totp lookup
    "lookup.not_string": (
        "oauthkit.github.totp takes the base32 TOTP seed as a string; it got a {kind}. Pass the seed itself, for example "
        "lookup('oauthkit.github.totp', vault_github_otp_secret)."
    ),
    "lookup.unknown_option": "oauthkit.github.totp: unknown option(s) {unknown}; the options are {options}.",
    "lookup.digits": "oauthkit.github.totp: digits must be {low} to {high}; got {value}.",
    "lookup.interval": "oauthkit.github.totp: interval must be a number of seconds, 1 or more; got {value}.",
    "lookup.no_term": "oauthkit.github.totp needs the base32 TOTP seed as its term.",
    # ------------------------------------------------------------------ the network
    "transport.tls": (
        "TLS verification of {origin} failed ({reason}). Set `ca_path` to the PEM file of the CA that signed the server's certificate; "
        "`validate_certs`: false is for tests only."
    ),
    "transport.connect_timeout": "Could not connect to {origin} within {seconds:g} s: check `api_url`, DNS, proxies and that the server is up.",
    "transport.unreachable": "Could not reach {origin} ({reason}): check `api_url`, DNS, proxies and that the server is up.",
    "transport.answer_lost": (
        "{method} {path} was sent, and no answer came back ({why}): GitHub may have carried it out, and the next run finds out what it "
        "did. A request without an answer is sent again only when it is idempotent and these credentials were accepted earlier in "
        "the run (a lost answer may have been a refused login), at most `retries` times."
    ),
    "transport.answer_lost_get": "{method} {path} was sent, and its answer was lost ({why}); run again, or raise `timeout`.",
    "dependency.missing": (
        "{library} is missing on the controller, where oauthkit.github makes its GitHub calls: install it for the Python that runs "
        "Ansible ({python}), for example with: {python} -m pip install '{requirement}'"
    ),
    "dependency.too_old": (
        "{library} {found} on the controller is older than oauthkit.github needs: install '{requirement}' for the Python that runs "
        "Ansible ({python}), for example with: {python} -m pip install '{requirement}'"
    ),
}

OPTION_PATTERN = re.compile(r"`([a-z_]+)`")


class Part(t.NamedTuple):
    """A message of the catalog used as a field of another one."""

    msg_id: str
    fields: dict[str, t.Any]


def part(msg_id: str, **fields: t.Any) -> Part:
    if msg_id not in MESSAGES:
        raise KeyError(msg_id)
    return Part(msg_id, fields)


def render(msg_id: str, fields: t.Mapping[str, t.Any], names: t.Mapping[str, str] | None = None) -> str:
    """The message ``msg_id`` filled with ``fields``; option names shown as ``names`` maps them (default: as they are)."""
    names = names or {}
    template = OPTION_PATTERN.sub(lambda match: names.get(match[1], match[1]), MESSAGES[msg_id])
    values = {}
    for key, value in fields.items():
        if isinstance(value, Part):
            value = render(value.msg_id, value.fields, names)  # noqa: PLW2901
        elif key == "option" or key.endswith("_option"):
            value = names.get(value, value)  # noqa: PLW2901 - a field that names an option
        values[key] = value
    return template.format_map(_Values(values))


class _Values(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""  # an optional field (a note, a hint) that this occurrence does not have
