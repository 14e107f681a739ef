"""Command line: ``python -m github_emulator --host 127.0.0.1 --port PORT [--config FILE] [--tls-dir DIR] [--prefix /api/v3] [--removed] [--state FILE]
[--enterprise-version 3.9.0]``."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Optional

from github_emulator.app import EmulatorApp
from github_emulator.config import ConfigError, check_enterprise_version, load_config
from github_emulator.server import build_server, tls_context

READY_LINE = "github_emulator listening on {url}"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(prog="github_emulator", description="GitHub OAuth Authorizations API emulator (GHES stand-in).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free port (default 0)")
    parser.add_argument("--config", type=Path, help="YAML or JSON config with users, apps and authorizations (default: the demo config)")
    parser.add_argument("--tls-dir", type=Path, help="serve HTTPS with a trustme CA; writes DIR/ca.pem for clients")
    parser.add_argument("--prefix", default="", help="URL prefix, e.g. /api/v3 for the GHES layout (default: none)")
    parser.add_argument("--removed", action="store_true", help="answer 404 on every /authorizations* path, as github.com does since 2020-11-13")
    parser.add_argument("--state", type=Path, help="persist state in this JSON file across restarts (atomic writes)")
    parser.add_argument(
        "--enterprise-version",
        help="the X-GitHub-Enterprise-Version header, e.g. 3.9.0 (default: the config's enterprise_version, else 3.9.0)",
    )
    return parser


def _stop(signum: int, frame: Optional[FrameType]) -> None:
    del frame
    raise SystemExit(128 + signum if signum != signal.SIGINT else 0)


def main(argv: Optional[list[str]] = None) -> int:
    """Start the emulator, print the readiness line, and serve until SIGTERM or SIGINT."""
    args = build_parser().parse_args(argv)
    prefix = args.prefix.rstrip("/")
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    try:
        config = load_config(args.config)
        version = check_enterprise_version(args.enterprise_version) if args.enterprise_version is not None else None
        app = EmulatorApp(config, prefix=prefix, removed=args.removed, state_path=args.state, enterprise_version=version)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"github_emulator: {exc}", file=sys.stderr)
        return 2
    context = tls_context(args.tls_dir, args.host) if args.tls_dir else None
    server = build_server(args.host, args.port, app, context)
    scheme = "https" if context else "http"
    host = f"[{args.host}]" if ":" in args.host else args.host
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(READY_LINE.format(url=f"{scheme}://{host}:{server.server_port}{prefix}"), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except SystemExit as exc:
        return 0 if exc.code in (0, 128 + signal.SIGTERM) else int(exc.code or 0)
    finally:
        app.shutdown()  # delays in progress end now and drop their connections
        server.server_close()
    return 0
