"""``make bench``, module-internal time: each variant's module run once per fresh interpreter, without Ansible.

``tests/bench/module_timing.py`` imports the module and calls its ``main()`` under ``python -X importtime``;
the last run is under cProfile.  The figures are medians over ``MODULE_RUNS`` interpreters.
"""

from __future__ import annotations

import collections
import json
import os
import statistics
import subprocess
import typing as t

import bench_custody as custody
from bench_model import VARIANTS, Variant
from bench_runner import BENCH, BIN, PASSWORD, SCOPES, SEED, USER, Bench, client_id, client_secret, reset

MODULE_RUNS = 5  # fresh interpreters per variant for the medians
MODULE_TIMEOUT = 120.0  # seconds for one interpreter
TOP_IMPORTS = 12
NOTABLE_IMPORTS = (
    "ansible.module_utils.basic", "ansible.module_utils.urls", "requests", "urllib3", "charset_normalizer", "idna", "certifi",
    "pyotp", "cryptography.x509", "http.client", "ansible_collections.oauthkit.github.plugins.module_utils._module",
    "ansible_collections.oauthkit.github.plugins.module_utils._api", "ansible_collections.oauthkit.github.plugins.module_utils._otp",
    "ansible_collections.oauthkit.github.plugins.module_utils._authorizations",
    "ansible_collections.oauthkit.github.plugins.module_utils._custody", "ansible_collections.oauthkit.github.plugins.module_utils._token_store",
)


def module_args(variant: Variant, bench: Bench) -> dict[str, t.Any]:
    """The arguments of the variant's task for item 0."""
    url = bench.url
    if variant.name == "ping":
        return {}
    if variant.name == "uri":
        import pyotp  # noqa: PLC0415 - only the uri baseline needs a code computed here

        return {
            "url": f"{url}/authorizations/clients/{client_id(0)}/bench-0", "method": "PUT",
            "url_username": USER, "url_password": PASSWORD, "force_basic_auth": True,
            "headers": {"X-GitHub-OTP": pyotp.TOTP(SEED).now(), "Accept": "application/vnd.github.v3+json"},
            "body_format": "json", "body": {"client_secret": client_secret(0), "scopes": SCOPES, "note": "bench 0"},
            "status_code": [200, 201],
        }
    args: dict[str, t.Any] = {
        "api_url": url, "username": USER, "password": PASSWORD, "otp_secret": SEED,
        "client_id": client_id(0), "client_secret": client_secret(0), "fingerprint": "bench-0", "scopes": SCOPES, "note": "bench 0",
    }
    if variant.check:
        args["_ansible_check_mode"] = True
    if variant.custody:
        args["token_path"] = str(custody.token_file(bench.work / custody.TOKEN_DIR, 0))
    return args


def parse_importtime(stderr: str) -> list[dict[str, t.Any]]:
    """The ``-X importtime`` lines between the helper's markers: name, depth, self and cumulative seconds."""
    inside = False
    entries = []
    for line in stderr.splitlines():
        if line.strip() == "BENCH-IMPORT-START":
            inside = True
        elif line.strip() == "BENCH-IMPORT-END":
            break
        elif inside and line.startswith("import time:"):
            self_us, cumulative_us, name = [*line[len("import time:"):].split("|", 2), "", ""][:3]
            if not self_us.strip().isdigit():
                continue  # the header line
            depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
            entries.append({"name": name.strip(), "depth": depth, "self_s": int(self_us) / 1e6, "cumulative_s": int(cumulative_us) / 1e6})
    return entries


def package_of(name: str) -> str:
    parts = name.split(".")
    if parts[0] == "ansible_collections":
        return ".".join(parts[:3]) + " (collection)"
    if parts[0] == "ansible":
        return ".".join(parts[:2])
    return parts[0]


def time_once(bench: Bench, variant: Variant, *, profile: bool) -> tuple[dict[str, t.Any], str]:
    """One fresh interpreter against a freshly reset emulator: (the helper's result, its stderr with the importtime lines)."""
    reset(bench, variant, 1)
    args_file = bench.work / "module-args.json"
    args_file.write_text(json.dumps(module_args(variant, bench)))
    result_file = bench.work / "module-result.json"
    cmd = [str(BIN / "python"), "-X", "importtime", str(BENCH / "module_timing.py"), variant.module, str(args_file), str(result_file)]
    if profile:
        cmd.append("--profile")
    env = {**bench.env, "PYTHONPATH": f"{bench.work / 'collections'}{os.pathsep}{bench.env['PYTHONPATH']}"}
    try:
        proc = subprocess.run(cmd, cwd=bench.work, env=env, capture_output=True, text=True, check=False, timeout=MODULE_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"module timing for {variant.name}: still running after {MODULE_TIMEOUT:g} s, killed") from exc
    if proc.returncode != 0 or not result_file.exists():
        raise SystemExit(f"module timing for {variant.name} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(result_file.read_text())
    result_file.unlink()
    if result["failed"]:
        raise SystemExit(f"module timing for {variant.name}: the module failed: {result.get('msg')}")
    if variant.custody and result.get("token_status") != "verified":
        raise SystemExit(f"module timing for {variant.name}: token_status {result.get('token_status')}, not verified")
    return result, proc.stderr


def time_variant(bench: Bench, variant: Variant) -> dict[str, t.Any]:
    """Medians over MODULE_RUNS interpreters; importtime from the first of them; the profile from one more run."""
    runs = []
    importtime: list[dict[str, t.Any]] = []
    for index in range(MODULE_RUNS):
        result, stderr = time_once(bench, variant, profile=False)
        runs.append(result)
        if index == 0:
            importtime = parse_importtime(stderr)
    profiled, _stderr = time_once(bench, variant, profile=True)
    by_package: collections.Counter[str] = collections.Counter()
    for entry in importtime:
        by_package[package_of(entry["name"])] += entry["self_s"]
    return {
        "runs": len(runs),
        "import_s": statistics.median(r["import_s"] for r in runs),
        "run_s": statistics.median(r["run_s"] for r in runs),
        "total_s": statistics.median(r["import_s"] + r["run_s"] for r in runs),
        "compile_s": statistics.median(r["compile_s"] for r in runs),
        "compile_lines": runs[0]["compile_lines"],
        "compile_files": runs[0]["compile_files"],
        "imports": len(importtime),
        "preloaded": runs[0]["preloaded"],
        "top_imports": sorted(importtime, key=lambda e: -e["cumulative_s"])[:TOP_IMPORTS],
        "by_package": by_package.most_common(TOP_IMPORTS),
        "notable": {entry["name"]: entry["cumulative_s"] for entry in importtime if entry["name"] in NOTABLE_IMPORTS},
        "profile": profiled["profile"],
    }


def module_timing(bench: Bench) -> dict[str, t.Any]:
    """Per variant: median import and run time over fresh interpreters, the compile cost, importtime and a profile."""
    results: dict[str, t.Any] = {}
    for variant in VARIANTS:
        figures = results[variant.name] = time_variant(bench, variant)
        print(f"  module {variant.name:7} import {figures['import_s'] * 1000:6.1f} ms  run {figures['run_s'] * 1000:6.1f} ms  "
              f"compile {figures['compile_s'] * 1000:6.1f} ms", flush=True)
    return results
