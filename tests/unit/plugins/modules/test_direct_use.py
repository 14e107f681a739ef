# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The module files of authorization and authorization_info: their action plugins do the work; run on their own, they say so."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.oauthkit.github.plugins.modules import authorization, authorization_info
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import PASSWORD, run_module


@pytest.mark.parametrize(("module", "name"), [(authorization, "oauthkit.github.authorization"), (authorization_info, "oauthkit.github.authorization_info")])
def test_run_as_a_module_it_fails_with_the_way_to_use_it(
    capsys: pytest.CaptureFixture[str], base_args: dict[str, t.Any], module: t.Any, name: str
) -> None:
    args = dict(base_args)
    if module is authorization_info:
        args.pop("client_secret")
    result = run_module(module.main, args, capsys)
    assert result["failed"] is True
    assert result["msg_id"] == "module.direct_use"
    assert result["msg"].startswith(f"{name} runs on the controller, as an action plugin")
    assert PASSWORD not in result["_raw"]
