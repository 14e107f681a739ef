# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only peak-memory probe for ``make bench`` (enabled by hacking/bench_runner.py with ANSIBLE_CALLBACKS_ENABLED).

When the ansible-playbook process exits, it writes one JSON line to the file named by ``BENCH_RSS_LOG``:
``controller``, its own peak resident set (``VmHWM`` from ``/proc/self/status``, in KiB), and ``workers``,
``ru_maxrss`` of its waited-for descendants (``RUSAGE_CHILDREN``: the largest forked worker, or a module process a
worker ran).  It records at exit, after ansible-core has joined every worker; the workers leave with ``os._exit``
and record nothing.
"""

from __future__ import annotations

import atexit
import json
import os
import resource

from ansible.plugins.callback import CallbackBase


def _record(path: str, pid: int) -> None:
    if os.getpid() != pid:  # a forked process that exits normally is not the controller
        return
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps({"controller": peak, "workers": workers}) + "\n")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_rss"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        if os.environ.get("BENCH_RSS_LOG"):
            atexit.register(_record, os.environ["BENCH_RSS_LOG"], os.getpid())
