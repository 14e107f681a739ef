# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The message catalog: every id renders, option names are shown as a role names them, nothing of the template is left over."""

from __future__ import annotations

import re
import string
import typing as t
from pathlib import Path

import pytest

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors
from ansible_collections.oauthkit.github.plugins.module_utils import _messages
from ansible_collections.oauthkit.github.plugins.module_utils._messages import MESSAGES, Part, part, render

PLUGINS = Path(_messages.__file__).resolve().parents[1]
OPTIONS_IN_TEMPLATES = sorted({name for template in MESSAGES.values() for name in _messages.OPTION_PATTERN.findall(template)})
# A role's names for every option the catalog names: "token_path" -> "role_token_path".
ROLE_NAMES = {name: f"role_{name}" for name in OPTIONS_IN_TEMPLATES}

STORE_FILE = part("where.file", path="/etc/provisioner/github.token", on_host=" on web1")
# A realistic value for every field of the catalog; a field that a message of some id takes as another message is a Part.
REALISTIC: dict[str, t.Any] = {
    "api_url": "https://ghes.example.com/api/v3",
    "become_hint": "use become, or ",
    "created_note": part("token.foreign_created_note", ident=223759436),
    "connection": "winrm",
    "detail": "argument 'retries' is of type <class 'str'> and we were unable to convert to int",
    "details": "note is required",
    "directory": "/etc/provisioner",
    "env_hint": ", or set the environment variable OAUTHKIT_GITHUB_API_URL (GITHUB_API_URL is read last)",
    "fallback_note": "",
    "fields_list": "id, scopes",
    "first": "PUT /authorizations/clients/0123456789abcdef0123 returned 401 Bad credentials: GitHub rejected the username or password.",
    "found": "2.24.0",
    "group_name": "provisioners",
    "high": 8,
    "hint": part("hint.ghes_client_id", version="3.17.0"),
    "host": "api.github.com",
    "ident": 223759435,
    "interpreter": "/usr/bin/python3.6",
    "kind": "FIFO",
    "last_eight": "72ba3102",
    "length": 19,
    "library": "requests",
    "limit": 4096,
    "lock_path": "/etc/provisioner/github.token.lock",
    "login": "octocat",
    "lost_note": part("token.lost_note"),
    "low": 6,
    "machine": "the task's host",
    "made": part("token.made_new"),
    "method": "PUT",
    "mode": "0644",
    "module": "oauthkit.github.authorization",
    "on_host": " on web1",
    "option": "api_url",
    "options": "digits, interval, at",
    "origin": "https://ghes.example.com",
    "other": 223759436,
    "other_app": "0123456789abcdef0123",
    "other_fingerprint": "web2",
    "other_id": 223759436,
    "owner_name": "deploy",
    "path": "/etc/provisioner/github.token",
    "policy": "when_lost",
    "proxy_host": "proxy.example.com",
    "python": "/usr/bin/python3",
    "reason": part("store.write_failed", path="/etc/provisioner/github.token", reason="No space left on device"),
    "requirement": "requests>=2.25",
    "rolled_back_note": part("note.malformed_deleted", ident=223759435),
    "scope": "repo gist",
    "second": part("api.server_error", where="DELETE /authorizations/223759435 returned 502 Bad Gateway", method="DELETE"),
    "seconds": 30.0,
    "segment": "..",
    "source": " (from the environment variable GITHUB_API_URL)",
    "start": "ftp://ghes.e",
    "status": "missing",
    "supported": "api_url, client_id",
    "unknown": "tokne_path",
    "unknown_note": part("token.unknown_note", where=STORE_FILE),
    "value": "u=rw",
    "variable": "github_token",
    "vault_id_note": " (vault id prod)",
    "version": "3.17.0",
    "what": part("token.what_missing"),
    "when": "until 2026-11-25T09:00:00Z",
    "where": "PUT /authorizations/clients/0123456789abcdef0123 returned 404 Not Found",
    "who": "its group",
    "why": "the connection dropped",
}
# Fields whose value depends on the message: a store where custody speaks, a string where an answer is described.
BY_PREFIX: dict[str, dict[str, t.Any]] = {
    "token.": {"where": STORE_FILE},
    "store.": {"reason": "Permission denied", "option": "token_path"},
    "vault.": {"reason": "ValueError"},
    "transport.": {"reason": "ConnectionRefusedError"},
    "note_regex.": {"reason": "unterminated character set at position 0"},
    "hint.": {"status": 404},
}


def fields_of(msg_id: str) -> list[str]:
    return [name for _text, name, _spec, _conversion in string.Formatter().parse(MESSAGES[msg_id]) if name]


def realistic_fields(msg_id: str) -> dict[str, t.Any]:
    values = dict(REALISTIC)
    for prefix, overrides in BY_PREFIX.items():
        if msg_id.startswith(prefix):
            values.update(overrides)
    return {name: values[name] for name in fields_of(msg_id)}


def test_every_field_of_the_catalog_has_a_realistic_value() -> None:
    used = {name for msg_id in MESSAGES for name in fields_of(msg_id)}
    assert used <= set(REALISTIC), f"give {sorted(used - set(REALISTIC))} a realistic value in this test"


@pytest.mark.parametrize("msg_id", sorted(MESSAGES))
def test_every_id_renders_whole(msg_id: str) -> None:
    """With realistic fields and a role's names, nothing of the template is left: no field, no brace, no backtick."""
    rendered = render(msg_id, realistic_fields(msg_id), ROLE_NAMES)
    assert rendered.strip()
    assert "{" not in rendered and "}" not in rendered, rendered
    assert "`" not in rendered, rendered
    for option in _messages.OPTION_PATTERN.findall(MESSAGES[msg_id]):
        assert ROLE_NAMES[option] in rendered
    assert "Part(" not in rendered  # a message used as a field is rendered, not shown as a tuple


@pytest.mark.parametrize("msg_id", sorted(MESSAGES))
def test_every_id_renders_without_names(msg_id: str) -> None:
    rendered = render(msg_id, realistic_fields(msg_id))
    assert "`" not in rendered
    for option in _messages.OPTION_PATTERN.findall(MESSAGES[msg_id]):
        assert re.search(rf"(?<![a-z_]){re.escape(option)}(?![a-z_])", rendered), f"{option} is not named in {rendered!r}"
        assert f"role_{option}" not in rendered


def test_option_names_in_backticks_are_mapped() -> None:
    rendered = render("token_path.with_vault", {}, {"token_path": "app_token_path", "vault_path": "app_vault_path"})
    assert rendered == "app_token_path and app_vault_path are two places for one token: give one of them."


def test_only_mapped_names_change() -> None:
    rendered = render("token_path.with_vault", {}, {"token_path": "app_token_path"})
    assert rendered.startswith("app_token_path and vault_path are")


def test_a_field_named_option_is_mapped() -> None:
    rendered = render("option.missing", {"option": "token_path", "env_hint": ""}, {"token_path": "app_token_path"})
    assert rendered == "app_token_path is not set. Give app_token_path."


def test_a_field_ending_in_option_is_mapped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MESSAGES, "test.other_option", "{other_option} and {optional} and {value}")
    names = {"vault_path": "app_vault_path", "token_path": "app_token_path"}
    rendered = render("test.other_option", {"other_option": "vault_path", "optional": "token_path", "value": "token_path"}, names)
    assert rendered == "app_vault_path and token_path and token_path"  # only "option" and "*_option" hold option names


def test_a_part_is_rendered_with_the_same_names() -> None:
    rendered = render("api.not_found", {"where": "PUT /x returned 404 Not Found", "hint": part("hint.check")}, {"api_url": "app_api_url"})
    assert rendered == "PUT /x returned 404 Not Found: check app_api_url and client_id."


def test_nested_parts_are_rendered() -> None:
    reason = part("store.write_failed", path="/t", reason="EBUSY")
    fields = {"reason": reason, "ident": 9, "where": part("where.file", path="/t", on_host=" on web1"), "made": part("token.made_new")}
    rendered = render("token.rolled_back", {**fields, "unknown_note": part("token.unknown_note", where=fields["where"])}, {"token_path": "p"})
    assert rendered.startswith("The token could not be written to /t (EBUSY). Authorization 9, made by this run, was deleted again")
    assert "p /t on web1 may hold that token" in rendered
    assert rendered.endswith("Fix p /t on web1 and run again.")


def test_a_missing_optional_field_renders_empty() -> None:
    assert render("token.lost_note", {}) == MESSAGES["token.lost_note"]
    assert "{" not in render("option.missing", {"option": "username"})


def test_part_refuses_an_unknown_id() -> None:
    with pytest.raises(KeyError):
        part("no.such_message")
    assert part("hint.check") == Part("hint.check", {})


def test_error_render_merges_details_and_fields_fields_first() -> None:
    exc = errors.TokenStoreError("store.write_failed", {"path": "/from/fields", "reason": "EIO"}, path="/from/details", token_path="/t")
    assert exc.msg == "The token could not be written to /from/fields (EIO)."
    assert str(exc) == exc.msg
    assert exc.details == {"path": "/from/details", "token_path": "/t"}
    assert errors.TokenStoreError("store.write_failed", None, reason=None).details == {}  # None details are dropped


def test_error_render_with_names() -> None:
    exc = errors.InvalidInput("token_path.relative", {"path": "x"})
    assert exc.render({"token_path": "app_token_path"}).startswith("app_token_path 'x' is relative")


def _ids_named_in_plugins() -> set[tuple[str, str]]:
    prefixes = {msg_id.split(".")[0] for msg_id in MESSAGES}
    found = set()
    for path in PLUGINS.rglob("*.py"):
        if path.name == "_messages.py":
            continue
        for match in re.finditer(r"""["']([a-z_]+\.[a-z_]+)["']""", path.read_text(encoding="utf-8")):
            if match[1].split(".")[0] in prefixes:
                found.add((match[1], path.name))
    return found


def test_every_id_the_plugins_name_is_in_the_catalog() -> None:
    named = _ids_named_in_plugins()
    assert len(named) > 50  # the scan finds the ids
    assert sorted(msg_id for msg_id, _file in named if msg_id not in MESSAGES) == []


def test_every_template_is_a_valid_format_string() -> None:
    for msg_id, template in MESSAGES.items():
        list(string.Formatter().parse(template))  # raises ValueError on a lone brace
        assert template == template.rstrip(), msg_id
        assert "`" not in _messages.OPTION_PATTERN.sub("", template), f"{msg_id}: a backticked name that OPTION_PATTERN does not take"
