"""``make bench``: the variants it compares and the record of one playbook run (shared by the runner, statistics and report)."""

from __future__ import annotations

import dataclasses
import typing as t

MODULE_FQN = "ansible_collections.oauthkit.github.plugins.modules.authorization"


@dataclasses.dataclass(frozen=True)
class Variant:
    name: str
    label: str
    playbook: str  # in tests/bench/
    seeded: bool  # every authorization exists before the run
    check: bool = False  # ansible-playbook --check
    custody: bool = False  # token_path: every token file seeded and verified (hacking/bench_custody.py)
    module: str = MODULE_FQN  # the module's import name, for the module-internal timing


VARIANTS = (
    Variant("ping", "ansible.builtin.ping (floor)", "ping.yml", seeded=False, module="ansible.modules.ping"),
    Variant("uri", "ansible.builtin.uri, the equivalent PUT (all exist)", "uri.yml", seeded=True, module="ansible.modules.uri"),
    Variant("steady", "oauthkit.github.authorization, steady state (all exist)", "authorization.yml", seeded=True),
    Variant("custody", "oauthkit.github.authorization, steady state with token_path (all exist, tokens verified)", "custody.yml", seeded=True, custody=True),
    Variant("create", "oauthkit.github.authorization, creating", "authorization.yml", seeded=False),
    Variant("check", "oauthkit.github.authorization, check mode (all exist)", "authorization.yml", seeded=True, check=True),
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
