# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The pre-flight step: every check of the options, made before any request is sent.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

``check()`` lists them all, in the order they run.  A wrong value raises
``InvalidInput`` with the fix; nothing here talks to the network.  Messages never
repeat a secret's value.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import re
import typing as t
from urllib.parse import urlsplit

from ansible_collections.oauthkit.github.plugins.module_utils import _otp
from ansible_collections.oauthkit.github.plugins.module_utils._authorizations import Desired
from ansible_collections.oauthkit.github.plugins.module_utils._errors import InvalidInput

CLIENT_ID_LENGTH = 20
CLIENT_SECRET_LENGTH = 40
_CLIENT_ID_RE = re.compile(rf"^[A-Za-z0-9.]{{{CLIENT_ID_LENGTH}}}$")
# Printable ASCII, without whitespace, "/" (a path separator even when encoded, for many proxies) or "%".
_FINGERPRINT_RE = re.compile(r"^[!-$&-.0-~]{1,255}$")
_SCOPE_RE = re.compile(r"^[^\s,]+$")


@dataclasses.dataclass(frozen=True)
class Checked:
    """The options after the pre-flight step: normalised, and safe to send."""

    api_url: str
    otp_secret: str | None
    otp: str | None
    desired: Desired | None
    warnings: tuple[str, ...] = ()
    token_path: str | None = None


def check(params: dict[str, t.Any], *, require_secret: bool) -> Checked:
    """Run every pre-flight check, in this order, and return the normalised options.

    Checks 7 to 10 run when client_id is given; they build ``desired``.

    1. api_url: http(s), a host, no credentials, no query or fragment; a warning for http:// to a host that is not loopback,
       and one for https:// with validate_certs false.
    2. ca_path: an existing file.
    3. timeout greater than 0; retries and rate_limit_wait not negative.
    4. username and password: not empty.
    5. otp_secret: base32, at least 80 bits.
    6. otp: 6 to 8 digits.
    7. client_id: the app's 20-character client ID.
    8. client_secret: 40 characters, when the state needs it.
    9. fingerprint: printable ASCII without spaces, '/' or '%'.
    10. scopes: names without commas or whitespace.
    11. token_path: only with state present; not a directory, and its directory exists.
    """
    api_url, warnings = _api_url(params.get("api_url"))
    if params.get("validate_certs") is False and api_url.lower().startswith("https://"):
        warnings += ("validate_certs is false: the server's certificate is not checked, so anyone on the path can read the password "
                     "and the two-factor code. Give the CA's PEM file in ca_path instead.",)
    _ca_path(params.get("ca_path"))
    if params.get("timeout") is not None and not (math.isfinite(params["timeout"]) and params["timeout"] > 0):
        raise InvalidInput("timeout must be a number of seconds greater than 0.")
    if (params.get("retries") or 0) < 0:
        raise InvalidInput("retries must be 0 (no retries) or more.")
    rate_limit_wait = params.get("rate_limit_wait") or 0
    if not (math.isfinite(rate_limit_wait) and rate_limit_wait >= 0):
        raise InvalidInput("rate_limit_wait must be a number of seconds, 0 or more.")
    if not params.get("username"):
        raise InvalidInput("username is empty: set the GitHub login that owns the authorization (or GITHUB_USERNAME).")
    if not params.get("password"):
        raise InvalidInput("password is empty: set the account's password, kept in ansible-vault (or GITHUB_PASSWORD).")
    otp_secret = _otp.normalize_secret(params["otp_secret"]) if params.get("otp_secret") else None
    otp = _otp.validate_code(params["otp"]) if params.get("otp") else None
    if params.get("client_id") is None:  # a module without the option, or where it is an optional filter
        return Checked(api_url, otp_secret, otp, None, warnings)
    desired = Desired(
        client_id=client_id(params.get("client_id")),
        client_secret=_client_secret(params.get("client_secret"), required=require_secret),
        fingerprint=fingerprint(params.get("fingerprint")),
        scopes=_scopes(params.get("scopes")),
        note=params.get("note"),
        note_url=params.get("note_url"),
    )
    return Checked(api_url, otp_secret, otp, desired, warnings, _token_path(params.get("token_path"), params.get("state")))


def _token_path(path: str | None, state: str | None) -> str | None:
    if path is None:
        return None
    if state == "absent":
        raise InvalidInput("token_path goes with state: present; state: absent deletes the authorization and leaves files alone.")
    path = os.path.abspath(path)
    if os.path.isdir(path):
        raise InvalidInput(f"token_path {path} is a directory: give the path of the file that is to hold the token.")
    if not os.path.isdir(os.path.dirname(path)):
        raise InvalidInput(f"the directory of token_path {path} does not exist: create it first (for example with ansible.builtin.file).")
    return path


def credentials_in_url(value: str | None) -> list[str]:
    """The user and password parts of ``user:password@`` in a URL, so that the module can hide them before it fails."""
    before_host = (value or "").strip().partition("://")[2].partition("/")[0]
    userinfo = before_host.rpartition("@")[0]
    return [part for part in userinfo.split(":") if part] if userinfo else []


def _api_url(value: str | None) -> tuple[str, tuple[str, ...]]:
    api_url = (value or "").strip(" \t\r\n").rstrip("/")  # what templating and files leave around a value; nothing else
    if "@" in api_url.partition("://")[2].partition("/")[0] or "@" in api_url.partition("/")[0]:
        raise InvalidInput("api_url must not contain credentials: remove user:password@ from it and use username and password.")
    if any(not char.isprintable() or char.isspace() for char in api_url):
        raise InvalidInput("api_url contains whitespace or control characters: give the URL alone, such as https://ghes.example.com/api/v3.")
    if "?" in api_url or "#" in api_url:
        raise InvalidInput("api_url must be the API root, without ?query or #fragment, such as https://ghes.example.com/api/v3.")
    try:
        parts = urlsplit(api_url)
        hostname = parts.hostname
    except ValueError:
        raise InvalidInput("api_url is not a URL that can be parsed (check the [brackets] of an IPv6 host): give https://HOST/api/v3.") from None
    if "@" in parts.netloc or "@" in api_url.partition("/")[0]:
        raise InvalidInput("api_url must not contain credentials: remove user:password@ from it and use username and password.")
    if parts.scheme not in ("http", "https") or not hostname:
        raise InvalidInput(
            f"api_url must be an http:// or https:// URL such as https://ghes.example.com/api/v3; its scheme is {parts.scheme or 'missing'!r}."
        )
    if parts.query or parts.fragment:
        raise InvalidInput("api_url must be the API root, without ?query or #fragment, such as https://ghes.example.com/api/v3.")
    warnings: tuple[str, ...] = ()
    if parts.scheme == "http" and not _is_loopback(hostname):
        warnings = (
            f"api_url uses http:// to {hostname}: the password and the two-factor code travel unencrypted. "
            "Use https:// (with ca_path for a private CA).",
        )
    return api_url, warnings


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ca_path(ca_path: str | None) -> None:
    if ca_path and not os.path.isfile(ca_path):
        raise InvalidInput(f"ca_path {ca_path!r} is not a file: give the PEM file of the CA that signed the server's certificate.")


def client_id(value: str | None) -> str:
    client_id = (value or "").strip()
    if not _CLIENT_ID_RE.fullmatch(client_id):
        raise InvalidInput(
            f"client_id must be the OAuth app's 20-character client ID (letters, digits and '.'); got {len(client_id)} characters. "
            "Copy it from the app's settings page."
        )
    return client_id


def _client_secret(value: str | None, *, required: bool) -> str:
    secret = value or ""
    if required and len(secret) != CLIENT_SECRET_LENGTH:
        raise InvalidInput(
            f"client_secret must be the OAuth app's 40-character client secret; got {len(secret)} characters. "
            "Generate or copy it on the app's settings page and keep it in ansible-vault."
        )
    return secret


def fingerprint(value: str | None) -> str | None:
    if value is not None and not _FINGERPRINT_RE.fullmatch(value):
        raise InvalidInput(
            "fingerprint must be 1 to 255 printable ASCII characters without spaces, '/' or '%' "
            "(for example a host name or a UUID); omit it for the app's one authorization without fingerprint."
        )
    return value


def _scopes(value: list[t.Any] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    for scope in value:
        if not isinstance(scope, str) or not _SCOPE_RE.fullmatch(scope):
            raise InvalidInput(
                f"scopes must be a list of scope names such as repo or read:org, one per item; {scope!r} is empty or "
                "contains a comma or whitespace. Write scopes: [repo, read:org], not scopes: 'repo,read:org'."
            )
    return tuple(dict.fromkeys(value))
