"""The GitHub REST API: one URL map over every resource module, authentication by resource, and dispatch.

Resources: ``/`` (root.py), ``/authorizations*`` (authorizations.py), ``/applications/grants*`` (grants.py),
``/applications/{client_id}/token*`` and ``.../grant`` (app_tokens.py), their legacy forms (legacy.py), and
``/user``, ``/users/{login}`` (users.py).
"""

from __future__ import annotations

from typing import Optional

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from github_emulator import responses
from github_emulator.app_tokens import AppTokens
from github_emulator.auth import Authenticator, Principal
from github_emulator.authorizations import Authorizations
from github_emulator.bodies import BodyError
from github_emulator.grants import Grants
from github_emulator.legacy import LegacyAppTokens
from github_emulator.resource import Context, Handler, Resource
from github_emulator.root import Root
from github_emulator.store import Store
from github_emulator.users import Users

RESOURCES: tuple[type[Resource], ...] = (Root, Authorizations, Grants, AppTokens, LegacyAppTokens, Users)
URL_MAP = Map([rule for resource in RESOURCES for rule in resource.RULES], strict_slashes=False, merge_slashes=False)


class GitHubAPI:
    """Routes an API request (its path already without the prefix), authenticates it as its resource requires, and runs it."""

    def __init__(self, store: Store, authenticator: Authenticator) -> None:
        self.auth = authenticator
        self.routes: dict[str, tuple[Resource, Handler]] = {}
        for resource_type in RESOURCES:
            resource = resource_type(store)
            for rule in resource_type.RULES:
                endpoint = str(rule.endpoint)
                self.routes[endpoint] = (resource, resource.handler(endpoint))

    def _authenticate(self, resource: Resource, request: Request, client_id: str) -> tuple[Optional[Principal], Optional[Response]]:
        if resource.AUTH == "none":
            return Principal(), None
        if resource.AUTH == "app":
            return self.auth.authenticate_app(request, client_id)
        return self.auth.authenticate_user(request, allow_token=resource.AUTH == "user-or-token")

    def dispatch(self, request: Request) -> Response:
        """Route, authenticate and run one API request."""
        adapter = URL_MAP.bind("emulator", "/")
        try:
            endpoint, args = adapter.match(request.path, method=request.method)
        except HTTPException:  # NotFound, MethodNotAllowed or RequestRedirect: GitHub answers all with 404.
            return responses.not_found()
        resource, handler = self.routes[str(endpoint)]
        principal, failure = self._authenticate(resource, request, args.get("client_id", ""))
        if failure is not None or principal is None:
            return failure or responses.error(401, "Requires authentication")
        try:
            return handler(Context(request=request, principal=principal), **args)
        except BodyError as exc:
            return exc.response
