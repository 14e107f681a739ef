"""Like a real GitHub Enterprise Server host: the API root document, ``X-GitHub-Enterprise-Version`` on every API
answer, and HTML (the web UI) outside the API prefix; and like github.com with ``--removed``: none of these.

GitHub's docs: "The current version of your enterprise is returned in the REST API response header
X-GitHub-Enterprise-Version" (GHES REST docs, "Version information"); github/docs renders the header's value as the
release followed by ``.0``, e.g. ``3.9.0``. The root document's keys are ghes-3.6 ``components.schemas.root``
(reference/ghes-3.6-root.schema.json, validated by conftest.GitHubSession).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import CLIENT_ID, CLIENT_SECRET, EMULATOR_DIR, ROOT_SCHEMA_PATH, EmulatorProcess, GitHubSession
from github_emulator.config import DEMO_CONFIG

HEADER = "X-GitHub-Enterprise-Version"
PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
BODY = {"client_secret": CLIENT_SECRET}
ROOT_KEYS = json.loads(ROOT_SCHEMA_PATH.read_text(encoding="utf-8"))["schema"]["required"]


def test_enterprise_header_on_success_and_error_answers(gh: GitHubSession, emulator: EmulatorProcess, ctl: Any) -> None:
    anonymous = GitHubSession(emulator.url, "/api/v3", auth=None, otp_secret=None)
    answers = {
        "201 created": gh.put(PUT_PATH, json=BODY),
        "200 existing": gh.put(PUT_PATH, json=BODY),
        "401 no credentials": anonymous.get("/authorizations"),
        "401 OTP challenge": GitHubSession(emulator.url, "/api/v3", otp_secret=None).get("/authorizations"),
        "404 unknown path": gh.get("/nothing-here"),
        "422 validation": gh.post("/authorizations", json={}),
        "400 bad JSON": gh.put(PUT_PATH, data=b"{", headers={"Content-Type": "application/json"}),
        "200 root": anonymous.get("/"),
    }
    ctl("POST", "faults", json={"kind": "status", "status": 502})
    gh.validate = False  # 502 is not in the extract
    answers["502 fault"] = gh.get("/authorizations")
    for name, reply in answers.items():
        assert reply.status_code == int(name.split()[0]), name
        assert reply.headers[HEADER] == "3.9.0", name


def test_api_root_document(emulator: EmulatorProcess, control: Any) -> None:
    del control
    session = GitHubSession(emulator.url, "/api/v3", auth=None, otp_secret=None)
    base = emulator.url  # http://127.0.0.1:PORT/api/v3
    web = base[: -len("/api/v3")]
    with_slash = session.get("/")
    without_slash = session.get(base)  # GET {prefix} without the trailing slash
    for reply in (with_slash, without_slash):
        assert reply.status_code == 200
        assert reply.headers["Content-Type"].startswith("application/json")
        document = reply.json()
        assert list(document) == ROOT_KEYS
        assert document["current_user_url"] == f"{base}/user"
        assert document["authorizations_url"] == f"{base}/authorizations"
        assert document["user_url"] == f"{base}/users/{{user}}"
        assert document["current_user_authorizations_html_url"] == f"{web}/settings/connections/applications{{/client_id}}"
        assert all(value.startswith(web + "/") for value in document.values())
    # The URLs follow the Host the client asked for, as a server behind a DNS name would answer.
    named = session.get("/", headers={"Host": "ghe.example.test:8443"}).json()
    assert named["authorizations_url"] == "http://ghe.example.test:8443/api/v3/authorizations"
    assert named["current_user_authorizations_html_url"].startswith("http://ghe.example.test:8443/settings/")


def test_root_without_prefix_is_at_slash() -> None:
    proc = EmulatorProcess()
    try:
        reply = GitHubSession(proc.url, auth=None, otp_secret=None).get("/")
        assert reply.status_code == 200
        assert reply.json()["authorizations_url"] == f"{proc.url}/authorizations"
        assert reply.headers[HEADER] == "3.9.0"
    finally:
        proc.stop()


def test_removed_has_neither_root_nor_header() -> None:
    proc = EmulatorProcess("--prefix", "/api/v3", "--removed", "--enterprise-version", "3.12.1")
    try:
        gh = GitHubSession(proc.url, "/api/v3")
        root = gh.get("/")
        assert root.status_code == 404
        assert root.json()["message"] == "Not Found"
        removed = gh.put(PUT_PATH, json=BODY)
        assert removed.json() == root.json()  # the same GitHub-style 404 as the removed endpoints
        answers = [root, removed, gh.get(proc.url), gh.get("/user"), gh.get("/nothing-here"), requests.get(proc.url + "/_emulator/health", timeout=5)]
        assert [reply.status_code for reply in answers] == [404, 404, 404, 200, 404, 200]
        assert not [reply for reply in answers if HEADER in reply.headers]
        # Back to GHES at runtime: both come back, with the configured version.
        requests.post(proc.url + "/_emulator/removed", json={"removed": False}, timeout=5)
        assert gh.get("/").headers[HEADER] == "3.12.1"
        assert gh.put(PUT_PATH, json=BODY).headers[HEADER] == "3.12.1"
    finally:
        proc.stop()


def test_removed_toggle_drops_the_header(gh: GitHubSession, ctl: Any) -> None:
    ctl("POST", "removed", json={"removed": True})
    for reply in (gh.get("/"), gh.get("/authorizations"), gh.get("/user")):
        assert HEADER not in reply.headers
    ctl("POST", "removed", json={"removed": False})
    assert gh.get("/user").headers[HEADER] == "3.9.0"


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "PATCH", "DELETE"])
def test_html_outside_the_prefix(emulator: EmulatorProcess, control: Any, method: str) -> None:
    """A client whose api_url lacks /api/v3 reaches the web UI: HTML, 404, and nothing is created or logged."""
    del control
    host = emulator.url[: -len("/api/v3")]
    reply = requests.request(method, f"{host}{PUT_PATH}", json=BODY, auth=("octocat", "x"), timeout=5)
    assert reply.status_code == 404
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.text.lstrip().lower().startswith("<!doctype html")
    assert HEADER not in reply.headers
    with pytest.raises(ValueError):
        reply.json()
    assert requests.get(emulator.url + "/_emulator/requests", timeout=5).json() == []
    assert requests.get(emulator.url + "/_emulator/authorizations", timeout=5).json() == []


def test_html_home_page_outside_the_prefix(emulator: EmulatorProcess) -> None:
    host = emulator.url[: -len("/api/v3")]
    home = requests.get(host + "/", timeout=5)
    assert home.status_code == 200
    assert home.headers["Content-Type"] == "text/html; charset=utf-8"
    assert emulator.url + "/" in home.text
    for path in ("/api", "/api/v3x", "/user", "/_emulator/health"):
        reply = requests.get(host + path, timeout=5)
        assert (reply.status_code, reply.headers["Content-Type"].split(";")[0]) == (404, "text/html"), path


def test_enterprise_version_from_config(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**DEMO_CONFIG, "enterprise_version": "3.14.2"}))
    proc = EmulatorProcess("--config", str(config))
    try:
        assert GitHubSession(proc.url, auth=None, otp_secret=None).get("/").headers[HEADER] == "3.14.2"
        # The command line wins over the config, also after a reset with a new config.
        requests.post(proc.url + "/_emulator/reset", json={"config": {**DEMO_CONFIG, "enterprise_version": "3.10.0"}}, timeout=5)
        assert GitHubSession(proc.url, auth=None, otp_secret=None).get("/").headers[HEADER] == "3.10.0"
    finally:
        proc.stop()
    flagged = EmulatorProcess("--config", str(config), "--enterprise-version", "3.11.4")
    try:
        requests.post(flagged.url + "/_emulator/reset", json={"config": {**DEMO_CONFIG, "enterprise_version": "3.10.0"}}, timeout=5)
        assert GitHubSession(flagged.url, auth=None, otp_secret=None).get("/").headers[HEADER] == "3.11.4"
    finally:
        flagged.stop()


@pytest.mark.parametrize("args", [["--enterprise-version", "3.9"], ["--enterprise-version", "GitHub AE"]])
def test_bad_enterprise_version_exits_2(args: list[str]) -> None:
    command = [sys.executable, "-m", "github_emulator", "--port", "0", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False, cwd=EMULATOR_DIR)
    assert result.returncode == 2
    assert "enterprise_version must be a version like 3.9.0" in result.stderr
