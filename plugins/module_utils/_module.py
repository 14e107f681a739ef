# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AnsibleModule wrapper shared by the collection's modules.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

It owns the connection options (kept in sync with the ``oauthkit.github._auth`` doc
fragment), their environment fallbacks and ``no_log`` flags, the dependency check, the
checks of connection options made before any request, and the failure from a typed
exception.
"""

from __future__ import annotations

import os
import typing as t
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _otp
from ansible_collections.oauthkit.github.plugins.module_utils._errors import APIError, InvalidInput, OAuthKitError


def auth_argument_spec() -> dict[str, dict[str, t.Any]]:
    """Connection and authentication options; documented in the ``oauthkit.github._auth`` doc fragment."""
    return {
        "api_url": {"type": "str", "required": True, "fallback": (env_fallback, ["GITHUB_API_URL"])},
        "username": {"type": "str", "required": True, "fallback": (env_fallback, ["GITHUB_USERNAME"])},
        "password": {"type": "str", "required": True, "no_log": True, "fallback": (env_fallback, ["GITHUB_PASSWORD"])},
        "otp_secret": {"type": "str", "no_log": True, "fallback": (env_fallback, ["GITHUB_OTP_SECRET"])},
        "otp": {"type": "str", "no_log": True},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
        "timeout": {"type": "float", "default": _api.DEFAULT_TIMEOUT},
    }


def check_connection_options(params: dict[str, t.Any]) -> str:
    """Validate the connection options before any request; return the normalised ``api_url``."""
    api_url = (params.get("api_url") or "").strip().rstrip("/")
    parts = urlsplit(api_url)
    if "@" in parts.netloc or "@" in api_url.partition("/")[0]:
        raise InvalidInput("api_url must not contain credentials: remove user:password@ from it and use username and password.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"api_url must be an http:// or https:// URL such as https://ghes.example.com/api/v3; its scheme is {parts.scheme or 'missing'!r}."
        )
    if parts.query or parts.fragment:
        raise InvalidInput("api_url must be the API root, without ?query or #fragment, such as https://ghes.example.com/api/v3.")
    ca_path = params.get("ca_path")
    if ca_path and not os.path.isfile(ca_path):
        raise InvalidInput(f"ca_path {ca_path!r} is not a file: give the PEM file of the CA that signed the server's certificate.")
    if params.get("timeout") is not None and params["timeout"] <= 0:
        raise InvalidInput("timeout must be a number of seconds greater than 0.")
    if not params.get("username"):
        raise InvalidInput("username is empty: set the GitHub login that owns the authorization (or GITHUB_USERNAME).")
    if not params.get("password"):
        raise InvalidInput("password is empty: set the account's password, kept in ansible-vault (or GITHUB_PASSWORD).")
    return api_url


class OAuthKitModule(AnsibleModule):
    """An AnsibleModule with the connection options, the dependency check and failure from typed exceptions."""

    def __init__(self, argument_spec: dict[str, dict[str, t.Any]], **kwargs: t.Any) -> None:
        spec = auth_argument_spec()
        spec.update(argument_spec)
        kwargs["mutually_exclusive"] = [["otp", "otp_secret"], *kwargs.get("mutually_exclusive", [])]
        super().__init__(argument_spec=spec, **kwargs)
        if not _api.HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=_api.REQUESTS_IMPORT_ERROR)
        if self.params.get("otp_secret") and not _otp.HAS_PYOTP:
            self.fail_json(msg=missing_required_lib("pyotp"), exception=_otp.PYOTP_IMPORT_ERROR)

    def otp_source(self) -> _otp.OTPSource | None:
        """The two-factor code source; computed codes are added to ``no_log_values`` as they are made."""
        if self.params.get("otp_secret"):
            return _otp.TOTPSource(self.params["otp_secret"], on_code=self.no_log_values.add)
        if self.params.get("otp"):
            return _otp.StaticCode(self.params["otp"])
        return None

    def github_client(self) -> _api.GitHubClient:
        """A client for the connection options; raises InvalidInput before any request when they are wrong."""
        api_url = check_connection_options(self.params)
        return _api.GitHubClient(
            api_url,
            self.params["username"],
            self.params["password"],
            otp=self.otp_source(),
            validate_certs=self.params["validate_certs"],
            ca_path=self.params.get("ca_path"),
            timeout=self.params["timeout"],
        )

    def fail_from(self, exc: OAuthKitError, **result: t.Any) -> t.NoReturn:
        """Fail the task with the exception's message and its secret-free details."""
        details = dict(exc.details)
        if isinstance(exc, APIError):
            details.setdefault("status", exc.status)
        self.fail_json(msg=exc.msg, **details, **result)
