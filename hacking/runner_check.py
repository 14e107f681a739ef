"""Run the AWX example under ansible-runner, AWX's own engine, twice against the emulator: changed, then ok; no secret shown.

The private data dir is laid out as AWX lays it out for a job:
* ``project/app_token.yml``: the job template's playbook, ``docs/awx/app_token.yml`` (which uses the app_token role);
* ``inventory/hosts``: one host, run with a local connection;
* ``env/envvars``: the account credential's env injectors (``docs/awx/credential_type.yml``), rendered with test inputs,
  plus the collections path;
* ``env/extravars``: the job's extra vars; the app credential's extra_vars injectors (``docs/awx/app_credential_type.yml``)
  go to their own file, given as ``-e @file`` in ``env/cmdline``.
After each ``ansible-runner run``: the runner's status and rc, the play's stats from ``job_events`` (changed, then none
changed), the emulator's requests (one PUT 201, then one PUT 200), and the token file, whose token GitHub's check accepts.
Then every secret (password, seed, client secret, the token, and the two-factor codes of each request's time, from the
emulator's log) is looked for in each run's ``stdout`` and ``job_events/*.json``, what AWX stores and shows.
The ``command`` file records the runner's environment by design (docs/docsite/rst/awx.rst says so); it is not searched.
Usage: ``runner_check.py COLLECTIONS_ROOT`` (the directory that holds ``ansible_collections/oauthkit/github``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import typing as t
from pathlib import Path

import jinja2
import jinja2.sandbox
import requests
import yaml
from emulator_process import emulator

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "runner" / "emulator.yml"
HOST = "runner-host"


def render(injectors: dict[str, str], inputs: dict[str, str]) -> dict[str, str]:
    """Render a credential type's injector templates as AWX does (Jinja2), with the credential's inputs."""
    env = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    return {key: env.from_string(template).render(**inputs) for key, template in injectors.items()}


def codes_around(seed: str, when: float) -> set[str]:
    """The six-digit TOTP codes (RFC 6238, SHA-1, 30 s) of the steps before, at and after ``when``."""
    key = base64.b32decode(seed.upper() + "=" * (-len(seed) % 8))
    found = set()
    for step in (int(when) // 30 - 1, int(when) // 30, int(when) // 30 + 1):
        digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
        offset = digest[-1] & 0x0F
        found.add(f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}")
    return found


def control(url: str, path: str, method: str = "GET") -> t.Any:
    answer = requests.request(method, f"{url}/_emulator{path}", timeout=10)
    answer.raise_for_status()
    return answer.json() if answer.content else None


def token_valid(url: str, app: dict[str, str], token: str) -> bool:
    """GitHub's "check a token", with the app's credentials: 200 for a valid token, 404 for another."""
    answer = requests.post(f"{url}/applications/{app['client_id']}/token", json={"access_token": token},
                           auth=(app["client_id"], app["client_secret"]), timeout=10)
    if answer.status_code not in (200, 404):
        answer.raise_for_status()
    return answer.status_code == 200


def layout(pdd: Path, url: str, collections_root: Path, user: dict[str, str], app: dict[str, str]) -> Path:
    """Write the private data dir; return the token file's path."""
    account = yaml.safe_load((ROOT / "docs" / "awx" / "credential_type.yml").read_text())
    app_type = yaml.safe_load((ROOT / "docs" / "awx" / "app_credential_type.yml").read_text())
    (pdd / "project").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "awx" / "app_token.yml", pdd / "project" / "app_token.yml")
    (pdd / "inventory").mkdir()
    (pdd / "inventory" / "hosts").write_text(f"{HOST} ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (pdd / "env").mkdir()
    envvars = render(account["injectors"]["env"], {"api_url": url, "username": user["login"], "password": user["password"],
                                                   "otp_secret": user["otp_secret"]})
    envvars.update({"ANSIBLE_COLLECTIONS_PATH": str(collections_root), "ANSIBLE_NOCOLOR": "1"})
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    token_path = pdd / "tokens" / f"{HOST}.token"
    token_path.parent.mkdir()
    (pdd / "env" / "extravars").write_text(yaml.safe_dump({"github_token_path": str(token_path)}))
    credential_vars = pdd / "env" / "credential_extra_vars.yml"
    credential_vars.write_text(yaml.safe_dump(render(app_type["injectors"]["extra_vars"], app)))
    credential_vars.chmod(0o600)
    (pdd / "env" / "cmdline").write_text(f"-e @{credential_vars}")
    return token_path


def leaked(secrets: set[str], texts: list[str]) -> list[str]:
    """Which secrets (named by length, never shown) appear in any of the texts."""
    return sorted({f"a secret of length {len(secret)}" for secret in secrets if secret and any(secret in text for text in texts)})


def run_job(pdd: Path, ident: str) -> tuple[dict[str, t.Any], list[str]]:
    """ansible-runner run; the outcome and the texts AWX stores (stdout, job events)."""
    subprocess.run(["ansible-runner", "run", str(pdd), "-p", "app_token.yml", "--ident", ident], capture_output=True, check=False)
    artifacts = pdd / "artifacts" / ident
    events = [json.loads(path.read_text()) for path in sorted((artifacts / "job_events").glob("*.json"))]
    stats = next((event["event_data"] for event in events if event.get("event") == "playbook_on_stats"), {})
    outcome = {
        "status": (artifacts / "status").read_text().strip() if (artifacts / "status").exists() else "missing",
        "rc": (artifacts / "rc").read_text().strip() if (artifacts / "rc").exists() else "missing",
        "changed": stats.get("changed", {}).get(HOST, 0),
        "ok": stats.get("ok", {}).get(HOST, 0),
        "failures": stats.get("failures", {}).get(HOST, 0),
    }
    texts = [(artifacts / "stdout").read_text()] + [json.dumps(event) for event in events]
    return outcome, texts


def main() -> int:
    collections_root = Path(sys.argv[1]).resolve()
    config = yaml.safe_load(CONFIG.read_text())
    user, app = config["users"][0], {key: config["apps"][0][key] for key in ("client_id", "client_secret")}
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="oauthkit-runner-") as tmp, emulator(Path(tmp), "--config", str(CONFIG)) as url:
        pdd = Path(tmp) / "private_data_dir"
        token_path = layout(pdd, url, collections_root, user, app)
        secrets = {user["password"], user["otp_secret"], app["client_secret"]}
        expected = {"first": ("changed", ["PUT 201"]), "second": ("ok", ["PUT 200"])}
        stored: list[str] = []
        for ident, (wanted, calls) in expected.items():
            control(url, "/requests", "DELETE")
            outcome, texts = run_job(pdd, ident)
            log = control(url, "/requests")
            seen = [f"{entry['method']} {entry['status']}" for entry in log]
            for entry in log:
                if entry.get("otp_sent"):
                    secrets |= codes_around(user["otp_secret"], entry["time"])
            if outcome["status"] != "successful" or outcome["rc"] != "0" or outcome["failures"]:
                problems.append(f"run {ident}: {outcome}; see {pdd / 'artifacts' / ident / 'stdout'}")
            if (outcome["changed"] > 0) != (wanted == "changed"):
                problems.append(f"run {ident} should be {wanted}: {outcome}")
            if seen != calls:
                problems.append(f"run {ident} sent {seen}, not {calls}")
            token = token_path.read_text().strip() if token_path.exists() else ""
            if not token or not token_valid(url, app, token):
                problems.append(f"run {ident}: {token_path} does not hold a valid token")
            stored.append(token)
            secrets.add(token)
            found = leaked(secrets, texts)
            if found:
                problems.append(f"run {ident}: {', '.join(found)} is in stdout or job_events")
            # The same search does find a secret where one is: the runner's command file records the environment.
            if not leaked({user["password"]}, [(pdd / "artifacts" / ident / "command").read_text()]):
                problems.append(f"run {ident}: the password is not in the command file, so the guide's warning or this search is wrong")
            print(f"run {ident}: {outcome['status']}, changed={outcome['changed']} ok={outcome['ok']}, requests {seen}, "
                  f"{len(texts) - 1} job events searched for {len(secrets)} secrets")
        if len(set(stored)) != 1:
            problems.append("the second run replaced the stored token")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
