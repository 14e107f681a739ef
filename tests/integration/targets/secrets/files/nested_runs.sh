#!/usr/bin/env bash
# Runs the secrets target's nested ansible-playbook runs at -vvvv with --diff: files/secrets.yml with no_log on the module's
# tasks (nolog) and without (plain) at the same time, then files/canary.yml (it prints a token file of the plain run).
# For each run TAG, writes DIR/TAG.out (stdout and stderr), DIR/junit-TAG/ (the junit report), and DIR/TAG.times:
# "START END RC", the epoch seconds just before and after the run and its exit code.
#
# Usage: nested_runs.sh PYTHON FILES_DIR DIR   (DIR/vars.json holds the extra vars, secrets included)
set -u

python=$1
files=$2
dir=$3

run() {
    local tag=$1 no_log=$2 playbook=$3 start rc=0
    start=$(date +%s.%N)
    JUNIT_OUTPUT_DIR="$dir/junit-$tag" "$python" -m ansible.cli.playbook -vvvv --diff \
        --extra-vars "@$dir/vars.json" --extra-vars "{\"secrets_tag\": \"$tag\", \"secrets_no_log\": $no_log}" \
        "$files/$playbook" > "$dir/$tag.out" 2>&1 || rc=$?
    echo "$start $(date +%s.%N) $rc" > "$dir/$tag.times"
}

run nolog true secrets.yml &
run plain false secrets.yml &
wait
run canary false canary.yml
