#!/usr/bin/env bash
# Runs a playbook in a nested ansible-playbook where writing the token fails after GitHub made the authorization, whatever
# the user may write (root ignores permission bits). A private mount namespace keeps the mount invisible to everything else
# and removes it when the script ends.
#   full  TARGET is a directory: a 4 KiB tmpfs is mounted on it and filled, so a write there fails (ENOSPC). `ulimit -f 0`
#         would not do: it stops ansible-playbook itself (its worker setup and the AnsiballZ payload are written to disk).
#   busy  TARGET is a token file: another file is bind-mounted onto it, so the final rename onto it fails (EBUSY).
#
# Usage: fault_fs_run.sh full|busy TARGET OUTDIR PYTHON PLAYBOOK EXTRA_VARS_JSON
# The nested run's output goes to OUTDIR/fault_fs_run.out. Prints a JSON summary: {"rc": the nested run's exit code,
# "leftovers": the entries of TARGET's directory (full: of TARGET) after it, "free_blocks" (full: free blocks before the run),
# "token" (busy: the token file's content after it)}.
set -eu

if [ -z "${FAULT_FS_IN_NAMESPACE:-}" ]; then
    FAULT_FS_IN_NAMESPACE=1 exec unshare --mount --propagation private /bin/bash "$0" "$@"
fi

mode=$1
target=$2
outdir=$3
python=$4
playbook=$5
extra_vars=$6

case "$mode" in
    full)
        mount -t tmpfs -o size=4k,mode=0700 fault-fs-full "$target"
        # Fill the file system; the write that finds it full fails by design.
        head -c 65536 /dev/zero > "$target/filler" 2> /dev/null || true
        directory=$target
        ;;
    busy)
        : > "$target"
        : > "$target.mounted"
        chmod 0600 "$target" "$target.mounted"
        mount --bind "$target.mounted" "$target"
        directory=$(dirname "$target")
        ;;
    *)
        echo "fault_fs_run.sh: the mode is full or busy, not $mode" >&2
        exit 2
        ;;
esac
free_blocks=$(stat -f -c %a "$directory")

rc=0
"$python" -m ansible.cli.playbook "$playbook" -e "$extra_vars" > "$outdir/fault_fs_run.out" 2>&1 || rc=$?

"$python" - "$mode" "$target" "$directory" "$free_blocks" "$rc" <<'PYTHON'
import json, os, sys
mode, target, directory, free_blocks, rc = sys.argv[1:]
summary = {"rc": int(rc), "leftovers": sorted(os.listdir(directory))}
if mode == "full":
    summary["free_blocks"] = int(free_blocks)
else:
    with open(target) as token:
        summary["token"] = token.read()
print(json.dumps(summary))
PYTHON
