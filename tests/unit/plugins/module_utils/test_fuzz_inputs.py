# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bad input, fuzzed: every invalid option is refused by the validation pass, with a message that names it and holds no secret.

Each case runs ``_preflight.check`` with the real argument spec of oauthkit.github.authorization, as its action plugin
does before it makes a client (no request can be sent before the pass ends).  Valid neighbours of every strategy pass,
so that the strategies are not vacuous, and valid fingerprints reach a scripted server on 127.0.0.1 as one path segment.

``OPEN_BUGS`` names the inputs that get past the pre-flight step today; the strategies leave them out while a bug is
open.  Take an id out of the set when its bug is fixed, and the fuzzing covers those inputs again.
"""

from __future__ import annotations

import base64
import json
import re
import string
import typing as t
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import strategies as st

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _argspec, _messages, _preflight
from ansible_collections.oauthkit.github.plugins.module_utils import _authorizations as auth
from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.tests.unit.plugins.fuzzing import fuzz
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import API_URL, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import LocalServer, Reply

OPEN_BUGS: frozenset[str] = frozenset()  # every bug the fuzzing found is fixed; add an id here while one is open

MODULE = "oauthkit.github.authorization"
SPEC = _argspec.authorization()
BASE_ARGS = {"api_url": API_URL, "username": USERNAME, "password": PASSWORD, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
SECRET_OPTIONS = ("password", "client_secret", "otp_secret", "otp")
CLIENT_ID_ALPHABET = string.ascii_letters + string.digits + "."
FINGERPRINT_ALPHABET = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "/%\\")  # printable ASCII without space, "/", "%", "\\"
SCOPE_CHARACTERS = st.characters(exclude_categories=("Cs", "Z", "Cc"), exclude_characters=",")
B32 = string.ascii_uppercase + "234567"
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))  # lone surrogates never come out of YAML
HOSTS = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?(\.[a-z0-9]{1,8}){0,3}\Z").filter(lambda host: not host.endswith("github.com"))
PATHS = st.sampled_from(["", "/", "/api/v3", "/api/v3/"])
# Text a message holds whatever the input: the catalog's templates, the option names, lengths.  A secret that is part of it
# would be found in any message: such secrets are not drawn.
NOISE = "\n".join(
    [
        *_messages.MESSAGES.values(),
        json.dumps(sorted(SPEC.argument_spec)),
        json.dumps(BASE_ARGS),
        *(f"got {n} characters; it has {n} characters." for n in range(100)),
    ]
)


def distinctive(secret: str) -> bool:
    return len(secret) >= 3 and secret not in NOISE


def unless_open(bug: str, strategy: st.SearchStrategy[t.Any]) -> st.SearchStrategy[t.Any]:
    """``strategy`` once ``bug`` is fixed; nothing while it is open."""
    return st.nothing() if bug in OPEN_BUGS else strategy


def assert_refused(changes: dict[str, t.Any], option: str, env: dict[str, str] | None = None) -> errors.InvalidInput:
    """The validation pass refuses the arguments, with a message that names ``option`` and holds no secret given."""
    args = {**BASE_ARGS, **changes}
    with pytest.raises(errors.InvalidInput) as caught:
        _preflight.check(args, SPEC, env or {}, module=MODULE)
    refused = caught.value
    message = refused.msg
    assert re.search(rf"(?<![a-z_]){option}(?![a-z_])", message), message
    secrets = [args[name] for name in SECRET_OPTIONS if isinstance(args.get(name), str)]
    if option == "otp_secret":
        secrets.append(re.sub(r"[\s-]", "", args["otp_secret"]).upper().rstrip("="))  # the normalised seed
    shown = json.dumps({"msg": message, **refused.details}, ensure_ascii=False)
    skeleton = json.dumps({"msg": "", **dict.fromkeys(refused.details, "")})  # the failure's own keys ("msg" is one) hold no input
    for secret in secrets:
        hidden = secret not in message and secret not in shown
        assert not distinctive(secret) or secret in skeleton or hidden, f"a secret of {option} is in the failure"
    return refused


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
FINGERPRINT_RE = re.compile(r"[!-$&-.0-\[\]-~]{1,255}")
BAD_FINGERPRINT_CHARACTERS = (
    st.sampled_from(["/", "%", "\\", " ", "\t", "\n", "\r", "\x00", "\x7f", "\u00a0"])
    | st.characters(max_codepoint=0x1F)
    | st.characters(min_codepoint=0x80, exclude_categories=("Cs",))
)
BAD_FINGERPRINTS = (
    with_one(FINGERPRINT_ALPHABET, BAD_FINGERPRINT_CHARACTERS).filter(lambda value: _not_a_trailing_newline_gap(value, FINGERPRINT_RE))
    | st.text(FINGERPRINT_ALPHABET, min_size=256, max_size=300)
    | st.sampled_from(["", ".", "..", "\\", "a\\b"])
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


BAD_MODES = st.one_of(
    st.integers(min_value=0o1000) | st.integers(max_value=-1),
    st.text(max_size=8).filter(lambda value: not re.fullmatch(r"0?[0-7]{3,4}", value.strip()) or int(value.strip(), 8) > 0o777),
    st.floats(allow_nan=False) | st.booleans(),
    st.integers(0, 0o777).filter(lambda mode: bool(mode & 0o002)),
    st.integers(0, 0o777).filter(lambda mode: bool(mode & 0o002)).map(lambda mode: f"{mode:04o}"),
)
BAD_TOKEN_PATHS = st.text(ANY_CHARACTER, max_size=30).filter(lambda path: not path.strip().startswith(("/", "~", "$")))


# ---------------------------------------------------------------- refused by the validation pass


def test_client_id(request: pytest.FixtureRequest) -> None:
    """A client_id of another length than 20, or with a character other than letters, digits and '.'."""

    @fuzz(request, 150, 100, client_id=BAD_CLIENT_IDS)
    def case(client_id: str) -> None:
        assert assert_refused({"client_id": client_id}, "client_id").msg_id == "client_id.invalid"


def test_client_secret(request: pytest.FixtureRequest) -> None:
    """A client_secret of another length than 40: the message gives its length, never its value."""

    @fuzz(request, 100, 60, client_secret=BAD_CLIENT_SECRETS)
    def case(client_secret: str) -> None:
        assert assert_refused({"client_secret": client_secret}, "client_secret").msg_id == "client_secret.invalid"


def test_a_secret_that_is_a_key_of_the_failure_is_not_taken_for_a_leak() -> None:
    """Found on the 2.16 leg: client_secret 'msg' is in any failure, as its key; the message holds its length only."""
    refused = assert_refused({"client_secret": "msg"}, "client_secret")
    assert refused.msg_id == "client_secret.invalid" and "got 3 characters" in refused.msg


def test_a_secret_in_the_message_is_still_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself: a refusal whose message holds the secret fails it (the mutation it must catch)."""

    def leaky(args: t.Mapping[str, t.Any], *_args: t.Any, **_kwargs: t.Any) -> t.NoReturn:
        raise errors.InvalidInput("option.invalid", {"detail": f"client_secret {args['client_secret']} is wrong"})

    monkeypatch.setattr(_preflight, "check", leaky)
    with pytest.raises(AssertionError, match="a secret of client_secret is in the failure"):
        assert_refused({"client_secret": "s3cr3t-value-xyz"}, "client_secret")


def test_fingerprint(request: pytest.FixtureRequest) -> None:
    """A fingerprint with '/', '%', '\\', whitespace, a control character or a non-ASCII one, '.', '..', empty, or over 255 characters."""

    @fuzz(request, 150, 100, fingerprint=BAD_FINGERPRINTS)
    def case(fingerprint: str) -> None:
        assert assert_refused({"fingerprint": fingerprint}, "fingerprint").msg_id == "fingerprint.invalid"


def test_otp_secret(request: pytest.FixtureRequest) -> None:
    """An otp_secret that is not base32, has no whole number of bytes, or is under 80 bits."""

    @fuzz(request, 150, 100, otp_secret=BAD_OTP_SECRETS)
    def case(otp_secret: str) -> None:
        assert assert_refused({"otp_secret": otp_secret}, "otp_secret").msg_id.startswith("otp_secret.")


def test_otp(request: pytest.FixtureRequest) -> None:
    """An otp of fewer than 6 or more than 8 digits, or with something other than ASCII digits (a YAML int arrives as a string)."""

    @fuzz(request, 100, 60, otp=BAD_OTPS)
    def case(otp: str) -> None:
        assert assert_refused({"otp": otp}, "otp").msg_id == "otp.invalid"


def test_scopes(request: pytest.FixtureRequest) -> None:
    """A list of scopes with one that is empty or holds a comma or whitespace."""

    @fuzz(request, 150, 100, scopes=BAD_SCOPES)
    def case(scopes: list[str]) -> None:
        assert assert_refused({"scopes": scopes}, "scopes").msg_id == "scopes.invalid"


def test_api_url(request: pytest.FixtureRequest) -> None:
    """An api_url that is not an http(s) URL with a host, or that has a query, a fragment or a dot segment."""

    @fuzz(request, 150, 100, api_url=BAD_API_URLS)
    def case(api_url: str) -> None:
        assert assert_refused({"api_url": api_url}, "api_url").msg_id.startswith("api_url.")


def test_api_url_from_the_environment(request: pytest.FixtureRequest) -> None:
    """The same URLs from the environment variables the option falls back to."""

    # A NUL cannot be put in a process environment (test_authorization.py::test_a_nul_in_the_tasks_environment_is_no_traceback).
    @fuzz(request, 60, 40, api_url=BAD_API_URLS.filter(lambda url: "\x00" not in url), variable=st.sampled_from(_argspec.ENVIRONMENT["api_url"]))
    def case(api_url: str, variable: str) -> None:
        changes = {key: value for key, value in BASE_ARGS.items() if key != "api_url"}
        try:
            _preflight.check(changes, SPEC, {variable: api_url}, module=MODULE)
        except errors.InvalidInput as exc:
            assert exc.msg_id.startswith(("api_url.", "option.")), exc.msg
        else:
            pytest.fail(f"{variable}={api_url!r} passed the validation pass")


def test_api_url_with_credentials(request: pytest.FixtureRequest) -> None:
    """An api_url with user or user:password: refused, the message does not repeat them, and they are hidden before validation."""

    @fuzz(request, 100, 60, api_url=CREDENTIAL_URLS)
    def case(api_url: str) -> None:
        refused = assert_refused({"api_url": api_url}, "api_url")
        assert refused.msg_id == "api_url.credentials"
        userinfo = api_url.rpartition("@")[0].partition("://")[2] if "://" in api_url else api_url.rpartition("@")[0]
        hidden = _preflight.secrets_of({**BASE_ARGS, "api_url": api_url})
        assert userinfo in hidden
        for piece in userinfo.split(":"):
            assert not piece or piece in hidden
            assert not distinctive(piece) or piece not in refused.msg


@pytest.mark.parametrize("option", [name for name in NUMBERS_OUT_OF_RANGE if name in SPEC.argument_spec])
def test_numbers_out_of_range(request: pytest.FixtureRequest, option: str) -> None:
    """timeout of 0 or less (or not finite); retries and rate_limit_wait below 0."""

    @fuzz(request, 40, 20, value=NUMBERS_OUT_OF_RANGE[option])
    def case(value: float) -> None:
        assert assert_refused({option: value}, option).msg_id == f"{option}.invalid"


def test_every_numeric_option_is_fuzzed() -> None:
    numeric = {name for name, spec in SPEC.argument_spec.items() if spec.get("type") in ("int", "float")}
    assert "timeout" in numeric
    assert numeric <= set(NUMBERS_OUT_OF_RANGE), f"give {sorted(numeric - set(NUMBERS_OUT_OF_RANGE))} a strategy of values out of range"


def test_modes(request: pytest.FixtureRequest) -> None:
    """A mode that is no octal number from 0000 to 0777 (symbolic, too big, a float, a bool) or that others may write."""

    @fuzz(request, 100, 60, mode=BAD_MODES)
    def case(mode: t.Any) -> None:
        assert assert_refused({"mode": mode, "token_path": "/etc/app.token"}, "mode").msg_id in ("mode.invalid", "mode.world_writable")


def test_token_paths(request: pytest.FixtureRequest) -> None:
    """A token_path that is not absolute and starts with neither ~ nor $."""

    @fuzz(request, 60, 40, token_path=BAD_TOKEN_PATHS)
    def case(token_path: str) -> None:
        assert assert_refused({"token_path": token_path}, "token_path").msg_id == "token_path.relative"


# ---------------------------------------------------------------- valid neighbours pass the validation pass


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
    "fingerprint": st.none() | st.text(FINGERPRINT_ALPHABET, min_size=1, max_size=255).filter(lambda value: value not in (".", "..")),
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


def test_valid_neighbours_pass_the_validation_pass(request: pytest.FixtureRequest) -> None:
    """Values next to the refused ones are accepted and normalised, so the strategies above are not vacuous."""

    @fuzz(request, 300, 200, **VALID)
    def case(**drawn: t.Any) -> None:
        seed = drawn.pop("seed")
        if seed is not None and drawn["otp"] is not None:
            drawn["otp"] = None  # mutually exclusive: the argument spec says so first
        args = {**BASE_ARGS, **{name: value for name, value in drawn.items() if value is not None}}
        if seed:
            args["otp_secret"] = seed[0]
        try:
            checked = _preflight.check(args, SPEC, {}, module=MODULE)
        except errors.InvalidInput as exc:
            pytest.fail(f"a valid value was refused: {exc.msg}")
        assert checked.desired is not None
        assert checked.desired.client_id == drawn["client_id"].strip()
        assert checked.desired.fingerprint == drawn["fingerprint"]
        assert checked.desired.scopes == (None if drawn["scopes"] is None else tuple(dict.fromkeys(drawn["scopes"])))
        assert checked.connection.otp_secret == (seed[1] if seed else None)
        assert checked.connection.otp == (drawn["otp"].strip() if drawn["otp"] else None)
        assert checked.connection.api_url == drawn["api_url"].rstrip("/")
        assert checked.connection.retries == drawn["retries"]


def test_valid_fingerprints_stay_one_path_segment(local_server: LocalServer, request: pytest.FixtureRequest) -> None:
    """'?', '#' and the other printable characters a fingerprint may hold are percent-encoded: the PUT goes to one path segment."""
    prefix = f"/api/v3/authorizations/clients/{CLIENT_ID}/"
    client = _api.GitHubClient(local_server.api_url, USERNAME, PASSWORD, retries=0)

    @fuzz(
        request,
        60,
        40,
        fingerprint=st.text(FINGERPRINT_ALPHABET, min_size=1, max_size=40).filter(lambda value: value not in (".", ".."))
        | with_one(FINGERPRINT_ALPHABET, st.sampled_from("?#&=+;"), max_size=8),
    )
    def case(fingerprint: str) -> None:
        local_server.reset()
        local_server.queue(Reply(200, {"id": 1}))
        args = {**BASE_ARGS, "api_url": local_server.api_url, "fingerprint": fingerprint}
        desired = _preflight.check(args, SPEC, {}, module=MODULE).desired
        assert desired is not None
        auth.Authorizations(client).get_or_create(desired)
        (seen,) = local_server.seen
        assert seen.method == "PUT"
        assert seen.path.startswith(prefix)
        segment = seen.path[len(prefix) :]
        assert "/" not in segment and "?" not in segment and "#" not in segment
        assert unquote(segment) == fingerprint

    client.session.close()
