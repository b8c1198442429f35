#!/usr/bin/env bash
# doctor.sh — `hotline doctor` on two real nodes: all well (exit 0, every
# check ok); a key others may read (a problem, exit 1); a member stopped
# (a warning naming it and the error); the node itself stopped (a
# warning: no server); a certificate about to expire (a warning) and one
# whose key is another's (a problem); --json; usage.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

A=$tmp/a
fed_pair a b ch
repl_of_b() { # the jq-like test of b's replication state at a
    "$HL_BIN" channel show ch --data "$A" --json >"$tmp/show.json" &&
        [ "$(json_get "$tmp/show.json" "[$1 for m in d['members'] if m.get('peer') == 'b'][0]")" = True ]
}
# a may have tried b before b listened: wait until it has reached b.
fed_wait 20 repl_of_b "m['repl']['failures'] == 0 and m['repl']['last_ok'] is not None" || true
if expect_rc 0 "$HL_BIN" doctor --data "$A"; then
    grep -Eq "^ok       server: hotline serve \(pid [0-9]+\) listens on 127\.0\.0\.1:[0-9]+$" "$tmp/out" ||
        fail "doctor, server: $(cat "$tmp/out")"
    grep -q "^ok       channel ch: every member known and reachable, no alarm$" "$tmp/out" ||
        fail "doctor, channel: $(cat "$tmp/out")"
    grep -q "^ok       files: party.key, tls.key and cli.token are readable by their owner only$" \
        "$tmp/out" || fail "doctor, files: $(cat "$tmp/out")"
    grep -Eq "^ok       certificate: valid until .* \(7[0-9]{2} days\), sha256 [0-9a-f]{64}$" "$tmp/out" ||
        fail "doctor, certificate: $(cat "$tmp/out")"
    [ "$(tail -1 "$tmp/out")" = "0 problems, 0 warnings" ] || fail "doctor, all well: $(cat "$tmp/out")"
fi

# A secret others may read.
chmod 644 "$A/party.key"
if expect_rc 1 "$HL_BIN" doctor --data "$A"; then
    grep -q "^PROBLEM  files: party.key is mode 0644: others may read it; chmod 600 $A/party.key$" \
        "$tmp/out" || fail "doctor, party.key 0644: $(cat "$tmp/out")"
fi
chmod 600 "$A/party.key"

# A member down: a warning once a's worker failed to reach it.
fed_stop b
fed_wait 20 repl_of_b "m['repl']['failures'] > 0" || true
if expect_rc 0 "$HL_BIN" doctor --data "$A" --json; then
    [ "$(json_get "$tmp/out" "(d['problems'], d['warnings'])")" = "(0, 1)" ] ||
        fail "doctor --json with b down: $(cat "$tmp/out")"
    json_get "$tmp/out" "[c['detail'] for c in d['checks'] if c['status'] == 'warning'][0]" |
        grep -q "^b unreachable since .*, [0-9]* failures\?: .*127\.0\.0\.1" ||
        fail "doctor, b down: $(cat "$tmp/out")"
    [ "$(json_get "$tmp/out" "sorted(set(c['status'] for c in d['checks']))")" = "['ok', 'warning']" ] ||
        fail "doctor --json statuses: $(cat "$tmp/out")"
fi

# The node itself stopped.
fed_stop a
if expect_rc 0 "$HL_BIN" doctor --data "$A"; then
    grep -q "^warning  server: no hotline serve runs for $A: nothing is received or delivered" \
        "$tmp/out" || fail "doctor, a stopped: $(cat "$tmp/out")"
fi

# A certificate 10 days from its end, then one whose key is another's.
cp "$A/tls.crt" "$tmp/tls.crt.orig"
cp "$A/tls.key" "$tmp/tls.key.orig"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$A/tls.key" \
    -out "$A/tls.crt" -days 10 -subj "/CN=127.0.0.1" 2>/dev/null || fail "openssl req"
chmod 600 "$A/tls.key"
if expect_rc 0 "$HL_BIN" doctor --data "$A"; then
    grep -Eq "^warning  certificate: tls.crt expires at .*, in (9|10) days: peers pin it" "$tmp/out" ||
        fail "doctor, certificate near its end: $(cat "$tmp/out")"
fi
# The node says it too, in its log, when it starts (and once a day after).
fed_serve a
fed_stop a
grep -Eq "warning: the TLS certificate .*tls.crt expires in (9|10) days$" "$tmp/a.log" ||
    fail "serve did not warn of the certificate's end: $(grep -v ' GET \| POST ' "$tmp/a.log" | tail -8)"
cp "$tmp/tls.key.orig" "$A/tls.key"
if expect_rc 1 "$HL_BIN" doctor --data "$A"; then
    grep -q "^PROBLEM  certificate: " "$tmp/out" || fail "doctor, key of another: $(cat "$tmp/out")"
fi
cp "$tmp/tls.crt.orig" "$A/tls.crt"

# A node just made: no channel yet, and what to do.
"$HL_BIN" init --party fresh --data "$tmp/fresh" >/dev/null 2>&1 || fail "init fresh"
if expect_rc 0 "$HL_BIN" doctor --data "$tmp/fresh"; then
    grep -q "^ok       channels: none yet: 'hotline peer add' the other parties" "$tmp/out" ||
        fail "doctor of a fresh node: $(cat "$tmp/out")"
fi

# Certificate files outside the node directory (absolute paths in
# hotline.conf, as serve takes them): doctor reads them there, and a
# renewal moves them there.
F="$tmp/fresh"
mkdir -p "$tmp/etc"
mv "$F/tls.crt" "$tmp/etc/node.crt"
mv "$F/tls.key" "$tmp/etc/node.key"
sed -i "s|^tls_cert = .*|tls_cert = $tmp/etc/node.crt|; s|^tls_key = .*|tls_key = $tmp/etc/node.key|" "$F/hotline.conf"
if expect_rc 0 "$HL_BIN" doctor --data "$F"; then
    grep -q "^ok       certificate: valid until " "$tmp/out" || fail "doctor, absolute tls_cert: $(cat "$tmp/out")"
fi
expect_rc 0 "$HL_BIN" cert next --data "$F" --json || true
fresh_next=$(json_get "$tmp/out" "d['sha256']")
expect_rc 0 "$HL_BIN" cert switch --data "$F" --json || true
[ "$(json_get "$tmp/out" "d['file']")" = "$tmp/etc/node.crt" ] &&
    [ "$(json_get "$tmp/out" "d['node']['state']")" = not_running ] ||
    fail "cert switch, absolute tls_cert: $(cat "$tmp/out")"
if expect_rc 0 "$HL_BIN" doctor --data "$F"; then
    grep -q "^ok       certificate: valid until .*, sha256 $fresh_next$" "$tmp/out" ||
        fail "doctor after the switch: $(cat "$tmp/out")"
fi
[ -f "$F/tls.prev.crt" ] && [ -f "$F/tls.prev.key" ] || fail "the previous pair is not in $F"

# Usage.
expect_rc 0 "$HL_BIN" doctor --help && grep -q "^usage: hotline doctor --data DIR" "$tmp/out" ||
    fail "doctor --help"
expect_rc 2 "$HL_BIN" doctor || true
expect_rc 2 "$HL_BIN" doctor --data "$tmp" || true
grep -q "is not a node directory" "$tmp/err" || fail "doctor of a directory that is no node: $(cat "$tmp/err")"

finish doctor "all well, a readable key, a member down, no server, a certificate near its end and a foreign key: each said"
