#!/usr/bin/env bash
# fed_clock.sh — a member whose clock is an hour ahead (its node runs with
# clock_shift.so). Objects still flow both ways, and both nodes say what
# is wrong: each logs the other's clock (ahead at a, behind at b) as the
# Date of its answers shows, a's `channel show` and `doctor` name it, and
# a's metrics carry hotline_peer_clock_skew_seconds. Once b runs on the
# right time again, a logs that the clocks agree and stops saying so.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_CLOCK_SHIFT:?HL_CLOCK_SHIFT must name clock_shift.so}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

fed_init a
fed_init b
fed_link a b
fed_channel a ch b
fed_channel b ch a
fed_serve a
# b an hour ahead (an ASan build preloads its runtime first: the order
# check is off for this one process).
HL_TEST_CLOCK_SHIFT_S=3600 LD_PRELOAD="$HL_CLOCK_SHIFT" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" fed_serve b

fed_tool notes 2 "$(fed_party a)" >"$tmp/a2.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/a2.json" --data "$tmp/a" --timeout 20 || true
fed_tool notes 2 "$(fed_party b)" >"$tmp/b2.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/b2.json" --data "$tmp/b" --timeout 20 || true

ahead="its clock is at least (59m 5[0-9]s|1h 00m) ahead of"
fed_wait 10 grep -Eq "exchange b \(identity--[0-9a-f-]+\) in ch: $ahead this node's \(the Date of its answers\)" "$tmp/a.log"
fed_wait 10 grep -Eq "exchange a \(identity--[0-9a-f-]+\) in ch: its clock is at least (59m 5[0-9]s|1h 00m) behind this node's" "$tmp/b.log"
[ "$(grep -c "its clock is at least" "$tmp/a.log")" = 1 ] || fail "a warned more than once: $(grep "its clock" "$tmp/a.log")"

if expect_rc 0 "$HL_BIN" channel show ch --data "$tmp/a"; then
    grep -Eq "peer b: .*; $ahead ours$" "$tmp/out" || fail "channel show at a: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" channel show ch --data "$tmp/a" --json; then
    skew=$(json_get "$tmp/out" "[m['repl']['clock_skew_ms'] for m in d['members'] if m.get('peer') == 'b'][0]")
    [ "$skew" -ge 3598000 ] && [ "$skew" -le 3601000 ] || fail "clock_skew_ms at a: $skew"
fi
if expect_rc 0 "$HL_BIN" doctor --data "$tmp/a"; then
    grep -Eq "^warning +channel ch: b: $ahead ours \(check NTP on both nodes\)$" "$tmp/out" ||
        fail "doctor at a: $(cat "$tmp/out")"
fi
port_a=$(sed -n 's/^listen = 127.0.0.1://p' "$tmp/a/hotline.conf")
curl -sk -o "$tmp/metrics" -H "Authorization: Bearer $(cat "$tmp/a/cli.token")" \
    "https://127.0.0.1:$port_a/api/hotline/metrics" || fail "metrics at a"
grep -Eq '^hotline_peer_clock_skew_seconds\{channel="ch",peer="b"\} 3(59[89]|600)\.[0-9]{3}$' "$tmp/metrics" ||
    fail "metrics: b's clock: $(grep skew "$tmp/metrics")"

# b on the right time again.
fed_stop b
fed_serve b
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/a2.json" --data "$tmp/a" --timeout 20 || true
fed_tool notes 1 "$(fed_party a)" >"$tmp/a1.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/a1.json" --data "$tmp/a" --timeout 20 || true
fed_wait 10 grep -q "exchange b (identity--[0-9a-f-]*) in ch: its clock agrees with this node's again" "$tmp/a.log"
if expect_rc 0 "$HL_BIN" channel show ch --data "$tmp/a"; then
    grep -q "its clock" "$tmp/out" && fail "channel show still names b's clock: $(cat "$tmp/out")"
fi

fed_stop_verify a b

finish fed_clock "a member an hour ahead: objects flow, both logs, channel show, doctor and the metrics say so, and stop once it is right"
