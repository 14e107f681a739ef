# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The figures and verdicts of ``make bench``, the run plan and the memory probe (hacking/bench_stats.py, bench_report.py, bench_runner.py)."""

from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path

import pytest

HACKING = Path(__file__).resolve().parent.parent.parent / "hacking"
META = {"machine": "test", "date": "today", "duration_min": 1.0, "load": "0.1 0.2 0.3", "load_after": "1.0 1.0 1.0", "command": "make bench",
        "reps_text": "3", "fleet_forks": 10, "fleet_reps": 1, "ssh_reps": 3, "cpus": 2, "emulator_throughput": "900", "emulator_clients": "4"}
SIZES = (10, 100, 500)


@pytest.fixture(name="bench")
def fixture_bench(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    monkeypatch.syspath_prepend(str(HACKING))
    import bench_model
    import bench_report
    import bench_runner
    import bench_stats

    return types.SimpleNamespace(model=bench_model, report=bench_report, runner=bench_runner, stats=bench_stats)


def run(bench, name: str, n: int, wall_s: float, rep: int = 0, controller: int = 60_000):
    variant = bench.model.variant(name)
    requests = {f"{variant.expect[0]} {variant.expect[1]}": n} if variant.expect else {}
    return bench.model.Run(name, n, rep, wall_s, controller, 50_000, requests, cpu_s=wall_s, busy_s=wall_s * 1.5,
                           tokens_verified=n if variant.custody else None)


def runs(bench, per_item: dict[str, float], fleet: dict[str, float], ssh: dict[str, float]) -> list:
    """Loop runs at 1 s + per_item[name] * N (three repetitions, the middle one exact); fleet and SSH runs of given walls."""
    loop = [run(bench, name, n, 1 + seconds * n + noise, rep) for name, seconds in per_item.items() for n in SIZES
            for rep, noise in enumerate((0.05, 0.0, -0.05))]
    return (loop + [run(bench, name, 500, wall) for name, wall in fleet.items()]
            + [run(bench, name, 50, wall, rep) for name, wall in ssh.items() for rep in range(3)])


LOOP = {"ping": 0.2, "debug": 0.004, "uri": 0.3, "steady": 0.008, "custody": 0.0094, "floor": 0.0071}
FLEET = {"fleet-ping": 100.0, "fleet-uri": 115.0, "fleet-custody": 17.0, "fleet-steady": 15.0, "fleet-create": 14.0}
SSH = {"ssh-ping": 15.0, "ssh-ping-pipelining": 11.0, "ssh-custody": 17.5}


def test_the_slopes_are_least_squares_lines_and_the_ratios_medians(bench) -> None:
    summary = bench.stats.Summary(runs(bench, LOOP, FLEET, SSH), cpus=2)
    assert summary.sizes == list(SIZES)
    assert summary.fits["custody"].slope == pytest.approx(0.0094)
    assert summary.fits["custody"].intercept == pytest.approx(1.0)
    assert summary.fits["ping"].r2 == pytest.approx(1.0, abs=1e-6)
    assert summary.slope_ratio("custody", "ping") == pytest.approx(0.047)
    assert summary.ratio("custody", "ping", 10) == pytest.approx((1 + 0.094) / (1 + 2.0))
    assert summary.wall_per_item("custody", 10) == bench.stats.Spread(pytest.approx(0.1094), pytest.approx(0.1044), pytest.approx(0.1144))
    assert summary.ratio("fleet-custody", "fleet-uri") == pytest.approx(0.034 / 0.23)
    assert summary.n_of("ssh-custody") == 50 and summary.per_item("ssh-ping") == pytest.approx(0.3)
    assert summary.others_load() == bench.stats.Spread(*[pytest.approx(0.25)] * 3)  # busy 1.5 x wall, own CPU 1 x wall, of 2 CPUs


def test_milliseconds_have_one_decimal_below_100_and_no_negative_zero(bench) -> None:
    assert [bench.report.ms(seconds) for seconds in (0.0106, 0.231, -0.00004, -0.0004, 0.0)] == ["10.6", "231", "0.0", "-0.4", "0.0"]


def test_fit_is_nan_where_the_points_do_not_determine_a_line(bench) -> None:
    line = bench.stats.fit([(10, 1.0), (10, 2.0)])
    assert line.slope != line.slope  # NaN
    assert bench.stats.fit([(1, 2.0), (2, 2.0)]).slope == 0


def target_row(text: str, start: str) -> str:
    (row,) = [line for line in text.splitlines() if line.startswith(f"| {start}")]
    return row


def test_each_target_gets_its_ratio_and_verdict(bench) -> None:
    text = bench.report.report(runs(bench, LOOP, FLEET, SSH), META)
    ping = target_row(text, "loop on the controller: custody's cost per item (slope) <= 0.05 x ping's")
    assert "custody 9.4 ms, ping 200 ms: **0.047**" in ping and ping.endswith("| **met** |")
    assert "whole run custody / ping: N=10: 0.36, N=100: 0.09, N=500: 0.06" in ping
    uri = target_row(text, "loop on the controller: custody's cost per item (slope) <= 0.05 x uri's")
    assert uri.endswith("**0.031**; whole run custody / uri: N=10: 0.27, N=100: 0.06, N=500: 0.04 | **met** |")
    assert target_row(text, "loop: custody sends").endswith("N=500: 1.00 (500/500 verified) | **met** |")
    fleet = target_row(text, "fleet of 500 local hosts, forks 10: custody <= 0.15 x uri per host")
    assert "custody 34.0 ms, uri 230 ms per host: **0.148** | **met** |" in fleet
    assert target_row(text, "fleet of 500 local hosts, forks 10: one PUT").endswith(
        "fleet-uri 1.00, fleet-custody 1.00 (500/500 verified), fleet-steady 1.00, fleet-create 1.00 | **met** |")
    ssh = target_row(text, "fleet of 50 hosts over loopback SSH, forks 10: custody <= 1.20 x ping per host")
    assert "custody 350 ms, ping 300 ms per host: **1.17** (against ping with pipelining, 220 ms: 1.59) | **met** |" in ssh
    assert "| peak RSS of the controller" in text and "custody / uri 1.00" in text
    assert target_row(text, "emulator >= 500 req/s").endswith("| **met** |")
    assert "other processes (and the emulator) kept 25% of the CPUs busy during a run" in text
    # above the debug floor: custody 9.4 - 4 = 5.4 ms, steady 4 ms, the token file 1.4 ms; floor 7.1 - 4 = 3.1 ms, ours 9.4 - 7.1 = 2.3 ms
    assert "(4.0 ms, what Ansible costs per loop item), custody costs 5.4 ms; of it, steady" in text
    assert "4.0 ms, and the token file (inspect and hash it, and its lock) 1.4 ms" in text
    assert "(`floor`) cost 3.1 ms above `debug`, so the collection's own part (validation, retry policy, lock, masking, messages) is 2.3 ms" in text
    floor = target_row(text, "loop: the floor, custody's task done by the least an action can do")
    assert floor.endswith("floor 7.1 ms: **0.036** x ping; custody above it 2.3 ms per item | reported |")
    assert "| custody / floor | " in text and "| floor / ping | " in text


@pytest.mark.parametrize(
    ("loop", "fleet", "ssh", "row"),
    [
        ({"custody": 0.0105}, {}, {}, "loop on the controller: custody's cost per item (slope) <= 0.05 x ping's"),
        ({"uri": 0.18}, {}, {}, "loop on the controller: custody's cost per item (slope) <= 0.05 x uri's"),
        ({}, {"fleet-custody": 17.5}, {}, "fleet of 500 local hosts, forks 10: custody <= 0.15 x uri per host"),
        ({}, {}, {"ssh-custody": 18.5}, "fleet of 50 hosts over loopback SSH, forks 10: custody <= 1.20 x ping per host"),
    ],
)
def test_a_figure_over_its_limit_is_not_met(bench, loop, fleet, ssh, row) -> None:
    text = bench.report.report(runs(bench, {**LOOP, **loop}, {**FLEET, **fleet}, {**SSH, **ssh}), META)
    assert target_row(text, row).endswith("| **not met** |")
    assert text.count("**not met**") == 1


def test_a_loop_line_that_does_not_fit_its_runs_decides_nothing(bench) -> None:
    noisy = [item for item in runs(bench, LOOP, FLEET, SSH) if not (item.variant == "custody" and item.n == 500)]
    noisy += [run(bench, "custody", 500, wall, rep) for rep, wall in enumerate((0.5, 0.9, 1.3))]  # below N=100's 1.94 s: no line
    text = bench.report.report(noisy, META)
    for bottom in ("ping", "uri"):
        assert target_row(text, f"loop on the controller: custody's cost per item (slope) <= 0.05 x {bottom}'s").endswith(
            "| **inconclusive** (no rising line with r² >= 0.9 fits the runs of custody) |")


def test_a_run_without_the_fleets_says_they_were_not_measured(bench) -> None:
    text = bench.report.report(runs(bench, LOOP, {}, {}), {**META, "emulator_throughput": None})
    assert target_row(text, "fleet of local hosts").endswith("| not measured in this run | n/a |")
    assert target_row(text, "fleet over SSH").endswith("| not measured in this run | n/a |")
    assert target_row(text, "emulator").endswith("| not measured in this run | n/a |")
    assert "## Fleet" not in text


def test_a_saved_results_file_gives_the_same_report(bench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bench as main

    saved = {"meta": META, "runs": [item.__dict__ for item in runs(bench, LOOP, FLEET, SSH)]}
    (tmp_path / "results.json").write_text(json.dumps(saved))
    assert main.main(["--report-from", str(tmp_path / "results.json"), "--output", str(tmp_path / "report.md")]) == 0
    assert (tmp_path / "report.md").read_text() == bench.report.report(runs(bench, LOOP, FLEET, SSH), META)


# --- the run plan ---------------------------------------------------------------------------------------------------


def test_ping_and_uri_run_once_above_100_the_cheap_variants_every_time_in_a_rotating_order(bench, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    planned = []
    monkeypatch.setattr(bench.runner, "run_playbook", lambda _bench, variant, n, rep, _hosts: planned.append((rep, n, variant.name))
                        or run(bench, variant.name, n, 1.0, rep))
    monkeypatch.setattr(bench.runner, "progress", lambda *_args: None)
    bench.runner.run_loops(types.SimpleNamespace(work=tmp_path), {1: 3, 500: 1}, 3)
    names = [variant.name for variant in bench.model.of_case(bench.model.LOOP)]
    assert names == ["ping", "debug", "uri", "steady", "custody", "floor"]
    assert [name for rep, n, name in planned if (rep, n) == (0, 1)] == names
    assert [name for rep, n, name in planned if (rep, n) == (1, 1)] == [*names[1:], names[0]]
    assert [name for rep, n, name in planned if (rep, n) == (0, 500)] == names
    assert [name for rep, n, name in planned if (rep, n) == (1, 500)] == ["debug", "steady", "custody", "floor"]
    assert [name for rep, n, name in planned if (rep, n) == (2, 500)] == ["steady", "custody", "floor", "debug"]
    assert len(planned) == 3 * 6 + 6 + 2 * 4


def test_in_the_local_fleet_ping_and_uri_run_fleet_reps_times_the_others_reps_times(bench, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    planned = []
    monkeypatch.setattr(bench.runner, "run_playbook", lambda _bench, variant, n, rep, hosts: planned.append((rep, variant.name, hosts.names[-1]))
                        or run(bench, variant.name, n, 1.0, rep))
    monkeypatch.setattr(bench.runner, "progress", lambda *_args: None)
    bench.runner.run_fleet(types.SimpleNamespace(work=tmp_path), bench.model.FLEET, 4, 1, 3)
    assert planned == [(0, "fleet-ping", "fleet-003"), (0, "fleet-uri", "fleet-003"), (0, "fleet-custody", "fleet-003"),
                       (0, "fleet-steady", "fleet-003"), (0, "fleet-create", "fleet-003"),
                       (1, "fleet-custody", "fleet-003"), (1, "fleet-steady", "fleet-003"), (1, "fleet-create", "fleet-003"),
                       (2, "fleet-custody", "fleet-003"), (2, "fleet-steady", "fleet-003"), (2, "fleet-create", "fleet-003")]


# --- the memory probe -----------------------------------------------------------------------------------------------


def test_the_probe_records_the_controllers_peak_and_its_largest_child_only_in_the_process_that_loaded_it(bench, tmp_path: Path) -> None:
    sys.path.insert(0, str(HACKING.parent / "tests" / "bench" / "callback_plugins"))
    try:
        import bench_rss
    finally:
        sys.path.pop(0)
    log = tmp_path / "rss.log"
    bench_rss._record(str(log), os.getpid() + 1)  # a forked process that exits normally
    assert not log.exists()
    assert bench.runner.read_rss_log(log) == (0, 0)
    bench_rss._record(str(log), os.getpid())
    controller, workers = bench.runner.read_rss_log(log)
    assert controller > 10_000  # KiB: this Python process with pytest loaded
    assert workers >= 0
    log.write_text(log.read_text() + json.dumps({"controller": 7, "workers": 9}) + "\n")
    assert bench.runner.read_rss_log(log) == (7, 9)  # the last line: the run's own


class FakeResult:
    """What a callback gets for a task's result on ansible-core 2.19 and later (``result``), or before (``_result``)."""

    def __init__(self, result: dict, *, new_api: bool) -> None:
        if new_api:
            self.result = result
        self._result = result if not new_api else {"token_status": "wrong attribute read"}


@pytest.mark.parametrize("new_api", [True, False])
def test_the_items_probe_counts_every_item_by_its_token_status_and_change_and_writes_them_when_the_play_ends(
    bench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new_api: bool
) -> None:
    sys.path.insert(0, str(HACKING.parent / "tests" / "bench" / "callback_plugins"))
    try:
        import bench_items
    finally:
        sys.path.pop(0)
    log = tmp_path / "items.log"
    monkeypatch.setenv("BENCH_ITEMS_LOG", str(log))
    probe = bench_items.CallbackModule()
    loop = {"changed": True, "results": [{"token_status": "verified", "changed": False}, {"token_status": "lost", "changed": True},
                                         {"token_status": "verified", "changed": False, "failed": True}, {"changed": False}, "not an item"]}
    probe.v2_runner_on_ok(FakeResult(loop, new_api=new_api))
    probe.v2_runner_on_ok(FakeResult({"token_status": "verified", "changed": False}, new_api=new_api))  # a host's one item
    probe.v2_runner_on_failed(FakeResult({"token_status": "foreign", "changed": False}, new_api=new_api))
    assert not log.exists()  # written when the play ends
    probe.v2_playbook_on_stats(None)
    assert bench.runner.read_items_log(log) == {
        "verified/unchanged": 2, "lost/changed": 1, "failed/verified/unchanged": 1, "none/unchanged": 1, "failed/foreign/unchanged": 1}
    assert bench.runner.read_items_log(tmp_path / "none.log") == {}


def test_the_machines_busy_time_grows(bench) -> None:
    before = bench.runner.busy_cpu_s()
    sum(range(3_000_000))
    assert bench.runner.busy_cpu_s() > before > 0
