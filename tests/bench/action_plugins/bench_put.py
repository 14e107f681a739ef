# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only floor for ``make bench`` (variant ``floor``, ``tests/bench/floor.yml``): the least an action plugin can do for the
custody task, and no more.  It sends the same PUT as the module (Basic auth, the two-factor code, the client secret, scopes and
note), hashes the token file and compares the hash with the answer's ``hashed_token``.  No validation, no retry policy, no
lock, no masking, no messages: what is left of custody's cost per item above this is the collection's own.

The loop items share one keep-alive session in the worker, as the collection's client does.  Any failure raises: the
benchmark stops on a failed item.
"""

from __future__ import annotations

import hashlib
import typing as t

import pyotp
import requests
from ansible.plugins.action import ActionBase

_SESSION = requests.Session()


class ActionModule(ActionBase):
    """One PUT, one hash."""

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        args = self._task.args
        answer = _SESSION.put(
            f"{args['api_url']}/authorizations/clients/{args['client_id']}/{args['fingerprint']}",
            auth=(args["username"], args["password"]),
            headers={"X-GitHub-OTP": pyotp.TOTP(args["otp_secret"]).now(), "Accept": "application/vnd.github.v3+json"},
            json={"client_secret": args["client_secret"], "scopes": list(args["scopes"]), "note": args["note"]},
            timeout=30,
            allow_redirects=False,
        )
        answer.raise_for_status()
        with open(args["token_path"], "rb") as token_file:
            digest = hashlib.sha256(token_file.read().strip()).hexdigest()
        result.update(changed=False, token_status="verified" if digest == answer.json().get("hashed_token") else "mismatch")
        return result
