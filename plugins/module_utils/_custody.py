# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Token custody: get or create the authorization *and* hold its token at ``token_path``, by the ``recreate`` policy.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

GitHub shows a token only when it creates an authorization.  The stored token is
verified against ``hashed_token`` from the same answer (no extra request):

* ``created``: the authorization was made now and its token stored;
* ``verified``: the file holds the authorization's token;
* ``missing`` / ``mismatch``: no token, or another one.  ``recreate: never`` fails and
  deletes nothing; ``when_lost`` and ``always`` delete the authorization and create it
  again (``rotated``);
* ``always`` with a verified token resets it (``PATCH /applications/{client_id}/token``),
  keeping the authorization's id (``rotated``).

A token that cannot be stored is rolled back: the authorization just made is deleted.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils import _token_store as store
from ansible_collections.oauthkit.github.plugins.module_utils._authorizations import (
    Authorizations,
    Desired,
    Outcome,
    current_diff_view,
    plan,
    without_token,
)

NEVER, WHEN_LOST, ALWAYS = "never", "when_lost", "always"
RECREATE_CHOICES = (NEVER, WHEN_LOST, ALWAYS)


@dataclasses.dataclass(frozen=True)
class Custody:
    """Where the token is kept, and what to do when it is lost."""

    file: store.TokenFile
    recreate: str = NEVER


def _lost(status: str, authorization: dict[str, t.Any], file: store.TokenFile, *, answer_lost: bool = False) -> errors.TokenLost:
    what = "is missing or empty" if status == store.MISSING else "holds another token than the authorization's"
    why = " The answer to a first attempt of the PUT was lost on the way: GitHub probably created it then." if answer_lost else ""
    return errors.TokenLost(
        f"token_path {file.path} {what} ({status}) for authorization {authorization.get('id')} "
        f"(token ending {authorization.get('token_last_eight')}), and GitHub never shows a token again.{why} Nothing was deleted. "
        "Set recreate: when_lost to replace the authorization with a new one whose token is stored, or delete the "
        "authorization (state: absent) and run again.",
        token_status=status,
        authorization_id=authorization.get("id"),
    )


def _diff(before: dict[str, t.Any], after: dict[str, t.Any], status_before: str | None, status_after: str) -> dict[str, t.Any]:
    return {"before": {**before, "token_status": status_before} if before else {}, "after": {**after, "token_status": status_after}}


def ensure_present(api: Authorizations, desired: Desired, custody: Custody, *, check_mode: bool) -> Outcome:
    """Get or create the authorization, repair drift, and make ``custody.file`` hold its token."""
    if check_mode:
        return _predict(api, desired, custody)
    created, current, answer_lost = api.get_or_create(desired)
    if created:
        _store_or_roll_back(api, custody.file, current)
        after = current_diff_view(current, desired)
        return Outcome(True, "create", without_token(current), _diff({}, after, None, store.CREATED), token_status=store.CREATED)
    status = custody.file.status(current.get("hashed_token"))
    if status != store.VERIFIED and custody.recreate == NEVER:
        raise _lost(status, current, custody.file, answer_lost=answer_lost)
    planned = plan(current, desired)
    if planned.action == "update":
        current = api.update(current["id"], planned.changes)
    if status == store.VERIFIED and custody.recreate != ALWAYS:
        diff = _diff(planned.before, planned.after, status, status)
        return Outcome(planned.changed, planned.action, without_token(current), diff, token_status=status)
    if status == store.VERIFIED:
        fresh = api.reset(desired, custody.file.read() or "")
        _store_or_roll_back(api, custody.file, fresh)
        action = "rotate"
    else:
        api.delete(current["id"])
        created, fresh, _answer_lost = api.get_or_create(desired)
        if not created:
            raise errors.TokenNotReturned(
                f"authorization {current.get('id')} was deleted to replace its lost token, but the next PUT found another one "
                f"({fresh.get('id')}), made by a concurrent run; run again.",
                authorization_id=fresh.get("id"),
            )
        _store_or_roll_back(api, custody.file, fresh)
        action = "recreate"
    diff = _diff(planned.before, current_diff_view(fresh, desired), status, store.ROTATED)
    return Outcome(True, action, without_token(fresh), diff, token_status=store.ROTATED)


def _predict(api: Authorizations, desired: Desired, custody: Custody) -> Outcome:
    """Check mode: what a real run would do, failure included, from ``GET /authorizations`` and the file; nothing is written."""
    current = api.find(desired)
    planned = plan(current, desired)
    if current is None:
        return Outcome(True, "create", None, _diff({}, planned.after, None, store.CREATED), token_status=store.CREATED)
    status = custody.file.status(current.get("hashed_token"))
    if status != store.VERIFIED and custody.recreate == NEVER:
        raise _lost(status, current, custody.file)
    predicted = without_token(current)
    if predicted is not None and planned.changes:
        predicted = {**predicted, **planned.changes}
    if status == store.VERIFIED and custody.recreate != ALWAYS:
        return Outcome(planned.changed, planned.action, predicted, _diff(planned.before, planned.after, status, status), token_status=status)
    action = "rotate" if status == store.VERIFIED else "recreate"
    return Outcome(True, action, predicted, _diff(planned.before, planned.after, status, store.ROTATED), token_status=store.ROTATED)


def _store_or_roll_back(api: Authorizations, file: store.TokenFile, authorization: dict[str, t.Any]) -> None:
    """Store the new token; if that fails, delete the authorization just made (or reset) so that no token is lost unseen."""
    token = authorization.get("token") or None
    ident = authorization.get("id")
    if token is None:
        raise errors.TokenNotReturned(
            f"GitHub made authorization {ident} but its answer held no token, and GitHub never shows a token again. "
            "Delete that authorization (state: absent) and run again.",
            authorization_id=ident,
        )
    try:
        file.write(token)
    except errors.TokenStoreError as exc:
        try:
            api.delete(ident)
        except errors.OAuthKitError as second:
            raise errors.TokenStoreError(
                f"{exc.msg} Deleting authorization {ident}, whose token could not be kept, failed too ({second.msg}): delete it "
                "by hand or with state: absent, then fix token_path and run again.",
                authorization_id=ident, token_path=file.path,
            ) from None
        raise errors.TokenStoreError(
            f"{exc.msg} Authorization {ident}, whose token could not be kept, was deleted again, so the next run starts clean: "
            "fix token_path (an existing, writable directory with free space) and run again.",
            token_path=file.path, rolled_back=True,
        ) from None
