# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only peak-memory probe for ``make bench``; put its directory on PYTHONPATH.

Every Python process started with ``BENCH_RSS_LOG`` in its environment appends one line to
that file when it exits: its pid, its peak resident set size (``VmHWM`` from
``/proc/self/status``, in KiB) and ``argv[0]``.  The ansible-playbook process and each module
process (a fresh interpreter running an ``AnsiballZ_*.py`` file) exit normally and are recorded;
Ansible's forked worker processes leave with ``os._exit`` and are not.  Nothing is imported
beyond what ``site`` has already loaded, so the probe costs microseconds per process.
"""

from __future__ import annotations

import atexit
import os
import sys


def _record(path: str) -> None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "0")
        line = f"{os.getpid()}\t{peak}\t{sys.argv[0] if sys.argv else ''}\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8", "replace"))
        finally:
            os.close(fd)
    except OSError:
        pass


if os.environ.get("BENCH_RSS_LOG"):
    atexit.register(_record, os.environ["BENCH_RSS_LOG"])
