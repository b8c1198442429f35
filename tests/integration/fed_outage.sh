#!/usr/bin/env bash
# fed_outage.sh — issue 5, acceptance 2: a member is stopped while the other
# publishes 1,000 objects, then restarted: everything arrives, in order,
# exactly once, and receipts follow; the publisher's worker backs off
# meanwhile (repl_state counts the failures). Then the publisher is killed
# (SIGKILL) in the middle of replicating another 2,000 (the member holds
# part of them: one envelope committed, the next in flight), and restarted:
# again everything arrives once, in order, and every ledger audits clean.
# Last, a publisher that believes the member holds more than it does is
# answered with the gap and resends from there.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

fed_pair a b ch
fed_tool notes 1 "$(fed_party a)" >"$tmp/first.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/first.json" --data "$tmp/a" --timeout 20 || true

# ---- b is down while a publishes 1,000 objects --------------------------------------
fed_stop b
for i in 1 2 3 4; do
    fed_tool notes 250 "$(fed_party a)" >"$tmp/n$i.json"
done
expect_rc 3 "$HL_BIN" send --channel ch "$tmp/n1.json" --data "$tmp/a" --timeout 1 || true
grep -Eq "^not yet confirmed by b(: (unreachable since|never reached).*)?$" "$tmp/out" || fail "send while b is down: $(cat "$tmp/out")"
for i in 2 3 4; do
    expect_rc 0 "$HL_BIN" send --channel ch "$tmp/n$i.json" --data "$tmp/a" --no-wait || true
done
last=$(json_get "$tmp/n4.json" "d['objects'][-1]['id']")
expect_rc 3 "$HL_BIN" status "$last" --data "$tmp/a" || true

# ---- the delivery endpoint's wait= while b is down ------------------------------------
# It answers when the wait runs out, not before; a wait out of range is
# 400; a node stopping answers the requests that wait, and stops.
fed_tool delivery "$tmp/a" ch "$last" 800 >"$tmp/w1.json"
[ "$(json_get "$tmp/w1.json" "(d['status'], d['ms'] >= 790, [m['delivered'] for m in d['answer']['members']])")" = "(200, True, [False])" ] ||
    fail "wait=800 with b down: $(cat "$tmp/w1.json")"
for bad in 60001 -1 soon 00000000000000000000000000000000000000000001; do
    fed_tool delivery "$tmp/a" ch "$last" "$bad" >"$tmp/w0.json"
    [ "$(json_get "$tmp/w0.json" "d['status']")" = 400 ] || fail "wait=$bad: $(cat "$tmp/w0.json")"
done
fed_tool delivery "$tmp/a" ch "$last" 30000 >"$tmp/w2.json" &
waiter=$!
# And a send waiting for b's receipt when a stops: what it stored is said,
# then that its delivery could not be followed (exit 3, not 2).
fed_tool notes 1 "$(fed_party a)" >"$tmp/n6.json"
rc6=0
posts() { grep -c " cli POST /api/collections/.* 202 " "$tmp/a.log" || true; }
posts_before=$(posts)
"$HL_BIN" send --channel ch "$tmp/n6.json" --data "$tmp/a" --timeout 30 >"$tmp/s6.out" 2>"$tmp/s6.err" &
sender=$!
posted() { [ "$(posts)" -gt "$posts_before" ]; }
fed_wait 20 posted || true # stored: what happens next is the wait's
sleep 0.5                    # and both wait at a
fed_stop a
wait "$waiter" || fail "the waiting request at a stopping node failed"
wait "$sender" || rc6=$?
[ "$rc6" = 3 ] && grep -q "^stored 1 of 1 objects$" "$tmp/s6.out" &&
    grep -q "^hotline: stored, but its delivery could not be followed; 'hotline status note--.* --data $tmp/a' shows it$" \
        "$tmp/s6.err" || fail "send while a stops: exit $rc6: $(cat "$tmp/s6.out" "$tmp/s6.err")"
[ "$(json_get "$tmp/w2.json" "(d['status'], d['ms'] < 10000)")" = "(200, True)" ] ||
    fail "wait=30000 while a stops: $(cat "$tmp/w2.json")"
fed_serve a
b_failing() {
    "$HL_BIN" channel show ch --data "$tmp/a" --json >"$tmp/show.json" &&
        [ "$(json_get "$tmp/show.json" "[m['repl']['failures'] > 0 and m['repl']['last_error'] != '' for m in d['members'] if m['peer'] == 'b'][0]")" = True ]
}
fed_wait 20 b_failing || fail "a's worker did not record b as failing: $(cat "$tmp/show.json")"
grep -q "exchange b (.*) in ch: .*retrying with backoff" "$tmp/a.log" || fail "a did not log b's outage"
# The metrics say it too: b's failures, and the entries of a's log b has
# not confirmed (the 1,000 above at least).
port_a=$(sed -n 's/^listen = 127.0.0.1://p' "$tmp/a/hotline.conf")
curl -sk -o "$tmp/metrics" -H "Authorization: Bearer $(cat "$tmp/a/cli.token")" \
    "https://127.0.0.1:$port_a/api/hotline/metrics" || fail "metrics at a"
grep -Eq '^hotline_peer_failures\{channel="ch",peer="b"\} [1-9][0-9]*$' "$tmp/metrics" ||
    fail "metrics: b's failures: $(grep peer "$tmp/metrics")"
[ "$(sed -n 's/^hotline_peer_unconfirmed_entries{channel="ch",peer="b"} //p' "$tmp/metrics")" -ge 1000 ] ||
    fail "metrics: b's unconfirmed entries: $(grep peer "$tmp/metrics")"
# Once a's worker has failed to reach b, a send that times out says why;
# and it waits as long as it was told, past the client's 15 s stall limit
# (the node's answer to a wait moves no byte until it comes).
fed_tool notes 1 "$(fed_party a)" >"$tmp/n5.json"
expect_rc 3 "$HL_BIN" send --channel ch "$tmp/n5.json" --data "$tmp/a" --timeout 17 || true
grep -Eq "^not yet confirmed by b: (unreachable since [0-9T:.-]+Z|never reached), [0-9]+ failures?: .+; the node keeps trying$" \
    "$tmp/out" || fail "send while a's worker fails to reach b: $(cat "$tmp/out")"

# A wait asked before b returns is answered when b's receipt commits.
fed_tool delivery "$tmp/a" ch "$last" 60000 >"$tmp/w3.json" &
waiter=$!
fed_serve b
wait "$waiter" || fail "the waiting request failed"
[ "$(json_get "$tmp/w3.json" "(d['status'], [m['delivered'] for m in d['answer']['members']])")" = "(200, [True])" ] ||
    fail "wait=60000 until b's receipt: $(cat "$tmp/w3.json")"
fed_wait 60 fed_converged ch a b || cat "$tmp"/check.* >&2
fed_wait 30 "$HL_BIN" status "$last" --data "$tmp/a"
grep -q "exchange b (.*) in ch: reachable again" "$tmp/a.log" || fail "a did not log b's return"
b_reachable() { # the log line comes just before the state's commit
    curl -sk -o "$tmp/metrics" -H "Authorization: Bearer $(cat "$tmp/a/cli.token")" \
        "https://127.0.0.1:$port_a/api/hotline/metrics" &&
        grep -qx 'hotline_peer_failures{channel="ch",peer="b"} 0' "$tmp/metrics"
}
fed_wait 10 b_reachable || fail "metrics: b's failures after its return: $(grep peer "$tmp/metrics")"

# ---- a is killed in the middle of a push -------------------------------------------
# Another 1,000 objects while b is stopped, so that a's worker pushes them
# (and more) in several envelopes once b is back: a is killed as soon as b
# holds part of them (an envelope committed, the next in flight).
fed_stop b
before=$(fed_own_size a ch)
fed_tool notes 1000 "$(fed_party a)" >"$tmp/k.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/k.json" --data "$tmp/a" --no-wait || true
fed_tool notes 1000 "$(fed_party a)" >"$tmp/k2.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/k2.json" --data "$tmp/a" --no-wait || true
after=$(fed_own_size a ch)
fed_serve b
PA=$(fed_party a)
held_now() {
    "$HL_BIN" channel show ch --data "$tmp/b" --json 2>/dev/null >"$tmp/bh.json" &&
        json_get "$tmp/bh.json" "[m['log_size'] for m in d['members'] if m['id'] == '$PA'][0]"
}
mid=0
for i in $(seq 400); do
    h=$(held_now || echo 0)
    if [ "$h" -gt "$before" ] && [ "$h" -lt "$after" ]; then mid=1; break; fi
    [ "$h" -ge "$after" ] && break
    sleep 0.01
done
fed_kill a
[ "$mid" = 1 ] || echo "fed_outage: note: a was not caught between two envelopes (b held $h of $after)" >&2
lastk=$(json_get "$tmp/k2.json" "d['objects'][-1]['id']")
fed_serve a
fed_wait 60 fed_converged ch a b || cat "$tmp"/check.* >&2
fed_wait 30 "$HL_BIN" status "$lastk" --data "$tmp/a"
fed_tool check "$tmp/b" ch "$(fed_party a)=$(fed_own_size a ch)" >/dev/null || fail "b's copy of a's log"

for n in a b; do
    grep -q "exchange refused\|ALARM" "$tmp/$n.log" && fail "$n refused or alarmed: $(grep "refused\|ALARM" "$tmp/$n.log" | head -3)"
done
# ---- a believes b holds more than it does: b's gap answer resets a ---------------------
# b cannot sign in at a any more (a wrong token), so b's pulls fail and only
# a's push can bring a's new entries; a's push_seq is moved 3 entries past
# what b holds (as if a had lost the answer to a push b never took).
fed_stop a
fed_stop b
echo "not-the-token-of-b-at-a-xxxxxxxxxxxxxxxxxxxxx" | "$HL_BIN" peer set a --data "$tmp/b" --token - >/dev/null 2>&1 ||
    fail "peer set a --token at b"
fed_serve a
fed_tool notes 5 "$PA" >"$tmp/g.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/g.json" --data "$tmp/a" --no-wait || true
fed_stop a
"$HL_BIN" channel show ch --data "$tmp/b" --json >"$tmp/bh.json"
held_b=$(json_get "$tmp/bh.json" "[m['log_size'] for m in d['members'] if m['id'] == '$PA'][0]")
sqlite3 "$tmp/a/hotline.db" "UPDATE repl_state SET push_seq = $held_b + 3" || fail "sqlite3"
fed_serve b
fed_serve a
fed_wait 30 fed_holds b "$PA" ch "$(fed_own_size a ch)"
grep -q "exchange refused from a ($PA) in ch: object .*: gap: this node holds $held_b entries of your log" "$tmp/b.log" ||
    fail "b did not answer the push with the gap: $(grep refused "$tmp/b.log" | tail -2)"
grep -q "exchange b (.*) in ch: .*gap.*retrying" "$tmp/a.log" && fail "a backed off on a gap instead of resending"

fed_stop a
fed_stop b
for n in a b; do expect_rc 0 "$HL_BIN" verify --data "$tmp/$n" || true; done

finish fed_outage "1,000 objects through a member's outage, 2,000 through the publisher's kill -9 mid-replication, a push past what the member holds reset by its gap answer: all delivered once, in order, with receipts"
