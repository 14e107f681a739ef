"""GitHub-shaped JSON responses: error bodies, the authorization, grant and user objects."""

from __future__ import annotations

import json
import time
from typing import Any, Optional

from werkzeug.wrappers import Response

from github_emulator.config import PERSONAL_CLIENT_ID, AppConfig, UserConfig
from github_emulator.state import Authorization, Grant

DOCS = "https://developer.github.com/v3"
DOCS_AUTHORIZATIONS = "https://developer.github.com/v3/oauth_authorizations/"
DOCS_2FA = "https://developer.github.com/v3/auth#working-with-two-factor-authentication"
DOCS_CREATE = DOCS_AUTHORIZATIONS + "#create-a-new-authorization"
DOCS_GET_OR_CREATE = DOCS_AUTHORIZATIONS + "#get-or-create-an-authorization-for-a-specific-app"
DOCS_UPDATE = DOCS_AUTHORIZATIONS + "#update-an-existing-authorization"
DOCS_RATE_LIMIT = "https://developer.github.com/v3/#rate-limiting"
PERSONAL_APP_URL = "https://developer.github.com/v3/oauth_authorizations/"
OTP_BODY_MESSAGE = "Must specify two-factor authentication OTP code."
LOCKOUT_MESSAGE = "Maximum number of login attempts exceeded. Please try again later."
DOCS_DELETE_TOKEN = DOCS_AUTHORIZATIONS + "#revoke-an-authorization-for-an-application"
DOCS_DELETE_GRANT = DOCS_AUTHORIZATIONS + "#revoke-a-grant-for-an-application"
DOCS_REMOVED = "https://docs.github.com/rest"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
OAUTH_ACCESS = "OauthAccess"  # the resource name in the Authorizations API's 422 errors


def isoformat(timestamp: float) -> str:
    """GitHub's timestamp format: UTC, seconds precision, trailing Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def json_response(body: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> Response:
    """A JSON response; ``body`` None gives an empty body (for 204)."""
    if body is None:
        response = Response(b"", status=status)
        response.headers.pop("Content-Type", None)
    else:
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        response = Response(payload, status=status, content_type=JSON_CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error(status: int, message: str, documentation_url: str = DOCS, headers: Optional[dict[str, str]] = None) -> Response:
    """GitHub's basic error body ``{"message", "documentation_url"}``."""
    return json_response({"message": message, "documentation_url": documentation_url}, status, headers)


def not_found(documentation_url: str = DOCS) -> Response:
    """404 Not Found, as GitHub answers unknown resources and unauthorised lookups."""
    return error(404, "Not Found", documentation_url)


def bad_json() -> Response:
    """400 for a body that is not JSON."""
    return json_response({"message": "Problems parsing JSON", "documentation_url": DOCS}, 400)


def not_an_object() -> Response:
    """400 for JSON that is not an object."""
    return json_response({"message": "Body should be a JSON object", "documentation_url": DOCS}, 400)


def validation_failed(errors: list[dict[str, Any]], documentation_url: str = DOCS_AUTHORIZATIONS) -> Response:
    """422 ``Validation Failed`` with GitHub's ``errors[]`` (resource, field, code[, message])."""
    return json_response({"message": "Validation Failed", "errors": errors, "documentation_url": documentation_url}, 422)


def invalid_request(detail: str, documentation_url: str = DOCS_AUTHORIZATIONS) -> Response:
    """422 in the JSON-schema style GitHub uses for request shapes: ``"Invalid request.\\n\\n<detail>"``."""
    return json_response({"message": f"Invalid request.\n\n{detail}", "documentation_url": documentation_url}, 422)


def otp_required(kind: str) -> Response:
    """401 2FA challenge: ``X-GitHub-OTP: required; app|sms`` and GitHub's body."""
    return error(401, OTP_BODY_MESSAGE, DOCS_2FA, {"X-GitHub-OTP": f"required; {kind}"})


def user_object(user: UserConfig, api_base: str, web_base: str) -> dict[str, Any]:
    """The ``simple-user`` object for a configured user."""
    login = user.login
    users_url = f"{api_base}/users/{login}"
    return {
        "login": login,
        "id": user.id,
        "node_id": f"MDQ6VXNlcj{user.id}",
        "avatar_url": f"{web_base}/avatars/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": users_url,
        "html_url": f"{web_base}/{login}",
        "followers_url": f"{users_url}/followers",
        "following_url": f"{users_url}/following{{/other_user}}",
        "gists_url": f"{users_url}/gists{{/gist_id}}",
        "starred_url": f"{users_url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{users_url}/subscriptions",
        "organizations_url": f"{users_url}/orgs",
        "repos_url": f"{users_url}/repos",
        "events_url": f"{users_url}/events{{/privacy}}",
        "received_events_url": f"{users_url}/received_events",
        "type": "User",
        "site_admin": False,
    }


def full_user_object(user: UserConfig, api_base: str, web_base: str, private: bool = False) -> dict[str, Any]:
    """The user object of ``GET /user`` and ``GET /users/{login}``: simple-user plus profile fields.

    ``private`` adds the fields GitHub shows a user about themselves (private repository counts, plan, ...).
    """
    body = user_object(user, api_base, web_base)
    body.update(
        {
            "name": user.name,
            "company": user.profile.get("company"),
            "blog": user.profile.get("blog") or "",
            "location": user.profile.get("location"),
            "email": user.email,
            "hireable": user.profile.get("hireable"),
            "bio": user.profile.get("bio"),
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": "2011-01-25T18:44:36Z",
            "updated_at": "2011-01-25T18:44:36Z",
        }
    )
    if private:
        body.update(
            {
                "private_gists": 0,
                "total_private_repos": 0,
                "owned_private_repos": 0,
                "disk_usage": 0,
                "collaborators": 0,
                "two_factor_authentication": user.two_factor != "none",
                "plan": {"name": "free", "space": 976562499, "collaborators": 0, "private_repos": 10000},
            }
        )
    return body


def app_object(auth_client_id: Optional[str], app: Optional[AppConfig], note: Optional[str], note_url: Optional[str]) -> dict[str, Any]:
    """The ``app`` member: the OAuth app, or for personal tokens GitHub's placeholder app named after the note."""
    if auth_client_id is None or app is None:
        return {"name": note or "", "url": note_url or PERSONAL_APP_URL, "client_id": PERSONAL_CLIENT_ID}
    return {"name": app.name, "url": app.url, "client_id": app.client_id}


def authorization_object(
    auth: Authorization,
    app: Optional[AppConfig],
    api_base: str,
    token: str = "",
    user: Optional[dict[str, Any]] = None,
) -> dict[str, Any]:
    """The authorization object, keys in the order real GitHub sent them (2018), plus ``expires_at`` (required by the OpenAPI).

    ``token`` is "" except when the token was just created, checked or reset.
    """
    body: dict[str, Any] = {
        "id": auth.id,
        "url": f"{api_base}/authorizations/{auth.id}",
        "app": app_object(auth.client_id, app, auth.note, auth.note_url),
        "token": token,
        "hashed_token": auth.hashed_token or None,
        "token_last_eight": auth.token_last_eight or None,
        "note": auth.note,
        "note_url": auth.note_url,
        "created_at": isoformat(auth.created_at),
        "updated_at": isoformat(auth.updated_at),
        "scopes": list(auth.scopes),
        "fingerprint": auth.fingerprint,
        "expires_at": None,
    }
    if user is not None:
        body["user"] = user
    return body


def grant_object(grant: Grant, app: Optional[AppConfig], scopes: list[str], api_base: str) -> dict[str, Any]:
    """The ``application-grant`` object."""
    return {
        "id": grant.id,
        "url": f"{api_base}/applications/grants/{grant.id}",
        "app": app_object(grant.client_id, app, None, None),
        "created_at": isoformat(grant.created_at),
        "updated_at": isoformat(grant.updated_at),
        "scopes": scopes,
    }
