"""``make demo``: the main job on the embedded default, end to end.

Starts the GitHub emulator (demo user ``octocat`` with app-based 2FA, demo app
``Provisioner``) on a free loopback port, runs ``docs/examples/get_or_create.yml``
twice with the vaulted TOTP seed, shows the two recaps and where the token went,
and stops the emulator, whatever happens.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from emulator_process import emulator

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
EXAMPLES = ROOT / "docs" / "examples"


def play(env: dict[str, str]) -> tuple[int, str, str]:
    cmd = [
        str(BIN / "ansible-playbook"), "--vault-password-file", str(EXAMPLES / "demo-vault-password"),
        str(EXAMPLES / "get_or_create.yml"),
    ]
    print("$ ansible-playbook --vault-password-file docs/examples/demo-vault-password docs/examples/get_or_create.yml", flush=True)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    match = re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", proc.stdout)
    return proc.returncode, match.group(1) if match else "?", proc.stdout


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="oauthkit-demo-") as tmp:
        work = Path(tmp)
        token_file = ROOT / ".cache" / "demo" / "provisioner.token"
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.unlink(missing_ok=True)
        collections = work / "collections" / "ansible_collections" / "oauthkit"
        collections.mkdir(parents=True)
        (collections / "github").symlink_to(ROOT)
        with emulator(work) as url:
            print(f"Emulator (demo user octocat, 2FA by authenticator app) at {url}\n", flush=True)
            env = {
                **os.environ,
                "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
                "OAUTHKIT_GITHUB_API_URL": url,
                "TOKEN_FILE": str(token_file),
                "ANSIBLE_COLLECTIONS_PATH": str(work / "collections"),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_LOCALHOST_WARNING": "false",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            }
            first_rc, first, _first_out = play(env)
            second_rc, second, second_out = play(env)
        if first_rc or second_rc or (first, second) != ("1", "0") or "token verified" not in second_out:
            print(f"The demo failed (exit codes {first_rc}, {second_rc}; changed={first}, then {second}): see the output above.", file=sys.stderr)
            return 1
        mode = stat.S_IMODE(token_file.stat().st_mode)
        print(f"First run: changed={first} (authorization created, its token stored by the module). Second run: changed={second}.")
        print(f"The token is in {token_file.relative_to(ROOT)} (mode {mode:04o}, {token_file.stat().st_size} bytes).")
        print("The emulator has stopped.")
        return 0 if second == "0" and first != "0" else 1


if __name__ == "__main__":
    sys.exit(main())
