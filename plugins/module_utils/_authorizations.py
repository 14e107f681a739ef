# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The domain: one OAuth authorization for one app (and fingerprint), made to match what was asked.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

``plan()`` is pure: from the current authorization (or None) and the desired one it
decides what to do.  ``ensure_present()`` and ``ensure_absent()`` do it, with as few
requests as the API allows: in the steady state one ``PUT``.  In check mode only
``GET`` requests are sent.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t
from urllib.parse import quote

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils._messages import Part, part

if t.TYPE_CHECKING:
    from ansible_collections.oauthkit.github.plugins.module_utils._api import GitHubClient

MANAGED_FIELDS = ("scopes", "note", "note_url")
_STRING_FIELDS = ("token", "hashed_token", "token_last_eight", "note", "note_url", "fingerprint")
_TOKEN_RE = re.compile(r"[!-~]+")  # printable ASCII: a token is written to a file and compared by its SHA-256


@dataclasses.dataclass(frozen=True)
class Desired:
    """What the task asks for, already checked (``_preflight``).  ``None`` for scopes, note or note_url means: not managed."""

    client_id: str
    client_secret: str
    fingerprint: str | None = None
    scopes: tuple[str, ...] | None = None
    note: str | None = None
    note_url: str | None = None

    def diff_view(self) -> dict[str, t.Any]:
        """The desired state as shown in diffs: only what the task manages, plus the fingerprint."""
        shown: dict[str, t.Any] = {"fingerprint": self.fingerprint}
        if self.scopes is not None:
            shown["scopes"] = sorted(self.scopes)
        if self.note is not None:
            shown["note"] = self.note
        if self.note_url is not None:
            shown["note_url"] = self.note_url
        return shown


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to do: ``create``, ``update`` (with the PATCH body in ``changes``), ``delete`` or ``none``."""

    action: str
    changes: dict[str, t.Any]
    before: dict[str, t.Any]
    after: dict[str, t.Any]

    @property
    def changed(self) -> bool:
        return self.action != "none"


@dataclasses.dataclass
class Outcome:
    """The module's result: never holds a token except ``token`` right after a create."""

    changed: bool
    action: str
    authorization: dict[str, t.Any] | None
    diff: dict[str, t.Any]
    token: str | None = None
    token_status: str | None = None

    def result(self, *, with_diff: bool) -> dict[str, t.Any]:
        res: dict[str, t.Any] = {"changed": self.changed, "action": self.action, "authorization": self.authorization}
        if self.token is not None:
            res["token"] = self.token
        if self.token_status is not None:
            res["token_status"] = self.token_status
        if with_diff:
            res["diff"] = self.diff
        return res


class Got(t.NamedTuple):
    """What get-or-create got: whether GitHub created the authorization now, the authorization, and whether the answer to an
    earlier attempt of the same PUT was lost after the request was sent (GitHub may have created it then, with a token nobody saw)."""

    created: bool
    authorization: dict[str, t.Any]
    answer_lost: bool = False


def without_token(authorization: dict[str, t.Any] | None) -> dict[str, t.Any] | None:
    """The API object without its ``token`` field."""
    if authorization is None:
        return None
    return {key: value for key, value in authorization.items() if key != "token"}


def current_diff_view(authorization: dict[str, t.Any] | None, desired: Desired | None = None) -> dict[str, t.Any]:
    """The current state as shown in diffs: restricted to what ``desired`` manages, or everything when it is None."""
    if authorization is None:
        return {}
    shown: dict[str, t.Any] = {"fingerprint": authorization.get("fingerprint") or None}
    if desired is None or desired.scopes is not None:
        shown["scopes"] = sorted(authorization.get("scopes") or [])
    if desired is None or desired.note is not None:
        shown["note"] = authorization.get("note")
    if desired is None or desired.note_url is not None:
        shown["note_url"] = authorization.get("note_url")
    return shown


def plan(current: dict[str, t.Any] | None, desired: Desired, *, state: str = "present") -> Plan:
    """Decide what to do; pure, no I/O."""
    if state == "absent":
        return Plan("delete" if current is not None else "none", {}, current_diff_view(current), {})
    before = current_diff_view(current, desired)
    if current is None:
        return Plan("create", {}, before, desired.diff_view())
    changes: dict[str, t.Any] = {}
    if desired.scopes is not None and set(current.get("scopes") or []) != set(desired.scopes):
        changes["scopes"] = list(desired.scopes)  # one scope key only: "scopes" replaces the whole list
    if desired.note is not None and current.get("note") != desired.note:
        changes["note"] = desired.note
    if desired.note_url is not None and current.get("note_url") != desired.note_url:
        changes["note_url"] = desired.note_url
    after = {**before, **{key: sorted(value) if key == "scopes" else value for key, value in changes.items()}}
    return Plan("update" if changes else "none", changes, before, after)


def matches(authorization: dict[str, t.Any], desired: Desired) -> bool:
    """Whether a listed authorization is the one keyed by (client_id, fingerprint or none)."""
    app = authorization.get("app") or {}
    return app.get("client_id") == desired.client_id and (authorization.get("fingerprint") or None) == desired.fingerprint


def well_formed(authorization: t.Any, where: str) -> dict[str, t.Any]:
    """The authorization, if the fields the collection reads have the types the API contract gives them; else MalformedAnswer."""
    if not isinstance(authorization, dict):
        raise errors.MalformedAnswer("api.not_an_object", {"where": where, "kind": type(authorization).__name__})
    bad = []
    ident = authorization.get("id")
    if not isinstance(ident, int) or isinstance(ident, bool):
        bad.append("id")
    scopes = authorization.get("scopes")
    if scopes is not None and not (isinstance(scopes, list) and all(isinstance(scope, str) for scope in scopes)):
        bad.append("scopes")
    if authorization.get("app") is not None and not isinstance(authorization["app"], dict):
        bad.append("app")
    bad += [field for field in _STRING_FIELDS if authorization.get(field) is not None and not isinstance(authorization[field], str)]
    token = authorization.get("token")
    if isinstance(token, str) and token and not _TOKEN_RE.fullmatch(token):
        bad.append("token")
    if bad:
        raise errors.MalformedAnswer("api.malformed", {"where": where, "fields_list": ", ".join(bad)}, malformed_fields=bad)
    return authorization


class Filters(t.NamedTuple):
    """The filters of ``authorization_info``, checked; None means: not filtered on."""

    client_id: str | None = None
    fingerprint: str | None = None
    note: str | None = None
    note_regex: re.Pattern[str] | None = None

    def match(self, authorization: t.Any) -> bool:
        if not isinstance(authorization, dict):
            return False
        app = authorization.get("app") or {}
        note = authorization.get("note") or ""
        return (
            (self.client_id is None or app.get("client_id") == self.client_id)
            and (self.fingerprint is None or authorization.get("fingerprint") == self.fingerprint)
            and (self.note is None or note == self.note)
            and (self.note_regex is None or self.note_regex.search(note) is not None)
        )


class Authorizations:
    """The API operations on ``/authorizations`` used by the modules."""

    def __init__(self, client: GitHubClient) -> None:
        self.client = client

    def get_or_create(self, desired: Desired) -> Got:
        """``PUT /authorizations/clients/{client_id}[/{fingerprint}]``."""
        path = f"/authorizations/clients/{quote(desired.client_id, safe='')}"
        if desired.fingerprint is not None:
            path += f"/{quote(desired.fingerprint, safe='')}"
        body: dict[str, t.Any] = {"client_secret": desired.client_secret}
        for field in MANAGED_FIELDS:
            value = getattr(desired, field)
            if value is not None:
                body[field] = list(value) if field == "scopes" else value
        response = self.client.request("PUT", path, body=body, expect=(200, 201), shape=dict)
        try:
            authorization = well_formed(response.data, f"PUT {path}")
        except errors.MalformedAnswer as exc:
            ident = response.data.get("id")
            if not response.created or not isinstance(ident, int):
                raise
            self.delete(ident)  # GitHub made it, but its token cannot be kept: leave no authorization behind
            note = part("note.malformed_deleted", ident=ident)
            raise errors.MalformedAnswer(exc.msg_id, {**exc.fields, "rolled_back_note": note}, authorization_id=ident, **exc.details) from None
        return Got(response.created, authorization, response.answer_lost)

    def find(self, desired: Desired) -> dict[str, t.Any] | None:
        """The user's authorization for (client_id, fingerprint), from the paginated list; GET only."""
        for authorization in self.client.paginate("/authorizations", {"client_id": desired.client_id}):
            if matches(well_formed(authorization, "GET /authorizations"), desired):
                return authorization
        return None

    def find_by_hash(self, sha256: str) -> dict[str, t.Any] | None:
        """The user's authorization, of any app, whose ``hashed_token`` is sha256; GET only, following every page."""
        for authorization in self.client.paginate("/authorizations"):
            if (well_formed(authorization, "GET /authorizations").get("hashed_token") or "").lower() == sha256:
                return authorization
        return None

    def update(self, authorization_id: int, changes: dict[str, t.Any]) -> dict[str, t.Any]:
        """``PATCH /authorizations/{id}`` with at most one scope key."""
        path = f"/authorizations/{int(authorization_id)}"
        return well_formed(self.client.request("PATCH", path, body=changes, shape=dict).data, f"PATCH {path}")

    def reset(self, desired: Desired, token: str) -> dict[str, t.Any]:
        """``PATCH /applications/{client_id}/token``: a new token for the same authorization; the old one stops working."""
        path = f"/applications/{quote(desired.client_id, safe='')}/token"
        auth = (desired.client_id, desired.client_secret)
        # Not idempotent: a second attempt would send the token the first one revoked.
        response = self.client.request("PATCH", path, body={"access_token": token}, shape=dict, app_auth=auth, idempotent=False)
        return well_formed(response.data, f"PATCH {path}")

    def delete(self, authorization_id: int) -> bool:
        """``DELETE /authorizations/{id}``; False when it was already gone."""
        return self.client.request("DELETE", f"/authorizations/{int(authorization_id)}", expect=(204,), missing_ok=True) is not None


def listing(api: Authorizations, filters: Filters) -> list[dict[str, t.Any]]:
    """The user's authorizations that match every filter, without tokens (GitHub lists none anyway)."""
    query = {"client_id": filters.client_id} if filters.client_id else None
    return [t.cast("dict[str, t.Any]", without_token(item)) for item in api.client.paginate("/authorizations", query) if filters.match(item)]


def ensure_present(api: Authorizations, desired: Desired, *, check_mode: bool) -> Outcome:
    """Get or create the authorization and repair drift in scopes, note and note_url."""
    if check_mode:
        current = api.find(desired)
        planned = plan(current, desired)
        predicted = without_token(current)
        if predicted is not None and planned.changes:
            predicted = {**predicted, **planned.changes}
        return Outcome(planned.changed, planned.action, predicted, {"before": planned.before, "after": planned.after})

    created, current, answer_lost = api.get_or_create(desired)
    if not created and answer_lost:
        raise errors.TokenLost(
            "token.answer_lost", {"ident": current.get("id"), "last_eight": current.get("token_last_eight")}, authorization_id=current.get("id")
        )
    if created:
        token = current.get("token") or None
        if token is None:
            ident = current.get("id")
            try:
                api.delete(ident)
            except errors.OAuthKitError as second:
                raise errors.TokenNotReturned(
                    "token.not_returned_kept", {"ident": ident, "second": Part(second.msg_id, {**second.details, **second.fields})},
                    authorization_id=ident,
                ) from None
            raise errors.TokenNotReturned("token.not_returned", {"ident": ident}, authorization_id=ident, rolled_back=True)
        return Outcome(True, "create", without_token(current), {"before": {}, "after": current_diff_view(current, desired)}, token=token)

    planned = plan(current, desired)
    if planned.action == "update":
        current = api.update(current["id"], planned.changes)
    return Outcome(planned.changed, planned.action, without_token(current), {"before": planned.before, "after": planned.after})


def ensure_absent(api: Authorizations, desired: Desired, *, check_mode: bool) -> Outcome:
    """Delete the authorization for (client_id, fingerprint) if there is one."""
    current = api.find(desired)
    planned = plan(current, desired, state="absent")
    if planned.action == "delete" and not check_mode and not api.delete(current["id"]):  # type: ignore[index]
        planned = plan(None, desired, state="absent")  # someone else deleted it in the meantime
    return Outcome(planned.changed, planned.action, without_token(current), {"before": planned.before, "after": planned.after})
