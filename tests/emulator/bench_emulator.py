"""Measure get-or-create throughput of the emulator on loopback (a measurement, not a timed test).

Usage: python tests/emulator/bench_emulator.py [--duration 10] [--clients 4] [--cpus 2] [--fingerprints 50] [--tls]

It starts ``python -m github_emulator`` (threaded werkzeug server) pinned to ``--cpus`` cores, creates the
authorizations once, then has ``--clients`` client processes send ``PUT /authorizations/clients/{client_id}/{fingerprint}``
(Basic auth plus a current TOTP code, as the module does) for ``--duration`` seconds, and prints requests per second.
The clients share the same machine, so the figure is a lower bound for the server alone.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from github_emulator.auth import TOTP  # noqa: E402 - after the path set-up, so the script runs without install
from github_emulator.config import DEMO_CONFIG  # noqa: E402

USER = DEMO_CONFIG["users"][0]
APP = DEMO_CONFIG["apps"][0]
READY_PREFIX = "github_emulator listening on "


def start_emulator(cpus: int, tls_dir: Optional[Path]) -> tuple[subprocess.Popen[str], str]:
    """Start the emulator (with the GHES prefix) and return the process and its URL from the readiness line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    args = [sys.executable, "-m", "github_emulator", "--host", "127.0.0.1", "--port", "0", "--prefix", "/api/v3"]
    if tls_dir is not None:
        args += ["--tls-dir", str(tls_dir)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
    if hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(proc.pid, set(available[:cpus]))
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(READY_PREFIX):
        proc.terminate()
        raise SystemExit(f"emulator did not start: {line!r}")
    return proc, line[len(READY_PREFIX) :].strip()


def _connection(url: str, ca: Optional[str]) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname or "", parts.port, context=ssl.create_default_context(cafile=ca), timeout=30)
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)


def client(url: str, deadline: float, *, fingerprints: int, worker: int, ca: Optional[str], results: Any) -> None:
    """Send get-or-create PUTs until the deadline; report (statuses, latencies)."""
    prefix = urlsplit(url).path
    credentials = base64.b64encode(f"{USER['login']}:{USER['password']}".encode()).decode()
    body = json.dumps({"client_secret": APP["client_secret"], "scopes": ["repo"], "note": "bench"}).encode()
    totp = TOTP(USER["otp_secret"])
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    count = 0
    code, code_at = totp.now(), time.time()
    while time.time() < deadline:
        if time.time() - code_at > 5:
            code, code_at = totp.now(), time.time()
        path = f"{prefix}/authorizations/clients/{APP['client_id']}/bench-{(worker + count) % fingerprints}"
        headers = {"Authorization": f"Basic {credentials}", "X-GitHub-OTP": code, "Content-Type": "application/json"}
        started = time.perf_counter()
        connection = _connection(url, ca)  # the werkzeug server closes every connection after one response
        connection.request("PUT", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        latencies.append(time.perf_counter() - started)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        count += 1
    results.put((statuses, latencies))


def main() -> int:
    """Run the measurement and print the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--cpus", type=int, default=2, help="cores the emulator process may use (sched_setaffinity)")
    parser.add_argument("--fingerprints", type=int, default=50)
    parser.add_argument("--tls", action="store_true", help="measure over HTTPS (trustme CA)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tls_dir = Path(tmp) / "tls" if args.tls else None
        proc, url = start_emulator(args.cpus, tls_dir)
        ca = str(tls_dir / "ca.pem") if tls_dir else None
        try:
            warm = multiprocessing.Queue()
            client(url, time.time() + 1.0, fingerprints=args.fingerprints, worker=0, ca=ca, results=warm)  # creates the authorizations, warms up
            warm.get()
            results: Any = multiprocessing.Queue()
            deadline = time.time() + args.duration
            workers = [
                multiprocessing.Process(
                    target=client, args=(url, deadline), kwargs={"fingerprints": args.fingerprints, "worker": n, "ca": ca, "results": results}
                )
                for n in range(args.clients)
            ]
            started = time.time()
            for worker in workers:
                worker.start()
            collected = [results.get(timeout=args.duration + 60) for _worker in workers]
            elapsed = time.time() - started
            for worker in workers:
                worker.join(timeout=30)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    for worker_statuses, worker_latencies in collected:
        for status, count in worker_statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        latencies.extend(worker_latencies)
    total = sum(statuses.values())
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0
    print(f"emulator: {url} (pinned to {args.cpus} CPU(s)); clients: {args.clients} processes; duration {elapsed:.1f} s")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"latency: median {statistics.median(latencies) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms")
    print(f"get-or-create throughput: {total / elapsed:.0f} requests/s")
    return 0 if set(statuses) <= {200} else 1


if __name__ == "__main__":
    sys.exit(main())
