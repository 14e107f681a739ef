# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only outcome probe for ``make bench`` (enabled by hacking/bench_runner.py with ANSIBLE_CALLBACKS_ENABLED).

It counts what every item reported, so that the custody tasks need no ``register`` or ``failed_when`` of their own: they
keep the shape a user writes, and the runner checks each item from outside.  Each result is one item: a loop item, or a
host's result for a task without a loop.  When the play ends (``v2_playbook_on_stats``) it writes one JSON line to the
file named by ``BENCH_ITEMS_LOG``: ``{"<token_status>/<changed|unchanged>": count, ...}`` over every result that reported,
ok or failed (``failed/...`` for a failed one), where a result without ``token_status`` counts as ``none``.
"""

from __future__ import annotations

import collections
import json
import os
import typing as t

from ansible.plugins.callback import CallbackBase


def outcome_key(result: t.Mapping[str, t.Any], *, failed: bool = False) -> str:
    """``<token_status>/<changed|unchanged>``, with ``failed/`` in front for a failed result."""
    key = f"{result.get('token_status') or 'none'}/{'changed' if result.get('changed') else 'unchanged'}"
    return f"failed/{key}" if failed or result.get("failed") else key


def outcome_keys(result: t.Mapping[str, t.Any], *, failed: bool) -> list[str]:
    """The key of each item of a task's result: a loop's items (each failed or not by itself), or the result itself."""
    items = result.get("results")
    if isinstance(items, list):
        return [outcome_key(item) for item in items if isinstance(item, t.Mapping)]
    return [outcome_key(result, failed=failed)]


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_items"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self.counts: collections.Counter[str] = collections.Counter()

    def _count(self, task_result: t.Any, *, failed: bool) -> None:
        result = getattr(task_result, "result", None)
        if not isinstance(result, t.Mapping):  # ansible-core before 2.19
            result = task_result._result
        self.counts.update(outcome_keys(result, failed=failed))

    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._count(result, failed=False)

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        self._count(result, failed=True)

    def v2_playbook_on_stats(self, stats: t.Any) -> None:
        path = os.environ.get("BENCH_ITEMS_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as log:
                log.write(json.dumps(dict(sorted(self.counts.items()))) + "\n")
