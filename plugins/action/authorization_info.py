# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action of ``oauthkit.github.authorization_info``: a read-only listing, made on the controller."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.oauthkit.github.plugins.module_utils import _argspec, _authorizations
from ansible_collections.oauthkit.github.plugins.module_utils._errors import OAuthKitError
from ansible_collections.oauthkit.github.plugins.plugin_utils import _action, _guard


class ActionModule(ActionBase):
    """List the user's authorizations, with filters; never a token."""

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        run = _action.Run.of(self, task_vars)
        try:
            checked = run.check(_argspec.authorization_info(), module="oauthkit.github.authorization_info")
            client = run.connect(checked, guard_folder=_guard.run_folder(), sms_get_hint="otp.sms_info")
            found = _authorizations.listing(_authorizations.Authorizations(client), checked.filters or _authorizations.Filters())
            result.update(changed=False, authorizations=found, **run.transport_report())
        except OAuthKitError as exc:
            result.update(run.failed(exc))
        return run.finish(result)
