# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Typed exceptions for the oauthkit.github collection.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

Library code raises these; only an action plugin (or a module's ``main()``) turns them
into a failed result.  Each carries the id of its message in the catalog (``_messages``),
the values the message is filled with (``fields``), and ``details``: secret-free keys for
the failure result, which the message may use too.  Messages never carry a secret.
"""

from __future__ import annotations

import typing as t

from ansible_collections.oauthkit.github.plugins.module_utils import _messages


class OAuthKitError(Exception):
    """Base class: a message from the catalog, and ``details`` for the failure result."""

    def __init__(self, msg_id: str, fields: t.Mapping[str, t.Any] | None = None, **details: t.Any) -> None:
        self.msg_id = msg_id
        self.fields = dict(fields or {})
        self.details = {key: value for key, value in details.items() if value is not None}
        super().__init__(msg_id)

    def render(self, names: t.Mapping[str, str] | None = None) -> str:
        """The message, with option names shown as ``names`` says (a role shows its own inputs)."""
        return _messages.render(self.msg_id, {**self.details, **self.fields}, names)

    @property
    def msg(self) -> str:
        return self.render()

    def __str__(self) -> str:
        return self.msg


class InvalidInput(OAuthKitError):
    """An option value is wrong; raised before any request is sent."""


class TokenNotReturned(OAuthKitError):
    """GitHub created an authorization but its answer carried no token."""


class MalformedAnswer(OAuthKitError):
    """An answer whose authorization object has fields of the wrong type."""


class TokenStoreError(OAuthKitError):
    """The token store cannot keep a token, or a read, write or removal failed; nothing was written."""


class TokenWriteUnknown(TokenStoreError):
    """A write whose outcome is unknown: the connection to the host dropped while the write ran."""


class TokenLost(OAuthKitError):
    """The stored token is missing or is not the authorization's, and the ``recreate`` policy forbids replacing it."""


class TokenForeign(TokenLost):
    """The stored token belongs to another live authorization: two tasks share one store."""


class ResetAnswerLost(OAuthKitError):
    """The answer to a token reset was lost: GitHub may have reset the token, so the stored one may be dead."""


class TransportError(OAuthKitError):
    """No HTTP response: connection refused, timeout, TLS failure."""


class AnswerLost(TransportError):
    """The request was sent, and its answer was lost: the server may have acted on it."""


class APIError(OAuthKitError):
    """GitHub answered with an error status."""

    def __init__(self, msg_id: str, fields: t.Mapping[str, t.Any] | None = None, *, status: int, method: str, path: str, **details: t.Any) -> None:
        super().__init__(msg_id, fields, status=status, method=method, path=path, **details)
        self.status = status
        self.method = method
        self.path = path


class BadRequest(APIError):
    """400: GitHub could not parse the request body."""


class OTPRequired(APIError):
    """401 with ``X-GitHub-OTP: required; <kind>``: a two-factor code is missing or was rejected."""

    def __init__(self, msg_id: str, fields: t.Mapping[str, t.Any] | None = None, *, kind: str, otp_sent: bool, **kwargs: t.Any) -> None:
        super().__init__(msg_id, fields, otp_kind=kind, otp_sent=otp_sent, **kwargs)
        self.kind = kind
        self.otp_sent = otp_sent


class BadCredentials(APIError):
    """401 without a two-factor challenge: wrong or missing username or password."""


class LoginLockout(APIError):
    """403 "Maximum number of login attempts exceeded": never retried, a retry extends the lockout."""


class LoginRefused(OAuthKitError):
    """Not sent: an earlier task of this run found these credentials rejected (the per-account guard)."""


class Forbidden(APIError):
    """Any other 403."""


class RateLimited(APIError):
    """403 or 429 with rate-limit headers, or a message that says so."""


class NotFound(APIError):
    """404."""


class Gone(APIError):
    """410."""


class ValidationFailed(APIError):
    """422 "Validation Failed", with GitHub's ``errors[]`` kept."""


class ServerError(APIError):
    """5xx."""


class UnexpectedResponse(APIError):
    """A status or body that the API contract does not allow."""
