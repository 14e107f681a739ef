"""Check that the troubleshooting guide has an entry for every message the collection can fail (or warn) with, and no stale one.

The messages are read from the code, never run: every ``.py`` file under ``plugins/`` is parsed with ``ast``, and
every task file of ``roles/`` with YAML: the ``msg`` of its ``ansible.builtin.fail`` tasks and the ``fail_msg`` of its
``ansible.builtin.assert`` tasks, whose pieces are the text between Jinja expressions and the string literals inside them.

What counts as a message:

* the first argument (or ``msg=``) of every call of a collection exception (``InvalidInput(``, ``TokenLost(``,
  ``TokenStoreError(``, ``TokenNotReturned(``, ``TransportError(``, ``UnexpectedResponse(`` and every other subclass of
  ``OAuthKitError`` in ``_errors.py``, which is how ``_api.py``'s error mapping builds its errors) and of
  ``AnsibleLookupError(`` (the lookup);
* in ``_api.py``, the values of module constants named ``*_HINT`` and the return values of functions named ``*_hint``:
  the 404 and two-factor diagnoses that the error mapping puts into its messages;
* the warnings the modules show: strings put into a variable named ``warnings`` and arguments of ``.warn(``.

A message may be a ``str`` or an f-string.  Its placeholders are followed where that can be done statically: a local
variable (every value assigned to it; both branches of ``x if c else y``), a parameter's default, a module constant, or
a call of a function of the same file (its return values); each string found there is a message of its own.  A message
is its constant text pieces (between placeholders).  Pieces shorter than ``MIN_PIECE`` characters are not distinctive
and are ignored; a string with no longer piece is no message (``"for now"``), and a string that only prefixes another
error's ``.msg`` is a wrapper, whose wrapped messages are checked where they are raised.

The guide marks each entry's message with a field ``:Message:`` whose body quotes one or more fragments in double
back-quotes (``:Message: ``fragment`` ``).  A fragment is a stretch of constant text of one piece, so it survives the
values filled in at run time.  The check fails when

* a message has no fragment that matches it (the guide lacks an entry),
* a fragment matches no message (the guide quotes a message that is no longer in the code),
* a fragment is shorter than ``MIN_FRAGMENT`` characters or matches more than ``MAX_MATCHES`` messages (not distinctive).

Run it from the repository root: ``.venv/bin/python hacking/check_troubleshooting.py``.  It prints how many messages it
checked; the exit code is 0 when the guide is complete and current.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
GUIDE = ROOT / "docs" / "docsite" / "rst" / "troubleshooting.rst"
ERRORS_FILE = PLUGINS / "module_utils" / "_errors.py"
API_FILE = PLUGINS / "module_utils" / "_api.py"

NAMED_ERRORS = frozenset(
    {"InvalidInput", "TokenLost", "TokenStoreError", "TokenNotReturned", "TransportError", "UnexpectedResponse", "AnsibleLookupError"}
)
MIN_PIECE = 16  # constant text shorter than this is not a message of its own ("for now", " returned ")
MIN_FRAGMENT = 12  # a quoted fragment must be at least this long ...
MAX_MATCHES = 3  # ... and match at most this many messages (near-identical messages may share one entry)
WRAPPER_MAX = 30  # an f-string that embeds another error's .msg with at most this much own text is a wrapper
FIELD_RE = re.compile(r"^:Message:(.*)$")
LITERAL_RE = re.compile(r"``(.+?)``")


def normalize(text: str) -> str:
    """Whitespace collapsed, and the joining punctuation of a piece (``": "``) stripped."""
    return " ".join(text.split()).strip(" :;,")


@dataclasses.dataclass
class Message:
    pieces: tuple[str, ...]
    where: str
    kind: str

    def matched_by(self, fragment: str) -> bool:
        return any(fragment in piece for piece in self.pieces)

    @property
    def leading(self) -> str:
        return max(self.pieces, key=len)


def error_classes() -> set[str]:
    """The names of OAuthKitError and its subclasses, from _errors.py."""
    tree = ast.parse(ERRORS_FILE.read_text(), filename=str(ERRORS_FILE))
    names = {"OAuthKitError"}
    changed = True
    while changed:
        changed = False
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name not in names:
                bases = {base.id if isinstance(base, ast.Name) else getattr(base, "attr", "") for base in node.bases}
                if bases & names:
                    names.add(node.name)
                    changed = True
    return names


def returns(function: ast.FunctionDef) -> Iterator[ast.expr]:
    """The expressions a function returns."""
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            yield node.value


def called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


class FileScanner:
    """The messages of one file."""

    def __init__(self, path: Path, error_names: set[str]) -> None:
        self.path = path
        self.rel = path.relative_to(ROOT).as_posix()
        self.tree = ast.parse(path.read_text(), filename=str(path))
        self.error_names = error_names
        self.constants: dict[str, ast.expr] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.constants[target.id] = node.value
        self.functions: dict[str, ast.FunctionDef] = {
            node.name: node for node in ast.walk(self.tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(self.tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self.messages: dict[tuple[str, ...], Message] = {}
        self._seen: set[int] = set()

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None

    def roots(self) -> Iterator[tuple[ast.expr, str]]:
        """(message expression, kind) for every place a message starts; the diagnoses first, so that a message reached
        both ways is reported under its own name."""
        if self.path == API_FILE:
            yield from self._diagnosis_roots()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                yield from self._call_roots(node)
            elif isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(target, ast.Name) and target.id == "warnings" for target in targets):
                    values = node.value.elts if isinstance(node.value, (ast.Tuple, ast.List)) else [node.value]
                    yield from ((value, "warning") for value in values)

    def _diagnosis_roots(self) -> Iterator[tuple[ast.expr, str]]:
        for name, value in self.constants.items():
            if name.endswith("_HINT"):
                yield value, name
        for name, function in self.functions.items():
            if name.endswith("_hint"):
                yield from ((value, f"{name}()") for value in returns(function))

    def _call_roots(self, call: ast.Call) -> Iterator[tuple[ast.expr, str]]:
        name = called_name(call)
        if name in self.error_names or name in NAMED_ERRORS:
            arg = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "msg"), None)
            if arg is not None:
                yield arg, name
        elif name == "warn" and call.args:
            yield call.args[0], "warning"

    def scan(self) -> list[Message]:
        for expr, kind in self.roots():
            self.collect(expr, kind)
        return list(self.messages.values())

    def collect(self, expr: ast.expr, kind: str) -> None:
        """Register every string that expr may be, and the strings its placeholders may be."""
        if id(expr) in self._seen:
            return
        self._seen.add(id(expr))
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            self.register(expr, (expr.value,), kind, wrapper=False)
        elif isinstance(expr, ast.JoinedStr):
            self._collect_fstring(expr, kind)
        elif isinstance(expr, (ast.IfExp, ast.BoolOp)):
            for value in [expr.body, expr.orelse] if isinstance(expr, ast.IfExp) else expr.values:
                self.collect(value, kind)
        elif isinstance(expr, ast.Name):
            for value in self.values_of(expr):
                self.collect(value, kind)
        elif isinstance(expr, ast.Call):
            name = self.local_function(expr)
            if name is not None:
                for value in returns(self.functions[name]):
                    self.collect(value, f"{name}() in {kind}")

    def _collect_fstring(self, expr: ast.JoinedStr, kind: str) -> None:
        pieces = tuple(value.value for value in expr.values if isinstance(value, ast.Constant) and isinstance(value.value, str))
        placeholders = [value.value for value in expr.values if isinstance(value, ast.FormattedValue)]
        embeds_msg = any(isinstance(node, ast.Attribute) and node.attr == "msg" for value in placeholders for node in ast.walk(value))
        self.register(expr, pieces, kind, wrapper=embeds_msg and sum(map(len, pieces)) <= WRAPPER_MAX)
        for value in placeholders:
            self.collect(value, kind)

    def local_function(self, call: ast.Call) -> str | None:
        """The name of the function of this file that call calls (``f(...)`` or ``self.f(...)``), if it is one."""
        func = call.func
        if isinstance(func, ast.Name):
            name = func.id
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            name = func.attr
        else:
            return None
        return name if name in self.functions and name not in self.error_names else None

    def values_of(self, name: ast.Name) -> Iterator[ast.expr]:
        """What a name may hold: its assignments in the enclosing function, a parameter's default, or a module constant."""
        function = self.enclosing_function(name)
        if function is not None:
            assigned = [
                node.value for node in ast.walk(function)
                if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
                and any(isinstance(t, ast.Name) and t.id == name.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
            ]
            if assigned:
                yield from assigned
                return
            args = function.args
            positional = args.posonlyargs + args.args
            for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
                if arg.arg == name.id:
                    yield default
                    return
            for arg, default in zip(args.kwonlyargs, args.kw_defaults):
                if arg.arg == name.id and default is not None:
                    yield default
                    return
        if name.id in self.constants:
            yield self.constants[name.id]

    def register(self, expr: ast.expr, pieces: tuple[str, ...], kind: str, *, wrapper: bool) -> None:
        long_pieces = tuple(piece for piece in map(normalize, pieces) if len(piece) >= MIN_PIECE)
        if wrapper or not long_pieces:
            return
        self.messages.setdefault(long_pieces, Message(long_pieces, f"{self.rel}:{expr.lineno}", kind))


def code_messages() -> list[Message]:
    names = error_classes()
    found: dict[tuple[str, ...], Message] = {}
    for path in sorted(PLUGINS.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        for message in FileScanner(path, names).scan():
            found.setdefault(message.pieces, message)
    return list(found.values())


JINJA_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
JINJA_STRING_RE = re.compile(r"'([^']*)'|\"([^\"]*)\"")
FAILING_MODULES = {"ansible.builtin.fail": "msg", "ansible.builtin.assert": "fail_msg"}


def role_tasks(tasks: list[t.Any]) -> Iterator[dict[str, t.Any]]:
    """Every task of a task list, blocks (block, rescue, always) opened."""
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        yield task
        for section in ("block", "rescue", "always"):
            yield from role_tasks(task.get(section) or [])


def template_pieces(text: str) -> tuple[str, ...]:
    """The constant text of a Jinja template: between its expressions, and the string literals inside them."""
    outside = JINJA_RE.split(text)
    inside = [a or b for expr in JINJA_RE.findall(text) for a, b in JINJA_STRING_RE.findall(expr)]
    return tuple(outside + inside)


def role_messages() -> list[Message]:
    """The messages of the roles' ``ansible.builtin.fail`` (``msg``) and ``ansible.builtin.assert`` (``fail_msg``) tasks."""
    found: dict[tuple[str, ...], Message] = {}
    for path in sorted((ROOT / "roles").glob("*/tasks/*.yml")):
        for task in role_tasks(yaml.safe_load(path.read_text())):
            for module, key in FAILING_MODULES.items():
                text = (task.get(module) or {}).get(key) if isinstance(task.get(module), dict) else None
                if not isinstance(text, str):
                    continue
                pieces = tuple(piece for piece in map(normalize, template_pieces(text)) if len(piece) >= MIN_PIECE)
                if pieces:
                    where = f"{path.relative_to(ROOT).as_posix()}: {task.get('name')}"
                    found.setdefault(pieces, Message(pieces, where, "role"))
    return list(found.values())


def guide_fragments() -> list[tuple[int, str]]:
    """(line number, fragment) for every double-back-quoted text in a ``:Message:`` field (continuation lines included)."""
    lines = GUIDE.read_text().splitlines()
    fragments = []
    for index, line in enumerate(lines):
        match = FIELD_RE.match(line)
        if not match:
            continue
        body = [match.group(1)]
        for follow in lines[index + 1:]:
            if not follow.strip() or not follow[0].isspace():
                break
            body.append(follow)
        fragments.extend((index + 1, normalize(text)) for text in LITERAL_RE.findall(" ".join(body)))
    return fragments


def main() -> int:
    if not GUIDE.is_file():
        print(f"{GUIDE.relative_to(ROOT)} does not exist", file=sys.stderr)
        return 1
    messages = code_messages() + role_messages()
    fragments = guide_fragments()
    problems = []
    for lineno, fragment in fragments:
        matches = [message for message in messages if message.matched_by(fragment)]
        where = f"{GUIDE.relative_to(ROOT)}:{lineno}"
        if len(fragment) < MIN_FRAGMENT:
            problems.append(f"{where}: {fragment!r} is too short to be distinctive (at least {MIN_FRAGMENT} characters)")
        elif not matches:
            problems.append(f"{where}: {fragment!r} is in no message of the code any more: update or remove the entry")
        elif len(matches) > MAX_MATCHES:
            problems.append(f"{where}: {fragment!r} matches {len(matches)} messages; quote a more distinctive fragment")
    for message in messages:
        if not any(message.matched_by(fragment) for _line, fragment in fragments):
            problems.append(f"{message.where}: {message.kind} message has no entry in the guide: {message.leading!r}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"checked {len(messages)} messages from plugins/ and roles/ against {len(fragments)} quoted fragments in "
        f"{GUIDE.relative_to(ROOT)}: {len(problems)} problems"
    )
    return 1 if problems or not messages else 0


if __name__ == "__main__":
    sys.exit(main())
