# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet case of ``make bench``: inventory, playbooks, outcome checks, figures (hacking/bench_fleet.py and its users)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import jinja2
import pytest
import yaml

HACKING = Path(__file__).resolve().parent.parent.parent / "hacking"
BENCH = HACKING.parent / "tests" / "bench"
HOST_RECAP = "{host}                  : ok={ok}    changed={changed}    unreachable={unreachable}    failed={failed}    skipped=0    rescued=0\n"


@pytest.fixture(name="bench")
def fixture_bench(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    monkeypatch.syspath_prepend(str(HACKING))
    import bench
    import bench_fleet
    import bench_model
    import bench_outcome
    import bench_report
    import bench_stats

    return types.SimpleNamespace(main=bench, fleet=bench_fleet, model=bench_model, outcome=bench_outcome, report=bench_report,
                                 stats=bench_stats)


def variant(bench, name: str):
    return next(variant for variant in bench.model.FLEET_VARIANTS if variant.name == name)


def recap(hosts: list[str], *, changed: int = 0, failed: int = 0, unreachable: int = 0, ok: int = 1) -> str:
    return "PLAY RECAP ***\n" + "".join(
        HOST_RECAP.format(host=host, ok=ok, changed=changed, unreachable=unreachable, failed=failed) for host in hosts)


def puts(bench, items: list[int], status: int = 200) -> list[dict]:
    return [{"method": "PUT", "status": status, "path": bench.fleet.put_path(item)} for item in items]


# --- the inventory and the playbooks --------------------------------------------------------------------------------


def test_ansible_reads_the_inventory_as_local_hosts_each_with_its_item(bench, tmp_path: Path) -> None:
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    path = bench.fleet.write_inventory(tmp_path / "fleet-inventory.json", 12, sys.executable)
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(path)])
    variables = VariableManager(loader=loader, inventory=inventory)
    hosts = inventory.get_hosts(bench.fleet.GROUP)
    assert [host.name for host in hosts] == [f"fleet-{item:03d}" for item in range(12)]
    for item, host in enumerate(hosts):
        host_vars = variables.get_vars(host=host)
        assert host_vars["bench_item"] == item
        assert host_vars["ansible_connection"] == "local"
        assert host_vars["ansible_python_interpreter"] == sys.executable


@pytest.mark.parametrize("playbook", ["fleet_authorization.yml", "fleet_uri.yml"])
def test_each_host_of_the_fleet_asks_for_its_own_item_as_the_runner_seeds_and_checks_it(bench, playbook: str) -> None:
    (play,) = yaml.safe_load((BENCH / playbook).read_text())
    assert play["hosts"] == bench.fleet.GROUP
    assert play["gather_facts"] is False
    (task,) = play["tasks"]
    assert "loop" not in task and "connection" not in play  # one item per host; the inventory makes the hosts local
    module = "ansible.builtin.uri" if playbook == "fleet_uri.yml" else "oauthkit.github.authorization"
    args = task[module]
    environment = jinja2.Environment(autoescape=False)  # noqa: S701 - renders test strings, not HTML

    def render(template: str) -> str:
        return environment.from_string(template).render(bench_item=37, bench_api_url="")

    if module == "ansible.builtin.uri":
        assert render(args["url"]) == bench.fleet.put_path(37)
        assert render(args["body"]["client_secret"]) == bench.model.client_secret(37)
    else:
        assert render(args["client_id"]) == bench.model.client_id(37)
        assert render(args["client_secret"]) == bench.model.client_secret(37)
        assert render(args["fingerprint"]) == "bench-37"
    assert bench.fleet.put_path(37) == f"/authorizations/clients/{bench.model.client_id(37)}/bench-37"


# --- what every fleet run must have done ----------------------------------------------------------------------------


def test_one_put_to_each_items_path_in_any_order_passes(bench) -> None:
    bench.fleet.check_paths("fleet-steady N=4", puts(bench, [2, 0, 3, 1]), 4)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([0, 1, 1, 3], "more than once 1 .*bench-1.*missing 1 .*bench-2"),  # as many requests as items, one item twice
        ([0, 1, 2], "missing 1 .*bench-3"),
        ([0, 1, 2, 3, 4], "other paths 1 .*bench-4"),
    ],
)
def test_a_missing_repeated_or_foreign_path_stops_the_benchmark(bench, items, message) -> None:
    with pytest.raises(SystemExit, match=f"^fleet-steady N=4: expected one request to each of the 4 items' paths; {message}"):
        bench.fleet.check_paths("fleet-steady N=4", puts(bench, items), 4)


def test_a_recap_with_every_host_ok_passes(bench) -> None:
    hosts = [bench.fleet.host_name(item) for item in range(3)]
    bench.fleet.check_recap("fleet-steady N=3", recap(hosts), 3, changed=False)
    bench.fleet.check_recap("fleet-create N=3", recap(hosts, changed=1), 3, changed=True)


@pytest.mark.parametrize(
    ("hosts", "counts", "changed", "message"),
    [
        (["fleet-000", "fleet-001"], {}, False, "missing 1 .first fleet-002."),
        (["fleet-000", "fleet-001", "fleet-002", "localhost"], {}, False, "other hosts 1 .first localhost."),
        (["fleet-000", "fleet-001", "fleet-002"], {"failed": 1}, False, "3 otherwise .first fleet-000: ok=1 changed=0 unreachable=0 failed=1."),
        (["fleet-000", "fleet-001", "fleet-002"], {"unreachable": 1, "ok": 0}, False, "3 otherwise"),
        (["fleet-000", "fleet-001", "fleet-002"], {"changed": 1}, False, "3 otherwise"),
        (["fleet-000", "fleet-001", "fleet-002"], {}, True, "changed=1 .*3 otherwise"),
        ([], {}, False, "missing 3"),
    ],
)
def test_a_recap_without_every_host_ok_stops_the_benchmark(bench, hosts, counts, changed, message) -> None:
    with pytest.raises(SystemExit, match=message):
        bench.fleet.check_recap("fleet N=3", recap(hosts, **counts), 3, changed=changed)


def test_the_outcome_of_a_fleet_run_is_checked_against_its_variant(bench, tmp_path: Path) -> None:
    outcome, hosts = bench.outcome, [bench.fleet.host_name(item) for item in range(3)]
    seeded = [{"fingerprint": f"bench-{item}"} for item in range(3)]
    steady = outcome.Outcome(puts(bench, [0, 1, 2]), seeded, recap(hosts), [], tmp_path)
    assert outcome.check_outcome(variant(bench, "fleet-steady"), 3, steady) is None
    assert outcome.check_outcome(variant(bench, "fleet-uri"), 3, steady) is None
    created = outcome.Outcome(puts(bench, [0, 1, 2], 201), seeded, recap(hosts, changed=1), [], tmp_path)
    assert outcome.check_outcome(variant(bench, "fleet-create"), 3, created) is None
    with pytest.raises(SystemExit, match=r"^fleet-create N=3: expected exactly 3 x \('PUT', 201\)"):
        outcome.check_outcome(variant(bench, "fleet-create"), 3, steady)
    with pytest.raises(SystemExit, match=r"^fleet-steady N=3: expected exactly 3 x \('PUT', 200\)"):
        outcome.check_outcome(variant(bench, "fleet-steady"), 3, created)
    with pytest.raises(SystemExit, match="fleet-steady N=3: expected one request to each"):
        outcome.check_outcome(variant(bench, "fleet-steady"), 3, outcome.Outcome(puts(bench, [0, 0, 2]), seeded, recap(hosts), [], tmp_path))
    with pytest.raises(SystemExit, match="fleet-create N=3: 2 authorizations exist afterwards"):
        outcome.check_outcome(variant(bench, "fleet-create"), 3, outcome.Outcome(created.requests, seeded[:2], created.output, [], tmp_path))
    with pytest.raises(SystemExit, match="fleet-steady N=3: expected each of the 3 hosts"):  # the loop's localhost recap does not do
        outcome.check_outcome(variant(bench, "fleet-steady"), 3, outcome.Outcome(steady.requests, seeded, recap(["localhost"]), [], tmp_path))


# --- the options ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "hosts"),
    [([], 500), (["--quick"], 20), (["--quick", "--fleet-hosts", "50"], 50), (["--fleet-hosts", "0"], 0)],
)
def test_the_fleet_has_500_hosts_20_in_a_quick_run_and_none_when_asked(bench, argv, hosts) -> None:
    args = bench.main.parse_args(argv)
    assert args.fleet_hosts == hosts
    assert args.fleet_reps == 1


@pytest.mark.parametrize("argv", [["--fleet-hosts", "-1"], ["--fleet-reps", "0"]])
def test_a_negative_fleet_or_no_repetition_is_refused(bench, argv) -> None:
    with pytest.raises(SystemExit):
        bench.main.parse_args(argv)


# --- the figures and the report -------------------------------------------------------------------------------------


def run(bench, name: str, n: int, wall_s: float, rep: int = 0, status: int = 200):
    requests = [{"method": "PUT", "status": status}] * n if name != "ping" else []
    return bench.model.Run(name, n, rep, wall_s, [30_000, 34_000], 50_000, 60_000, requests, 0, n if name == "custody" else None)


def loop_runs(bench) -> list:
    """Every loop variant at N = 10, 20 and 30, 0.3 s per item plus 1 s (steady: 0.4 s per item)."""
    return [run(bench, variant.name, n, 1 + n * (0.4 if variant.name == "steady" else 0.3), status=201 if variant.name == "create" else 200)
            for variant in bench.model.VARIANTS for n in (10, 20, 30)]


def fleet_runs(bench, hosts: int = 20) -> list:
    walls = {"fleet-uri": [4.0, 5.0, 6.0], "fleet-steady": [6.0, 4.5, 7.5], "fleet-create": [5.0, 5.0, 5.0]}
    return [run(bench, name, hosts, wall, rep, status=201 if name == "fleet-create" else 200)
            for name, reps in walls.items() for rep, wall in enumerate(reps)]


def test_the_fleet_figures_are_medians_per_item_and_their_ratios(bench) -> None:
    fleet = bench.stats.FleetSummary(fleet_runs(bench))
    assert fleet.hosts == 20
    assert [variant.name for variant in fleet.variants] == ["fleet-uri", "fleet-steady", "fleet-create"]
    assert fleet.wall("fleet-steady") == bench.stats.Spread(6.0, 4.5, 7.5)
    assert fleet.wall_per_item("fleet-uri") == bench.stats.Spread(0.25, 0.2, 0.3)
    assert fleet.ratios == {"fleet-steady / fleet-uri": pytest.approx(1.2), "fleet-create / fleet-uri": pytest.approx(1.0)}
    assert fleet.requests_per_item("fleet-create") == 1
    assert fleet.request_mix("fleet-create") == {"PUT 201": 20}
    assert fleet.minutes() == pytest.approx(48 / 60)
    loop = bench.stats.Summary(loop_runs(bench))
    assert fleet.loop_size(loop) == 20  # the loop at the fleet's size, not the largest
    assert fleet.loop_per_item(loop, "fleet-steady") == pytest.approx(9 / 20)
    assert fleet.loop_per_item(loop, "fleet-uri") == pytest.approx(7 / 20)
    assert bench.stats.FleetSummary(fleet_runs(bench, 500)).loop_size(loop) == 30  # no loop at 500: the largest N
    with pytest.raises(ValueError, match="different numbers of hosts"):
        bench.stats.FleetSummary(fleet_runs(bench)[:3] + fleet_runs(bench, 30)[3:])


def timing_for(bench) -> dict:
    figures = {"import_s": 0.1, "run_s": 0.005, "total_s": 0.105, "compile_s": 0.04, "compile_files": 50, "compile_lines": 9000,
               "imports": 200, "top_imports": [{"name": "m", "cumulative_s": 0.1}], "notable": {"requests": 0.05}, "by_package": [["requests", 0.01]],
               "profile": [{"function": "main", "calls": 1, "cumulative_s": 0.005}], "runs": 5}
    return {variant.name: figures for variant in bench.model.VARIANTS}


META = {"machine": "test", "date": "today", "duration_min": 1.0, "load": "0", "command": "make bench", "reps_text": "N=10: 1",
        "fleet_hosts": 20, "fleet_forks": 10, "fleet_reps": 3}


def test_the_report_has_a_fleet_section_target_rows_and_a_summary_line_only_with_fleet_runs(bench) -> None:
    with_fleet = bench.report.report(loop_runs(bench), timing_for(bench), META, fleet_runs(bench))
    assert "\n## Fleet\n" in with_fleet
    assert "20 hosts, one item each, `ansible-playbook --forks 10`; 3 repetitions" in with_fleet
    # wall 6.0 s of 20 items: 300 ms; the steady loop at N = 20 takes 9 s: 450 ms per item, 1.5 times the fleet's
    assert "| fleet-steady | 6.0 [4.5-7.5] | 300 [225-375] | 1.00 | PUT 200: 20 | 33.2 | 58.6 | 450 | 1.50 |" in with_fleet
    assert "fleet-steady / fleet-uri **1.20**; fleet-create / fleet-uri **1.00**" in with_fleet
    assert "- **Fleet**: `forks` parallelises hosts" in with_fleet and "`fleet-000` to `fleet-019`" in with_fleet
    assert "| fleet (20 hosts, forks 10): 1 HTTP request per item | fleet-uri 1.00, fleet-steady 1.00, fleet-create 1.00 | **met** |" in with_fleet
    assert "| fleet (20 hosts, forks 10): steady / uri <= 1.00 per task | fleet-steady / fleet-uri 1.20 | **not met** |" in with_fleet
    assert ("- Fleet (20 hosts, one item each, forks 10): the module takes 300 ms of wall time per item against uri's 250 ms"
            " (module / uri 1.20), creating 250 ms.") in with_fleet
    without = bench.report.report(loop_runs(bench), timing_for(bench), META)
    assert "fleet" not in without.lower()
    assert with_fleet.startswith(without.split("\n## Method")[0])
