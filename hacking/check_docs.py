"""Check that ``ansible-doc`` renders every module of the collection completely, and that the README shows the demo's playbook.

For each module: the text rendering succeeds, and the JSON form documents every
connection option of the shared argument spec (``_module.connection_argument_spec()``),
has examples and has return values.  validate-modules (ansible-test sanity) checks each
module's own options against its documentation.
Run with ANSIBLE_COLLECTIONS_PATH pointing at the tree that holds ansible_collections/oauthkit/github.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

COLLECTION = "oauthkit.github"


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
        doc = json.loads(subprocess.run(["ansible-doc", "--json", fqcn], capture_output=True, text=True, check=True).stdout)[fqcn]
        options = set(doc["doc"].get("options", {}))
        for option in connection:
            if option not in options:
                failures.append(f"{fqcn}: connection option {option} is not documented")
        if not doc.get("examples") or not doc.get("return"):
            failures.append(f"{fqcn}: examples or return values are missing")
        print(f"{fqcn}: {len(options)} options, {len(doc['return'] or {})} return values documented")
    example = (root / "docs" / "examples" / "get_or_create.yml").read_text()
    if example not in (root / "README.md").read_text():
        failures.append("README.md does not contain docs/examples/get_or_create.yml verbatim (the demo's playbook)")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures or not modules else 0


if __name__ == "__main__":
    sys.exit(main())
