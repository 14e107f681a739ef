# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action plugin of oauthkit.github.authorization_info: a read-only listing with filters, against a scripted GitHub."""

from __future__ import annotations

import types
import typing as t
from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.action.authorization_info import ActionModule
from ansible_collections.oauthkit.github.plugins.module_utils import _api
from ansible_collections.oauthkit.github.plugins.plugin_utils import _guard
from ansible_collections.oauthkit.github.tests.unit.plugins.action_harness import Task, make_action, secrets_in
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    CLIENT_ID,
    OTP_SECRET,
    PASSWORD,
    USERNAME,
    FakeClock,
    authorization,
    load_fixture,
)
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import LocalServer, Reply, fixture_reply


@pytest.fixture(autouse=True)
def _folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_guard, "run_folder", lambda: str(tmp_path / "guard"))


@pytest.fixture(autouse=True)
def _fake_time(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    monkeypatch.setattr(_api, "time", types.SimpleNamespace(monotonic=clock.time, sleep=clock.sleep))


@pytest.fixture
def args(server: LocalServer) -> dict[str, t.Any]:
    return {"api_url": server.api_url, "username": USERNAME, "password": PASSWORD}


def run(task_args: dict[str, t.Any], **task: t.Any) -> dict[str, t.Any]:
    return make_action(ActionModule, Task(task_args, action="oauthkit.github.authorization_info", **task)).run(task_vars={})


LISTED = [
    authorization(id=1, fingerprint="web1", note="deploy web1"),
    authorization(id=2, fingerprint="web2", note="deploy web2"),
    {**authorization(id=3, fingerprint="web1", note="other"), "app": {"client_id": "00000000000000000000"}},
]


def test_listing_with_filters(server: LocalServer, args: dict[str, t.Any]) -> None:
    link = {"Link": f'<{server.api_url}/authorizations?page=2>; rel="next"'}
    server.route("GET", "/authorizations", Reply(200, LISTED[:2], link), Reply(200, LISTED[2:]))
    result = run({**args, "client_id": CLIENT_ID, "note_regex": "^deploy"})
    assert result["changed"] is False
    assert [item["id"] for item in result["authorizations"]] == [1, 2]
    assert (result["retries"], result["otp_wait"]) == (0, 0.0)
    assert f"client_id={CLIENT_ID}" in server.seen[0].query
    assert server.methods() == ["GET", "GET"]


@pytest.mark.parametrize(("filters", "ids"), [({"fingerprint": "web1"}, [1, 3]), ({"note": "other"}, [3]), ({}, [1, 2, 3])],
                         ids=["fingerprint", "note", "none"])
def test_other_filters(server: LocalServer, args: dict[str, t.Any], filters: dict[str, str], ids: list[int]) -> None:
    server.route("GET", "/authorizations", Reply(200, LISTED))
    assert [item["id"] for item in run({**args, **filters})["authorizations"]] == ids


def test_check_mode_lists_too(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("GET", "/authorizations", Reply(200, LISTED))
    assert len(run(args, check_mode=True)["authorizations"]) == 3


def test_no_token_and_no_secret_in_the_result(server: LocalServer, args: dict[str, t.Any]) -> None:
    echoed = {**authorization(id=4, note=f"pw {PASSWORD}"), "token": "should-never-be-listed"}
    server.route("GET", "/authorizations", Reply(200, [echoed]))
    result = run(args)
    assert "token" not in result["authorizations"][0]
    assert secrets_in(result, [PASSWORD, "should-never-be-listed"]) == []


def test_sms_accounts_are_told_how_to_get_a_code(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("GET", "/authorizations", fixture_reply(load_fixture("otp_required_sms")))
    result = run(args)
    assert result["msg_id"] == "api.otp"
    assert "oauthkit.github.authorization_info sends only GET requests" in result["msg"]


def test_invalid_filters_are_refused_before_any_request(server: LocalServer, args: dict[str, t.Any]) -> None:
    result = run({**args, "note_regex": "[", "otp_secret": OTP_SECRET})
    assert result["msg_id"] == "note_regex.invalid"
    assert secrets_in(result, [PASSWORD, OTP_SECRET]) == []
    assert server.seen == []


def test_a_failure(server: LocalServer, args: dict[str, t.Any]) -> None:
    server.route("GET", "/authorizations", fixture_reply(load_fixture("bad_credentials")))
    result = run(args)
    assert (result["failed"], result["msg_id"], result["status"], result["retries"]) == (True, "api.bad_credentials", 401, 0)
