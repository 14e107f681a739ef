"""Check that the built collection tarball ships no development-only file (hacking/, tests/bench/, the venv, ...)."""

from __future__ import annotations

import sys
import tarfile

FORBIDDEN = ("hacking/", "tests/bench/", ".venv", ".ci/", "tests/output/", "tests/emulator/node/", "Makefile", "constraints")


def main(paths: list[str]) -> int:
    if not paths:
        print("no tarball given", file=sys.stderr)
        return 1
    bad = []
    for path in paths:
        with tarfile.open(path) as tar:
            names = tar.getnames()
        bad += [f"{path}: {name}" for name in names if any(name.startswith(prefix) for prefix in FORBIDDEN)]
        print(f"{path}: {len(names)} entries")
    for line in bad:
        print(f"ships a development-only file: {line}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
