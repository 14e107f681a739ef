# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet cases of ``make bench``: inventories, playbooks, the SSH server's lifetime, outcome checks, options (hacking/bench_fleet.py)."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import types
from pathlib import Path

import jinja2
import pytest
import yaml

HACKING = Path(__file__).resolve().parent.parent.parent / "hacking"
BENCH = HACKING.parent / "tests" / "bench"
HARNESS = HACKING.parent / "tests" / "integration" / "targets" / "setup_sshd" / "files"
HOST_RECAP = "{host}                  : ok={ok}    changed={changed}    unreachable={unreachable}    failed={failed}    skipped=0    rescued=0\n"


@pytest.fixture(name="bench")
def fixture_bench(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    monkeypatch.syspath_prepend(str(HACKING))
    import bench
    import bench_fleet
    import bench_model
    import bench_outcome

    return types.SimpleNamespace(main=bench, fleet=bench_fleet, model=bench_model, outcome=bench_outcome)


def recap(hosts: list[str], *, changed: int = 0, failed: int = 0, unreachable: int = 0, ok: int = 1) -> str:
    return "PLAY RECAP ***\n" + "".join(
        HOST_RECAP.format(host=host, ok=ok, changed=changed, unreachable=unreachable, failed=failed) for host in hosts)


def puts(bench, items: list[int], status: int = 200) -> list[dict]:
    return [{"method": "PUT", "status": status, "path": bench.fleet.put_path(item)} for item in items]


def host_vars(sources: list[str], group: str) -> dict[str, dict]:
    """Every host of ``group`` and its variables, as ansible-playbook reads them from these inventory sources."""
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=sources)
    variables = VariableManager(loader=loader, inventory=inventory)
    return {host.name: variables.get_vars(host=host) for host in inventory.get_hosts(group)}


# --- the inventories and the playbooks ------------------------------------------------------------------------------


def test_ansible_reads_the_local_fleet_as_local_hosts_each_with_its_item_and_token_file(bench, tmp_path: Path) -> None:
    hosts = bench.fleet.local_fleet(tmp_path, 12)
    assert hosts.args[-2:] == ("--forks", "10")
    found = host_vars([hosts.args[1]], bench.fleet.GROUP)
    assert list(found) == list(hosts.names) == [f"fleet-{item:03d}" for item in range(12)]
    for item, name in enumerate(hosts.names):
        assert found[name]["bench_item"] == item
        assert found[name]["bench_token_path"] == str(tmp_path / "tokens" / f"{item}.token") == str(hosts.token_paths[item])
        assert found[name]["ansible_connection"] == "local"
        assert found[name]["ansible_python_interpreter"] == sys.executable


def test_ansible_reads_the_ssh_fleet_as_the_harness_hosts_each_with_its_item_and_own_token_file(bench, tmp_path: Path) -> None:
    sys.path.insert(0, str(HARNESS))
    try:
        import loopback_sshd
    finally:
        sys.path.remove(str(HARNESS))
    remote_tmp = {f"h{index}": f"/home/x/.ansible-tmp/h{index}" for index in range(1, 4)}
    (tmp_path / "inventory.ini").write_text(loopback_sshd.inventory_text(tmp_path, 2222, 3, remote_tmp))
    me = pwd.getpwuid(os.getuid())
    hosts = bench.fleet.ssh_fleet(tmp_path, 3, {"inventory": str(tmp_path / "inventory.ini"), "user": me.pw_name})
    found = host_vars([value for flag, value in zip(hosts.args, hosts.args[1:]) if flag == "--inventory"], bench.fleet.GROUP)
    assert list(found) == list(hosts.names) == ["h1", "h2", "h3"]
    assert len({str(path) for path in hosts.token_paths}) == 3  # one machine, one login user: each host needs its own file
    for item, name in enumerate(hosts.names):
        assert found[name]["bench_item"] == item
        assert found[name]["bench_token_path"] == f"/home/oauthkit-ssh/bench/{name}.token" == str(hosts.token_paths[item])
        assert found[name]["ansible_connection"] == "ssh"
        assert found[name]["ansible_host"] == f"127.0.0.{item + 2}"
        assert found[name]["ansible_port"] == 2222
    assert (hosts.uid, hosts.gid) == (me.pw_uid, me.pw_gid)
    assert hosts.args[-2:] == ("--forks", "10")


@pytest.mark.parametrize("playbook", ["fleet_authorization.yml", "fleet_uri.yml", "fleet_custody.yml", "fleet_ping.yml"])
def test_each_host_of_the_fleet_asks_for_its_own_item_as_the_runner_seeds_and_checks_it(bench, playbook: str) -> None:
    (play,) = yaml.safe_load((BENCH / playbook).read_text())
    assert play["hosts"] == bench.fleet.GROUP
    assert play["gather_facts"] is False
    (task,) = play["tasks"]
    assert "loop" not in task and "connection" not in play  # one item per host; the inventory gives the connection
    environment = jinja2.Environment(autoescape=False)  # noqa: S701 - renders test strings, not HTML

    def render(template: str) -> str:
        return environment.from_string(template).render(bench_item=37, bench_api_url="", bench_token_path="/t/h38.token")

    if playbook == "fleet_ping.yml":
        assert task["ansible.builtin.ping"] is None
    elif playbook == "fleet_uri.yml":
        args = task["ansible.builtin.uri"]
        assert render(args["url"]) == bench.fleet.put_path(37)
        assert render(args["body"]["client_secret"]) == bench.model.client_secret(37)
    else:
        args = task["oauthkit.github.authorization"]
        assert render(args["client_id"]) == bench.model.client_id(37)
        assert render(args["client_secret"]) == bench.model.client_secret(37)
        assert render(args["fingerprint"]) == "bench-37"
        assert ("token_path" in args) == (playbook == "fleet_custody.yml")
        if "token_path" in args:
            assert render(args["token_path"]) == "/t/h38.token"
            assert not {"register", "failed_when", "changed_when", "no_log"} & set(task)  # the shape a user writes; bench_items checks
    assert bench.fleet.put_path(37) == f"/authorizations/clients/{bench.model.client_id(37)}/bench-37"


def test_every_variant_has_its_playbook_and_a_fleet_variant_uses_the_fleet_group(bench) -> None:
    for variant in bench.model.VARIANTS:
        (play,) = yaml.safe_load((BENCH / variant.playbook).read_text())
        assert play["hosts"] == ("localhost" if variant.case == bench.model.LOOP else bench.fleet.GROUP), variant.name
    assert dict(bench.model.variant("ssh-ping-pipelining").env) == {"ANSIBLE_PIPELINING": "1"}
    assert bench.model.variant("ssh-ping").env == () and bench.model.variant("ssh-custody").env == ()  # the target's baseline: defaults


# --- the SSH server's lifetime --------------------------------------------------------------------------------------


class FakeRun:
    """Stands in for subprocess.run in bench_fleet: records each argv, answers ``start`` with ``start_rc``."""

    def __init__(self, start_rc: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.start_rc = start_rc

    def __call__(self, argv, **_kwargs) -> subprocess.CompletedProcess:
        self.calls.append([str(part) for part in argv])
        if "start" in argv:
            return subprocess.CompletedProcess(argv, self.start_rc, stdout=json.dumps({"inventory": "inv", "user": "u"}), stderr="no sshd")
        return subprocess.CompletedProcess(argv, 0, stdout="{}", stderr="")


@pytest.mark.parametrize("start_rc", [0, 1])
def test_the_ssh_server_is_stopped_and_its_folders_removed_whatever_happens(bench, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, start_rc) -> None:
    fake = FakeRun(start_rc)
    monkeypatch.setattr(bench.fleet.subprocess, "run", fake)
    monkeypatch.setattr(bench.fleet, "SSH_TOKEN_DIR", tmp_path / "tokens")
    (tmp_path / "tokens").mkdir()
    with pytest.raises(SystemExit, match="boom" if start_rc == 0 else "did not start.*--ssh-hosts 0 skips.*: no sshd$"):
        with bench.fleet.loopback_sshd(7) as sshd:
            assert sshd == {"inventory": "inv", "user": "u"}
            raise SystemExit("boom")
    (start, stop) = fake.calls
    assert start[1:3] == [str(bench.fleet.SSHD_SCRIPT), "start"] and start[-2:] == ["--hosts", "7"]
    assert stop[1:] == [str(bench.fleet.SSHD_SCRIPT), "stop", "--dir", start[4]]
    assert not Path(start[4]).exists() and not (tmp_path / "tokens").exists()


def test_each_runs_ssh_masters_are_closed(bench, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = FakeRun()
    monkeypatch.setattr(bench.fleet.subprocess, "run", fake)
    (tmp_path / "cp").mkdir()
    for name in ("b1", "a2"):
        (tmp_path / "cp" / name).touch()
    bench.fleet.close_masters(tmp_path / "cp")
    bench.fleet.close_masters(tmp_path / "no-ssh-run")  # a local run leaves no folder
    assert fake.calls == [["ssh", "-o", f"ControlPath={tmp_path / 'cp' / name}", "-O", "exit", "bench"] for name in ("a2", "b1")]


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
    bench.fleet.check_recap("fleet-steady N=3", recap(hosts), hosts, changed=False)
    bench.fleet.check_recap("fleet-create N=3", recap(hosts, changed=1), hosts, changed=True)


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
    names = [bench.fleet.host_name(item) for item in range(3)]
    with pytest.raises(SystemExit, match=message):
        bench.fleet.check_recap("fleet N=3", recap(hosts, **counts), names, changed=changed)


def test_the_outcome_of_a_fleet_run_is_checked_against_its_variant(bench, tmp_path: Path) -> None:
    outcome, variant = bench.outcome, bench.model.variant
    hosts = bench.fleet.local_fleet(tmp_path, 3)
    seeded = [{"fingerprint": f"bench-{item}"} for item in range(3)]
    steady = outcome.Outcome(puts(bench, [0, 1, 2]), seeded, recap(list(hosts.names)), [], hosts)
    assert outcome.check_outcome(variant("fleet-steady"), 3, steady) is None
    assert outcome.check_outcome(variant("fleet-uri"), 3, steady) is None
    created = outcome.Outcome(puts(bench, [0, 1, 2], 201), seeded, recap(list(hosts.names), changed=1), [], hosts)
    assert outcome.check_outcome(variant("fleet-create"), 3, created) is None
    with pytest.raises(SystemExit, match=r"^fleet-create N=3: expected exactly 3 x \('PUT', 201\)"):
        outcome.check_outcome(variant("fleet-create"), 3, steady)
    with pytest.raises(SystemExit, match=r"^fleet-steady N=3: expected exactly 3 x \('PUT', 200\)"):
        outcome.check_outcome(variant("fleet-steady"), 3, created)
    with pytest.raises(SystemExit, match="fleet-steady N=3: expected one request to each"):
        outcome.check_outcome(variant("fleet-steady"), 3, outcome.Outcome(puts(bench, [0, 0, 2]), seeded, steady.output, [], hosts))
    with pytest.raises(SystemExit, match="fleet-create N=3: 2 authorizations exist afterwards"):
        outcome.check_outcome(variant("fleet-create"), 3, outcome.Outcome(created.requests, seeded[:2], created.output, [], hosts))
    with pytest.raises(SystemExit, match="fleet-steady N=3: expected each of the 3 hosts"):  # the loop's localhost recap does not do
        outcome.check_outcome(variant("fleet-steady"), 3, outcome.Outcome(steady.requests, seeded, recap(["localhost"]), [], hosts))
    with pytest.raises(SystemExit, match=r"^ssh-ping N=3: expected no request"):
        outcome.check_outcome(variant("ssh-ping"), 3, steady)


def test_an_ssh_custody_run_checks_every_hosts_token_file(bench, tmp_path: Path) -> None:
    import bench_custody as custody

    tokens = custody.new_tokens(2)
    paths = (tmp_path / "h1.token", tmp_path / "h2.token")
    hosts = bench.fleet.Hosts(("h1", "h2"), (), paths, os.getuid(), os.getgid())
    custody.write_token_files(list(paths), tokens, uid=hosts.uid, gid=hosts.gid)
    view = [{"fingerprint": f"bench-{item}", "hashed_token": custody.sha256(token)} for item, token in enumerate(tokens)]
    result = bench.outcome.Outcome(puts(bench, [1, 0]), view, recap(["h1", "h2"]), tokens, hosts, {"verified/unchanged": 2})
    assert bench.outcome.check_outcome(bench.model.variant("ssh-custody"), 2, result) == 2
    paths[1].unlink()
    with pytest.raises(SystemExit, match=r"^ssh-custody N=2: 1 of 2 token files"):
        bench.outcome.check_outcome(bench.model.variant("ssh-custody"), 2, result)


# --- the options ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "hosts", "ssh", "ssh_reps"),
    [([], 500, 50, 3), (["--quick"], 20, 10, 1), (["--quick", "--fleet-hosts", "50", "--ssh-hosts", "0"], 50, 0, 1),
     (["--fleet-hosts", "0", "--ssh-reps", "2"], 0, 50, 2)],
)
def test_the_fleets_have_500_local_and_50_ssh_hosts_fewer_in_a_quick_run_and_none_when_asked(bench, argv, hosts, ssh, ssh_reps) -> None:
    args = bench.main.parse_args(argv)
    assert (args.fleet_hosts, args.ssh_hosts, args.ssh_reps, args.fleet_reps) == (hosts, ssh, ssh_reps, 1)


def test_the_default_loop_is_n_1_10_100_500_three_repetitions_one_above_100_for_ping_and_uri(bench) -> None:
    args = bench.main.parse_args([])
    assert args.reps_for == {1: 3, 10: 3, 100: 3, 500: 1}
    assert args.reps == 3


@pytest.mark.parametrize("argv", [["--fleet-hosts", "-1"], ["--fleet-reps", "0"], ["--ssh-hosts", "61"], ["--ssh-reps", "0"], ["--sizes", "10"],
                                  ["--sizes", "0,10"], ["--sizes", "a,b"]])
def test_a_negative_fleet_too_many_ssh_hosts_no_repetition_or_a_single_size_is_refused(bench, argv) -> None:
    with pytest.raises(SystemExit):
        bench.main.parse_args(argv)
