"""What ``make test`` and ``make test-compat`` share: the copy of the collection, the tally, and ansible-test's steps.

Counts come from the runners' own JUnit files, and a step that ran nothing fails:
a sanity test that had no file to check is not counted as passed, an integration
target that did not run or asserted nothing is a failure, and so is a test file
that contributed no test case.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE, NAME = "oauthkit", "github"


@dataclasses.dataclass(frozen=True)
class AnsibleTest:
    """Where and how ansible-test runs: the collection copy, the environment (its PATH picks the ansible-core) and the Python."""

    coll: Path
    env: dict[str, str]
    python: str

    def run(self, command: str, *args: str) -> tuple[int, str]:
        """``ansible-test COMMAND`` (which may be two words, such as ``coverage report``) with this venv and Python."""
        return run(["ansible-test", *command.split(), "--venv", "--python", self.python, "--color", "no", *args], self.coll, self.env)

    @property
    def junit_dir(self) -> Path:
        return self.coll / "tests" / "output" / "junit"


@dataclasses.dataclass
class Tally:
    """Checks passed and failed, one summary line per step."""

    passed: int = 0
    failed: int = 0
    lines: list[str] = dataclasses.field(default_factory=list)

    def add(self, name: str, passed: int, failed: int, seconds: float, extra: str = "") -> None:
        self.passed += passed
        self.failed += failed
        status = "ok" if failed == 0 else "FAILED"
        self.lines.append(f"{status:6} {name:38} {passed:4} passed {failed:3} failed {seconds:7.1f}s {extra}".rstrip())

    def finish(self) -> int:
        """Print the table and the closing ``N passed, N failed`` line; return the exit code."""
        print("\n=== summary")
        for line in self.lines:
            print(line)
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed or not self.passed else 0


def build_base(label: str) -> Path:
    """A directory outside the checkout, one per checkout and purpose, to hold ``ansible_collections/``."""
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
    default = Path(tempfile.gettempdir()) / f"oauthkit-github-{digest}-{label}"
    return Path(os.environ.get("OAUTHKIT_BUILD_ROOT", str(default.parent))) / default.name


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def collection_copy(base: Path) -> Path:
    """Copy the working tree as git sees it (tracked, and untracked but not ignored) to base/ansible_collections/oauthkit/github.

    ansible-test works only inside such a tree.  ``tests/output`` of an earlier copy is kept, so ansible-test's caches survive.
    """
    dest = base / "ansible_collections" / NAMESPACE / NAME
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    keep = dest / "tests" / "output"
    if dest.exists():
        for child in dest.iterdir():
            if child.name != "tests":
                _remove(child)
        for child in (dest / "tests").iterdir():
            if child != keep:
                _remove(child)
    for name in filter(None, listing.split("\0")):
        src = ROOT / name
        if not src.is_file():
            continue  # deleted in the working tree but still in the index
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    shutil.rmtree(keep / "junit", ignore_errors=True)
    return dest


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run a command, stream its output, and return (exit code, output)."""
    print(f"\n=== {' '.join(cmd)}", flush=True)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        out.append(line)
    sys.stdout.flush()
    return proc.wait(), "".join(out)


def _cases(paths: list[str]) -> list[ET.Element]:
    return [case for path in paths for case in ET.parse(path).getroot().iter("testcase")]


def _outcome(case: ET.Element) -> str:
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    if case.find("skipped") is not None:
        return "skipped"
    return "passed"


def pytest_counts(paths: list[str], test_files: list[Path], test_root: Path) -> tuple[int, int, list[str]]:
    """(passed, failed, problems) from pytest JUnit files.

    A skipped test proves nothing and counts as failed; so does a test file that contributed no test case.
    """
    cases = _cases(paths)
    passed = sum(_outcome(case) == "passed" for case in cases)
    failed = len(cases) - passed
    classnames = {case.get("classname", "") for case in cases}
    problems = []
    for path in test_files:
        dotted = ".".join(path.relative_to(test_root).with_suffix("").parts)
        if not any(name == dotted or name.endswith(f".{dotted}") or f".{dotted}." in f".{name}." for name in classnames):
            problems.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: no test ran from this file")
    return passed, failed + len(problems), problems


def pytest_step(tally: Tally, name: str, test_root: Path, *, env: dict[str, str], junit: Path) -> None:
    """Run pytest on test_root with ``--junitxml=junit``; every ``test_*.py`` under test_root must contribute a test."""
    start = time.monotonic()
    junit.unlink(missing_ok=True)
    code = run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_root), f"--junitxml={junit}"], ROOT, env)[0]
    files = sorted(test_root.rglob("test_*.py"))
    passed, failed, problems = pytest_counts([str(junit)], files, test_root) if junit.exists() else (0, 1, ["no JUnit file written"])
    for problem in problems:
        print(f"FAILED: {problem}")
    if code != 0 and failed == 0:
        failed = 1
    tally.add(name, passed, failed, time.monotonic() - start)


def sanity_step(tally: Tally, at: AnsibleTest, label: str = "ansible-test sanity") -> None:
    """One check per sanity test that checked files; a test with nothing to check counts neither way."""
    start = time.monotonic()
    code, out = at.run("sanity", "--junit")
    paths = glob.glob(str(at.junit_dir / "*sanity*.xml"))
    outcomes = [_outcome(case) for case in _cases(paths)]
    passed, failed, idle = outcomes.count("passed"), outcomes.count("failed"), outcomes.count("skipped")
    match = re.search(r"The (\d+) sanity test\(s\) listed below \(out of \d+\) failed", out)
    if match:
        failed = max(failed, int(match.group(1)))
    if code != 0 and failed == 0:
        failed = 1
    if passed == 0:
        print("FAILED: no sanity test checked any file")
        failed = max(failed, 1)
    tally.add(label, passed, failed, time.monotonic() - start, f"({idle} had nothing to check)")


def units_step(tally: Tally, at: AnsibleTest, *, label: str = "ansible-test units", coverage_minimum: float | None = None) -> None:
    """ansible-test units; with coverage_minimum, also the line coverage of plugins/ as one more check."""
    start = time.monotonic()
    code = at.run("units", *(["--coverage"] if coverage_minimum is not None else []))[0]
    test_root = at.coll / "tests" / "unit"
    paths = glob.glob(str(at.junit_dir / "*units*.xml"))
    passed, failed, problems = pytest_counts(paths, sorted(test_root.rglob("test_*.py")), test_root) if paths else (0, 1, ["no JUnit file"])
    for problem in problems:
        print(f"FAILED: {problem}")
    if code != 0 and failed == 0:
        failed = 1
    tally.add(label, passed, failed, time.monotonic() - start)
    if coverage_minimum is None:
        return
    start = time.monotonic()
    code, out = at.run("coverage report", "--include", "plugins/*", "--show-missing")
    match = re.search(r"^TOTAL\s+.*?(\d+(?:\.\d+)?)%\s*$", out, re.MULTILINE)
    percent = float(match.group(1)) if match else 0.0
    ok = code == 0 and percent >= coverage_minimum
    tally.add("unit coverage of plugins/", int(ok), int(not ok), time.monotonic() - start, f"{percent:.1f}% (minimum {coverage_minimum:.0f}%)")


def integration_targets(coll: Path) -> list[str]:
    """The targets ansible-test should run: every target that is not hidden."""
    targets = []
    for target in sorted((coll / "tests" / "integration" / "targets").iterdir()):
        aliases = (target / "aliases").read_text().split() if (target / "aliases").exists() else []
        if "hidden" not in aliases:
            targets.append(target.name)
    return targets


ASSERTED = "All assertions passed"


def _asserted(output: str) -> bool:
    """Whether a task's result (the JSON of a JUnit test case's output) is an assert task's that passed, in a loop or not.

    Other tasks' results may hold the words too (a nested ansible-playbook's stdout, say): only the result's own msg counts.
    """
    try:
        result = json.loads(output)
    except ValueError:
        return False
    if not isinstance(result, dict):
        return False
    items = result.get("results")
    if isinstance(items, list) and items:
        return all(isinstance(item, dict) and item.get("msg") == ASSERTED for item in items)
    return result.get("msg") == ASSERTED


def integration_step(tally: Tally, at: AnsibleTest, label: str = "ansible-test integration", targets: list[str] | None = None) -> None:
    """One check per assert task that passed; every expected target (all that are not hidden, or ``targets``) must run and assert something."""
    start = time.monotonic()
    code, out = at.run("integration", "--continue-on-error", *(targets or []))
    expected = targets or integration_targets(at.coll)
    ran = re.findall(r"^Running (\S+) integration test role", out, re.MULTILINE)
    passed = failed = 0
    asserted: dict[str, int] = {}
    for path in glob.glob(str(at.junit_dir / "*.xml")):
        if "-units" in path or "sanity" in path:
            continue
        for case in ET.parse(path).getroot().iter("testcase"):
            if _outcome(case) == "failed":
                failed += 1
            elif _asserted(case.findtext("system-out") or ""):
                passed += 1
                asserted[Path(path).name] = asserted.get(Path(path).name, 0) + 1  # <target>-<random>-<time>.xml
    problems = [f"target {name} did not run" for name in expected if name not in ran]
    problems += [f"target {name} ran no assert" for name in expected if name in ran and not any(key.startswith(f"{name}-") for key in asserted)]
    if not expected:
        problems.append("no integration target found")
    for problem in problems:
        print(f"FAILED: {problem}")
    failed += len(problems)
    if code != 0 and failed == 0:
        failed = 1
    tally.add(label, passed, failed, time.monotonic() - start, f"{len(ran)}/{len(expected)} target(s)")


def parallel_integration(tally: Tally, at: AnsibleTest, groups: list[list[str]], copies: list[AnsibleTest]) -> None:
    """Integration targets in groups that run at the same time, each group in its own copy of the collection.

    ``copies`` holds one AnsibleTest per group after the first (which uses ``at``).  A target that is in no group,
    or a group that names no target, fails the step: every target must run somewhere.
    """
    named = [name for group in groups for name in group]
    missing = sorted(set(integration_targets(at.coll)) - set(named))
    unknown = sorted(set(named) - set(integration_targets(at.coll)))
    if missing or unknown or len(set(named)) != len(named):
        print(f"FAILED: integration groups do not cover the targets once each: missing {missing}, unknown {unknown}")
        tally.add("ansible-test integration (groups)", 0, 1, 0.0)
        return
    threads = [
        threading.Thread(target=integration_step, args=(tally, runner, f"ansible-test integration: {', '.join(group)}", group))
        for runner, group in zip([at, *copies], groups)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# Asks the installed ansible-test which pip it bootstraps into its venvs (python_requirements.get_venv_packages).
PIP_VERSION_PROBE = """
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version='%d.%d' % sys.version_info[:2]))['pip'])
"""


def install_get_pip_standin(python: str) -> str:
    """Put the offline get-pip stand-in where the ansible-test of ``python``'s venv looks for its pip's bootstrap script.

    ansible-test downloads get-pip from a host this machine cannot reach; it first looks in
    ``~/.ansible/test/cache/get_pip_<version>.py``.  Returns the pip version; raises when the venv has no ansible-test.
    """
    pip_version = subprocess.run([python, "-c", PIP_VERSION_PROBE], capture_output=True, text=True, check=True).stdout.strip()
    dest = Path.home() / ".ansible" / "test" / "cache" / f"get_pip_{pip_version.replace('.', '_')}.py"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "hacking" / "get_pip_standin.py", dest)
    return pip_version
