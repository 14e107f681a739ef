# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Token custody against a scripted GitHub on 127.0.0.1: every token_status x recreate cell for real and in check mode,
foreign tokens, rollback after a failed or unknown write, the token reset, drift, and lost answers."""

from __future__ import annotations

import contextlib
import os
import typing as t
from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _argspec, _custody, _preflight
from ansible_collections.oauthkit.github.plugins.module_utils import _authorizations as auth
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils._messages import part
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import Attributes, Held, token_hash
from ansible_collections.oauthkit.github.plugins.plugin_utils._stores import LocalFileStore
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    NEW_TOKEN,
    PASSWORD,
    TOKEN,
    USERNAME,
)
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import AFTER_READ, LocalServer, Reply

PUT = f"PUT /authorizations/clients/{CLIENT_ID}"
LIST = "GET /authorizations"
RESET = f"PATCH /applications/{CLIENT_ID}/token"
OTHER_TOKEN = "cd" * 20
DEAD_TOKEN = "0" * 40
RECREATE = _argspec.RECREATE_CHOICES
MakeClient = t.Callable[..., _api.GitHubClient]


def authorization(ident: int = 7, token: str = "", *, of: str = TOKEN, **overrides: t.Any) -> dict[str, t.Any]:
    """An authorization of our app whose token is ``of`` (shown as ``token`` only when it was made now)."""
    return {
        "id": ident, "token": token, "hashed_token": token_hash(of), "token_last_eight": of[-8:], "scopes": [], "note": None,
        "note_url": None, "fingerprint": None, "app": {"client_id": CLIENT_ID, "name": "Provisioner", "url": "https://example.com"},
        **overrides,
    }


def desired(**options: t.Any) -> auth.Desired:
    args = {"api_url": "https://ghes.example.com/api/v3", "username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, **options}
    result = _preflight.check(args, _argspec.authorization(), {}, module="oauthkit.github.authorization").desired
    assert result is not None
    return result


class MemoryStore:
    """A store in memory that records what custody asks of it, and fails its write as told."""

    def __init__(self, token: str | None = None, *, write_error: BaseException | None = None, attributes_differ: bool = False) -> None:
        self.token = token
        self.exists = token is not None
        self.write_error = write_error
        self.attributes_differ = attributes_differ
        self.calls: list[str] = []

    @property
    def where(self) -> t.Any:
        return part("where.file", path="/srv/app.token", on_host=" on web1")

    def inspect(self) -> Held:
        self.calls.append("inspect")
        return Held(token_hash(self.token) if self.token else None, self.attributes_differ, exists=self.exists)

    def read_token(self) -> str | None:
        self.calls.append("read")
        return self.token

    def write(self, token: str) -> None:
        self.calls.append("write")
        if self.write_error is not None:
            raise self.write_error
        self.token, self.exists = token, True

    def remove(self) -> bool:
        self.calls.append("remove")
        existed, self.token, self.exists = self.exists, None, False
        return existed

    def apply_attributes(self) -> bool:
        self.calls.append("attributes")
        changed, self.attributes_differ = self.attributes_differ, False
        return changed

    def locked(self, timeout: float) -> t.ContextManager[None]:
        return contextlib.nullcontext()


@pytest.fixture
def api(make_client: MakeClient) -> auth.Authorizations:
    client = make_client(retries=1)
    client._proven = True  # these credentials were accepted before: a lost answer is retried (and reported)
    return auth.Authorizations(client)


def file_store(tmp_path: Path, content: str | None) -> LocalFileStore:
    kept = LocalFileStore(str(tmp_path / "app.token"), Attributes())
    if content is not None:
        Path(kept.file.path).write_text(content)
        os.chmod(kept.file.path, 0o600)
    return kept


def routes(server: LocalServer, *, put: list[Reply], listed: list[dict[str, t.Any]] | None = None) -> None:
    server.route("PUT", f"/authorizations/clients/{CLIENT_ID}", *put)
    server.route("GET", "/authorizations", Reply(200, listed if listed is not None else [authorization()]))
    server.route("DELETE", r"/authorizations/\d+", Reply(204))
    server.route("PATCH", f"/applications/{CLIENT_ID}/token", Reply(200, authorization(7, NEW_TOKEN, of=NEW_TOKEN)))
    server.route("PATCH", r"/authorizations/\d+", Reply(200, lambda seen: {**authorization(), **seen.json()}))


CONTENT = {_custody.VERIFIED: f"{TOKEN}\n", _custody.MISSING: None, _custody.MISMATCH: f"{DEAD_TOKEN}\n"}


# ---------------------------------------------------------------- every cell, for real


@pytest.mark.parametrize("recreate", RECREATE)
def test_created_is_stored(server: LocalServer, api: auth.Authorizations, tmp_path: Path, recreate: str) -> None:
    routes(server, put=[Reply(201, authorization(9, TOKEN))])
    kept = file_store(tmp_path, None)
    outcome = _custody.ensure_present(api, desired(), kept, recreate, check_mode=False)
    assert (outcome.changed, outcome.action, outcome.token_status, outcome.token) == (True, "create", _custody.CREATED, None)
    assert kept.read_token() == TOKEN
    result = outcome.result(with_diff=True)
    assert result["diff"] == {"before": {}, "after": {"fingerprint": None, "token_status": "created"}}
    assert TOKEN not in repr(result)
    assert server.calls() == [PUT]


@pytest.mark.parametrize("status", [_custody.VERIFIED, _custody.MISSING, _custody.MISMATCH])
@pytest.mark.parametrize("recreate", RECREATE)
def test_every_cell(server: LocalServer, api: auth.Authorizations, tmp_path: Path, status: str, recreate: str) -> None:
    routes(server, put=[Reply(200, authorization()), Reply(201, authorization(8, NEW_TOKEN, of=NEW_TOKEN))])
    kept = file_store(tmp_path, CONTENT[status])
    before = kept.read_token()
    looked_up = [LIST] if status == _custody.MISMATCH else []  # whose token is it? the list says: no live authorization's
    if status != _custody.VERIFIED and recreate == _custody.NEVER:
        with pytest.raises(errors.TokenLost) as exc_info:
            _custody.ensure_present(api, desired(), kept, recreate, check_mode=False)
        assert exc_info.value.__class__ is errors.TokenLost
        assert exc_info.value.details == {"token_status": status, "authorization_id": 7}
        assert "Nothing was deleted. Set recreate: when_lost" in exc_info.value.msg
        assert server.calls() == [PUT, *looked_up]
        assert kept.read_token() == before
        return
    outcome = _custody.ensure_present(api, desired(), kept, recreate, check_mode=False)
    if status == _custody.VERIFIED and recreate != _custody.ALWAYS:
        assert (outcome.changed, outcome.action, outcome.token_status) == (False, "none", _custody.VERIFIED)
        assert server.calls() == [PUT]
        assert kept.read_token() == TOKEN
        return
    assert (outcome.changed, outcome.token_status) == (True, _custody.ROTATED)
    assert kept.read_token() == NEW_TOKEN
    assert outcome.diff["before"]["token_status"] == status and outcome.diff["after"]["token_status"] == _custody.ROTATED
    if status == _custody.VERIFIED:  # always, with a verified token: a reset keeps the id
        assert outcome.action == "rotate"
        assert outcome.authorization is not None and outcome.authorization["id"] == 7
        assert server.calls() == [PUT, RESET]
        reset = server.seen[1]
        assert reset.json() == {"access_token": TOKEN}
        assert reset.header("Authorization") == _basic(CLIENT_ID, CLIENT_SECRET)
        assert reset.header("X-GitHub-OTP") is None
    else:
        assert outcome.action == "recreate"
        assert outcome.authorization is not None and outcome.authorization["id"] == 8
        assert server.calls() == [PUT, *looked_up, "DELETE /authorizations/7", PUT]
    assert "token" not in (outcome.authorization or {})


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize("status", [_custody.VERIFIED, _custody.MISSING, _custody.MISMATCH, "absent"])
@pytest.mark.parametrize("recreate", RECREATE)
def test_check_mode_predicts_every_cell_and_writes_nothing(server: LocalServer, api: auth.Authorizations, tmp_path: Path, status: str, recreate: str) -> None:
    routes(server, put=[Reply(599)], listed=[] if status == "absent" else [authorization()])
    kept = file_store(tmp_path, CONTENT.get(status))
    listing = sorted(os.listdir(tmp_path))
    if status in (_custody.MISSING, _custody.MISMATCH) and recreate == _custody.NEVER:
        with pytest.raises(errors.TokenLost) as exc_info:
            _custody.ensure_present(api, desired(), kept, recreate, check_mode=True)
        assert exc_info.value.details["token_status"] == status
    else:
        outcome = _custody.ensure_present(api, desired(), kept, recreate, check_mode=True)
        always = recreate == _custody.ALWAYS
        expected = {
            "absent": (True, "create", _custody.CREATED),
            _custody.VERIFIED: (always, "rotate" if always else "none", _custody.ROTATED if always else _custody.VERIFIED),
        }.get(status, (True, "recreate", _custody.ROTATED))
        assert (outcome.changed, outcome.action, outcome.token_status) == expected
    assert set(server.methods()) == {"GET"}
    assert sorted(os.listdir(tmp_path)) == listing  # neither the token nor a lock


def test_check_mode_predicts_the_drift_and_a_file_to_fix(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(599)], listed=[authorization(scopes=["gist"])])
    kept = MemoryStore(TOKEN, attributes_differ=True)
    outcome = _custody.ensure_present(api, desired(scopes=["repo"]), kept, "never", check_mode=True)
    assert (outcome.changed, outcome.action, outcome.token_status) == (True, "update", _custody.VERIFIED)
    assert outcome.authorization is not None and outcome.authorization["scopes"] == ["repo"]
    assert kept.calls == ["inspect"]


# ---------------------------------------------------------------- foreign and dead tokens


@pytest.mark.parametrize("recreate", RECREATE)
@pytest.mark.parametrize("check_mode", [False, True], ids=["real", "check-mode"])
def test_a_token_of_another_live_authorization_is_foreign(server: LocalServer, api: auth.Authorizations, recreate: str, check_mode: bool) -> None:
    other = authorization(8, of=OTHER_TOKEN, fingerprint="web2")
    routes(server, put=[Reply(200, authorization())], listed=[authorization(), other])
    kept = MemoryStore(OTHER_TOKEN)
    with pytest.raises(errors.TokenForeign) as exc_info:
        _custody.ensure_present(api, desired(), kept, recreate, check_mode=check_mode)
    exc = exc_info.value
    assert exc.details == {"token_status": "foreign", "authorization_id": 7, "foreign_authorization_id": 8}
    assert "holds the token of another live authorization: id 8, fingerprint web2, app 0123456789abcdef0123 (foreign)" in exc.msg
    assert "Nothing of that authorization was touched." in exc.msg
    assert "DELETE" not in server.methods()
    assert kept.calls == ["inspect"]
    assert kept.token == OTHER_TOKEN


def test_a_foreign_token_found_right_after_a_create_deletes_the_new_authorization(server: LocalServer, api: auth.Authorizations) -> None:
    other = authorization(8, of=OTHER_TOKEN, fingerprint="web2")
    routes(server, put=[Reply(201, authorization(9, NEW_TOKEN, of=NEW_TOKEN))], listed=[other])
    kept = MemoryStore(OTHER_TOKEN)
    with pytest.raises(errors.TokenForeign) as exc_info:
        _custody.ensure_present(api, desired(), kept, "never", check_mode=False)
    exc = exc_info.value
    assert server.calls() == [PUT, LIST, "DELETE /authorizations/9"]
    assert exc.details["rolled_back"] is True and exc.details["token_status"] == "foreign"
    assert "Authorization 9, which this run had just made, was deleted again." in exc.msg
    assert kept.token == OTHER_TOKEN and "write" not in kept.calls


def test_a_foreign_token_after_a_create_whose_delete_fails_names_the_authorization(server: LocalServer, api: auth.Authorizations) -> None:
    """The new authorization's token is kept nowhere: the message must say which authorization to delete by hand."""
    other = authorization(8, of=OTHER_TOKEN, fingerprint="web2")
    routes(server, put=[Reply(201, authorization(9, NEW_TOKEN, of=NEW_TOKEN))], listed=[other])
    server.route("DELETE", "/authorizations/9", Reply(502, {"message": "Server Error"}, reason="Bad Gateway"))
    kept = MemoryStore(OTHER_TOKEN)
    with pytest.raises(errors.OAuthKitError) as exc_info:
        _custody.ensure_present(api, desired(), kept, "never", check_mode=False)
    exc = exc_info.value
    assert exc.details.get("authorization_id") == 9
    assert "holds the token of another live authorization: id 8" in exc.msg
    assert "Deleting authorization 9, made by this run" in exc.msg and "Delete it (state: absent)" in exc.msg
    assert kept.token == OTHER_TOKEN


def test_a_create_whose_foreign_check_fails_is_rolled_back(server: LocalServer, api: auth.Authorizations) -> None:
    """The list that tells whose token the store holds cannot be read: the new token cannot be kept, so the new authorization goes."""
    routes(server, put=[Reply(201, authorization(9, NEW_TOKEN, of=NEW_TOKEN))])
    server.route("GET", "/authorizations", Reply(502, {"message": "Server Error"}))
    kept = MemoryStore(DEAD_TOKEN)
    with pytest.raises(errors.OAuthKitError) as exc_info:
        _custody.ensure_present(api, desired(), kept, "when_lost", check_mode=False)
    assert server.calls() == [PUT, LIST, LIST, "DELETE /authorizations/9"]
    assert exc_info.value.details.get("authorization_id") == 9
    assert "Authorization 9, made by this run, was deleted again" in exc_info.value.msg
    assert kept.token == DEAD_TOKEN


def test_a_foreign_token_where_no_authorization_exists_yet(server: LocalServer, api: auth.Authorizations) -> None:
    other = authorization(8, of=OTHER_TOKEN, fingerprint="web2", app=None)
    routes(server, put=[Reply(599)], listed=[other])
    with pytest.raises(errors.TokenForeign) as exc_info:
        _custody.ensure_present(api, desired(), MemoryStore(OTHER_TOKEN), "when_lost", check_mode=True)
    assert "app (none)" in exc_info.value.msg


def test_a_dead_token_is_a_mismatch_and_is_replaced(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(200, authorization()), Reply(201, authorization(8, NEW_TOKEN, of=NEW_TOKEN))])
    kept = MemoryStore(DEAD_TOKEN)
    outcome = _custody.ensure_present(api, desired(), kept, "when_lost", check_mode=False)
    assert (outcome.action, outcome.token_status, outcome.diff["before"]["token_status"]) == ("recreate", "rotated", "mismatch")
    assert server.calls() == [PUT, LIST, "DELETE /authorizations/7", PUT]
    assert kept.token == NEW_TOKEN


@pytest.mark.parametrize(("hashed", "expected"), [(token_hash(TOKEN), "verified"), (token_hash(TOKEN).upper(), "verified"), (None, "mismatch"),
                                                  ("", "mismatch")])
def test_status_of(hashed: str | None, expected: str) -> None:
    assert _custody.status_of(Held(token_hash(TOKEN)), {"hashed_token": hashed}) == expected
    assert _custody.status_of(Held(None), {"hashed_token": hashed}) == "missing"


# ---------------------------------------------------------------- rollback: no authorization is left whose token nobody holds


WRITE_FAILURES = {
    "store-error": (errors.TokenStoreError("store.write_failed", {"path": "/srv/app.token", "reason": "No space left on device"}), False),
    "write-unknown": (errors.TokenWriteUnknown("store.write_unknown", {"path": "/srv/app.token", "reason": "AnsibleConnectionFailure"}), True),
    "bare-exception": (Exception("atomic_move failed"), True),  # ansible-core 2.19's atomic_move raised a bare Exception
}


@pytest.mark.parametrize(("failure", "unknown"), WRITE_FAILURES.values(), ids=WRITE_FAILURES.keys())
def test_a_failed_write_after_a_create_is_rolled_back(server: LocalServer, api: auth.Authorizations, failure: BaseException, unknown: bool) -> None:
    routes(server, put=[Reply(201, authorization(9, TOKEN))])
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired(), MemoryStore(write_error=failure), "never", check_mode=False)
    exc = exc_info.value
    assert server.calls() == [PUT, "DELETE /authorizations/9"]
    assert exc.msg_id == "token.rolled_back"
    assert exc.details == {"authorization_id": 9, "rolled_back": True}
    assert "Authorization 9, made by this run, was deleted again" in exc.msg
    assert ("token_path /srv/app.token on web1 may hold that token, which no longer works" in exc.msg) is unknown
    if isinstance(failure, errors.TokenStoreError):
        assert failure.msg in exc.msg
    else:
        assert "The store failed with Exception." in exc.msg
    assert TOKEN not in exc.msg


@pytest.mark.parametrize(("failure", "unknown"), WRITE_FAILURES.values(), ids=WRITE_FAILURES.keys())
def test_a_failed_write_after_a_recreate_is_rolled_back(server: LocalServer, api: auth.Authorizations, failure: BaseException, unknown: bool) -> None:
    routes(server, put=[Reply(200, authorization()), Reply(201, authorization(8, NEW_TOKEN, of=NEW_TOKEN))])
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired(), MemoryStore(write_error=failure), "when_lost", check_mode=False)
    assert server.calls() == [PUT, "DELETE /authorizations/7", PUT, "DELETE /authorizations/8"]
    assert "Authorization 8, made by this run, was deleted again" in exc_info.value.msg
    assert ("may hold that token" in exc_info.value.msg) is unknown


@pytest.mark.parametrize(("failure", "unknown"), WRITE_FAILURES.values(), ids=WRITE_FAILURES.keys())
def test_a_failed_write_after_a_reset_is_rolled_back(server: LocalServer, api: auth.Authorizations, failure: BaseException, unknown: bool) -> None:
    routes(server, put=[Reply(200, authorization())])
    kept = MemoryStore(TOKEN, write_error=failure)
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired(), kept, "always", check_mode=False)
    assert server.calls() == [PUT, RESET, "DELETE /authorizations/7"]
    assert "Authorization 7, reset (its old token no longer works) by this run, was deleted again" in exc_info.value.msg
    assert ("may hold that token" in exc_info.value.msg) is unknown


def test_a_rollback_that_fails_names_the_authorization(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(201, authorization(9, TOKEN))])
    server.route("DELETE", "/authorizations/9", Reply(502, {"message": "Server Error"}, reason="Bad Gateway"))
    failure = errors.TokenWriteUnknown("store.write_unknown", {"path": "/srv/app.token", "reason": "AnsibleConnectionFailure"})
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired(), MemoryStore(write_error=failure), "never", check_mode=False)
    exc = exc_info.value
    assert exc.msg_id == "token.rollback_failed"
    assert exc.details == {"authorization_id": 9}
    assert "Deleting authorization 9, made by this run, whose token could not be kept, failed too (DELETE /authorizations/9 returned 502" in exc.msg
    assert "Delete it (state: absent), fix token_path /srv/app.token on web1 and run again." in exc.msg
    assert "may hold that token" in exc.msg
    assert server.methods().count("DELETE") == 2  # the DELETE is idempotent: retried once (retries=1), then given up


def test_a_failed_write_to_a_real_file_is_rolled_back(server: LocalServer, api: auth.Authorizations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    routes(server, put=[Reply(201, authorization(9, TOKEN))])
    kept = file_store(tmp_path, None)

    def broken(src: str, dst: str) -> None:
        raise Exception("atomic_move failed")

    monkeypatch.setattr(os, "rename", broken)
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired(), kept, "never", check_mode=False)
    assert server.calls() == [PUT, "DELETE /authorizations/9"]
    assert "could not be written" in exc_info.value.msg
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- the token reset


def test_the_reset_sends_the_stored_token_and_keeps_the_new_one(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(200, authorization())])
    kept = MemoryStore(TOKEN)
    outcome = _custody.ensure_present(api, desired(), kept, "always", check_mode=False)
    assert (outcome.action, outcome.token_status) == ("rotate", "rotated")
    assert server.seen[1].json() == {"access_token": TOKEN}
    assert kept.token == NEW_TOKEN
    assert kept.calls == ["inspect", "read", "write"]


def test_a_lost_reset_answer_is_reported_and_never_sent_again(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(200, authorization())])
    server.route("PATCH", f"/applications/{CLIENT_ID}/token", Reply(drop=AFTER_READ), Reply(200, authorization(7, NEW_TOKEN, of=NEW_TOKEN)))
    kept = MemoryStore(TOKEN)
    with pytest.raises(errors.ResetAnswerLost) as exc_info:
        _custody.ensure_present(api, desired(), kept, "always", check_mode=False)
    exc = exc_info.value
    assert exc.details == {"token_status": "unknown", "authorization_id": 7}
    assert "(the connection dropped)" in exc.msg and "It was not sent again" in exc.msg
    assert server.calls() == [PUT, RESET]
    assert kept.token == TOKEN and "write" not in kept.calls


def test_a_store_that_changed_during_the_run_is_not_reset(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(200, authorization())])
    kept = MemoryStore(TOKEN)
    kept.read_token = lambda: DEAD_TOKEN  # type: ignore[method-assign]
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired(), kept, "always", check_mode=False)
    assert exc_info.value.msg_id == "token.changed_during_run"
    assert server.calls() == [PUT]


# ---------------------------------------------------------------- drift, attributes, lost answers, odd answers


def test_drift_is_repaired_with_one_patch(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(200, authorization(scopes=["gist"], note="old"))])
    kept = MemoryStore(TOKEN)
    outcome = _custody.ensure_present(api, desired(scopes=["repo"], note="ci"), kept, "never", check_mode=False)
    assert (outcome.changed, outcome.action, outcome.token_status) == (True, "update", "verified")
    assert server.calls() == [PUT, "PATCH /authorizations/7"]
    assert server.seen[1].json() == {"scopes": ["repo"], "note": "ci"}
    assert outcome.authorization is not None and (outcome.authorization["scopes"], outcome.authorization["note"]) == (["repo"], "ci")
    assert outcome.diff == {"before": {"fingerprint": None, "scopes": ["gist"], "note": "old", "token_status": "verified"},
                            "after": {"fingerprint": None, "scopes": ["repo"], "note": "ci", "token_status": "verified"}}


def test_attributes_are_fixed_on_a_verified_file(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(200, authorization())])
    kept = MemoryStore(TOKEN, attributes_differ=True)
    outcome = _custody.ensure_present(api, desired(), kept, "never", check_mode=False)
    assert (outcome.changed, outcome.action) == (True, "none")
    assert kept.calls == ["inspect", "attributes"]


@pytest.mark.parametrize("lost", [True, False], ids=["first-attempt-lost", "answered"])
def test_the_lost_answer_note(server: LocalServer, api: auth.Authorizations, lost: bool) -> None:
    first = [Reply(drop=AFTER_READ)] if lost else []
    routes(server, put=[*first, Reply(200, authorization())])
    with pytest.raises(errors.TokenLost) as exc_info:
        _custody.ensure_present(api, desired(), MemoryStore(None), "never", check_mode=False)
    note = "The answer to a first attempt of the PUT was lost on the way: GitHub probably created the authorization then."
    assert (note in exc_info.value.msg) is lost
    assert server.calls() == [PUT] * (2 if lost else 1)


@pytest.mark.parametrize(("lost", "msg_id"), [(True, "token.recreate_answer_lost"), (False, "token.recreate_found_other")])
def test_a_recreate_that_finds_an_authorization(server: LocalServer, api: auth.Authorizations, lost: bool, msg_id: str) -> None:
    second = [Reply(drop=AFTER_READ)] if lost else []
    routes(server, put=[Reply(200, authorization()), *second, Reply(200, authorization(8))])
    kept = MemoryStore(None)
    with pytest.raises(errors.TokenNotReturned) as exc_info:
        _custody.ensure_present(api, desired(), kept, "when_lost", check_mode=False)
    exc = exc_info.value
    assert exc.msg_id == msg_id
    assert exc.details == {"authorization_id": 8}
    assert "Authorization 7 was deleted to replace its lost token" in exc.msg
    assert ("was lost, so its token was never seen" in exc.msg) is lost
    assert ("which another run made in the meantime" in exc.msg) is not lost
    assert "write" not in kept.calls


def test_a_malformed_201_is_deleted_again(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(201, authorization(9, TOKEN, scopes="repo"))])
    kept = MemoryStore(None)
    with pytest.raises(errors.MalformedAnswer) as exc_info:
        _custody.ensure_present(api, desired(), kept, "never", check_mode=False)
    assert server.calls() == [PUT, "DELETE /authorizations/9"]
    assert exc_info.value.msg.endswith(" Authorization 9, made by this request, was deleted again.")
    assert exc_info.value.details["authorization_id"] == 9
    assert "write" not in kept.calls


def test_a_malformed_200_is_not_deleted(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(200, authorization(scopes="repo"))])
    with pytest.raises(errors.MalformedAnswer):
        _custody.ensure_present(api, desired(), MemoryStore(None), "never", check_mode=False)
    assert server.calls() == [PUT]


@pytest.mark.parametrize("token", ["", None])
def test_created_without_a_token_is_deleted_again(server: LocalServer, api: auth.Authorizations, token: str | None) -> None:
    routes(server, put=[Reply(201, authorization(9, token=token))])  # type: ignore[arg-type]
    kept = MemoryStore(None)
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired(), kept, "never", check_mode=False)
    assert server.calls() == [PUT, "DELETE /authorizations/9"]
    assert exc_info.value.msg.startswith("GitHub's answer for authorization 9 held no token. Authorization 9, made by this run, was deleted again")
    assert "write" not in kept.calls


def test_a_store_that_cannot_keep_a_token_stops_everything(server: LocalServer, api: auth.Authorizations, tmp_path: Path) -> None:
    routes(server, put=[Reply(201, authorization(9, TOKEN))])
    kept = LocalFileStore(str(tmp_path / "missing" / "app.token"), Attributes())
    with pytest.raises(errors.TokenStoreError) as exc_info:
        _custody.ensure_present(api, desired(), kept, "never", check_mode=False)
    assert exc_info.value.msg_id == "store.no_directory"
    assert server.seen == []


# ---------------------------------------------------------------- state=absent


@pytest.mark.parametrize(
    ("listed", "content", "calls", "changed", "action", "left"),
    [
        ([authorization()], f"{TOKEN}\n", [LIST, "DELETE /authorizations/7"], True, "delete", False),
        ([authorization()], "", [LIST, "DELETE /authorizations/7"], True, "delete", False),
        ([], f"{DEAD_TOKEN}\n", [LIST, LIST], True, "none", False),
        ([], "", [LIST], True, "none", False),
        ([], None, [LIST], False, "none", False),
    ],
    ids=["its-token", "empty-file", "dead-token", "empty-file-only", "nothing"],
)
def test_absent(server: LocalServer, api: auth.Authorizations, tmp_path: Path, listed: list[t.Any], content: str | None, calls: list[str],
                changed: bool, action: str, left: bool) -> None:
    routes(server, put=[Reply(599)], listed=listed)
    kept = file_store(tmp_path, content)
    outcome = _custody.ensure_absent(api, desired(), kept, check_mode=False)
    assert (outcome.changed, outcome.action) == (changed, action)
    assert server.calls() == calls
    assert os.path.exists(kept.file.path) is left


def test_absent_never_removes_a_foreign_token(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(599)], listed=[authorization(8, of=OTHER_TOKEN, fingerprint="web2")])
    kept = MemoryStore(OTHER_TOKEN)
    with pytest.raises(errors.TokenForeign):
        _custody.ensure_absent(api, desired(), kept, check_mode=False)
    assert "DELETE" not in server.methods() and "remove" not in kept.calls


def test_absent_in_check_mode(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(599)])
    kept = MemoryStore(TOKEN)
    outcome = _custody.ensure_absent(api, desired(), kept, check_mode=True)
    assert (outcome.changed, outcome.action) == (True, "delete")
    assert outcome.diff["before"]["token_status"] == "verified"
    assert set(server.methods()) == {"GET"} and kept.calls == ["inspect"]


def test_absent_when_someone_else_deleted_it_meanwhile(server: LocalServer, api: auth.Authorizations) -> None:
    routes(server, put=[Reply(599)])
    server.route("DELETE", "/authorizations/7", Reply(404, {"message": "Not Found"}))
    kept = MemoryStore(TOKEN)
    outcome = _custody.ensure_absent(api, desired(), kept, check_mode=False)
    assert (outcome.changed, outcome.action) == (True, "delete")  # the file was still removed
    assert kept.calls == ["inspect", "remove"]
    gone = _custody.ensure_absent(api, desired(), None, check_mode=False)
    assert (gone.changed, gone.action) == (False, "none")
