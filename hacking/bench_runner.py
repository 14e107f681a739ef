"""``make bench``, the runner: start the emulator, run one ``ansible-playbook`` process per variant and N, measure it.

The loop variants run one task with a ``loop`` over N items on localhost; the fleet variants run one item on each of
N hosts (local, or over the loopback SSH server) with ``--forks`` (``bench_fleet.py``).  Per run: wall time of the
ansible-playbook process, its own peak RSS and its largest worker's (``tests/bench/callback_plugins/bench_rss.py``),
its CPU time and the machine's, the HTTP requests from the emulator's request log, and what every item reported
(``tests/bench/callback_plugins/bench_items.py``).  Each playbook runs in its own
process group under a bound (``PLAYBOOK_TIMEOUT``): when it outlives the bound, the group is killed and the benchmark
stops.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import itertools
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import typing as t
import urllib.request
from pathlib import Path

import bench_custody as custody
import bench_fleet as fleet
from bench_model import FLEET, LOOP, Run, Variant, client_id, client_secret, of_case
from bench_outcome import Outcome, check_outcome
from emulator_process import emulator

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
BENCH = ROOT / "tests" / "bench"
CACHE = ROOT / ".cache" / "bench"
PLAYBOOK_TIMEOUT = 3600.0  # seconds one ansible-playbook process may run before its process group is killed
THROUGHPUT_TIMEOUT = 300.0  # seconds for tests/emulator/bench_emulator.py

USER = "bench"
PASSWORD = "bench password, not a secret"  # noqa: S105 - the emulator's throwaway benchmark user
SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # 160 bits: pyotp 2.12 refuses seeds under 112 bits
SCOPES = ["repo", "read:org"]
RUN_NUMBERS = itertools.count()


@dataclasses.dataclass(frozen=True)
class Bench:
    """Where the runs happen: the emulator's URL, the work directory and the environment of every process."""

    url: str
    work: Path
    env: dict[str, str]
    timeout_s: float = PLAYBOOK_TIMEOUT


@dataclasses.dataclass(frozen=True)
class Job:
    """One command to run under a bound; ``label`` (such as ``custody N=10``) names it in messages."""

    argv: list[str]
    cwd: Path
    env: dict[str, str]
    output: Path  # stdout and stderr
    label: str


@dataclasses.dataclass(frozen=True)
class Finished:
    wall_s: float
    exit_code: int
    usage: resource.struct_rusage
    busy_s: float  # CPU seconds the machine was busy (every CPU, /proc/stat) while the command ran


@dataclasses.dataclass(frozen=True)
class Throughput:
    requests_per_s: str
    clients: str | None


# --- the emulator ---------------------------------------------------------------------------------------------------


def control(url: str, method: str, name: str, body: t.Any = None) -> t.Any:
    """Call the emulator's control API (loopback only)."""
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit(f"refusing to send control requests off loopback: {url}")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - an http://127.0.0.1 URL, checked above
        f"{url}/_emulator/{name}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - an http://127.0.0.1 URL, checked above
        raw = response.read()
    return json.loads(raw) if raw else None


def emulator_config(n: int, *, seeded: bool, tokens: list[str] | None = None) -> dict[str, t.Any]:
    """One user with app-based 2FA, n apps, and (when seeded) the authorization each item asks for, with tokens[i] if given."""
    return {
        "users": [{"login": USER, "password": PASSWORD, "two_factor": "app", "otp_secret": SEED}],
        "apps": [
            {"client_id": client_id(i), "client_secret": client_secret(i), "name": f"Bench app {i}", "url": "https://example.com/bench"}
            for i in range(n)
        ],
        "authorizations": [
            {"user": USER, "client_id": client_id(i), "fingerprint": f"bench-{i}", "scopes": SCOPES, "note": f"bench {i}",
             **({"token": tokens[i]} if tokens else {})}
            for i in range(n)
        ] if seeded else [],
        "lockout_after": 1000,
    }


def reset(bench: Bench, variant: Variant, n: int, hosts: fleet.Hosts) -> list[str]:
    """Reset the emulator for ``variant`` at N; for custody, seed a known token per item and write each to its file."""
    tokens = custody.new_tokens(n) if variant.custody else []
    control(bench.url, "POST", "reset", {"config": emulator_config(n, seeded=variant.seeded, tokens=tokens)})
    if variant.custody:
        custody.write_token_files(list(hosts.token_paths), tokens, uid=hosts.uid, gid=hosts.gid)
    return tokens


def emulator_throughput() -> Throughput | None:
    """The emulator owner's figure from tests/emulator/bench_emulator.py (5 s), or None when it is absent or fails."""
    script = ROOT / "tests" / "emulator" / "bench_emulator.py"
    if not script.exists():
        return None
    try:
        proc = subprocess.run([str(BIN / "python"), str(script), "--duration", "5"], capture_output=True, text=True, check=False,
                              timeout=THROUGHPUT_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    rate = re.search(r"throughput: (\d+) requests/s", proc.stdout)
    clients = re.search(r"clients: (\d+) processes", proc.stdout)
    return Throughput(rate.group(1), clients.group(1) if clients else None) if rate else None


# --- running one command under a bound ------------------------------------------------------------------------------


def busy_cpu_s() -> float:
    """CPU seconds every CPU of the machine spent busy since boot (/proc/stat: all but idle and iowait); 0 where there is none."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
        return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    return 0.0


def run_bounded(job: Job, timeout_s: float) -> Finished:
    """Run ``job`` in a new process group; after ``timeout_s`` a timer kills the group and the run fails.

    The main thread waits with ``waitid(WNOWAIT)``, which leaves the exited process unreaped, so the
    timer can never signal a process group whose leader has been reaped (and its id reused).  Once
    the timer is cancelled, ``wait4`` reaps the process and returns its resource usage.
    """
    fired = threading.Event()
    with job.output.open("w") as out:
        busy = busy_cpu_s()
        started = time.perf_counter()
        proc = subprocess.Popen(job.argv, cwd=job.cwd, env=job.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)

    def kill_group() -> None:
        fired.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout_s, kill_group)
    timer.start()
    try:
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        wall = time.perf_counter() - started
        busy = busy_cpu_s() - busy
    except BaseException:  # KeyboardInterrupt included: the new session no longer gets the terminal's signals
        kill_group()
        raise
    finally:
        timer.cancel()
        timer.join()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # tells Popen the process is reaped
    if fired.is_set():
        raise SystemExit(f"{job.label}: still running after the bound of {timeout_s:g} s; its process group was killed. "
                         f"Output so far: {job.output}")
    return Finished(wall, proc.returncode, usage, busy)


# --- running playbooks ----------------------------------------------------------------------------------------------


def prepare_work(work: Path) -> dict[str, str]:
    """Lay out the work directory (collection symlink, ansible.cfg, TMPDIR); return the clean environment for every process.

    No ANSIBLE_* or PYTHON* settings come from the caller, only what the benchmark sets.
    """
    (work / "tmp").mkdir()
    collections_dir = work / "collections" / "ansible_collections" / "oauthkit"
    collections_dir.mkdir(parents=True)
    (collections_dir / "github").symlink_to(ROOT)
    (work / "ansible.cfg").write_text("# make bench: ansible-core defaults; settings come from the environment.\n[defaults]\n")
    return {
        "PATH": f"{BIN}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": os.environ.get("HOME", str(work)),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": str(work / "tmp"),
        "ANSIBLE_CONFIG": str(work / "ansible.cfg"),
        "ANSIBLE_HOME": str(work / "ansible-home"),
        "ANSIBLE_COLLECTIONS_PATH": str(work / "collections"),
        "ANSIBLE_CALLBACK_PLUGINS": str(BENCH / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "bench_rss,bench_items",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
    }


def last_record(path: Path) -> dict[str, t.Any]:
    """The last JSON line a probe (tests/bench/callback_plugins) wrote to ``path``: the run's own; {} when there is none."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        record = json.loads(path.read_text().splitlines()[-1])
        if isinstance(record, dict):
            return record
    return {}


def read_rss_log(path: Path) -> tuple[int, int]:
    """(peak RSS of the ansible-playbook process, of its largest waited-for descendant), in KiB; 0 where none was recorded."""
    record = last_record(path)
    return (int(record["controller"]), int(record["workers"])) if record else (0, 0)


def read_items_log(path: Path) -> dict[str, int]:
    """What the run's items reported (bench_items): "<token_status>/<changed|unchanged>" -> items; {} when nothing was recorded."""
    return {str(key): int(value) for key, value in last_record(path).items()}


def run_playbook(bench: Bench, variant: Variant, n: int, rep: int, hosts: fleet.Hosts) -> Run:
    tokens = reset(bench, variant, n, hosts)
    control(bench.url, "DELETE", "requests")
    vars_file = bench.work / "vars.json"
    vars_file.write_text(json.dumps({
        "bench_api_url": bench.url, "bench_username": USER, "bench_password": PASSWORD, "bench_otp_secret": SEED, "bench_n": n,
        "bench_token_dir": str(bench.work / "tokens"),
    }))
    rss_log = bench.work / "rss.log"
    rss_log.unlink(missing_ok=True)
    items_log = bench.work / "items.log"
    items_log.unlink(missing_ok=True)
    control_dir = bench.work / "cp" / str(next(RUN_NUMBERS))  # SSH: every run connects afresh; short, for the socket path's limit
    env = {**bench.env, **dict(variant.env), "BENCH_RSS_LOG": str(rss_log), "BENCH_ITEMS_LOG": str(items_log), "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control_dir)}
    argv = [str(BIN / "ansible-playbook"), "-e", f"@{vars_file}", *hosts.args, str(BENCH / variant.playbook)]
    label = f"{variant.name} N={n}"
    job = Job(argv, bench.work, env, bench.work / f"{variant.name}-{n}-{rep}.out", label)
    try:
        finished = run_bounded(job, bench.timeout_s)
    finally:
        fleet.close_masters(control_dir)
    if finished.exit_code != 0:
        raise SystemExit(f"{label} failed (exit {finished.exit_code}):\n{job.output.read_text()[-3000:]}")
    requests = control(bench.url, "GET", "requests")
    after = control(bench.url, "GET", "authorizations")
    verified = check_outcome(variant, n, Outcome(requests, after, job.output.read_text(), tokens, hosts, read_items_log(items_log)))
    controller, workers = read_rss_log(rss_log)
    mix = collections.Counter(f"{entry['method']} {entry['status']}" for entry in requests)
    usage = finished.usage
    return Run(variant.name, n, rep, finished.wall_s, controller, workers, dict(sorted(mix.items())),
               usage.ru_utime + usage.ru_stime, finished.busy_s, verified)


def progress(run: Run, done: int, total: int) -> None:
    others = max(0.0, run.busy_s - run.cpu_s) / run.wall_s / (os.cpu_count() or 1)
    print(f"[{done:3}/{total}] rep {run.rep + 1} N={run.n:<4} {run.variant:20} {run.wall_s:8.2f} s {run.wall_s / run.n * 1000:7.1f} ms/item"
          f"  req/item {run.request_count / run.n:.2f}  RSS controller {run.controller_rss_kib / 1024:.1f} MiB, worker"
          f" {run.worker_rss_kib / 1024:.1f} MiB  others' CPU {others:.0%}", flush=True)


def rotated(variants: t.Sequence[Variant], rep: int) -> list[Variant]:
    """The variants in an order rotated by one each repetition."""
    shift = rep % len(variants)
    return [*variants[shift:], *variants[:shift]]


def run_loops(bench: Bench, reps_for: dict[int, int], reps: int) -> list[Run]:
    """Every loop variant at every N, repetition by repetition: ``reps_for[N]`` times for a variant with a module process per
    item, ``reps`` times for the others (cheap at any N)."""
    def planned(variant: Variant, n: int) -> int:
        return reps_for[n] if variant.module_process else reps

    runs: list[Run] = []
    total = sum(planned(variant, n) for variant in of_case(LOOP) for n in reps_for)
    for rep in range(max(reps, *reps_for.values())):
        for n in sorted(reps_for):
            for variant in (variant for variant in rotated(of_case(LOOP), rep) if rep < planned(variant, n)):
                runs.append(run_playbook(bench, variant, n, rep, fleet.loop_hosts(bench.work, n)))
                progress(runs[-1], len(runs), total)
    return runs


def run_fleet(bench: Bench, case: str, n: int, reps: int, cheap_reps: int) -> list[Run]:
    """Every variant of a fleet case (FLEET: local hosts; SSH: the loopback SSH server, started and stopped here) over n hosts:
    ``reps`` times for a variant with a module process per host, ``cheap_reps`` (at least ``reps``) for the others."""
    def planned(variant: Variant) -> int:
        return reps if variant.module_process else max(reps, cheap_reps)

    runs: list[Run] = []
    total = sum(planned(variant) for variant in of_case(case))
    with contextlib.ExitStack() as stack:
        hosts = fleet.local_fleet(bench.work, n) if case == FLEET else fleet.ssh_fleet(bench.work, n, stack.enter_context(fleet.loopback_sshd(n)))
        for rep in range(max(planned(variant) for variant in of_case(case))):
            for variant in (variant for variant in rotated(of_case(case), rep) if rep < planned(variant)):
                runs.append(run_playbook(bench, variant, n, rep, hosts))
                progress(runs[-1], len(runs), total)
    return runs


@contextlib.contextmanager
def session() -> t.Iterator[Bench]:
    """A fresh work directory and the emulator on a free loopback port; afterwards the work files go to .cache/bench/last-run."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oauthkit-bench-") as tmp:
        work = Path(tmp)
        env = prepare_work(work)
        try:
            with emulator(work) as url:
                yield Bench(url, work, env)
        finally:
            shutil.copytree(work, CACHE / "last-run", ignore=shutil.ignore_patterns("collections", "tmp", "ansible-home", "tokens", "cp"),
                            dirs_exist_ok=True)
