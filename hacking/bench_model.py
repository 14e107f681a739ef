"""``make bench``: the variants it compares and the record of one playbook run (shared by the runner, statistics and report)."""

from __future__ import annotations

import dataclasses
import typing as t

LOOP, FLEET, SSH = "loop", "fleet", "ssh"  # the cases: one host looping over N items; N local hosts; N hosts over SSH
PUT_200, PUT_201 = ("PUT", 200), ("PUT", 201)


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
    case: str  # LOOP, FLEET or SSH
    expect: tuple[str, int] | None = None  # the one request each item must send (method, status); None: no request at all
    seeded: bool = True  # every authorization exists before the run
    custody: bool = False  # token_path: every token file seeded, and verified after the run (hacking/bench_custody.py)
    env: tuple[tuple[str, str], ...] = ()  # environment of this variant's runs, over the benchmark's
    module_process: bool = False  # a module process per item, slow: fewer repetitions (bench.py --large-reps, --fleet-reps)

    @property
    def creating(self) -> bool:
        """Every item creates its authorization (and reports changed)."""
        return self.expect == PUT_201


VARIANTS = (
    Variant("ping", "ansible.builtin.ping, a module run per item", "ping.yml", LOOP, seeded=False, module_process=True),
    Variant("debug", "ansible.builtin.debug: what Ansible itself costs per loop item (no module process)", "debug.yml", LOOP, seeded=False),
    Variant("uri", "ansible.builtin.uri sending the equivalent PUT (all exist)", "uri.yml", LOOP, PUT_200, module_process=True),
    Variant("steady", "oauthkit.github.authorization, steady state without token_path (all exist)", "authorization.yml", LOOP, PUT_200),
    Variant("custody", "oauthkit.github.authorization, steady state with token_path (all exist, tokens verified)", "custody.yml", LOOP,
            PUT_200, custody=True),
    Variant("floor", "custody's task done by a test-only action that only sends the PUT and hashes the token file (all exist, tokens "
            "verified)", "floor.yml", LOOP, PUT_200, custody=True),
    Variant("fleet-ping", "ansible.builtin.ping, one per host", "fleet_ping.yml", FLEET, seeded=False, module_process=True),
    Variant("fleet-uri", "ansible.builtin.uri, the equivalent PUT, one per host (all exist)", "fleet_uri.yml", FLEET, PUT_200, module_process=True),
    Variant("fleet-custody", "oauthkit.github.authorization with token_path, one per host, steady state (all exist, each host its own file)",
            "fleet_custody.yml", FLEET, PUT_200, custody=True),
    Variant("fleet-steady", "oauthkit.github.authorization, one per host, steady state (all exist)", "fleet_authorization.yml", FLEET, PUT_200),
    Variant("fleet-create", "oauthkit.github.authorization, one per host, creating", "fleet_authorization.yml", FLEET, PUT_201, seeded=False),
    Variant("ssh-ping", "ansible.builtin.ping over SSH, Ansible's defaults (pipelining off)", "fleet_ping.yml", SSH, seeded=False),
    Variant("ssh-ping-pipelining", "ansible.builtin.ping over SSH with ANSIBLE_PIPELINING=1", "fleet_ping.yml", SSH, seeded=False,
            env=(("ANSIBLE_PIPELINING", "1"),)),
    Variant("ssh-custody", "oauthkit.github.authorization with token_path on the host over SSH, steady state (Ansible's defaults)",
            "fleet_custody.yml", SSH, PUT_200, custody=True),
)


def of_case(case: str) -> tuple[Variant, ...]:
    return tuple(variant for variant in VARIANTS if variant.case == case)


def variant(name: str) -> Variant:
    return next(variant for variant in VARIANTS if variant.name == name)


@dataclasses.dataclass
class Run:
    """One ansible-playbook process: one variant over n items (loop items or hosts), repetition rep (results.json's ``runs``)."""

    variant: str
    n: int
    rep: int
    wall_s: float
    controller_rss_kib: int  # peak RSS (VmHWM) of the ansible-playbook process itself, at its exit
    worker_rss_kib: int  # the largest of its descendants it waited for (workers, and the module processes they ran): ru_maxrss
    requests: dict[str, int]  # the emulator's request log for the run: "METHOD status" -> count
    cpu_s: float = 0.0  # user + system CPU time of ansible-playbook and its descendants
    busy_s: float = 0.0  # CPU time the whole machine was busy during the run (/proc/stat): the rest is other processes' load
    tokens_verified: int | None = None  # custody: token files that still hold their seeded token, verified against the emulator

    @property
    def request_count(self) -> int:
        return sum(self.requests.values())

    @property
    def case(self) -> str:
        return variant(self.variant).case

    @classmethod
    def from_json(cls, data: dict[str, t.Any]) -> Run:
        return cls(**{field.name: data[field.name] for field in dataclasses.fields(cls) if field.name in data})
