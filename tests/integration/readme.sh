#!/usr/bin/env bash
# readme.sh — README.md's "Two parties on one machine, from nothing" runs
# as written: its example=two-parties block, with its two ports replaced by
# free ones, in a fresh directory beside the source tree's examples/, with
# the hotline under test first on PATH. Two nodes are made, peered, given a
# channel, served; the send reports the objects stored and delivered to the
# other party, which lists the notification and verifies; both stop.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SRC:?HL_SRC must point at the source tree}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

doc_blocks "$HL_SRC/README.md" "$tmp/blocks"
block=$tmp/blocks/two-parties
[ -s "$block" ] || { fail "README.md has no example=two-parties block"; finish readme ""; }
grep -q "127.0.0.1:8441" "$block" && grep -q "127.0.0.1:8442" "$block" ||
    fail "the block's ports are not 8441 and 8442 any more: update this test"
mkdir "$tmp/run"
ln -s "$HL_SRC/examples" "$tmp/run/examples"
sed "s/127\.0\.0\.1:8441/127.0.0.1:$(free_port)/; s/127\.0\.0\.1:8442/127.0.0.1:$(free_port)/" \
    "$block" >"$tmp/run/walk.sh"
# Only the walkthrough's own nodes, which run in $tmp/run: an operator's
# "hotline serve --data us" elsewhere on the machine is not this test's.
run=$(cd "$tmp/run" && pwd -P)
cleanup_more() {
    local p
    for p in $(pgrep -f "hotline serve --data (us|ru)$" || true); do
        [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$run" ] && kill -KILL "$p" 2>/dev/null
    done
    return 0
}
rc=0
(cd "$tmp/run" && PATH="$(dirname "$HL_BIN"):$PATH" timeout 120 bash -eu walk.sh) \
    >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 0 ] || fail "the walkthrough failed (exit $rc): $(tail -5 "$tmp/err") $(tail -3 "$tmp/out")"
grep -q "^stored 31 of 31 objects$" "$tmp/out" || fail "send did not store the 31 objects: $(cat "$tmp/out")"
grep -q "^delivered to ru (receipt #" "$tmp/out" || fail "send did not report delivery to ru: $(cat "$tmp/out")"
grep -q " notification .*CERT US .*Incident notification" "$tmp/out" ||
    fail "ru does not list the notification: $(cat "$tmp/out")"
grep -q "^verified " "$tmp/out" || fail "ru does not verify: $(cat "$tmp/out")"
grep -q "stopped$" "$tmp/run/us.log" && grep -q "stopped$" "$tmp/run/ru.log" ||
    fail "the nodes did not stop cleanly: $(tail -2 "$tmp/run/us.log" "$tmp/run/ru.log")"
finish readme "README's two parties on one machine: made, peered, served, delivered, verified"
