"""Replaying real recorded GitHub exchanges (tests/emulator/reference/recorded/) against the emulator.

Each recording file (one INDEX.json entry) is parsed into exchanges, classified (replay or skip with a stated
reason), seeded (users, apps and pre-existing authorizations the recording assumes), replayed over HTTP, and compared:
status; presence and shape of Location, Link and X-GitHub-OTP; body keys and value types (and the empty-or-not token,
and error messages).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote, unquote, urlsplit

import requests
import yaml
from github_emulator.auth import TOTP

SEMANTICS_CHANGED = "2015-04-20"  # CHG-2015-04-20: token no longer returned for existing authorizations
NOTE_REQUIRED_SINCE = "2014-02-01"  # CONTRACT.md#error-bodies: a note is required since about February 2014
HAND_EDITED = re.compile(r"octokit\.rb/2020-02-28_4ebac7b66/.*/_(check|reset|revoke)_application_authorization/")
PASSWORD = "replay-password"
OTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEFAULT_LOGIN = "octocat"
PERSONAL_CLIENT_ID = "00000000000000000000"
EXTRA_KEYS_ALLOWED = {"expires_at"}  # required by the OpenAPI authorization schema; absent from 2013-2020 recordings
# Keys GitHub added on 2014-12-08 (CHG-2014-12-08); recordings made before that cannot have them.
PRE_2015_KEYS = {"fingerprint", "hashed_token", "token_last_eight"}
LOCATION_SHAPE = re.compile(r"^https?://[^/]+(/api/v3)?/authorizations/\d+$")


@dataclass
class Exchange:
    """One recorded request and response."""

    method: str
    path: str
    query: str
    auth: Optional[str]  # None, "basic", "token <value>"
    otp: Optional[str]
    body: Optional[str]
    status: int
    headers: dict[str, str]
    response: Any
    date: str = ""


@dataclass
class Recording:
    """One recording file and its exchanges."""

    file: str
    format: str
    exchanges: list[Exchange] = field(default_factory=list)
    body_missing: bool = False


@dataclass
class Outcome:
    """What happened to one recording."""

    file: str
    status: str  # "matched", "mismatched", "skipped"
    reason: str = ""
    details: list[str] = field(default_factory=list)


OUTCOMES: list[Outcome] = []  # filled by test_replay.py, summarised by conftest.py


# ---- parsing ----------------------------------------------------------------------------------------------


def _decode_body(body: Any, headers: dict[str, str]) -> Optional[str]:
    if body is None:
        return None
    if isinstance(body, str):
        return body
    if "base64_string" in body:
        raw = base64.b64decode(body["base64_string"])
    elif isinstance(body.get("string"), str):
        raw = body["string"].encode("utf-8", "surrogateescape")
    else:
        return None
    if headers.get("content-encoding", "") == "gzip" or raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except OSError:
            pass
    return raw.decode("utf-8", "replace")


def _flat_headers(headers: Any) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in (headers or {}).items():
        first = (value[0] if value else "") if isinstance(value, list) else value
        flat[str(key).lower()] = str(first)
    return flat


def _json_or_none(text: Optional[str]) -> Any:
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _http_date(headers: dict[str, str]) -> str:
    value = headers.get("date")
    if not value:
        return ""
    try:
        return parsedate_to_datetime(value).strftime("%Y-%m-%d")
    except (TypeError, ValueError):
        return ""


def _auth_kind(request_headers: dict[str, str], uri: str) -> Optional[str]:
    value = request_headers.get("authorization")
    if value:
        lowered = value.lower()
        if lowered.startswith("token ") or lowered.startswith("bearer "):
            return "token " + value.split(None, 1)[1].strip()
        return "basic"
    if "@" in urlsplit(uri).netloc:
        return "basic"
    return None


def _exchange_from_cassette(item: dict[str, Any]) -> Exchange:
    request = item["request"]
    response = item["response"]
    req_headers = _flat_headers(request.get("headers"))
    resp_headers = _flat_headers(response.get("headers"))
    uri = request["uri"]
    parts = urlsplit(uri)
    if isinstance(response.get("status"), dict):
        status = response["status"]["code"]
    elif response.get("status") is not None:
        status = response["status"]
    else:  # older betamax cassettes keep the status only in the "Status: 401 Unauthorized" header
        status = resp_headers.get("status", "0").split()[0]
    return Exchange(
        method=request["method"].upper(),
        path=parts.path,
        query=parts.query,
        auth=_auth_kind(req_headers, uri),
        otp=req_headers.get("x-github-otp"),
        body=_decode_body(request.get("body"), req_headers),
        status=int(status),
        headers=resp_headers,
        response=_json_or_none(_decode_body(response.get("body"), resp_headers)),
        date=_http_date(resp_headers),
    )


class _RubyTolerantLoader(yaml.SafeLoader):
    """Safe YAML loader that reads Ruby-tagged scalars (``!binary`` as base64, other tags as plain values)."""


def _ruby_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "binary":
            return base64.b64decode(value).decode("utf-8", "replace")
        return value
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_RubyTolerantLoader.add_multi_constructor("!", _ruby_tag)
_RubyTolerantLoader.add_multi_constructor("tag:yaml.org,2002:", _ruby_tag)


def _wiremock_body_index(index: list[dict[str, Any]], root: Path) -> dict[tuple[str, str], Path]:
    """Map (test name, body file name) to the stored __files copy, through every alias of each stored blob."""
    found: dict[tuple[str, str], Path] = {}
    for entry in index:
        if entry["format"] != "wiremock-body":
            continue
        for path in [entry["path"], *[alias.split("@")[0] for alias in entry.get("aliases", [])]]:
            match = re.search(r"/wiremock/([^/]+)/__files/([^/]+)$", path)
            if match:
                found[(match.group(1), match.group(2))] = root / entry["file"]
    return found


def _exchange_from_wiremock(mapping: dict[str, Any], file: str, bodies: dict[tuple[str, str], Path]) -> tuple[Exchange, bool]:
    request = mapping["request"]
    response = mapping["response"]
    url = request.get("url") or request.get("urlPath") or request.get("urlPattern") or "/"
    parts = urlsplit(url)
    body = None
    for pattern in request.get("bodyPatterns") or []:
        value = pattern.get("equalToJson")
        if value is not None:
            body = value if isinstance(value, str) else json.dumps(value)
    headers = _flat_headers(response.get("headers"))
    text = response.get("body")
    missing = False
    if text is None and response.get("bodyFileName"):
        test = re.search(r"/wiremock/([^/]+)/mappings/", file)
        stored = bodies.get((test.group(1) if test else "", response["bodyFileName"]))
        if stored is not None:
            text = stored.read_text(encoding="utf-8")
        else:
            missing = True
    parsed = _json_or_none(text)
    message = parsed.get("message") if isinstance(parsed, dict) else None
    status = int(response.get("status", 200))
    if status == 401 and message == "Requires authentication":
        auth: Optional[str] = None
    else:
        auth = "basic"
    otp = None if headers.get("x-github-otp") else "recorded"
    return (
        Exchange(
            method=request.get("method", "GET").upper(),
            path=parts.path,
            query=parts.query,
            auth=auth,
            otp=otp,
            body=body,
            status=status,
            headers=headers,
            response=parsed,
            date=_http_date(headers),
        ),
        missing,
    )


def load_recordings(root: Path) -> list[Recording]:
    """Parse every INDEX.json entry under ``root`` into a :class:`Recording`."""
    index = json.loads((root / "INDEX.json").read_text(encoding="utf-8"))
    bodies = _wiremock_body_index(index, root)
    recordings = []
    for entry in index:
        file = entry["file"]
        recording = Recording(file=file, format=entry["format"])
        path = root / file
        if entry["format"] in ("vcr-json", "betamax-json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            recording.exchanges = [_exchange_from_cassette(item) for item in data.get("http_interactions", [])]
        elif entry["format"] == "vcr-yaml":
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_RubyTolerantLoader)  # noqa: S506 - a SafeLoader subclass
            recording.exchanges = [_exchange_from_cassette(item) for item in data.get("http_interactions", [])]
        elif entry["format"] == "wiremock-mapping":
            exchange, missing = _exchange_from_wiremock(json.loads(path.read_text(encoding="utf-8")), file, bodies)
            recording.exchanges = [exchange]
            recording.body_missing = missing
        recordings.append(recording)
    return recordings


# ---- classification ---------------------------------------------------------------------------------------

AUTH_ID_PATH = re.compile(r"^/authorizations/(\d+)$")
PUT_PATH = re.compile(r"^/authorizations/clients/([^/]+)(?:/(.+))?$")
LEGACY_TOKEN_PATH = re.compile(r"^/applications/([^/]+)/(tokens|grants)/([^/]+)$")
APP_TOKEN_PATH = re.compile(r"^/applications/([^/]+)/(token|grant|token/scoped)$")
USERS_PATH = re.compile(r"^/users/([^/]+)$")


def _body_json(exchange: Exchange) -> dict[str, Any]:
    parsed = _json_or_none(exchange.body)
    if isinstance(parsed, str):  # hub4j stores the JSON body as a JSON string
        parsed = _json_or_none(parsed)
    return parsed if isinstance(parsed, dict) else {}


def _token_of(body: Any) -> Optional[str]:
    return body.get("token") if isinstance(body, dict) else None


def skip_reason(recording: Recording) -> Optional[str]:
    """Why a recording cannot be replayed, or None when it can."""
    if recording.format == "static-json-fixture":
        return "static JSON fixture: no HTTP exchange to replay"
    if recording.format == "wiremock-body":
        return "WireMock response body file: replayed through the mapping that references it"
    if HAND_EDITED.search(recording.file):
        return "hand-edited upstream (INDEX.md: not a genuine recording)"
    if not recording.exchanges:
        return "no exchanges in the file"
    for exchange in recording.exchanges:
        if re.fullmatch(r"/applications/[^/]+/tokens", exchange.path):
            return "DELETE /applications/{client_id}/tokens (revoke all) was removed on 2016-01-25 and is not in the OpenAPI extract"
    dates = [e.date for e in recording.exchanges if e.date]
    recorded = min(dates) if dates else ""
    if recorded and recorded < SEMANTICS_CHANGED:
        for exchange in recording.exchanges:
            existing = (
                (exchange.method == "GET" and exchange.path == "/authorizations")
                or AUTH_ID_PATH.match(exchange.path) is not None
                or (exchange.method == "PUT" and exchange.status == 200)
            )
            token = _token_of(exchange.response)
            listed = exchange.response if isinstance(exchange.response, list) else []
            if existing and (token or any(_token_of(item) for item in listed)):
                return "recorded before 2015-04-20: the token was returned for existing authorizations (token semantics changed then)"
        for exchange in recording.exchanges:
            if exchange.method == "POST" and exchange.path == "/authorizations" and exchange.status == 201 and not _body_json(exchange).get("note"):
                return "recorded before 2014-02: POST /authorizations without a note got 201 (a note is required since)"
    for exchange in recording.exchanges:
        if exchange.method == "PUT" and "client_id" in _body_json(exchange) and exchange.status != 422:
            return "recorded 2013-2015: client_id in the PUT body was accepted then; rejected with 422 since 2018 (CONTRACT.md#get-or-create)"
    return None


# ---- seeding ----------------------------------------------------------------------------------------------


def _emulator_client_id(recorded: str) -> str:
    if re.fullmatch(r"[0-9a-f]{20}", recorded):
        return recorded
    return hashlib.sha1(recorded.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]


def _emulator_secret(client_id: str) -> str:
    return hashlib.sha1(("secret:" + client_id).encode("utf-8"), usedforsecurity=False).hexdigest()


class Replayer:
    """Seeds the emulator for one recording, replays it, and compares every exchange."""

    def __init__(self, base_url: str, recording: Recording) -> None:
        self.base_url = base_url.rstrip("/")
        self.recording = recording
        self.login = DEFAULT_LOGIN
        self.two_factor = "none"
        self.apps: dict[str, dict[str, str]] = {}  # emulator client_id -> app
        self.client_map: dict[str, str] = {}
        self.id_map: dict[int, int] = {}
        self.token_map: dict[str, str] = {}
        self.seeds: list[dict[str, Any]] = []
        self.seeded_ids: set[int] = set()
        self.seeded_keys: set[tuple[str, Optional[str]]] = set()
        self.profile: dict[str, Any] = {}
        self.synthetic_id = 900_000_000

    # -- seeding

    def _app(self, recorded_client_id: str, app_body: Optional[dict[str, Any]] = None) -> str:
        client_id = _emulator_client_id(recorded_client_id)
        self.client_map[recorded_client_id] = client_id
        if client_id not in self.apps or app_body:
            name = (app_body or {}).get("name") or "Recorded app"
            url = (app_body or {}).get("url") or "https://example.com/app"
            self.apps[client_id] = {"client_id": client_id, "client_secret": _emulator_secret(client_id), "name": name, "url": url}
        return client_id

    def _seed_from_body(self, body: dict[str, Any], token: Optional[str] = None) -> None:
        auth_id = body.get("id")
        if not isinstance(auth_id, int) or auth_id in self.seeded_ids:
            return
        app = body.get("app") or {}
        client_id = None
        if app.get("client_id") and app["client_id"] != PERSONAL_CLIENT_ID:
            client_id = self._app(app["client_id"], app)
        scopes = [s for s in body.get("scopes") or [] if isinstance(s, str)]
        legacy = "hashed_token" in body and body["hashed_token"] is None
        self.seeds.append(
            {
                "id": auth_id,
                "user": self.login,
                "client_id": client_id,
                "fingerprint": body.get("fingerprint"),
                "scopes": scopes,
                "note": body.get("note"),
                "note_url": body.get("note_url"),
                "token": token or secrets.token_hex(20),
                "legacy": legacy,
            }
        )
        self.seeded_ids.add(auth_id)
        self.id_map[auth_id] = auth_id
        if client_id is not None:
            self.seeded_keys.add((client_id, body.get("fingerprint")))

    def plan(self) -> None:
        """Work out the users, apps and pre-existing authorizations the recording assumes."""
        created: set[int] = set()
        produced_tokens: set[str] = set()
        for exchange in self.recording.exchanges:
            otp = exchange.headers.get("x-github-otp", "")
            if otp.startswith("required;"):
                self.two_factor = otp.split(";", 1)[1].strip().lower()
            users = USERS_PATH.match(exchange.path)
            if users:
                self.login = users.group(1)
            if exchange.path in ("/user", exchange.path if users else "") and isinstance(exchange.response, dict) and exchange.status == 200:
                self.profile = {key: exchange.response.get(key) for key in ("name", "email", "company", "blog", "location", "bio", "hireable")}
        for exchange in self.recording.exchanges:
            body = exchange.response
            for match in (PUT_PATH.match(exchange.path), LEGACY_TOKEN_PATH.match(exchange.path), APP_TOKEN_PATH.match(exchange.path)):
                if match:
                    self._app(unquote(match.group(1)), body.get("app") if isinstance(body, dict) else None)
            put = PUT_PATH.match(exchange.path)
            if put and exchange.method == "PUT" and isinstance(body, dict):
                fingerprint = unquote(put.group(2)) if put.group(2) else _body_json(exchange).get("fingerprint")
                key = (_emulator_client_id(unquote(put.group(1))), fingerprint)
                if exchange.status == 200 and key not in self.seeded_keys and body.get("id") not in created:
                    self._seed_from_body(body)
                elif exchange.status == 201:
                    created.add(body.get("id"))
                    self.seeded_keys.add(key)
            if exchange.method == "POST" and exchange.path == "/authorizations" and isinstance(body, dict) and exchange.status == 201:
                created.add(body.get("id"))
            by_id = AUTH_ID_PATH.match(exchange.path)
            if by_id and exchange.status != 404:
                auth_id = int(by_id.group(1))
                if auth_id not in created and auth_id not in self.seeded_ids:
                    self._seed_from_body(body if isinstance(body, dict) and body.get("id") == auth_id else {"id": auth_id, "note": f"seed {auth_id}"})
            if exchange.method == "GET" and exchange.path == "/authorizations" and isinstance(body, list):
                self._seed_list(exchange, body, created)
            token = self._referenced_token(exchange)
            if token is not None and token not in produced_tokens and exchange.status < 300:
                fresh = secrets.token_hex(20)
                if not (isinstance(body, dict) and isinstance(body.get("id"), int)):
                    app_match = LEGACY_TOKEN_PATH.match(exchange.path) or APP_TOKEN_PATH.match(exchange.path)
                    self.synthetic_id += 1
                    app = {"client_id": unquote(app_match.group(1))} if app_match else {}
                    body = {"id": self.synthetic_id, "app": app, "note": None, "scopes": []}
                self._seed_from_body(body, fresh)
                self.token_map[token] = fresh
                produced_tokens.add(token)
            if isinstance(body, dict) and _token_of(body):
                produced_tokens.add(str(body["token"]))

    def _seed_list(self, exchange: Exchange, body: list[Any], created: set[int]) -> None:
        wanted = len(body)
        link = exchange.headers.get("link", "")
        last = re.search(r'[?&]page=(\d+)[^>]*>; rel="last"', link)
        if last:
            wanted = max(wanted, 30 * (int(last.group(1)) - 1) + 1)
        items = [item for item in body if isinstance(item, dict) and item.get("id") not in created]
        for item in items:
            self._seed_from_body(item)
        filler = items[-1] if items else {"note": "filler", "scopes": []}
        index = 0
        while len(self.seeded_ids) + len(created) < wanted and index < 10_000:
            index += 1
            clone = dict(filler)
            clone["id"] = 10**9 + index
            if isinstance(clone.get("note"), str):
                clone["note"] = f"{clone['note']} {index}"
            self._seed_from_body(clone)

    def _referenced_token(self, exchange: Exchange) -> Optional[str]:
        legacy = LEGACY_TOKEN_PATH.match(exchange.path)
        if legacy:
            return unquote(legacy.group(3))
        if APP_TOKEN_PATH.match(exchange.path):
            value = _body_json(exchange).get("access_token")
            return value if isinstance(value, str) else None
        if exchange.auth and exchange.auth.startswith("token "):
            return exchange.auth.split(" ", 1)[1]
        return None

    def config(self) -> dict[str, Any]:
        """The emulator config for this recording."""
        user: dict[str, Any] = {"login": self.login, "password": PASSWORD, "two_factor": self.two_factor, **self.profile}
        if self.two_factor != "none":
            user["otp_secret"] = OTP_SECRET
        return {"users": [user], "apps": list(self.apps.values()), "authorizations": self.seeds}

    # -- replay

    def _map_path(self, path: str) -> str:
        for recorded, actual in self.client_map.items():
            path = path.replace(f"/clients/{recorded}", f"/clients/{actual}").replace(f"/applications/{recorded}/", f"/applications/{actual}/")
        by_id = AUTH_ID_PATH.match(path)
        if by_id:
            auth_id = int(by_id.group(1))
            path = f"/authorizations/{self.id_map.get(auth_id, auth_id)}"
        legacy = LEGACY_TOKEN_PATH.match(path)
        if legacy:
            token = unquote(legacy.group(3))
            actual = self.token_map.get(token) or secrets.token_hex(20)
            path = f"/applications/{legacy.group(1)}/{legacy.group(2)}/{quote(actual, safe='')}"
        return path

    def _client_for(self, exchange: Exchange) -> Optional[dict[str, str]]:
        for pattern in (PUT_PATH, LEGACY_TOKEN_PATH, APP_TOKEN_PATH):
            match = pattern.match(exchange.path)
            if match:
                return self.apps.get(self.client_map.get(unquote(match.group(1)), ""))
        return None

    def _request_body(self, exchange: Exchange) -> Optional[bytes]:
        if exchange.body is None or not exchange.body.strip():
            return None
        body = _body_json(exchange)
        if not body:
            return exchange.body.encode("utf-8")
        app = self._client_for(exchange)
        if body.get("client_id"):
            recorded = str(body["client_id"])
            client_id = self.client_map.get(recorded) or self._app(recorded)
            app = self.apps[client_id]
            body["client_id"] = client_id
        if body.get("client_secret") and app is None and self.apps:
            app = next(iter(self.apps.values()))
        if body.get("client_secret") and app is not None:
            body["client_secret"] = app["client_secret"]
        if isinstance(body.get("access_token"), str):
            body["access_token"] = self.token_map.get(body["access_token"]) or secrets.token_hex(20)
        return json.dumps(body).encode("utf-8")

    def _headers(self, exchange: Exchange) -> tuple[dict[str, str], Optional[tuple[str, str]]]:
        headers = {"Accept": "application/vnd.github.v3+json"}
        auth: Optional[tuple[str, str]] = None
        if exchange.body is not None and exchange.body.strip():
            headers["Content-Type"] = "application/json"
        if exchange.auth == "basic":
            app = self._client_for(exchange) if exchange.path.startswith("/applications/") and not exchange.path.startswith("/applications/grants") else None
            auth = (app["client_id"], app["client_secret"]) if app else (self.login, PASSWORD)
        elif exchange.auth and exchange.auth.startswith("token "):
            recorded = exchange.auth.split(" ", 1)[1]
            headers["Authorization"] = "token " + (self.token_map.get(recorded) or secrets.token_hex(20))
        challenged = exchange.headers.get("x-github-otp", "").startswith("required")
        if self.two_factor != "none" and auth is not None and auth[0] == self.login:
            if exchange.otp and challenged:
                code = TOTP(OTP_SECRET).now()
                headers["X-GitHub-OTP"] = "000000" if code != "000000" else "111111"
            elif exchange.otp or not challenged:
                headers["X-GitHub-OTP"] = TOTP(OTP_SECRET).now()
        return headers, auth

    def run(self, session: requests.Session) -> list[str]:
        """Seed, replay every exchange, and return the mismatches (empty when everything matched)."""
        self.plan()
        reply = session.post(f"{self.base_url}/_emulator/reset", json={"config": self.config()}, timeout=30)
        if reply.status_code != 200:
            return [f"seeding failed: {reply.status_code} {reply.text}"]
        problems: list[str] = []
        for number, exchange in enumerate(self.recording.exchanges, 1):
            headers, auth = self._headers(exchange)
            url = self.base_url + self._map_path(exchange.path) + (f"?{exchange.query}" if exchange.query else "")
            response = session.request(exchange.method, url, data=self._request_body(exchange), headers=headers, auth=auth, timeout=30)
            label = f"#{number} {exchange.method} {exchange.path} (recorded {exchange.status})"
            problems.extend(f"{label}: {problem}" for problem in compare(exchange, response, self.recording.body_missing))
            self._learn(exchange.response, _json_or_none(response.text))
        return problems

    def _learn(self, recorded: Any, actual: Any) -> None:
        if isinstance(recorded, dict) and isinstance(actual, dict):
            if isinstance(recorded.get("id"), int) and isinstance(actual.get("id"), int):
                self.id_map[recorded["id"]] = actual["id"]
            if recorded.get("token") and actual.get("token"):
                self.token_map[str(recorded["token"])] = str(actual["token"])


# ---- comparison -------------------------------------------------------------------------------------------


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def compare_shape(recorded: Any, actual: Any, where: str = "body", allowed: Optional[frozenset[str]] = frozenset(EXTRA_KEYS_ALLOWED)) -> list[str]:
    """Recorded keys must all be present with the same JSON types (recursively).

    Extra top-level keys are allowed only from ``allowed`` (None: any, for user profiles, which grew over the years).
    """
    problems: list[str] = []
    if _type(recorded) != _type(actual):
        return [f"{where}: type {_type(actual)}, recorded {_type(recorded)}"]
    if isinstance(recorded, dict):
        for key, value in recorded.items():
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
            else:
                problems.extend(compare_shape(value, actual[key], f"{where}.{key}", allowed))
        extra = set(actual) - set(recorded) - (allowed or set())
        if extra and where == "body" and allowed is not None:
            problems.append(f"{where}: extra keys {sorted(extra)}")
        if "token" in recorded and isinstance(recorded.get("token"), str) and bool(recorded["token"]) != bool(actual.get("token")):
            problems.append(f"{where}.token: {'empty' if not actual.get('token') else 'present'}, recorded {'empty' if not recorded['token'] else 'present'}")
    elif isinstance(recorded, list):
        if len(recorded) != len(actual):
            problems.append(f"{where}: {len(actual)} items, recorded {len(recorded)}")
        recorded_shapes = sorted({json.dumps(_signature(item)) for item in recorded})
        actual_shapes = sorted({json.dumps(_signature(item)) for item in actual})
        if recorded and actual and not set(recorded_shapes) <= set(actual_shapes):
            problems.append(f"{where}: item shapes differ: recorded {recorded_shapes[:2]}, got {actual_shapes[:2]}")
    return problems


def _signature(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _signature(item) for key, item in sorted(value.items()) if key not in EXTRA_KEYS_ALLOWED}
    if isinstance(value, list):
        return ["array"]
    return _type(value)


def _rels(link: str) -> list[str]:
    return sorted(re.findall(r'rel="(\w+)"', link))


def compare(exchange: Exchange, response: requests.Response, body_missing: bool) -> list[str]:
    """Compare one replayed response with its recording."""
    problems: list[str] = []
    if response.status_code != exchange.status:
        problems.append(f"status {response.status_code} {response.text[:200]}")
        return problems
    recorded_location = exchange.headers.get("location")
    location = response.headers.get("Location")
    if bool(recorded_location) != bool(location):
        problems.append(f"Location {'present' if location else 'absent'}, recorded {'present' if recorded_location else 'absent'}")
    elif location and not LOCATION_SHAPE.match(location):
        problems.append(f"Location shape {location}")
    recorded_link = exchange.headers.get("link", "")
    link = response.headers.get("Link", "")
    if _rels(recorded_link) != _rels(link):
        problems.append(f"Link rels {_rels(link)}, recorded {_rels(recorded_link)}")
    recorded_otp = exchange.headers.get("x-github-otp")
    otp = response.headers.get("X-GitHub-OTP")
    if (recorded_otp or None) != (otp or None):
        problems.append(f"X-GitHub-OTP {otp!r}, recorded {recorded_otp!r}")
    if exchange.response is None:
        if not body_missing and exchange.status == 204 and response.content:
            problems.append("body present, recorded empty")
        return problems
    actual = _json_or_none(response.text)
    allowed = EXTRA_KEYS_ALLOWED | (PRE_2015_KEYS if exchange.date and exchange.date < "2014-12-08" else set())
    user_profile = exchange.path == "/user" or exchange.path.startswith("/users/")
    problems.extend(compare_shape(exchange.response, actual, allowed=None if user_profile else frozenset(allowed)))
    if exchange.status >= 400 and isinstance(exchange.response, dict) and isinstance(actual, dict):
        if exchange.response.get("message") != actual.get("message"):
            problems.append(f"message {actual.get('message')!r}, recorded {exchange.response.get('message')!r}")
    return problems


def replay_recording(base_url: str, recording: Recording, session: requests.Session) -> Outcome:
    """Classify and replay one recording."""
    reason = skip_reason(recording)
    if reason is not None:
        return Outcome(recording.file, "skipped", reason)
    problems = Replayer(base_url, recording).run(session)
    return Outcome(recording.file, "mismatched" if problems else "matched", details=problems)
