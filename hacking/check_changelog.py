"""Check the first release's changelog: release 0.1.0 with antsibull-changelog in a copy and read its CHANGELOG.rst.

The copy holds what antsibull-changelog reads: changelogs/ (config, changelog.yaml, fragments; not the plugin cache),
galaxy.yml (namespace, name) and what ``ansible-doc --metadata-dump`` documents: plugins/, roles/ and meta/runtime.yml.
The release must have a summary and announce, as new, every module and plugin whose documentation says
``version_added: 0.1.0`` and every role (their ``main`` entry point's ``version_added``), and no section that only a
later release can have (bugfixes, breaking, major, deprecated or removed).

Usage: python hacking/check_changelog.py [SOURCE_DIR]   (default: this repository; exit 1 on a problem)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

VERSION, DATE = "0.1.0", "2026-12-06"
NOT_IN_A_FIRST_RELEASE = ("Bugfixes", "Breaking Changes", "Major Changes", "Deprecated Features", "Removed Features")
NOT_PLUGINS = {"module_utils", "doc_fragments"}  # under plugins/, but neither modules nor plugins
VERSION_ADDED = re.compile(rf"^version_added:\s*[\"']?{re.escape(VERSION)}[\"']?\s*$", re.MULTILINE)  # top level of DOCUMENTATION


def expected(source: Path, namespace: str) -> dict[str, set[str]]:
    """The entries each section must list, from the plugin files and the role directories."""
    new = {"New Modules": set(), "New Plugins": set(), "New Roles": set()}
    for path in sorted((source / "plugins").glob("*/*.py")):
        kind = path.parent.name
        if kind not in NOT_PLUGINS and not path.name.startswith("_") and VERSION_ADDED.search(path.read_text()):
            new["New Modules" if kind == "modules" else "New Plugins"].add(f"{namespace}.{path.stem}")
    new["New Roles"] = {f"{namespace}.{path.name}" for path in (source / "roles").iterdir() if path.is_dir()}
    return new


def sections(rst: str) -> dict[str, list[str]]:
    """Section title -> its lines (subsection titles and entries) in a one-release CHANGELOG.rst."""
    found: dict[str, list[str]] = {}
    lines = rst.splitlines()
    current = None
    for line, under in zip(lines, [*lines[1:], ""]):
        if line and under == "-" * len(line):
            current = found.setdefault(line, [])
        elif current is not None and line.strip() and not set(line) <= set("-~"):
            current.append(line)
    return found


def main(args: list[str]) -> int:
    source = Path(args[0] if args else Path(__file__).resolve().parent.parent)
    galaxy = (source / "galaxy.yml").read_text()
    namespace = ".".join(re.search(rf"^{key}:\s*(\S+)", galaxy, re.MULTILINE).group(1) for key in ("namespace", "name"))
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    with tempfile.TemporaryDirectory(prefix="check-changelog-") as work:
        tree = Path(work)
        skip = shutil.ignore_patterns(".plugin-cache.yaml", "__pycache__", "*.pyc")
        for name in ("changelogs", "plugins", "roles", "meta"):
            shutil.copytree(source / name, tree / name, ignore=skip)
        shutil.copy2(source / "galaxy.yml", tree / "galaxy.yml")
        cmd = [shutil.which("antsibull-changelog", path=env["PATH"]) or "antsibull-changelog", "release", "--version", VERSION, "--date", DATE]
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=False)
        rst = (tree / "CHANGELOG.rst").read_text() if proc.returncode == 0 else ""
    if proc.returncode != 0:
        print(f"antsibull-changelog release failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
        return 1
    found = sections(rst)
    for title, lines in found.items():
        print("\n  ".join([f"{title}:", *(line.strip() for line in lines)]))
    problems = [] if found.get("Release Summary") else ["no Release Summary"]
    problems += [f"a first release has no section {title!r}" for title in found if title.startswith(NOT_IN_A_FIRST_RELEASE)]
    for title, names in expected(source, namespace).items():
        listed = {m.group(1) for line in found.get(title, []) if (m := re.match(r"- (\S+) - ", line))}
        problems += [f"{title} does not list {name}" for name in sorted(names - listed)]
        problems += [f"{title} lists {name}, which is not new in {VERSION}" for name in sorted(listed - names)]
    for line in problems:
        print(f"PROBLEM: {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
