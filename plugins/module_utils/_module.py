# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AnsibleModule wrapper shared by the collection's modules.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

It owns the connection options (kept in sync with the ``oauthkit.github._connection``
doc fragment), their environment fallbacks and ``no_log`` flags, the dependency check,
the pre-flight step (``_preflight``) and the failure from a typed exception.
"""

from __future__ import annotations

import os
import typing as t

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _otp, _preflight, _token_store
from ansible_collections.oauthkit.github.plugins.module_utils._errors import OAuthKitError


def connection_argument_spec() -> dict[str, dict[str, t.Any]]:
    """Connection and authentication options; documented in the ``oauthkit.github._connection`` doc fragment."""
    return {
        "api_url": {"type": "str", "required": True, "fallback": (env_fallback, ["GITHUB_API_URL"])},
        "username": {"type": "str", "required": True, "fallback": (env_fallback, ["GITHUB_USERNAME"])},
        "password": {"type": "str", "required": True, "no_log": True, "fallback": (env_fallback, ["GITHUB_PASSWORD"])},
        "otp_secret": {"type": "str", "no_log": True, "fallback": (env_fallback, ["GITHUB_OTP_SECRET"])},
        "otp": {"type": "str", "no_log": True},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
        "timeout": {"type": "float", "default": _api.DEFAULT_TIMEOUT},
        "retries": {"type": "int", "default": _api.DEFAULT_RETRIES},
        "rate_limit_wait": {"type": "float", "default": _api.DEFAULT_RATE_LIMIT_WAIT},
    }


class OAuthKitModule(AnsibleModule):
    """An AnsibleModule with the connection options, the dependency check and failure from typed exceptions."""

    def __init__(self, argument_spec: dict[str, dict[str, t.Any]], **kwargs: t.Any) -> None:
        spec = connection_argument_spec()
        spec.update(argument_spec)
        kwargs["mutually_exclusive"] = [["otp", "otp_secret"], *kwargs.get("mutually_exclusive", [])]
        super().__init__(argument_spec=spec, **kwargs)
        if not _api.HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=_api.REQUESTS_IMPORT_ERROR)
        if self.params.get("otp_secret") and not _otp.HAS_PYOTP:
            self.fail_json(msg=missing_required_lib("pyotp"), exception=_otp.PYOTP_IMPORT_ERROR)

    def preflight(self, *, require_secret: bool) -> _preflight.Checked:
        """Every check of the options, before any request (raises InvalidInput); warnings are shown once, here."""
        # Credentials written into api_url are refused below; hide them first, since the failure echoes the module's arguments.
        self.no_log_values.update(_preflight.credentials_in_url(self.params.get("api_url")))
        checked = _preflight.check(self.params, require_secret=require_secret)
        for warning in checked.warnings:
            self.warn(warning)
        return checked

    def github_client(self, checked: _preflight.Checked) -> _api.GitHubClient:
        """A client for the checked connection options; computed two-factor codes join ``no_log_values`` as they are made."""
        otp: _otp.OTPSource | None = None
        if checked.otp_secret:
            otp = _otp.TOTPSource(checked.otp_secret, on_code=self.no_log_values.add)
        elif checked.otp:
            otp = _otp.StaticCode(checked.otp)
        return _api.GitHubClient(
            checked.api_url,
            self.params["username"],
            self.params["password"],
            otp=otp,
            validate_certs=self.params["validate_certs"],
            ca_path=self.params.get("ca_path"),
            timeout=self.params["timeout"],
            retries=self.params["retries"],
            rate_limit_wait=self.params["rate_limit_wait"],
        )

    def token_file(self, path: str) -> _token_store.TokenFile:
        """The token file at path, written through ``atomic_move``; a failed move raises TokenStoreError instead of failing the task,
        so that the authorization just made can be rolled back."""

        def move(src: str, dest: str) -> None:
            def refuse(msg: str = "", **_: t.Any) -> t.NoReturn:
                raise OSError(msg)

            saved = self.fail_json
            self.fail_json = refuse  # type: ignore[method-assign]
            try:
                self.atomic_move(src, dest)
            finally:
                self.fail_json = saved  # type: ignore[method-assign]

        return _token_store.TokenFile(path, atomic_move=move)

    def token_file_attributes(self, path: str, changed: bool) -> bool:
        """Apply mode (0600 unless given), owner and group to the token file, as ansible.builtin.copy does; return changed."""
        if not os.path.exists(path):
            return changed
        file_args = self.load_file_common_arguments(self.params, path=path)
        if file_args.get("mode") is None:
            file_args["mode"] = _token_store.DEFAULT_MODE
        return self.set_fs_attributes_if_different(file_args, changed)

    @staticmethod
    def transport_report(client: _api.GitHubClient | None) -> dict[str, t.Any]:
        """``retries`` and ``otp_wait`` of the run, once a client was made."""
        if client is None:
            return {}
        return {"retries": client.retries_made, "otp_wait": round(client.otp_wait, 1)}

    def fail_from(self, exc: OAuthKitError, **result: t.Any) -> t.NoReturn:
        """Fail the task with the exception's message and its secret-free details."""
        self.fail_json(msg=exc.msg, **exc.details, **result)
