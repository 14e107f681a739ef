# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP transport for GitHub's REST API with password authentication.

FOR INTERNAL COLLECTION USE ONLY: no compatibility is promised outside the collection.

Every exchange goes through one ``requests.Session``: Basic authentication, the
``X-GitHub-OTP`` header computed just before each request, timeouts and TLS options.
Every HTTP failure becomes a typed exception here, and only here.
"""

from __future__ import annotations

import dataclasses
import datetime
import traceback
import typing as t
from urllib.parse import urlsplit

from ansible_collections.oauthkit.github.plugins.module_utils import _errors as errors

if t.TYPE_CHECKING:
    from ansible_collections.oauthkit.github.plugins.module_utils._otp import OTPSource

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

COLLECTION_VERSION = "0.1.0"
USER_AGENT = f"oauthkit.github/{COLLECTION_VERSION}"
ACCEPT = "application/vnd.github.v3+json"
DEFAULT_TIMEOUT = 30.0
REMOVED_HINT = (
    "github.com removed the OAuth Authorizations API on 2020-11-13; "
    "point api_url at a GitHub Enterprise Server that still serves it (https://HOST/api/v3)."
)
# GitHub stores an authorization's note in a field it calls "description".
_FIELD_NAMES = {"description": "note"}
_ERROR_CODES = {
    "missing": "refers to something that does not exist",
    "missing_field": "is required",
    "invalid": "is invalid",
    "already_exists": "already exists",
    "unprocessable": "cannot be processed",
}


@dataclasses.dataclass(frozen=True)
class APIResponse:
    """A successful answer: status, decoded JSON body (None when empty) and the ``Link`` relations."""

    status: int
    data: t.Any
    next_url: str | None = None


def describe_validation_errors(body: dict[str, t.Any]) -> str:
    """Render GitHub's 422 ``errors[]`` as one readable sentence."""
    parts = []
    for item in body.get("errors") or []:
        if isinstance(item, str):
            parts.append(item)
            continue
        if not isinstance(item, dict):
            continue
        field = item.get("field") or item.get("resource") or "request"
        field = _FIELD_NAMES.get(field, field)
        if item.get("message"):
            parts.append(f"{field}: {item['message']}")
        else:
            code = item.get("code", "invalid")
            parts.append(f"{field} {_ERROR_CODES.get(code, code)}")
    return "; ".join(parts)


def _without_value(item: t.Any) -> t.Any:
    """A 422 error item without ``value``, which may echo what was submitted (a secret, for instance)."""
    return {key: val for key, val in item.items() if key != "value"} if isinstance(item, dict) else item


def _otp_kind(response: requests.Response) -> str | None:
    """``app`` or ``sms`` when the response is GitHub's two-factor challenge, else None."""
    header = response.headers.get("X-GitHub-OTP", "")
    if not header.lower().startswith("required"):
        return None
    kind = header.partition(";")[2]
    return kind.strip().lower() or "app"


def _reset_time(response: requests.Response) -> str | None:
    reset = response.headers.get("X-RateLimit-Reset")
    if reset and reset.isdigit():
        return datetime.datetime.fromtimestamp(int(reset), tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def _body(response: requests.Response) -> dict[str, t.Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def error_from_response(
    response: requests.Response, method: str, path: str, *, otp_sent: bool, otp_renewable: bool, otp_retried: bool = False
) -> errors.APIError:
    """Map an error response to a typed exception whose message names the cause and the fix."""
    status = response.status_code
    body = _body(response)
    message = str(body.get("message") or response.reason or "")
    where = f"{method} {path} returned {status} {message.rstrip('.')}".rstrip()
    common: dict[str, t.Any] = {"status": status, "method": method, "path": path}
    if body.get("documentation_url"):
        common["documentation_url"] = body["documentation_url"]

    if status == 401:
        kind = _otp_kind(response)
        if kind is None and "requires authentication" in message.lower():
            return errors.BadCredentials(
                f"{where}: GitHub received no credentials. Set username and password (or GITHUB_USERNAME and GITHUB_PASSWORD).", **common
            )
        if kind is None:
            return errors.BadCredentials(
                f"{where}: GitHub rejected the username or password. Check username and password "
                "(or GITHUB_USERNAME and GITHUB_PASSWORD); repeated failures lock the account's password logins.",
                **common,
            )
        if kind == "sms" and not otp_sent:
            hint = (
                "This account receives its two-factor codes by SMS, so no code can be computed. GitHub sends the SMS only when a "
                "POST or PUT reaches the Authorizations API, as this request just did: run the task again within a few minutes with "
                "otp set to the code from the SMS (quoted, as a string). For unattended runs, switch the account to an authenticator "
                "app and give its seed as otp_secret."
            )
        elif not otp_sent:
            hint = (
                f"GitHub asks for a two-factor code (X-GitHub-OTP: required; {kind}). Set otp_secret to the account's base32 TOTP seed, "
                "kept in ansible-vault, or otp to a code given by hand."
            )
        elif otp_retried:
            hint = (
                "GitHub rejected the two-factor code, and again the code of the next 30-second step. Check that otp_secret is this "
                "account's seed and that this machine's clock is right (NTP); a code is also refused when it was already used."
            )
        elif otp_renewable:
            hint = (
                "GitHub rejected the two-factor code computed from otp_secret, and the next 30-second step did not begin within the "
                "bounded wait, so it was not retried. Check that this machine's clock is right (NTP), then run again."
            )
        else:
            hint = "GitHub rejected the one-time code given in otp: it expired or was already used. Get a new code and run again."
        return errors.OTPRequired(f"{where}: {hint}", kind=kind, otp_sent=otp_sent, **common)

    if status in (403, 429):
        lowered = message.lower()
        if "login attempts exceeded" in lowered:
            return errors.LoginLockout(
                f"{where}: GitHub locked this account's password logins after too many failed attempts. Nothing was retried, "
                "because every attempt extends the lockout: fix the password, wait until GitHub lifts the lockout, then run again.",
                **common,
            )
        if status == 429 or response.headers.get("X-RateLimit-Remaining") == "0" or "rate limit" in lowered or "abuse" in lowered:
            reset = _reset_time(response)
            retry_after = response.headers.get("Retry-After")
            when = f"until {reset}" if reset else (f"for {retry_after} s" if retry_after else "for now")
            return errors.RateLimited(
                f"{where}: GitHub's rate limit for this account is exhausted {when}; run again after that.",
                reset_at=reset, retry_after=retry_after, **common,
            )
        return errors.Forbidden(f"{where}: the account may not do this; check its permissions and the OAuth app's settings.", **common)

    if status == 404:
        hint = REMOVED_HINT if path.startswith("/authorizations") else "check api_url and client_id."
        return errors.NotFound(f"{where}: {hint}", **common)
    if status == 410:
        return errors.Gone(f"{where}: GitHub has switched this endpoint off. {REMOVED_HINT}", **common)
    if status == 422:
        details = describe_validation_errors(body)
        return errors.ValidationFailed(
            f"{where}: {details or 'GitHub refused the request'}. Check client_id, client_secret, scopes, note and fingerprint.",
            errors=[_without_value(item) for item in body.get("errors") or []], **common,
        )
    if status == 400:
        return errors.BadRequest(f"{where}: GitHub could not read the request.", **common)
    if status >= 500:
        return errors.ServerError(f"{where}: the GitHub server failed; nothing was changed by this request. Try again later.", **common)
    return errors.UnexpectedResponse(f"{where}: this status is not part of the API contract.", **common)


class GitHubClient:
    """A password-authenticated client for one GitHub API root, such as ``https://ghes.example.com/api/v3``."""

    def __init__(
        self,
        api_url: str,
        username: str,
        password: str,
        *,
        otp: OTPSource | None = None,
        validate_certs: bool = True,
        ca_path: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        parts = urlsplit(self.api_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._otp = otp
        self._timeout = timeout
        self.session = session or requests.Session()
        self.session.auth = (username, password)
        # Passed with every request: a session-level verify loses to REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment.
        self._verify: bool | str = (ca_path or True) if validate_certs else False
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": ACCEPT})

    def _send(self, method: str, url: str, body: t.Any, params: dict[str, t.Any] | None, otp: str | None) -> requests.Response:
        headers = {"X-GitHub-OTP": otp} if otp else {}
        try:
            # No redirects: a 30x would turn the PUT into a GET and send the two-factor code to another host.
            return self.session.request(
                method, url, json=body, params=params, headers=headers, timeout=self._timeout, verify=self._verify, allow_redirects=False
            )
        except requests.exceptions.SSLError as exc:
            raise errors.TransportError(
                f"TLS verification of {self._origin} failed ({exc.__class__.__name__}). Set ca_path to the PEM file of the CA "
                "that signed the server's certificate; validate_certs: false is for tests only.",
                url=self._origin,
            ) from None
        except requests.exceptions.Timeout:
            raise errors.TransportError(
                f"{method} {url} got no answer within {self._timeout:g} s: check that api_url is reachable, or raise timeout.",
                url=self._origin,
            ) from None
        except requests.exceptions.RequestException as exc:
            reason = exc.__class__.__name__
            raise errors.TransportError(
                f"Could not reach {self._origin} ({reason}): check api_url, DNS, proxies and that the server is up.",
                url=self._origin,
            ) from None

    def request(
        self, method: str, path: str, *, body: t.Any = None, params: dict[str, t.Any] | None = None, url: str | None = None
    ) -> APIResponse:
        """Send one request (and at most one retry with a fresh two-factor code); return the decoded answer or raise."""
        url = url or f"{self.api_url}{path}"
        source = self._otp
        otp = source.code() if source is not None else None
        response = self._send(method, url, body, params, otp)
        retried = False
        if source is not None and response.status_code == 401 and _otp_kind(response) is not None:
            fresh = source.next_code()
            if fresh is not None:
                otp, retried = fresh, True
                response = self._send(method, url, body, params, otp)
        if response.status_code >= 400:
            raise error_from_response(
                response, method, path, otp_sent=otp is not None, otp_renewable=source is not None and source.renewable, otp_retried=retried
            )
        if response.status_code >= 300:
            raise errors.UnexpectedResponse(
                f"{method} {path} returned {response.status_code} {response.reason}: check api_url (for GHES it ends in /api/v3).",
                status=response.status_code, method=method, path=path,
            )
        data = None
        if response.content:
            try:
                data = response.json()
            except ValueError:
                raise errors.UnexpectedResponse(
                    f"{method} {path} returned {response.status_code} with a body that is not JSON: check that api_url is the API root "
                    "(for GHES https://HOST/api/v3), not the web interface.",
                    status=response.status_code, method=method, path=path,
                ) from None
        next_url = response.links.get("next", {}).get("url")
        return APIResponse(status=response.status_code, data=data, next_url=next_url)

    def paginate(self, path: str, params: dict[str, t.Any] | None = None) -> t.Iterator[t.Any]:
        """Yield the items of a list endpoint, following ``Link: rel="next"`` on the same server only."""
        response = self.request("GET", path, params={"per_page": 100, **(params or {})})
        while True:
            if not isinstance(response.data, list):
                raise errors.UnexpectedResponse(f"GET {path} returned something other than a list.", status=response.status, method="GET", path=path)
            yield from response.data
            if not response.next_url:
                return
            if not response.next_url.startswith(f"{self._origin}/"):
                raise errors.UnexpectedResponse(
                    f"GET {path}: the next page is on another server ({urlsplit(response.next_url).netloc}); credentials are not sent there.",
                    status=response.status, method="GET", path=path,
                )
            response = self.request("GET", path, url=response.next_url)
