# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Typed exceptions for the oauthkit.github collection.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

Library code raises these; only a module's ``main()`` turns them into ``fail_json``.
Messages say what went wrong and what to do next, and never carry a secret.
"""

from __future__ import annotations

import typing as t


class OAuthKitError(Exception):
    """Base class.  ``details`` are extra, secret-free keys for the failure result."""

    def __init__(self, msg: str, **details: t.Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.details = details


class InvalidInput(OAuthKitError):
    """An option value is wrong; raised before any request is sent."""


class TokenNotReturned(OAuthKitError):
    """GitHub created an authorization but its answer carried no token."""


class MalformedAnswer(OAuthKitError):
    """An answer whose authorization object has fields of the wrong type."""


class TokenStoreError(OAuthKitError):
    """The token file could not be read, locked or written."""


class TokenLost(OAuthKitError):
    """The stored token is missing or is not the authorization's, and ``recreate: never`` forbids replacing it."""


class TransportError(OAuthKitError):
    """No HTTP response: connection refused, timeout, TLS failure."""


class APIError(OAuthKitError):
    """GitHub answered with an error status."""

    def __init__(self, msg: str, *, status: int, method: str, path: str, **details: t.Any) -> None:
        super().__init__(msg, status=status, method=method, path=path, **details)
        self.status = status
        self.method = method
        self.path = path


class BadRequest(APIError):
    """400: GitHub could not parse the request body."""


class OTPRequired(APIError):
    """401 with ``X-GitHub-OTP: required; <kind>``: a two-factor code is missing or was rejected."""

    def __init__(self, msg: str, *, kind: str, otp_sent: bool, **kwargs: t.Any) -> None:
        super().__init__(msg, otp_kind=kind, otp_sent=otp_sent, **kwargs)
        self.kind = kind
        self.otp_sent = otp_sent


class BadCredentials(APIError):
    """401 without a two-factor challenge: wrong or missing username or password."""


class LoginLockout(APIError):
    """403 "Maximum number of login attempts exceeded": never retried, a retry extends the lockout."""


class Forbidden(APIError):
    """Any other 403."""


class RateLimited(APIError):
    """403 or 429 with rate-limit headers."""


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
