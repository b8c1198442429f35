#!/usr/bin/env bash
# fed_equivocation.sh — issue 5, acceptance 4: one party shows two
# histories to two members. Two copies of one node directory (same party,
# same key) serve as x and x2; x publishes one thing to b, x2 another to
# c. b and c pull from each other: each detects that the party sealed two
# different entries at the same sequence number, raises an equivocation
# alarm, and keeps both signed objects as the proof.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

fed_init x
cp -a "$tmp/x" "$tmp/x2"
cp "$tmp/x.id" "$tmp/x2.id"
sed -i "s/^listen = .*/listen = 127.0.0.1:$(free_port)/" "$tmp/x2/hotline.conf"
"$HL_BIN" peer card --data "$tmp/x2" >"$tmp/x2.card" 2>/dev/null
fed_init b
fed_init c
PX=$(fed_party x)

# b knows the party as x (at x's address), c knows it at x2's: the same
# party id, key and certificate; b and c are each other's peers.
fed_link x b
fed_link x2 c
# b and c know each other, but exchange nothing until both histories
# arrived (their tokens are set below): else one history could reach the
# other member relayed before the party's own push, and only one side
# would see the contradiction.
"$HL_BIN" peer add c --data "$tmp/b" --card "$tmp/c.card" >"$tmp/bc.out" 2>&1 || fail "b: peer add c"
"$HL_BIN" peer add b --data "$tmp/c" --card "$tmp/b.card" >"$tmp/cb.out" 2>&1 || fail "c: peer add b"
# x knows c, and x2 knows b, but without a token: they never reach them.
"$HL_BIN" peer add c --data "$tmp/x" --card "$tmp/c.card" >/dev/null 2>&1 || fail "x: peer add c"
"$HL_BIN" peer add b --data "$tmp/x2" --card "$tmp/b.card" >/dev/null 2>&1 || fail "x2: peer add b"
# b's and c's peer entry of the party is named after the copy it reaches.
fed_channel x ch b,c
fed_channel x2 ch b,c
fed_channel b ch x,c
fed_channel c ch x2,b
for n in x x2 b c; do fed_serve "$n"; done

python3 - "$PX" "history one" >"$tmp/h1.json" <<'PY'
import json, sys, uuid
print(json.dumps({"type": "note", "spec_version": "2.1", "id": f"note--{uuid.uuid4()}",
                  "created": "2026-11-18T10:00:00.000Z", "modified": "2026-11-18T10:00:00.000Z",
                  "content": sys.argv[2], "object_refs": [sys.argv[1]]}))
PY
sed 's/history one/history two/; s/note--[0-9a-f-]*/note--00000000-0000-4000-8000-000000000002/' "$tmp/h1.json" >"$tmp/h2.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/h1.json" --data "$tmp/x" --no-wait || true
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/h2.json" --data "$tmp/x2" --no-wait || true
fed_wait 30 fed_holds b "$PX" ch 2
fed_wait 30 fed_holds c "$PX" ch 2
fed_token_of "$tmp/cb.out" | "$HL_BIN" peer set c --data "$tmp/b" --token - >/dev/null 2>&1 || fail "b: token for c"
fed_token_of "$tmp/bc.out" | "$HL_BIN" peer set b --data "$tmp/c" --token - >/dev/null 2>&1 || fail "c: token for b"

alarmed() { # NODE: an equivocation alarm of the party, with both histories
    "$HL_BIN" alarms --data "$tmp/$1" --json >"$tmp/alarms.$1" 2>/dev/null
    python3 - "$tmp/alarms.$1" "$PX" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for a in d["alarms"]:
    ev = json.dumps(a.get("evidence_a")) + json.dumps(a.get("evidence_b"))
    if (a["kind"] == "equivocation" and a["party"] == sys.argv[2] and a["seq"] == 0
            and "history one" in ev and "history two" in ev):
        sys.exit(0)
sys.exit(1)
PY
}
fed_wait 30 alarmed b || cat "$tmp/alarms.b" >&2
fed_wait 30 alarmed c || cat "$tmp/alarms.c" >&2
grep -q "exchange ALARM equivocation: $PX in ch at 0" "$tmp/b.log" || fail "b did not log the alarm"
grep -q "exchange ALARM equivocation: $PX in ch at 0" "$tmp/c.log" || fail "c did not log the alarm"
# Each keeps its first history in the log, the other one as evidence.
fed_tool objects "$tmp/b" ch | grep -q "history one" || fail "b lost the history it had"
fed_tool objects "$tmp/c" ch | grep -q "history two" || fail "c lost the history it had"
fed_tool objects "$tmp/b" ch | grep -q '"content": "history two"' && fail "b took the second history into its log"
# The alarm is shown with the channel, and counted once however often it is seen again.
sleep 2.5
for n in b c; do
    "$HL_BIN" channel show ch --data "$tmp/$n" --json >"$tmp/show.$n"
    [ "$(json_get "$tmp/show.$n" "len([a for a in d['alarms'] if a['kind'] == 'equivocation' and a['seq'] == 0])")" = 1 ] ||
        fail "$n: channel show does not list the alarm once: $(head -c 300 "$tmp/show.$n")"
done
for n in x x2 b c; do fed_stop "$n"; done
finish fed_equivocation "two histories of one party shown to two members: both raise the alarm and keep both signed objects"
