"""``make bench``, the outcome of each timed run: fail loudly when a run did not do what its variant is about.

So that no figure measures the wrong thing, after every ``ansible-playbook`` run the runner checks the emulator's
request log (method, status and count of the requests), the authorizations that exist afterwards, the play recap
(nothing failed or unreachable; changed only when creating) and, for the ``custody`` variant, the token files.  For the
fleet variants (``bench_fleet.py``) the request log must also hold one request to each item's own path, and the recap
must list every host of the fleet.
"""

from __future__ import annotations

import collections
import dataclasses
import re
import typing as t
from pathlib import Path

import bench_custody as custody
import bench_fleet as fleet
from bench_model import Variant

RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)
ONE_PER_ITEM = {
    "uri": ("PUT", 200), "steady": ("PUT", 200), "custody": ("PUT", 200), "create": ("PUT", 201),
    "fleet-uri": ("PUT", 200), "fleet-steady": ("PUT", 200), "fleet-create": ("PUT", 201),
}
CREATING = ("create", "fleet-create")  # the variants whose every item changes (and whose authorizations all exist afterwards)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one run left behind."""

    requests: list[dict[str, t.Any]]  # the emulator's request log
    authorizations: list[dict[str, t.Any]]  # GET /_emulator/authorizations after the run
    output: str  # ansible-playbook's stdout and stderr
    tokens: list[str]  # custody: the token seeded for each item
    token_dir: Path  # custody: where the token files are


def check_outcome(variant: Variant, n: int, outcome: Outcome) -> int | None:
    """Raise SystemExit unless the run did what ``variant`` is about; for custody, return how many token files verified (n)."""
    label = f"{variant.name} N={n}"
    statuses = collections.Counter((entry["method"], entry["status"]) for entry in outcome.requests)
    if variant.name in ONE_PER_ITEM:
        key = ONE_PER_ITEM[variant.name]
        if statuses.get(key, 0) != n or len(outcome.requests) != n:
            raise SystemExit(f"{label}: expected exactly {n} x {key}, the emulator logged {dict(statuses)}")
    if variant.name == "check" and any(entry["method"] != "GET" for entry in outcome.requests):
        raise SystemExit(f"{label}: check mode sent {dict(statuses)}")
    if variant.name in CREATING and len(outcome.authorizations) != n:
        raise SystemExit(f"{label}: {len(outcome.authorizations)} authorizations exist afterwards")
    if variant.fleet:
        fleet.check_paths(label, outcome.requests, n)
        fleet.check_recap(label, outcome.output, n, changed=variant.name in CREATING)
    else:
        check_recap(variant, label, outcome.output)
    if not variant.custody:
        return None
    verified = custody.verified_files(outcome.token_dir, outcome.tokens, outcome.authorizations)
    if verified != n:
        raise SystemExit(f"{label}: {verified} of {n} token files hold their seeded token (mode 0600) whose SHA-256 is the emulator's hashed_token")
    return verified


def check_recap(variant: Variant, label: str, output: str) -> None:
    """The play recap of the one task: ok, not failed or unreachable, and changed only when creating.

    tests/bench/custody.yml fails an item that changed or whose ``token_status`` is not ``verified`` (``failed_when``
    over the registered result, nothing printed), so for custody ``failed=0`` vouches for every item.
    """
    recap = RECAP.search(output)
    want = ("1", "1" if variant.name in CREATING else "0", "0", "0")
    if recap is None or recap.groups() != want:
        found = recap.group(0) if recap else "no play recap"
        raise SystemExit(f"{label}: expected ok=1 changed={want[1]} unreachable=0 failed=0, found {found}")
