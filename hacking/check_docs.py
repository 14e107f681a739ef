"""Check that ``ansible-doc`` renders every module, the lookup and the role completely, and that the README shows the demo's playbook.

For each module: the text rendering succeeds, and the JSON form documents every
connection option of the shared argument spec (``_module.connection_argument_spec()``),
has examples and has return values.  validate-modules (ansible-test sanity) checks each
module's own options against its documentation.
The role ``app_token`` must pass every option of ``oauthkit.github.authorization`` through as an
``app_token_``-prefixed input, except the ones it fixes (ROLE_FIXED) and with ``token_path`` named ``app_token_path``.
Run with ANSIBLE_COLLECTIONS_PATH pointing at the tree that holds ansible_collections/oauthkit/github.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

COLLECTION = "oauthkit.github"
ROLE = f"{COLLECTION}.app_token"
# Module options that the role does not pass through: it always ensures presence, and leaves SELinux and unsafe writes alone.
ROLE_FIXED = {"state", "seuser", "serole", "selevel", "setype", "unsafe_writes", "attributes"}
ROLE_RENAMED = {"token_path": "app_token_path"}


def ansible_doc_json(*args: str) -> dict:
    return json.loads(subprocess.run(["ansible-doc", "--json", *args], capture_output=True, text=True, check=True).stdout)


def check_role(module_options: set[str]) -> list[str]:
    """The role renders, and its argument spec takes every module option it does not fix."""
    failures = []
    text = subprocess.run(["ansible-doc", "-t", "role", ROLE], capture_output=True, text=True, check=False)
    if text.returncode != 0 or "ENTRY POINT: main" not in text.stdout.replace("\x1b[1m", "").replace("\x1b[0m", ""):
        return [f"{ROLE}: ansible-doc -t role did not render the main entry point:\n{text.stderr}"]
    spec = ansible_doc_json("-t", "role", ROLE)[ROLE]["entry_points"]["main"]["options"]
    for option in sorted(module_options - ROLE_FIXED):
        name = ROLE_RENAMED.get(option, f"app_token_{option}")
        if name not in spec:
            failures.append(f"{ROLE}: module option {option} is not passed through (no input {name})")
    print(f"{ROLE}: {len(spec)} inputs documented")
    return failures


def check_lookup() -> list[str]:
    fqcn = f"{COLLECTION}.totp"
    text = subprocess.run(["ansible-doc", "-t", "lookup", fqcn], capture_output=True, text=True, check=False)
    if text.returncode != 0 or "EXAMPLES" not in text.stdout or "RETURN VALUES" not in text.stdout:
        return [f"{fqcn}: ansible-doc -t lookup did not render examples and return values:\n{text.stderr}"]
    print(f"{fqcn}: rendered")
    return []


def connection_options() -> list[str]:
    """The option names of the shared connection argument spec, read from the installed collection."""
    sys.path[:0] = os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)
    from ansible_collections.oauthkit.github.plugins.module_utils._module import connection_argument_spec  # noqa: PLC0415

    return sorted(connection_argument_spec())


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    failures = []
    connection = connection_options()
    modules = sorted(p.stem for p in (root / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))
    for name in modules:
        fqcn = f"{COLLECTION}.{name}"
        text = subprocess.run(["ansible-doc", fqcn], capture_output=True, text=True, check=False)
        if text.returncode != 0 or "OPTIONS" not in text.stdout or "EXAMPLES" not in text.stdout or "RETURN VALUES" not in text.stdout:
            failures.append(f"{fqcn}: ansible-doc did not render options, examples and return values:\n{text.stderr}")
            continue
        doc = ansible_doc_json(fqcn)[fqcn]
        options = set(doc["doc"].get("options", {}))
        if name == "authorization":
            failures += check_role(options)
        for option in connection:
            if option not in options:
                failures.append(f"{fqcn}: connection option {option} is not documented")
        if not doc.get("examples") or not doc.get("return"):
            failures.append(f"{fqcn}: examples or return values are missing")
        print(f"{fqcn}: {len(options)} options, {len(doc['return'] or {})} return values documented")
    failures += check_lookup()
    example = (root / "docs" / "examples" / "get_or_create.yml").read_text()
    if example not in (root / "README.md").read_text():
        failures.append("README.md does not contain docs/examples/get_or_create.yml verbatim (the demo's playbook)")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures or not modules else 0


if __name__ == "__main__":
    sys.exit(main())
