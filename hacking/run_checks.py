"""Run every check of ``make test`` and end with one ``N passed, N failed`` line.

Each step runs even when an earlier one failed, so one run shows every problem.
Steps that run a test suite contribute their test counts (from JUnit XML);
every other step counts as one check.  The exit code is non-zero when anything failed.

ansible-test only works inside ``ansible_collections/<namespace>/<name>``, so the
files git knows about (tracked, and untracked but not ignored) are copied into such
a tree outside the checkout first.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
COVERAGE_MINIMUM = 90.0


@dataclasses.dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    lines: list[str] = dataclasses.field(default_factory=list)

    def add(self, name: str, passed: int, failed: int, seconds: float, extra: str = "") -> None:
        self.passed += passed
        self.failed += failed
        status = "ok" if failed == 0 else "FAILED"
        self.lines.append(f"{status:6} {name:34} {passed:4} passed {failed:3} failed {seconds:7.1f}s {extra}")


def collection_copy() -> Path:
    """Copy the working tree (as git sees it) to <tmp>/ansible_collections/oauthkit/github."""
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
    base = Path(os.environ.get("OAUTHKIT_BUILD_ROOT", Path(tempfile.gettempdir()) / f"oauthkit-github-{digest}"))
    dest = base / "ansible_collections" / "oauthkit" / "github"
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode()
    keep_output = dest / "tests" / "output"
    if dest.exists():
        for child in dest.iterdir():
            if child.name != "tests":
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        for child in (dest / "tests").iterdir():
            if child != keep_output:
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    for name in filter(None, listing.split("\0")):
        src = ROOT / name
        if not src.is_file():
            continue  # deleted in the working tree but still in the index
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
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


def junit_counts(paths: list[str]) -> tuple[int, int]:
    passed = failed = 0
    for path in paths:
        root = ET.parse(path).getroot()
        suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
        for suite in suites:
            total = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            passed += total - bad - skipped
            failed += bad + skipped  # a skipped test is a test that did not prove anything
    return passed, failed


def integration_counts(paths: list[str]) -> tuple[int, int]:
    """(assert tasks that passed, tasks that failed) in ansible-test's integration JUnit files."""
    passed = failed = 0
    for path in paths:
        for case in ET.parse(path).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif "All assertions passed" in (case.findtext("system-out") or ""):
                passed += 1
    return passed, failed


def main() -> int:
    tally = Tally()
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    env.pop("PYTHONPATH", None)
    coll = collection_copy()
    env["ANSIBLE_COLLECTIONS_PATH"] = str(coll.parent.parent.parent)
    # The example playbook's vars file is vaulted; ansible-lint's syntax check has to open it.
    env["ANSIBLE_VAULT_PASSWORD_FILE"] = str(coll / "docs" / "examples" / "demo-vault-password")
    output = coll / "tests" / "output"
    shutil.rmtree(output, ignore_errors=True)
    reports = ROOT / "tests" / "output" / "make-test"
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)
    at = ["ansible-test"]
    at_opts = ["--venv", "--python", PYTHON_VERSION, "--color", "no"]

    def step(name: str, cmd: list[str], cwd: Path = coll) -> int:
        start = time.monotonic()
        code = run(cmd, cwd, env)[0]
        tally.add(name, int(code == 0), int(code != 0), time.monotonic() - start)
        return code

    step("ruff", ["ruff", "check", "."], ROOT)
    step("changelog fragments", ["antsibull-changelog", "lint"])

    # The emulator's own suite: fidelity against the OpenAPI extract, the recordings and octokit.
    start = time.monotonic()
    junit = reports / "emulator.xml"
    code = run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", "tests/emulator/tests"], ROOT, env)[0]
    passed, failed = junit_counts([str(junit)]) if junit.exists() else (0, 1)
    if code != 0 and failed == 0:
        failed = 1
    tally.add("emulator tests", passed, failed, time.monotonic() - start)

    # ansible-test sanity: one check per sanity test.
    start = time.monotonic()
    code, out = run([*at, "sanity", *at_opts], coll, env)
    ran = len(re.findall(r"^Running sanity test [\"']", out, re.MULTILINE))
    match = re.search(r"The (\d+) sanity test\(s\) listed below \(out of \d+\) failed", out)
    bad = int(match.group(1)) if match else int(code != 0)
    tally.add("ansible-test sanity", max(ran - bad, 0), bad, time.monotonic() - start)

    # Units, with coverage of plugins/.
    start = time.monotonic()
    code = run([*at, "units", *at_opts, "--coverage"], coll, env)[0]
    passed, failed = junit_counts(glob.glob(str(output / "junit" / "*units*.xml")))
    if code != 0 and failed == 0:
        failed = 1
    tally.add("ansible-test units", passed, failed, time.monotonic() - start)
    start = time.monotonic()
    code, out = run([*at, "coverage", "report", *at_opts, "--include", "plugins/*", "--show-missing"], coll, env)
    match = re.search(r"^TOTAL\s+.*?(\d+(?:\.\d+)?)%\s*$", out, re.MULTILINE)
    percent = float(match.group(1)) if match else 0.0
    ok = code == 0 and percent >= COVERAGE_MINIMUM
    tally.add("unit coverage of plugins/", int(ok), int(not ok), time.monotonic() - start, f"{percent:.1f}% (minimum {COVERAGE_MINIMUM:.0f}%)")

    # Integration: real ansible-playbook runs against the emulator, one check per target.
    if any((coll / "tests" / "integration" / "targets").glob("*/tasks")):
        start = time.monotonic()
        code, out = run([*at, "integration", *at_opts, "--continue-on-error"], coll, env)
        targets = len(re.findall(r"^Running (\S+) integration test role", out, re.MULTILINE))
        # One check per assert task that passed (from ansible-test's JUnit output), one failure per failed task.
        passed, failed = integration_counts([p for p in glob.glob(str(output / "junit" / "*.xml")) if "-units" not in p])
        if code != 0 and failed == 0:
            failed = 1
        tally.add("ansible-test integration", passed, failed, time.monotonic() - start, f"{targets} target(s)")

    step("make demo (changed, then ok)", ["python", str(ROOT / "hacking" / "demo.py")], ROOT)
    step("ansible-lint (production)", ["ansible-lint", "--profile", "production"])
    step("antsibull-docs lint", ["antsibull-docs", "lint-collection-docs", "--plugin-docs", "."])
    step("ansible-doc renders", ["python", str(ROOT / "hacking" / "check_docs.py")])
    dist = coll.parent.parent.parent / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    if step("galaxy build", ["ansible-galaxy", "collection", "build", "--output-path", str(dist)]) == 0:
        importer_cfg = reports / "galaxy-importer.cfg"
        importer_cfg.write_text("[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\n")
        env["GALAXY_IMPORTER_CONFIG"] = str(importer_cfg)
        tarballs = sorted(str(p) for p in dist.glob("*.tar.gz"))
        start = time.monotonic()
        code, out = run(["python", "-m", "galaxy_importer.main", *tarballs], reports, env)
        warnings = re.findall(r"^(?:WARNING|ERROR).*$", out, re.MULTILINE)
        bad = int(code != 0 or bool(warnings))
        tally.add("galaxy-importer", 1 - bad, bad, time.monotonic() - start, f"{len(warnings)} warnings")
    else:
        tally.add("galaxy-importer", 0, 1, 0.0, "(no tarball)")

    print("\n=== summary")
    for line in tally.lines:
        print(line)
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
