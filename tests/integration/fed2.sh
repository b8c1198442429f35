#!/usr/bin/env bash
# fed2.sh — issue 5, acceptance 1: two nodes, then three. Objects published
# on each side with `hotline send` reach every member in order and exactly
# once, each send ends with "delivered to NAME (receipt #N)" per member,
# every node holds every member's log in full, and `hotline verify` passes
# on every node. The third member joins a running channel later and gets
# the whole history. In the channel of three, a request that each member
# answers for itself.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

# ---- two nodes ----------------------------------------------------------------
fed_pair a b ch

fed_tool notes 3 "$(fed_party a)" >"$tmp/a3.json"
if expect_rc 0 "$HL_BIN" send --channel ch "$tmp/a3.json" --data "$tmp/a" --timeout 20; then
    grep -q "^stored 3 of 3 objects$" "$tmp/out" || fail "send a: $(cat "$tmp/out")"
    grep -Eq "^delivered to b \(receipt #[0-9]+\)$" "$tmp/out" || fail "send a: $(cat "$tmp/out")"
fi
# b's receipt came back in the answer to a's push: b's worker had nothing
# left to push to a.
grep -q " b POST " "$tmp/a.log" && fail "b pushed its receipt to a: $(grep " b POST " "$tmp/a.log")"
fed_tool notes 2 "$(fed_party b)" >"$tmp/b2.json"
if expect_rc 0 "$HL_BIN" send --channel ch "$tmp/b2.json" --data "$tmp/b" --timeout 20 --json; then
    [ "$(json_get "$tmp/out" "[m['delivered'] for m in d['delivery']['members']]")" = "[True]" ] ||
        fail "send b --json: $(cat "$tmp/out")"
fi
# A channel this node does not have is named as such, before any request.
if expect_rc 2 "$HL_BIN" send --channel nope "$tmp/a3.json" --data "$tmp/a"; then
    grep -q "^hotline: this node has no channel 'nope' (hotline channel list --data $tmp/a)$" "$tmp/err" ||
        fail "send to an unknown channel: $(cat "$tmp/err")"
fi
# A send that only publishes.
fed_tool notes 1 "$(fed_party a)" >"$tmp/a1.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/a1.json" --data "$tmp/a" --no-wait || true
grep -q "^delivered" "$tmp/out" && fail "--no-wait waited: $(cat "$tmp/out")"

fed_wait 20 fed_converged ch a b || cat "$tmp"/check.* >&2
# a: 3 notes + head, receipt for b's log + head, 1 note + head: every
# entry appears once at b, in order; and b's at a.
for n in a b; do
    expect_rc 0 "$HL_BIN" status "$(json_get "$tmp/a1.json" "d['objects'][0]['id']")" --data "$tmp/$n" || true
done
grep -q "^  this node, b: delivered, receipt #[0-9]* in its log at " "$tmp/out" ||
    fail "status at b names b as this node: $(cat "$tmp/out")"

# ---- a third member joins ----------------------------------------------------------
fed_init c
fed_link a c
fed_link b c
fed_channel c ch a,b
"$HL_BIN" channel add-member ch c --data "$tmp/a" >/dev/null 2>&1 || fail "add-member c at a"
"$HL_BIN" channel add-member ch c --data "$tmp/b" >/dev/null 2>&1 || fail "add-member c at b"
fed_serve c
fed_tool notes 4 "$(fed_party c)" >"$tmp/c4.json"
if expect_rc 0 "$HL_BIN" send --channel ch "$tmp/c4.json" --data "$tmp/c" --timeout 30; then
    grep -Eq "^delivered to a \(receipt #[0-9]+\)$" "$tmp/out" || fail "send c: $(cat "$tmp/out")"
    grep -Eq "^delivered to b \(receipt #[0-9]+\)$" "$tmp/out" || fail "send c: $(cat "$tmp/out")"
fi
fed_tool notes 2 "$(fed_party b)" >"$tmp/b2b.json"
if expect_rc 0 "$HL_BIN" send --channel ch "$tmp/b2b.json" --data "$tmp/b" --timeout 30; then
    [ "$(grep -c "^delivered to" "$tmp/out")" = 2 ] || fail "send b to a and c: $(cat "$tmp/out")"
fi
# b sends c's objects again: nothing is sealed twice, and the answer says
# whose they are, naming b itself among the members that hold them.
if expect_rc 0 "$HL_BIN" send --channel ch "$tmp/c4.json" --data "$tmp/b" --timeout 30; then
    grep -q "^stored 0 of 4 objects$" "$tmp/out" || fail "send of c's objects at b: $(cat "$tmp/out")"
    grep -q "^4 were in the channel already: not published again$" "$tmp/out" ||
        fail "send of c's objects at b: $(cat "$tmp/out")"
    grep -Eq "^[a-z]+--[0-9a-f-]+ was published by c, at seq [0-9]+:$" "$tmp/out" ||
        fail "send of c's objects at b: $(cat "$tmp/out")"
    grep -Eq "^delivered to this node, .+ \(receipt #[0-9]+\)$" "$tmp/out" ||
        fail "send of c's objects at b: $(cat "$tmp/out")"
    grep -q "identity--" "$tmp/out" && fail "a member named by its id: $(cat "$tmp/out")"
fi
fed_wait 30 fed_converged ch a b c || cat "$tmp"/check.* >&2

# ---- a request of three parties: each member answers for itself -----------------------
# c asks; b declines, a works on it and completes it: b's decline closes
# nothing for a, and b cannot answer again.
about=$(json_get "$tmp/c4.json" "d['objects'][0]['id']")
req=""
if expect_rc 0 "$HL_BIN" request --data "$tmp/c" --channel ch --kind investigate --about "$about" \
    --due 2h --text "look into it" --timeout 30; then
    req=$(sed -n 's/^published \(hotline-request--[0-9a-f-]*\)$/\1/p' "$tmp/out")
fi
expect_rc 0 "$HL_BIN" respond "$req" --data "$tmp/b" --status declined --text "not ours" --timeout 30 || true
expect_rc 0 "$HL_BIN" respond "$req" --data "$tmp/a" --status in-progress --timeout 30 || true
if expect_rc 0 "$HL_BIN" list --data "$tmp/c" --kind request; then
    grep -q "^    a: in-progress, b: declined$" "$tmp/out" || fail "list of c's request: $(cat "$tmp/out")"
    grep -q " in-progress .*$req" "$tmp/out" || fail "c's request not in progress: $(cat "$tmp/out")"
fi
# What each still owes: a the request, b nothing of it.
if expect_rc 0 "$HL_BIN" list --data "$tmp/a" --todo --kind request; then
    grep -q "$req" "$tmp/out" || fail "a's --todo lacks the request: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" list --data "$tmp/b" --todo; then
    grep -q "$req" "$tmp/out" && fail "b's --todo lists a request b declined: $(cat "$tmp/out")"
fi
if expect_rc 1 "$HL_BIN" respond "$req" --data "$tmp/b" --status completed --text "x"; then
    grep -q "is declined by this party: it cannot become completed" "$tmp/err" ||
        fail "b answering again: $(cat "$tmp/err")"
fi
expect_rc 0 "$HL_BIN" respond "$req" --data "$tmp/a" --status completed --text "done" --timeout 30 || true
if expect_rc 0 "$HL_BIN" show "$req" --data "$tmp/c" --json; then
    [ "$(json_get "$tmp/out" "(d['state'], [(s['name'], s['state']) for s in d['states']])")" = \
        "('completed', [('a', 'completed'), ('b', 'declined')])" ] || fail "show of c's request: $(cat "$tmp/out")"
fi

# ---- a member that takes smaller envelopes ------------------------------------------
# d takes at most 100 objects per POST and pulls only at start: a's pushes
# of 1,000 are answered 413 until a's worker has halved them to fit.
fed_init d
sed -i "s/^max_objects = .*/max_objects = 100/; s/^pull_interval_s = .*/pull_interval_s = 86400/" "$tmp/d/hotline.conf"
fed_link a d
fed_channel a small d
fed_channel d small a
fed_serve d
sleep 1.5 # d's one pull at start is over
fed_tool notes 1000 "$(fed_party a)" >"$tmp/a1000.json"
if expect_rc 0 "$HL_BIN" send --channel small "$tmp/a1000.json" --data "$tmp/a" --timeout 30; then
    grep -q "^delivered to d" "$tmp/out" || fail "send to d: $(cat "$tmp/out")"
fi
[ "$(grep -cE " a POST /api/collections/[^ ]* 413 [0-9]+ [0-9.]+ms$" "$tmp/d.log")" -ge 1 ] ||
    fail "d never answered 413"
# (The status itself, not any 413 in the line: d's URL may hold the digits.)
grep -q "exchange d .*push to d: HTTP 413" "$tmp/a.log" &&
    fail "a backed off instead of sending smaller envelopes: $(grep -m2 "push to d: HTTP 413" "$tmp/a.log")"
fed_stop d

# Nothing was refused, nobody equivocated, and every ledger audits clean.
for n in a b c; do
    grep -q "exchange refused\|ALARM" "$tmp/$n.log" && fail "$n refused or alarmed: $(grep "refused\|ALARM" "$tmp/$n.log" | head -3)"
done
for n in a b c; do fed_stop "$n"; done
for n in a b c; do
    expect_rc 0 "$HL_BIN" verify --data "$tmp/$n" || true
done

finish fed2 "two nodes then three: every send delivered with receipts, every log held in order once, verify clean"
