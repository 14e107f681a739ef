"""The headers GitHub sends on every API answer (besides ``X-RateLimit-*``, see limits.py)."""

from __future__ import annotations

import uuid
from typing import Optional

from werkzeug.wrappers import Response

EXPOSED_HEADERS = (
    "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, "
    "X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type"
)


def add_github_headers(response: Response, enterprise_version: Optional[str]) -> None:
    """Media type, request id, ``Vary`` and CORS headers; ``X-GitHub-Enterprise-Version`` when a version is given (GHES)."""
    headers = response.headers
    headers.setdefault("X-GitHub-Media-Type", "github.v3; format=json")
    headers.setdefault("X-GitHub-Request-Id", uuid.uuid4().hex[:20].upper())
    headers.setdefault("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
    headers.setdefault("Access-Control-Expose-Headers", EXPOSED_HEADERS)
    headers.setdefault("Access-Control-Allow-Origin", "*")
    if enterprise_version is not None:
        headers["X-GitHub-Enterprise-Version"] = enterprise_version
