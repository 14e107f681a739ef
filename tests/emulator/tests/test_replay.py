"""Every recorded exchange under tests/emulator/reference/recorded/ replays against the emulator (see replay.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from conftest import REFERENCE_DIR, EmulatorProcess, GitHubSession
from replay import OUTCOMES, Outcome, load_recordings, replay_recording, skip_reason

RECORDED_DIR = REFERENCE_DIR / "recorded"
RECORDINGS = load_recordings(RECORDED_DIR) if (RECORDED_DIR / "INDEX.json").exists() else []
REPLAYABLE = [r for r in RECORDINGS if skip_reason(r) is None]
EXCLUDED = [r for r in RECORDINGS if skip_reason(r) is not None]
# Why recordings cannot apply to today's API, and how many of each there are. A new recording, or a change in how
# one is classified, changes these counts and fails test_excluded_recordings, so nothing is left out silently.
EXPECTED_EXCLUSIONS = {
    "recorded before 2015-04-20: the token was returned for existing authorizations (token semantics changed then)": 23,
    "recorded before 2014-02: POST /authorizations without a note got 201 (a note is required since)": 16,
    "static JSON fixture: no HTTP exchange to replay": 9,
    "WireMock response body file: replayed through the mapping that references it": 4,
    "hand-edited upstream (INDEX.md: not a genuine recording)": 3,
    "recorded 2013-2015: client_id in the PUT body was accepted then; rejected with 422 since 2018 (CONTRACT.md#get-or-create)": 3,
    "DELETE /applications/{client_id}/tokens (revoke all) was removed on 2016-01-25 and is not in the OpenAPI extract": 3,
}


@pytest.fixture(scope="module")
def replay_emulator() -> Iterator[EmulatorProcess]:
    """A separate emulator in the github.com layout (no prefix), reseeded for each recording."""
    proc = EmulatorProcess()
    yield proc
    proc.stop()


def test_recordings_are_present() -> None:
    assert len(RECORDINGS) > 100, f"no recordings found under {RECORDED_DIR}"


def test_excluded_recordings() -> None:
    """Only recordings whose semantics GitHub has since changed, or that hold no exchange, are left out; each for a stated reason."""
    reasons = Counter(skip_reason(r) for r in EXCLUDED)
    for recording in EXCLUDED:
        OUTCOMES.append(Outcome(recording.file, "skipped", skip_reason(recording)))
    assert dict(reasons) == EXPECTED_EXCLUSIONS
    assert len(REPLAYABLE) == len(RECORDINGS) - sum(EXPECTED_EXCLUSIONS.values())


@pytest.mark.parametrize("recording", REPLAYABLE, ids=[r.file for r in REPLAYABLE])
def test_replay(recording: object, replay_emulator: EmulatorProcess) -> None:
    # A GitHubSession validates every replayed response against the OpenAPI extract, too.
    with GitHubSession(replay_emulator.url, auth=None, otp_secret=None) as session:
        outcome = replay_recording(replay_emulator.url, recording, session)  # type: ignore[arg-type]
    OUTCOMES.append(outcome)
    assert outcome.status == "matched", "\n".join(outcome.details)
