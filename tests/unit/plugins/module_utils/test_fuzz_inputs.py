# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bad input, fuzzed: every invalid option is refused before any request, with a message that names it and holds no secret.

Each case drives the real ``main()`` with requests_mock active and no route registered: a request would be recorded and
would raise NoMockAddress.  Valid neighbours of every strategy go through ``_preflight.check`` directly, so that the
strategies are not vacuous.

``OPEN_BUGS`` names the inputs that get past the pre-flight step today; the strategies leave them out while a bug is
open.  Take an id out of the set when its bug is fixed, and the fuzzing covers those inputs again.
"""

from __future__ import annotations

import base64
import json
import os
import re
import string
import tempfile
import typing as t
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import requests_mock as requests_mock_library
from ansible.module_utils.basic import AnsibleModule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils import _preflight
from ansible_collections.oauthkit.github.plugins.modules import authorization as module_under_test
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import API_URL, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, run_module

# Hypothesis keeps caches in .hypothesis/ of the working directory, which would end up in the collection built from it.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "oauthkit-github-hypothesis"))

OPEN_BUGS: frozenset[str] = frozenset()  # every bug the fuzzing found is fixed; add an id here while one is open

BASE_ARGS = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
SECRET_OPTIONS = ("password", "client_secret", "otp_secret", "otp")
CLIENT_ID_ALPHABET = string.ascii_letters + string.digits + "."
FINGERPRINT_ALPHABET = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "/%")  # printable ASCII without space, "/", "%"
SCOPE_CHARACTERS = st.characters(exclude_categories=("Cs", "Z", "Cc"), exclude_characters=",")
B32 = string.ascii_uppercase + "234567"
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))  # lone surrogates never come out of YAML
HOSTS = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?(\.[a-z0-9]{1,8}){0,3}\Z")
PATHS = st.sampled_from(["", "/", "/api/v3", "/api/v3/"])


def _argument_spec() -> dict[str, t.Any]:
    """The module's argument spec as main() builds it, so that options added later are seen here."""

    class Captured(Exception):
        pass

    spec: dict[str, t.Any] = {}

    def capture(self: AnsibleModule, argument_spec: dict[str, t.Any], **kwargs: t.Any) -> None:
        spec.update(argument_spec)
        raise Captured

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AnsibleModule, "__init__", capture)
        with pytest.raises(Captured):
            module_under_test.main()
    return spec


SPEC = _argument_spec()
# Text the output holds whatever the input: the message templates, the option names and defaults of the invocation, lengths.
# A secret that is part of it would be masked there by Ansible, which says nothing about the module: such secrets are not drawn.
NOISE = "\n".join(
    [
        Path(_preflight.__file__).read_text(encoding="utf-8"),
        Path(_preflight._otp.__file__).read_text(encoding="utf-8"),
        json.dumps(sorted(SPEC)),
        json.dumps({**BASE_ARGS, "password": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", "failed": True, "invocation": {"module_args": None}}),
        *(f"got {n} characters; it has {n} characters." for n in range(100)),
    ]
)


def distinctive(secret: str) -> bool:
    return len(secret) >= 3 and secret not in NOISE


def unless_open(bug: str, strategy: st.SearchStrategy[t.Any]) -> st.SearchStrategy[t.Any]:
    """``strategy`` once ``bug`` is fixed; nothing while it is open."""
    return st.nothing() if bug in OPEN_BUGS else strategy


def fuzz_settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def fuzz(request: pytest.FixtureRequest, max_examples: int, floor: int, **strategies: st.SearchStrategy[t.Any]) -> t.Callable[..., t.Any]:
    """Decorator: run the function over ``strategies`` with hypothesis at once, then record how many cases ran (JUnit property fuzz_cases)."""

    def decorate(check: t.Callable[..., None]) -> t.Callable[[], None]:
        ran = 0

        @fuzz_settings(max_examples)
        @given(**strategies)
        def example(**drawn: t.Any) -> None:
            nonlocal ran
            ran += 1
            check(**drawn)

        example()
        request.node.user_properties.append(("fuzz_cases", ran))
        assert ran >= floor, f"only {ran} cases ran"
        return example

    return decorate


# ansible-core 2.21 logs a module's arguments to syslog before the module runs, and fails on a NUL character with this message.
CORE_NUL_REFUSAL = "Failed to log to syslog (embedded null character)"


def assert_refused(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], changes: dict[str, t.Any], option: str) -> dict[str, t.Any]:
    """main() fails before any request, with a message that names ``option`` and no secret given."""
    args = {**BASE_ARGS, **changes}
    requests_mock.reset_mock()  # the history of this case only: hypothesis replays cases in one test
    try:
        result = run_module(module_under_test.main, args, capsys)
    except requests_mock_library.NoMockAddress as exc:
        pytest.fail(f"{option}={changes[option]!r} passed the pre-flight step: {exc.request.method} {exc.request.url} was sent")
    assert requests_mock.call_count == 0
    assert result["failed"] is True
    assert result["_exit_code"] == 1
    assert "Traceback" not in result["_raw"] and "exception" not in result
    # A NUL character may be refused by ansible-core itself, before the module's own checks (no request was sent: asserted above).
    core_refused = "\x00" in str(changes[option]) and result["msg"].startswith(CORE_NUL_REFUSAL)
    assert option in result["msg"] or core_refused, result["msg"]
    assert not result["msg"].startswith("Could not reach"), result["msg"]  # refused by the pre-flight step, not by the transport
    if "retries" in SPEC:
        assert "retries" not in result  # the count of retries is returned once the options passed the pre-flight step
    secrets = [args[name] for name in SECRET_OPTIONS if isinstance(args.get(name), str)]
    if option == "otp_secret":
        secrets.append(re.sub(r"[\s-]", "", args["otp_secret"]).upper().rstrip("="))  # the normalised seed is no no_log value
    shown = json.dumps({key: value for key, value in result.items() if key != "_raw"}, ensure_ascii=False)
    for secret in secrets:
        assert not distinctive(secret) or (secret not in shown and secret not in result["_raw"]), f"a secret of {option} is in the output"
    if all(distinctive(secret) for secret in secrets):
        assert "********" not in result["_raw"]  # nothing had to be masked by Ansible: the message never carried a secret
    return result


# ---------------------------------------------------------------- strategies: bad values


@st.composite
def with_one(draw: st.DrawFn, alphabet: str, bad: st.SearchStrategy[str], *, max_size: int = 20) -> str:
    """Text from ``alphabet`` with one ``bad`` character somewhere in it."""
    prefix, suffix = draw(st.text(alphabet, max_size=max_size)), draw(st.text(alphabet, max_size=max_size))
    return prefix + draw(bad) + suffix


def _not_a_trailing_newline_gap(value: str, valid: re.Pattern[str]) -> bool:
    return "trailing-newline" not in OPEN_BUGS or not (value.endswith("\n") and valid.fullmatch(value[:-1]))


BAD_CLIENT_IDS = st.text(CLIENT_ID_ALPHABET, max_size=60).filter(lambda value: len(value) != 20) | st.builds(
    lambda valid, index, char: valid[:index] + char + valid[index + 1 :],
    st.text(CLIENT_ID_ALPHABET, min_size=20, max_size=20),
    st.integers(0, 19),
    ANY_CHARACTER.filter(lambda char: char not in CLIENT_ID_ALPHABET),
)
BAD_CLIENT_SECRETS = st.text(ANY_CHARACTER, min_size=3, max_size=80).filter(lambda value: len(value) != 40 and distinctive(value))
FINGERPRINT_RE = re.compile(r"[!-$&-.0-~]{1,255}")
BAD_FINGERPRINT_CHARACTERS = (
    st.sampled_from(["/", "%", " ", "\t", "\n", "\r", "\x00", "\x7f", "\u00a0"])
    | st.characters(max_codepoint=0x1F)
    | st.characters(min_codepoint=0x80, exclude_categories=("Cs",))
)
BAD_FINGERPRINTS = (
    with_one(FINGERPRINT_ALPHABET, BAD_FINGERPRINT_CHARACTERS).filter(lambda value: _not_a_trailing_newline_gap(value, FINGERPRINT_RE))
    | st.text(FINGERPRINT_ALPHABET, min_size=256, max_size=300)
    | st.just("")
    | unless_open("trailing-newline", st.text(FINGERPRINT_ALPHABET, min_size=1, max_size=10).map(lambda value: value + "\n"))
)


def _not_base32(char: str) -> bool:
    return not char.isspace() and char not in "-=" and any(upper not in B32 for upper in char.upper())


BAD_OTP_SECRETS = st.one_of(
    with_one(B32 + B32.lower() + " ", ANY_CHARACTER.filter(_not_base32)),  # not base32
    st.text(B32, min_size=9, max_size=40).filter(lambda value: len(value) % 8 in (1, 3, 6)),  # no whole number of bytes
    st.text(B32, min_size=3, max_size=15).filter(lambda value: len(value) % 8 not in (1, 3, 6)),  # under 80 bits
).filter(distinctive)
BAD_OTPS = st.one_of(
    st.text(string.digits, min_size=3, max_size=5),
    st.text(string.digits, min_size=9, max_size=14),
    with_one(string.digits, ANY_CHARACTER.filter(lambda char: char not in string.digits), max_size=4),
).filter(lambda value: not re.fullmatch(r"[0-9]{6,8}", value.strip()) and distinctive(value))
SCOPE_RE = re.compile(r"[^\s,]+")
BAD_SCOPES = st.builds(
    lambda good, bad, index: [*good[:index], bad, *good[index:]],
    st.lists(st.text(SCOPE_CHARACTERS, min_size=1, max_size=12), max_size=3),
    st.just("")
    | st.text(SCOPE_CHARACTERS, min_size=1, max_size=6).map(lambda value: value.replace(value[0], ",", 1))
    | st.builds(lambda a, ws, b: a + ws + b, st.text(SCOPE_CHARACTERS, max_size=6), st.characters().filter(str.isspace), st.text(SCOPE_CHARACTERS, max_size=6))
    | unless_open("trailing-newline", st.text(SCOPE_CHARACTERS, min_size=1, max_size=6).map(lambda value: value + "\n")),
    st.integers(0, 3),
).filter(lambda scopes: all(_not_a_trailing_newline_gap(scope, SCOPE_RE) for scope in scopes))


def _url_gap_free(value: str) -> bool:
    """Leave out the api_url inputs of the open bugs: urlsplit raising ValueError; tab/CR/LF, C0 controls in front, an empty ? or #."""
    stripped = value.strip().rstrip("/")
    if "api-url-unsafe-characters" in OPEN_BUGS and (re.search(r"[\t\r\n]", value) or re.match(r"[\x00-\x20]", stripped) or stripped[-1:] in ("?", "#")):
        return False
    if "api-url-valueerror" in OPEN_BUGS:
        try:
            urlsplit(value.strip().rstrip("/"))
        except ValueError:
            return False
    return True


URL_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\t\r\n"), max_size=12)
USERINFO = st.text(st.characters(exclude_categories=("Cs", "Cc", "Z"), exclude_characters="/?#@[]:\\"), min_size=1, max_size=12)
BAD_API_URLS = st.one_of(
    # a scheme other than http or https
    st.builds(
        "{}://{}{}".format, st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9+.-]{0,8}\Z").filter(lambda scheme: scheme.lower() not in ("http", "https")), HOSTS, PATHS
    ),
    # no scheme: a host name, or any text without ":"
    st.builds("{}{}".format, HOSTS, PATHS),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters=":"), max_size=30),
    # no host
    st.builds("{}:{}".format, st.sampled_from(["http", "https", "HTTPS"]), st.sampled_from(["", "/", "//", "///api/v3", "/ghes.example.com"])),
    # a ?query or a #fragment
    st.builds("{}{}{}".format, st.just(API_URL), st.sampled_from(["?", "#", "/?", "/#"]), URL_TEXT.filter(lambda text: text.strip())),
    # what urlsplit cannot split: an unbalanced or invalid [host], a netloc with a character that NFKC-normalises to ":@/#?"
    unless_open(
        "api-url-valueerror",
        st.builds("https://[{}{}/api/v3".format, HOSTS, st.sampled_from(["", "]"]))
        | st.builds("https://{}{}{}/api/v3".format, HOSTS, st.sampled_from(["\uff1a", "\uff20", "\uff0f", "\uff03", "\uff1f"]), HOSTS),
    ),
    # what urlsplit drops before it splits: tab, CR and LF anywhere, C0 controls and spaces in front; an empty ? or #
    unless_open(
        "api-url-unsafe-characters",
        st.builds(lambda index, char: API_URL[:index] + char + API_URL[index:], st.integers(1, len(API_URL) - 1), st.sampled_from("\t\r\n"))
        | st.builds("{}{}".format, st.sampled_from(["\x01", "\x1f", "\x00 "]), st.just(API_URL))
        | st.sampled_from([f"{API_URL}?", f"{API_URL}#", f"{API_URL}?\n"]),
    ),
).filter(_url_gap_free)
CREDENTIAL_URLS = st.builds(
    lambda scheme, user, password, host, path: f"{scheme}{user}{':' + password if password else ''}@{host}{path}",
    st.sampled_from(["https://", "http://", "ftp://", ""]),
    USERINFO.filter(distinctive),  # the module hides these in its output: a short one would mask parts of the message's words
    st.none() | USERINFO.filter(distinctive),
    HOSTS,
    PATHS,
).filter(_url_gap_free)
# The numeric options and their values out of range; only those in the module's argument spec are fuzzed.
NUMBERS_OUT_OF_RANGE: dict[str, st.SearchStrategy[t.Any]] = {
    "timeout": st.floats(max_value=0.0, allow_nan=False) | st.integers(max_value=0) | unless_open("timeout-not-finite", st.sampled_from(["nan", "inf"])),
    "retries": st.integers(max_value=-1),
    "rate_limit_wait": st.floats(max_value=-1e-300, allow_nan=False) | st.integers(max_value=-1),
}


# ---------------------------------------------------------------- refused through main(), before any request


def test_client_id(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """A client_id of another length than 20, or with a character other than letters, digits and '.'."""

    @fuzz(request, 150, 100, client_id=BAD_CLIENT_IDS)
    def case(client_id: str) -> None:
        assert_refused(requests_mock, capsys, {"client_id": client_id}, "client_id")


def test_client_secret(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """A client_secret of another length than 40: the message gives its length, never its value."""

    @fuzz(request, 100, 60, client_secret=BAD_CLIENT_SECRETS)
    def case(client_secret: str) -> None:
        assert_refused(requests_mock, capsys, {"client_secret": client_secret}, "client_secret")


def test_fingerprint(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """A fingerprint with '/', '%', whitespace, a control character or a non-ASCII one, empty, or over 255 characters."""

    @fuzz(request, 150, 100, fingerprint=BAD_FINGERPRINTS)
    def case(fingerprint: str) -> None:
        assert_refused(requests_mock, capsys, {"fingerprint": fingerprint}, "fingerprint")


def test_otp_secret(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """An otp_secret that is not base32, has no whole number of bytes, or is under 80 bits."""

    @fuzz(request, 150, 100, otp_secret=BAD_OTP_SECRETS)
    def case(otp_secret: str) -> None:
        assert_refused(requests_mock, capsys, {"otp_secret": otp_secret}, "otp_secret")


def test_otp(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """An otp of fewer than 6 or more than 8 digits, or with something other than ASCII digits (a YAML int arrives as a string)."""

    @fuzz(request, 100, 60, otp=BAD_OTPS)
    def case(otp: str) -> None:
        assert_refused(requests_mock, capsys, {"otp": otp}, "otp")


def test_scopes(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """A list of scopes with one that is empty or holds a comma or whitespace."""

    @fuzz(request, 150, 100, scopes=BAD_SCOPES)
    def case(scopes: list[str]) -> None:
        assert_refused(requests_mock, capsys, {"scopes": scopes}, "scopes")


def test_api_url(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """An api_url that is not an http(s) URL with a host, or that has a query or a fragment."""

    @fuzz(request, 150, 100, api_url=BAD_API_URLS)
    def case(api_url: str) -> None:
        assert_refused(requests_mock, capsys, {"api_url": api_url}, "api_url")


def test_api_url_with_credentials(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """An api_url with user or user:password: the message does not repeat them."""

    @fuzz(request, 100, 60, api_url=CREDENTIAL_URLS)
    def case(api_url: str) -> None:
        result = assert_refused(requests_mock, capsys, {"api_url": api_url}, "api_url")
        assert "must not contain credentials" in result["msg"]
        userinfo = api_url.rpartition("@")[0].partition("://")[2] or api_url.rpartition("@")[0]
        password = userinfo.partition(":")[2]
        assert not password or password not in result["msg"]


@pytest.mark.parametrize("option", [name for name in NUMBERS_OUT_OF_RANGE if name in SPEC])
def test_numbers_out_of_range(requests_mock: t.Any, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, option: str) -> None:
    """timeout of 0 or less (or not finite); retries and rate_limit_wait below 0 (for each of them the module has)."""

    @fuzz(request, 40, 20, value=NUMBERS_OUT_OF_RANGE[option])
    def case(value: float) -> None:
        assert_refused(requests_mock, capsys, {option: value}, option)


def test_every_numeric_option_is_fuzzed() -> None:
    numeric = {name for name, spec in SPEC.items() if spec.get("type") in ("int", "float")}
    assert "timeout" in numeric
    assert numeric <= set(NUMBERS_OUT_OF_RANGE), f"give {sorted(numeric - set(NUMBERS_OUT_OF_RANGE))} a strategy of values out of range"


# ---------------------------------------------------------------- valid neighbours pass the pre-flight step


@st.composite
def base32_seeds(draw: st.DrawFn) -> tuple[str, str]:
    """(a seed as a person may type it, the seed normalised): 80 to 200 bits, maybe lower case, grouped, padded."""
    raw = draw(st.binary(min_size=10, max_size=25))
    seed = base64.b32encode(raw).decode("ascii")
    normal = seed.rstrip("=")
    if draw(st.booleans()):
        seed = seed.rstrip("=")
    if draw(st.booleans()):
        seed = seed.lower()
    if draw(st.booleans()):
        seed = " ".join(seed[i : i + 4] for i in range(0, len(seed), 4))
    return seed, normal


VALID = {
    "client_id": st.builds(
        "{}{}{}".format, st.sampled_from(["", " "]), st.text(CLIENT_ID_ALPHABET, min_size=20, max_size=20), st.sampled_from(["", " ", "\n"])
    ),
    "client_secret": st.text(ANY_CHARACTER, min_size=40, max_size=40),
    "fingerprint": st.none() | st.text(FINGERPRINT_ALPHABET, min_size=1, max_size=255),
    "scopes": st.none() | st.lists(st.text(SCOPE_CHARACTERS, min_size=1, max_size=12), max_size=5),
    "otp": st.none() | st.builds("{}{}{}".format, st.sampled_from(["", " "]), st.text(string.digits, min_size=6, max_size=8), st.sampled_from(["", " ", "\n"])),
    "seed": st.one_of(st.none(), base32_seeds()),
    "api_url": st.builds(
        "{}://{}{}{}".format,
        st.sampled_from(["http", "https", "HTTPS"]),
        HOSTS | st.sampled_from(["127.0.0.1", "[::1]", "localhost"]),
        st.sampled_from(["", ":8443"]),
        PATHS,
    ),
    "timeout": st.floats(min_value=1e-6, max_value=1e6) | st.integers(1, 10**6),
    "retries": st.integers(0, 100),
    "rate_limit_wait": st.floats(min_value=0, max_value=1e6),
}


def test_valid_neighbours_pass_the_preflight_step(request: pytest.FixtureRequest) -> None:
    """Values next to the refused ones are accepted and normalised, so the strategies above are not vacuous."""

    @fuzz(request, 300, 200, **VALID)
    def case(**drawn: t.Any) -> None:
        seed = drawn.pop("seed")
        if seed is not None and drawn["otp"] is not None:
            drawn["otp"] = None  # mutually exclusive, checked by AnsibleModule before the pre-flight step
        params = {**BASE_ARGS, **{name: value for name, value in drawn.items() if name in SPEC or name not in NUMBERS_OUT_OF_RANGE}}
        params["otp_secret"] = seed[0] if seed else None
        try:
            checked = _preflight.check(params, require_secret=True)
        except errors.InvalidInput as exc:
            pytest.fail(f"a valid value was refused: {exc.msg}")
        assert checked.desired is not None
        assert checked.desired.client_id == drawn["client_id"].strip()
        assert checked.desired.fingerprint == drawn["fingerprint"]
        assert checked.desired.scopes == (None if drawn["scopes"] is None else tuple(dict.fromkeys(drawn["scopes"])))
        assert checked.otp_secret == (seed[1] if seed else None)
        assert checked.otp == (drawn["otp"].strip() if drawn["otp"] else None)
        assert checked.api_url == drawn["api_url"].rstrip("/")


def test_valid_fingerprints_stay_one_path_segment(capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    """'?', '#' and the other printable characters a fingerprint may hold are percent-encoded: the PUT goes to one path segment."""
    put_prefix = f"{API_URL}/authorizations/clients/{CLIENT_ID}/"

    @fuzz(
        request,
        60,
        40,
        fingerprint=st.text(FINGERPRINT_ALPHABET, min_size=1, max_size=40) | with_one(FINGERPRINT_ALPHABET, st.sampled_from("?#&=+;"), max_size=8),
    )
    def case(fingerprint: str) -> None:
        with requests_mock_library.Mocker() as mocker:
            mocker.register_uri(requests_mock_library.ANY, requests_mock_library.ANY, status_code=599, text="not routed")
            result = run_module(module_under_test.main, {**BASE_ARGS, "fingerprint": fingerprint}, capsys)
            assert [request.method for request in mocker.request_history] == ["PUT"]
            url = mocker.request_history[0].url
        assert result["failed"] is True  # the 599 answer
        assert url.startswith(put_prefix)
        segment = url[len(put_prefix) :]
        assert "/" not in segment and "?" not in segment and "#" not in segment
        assert unquote(segment) == fingerprint
