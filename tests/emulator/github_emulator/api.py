"""The GitHub REST endpoints: OAuth Authorizations, grants, OAuth app tokens (current and legacy), and ``/user``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Optional
from urllib.parse import urlencode

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from github_emulator import responses
from github_emulator.auth import Authenticator, Principal
from github_emulator.store import Authorization, Store

VALID_SCOPES = frozenset(
    {
        "repo", "repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events",
        "admin:repo_hook", "write:repo_hook", "read:repo_hook",
        "admin:org", "write:org", "read:org",
        "admin:public_key", "write:public_key", "read:public_key",
        "admin:org_hook", "gist", "notifications",
        "user", "read:user", "user:email", "user:follow",
        "delete_repo", "write:discussion", "read:discussion",
        "write:packages", "read:packages", "delete:packages",
        "admin:gpg_key", "write:gpg_key", "read:gpg_key",
        "admin:ssh_signing_key", "write:ssh_signing_key", "read:ssh_signing_key",
        "workflow", "codespace", "project", "read:project", "audit_log", "read:audit_log",
        "admin:enterprise", "manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise",
        "site_admin", "devtools", "admin:pre_receive_hook",
    }
)  # fmt: skip
SCOPE_KEYS = ("scopes", "add_scopes", "remove_scopes")
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
OAUTH_ACCESS = "OauthAccess"
DOCS_DELETE_TOKEN = responses.DOCS_AUTHORIZATIONS + "#revoke-an-authorization-for-an-application"
DOCS_DELETE_GRANT = responses.DOCS_AUTHORIZATIONS + "#revoke-a-grant-for-an-application"

URL_MAP = Map(
    [
        Rule("/authorizations", methods=["GET"], endpoint="list_authorizations"),
        Rule("/authorizations", methods=["POST"], endpoint="create_authorization"),
        Rule("/authorizations/clients/<client_id>", methods=["PUT"], endpoint="get_or_create"),
        Rule("/authorizations/clients/<client_id>/<path:fingerprint>", methods=["PUT"], endpoint="get_or_create"),
        Rule("/authorizations/<int:authorization_id>", methods=["GET"], endpoint="get_authorization"),
        Rule("/authorizations/<int:authorization_id>", methods=["PATCH", "POST"], endpoint="update_authorization"),
        Rule("/authorizations/<int:authorization_id>", methods=["DELETE"], endpoint="delete_authorization"),
        Rule("/applications/grants", methods=["GET"], endpoint="list_grants"),
        Rule("/applications/grants/<int:grant_id>", methods=["GET"], endpoint="get_grant"),
        Rule("/applications/grants/<int:grant_id>", methods=["DELETE"], endpoint="delete_grant"),
        Rule("/applications/<client_id>/token", methods=["POST"], endpoint="check_token"),
        Rule("/applications/<client_id>/token", methods=["PATCH"], endpoint="reset_token"),
        Rule("/applications/<client_id>/token", methods=["DELETE"], endpoint="delete_token"),
        Rule("/applications/<client_id>/token/scoped", methods=["POST"], endpoint="scope_token"),
        Rule("/applications/<client_id>/grant", methods=["DELETE"], endpoint="delete_app_grant"),
        Rule("/applications/<client_id>/tokens/<access_token>", methods=["GET"], endpoint="legacy_check"),
        Rule("/applications/<client_id>/tokens/<access_token>", methods=["POST"], endpoint="legacy_reset"),
        Rule("/applications/<client_id>/tokens/<access_token>", methods=["DELETE"], endpoint="legacy_revoke"),
        Rule("/applications/<client_id>/grants/<access_token>", methods=["DELETE"], endpoint="legacy_revoke_grant"),
        Rule("/user", methods=["GET"], endpoint="get_user"),
        Rule("/users/<login>", methods=["GET"], endpoint="get_named_user"),
    ],
    strict_slashes=False,
    merge_slashes=False,
)

USER_ENDPOINTS = frozenset(
    {
        "list_authorizations", "create_authorization", "get_or_create", "get_authorization", "update_authorization",
        "delete_authorization", "list_grants", "get_grant", "delete_grant", "get_user", "get_named_user",
    }
)  # fmt: skip
TOKEN_ALLOWED = frozenset({"get_user", "get_named_user"})


class BodyError(Exception):
    """The request body cannot be used; carries the response to send."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class Context:
    """Per-request context handed to endpoint handlers."""

    request: Request
    api_base: str
    web_base: str
    principal: Principal
    path: str


def read_json_object(request: Request, *, required: bool = False) -> dict[str, Any]:
    """Parse the body as a JSON object, with GitHub's 400 answers; an empty body is ``{}`` unless required."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise BodyError(responses.bad_json())
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyError(responses.bad_json()) from exc
    if not isinstance(body, dict):
        raise BodyError(responses.not_an_object())
    return body


def _type_error(key: str, value: Any, expected: str, docs: str) -> Response:
    return responses.invalid_request(f"For 'properties/{key}', {json.dumps(value)} is not {expected}.", docs)


def _optional_string(body: dict[str, Any], key: str, docs: str) -> Optional[str]:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise BodyError(_type_error(key, value, "a string", docs))
    return value


def _scope_list(body: dict[str, Any], key: str, docs: str) -> Optional[list[str]]:
    """Validate a scope list: an array of strings, every one a known GitHub scope (else GitHub's 422 bodies)."""
    if key not in body or body[key] is None:
        return None
    value = body[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BodyError(_type_error(key, value, "an array of strings", docs))
    invalid = [item for item in value if item not in VALID_SCOPES]
    if invalid:
        error = {"resource": OAUTH_ACCESS, "field": "scopes", "code": "custom", "message": f"scopes are invalid: {','.join(invalid)}"}
        raise BodyError(responses.validation_failed([error], docs))
    return list(dict.fromkeys(value))


def paginate(request: Request, api_base: str, path: str, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """Slice a list by ``page``/``per_page`` (30 default, 100 max) and build the RFC 5988 ``Link`` header."""
    try:
        per_page = int(request.args.get("per_page", DEFAULT_PER_PAGE))
    except ValueError:
        per_page = DEFAULT_PER_PAGE
    per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page = 1
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    params = {key: value for key, value in request.args.items() if key != "page"}

    def link(number: int, rel: str) -> str:
        query = urlencode({**params, "page": number})
        return f'<{api_base}{path}?{query}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links.append(link(page + 1, "next"))
        links.append(link(last, "last"))
    if page > 1:
        links.append(link(1, "first"))
    return chunk, ({"Link": ", ".join(links)} if links else {})


class GitHubAPI:
    """Dispatches GitHub API requests (path already stripped of the prefix) to handlers."""

    def __init__(self, store: Store, authenticator: Authenticator) -> None:
        self.store = store
        self.auth = authenticator
        self.handlers: dict[str, Callable[..., Response]] = {name: getattr(self, f"_{name}") for name in {rule.endpoint for rule in URL_MAP.iter_rules()}}

    def dispatch(self, request: Request, path: str, api_base: str, web_base: str, otp_reject: Callable[[], bool]) -> Response:
        """Route, authenticate and run one API request."""
        adapter = URL_MAP.bind("emulator", "/")
        try:
            endpoint, args = adapter.match(path, method=request.method)
        except HTTPException:  # NotFound, MethodNotAllowed or RequestRedirect: GitHub answers all with 404.
            return responses.not_found()
        endpoint = str(endpoint)
        if endpoint in USER_ENDPOINTS:
            principal, failure = self.auth.authenticate_user(request, allow_token=endpoint in TOKEN_ALLOWED, otp_reject=otp_reject)
        else:
            principal, failure = self.auth.authenticate_app(request, args["client_id"])
        if failure is not None or principal is None:
            return failure or responses.error(401, "Requires authentication")
        context = Context(request=request, api_base=api_base, web_base=web_base, principal=principal, path=path)
        try:
            return self.handlers[endpoint](context, **args)
        except BodyError as exc:
            return exc.response

    # ---- helpers ----------------------------------------------------------------------------------

    def _render(self, context: Context, auth: Authorization, token: str = "", with_user: bool = False) -> dict[str, Any]:
        app = self.store.apps.get(auth.client_id) if auth.client_id else None
        user = None
        if with_user and auth.user in self.store.users:
            user = responses.user_object(self.store.users[auth.user], context.api_base, context.web_base)
        return responses.authorization_object(auth, app, context.api_base, token, user)

    def _own_authorization(self, context: Context, authorization_id: int) -> Optional[Authorization]:
        with self.store.lock:
            auth = self.store.state.authorizations.get(authorization_id)
        if auth is None or auth.user != context.principal.login:
            return None
        return auth

    # ---- /authorizations ----------------------------------------------------------------------------

    def _list_authorizations(self, context: Context) -> Response:
        login = context.principal.login or ""
        client_id = context.request.args.get("client_id") or None
        items = [self._render(context, a) for a in self.store.user_authorizations(login, client_id)]
        page, headers = paginate(context.request, context.api_base, context.path, items)
        return responses.json_response(page, 200, headers)

    def _create_authorization(self, context: Context) -> Response:
        docs = responses.DOCS_CREATE
        body = read_json_object(context.request)
        scopes = _scope_list(body, "scopes", docs) or []
        note = _optional_string(body, "note", docs)
        note_url = _optional_string(body, "note_url", docs)
        fingerprint = _optional_string(body, "fingerprint", docs) or None
        client_id = _optional_string(body, "client_id", docs) or None
        client_secret = _optional_string(body, "client_secret", docs) or None
        login = context.principal.login or ""
        if client_id is not None:
            app = self.store.apps.get(client_id)
            if app is None:
                return responses.validation_failed([{"resource": OAUTH_ACCESS, "field": "client_id", "code": "invalid"}], docs)
            if client_secret != app.client_secret:
                return responses.validation_failed([{"resource": OAUTH_ACCESS, "field": "client_secret", "code": "invalid"}], docs)
        else:
            if not note:
                return responses.validation_failed([{"resource": OAUTH_ACCESS, "code": "missing_field", "field": "description"}], docs)
            with self.store.lock:
                if self.store.personal_note_taken(login, note):
                    return responses.validation_failed([{"resource": OAUTH_ACCESS, "code": "already_exists", "field": "description"}], docs)
                auth, token = self.store.create(user=login, client_id=None, fingerprint=fingerprint, scopes=scopes, note=note, note_url=note_url)
            return self._created(context, auth, token)
        with self.store.lock:
            if self.store.find_for_app(login, client_id, fingerprint) is not None:
                return responses.validation_failed([{"resource": OAUTH_ACCESS, "code": "already_exists", "field": "fingerprint"}], docs)
            auth, token = self.store.create(user=login, client_id=client_id, fingerprint=fingerprint, scopes=scopes, note=note, note_url=note_url)
        return self._created(context, auth, token)

    def _created(self, context: Context, auth: Authorization, token: str) -> Response:
        body = self._render(context, auth, token)
        return responses.json_response(body, 201, {"Location": body["url"]})

    def _get_or_create(self, context: Context, client_id: str, fingerprint: Optional[str] = None) -> Response:
        docs = responses.DOCS_GET_OR_CREATE
        body = read_json_object(context.request)
        if "client_id" in body:
            return responses.invalid_request('"client_id" is not a permitted key.', docs)
        client_secret = body.get("client_secret")
        if client_secret is None:
            return responses.invalid_request('"client_secret" wasn\'t supplied.', docs)
        if not isinstance(client_secret, str):
            return _type_error("client_secret", client_secret, "a string", docs)
        scopes = _scope_list(body, "scopes", docs) or []
        note = _optional_string(body, "note", docs)
        note_url = _optional_string(body, "note_url", docs)
        body_fingerprint = _optional_string(body, "fingerprint", docs)
        if fingerprint is None:
            fingerprint = body_fingerprint or None
        app = self.store.apps.get(client_id)
        if app is None:
            return responses.not_found(docs)
        if client_secret != app.client_secret:
            return responses.validation_failed([{"resource": OAUTH_ACCESS, "field": "client_secret", "code": "invalid"}], docs)
        auth, token = self.store.get_or_create(
            user=context.principal.login or "",
            client_id=client_id,
            fingerprint=fingerprint,
            scopes=scopes,
            note=note,
            note_url=note_url,
        )
        if token is None:
            return responses.json_response(self._render(context, auth), 200)
        return self._created(context, auth, token)

    def _get_authorization(self, context: Context, authorization_id: int) -> Response:
        auth = self._own_authorization(context, authorization_id)
        if auth is None:
            return responses.not_found()
        return responses.json_response(self._render(context, auth), 200)

    def _update_authorization(self, context: Context, authorization_id: int) -> Response:
        docs = responses.DOCS_UPDATE
        body = read_json_object(context.request)
        auth = self._own_authorization(context, authorization_id)
        if auth is None:
            return responses.not_found()
        sent = [key for key in SCOPE_KEYS if key in body]
        if len(sent) > 1:
            message = "You can only send one of these scope keys at a time: scopes, add_scopes, remove_scopes."
            return responses.validation_failed([{"resource": OAUTH_ACCESS, "field": "scopes", "code": "custom", "message": message}], docs)
        changes: dict[str, Any] = {}
        if sent:
            requested = _scope_list(body, sent[0], docs) or []
            if sent[0] == "scopes":
                changes["scopes"] = requested
            elif sent[0] == "add_scopes":
                changes["scopes"] = list(dict.fromkeys([*auth.scopes, *requested]))
            else:
                changes["scopes"] = [s for s in auth.scopes if s not in requested]
        for key in ("note", "note_url", "fingerprint"):
            if key in body:
                changes[key] = _optional_string(body, key, docs)
        if changes.get("fingerprint") == "":
            changes["fingerprint"] = None
        with self.store.lock:
            new_note = changes.get("note", auth.note)
            if auth.client_id is None and "note" in changes and new_note != auth.note and new_note and self.store.personal_note_taken(auth.user, new_note):
                return responses.validation_failed([{"resource": OAUTH_ACCESS, "code": "already_exists", "field": "description"}], docs)
            self.store.update(auth, changes)
        return responses.json_response(self._render(context, auth), 200)

    def _delete_authorization(self, context: Context, authorization_id: int) -> Response:
        auth = self._own_authorization(context, authorization_id)
        if auth is None or not self.store.delete(auth.id):
            return responses.not_found()
        return responses.json_response(None, 204)

    # ---- /applications/grants -----------------------------------------------------------------------

    def _grant_body(self, context: Context, grant_id: int) -> Optional[dict[str, Any]]:
        with self.store.lock:
            grant = self.store.state.grants.get(grant_id)
            if grant is None or grant.user != context.principal.login:
                return None
            scopes: list[str] = []
            for auth in self.store.user_authorizations(grant.user, grant.client_id):
                scopes.extend(auth.scopes)
            return responses.grant_object(grant, self.store.apps.get(grant.client_id), list(dict.fromkeys(scopes)), context.api_base)

    def _list_grants(self, context: Context) -> Response:
        client_id = context.request.args.get("client_id") or None
        grants = self.store.user_grants(context.principal.login or "", client_id)
        items = [body for body in (self._grant_body(context, g.id) for g in grants) if body is not None]
        page, headers = paginate(context.request, context.api_base, context.path, items)
        return responses.json_response(page, 200, headers)

    def _get_grant(self, context: Context, grant_id: int) -> Response:
        body = self._grant_body(context, grant_id)
        if body is None:
            return responses.not_found()
        return responses.json_response(body, 200)

    def _delete_grant(self, context: Context, grant_id: int) -> Response:
        with self.store.lock:
            grant = self.store.state.grants.get(grant_id)
            if grant is None or grant.user != context.principal.login:
                return responses.not_found()
            self.store.delete_grant(grant)
        return responses.json_response(None, 204)

    # ---- /applications/{client_id}/token and grant (OAuth app credentials) -----------------------------

    def _access_token(self, context: Context) -> str:
        body = read_json_object(context.request)
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise BodyError(responses.invalid_request('"access_token" wasn\'t supplied.', responses.DOCS_AUTHORIZATIONS))
        return value

    def _check(self, context: Context, client_id: str, token: str, docs: str = responses.DOCS) -> Response:
        auth = self.store.find_by_token(token, client_id)
        if auth is None:
            return responses.not_found(docs)
        return responses.json_response(self._render(context, auth, token, with_user=True), 200)

    def _reset(self, context: Context, client_id: str, token: str) -> Response:
        auth = self.store.find_by_token(token, client_id)
        if auth is None:
            return responses.not_found()
        new = self.store.reset_token(auth)
        return responses.json_response(self._render(context, auth, new, with_user=True), 200)

    def _revoke(self, client_id: str, token: str, docs: str) -> Response:
        auth = self.store.find_by_token(token, client_id)
        if auth is None or not self.store.delete(auth.id):
            return responses.not_found(docs)
        return responses.json_response(None, 204)

    def _revoke_grant(self, client_id: str, token: str, docs: str) -> Response:
        auth = self.store.find_by_token(token, client_id)
        if auth is None:
            return responses.not_found(docs)
        with self.store.lock:
            grant = self.store.grant_for(auth.user, client_id)
            if grant is not None:
                self.store.delete_grant(grant)
            else:
                self.store.delete(auth.id)
        return responses.json_response(None, 204)

    def _check_token(self, context: Context, client_id: str) -> Response:
        return self._check(context, client_id, self._access_token(context))

    def _reset_token(self, context: Context, client_id: str) -> Response:
        return self._reset(context, client_id, self._access_token(context))

    def _delete_token(self, context: Context, client_id: str) -> Response:
        return self._revoke(client_id, self._access_token(context), DOCS_DELETE_TOKEN)

    def _delete_app_grant(self, context: Context, client_id: str) -> Response:
        return self._revoke_grant(client_id, self._access_token(context), DOCS_DELETE_GRANT)

    def _scope_token(self, context: Context, client_id: str) -> Response:
        body = read_json_object(context.request)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            return responses.invalid_request('"access_token" wasn\'t supplied.')
        if body.get("target") is None and body.get("target_id") is None:
            return responses.validation_failed([{"resource": OAUTH_ACCESS, "field": "target", "code": "missing_field"}])
        return self._check(context, client_id, token)

    def _legacy_check(self, context: Context, client_id: str, access_token: str) -> Response:
        return self._check(context, client_id, access_token)

    def _legacy_reset(self, context: Context, client_id: str, access_token: str) -> Response:
        return self._reset(context, client_id, access_token)

    def _legacy_revoke(self, context: Context, client_id: str, access_token: str) -> Response:
        del context
        return self._revoke(client_id, access_token, responses.DOCS)

    def _legacy_revoke_grant(self, context: Context, client_id: str, access_token: str) -> Response:
        del context
        return self._revoke_grant(client_id, access_token, responses.DOCS)

    # ---- /user ----------------------------------------------------------------------------------------

    def _scope_headers(self, context: Context) -> dict[str, str]:
        token = context.principal.token
        if token is None:
            return {}
        return {"X-OAuth-Scopes": ", ".join(token.scopes), "X-Accepted-OAuth-Scopes": ""}

    def _user_response(self, context: Context, login: str) -> Response:
        user = self.store.users.get(login)
        if user is None:
            return responses.not_found()
        token = context.principal.token
        private = login == context.principal.login and (token is None or "user" in token.scopes)
        body = responses.full_user_object(user, context.api_base, context.web_base, private)
        return responses.json_response(body, 200, self._scope_headers(context))

    def _get_user(self, context: Context) -> Response:
        return self._user_response(context, context.principal.login or "")

    def _get_named_user(self, context: Context, login: str) -> Response:
        return self._user_response(context, login)
