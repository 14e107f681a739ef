"""``make bench``, the report: docs/performance.md from the runs and the run's metadata.

Every figure comes from the data passed in; the prose around the tables defines what they show.
"""

from __future__ import annotations

import typing as t

from bench_fleet import GROUP, host_name
from bench_model import FLEET, LOOP, SSH, Run, of_case
from bench_stats import Spread, Summary

LOOP_LIMIT = 0.05  # custody's per-item cost (slope) against ping's and uri's, in a loop on the controller
FLEET_LIMIT = 0.15  # fleet-custody against fleet-uri, wall time per host
SSH_LIMIT = 1.2  # ssh-custody against ssh-ping (Ansible's defaults: pipelining off), wall time per host
NOT_MEASURED = "not measured in this run | n/a |"
MIN_R2 = 0.9  # a loop target's verdict needs lines (wall time against N) that fit their runs at least this well


def ms(seconds: float) -> str:
    text = f"{seconds * 1000:.1f}" if abs(seconds) < 0.1 else f"{seconds * 1000:.0f}"
    return "0.0" if text == "-0.0" else text  # a difference of slopes that rounds to nothing, below zero by noise


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def ranged(value: Spread, fmt: t.Callable[[float], str] = ms) -> str:
    return f"{fmt(value.median)} [{fmt(value.low)}-{fmt(value.high)}]"


def listing(items: list[str]) -> str:
    return " and ".join(items)


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def mix(requests: dict[str, int]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in requests.items()) or "none"


def header(summary: Summary, meta: dict[str, t.Any]) -> list[str]:
    load = summary.others_load()
    return [
        "# Performance",
        "",
        "<!-- Written by `make bench` (hacking/bench.py). Do not edit by hand: run `make bench` again. -->",
        "",
        f"Machine: {meta['machine']}.",
        f"Run finished {meta['date']}, after {meta['duration_min']:.1f} min. Load average before the run {meta['load']}, after it"
        f" {meta.get('load_after', 'n/a')}; other processes (and the emulator) kept {load.median:.0%} of the CPUs busy during a run"
        f" (median; {load.low:.0%} to {load.high:.0%}).",
        f"Command: `{meta['command']}`; loop sizes N = {', '.join(map(str, summary.sizes))}; repetitions: {meta['reps_text']}.",
    ]


def targets(summary: Summary, meta: dict[str, t.Any]) -> list[str]:
    return ["", "## Targets", "", "| target | figure | verdict |", "| --- | --- | --- |",
            *loop_targets(summary), *fleet_targets(summary, meta), *ssh_targets(summary, meta), rss_target(summary), throughput_target(meta)]


def loop_targets(summary: Summary) -> list[str]:
    sizes, fits = summary.sizes, summary.fits
    rows = []
    for bottom in ("ping", "uri"):
        ratio = summary.slope_ratio("custody", bottom)
        whole = ", ".join(f"N={n}: {summary.ratio('custody', bottom, n):.2f}" for n in sizes)
        # A line that does not fit its points (noise above the cost of the items) decides nothing.
        unfit = [name for name in ("custody", bottom) if not (fits[name].slope > 0 and fits[name].r2 >= MIN_R2)]
        decided = f"**inconclusive** (no rising line with r² >= {MIN_R2} fits the runs of {listing(unfit)})" if unfit else verdict(ratio <= LOOP_LIMIT)
        rows.append(f"| loop on the controller: custody's cost per item (slope) <= {LOOP_LIMIT:.2f} x {bottom}'s | custody"
                    f" {ms(fits['custody'].slope)} ms, {bottom} {ms(fits[bottom].slope)} ms: **{ratio:.3f}**; whole run custody / {bottom}:"
                    f" {whole} | {decided} |")
    per_n = {n: (summary.requests_per_item("custody", n), summary.tokens_verified("custody", n)) for n in sizes}
    ok = all(requests == 1 and verified == n for n, (requests, verified) in per_n.items())
    figure = ", ".join(f"N={n}: {requests:.2f} ({verified}/{n} verified)" for n, (requests, verified) in per_n.items())
    rows.append(f"| loop: custody sends exactly 1 request per item (PUT 200), every token file verified | {figure} | {verdict(ok)} |")
    floor, custody = fits["floor"].slope, fits["custody"].slope
    rows.append(f"| loop: the floor, custody's task done by the least an action can do (one PUT, one hash), per item (slope) against"
                f" ping's (no limit set) | floor {ms(floor)} ms: **{summary.slope_ratio('floor', 'ping'):.3f}** x ping;"
                f" custody above it {ms(custody - floor)} ms per item | reported |")
    return rows


def one_request_row(summary: Summary, where: str, case: str) -> str:
    names = [variant.name for variant in of_case(case) if variant.expect and summary.has(variant.name)]
    figures = [
        f"{name} {summary.requests_per_item(name):.2f}"
        + (f" ({summary.tokens_verified(name)}/{summary.n_of(name)} verified)" if summary.cell(name)[0].tokens_verified is not None else "")
        for name in names
    ]
    ok = all(summary.requests_per_item(name) == 1 for name in names) and all(
        summary.tokens_verified(name) == summary.n_of(name) for name in names if summary.cell(name)[0].tokens_verified is not None)
    return f"| {where}: one PUT per host, every host ok in the recap, every token file verified | {', '.join(figures)} | {verdict(ok)} |"


def fleet_targets(summary: Summary, meta: dict[str, t.Any]) -> list[str]:
    if not summary.has("fleet-custody"):
        return [f"| fleet of local hosts: custody <= {FLEET_LIMIT:.2f} x uri per host | {NOT_MEASURED}"]
    where = f"fleet of {summary.n_of('fleet-custody')} local hosts, forks {meta.get('fleet_forks', '?')}"
    ratio = summary.ratio("fleet-custody", "fleet-uri")
    return [f"| {where}: custody <= {FLEET_LIMIT:.2f} x uri per host | custody {ms(summary.per_item('fleet-custody'))} ms, uri"
            f" {ms(summary.per_item('fleet-uri'))} ms per host: **{ratio:.3f}** | {verdict(ratio <= FLEET_LIMIT)} |",
            one_request_row(summary, where, FLEET)]


def ssh_targets(summary: Summary, meta: dict[str, t.Any]) -> list[str]:
    if not summary.has("ssh-custody"):
        return [f"| fleet over SSH: custody <= {SSH_LIMIT:.2f} x ping per host (pipelining off) | {NOT_MEASURED}"]
    where = f"fleet of {summary.n_of('ssh-custody')} hosts over loopback SSH, forks {meta.get('fleet_forks', '?')}"
    ratio = summary.ratio("ssh-custody", "ssh-ping")
    piped = summary.ratio("ssh-custody", "ssh-ping-pipelining")
    return [f"| {where}: custody <= {SSH_LIMIT:.2f} x ping per host, ping with Ansible's defaults (pipelining off) | custody"
            f" {ms(summary.per_item('ssh-custody'))} ms, ping {ms(summary.per_item('ssh-ping'))} ms per host: **{ratio:.2f}**"
            f" (against ping with pipelining, {ms(summary.per_item('ssh-ping-pipelining'))} ms: {piped:.2f}) | {verdict(ratio <= SSH_LIMIT)} |",
            one_request_row(summary, where, SSH)]


def rss_target(summary: Summary) -> str:
    parts = []
    for where, names in ((f"loop N={summary.sizes[-1]}", ("custody", "uri", "ping")), ("local fleet", ("fleet-custody", "fleet-uri", "fleet-ping"))):
        if all(summary.has(name) for name in names):
            n = summary.sizes[-1] if where.startswith("loop") else None
            custody, uri, ping = (summary.controller_rss(name, n) for name in names)
            worker = [summary.worker_rss(name, n) for name in names]
            parts.append(f"{where}: controller custody {mib(custody)}, uri {mib(uri)}, ping {mib(ping)} MiB (custody / uri {custody / uri:.2f});"
                         f" largest worker {' / '.join(mib(value) for value in worker)} MiB (custody / uri {worker[0] / worker[1]:.2f})")
    return f"| peak RSS of the controller, custody against uri and ping (no limit set) | {'; '.join(parts) or 'not measured'} | reported |"


def throughput_target(meta: dict[str, t.Any]) -> str:
    rate = meta.get("emulator_throughput")
    if not rate:
        return f"| emulator >= 500 req/s | {NOT_MEASURED}"
    clients = meta.get("emulator_clients")
    how = "`tests/emulator/bench_emulator.py --duration 5`" + (f", {clients} clients" if clients else "")
    return f"| emulator >= 500 req/s | {rate} req/s ({how}) | {verdict(int(rate) >= 500)} |"


def method(summary: Summary, meta: dict[str, t.Any]) -> list[str]:
    forks = meta.get("fleet_forks", "?")
    lines = [
        "", "## Method", "",
        "- The GitHub emulator (`tests/emulator`) runs on 127.0.0.1 over HTTP; before every run it is reset with a generated config:",
        "  one user with app-based two-factor authentication and N OAuth apps, plus, for the variants marked *all exist*, the N",
        "  authorizations the run asks for. Each item uses its own app and fingerprint (`bench-<item>`). The request log is",
        "  cleared before each run and read after it.",
        "- One `ansible-playbook` process per variant and N (`tests/bench/*.yml`, `gather_facts: false`, ansible-core defaults, no",
        "  `ANSIBLE_*` or `PYTHON*` variables from the caller). Within a repetition the variants run one after the other, their",
        "  order rotated by one each repetition.",
        "- **Loop on the controller**: `hosts: localhost`, `connection: local`, one task with `loop` over N items. `debug` has",
        "  custody's task shape (the same ten values templated per item, no `register`, no `failed_when`; `no_log`, as it prints",
        "  them) without a module process or a request: what Ansible itself costs per loop item.",
        "- **custody** (`custody.yml`, `fleet_custody.yml`): the authorization task with `token_path`. Its steady state is seeded",
        "  without running the module: the emulator's config gives each authorization a token the runner chose, and the runner",
        "  writes that token to the item's file (mode 0600). The task has the shape a user writes (no `register`, `failed_when`",
        "  or `no_log`); `tests/bench/callback_plugins/bench_items.py` counts what every item reported, and the runner requires",
        "  each to report `token_status` `verified` and no change. After each run it also checks every file still holds its",
        "  token (mode 0600), whose SHA-256 is the emulator's `hashed_token`.",
        "- **floor** (`floor.yml`): custody's task, seeded and checked the same way, done by the test-only action",
        "  `tests/bench/action_plugins/bench_put.py`: the same PUT through requests (one keep-alive session per worker) and the",
        "  token file's SHA-256 compared with the answer's `hashed_token`, with no validation, retry policy, lock, masking or",
        "  messages. It is `debug` plus one round trip, the floor the issue names; custody's cost above it is the collection's own.",
        "- **Fleet of local hosts**: `forks` parallelises hosts, not loop items, so a fleet is one item per host: an inventory of",
        f"  local-connection hosts `{host_name(0)}`, `{host_name(1)}`, ... (group `{GROUP}`, the venv's Python, host variables",
        f"  `bench_item` and `bench_token_path`), one play over them, `--forks {forks}`. Each host has its own token file.",
        "- **Fleet over SSH**: the loopback SSH harness (`tests/integration/targets/setup_sshd/files/loopback_sshd.py`: a real",
        "  sshd on 127.0.0.2.., every host this machine and the login user `oauthkit-ssh`, `/usr/bin/python3` without requests",
        f"  or pyotp), started for the run and stopped after it; its inventory plus ours, `--forks {forks}`. Each host's token file",
        "  is `/home/oauthkit-ssh/bench/<host>.token` (owner `oauthkit-ssh`, 0600), read on the host by one `oauthkit.github.token_file`",
        "  run per host (the action turns pipelining on for it). Every run starts without SSH connections: its own ControlPath",
        "  folder, whose masters are closed after it. ping runs with Ansible's defaults (pipelining off; the target's baseline)",
        "  and with `ANSIBLE_PIPELINING=1`; custody with the defaults.",
        "- After every run the runner checks the outcome and stops the benchmark if it differs: exactly one request per item",
        "  (`PUT 200`; `fleet-create`: `PUT 201`), in a fleet one to each item's own path, and none for ping and debug; every host",
        "  in the play recap ok, nothing failed or unreachable, changed only when creating; for custody, what every item",
        "  reported, and the token files.",
        "- **wall/item** is the wall time of the whole `ansible-playbook` process divided by the items (loop items, or hosts).",
        "  Figures are *median [min-max]* over the repetitions. The **slope** is the least-squares line (`statistics.linear_regression`)",
        "  through every run's total wall time against N: the cost of one more item; the **intercept** is its value at N = 0.",
        "- **controller RSS** is the peak resident set (`VmHWM`) of the `ansible-playbook` process itself, and **worker RSS** the",
        "  `ru_maxrss` of its waited-for descendants (its largest forked worker, or a module process a worker ran), both recorded",
        "  when it exits by `tests/bench/callback_plugins/bench_rss.py`; medians over the repetitions.",
        "- **others' CPU** is the machine's busy CPU time during a run (`/proc/stat`) less the run's own (its `rusage`), as a",
        "  share of all CPUs: other processes' load, the emulator's included.",
    ]
    return lines


def loop_section(summary: Summary) -> list[str]:
    lines = ["", "## Loop on the controller", "",
             "| variant | N | wall/item ms | req/item | controller RSS MiB | worker RSS MiB | requests (method status: count) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for variant in of_case(LOOP):
        for n in summary.sizes:
            if summary.cell(variant.name, n):
                lines.append(f"| {variant.name} | {n} | {ranged(summary.wall_per_item(variant.name, n))} | {summary.requests_per_item(variant.name, n):.2f}"
                             f" | {mib(summary.controller_rss(variant.name, n))} | {mib(summary.worker_rss(variant.name, n))}"
                             f" | {mix(summary.request_mix(variant.name, n))} |")
    lines += ["", "| variant | slope ms/item | intercept s | r² | marginal ms/item between consecutive N |", "| --- | ---: | ---: | ---: | --- |"]
    for variant in of_case(LOOP):
        line = summary.fits[variant.name]
        marginal = ", ".join(f"{a}→{b}: {ms(seconds)}" for a, b, seconds in summary.marginals(variant.name))
        lines.append(f"| {variant.name} | {ms(line.slope)} | {line.intercept:.2f} | {line.r2:.4f} | {marginal} |")
    sizes = summary.sizes
    lines += ["", "Whole-run ratios (median wall time per item) and the ratio of the slopes:", "",
              "| ratio | " + " | ".join(f"N = {n}" for n in sizes) + " | slope |", "| --- |" + " ---: |" * (len(sizes) + 1)]
    for top, bottom in (("custody", "ping"), ("custody", "uri"), ("custody", "debug"), ("custody", "floor"), ("floor", "ping"), ("steady", "uri"),
                        ("uri", "ping")):
        lines.append(f"| {top} / {bottom} | " + " | ".join(f"{summary.ratio(top, bottom, n):.3f}" for n in sizes)
                     + f" | {summary.slope_ratio(top, bottom):.3f} |")
    slope = {name: summary.fits[name].slope for name in ("debug", "floor", "steady", "custody")}
    lines += ["", f"Per item above the `debug` floor ({ms(slope['debug'])} ms, what Ansible costs per loop item), custody costs"
              f" {ms(slope['custody'] - slope['debug'])} ms; of it, steady (the action, one HTTP round trip) "
              f"{ms(slope['steady'] - slope['debug'])} ms, and the token file (inspect and hash it, and its lock) "
              f"{ms(slope['custody'] - slope['steady'])} ms. The same PUT and hash with nothing else (`floor`) cost"
              f" {ms(slope['floor'] - slope['debug'])} ms above `debug`, so the collection's own part (validation, retry policy,"
              f" lock, masking, messages) is {ms(slope['custody'] - slope['floor'])} ms per item. Variants:", ""]
    lines += [f"- `{variant.name}`: {variant.label}." for variant in of_case(LOOP)]
    return lines


def fleet_section(summary: Summary, case: str, title: str, ratios: tuple[tuple[str, str], ...]) -> list[str]:
    names = [variant.name for variant in of_case(case) if summary.has(variant.name)]
    if not names:
        return []
    hosts = summary.n_of(names[0])
    reps = ", ".join(f"{name} {len(summary.cell(name))}" for name in names)
    lines = ["", f"## {title}", "", f"{hosts} hosts, one item each; repetitions: {reps}; the runs took {summary.minutes(case):.1f} min in all.", "",
             "| variant | wall s | wall/host ms | req/host | controller RSS MiB | worker RSS MiB | requests (method status: count) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name in names:
        lines.append(f"| {name} | {ranged(summary.wall(name), lambda s: f'{s:.1f}')} | {ranged(summary.wall_per_item(name))}"
                     f" | {summary.requests_per_item(name):.2f} | {mib(summary.controller_rss(name))} | {mib(summary.worker_rss(name))}"
                     f" | {mix(summary.request_mix(name))} |")
    shown = [f"{top} / {bottom} **{summary.ratio(top, bottom):.3f}**" for top, bottom in ratios if summary.has(top) and summary.has(bottom)]
    lines += ["", "Ratios of wall time per host: " + "; ".join(shown) + ". Variants:", ""]
    lines += [f"- `{variant.name}`: {variant.label}." for variant in of_case(case) if variant.name in names]
    return lines


def report(runs: list[Run], meta: dict[str, t.Any]) -> str:
    summary = Summary(runs, meta.get("cpus", 1))
    sections = (
        header(summary, meta), targets(summary, meta), method(summary, meta), loop_section(summary),
        fleet_section(
            summary, FLEET, "Fleet of local hosts",
            (("fleet-custody", "fleet-uri"), ("fleet-custody", "fleet-ping"), ("fleet-steady", "fleet-uri"), ("fleet-create", "fleet-uri")),
        ),
        fleet_section(
            summary, SSH, "Fleet over SSH", (("ssh-custody", "ssh-ping"), ("ssh-custody", "ssh-ping-pipelining"), ("ssh-ping-pipelining", "ssh-ping")),
        ),
    )
    return "\n".join(line for section in sections for line in section).rstrip() + "\n"
