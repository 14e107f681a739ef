# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Token custody: every cell of token_status x recreate, for real and in check mode, rotation and rollback."""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _custody, _preflight
from ansible_collections.oauthkit.github.plugins.module_utils import _authorizations as auth
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils import _token_store as store
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import API_URL, CLIENT_ID, CLIENT_SECRET, PASSWORD, TOKEN, USERNAME

NEW_TOKEN = "ab" * 20
PUT_URL = f"{API_URL}/authorizations/clients/{CLIENT_ID}"
LIST_URL = f"{API_URL}/authorizations"
RESET_URL = f"{API_URL}/applications/{CLIENT_ID}/token"


def authorization(ident: int = 7, token: str = "", *, of: str = TOKEN) -> dict[str, t.Any]:
    return {
        "id": ident, "token": token, "hashed_token": store.token_hash(of), "token_last_eight": of[-8:], "scopes": [], "note": None,
        "note_url": None, "fingerprint": None, "app": {"client_id": CLIENT_ID, "name": "Provisioner", "url": "https://example.com"},
    }


@pytest.fixture
def desired() -> auth.Desired:
    params = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    result = _preflight.check(params, require_secret=True).desired
    assert result is not None
    return result


@pytest.fixture
def api() -> auth.Authorizations:
    return auth.Authorizations(_api.GitHubClient(API_URL, USERNAME, PASSWORD))


def custody(tmp_path: Path, recreate: str, content: str | None) -> _custody.Custody:
    file = store.TokenFile(str(tmp_path / "app.token"), atomic_move=os.replace)
    if content is not None:
        Path(file.path).write_text(content)
    return _custody.Custody(file, recreate)


CONTENT = {store.VERIFIED: f"{TOKEN}\n", store.MISSING: None, store.MISMATCH: "0" * 40}


def calls(requests_mock: t.Any) -> list[str]:
    return [f"{r.method} {r.path.removeprefix('/api/v3')}" for r in requests_mock.request_history]


@pytest.mark.parametrize("recreate", _custody.RECREATE_CHOICES)
def test_created_is_stored(requests_mock: t.Any, api: auth.Authorizations, desired: auth.Desired, tmp_path: Path, recreate: str) -> None:
    requests_mock.put(PUT_URL, status_code=201, json=authorization(token=TOKEN))
    kept = custody(tmp_path, recreate, None)
    outcome = _custody.ensure_present(api, desired, kept, check_mode=False)
    assert (outcome.changed, outcome.action, outcome.token_status, outcome.token) == (True, "create", store.CREATED, None)
    assert kept.file.read() == TOKEN
    assert "token" not in outcome.result(with_diff=True)
    assert outcome.diff["after"]["token_status"] == store.CREATED
    assert TOKEN not in repr(outcome.result(with_diff=True))


@pytest.mark.parametrize("status", [store.VERIFIED, store.MISSING, store.MISMATCH])
@pytest.mark.parametrize("recreate", _custody.RECREATE_CHOICES)
def test_every_cell(requests_mock: t.Any, api: auth.Authorizations, desired: auth.Desired, tmp_path: Path, status: str, recreate: str) -> None:
    requests_mock.put(PUT_URL, [{"status_code": 200, "json": authorization()}, {"status_code": 201, "json": authorization(8, NEW_TOKEN, of=NEW_TOKEN)}])
    requests_mock.delete(f"{API_URL}/authorizations/7", status_code=204)
    requests_mock.patch(RESET_URL, json={**authorization(7, NEW_TOKEN, of=NEW_TOKEN), "user": {"login": USERNAME}})
    kept = custody(tmp_path, recreate, CONTENT[status])
    before = kept.file.read()
    if status != store.VERIFIED and recreate == _custody.NEVER:
        with pytest.raises(errors.TokenLost) as exc_info:
            _custody.ensure_present(api, desired, kept, check_mode=False)
        assert exc_info.value.details["token_status"] == status
        assert "recreate: when_lost" in exc_info.value.msg and "Nothing was deleted" in exc_info.value.msg
        assert calls(requests_mock) == ["PUT /authorizations/clients/" + CLIENT_ID]
        assert kept.file.read() == before
        return
    outcome = _custody.ensure_present(api, desired, kept, check_mode=False)
    if status == store.VERIFIED and recreate != _custody.ALWAYS:
        assert (outcome.changed, outcome.action, outcome.token_status) == (False, "none", store.VERIFIED)
        assert calls(requests_mock) == ["PUT /authorizations/clients/" + CLIENT_ID]
        assert kept.file.read() == TOKEN
        return
    assert (outcome.changed, outcome.token_status) == (True, store.ROTATED)
    assert kept.file.read() == NEW_TOKEN
    assert outcome.diff["before"]["token_status"] == status and outcome.diff["after"]["token_status"] == store.ROTATED
    if status == store.VERIFIED:  # always, with a verified token: reset keeps the id
        assert outcome.action == "rotate"
        assert outcome.authorization is not None and outcome.authorization["id"] == 7
        assert calls(requests_mock) == ["PUT /authorizations/clients/" + CLIENT_ID, f"PATCH /applications/{CLIENT_ID}/token"]
        reset = requests_mock.request_history[1]
        assert reset.json() == {"access_token": TOKEN}
        assert reset.headers["Authorization"].startswith("Basic ") and "X-GitHub-OTP" not in reset.headers
    else:
        assert outcome.action == "recreate"
        assert calls(requests_mock) == [f"PUT /authorizations/clients/{CLIENT_ID}", "DELETE /authorizations/7", f"PUT /authorizations/clients/{CLIENT_ID}"]


@pytest.mark.parametrize("status", [store.VERIFIED, store.MISSING, store.MISMATCH, "absent"])
@pytest.mark.parametrize("recreate", _custody.RECREATE_CHOICES)
def test_check_mode_predicts_every_cell_and_writes_nothing(
    requests_mock: t.Any, api: auth.Authorizations, desired: auth.Desired, tmp_path: Path, status: str, recreate: str
) -> None:
    requests_mock.get(LIST_URL, json=[] if status == "absent" else [authorization()])
    kept = custody(tmp_path, recreate, CONTENT.get(status))
    listing = sorted(os.listdir(tmp_path))
    if status in (store.MISSING, store.MISMATCH) and recreate == _custody.NEVER:
        with pytest.raises(errors.TokenLost):
            _custody.ensure_present(api, desired, kept, check_mode=True)
    else:
        outcome = _custody.ensure_present(api, desired, kept, check_mode=True)
        expected = {
            "absent": (True, "create", store.CREATED),
            store.VERIFIED: (recreate == _custody.ALWAYS, "rotate" if recreate == _custody.ALWAYS else "none",
                             store.ROTATED if recreate == _custody.ALWAYS else store.VERIFIED),
        }.get(status, (True, "recreate", store.ROTATED))
        assert (outcome.changed, outcome.action, outcome.token_status) == expected
    assert {r.method for r in requests_mock.request_history} == {"GET"}
    assert sorted(os.listdir(tmp_path)) == listing


def test_rollback_when_the_token_cannot_be_stored(requests_mock: t.Any, api: auth.Authorizations, desired: auth.Desired, tmp_path: Path) -> None:
    def full(src: str, dest: str) -> None:
        raise OSError(28, "No space left on device")

    requests_mock.put(PUT_URL, status_code=201, json=authorization(9, TOKEN))
    requests_mock.delete(f"{API_URL}/authorizations/9", status_code=204)
    kept = _custody.Custody(store.TokenFile(str(tmp_path / "app.token"), atomic_move=full))
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired, kept, check_mode=False)
    assert "No space left on device" in exc_info.value.msg and "was deleted again" in exc_info.value.msg
    assert exc_info.value.details["rolled_back"] is True
    assert calls(requests_mock) == [f"PUT /authorizations/clients/{CLIENT_ID}", "DELETE /authorizations/9"]
    assert os.listdir(tmp_path) == []
    assert TOKEN not in exc_info.value.msg


def test_rollback_that_fails_names_the_authorization(requests_mock: t.Any, api: auth.Authorizations, desired: auth.Desired, tmp_path: Path) -> None:
    def full(src: str, dest: str) -> None:
        raise OSError(28, "No space left on device")

    requests_mock.put(PUT_URL, status_code=201, json=authorization(9, TOKEN))
    requests_mock.delete(f"{API_URL}/authorizations/9", status_code=500, json={"message": "Server Error"})
    kept = _custody.Custody(store.TokenFile(str(tmp_path / "app.token"), atomic_move=full))
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired, kept, check_mode=False)
    assert "Deleting authorization 9" in exc_info.value.msg and "failed too" in exc_info.value.msg
    assert exc_info.value.details["authorization_id"] == 9


def test_recreate_that_meets_a_concurrent_create(requests_mock: t.Any, api: auth.Authorizations, desired: auth.Desired, tmp_path: Path) -> None:
    requests_mock.put(PUT_URL, [{"json": authorization()}, {"json": authorization(8)}])
    requests_mock.delete(f"{API_URL}/authorizations/7", status_code=204)
    with pytest.raises(errors.TokenNotReturned) as exc_info:
        _custody.ensure_present(api, desired, custody(tmp_path, _custody.WHEN_LOST, None), check_mode=False)
    assert "concurrent run" in exc_info.value.msg


def test_created_without_token(requests_mock: t.Any, api: auth.Authorizations, desired: auth.Desired, tmp_path: Path) -> None:
    requests_mock.put(PUT_URL, status_code=201, json=authorization(9, ""))
    with pytest.raises(errors.TokenNotReturned):
        _custody.ensure_present(api, desired, custody(tmp_path, _custody.NEVER, None), check_mode=False)
