"""Shared fixtures: a live emulator process, and an HTTP session that validates every response against the OpenAPI extract."""

from __future__ import annotations

import functools
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from github_emulator.auth import TOTP
from github_emulator.config import DEMO_CONFIG
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from replay import OUTCOMES

EMULATOR_DIR = Path(__file__).resolve().parents[1]
# The reference data lives in the repository (tests/emulator/reference/; provenance in its PROVENANCE.md).
REFERENCE_DIR = EMULATOR_DIR / "reference"
OPENAPI_PATH = REFERENCE_DIR / "github-oauth-authorizations.openapi.json"
# The extract holds only /authorizations* and /applications*; the API root (GET /) is checked against the ghes-3.6
# components.schemas.root kept beside it, and counted separately.
ROOT_SCHEMA_PATH = REFERENCE_DIR / "ghes-3.6-root.schema.json"
READY_PREFIX = "github_emulator listening on "
READY_TIMEOUT = 30.0

DEMO_USER = DEMO_CONFIG["users"][0]
DEMO_APP = DEMO_CONFIG["apps"][0]
LOGIN = DEMO_USER["login"]
PASSWORD = DEMO_USER["password"]
OTP_SECRET = DEMO_USER["otp_secret"]
CLIENT_ID = DEMO_APP["client_id"]
CLIENT_SECRET = DEMO_APP["client_secret"]

# Statuses the contract (reference/CONTRACT.md) requires but the OpenAPI extract does not declare for that operation.
# Their bodies are still validated, against the extract's own error schemas. Counted and printed at the end.
CONTRACT_WINS: Counter[str] = Counter()
VALIDATED: Counter[str] = Counter()
ROOT_VALIDATED: Counter[str] = Counter()


class EmulatorProcess:
    """A running ``python -m github_emulator``; ``url`` comes from its readiness line."""

    def __init__(self, *args: str, env: Optional[dict[str, str]] = None, python_flags: tuple[str, ...] = (), cwd: Optional[Path] = None) -> None:
        self.args = [sys.executable, *python_flags, "-m", "github_emulator", "--host", "127.0.0.1", "--port", "0", *args]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd or EMULATOR_DIR)
        lines: queue.Queue[str] = queue.Queue()
        assert self.proc.stdout is not None
        stdout = self.proc.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=READY_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise RuntimeError("the emulator printed no readiness line") from None
        if not line.startswith(READY_PREFIX):
            self.stop()
            raise RuntimeError(f"unexpected first line {line!r}; stderr: {self.stderr_text()}")
        self.ready_line = line
        self.url = line[len(READY_PREFIX) :].strip()

    def stderr_text(self) -> str:
        """Whatever the process wrote to stderr (after it stopped)."""
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop with a signal and return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return self.proc.returncode


def totp_now(secret: str = OTP_SECRET, offset: float = 0.0) -> str:
    """The current code for a seed (the emulator's own pyotp subclass, which accepts GitHub's 80-bit seeds)."""
    return TOTP(secret).at(time.time() + offset)


class OpenAPIChecker:
    """Validates responses to API paths against the OpenAPI extract with openapi-core."""

    def __init__(self) -> None:
        spec = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
        self.spec = spec
        self.openapi = OpenAPI.from_dict(spec)
        schemas = spec["components"]["schemas"]
        self.error_validators = {name: OAS30Validator({**schemas[name], "components": spec["components"]}) for name in ("basic-error", "validation-error")}

    def check(self, prepared: requests.PreparedRequest, response: requests.Response, api_path: str) -> None:
        """Validate one exchange; raise AssertionError with the reason when it does not conform."""
        parts = urlsplit(prepared.url or "")
        copy = prepared.copy()
        copy.url = urlunsplit(("https", "api.github.com", api_path, parts.query, ""))
        key = f"{prepared.method} {response.status_code}"
        if prepared.method == "POST" and re.fullmatch(r"/authorizations/\d+", api_path):
            # GitHub accepts POST in place of PATCH (reference/CONTRACT.md#endpoints); the extract lists only PATCH.
            copy.method = "PATCH"
            key = f"POST-as-PATCH {response.status_code}"
        try:
            self.openapi.validate_response(RequestsOpenAPIRequest(copy), RequestsOpenAPIResponse(response))
        except (ResponseNotFound, OperationNotFound, PathNotFound):
            # The contract wins: e.g. 400 "Problems parsing JSON", 401/403/404 on operations whose extract omits them.
            assert response.status_code >= 400, f"success status {key} for {api_path} is not in the OpenAPI extract"
            name = "validation-error" if response.status_code == 422 else "basic-error"
            body = response.json()
            self.error_validators[name].validate(body)
            assert "message" in body
            CONTRACT_WINS[key] += 1
            return
        except Exception as exc:
            raise AssertionError(f"{prepared.method} {api_path} -> {response.status_code} violates the OpenAPI extract: {exc!r}") from exc
        VALIDATED[key] += 1


@functools.cache
def openapi_checker() -> OpenAPIChecker:
    """One shared checker (building it parses the extract)."""
    return OpenAPIChecker()


@functools.cache
def root_validator() -> OAS30Validator:
    """A validator for the API root document (ghes-3.6 ``components.schemas.root``)."""
    return OAS30Validator(json.loads(ROOT_SCHEMA_PATH.read_text(encoding="utf-8"))["schema"])


def check_root(response: requests.Response) -> None:
    """Validate a ``GET {prefix}/`` answer: the root document on 200, GitHub's basic-error body otherwise."""
    key = f"GET {response.status_code}"
    if response.status_code == 200:
        root_validator().validate(response.json())
    else:
        assert response.status_code == 404, f"GET / answered {response.status_code}"
        openapi_checker().error_validators["basic-error"].validate(response.json())
    ROOT_VALIDATED[key] += 1


class GitHubSession(requests.Session):
    """A requests session bound to the emulator: relative paths, optional auto-OTP, and OpenAPI validation of every response."""

    def __init__(self, base_url: str, prefix: str = "", auth: Optional[tuple[str, str]] = (LOGIN, PASSWORD), otp_secret: Optional[str] = OTP_SECRET) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.prefix = prefix
        self.auth = auth
        self.otp_secret = otp_secret
        self.validate = True

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = str(url)
        if url.startswith("/"):
            url = self.base_url + url
        headers = dict(kwargs.pop("headers", None) or {})
        if self.otp_secret and not any(k.lower() == "x-github-otp" for k in headers):
            headers["X-GitHub-OTP"] = totp_now(self.otp_secret)
        headers = {k: v for k, v in headers.items() if v is not None}
        kwargs.setdefault("timeout", 30)
        return super().request(str(method), url, *args, headers=headers, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = super().send(request, **kwargs)
        path = urlsplit(request.url or "").path
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix) :]
        if self.validate and (path.startswith("/authorizations") or path.startswith("/applications")):
            openapi_checker().check(request, response, path)
        elif self.validate and request.method == "GET" and path in ("", "/"):
            check_root(response)
        return response


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorProcess]:
    """One emulator for the session, in the GHES layout (``--prefix /api/v3``)."""
    proc = EmulatorProcess("--prefix", "/api/v3")
    yield proc
    proc.stop()


@pytest.fixture
def control(emulator: EmulatorProcess) -> Iterator[requests.Session]:
    """A plain session for the control API, after a reset to the demo config."""
    session = requests.Session()
    session.base = emulator.url + "/_emulator"  # type: ignore[attr-defined]
    reply = session.post(emulator.url + "/_emulator/reset", json={"config": DEMO_CONFIG}, timeout=10)
    assert reply.status_code == 200
    yield session
    session.close()


@pytest.fixture
def ctl(emulator: EmulatorProcess, control: requests.Session) -> Any:
    """Helper: ``ctl("POST", "faults", json=...)`` against the control API."""

    def call(method: str, name: str, **kwargs: Any) -> requests.Response:
        return control.request(method, f"{emulator.url}/_emulator/{name}", timeout=10, **kwargs)

    return call


@pytest.fixture
def gh(emulator: EmulatorProcess, control: requests.Session) -> Iterator[GitHubSession]:
    """A validating session as the demo user, sending a fresh TOTP code with each request."""
    del control
    session = GitHubSession(emulator.url, "/api/v3")
    yield session
    session.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the replay counts, how many responses were validated against the OpenAPI extract, and where the contract won."""
    _replay_summary(terminalreporter)
    if VALIDATED or CONTRACT_WINS:
        terminalreporter.write_line(f"OpenAPI: {sum(VALIDATED.values())} responses validated against their operation: {dict(sorted(VALIDATED.items()))}")
        terminalreporter.write_line(
            "OpenAPI: contract wins (status required by reference/CONTRACT.md, not declared for that operation in the extract; "
            f"body validated against basic-error/validation-error): {sum(CONTRACT_WINS.values())}: {dict(sorted(CONTRACT_WINS.items()))}"
        )
    if ROOT_VALIDATED:
        terminalreporter.write_line(
            "API root (GET /, not in the extract): validated against reference/ghes-3.6-root.schema.json (200) or basic-error (404): "
            f"{sum(ROOT_VALIDATED.values())}: {dict(sorted(ROOT_VALIDATED.items()))}"
        )


def _replay_summary(terminalreporter: Any) -> None:
    if not OUTCOMES:
        return
    replayed = [o for o in OUTCOMES if o.status != "skipped"]
    matched = [o for o in replayed if o.status == "matched"]
    skipped = Counter(o.reason for o in OUTCOMES if o.status == "skipped")
    terminalreporter.write_line(
        f"Recordings: {len(OUTCOMES)} files, {len(replayed)} replayed, {len(matched)} matched, "
        f"{sum(skipped.values())} excluded (each asserted, with its reason)"
    )
    for reason, count in sorted(skipped.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"  excluded {count}: {reason}")
    for outcome in replayed:
        if outcome.status != "matched":
            terminalreporter.write_line(f"  MISMATCH {outcome.file}: {outcome.details[:3]}")
