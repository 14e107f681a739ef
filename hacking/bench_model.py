"""``make bench``: the variants it compares and the record of one playbook run (shared by the runner, statistics and report)."""

from __future__ import annotations

import dataclasses
import typing as t

MODULE_FQN = "ansible_collections.oauthkit.github.plugins.modules.authorization"


def client_id(item: int) -> str:
    """Must match ``'bench%015d' | format(item)`` in the playbooks."""
    return f"bench{item:015d}"


def client_secret(item: int) -> str:
    """Must match ``'bench-secret-%027d' | format(item)`` in the playbooks."""
    return f"bench-secret-{item:027d}"


@dataclasses.dataclass(frozen=True)
class Variant:
    name: str
    label: str
    playbook: str  # in tests/bench/
    seeded: bool  # every authorization exists before the run
    check: bool = False  # ansible-playbook --check
    custody: bool = False  # token_path: every token file seeded and verified (hacking/bench_custody.py)
    fleet: bool = False  # one item per host of a generated inventory, run with --forks (hacking/bench_fleet.py)
    module: str = MODULE_FQN  # the module's import name, for the module-internal timing


VARIANTS = (
    Variant("ping", "ansible.builtin.ping (floor)", "ping.yml", seeded=False, module="ansible.modules.ping"),
    Variant("uri", "ansible.builtin.uri, the equivalent PUT (all exist)", "uri.yml", seeded=True, module="ansible.modules.uri"),
    Variant("steady", "oauthkit.github.authorization, steady state (all exist)", "authorization.yml", seeded=True),
    Variant("custody", "oauthkit.github.authorization, steady state with token_path (all exist, tokens verified)", "custody.yml", seeded=True, custody=True),
    Variant("create", "oauthkit.github.authorization, creating", "authorization.yml", seeded=False),
    Variant("check", "oauthkit.github.authorization, check mode (all exist)", "authorization.yml", seeded=True, check=True),
)

FLEET_VARIANTS = (  # the fleet case: one item per host, hosts in parallel (--forks); not part of the loop runs above
    Variant("fleet-uri", "ansible.builtin.uri, the equivalent PUT, one per host (all exist)", "fleet_uri.yml", seeded=True,
            module="ansible.modules.uri", fleet=True),
    Variant("fleet-steady", "oauthkit.github.authorization, one per host, steady state (all exist)", "fleet_authorization.yml",
            seeded=True, fleet=True),
    Variant("fleet-create", "oauthkit.github.authorization, one per host, creating", "fleet_authorization.yml", seeded=False,
            fleet=True),
)


@dataclasses.dataclass
class Run:
    """One ansible-playbook process: one variant, loop size n, repetition rep (the fields of results.json's ``runs``)."""

    variant: str
    n: int
    rep: int
    wall_s: float
    module_rss_kib: list[int]  # peak RSS of each module process that recorded one
    controller_rss_kib: int  # peak RSS of the ansible-playbook process
    tree_rss_kib: int  # ru_maxrss from wait4() on ansible-playbook
    requests: list[dict[str, t.Any]]  # the emulator's request log for the run
    authorizations_before: int
    tokens_verified: int | None = None  # custody: token files whose SHA-256 matched the emulator's hashed_token after the run
