#!/usr/bin/python
# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: token_file
short_description: The token store on a managed host, run by oauthkit.github.authorization
version_added: 0.1.0
description:
  - B(Not for direct use.) M(oauthkit.github.authorization) runs this module on the task's host when its
    O(oauthkit.github.authorization#module:token_path) is kept there (any connection but a local one without become).
    It holds no GitHub logic and needs no account secret; all of that stays on the controller.
  - V(stat) reports the SHA-256 of the token in the file, which the controller compares with the authorization's C(hashed_token),
    so the token never travels back. It first checks everything that tells whether a token can be kept at O(path) - the directory
    exists and is writable, the path is a regular file or absent, O(owner) and O(group) exist and can be given.
  - V(present) writes O(token) atomically; V(absent) removes the file; V(attributes) sets O(mode), O(owner) and O(group);
    V(read) returns the token sealed with the one-time O(pad) (XOR), only for the reset of
    O(oauthkit.github.authorization#module:recreate=always), so that the module's output holds no token.
  - Only Python's standard library is used. The host needs Python 3.8 or later.
author:
  - oauthkit maintainers (@oauthkit)
extends_documentation_fragment:
  - oauthkit.github._attributes
attributes:
  check_mode:
    support: full
    details:
      - V(stat) and V(read) run in check mode; the other states write nothing and report what they would change.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - V(present) writes a new file on every run; its caller runs it only when a new token must be kept.
options:
  path:
    description:
      - The absolute path of the token file on this host; C(~) and variables are expanded here.
    type: path
    required: true
  state:
    description:
      - What to do with the file.
    type: str
    choices: [stat, read, present, absent, attributes]
    default: stat
  token:
    description:
      - The token to write, with O(state=present).
    type: str
  pad:
    description:
      - With O(state=read), a one-time pad in hex, at least as long as the file (4096 bytes), that the token is sealed with.
    type: str
  mode:
    description:
      - The file's mode, as a number (the caller passes it parsed).
    type: int
    default: 384
  owner:
    description:
      - The file's owner; unset leaves the writer's user.
    type: str
  group:
    description:
      - The file's group; unset leaves the writer's group.
    type: str
notes:
  - The token reaches this module in its arguments, in Ansible's module payload. With pipelining (which
    M(oauthkit.github.authorization) turns on where the connection allows it) the payload goes through the connection's stdin;
    otherwise it is written to Ansible's remote temporary folder (mode 0700) and removed after the run, unless
    E(ANSIBLE_KEEP_REMOTE_FILES) is set, which keeps it there.
seealso:
  - module: oauthkit.github.authorization
"""

EXAMPLES = r"""
# oauthkit.github.authorization runs this module itself; a playbook uses token_path instead:
- name: Keep the token on the host that uses it
  oauthkit.github.authorization:
    api_url: https://ghes.example.com/api/v3
    username: octocat
    password: "{{ vault_github_password }}"
    otp_secret: "{{ vault_github_otp_secret }}"
    client_id: 0123456789abcdef0123
    client_secret: "{{ vault_provisioner_client_secret }}"
    fingerprint: "{{ inventory_hostname }}"
    token_path: /etc/provisioner/github.token
    recreate: when_lost
"""

RETURN = r"""
path:
  description: The path after C(~) and variables were expanded on the host.
  returned: always
  type: str
  sample: /home/deploy/.config/provisioner/github.token
exists:
  description: Whether the file existed before the run.
  returned: success
  type: bool
  sample: true
sha256:
  description: The SHA-256 of the token in the file (after the run), V(null) when the file holds none.
  returned: success
  type: str
  sample: 25f94a2a5c7fbaf499c665bc73d67c1c87e496da8985131633ee0a95819db2e8
attributes_differ:
  description: Whether the file's mode, owner or group differ from O(mode), O(owner) and O(group) (before the run).
  returned: success
  type: bool
  sample: false
sealed:
  description: With O(state=read), the file's content XOR O(pad), in hex; the token only for whoever made the pad.
  returned: with O(state=read)
  type: str
  sample: 0a1b2c
msg_id:
  description: The id of the failure's message in the collection's catalog, so that the caller can word it.
  returned: failure
  type: str
  sample: store.no_directory
"""

import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oauthkit.github.plugins.module_utils import _argspec, _token_store
from ansible_collections.oauthkit.github.plugins.module_utils._errors import OAuthKitError
from ansible_collections.oauthkit.github.plugins.module_utils._messages import render

PYTHON_FLOOR = (3, 8)


def run(module: AnsibleModule) -> dict[str, object]:
    params = module.params
    attributes = _token_store.Attributes(params["mode"], params.get("owner"), params.get("group"))
    file = _token_store.TokenFile(params["path"], attributes)
    held = file.inspect()
    result: dict[str, object] = {"path": file.path, "exists": held.exists, "sha256": held.sha256, "attributes_differ": held.attributes_differ}
    state = params["state"]
    if state == "read":
        token = file.read()
        result["sealed"] = _token_store.seal(token.encode("ascii") if token else b"", bytes.fromhex(params["pad"]))
    elif state == "present" and not module.check_mode:
        file.write(params["token"])
        result.update(changed=True, sha256=_token_store.token_hash(params["token"]))
    elif state == "present":
        result["changed"] = True
    elif state == "absent":
        result["changed"] = held.exists and (module.check_mode or file.remove())
    elif state == "attributes":
        result["changed"] = held.attributes_differ and (module.check_mode or file.apply_attributes())
    return result


def main() -> None:
    spec = _argspec.token_file()
    module = AnsibleModule(argument_spec=spec.argument_spec, required_if=spec.required_if, supports_check_mode=True)
    if sys.version_info < PYTHON_FLOOR:
        module.fail_json(msg=render("store.host_python", {"interpreter": sys.executable}), msg_id="store.host_python")
    try:
        result = run(module)
    except OAuthKitError as exc:
        module.fail_json(msg=exc.msg, msg_id=exc.msg_id, msg_fields=exc.fields, **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
