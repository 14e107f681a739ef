"""``/authorizations*``: list, create, get-or-create, get, update and delete (see reference/CONTRACT.md#get-or-create)."""

from __future__ import annotations

from typing import Any, ClassVar, Optional

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from github_emulator import responses
from github_emulator.bodies import optional_string, read_json_object, scope_list, type_error
from github_emulator.pagination import paginate
from github_emulator.resource import AuthKind, Context, Resource
from github_emulator.scopes import SCOPE_KEYS
from github_emulator.state import Authorization

OAUTH_ACCESS = responses.OAUTH_ACCESS
ONE_SCOPE_KEY = "You can only send one of these scope keys at a time: scopes, add_scopes, remove_scopes."


def _invalid(field: str, code: str, docs: str) -> Response:
    return responses.validation_failed([{"resource": OAUTH_ACCESS, "code": code, "field": field}], docs)


class Authorizations(Resource):
    """The OAuth Authorizations API proper: Basic authentication with a password only (tokens get 404)."""

    AUTH: ClassVar[AuthKind] = "user"
    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/authorizations", methods=["GET"], endpoint="list_authorizations"),
        Rule("/authorizations", methods=["POST"], endpoint="create_authorization"),
        Rule("/authorizations/clients/<client_id>", methods=["PUT"], endpoint="get_or_create"),
        Rule("/authorizations/clients/<client_id>/<path:fingerprint>", methods=["PUT"], endpoint="get_or_create"),
        Rule("/authorizations/<int:authorization_id>", methods=["GET"], endpoint="get_authorization"),
        Rule("/authorizations/<int:authorization_id>", methods=["PATCH", "POST"], endpoint="update_authorization"),
        Rule("/authorizations/<int:authorization_id>", methods=["DELETE"], endpoint="delete_authorization"),
    )

    def _own(self, context: Context, authorization_id: int) -> Optional[Authorization]:
        auth = self.store.get_authorization(authorization_id)
        if auth is None or auth.user != context.principal.login:
            return None
        return auth

    def _created(self, context: Context, auth: Authorization, token: str) -> Response:
        body = self.render(context, auth, token)
        return responses.json_response(body, 201, {"Location": body["url"]})

    def list_authorizations(self, context: Context) -> Response:
        """``GET /authorizations``: paginated, optionally filtered by ``client_id``; every token is ""."""
        client_id = context.request.args.get("client_id") or None
        items = [self.render(context, a) for a in self.store.user_authorizations(context.login, client_id)]
        page, headers = paginate(context.request, context.api_base, context.path, items)
        return responses.json_response(page, 200, headers)

    def create_authorization(self, context: Context) -> Response:
        """``POST /authorizations``: a personal token (unique note required) or, with client credentials, an app token."""
        docs = responses.DOCS_CREATE
        body = read_json_object(context.request)
        scopes = scope_list(body, "scopes", docs) or []
        note = optional_string(body, "note", docs)
        note_url = optional_string(body, "note_url", docs)
        fingerprint = optional_string(body, "fingerprint", docs) or None
        client_id = optional_string(body, "client_id", docs) or None
        client_secret = optional_string(body, "client_secret", docs) or None
        if client_id is None:
            if not note:
                return _invalid("description", "missing_field", docs)
            created = self.store.create_personal(user=context.login, fingerprint=fingerprint, scopes=scopes, note=note, note_url=note_url)
            if created is None:
                return _invalid("description", "already_exists", docs)
            return self._created(context, *created)
        app = self.store.apps.get(client_id)
        if app is None:
            return responses.validation_failed([{"resource": OAUTH_ACCESS, "field": "client_id", "code": "invalid"}], docs)
        if client_secret != app.client_secret:
            return responses.validation_failed([{"resource": OAUTH_ACCESS, "field": "client_secret", "code": "invalid"}], docs)
        created = self.store.create_for_app(user=context.login, client_id=client_id, fingerprint=fingerprint, scopes=scopes, note=note, note_url=note_url)
        if created is None:
            return _invalid("fingerprint", "already_exists", docs)
        return self._created(context, *created)

    def get_or_create(self, context: Context, client_id: str, fingerprint: Optional[str] = None) -> Response:
        """``PUT /authorizations/clients/{client_id}[/{fingerprint}]``: 201 with the token when created, else 200 with ""."""
        docs = responses.DOCS_GET_OR_CREATE
        body = read_json_object(context.request)
        if "client_id" in body:
            return responses.invalid_request('"client_id" is not a permitted key.', docs)
        client_secret = body.get("client_secret")
        if client_secret is None:
            return responses.invalid_request('"client_secret" wasn\'t supplied.', docs)
        if not isinstance(client_secret, str):
            return type_error("client_secret", client_secret, "a string", docs)
        scopes = scope_list(body, "scopes", docs) or []
        note = optional_string(body, "note", docs)
        note_url = optional_string(body, "note_url", docs)
        body_fingerprint = optional_string(body, "fingerprint", docs)
        if fingerprint is None:
            fingerprint = body_fingerprint or None
        app = self.store.apps.get(client_id)
        if app is None:
            return responses.not_found(docs)
        if client_secret != app.client_secret:
            return responses.validation_failed([{"resource": OAUTH_ACCESS, "field": "client_secret", "code": "invalid"}], docs)
        auth, token = self.store.get_or_create(user=context.login, client_id=client_id, fingerprint=fingerprint, scopes=scopes, note=note, note_url=note_url)
        if token is None:
            return responses.json_response(self.render(context, auth), 200)
        return self._created(context, auth, token)

    def get_authorization(self, context: Context, authorization_id: int) -> Response:
        """``GET /authorizations/{id}``: the user's own authorization, token ""."""
        auth = self._own(context, authorization_id)
        if auth is None:
            return responses.not_found()
        return responses.json_response(self.render(context, auth), 200)

    def update_authorization(self, context: Context, authorization_id: int) -> Response:
        """``PATCH`` (or ``POST``) ``/authorizations/{id}``: one scope key at most, plus note, note_url, fingerprint."""
        docs = responses.DOCS_UPDATE
        body = read_json_object(context.request)
        auth = self._own(context, authorization_id)
        if auth is None:
            return responses.not_found()
        sent = [key for key in SCOPE_KEYS if key in body]
        if len(sent) > 1:
            error = {"resource": OAUTH_ACCESS, "field": "scopes", "code": "custom", "message": ONE_SCOPE_KEY}
            return responses.validation_failed([error], docs)
        changes: dict[str, Any] = {}
        if sent:
            requested = scope_list(body, sent[0], docs) or []
            if sent[0] == "scopes":
                changes["scopes"] = requested
            elif sent[0] == "add_scopes":
                changes["scopes"] = list(dict.fromkeys([*auth.scopes, *requested]))
            else:
                changes["scopes"] = [s for s in auth.scopes if s not in requested]
        for key in ("note", "note_url", "fingerprint"):
            if key in body:
                changes[key] = optional_string(body, key, docs)
        if changes.get("fingerprint") == "":
            changes["fingerprint"] = None
        if not self.store.update_keeping_notes_unique(auth, changes):
            return _invalid("description", "already_exists", docs)
        return responses.json_response(self.render(context, auth), 200)

    def delete_authorization(self, context: Context, authorization_id: int) -> Response:
        """``DELETE /authorizations/{id}``: 204, then 404."""
        auth = self._own(context, authorization_id)
        if auth is None or not self.store.delete(auth.id):
            return responses.not_found()
        return responses.json_response(None, 204)
