# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared fixtures for the unit tests."""

from __future__ import annotations

import ssl
import typing as t

import pytest
import trustme

from ansible_collections.oauthkit.github.plugins.module_utils import _api, _otp
from ansible_collections.oauthkit.github.plugins.plugin_utils import _action
from ansible_collections.oauthkit.github.tests.unit.plugins.helpers import (
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    FakeClock,
)
from ansible_collections.oauthkit.github.tests.unit.plugins.local_server import LocalServer

ENVIRONMENT_FALLBACKS = (
    "GITHUB_API_URL", "GITHUB_USERNAME", "GITHUB_PASSWORD", "GITHUB_OTP_SECRET",
    "OAUTHKIT_GITHUB_API_URL", "OAUTHKIT_GITHUB_USERNAME", "OAUTHKIT_GITHUB_PASSWORD", "OAUTHKIT_GITHUB_OTP_SECRET", "OAUTHKIT_GITHUB_CA_PATH",
)
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock whose sleep advances it."""
    return FakeClock()


@pytest.fixture
def module_clock(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeClock:
    """Make every TOTPSource the action plugins build use the fake clock and fake sleep."""
    real = _otp.TOTPSource

    def factory(secret: str, **kwargs: t.Any) -> _otp.TOTPSource:
        return real(secret, clock=clock.time, sleep=clock.sleep, **kwargs)

    monkeypatch.setattr(_otp, "TOTPSource", factory)
    return clock


@pytest.fixture
def base_args() -> dict[str, t.Any]:
    """Task arguments for a valid state=present task without two-factor authentication."""
    return {
        "api_url": API_URL,
        "username": USERNAME,
        "password": PASSWORD,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


@pytest.fixture(autouse=True)
def _no_github_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment fallbacks and proxies of the environment the tests run in must not leak into the runs."""
    for name in (*ENVIRONMENT_FALLBACKS, *PROXY_VARIABLES):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_clients() -> t.Iterator[None]:
    """Clients are kept for the loop items of a task (``_action._CLIENTS``): no test sees another's."""
    _action._CLIENTS.clear()
    yield
    for client in _action._CLIENTS.values():
        client.session.close()
    _action._CLIENTS.clear()


@pytest.fixture(scope="module")
def local_server() -> t.Iterator[LocalServer]:
    """One scripted HTTP server on 127.0.0.1 per test module, listening before the first test starts."""
    server = LocalServer()
    yield server
    server.close()


@pytest.fixture
def server(local_server: LocalServer) -> t.Iterator[LocalServer]:
    """The module's server with an empty script and history."""
    local_server.reset()
    yield local_server
    local_server.reset()


@pytest.fixture
def make_client(server: LocalServer, clock: FakeClock) -> t.Iterator[t.Callable[..., _api.GitHubClient]]:
    """GitHubClients of the local server whose waits go to the fake clock (``clock.sleeps``), never to a real sleep."""
    made: list[_api.GitHubClient] = []

    def make(**options: t.Any) -> _api.GitHubClient:
        client = _api.GitHubClient(options.pop("api_url", server.api_url), USERNAME, PASSWORD, **{"timeout": 5.0, **options})
        client.clock = clock.time
        client.sleep = clock.sleep
        made.append(client)
        return client

    yield make
    for client in made:
        client.session.close()


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    """A private CA that no client trusts unless told to (``ca_file``)."""
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_local_server(certificate_authority: trustme.CA) -> t.Iterator[LocalServer]:
    """A scripted HTTPS server on 127.0.0.1 whose certificate the private CA signed, one per test module."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    server = LocalServer(tls=context)
    yield server
    server.close()


@pytest.fixture
def tls_server(tls_local_server: LocalServer) -> t.Iterator[LocalServer]:
    tls_local_server.reset()
    yield tls_local_server
    tls_local_server.reset()


@pytest.fixture
def ca_file(certificate_authority: trustme.CA, tmp_path: t.Any) -> str:
    """The private CA's certificate, as the PEM file ca_path names."""
    path = tmp_path / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(path))
    return str(path)
