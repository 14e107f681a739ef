"""Loading and validating the emulator's config (YAML or JSON).

The schema is a fixed interface (see README.md); new keys are allowed, existing ones must not change.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

TWO_FACTOR_KINDS = ("none", "app", "sms")
PROFILE_KEYS = ("company", "blog", "location", "bio", "hireable")
PERSONAL_CLIENT_ID = "00000000000000000000"
ENTERPRISE_VERSION = re.compile(r"\d+\.\d+\.\d+")

DEMO_CONFIG: dict[str, Any] = {
    "users": [
        {
            "login": "octocat",
            "password": "correct horse battery staple",
            "two_factor": "app",
            "otp_secret": "JBSWY3DPEHPK3PXP",
        },
    ],
    "apps": [
        {
            "client_id": "0123456789abcdef0123",
            "client_secret": "0123456789abcdef0123456789abcdef01234567",
            "name": "Provisioner",
            "url": "https://example.com/provisioner",
        },
    ],
    "authorizations": [],
}

DEFAULT_SETTINGS: dict[str, Any] = {
    "lockout_after": 5,
    "otp_window": 1,
    "rate_limit": 5000,
    "anonymous_rate_limit": 60,
    "enforce_rate_limit": False,
    "enterprise_version": "3.9.0",
}


class ConfigError(ValueError):
    """The config file is missing, unreadable or does not follow the schema."""


@dataclass
class UserConfig:
    """One user who can log in with Basic authentication."""

    login: str
    password: str
    two_factor: str = "none"
    otp_secret: Optional[str] = None
    id: int = 0
    name: Optional[str] = None
    email: Optional[str] = None
    profile: dict[str, Any] = field(default_factory=dict)


@dataclass
class AppConfig:
    """One registered OAuth app."""

    client_id: str
    client_secret: str
    name: str
    url: str


@dataclass
class SeedAuthorization:
    """A pre-existing authorization from the config."""

    user: str
    client_id: Optional[str]
    fingerprint: Optional[str]
    scopes: list[str]
    note: Optional[str]
    note_url: Optional[str]
    token: Optional[str]
    id: Optional[int] = None
    legacy: bool = False


@dataclass
class Config:
    """The validated config: users, apps, seeded authorizations and settings."""

    users: list[UserConfig] = field(default_factory=list)
    apps: list[AppConfig] = field(default_factory=list)
    authorizations: list[SeedAuthorization] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))


def check_enterprise_version(value: Any) -> str:
    """Return a valid ``X-GitHub-Enterprise-Version`` value (``MAJOR.MINOR.PATCH``, as GHES sends it) or raise."""
    if not isinstance(value, str) or ENTERPRISE_VERSION.fullmatch(value) is None:
        raise ConfigError(f"enterprise_version must be a version like 3.9.0, not {value!r}")
    return value


def _require_str(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    return value


def _optional_str(entry: dict[str, Any], key: str, where: str) -> Optional[str]:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: '{key}' must be a string")
    return value


def _parse_user(entry: Any, index: int) -> UserConfig:
    where = f"users[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a mapping")
    two_factor = entry.get("two_factor", "none") or "none"
    if two_factor not in TWO_FACTOR_KINDS:
        raise ConfigError(f"{where}: two_factor must be one of {', '.join(TWO_FACTOR_KINDS)}")
    otp_secret = _optional_str(entry, "otp_secret", where)
    if two_factor != "none" and not otp_secret:
        raise ConfigError(f"{where}: two_factor {two_factor} needs an otp_secret")
    user_id = entry.get("id", index + 1)
    if not isinstance(user_id, int):
        raise ConfigError(f"{where}: 'id' must be an integer")
    profile = {key: entry[key] for key in PROFILE_KEYS if key in entry}
    for key, value in profile.items():
        if value is not None and not isinstance(value, (str, bool)):
            raise ConfigError(f"{where}: '{key}' must be a string, a boolean or null")
    return UserConfig(
        profile=profile,
        login=_require_str(entry, "login", where),
        password=str(entry.get("password", "")),
        two_factor=two_factor,
        otp_secret=otp_secret,
        id=user_id,
        name=_optional_str(entry, "name", where),
        email=_optional_str(entry, "email", where),
    )


def _parse_app(entry: Any, index: int) -> AppConfig:
    where = f"apps[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a mapping")
    client_id = _require_str(entry, "client_id", where)
    client_secret = _require_str(entry, "client_secret", where)
    if len(client_id) != 20:
        raise ConfigError(f"{where}: client_id must be 20 characters")
    if len(client_secret) != 40:
        raise ConfigError(f"{where}: client_secret must be 40 characters")
    return AppConfig(
        client_id=client_id,
        client_secret=client_secret,
        name=_require_str(entry, "name", where),
        url=_require_str(entry, "url", where),
    )


def _parse_authorization(entry: Any, index: int, logins: set[str], client_ids: set[str]) -> SeedAuthorization:
    where = f"authorizations[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a mapping")
    user = _require_str(entry, "user", where)
    if user not in logins:
        raise ConfigError(f"{where}: unknown user {user!r}")
    client_id = _optional_str(entry, "client_id", where) or None
    if client_id == PERSONAL_CLIENT_ID:
        client_id = None
    if client_id is not None and client_id not in client_ids:
        raise ConfigError(f"{where}: unknown client_id")
    scopes = entry.get("scopes") or []
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise ConfigError(f"{where}: scopes must be a list of strings")
    auth_id = entry.get("id")
    if auth_id is not None and not isinstance(auth_id, int):
        raise ConfigError(f"{where}: 'id' must be an integer")
    return SeedAuthorization(
        user=user,
        client_id=client_id,
        fingerprint=_optional_str(entry, "fingerprint", where),
        scopes=list(scopes),
        note=_optional_str(entry, "note", where),
        note_url=_optional_str(entry, "note_url", where),
        token=_optional_str(entry, "token", where),
        id=auth_id,
        legacy=bool(entry.get("legacy", False)),
    )


def parse_config(raw: Any) -> Config:
    """Validate a config mapping (as loaded from YAML or JSON) and return a :class:`Config`."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError("the config must be a mapping with users, apps and authorizations")
    users = [_parse_user(entry, i) for i, entry in enumerate(raw.get("users") or [])]
    apps = [_parse_app(entry, i) for i, entry in enumerate(raw.get("apps") or [])]
    logins = {u.login for u in users}
    if len(logins) != len(users):
        raise ConfigError("users: logins must be unique")
    client_ids = {a.client_id for a in apps}
    if len(client_ids) != len(apps):
        raise ConfigError("apps: client_ids must be unique")
    authorizations = [_parse_authorization(entry, i, logins, client_ids) for i, entry in enumerate(raw.get("authorizations") or [])]
    settings = dict(DEFAULT_SETTINGS)
    for key in DEFAULT_SETTINGS:
        if key in raw:
            settings[key] = raw[key]
    if not isinstance(settings["lockout_after"], int) or settings["lockout_after"] < 1:
        raise ConfigError("lockout_after must be a positive integer")
    if not isinstance(settings["otp_window"], int) or settings["otp_window"] < 0:
        raise ConfigError("otp_window must be a non-negative integer")
    check_enterprise_version(settings["enterprise_version"])
    return Config(users=users, apps=apps, authorizations=authorizations, settings=settings)


def load_config(path: Optional[Path]) -> Config:
    """Load the config file (YAML or JSON; JSON is valid YAML), or the documented demo config when *path* is None."""
    if path is None:
        return parse_config(copy.deepcopy(DEMO_CONFIG))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config {path} is neither YAML nor JSON: {exc}") from exc
    return parse_config(raw)
