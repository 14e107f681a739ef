"""The command line: readiness line, prefix, --removed, --tls-dir, --state, --config, signals, running without install."""

from __future__ import annotations

import json
import os
import signal
import site
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from conftest import CLIENT_ID, CLIENT_SECRET, EMULATOR_DIR, LOGIN, PASSWORD, READY_PREFIX, EmulatorProcess, GitHubSession

BODY = {"client_secret": CLIENT_SECRET}


def test_readiness_line_and_no_prefix() -> None:
    proc = EmulatorProcess()
    try:
        assert proc.ready_line.startswith(READY_PREFIX + "http://127.0.0.1:")
        assert proc.ready_line.endswith("\n")
        gh = GitHubSession(proc.url)
        assert gh.put(f"/authorizations/clients/{CLIENT_ID}", json=BODY).status_code == 201
        assert requests.get(proc.url + "/api/v3/authorizations", timeout=5).status_code == 404
    finally:
        assert proc.stop(signal.SIGTERM) == 0


def test_prefix_layout_and_sigint(emulator: EmulatorProcess) -> None:
    assert emulator.url.endswith("/api/v3")
    proc = EmulatorProcess("--prefix", "api/v3/")
    try:
        assert proc.url.endswith("/api/v3")
        assert requests.get(proc.url.replace("/api/v3", "") + "/authorizations", timeout=5).status_code == 404
        assert requests.post(proc.url + "/_emulator/reset", timeout=5).status_code == 200
    finally:
        assert proc.stop(signal.SIGINT) == 0


def test_removed_flag() -> None:
    proc = EmulatorProcess("--removed")
    try:
        gh = GitHubSession(proc.url)
        reply = gh.put(f"/authorizations/clients/{CLIENT_ID}", json=BODY)
        assert reply.status_code == 404
        assert reply.json()["message"] == "Not Found"
        assert gh.get("/user").status_code == 200
        requests.post(proc.url + "/_emulator/removed", json={"removed": False}, timeout=5)
        assert gh.put(f"/authorizations/clients/{CLIENT_ID}", json=BODY).status_code == 201
    finally:
        proc.stop()


def test_tls_dir(tmp_path: Path) -> None:
    proc = EmulatorProcess("--tls-dir", str(tmp_path / "tls"), "--prefix", "/api/v3")
    try:
        assert proc.url.startswith("https://127.0.0.1:")
        ca = tmp_path / "tls" / "ca.pem"
        assert ca.read_text().startswith("-----BEGIN CERTIFICATE-----")
        gh = GitHubSession(proc.url, "/api/v3")
        # verify per request: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a session-level verify.
        assert gh.put(f"/authorizations/clients/{CLIENT_ID}", json=BODY, verify=str(ca)).status_code == 201
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(proc.url + "/authorizations", timeout=5)
        context = ssl.create_default_context(cafile=str(ca))
        assert context.cert_store_stats()["x509_ca"] == 1
    finally:
        proc.stop()


def test_state_persists_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = EmulatorProcess("--state", str(state))
    try:
        created = GitHubSession(first.url).put(f"/authorizations/clients/{CLIENT_ID}/box", json={**BODY, "scopes": ["repo"]})
        assert created.status_code == 201
    finally:
        first.stop()
    saved = state.read_text()
    token = created.json()["token"]
    assert token not in saved  # tokens are stored only as hashes
    assert created.json()["hashed_token"] in saved
    assert not [p for p in tmp_path.iterdir() if p.name != "state.json"]  # no temporary files left behind
    second = EmulatorProcess("--state", str(state))
    try:
        again = GitHubSession(second.url).put(f"/authorizations/clients/{CLIENT_ID}/box", json=BODY)
        assert again.status_code == 200
        assert again.json()["id"] == created.json()["id"]
        assert again.json()["scopes"] == ["repo"]
        fresh = GitHubSession(second.url).put(f"/authorizations/clients/{CLIENT_ID}/other", json=BODY)
        assert fresh.json()["id"] > created.json()["id"]
    finally:
        second.stop()


def test_config_file_yaml_and_json(tmp_path: Path) -> None:
    yaml_config = tmp_path / "config.yml"
    yaml_config.write_text(
        "users:\n"
        "  - login: hubot\n"
        "    password: s3cret\n"
        "    two_factor: none\n"
        "apps:\n"
        f"  - client_id: {CLIENT_ID}\n"
        f"    client_secret: {CLIENT_SECRET}\n"
        "    name: Other\n"
        "    url: https://example.com/other\n"
        "authorizations:\n"
        "  - user: hubot\n"
        f"    client_id: {CLIENT_ID}\n"
        "    fingerprint: null\n"
        "    scopes: [gist]\n"
        "    note: seeded\n"
        "    note_url: null\n"
        "lockout_after: 2\n"
    )
    proc = EmulatorProcess("--config", str(yaml_config))
    try:
        gh = GitHubSession(proc.url, auth=("hubot", "s3cret"), otp_secret=None)
        reply = gh.put(f"/authorizations/clients/{CLIENT_ID}", json=BODY)
        assert reply.status_code == 200
        assert reply.json()["app"]["name"] == "Other"
        bad = GitHubSession(proc.url, auth=("hubot", "nope"), otp_secret=None)
        assert [bad.get("/authorizations").status_code for _attempt in range(3)] == [401, 401, 403]
    finally:
        proc.stop()
    json_config = tmp_path / "config.json"
    json_config.write_text(json.dumps({"users": [{"login": "a", "password": "b"}], "apps": []}))
    proc = EmulatorProcess("--config", str(json_config))
    try:
        assert GitHubSession(proc.url, auth=("a", "b"), otp_secret=None).get("/authorizations").json() == []
    finally:
        proc.stop()


def test_bad_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.yml"
    config.write_text("apps:\n  - client_id: short\n    client_secret: x\n    name: n\n    url: u\n")
    result = subprocess.run(
        [sys.executable, "-m", "github_emulator", "--port", "0", "--config", str(config)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    assert "client_id must be 20 characters" in result.stderr
    assert result.stdout == ""


def test_runs_from_pythonpath_without_install(tmp_path: Path) -> None:
    # -S skips site-packages (and so the editable install); PYTHONPATH gives the package dir and the dependencies only.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(EMULATOR_DIR), *site.getsitepackages()])
    proc = subprocess.Popen(
        [sys.executable, "-S", "-c", "import github_emulator, sys; print(github_emulator.__file__, flush=True); sys.exit(0)"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    out = proc.communicate(timeout=30)[0]
    assert out.strip() == str(EMULATOR_DIR / "github_emulator" / "__init__.py")
    started = EmulatorProcess(env=env, python_flags=("-S",), cwd=tmp_path)
    try:
        assert GitHubSession(started.url, auth=(LOGIN, PASSWORD)).get("/authorizations").status_code == 200
    finally:
        started.stop()


def test_state_file_of_another_version_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = EmulatorProcess("--state", str(state))
    first.stop()
    saved = json.loads(state.read_text())
    assert saved["version"] == 1
    state.write_text(json.dumps({**saved, "version": 99}))
    result = subprocess.run(
        [sys.executable, "-m", "github_emulator", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=EMULATOR_DIR,
    )
    assert result.returncode == 2
    assert "has version 99; this emulator reads version 1" in result.stderr
    assert result.stdout == ""


def test_every_answer_closes_the_connection(emulator: EmulatorProcess, gh: GitHubSession) -> None:
    # server.build_server's docstring: HTTP/1.1 answers, but no keep-alive.
    for reply in (
        gh.put(f"/authorizations/clients/{CLIENT_ID}", json=BODY),
        gh.get("/nothing-here"),
        requests.get(emulator.url + "/_emulator/health", timeout=5),
    ):
        assert reply.raw.version == 11
        assert reply.headers["Connection"] == "close"
