#!/usr/bin/env bash
# fed_cert.sh — a node renews its TLS certificate and no other operator
# acts. a makes its next certificate (hotline cert next) and restarts: its
# worker announces the new fingerprint, signed with its party key, and b
# keeps it beside the pinned one. a switches (hotline cert switch) and
# restarts with the new certificate: b takes it, pins it for good, and
# both keep exchanging both ways. An announcement that does not verify,
# of another party, or from an account that is not a peer's is refused.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

fed_pair a b ch
fed_tool notes 1 "$(fed_party a)" >"$tmp/a1.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/a1.json" --data "$tmp/a" --timeout 20 || true

# The next certificate, announced from a's next start.
expect_rc 2 "$HL_BIN" cert switch --data "$tmp/a" || true
grep -q "no next certificate to put in place" "$tmp/err" || fail "switch without next: $(cat "$tmp/err")"
next=""
if expect_rc 0 "$HL_BIN" cert next --data "$tmp/a"; then
    next=$(sed -n 's/^next certificate sha256 \([0-9a-f]\{64\}\) in .*/\1/p' "$tmp/out")
    [ -n "$next" ] || fail "cert next: $(cat "$tmp/out")"
fi
[ "$(stat -c %a "$tmp/a/tls.next.key")" = 600 ] || fail "tls.next.key is not 0600"
expect_rc 2 "$HL_BIN" cert next --data "$tmp/a" || true
grep -q "a next certificate is waiting already" "$tmp/err" || fail "cert next twice: $(cat "$tmp/err")"
expect_rc 0 "$HL_BIN" doctor --data "$tmp/a" || true
grep -q "^ok       certificate: the next one waits, sha256 $next: " "$tmp/out" || fail "doctor: $(cat "$tmp/out")"
# A next key others may read: said at start, the node serves, nothing announced.
chmod 644 "$tmp/a/tls.next.key"
fed_stop a
fed_serve a
grep -q "warning: tls.next.crt: .*; nothing is announced until it loads" "$tmp/a.log" ||
    fail "a's start does not say its next pair is unusable: $(tail -5 "$tmp/a.log")"
chmod 600 "$tmp/a/tls.next.key"
fed_stop a
fed_serve a
grep -q "next certificate sha256 $next (tls.next.crt): announced to every member" "$tmp/a.log" ||
    fail "a's start does not name its next certificate"
fed_wait 10 grep -q "exchange b (identity--[0-9a-f-]*) in ch: announced our next certificate, sha256 $next" "$tmp/a.log"
fed_wait 10 grep -q "peer a (identity--[0-9a-f-]*) announced its next certificate, sha256 $next" "$tmp/b.log"

# Refused: a bad signature, another party's statement, a user that is not a peer.
port_b=$(sed -n 's/^listen = 127.0.0.1://p' "$tmp/b/hotline.conf")
announce() { # TOKEN BODY: the status
    curl -sk -o "$tmp/ann.out" -w '%{http_code}' -X POST -H "Content-Type: application/json" \
        -H "Authorization: Bearer $1" --data "$2" "https://127.0.0.1:$port_b/api/hotline/certificate/next/"
}
# a's credential at b: what a's node holds for peer b.
ta=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT token FROM peers WHERE name = ?", ("b",)).fetchone()[0])' "$tmp/a/hotline.db")
sig=$(printf 'A%.0s' $(seq 86))==
fp=$(printf 'ab%.0s' $(seq 32))
[ "$(announce "$ta" "{\"party\": \"$(fed_party a)\", \"next_cert_sha256\": \"$fp\", \"signature\": \"$sig\"}")" = 422 ] ||
    fail "a forged announcement: $(cat "$tmp/ann.out")"
[ "$(announce "$ta" "{\"party\": \"$(fed_party b)\", \"next_cert_sha256\": \"$fp\", \"signature\": \"$sig\"}")" = 403 ] ||
    fail "another party's announcement: $(cat "$tmp/ann.out")"
[ "$(announce "$(cat "$tmp/b/cli.token")" "{\"party\": \"$(fed_party a)\", \"next_cert_sha256\": \"$fp\", \"signature\": \"$sig\"}")" = 403 ] ||
    fail "an announcement by a user: $(cat "$tmp/ann.out")"
[ "$(announce "$ta" "{\"party\": 1}")" = 400 ] || fail "a malformed announcement: $(cat "$tmp/ann.out")"
[ "$(announce "$ta" "{\"party\": ")" = 400 ] && grep -q 'accepts: 1:[0-9]*: ' "$tmp/ann.out" ||
    fail "JSON that does not parse: $(cat "$tmp/ann.out")"

# The switch: a presents the new certificate; b takes it without its operator.
if expect_rc 0 "$HL_BIN" cert switch --data "$tmp/a"; then
    grep -q "^the node's certificate is now sha256 $next " "$tmp/out" || fail "switch: $(cat "$tmp/out")"
fi
[ -f "$tmp/a/tls.prev.crt" ] && [ ! -f "$tmp/a/tls.next.crt" ] || fail "switch left the files wrong"
fed_stop a
fed_serve a
grep -q "certificate sha256 $next" "$tmp/a.log" || fail "a does not present its new certificate"
fed_send_one a b ch
fed_send_one b a ch
fed_wait 10 grep -q "exchange a (identity--[0-9a-f-]*): it presents the certificate it announced, sha256 $next: pinned from now on" "$tmp/b.log"
if expect_rc 0 "$HL_BIN" peer list --data "$tmp/b" --json; then
    [ "$(json_get "$tmp/out" "d['peers'][0]['cert_fingerprint']")" = "$next" ] || fail "b pins: $(cat "$tmp/out")"
fi
grep -q "is pinned: not contacting it" "$tmp/b.log" && fail "b refused a: $(grep pinned "$tmp/b.log" | head -2)"

fed_stop_verify a b

finish fed_cert "a certificate renewed: announced, signed, taken by the peer with no operator, forgeries refused"
