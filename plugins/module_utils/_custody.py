# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Token custody: get or create the authorization *and* hold its token in a store, by the ``recreate`` policy.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

The one custody policy.  Stores (a local file, a file on a managed host, an ansible-vault
vars file on the controller) only inspect, read, write, remove and lock; every decision is
made here.  GitHub shows a token only when it creates an authorization (or resets its
token).  The stored token is verified by its SHA-256 against ``hashed_token`` from the same
answer, so the steady state is one request:

* ``created``: the authorization was made now and its token stored;
* ``verified``: the store holds the authorization's token;
* ``missing`` / ``mismatch``: no token, or a token that belongs to no live authorization.
  ``recreate: never`` fails and deletes nothing; ``when_lost`` and ``always`` delete the
  authorization and create it again (``rotated``);
* ``foreign``: the store holds the token of *another* live authorization (two tasks share one
  store): every policy fails and deletes nothing;
* ``always`` with a verified token resets it (``PATCH /applications/{client_id}/token``),
  keeping the authorization's id (``rotated``);
* ``unknown``: the answer to that reset was lost; the next run finds out.

The order is fixed: the store is inspected first (a host that cannot keep a token never
causes one to be made), then GitHub is asked, then the token is written, and a write that
fails, or whose outcome is unknown, deletes the authorization just made (or reset) again.
"""

from __future__ import annotations

import typing as t

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils._authorizations import (
    Authorizations,
    Desired,
    Outcome,
    current_diff_view,
    plan,
    without_token,
)
from ansible_collections.oauthkit.github.plugins.module_utils._messages import Part, part
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import Held, token_hash

NEVER, WHEN_LOST, ALWAYS = "never", "when_lost", "always"
CREATED, VERIFIED, ROTATED, MISSING, MISMATCH, FOREIGN, UNKNOWN = "created", "verified", "rotated", "missing", "mismatch", "foreign", "unknown"
STATUSES = (CREATED, VERIFIED, ROTATED, MISSING, MISMATCH, FOREIGN, UNKNOWN)


class Store(t.Protocol):
    """Where a token is kept.  Every method raises ``TokenStoreError`` (``TokenWriteUnknown`` when a write's outcome is unknown)."""

    @property
    def where(self) -> Part:
        """The store, as messages name it."""

    def inspect(self) -> Held:
        """The SHA-256 of the token held, after every check that tells whether a token can be kept here."""

    def read_token(self) -> str | None:
        """The token held, for the reset that names it; None when there is none."""

    def write(self, token: str) -> None:
        """Keep the token, atomically, with the store's attributes."""

    def remove(self) -> bool:
        """Remove what the store holds; False when it held nothing."""

    def apply_attributes(self) -> bool:
        """Give the stored file its mode, owner and group; True when something changed."""

    def locked(self, timeout: float) -> t.ContextManager[None]:
        """Serialise the runs that share this store, waiting at most ``timeout`` seconds."""


def status_of(held: Held, authorization: dict[str, t.Any]) -> str:
    """``verified``, ``missing`` (nothing held) or ``mismatch`` (another token, or no hash to compare with)."""
    if held.sha256 is None:
        return MISSING
    hashed = (authorization.get("hashed_token") or "").lower()
    return VERIFIED if hashed and held.sha256 == hashed else MISMATCH


def _diff(before: dict[str, t.Any], after: dict[str, t.Any], status_before: str | None, status_after: str | None) -> dict[str, t.Any]:
    return {
        "before": {**before, "token_status": status_before} if before or status_before else {},
        "after": {**after, "token_status": status_after} if after or status_after else {},
    }


def _lost(status: str, authorization: dict[str, t.Any], store: Store, *, answer_lost: bool = False) -> errors.TokenLost:
    return errors.TokenLost(
        "token.lost",
        {
            "where": store.where,
            "what": part("token.what_missing" if status == MISSING else "token.what_mismatch"),
            "status": status,
            "ident": authorization.get("id"),
            "last_eight": authorization.get("token_last_eight"),
            "lost_note": part("token.lost_note") if answer_lost else "",
        },
        token_status=status,
        authorization_id=authorization.get("id"),
    )


def _refuse_foreign_after_create(api: Authorizations, held: Held, created: dict[str, t.Any], store: Store) -> None:
    """The foreign check right after a create: whatever stops the run here, the authorization just made (whose token is kept
    nowhere) is deleted again, or the message names it for a deletion by hand."""
    try:
        _refuse_foreign(api, held, created, store)
    except errors.TokenForeign as exc:
        try:
            _roll_back(api, created.get("id"), Part(exc.msg_id, {**exc.details, **exc.fields}), store, reset=False)
        except errors.TokenStoreError as rolled:
            if not rolled.details.get("rolled_back"):
                raise  # the DELETE failed too: token.rollback_failed names the authorization
        exc.fields["created_note"] = part("token.foreign_created_note", ident=created.get("id"))
        exc.details["rolled_back"] = True
        raise exc from None
    except errors.OAuthKitError as exc:  # the list that tells whose token the store holds could not be read
        _roll_back(api, created.get("id"), Part(exc.msg_id, {**exc.details, **exc.fields}), store, reset=False)


def _refuse_foreign(api: Authorizations, held: Held, current: dict[str, t.Any] | None, store: Store) -> None:
    """A held token that is not ``current``'s: if it belongs to another live authorization, fail and delete nothing."""
    if held.sha256 is None:
        return
    owner = api.find_by_hash(held.sha256)
    if owner is None or (current is not None and owner.get("id") == current.get("id")):
        return
    app = owner.get("app") if isinstance(owner.get("app"), dict) else {}
    raise errors.TokenForeign(
        "token.foreign",
        {
            "where": store.where,
            "other_id": owner.get("id"),
            "other_fingerprint": owner.get("fingerprint") or "(none)",
            "other_app": app.get("client_id") or "(none)",
        },
        token_status=FOREIGN,
        authorization_id=(current or {}).get("id"),
        foreign_authorization_id=owner.get("id"),
    )


def ensure_present(api: Authorizations, desired: Desired, store: Store, recreate: str, *, check_mode: bool) -> Outcome:
    """Get or create the authorization, repair drift, and make ``store`` hold its token."""
    held = store.inspect()
    if check_mode:
        return _predict(api, desired, store, held, recreate)
    created, current, answer_lost = api.get_or_create(desired)
    if created:
        # A token held before this create is never the new authorization's. If it belongs to another live authorization (two
        # hosts or tasks share one store), it is not overwritten: the authorization just made is deleted again, and the run
        # fails as check mode predicts.
        _refuse_foreign_after_create(api, held, current, store)
        _keep(api, store, current, reset=False)
        after = current_diff_view(current, desired)
        return Outcome(True, "create", without_token(current), _diff({}, after, None, CREATED), token_status=CREATED)
    status = status_of(held, current)
    if status == MISMATCH:
        _refuse_foreign(api, held, current, store)
    if status != VERIFIED and recreate == NEVER:
        raise _lost(status, current, store, answer_lost=answer_lost)
    planned = plan(current, desired)
    if planned.action == "update":
        current = api.update(current["id"], planned.changes)
    if status == VERIFIED and recreate != ALWAYS:
        changed = store.apply_attributes() if held.attributes_differ else False
        diff = _diff(planned.before, planned.after, status, status)
        return Outcome(planned.changed or changed, planned.action, without_token(current), diff, token_status=status)
    if status == VERIFIED:
        fresh = _reset(api, desired, store, current)
        action = "rotate"
    else:
        api.delete(current["id"])
        again, fresh, lost = api.get_or_create(desired)
        if not again:
            msg_id = "token.recreate_answer_lost" if lost else "token.recreate_found_other"
            raise errors.TokenNotReturned(msg_id, {"ident": current.get("id"), "other": fresh.get("id")}, authorization_id=fresh.get("id"))
        _keep(api, store, fresh, reset=False)
        action = "recreate"
    diff = _diff(planned.before, current_diff_view(fresh, desired), status, ROTATED)
    return Outcome(True, action, without_token(fresh), diff, token_status=ROTATED)


def _reset(api: Authorizations, desired: Desired, store: Store, current: dict[str, t.Any]) -> dict[str, t.Any]:
    """Reset the verified token (same id) and keep the new one."""
    token = store.read_token()
    if token is None or token_hash(token) != (current.get("hashed_token") or "").lower():
        raise errors.TokenStoreError("token.changed_during_run", {"where": store.where}, token_status=MISMATCH, authorization_id=current.get("id"))
    try:
        fresh = api.reset(desired, token)
    except errors.AnswerLost as exc:
        raise errors.ResetAnswerLost(
            "token.reset_lost", {"ident": current.get("id"), "where": store.where, "why": exc.fields.get("why")},
            token_status=UNKNOWN, authorization_id=current.get("id"),
        ) from None
    _keep(api, store, fresh, reset=True)
    return fresh


def _keep(api: Authorizations, store: Store, authorization: dict[str, t.Any], *, reset: bool) -> None:
    """Store the new token; if that fails, or may have failed, delete the authorization so that no token is lost unseen."""
    token = authorization.get("token") or None
    ident = authorization.get("id")
    if token is None:
        _roll_back(api, ident, part("token.not_returned_reason", ident=ident), store, reset=reset)
    try:
        store.write(token)
    except errors.TokenWriteUnknown as exc:
        _roll_back(api, ident, Part(exc.msg_id, {**exc.details, **exc.fields}), store, reset=reset, unknown=True)
    except errors.TokenStoreError as exc:
        _roll_back(api, ident, Part(exc.msg_id, {**exc.details, **exc.fields}), store, reset=reset)
    except Exception as exc:
        _roll_back(api, ident, part("token.write_raised", kind=exc.__class__.__name__), store, reset=reset, unknown=True)


def _roll_back(  # noqa: PLR0913 - the parts of one rollback
    api: Authorizations, ident: t.Any, reason: Part, store: Store, *, reset: bool, unknown: bool = False
) -> t.NoReturn:
    fields = {"reason": reason, "ident": ident, "where": store.where, "made": part("token.made_reset" if reset else "token.made_new")}
    fields["unknown_note"] = part("token.unknown_note", where=store.where) if unknown else ""
    try:
        api.delete(ident)
    except errors.OAuthKitError as second:
        raise errors.TokenStoreError(
            "token.rollback_failed", {**fields, "second": Part(second.msg_id, {**second.details, **second.fields})}, authorization_id=ident
        ) from None
    raise errors.TokenStoreError("token.rolled_back", fields, authorization_id=ident, rolled_back=True)


def _predict(api: Authorizations, desired: Desired, store: Store, held: Held, recreate: str) -> Outcome:
    """Check mode: what a real run would do, failures included, from ``GET /authorizations`` and the store; nothing is written."""
    current = api.find(desired)
    planned = plan(current, desired)
    if current is None:
        if held.sha256 is not None:
            _refuse_foreign(api, held, None, store)
        return Outcome(True, "create", None, _diff({}, planned.after, None, CREATED), token_status=CREATED)
    status = status_of(held, current)
    if status == MISMATCH:
        _refuse_foreign(api, held, current, store)
    if status != VERIFIED and recreate == NEVER:
        raise _lost(status, current, store)
    predicted = without_token(current)
    if predicted is not None and planned.changes:
        predicted = {**predicted, **planned.changes}
    if status == VERIFIED and recreate != ALWAYS:
        diff = _diff(planned.before, planned.after, status, status)
        return Outcome(planned.changed or held.attributes_differ, planned.action, predicted, diff, token_status=status)
    action = "rotate" if status == VERIFIED else "recreate"
    return Outcome(True, action, predicted, _diff(planned.before, planned.after, status, ROTATED), token_status=ROTATED)


def ensure_absent(api: Authorizations, desired: Desired, store: Store | None, *, check_mode: bool) -> Outcome:
    """Delete the authorization for (client_id, fingerprint), and the store's token: its own, a dead one, or an empty file.

    A token of another live authorization is never removed: that is another task's store, and the run fails deleting nothing.
    """
    held = store.inspect() if store is not None else Held(None)
    current = api.find(desired)
    planned = plan(current, desired, state="absent")
    status = status_of(held, current) if current is not None else (MISSING if held.sha256 is None else MISMATCH)
    if status == MISMATCH and store is not None:
        _refuse_foreign(api, held, current, store)
    remove = store is not None and held.exists
    before = {**planned.before, "token_status": status} if store is not None and (planned.before or held.exists) else planned.before
    diff = {"before": before, "after": {}}
    if check_mode:
        return Outcome(planned.changed or remove, planned.action, without_token(current), diff)
    changed = planned.changed
    if planned.action == "delete" and not api.delete(current["id"]):  # type: ignore[index]
        changed = False  # someone else deleted it in the meantime
    if remove and store is not None:
        changed = store.remove() or changed
    return Outcome(changed, planned.action if changed or planned.action == "none" else "none", without_token(current), diff)
