"""Check that ``ansible-doc`` renders every module, the lookup and the role, that the role passes the module's options through,
that the README shows the demo's playbook, and that every test SECURITY.md names as a promise's proof exists.

Whether each module's documentation matches its argument spec is validate-modules' job (ansible-test sanity); this checks
what it does not: the text rendering (options, examples, return values; the role's examples), and that the role
``app_token`` takes every option of ``oauthkit.github.authorization`` as an ``app_token_`` input, except the ones it fixes
(ROLE_FIXED) and with the ones it renames (ROLE_RENAMED) - which are also the names its messages use (roles/app_token/vars/main.yml).
Run with ANSIBLE_COLLECTIONS_PATH pointing at the tree that holds ansible_collections/oauthkit/github.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

COLLECTION = "oauthkit.github"
ROLE = f"{COLLECTION}.app_token"
ROOT = Path(__file__).resolve().parent.parent
ROLE_FIXED = {"state"}  # the role always ensures presence
ROLE_RENAMED = {"token_path": "app_token_path", "vault_path": "app_token_path", "vault_password": "app_token_vault_secret"}


def ansible_doc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ansible-doc", *args], capture_output=True, text=True, check=False)


def check_role(module_options: set[str]) -> list[str]:
    """The role renders with its examples, takes every module option it does not fix, and names them so in messages."""
    text = ansible_doc("-t", "role", ROLE)
    plain = text.stdout.replace("\x1b[1m", "").replace("\x1b[0m", "")
    if text.returncode != 0 or "ENTRY POINT: main" not in plain:
        return [f"{ROLE}: ansible-doc -t role did not render the main entry point:\n{text.stderr}"]
    spec = json.loads(ansible_doc("--json", "-t", "role", ROLE).stdout)[ROLE]["entry_points"]["main"]
    failures = [] if spec.get("examples") else [f"{ROLE}: the main entry point has no examples"]
    names = yaml.safe_load((ROOT / "roles" / "app_token" / "vars" / "main.yml").read_text())["app_token__option_names"]
    for option in sorted(module_options - ROLE_FIXED):
        name = ROLE_RENAMED.get(option, f"app_token_{option}")
        if name not in spec["options"]:
            failures.append(f"{ROLE}: module option {option} is not passed through (no input {name})")
        if names.get(option) != name:
            failures.append(f"{ROLE}: messages name module option {option} as {names.get(option)!r}, not as the input {name}")
    print(f"{ROLE}: {len(spec['options'])} inputs documented")
    return failures


def check_security() -> list[str]:
    """Every ``file.py::test_name`` (and ``::test_name`` after it) and every target that SECURITY.md's promise table names exists."""
    text = (ROOT / "SECURITY.md").read_text()
    units = ROOT / "tests" / "unit" / "plugins"
    tests = {path.relative_to(units).as_posix(): path.read_text() for path in units.rglob("test_*.py")}
    failures, current = [], None
    for file, name in re.findall(r"`(?:((?:[a-z_]+/)?[a-z_0-9]+\.py))?::(test_[a-z0-9_]+)`", text):
        current = file or current
        if current not in tests or f"def {name}(" not in tests[current]:
            failures.append(f"SECURITY.md names {current}::{name}, which does not exist")
    targets = {path.name for path in (ROOT / "tests" / "integration" / "targets").iterdir()}
    for row in re.findall(r"^\| .+ \| (.+) \|$", text, re.MULTILINE):
        failures += [f"SECURITY.md names the target {name}, which does not exist" for name in re.findall(r"`([a-z_]+)`(?: target|\s\()", row)
                     if name not in targets]
    return failures


def main() -> int:
    failures = check_security()
    modules = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if not path.stem.startswith("_"))
    for name in modules:
        fqcn = f"{COLLECTION}.{name}"
        text = ansible_doc(fqcn)
        if text.returncode != 0 or not all(part in text.stdout for part in ("OPTIONS", "EXAMPLES", "RETURN VALUES")):
            failures.append(f"{fqcn}: ansible-doc did not render options, examples and return values:\n{text.stderr}")
            continue
        if name == "authorization":
            failures += check_role(set(json.loads(ansible_doc("--json", fqcn).stdout)[fqcn]["doc"]["options"]))
        print(f"{fqcn}: rendered")
    lookup = ansible_doc("-t", "lookup", f"{COLLECTION}.totp")
    if lookup.returncode != 0 or "EXAMPLES" not in lookup.stdout or "RETURN VALUES" not in lookup.stdout:
        failures.append(f"{COLLECTION}.totp: ansible-doc -t lookup did not render examples and return values:\n{lookup.stderr}")
    example = (ROOT / "docs" / "examples" / "get_or_create.yml").read_text()
    if example not in (ROOT / "README.md").read_text():
        failures.append("README.md does not contain docs/examples/get_or_create.yml verbatim (the demo's playbook)")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures or not modules else 0


if __name__ == "__main__":
    sys.exit(main())
