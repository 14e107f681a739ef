"""Every recorded exchange under tests/emulator/reference/recorded/ replays against the emulator (see replay.py)."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import REFERENCE_DIR, EmulatorProcess, GitHubSession
from replay import OUTCOMES, Exchange, Outcome, Recording, load_recordings, replay_recording, skip_reason

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
EXPECTED_REPLAYED = {"recordings": 102, "exchanges": 162}


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
    # What is replayed, exchange by exchange: a parser that loses exchanges, or a recording that starts or stops being
    # replayable, changes these counts.
    assert {"recordings": len(REPLAYABLE), "exchanges": sum(len(r.exchanges) for r in REPLAYABLE)} == EXPECTED_REPLAYED


def _first(predicate: Callable[[Exchange], bool]) -> tuple[Recording, int]:
    """The first replayable recording that has an exchange for which predicate holds, and that exchange's index."""
    for recording in REPLAYABLE:
        for index, exchange in enumerate(recording.exchanges):
            if predicate(exchange):
                return recording, index
    raise AssertionError("no replayable recording has such an exchange")


def _add_key(exchange: Exchange) -> str:
    exchange.response["key_the_emulator_never_sends"] = "x"
    return "body.key_the_emulator_never_sends: missing"


def _empty_token(exchange: Exchange) -> str:
    exchange.response["token"] = ""
    return "body.token: present, recorded empty"


def _other_message(exchange: Exchange) -> str:
    exchange.response["message"] = "Not what the emulator says"
    return "recorded 'Not what the emulator says'"


# An exchange that the emulator answers as recorded, and a change to its recorded answer that the emulator does not make.
ALTERATIONS: dict[str, tuple[Callable[[Exchange], bool], Callable[[Exchange], str]]] = {
    "a body key": (lambda e: isinstance(e.response, dict) and e.status < 300, _add_key),
    "the token": (lambda e: isinstance(e.response, dict) and e.status == 201 and bool(e.response.get("token")), _empty_token),
    "an error message": (lambda e: isinstance(e.response, dict) and e.status >= 400 and bool(e.response.get("message")), _other_message),
}


@pytest.mark.parametrize("altered", list(ALTERATIONS))
def test_replay_notices_an_answer_unlike_the_recording(altered: str, replay_emulator: EmulatorProcess) -> None:
    """A replay can fail: a recording that the emulator matches, altered in one place, is a mismatch of that exchange."""
    predicate, alter = ALTERATIONS[altered]
    recording, index = _first(predicate)
    changed: Any = copy.deepcopy(recording)
    expected = alter(changed.exchanges[index])
    with GitHubSession(replay_emulator.url, auth=None, otp_secret=None) as session:
        assert replay_recording(replay_emulator.url, recording, session).status == "matched"
        outcome = replay_recording(replay_emulator.url, changed, session)
    assert outcome.status == "mismatched"
    assert [detail for detail in outcome.details if detail.startswith(f"#{index + 1} ") and expected in detail], outcome.details


@pytest.mark.parametrize("recording", REPLAYABLE, ids=[r.file for r in REPLAYABLE])
def test_replay(recording: object, replay_emulator: EmulatorProcess) -> None:
    # A GitHubSession validates every replayed response against the OpenAPI extract, too.
    with GitHubSession(replay_emulator.url, auth=None, otp_secret=None) as session:
        outcome = replay_recording(replay_emulator.url, recording, session)  # type: ignore[arg-type]
    OUTCOMES.append(outcome)
    assert outcome.status == "matched", "\n".join(outcome.details)
