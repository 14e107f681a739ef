"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test creates its virtual environments without pip and then downloads
``get-pip-<version>.py`` from a host that this machine cannot reach.  It first
looks in ``~/.ansible/test/cache/get_pip_<version>.py``; ``make`` copies this
file there.  ansible-test runs it as ``__main__`` with pip-install arguments,
for example ``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys


def main() -> int:
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    ensurepip.bootstrap(upgrade=True)
    # ensurepip points PIP_CONFIG_FILE at /dev/null; the machine's pip.conf carries the CA bundle and index.
    os.environ.pop("PIP_CONFIG_FILE", None)
    return subprocess.call([sys.executable, "-m", "pip", "install", *args])


if __name__ == "__main__":
    sys.exit(main())
