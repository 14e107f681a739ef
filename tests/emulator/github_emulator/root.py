"""The API root document (``GET {prefix}/``): hypermedia URL templates, like GitHub's ``meta/root`` operation.

The keys are the required keys of ``components.schemas.root`` in GitHub's ghes-3.6 description (kept in
``tests/emulator/reference/ghes-3.6-root.schema.json``); the templates are those api.github.com answers with, on this
server's API base URL (scheme, host and prefix of the request) and web base URL.
"""

from __future__ import annotations

from typing import ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from github_emulator import responses
from github_emulator.resource import AuthKind, Context, Resource

# (key, "api" or "web" base, the rest of the URL template)
ROOT_TEMPLATES = (
    ("current_user_url", "api", "/user"),
    ("current_user_authorizations_html_url", "web", "/settings/connections/applications{/client_id}"),
    ("authorizations_url", "api", "/authorizations"),
    ("code_search_url", "api", "/search/code?q={query}{&page,per_page,sort,order}"),
    ("commit_search_url", "api", "/search/commits?q={query}{&page,per_page,sort,order}"),
    ("emails_url", "api", "/user/emails"),
    ("emojis_url", "api", "/emojis"),
    ("events_url", "api", "/events"),
    ("feeds_url", "api", "/feeds"),
    ("followers_url", "api", "/user/followers"),
    ("following_url", "api", "/user/following{/target}"),
    ("gists_url", "api", "/gists{/gist_id}"),
    ("hub_url", "api", "/hub"),
    ("issue_search_url", "api", "/search/issues?q={query}{&page,per_page,sort,order}"),
    ("issues_url", "api", "/issues"),
    ("keys_url", "api", "/user/keys"),
    ("label_search_url", "api", "/search/labels?q={query}&repository_id={repository_id}{&page,per_page}"),
    ("notifications_url", "api", "/notifications"),
    ("organization_url", "api", "/orgs/{org}"),
    ("organization_repositories_url", "api", "/orgs/{org}/repos{?type,page,per_page,sort}"),
    ("organization_teams_url", "api", "/orgs/{org}/teams"),
    ("public_gists_url", "api", "/gists/public"),
    ("rate_limit_url", "api", "/rate_limit"),
    ("repository_url", "api", "/repos/{owner}/{repo}"),
    ("repository_search_url", "api", "/search/repositories?q={query}{&page,per_page,sort,order}"),
    ("current_user_repositories_url", "api", "/user/repos{?type,page,per_page,sort}"),
    ("starred_url", "api", "/user/starred{/owner}{/repo}"),
    ("starred_gists_url", "api", "/gists/starred"),
    ("user_url", "api", "/users/{user}"),
    ("user_organizations_url", "api", "/user/orgs"),
    ("user_repositories_url", "api", "/users/{user}/repos{?type,page,per_page,sort}"),
    ("user_search_url", "api", "/search/users?q={query}{&page,per_page,sort,order}"),
)


def root_document(api_base: str, web_base: str) -> dict[str, str]:
    """The root document for a server whose API is at ``api_base`` and whose web UI is at ``web_base``."""
    bases = {"api": api_base, "web": web_base}
    return {key: bases[base] + rest for key, base, rest in ROOT_TEMPLATES}


class Root(Resource):
    """``GET /``: the API root document. No authentication."""

    AUTH: ClassVar[AuthKind] = "none"
    RULES: ClassVar[tuple[Rule, ...]] = (Rule("/", methods=["GET"], endpoint="root"),)

    def root(self, context: Context) -> Response:
        """The root document, built from the request's scheme, host and prefix."""
        return responses.json_response(root_document(context.api_base, context.web_base), 200)
