"""A faithful GitHub Enterprise Server stand-in for the OAuth Authorizations API.

It speaks real HTTP (werkzeug), keeps real state, and verifies real TOTP codes (pyotp).
See README.md beside this package for the CLI, the config schema and the control API.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
