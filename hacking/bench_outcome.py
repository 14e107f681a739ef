"""``make bench``, the outcome of each timed run: fail loudly when a run did not do what its variant is about.

So that no figure measures the wrong thing, after every ``ansible-playbook`` run the runner checks the emulator's
request log (method, status and count; in a fleet, one request to each item's own path), the authorizations that
exist afterwards, the play recap (every host ok, nothing failed or unreachable; changed only when creating) and, for
the custody variants, what every item reported (``tests/bench/callback_plugins/bench_items.py``) and the token files.
"""

from __future__ import annotations

import collections
import dataclasses
import typing as t

import bench_custody as custody
import bench_fleet as fleet
from bench_model import LOOP, Variant

VERIFIED = "verified/unchanged"  # bench_items' key of an item whose token_status is verified and that changed nothing


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one run left behind."""

    requests: list[dict[str, t.Any]]  # the emulator's request log
    authorizations: list[dict[str, t.Any]]  # GET /_emulator/authorizations after the run
    output: str  # ansible-playbook's stdout and stderr
    tokens: list[str]  # custody: the token seeded for each item
    hosts: fleet.Hosts  # the run's hosts and each item's token file
    items: t.Mapping[str, int] = dataclasses.field(default_factory=dict)  # bench_items: "<token_status>/<changed|unchanged>" -> items


def check_outcome(variant: Variant, n: int, outcome: Outcome) -> int | None:
    """Raise SystemExit unless the run did what ``variant`` is about; for custody, return how many token files verified (n)."""
    label = f"{variant.name} N={n}"
    statuses = collections.Counter((entry["method"], entry["status"]) for entry in outcome.requests)
    if variant.expect is None and outcome.requests:
        raise SystemExit(f"{label}: expected no request, the emulator logged {dict(statuses)}")
    if variant.expect is not None and (statuses.get(variant.expect, 0) != n or len(outcome.requests) != n):
        raise SystemExit(f"{label}: expected exactly {n} x {variant.expect}, the emulator logged {dict(statuses)}")
    if variant.expect is not None and variant.case != LOOP:
        fleet.check_paths(label, outcome.requests, n)
    if variant.creating and len(outcome.authorizations) != n:
        raise SystemExit(f"{label}: {len(outcome.authorizations)} authorizations exist afterwards")
    fleet.check_recap(label, outcome.output, outcome.hosts.names, changed=variant.creating)
    if not variant.custody:
        return None
    # The custody tasks have the shape a user writes (no register, no failed_when): every item must have reported so.
    if dict(outcome.items) != {VERIFIED: n}:
        raise SystemExit(f"{label}: expected {n} items reporting {VERIFIED}, the run reported {dict(outcome.items)}")
    paths = list(outcome.hosts.token_paths)
    verified = custody.verified_files(paths, outcome.tokens, outcome.authorizations, uid=outcome.hosts.uid)
    if verified != n:
        raise SystemExit(f"{label}: {verified} of {n} token files hold their seeded token (mode 0600) whose SHA-256 is the emulator's hashed_token")
    return verified
