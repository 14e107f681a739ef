"""What the API's resource modules share: the per-request :class:`Context` and the :class:`Resource` base class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Literal

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from github_emulator import responses
from github_emulator.auth import Principal
from github_emulator.state import Authorization
from github_emulator.store import Store

# How a resource's requests authenticate: not at all, as a user (password, or also a token), or as the OAuth app.
AuthKind = Literal["none", "user", "user-or-token", "app"]
Handler = Callable[..., Response]


@dataclass
class Context:
    """One authenticated API request. The dispatcher moved the prefix into ``SCRIPT_NAME``, so paths are API paths."""

    request: Request
    principal: Principal

    @property
    def path(self) -> str:
        """The API path, without the prefix."""
        return self.request.path

    @property
    def api_base(self) -> str:
        """``scheme://host[:port]`` plus the prefix, as the client addressed the server."""
        return self.request.url_root.rstrip("/")

    @property
    def web_base(self) -> str:
        """``scheme://host[:port]``: where the server's web UI lives."""
        return self.request.host_url.rstrip("/")

    @property
    def login(self) -> str:
        """The authenticated user's login ("" for an OAuth app)."""
        return self.principal.login or ""


class Resource:
    """One group of REST endpoints: its URL rules (endpoint names are handler method names) and how they authenticate."""

    AUTH: ClassVar[AuthKind]
    RULES: ClassVar[tuple[Rule, ...]]

    def __init__(self, store: Store) -> None:
        self.store = store

    def handler(self, endpoint: str) -> Handler:
        """The bound method that serves ``endpoint``."""
        method: Handler = getattr(self, endpoint)
        return method

    def render(self, context: Context, auth: Authorization, token: str = "", with_user: bool = False) -> dict[str, Any]:
        """The authorization object; ``token`` is "" except when just created, checked or reset."""
        app = self.store.apps.get(auth.client_id) if auth.client_id else None
        user = None
        if with_user and auth.user in self.store.users:
            user = responses.user_object(self.store.users[auth.user], context.api_base, context.web_base)
        return responses.authorization_object(auth, app, context.api_base, token, user)
