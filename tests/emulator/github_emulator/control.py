"""The control API under ``{prefix}/_emulator/`` (no authentication; for tests only)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable

from werkzeug.wrappers import Request, Response

from github_emulator import responses
from github_emulator.api import VALID_SCOPES
from github_emulator.auth import OTP_MODES
from github_emulator.config import PERSONAL_CLIENT_ID, ConfigError, parse_config
from github_emulator.faults import FaultSpecError, parse_fault

if TYPE_CHECKING:
    from github_emulator.app import EmulatorApp


def _ok(body: Any, status: int = 200) -> Response:
    return responses.json_response(body, status)


def _bad(message: str, status: int = 400) -> Response:
    return responses.json_response({"message": message}, status)


def _body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    return json.loads(raw)


class ControlAPI:
    """Routes ``/_emulator/<name>`` requests to the emulator's control hooks."""

    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self.routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("POST", "reset"): self.reset,
            ("GET", "requests"): self.get_requests,
            ("DELETE", "requests"): self.clear_requests,
            ("GET", "faults"): self.get_faults,
            ("POST", "faults"): self.add_faults,
            ("DELETE", "faults"): self.clear_faults,
            ("GET", "clock"): self.get_clock,
            ("POST", "clock"): self.set_clock,
            ("GET", "otp-mode"): self.get_otp_mode,
            ("POST", "otp-mode"): self.set_otp_mode,
            ("GET", "authorizations"): self.list_authorizations,
            ("GET", "removed"): self.get_removed,
            ("POST", "removed"): self.set_removed,
            ("GET", "health"): self.health,
        }

    def dispatch(self, request: Request, name: str) -> Response:
        """Run one control request; ``name`` is the path after ``/_emulator/``."""
        name = name.strip("/")
        try:
            if name.startswith("authorizations/") and request.method == "PATCH":
                return self.patch_authorization(request, name.split("/", 1)[1])
            handler = self.routes.get((request.method, name))
            if handler is None:
                return _bad(f"no control endpoint {request.method} /_emulator/{name}", 404)
            return handler(request)
        except ValueError as exc:
            return _bad(f"bad control request: {exc}")

    def health(self, request: Request) -> Response:
        """Liveness probe."""
        del request
        return _ok({"ok": True})

    def reset(self, request: Request) -> Response:
        """Back to the loaded config; a body ``{"config": {...}}`` replaces the config first (same schema as --config)."""
        body = _body(request)
        config = None
        if isinstance(body, dict) and body.get("config") is not None:
            try:
                config = parse_config(body["config"])
            except ConfigError as exc:
                return _bad(str(exc), 422)
        self.app.reset(config)
        return _ok({"reset": True})

    def get_requests(self, request: Request) -> Response:
        """The request log (``?clear`` also empties it)."""
        entries = self.app.log_entries()
        if "clear" in request.args:
            self.app.clear_log()
        return _ok(entries)

    def clear_requests(self, request: Request) -> Response:
        """Empty the request log."""
        del request
        self.app.clear_log()
        return responses.json_response(None, 204)

    def get_faults(self, request: Request) -> Response:
        """Faults still queued."""
        del request
        return _ok(self.app.faults.pending())

    def add_faults(self, request: Request) -> Response:
        """Queue one fault (an object), several (a list), or ``{"faults": [...]}``."""
        body = _body(request)
        specs = body.get("faults", [body]) if isinstance(body, dict) else body
        if not isinstance(specs, list):
            return _bad('send a fault object, a list of them, or {"faults": [...]}')
        try:
            faults = [parse_fault(spec) for spec in specs]
        except FaultSpecError as exc:
            return _bad(str(exc), 422)
        self.app.faults.add(faults)
        return _ok({"queued": len(faults), "pending": self.app.faults.pending()}, 201)

    def clear_faults(self, request: Request) -> Response:
        """Drop all queued faults."""
        del request
        self.app.faults.clear()
        return responses.json_response(None, 204)

    def get_clock(self, request: Request) -> Response:
        """The TOTP clock offset and time."""
        del request
        return _ok({"offset": self.app.authenticator.clock_offset, "time": self.app.authenticator.now()})

    def set_clock(self, request: Request) -> Response:
        """``{"offset": seconds}`` shifts the TOTP clock (relative to wall time, not cumulative)."""
        body = _body(request)
        offset = body.get("offset") if isinstance(body, dict) else None
        if isinstance(offset, bool) or not isinstance(offset, (int, float)):
            return _bad('send {"offset": seconds}', 422)
        self.app.authenticator.clock_offset = float(offset)
        return self.get_clock(request)

    def get_otp_mode(self, request: Request) -> Response:
        """The OTP mode."""
        del request
        return _ok({"mode": self.app.authenticator.otp_mode})

    def set_otp_mode(self, request: Request) -> Response:
        """``{"mode": "strict"|"reuse"}``: strict accepts each 30-second step once per user; reuse (default) allows repeats."""
        body = _body(request)
        mode = body.get("mode") if isinstance(body, dict) else None
        if mode not in OTP_MODES:
            return _bad('send {"mode": "strict"} or {"mode": "reuse"}', 422)
        self.app.authenticator.otp_mode = mode
        return _ok({"mode": mode})

    def get_removed(self, request: Request) -> Response:
        """Whether the removed-API mode is on."""
        del request
        return _ok({"removed": self.app.removed})

    def set_removed(self, request: Request) -> Response:
        """``{"removed": true|false}`` toggles 404 on every ``/authorizations*`` path."""
        body = _body(request)
        removed = body.get("removed") if isinstance(body, dict) else None
        if not isinstance(removed, bool):
            return _bad('send {"removed": true} or {"removed": false}', 422)
        self.app.removed = removed
        return _ok({"removed": removed})

    def _describe(self, auth_id: int) -> dict[str, Any]:
        auth = self.app.store.state.authorizations[auth_id]
        return {
            "id": auth.id,
            "user": auth.user,
            "client_id": auth.client_id or PERSONAL_CLIENT_ID,
            "fingerprint": auth.fingerprint,
            "scopes": list(auth.scopes),
            "note": auth.note,
            "note_url": auth.note_url,
            "hashed_token": auth.hashed_token or None,
            "token_last_eight": auth.token_last_eight or None,
        }

    def list_authorizations(self, request: Request) -> Response:
        """Every stored authorization (never a plain-text token: they are not stored)."""
        del request
        with self.app.store.lock:
            return _ok([self._describe(auth_id) for auth_id in sorted(self.app.store.state.authorizations)])

    def patch_authorization(self, request: Request, raw_id: str) -> Response:
        """Change scopes, note or note_url by hand (no validation of ownership) to simulate drift."""
        try:
            auth_id = int(raw_id)
        except ValueError:
            return _bad("no such authorization", 404)
        body = _body(request)
        if not isinstance(body, dict):
            return _bad("send a JSON object")
        changes: dict[str, Any] = {}
        if "scopes" in body:
            scopes = body["scopes"]
            if not isinstance(scopes, list) or not all(isinstance(s, str) and s in VALID_SCOPES for s in scopes):
                return _bad("scopes must be a list of valid GitHub scopes", 422)
            changes["scopes"] = list(scopes)
        for key in ("note", "note_url"):
            if key in body:
                if body[key] is not None and not isinstance(body[key], str):
                    return _bad(f"{key} must be a string or null", 422)
                changes[key] = body[key]
        with self.app.store.lock:
            auth = self.app.store.state.authorizations.get(auth_id)
            if auth is None:
                return _bad("no such authorization", 404)
            self.app.store.update(auth, changes)
            return _ok(self._describe(auth_id))
