"""Authentication failures, lockout and two-factor authentication (reference/CONTRACT.md#two-factor-authentication, #authentication-errors)."""

from __future__ import annotations

from typing import Any

from conftest import CLIENT_ID, CLIENT_SECRET, LOGIN, OTP_SECRET, PASSWORD, EmulatorProcess, GitHubSession, totp_now
from github_emulator.config import DEMO_CONFIG

PUT_PATH = f"/authorizations/clients/{CLIENT_ID}"
BODY = {"client_secret": CLIENT_SECRET}
OTP_MESSAGE = "Must specify two-factor authentication OTP code."


def session(emulator: EmulatorProcess, auth: Any = (LOGIN, PASSWORD), otp: Any = OTP_SECRET) -> GitHubSession:
    return GitHubSession(emulator.url, "/api/v3", auth=auth, otp_secret=otp)


def test_no_credentials(emulator: EmulatorProcess, control: Any) -> None:
    reply = session(emulator, auth=None, otp=None).post("/authorizations", json={"note": "x"})
    assert reply.status_code == 401
    assert reply.json()["message"] == "Requires authentication"
    assert "X-GitHub-OTP" not in reply.headers


def test_bad_password_then_lockout(emulator: EmulatorProcess, ctl: Any) -> None:
    bad = session(emulator, auth=(LOGIN, "wrong"))
    for _attempt in range(5):
        reply = bad.put(PUT_PATH, json=BODY)
        assert reply.status_code == 401
        assert reply.json()["message"] == "Bad credentials"
    locked = bad.put(PUT_PATH, json=BODY)
    assert locked.status_code == 403
    assert locked.json()["message"] == "Maximum number of login attempts exceeded. Please try again later."
    # Once locked out, valid credentials are rejected too, until reset.
    assert session(emulator).put(PUT_PATH, json=BODY).status_code == 403
    ctl("POST", "reset")
    assert session(emulator).put(PUT_PATH, json=BODY).status_code == 201


def test_success_clears_failure_count(emulator: EmulatorProcess, control: Any) -> None:
    bad = session(emulator, auth=(LOGIN, "wrong"))
    good = session(emulator)
    for _attempt in range(3):
        assert bad.get("/authorizations").status_code == 401
        assert good.get("/authorizations").status_code == 200


def test_token_auth_is_404_on_authorizations(emulator: EmulatorProcess, gh: GitHubSession) -> None:
    token = gh.put(PUT_PATH, json=BODY).json()["token"]
    as_token = session(emulator, auth=None, otp=None)
    reply = as_token.get("/authorizations", headers={"Authorization": f"token {token}"})
    assert reply.status_code == 404
    assert reply.json()["message"] == "Not Found"
    basic_token = session(emulator, auth=(LOGIN, token), otp=None)
    assert basic_token.get("/authorizations").status_code == 404
    assert as_token.get("/user", headers={"Authorization": f"token {token}"}).status_code == 200
    bogus = as_token.get("/authorizations", headers={"Authorization": "token " + "0" * 40})
    assert bogus.status_code == 401


def test_otp_missing_and_wrong(emulator: EmulatorProcess, control: Any) -> None:
    missing = session(emulator, otp=None).put(PUT_PATH, json=BODY)
    assert missing.status_code == 401
    assert missing.headers["X-GitHub-OTP"] == "required; app"
    assert missing.json() == {"message": OTP_MESSAGE, "documentation_url": "https://developer.github.com/v3/auth#working-with-two-factor-authentication"}
    code = totp_now()
    wrong = "000000" if code != "000000" else "111111"
    reply = session(emulator, otp=None).put(PUT_PATH, json=BODY, headers={"x-github-otp": wrong})
    assert reply.status_code == 401
    assert reply.headers["X-GitHub-OTP"] == "required; app"
    ok = session(emulator, otp=None).put(PUT_PATH, json=BODY, headers={"x-GITHUB-otp": code})
    assert ok.status_code == 201


def test_otp_challenge_on_any_endpoint(emulator: EmulatorProcess, control: Any) -> None:
    reply = session(emulator, otp=None).get("/user")
    assert reply.status_code == 401
    assert reply.headers["X-GitHub-OTP"] == "required; app"


def test_sms_and_none_users(emulator: EmulatorProcess, ctl: Any) -> None:
    config = {
        "users": [
            {"login": "texter", "password": "pw-sms", "two_factor": "sms", "otp_secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY"},
            {"login": "plain", "password": "pw-plain", "two_factor": "none"},
        ],
        "apps": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "name": "Provisioner", "url": "https://example.com/p"}],
    }
    assert ctl("POST", "reset", json={"config": config}).status_code == 200
    try:
        sms = session(emulator, auth=("texter", "pw-sms"), otp=None).post("/authorizations", json={"note": "sms"})
        assert sms.status_code == 401
        assert sms.headers["X-GitHub-OTP"] == "required; sms"
        ok = session(emulator, auth=("texter", "pw-sms"), otp="GEZDGNBVGY3TQOJQGEZDGNBVGY").post("/authorizations", json={"note": "sms"})
        assert ok.status_code == 201
        assert session(emulator, auth=("texter", "pw-sms"), otp=None).get("/authorizations").headers["X-GitHub-OTP"] == "required; sms"
        assert [e["sms_sent"] for e in ctl("GET", "requests").json()] == [True, False, False]
        plain = session(emulator, auth=("plain", "pw-plain"), otp=None).put(PUT_PATH, json=BODY)
        assert plain.status_code == 201
    finally:
        ctl("POST", "reset", json={"config": DEMO_CONFIG})


def test_clock_offset_makes_codes_wrong(emulator: EmulatorProcess, ctl: Any) -> None:
    assert ctl("POST", "clock", json={"offset": 600}).json()["offset"] == 600
    assert session(emulator).get("/authorizations").status_code == 401
    shifted = session(emulator, otp=None).get("/authorizations", headers={"X-GitHub-OTP": totp_now(offset=600)})
    assert shifted.status_code == 200
    ctl("POST", "clock", json={"offset": 0})
    assert session(emulator).get("/authorizations").status_code == 200


def test_strict_otp_mode_single_use(emulator: EmulatorProcess, ctl: Any) -> None:
    code = totp_now()
    reuse = session(emulator, otp=None)
    assert reuse.get("/authorizations", headers={"X-GitHub-OTP": code}).status_code == 200
    assert reuse.get("/authorizations", headers={"X-GitHub-OTP": code}).status_code == 200
    assert ctl("POST", "otp-mode", json={"mode": "strict"}).json() == {"mode": "strict"}
    fresh = totp_now(offset=30)  # the next step: not used yet
    assert reuse.get("/authorizations", headers={"X-GitHub-OTP": fresh}).status_code == 200
    again = reuse.get("/authorizations", headers={"X-GitHub-OTP": fresh})
    assert again.status_code == 401
    assert again.headers["X-GitHub-OTP"] == "required; app"
    assert ctl("POST", "otp-mode", json={"mode": "bogus"}).status_code == 422


def test_otp_reject_fault_forces_one_retry(emulator: EmulatorProcess, ctl: Any) -> None:
    assert ctl("POST", "faults", json={"kind": "otp_reject", "count": 1, "method": "PUT"}).status_code == 201
    gh = session(emulator)
    # Requests without an OTP header do not consume the fault.
    assert session(emulator, otp=None).put(PUT_PATH, json=BODY).status_code == 401
    rejected = gh.put(PUT_PATH, json=BODY)
    assert rejected.status_code == 401
    assert rejected.headers["X-GitHub-OTP"] == "required; app"
    assert gh.put(PUT_PATH, json=BODY).status_code == 201
    log = ctl("GET", "requests").json()
    assert [(e["status"], e["otp_sent"]) for e in log] == [(401, False), (401, True), (201, True)]
