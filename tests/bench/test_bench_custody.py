# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The custody variant of ``make bench``: seeded token files and the outcome checks (hacking/bench_custody.py, bench_outcome.py)."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

HACKING = Path(__file__).resolve().parent.parent.parent / "hacking"
RECAP = "PLAY RECAP ***\nlocalhost                  : ok=1    changed={changed}    unreachable=0    failed={failed}    skipped=0\n"


@pytest.fixture(name="bench")
def fixture_bench(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(HACKING))
    import bench_custody
    import bench_model
    import bench_outcome

    return bench_custody, bench_model, bench_outcome


def emulator_view(tokens: list[str]) -> list[dict[str, str]]:
    """What GET /_emulator/authorizations shows for the seeded authorizations."""
    return [{"fingerprint": f"bench-{i}", "hashed_token": hashlib.sha256(token.encode()).hexdigest()} for i, token in enumerate(tokens)]


def test_token_files_are_written_0600_with_their_lock_files_and_verify(bench, tmp_path: Path) -> None:
    custody, _model, _outcome = bench
    tokens = custody.new_tokens(3)
    assert len(set(tokens)) == 3 and all(len(token) == 40 and int(token, 16) >= 0 for token in tokens)
    directory = tmp_path / custody.TOKEN_DIR
    custody.write_token_files(directory, tokens)
    for item, token in enumerate(tokens):
        path = custody.token_file(directory, item)
        assert path.read_text() == f"{token}\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert Path(f"{path}.lock").exists()
    assert custody.verified_files(directory, tokens, emulator_view(tokens)) == 3


def test_a_rewritten_token_a_wider_mode_or_a_rotated_hash_does_not_verify(bench, tmp_path: Path) -> None:
    custody, _model, _outcome = bench
    tokens = custody.new_tokens(4)
    directory = tmp_path / custody.TOKEN_DIR
    custody.write_token_files(directory, tokens)
    rotated = custody.new_tokens(1)[0]
    custody.token_file(directory, 0).write_text(f"{rotated}\n")  # the file holds another token
    custody.token_file(directory, 1).chmod(0o644)
    view = emulator_view(tokens)
    view[2]["hashed_token"] = hashlib.sha256(rotated.encode()).hexdigest()  # the authorization's token changed
    assert custody.verified_files(directory, tokens, view) == 1
    custody.write_token_files(directory, tokens)  # starts again from an empty directory
    assert custody.verified_files(directory, tokens, emulator_view(tokens)) == 4


def test_the_playbook_uses_the_runners_token_file_names(bench) -> None:
    custody, _model, _outcome = bench
    playbook = (HACKING.parent / "tests" / "bench" / "custody.yml").read_text()
    assert 'token_path: "{{ bench_token_dir }}/{{ item }}.token"' in playbook
    assert custody.token_file(Path("d"), 7) == Path("d/7.token")


def custody_outcome(bench, tmp_path: Path, *, requests: int, status: int = 200, changed: int = 0, failed: int = 0):
    custody, model, outcome = bench
    tokens = custody.new_tokens(2)
    directory = tmp_path / custody.TOKEN_DIR
    custody.write_token_files(directory, tokens)
    variant = next(variant for variant in model.VARIANTS if variant.custody)
    log = [{"method": "PUT", "status": status}] * requests
    return variant, outcome.Outcome(log, emulator_view(tokens), RECAP.format(changed=changed, failed=failed), tokens, directory)


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


def test_a_custody_run_whose_token_file_changed_stops_the_benchmark(bench, tmp_path: Path) -> None:
    variant, result = custody_outcome(bench, tmp_path, requests=2)
    bench[0].token_file(result.token_dir, 1).write_text("0" * 40 + "\n")
    with pytest.raises(SystemExit, match="1 of 2 token files"):
        bench[2].check_outcome(variant, 2, result)
