"""Run the GitHub emulator on loopback for the duration of a ``with`` block (used by ``make demo`` and ``make bench``)."""

from __future__ import annotations

import contextlib
import re
import subprocess
import typing as t
from pathlib import Path

BIN = Path(__file__).resolve().parent.parent / ".venv" / "bin"
READY = re.compile(r"^github_emulator listening on (\S+)$")
STARTUP_LINES = 50  # the readiness line comes first; anything else is bounded


@contextlib.contextmanager
def emulator(log_dir: Path, *args: str) -> t.Iterator[str]:
    """Start the emulator on a free 127.0.0.1 port; yield its API URL once it prints its readiness line; stop it on exit."""
    with (log_dir / "emulator.log").open("w") as log:
        proc = subprocess.Popen(
            [str(BIN / "python"), "-m", "github_emulator", "--host", "127.0.0.1", "--port", "0", "--prefix", "/api/v3", *args],
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True,
        )
        try:
            assert proc.stdout is not None
            for _line_number in range(STARTUP_LINES):
                line = proc.stdout.readline()
                if not line:
                    raise SystemExit(f"the emulator exited before it was ready; see {log_dir / 'emulator.log'}")
                match = READY.match(line.strip())
                if match:
                    yield match.group(1)
                    return
            raise SystemExit("the emulator did not print its readiness line")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
