"""The control API under ``{prefix}/_emulator/`` (no authentication; for tests only).

It changes the emulator only through the public methods of the app, the store, the authenticator, the fault queue
and the request log, each of which takes its own lock.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from github_emulator import responses
from github_emulator.auth import OTP_MODES
from github_emulator.config import PERSONAL_CLIENT_ID, ConfigError, parse_config
from github_emulator.faults import FaultSpecError, parse_fault
from github_emulator.scopes import VALID_SCOPES
from github_emulator.state import Authorization

if TYPE_CHECKING:
    from github_emulator.app import EmulatorApp

CONTROL_MAP = Map(
    [
        Rule("/reset", methods=["POST"], endpoint="reset"),
        Rule("/requests", methods=["GET"], endpoint="get_requests"),
        Rule("/requests", methods=["DELETE"], endpoint="clear_requests"),
        Rule("/faults", methods=["GET"], endpoint="get_faults"),
        Rule("/faults", methods=["POST"], endpoint="add_faults"),
        Rule("/faults", methods=["PUT"], endpoint="replace_faults"),
        Rule("/faults", methods=["DELETE"], endpoint="clear_faults"),
        Rule("/clock", methods=["GET"], endpoint="get_clock"),
        Rule("/clock", methods=["POST"], endpoint="set_clock"),
        Rule("/otp-mode", methods=["GET"], endpoint="get_otp_mode"),
        Rule("/otp-mode", methods=["POST"], endpoint="set_otp_mode"),
        Rule("/authorizations", methods=["GET"], endpoint="list_authorizations"),
        Rule("/authorizations/<raw_id>", methods=["PATCH"], endpoint="patch_authorization"),
        Rule("/removed", methods=["GET"], endpoint="get_removed"),
        Rule("/removed", methods=["POST"], endpoint="set_removed"),
        Rule("/health", methods=["GET"], endpoint="health"),
    ],
    strict_slashes=False,
    merge_slashes=False,
)


def _ok(body: Any, status: int = 200) -> Response:
    return responses.json_response(body, status)


def _bad(message: str, status: int = 400) -> Response:
    return responses.json_response({"message": message}, status)


def _body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    return json.loads(raw)


def _describe(auth: Authorization) -> dict[str, Any]:
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


class ControlAPI:
    """Serves ``/_emulator/<name>`` requests (the path arrives without ``{prefix}/_emulator``)."""

    def __init__(self, app: EmulatorApp) -> None:
        self.app = app

    def dispatch(self, request: Request) -> Response:
        """Run one control request."""
        try:
            endpoint, args = CONTROL_MAP.bind("emulator", "/").match(request.path, method=request.method)
        except HTTPException:
            return _bad(f"no control endpoint {request.method} /_emulator/{request.path.strip('/')}", 404)
        try:
            response: Response = getattr(self, str(endpoint))(request, **args)
        except ValueError as exc:
            return _bad(f"bad control request: {exc}")
        return response

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
        entries = self.app.log.entries()
        if "clear" in request.args:
            self.app.log.clear()
        return _ok(entries)

    def clear_requests(self, request: Request) -> Response:
        """Empty the request log."""
        del request
        self.app.log.clear()
        return responses.json_response(None, 204)

    def get_faults(self, request: Request) -> Response:
        """Faults still queued."""
        del request
        return _ok(self.app.faults.pending())

    def add_faults(self, request: Request) -> Response:
        """Queue one fault (an object), several (a list), or ``{"faults": [...]}``."""
        return self._queue_faults(request, replace=False)

    def replace_faults(self, request: Request) -> Response:
        """Replace the queue with these faults (as for POST; ``{"faults": []}`` or ``[]`` empties it), in one step."""
        return self._queue_faults(request, replace=True)

    def _queue_faults(self, request: Request, *, replace: bool) -> Response:
        body = _body(request)
        specs = body.get("faults", [body]) if isinstance(body, dict) else body
        if not isinstance(specs, list):
            return _bad('send a fault object, a list of them, or {"faults": [...]}')
        try:
            faults = [parse_fault(spec) for spec in specs]
        except FaultSpecError as exc:
            return _bad(str(exc), 422)  # nothing changed, the queue either
        if replace:
            self.app.faults.replace(faults)
        else:
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
        self.app.authenticator.set_clock_offset(float(offset))
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
        self.app.authenticator.set_otp_mode(mode)
        return _ok({"mode": mode})

    def get_removed(self, request: Request) -> Response:
        """Whether the removed-API mode is on."""
        del request
        return _ok({"removed": self.app.removed})

    def set_removed(self, request: Request) -> Response:
        """``{"removed": true|false}`` toggles removed mode (github.com: 404 on ``/authorizations*`` and the root)."""
        body = _body(request)
        removed = body.get("removed") if isinstance(body, dict) else None
        if not isinstance(removed, bool):
            return _bad('send {"removed": true} or {"removed": false}', 422)
        self.app.set_removed(removed)
        return _ok({"removed": removed})

    def list_authorizations(self, request: Request) -> Response:
        """Every stored authorization (never a plain-text token: they are not stored)."""
        del request
        return _ok([_describe(auth) for auth in self.app.store.all_authorizations()])

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
        updated = self.app.store.update_by_id(auth_id, changes)
        if updated is None:
            return _bad("no such authorization", 404)
        return _ok(_describe(updated))
