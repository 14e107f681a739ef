"""``make test-compat``: ansible-test sanity, units and integration on the oldest and the newest ansible-core we promise.

Each leg is one ansible-core release line on one Python, in its own venv ``.venv-compat-<leg>/``
that make builds from ``hacking/compat/requirements-<leg>.txt`` pinned by ``constraints-<leg>.txt``.
Every leg tests its own copy of the collection (checklib.build_base), so legs and ``make test``
never share an ``ansible_collections`` tree, and the legs run at the same time (``--serial``: one after
the other): the first leg's output streams, the others' follows from tests/output/make-test-compat/<leg>.log.
Ends with one ``N passed, N failed`` line.

Other uses (``$PYTHON`` is any Python >= 3.9):
  $PYTHON hacking/compat.py --find-python LEG   print the interpreter for LEG, or fail saying how to get one
  $PYTHON hacking/compat.py --pin LEG           re-resolve requirements-LEG.txt and rewrite constraints-LEG.txt
  $PYTHON hacking/compat.py --leg LEG           run one leg only (repeatable; legs given this way run one after the other)
"""

from __future__ import annotations

import argparse
import glob
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

from checklib import ROOT, AnsibleTest, Tally, build_base, collection_copy, install_get_pip_standin, integration_step, sanity_step, units_step
from emulator_process import emulator

COMPAT = ROOT / "hacking" / "compat"

# leg -> acceptable Python versions, most preferred first.
LEGS: dict[str, tuple[str, ...]] = {
    "2.16": ("3.11",),  # the oldest ansible-core that meta/runtime.yml promises
    "2.21": ("3.13", "3.12"),  # the newest ansible-core; it needs Python >= 3.12
}


def venv_dir(leg: str) -> Path:
    return ROOT / f".venv-compat-{leg}"


def python_version(python: str) -> str | None:
    """``X.Y`` of an interpreter, or None when it does not run (a pyenv shim without that version, say)."""
    try:
        proc = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def pyenv_roots() -> list[Path]:
    roots = []
    if shutil.which("pyenv"):
        proc = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        if proc.returncode == 0 and proc.stdout.strip():
            roots.append(Path(proc.stdout.strip()))
    roots.append(Path.home() / ".pyenv")
    return roots


def find_python(leg: str) -> str | None:
    """The first working interpreter for leg: pythonX.Y on PATH, then pyenv's versions, in LEGS order."""
    for version in LEGS[leg]:
        candidates = [shutil.which(f"python{version}") or ""]
        for root in pyenv_roots():
            candidates += sorted(glob.glob(str(root / "versions" / f"{version}*" / "bin" / "python")), reverse=True)
        for candidate in filter(None, candidates):
            if python_version(candidate) == version:
                return candidate
    return None


def no_python_message(leg: str) -> str:
    versions = " or ".join(LEGS[leg])
    newest = LEGS[leg][0]
    return (
        f"make test-compat: the ansible-core {leg} leg needs Python {versions}, and none works here\n"
        f"(looked for python{newest} etc. on PATH, then $(pyenv root)/versions and ~/.pyenv/versions).\n"
        f"Install one, for example:  pyenv install {newest}   or   sudo apt-get install python{newest} python{newest}-venv\n"
        f"or an installer from https://www.python.org/downloads/ ; then run make test-compat again."
    )


def pin(leg: str) -> int:
    """Resolve requirements-LEG.txt in a scratch venv and write the result of pip freeze to constraints-LEG.txt."""
    python = find_python(leg)
    if python is None:
        print(no_python_message(leg), file=sys.stderr)
        return 1
    requirements = COMPAT / f"requirements-{leg}.txt"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([python, "-m", "venv", tmp], check=True)
        pip = [f"{tmp}/bin/python", "-m", "pip", "--disable-pip-version-check"]
        subprocess.run([*pip, "install", "--quiet", "-r", str(requirements)], check=True)
        frozen = subprocess.run([*pip, "freeze"], check=True, capture_output=True, text=True).stdout
    header = (
        f"# ansible-core {leg} leg of make test-compat, on Python {python_version(python)}: pip freeze of requirements-{leg}.txt.\n"
        f"# Regenerate with: python3 hacking/compat.py --pin {leg}\n"
    )
    (COMPAT / f"constraints-{leg}.txt").write_text(header + frozen)
    print(f"wrote {COMPAT / f'constraints-{leg}.txt'}")
    return 0


# The targets whose behaviour depends on ansible-core (argument specs, module_defaults and action groups, check and diff mode,
# no_log, nested ansible-playbook runs, and the action plugins' use of ActionBase: the task's environment, _execute_module over
# SSH with become and pipelining). make test runs every target on the main venv's ansible-core; the transport targets
# (resilience, fleet, secrets, proxy) run there only, to keep .ci/run within its time. ssh_smoke is the SSH smoke test
# (create, then verify, on two loopback SSH hosts). lookup_totp is left out: on 2.16 a loop whose lookup fails registers
# no `results`, which the target expects.
COMPAT_TARGETS = ["authorization", "custody", "authorization_info", "role_app_token", "ssh_smoke"]


def pin_libraries(coll: Path, leg_python: Path) -> str:
    """Give ansible-test's venvs of this leg the controller libraries of the leg's venv (the oldest ones on the 2.16 leg)."""
    freeze = subprocess.run([str(leg_python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    pins = {line.split("==")[0].lower(): line for line in freeze.splitlines() if line.split("==")[0].lower() in ("requests", "urllib3", "pyotp")}
    for name in ("unit", "integration"):
        path = coll / "tests" / name / "requirements.txt"
        kept = [line for line in path.read_text().splitlines() if line.split("==")[0].strip().lower() not in pins]
        path.write_text("\n".join([*kept, *pins.values()]) + "\n")
    return ", ".join(pins.values())


def readme_example_failure(tally: Tally, leg: str, venv: Path, coll: Path) -> None:
    """The README's example, run with a wrong password on this leg's ansible-core, shows the module's own message."""
    start = time.monotonic()
    examples = coll / "docs" / "examples"
    with tempfile.TemporaryDirectory(prefix="oauthkit-readme-") as tmp, emulator(Path(tmp)) as url:
        env = {
            **os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "OAUTHKIT_GITHUB_API_URL": url,
            "TOKEN_FILE": f"{tmp}/provisioner.token", "ANSIBLE_COLLECTIONS_PATH": str(coll.parent.parent.parent), "ANSIBLE_NOCOLOR": "1",
        }
        cmd = ["ansible-playbook", "--vault-password-file", str(examples / "demo-vault-password"), str(examples / "get_or_create.yml"),
               "-e", "github_password=not-the-password"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    shown = "GitHub rejected the username or password" in proc.stdout and '"msg_id": "api.bad_credentials"' in proc.stdout
    ok = proc.returncode != 0 and shown and "censored" not in proc.stdout and "not-the-password" not in proc.stdout
    if not ok:
        print(f"FAILED: the README example with a wrong password on {leg} did not show the module's message:\n{proc.stdout}\n{proc.stderr}")
    tally.add(f"{leg}: README example, wrong password, message shown", int(ok), int(not ok), time.monotonic() - start)


def run_leg(tally: Tally, leg: str) -> None:
    venv = venv_dir(leg)
    python = venv / "bin" / "python"
    start = time.monotonic()
    version = python_version(str(python)) if python.exists() else None
    if version is None:
        print(f"FAILED: {venv.name} is missing or broken; `make test-compat` builds it")
        tally.add(f"{leg}: leg venv", 0, 1, time.monotonic() - start, f"{venv.name} missing")
        return
    core = subprocess.run([str(python), "-c", "from ansible.release import __version__; print(__version__)"], capture_output=True, text=True, check=False)
    try:
        pip_version = install_get_pip_standin(str(python))
    except subprocess.CalledProcessError as exc:
        pip_version = ""
        print(f"FAILED: cannot read ansible-test's pip version in {venv.name}:\n{exc.stderr}")
    if core.returncode != 0 or not pip_version:
        print(f"FAILED: cannot read ansible-core's version in {venv.name}:\n{core.stderr}")
        tally.add(f"{leg}: leg venv", 0, 1, time.monotonic() - start)
        return
    print(f"\n=== ansible-core {core.stdout.strip()} on Python {version}; ansible-test bootstraps pip {pip_version} with the offline stand-in")
    tally.add(f"{leg}: leg venv", 1, 0, time.monotonic() - start, f"ansible-core {core.stdout.strip()}, Python {version}, pip {pip_version}")

    env = dict(os.environ)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    for name in ("PYTHONPATH", "PYTHONHOME", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS"):
        env.pop(name, None)
    at = AnsibleTest(coll=collection_copy(build_base(f"compat-{leg}")), env=env, python=version)
    print(f"=== controller libraries of this leg: {pin_libraries(at.coll, python)}", flush=True)
    sanity_step(tally, at, f"{leg}: ansible-test sanity")
    units_step(tally, at, label=f"{leg}: ansible-test units")
    integration_step(tally, at, f"{leg}: ansible-test integration", COMPAT_TARGETS)
    readme_example_failure(tally, leg, venv, at.coll)


def recording(tally: Tally, rows: list[list[t.Any]]) -> Tally:
    """Make tally.add also append its arguments to rows, so that a parent process can replay them."""
    add = tally.add
    signature = inspect.signature(add)

    def record(*args: t.Any, **kwargs: t.Any) -> None:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        rows.append(list(bound.arguments.values()))
        add(*args, **kwargs)

    tally.add = record  # type: ignore[method-assign]
    return tally


def run_parallel(tally: Tally, legs: list[str]) -> None:
    """Each leg in its own process, all at once; the first leg's output streams, the others' is printed from its log after it."""
    logs = ROOT / "tests" / "output" / "make-test-compat"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    print(f"=== legs {', '.join(legs)} run at the same time; the output of {legs[0]} follows, then that of the others (logs in {logs})", flush=True)
    children = []
    for index, leg in enumerate(legs):
        rows, log = logs / f"{leg}.json", logs / f"{leg}.log"
        out = None if index == 0 else log.open("w")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--leg", leg, "--rows", str(rows)]
        children.append((leg, rows, log, out, subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT if out else None)))
    for leg, rows, log, out, proc in children:
        code = proc.wait()
        if out is not None:
            out.close()
            print(f"\n=== output of the {leg} leg ({log})\n{log.read_text()}", flush=True)
        if rows.exists():
            for row in json.loads(rows.read_text()):
                tally.add(*row)
        else:
            tally.add(f"{leg}: leg", 0, 1, 0.0, f"exited with {code} and no results")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--leg", choices=LEGS, action="append", help="run only this leg (repeatable)")
    group.add_argument("--serial", action="store_true", help="run the legs one after the other, in this process")
    group.add_argument("--find-python", choices=LEGS, metavar="LEG", help="print the interpreter for LEG's venv")
    group.add_argument("--pin", choices=LEGS, metavar="LEG", help="rewrite hacking/compat/constraints-LEG.txt")
    parser.add_argument("--rows", type=Path, help=argparse.SUPPRESS)  # with --leg: write the tally's rows here (run_parallel)
    args = parser.parse_args()
    if args.find_python:
        python = find_python(args.find_python)
        if python is None:
            print(no_python_message(args.find_python), file=sys.stderr)
            return 1
        print(python)
        return 0
    if args.pin:
        return pin(args.pin)
    tally = Tally()
    if args.rows:
        rows: list[list[t.Any]] = []
        recording(tally, rows)
        for leg in args.leg or LEGS:
            run_leg(tally, leg)
        args.rows.write_text(json.dumps(rows))
        return 0
    if args.leg or args.serial:
        for leg in args.leg or LEGS:
            run_leg(tally, leg)
    else:
        run_parallel(tally, list(LEGS))
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main())
