"""What a GitHub Enterprise Server host serves outside its API prefix: HTML (its web UI), not the JSON API.

Only ``GET /`` answers 200, with a small HTML page; every other path and method gets werkzeug's HTML 404 page. A
client whose ``api_url`` lacks ``/api/v3`` therefore gets HTML back, as it would from a real GHES host.
"""

from __future__ import annotations

import html
from typing import Any, Callable, Iterable

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request, Response

HOME_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>GitHub Enterprise (emulator)</title></head>
<body><p>GitHub Enterprise Server emulator. The REST API is at <a href="{api}">{api}</a>.</p></body>
</html>
"""


class WebUI:
    """The WSGI app for paths outside the API prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if request.method in ("GET", "HEAD") and request.path == "/":
            api = html.escape(request.host_url.rstrip("/") + self.prefix + "/")
            response = Response(HOME_PAGE.format(api=api), status=200, content_type="text/html; charset=utf-8")
        else:
            response = NotFound().get_response(environ)
        return response(environ, start_response)
