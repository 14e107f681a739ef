# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The custody variants of ``make bench``: seeded token files and the outcome checks (hacking/bench_custody.py, bench_outcome.py)."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

import pytest

HACKING = Path(__file__).resolve().parent.parent.parent / "hacking"
RECAP = "PLAY RECAP ***\nlocalhost                  : ok=1    changed={changed}    unreachable=0    failed={failed}    skipped=0\n"


@pytest.fixture(name="bench")
def fixture_bench(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(HACKING))
    import bench_custody
    import bench_fleet
    import bench_model
    import bench_outcome

    return bench_custody, bench_model, bench_outcome, bench_fleet


def emulator_view(tokens: list[str]) -> list[dict[str, str]]:
    """What GET /_emulator/authorizations shows for the seeded authorizations."""
    return [{"fingerprint": f"bench-{i}", "hashed_token": hashlib.sha256(token.encode()).hexdigest()} for i, token in enumerate(tokens)]


def test_token_files_are_written_0600_with_their_lock_files_and_verify(bench, tmp_path: Path) -> None:
    custody, _model, _outcome, fleet = bench
    tokens = custody.new_tokens(3)
    assert len(set(tokens)) == 3
    assert all(re.fullmatch("[0-9a-f]{40}", token) for token in tokens), tokens  # GitHub's classic form, as the emulator stores it
    paths = [fleet.token_file(tmp_path, item) for item in range(3)]
    (tmp_path / "tokens").mkdir()
    (tmp_path / "tokens" / "left-over").write_text("from an earlier run")
    custody.write_token_files(paths, tokens)
    expected = ["0.token", "0.token.lock", "1.token", "1.token.lock", "2.token", "2.token.lock"]
    assert sorted(entry.name for entry in (tmp_path / "tokens").iterdir()) == expected
    assert stat.S_IMODE((tmp_path / "tokens").stat().st_mode) == 0o700
    for path, token in zip(paths, tokens):
        assert path.read_text() == f"{token}\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert Path(f"{path}.lock").stat().st_size == 0
    assert custody.verified_files(paths, tokens, emulator_view(tokens)) == 3


def test_a_rewritten_token_a_wider_mode_a_rotated_hash_or_another_owner_does_not_verify(bench, tmp_path: Path) -> None:
    custody, _model, _outcome, fleet = bench
    tokens = custody.new_tokens(4)
    paths = [fleet.token_file(tmp_path, item) for item in range(4)]
    custody.write_token_files(paths, tokens)
    rotated = custody.new_tokens(1)[0]
    paths[0].write_text(f"{rotated}\n")  # the file holds another token
    paths[1].chmod(0o644)
    view = emulator_view(tokens)
    view[2]["hashed_token"] = hashlib.sha256(rotated.encode()).hexdigest()  # the authorization's token changed
    assert custody.verified_files(paths, tokens, view) == 1
    assert custody.verified_files(paths, tokens, view, uid=os.getuid() + 1) == 0  # an SSH host's files must belong to its login user
    custody.write_token_files(paths, tokens)  # starts again from an empty folder
    assert custody.verified_files(paths, tokens, emulator_view(tokens)) == 4
    assert custody.verified_files(paths, tokens, emulator_view(tokens), uid=os.getuid()) == 4


def test_files_for_a_host_user_have_no_lock_file_and_belong_to_that_user(bench, tmp_path: Path) -> None:
    custody, _model, _outcome, _fleet = bench
    tokens = custody.new_tokens(2)
    paths = [tmp_path / "home" / "bench" / f"h{index}.token" for index in (1, 2)]
    custody.write_token_files(paths, tokens, uid=os.getuid(), gid=os.getgid())  # chown to ourselves: allowed without root
    assert sorted(entry.name for entry in paths[0].parent.iterdir()) == ["h1.token", "h2.token"]
    assert custody.verified_files(paths, tokens, emulator_view(tokens), uid=os.getuid()) == 2


def test_the_playbooks_use_the_runners_token_file_names(bench, tmp_path: Path) -> None:
    _custody, _model, _outcome, fleet = bench
    playbook = (HACKING.parent / "tests" / "bench" / "custody.yml").read_text()
    assert 'token_path: "{{ bench_token_dir }}/{{ item }}.token"' in playbook
    assert fleet.token_file(tmp_path, 7) == tmp_path / "tokens" / "7.token"
    assert 'token_path: "{{ bench_token_path }}"' in (HACKING.parent / "tests" / "bench" / "fleet_custody.yml").read_text()


def test_the_custody_task_has_a_users_shape_and_debug_and_the_floor_take_the_same_values(bench) -> None:
    import yaml

    def task(name: str) -> dict:
        (play,) = yaml.safe_load((HACKING.parent / "tests" / "bench" / name).read_text())
        (only,) = play["tasks"]
        return only

    custody, debug, floor = task("custody.yml"), task("debug.yml"), task("floor.yml")
    assert not {"register", "failed_when", "changed_when", "no_log"} & (set(custody) | set(floor))  # bench_items checks every item instead
    assert not {"register", "failed_when", "changed_when"} & set(debug) and debug["no_log"] is True  # debug prints its msg
    assert debug["ansible.builtin.debug"]["msg"] == custody["oauthkit.github.authorization"] == floor["bench_put"]
    assert debug["loop"] == custody["loop"] == floor["loop"]


def custody_outcome(bench, tmp_path: Path, *, requests: int, status: int = 200, changed: int = 0, failed: int = 0, items=None):
    custody, model, outcome, fleet = bench
    tokens = custody.new_tokens(2)
    hosts = fleet.loop_hosts(tmp_path, 2)
    custody.write_token_files(list(hosts.token_paths), tokens)
    log = [{"method": "PUT", "status": status}] * requests
    reported = {"verified/unchanged": 2} if items is None else items
    recap = RECAP.format(changed=changed, failed=failed)
    return model.variant("custody"), outcome.Outcome(log, emulator_view(tokens), recap, tokens, hosts, reported)


def test_a_custody_run_with_one_put_per_item_and_an_ok_recap_passes(bench, tmp_path: Path) -> None:
    variant, result = custody_outcome(bench, tmp_path, requests=2)
    assert bench[2].check_outcome(variant, 2, result) == 2


@pytest.mark.parametrize(
    ("requests", "status", "changed", "failed", "message"),
    [
        (3, 200, 0, 0, "expected exactly 2"),
        (2, 201, 0, 0, "expected exactly 2"),
        (2, 200, 1, 0, "changed=0"),
        (2, 200, 0, 1, "failed=0"),
    ],
)
def test_a_custody_run_that_did_something_else_stops_the_benchmark(bench, tmp_path: Path, requests, status, changed, failed, message) -> None:
    variant, result = custody_outcome(bench, tmp_path, requests=requests, status=status, changed=changed, failed=failed)
    with pytest.raises(SystemExit, match=message):
        bench[2].check_outcome(variant, 2, result)


@pytest.mark.parametrize(
    "items",
    [
        {},
        {"verified/unchanged": 1},
        {"verified/unchanged": 1, "lost/changed": 1},
        {"verified/unchanged": 1, "failed/none/unchanged": 1},
        {"verified/unchanged": 2, "none/unchanged": 1},
    ],
)
def test_a_custody_run_whose_items_did_not_all_report_verified_stops_the_benchmark(bench, tmp_path: Path, items) -> None:
    variant, result = custody_outcome(bench, tmp_path, requests=2, items=items)
    with pytest.raises(SystemExit, match=r"^custody N=2: expected 2 items reporting verified/unchanged"):
        bench[2].check_outcome(variant, 2, result)


def test_a_custody_run_whose_token_file_changed_stops_the_benchmark(bench, tmp_path: Path) -> None:
    variant, result = custody_outcome(bench, tmp_path, requests=2)
    result.hosts.token_paths[1].write_text("0" * 40 + "\n")
    with pytest.raises(SystemExit, match="1 of 2 token files"):
        bench[2].check_outcome(variant, 2, result)


@pytest.mark.parametrize("name", ["ping", "debug"])
def test_a_floor_run_that_sent_a_request_stops_the_benchmark(bench, tmp_path: Path, name: str) -> None:
    _custody, model, outcome, fleet = bench
    ok = outcome.Outcome([], [], RECAP.format(changed=0, failed=0), [], fleet.loop_hosts(tmp_path, 2))
    assert outcome.check_outcome(model.variant(name), 2, ok) is None
    sent = outcome.Outcome([{"method": "GET", "status": 200}], [], ok.output, [], ok.hosts)
    with pytest.raises(SystemExit, match=f"^{name} N=2: expected no request"):
        outcome.check_outcome(model.variant(name), 2, sent)
