"""The seed's own client, @octokit/rest 16.43.2 (pinned in node/package-lock.json), against a live emulator.

The Makefile runs ``npm ci --prefix tests/emulator/node`` first; without node_modules this test fails on purpose.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from typing import Any

from conftest import CLIENT_ID, CLIENT_SECRET, EMULATOR_DIR, LOGIN, PASSWORD, EmulatorProcess, totp_now

NODE_DIR = EMULATOR_DIR / "node"
FINGERPRINT = "node host/1"


def test_octokit_rest_get_or_create(emulator: EmulatorProcess, ctl: Any) -> None:
    node = shutil.which("node")
    assert node is not None, "node is not on PATH"
    assert (NODE_DIR / "node_modules" / "@octokit" / "rest").is_dir(), "run: npm ci --prefix tests/emulator/node"
    env = dict(os.environ)
    env.update(
        {
            "EMULATOR_URL": emulator.url,
            "GITHUB_USERNAME": LOGIN,
            "GITHUB_PASSWORD": PASSWORD,
            "GITHUB_OTP": totp_now(),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "FINGERPRINT": FINGERPRINT,
        }
    )
    result = subprocess.run([node, str(NODE_DIR / "client_test.js")], capture_output=True, text=True, env=env, timeout=60, check=False, cwd=NODE_DIR)
    assert result.returncode == 0, result.stderr
    calls = json.loads(result.stdout)
    assert [(c["name"], c["status"]) for c in calls] == [("app", 201), ("app", 200), ("fingerprint", 201), ("fingerprint", 200)]
    for created, existing in (calls[0:2], calls[2:4]):
        token = created["token"]
        assert len(token) == 40
        assert created["hashed_token"] == hashlib.sha256(token.encode()).hexdigest()
        assert created["location"].endswith(f"/api/v3/authorizations/{created['id']}")
        assert existing["token"] == ""
        assert existing["location"] is None
        assert existing["id"] == created["id"]
        assert existing["hashed_token"] == created["hashed_token"]
    assert calls[2]["fingerprint"] == FINGERPRINT
    log = ctl("GET", "requests").json()
    assert len(log) == 4
    assert all(entry["otp_sent"] for entry in log)
    assert log[2]["path"] == f"/authorizations/clients/{CLIENT_ID}/{FINGERPRINT}"
