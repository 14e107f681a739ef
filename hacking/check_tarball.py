"""Check that the built collection tarball ships no development-only file (hacking/, tests/bench/, the venv, ...),
and ships what users and ansible-builder read: the role's argument spec and the execution-environment metadata."""

from __future__ import annotations

import sys
import tarfile

FORBIDDEN = ("hacking/", "tests/bench/", ".venv", ".ci/", "tests/output/", "tests/emulator/node/", "tests/runner/", "Makefile", "constraints")
REQUIRED = ("roles/app_token/meta/argument_specs.yml", "roles/app_token/tasks/main.yml", "meta/execution-environment.yml", "meta/ee-requirements.txt")


def main(paths: list[str]) -> int:
    if not paths:
        print("no tarball given", file=sys.stderr)
        return 1
    bad: list[str] = []
    missing: list[str] = []
    for path in paths:
        with tarfile.open(path) as tar:
            names = tar.getnames()
        bad += [f"{path}: {name}" for name in names if any(name.startswith(prefix) for prefix in FORBIDDEN)]
        missing += [f"{path}: {name}" for name in REQUIRED if name not in names]
        print(f"{path}: {len(names)} entries")
    for line in bad:
        print(f"ships a development-only file: {line}", file=sys.stderr)
    for line in missing:
        print(f"does not ship: {line}", file=sys.stderr)
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
