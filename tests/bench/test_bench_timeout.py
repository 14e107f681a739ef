# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The bound on one playbook process in ``make bench`` (hacking/bench_runner.py): ``.venv/bin/python -m pytest tests/bench``."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

HACKING = Path(__file__).resolve().parent.parent.parent / "hacking"
BOUND_S = 1.0
SLEEP_S = 60  # far longer than the bound: the command only ends when it is killed


@pytest.fixture(name="runner")
def fixture_runner(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(HACKING))
    import bench_runner

    return bench_runner


def job(runner, tmp_path: Path, code: str, output: Path):
    """A stand-in for ansible-playbook: a Python process running ``code``."""
    return runner.Job([sys.executable, "-c", code], tmp_path, dict(os.environ), output, "steady N=10")


def test_a_command_outliving_the_bound_is_killed_with_its_process_group(runner, tmp_path: Path) -> None:
    # The command's output is a FIFO; a reader gets end-of-file only once every process holding its write end
    # (the command and the grandchild it starts, which inherits its stdout) has exited.
    output = tmp_path / "out.fifo"
    os.mkfifo(output)
    reader = threading.Thread(target=output.read_text, daemon=True)
    reader.start()
    code = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep({SLEEP_S})']); time.sleep({SLEEP_S})"
    started = time.monotonic()
    with pytest.raises(SystemExit, match=r"^steady N=10: still running after the bound of 1 s"):
        runner.run_bounded(job(runner, tmp_path, code, output), BOUND_S)
    assert BOUND_S <= time.monotonic() - started < BOUND_S + 10
    reader.join(timeout=10)
    assert not reader.is_alive(), "a process of the group still holds the output open"


def test_a_command_within_the_bound_reports_its_exit_code_and_usage(runner, tmp_path: Path) -> None:
    output = tmp_path / "out.txt"
    finished = runner.run_bounded(job(runner, tmp_path, "import sys; print('hello'); sys.exit(3)", output), 30.0)
    assert finished.exit_code == 3
    assert 0 < finished.wall_s < 30
    assert finished.usage.ru_maxrss > 0
    assert output.read_text() == "hello\n"
