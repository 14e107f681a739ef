"""``/user`` and ``/users/{login}``: user profiles. Not part of the Authorizations API; used by 2FA flows and token checks."""

from __future__ import annotations

from typing import ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from github_emulator import responses
from github_emulator.resource import AuthKind, Context, Resource


class Users(Resource):
    """User profiles: a password or a token authenticates."""

    AUTH: ClassVar[AuthKind] = "user-or-token"
    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/user", methods=["GET"], endpoint="get_user"),
        Rule("/users/<login>", methods=["GET"], endpoint="get_named_user"),
    )

    def _profile(self, context: Context, login: str) -> Response:
        user = self.store.users.get(login)
        if user is None:
            return responses.not_found()
        token = context.principal.token
        private = login == context.principal.login and (token is None or "user" in token.scopes)
        body = responses.full_user_object(user, context.api_base, context.web_base, private)
        headers = {} if token is None else {"X-OAuth-Scopes": ", ".join(token.scopes), "X-Accepted-OAuth-Scopes": ""}
        return responses.json_response(body, 200, headers)

    def get_user(self, context: Context) -> Response:
        """``GET /user``: the authenticated user."""
        return self._profile(context, context.login)

    def get_named_user(self, context: Context, login: str) -> Response:
        """``GET /users/{login}``."""
        return self._profile(context, login)
