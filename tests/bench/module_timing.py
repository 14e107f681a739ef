# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only helper for ``make bench``: time one module run in this fresh interpreter, without Ansible around it.

Usage (hacking/bench_module_timing.py runs it): ``python -X importtime module_timing.py MODULE ARGS_JSON RESULT_JSON [--profile]``

MODULE is an importable module name such as ``ansible.modules.ping`` or
``ansible_collections.oauthkit.github.plugins.modules.authorization``.  The helper imports it
(timed, between two markers written to stderr so that the ``-X importtime`` lines of the module's
own imports can be told apart), hands it ARGS_JSON as its module arguments, and calls ``main()``
(timed; with ``--profile`` under cProfile).  The module's JSON answer, the timings and the number
of modules already loaded before the import go to RESULT_JSON.  It also times compiling the
Python source of every ``ansible`` and ``ansible_collections`` module that was loaded: in a real
task those come from the AnsiballZ zip, which Python cannot cache bytecode for, so every run
compiles them again.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time

MARK_START = "BENCH-IMPORT-START"
MARK_END = "BENCH-IMPORT-END"
ZIP_PREFIXES = ("ansible.", "ansible_collections.")


def _compile_cost(preloaded: set[str]) -> dict[str, float | int]:
    """Seconds to compile the source of the ansible(_collections) modules this run loaded, and their line count."""
    seconds = 0.0
    lines = 0
    files = 0
    for name, module in sorted(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if name in preloaded or not name.startswith(ZIP_PREFIXES) or not path or not path.endswith(".py"):
            continue
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
        started = time.perf_counter()
        compile(source, path, "exec", dont_inherit=True)
        seconds += time.perf_counter() - started
        lines += source.count("\n")
        files += 1
    return {"compile_s": seconds, "compile_lines": lines, "compile_files": files}


def _profile_rows(profiler: object, limit: int = 12) -> list[dict[str, object]]:
    import pstats

    stats = pstats.Stats(profiler)  # type: ignore[arg-type]
    rows = []
    for (filename, line, func), (_prim, calls, _tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~" or "module_timing.py" in filename:
            continue
        short = filename.split("site-packages/")[-1].split("/ansible_collections/")[-1]
        rows.append({"function": f"{short}:{line}({func})", "calls": calls, "cumulative_s": cumtime})
    rows.sort(key=lambda row: -float(row["cumulative_s"]))  # type: ignore[arg-type]
    return rows[:limit]


def main() -> int:
    module_name, args_path, result_path = sys.argv[1:4]
    profile = "--profile" in sys.argv[4:]
    with open(args_path, encoding="utf-8") as handle:
        module_args = json.load(handle)
    preloaded = set(sys.modules)

    sys.stderr.write(f"{MARK_START}\n")
    sys.stderr.flush()
    started = time.perf_counter()
    module = __import__(module_name, fromlist=["main"])
    imported = time.perf_counter()
    sys.stderr.write(f"{MARK_END}\n")
    sys.stderr.flush()

    from ansible.module_utils import basic

    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}).encode()
    basic._ANSIBLE_PROFILE = "legacy"
    output = io.StringIO()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    run_started = time.perf_counter()
    exit_code: object = 0
    with contextlib.redirect_stdout(output):
        try:
            if profiler is not None:
                profiler.runcall(module.main)
            else:
                module.main()
        except SystemExit as exc:
            exit_code = exc.code
    finished = time.perf_counter()

    result: dict[str, object] = {
        "module": module_name,
        "import_s": imported - started,
        "run_s": finished - run_started,
        "exit_code": exit_code,
        "preloaded": len(preloaded),
        **_compile_cost(preloaded),
    }
    try:
        answer = json.loads(output.getvalue())
    except ValueError:
        answer = {"unparsed": output.getvalue()[-2000:]}
    result["failed"] = bool(answer.get("failed")) or exit_code not in (0, None)
    result["msg"] = answer.get("msg")
    result["changed"] = answer.get("changed")
    result["token_status"] = answer.get("token_status")
    if profiler is not None:
        result["profile"] = _profile_rows(profiler)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
