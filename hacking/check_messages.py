"""Every message the collection shows has an id in one catalog, and the troubleshooting guide has one entry per id.

Three set comparisons, each printed as what is missing or stale:
* the ids the code raises, warns or renders (first arguments of the catalog's users) are all in the catalog
  (``plugins/module_utils/_messages.py``), and every catalog id is used somewhere in ``plugins/``;
* the troubleshooting guide's ``:Id:`` fields (``docs/docsite/rst/troubleshooting.rst``) are exactly the catalog's ids.
Usage: ``python hacking/check_messages.py`` from the repository's root.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "plugins" / "module_utils" / "_messages.py"
GUIDE = ROOT / "docs" / "docsite" / "rst" / "troubleshooting.rst"
ID = re.compile(r"^[a-z_0-9]+\.[a-z_0-9]+$")
# Callees whose first argument is a message id: the catalog's functions, the typed exceptions, and the stores' helpers.
CALLERS = re.compile(
    r"^(part|render|_fail|Part|[A-Z][A-Za-z]*"
    r"(Error|Lost|Input|Refused|Answer|Required|Credentials|Lockout|Forbidden|Limited|Found|Gone|Failed|Response|Returned|Unknown|Foreign))$"
)


def catalog_ids() -> set[str]:
    tree = ast.parse(CATALOG.read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MESSAGES" and isinstance(node.value, ast.Dict):
            return {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
    raise SystemExit(f"{CATALOG}: no MESSAGES dict")


def used_ids() -> dict[str, set[str]]:
    """Message ids passed to the catalog's users in plugins/, by file."""
    used: dict[str, set[str]] = {}
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        if path == CATALOG:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0]
            if CALLERS.match(name) and isinstance(first, ast.Constant) and isinstance(first.value, str) and ID.match(first.value):
                used.setdefault(first.value, set()).add(str(path.relative_to(ROOT)))
            for value in ast.walk(node):  # ids chosen by an expression: "a.b" if x else "c.d", or a variable bound to a literal
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and ID.match(value.value) and CALLERS.match(name):
                    used.setdefault(value.value, set()).add(str(path.relative_to(ROOT)))
    return used


def literal_ids() -> set[str]:
    """Every string literal in plugins/ that looks like a message id (ids held in variables or tables before they are raised)."""
    found: set[str] = set()
    for path in (ROOT / "plugins").rglob("*.py"):
        if path != CATALOG:
            nodes = ast.walk(ast.parse(path.read_text()))
            found |= {node.value for node in nodes if isinstance(node, ast.Constant) and isinstance(node.value, str) and ID.match(node.value)}
    return found


def main() -> int:
    catalog = catalog_ids()
    used = used_ids()
    documented = set(re.findall(r"^:Id: ``([^`]+)``", GUIDE.read_text(), re.MULTILINE))
    problems = [f"{message_id}: used in {', '.join(sorted(files))} but not in the catalog" for message_id, files in sorted(used.items())
                if message_id not in catalog]
    problems += [f"{message_id}: in the catalog but never used in plugins/" for message_id in sorted(catalog - literal_ids())]
    problems += [f"{message_id}: in the catalog but not in {GUIDE.relative_to(ROOT)}" for message_id in sorted(catalog - documented)]
    problems += [f"{message_id}: in {GUIDE.relative_to(ROOT)} but not in the catalog" for message_id in sorted(documented - catalog)]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(catalog)} messages in the catalog, {len(used)} raised or rendered by id, {len(documented)} in the troubleshooting guide")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
