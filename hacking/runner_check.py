"""Run the AWX example under ansible-runner, AWX's own engine, twice over two SSH hosts: changed, then ok; no secret shown.

The hosts are the loopback SSH harness's (tests/integration/targets/setup_sshd/files/loopback_sshd.py: a real sshd on
127.0.0.2 and 127.0.0.3, login oauthkit-ssh, whose system Python has neither requests nor pyotp); starting it needs root.
The emulator serves HTTPS with a throwaway CA, which reaches the modules only through the account credential's CA file.
The private data dir is laid out as AWX lays it out for a job, the credential types' injectors applied by
``check_awx.inject``, AWX's own algorithm:
* ``project/app_token.yml``: the job template's playbook, ``docs/awx/app_token.yml`` (the app_token role on hosts: all);
* ``inventory/hosts``: the harness's two hosts;
* ``env/envvars``: the account credential's env injectors (``docs/awx/credential_type.yml``) rendered with test inputs,
  the CA certificate written to a file in ``env/`` whose path is OAUTHKIT_GITHUB_CA_PATH, plus the collections path;
* ``env/extravars``: the job's extra vars: github_token_path per host (the harness's hosts are one machine, so the
  template's single path would be shared) and github_token_owner; the app credential's extra_vars injectors
  (``docs/awx/app_credential_type.yml``) go to their own file, given as ``-e @file`` in ``env/cmdline``, with
  ``--become`` (the job template's become_enabled) and its forks.
After each ``ansible-runner run``: the runner's status and rc, the play's stats from ``job_events`` (each host changed, then
none), the emulator's requests (one PUT 201 per host, then one PUT 200 per host), and each host's token file (0600,
owned by github_token_owner, the token accepted by GitHub's check, the same in both runs). Every secret (password, seed,
client secret, the tokens, and the two-factor codes of each request's time, computed with pyotp) is looked for in each
run's ``stdout`` and ``job_events/*.json``, what AWX stores and shows. The ``command`` file records the runner's
environment by design (docs/docsite/rst/awx.rst says so); it is not searched, except to prove that the search finds a
secret where one is.
Usage (as root): ``runner_check.py COLLECTIONS_ROOT`` (the directory that holds ``ansible_collections/oauthkit/github``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
import typing as t
from pathlib import Path

import pyotp
import requests
import yaml
from check_awx import inject
from emulator_process import emulator

ROOT = Path(__file__).resolve().parent.parent
AWX = ROOT / "docs" / "awx"
CONFIG = ROOT / "tests" / "runner" / "emulator.yml"
HARNESS = ROOT / "tests" / "integration" / "targets" / "setup_sshd" / "files" / "loopback_sshd.py"
HOSTS = ("h1", "h2")


@dataclasses.dataclass(frozen=True)
class Site:
    """The emulator (URL, CA) and where the hosts keep their tokens (a folder of the login user, the files' owner)."""

    url: str
    ca: Path
    tokens: Path
    owner: str
    app: dict[str, str]


def control(url: str, path: str, ca: Path, method: str = "GET") -> t.Any:
    answer = requests.request(method, f"{url}/_emulator{path}", timeout=10, verify=str(ca))
    answer.raise_for_status()
    return answer.json() if answer.content else None


def token_valid(url: str, app: dict[str, str], token: str, ca: Path) -> bool:
    """GitHub's "check a token", with the app's credentials: 200 for a valid token, 404 for another."""
    answer = requests.post(
        f"{url}/applications/{app['client_id']}/token",
        json={"access_token": token},
        auth=(app["client_id"], app["client_secret"]),
        timeout=10,
        verify=str(ca),
    )
    if answer.status_code not in (200, 404):
        answer.raise_for_status()
    return answer.status_code == 200


def codes_around(seed: str, when: float) -> set[str]:
    """The TOTP codes of the steps before, at and after ``when``, computed by pyotp as the collection computes them."""
    from ansible_collections.oauthkit.github.plugins.module_utils._otp import hmac_equivalent_seed  # noqa: PLC0415

    totp = pyotp.TOTP(hmac_equivalent_seed(seed))
    return {totp.at(when + offset) for offset in (-30, 0, 30)}


def harness(command: str, work: Path, *extra: str) -> dict[str, t.Any]:
    proc = subprocess.run([sys.executable, str(HARNESS), command, "--dir", str(work), *extra], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"loopback_sshd.py {command} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def layout(pdd: Path, site: Site, collections_root: Path, sshd: dict[str, t.Any], user: dict[str, str]) -> None:
    """Write the private data dir as AWX writes it for the job."""
    app = site.app
    job = yaml.safe_load((AWX / "job_template.yml").read_text())
    (pdd / "project").mkdir(parents=True)
    shutil.copy(AWX / job["playbook"], pdd / "project" / job["playbook"])
    (pdd / "inventory").mkdir()
    shutil.copy(sshd["inventory"], pdd / "inventory" / "hosts")
    account = inject(
        yaml.safe_load((AWX / "credential_type.yml").read_text()),
        {"api_url": site.url, "username": user["login"], "password": user["password"], "otp_secret": user["otp_secret"], "ca_cert": site.ca.read_text()},
        pdd,
    )
    app_injected = inject(
        yaml.safe_load((AWX / "app_credential_type.yml").read_text()), {"client_id": app["client_id"], "client_secret": app["client_secret"]}, pdd
    )
    envvars = {**account["env"], "ANSIBLE_COLLECTIONS_PATH": str(collections_root), "ANSIBLE_NOCOLOR": "1"}
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    extravars = {"github_token_path": f"{site.tokens}/{{{{ inventory_hostname }}}}.token", "github_token_owner": site.owner}
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    (pdd / "env" / "cmdline").write_text(shlex.join([*app_injected["args"], "--become", "--forks", str(job.get("forks", 5))]))


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
        **{key: {host: stats.get(key, {}).get(host, 0) for host in HOSTS} for key in ("changed", "ok", "failures", "dark")},
    }
    texts = [(artifacts / "stdout").read_text()] + [json.dumps(event) for event in events]
    return outcome, texts


def check_run(ident: str, wanted: str, outcome: dict[str, t.Any], seen: list[str], app: dict[str, str]) -> list[str]:
    problems = []
    if outcome["status"] != "successful" or outcome["rc"] != "0" or any(outcome["failures"].values()) or any(outcome["dark"].values()):
        problems.append(f"run {ident}: {outcome}")
    changed = [host for host in HOSTS if outcome["changed"][host] > 0]
    if changed != (list(HOSTS) if wanted == "changed" else []):
        problems.append(f"run {ident} should leave every host {wanted}, but changed {changed}: {outcome}")
    status = 201 if wanted == "changed" else 200
    calls = sorted(f"PUT /authorizations/clients/{app['client_id']}/{host} {status}" for host in HOSTS)
    if sorted(seen) != calls:
        problems.append(f"run {ident} sent {seen}, not {calls}")
    return problems


def check_tokens(ident: str, site: Site) -> tuple[list[str], dict[str, str]]:
    problems = []
    held = {}
    owner = site.owner
    for host in HOSTS:
        path = site.tokens / f"{host}.token"
        if not path.is_file():
            problems.append(f"run {ident}: {path} is not on {host}")
            continue
        info = path.stat()
        if info.st_mode & 0o777 != 0o600 or pwd.getpwuid(info.st_uid).pw_name != owner:
            problems.append(f"run {ident}: {path} has mode {info.st_mode & 0o777:04o} and owner {pwd.getpwuid(info.st_uid).pw_name}, not 0600 {owner}")
        held[host] = path.read_text().strip()
        if not token_valid(site.url, site.app, held[host], site.ca):
            problems.append(f"run {ident}: {path} does not hold a valid token")
    return problems, held


def main() -> int:
    collections_root = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(collections_root))
    config = yaml.safe_load(CONFIG.read_text())
    user, app = config["users"][0], {key: config["apps"][0][key] for key in ("client_id", "client_secret")}
    problems: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="oauthkit-runner-sshd-"))  # under /tmp, which sshd's login user can traverse
    tokens = Path("/home") / "oauthkit-ssh" / work.name
    with tempfile.TemporaryDirectory(prefix="oauthkit-runner-") as tmp:
        tls = Path(tmp) / "tls"
        tls.mkdir()
        ca = tls / "ca.pem"
        try:
            sshd = harness("start", work, "--hosts", str(len(HOSTS)))
            owner = pwd.getpwnam(sshd["user"])
            tokens.mkdir(mode=0o700)
            os.chown(tokens, owner.pw_uid, owner.pw_gid)
            with emulator(Path(tmp), "--config", str(CONFIG), "--tls-dir", str(tls)) as url:
                pdd = Path(tmp) / "private_data_dir"
                site = Site(url, ca, tokens, sshd["user"], app)
                layout(pdd, site, collections_root, sshd, user)
                secrets = {user["password"], user["otp_secret"], app["client_secret"]}
                stored: list[dict[str, str]] = []
                for ident, wanted in (("first", "changed"), ("second", "ok")):
                    control(url, "/requests", ca, "DELETE")
                    outcome, texts = run_job(pdd, ident)
                    log = control(url, "/requests", ca)
                    seen = [f"{entry['method']} {entry['path']} {entry['status']}" for entry in log]
                    for entry in log:
                        if entry.get("otp_sent"):
                            secrets |= codes_around(user["otp_secret"], entry["time"])
                    problems += check_run(ident, wanted, outcome, seen, app)
                    found_problems, held = check_tokens(ident, site)
                    problems += found_problems
                    stored.append(held)
                    secrets |= set(held.values())
                    found = leaked(secrets, texts)
                    if found:
                        problems.append(f"run {ident}: {', '.join(found)} is in stdout or job_events")
                    # The same search does find a secret where one is: the runner's command file records the environment.
                    if not leaked({user["password"]}, [(pdd / "artifacts" / ident / "command").read_text()]):
                        problems.append(f"run {ident}: the password is not in the command file, so the guide's warning or this search is wrong")
                    print(
                        f"run {ident}: {outcome['status']}, changed={outcome['changed']} ok={outcome['ok']}, requests {sorted(seen)}, "
                        f"tokens on {sorted(held)}, {len(texts) - 1} job events searched for {len(secrets)} secrets"
                    )
                if len(stored) == 2 and stored[0] != stored[1]:
                    problems.append("the second run replaced a stored token")
        finally:
            harness("stop", work)
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(tokens, ignore_errors=True)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("ansible-runner job over 2 SSH hosts: changed, then ok; injectors applied as AWX applies them; no secret in stdout or job_events")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
