#!/usr/bin/env bash
# fed_reject.sh — issue 5, acceptance 3: a node refuses, logs with the
# reason, and stores nothing for: an object sealed by another party than
# the authenticated peer; a forged (altered) signature; a replay of an old
# entry with changed content (re-signed: equivocation, raised as an alarm
# with both objects); an object for a channel the peer is not in; and its
# own worker refuses a peer whose certificate is not the pinned one (no
# request with credentials reaches that peer). And a peer that never
# answers the TLS handshake does not hold up a node's stop.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

fed_init a
fed_init b
fed_init c
fed_link a b
fed_channel a ch b
fed_channel b ch a
"$HL_BIN" channel create priv --data "$tmp/a" >/dev/null 2>&1 || fail "channel priv"
fed_serve a
fed_serve b
PA=$(fed_party a)
PB=$(fed_party b)
PC=$(fed_party c)
TB=$(cat "$tmp/token.a.b") # b's account at a

# b publishes entry 0 (a note) and 1 (its tree head) the normal way.
fed_tool notes 1 "$PA" >"$tmp/n0.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/n0.json" --data "$tmp/b" --timeout 20 || true
fed_wait 20 fed_holds a "$PB" ch 2

# One note sealed with KEY as PARTY's entry SEQ of CHANNEL, in an envelope.
sealed() { # KEY PARTY CHANNEL SEQ CONTENT OUT
    python3 - "$5" "$PA" >"$tmp/obj.json" <<'PY'
import json, sys, uuid
print(json.dumps({"type": "note", "spec_version": "2.1", "id": f"note--{uuid.uuid4()}",
                  "created": "2026-11-18T10:00:00.000Z", "modified": "2026-11-18T10:00:00.000Z",
                  "content": sys.argv[1], "object_refs": [sys.argv[2]]}))
PY
    "$HL_BIN" seal sign --key "$1" --party "$2" --channel "$3" --seq "$4" "$tmp/obj.json" >"$tmp/sealed.json" ||
        fail "seal sign"
    python3 -c 'import json,sys; print(json.dumps({"objects": [json.load(open(sys.argv[1]))]}))' \
        "$tmp/sealed.json" >"$6"
}
oid() { json_get "$1" "d['objects'][0]['id']"; }
# POST envelope FILE to collection CH of a as b: status line, then body.
push_as_b() { fed_tool post "$tmp/a" "$TB" "$2" "$1" >"$tmp/post.out"; }
stored_at_a() { fed_tool objects "$tmp/a" ch | grep -q "$1"; }
failure_is() { # the first failure's message contains TEXT
    sed -n 2p "$tmp/post.out" >"$tmp/post.json"
    json_get "$tmp/post.json" "d['failures'][0]['message']" | grep -q -- "$1" ||
        fail "want a failure '$1': $(cat "$tmp/post.out")"
}
refused_in_log() {
    grep -q "exchange refused from b ($PB) in ch: object $1: $2" "$tmp/a.log" ||
        fail "a did not log the refusal of $1 ($2): $(grep refused "$tmp/a.log" | tail -2)"
}

# 1. sealed by another party than the authenticated peer.
sealed "$tmp/c/party.key" "$PC" ch 2 "from c" "$tmp/e1.json"
push_as_b "$tmp/e1.json" ch
[ "$(head -1 "$tmp/post.out")" = 202 ] || fail "push of c's entry: $(cat "$tmp/post.out")"
failure_is "sealed by $PC, but you are $PB"
refused_in_log "$(oid "$tmp/e1.json")" "sealed by $PC"
stored_at_a "$(oid "$tmp/e1.json")" && fail "c's entry was stored"

# 2. a forged signature: b's next entry with its content changed after sealing.
sealed "$tmp/b/party.key" "$PB" ch 2 "the original" "$tmp/e2.json"
sed -i 's/the original/the forgery/' "$tmp/e2.json"
push_as_b "$tmp/e2.json" ch
failure_is "refused: "
refused_in_log "$(oid "$tmp/e2.json")" "refused: "
stored_at_a "$(oid "$tmp/e2.json")" && fail "the forged entry was stored"

# 3. a replay of entry 0 with other content: altered (a bad signature) ...
fed_tool objects "$tmp/a" ch | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o.get("hotline_party") == sys.argv[1] and o.get("hotline_seq") == 0:
        o["content"] = "changed history"
        print(json.dumps({"objects": [o]}))' "$PB" >"$tmp/e3.json"
push_as_b "$tmp/e3.json" ch
failure_is "refused: "
fed_tool objects "$tmp/a" ch | grep -q "changed history" && fail "the altered replay was stored"
# ... and re-sealed by b itself: equivocation, an alarm keeping both.
sealed "$tmp/b/party.key" "$PB" ch 0 "another history" "$tmp/e4.json"
push_as_b "$tmp/e4.json" ch
failure_is "equivocation"
stored_at_a "$(oid "$tmp/e4.json")" && fail "the second entry 0 was stored as an object"
grep -q "exchange ALARM equivocation: $PB in ch at 0" "$tmp/a.log" || fail "no alarm logged"
if expect_rc 1 "$HL_BIN" alarms --data "$tmp/a" --json; then
    grep -q "another history" "$tmp/out" || fail "the alarm does not keep the second object: $(head -c 300 "$tmp/out")"
fi

# 4. an object for a channel b is not in: the whole request is refused.
sealed "$tmp/b/party.key" "$PB" priv 0 "for priv" "$tmp/e5.json"
push_as_b "$tmp/e5.json" ch
[ "$(head -1 "$tmp/post.out")" = 403 ] || fail "push for priv: $(cat "$tmp/post.out")"
grep -q "sealed for channel priv" "$tmp/post.out" || fail "403 without the reason: $(cat "$tmp/post.out")"
grep -q "exchange refused push from b ($PB) to ch: object 0 is sealed for channel priv" "$tmp/a.log" ||
    fail "a did not log the refused push"
push_as_b "$tmp/e5.json" priv
[ "$(head -1 "$tmp/post.out")" = 404 ] || fail "b sees priv: $(cat "$tmp/post.out")"
"$HL_BIN" channel show priv --data "$tmp/a" --json >"$tmp/priv.json"
[ "$(json_get "$tmp/priv.json" "d['our_log_size']")" = 0 ] || fail "priv got entries"
[ "$(json_get "$tmp/priv.json" "len(d['members'])")" = 1 ] || fail "priv got members"

# b's log at a is still exactly its two entries.
fed_holds a "$PB" ch 2 || fail "a's copy of b's log changed"

# 5. a wrong certificate fingerprint: a's worker stops talking to b.
"$HL_BIN" peer set b --data "$tmp/a" --cert-fingerprint "$(printf '0%.0s' $(seq 64))" >/dev/null 2>&1 ||
    fail "peer set --cert-fingerprint"
# Once a's worker met the mismatch, nothing more of a's may reach b.
fed_wait 20 grep -q "but 0\{64\} is pinned" "$tmp/a.log"
sleep 0.5
before=$(grep -c " taxii 127.0.0.1 a " "$tmp/b.log" || true)
fed_tool notes 1 "$PB" >"$tmp/n1.json"
# (b still pulls from a, whose certificate it has right: the note may
# reach b that way; what must not happen is a talking to b.)
"$HL_BIN" send --channel ch "$tmp/n1.json" --data "$tmp/a" --timeout 3 >/dev/null 2>&1 || true
sleep 1
after=$(grep -c " taxii 127.0.0.1 a " "$tmp/b.log" || true)
[ "$before" = "$after" ] || fail "a still sent requests with its credentials to b ($before -> $after)"
grep -q "exchange b ($PB) in ch: the certificate of b at https://127.0.0.1:[0-9]* has SHA-256 [0-9a-f]\{64\}, but 0\{64\} is pinned" "$tmp/a.log" ||
    fail "a did not log the fingerprint mismatch: $(grep exchange "$tmp/a.log" | tail -2)"
[ "$(grep -c "but 0\{64\} is pinned" "$tmp/a.log")" = 1 ] || fail "the mismatch was logged more than once"

# 6. a peer that accepts the connection and never answers (its TLS
# handshake hangs): a's worker is probing its certificate when a is told
# to stop, and a stops at once, not after the probe's 10 s timeout.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
s.settimeout(1)
print(s.getsockname()[1], flush=True)
held, end = [], time.time() + 30
while time.time() < end:
    try:
        c, _ = s.accept()
        held.append(c)
        open(sys.argv[1], "w").write("accepted")
    except socket.timeout:
        pass
' "$tmp/tarpit.hit" >"$tmp/tarpit.port" &
tarpit=$!
fed_wait 10 test -s "$tmp/tarpit.port"
"$HL_BIN" peer set b --data "$tmp/a" --url "https://127.0.0.1:$(cat "$tmp/tarpit.port")" >/dev/null 2>&1 ||
    fail "peer set --url"
"$HL_BIN" send --channel ch "$tmp/n1.json" --data "$tmp/a" --no-wait >/dev/null 2>&1 || true
fed_wait 15 test -s "$tmp/tarpit.hit" || fail "a's worker never tried the silent peer"
t0=$(date +%s%N)
fed_stop a
stop_ms=$((($(date +%s%N) - t0) / 1000000))
[ "$stop_ms" -lt 4000 ] || fail "a took $stop_ms ms to stop while probing a silent peer"
kill "$tarpit" 2>/dev/null || true
wait "$tarpit" 2>/dev/null || true
fed_stop b
finish fed_reject "another party's seal, a forged signature, a replayed entry (altered; re-signed: alarm), a channel not joined, a wrong fingerprint: each refused, logged, nothing stored; a silent peer does not hold up a stop"
