"""Check what the collection tarball ships, built from a deliberately dirty working tree.

``ansible-galaxy collection build`` packs the working tree (not git's index) and ignores .gitignore, so whatever the
demo, the README's example, ``pip install -e`` or a test run leaves behind ships unless galaxy.yml's build_ignore keeps
it out.  For each SOURCE directory this copies the whole tree (but .git, .venv* and node_modules), adds such leftovers,
builds it, and checks every entry against what may ship; a TARBALL argument is checked as it is.

Usage: python hacking/check_tarball.py SOURCE_DIR|TARBALL...   (one line per problem; exit 1 on any)
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Left behind by `make demo`, the README's example run in place, `pip install -e tests/emulator` and test runs.
DIRT = (
    "docs/examples/provisioner.token",
    "docs/examples/provisioner.token.lock",
    "docs/examples/.provisioner.token.x1y2z3.tmp",
    ".cache/demo/provisioner.token",
    "tests/emulator/github_emulator.egg-info/PKG-INFO",
    "plugins/modules/__pycache__/x.cpython-311.pyc",
    ".hypothesis/x",
    "tests/unit/.hypothesis/x",
    ".pytest_cache/x",
    "tests/emulator/.pytest_cache/x",
    "tests/output/x",
    ".coverage",
)
ROOT_FILES = {"MANIFEST.json", "FILES.json", "README.md", "LICENSE", "SECURITY.md", "CHANGELOG.rst"}
ROOT_FILES |= {"changelogs", "changelogs/changelog.yaml", "changelogs/config.yaml"}
SHIPPED_TREES = ("docs", "meta", "plugins", "roles")
NOT_SHIPPED_TREES = ("docs/examples/demo-vault-password", "tests")
NEVER = (".*", "__pycache__", "*.pyc", "*.egg-info", "*.token", "*.lock", "*.tar.gz", "node_modules")  # any path component
REQUIRED = (
    "LICENSE",
    "README.md",
    "roles/app_token/README.md",
    "roles/app_token/meta/argument_specs.yml",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "meta/ee-requirements.txt",
    "plugins/modules/authorization.py",
)


def _under(name: str, trees: tuple[str, ...]) -> bool:
    return any(name == tree or name.startswith(f"{tree}/") for tree in trees)


def problem(name: str) -> str | None:
    """Why ``name`` must not ship, or None when it may."""
    if any(fnmatch.fnmatchcase(part, pattern) for part in name.split("/") for pattern in NEVER):
        return "ships a hidden, cache, build, token or lock file"
    if _under(name, NOT_SHIPPED_TREES):
        return "ships a file that is not for users"
    if name in ROOT_FILES or _under(name, SHIPPED_TREES):
        return None
    return "ships a file that is not on the allowlist"


def build_dirty(source: Path, work: Path) -> Path:
    """Copy source into work, make the copy dirty, build it; return the tarball."""
    tree, out = work / "tree", work / "dist"
    shutil.copytree(source, tree, symlinks=True, ignore=lambda _d, names: [n for n in names if n in {".git", "node_modules"} or n.startswith(".venv")])
    for rel in DIRT:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text("dirt\n")
    galaxy = shutil.which("ansible-galaxy", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    cmd = [galaxy or "ansible-galaxy", "collection", "build", "--output-path", str(out), str(tree)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ansible-galaxy collection build failed:\n{proc.stdout}{proc.stderr}")
    (tarball,) = out.glob("*.tar.gz")
    return tarball


def check(tarball: Path, label: str) -> list[str]:
    with tarfile.open(tarball) as tar:
        names = [name.rstrip("/") for name in tar.getnames()]
    print(f"{label}: {len(names)} entries")
    problems: list[str] = []
    reported: list[str] = []  # a directory that must not ship is reported, not everything under it
    for name in sorted(names):
        why = None if _under(name, tuple(reported)) else problem(name)
        if why:
            reported.append(name)
            problems.append(f"{label}: {why}: {name}")
    return problems + [f"{label}: does not ship {name}" for name in REQUIRED if name not in names]


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    problems: list[str] = []
    for arg in paths:
        path = Path(arg)
        if not path.is_dir():
            problems += check(path, arg)
            continue
        with tempfile.TemporaryDirectory(prefix="check-tarball-") as work:
            try:
                problems += check(build_dirty(path.resolve(), Path(work)), f"{arg} (dirty copy)")
            except RuntimeError as exc:
                problems.append(f"{arg}: {exc}")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
