#!/usr/bin/python
# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: authorization_info
short_description: List a GitHub user's OAuth authorizations
version_added: 0.1.0
description:
  - Lists the OAuth authorizations of the user given in O(username), with C(GET /authorizations), following every page
    (100 authorizations per page).
  - The filters O(client_id), O(fingerprint), O(note) and O(note_regex) narrow the list; given together, an authorization
    must match all of them. O(client_id) is also sent to GitHub, which then lists only that app's authorizations.
  - Read-only; it never changes anything. The authorizations are returned without tokens; GitHub lists none anyway, only
    C(token_last_eight) and C(hashed_token).
  - The request is made on the controller (or in the execution environment), by the module's action plugin, whatever the task's
    host; nothing runs on a managed host.
  - The OAuth Authorizations API accepts only username and password (Basic authentication), with a two-factor code when the
    account has 2FA. github.com removed the API on 2020-11-13; GitHub Enterprise Server still serves it.
author:
  - oauthkit maintainers (@oauthkit)
extends_documentation_fragment:
  - oauthkit.github._connection
  - oauthkit.github._attributes
  - oauthkit.github._attributes.ACTION
  - oauthkit.github._attributes.ACTIONGROUP_GITHUB
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state; it runs and returns the same in check mode.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    support: full
options:
  client_id:
    description:
      - Only the authorizations of the OAuth app with this client ID, 20 characters.
    type: str
  fingerprint:
    description:
      - Only the authorization with this fingerprint (exact match).
    type: str
  note:
    description:
      - Only the authorizations whose note is exactly this text. An authorization without a note has the empty note V("").
    type: str
  note_regex:
    description:
      - Only the authorizations whose note matches this Python regular expression, searched anywhere in the note
        (as Python's C(re.search) does; anchor it with C(^) and C($) for a whole-note match).
      - An authorization without a note is matched as the empty note V("").
      - An invalid expression fails the task before any request is sent.
    type: str
notes:
  - The list is read in pages of 100 (C(per_page=100)), following the C(Link) header's C(next) page, on the same server only.
seealso:
  - module: oauthkit.github.authorization
    description: Gets or creates, repairs and deletes an authorization.
  - name: GitHub Enterprise Server OAuth Authorizations API
    description: The API this module uses.
    link: https://docs.github.com/en/enterprise-server@3.17/rest/oauth-authorizations/oauth-authorizations
"""

EXAMPLES = r"""
- name: List the provisioner's authorizations
  oauthkit.github.authorization_info:
    api_url: https://ghes.example.com/api/v3
    username: octocat
    password: "{{ vault_github_password }}"
    otp_secret: "{{ vault_github_otp_secret }}"
    client_id: 0123456789abcdef0123
  register: provisioner_authorizations

- name: Show the hosts that hold one
  ansible.builtin.debug:
    msg: "{{ provisioner_authorizations.authorizations | map(attribute='fingerprint') | list }}"

- name: Find the authorizations whose note starts with "ci " (connection options from GITHUB_* environment variables)
  oauthkit.github.authorization_info:
    note_regex: "^ci "
  register: ci_authorizations

- name: Find the authorization of one host
  oauthkit.github.authorization_info:
    api_url: https://ghes.example.com/api/v3
    username: octocat
    password: "{{ vault_github_password }}"
    otp_secret: "{{ vault_github_otp_secret }}"
    client_id: 0123456789abcdef0123
    fingerprint: web1.example.com
  register: web1_authorization
"""

RETURN = r"""
authorizations:
  description:
    - The user's authorizations that match every filter given, in GitHub's order, each as GitHub lists it, without its C(token) field.
  returned: success
  type: list
  elements: dict
  sample:
    - id: 1
      url: https://ghes.example.com/api/v3/authorizations/1
      app:
        name: Provisioner
        url: https://example.com/provisioner
        client_id: 0123456789abcdef0123
      hashed_token: 25f94a2a5c7fbaf499c665bc73d67c1c87e496da8985131633ee0a95819db2e8
      token_last_eight: 7d9a1f3c
      note: provisioner on web1
      note_url: null
      created_at: "2026-11-25T09:00:00Z"
      updated_at: "2026-11-25T09:00:00Z"
      scopes: [repo, read:org]
      fingerprint: web1.example.com
retries:
  description: How many times the transport retried a request (see O(retries)); also in a failure's result.
  returned: always, once the options passed the checks made before any request
  type: int
  sample: 0
otp_wait:
  description: Seconds spent waiting for the next 30-second two-factor step after GitHub rejected a code; also in a failure's result.
  returned: always, once the options passed the checks made before any request
  type: float
  sample: 0.0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oauthkit.github.plugins.module_utils import _argspec
from ansible_collections.oauthkit.github.plugins.module_utils._messages import render


def main() -> None:
    spec = _argspec.authorization_info()
    module = AnsibleModule(argument_spec=spec.argument_spec, supports_check_mode=True, **spec.relations())
    module.fail_json(msg=render("module.direct_use", {"module": "oauthkit.github.authorization_info"}), msg_id="module.direct_use")


if __name__ == "__main__":
    main()
