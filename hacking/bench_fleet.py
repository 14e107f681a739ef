"""``make bench``, where a run's items go: one host's loop, a fleet of local hosts, or a fleet of hosts over loopback SSH.

A ``loop`` runs its items one after the other on its host; ``forks`` parallelises hosts.  So a fleet is one item per
host, run by one ``ansible-playbook --forks FORKS`` over group ``fleet``: the local fleet is a generated inventory of
local-connection hosts ``fleet-000``, ``fleet-001``, ...; the SSH fleet is the hosts h1, h2, ... of the loopback SSH
harness (``tests/integration/targets/setup_sshd/files/loopback_sshd.py``: one real sshd, the same machine and login
user behind every host), its inventory plus ours naming each host's item and token file.  After a run every host must
appear in the play recap, ok and neither failed nor unreachable, and the emulator must have logged exactly one request
per item, to that item's own path.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import typing as t
from pathlib import Path

from bench_model import client_id

FORKS = 10  # ansible-playbook --forks for every fleet run
GROUP = "fleet"  # must match ``hosts:`` in tests/bench/fleet_*.yml
SSHD_SCRIPT = Path(__file__).resolve().parent.parent / "tests" / "integration" / "targets" / "setup_sshd" / "files" / "loopback_sshd.py"
SSH_USER = "oauthkit-ssh"  # the harness's login user, on every host
SSH_TOKEN_DIR = Path("/home") / SSH_USER / "bench"  # each host's token file: <host>.token (all hosts are this machine)
SSHD_TIMEOUT = 120.0  # seconds for the harness to start or stop
HOST_RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Hosts:
    """The hosts of one run: their names (as the recap shows them), the ansible-playbook arguments that give them, and each
    item's token file (item i is the i-th host's in a fleet); ``uid``/``gid``: who owns the token files on an SSH host."""

    names: tuple[str, ...]
    args: tuple[str, ...]
    token_paths: tuple[Path, ...]
    uid: int | None = None
    gid: int | None = None


def host_name(item: int) -> str:
    return f"{GROUP}-{item:03d}"


def loop_hosts(work: Path, n: int) -> Hosts:
    """localhost (the playbooks say ``connection: local``) looping over n items, item i's token in ``work/tokens/<i>.token``."""
    return Hosts(("localhost",), (), tuple(token_file(work, item) for item in range(n)))


def token_file(work: Path, item: int) -> Path:
    """Must match ``token_path: "{{ bench_token_dir }}/{{ item }}.token"`` in tests/bench/custody.yml."""
    return work / "tokens" / f"{item}.token"


def inventory(names: list[str], token_paths: list[Path], group_vars: dict[str, t.Any]) -> dict[str, t.Any]:
    """Group ``fleet`` (YAML inventory plugin layout): host i has ``bench_item: i`` and ``bench_token_path``."""
    hosts = {name: {"bench_item": item, "bench_token_path": str(path)} for item, (name, path) in enumerate(zip(names, token_paths, strict=True))}
    return {GROUP: {"hosts": hosts, **({"vars": group_vars} if group_vars else {})}}


def write_json(path: Path, data: dict[str, t.Any]) -> Path:
    """Write an inventory as JSON (which the YAML inventory plugin reads from a ``.json`` file); return ``path``."""
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


def local_fleet(work: Path, n: int) -> Hosts:
    """n local-connection hosts ``fleet-NNN`` (the venv's Python), each with its own item and token file."""
    names = [host_name(item) for item in range(n)]
    paths = [token_file(work, item) for item in range(n)]
    source = write_json(work / "fleet-inventory.json", inventory(names, paths, {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}))
    return Hosts(tuple(names), ("--inventory", str(source), "--forks", str(FORKS)), tuple(paths))


def ssh_fleet(work: Path, n: int, sshd: dict[str, t.Any]) -> Hosts:
    """The first n hosts of the harness (its inventory.ini gives the connection), each with its own item and token file."""
    names = [f"h{index}" for index in range(1, n + 1)]
    paths = [SSH_TOKEN_DIR / f"{name}.token" for name in names]
    source = write_json(work / "ssh-inventory.json", inventory(names, paths, {}))
    user = pwd.getpwnam(sshd["user"])
    return Hosts(tuple(names), ("--inventory", sshd["inventory"], "--inventory", str(source), "--forks", str(FORKS)),
                 tuple(paths), user.pw_uid, user.pw_gid)


@contextlib.contextmanager
def loopback_sshd(hosts: int) -> t.Iterator[dict[str, t.Any]]:
    """The harness's sshd for hosts h1..h<hosts> (needs root); stopped, and its folder and the token folder removed, whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix="oauthkit-bench-sshd-"))  # under /tmp: sshd must reach its authorized_keys as the login user
    try:
        started = subprocess.run([sys.executable, str(SSHD_SCRIPT), "start", "--dir", str(folder), "--hosts", str(hosts)],
                                 capture_output=True, text=True, check=False, timeout=SSHD_TIMEOUT)
        if started.returncode != 0:
            raise SystemExit(f"the loopback SSH server did not start (make bench runs it as root; `make sshd` installs it; "
                             f"--ssh-hosts 0 skips the SSH case): {started.stderr.strip() or started.stdout.strip()}")
        yield json.loads(started.stdout)
    finally:
        stopped = subprocess.run([sys.executable, str(SSHD_SCRIPT), "stop", "--dir", str(folder)], capture_output=True, text=True, check=False,
                                 timeout=SSHD_TIMEOUT)
        shutil.rmtree(SSH_TOKEN_DIR, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        if stopped.returncode != 0:
            print(f"warning: stopping the loopback SSH server failed: {stopped.stderr.strip()}", file=sys.stderr, flush=True)


def close_masters(control_dir: Path) -> None:
    """End the SSH ControlPersist masters a run left in its own control folder, so that the next run connects afresh."""
    for socket in sorted(control_dir.glob("*")) if control_dir.is_dir() else []:
        subprocess.run(["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "bench"], capture_output=True, check=False, timeout=30)


def put_path(item: int) -> str:
    """The API path of item ``item``'s PUT, as the emulator logs it (without the ``/api/v3`` prefix)."""
    return f"/authorizations/clients/{client_id(item)}/bench-{item}"


def check_paths(label: str, requests: list[dict[str, t.Any]], hosts: int) -> None:
    """Raise SystemExit unless the log holds exactly one request to each item's path and none to any other."""
    counts = collections.Counter(str(entry.get("path")) for entry in requests)
    wanted = {put_path(item) for item in range(hosts)}
    problems = []
    if twice := sorted(path for path, count in counts.items() if path in wanted and count > 1):
        problems.append(f"more than once {len(twice)} (first {twice[0]})")
    if missing := sorted(wanted - counts.keys()):
        problems.append(f"missing {len(missing)} (first {missing[0]})")
    if other := sorted(counts.keys() - wanted):
        problems.append(f"other paths {len(other)} (first {other[0]})")
    if problems:
        raise SystemExit(f"{label}: expected one request to each of the {hosts} items' paths; {', '.join(problems)}")


def check_recap(label: str, output: str, names: t.Sequence[str], changed: bool) -> None:
    """Raise SystemExit unless the play recap lists exactly these hosts, each ok=1, changed=1 when ``changed`` (else 0),
    unreachable=0 and failed=0."""
    recap = {match.group(1): match.groups()[1:] for match in HOST_RECAP.finditer(output)}
    want = ("1", "1" if changed else "0", "0", "0")
    problems = []
    if missing := sorted(set(names) - recap.keys()):
        problems.append(f"missing {len(missing)} (first {missing[0]})")
    if other := sorted(recap.keys() - set(names)):
        problems.append(f"other hosts {len(other)} (first {other[0]})")
    if wrong := sorted(name for name in set(names) & recap.keys() if recap[name] != want):
        ok, changes, unreachable, failed = recap[wrong[0]]
        problems.append(f"{len(wrong)} otherwise (first {wrong[0]}: ok={ok} changed={changes} unreachable={unreachable} failed={failed})")
    if problems:
        raise SystemExit(f"{label}: expected each of the {len(names)} hosts in the recap with ok=1 changed={want[1]} unreachable=0 failed=0;"
                         f" {', '.join(problems)}")
