# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The environment a task's GitHub calls see: the controller's, with the task's ``environment:`` keyword merged over it.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

The calls run in the controller's worker process, whose ``os.environ`` is the controller's.
The libraries that read the environment (ansible-core's ``env_fallback``, and requests for
proxies, ``NO_PROXY`` and ``REQUESTS_CA_BUNDLE``) read ``os.environ``; ``applied()`` puts the
task's environment there for the time they read it, and restores it afterwards.  A worker
process runs one task at a time, so nothing else sees the change.
"""

from __future__ import annotations

import contextlib
import os
import typing as t

from ansible_collections.oauthkit.github.plugins.module_utils._errors import InvalidInput


def merged(task_environment: t.Mapping[str, t.Any] | None) -> dict[str, str]:
    """The controller's environment with the task's merged over it; values become strings, as a process environment holds them.

    A NUL character cannot be in a process environment: a variable that holds one is refused (InvalidInput), naming it.
    """
    env = dict(os.environ)
    for key, value in (task_environment or {}).items():
        name, text = str(key), "" if value is None else str(value)
        if "\0" in name or "\0" in text or "=" in name or not name:
            raise InvalidInput("environment.invalid", {"variable": name.replace("\0", "\\0")})
        env[name] = text
    return env


@contextlib.contextmanager
def applied(env: t.Mapping[str, str]) -> t.Iterator[None]:
    """``os.environ`` is ``env`` inside the block, and what it was before after it."""
    saved = dict(os.environ)
    if saved == env:
        yield
        return
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
