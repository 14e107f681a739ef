"""``make bench``: cost per task of oauthkit.github.authorization against ansible.builtin.uri and the ansible.builtin.ping floor.

Starts the GitHub emulator on a free loopback port, times each variant's module in fresh interpreters
without Ansible, then runs one ``ansible-playbook`` process per variant and loop size N, alternating the
variants within each repetition, and writes the figures to ``docs/performance.md`` (``--quick``: N = 1
and 10, one repetition, written under ``.cache/bench/``).  The raw results go to ``.cache/bench/results.json``
(``results-quick.json``); ``--report-from`` writes the report again from such a file.

Variants (playbooks in ``tests/bench/``, defined in ``bench_model.py``):

* ``ping``: ansible.builtin.ping, the floor for any task;
* ``uri``: ansible.builtin.uri sending the module's PUT by hand (Basic auth, X-GitHub-OTP from a test-only pyotp filter);
* ``steady``: oauthkit.github.authorization when every authorization exists;
* ``custody``: the steady task with ``token_path``, every authorization existing and its token file seeded (``bench_custody.py``);
* ``create``: the steady task when none exists;
* ``check``: the steady task with ``--check``, every authorization existing.

The fleet case (``bench_fleet.py``): ``fleet-uri``, ``fleet-steady`` and ``fleet-create`` run the uri and module tasks
once on each host of a generated inventory of local hosts (500; ``--quick``: 20) with ``--forks 10``, after the loop runs.

The work is split by concern: ``bench_runner.py`` (emulator, playbook runs, measurements), ``bench_outcome.py`` (what
every run must have done), ``bench_fleet.py`` (the fleet's inventory and checks), ``bench_module_timing.py``
(module-internal time), ``bench_stats.py`` (medians, slopes, ratios) and ``bench_report.py`` (the Markdown).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
import sys
import time
import typing as t
from pathlib import Path

import bench_fleet as fleet
from bench_model import Run
from bench_module_timing import module_timing
from bench_report import report
from bench_runner import CACHE, ROOT, emulator_throughput, run_fleet, run_playbooks, session

OUTPUT = ROOT / "docs" / "performance.md"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="make bench: oauthkit.github.authorization against ansible.builtin.uri and ping.")
    parser.add_argument("--quick", action="store_true", help="smoke run: N = 1 and 10, one repetition, output under .cache/bench/")
    parser.add_argument("--sizes", default="1,10,100,500", help="loop sizes N, comma-separated (default 1,10,100,500)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions for N <= --large (default 3)")
    parser.add_argument("--large", type=int, default=100, help="N above this gets --large-reps repetitions (default 100)")
    parser.add_argument("--large-reps", type=int, default=1, help="repetitions for N above --large (default 1)")
    parser.add_argument("--output", type=Path, help="where to write the report (default docs/performance.md; --quick: .cache/bench/performance.md)")
    parser.add_argument("--fleet-hosts", type=int, help=f"hosts in the fleet case, one item each, run with --forks {fleet.FORKS} "
                        f"(default {fleet.HOSTS}; --quick: {fleet.QUICK_HOSTS}; 0: no fleet case)")
    parser.add_argument("--fleet-reps", type=int, default=1, help="repetitions of the fleet case (default 1)")
    parser.add_argument("--no-emulator-throughput", action="store_true", help="skip tests/emulator/bench_emulator.py")
    parser.add_argument("--report-from", type=Path, help="only write the report again from a results.json that a run saved in .cache/bench/")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.reps, args.large_reps = "1,10", 1, 1
    try:
        sizes = {int(size) for size in args.sizes.split(",")}
    except ValueError:
        parser.error(f"--sizes: not a comma-separated list of integers: {args.sizes}")
    if not sizes or min(sizes) < 1 or args.reps < 1 or args.large_reps < 1 or args.fleet_reps < 1:
        parser.error("sizes and repetitions must be positive")
    if args.fleet_hosts is None:
        args.fleet_hosts = fleet.QUICK_HOSTS if args.quick else fleet.HOSTS
    if args.fleet_hosts < 0:
        parser.error("--fleet-hosts must be 0 (no fleet case) or positive")
    args.reps_for = {n: args.reps if n <= args.large else args.large_reps for n in sorted(sizes)}
    return args


def machine_line() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = {name: importlib.metadata.version(name) for name in ("ansible-core", "requests", "pyotp")}
    return (
        f"{os.cpu_count()} CPUs ({usable} usable{', ' + model if model else ''}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, ansible-core {versions['ansible-core']}, requests {versions['requests']}, "
        f"pyotp {versions['pyotp']}"
    )


def load_average() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "n/a"


def write_report(saved: dict[str, t.Any], output: Path) -> None:
    """The report from what results.json holds (a file saved before the fleet case existed has no ``fleet``)."""
    runs = [Run(**run) for run in saved["runs"]]
    fleet_runs = [Run(**run) for run in saved.get("fleet", [])]
    output.write_text(report(runs, saved["timing"], saved["meta"], fleet_runs))


def rewrite_report(results: Path, output: Path) -> None:
    write_report(json.loads(results.read_text()), output)
    print(f"Wrote {output} from {results}")


def measure(args: argparse.Namespace, argv: list[str]) -> dict[str, t.Any]:
    """Run the benchmark; return what results.json holds: meta, timing and runs."""
    load = load_average()
    started = time.monotonic()
    with session() as bench:
        timing = module_timing(bench)
        runs = run_playbooks(bench, args.reps_for)
        fleet_runs = run_fleet(bench, args.fleet_hosts, args.fleet_reps) if args.fleet_hosts else []
    throughput = None if args.no_emulator_throughput or args.quick else emulator_throughput()
    meta = {
        "machine": machine_line(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "duration_min": (time.monotonic() - started) / 60,
        "load": load,
        "command": "make bench" if not argv else "python hacking/bench.py " + " ".join(argv),
        "reps_text": ", ".join(f"N={n}: {reps}" for n, reps in args.reps_for.items()),
        "emulator_throughput": throughput.requests_per_s if throughput else None,
        "emulator_clients": throughput.clients if throughput else None,
        "fleet_hosts": args.fleet_hosts,
        "fleet_forks": fleet.FORKS,
        "fleet_reps": args.fleet_reps,
    }
    return {"meta": meta, "timing": timing, "runs": [dataclasses.asdict(run) for run in runs],
            "fleet": [dataclasses.asdict(run) for run in fleet_runs]}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.report_from:
        rewrite_report(args.report_from, args.output or OUTPUT)
        return 0
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
