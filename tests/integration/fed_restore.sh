#!/usr/bin/env bash
# fed_restore.sh — a node brought back from an older copy of its directory
# (a backup, a virtual machine's snapshot): its log of channel ab is
# shorter than what member b holds of it. It must not seal those sequence
# numbers again, which b would rightly call equivocation. Its worker takes
# the missing entries back from b (sealed by a, they need no trust in b),
# saying so in its log (twice: a copy of an empty log, then of a log of
# some entries); then it publishes again, b raised no alarm, both
# hold both logs whole and in order, and both verify.
# While it cannot read b's collection, which holds the missing entries, a
# refuses to publish (send exits 2 with the node's 503 and its reason;
# channel show says it).
# Then the case where b cannot show what its receipt claims (here: b's
# operator deleted a's object from b's collection): a sets that receipt
# aside, saying so, and publishes again (b then sees the second history
# at that sequence number, and says so: a member may not close a channel
# to another's publishing by claiming more than it can show).
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

own_is() { [ "$(fed_own_size "$1" ab)" = "$2" ]; }
own_at_least() { [ "$(fed_own_size "$1" ab)" -ge "$2" ]; }

# copy_publish_restore NOTES [delete]: a's directory is copied while a
# serves (hotline backup), a publishes NOTES more notes that b receives (with delete, b's
# operator then deletes the first of them from b's collection), and the
# directory is restored from the copy and a started again. Sets copy_size
# and held (a's log before the restore).
copy_publish_restore() {
    expect_rc 0 "$HL_BIN" backup --data "$tmp/a" --to "$tmp/a.copy" || true # while a serves
    copy_size=$(fed_own_size a.copy ab)
    fed_tool notes "$1" "$(fed_party a)" >"$tmp/round.json"
    expect_rc 0 "$HL_BIN" send --channel ab "$tmp/round.json" --data "$tmp/a" --timeout 20 || true
    held=$(fed_own_size a ab)
    [ "$held" -gt "$copy_size" ] || fail "a's log did not grow after the copy: $copy_size, then $held"
    fed_wait 20 fed_holds b "$(fed_party a)" ab "$held"
    fed_stop a
    if [ "${2:-}" = delete ]; then
        local gone
        gone=$(json_get "$tmp/round.json" "d['objects'][0]['id']")
        [ "$(fed_tool delete "$tmp/b" ab "$gone")" = 200 ] || fail "DELETE of $gone at b"
    fi
    rm -rf "$tmp/a"
    mv "$tmp/a.copy" "$tmp/a"
    own_is a "$copy_size" || fail "the restored copy's log is not the copy's: $(fed_own_size a ab)"
    fed_serve a
}

# restore_round NOTES: copy_publish_restore, then a must take back what b
# holds beyond the copy, and say so.
restore_round() {
    copy_publish_restore "$1"
    # (then a cosigns b's entries it took meanwhile: its log grows on)
    fed_wait 30 own_at_least a "$held" || fail "a did not take its entries back: $(tail -5 "$tmp/a.log")"
    grep -q "holds $held entries of this node's log, this node $copy_size .*taking the missing ones back" \
        "$tmp/a.log" || fail "a's log does not say why it takes entries back: $(grep exchange "$tmp/a.log" | tail -5)"
    grep -q "took back $((held - copy_size)) entries of this node's log: it is whole again" "$tmp/a.log" ||
        fail "a's log does not say it took $((held - copy_size)) entries back: $(grep exchange "$tmp/a.log" | tail -5)"
}

fed_pair a b ab
restore_round 3 # a copy from before a published anything: its log was empty
[ "$copy_size" = 0 ] || fail "the first copy holds $copy_size entries of a's log, not 0"
restore_round 2 # a copy of a log of some entries
took=$((held - copy_size))

# Publishing works again; b saw one history of a's log.
fed_tool notes 1 "$(fed_party a)" >"$tmp/third.json"
if expect_rc 0 "$HL_BIN" send --channel ab "$tmp/third.json" --data "$tmp/a" --timeout 20; then
    grep -q "^delivered to b (receipt #" "$tmp/out" || fail "send after the restore: $(cat "$tmp/out")"
fi
fed_wait 20 fed_converged ab a b || fail "a and b differ: $(cat "$tmp/check.a" "$tmp/check.b")"
if expect_rc 0 "$HL_BIN" alarms --data "$tmp/b" --json; then
    [ "$(json_get "$tmp/out" "len(d['alarms'])")" = 0 ] || fail "b raised alarms: $(cat "$tmp/out")"
fi
grep -q "ALARM" "$tmp/b.log" && fail "b logged an alarm: $(grep ALARM "$tmp/b.log" | head -3)"
# b's entries a took while behind are cosigned once a is whole.
fed_wait 20 fed_holds b "$(fed_party a)" ab "$(fed_own_size a ab)"
for n in a b; do expect_rc 0 "$HL_BIN" verify --data "$tmp/$n" || true; done

# ---- behind while the member that holds the rest will not show it ---------------
# b's operator takes away a's right to read b's collection, and a is
# restored from a copy: a's pulls fail (403), so it cannot take its entries
# back; b then publishes, and its push brings a b's receipt for more of a's
# log than a holds. a refuses to publish and says why, its log untouched,
# until it can read b's collection again.
"$HL_BIN" user grant a --channels ab:w --data "$tmp/b" >/dev/null || fail "grant a ab:w at b"
copy_publish_restore 1
fed_tool notes 1 "$(fed_party b)" >"$tmp/from_b.json"
expect_rc 0 "$HL_BIN" send --no-wait --channel ab "$tmp/from_b.json" --data "$tmp/b" || true
fed_wait 20 grep -q "no receipt in ab for now: .* holds $held entries of this node's log in ab, but this node holds $copy_size" "$tmp/a.log" ||
    fail "a did not find itself behind: $(grep exchange "$tmp/a.log" | tail -3)"
fed_tool notes 1 "$(fed_party a)" >"$tmp/waiting.json"
if expect_rc 2 "$HL_BIN" send --channel ab "$tmp/waiting.json" --data "$tmp/a" --timeout 5; then
    grep -q "answered 503: .* holds $held entries of this node's log in ab, but this node holds $copy_size" "$tmp/err" ||
        fail "send while behind: $(cat "$tmp/err")"
fi
own_is a "$copy_size" || fail "a's log changed while behind: $(fed_own_size a ab)"
if expect_rc 0 "$HL_BIN" channel show ab --data "$tmp/a"; then
    grep -q "^our log is behind: .* holds $held entries of this node's log in ab" "$tmp/out" ||
        fail "channel show while behind: $(cat "$tmp/out")"
fi
"$HL_BIN" user grant a --channels ab:rw --data "$tmp/b" >/dev/null || fail "grant a ab:rw at b"
fed_wait 60 own_at_least a "$held" || fail "a did not take its entries back once it could read b"
expect_rc 0 "$HL_BIN" send --channel ab "$tmp/waiting.json" --data "$tmp/a" --timeout 20 || true
grep -q "ALARM" "$tmp/b.log" && fail "b logged an alarm: $(grep ALARM "$tmp/b.log" | head -3)"

# ---- a receipt its witness cannot back ------------------------------------------
copy_publish_restore 1 delete
fed_wait 30 grep -q "its receipt says it holds $held entries of this node's log, but its collection shows none past $copy_size: that receipt is set aside" "$tmp/a.log" ||
    fail "a did not set b's receipt aside: $(grep exchange "$tmp/a.log" | tail -5)"
fed_tool notes 1 "$(fed_party a)" >"$tmp/fifth.json"
expect_rc 3 "$HL_BIN" send --channel ab "$tmp/fifth.json" --data "$tmp/a" --timeout 3 || true
grep -q "^stored 1 of 1 objects$" "$tmp/out" || fail "a did not publish after setting the receipt aside: $(cat "$tmp/out")"
fed_wait 20 grep -q "ALARM equivocation: $(fed_party a) in ab at $copy_size" "$tmp/b.log" ||
    fail "b did not see a's second entry $copy_size: $(grep exchange "$tmp/b.log" | tail -3)"
fed_stop a
fed_stop b
finish fed_restore "a restored from an older copy took $took entries of its log back from b, published again, no alarm; a receipt b could not back set aside, and a published again"
