"""``/applications/grants*``: the user's grants (one per OAuth app); deleting one deletes that app's authorizations."""

from __future__ import annotations

from typing import Any, ClassVar, Optional

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from github_emulator import responses
from github_emulator.pagination import paginate
from github_emulator.resource import AuthKind, Context, Resource


class Grants(Resource):
    """OAuth grants: Basic authentication with a password, like the Authorizations API."""

    AUTH: ClassVar[AuthKind] = "user"
    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/applications/grants", methods=["GET"], endpoint="list_grants"),
        Rule("/applications/grants/<int:grant_id>", methods=["GET"], endpoint="get_grant"),
        Rule("/applications/grants/<int:grant_id>", methods=["DELETE"], endpoint="delete_grant"),
    )

    def _grant_body(self, context: Context, grant_id: int) -> Optional[dict[str, Any]]:
        found = self.store.user_grant_with_scopes(context.login, grant_id)
        if found is None:
            return None
        grant, scopes = found
        return responses.grant_object(grant, self.store.apps.get(grant.client_id), scopes, context.api_base)

    def list_grants(self, context: Context) -> Response:
        """``GET /applications/grants``: paginated, optionally filtered by ``client_id``."""
        client_id = context.request.args.get("client_id") or None
        grants = self.store.user_grants(context.login, client_id)
        items = [body for body in (self._grant_body(context, g.id) for g in grants) if body is not None]
        page, headers = paginate(context.request, context.api_base, context.path, items)
        return responses.json_response(page, 200, headers)

    def get_grant(self, context: Context, grant_id: int) -> Response:
        """``GET /applications/grants/{id}``."""
        body = self._grant_body(context, grant_id)
        if body is None:
            return responses.not_found()
        return responses.json_response(body, 200)

    def delete_grant(self, context: Context, grant_id: int) -> Response:
        """``DELETE /applications/grants/{id}``: the grant and all of that app's authorizations for the user."""
        if not self.store.delete_user_grant(context.login, grant_id):
            return responses.not_found()
        return responses.json_response(None, 204)
