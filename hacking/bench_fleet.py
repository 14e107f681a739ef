"""``make bench``, the fleet case: one item per host of a generated inventory, the hosts run in parallel (``--forks``).

A ``loop`` runs its items one after the other on its host; ``forks`` parallelises hosts.  So the fleet is an
inventory of local-connection hosts ``fleet-000``, ``fleet-001``, ... (group ``fleet``), each with its own item
``bench_item`` (its app and fingerprint ``bench-<item>``, as in the loop variants), run by one ``ansible-playbook
--forks FORKS`` process.  After a run every host must appear in the play recap, ok and neither failed nor unreachable,
and the emulator must have logged exactly one PUT per item, to that item's own path.
"""

from __future__ import annotations

import collections
import json
import re
import typing as t
from pathlib import Path

from bench_model import client_id

FORKS = 10  # ansible-playbook --forks for every fleet run
HOSTS = 500  # hosts (one item each) in the fleet of a full run
QUICK_HOSTS = 20  # in --quick runs
GROUP = "fleet"  # must match ``hosts:`` in tests/bench/fleet_*.yml
HOST_RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def host_name(item: int) -> str:
    return f"{GROUP}-{item:03d}"


def inventory(hosts: int, python: str) -> dict[str, t.Any]:
    """The fleet's inventory (YAML inventory plugin layout): ``hosts`` local hosts, host ``fleet-NNN`` with ``bench_item: NNN``."""
    return {
        GROUP: {
            "hosts": {host_name(item): {"bench_item": item} for item in range(hosts)},
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": python},
        }
    }


def write_inventory(path: Path, hosts: int, python: str) -> Path:
    """Write the inventory as JSON (which the YAML inventory plugin reads from a ``.json`` file); return ``path``."""
    path.write_text(json.dumps(inventory(hosts, python), indent=1) + "\n")
    return path


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


def check_recap(label: str, output: str, hosts: int, changed: bool) -> None:
    """Raise SystemExit unless the play recap lists exactly the fleet's hosts, each ok=1, changed=1 when ``changed``
    (else 0), unreachable=0 and failed=0."""
    recap = {match.group(1): match.groups()[1:] for match in HOST_RECAP.finditer(output)}
    want = ("1", "1" if changed else "0", "0", "0")
    names = {host_name(item) for item in range(hosts)}
    problems = []
    if missing := sorted(names - recap.keys()):
        problems.append(f"missing {len(missing)} (first {missing[0]})")
    if other := sorted(recap.keys() - names):
        problems.append(f"other hosts {len(other)} (first {other[0]})")
    if wrong := sorted(name for name in names & recap.keys() if recap[name] != want):
        ok, changes, unreachable, failed = recap[wrong[0]]
        problems.append(f"{len(wrong)} otherwise (first {wrong[0]}: ok={ok} changed={changes} unreachable={unreachable} failed={failed})")
    if problems:
        raise SystemExit(f"{label}: expected each of the {hosts} hosts in the recap with ok=1 changed={want[1]} unreachable=0 failed=0;"
                         f" {', '.join(problems)}")
