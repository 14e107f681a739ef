"""``/applications/{client_id}/token``, ``.../token/scoped`` and ``.../grant``: an OAuth app checks, resets and revokes tokens.

The app authenticates with ``client_id:client_secret``; the token travels in the JSON body as ``access_token``.
"""

from __future__ import annotations

from typing import ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from github_emulator import responses
from github_emulator.bodies import BodyError, read_json_object
from github_emulator.resource import AuthKind, Context, Resource


class TokenOperations(Resource):
    """Check, reset and revoke by token, shared by the current endpoints and their legacy forms (legacy.py)."""

    AUTH: ClassVar[AuthKind] = "app"

    def check(self, context: Context, client_id: str, token: str, docs: str = responses.DOCS) -> Response:
        """200 with the authorization, its token and ``user``; 404 for a token this app does not hold."""
        auth = self.store.find_by_token(token, client_id)
        if auth is None:
            return responses.not_found(docs)
        return responses.json_response(self.render(context, auth, token, with_user=True), 200)

    def reset(self, context: Context, client_id: str, token: str) -> Response:
        """200 with a new token at once (the old one stops working); 404 for an unknown token."""
        auth = self.store.find_by_token(token, client_id)
        if auth is None:
            return responses.not_found()
        new = self.store.reset_token(auth)
        return responses.json_response(self.render(context, auth, new, with_user=True), 200)

    def revoke(self, client_id: str, token: str, docs: str) -> Response:
        """204 after deleting the token's authorization; 404 for an unknown token."""
        auth = self.store.find_by_token(token, client_id)
        if auth is None or not self.store.delete(auth.id):
            return responses.not_found(docs)
        return responses.json_response(None, 204)

    def revoke_grant(self, client_id: str, token: str, docs: str) -> Response:
        """204 after deleting the user's grant for the app (all its authorizations); 404 for an unknown token."""
        auth = self.store.find_by_token(token, client_id)
        if auth is None:
            return responses.not_found(docs)
        self.store.revoke_grant_of(auth, client_id)
        return responses.json_response(None, 204)


def _access_token(context: Context) -> str:
    body = read_json_object(context.request)
    value = body.get("access_token")
    if not isinstance(value, str) or not value:
        raise BodyError(responses.invalid_request('"access_token" wasn\'t supplied.', responses.DOCS_AUTHORIZATIONS))
    return value


class AppTokens(TokenOperations):
    """The current (GHES 3.4 and later) form of the OAuth Applications API."""

    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/applications/<client_id>/token", methods=["POST"], endpoint="check_token"),
        Rule("/applications/<client_id>/token", methods=["PATCH"], endpoint="reset_token"),
        Rule("/applications/<client_id>/token", methods=["DELETE"], endpoint="delete_token"),
        Rule("/applications/<client_id>/token/scoped", methods=["POST"], endpoint="scope_token"),
        Rule("/applications/<client_id>/grant", methods=["DELETE"], endpoint="delete_app_grant"),
    )

    def check_token(self, context: Context, client_id: str) -> Response:
        """``POST /applications/{client_id}/token``."""
        return self.check(context, client_id, _access_token(context))

    def reset_token(self, context: Context, client_id: str) -> Response:
        """``PATCH /applications/{client_id}/token``."""
        return self.reset(context, client_id, _access_token(context))

    def delete_token(self, context: Context, client_id: str) -> Response:
        """``DELETE /applications/{client_id}/token``."""
        return self.revoke(client_id, _access_token(context), responses.DOCS_DELETE_TOKEN)

    def delete_app_grant(self, context: Context, client_id: str) -> Response:
        """``DELETE /applications/{client_id}/grant``."""
        return self.revoke_grant(client_id, _access_token(context), responses.DOCS_DELETE_GRANT)

    def scope_token(self, context: Context, client_id: str) -> Response:
        """``POST /applications/{client_id}/token/scoped``: needs ``target`` or ``target_id``; answers like a check."""
        body = read_json_object(context.request)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            return responses.invalid_request('"access_token" wasn\'t supplied.')
        if body.get("target") is None and body.get("target_id") is None:
            return responses.validation_failed([{"resource": responses.OAUTH_ACCESS, "field": "target", "code": "missing_field"}])
        return self.check(context, client_id, token)
