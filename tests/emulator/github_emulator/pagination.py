"""GitHub's page-number pagination: ``page`` and ``per_page`` (30 by default, at most 100) and the RFC 5988 ``Link`` header."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


def paginate(request: Request, api_base: str, path: str, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """Slice a list by ``page``/``per_page`` and build the ``Link`` header (``prev``, ``next``, ``last``, ``first``)."""
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
