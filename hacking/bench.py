"""``make bench``: the cost of oauthkit.github.authorization, now an action on the controller, against ansible.builtin.uri,
ansible.builtin.ping and ansible.builtin.debug (the floor of a loop item).

Starts the GitHub emulator on a free loopback port and runs one ``ansible-playbook`` process per variant and size
(``bench_model.py`` defines the variants, ``tests/bench/`` holds their playbooks), in three cases:

* a loop on the controller (localhost, local connection) over N = 1, 10, 100, 500 items, 3 repetitions up to N = 100;
* a fleet of 500 local-connection hosts, one item each, ``--forks 10``;
* a fleet of 50 hosts over the loopback SSH server (started here as root, stopped at the end), ``--forks 10``, 3 repetitions;

then writes the figures and the targets' verdicts to ``docs/performance.md`` (``--quick``: N = 1 and 10, 20 local and 10
SSH hosts, one repetition, written under ``.cache/bench/``).  The raw results go to ``.cache/bench/results.json``
(``results-quick.json``); ``--report-from`` writes the report again from such a file.

The work is split by concern: ``bench_runner.py`` (emulator, playbook runs, measurements), ``bench_fleet.py`` (the hosts
of each case, the SSH server), ``bench_custody.py`` (seeded token files), ``bench_outcome.py`` (what every run must have
done), ``bench_stats.py`` (medians, slopes, ratios) and ``bench_report.py`` (the Markdown).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import signal
import sys
import time
import typing as t
from pathlib import Path

import bench_fleet as fleet
from bench_model import FLEET, SSH, Run
from bench_report import report
from bench_runner import CACHE, ROOT, emulator_throughput, run_fleet, run_loops, session

OUTPUT = ROOT / "docs" / "performance.md"
FLEET_HOSTS, QUICK_FLEET_HOSTS = 500, 20  # local hosts in the fleet case
SSH_HOSTS, QUICK_SSH_HOSTS = 50, 10  # hosts over the loopback SSH server


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="make bench: oauthkit.github.authorization against ansible.builtin.uri, ping and debug.")
    parser.add_argument("--quick", action="store_true", help="smoke run: N = 1 and 10, small fleets, one repetition, output under .cache/bench/")
    parser.add_argument("--sizes", default="1,10,100,500", help="loop sizes N, comma-separated (default 1,10,100,500)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3); ping and uri: in the loop only at N <= --large, "
                        "in the fleet --fleet-reps")
    parser.add_argument("--large", type=int, default=100, help="above this N, ping and uri get --large-reps repetitions (default 100)")
    parser.add_argument("--large-reps", type=int, default=1, help="repetitions of ping and uri above --large (default 1)")
    parser.add_argument("--output", type=Path, help="where to write the report (default docs/performance.md; --quick: .cache/bench/performance.md)")
    parser.add_argument("--fleet-hosts", type=int, help=f"local hosts in the fleet case, one item each, run with --forks {fleet.FORKS} "
                        f"(default {FLEET_HOSTS}; --quick: {QUICK_FLEET_HOSTS}; 0: no fleet case)")
    parser.add_argument("--fleet-reps", type=int, default=1, help="repetitions of fleet-ping and fleet-uri (default 1); the others: --reps")
    parser.add_argument("--ssh-hosts", type=int, help=f"hosts over the loopback SSH server (needs root; default {SSH_HOSTS}; --quick: "
                        f"{QUICK_SSH_HOSTS}; 0: no SSH case)")
    parser.add_argument("--ssh-reps", type=int, default=3, help="repetitions of the SSH case (default 3; --quick: 1)")
    parser.add_argument("--no-emulator-throughput", action="store_true", help="skip tests/emulator/bench_emulator.py")
    parser.add_argument("--report-from", type=Path, help="only write the report again from a results.json that a run saved in .cache/bench/")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.reps, args.large_reps, args.ssh_reps = "1,10", 1, 1, 1
    try:
        sizes = {int(size) for size in args.sizes.split(",")}
    except ValueError:
        parser.error(f"--sizes: not a comma-separated list of integers: {args.sizes}")
    if len(sizes) < 2 or min(sizes) < 1 or min(args.reps, args.large_reps, args.fleet_reps, args.ssh_reps) < 1:
        parser.error("give at least two loop sizes (for the slope); sizes and repetitions must be positive")
    if args.fleet_hosts is None:
        args.fleet_hosts = QUICK_FLEET_HOSTS if args.quick else FLEET_HOSTS
    if args.ssh_hosts is None:
        args.ssh_hosts = QUICK_SSH_HOSTS if args.quick else SSH_HOSTS
    if args.fleet_hosts < 0 or not 0 <= args.ssh_hosts <= 60:
        parser.error("--fleet-hosts must be 0 (no fleet case) or positive; --ssh-hosts 0 (no SSH case) to 60")
    args.reps_for = {n: args.reps if n <= args.large else args.large_reps for n in sorted(sizes)}
    return args


def machine_line() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {name: importlib.metadata.version(name) for name in ("ansible-core", "requests", "pyotp")}
    return (
        f"{os.cpu_count()} CPUs ({usable_cpus()} usable{', ' + model if model else ''}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, ansible-core {versions['ansible-core']}, requests {versions['requests']}, "
        f"pyotp {versions['pyotp']}"
    )


def usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load_average() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "n/a"


def write_report(saved: dict[str, t.Any], output: Path) -> None:
    output.write_text(report([Run.from_json(run) for run in saved["runs"]], saved["meta"]))


def measure(args: argparse.Namespace, argv: list[str]) -> dict[str, t.Any]:
    """Run the benchmark; return what results.json holds: meta and runs."""
    load = load_average()
    started = time.monotonic()
    with session() as bench:
        runs = run_loops(bench, args.reps_for, args.reps)
        runs += run_fleet(bench, FLEET, args.fleet_hosts, args.fleet_reps, args.reps) if args.fleet_hosts else []
        runs += run_fleet(bench, SSH, args.ssh_hosts, args.ssh_reps, args.ssh_reps) if args.ssh_hosts else []
    throughput = None if args.no_emulator_throughput or args.quick else emulator_throughput()
    meta = {
        "machine": machine_line(),
        "cpus": usable_cpus(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "duration_min": (time.monotonic() - started) / 60,
        "load": load,
        "load_after": load_average(),
        "command": "make bench" if not argv else "python hacking/bench.py " + " ".join(argv),
        "reps_text": f"{args.reps} of each variant, but ping and uri in the loop " + ", ".join(f"N={n}: {reps}" for n, reps in args.reps_for.items())
        + f", in the local fleet {args.fleet_reps}; over SSH {args.ssh_reps} of each",
        "emulator_throughput": throughput.requests_per_s if throughput else None,
        "emulator_clients": throughput.clients if throughput else None,
        "fleet_forks": fleet.FORKS,
    }
    return {"meta": meta, "runs": [run.__dict__ for run in runs]}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.report_from:
        write_report(json.loads(args.report_from.read_text()), args.output or OUTPUT)
        print(f"Wrote {args.output or OUTPUT} from {args.report_from}")
        return 0
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))  # so that the SSH server and the emulator are stopped
    saved = measure(args, argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / ("results-quick.json" if args.quick else "results.json")).write_text(json.dumps(saved, indent=1))
    output = args.output or (CACHE / "performance.md" if args.quick else OUTPUT)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_report(saved, output)
    print(f"\nWrote {output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
