"""Reading request bodies the way GitHub does: JSON objects only, typed fields, and GitHub's 400 and 422 answers."""

from __future__ import annotations

import json
from typing import Any, Optional

from werkzeug.wrappers import Request, Response

from github_emulator import responses
from github_emulator.scopes import VALID_SCOPES


class BodyError(Exception):
    """The request body cannot be used; carries the response to send."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


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


def type_error(key: str, value: Any, expected: str, docs: str) -> Response:
    """422 for a field of the wrong JSON type, in GitHub's JSON-schema wording."""
    return responses.invalid_request(f"For 'properties/{key}', {json.dumps(value)} is not {expected}.", docs)


def optional_string(body: dict[str, Any], key: str, docs: str) -> Optional[str]:
    """The string value of ``key``, or None when absent or null; 422 for any other type."""
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise BodyError(type_error(key, value, "a string", docs))
    return value


def scope_list(body: dict[str, Any], key: str, docs: str) -> Optional[list[str]]:
    """Validate a scope list: an array of strings, every one a known GitHub scope (else GitHub's 422 bodies)."""
    if key not in body or body[key] is None:
        return None
    value = body[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BodyError(type_error(key, value, "an array of strings", docs))
    invalid = [item for item in value if item not in VALID_SCOPES]
    if invalid:
        error = {"resource": responses.OAUTH_ACCESS, "field": "scopes", "code": "custom", "message": f"scopes are invalid: {','.join(invalid)}"}
        raise BodyError(responses.validation_failed([error], docs))
    return list(dict.fromkeys(value))
