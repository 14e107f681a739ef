"""GitHub's semantics for /authorizations* and /applications* (reference/CONTRACT.md: get-or-create, tokens, error bodies, pagination)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from conftest import CLIENT_ID, CLIENT_SECRET, LOGIN, GitHubSession

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"


def put(gh: GitHubSession, path_fingerprint: str | None = None, **body: Any) -> Any:
    payload = {"client_secret": CLIENT_SECRET, **body}
    path = PUT_PATH if path_fingerprint is None else f"{PUT_PATH}/{path_fingerprint}"
    return gh.put(path, json=payload)


def test_get_or_create_201_then_200_with_empty_token(gh: GitHubSession) -> None:
    first = put(gh, scopes=["repo", "read:org"], note="provisioner", note_url="https://example.com/n")
    assert first.status_code == 201
    created = first.json()
    token = created["token"]
    assert re.fullmatch(r"[0-9a-f]{40}", token)
    assert created["hashed_token"] == hashlib.sha256(token.encode()).hexdigest()
    assert created["token_last_eight"] == token[-8:]
    assert first.headers["Location"] == created["url"]
    assert created["url"].endswith(f"/api/v3/authorizations/{created['id']}")
    assert created["app"] == {"name": "Provisioner", "url": "https://example.com/provisioner", "client_id": CLIENT_ID}
    assert created["fingerprint"] is None

    second = put(gh, scopes=["gist"], note="changed", note_url="https://example.com/other")
    assert second.status_code == 200
    assert "Location" not in second.headers
    existing = second.json()
    assert existing["token"] == ""
    assert existing["id"] == created["id"]
    assert existing["hashed_token"] == created["hashed_token"]
    assert existing["token_last_eight"] == created["token_last_eight"]
    # The PUT does not change what is stored.
    assert existing["scopes"] == ["repo", "read:org"]
    assert existing["note"] == "provisioner"
    assert existing["note_url"] == "https://example.com/n"


def test_fingerprint_keys_and_percent_decoding(gh: GitHubSession, ctl: Any) -> None:
    plain = put(gh)
    fp1 = put(gh, "host%2F1%20a", note="fp")
    assert plain.status_code == 201
    assert fp1.status_code == 201
    assert fp1.json()["fingerprint"] == "host/1 a"
    assert put(gh, "host%2F1%20a").status_code == 200
    # Without a fingerprint, the authorization whose fingerprint is null matches.
    again = put(gh)
    assert again.status_code == 200
    assert again.json()["id"] == plain.json()["id"]
    # fingerprint in the body of the plain PUT behaves like the fingerprint path.
    body_fp = put(gh, fingerprint="host/1 a")
    assert body_fp.status_code == 200
    assert body_fp.json()["id"] == fp1.json()["id"]
    stored = ctl("GET", "authorizations").json()
    assert {a["fingerprint"] for a in stored} == {None, "host/1 a"}
    assert all("token" not in a for a in stored)


def test_put_rejects_client_id_in_body_and_bad_secret(gh: GitHubSession) -> None:
    reply = put(gh, client_id=CLIENT_ID)
    assert reply.status_code == 422
    assert '"client_id" is not a permitted key.' in reply.json()["message"]
    missing = gh.put(PUT_PATH, json={"scopes": []})
    assert missing.status_code == 422
    wrong = gh.put(PUT_PATH, json={"client_secret": "x" * 40})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "client_secret"
    unknown_app = gh.put("/authorizations/clients/ffffffffffffffffffff", json={"client_secret": CLIENT_SECRET})
    assert unknown_app.status_code == 404


def test_unknown_keys_ignored_and_invalid_scopes(gh: GitHubSession) -> None:
    reply = gh.post("/authorizations", json={"note": "ignore", "scope": ["gist"], "whatever": 1})
    assert reply.status_code == 201
    assert reply.json()["scopes"] == []
    bad = put(gh, scopes=["repo", "user,repo,gist", "nonsense"])
    assert bad.status_code == 422
    error = bad.json()["errors"][0]
    assert error == {"resource": "OauthAccess", "field": "scopes", "code": "custom", "message": "scopes are invalid: user,repo,gist,nonsense"}
    not_a_list = put(gh, scopes="repo")
    assert not_a_list.status_code == 422


def test_bad_json_bodies(gh: GitHubSession) -> None:
    headers = {"Content-Type": "application/json"}
    broken = gh.put(PUT_PATH, data=b"{not json", headers=headers)
    assert broken.status_code == 400
    assert broken.json()["message"] == "Problems parsing JSON"
    array = gh.put(PUT_PATH, data=b"[1, 2]", headers=headers)
    assert array.status_code == 400
    assert array.json()["message"] == "Body should be a JSON object"


def test_create_personal_token_note_rules(gh: GitHubSession) -> None:
    missing = gh.post("/authorizations", json={"scopes": ["gist"]})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"resource": "OauthAccess", "code": "missing_field", "field": "description"}]
    created = gh.post("/authorizations", json={"note": "ci", "note_url": "http://example.com", "client_id": "", "client_secret": ""})
    assert created.status_code == 201
    body = created.json()
    assert created.headers["Location"] == body["url"]
    assert body["app"] == {"name": "ci", "url": "http://example.com", "client_id": "00000000000000000000"}
    assert len(body["token"]) == 40
    duplicate = gh.post("/authorizations", json={"note": "ci"})
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"] == [{"resource": "OauthAccess", "code": "already_exists", "field": "description"}]
    app_token = gh.post("/authorizations", json={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": ["repo"]})
    assert app_token.status_code == 201
    assert app_token.json()["app"]["client_id"] == CLIENT_ID


def test_get_update_delete(gh: GitHubSession) -> None:
    created = put(gh, scopes=["gist"], note="n").json()
    url = f"/authorizations/{created['id']}"
    got = gh.get(url)
    assert got.status_code == 200
    assert got.json()["token"] == ""
    added = gh.patch(url, json={"add_scopes": ["user"]})
    assert added.status_code == 200
    assert added.json()["scopes"] == ["gist", "user"]
    assert added.json()["token"] == ""
    removed = gh.post(url, json={"remove_scopes": ["gist"]})  # POST is accepted in place of PATCH
    assert removed.json()["scopes"] == ["user"]
    replaced = gh.patch(url, json={"scopes": ["repo", "workflow"], "note": "new", "note_url": "https://x.example"})
    assert replaced.json()["scopes"] == ["repo", "workflow"]
    assert replaced.json()["note"] == "new"
    ignored = gh.post(url, json={"rm_scopes": ["repo"]})  # misspelled key: ignored, as recorded
    assert ignored.status_code == 200
    assert ignored.json()["scopes"] == ["repo", "workflow"]
    two_keys = gh.patch(url, json={"add_scopes": ["gist"], "remove_scopes": ["repo"]})
    assert two_keys.status_code == 422
    assert gh.delete(url).status_code == 204
    gone = gh.delete(url)
    assert gone.status_code == 404
    assert gone.json()["message"] == "Not Found"
    assert gh.get(url).status_code == 404


def test_pagination_link_header(gh: GitHubSession) -> None:
    for index in range(65):
        assert gh.post("/authorizations", json={"note": f"note {index}"}).status_code == 201
    first = gh.get("/authorizations")
    assert len(first.json()) == 30
    assert all(item["token"] == "" for item in first.json())
    link = first.headers["Link"]
    assert re.fullmatch(r'<http://[^>]+/api/v3/authorizations\?page=2>; rel="next", <http://[^>]+/api/v3/authorizations\?page=3>; rel="last"', link)
    middle = gh.get("/authorizations", params={"page": 2, "per_page": 20})
    rels = {rel: int(page) for page, rel in re.findall(r'<[^>]*[?&]page=(\d+)[^>]*>; rel="(\w+)"', middle.headers["Link"])}
    assert rels == {"prev": 1, "next": 3, "last": 4, "first": 1}
    assert "per_page=20" in middle.headers["Link"]
    big = gh.get("/authorizations", params={"per_page": 500})
    assert len(big.json()) == 65
    assert "Link" not in big.headers
    last = gh.get("/authorizations", params={"page": 3})
    assert len(last.json()) == 5
    assert 'rel="next"' not in last.headers["Link"]


def test_grants(gh: GitHubSession) -> None:
    put(gh, scopes=["repo"])
    put(gh, "fp", scopes=["gist"])
    grants = gh.get("/applications/grants")
    assert grants.status_code == 200
    [grant] = grants.json()
    assert grant["app"]["client_id"] == CLIENT_ID
    assert sorted(grant["scopes"]) == ["gist", "repo"]
    assert gh.get(f"/applications/grants/{grant['id']}").json() == grant
    assert gh.delete(f"/applications/grants/{grant['id']}").status_code == 204
    assert gh.get("/authorizations").json() == []
    assert gh.get(f"/applications/grants/{grant['id']}").status_code == 404


def test_app_token_endpoints(gh: GitHubSession, emulator: Any) -> None:
    token = put(gh, "machine").json()["token"]
    app = GitHubSession(emulator.url, "/api/v3", auth=(CLIENT_ID, CLIENT_SECRET), otp_secret=None)
    checked = app.post(f"/applications/{CLIENT_ID}/token", json={"access_token": token})
    assert checked.status_code == 200
    assert checked.json()["token"] == token
    assert checked.json()["user"]["login"] == LOGIN
    reset = app.patch(f"/applications/{CLIENT_ID}/token", json={"access_token": token})
    assert reset.status_code == 200
    new_token = reset.json()["token"]
    assert new_token != token
    assert reset.json()["hashed_token"] == hashlib.sha256(new_token.encode()).hexdigest()
    assert app.post(f"/applications/{CLIENT_ID}/token", json={"access_token": token}).status_code == 404
    scoped = app.post(f"/applications/{CLIENT_ID}/token/scoped", json={"access_token": new_token, "target": LOGIN})
    assert scoped.status_code == 200
    missing = app.post(f"/applications/{CLIENT_ID}/token", json={})
    assert missing.status_code == 422
    assert app.delete(f"/applications/{CLIENT_ID}/token", json={"access_token": new_token}).status_code == 204
    again = app.delete(f"/applications/{CLIENT_ID}/token", json={"access_token": new_token})
    assert again.status_code == 404
    assert again.json()["documentation_url"].endswith("#revoke-an-authorization-for-an-application")
    other = put(gh, "other").json()["token"]
    assert app.delete(f"/applications/{CLIENT_ID}/grant", json={"access_token": other}).status_code == 204
    assert gh.get("/authorizations").json() == []
    wrong = GitHubSession(emulator.url, "/api/v3", auth=(CLIENT_ID, "y" * 40), otp_secret=None)
    assert wrong.post(f"/applications/{CLIENT_ID}/token", json={"access_token": other}).status_code == 404


def test_legacy_application_paths(gh: GitHubSession, emulator: Any) -> None:
    token = put(gh, "legacy").json()["token"]
    app = GitHubSession(emulator.url, "/api/v3", auth=(CLIENT_ID, CLIENT_SECRET), otp_secret=None)
    checked = app.get(f"/applications/{CLIENT_ID}/tokens/{token}")
    assert checked.status_code == 200
    assert checked.json()["token"] == token
    reset = app.post(f"/applications/{CLIENT_ID}/tokens/{token}")
    assert reset.status_code == 200
    new_token = reset.json()["token"]
    assert app.get(f"/applications/{CLIENT_ID}/tokens/{token}").status_code == 404
    assert app.delete(f"/applications/{CLIENT_ID}/tokens/{new_token}").status_code == 204
    grant_token = put(gh, "legacy2").json()["token"]
    assert app.delete(f"/applications/{CLIENT_ID}/grants/{grant_token}").status_code == 204
    assert gh.get("/authorizations").json() == []


def test_client_id_query_filter(gh: GitHubSession) -> None:
    put(gh)
    gh.post("/authorizations", json={"note": "personal"})
    only_app = gh.get("/authorizations", params={"client_id": CLIENT_ID}).json()
    assert [a["app"]["client_id"] for a in only_app] == [CLIENT_ID]
    assert len(gh.get("/authorizations").json()) == 2


def test_rate_limit_headers_everywhere(gh: GitHubSession, emulator: Any) -> None:
    for reply in (put(gh), gh.get("/nothing-here"), GitHubSession(emulator.url, otp_secret=None, auth=None).get("/authorizations")):
        assert int(reply.headers["X-RateLimit-Limit"]) > 0
        assert int(reply.headers["X-RateLimit-Remaining"]) >= 0
        assert int(reply.headers["X-RateLimit-Reset"]) > 0


def test_user_endpoint(gh: GitHubSession) -> None:
    reply = gh.get("/user")
    assert reply.status_code == 200
    assert reply.json()["login"] == LOGIN
