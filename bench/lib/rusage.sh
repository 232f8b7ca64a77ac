#!/usr/bin/env bash
# rusage.sh OUT CMD [ARGS...]
#
# Runs CMD as a child of this shell, writes its pid to OUT.pid as soon as it
# starts, waits for it, and writes "exit_code user_seconds system_seconds" to
# OUT. The times come from bash's `times` builtin: the accumulated user and
# system CPU of this shell's waited-for children, i.e. wait4() rusage of CMD
# (all its threads, plus any children it reaped itself). Node's child_process
# exposes no rusage, so this is how bench/run.mjs measures CPU per process.
#
# TERM, INT, USR1 and USR2 are forwarded to CMD (bash defers traps while
# `wait` blocks, so `wait` is repeated until CMD is really gone). Meant to run
# under `timeout -k 5 N`, which signals this shell and its process group.
set -u
out=$1
shift
"$@" &
child=$!
printf '%s\n' "$child" >"$out.pid"
for sig in TERM INT USR1 USR2; do
  # shellcheck disable=SC2064
  trap "kill -$sig $child 2>/dev/null" "$sig"
done
rc=0
while :; do
  wait "$child"
  rc=$?
  # A trapped signal interrupts `wait` with a status > 128 while CMD still runs.
  kill -0 "$child" 2>/dev/null || break
done
# `times` prints two lines: this shell's user/sys, then its children's, as
# 1m2.345s. It must run in this shell (a $(...) subshell has no children).
times >"$out.times"
{ read -r _ _; read -r u s; } <"$out.times"
rm -f "$out.times"
to_s() { awk -v v="$1" 'BEGIN { split(v, a, "m"); sub(/s$/, "", a[2]); printf "%.3f", a[1] * 60 + a[2] }'; }
printf '%s %s %s\n' "$rc" "$(to_s "$u")" "$(to_s "$s")" >"$out"
exit "$rc"
