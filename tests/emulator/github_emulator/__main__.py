"""Entry point for ``python -m github_emulator``."""

from __future__ import annotations

import sys

from github_emulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
