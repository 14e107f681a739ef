# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The argument specs of the collection's modules, in one place.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

The action plugins validate a task's arguments with these specs (``_preflight``), and the
module files build their ``AnsibleModule`` from the same specs, so that ansible-test's
validate-modules compares each one with its documentation.  The connection options are
documented in the ``oauthkit.github._connection`` doc fragment.

Environment fallbacks read the collection's own variables first, then the ``GITHUB_*``
names.  GitHub Actions sets ``GITHUB_API_URL`` in every job, and AWX refuses ``ANSIBLE_*``
names as credential injectors, hence ``OAUTHKIT_GITHUB_*``.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible.module_utils.basic import env_fallback

ENV_PREFIX = "OAUTHKIT_GITHUB_"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_RATE_LIMIT_WAIT = 60.0
RECREATE_CHOICES = ("never", "when_lost", "always")

# Option -> the environment variables it falls back to, first found wins.
ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "api_url": (f"{ENV_PREFIX}API_URL", "GITHUB_API_URL"),
    "username": (f"{ENV_PREFIX}USERNAME", "GITHUB_USERNAME"),
    "password": (f"{ENV_PREFIX}PASSWORD", "GITHUB_PASSWORD"),
    "otp_secret": (f"{ENV_PREFIX}OTP_SECRET", "GITHUB_OTP_SECRET"),
    "ca_path": (f"{ENV_PREFIX}CA_PATH",),
}


@dataclasses.dataclass(frozen=True)
class Spec:
    """An argument spec with the relations between its options, as ``AnsibleModule`` and ``ArgumentSpecValidator`` take them."""

    argument_spec: dict[str, dict[str, t.Any]]
    mutually_exclusive: list[list[str]] = dataclasses.field(default_factory=list)
    required_if: list[list[t.Any]] = dataclasses.field(default_factory=list)
    required_by: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def relations(self) -> dict[str, t.Any]:
        return {"mutually_exclusive": self.mutually_exclusive, "required_if": self.required_if, "required_by": self.required_by}


def _env(option: str) -> dict[str, t.Any]:
    return {"fallback": (env_fallback, list(ENVIRONMENT[option]))}


def connection() -> dict[str, dict[str, t.Any]]:
    """Connection and authentication options, shared by every module that talks to GitHub."""
    return {
        "api_url": {"type": "str", "required": True, **_env("api_url")},
        "username": {"type": "str", "required": True, **_env("username")},
        "password": {"type": "str", "required": True, "no_log": True, **_env("password")},
        "otp_secret": {"type": "str", "no_log": True, **_env("otp_secret")},
        "otp": {"type": "str", "no_log": True},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path", **_env("ca_path")},
        "timeout": {"type": "float", "default": DEFAULT_TIMEOUT},
        "retries": {"type": "int", "default": DEFAULT_RETRIES},
        "rate_limit_wait": {"type": "float", "default": DEFAULT_RATE_LIMIT_WAIT},
    }


def authorization() -> Spec:
    """``oauthkit.github.authorization``."""
    spec = connection()
    spec.update(
        {
            "client_id": {"type": "str", "required": True},
            "client_secret": {"type": "str", "no_log": True},
            "fingerprint": {"type": "str"},
            "scopes": {"type": "list", "elements": "str"},
            "note": {"type": "str"},
            "note_url": {"type": "str"},
            "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
            # A path on the task's host: ~ and variables are expanded there, so it is no "path" for the controller.
            "token_path": {"type": "str", "no_log": False},
            "recreate": {"type": "str", "default": "never", "choices": list(RECREATE_CHOICES)},
            "mode": {"type": "raw"},
            "owner": {"type": "str"},
            "group": {"type": "str"},
            "vault_path": {"type": "path"},
            "vault_variable": {"type": "str", "default": "github_token"},
            "vault_password": {"type": "str", "no_log": True},
            "vault_id": {"type": "str"},
        }
    )
    return Spec(
        spec,
        mutually_exclusive=[["otp", "otp_secret"], ["token_path", "vault_path"]],
        required_if=[
            ["state", "present", ["client_secret"]],
            ["recreate", "when_lost", ["token_path", "vault_path"], True],
            ["recreate", "always", ["token_path", "vault_path"], True],
        ],
        required_by={"vault_path": ["vault_password"]},
    )


def authorization_info() -> Spec:
    """``oauthkit.github.authorization_info``."""
    spec = connection()
    spec.update({"client_id": {"type": "str"}, "fingerprint": {"type": "str"}, "note": {"type": "str"}, "note_regex": {"type": "str"}})
    return Spec(spec, mutually_exclusive=[["otp", "otp_secret"]])


def token_file() -> Spec:
    """``oauthkit.github.token_file``, the helper that runs the token store on a managed host."""
    return Spec(
        {
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "default": "stat", "choices": ["stat", "read", "present", "absent", "attributes"]},
            "token": {"type": "str", "no_log": True},
            "pad": {"type": "str", "no_log": True},
            "mode": {"type": "int", "default": 0o600},
            "owner": {"type": "str"},
            "group": {"type": "str"},
        },
        required_if=[["state", "present", ["token"]], ["state", "read", ["pad"]]],
    )
