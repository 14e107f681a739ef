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
  - Makes sure that the user holds an OAuth authorization for an OAuth app, optionally with a fingerprint, scopes, a note and a note URL,
    and that its token is kept where the task's host can read it.
  - With O(state=present) it sends one C(PUT /authorizations/clients/{client_id}[/{fingerprint}]). GitHub creates the authorization
    when it is missing (the task reports C(changed)), or returns the existing one (C(ok)).
  - When the existing authorization's scopes, note or note URL differ from the ones asked for, one C(PATCH) repairs them.
  - With O(state=absent) it finds the authorization in the user's list and deletes it, and removes its token file.
  - GitHub returns the token B(only when it creates the authorization). With O(token_path) (or O(vault_path)) the module keeps it
    itself, atomically, verifies it on every later run against the authorization's C(hashed_token) (no extra request), and recovers
    a lost token by the O(recreate) policy. The result then holds no secret, so the task needs no C(no_log) and its failures stay
    readable. Without a store, the token is returned as RV(token); put C(no_log=true) on the task and store it at once.
  - B(Where things run.) Every GitHub request is made on the controller (or in the execution environment), by the module's action
    plugin; requests and pyotp are needed only there, and no account secret (password, seed, two-factor code, client secret) is
    ever sent to a managed host. O(token_path) is a path on the task's host (the inventory host, or the C(delegate_to) host). With a
    local connection and no become the controller writes it itself; otherwise the small M(oauthkit.github.token_file) module
    writes it there, which needs only Python 3.8 on the host.
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
      - Check mode sends only C(GET /authorizations) requests (following pagination) and predicts the result, failures included.
        It never returns a token, and writes nothing, neither the token file nor a lock.
  diff_mode:
    support: full
    details:
      - The diff shows the fingerprint and the managed scopes, note and note URL, and with a store the RV(token_status)
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
      - 1 to 255 printable ASCII characters, without spaces, V(/), V(\\) or V(%), and not V(.) or V(..).
    type: str
  scopes:
    description:
      - The scopes the authorization must have, such as V(repo) or V(read:org). The order does not matter.
      - A list, or a comma-separated string without spaces (V(repo,read:org)).
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
      - V(absent) deletes it. With O(token_path) or O(vault_path), the stored token goes too, when it is this authorization's,
        a token that no live authorization has, or an empty file; a token of another live authorization fails the task, deleting nothing.
    type: str
    choices: [present, absent]
    default: present
  token_path:
    description:
      - Where the token is kept, as a path on the task's host (the inventory host, or the C(delegate_to) host). The file holds the
        token alone, with a trailing newline.
      - C(~) and environment variables in it are expanded on that host; the result must be an absolute path. The directory must exist.
      - Writes are atomic; the token only ever sits in a new file, mode O(mode) from its creation, renamed over the old one.
        The path must be a regular file or absent; anything else (a directory, a FIFO, a device, a symbolic link) is refused
        before any request.
      - Runs that share the path are serialised, each waiting at most O(timeout) seconds; on the controller by a lock file
        C(<token_path>.lock) beside the token, for a remote host by a lock on the controller per host address, port, user and path.
        Runs from different controllers writing one remote file are not serialised.
      - If the token cannot be written after a create or a rotation, or the connection drops while it is written, the authorization
        just made is deleted again and the task fails, so that no authorization is left whose token nobody holds.
      - Every fingerprint needs its own O(token_path); a file that holds another live authorization's token fails the task (RV(token_status=foreign)).
      - With O(token_path), the result carries no RV(token); read the file in a later task.
      - Mutually exclusive with O(vault_path).
    type: str
  vault_path:
    description:
      - Keep the token on the controller instead, in an ansible-vault encrypted YAML vars file that defines the variable
        O(vault_variable); other variables in the file are kept. A relative path is taken from the playbook's folder.
      - Load it in a later play with C(ansible.builtin.include_vars) and the same vault password.
      - Verified, rotated, rolled back and locked like O(token_path). Under AWX or on a CI runner, a file kept on the controller
        disappears when the job ends.
      - Mutually exclusive with O(token_path).
    type: path
  vault_variable:
    description:
      - The variable of the O(vault_path) file that holds the token.
    type: str
    default: github_token
  vault_password:
    description:
      - The ansible-vault password that encrypts O(vault_path). Required with O(vault_path).
    type: str
  vault_id:
    description:
      - The vault ID written in the header of O(vault_path). Without it, the header is a plain C($ANSIBLE_VAULT;1.1;AES256).
    type: str
  recreate:
    description:
      - What to do when the stored token is V(missing) (no file, or an empty one) or a V(mismatch) (a token that belongs to no
        live authorization).
      - V(never) fails and deletes nothing; the message says what to do.
      - V(when_lost) deletes the authorization and creates a new one, whose token is stored (RV(token_status=rotated)).
        A verified token is left alone.
      - V(always) rotates on every run, for scheduled rotation. A verified token is reset with C(PATCH /applications/{client_id}/token),
        which keeps the authorization's id and stops the old token at once; otherwise as V(when_lost). For a remote O(token_path),
        the reset reads the old token back from the host once.
      - A token of another live authorization (V(foreign)) fails under every policy.
      - V(when_lost) and V(always) need O(token_path) or O(vault_path).
    type: str
    choices: [never, when_lost, always]
    default: never
  mode:
    description:
      - The mode of the token file (or the vault file), as an octal string such as V('0600'). Symbolic modes are not taken.
      - V(0600) when not given. A mode that lets the group or others read the token warns; a world-writable one is refused.
    type: raw
  owner:
    description:
      - The owner of the token file (or the vault file), a user name or id on the host that keeps it. Giving another user than the
        one the task runs as needs root (become).
    type: str
  group:
    description:
      - The group of the token file (or the vault file). Giving a group the task's user is not a member of needs root (become).
    type: str
notes:
  - The token is returned only by the run that creates the authorization. A later run cannot get it back from GitHub; to get a new
    token, let O(recreate) replace it, or delete the authorization with O(state=absent) and create it again.
  - Two-factor codes computed from O(otp_secret) are hidden from the output like other secrets.
  - A role or playbook that passes secrets through C(module_defaults) or variables needs no C(no_log) for them, since the module hides
    its secret options. ansible-core itself prints module arguments with C(ANSIBLE_DEBUG=1), so do not use it with real secrets.
seealso:
  - module: oauthkit.github.authorization_info
  - module: oauthkit.github.token_file
  - plugin: oauthkit.github.totp
    plugin_type: lookup
  - name: GitHub Enterprise Server OAuth Authorizations API
    description: The API this module uses.
    link: https://docs.github.com/en/enterprise-server@3.17/rest/oauth-authorizations/oauth-authorizations
"""

EXAMPLES = r"""
- name: Get or create this host's authorization and keep its token on this host (no no_log needed)
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
    token_path: /etc/provisioner/github.token
    owner: provisioner
    mode: "0600"
    recreate: when_lost
  become: true
  register: github_auth

- name: Rotate the token on every run (a reset that keeps the authorization's id)
  oauthkit.github.authorization:
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
    fingerprint: "{{ inventory_hostname }}"
    token_path: ~/.config/provisioner/github.token
    recreate: always

- name: Keep the token on the controller, in an ansible-vault encrypted vars file
  oauthkit.github.authorization:
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
    fingerprint: ci
    vault_path: group_vars/ci/github_token.yml
    vault_password: "{{ vault_token_file_password }}"
    recreate: when_lost
  run_once: true

- name: Connection options from the environment (OAUTHKIT_GITHUB_API_URL, OAUTHKIT_GITHUB_USERNAME, ... , then the GITHUB_* names)
  oauthkit.github.authorization:
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
    fingerprint: "{{ inventory_hostname }}"
    token_path: /etc/provisioner/github.token

- name: An account that gets its codes by SMS
  oauthkit.github.authorization:
    api_url: https://ghes.example.com/api/v3
    username: octocat
    password: "{{ vault_github_password }}"
    otp: "{{ sms_code }}"
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
    token_path: /etc/provisioner/github.token

- name: Without a store the token is returned once; no_log keeps it out of the output
  oauthkit.github.authorization:
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
    fingerprint: one-off
  no_log: true
  register: one_off

- name: Remove the authorization of a decommissioned host, and its token file
  oauthkit.github.authorization:
    client_id: 0123456789abcdef0123
    fingerprint: old-host.example.com
    token_path: /etc/provisioner/github.token
    state: absent
  delegate_to: old-host.example.com
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
  returned: when the authorization was created and neither O(token_path) nor O(vault_path) is set
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
    - The custody of the token at O(token_path) or O(vault_path), after the run (in check mode, as predicted).
    - V(created) when the authorization was created and its token stored; V(verified) when the store holds the authorization's
      token; V(rotated) when a lost or rotated token was replaced and stored.
    - A failed run reports the status that made it fail - V(missing) (no token), V(mismatch) (a token of no live authorization),
      V(foreign) (the token of another live authorization, so two tasks share one store), or V(unknown) (the answer to a token reset
      was lost, so the stored token may no longer work; the next run finds out).
  returned: when O(token_path) or O(vault_path) is set and O(state=present)
  type: str
  choices: [created, verified, rotated, missing, mismatch, foreign, unknown]
  sample: verified
msg_id:
  description: The id of a failure's message, by which the troubleshooting guide lists it.
  returned: failure
  type: str
  sample: token.lost
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oauthkit.github.plugins.module_utils import _argspec
from ansible_collections.oauthkit.github.plugins.module_utils._messages import render


def main() -> None:
    spec = _argspec.authorization()
    module = AnsibleModule(argument_spec=spec.argument_spec, supports_check_mode=True, **spec.relations())
    module.fail_json(msg=render("module.direct_use", {"module": "oauthkit.github.authorization"}), msg_id="module.direct_use")


if __name__ == "__main__":
    main()
