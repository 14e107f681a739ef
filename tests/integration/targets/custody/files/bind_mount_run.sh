#!/usr/bin/env bash
# Runs files/nested.yml in a nested ansible-playbook with the token file a mount point: another file is bind-mounted onto it,
# so the final rename of the token file fails (EBUSY) after GitHub made the authorization, whatever the user may write.
# A private mount namespace keeps the mount invisible to everything else and removes it when the script ends.
#
# Usage: bind_mount_run.sh TOKEN_PATH OUTDIR PYTHON PLAYBOOK EXTRA_VARS_JSON
# Prints a JSON summary: {"rc": the nested run's exit code, "token": the token file's content after it,
# "leftovers": the entries of its directory after it}.
set -eu

if [ -z "${CUSTODY_IN_NAMESPACE:-}" ]; then
    CUSTODY_IN_NAMESPACE=1 exec unshare --mount --propagation private /bin/bash "$0" "$@"
fi

token_path=$1
outdir=$2
python=$3
playbook=$4
extra_vars=$5

: > "$token_path"
: > "$token_path.mounted"
chmod 0600 "$token_path" "$token_path.mounted"
mount --bind "$token_path.mounted" "$token_path"

rc=0
"$python" -m ansible.cli.playbook "$playbook" -e "$extra_vars" > "$outdir/bind_mount_run.out" 2>&1 || rc=$?

"$python" -c 'import json, os, sys; print(json.dumps({"rc": int(sys.argv[2]), "token": open(sys.argv[1]).read(), "leftovers": sorted(os.listdir(os.path.dirname(sys.argv[1])))}))' \
    "$token_path" "$rc"
