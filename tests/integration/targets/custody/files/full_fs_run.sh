#!/usr/bin/env bash
# Runs files/nested.yml in a nested ansible-playbook with the token's directory on a full file system, so that writing the
# token (a token file, or a vault file) fails (ENOSPC) after GitHub made the authorization. Root ignores permission bits, and `ulimit -f 0` would stop
# ansible-playbook itself (its worker setup and the AnsiballZ payload are written to disk) before the module runs.
# A private mount namespace keeps the 4 KiB tmpfs invisible to everything else and unmounts it when the script ends.
#
# Usage: full_fs_run.sh MOUNTPOINT OUTDIR PYTHON PLAYBOOK EXTRA_VARS_JSON
# The nested run writes each module result where EXTRA_VARS_JSON's nested_runs say, and its output to OUTDIR/full_fs_run.out.
# Prints a JSON summary:
# {"free_blocks": free blocks before the run, "rc": the nested run's exit code, "leftovers": the mountpoint's entries after it}.
set -eu

if [ -z "${CUSTODY_IN_NAMESPACE:-}" ]; then
    CUSTODY_IN_NAMESPACE=1 exec unshare --mount --propagation private /bin/bash "$0" "$@"
fi

mountpoint=$1
outdir=$2
python=$3
playbook=$4
extra_vars=$5

mount -t tmpfs -o size=4k,mode=0700 custody-full "$mountpoint"
# Fill the file system; the write that finds it full fails by design.
head -c 65536 /dev/zero > "$mountpoint/filler" 2> /dev/null || true
free_blocks=$(stat -f -c %a "$mountpoint")

rc=0
"$python" -m ansible.cli.playbook "$playbook" -e "$extra_vars" > "$outdir/full_fs_run.out" 2>&1 || rc=$?

"$python" -c 'import json, os, sys; print(json.dumps({"free_blocks": int(sys.argv[2]), "rc": int(sys.argv[3]), "leftovers": sorted(os.listdir(sys.argv[1]))}))' \
    "$mountpoint" "$free_blocks" "$rc"
