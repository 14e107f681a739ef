"""The pre-GHES-3.4 forms of the OAuth Applications API, with the token in the path.

``GET``/``POST``/``DELETE /applications/{client_id}/tokens/{access_token}`` (check, reset, revoke) and
``DELETE /applications/{client_id}/grants/{access_token}`` (revoke the grant).
"""

from __future__ import annotations

from typing import ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from github_emulator import responses
from github_emulator.app_tokens import TokenOperations
from github_emulator.resource import Context


class LegacyAppTokens(TokenOperations):
    """The same operations as app_tokens.AppTokens, addressed by path."""

    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/applications/<client_id>/tokens/<access_token>", methods=["GET"], endpoint="legacy_check"),
        Rule("/applications/<client_id>/tokens/<access_token>", methods=["POST"], endpoint="legacy_reset"),
        Rule("/applications/<client_id>/tokens/<access_token>", methods=["DELETE"], endpoint="legacy_revoke"),
        Rule("/applications/<client_id>/grants/<access_token>", methods=["DELETE"], endpoint="legacy_revoke_grant"),
    )

    def legacy_check(self, context: Context, client_id: str, access_token: str) -> Response:
        """``GET /applications/{client_id}/tokens/{access_token}``."""
        return self.check(context, client_id, access_token)

    def legacy_reset(self, context: Context, client_id: str, access_token: str) -> Response:
        """``POST /applications/{client_id}/tokens/{access_token}``."""
        return self.reset(context, client_id, access_token)

    def legacy_revoke(self, context: Context, client_id: str, access_token: str) -> Response:
        """``DELETE /applications/{client_id}/tokens/{access_token}``."""
        del context
        return self.revoke(client_id, access_token, responses.DOCS)

    def legacy_revoke_grant(self, context: Context, client_id: str, access_token: str) -> Response:
        """``DELETE /applications/{client_id}/grants/{access_token}``."""
        del context
        return self.revoke_grant(client_id, access_token, responses.DOCS)
