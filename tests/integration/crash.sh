#!/bin/bash
# crash.sh — nothing acknowledged is ever lost, and no batch is half there
# (DESIGN.md principle 3), under SIGKILL at random moments.
#
# crash_writer appends batches of 1..200 ~1 KB objects to one log, each
# batch in one transaction, and prints "acked N" after each commit
# returns. This script kills it with SIGKILL at a random moment, HL_KILLS
# times (default 30), restarting it on the same database each time; after
# every kill `crash_writer check` must find: integrity_check ok, seqs
# 0..n-1 without gap, at least the last acknowledged N entries, and only
# whole batches. The total run stays well under a minute.
set -euo pipefail

writer=${HL_CRASH_WRITER:?HL_CRASH_WRITER must name the crash_writer binary}
kills=${HL_KILLS:-30}
dir=$(mktemp -d "${TMPDIR:-/tmp}/hl-crash.XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT

db=$dir/node.db
acked=0
killed_after_ack=0
deadline=$((SECONDS + 50))
for i in $(seq 1 "$kills"); do
    out=$dir/out.$i
    "$writer" write "$db" "$RANDOM$i" >"$out" &
    pid=$!
    # A random moment: 10..160 ms after start, so kills land in opening,
    # in the middle of batches, and between commit and "acked".
    sleep "$(printf '0.%03d' $((RANDOM % 150 + 10)))"
    if ! kill -KILL "$pid" 2>/dev/null; then
        wait "$pid" || true
        echo "crash: writer $i exited before it was killed" >&2
        cat "$out" >&2
        exit 1
    fi
    wait "$pid" 2>/dev/null || true
    pid=
    # Only whole lines count: the kill may cut the last one.
    last=$(grep -E '^acked [0-9]+$' "$out" | tail -n 1 | cut -d' ' -f2 || true)
    if [ -n "$last" ]; then
        acked=$last
        killed_after_ack=$((killed_after_ack + 1))
    fi
    if ! "$writer" check "$db" "$acked" >"$dir/check.$i" 2>&1; then
        echo "crash: check after kill $i failed (acked $acked):" >&2
        cat "$dir/check.$i" >&2
        exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "crash: time budget spent after $i kills" >&2
        break
    fi
done
# The test means something only if the writer was killed while working.
if [ "$killed_after_ack" -lt $((kills / 2)) ] || [ "$acked" -le 0 ]; then
    echo "crash: only $killed_after_ack kills landed after an ack (acked $acked)" >&2
    exit 1
fi
echo "crash: $i kills, $killed_after_ack after acks, $(cat "$dir/check.$i")"
