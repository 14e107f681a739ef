# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: totp
short_description: The current two-factor (TOTP) code for a base32 seed
version_added: 0.1.0
author:
  - oauthkit maintainers (@oauthkit)
description:
  - Returns the current time-based one-time password (RFC 6238, HMAC-SHA1) for a base32 TOTP seed, as a zero-padded string,
    for tasks that send a two-factor code themselves, such as M(ansible.builtin.uri) against an API that wants an C(X-GitHub-OTP) header.
  - The seed is usually kept in ansible-vault. Spaces, dashes and lower case are accepted, as authenticator apps show them.
  - B(A code is short-lived.) It changes every O(interval) seconds (30 by default), the server accepts it only around its own
    time step, and GitHub refuses a code that was already used within its step. Render the lookup in the task that sends the
    code, right before use; do not keep a code for later tasks with M(ansible.builtin.set_fact). A task that needs two codes
    in a row must wait for the next step.
  - The modules of this collection compute their own codes just before each request, and retry once with the next step's code;
    give them the seed in O(oauthkit.github.authorization#module:otp_secret) rather than a code from this lookup.
options:
  _terms:
    description:
      - The base32 TOTP seed, as shown when two-factor authentication was set up. One code is returned per seed.
    type: list
    elements: str
    required: true
  digits:
    description:
      - The number of digits of the code, 6 to 8. GitHub uses 6.
    type: int
    default: 6
  interval:
    description:
      - The length of a time step in seconds. GitHub uses 30.
    type: int
    default: 30
  at:
    description:
      - The UNIX time to compute the code for, instead of now; for tests and reproducible output.
    type: float
notes:
  - Codes are computed on the controller; its clock must be right (NTP), as the server accepts only codes of the current step
    and its neighbours.
  - The code is a secret for its lifetime; put C(no_log=true) on the task that uses it.
  - Error messages never contain the seed.
requirements:
  - pyotp
seealso:
  - module: oauthkit.github.authorization
    description: Gets or creates an authorization, computing its own two-factor codes from O(oauthkit.github.authorization#module:otp_secret).
  - name: RFC 6238
    description: "TOTP: Time-Based One-Time Password Algorithm."
    link: https://datatracker.ietf.org/doc/html/rfc6238
"""

EXAMPLES = r"""
- name: Call an API that wants a two-factor code, with a code rendered in this very task
  ansible.builtin.uri:
    url: https://ghes.example.com/api/v3/authorizations/clients/0123456789abcdef0123
    method: PUT
    url_username: octocat
    url_password: "{{ vault_github_password }}"
    force_basic_auth: true
    headers:
      X-GitHub-OTP: "{{ lookup('oauthkit.github.totp', vault_github_otp_secret) }}"
    body_format: json
    body:
      client_secret: "{{ vault_provisioner_client_secret }}"
    status_code: [200, 201]
  no_log: true

- name: An eight-digit code for a given time (RFC 6238 test vector, T = 59)
  ansible.builtin.debug:
    msg: "{{ lookup('oauthkit.github.totp', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', digits=8, at=59) }}"  # 94287082

- name: Prefer the module's own codes; it computes a fresh one just before each request
  oauthkit.github.authorization:
    api_url: https://ghes.example.com/api/v3
    username: octocat
    password: "{{ vault_github_password }}"
    otp_secret: "{{ vault_github_otp_secret }}"
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description:
    - The code of each seed, a string of O(digits) digits, with its leading zeros.
  type: list
  elements: str
  sample: ["081804"]
"""

import sys
import time
import typing as t

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.lookup import LookupBase

from ansible_collections.oauthkit.github.plugins.module_utils import _otp
from ansible_collections.oauthkit.github.plugins.module_utils._errors import InvalidInput
from ansible_collections.oauthkit.github.plugins.module_utils._messages import render

OPTIONS = ("digits", "interval", "at")
MIN_DIGITS = 6
MAX_DIGITS = 8
# The lookup's term stands where the modules have otp_secret.
_NAMES = {"otp_secret": "the seed"}


def _fail(msg_id: str, **fields: t.Any) -> t.NoReturn:
    raise AnsibleLookupError(render(msg_id, fields, _NAMES))


_NOT_STRINGS = (bool, int, float, list, tuple, dict)  # bool before int: the first match names the kind


def _seed_text(term: t.Any) -> str:
    """The seed as text; a vaulted value is decrypted by to_text.  A value of another kind is refused without being shown."""
    if term is None:
        _fail("lookup.not_string", kind="None")
    for kind in _NOT_STRINGS:
        if isinstance(term, kind):  # named by the builtin type: ansible-core 2.19 hands templated values over as tagged subclasses
            _fail("lookup.not_string", kind=kind.__name__)
    return to_text(term, errors="surrogate_or_strict")


class LookupModule(LookupBase):
    """Return the current TOTP code of each seed."""

    def run(self, terms: list[t.Any], variables: dict[str, t.Any] | None = None, **kwargs: t.Any) -> list[str]:
        unknown = sorted(set(kwargs) - set(OPTIONS))
        if unknown:  # the plugin API ignores them, and a misspelled interval would give wrong codes silently
            _fail("lookup.unknown_option", unknown=", ".join(unknown), options=", ".join(OPTIONS))
        self.set_options(var_options=variables, direct=kwargs)
        digits = self.get_option("digits")
        interval = self.get_option("interval")
        at = self.get_option("at")
        if not MIN_DIGITS <= digits <= MAX_DIGITS:
            _fail("lookup.digits", low=MIN_DIGITS, high=MAX_DIGITS, value=digits)
        if interval < 1:
            _fail("lookup.interval", value=interval)
        if not _otp.HAS_PYOTP:
            _fail("dependency.missing", library="pyotp", python=sys.executable, requirement="pyotp>=2.6")
        if not terms:
            _fail("lookup.no_term")
        return [self._code(term, digits=digits, interval=interval, at=at) for term in terms]

    @staticmethod
    def _code(term: t.Any, *, digits: int, interval: int, at: float | None) -> str:
        clock = time.time if at is None else lambda: float(at)
        try:
            return _otp.TOTPSource(_seed_text(term), digits=digits, interval=interval, clock=clock).code()
        except InvalidInput as exc:
            raise AnsibleLookupError(f"oauthkit.github.totp: {exc.render(_NAMES)}") from None
