"""Concurrent get-or-create for one (user, client_id, fingerprint) creates exactly one authorization."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from conftest import CLIENT_ID, CLIENT_SECRET, EmulatorProcess, GitHubSession

THREADS = 16
ROUNDS = 3


@dataclass
class Race:
    """Many clients sending the same PUT at the same moment."""

    url: str
    path: str
    barrier: threading.Barrier = field(default_factory=lambda: threading.Barrier(THREADS))
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def worker(self) -> None:
        session = GitHubSession(self.url, "/api/v3")
        session.validate = False  # validated elsewhere; keep the race tight
        self.barrier.wait(timeout=30)
        reply = session.put(self.path, json={"client_secret": CLIENT_SECRET, "scopes": ["repo"]})
        with self.lock:
            self.statuses.append(reply.status_code)
            self.ids.append(reply.json()["id"])
        session.close()


def test_concurrent_puts_create_exactly_one(emulator: EmulatorProcess, ctl: Any) -> None:
    for round_number in range(ROUNDS):
        race = Race(emulator.url, f"/authorizations/clients/{CLIENT_ID}/race-{round_number}")
        threads = [threading.Thread(target=race.worker) for _thread in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(race.statuses) == [200] * (THREADS - 1) + [201]
        assert len(set(race.ids)) == 1
    stored = ctl("GET", "authorizations").json()
    assert sorted(a["fingerprint"] for a in stored) == [f"race-{n}" for n in range(ROUNDS)]
