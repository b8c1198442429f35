#!/usr/bin/env bash
# fed_retire.sh — a party's node is gone for good. In a channel of three,
# c stops; a retires c from the channel: a's sends no longer wait for c
# (exit 0, "not sent to c: retired ..."), `status` does not count it,
# deadlines escalate nothing for it, doctor and the metrics leave it out,
# channel show says since when; c's account is refused (404). c comes
# back and a reinstates it: the exchange resumes where it stopped and c
# holds all of a's log. Every node audits clean.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

for n in a b c; do fed_init "$n"; done
fed_link a b
fed_link a c
fed_link b c
fed_channel a tri b,c
fed_channel b tri a,c
fed_channel c tri a,b
for n in a b c; do fed_serve "$n"; done

# A notification of a's, acknowledged by b only; then c's node is gone.
report=""
if expect_rc 0 "$HL_BIN" notify --data "$tmp/a" --channel tri --name "Wiper" --timeout 20; then
    report=$(sed -n 's/^published \(report--[0-9a-f-]*\)$/\1/p' "$tmp/out")
fi
expect_rc 0 "$HL_BIN" ack "$report" --data "$tmp/b" --timeout 20 || true
fed_stop c

# Retired: said once, and again without change.
if expect_rc 0 "$HL_BIN" channel retire-member tri c --data "$tmp/a"; then
    grep -Eq "^retired c from tri at [0-9T:.-]+Z: this node no longer exchanges with it there" "$tmp/out" ||
        fail "retire-member: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" channel retire-member tri c --data "$tmp/a"; then
    grep -q "^c was retired from tri already, at " "$tmp/out" || fail "retire-member again: $(cat "$tmp/out")"
fi
if expect_rc 2 "$HL_BIN" channel retire-member tri nobody --data "$tmp/a"; then
    grep -q "nobody is not a peer of this node" "$tmp/err" || fail "retire an unknown peer: $(cat "$tmp/err")"
fi

# a's sends: delivered to b, c not waited for.
fed_tool notes 3 "$(fed_party a)" >"$tmp/a3.json"
if expect_rc 0 "$HL_BIN" send --channel tri "$tmp/a3.json" --data "$tmp/a" --timeout 20; then
    grep -Eq "^delivered to b \(receipt #[0-9]+\)$" "$tmp/out" || fail "send: $(cat "$tmp/out")"
    grep -Eq "^not sent to c: retired from tri here since [0-9T:.-]+Z$" "$tmp/out" || fail "send: $(cat "$tmp/out")"
fi
id=$(json_get "$tmp/a3.json" "d['objects'][2]['id']")
if expect_rc 0 "$HL_BIN" status "$id" --data "$tmp/a"; then
    grep -Eq "^  c: not expected \(retired from the channel here since [0-9T:.-]+Z\)$" "$tmp/out" ||
        fail "status: $(cat "$tmp/out")"
fi

# Nothing escalates for c, nothing warns of it, nothing watches it.
if expect_rc 0 "$HL_BIN" deadlines --data "$tmp/a" --now +25h; then
    grep -q "member c" "$tmp/out" && fail "deadlines escalated for c: $(cat "$tmp/out")"
    grep -q "overdue now: 0 notification acknowledgment(s)" "$tmp/out" || fail "deadlines: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" list --data "$tmp/a" --kind notification; then
    grep -q "^    b: acknowledged, c: open (retired)$" "$tmp/out" || fail "list: $(cat "$tmp/out")"
fi
expect_rc 0 "$HL_BIN" doctor --data "$tmp/a" || true
grep -q "^ok       channel tri: every member known and reachable, no alarm; retired here: c$" "$tmp/out" ||
    fail "doctor: $(cat "$tmp/out")"
grep -q "^warning.* c " "$tmp/out" && fail "doctor warns of c: $(cat "$tmp/out")"
if expect_rc 0 "$HL_BIN" channel show tri --data "$tmp/a"; then
    grep -Eq "peer c: .*; retired here since [0-9T:.-]+Z$" "$tmp/out" || fail "channel show: $(cat "$tmp/out")"
fi
port_a=$(sed -n 's/^listen = 127.0.0.1://p' "$tmp/a/hotline.conf")
curl -sk -o "$tmp/metrics" -H "Authorization: Bearer $(cat "$tmp/a/cli.token")" \
    "https://127.0.0.1:$port_a/api/hotline/metrics" || fail "metrics at a"
grep -q 'peer="c"' "$tmp/metrics" && fail "metrics watch c: $(grep 'peer="c"' "$tmp/metrics")"
grep -q 'peer="b"' "$tmp/metrics" || fail "metrics lost b"
if expect_rc 0 "$HL_BIN" peer list --data "$tmp/a" --json; then
    [ "$(json_get "$tmp/out" "[(p['name'], p['channels'], p['retired']) for p in d['peers']]")" = \
        "[('b', ['tri'], []), ('c', ['tri'], ['tri'])]" ] || fail "peer list: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" peer list --data "$tmp/a"; then
    grep -q "^c .* channels: tri (retired)$" "$tmp/out" || fail "peer list: $(cat "$tmp/out")"
fi
# c's account has no right on the channel any more: its pushes find no
# collection (404, as for any collection an account has no right on).
fed_tool notes 1 "$(fed_party c)" >"$tmp/c1.json"
python3 -c 'import json,sys; print(json.dumps({"objects": json.load(open(sys.argv[1]))["objects"]}))' \
    "$tmp/c1.json" >"$tmp/c1.env"
fed_tool post "$tmp/a" "$(cat "$tmp/token.a.c")" tri "$tmp/c1.env" >"$tmp/post.out"
[ "$(head -1 "$tmp/post.out")" = 404 ] || fail "c's push to a: $(cat "$tmp/post.out")"

# c is back; a reinstates it: c gets everything it missed.
fed_serve c
if expect_rc 0 "$HL_BIN" channel reinstate-member tri c --data "$tmp/a"; then
    grep -q "^reinstated c in tri: the exchange with it resumes where it stopped$" "$tmp/out" ||
        fail "reinstate-member: $(cat "$tmp/out")"
fi
fed_tool notes 1 "$(fed_party a)" >"$tmp/a1.json"
if expect_rc 0 "$HL_BIN" send --channel tri "$tmp/a1.json" --data "$tmp/a" --timeout 20; then
    grep -Eq "^delivered to c \(receipt #[0-9]+\)$" "$tmp/out" || fail "send after reinstating: $(cat "$tmp/out")"
fi
fed_wait 20 fed_converged tri a b c || cat "$tmp"/check.* >&2

fed_stop_verify a b c

finish fed_retire "a member retired: not waited for, not escalated, not watched, refused; reinstated: it catches up"
