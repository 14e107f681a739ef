"""The threaded HTTP(S) server around the WSGI app, quiet so that no path (which may hold a token) is logged."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any, Optional

import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

CA_FILE = "ca.pem"


class QuietRequestHandler(WSGIRequestHandler):
    """Request handler that does not log requests: legacy paths carry access tokens."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """Do not log request lines."""
        del code, size

    def version_string(self) -> str:
        """The ``Server`` header, as GitHub sends it."""
        return "GitHub.com"


def tls_context(tls_dir: Path, host: str) -> ssl.SSLContext:
    """Make a throwaway CA and server certificate with trustme; write the CA to ``tls_dir/ca.pem`` for clients."""
    tls_dir.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA()
    names = list(dict.fromkeys([host, "127.0.0.1", "localhost", "::1"]))
    server_cert = authority.issue_cert(*names)
    authority.cert_pem.write_to_path(str(tls_dir / CA_FILE))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    return context


def build_server(host: str, port: int, app: Any, ssl_context: Optional[ssl.SSLContext] = None) -> BaseWSGIServer:
    """A threaded werkzeug server bound to host:port; port 0 picks a free port.

    It answers in HTTP/1.1, but werkzeug's request handler sends ``Connection: close`` on every response and closes the
    connection, so there is no keep-alive: each request needs its own connection (and TLS handshake).
    """
    return make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler, ssl_context=ssl_context)
