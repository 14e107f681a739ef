"""Run every check of ``make test`` and end with one ``N passed, N failed`` line.

Each step runs even when an earlier one failed, so one run shows every problem.
Steps that run a test suite contribute their test counts (from JUnit XML, see
checklib); every other step counts as one check.  A step that ran no test fails.
The exit code is non-zero when anything failed.

ansible-test only works inside ``ansible_collections/<namespace>/<name>``, so the
files git knows about are copied into such a tree outside the checkout first.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

from checklib import (
    ROOT,
    AnsibleTest,
    Tally,
    build_base,
    collection_copy,
    install_get_pip_standin,
    parallel_integration,
    pytest_step,
    run,
    sanity_step,
    units_step,
)

BIN = ROOT / ".venv" / "bin"
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
COVERAGE_MINIMUM = 90.0
# Integration targets in two groups that run at the same time (each in its own copy of the collection): most of their
# time is spent waiting (two-factor steps, rate-limit resets, delays), so two at once use the two cores better.
INTEGRATION_GROUPS = [
    ["authorization", "custody", "authorization_info", "lookup_totp", "role_app_token", "ssh_harness", "ssh_custody", "ssh_smoke"],
    ["resilience", "fleet", "secrets", "proxy"],
]


def main() -> int:  # noqa: PLR0915 - one statement per step of make test, in the order they run
    tally = Tally()
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    env.pop("PYTHONPATH", None)
    coll = collection_copy(build_base("test"))
    env["ANSIBLE_COLLECTIONS_PATH"] = str(coll.parent.parent.parent)
    # The example playbook's vars file is vaulted; ansible-lint's syntax check has to open it.
    env["ANSIBLE_VAULT_PASSWORD_FILE"] = str(coll / "docs" / "examples" / "demo-vault-password")
    reports = ROOT / "tests" / "output" / "make-test"
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)

    def step(name: str, cmd: list[str], cwd: Path = coll) -> int:
        start = time.monotonic()
        code = run(cmd, cwd, env)[0]
        tally.add(name, int(code == 0), int(code != 0), time.monotonic() - start)
        return code

    step("ruff", ["ruff", "check", "."], ROOT)
    step("changelog fragments", ["antsibull-changelog", "lint"])
    step("changelog of the first release (0.1.0)", ["python", str(ROOT / "hacking" / "check_changelog.py")], ROOT)
    step("every message in the catalog and the troubleshooting guide", ["python", str(ROOT / "hacking" / "check_messages.py")], ROOT)
    # The emulator's own suite: fidelity against the OpenAPI extract, the recordings and octokit.
    pytest_step(tally, "emulator tests", ROOT / "tests" / "emulator" / "tests", env=env, junit=reports / "emulator.xml")
    bench_tests = ROOT / "tests" / "bench"
    if any(bench_tests.rglob("test_*.py")):
        pytest_step(tally, "benchmark driver tests", bench_tests, env=env, junit=reports / "bench.xml")

    install_get_pip_standin(str(BIN / "python"))
    at = AnsibleTest(coll, env, PYTHON_VERSION)
    sanity_step(tally, at)
    units_step(tally, at, coverage_minimum=COVERAGE_MINIMUM)
    second = AnsibleTest(collection_copy(build_base("test-integration")), env, PYTHON_VERSION)
    parallel_integration(tally, at, INTEGRATION_GROUPS, [second])

    step("make demo (changed, then ok)", ["python", str(ROOT / "hacking" / "demo.py")], ROOT)
    step("ansible-lint (production)", ["ansible-lint", "--profile", "production"])
    lint_docs = ["antsibull-docs", "lint-collection-docs", "--plugin-docs", "--check-extra-docs-refs", "--validate-collection-refs", "all", "."]
    step("antsibull-docs lint", lint_docs)
    step("ansible-doc renders", ["python", str(ROOT / "hacking" / "check_docs.py")])
    step("AWX credential types", ["python", str(ROOT / "hacking" / "check_awx.py")], ROOT)
    step("ansible-runner job (changed, then ok)", ["python", str(ROOT / "hacking" / "runner_check.py"), str(coll.parent.parent.parent)], ROOT)
    dist = coll.parent.parent.parent / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    if step("galaxy build", ["ansible-galaxy", "collection", "build", "--output-path", str(dist)]) == 0:
        importer_cfg = reports / "galaxy-importer.cfg"
        importer_cfg.write_text("[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\n")
        env["GALAXY_IMPORTER_CONFIG"] = str(importer_cfg)
        tarballs = sorted(str(p) for p in dist.glob("*.tar.gz"))
        step("tarball contents (and of one built from a dirty tree)", ["python", str(ROOT / "hacking" / "check_tarball.py"), str(ROOT), *tarballs], ROOT)
        step("execution environment (ansible-builder)", ["python", str(ROOT / "hacking" / "check_ee.py"), *tarballs], ROOT)
        start = time.monotonic()
        code, out = run(["python", "-m", "galaxy_importer.main", *tarballs], reports, env)
        warnings = re.findall(r"^(?:WARNING|ERROR).*$", out, re.MULTILINE)
        bad = int(code != 0 or bool(warnings))
        tally.add("galaxy-importer", 1 - bad, bad, time.monotonic() - start, f"{len(warnings)} warnings")
    else:
        tally.add("execution environment (ansible-builder)", 0, 1, 0.0, "(no tarball)")
        tally.add("galaxy-importer", 0, 1, 0.0, "(no tarball)")
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main())
