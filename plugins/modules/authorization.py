#!/usr/bin/python
# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: authorization
short_description: Get or create a GitHub OAuth authorization for an app
version_added: 0.1.0
description:
  - Makes sure that the user holds an OAuth authorization for an OAuth app, optionally with a fingerprint, scopes, a note and a note URL.
  - With O(state=present) it sends one C(PUT /authorizations/clients/{client_id}[/{fingerprint}]). GitHub creates the authorization
    when it is missing (the task reports C(changed) and returns RV(token)), or returns the existing one (C(ok)).
  - When the existing authorization's scopes, note or note URL differ from the ones asked for, one C(PATCH) repairs them.
  - With O(state=absent) it finds the authorization in the user's list and deletes it.
  - GitHub returns the token B(only when it creates the authorization). With O(token_path) the module stores it itself, atomically,
    verifies it on every later run against the authorization's C(hashed_token) (no extra request), and recovers a lost token by the
    O(recreate) policy. Without O(token_path), store RV(token) right away, and put C(no_log=true) on the task so that it is not printed.
  - The OAuth Authorizations API accepts only username and password (Basic authentication), with a two-factor code when the
    account has 2FA. github.com removed the API on 2020-11-13; GitHub Enterprise Server still serves it.
author:
  - oauthkit maintainers (@oauthkit)
extends_documentation_fragment:
  - ansible.builtin.files
  - oauthkit.github._connection
  - oauthkit.github._attributes
  - oauthkit.github._attributes.ACTIONGROUP_GITHUB
attributes:
  check_mode:
    support: full
    details:
      - Check mode sends only C(GET /authorizations) requests (following pagination) and predicts the result, failures included.
        It never returns a token, and writes nothing, neither the token file nor its lock.
  diff_mode:
    support: full
    details:
      - The diff shows the fingerprint and the managed scopes, note and note URL, and with O(token_path) the RV(token_status)
        transition (for example V(missing) to V(rotated)); never a token.
  idempotent:
    support: full
options:
  client_id:
    description:
      - The OAuth app's client ID, 20 characters.
    type: str
    required: true
  client_secret:
    description:
      - The OAuth app's client secret, 40 characters. Keep it in ansible-vault.
      - Required when O(state=present).
    type: str
  fingerprint:
    description:
      - Tells apart several authorizations of one app for the same user, for example one per machine.
      - Without it, the task manages the app's authorization that has no fingerprint.
      - 1 to 255 printable ASCII characters, without spaces, V(/) or V(%).
    type: str
  scopes:
    description:
      - The scopes the authorization must have, such as V(repo) or V(read:org). The order does not matter.
      - When omitted, the scopes are set only when the authorization is created, and never changed afterwards.
      - An empty list means no scopes.
    type: list
    elements: str
  note:
    description:
      - A note that reminds the user what the authorization is for.
      - When omitted, the note is set only when the authorization is created, and never changed afterwards.
    type: str
  note_url:
    description:
      - A URL that reminds the user what the authorization is for.
      - When omitted, it is set only when the authorization is created, and never changed afterwards.
    type: str
  state:
    description:
      - V(present) gets or creates the authorization and repairs its scopes, note and note URL.
      - V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  token_path:
    description:
      - Where the token is kept, on the host where the module runs. The file holds the token alone, with a trailing newline.
      - Writes are atomic (a temporary file in the same directory, then a rename); a partial file is never left behind.
      - The mode defaults to V(0600); O(mode), O(owner) and O(group) work as for M(ansible.builtin.copy).
      - With O(token_path), the result carries no RV(token); read the file in a later task.
      - The directory must exist. A lock file C(<token_path>.lock) beside the token serialises runs that share the path,
        each waiting at most O(timeout) seconds.
      - If the token cannot be written after a create or a rotation, the authorization just made is deleted again and the
        task fails, so that no authorization is left whose token nobody holds.
      - Only with O(state=present).
    type: path
  recreate:
    description:
      - What to do when the token at O(token_path) is V(missing) (no file, or an empty one) or a V(mismatch) (another token).
      - V(never) fails and deletes nothing; the message says what to do.
      - V(when_lost) deletes the authorization and creates a new one, whose token is stored (RV(token_status=rotated)).
        A verified token is left alone.
      - V(always) rotates on every run, for scheduled rotation. A verified token is reset with C(PATCH /applications/{client_id}/token),
        which keeps the authorization's id and stops the old token at once; otherwise as V(when_lost).
      - V(when_lost) and V(always) need O(token_path).
    type: str
    choices: [never, when_lost, always]
    default: never
notes:
  - The token is returned only by the run that creates the authorization. A later run cannot get it back from GitHub; to get a new
    token, delete the authorization with O(state=absent) and create it again.
  - Two-factor codes computed from O(otp_secret) are hidden from the output like other secrets.
seealso:
  - module: oauthkit.github.authorization_info
  - plugin: oauthkit.github.totp
    plugin_type: lookup
  - name: GitHub Enterprise Server OAuth Authorizations API
    description: The API this module uses.
    link: https://docs.github.com/en/enterprise-server@3.17/rest/oauth-authorizations/oauth-authorizations
"""

EXAMPLES = r"""
- name: Get or create the provisioner's authorization on this host
  oauthkit.github.authorization:
    api_url: https://ghes.example.com/api/v3
    username: octocat
    password: "{{ vault_github_password }}"
    otp_secret: "{{ vault_github_otp_secret }}"
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
    fingerprint: "{{ inventory_hostname }}"
    scopes: [repo, read:org]
    note: provisioner on {{ inventory_hostname }}
  no_log: true
  register: github_auth

- name: Keep the token, which GitHub returns only on creation
  ansible.builtin.copy:
    content: "{{ github_auth.token }}"
    dest: /etc/provisioner/github-token
    mode: "0600"
  no_log: true
  when: github_auth.token is defined

- name: Connection options from the environment (GITHUB_API_URL, GITHUB_USERNAME, GITHUB_PASSWORD, GITHUB_OTP_SECRET)
  oauthkit.github.authorization:
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
    scopes: [read:user]
  no_log: true

- name: An account that gets its codes by SMS
  oauthkit.github.authorization:
    api_url: https://ghes.example.com/api/v3
    username: octocat
    password: "{{ vault_github_password }}"
    otp: "{{ sms_code }}"
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
  no_log: true

- name: Remove the authorization of a decommissioned host
  oauthkit.github.authorization:
    api_url: https://ghes.example.com/api/v3
    username: octocat
    password: "{{ vault_github_password }}"
    otp_secret: "{{ vault_github_otp_secret }}"
    client_id: 0123456789abcdef0123
    fingerprint: old-host.example.com
    state: absent
"""

RETURN = r"""
authorization:
  description:
    - The authorization as GitHub returned it, without its C(token) field.
    - In check mode, the authorization found, with the predicted changes applied; V(null) when it would be created.
    - With O(state=absent), the authorization that was (or in check mode would be) deleted; V(null) when there was none.
  returned: always
  type: dict
  sample:
    id: 1
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
token:
  description:
    - The OAuth token. GitHub returns it only when it creates the authorization, so it is returned only then (never in check mode).
    - Put C(no_log=true) on the task and store the token at once; it cannot be read back later.
  returned: when the authorization was created and O(token_path) is not set
  type: str
  sample: 0f5a2f0c1b9e4e8d9c6b3a2f1e0d9c8b7d9a1f3c
action:
  description:
    - What the task did, or in check mode would do.
    - V(rotate) is a reset of the token (O(recreate=always)); V(recreate) is a delete and a create, to replace a lost token.
  returned: always
  type: str
  choices: [create, update, delete, none, rotate, recreate]
  sample: create
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
token_status:
  description:
    - The custody of the token at O(token_path), after the run (in check mode, as predicted).
    - V(created) when the authorization was created and its token stored; V(verified) when the file holds the authorization's
      token; V(rotated) when a lost or rotated token was replaced and stored.
    - A failed run reports V(missing) or V(mismatch), the status that made it fail.
  returned: when O(token_path) is set and O(state=present)
  type: str
  choices: [created, verified, rotated, missing, mismatch]
  sample: verified
"""

import contextlib

from ansible_collections.oauthkit.github.plugins.module_utils import _authorizations, _custody
from ansible_collections.oauthkit.github.plugins.module_utils._errors import OAuthKitError
from ansible_collections.oauthkit.github.plugins.module_utils._module import OAuthKitModule


def main() -> None:
    module = OAuthKitModule(
        argument_spec={
            "client_id": {"type": "str", "required": True},
            "client_secret": {"type": "str", "no_log": True},
            "fingerprint": {"type": "str"},
            "scopes": {"type": "list", "elements": "str"},
            "note": {"type": "str"},
            "note_url": {"type": "str"},
            "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
            "token_path": {"type": "path", "no_log": False},
            "recreate": {"type": "str", "default": _custody.NEVER, "choices": list(_custody.RECREATE_CHOICES)},
        },
        required_if=[["state", "present", ["client_secret"]], ["recreate", "when_lost", ["token_path"]], ["recreate", "always", ["token_path"]]],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    client = None
    try:
        checked = module.preflight(require_secret=module.params["state"] == "present")
        client = module.github_client(checked)
        api = _authorizations.Authorizations(client)
        if module.params["state"] == "absent":
            outcome = _authorizations.ensure_absent(api, checked.desired, check_mode=module.check_mode)
        elif checked.token_path is None:
            outcome = _authorizations.ensure_present(api, checked.desired, check_mode=module.check_mode)
        else:
            custody = _custody.Custody(module.token_file(checked.token_path), module.params["recreate"])
            lock = contextlib.nullcontext() if module.check_mode else custody.file.locked(module.params["timeout"])
            with lock:
                outcome = _custody.ensure_present(api, checked.desired, custody, check_mode=module.check_mode)
                outcome.changed = module.token_file_attributes(checked.token_path, outcome.changed)
    except OAuthKitError as exc:
        module.fail_from(exc, **module.transport_report(client))
    module.exit_json(**outcome.result(with_diff=module._diff), **module.transport_report(client))


if __name__ == "__main__":
    main()
