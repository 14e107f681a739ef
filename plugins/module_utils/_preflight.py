# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one validation pass: a task's arguments against the argument spec, then every check, before any request.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

It runs once, in the controller's process.  The argument spec (``_argspec``) is applied with
ansible-core's ``ArgumentSpecValidator``, with the environment fallbacks read from the task's
environment, then the checks below run in order.  A wrong value raises ``InvalidInput``
with the fix; nothing here talks to the network.  The values it returns are typed and
normalised, and later layers trust them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import re
import typing as t
from urllib.parse import unquote, urlsplit

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import (
    MutuallyExclusiveError,
    RequiredByError,
    RequiredError,
    RequiredIfError,
    UnsupportedError,
)

from ansible_collections.oauthkit.github.plugins.module_utils import _argspec, _environ, _otp
from ansible_collections.oauthkit.github.plugins.module_utils._authorizations import Desired, Filters
from ansible_collections.oauthkit.github.plugins.module_utils._errors import InvalidInput
from ansible_collections.oauthkit.github.plugins.module_utils._messages import Part, part
from ansible_collections.oauthkit.github.plugins.module_utils._token_store import DEFAULT_MODE, Attributes

CLIENT_ID_LENGTH = 20
CLIENT_SECRET_LENGTH = 40
_CLIENT_ID_RE = re.compile(rf"^[A-Za-z0-9.]{{{CLIENT_ID_LENGTH}}}$")
# Printable ASCII, without whitespace, "/", "\" (path separators for URLs and many proxies) or "%" (an encoded one).
_FINGERPRINT_RE = re.compile(r"^[!-$&-.0-\[\]-~]{1,255}$")
_SCOPE_RE = re.compile(r"^[^\s,]+$")
_VARIABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OCTAL_RE = re.compile(r"^0?[0-7]{3,4}$")
GITHUB_COM = "github.com"
# Options that name a secret: their values are hidden in every output.
SECRET_OPTIONS = ("password", "otp_secret", "otp", "client_secret", "vault_password")


@dataclasses.dataclass(frozen=True)
class Connection:
    """How to reach and log in to GitHub, checked."""

    api_url: str
    username: str
    password: str
    otp_secret: str | None = None
    otp: str | None = None
    verify: bool | str = True  # False, True, or the CA file
    timeout: float = _argspec.DEFAULT_TIMEOUT
    retries: int = _argspec.DEFAULT_RETRIES
    rate_limit_wait: float = _argspec.DEFAULT_RATE_LIMIT_WAIT


@dataclasses.dataclass(frozen=True)
class StoreOptions:
    """Where the token is kept: ``file`` (``token_path``, a path on the task's host, not yet expanded) or ``vault`` (on the controller)."""

    kind: str
    path: str
    attributes: Attributes
    vault_variable: str = "github_token"
    vault_password: str | None = dataclasses.field(default=None, repr=False)
    vault_id: str | None = None


@dataclasses.dataclass(frozen=True)
class Checked:
    """A task's arguments after the validation pass."""

    connection: Connection
    params: dict[str, t.Any]
    desired: Desired | None = None
    store: StoreOptions | None = None
    warnings: tuple[Part, ...] = ()
    no_log_values: frozenset[str] = frozenset()
    filters: Filters | None = None

    @property
    def state(self) -> str:
        return self.params.get("state") or "present"

    @property
    def recreate(self) -> str:
        return self.params.get("recreate") or "never"


def secrets_of(args: t.Mapping[str, t.Any]) -> set[str]:
    """The secret values among raw task arguments, and any credentials written into ``api_url``, for hiding before validation."""
    found = {str(args[name]) for name in SECRET_OPTIONS if isinstance(args.get(name), (str, int)) and str(args[name])}
    return found | set(credentials_in_url(args.get("api_url")))


def credentials_in_url(value: t.Any) -> list[str]:
    """Whatever stands before an ``@`` after the scheme of a URL, split at ``:``, so that it can be hidden before the URL is refused."""
    text = str(value or "").strip()
    rest = text.partition("://")[2] if "://" in text else text
    userinfo = rest.rpartition("@")[0]
    if not userinfo:
        return []
    return [userinfo, *(piece for piece in userinfo.split(":") if piece)]


def fallback_environment(env: t.Mapping[str, str]) -> dict[str, str]:
    """``env`` without the options' fallback variables that are set to the empty string: those count as unset.

    AWX sets every env injector of a credential type, with an empty string for an input left empty (a seed for an
    account without two-factor authentication, say); such a variable must not give the option an empty value.
    """
    fallbacks = {name for names in _argspec.ENVIRONMENT.values() for name in names}
    return {key: value for key, value in env.items() if value != "" or key not in fallbacks}


def plain(value: t.Any) -> t.Any:
    """A value of a task's arguments as plain Python types: strings, numbers, lists and dicts without ansible-core's tags.

    The validator deep-copies what it validates, and a copy of tagged values (with their origin) costs a loop item about a
    millisecond; the checks need only the values.  Other values (a vaulted string, for one) are left to the validator.
    """
    if isinstance(value, bool):
        return bool(value)
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    return value


# One validator per module: building one deep-copies the argument spec, which would cost every loop item again.
_VALIDATORS: dict[str, ArgumentSpecValidator] = {}


def validate(args: t.Mapping[str, t.Any], spec: _argspec.Spec, env: t.Mapping[str, str], *, module: str) -> tuple[dict[str, t.Any], set[str]]:
    """Apply the argument spec to ``args`` (environment fallbacks from ``env``); return the typed values and the no_log values."""
    validator = _VALIDATORS.get(module)
    if validator is None:
        validator = _VALIDATORS[module] = ArgumentSpecValidator(spec.argument_spec, **spec.relations())
    with _environ.applied(fallback_environment(env)):
        result = validator.validate(plain(dict(args)))
    params = dict(result.validated_parameters)
    no_log = {str(value) for value in result._no_log_values if value}
    for error in result.errors:
        _refuse(error, args, params, spec, env, module=module)
    return params, no_log


def _env_source(option: str, args: t.Mapping[str, t.Any], env: t.Mapping[str, str]) -> str | None:
    """The environment variable an option's value came from, or None when the task gave it."""
    if option in args:
        return None
    return next((name for name in _argspec.ENVIRONMENT.get(option, ()) if env.get(name)), None)


def _env_hint(option: str) -> str:
    names = _argspec.ENVIRONMENT.get(option)
    if not names:
        return ""
    rest = f" ({', then '.join(names[1:])} is read last)" if len(names) > 1 else ""
    return f", or set the environment variable {names[0]}{rest}"


def _refuse(  # noqa: PLR0913 - the context of one validation error
    error: Exception, args: t.Mapping[str, t.Any], params: dict[str, t.Any], spec: _argspec.Spec, env: t.Mapping[str, str], *, module: str
) -> None:
    if isinstance(error, RequiredError):
        missing = [name for name, option in spec.argument_spec.items() if option.get("required") and params.get(name) is None]
        option = missing[0] if missing else "api_url"
        raise InvalidInput("option.missing", fields={"option": option, "env_hint": _env_hint(option)})
    if isinstance(error, MutuallyExclusiveError) and params.get("otp") and params.get("otp_secret"):
        variable = _env_source("otp_secret", args, env)
        source = f" (otp_secret came from the environment variable {variable}; unset it for this task)" if variable else ""
        raise InvalidInput("option.otp_conflict", fields={"source": source})
    if isinstance(error, MutuallyExclusiveError) and params.get("token_path") and params.get("vault_path"):
        raise InvalidInput("token_path.with_vault")
    if isinstance(error, RequiredIfError) and params.get("state") == "present" and not params.get("client_secret"):
        raise InvalidInput("state.needs_secret")
    if isinstance(error, RequiredIfError):
        raise InvalidInput("recreate.needs_store", fields={"policy": params.get("recreate")})
    if isinstance(error, RequiredByError):
        raise InvalidInput("vault.password_missing")
    if isinstance(error, UnsupportedError):
        unknown = sorted(set(args) - set(spec.argument_spec))
        raise InvalidInput(
            "option.unsupported", fields={"module": module, "unknown": ", ".join(unknown), "supported": ", ".join(sorted(spec.argument_spec))}
        )
    raise InvalidInput("option.invalid", fields={"detail": str(error)})


def check(args: t.Mapping[str, t.Any], spec: _argspec.Spec, env: t.Mapping[str, str], *, module: str) -> Checked:
    """The whole pass, in this order:

    1. the argument spec: types, choices, required options, environment fallbacks, the relations between options;
    2. api_url: http(s), a host, no credentials, no query or fragment, no dot segments, not github.com; a warning for http:// to a
       host that is not loopback, and one for https:// with validate_certs false;
    3. ca_path: an existing file on the controller;
    4. timeout greater than 0; retries and rate_limit_wait not negative;
    5. username and password: not empty;
    6. otp_secret: base32, at least 80 bits; otp: 6 to 8 digits;
    7. authorization: client_id, client_secret (when the state needs it), fingerprint, scopes;
       authorization_info: its filters client_id, fingerprint and note_regex (a Python regular expression);
    8. the token store: token_path absolute (or ~ or $VAR, expanded on the host), or vault_path with its password and variable;
       mode, owner and group (a mode that lets others read the token warns; a world-writable one is refused).
    """
    params, no_log = validate(args, spec, env, module=module)
    api_url, warnings = _api_url(params.get("api_url"), _env_source("api_url", args, env))
    if params.get("validate_certs") is False and api_url.lower().startswith("https://"):
        warnings += (part("validate_certs.warning"),)
    ca_path = params.get("ca_path")
    if ca_path and not os.path.isfile(ca_path):
        raise InvalidInput("ca_path.missing", fields={"path": ca_path})
    timeout = params.get("timeout")
    if timeout is None or not (math.isfinite(timeout) and timeout > 0):
        raise InvalidInput("timeout.invalid")
    if (params.get("retries") or 0) < 0:
        raise InvalidInput("retries.invalid")
    rate_limit_wait = params.get("rate_limit_wait") or 0.0
    if not (math.isfinite(rate_limit_wait) and rate_limit_wait >= 0):
        raise InvalidInput("rate_limit_wait.invalid")
    if not params.get("username"):
        raise InvalidInput("username.empty", fields={"env_hint": _env_hint("username")})
    if not params.get("password"):
        raise InvalidInput("password.empty", fields={"env_hint": _env_hint("password")})
    connection = Connection(
        api_url=api_url,
        username=str(params["username"]),
        password=str(params["password"]),
        otp_secret=_otp.normalize_secret(params["otp_secret"]) if params.get("otp_secret") is not None else None,
        otp=_otp.validate_code(params["otp"]) if params.get("otp") is not None else None,
        verify=(ca_path or True) if params.get("validate_certs", True) else False,
        timeout=float(timeout),
        retries=int(params.get("retries") or 0),
        rate_limit_wait=float(rate_limit_wait),
    )
    no_log |= {value for value in (connection.otp_secret,) if value}
    desired = store = None
    if "client_secret" in spec.argument_spec:  # the authorization module
        desired = Desired(
            client_id=client_id(params.get("client_id")),
            client_secret=_client_secret(params.get("client_secret"), required=params.get("state") == "present"),
            fingerprint=fingerprint(params.get("fingerprint")),
            scopes=_scopes(params.get("scopes")),
            note=params.get("note"),
            note_url=params.get("note_url"),
        )
        store, store_warnings = _store(params)
        if store is None and params.get("recreate") not in (None, "never"):
            raise InvalidInput("recreate.needs_store", fields={"policy": params.get("recreate")})
        warnings += store_warnings
    filters = _filters(params) if "note_regex" in spec.argument_spec else None
    return Checked(connection, params, desired, store, warnings, frozenset(no_log), filters)


def _filters(params: dict[str, t.Any]) -> Filters:
    """The filters of authorization_info."""
    pattern = None
    if params.get("note_regex") is not None:
        try:
            pattern = re.compile(params["note_regex"])
        except re.error as exc:
            raise InvalidInput("note_regex.invalid", {"reason": str(exc)}) from None
    wanted_id = client_id(params["client_id"]) if params.get("client_id") is not None else None
    return Filters(wanted_id, fingerprint(params.get("fingerprint")), params.get("note"), pattern)


def _api_url(value: t.Any, env_source: str | None) -> tuple[str, tuple[Part, ...]]:
    source = f" (from the environment variable {env_source})" if env_source else ""
    api_url = str(value or "").strip(" \t\r\n").rstrip("/")  # what templating and files leave around a value; nothing else
    if not api_url:
        source = source or " (the task gave an empty value: is the variable it comes from set?)"
        raise InvalidInput("api_url.empty", fields={"source": source, "env_hint": _env_hint("api_url")})
    if "@" in api_url:
        raise InvalidInput("api_url.credentials")
    if any(not char.isprintable() or char.isspace() for char in api_url):
        raise InvalidInput("api_url.whitespace")
    if "?" in api_url or "#" in api_url:
        raise InvalidInput("api_url.query")
    try:
        parts = urlsplit(api_url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
        if hostname and "[" in parts.netloc:
            ipaddress.IPv6Address(hostname)  # urlsplit also takes [vX.Y] (IPvFuture), which no HTTP client can reach
    except ValueError:
        raise InvalidInput("api_url.unparsable") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise InvalidInput("api_url.scheme", fields={"start": api_url[:12]})
    for segment in parts.path.split("/"):
        decoded = unquote(segment)
        if decoded in (".", "..") or (decoded != segment and any(char in decoded for char in "/\\.%")):
            raise InvalidInput("api_url.dot_segments", fields={"segment": segment})
    host = hostname.lower().rstrip(".")
    if host == GITHUB_COM or host.endswith(f".{GITHUB_COM}"):
        hint = _env_hint("api_url")
        if env_source == "GITHUB_API_URL":
            source = " (from GITHUB_API_URL, which GitHub Actions sets in every job)"
        raise InvalidInput("api_url.github_com", fields={"host": host, "source": source, "env_hint": hint})
    warnings: tuple[Part, ...] = ()
    if parts.scheme == "http" and not _is_loopback(host):
        warnings = (part("api_url.http_warning", host=host),)
    return api_url, warnings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_id(value: t.Any) -> str:
    text = str(value or "").strip()
    if not _CLIENT_ID_RE.fullmatch(text):
        raise InvalidInput("client_id.invalid", fields={"length": len(text)})
    return text


def _client_secret(value: t.Any, *, required: bool) -> str:
    secret = str(value or "")
    if required and len(secret) != CLIENT_SECRET_LENGTH:
        raise InvalidInput("client_secret.invalid", fields={"length": len(secret)})
    return secret


def fingerprint(value: t.Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if text in (".", "..") or not _FINGERPRINT_RE.fullmatch(text):
        raise InvalidInput("fingerprint.invalid")
    return text


def _scopes(value: list[t.Any] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    for scope in value:
        if not isinstance(scope, str) or not _SCOPE_RE.fullmatch(scope):
            raise InvalidInput("scopes.invalid", fields={"scope": scope})
    return tuple(dict.fromkeys(value))


def parse_mode(value: t.Any) -> int:
    """An octal mode from YAML: an integer (``0600`` unquoted is 384) or a string of octal digits; symbolic modes are refused."""
    if value is None:
        return DEFAULT_MODE
    if isinstance(value, bool):
        raise InvalidInput("mode.invalid", fields={"value": value})
    if isinstance(value, int):
        mode = value
    elif isinstance(value, str) and _OCTAL_RE.fullmatch(value.strip()):
        mode = int(value.strip(), 8)
    else:
        raise InvalidInput("mode.invalid", fields={"value": value})
    if not 0 <= mode <= 0o777:
        raise InvalidInput("mode.invalid", fields={"value": value})
    return mode


def _store(params: dict[str, t.Any]) -> tuple[StoreOptions | None, tuple[Part, ...]]:
    mode = parse_mode(params.get("mode"))
    if mode & 0o002:
        raise InvalidInput("mode.world_writable", fields={"mode": f"{mode:04o}"})
    warnings: tuple[Part, ...] = ()
    readers = [who for who, bit in (("its group", 0o040), ("every user", 0o004)) if mode & bit]
    if readers:
        warnings = (part("mode.readable_warning", mode=f"{mode:04o}", who=" and ".join(readers)),)
    attributes = Attributes(mode, str(params["owner"]) if params.get("owner") else None, str(params["group"]) if params.get("group") else None)
    token_path = params.get("token_path")
    if token_path is not None:
        path = str(token_path).strip()
        if not path.startswith(("/", "~", "$")):
            raise InvalidInput("token_path.relative", fields={"path": path})
        return StoreOptions("file", str(path), attributes), warnings
    if params.get("vault_path") is not None:
        variable = params.get("vault_variable") or ""
        if not _VARIABLE_RE.fullmatch(variable):
            raise InvalidInput("vault_variable.invalid", fields={"value": variable})
        password = str(params["vault_password"]) if params.get("vault_password") is not None else None
        vault_id = str(params["vault_id"]) if params.get("vault_id") is not None else None
        return StoreOptions("vault", str(params["vault_path"]), attributes, str(variable), password, vault_id), warnings
    return None, ()
