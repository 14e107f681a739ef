# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start, stop and tidy a real OpenSSH server on loopback addresses, for integration tests, benchmarks and runner checks.

``start --dir DIR --hosts N [--max-sessions M]`` (as root) creates the login user ``oauthkit-ssh`` and a second unprivileged
user ``oauthkit-peer`` (both with a usable, password-less account), lets ``oauthkit-ssh`` sudo to root and to
``oauthkit-peer`` without a password, makes a client key and a host key in DIR, and runs ``/usr/sbin/sshd`` detached in a
new session on one free port of 127.0.0.2 .. 127.0.0.(N+1), one address per host h1..hN (one sshd per 16 addresses, the
most one sshd listens on: ``pid`` in sshd.json is the first, ``pids`` all of them). It waits (30 s at most) until every
address accepts the client key, gives each host its own remote temp folder ``/home/oauthkit-ssh/.ansible-tmp/<DIR's name>/hK``, writes
``DIR/inventory.ini`` (group ``ssh_hosts``, system Python) and ``DIR/sshd.json``, and prints that JSON.

``stop --dir DIR`` ends that sshd and its per-connection children (SIGTERM, then SIGKILL after a bounded wait); it
succeeds when they are already gone. ``clean-tmp --dir DIR`` empties every host's remote temp folder.

It reads and writes nothing outside DIR, /run/sshd, /etc/sudoers.d/oauthkit-ssh, the two users' home folders and the
user database (it reads /proc to find the processes of its own sshd). ``make sshd`` installs what it needs: openssh-server,
sudo, and acl (setfacl, with which Ansible lets an unprivileged become_user read its temporary files).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

SSHD = Path("/usr/sbin/sshd")
USER = "oauthkit-ssh"
PEER = "oauthkit-peer"
SUDOERS = Path("/etc/sudoers.d") / USER
SUDOERS_TEXT = f"""\
# Written by loopback_sshd.py (oauthkit.github integration tests): {USER} may run anything as root and as {PEER}.
Defaults:{USER} !requiretty
{USER} ALL=(root,{PEER}) NOPASSWD: ALL
"""
REMOTE_TMP_BASE = Path("/home") / USER / ".ansible-tmp"
PRIVSEP_DIR = Path("/run/sshd")
MAX_HOSTS = 60
LISTEN_PER_SSHD = 16  # OpenSSH's MAX_LISTEN_SOCKS: one sshd listens on 16 addresses at most ("Too many listen sockets")
READY_TIMEOUT = 30.0
POLL_INTERVAL = 0.1
STOP_TIMEOUT = 10.0
BIND_ATTEMPTS = 3
SSH_OPTIONS = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5"]


class HarnessError(Exception):
    """A failure to report in one line, without a traceback."""


def fail(message: str) -> NoReturn:
    raise HarnessError(message)


def run(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command without a shell; fail with its output when it fails and check is set."""
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if check and proc.returncode != 0:
        fail(f"{' '.join(argv)} exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()}")
    return proc


def host_address(index: int) -> str:
    """Loopback address of host h<index> (h1 is 127.0.0.2)."""
    return f"127.0.0.{index + 1}"


# --- requirements, users, sudo -------------------------------------------------------------------------------------


def check_requirements() -> None:
    if os.geteuid() != 0:
        fail("run it as root: it creates users and a sudoers file, and runs sshd")
    missing = [name for name, found in ((str(SSHD), SSHD.is_file()), ("sudo", shutil.which("sudo")), ("visudo", shutil.which("visudo"))) if not found]
    # setfacl (Debian's acl): Ansible shares its temporary files with an unprivileged become_user through ACLs.
    missing += [name for name in ("setfacl", "ssh", "ssh-keygen", "useradd", "usermod") if not shutil.which(name)]
    if missing:
        fail(f"missing {', '.join(missing)}: run `make sshd` (as root) to install Debian's openssh-server, sudo and acl")


def shadow_password(user: str) -> str | None:
    """The password field of user in /etc/shadow, or None when the user has no line there."""
    with Path("/etc/shadow").open(encoding="utf-8") as shadow:
        for line in shadow:
            fields = line.rstrip("\n").split(":")
            if fields[0] == user and len(fields) > 1:
                return fields[1]
    return None


def user_db(argv: list[str], done: tuple[int, ...] = (0,)) -> None:
    """Run useradd or usermod; retry while another process holds the lock of the user database (exit 10)."""
    deadline = time.monotonic() + 10
    while True:
        proc = run(argv, check=False)
        if proc.returncode in done:
            return
        if proc.returncode != 10 or time.monotonic() > deadline:
            fail(f"{' '.join(argv)} exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()}")
        time.sleep(POLL_INTERVAL)


def ensure_user(user: str) -> pwd.struct_passwd:
    """Create user (home folder, bash) unless it exists; give it the password '*' so that sshd accepts its keys."""
    try:
        pwd.getpwnam(user)
    except KeyError:
        user_db(["useradd", "-m", "-s", "/bin/bash", user], done=(0, 9))  # 9: another run created it just now
    # A locked account ('!' in the password field) is refused by sshd with UsePAM=no, even for keys.
    if shadow_password(user) != "*":
        user_db(["usermod", "-p", "*", user])
    return pwd.getpwnam(user)


def ensure_sudoers(work: Path) -> None:
    """Install /etc/sudoers.d/oauthkit-ssh (mode 0440) after visudo accepted it; leave it alone when it is already right."""
    if SUDOERS.is_file() and not SUDOERS.is_symlink() and SUDOERS.read_text(encoding="utf-8") == SUDOERS_TEXT and (SUDOERS.stat().st_mode & 0o777) == 0o440:
        return
    candidate = work / "sudoers.check"
    candidate.write_text(SUDOERS_TEXT, encoding="utf-8")
    candidate.chmod(0o440)
    run(["visudo", "-cf", str(candidate)])
    candidate.unlink()
    SUDOERS.parent.mkdir(mode=0o750, exist_ok=True)
    fd = os.open(SUDOERS, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o440)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(SUDOERS_TEXT)
    os.chown(SUDOERS, 0, 0)
    SUDOERS.chmod(0o440)
    run(["visudo", "-cf", str(SUDOERS)])


def ensure_private_dir(path: Path, owner: pwd.struct_passwd) -> None:
    """mkdir path (0700, owned by owner), refusing a symlink in its place."""
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        if path.is_symlink() or not path.is_dir():
            fail(f"{path} exists and is not a folder")
    os.chown(path, owner.pw_uid, owner.pw_gid, follow_symlinks=False)
    path.chmod(0o700)


def instance_tmp(work: Path) -> Path:
    """The remote temp folders of this harness instance (named after DIR): concurrent instances never share one."""
    return REMOTE_TMP_BASE / work.name


def remote_tmp_dirs(hosts: int, owner: pwd.struct_passwd, work: Path) -> dict[str, str]:
    """Each host's own remote temp folder, /home/oauthkit-ssh/.ansible-tmp/<DIR's name>/hK, created empty-or-kept, 0700 oauthkit-ssh."""
    ensure_private_dir(REMOTE_TMP_BASE, owner)
    ensure_private_dir(instance_tmp(work), owner)
    folders = {}
    for index in range(1, hosts + 1):
        folder = instance_tmp(work) / f"h{index}"
        ensure_private_dir(folder, owner)
        folders[f"h{index}"] = str(folder)
    return folders


# --- keys, sshd ----------------------------------------------------------------------------------------------------


def ensure_key(path: Path) -> None:
    if not path.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"loopback_sshd {path.name}", "-f", str(path)])
    os.chown(path, 0, 0)
    path.chmod(0o600)


def check_traversable(work: Path) -> None:
    """sshd reads AuthorizedKeysFile as the login user: every folder above DIR must let others through."""
    for folder in [work, *work.parents]:
        if not folder.stat().st_mode & 0o001:
            fail(f"{folder} is not searchable by others, so sshd (reading {work}/authorized_keys as {USER}) cannot reach it: use a DIR under /tmp")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host_address(1), 0))
        return sock.getsockname()[1]


def listen_groups(hosts: int) -> list[range]:
    """Host numbers of each sshd process: 1-16, 17-32, ... (one sshd cannot listen on more than LISTEN_PER_SSHD addresses)."""
    return [range(first, min(first + LISTEN_PER_SSHD, hosts + 1)) for first in range(1, hosts + 1, LISTEN_PER_SSHD)]


def pid_file(work: Path, group: int) -> Path:
    return work / ("sshd.pid" if group == 0 else f"sshd-{group + 1}.pid")


def sshd_argv(work: Path, port: int, numbers: range, pidfile: Path, max_sessions: int) -> list[str]:
    options = [f"ListenAddress={host_address(index)}" for index in numbers]
    options += [
        f"HostKey={work / 'host_key'}",
        f"PidFile={pidfile}",
        f"AuthorizedKeysFile={work / 'authorized_keys'}",
        "PasswordAuthentication=no",
        "KbdInteractiveAuthentication=no",
        "UsePAM=no",
        "StrictModes=no",
        "PermitRootLogin=no",
        f"AllowUsers={USER}",
        f"MaxStartups={max_sessions}:30:{max_sessions * 2}",
        f"MaxSessions={max_sessions}",
        "Subsystem=sftp internal-sftp",
        "LogLevel=ERROR",
    ]
    argv = [str(SSHD), "-f", "/dev/null", "-D", "-e", "-p", str(port)]
    for option in options:
        argv += ["-o", option]
    return argv


def log_text(work: Path) -> str:
    try:
        return (work / "sshd.log").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def launch(work: Path, port: int, hosts: int, max_sessions: int) -> list[subprocess.Popen[bytes]]:
    """Start one sshd per 16 hosts, each detached (its own session, no terminal, stderr to DIR/sshd.log) so that it outlives this script."""
    with (work / "sshd.log").open("wb") as log:
        return [
            subprocess.Popen(
                sshd_argv(work, port, numbers, pid_file(work, group), max_sessions),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
                close_fds=True,
            )
            for group, numbers in enumerate(listen_groups(hosts))
        ]


def probe_argv(work: Path, port: int, address: str) -> list[str]:
    return ["ssh", *SSH_OPTIONS, "-i", str(work / "client_key"), "-p", str(port), f"{USER}@{address}", "true"]


def wait_ready(work: Path, procs: list[subprocess.Popen[bytes]], port: int, hosts: int, max_sessions: int) -> str | None:
    """Poll every address with ssh until each one runs `true`; None when all do, else why not (sshd gone, bind failed, time up)."""
    deadline = time.monotonic() + READY_TIMEOUT
    pending = [host_address(index) for index in range(1, hosts + 1)]
    batch = max(1, max_sessions // 2)  # stay below MaxStartups, whose random early drop begins at max_sessions
    while pending:
        if "Bind to port" in log_text(work):
            return "bind"
        if exited := [proc for proc in procs if proc.poll() is not None]:
            return f"sshd (pid {exited[0].pid}) exited with {exited[0].returncode}"
        probes = [
            (address, subprocess.Popen(probe_argv(work, port, address), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            for address in pending[:batch]
        ]
        answered = set()
        for address, probe in probes:
            try:
                if probe.wait(timeout=max(0.1, deadline - time.monotonic())) == 0:
                    answered.add(address)
            except subprocess.TimeoutExpired:
                probe.kill()
                probe.wait()
        pending = [address for address in pending if address not in answered]
        if not pending:
            return None
        if time.monotonic() >= deadline:
            return f"after {READY_TIMEOUT:.0f} s, no ssh login yet on {', '.join(pending)}"
        if not answered:
            time.sleep(POLL_INTERVAL)
    return None


def inventory_text(work: Path, port: int, hosts: int, remote_tmp: dict[str, str]) -> str:
    lines = ["[ssh_hosts]"]
    common = "'-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'"
    for index in range(1, hosts + 1):
        name = f"h{index}"
        lines.append(
            f"{name} ansible_connection=ssh ansible_host={host_address(index)} ansible_port={port} ansible_user={USER}"
            f" ansible_ssh_private_key_file={work / 'client_key'} ansible_ssh_common_args={common}"
            f" ansible_python_interpreter=/usr/bin/python3 ansible_remote_tmp={remote_tmp[name]}"
        )
    return "\n".join(lines) + "\n"


def write_private(path: Path, text: str, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    path.chmod(mode)


def read_state(work: Path) -> dict[str, Any] | None:
    try:
        return json.loads((work / "sshd.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def start(work: Path, hosts: int, max_sessions: int) -> dict[str, Any]:
    check_requirements()
    if not 1 <= hosts <= MAX_HOSTS:
        fail(f"--hosts must be between 1 and {MAX_HOSTS}, not {hosts}")
    if max_sessions < 2:
        fail(f"--max-sessions must be at least 2, not {max_sessions}")
    work = work.resolve()
    work.mkdir(mode=0o700, parents=True, exist_ok=True)
    state = read_state(work)
    if state and (running := [pid for pid in server_pids(state) if server_alive(pid)]):
        fail(f"an sshd started from {work} still runs (pid {running[0]}): run `stop --dir {work}` first")

    user = ensure_user(USER)
    ensure_user(PEER)
    ensure_sudoers(work)

    work.chmod(0o711)  # sshd reads authorized_keys as the login user; nothing else in DIR is readable by others
    check_traversable(work)
    ensure_key(work / "client_key")
    ensure_key(work / "host_key")
    public = (work / "client_key.pub").read_text(encoding="utf-8")
    write_private(work / "authorized_keys", public, 0o644)
    remote_tmp = remote_tmp_dirs(hosts, user, work)
    PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)

    why = "not started"
    for _attempt in range(BIND_ATTEMPTS):
        port = free_port()
        procs = launch(work, port, hosts, max_sessions)
        # Recorded before the wait, so that `stop` can end it whatever happens next.
        state = {
            "pid": procs[0].pid,
            "pids": [proc.pid for proc in procs],  # one sshd per 16 hosts; pid is the first
            "port": port,
            "user": USER,
            "peer": PEER,
            "key": str(work / "client_key"),
            "inventory": str(work / "inventory.ini"),
            "hosts": {f"h{index}": host_address(index) for index in range(1, hosts + 1)},
            "remote_tmp": remote_tmp,
            "dir": str(work),
        }
        write_private(work / "sshd.json", json.dumps(state, indent=2) + "\n")
        why = wait_ready(work, procs, port, hosts, max_sessions) or ""
        if not why:
            write_private(work / "inventory.ini", inventory_text(work, port, hosts, remote_tmp))
            return state
        stop_server(state)
        for proc in procs:
            proc.wait()
        # "bind": another process took the port on one of the addresses between free_port() and sshd; try another port.
        if why != "bind":
            break
    fail(f"sshd did not get ready ({'could not bind its port' if why == 'bind' else why}); {work / 'sshd.log'}:\n{log_text(work)}")


# --- stop, clean-tmp -----------------------------------------------------------------------------------------------


def proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of pid from /proc, or None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    """True while pid runs (a zombie, which PID 1 of a container may never reap, counts as gone)."""
    stat = proc_stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def server_alive(pid: int) -> bool:
    """True when pid is a running sshd that leads its own session, as the one `start` launched does."""
    if not alive(pid):
        return False
    try:
        return os.getsid(pid) == pid and Path(f"/proc/{pid}/exe").resolve() == SSHD
    except (ProcessLookupError, PermissionError, FileNotFoundError):
        return False


def socket_inodes(port: int) -> set[str]:
    """Inodes of the connected (not listening) TCP sockets whose local port is port, from /proc/net/tcp."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="utf-8").splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] != "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    return inodes


def server_pids(state: dict[str, Any]) -> list[int]:
    return [int(pid) for pid in state.get("pids", [state["pid"]])]


def server_processes(pids: list[int], port: int) -> list[int]:
    """The sshd listeners pids, their descendants (per-connection sshd, sessions) and any sshd still holding a connection on port."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))) and stat[0] not in ("Z", "X"):
            parents[int(entry.name)] = stat[1]
    found = {pid for pid in pids if pid in parents}
    grew = True
    while grew:
        more = {child for child, parent in parents.items() if parent in found} - found
        found |= more
        grew = bool(more)
    inodes = socket_inodes(port)
    for other in set(parents) - found:
        try:
            if Path(f"/proc/{other}/exe").resolve() != SSHD:
                continue
            links = {os.readlink(fd) for fd in Path(f"/proc/{other}/fd").iterdir()}
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
        if any(link == f"socket:[{inode}]" for inode in inodes for link in links):
            found.add(other)
    return sorted(found)


def signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop_server(state: dict[str, Any]) -> list[int]:
    """SIGTERM the sshd of state and its per-connection children, SIGKILL what is left after STOP_TIMEOUT; the pids ended."""
    # Per-connection sshd children call setsid(), and outlive their listener: collect them before it goes. A recorded pid that
    # is no longer our sshd (gone, or reused by another process) is left alone.
    pids = server_processes([pid for pid in server_pids(state) if server_alive(pid)], int(state["port"]))
    signal_all(pids, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL)
    left = [p for p in pids if alive(p)]
    if left:
        signal_all(left, signal.SIGKILL)
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(alive(p) for p in left) and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
        if still := [p for p in left if alive(p)]:
            fail(f"sshd processes {still} outlived SIGKILL")
    return pids


def stop(work: Path) -> dict[str, Any]:
    work = work.resolve()
    state = read_state(work)
    if state is None:
        return {"stopped": [], "dir": str(work), "msg": f"no {work / 'sshd.json'}: nothing to stop"}
    stopped = stop_server(state)
    tmp = instance_tmp(work)
    if tmp.is_dir() and not tmp.is_symlink():
        shutil.rmtree(tmp)  # what the hosts' runs left in their remote temp folders (ANSIBLE_KEEP_REMOTE_FILES)
    return {"stopped": stopped, "dir": str(work)}


def clean_tmp(work: Path) -> dict[str, Any]:
    state = read_state(work.resolve())
    if state is None:
        fail(f"no {work / 'sshd.json'}: run start first")
    removed = 0
    for folder in state["remote_tmp"].values():
        path = Path(folder)
        if path.parent != instance_tmp(work.resolve()) or path.is_symlink() or not path.is_dir():
            fail(f"{path} is not a remote temp folder of this harness")
        for entry in path.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
    return {"removed": removed, "remote_tmp": state["remote_tmp"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="start sshd for N loopback hosts and write DIR/inventory.ini and DIR/sshd.json")
    start_parser.add_argument("--dir", required=True, type=Path)
    start_parser.add_argument("--hosts", required=True, type=int)
    start_parser.add_argument("--max-sessions", type=int, default=100, help="MaxSessions and the start of MaxStartups; keep it above your fork count")
    for name, text in (("stop", "stop the sshd of DIR and its connections"), ("clean-tmp", "empty every host's remote temp folder")):
        commands.add_parser(name, help=text).add_argument("--dir", required=True, type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            result = start(args.dir, args.hosts, args.max_sessions)
        elif args.command == "stop":
            result = stop(args.dir)
        else:
            result = clean_tmp(args.dir)
    except HarnessError as exc:
        print(f"loopback_sshd.py {args.command}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
