"""``make bench``, the report: docs/performance.md from the runs, the module timings and the run's metadata.

Every figure comes from the data passed in; the prose around the tables defines what they show.
"""

from __future__ import annotations

import typing as t

from bench_fleet import GROUP, host_name
from bench_model import VARIANTS, Run
from bench_stats import FleetSummary, Ratios, Summary

COLLECTION = "ansible_collections.oauthkit.github.plugins."


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def ratio_verdict(ratios: Ratios, limit: float) -> str:
    """Met only where every N and the slope are within the limit; otherwise say where it is not."""
    over = [f"N={key}" if key != "slope" else "slope" for key, value in ratios.items() if value > limit]
    if not over:
        return verdict(True)
    if len(over) == len(ratios):
        return verdict(False)
    return f"**partly met** (above at {', '.join(over)})"


def listing(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


def per_n(values: t.Mapping[t.Any, float], sizes: list[int], fmt: str = ".2f") -> str:
    return ", ".join(f"N={n}: {values[n]:{fmt}}" for n in sizes)


def header(summary: Summary, meta: dict[str, t.Any]) -> list[str]:
    largest = summary.largest
    return [
        "# Performance",
        "",
        "<!-- Written by `make bench` (hacking/bench.py). Do not edit by hand: run `make bench` again. -->",
        "",
        f"Machine: {meta['machine']}.",
        f"Run finished {meta['date']}, after {meta['duration_min']:.1f} min; load average before the run {meta['load']}.",
        f"Command: `{meta['command']}`; loop sizes N = {', '.join(map(str, summary.sizes))}; repetitions: {meta['reps_text']}; "
        f"the runs at N = {largest} took {summary.minutes_at(largest):.1f} min of wall time in all.",
    ]


def method(timing: dict[str, t.Any], fleet: FleetSummary | None, meta: dict[str, t.Any]) -> list[str]:
    runs = timing["steady"].get("runs")
    preloaded = timing["steady"].get("preloaded")
    letters = "ABCDEFGHIJ"[:len(VARIANTS)]
    return [
        "",
        "## Method",
        "",
        "- The GitHub emulator (`tests/emulator`) runs on 127.0.0.1 over HTTP; before every run it is reset with a generated config:",
        "  one user with app-based two-factor authentication and N OAuth apps, plus, for the variants marked *all exist*, the N",
        "  authorizations the run asks for. Each loop item uses its own app and fingerprint (`bench-{{ item }}`). The request log",
        "  is cleared before each run and read after it.",
        "- One `ansible-playbook` process per variant and N (`tests/bench/*.yml`: `hosts: localhost`, `connection: local`,",
        "  `gather_facts: false`, one task with `loop` over N items, ansible-core defaults, no `ANSIBLE_*` or `PYTHON*` variables",
        "  from the caller). Within a repetition the variants run one after the other in an order rotated by one each repetition",
        f"  ({' '.join(letters)}, then {' '.join(letters[1:] + letters[:1])}, ...).",
        "- `custody` (`tests/bench/custody.yml`) is the `steady` task plus `token_path: \"{{ bench_token_dir }}/{{ item }}.token\"`.",
        "  Its steady state is seeded without running the module: the emulator's config gives each authorization a token the",
        "  runner chose, and the runner writes that token to the item's file (mode 0600, its `.lock` file beside it, as an earlier",
        "  run leaves them). The task registers its results and fails an item (`failed_when`, nothing printed: `no_log`) unless",
        "  `token_status` is `verified` and nothing changed; that per-item evaluation is part of custody's figures. After each",
        "  run the runner checks each file still holds its seeded token with mode 0600, whose SHA-256 is the emulator's `hashed_token`.",
        "- After every run the runner checks the outcome: the request log (steady, custody and uri: exactly N `PUT 200`; create:",
        "  exactly N `PUT 201`; check: GETs only), the play recap (nothing failed; changed only for create) and the token files.",
        "- **wall/item** is the wall time of the whole `ansible-playbook` process divided by N. Figures are *median [min-max]*",
        "  over the repetitions. The **slope** is the least-squares line through every run's total wall time against N: the",
        "  marginal cost of one more item; the **intercept** is the line's value at N = 0.",
        "- **module RSS** is the peak resident set (`VmHWM`) of the module processes, the fresh interpreter that runs each item's",
        "  AnsiballZ file: the largest one in the run (median over repetitions). `tests/bench/rss_hook/sitecustomize.py`, put on",
        "  `PYTHONPATH`, records it when each Python process exits. **tree RSS** is `ru_maxrss` from `wait4()` on ansible-playbook:",
        "  the largest resident set among ansible-playbook and the descendants it waited for.",
        "- **req/item** counts the emulator's request log (every HTTP request that reached it, 401 retries included) divided by N.",
        "- The uri baseline computes `X-GitHub-OTP` on the controller with a test-only filter (`tests/bench/filter_plugins`,",
        "  pyotp) in the task's `headers`, evaluated once per loop item.",
        "- **Module-internal time**: each module is imported and its `main()` called in a fresh interpreter without Ansible",
        f"  (`tests/bench/module_timing.py`), {f'median of {runs} runs' if runs else 'median over several runs'}, with bytecode caches warm;",
        "  `-X importtime` and a cProfile run give the breakdown. *compile* is the time to compile the source of the `ansible.*`",
        "  and `ansible_collections.*` modules the run loaded, which a task's AnsiballZ zip carries as source.",
        *([f"  {preloaded} modules were already loaded in the interpreter before the import (by `site` and the helper); no variant's",
           "  import time includes them."] if preloaded else []),
        *fleet_method(fleet, meta),
    ]


def fleet_method(fleet: FleetSummary | None, meta: dict[str, t.Any]) -> list[str]:
    if fleet is None:
        return []
    hosts, forks = fleet.hosts, meta.get("fleet_forks", "?")
    return [
        "- **Fleet**: `forks` parallelises hosts, not loop items (a `loop` runs its items one after the other on its host), so",
        f"  the fleet case is an inventory of {hosts} hosts, `{host_name(0)}` to `{host_name(hosts - 1)}` (group `{GROUP}`;",
        "  `ansible_connection: local`, `ansible_python_interpreter` the venv's Python, host variable `bench_item`), and one play",
        "  over them (`tests/bench/fleet_authorization.yml`, `tests/bench/fleet_uri.yml`: `hosts: fleet`, `gather_facts: false`,",
        "  the loop variants' task for the host's item, without a loop; uri's `X-GitHub-OTP` computed for each host as for each",
        f"  loop item), run by one `ansible-playbook --forks {forks}` per variant: {hosts} items, one per host, up to {forks} hosts at",
        "  a time. One host per item (rather than fewer hosts each looping over several items) is how a fleet registers one",
        "  authorization per machine, and it puts Ansible's per-host costs (a worker process per host, each host's variables)",
        "  into the figures. The emulator is seeded as for *all exist* (`fleet-create`: none exist). After each run the runner",
        f"  checks that the request log holds exactly {hosts} `PUT 200` (`fleet-create`: `PUT 201`), one to each item's own path,",
        "  and that every host is in the play recap, ok and neither failed nor unreachable, changed only for `fleet-create`. The",
        "  fleet runs come after the loop runs; with more than one repetition (`--fleet-reps`) the variants' order rotates as",
        "  for the loops. **wall/item** is the run's wall time divided by the number of hosts.",
    ]


def results(summary: Summary) -> list[str]:
    lines = ["", "## Results", "",
             "| variant | N | wall/item ms | module RSS MiB | tree RSS MiB | req/item | requests (method status: count) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for variant in VARIANTS:
        for n in summary.sizes:
            if not summary.cell(variant.name, n):
                continue
            wall = summary.wall_per_item(variant.name, n)
            rss = summary.module_rss_spread(variant.name, n)
            mix = ", ".join(f"{key}: {value}" for key, value in summary.request_mix(variant.name, n).items()) or "none"
            lines.append(
                f"| {variant.name} | {n} | {ms(wall.median)} [{ms(wall.low)}-{ms(wall.high)}] | {mib(rss.median)} [{mib(rss.low)}-{mib(rss.high)}] "
                f"| {mib(summary.tree_rss(variant.name, n))} | {summary.requests_per_item(variant.name, n):.2f} | {mix} |"
            )
    lines += ["", "Variants:", ""]
    lines += [f"- `{variant.name}`: {variant.label}." for variant in VARIANTS]
    return lines


def scaling(summary: Summary) -> list[str]:
    lines = ["", "## Scaling", "", "| variant | slope ms/item | intercept s | r² | marginal ms/item between consecutive N |",
             "| --- | ---: | ---: | ---: | --- |"]
    for variant in VARIANTS:
        line = summary.fits[variant.name]
        marginal = ", ".join(f"{a}→{b}: {ms(seconds)}" for a, b, seconds in summary.marginals(variant.name))
        lines.append(f"| {variant.name} | {ms(line.slope)} | {line.intercept:.2f} | {line.r2:.4f} | {marginal} |")
    sizes = summary.sizes
    lines += ["", "## Ratios", "", "| ratio | " + " | ".join(f"N = {n}" for n in sizes) + " | slope |", "| --- |" + " ---: |" * (len(sizes) + 1)]
    for label, values in summary.ratios.items():
        lines.append(f"| {label} | " + " | ".join(f"{values[n]:.2f}" for n in sizes) + f" | {values['slope']:.2f} |")
    return lines


def fleet_section(fleet: FleetSummary | None, summary: Summary, meta: dict[str, t.Any]) -> list[str]:
    """Per fleet variant: wall time, time per item, requests, memory, and the loop at the same size for comparison."""
    if fleet is None:
        return []
    loop_n = fleet.loop_size(summary)
    reps = len(fleet.cell(fleet.variants[0].name))
    lines = [
        "", "## Fleet", "",
        f"{fleet.hosts} hosts, one item each, `ansible-playbook --forks {meta.get('fleet_forks', '?')}`; {reps} repetition"
        f"{'s' if reps != 1 else ''} (figures *median [min-max]*); the fleet runs took {fleet.minutes():.1f} min of wall time in all.",
        f"*loop* is the same task in the loop runs (one host, one item after the other) at N = {loop_n}; *loop / fleet* is how many",
        "times as fast per item the fleet is.", "",
        "| variant | wall s | wall/item ms | req/item | requests (method status: count) | module RSS MiB | tree RSS MiB "
        "| loop wall/item ms | loop / fleet |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for variant in fleet.variants:
        name = variant.name
        wall, per_item = fleet.wall(name), fleet.wall_per_item(name)
        mix = ", ".join(f"{key}: {value}" for key, value in fleet.request_mix(name).items()) or "none"
        loop = fleet.loop_per_item(summary, name)
        lines.append(
            f"| {name} | {wall.median:.1f} [{wall.low:.1f}-{wall.high:.1f}] | {ms(per_item.median)} [{ms(per_item.low)}-{ms(per_item.high)}] "
            f"| {fleet.requests_per_item(name):.2f} | {mix} | {mib(fleet.module_rss(name))} | {mib(fleet.tree_rss(name))} "
            f"| {ms(loop) if loop else 'n/a'} | {f'{loop / per_item.median:.2f}' if loop else 'n/a'} |"
        )
    lines += ["", "Ratios of wall/item, measured in the same run: "
              + "; ".join(f"{label} **{value:.2f}**" for label, value in fleet.ratios.items()) + ".", "", "Fleet variants:", ""]
    lines += [f"- `{variant.name}`: {variant.label}." for variant in fleet.variants]
    return lines


def short_module(name: str) -> str:
    return name.replace("ansible_collections.", "").replace(".plugins.modules", "")


def module_time(timing: dict[str, t.Any]) -> list[str]:
    lines = ["", "## Time inside the module", "",
             "| variant | module | import ms | main() ms | import + main ms | compile in AnsiballZ ms (files, lines) | imports |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for variant in VARIANTS:
        figures = timing[variant.name]
        lines.append(
            f"| {variant.name} | `{short_module(variant.module)}` | {figures['import_s'] * 1000:.1f} | {figures['run_s'] * 1000:.1f} | "
            f"{figures['total_s'] * 1000:.1f} | {figures['compile_s'] * 1000:.1f} ({figures['compile_files']}, {figures['compile_lines']}) | "
            f"{figures['imports']} |"
        )
    lines += ["", "Largest imports, cumulative ms (`-X importtime` of the first interpreter; the module itself left out):", ""]
    for name in ("steady", "uri"):
        entries = ", ".join(f"{e['name']} {e['cumulative_s'] * 1000:.1f}" for e in timing[name]["top_imports"][1:])
        lines.append(f"- `{name}`: {entries}.")
    lines += ["", "Notable imports, cumulative ms (0 or absent: not imported, or already loaded by an earlier import):", ""]
    for name in ("steady", "uri", "ping"):
        entries = ", ".join(f"{key.replace(COLLECTION, '')} {value * 1000:.1f}" for key, value in timing[name]["notable"].items())
        lines.append(f"- `{name}`: {entries or 'none'}.")
    lines += ["", "Import time by package (self time summed over every module of the package):", ""]
    for name in ("steady", "uri", "ping"):
        entries = ", ".join(f"{package} {seconds * 1000:.1f}" for package, seconds in timing[name]["by_package"])
        lines.append(f"- `{name}`: {entries}.")
    lines += ["", "Profile of one steady-state `main()` (cumulative ms, top functions):", "", "| function | calls | cumulative ms |",
              "| --- | ---: | ---: |"]
    lines += [f"| `{row['function']}` | {row['calls']} | {row['cumulative_s'] * 1000:.1f} |" for row in timing["steady"]["profile"][:10]]
    return lines


def targets(summary: Summary, meta: dict[str, t.Any], fleet: FleetSummary | None) -> list[str]:
    sizes, largest = summary.sizes, summary.largest
    steady_req = {n: summary.requests_per_item("steady", n) for n in sizes}
    create_req = {n: summary.requests_per_item("create", n) for n in sizes}
    check_req = {n: summary.requests_per_item("check", n) for n in sizes}
    check_ok = summary.check_get_only() and all(check_req[n] <= summary.check_bound(n) for n in sizes)
    rss_ratio = summary.rss_ratio("steady", "uri")
    su, sp, cs = summary.ratios["steady / uri"], summary.ratios["steady / ping"], summary.ratios["custody / steady"]
    custody_req = {n: summary.requests_per_item("custody", n) for n in sizes}
    tokens = {n: summary.tokens_verified(n) for n in sizes}
    custody_ok = all(custody_req[n] == 1 and tokens[n] == n for n in sizes)
    r2 = {variant.name: summary.fits[variant.name].r2 for variant in VARIANTS}
    lines = [
        "", "## Targets", "",
        "| target | figure | verdict |", "| --- | --- | --- |",
        f"| steady state: 1 HTTP request per item | {per_n(steady_req, sizes)} | {verdict(all(v == 1 for v in steady_req.values()))} |",
        f"| steady with token_path: 1 HTTP request per item, every token verified | {per_n(custody_req, sizes)}; token files "
        f"verified in every run: {', '.join(f'N={n}: {tokens[n]}/{n}' for n in sizes)} | {verdict(custody_ok)} |",
        f"| create: 1 HTTP request per item | {per_n(create_req, sizes)} | {verdict(all(v == 1 for v in create_req.values()))} |",
        f"| check mode: GETs only, at most 1 + ceil(authorizations/100) per item | "
        f"{'GET only' if summary.check_get_only() else 'NOT GET only'}; "
        f"{', '.join(f'N={n}: {check_req[n]:.2f} (bound {summary.check_bound(n)})' for n in sizes)} | {verdict(check_ok)} |",
        f"| steady / uri <= 1.00 per task | {per_n(su, sizes)}; slope {su['slope']:.2f} | {ratio_verdict(su, 1.0)} |",
        f"| steady / ping <= 1.15 per task | {per_n(sp, sizes)}; slope {sp['slope']:.2f} | {ratio_verdict(sp, 1.15)} |",
        f"| steady with token_path within 5% of steady (<= 1.05) | custody / steady {per_n(cs, sizes)}; slope {cs['slope']:.2f} | "
        f"{ratio_verdict(cs, 1.05)} |",
        f"| module peak RSS within 10% of uri | steady {mib(summary.module_rss('steady', largest))} MiB vs uri "
        f"{mib(summary.module_rss('uri', largest))} MiB at N={largest} ({per_n(rss_ratio, sizes)}) | "
        f"{verdict(all(v <= 1.10 for v in rss_ratio.values()))} |",
        throughput_target(meta),
        f"| cost grows linearly with N | r² of the line through every run: {', '.join(f'{name} {value:.4f}' for name, value in r2.items())} | "
        f"{verdict(all(value >= 0.99 for value in r2.values()))} |",
        *fleet_targets(fleet, meta),
    ]
    return lines


def fleet_targets(fleet: FleetSummary | None, meta: dict[str, t.Any]) -> list[str]:
    """The per-task targets, for the fleet: one request per item, and the module no slower than uri."""
    if fleet is None:
        return []
    where = f"fleet ({fleet.hosts} hosts, forks {meta.get('fleet_forks', '?')})"
    req = {variant.name: fleet.requests_per_item(variant.name) for variant in fleet.variants}
    lines = [f"| {where}: 1 HTTP request per item | {', '.join(f'{name} {value:.2f}' for name, value in req.items())} | "
             f"{verdict(all(value == 1 for value in req.values()))} |"]
    ratio = fleet.ratios.get("fleet-steady / fleet-uri")
    if ratio is not None:
        lines.append(f"| {where}: steady / uri <= 1.00 per task | fleet-steady / fleet-uri {ratio:.2f} | {verdict(ratio <= 1.0)} |")
    return lines


def throughput_target(meta: dict[str, t.Any]) -> str:
    rate = meta.get("emulator_throughput")
    if not rate:
        return "| emulator >= 500 req/s | not measured in this run | n/a |"
    clients = meta.get("emulator_clients")
    how = "`tests/emulator/bench_emulator.py --duration 5`" + (f", {clients} clients" if clients else "")
    return f"| emulator >= 500 req/s | {rate} req/s ({how}) | {verdict(int(rate) >= 500)} |"


def where_time_goes(summary: Summary, timing: dict[str, t.Any], fleet: FleetSummary | None, meta: dict[str, t.Any]) -> list[str]:
    """The per-item slopes set against the module-internal figures."""
    slope = {name: summary.fits[name].slope for name in ("ping", "uri", "steady")}
    inside = {name: timing[name]["total_s"] + timing[name]["compile_s"] for name in ("ping", "uri", "steady")}
    steady_t = timing["steady"]
    notable = steady_t["notable"]
    collection_self = dict(steady_t["by_package"]).get("ansible_collections.oauthkit.github (collection)", 0.0)
    share = slope["ping"] / slope["steady"]
    basic = "ansible.module_utils.basic"
    return [
        "", "## Where the time goes", "",
        f"- Per item (slope, up to N = {summary.largest}): module (steady) {ms(slope['steady'])} ms, uri {ms(slope['uri'])} ms,"
        f" ping {ms(slope['ping'])} ms. The ping floor is {share * 100:.0f}% of the module's per-item cost.",
        f"- Inside its process the module spends {ms(inside['steady'])} ms: import {ms(steady_t['import_s'])} ms, main()"
        f" {ms(steady_t['run_s'])} ms, and {ms(steady_t['compile_s'])} ms compiling source (the *compile* column). uri spends"
        f" {ms(inside['uri'])} ms, ping {ms(inside['ping'])} ms: the module {ms(inside['steady'] - inside['ping'])} ms more than ping,"
        f" uri {ms(inside['uri'] - inside['ping'])} ms. The slopes differ from ping's by {ms(slope['steady'] - slope['ping'])} ms"
        f" (module) and {ms(slope['uri'] - slope['ping'])} ms (uri).",
        f"- Cumulative import times in the module (each includes what it imports): requests {ms(notable.get('requests', 0.0))} ms,"
        f" pyotp {ms(notable.get('pyotp', 0.0))} ms, {basic} {ms(notable.get(basic, 0.0))} ms (in ping:"
        f" {ms(timing['ping']['notable'].get(basic, 0.0))} ms); the collection's own module_utils take {ms(collection_self)} ms of"
        " self time.",
        custody_line(summary, timing),
        *fleet_line(fleet, summary, meta),
        *target_gaps(summary),
    ]


def fleet_line(fleet: FleetSummary | None, summary: Summary, meta: dict[str, t.Any]) -> list[str]:
    """The fleet's time per item, module against uri, and against the same tasks in one serial loop."""
    if fleet is None or "fleet-steady / fleet-uri" not in fleet.ratios:
        return []
    per_item = {variant.name: fleet.wall_per_item(variant.name).median for variant in fleet.variants}
    create = f", creating {ms(per_item['fleet-create'])} ms" if "fleet-create" in per_item else ""
    line = (f"- Fleet ({fleet.hosts} hosts, one item each, forks {meta.get('fleet_forks', '?')}): the module takes"
            f" {ms(per_item['fleet-steady'])} ms of wall time per item against uri's {ms(per_item['fleet-uri'])} ms"
            f" (module / uri {fleet.ratios['fleet-steady / fleet-uri']:.2f}){create}.")
    loop = {name: fleet.loop_per_item(summary, name) for name in ("fleet-steady", "fleet-uri")}
    if loop["fleet-steady"] and loop["fleet-uri"]:
        line += (f" The same tasks in one loop at N = {fleet.loop_size(summary)} take {ms(loop['fleet-steady'])} ms and"
                 f" {ms(loop['fleet-uri'])} ms per item: the fleet finishes {loop['fleet-steady'] / per_item['fleet-steady']:.2f}"
                 f" and {loop['fleet-uri'] / per_item['fleet-uri']:.2f} times as fast.")
    return [line]


def custody_line(summary: Summary, timing: dict[str, t.Any]) -> str:
    """What token_path adds per item: the slopes and the module-internal time, custody against steady."""
    slope = {name: summary.fits[name].slope for name in ("steady", "custody")}
    inside = {name: timing[name]["total_s"] + timing[name]["compile_s"] for name in ("steady", "custody")}
    main_s = {name: timing[name]["run_s"] for name in ("steady", "custody")}
    return (f"- With token_path (custody) the slope is {ms(slope['custody'])} ms per item against {ms(slope['steady'])} ms"
            f" ({(slope['custody'] - slope['steady']) * 1000:+.0f} ms); inside the module process {inside['custody'] * 1000:.1f} ms"
            f" against {inside['steady'] * 1000:.1f} ms, of which main() {main_s['custody'] * 1000:.1f} ms against"
            f" {main_s['steady'] * 1000:.1f} ms ({(main_s['custody'] - main_s['steady']) * 1000:+.1f} ms).")


def target_gaps(summary: Summary) -> list[str]:
    """For each ratio target not met at some N or at the slope: where, and the per-item time the slope would need."""
    gaps = []
    for label, limit in (("steady / ping", 1.15), ("steady / uri", 1.00), ("custody / steady", 1.05)):
        values = summary.ratios[label]
        over = [f"N={key}" for key, value in values.items() if key != "slope" and value > limit]
        if values["slope"] > limit:
            over.append("the slope")
        if not over:
            continue
        top, bottom = label.split(" / ")
        budget = limit * summary.fits[bottom].slope
        now = summary.fits[top].slope
        at_slope = f"{ms(now - budget)} ms less than now" if now > budget else "the slope is within it"
        gaps.append(f"- **{label} <= {limit:.2f}** is exceeded at {listing(over)}. At the slope it allows {ms(budget)} ms per item"
                    f" against {ms(now)} ms: {at_slope}.")
    return ["", "### Targets not met", "", *gaps] if gaps else []


def report(runs: list[Run], timing: dict[str, t.Any], meta: dict[str, t.Any], fleet_runs: list[Run] | None = None) -> str:
    summary = Summary(runs)
    fleet = FleetSummary(fleet_runs) if fleet_runs else None
    sections = (header(summary, meta), method(timing, fleet, meta), results(summary), scaling(summary), fleet_section(fleet, summary, meta),
                module_time(timing), targets(summary, meta, fleet), where_time_goes(summary, timing, fleet, meta))
    return "\n".join(line for section in sections for line in section).rstrip() + "\n"
