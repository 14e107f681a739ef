"""GitHub's OAuth scope names, shared by the API (which validates requests) and the control API (which validates drift)."""

from __future__ import annotations

VALID_SCOPES = frozenset(
    {
        "repo", "repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events",
        "admin:repo_hook", "write:repo_hook", "read:repo_hook",
        "admin:org", "write:org", "read:org",
        "admin:public_key", "write:public_key", "read:public_key",
        "admin:org_hook", "gist", "notifications",
        "user", "read:user", "user:email", "user:follow",
        "delete_repo", "write:discussion", "read:discussion",
        "write:packages", "read:packages", "delete:packages",
        "admin:gpg_key", "write:gpg_key", "read:gpg_key",
        "admin:ssh_signing_key", "write:ssh_signing_key", "read:ssh_signing_key",
        "workflow", "codespace", "project", "read:project", "audit_log", "read:audit_log",
        "admin:enterprise", "manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise",
        "site_admin", "devtools", "admin:pre_receive_hook",
    }
)  # fmt: skip
SCOPE_KEYS = ("scopes", "add_scopes", "remove_scopes")  # PATCH accepts one of these at a time
