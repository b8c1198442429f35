#!/usr/bin/env bash
# fed_reload.sh — a certificate renewed while the node runs, no restart:
# hotline cert next signals the serving node (SIGHUP), which announces the
# next certificate to b at once; hotline cert switch signals it again and
# it presents the new one from the next connection; b pins it, and both
# keep exchanging. A certificate file that does not load leaves the node
# presenting the one it had; doctor says when the file and what the node
# presents differ; an edited hotline.conf is applied where a running node
# can, and said to need a restart where it cannot; a
# hotline executable other than the node's does not signal it; a run
# presents at most 64 pairs.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

fed_pair a b ch
port_a=$(sed -n 's/^listen = 127.0.0.1://p' "$tmp/a/hotline.conf")
# The SHA-256 of the certificate a presents to a new connection.
presented() {
    python3 -c 'import hashlib, ssl, sys
pem = ssl.get_server_certificate(("127.0.0.1", int(sys.argv[1])))
print(hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest())' "$port_a"
}
old=$(presented)
[ ${#old} = 64 ] || fail "no certificate from a: $old"
grep -q "certificate sha256 $old" "$tmp/a.log" || fail "a does not present what it says it does"

# A hotline executable other than the node's (an upgrade not restarted
# yet: an older one would stop on SIGHUP) does not signal it.
cp "$HL_BIN" "$tmp/hotline-other"
if expect_rc 0 "$tmp/hotline-other" cert next --data "$tmp/a"; then
    grep -q "^the node announces it to every member's node once it restarts: the node serving $tmp/a (pid ${fed_pid[a]}) runs another hotline executable" \
        "$tmp/out" || fail "cert next from another executable: $(cat "$tmp/out")"
fi
sleep 0.5
grep -q "SIGHUP" "$tmp/a.log" && fail "another executable signalled a: $(grep SIGHUP "$tmp/a.log")"
kill -0 "${fed_pid[a]}" || fail "a stopped"
rm -f "$tmp/a/tls.next.crt" "$tmp/a/tls.next.key"

# cert next while a runs: announced now.
next=""
if expect_rc 0 "$HL_BIN" cert next --data "$tmp/a"; then
    next=$(sed -n 's/^next certificate sha256 \([0-9a-f]\{64\}\) in .*/\1/p' "$tmp/out")
    grep -q "^the node serving $tmp/a (pid ${fed_pid[a]}) announces it to every member's node now" \
        "$tmp/out" || fail "cert next does not say the node announces it: $(cat "$tmp/out")"
fi
[ -n "$next" ] && [ "$next" != "$old" ] || fail "cert next: $(cat "$tmp/out")"
fed_wait 10 grep -q "exchange b (identity--[0-9a-f-]*) in ch: announced our next certificate, sha256 $next" "$tmp/a.log"
fed_wait 10 grep -q "peer a (identity--[0-9a-f-]*) announced its next certificate, sha256 $next" "$tmp/b.log"
[ "$(presented)" = "$old" ] || fail "a presents another certificate before the switch"

# A certificate file that does not load: said, and the node keeps its own.
cp "$tmp/a/tls.crt" "$tmp/good.crt"
echo "not a certificate" >"$tmp/a/tls.crt"
kill -HUP "${fed_pid[a]}"
fed_wait 10 grep -q "warning: SIGHUP: .*; still presenting the certificate sha256 $old" "$tmp/a.log"
[ "$(presented)" = "$old" ] || fail "a broken file changed what a presents"
cp "$tmp/good.crt" "$tmp/a/tls.crt"
kill -HUP "${fed_pid[a]}"
fed_wait 10 grep -q "SIGHUP: the certificate $tmp/a/tls.crt is the one presented (sha256 $old)" "$tmp/a.log"

# cert switch while a runs: presented from the next connection.
if expect_rc 0 "$HL_BIN" cert switch --data "$tmp/a" --json; then
    [ "$(json_get "$tmp/out" "d['sha256']")" = "$next" ] &&
        [ "$(json_get "$tmp/out" "d['file']")" = "$tmp/a/tls.crt" ] &&
        [ "$(json_get "$tmp/out" "d['node']['state']")" = signalled ] &&
        [ "$(json_get "$tmp/out" "d['node']['pid']")" = "${fed_pid[a]}" ] ||
        fail "cert switch --json: $(cat "$tmp/out")"
fi
fed_wait 10 grep -q "SIGHUP: presenting the certificate sha256 $next from $tmp/a/tls.crt (was $old)" "$tmp/a.log"
[ "$(presented)" = "$next" ] || fail "a does not present its new certificate"

fed_send_one a b ch
fed_send_one b a ch
fed_wait 10 grep -q "exchange a (identity--[0-9a-f-]*): it presents the certificate it announced, sha256 $next: pinned from now on" "$tmp/b.log"
grep -q "is pinned: not contacting it" "$tmp/b.log" && fail "b refused a: $(grep pinned "$tmp/b.log" | head -2)"
# b's first connection after the switch meets a key its pin does not name;
# a had announced that certificate, so b probes again at once and pins it,
# without a backoff or a warning.
grep -q "presented another public key" "$tmp/b.log" && fail "b warned of the switch: $(grep 'public key' "$tmp/b.log" | head -2)"
[ "$(grep -c "hotline: serving" "$tmp/a.log")" = 1 ] || fail "a restarted"

# An edited hotline.conf on SIGHUP: what a running node can change is in
# force at once (the discovery title, a POST's objects, the rate), what
# takes a restart (a timeout) is said to; a file that no longer reads
# changes nothing.
api() {
    curl -s -o "$tmp/api.json" -w '%{http_code}' --cacert "$tmp/a/tls.crt" \
        -H "Authorization: Bearer $(cat "$tmp/a/cli.token")" \
        -H 'Accept: application/taxii+json;version=2.1' "$@" "https://127.0.0.1:$port_a$path"
}
post_two() {
    path=/api/collections/$coll/objects/
    api -H 'Content-Type: application/taxii+json;version=2.1' --data-binary @"$tmp/two.json"
}
path=/api/collections/ && api >/dev/null
coll=$(json_get "$tmp/api.json" "[c['id'] for c in d['collections'] if c['title'] == 'ch'][0]")
python3 - "$tmp/two.json" <<'EOF'
import json, sys, uuid
note = lambda: {"type": "note", "spec_version": "2.1", "id": "note--%s" % uuid.uuid4(),
                "created": "2026-11-30T08:00:00.000Z", "modified": "2026-11-30T08:00:00.000Z",
                "content": "reload", "object_refs": ["note--%s" % uuid.uuid4()]}
json.dump({"objects": [note(), note()]}, open(sys.argv[1], "w"))
EOF
cp "$tmp/a/hotline.conf" "$tmp/good.conf"
sed -i 's/^rate_per_minute = .*/rate_per_minute = 12345/; s/^timeout_s = .*/timeout_s = 99/;
        s/^max_objects = .*/max_objects = 1/; s/^title = .*/title = desk of a, renamed/' "$tmp/a/hotline.conf"
kill -HUP "${fed_pid[a]}"
fed_wait 10 grep -q "SIGHUP: hotline.conf: title, max_objects, rate_per_minute now in force" "$tmp/a.log"
fed_wait 10 grep -q "SIGHUP: hotline.conf changed timeout_s since the node started: a restart applies it" "$tmp/a.log"
path=/taxii2/
[ "$(api)" = 200 ] && [ "$(json_get "$tmp/api.json" "d['title']")" = "desk of a, renamed" ] ||
    fail "discovery after the reload: $(cat "$tmp/api.json")"
path=/api/
[ "$(api)" = 200 ] && [ "$(json_get "$tmp/api.json" "d['x_hotline_max_objects']")" = 1 ] ||
    fail "API root after the reload: $(cat "$tmp/api.json")"
[ "$(post_two)" = 413 ] || fail "two objects with max_objects = 1: $(cat "$tmp/api.json")"
echo "no_such_key = 1" >>"$tmp/a/hotline.conf"
sed -i 's/^max_objects = .*/max_objects = 5/' "$tmp/a/hotline.conf"
kill -HUP "${fed_pid[a]}"
fed_wait 10 grep -q "warning: SIGHUP: .*hotline.conf:[0-9]*: .*; the node runs with what it read before" "$tmp/a.log"
[ "$(post_two)" = 413 ] || fail "a file that does not read changed max_objects"
cp "$tmp/good.conf" "$tmp/a/hotline.conf"
kill -HUP "${fed_pid[a]}"
in_force_twice() { [ "$(grep -c "SIGHUP: hotline.conf: title, max_objects, rate_per_minute now in force" "$tmp/a.log")" = 2 ]; }
fed_wait 10 in_force_twice
[ "$(post_two)" = 202 ] || fail "two objects once max_objects is back: $(cat "$tmp/api.json")"

# doctor compares the certificate the running node presents with its file.
if expect_rc 0 "$HL_BIN" doctor --data "$tmp/a"; then
    grep -q "^ok       server: hotline serve (pid ${fed_pid[a]}) listens" "$tmp/out" ||
        fail "doctor, server: $(cat "$tmp/out")"
    grep -q "it presents the certificate" "$tmp/out" && fail "doctor: $(cat "$tmp/out")"
fi
cp "$tmp/a/tls.crt" "$tmp/new.crt"
cp "$tmp/a/tls.key" "$tmp/new.key"
cp "$tmp/a/tls.prev.crt" "$tmp/a/tls.crt"
cp "$tmp/a/tls.prev.key" "$tmp/a/tls.key"
if expect_rc 0 "$HL_BIN" doctor --data "$tmp/a"; then
    grep -q "^warning  server: it presents the certificate sha256 $next, not tls.crt's (sha256 $old): have it read the files again with 'systemctl reload' or 'kill -HUP ${fed_pid[a]}'$" \
        "$tmp/out" || fail "doctor does not see the file changed: $(cat "$tmp/out")"
fi
cp "$tmp/new.crt" "$tmp/a/tls.crt"
cp "$tmp/new.key" "$tmp/a/tls.key"

# A node that does not run learns of it at its start.
fed_stop b
if expect_rc 0 "$HL_BIN" cert next --data "$tmp/b"; then
    grep -q "^the node announces it to every member's node from its start$" "$tmp/out" ||
        fail "cert next, node stopped: $(cat "$tmp/out")"
fi
fed_serve b
fed_wait 10 grep -q "exchange a (identity--[0-9a-f-]*) in ch: announced our next certificate" "$tmp/b.log"

# A run presents at most 64 pairs (each is kept until the server stops):
# the 64th change is refused, said, and the node keeps the pair it has.
"$HL_BIN" init --party scratch --data "$tmp/s" >/dev/null 2>&1 || fail "init scratch"
mkdir -p "$tmp/pairs"
for i in $(seq 64); do
    "$HL_BIN" cert next --data "$tmp/s" >/dev/null 2>&1 || fail "cert next $i"
    mv "$tmp/s/tls.next.crt" "$tmp/pairs/$i.crt"
    mv "$tmp/s/tls.next.key" "$tmp/pairs/$i.key"
done
answers() { grep -c "SIGHUP: presenting\|SIGHUP: .*certificates presented" "$tmp/b.log" || true; }
answered_after() { [ "$(answers)" -gt "$1" ]; }
for i in $(seq 64); do
    cp "$tmp/pairs/$i.crt" "$tmp/b/tls.crt"
    cp "$tmp/pairs/$i.key" "$tmp/b/tls.key"
    before=$(answers)
    kill -HUP "${fed_pid[b]}"
    fed_wait 10 answered_after "$before" || break
done
[ "$(grep -c "SIGHUP: presenting" "$tmp/b.log")" = 63 ] || fail "b presented $(grep -c "SIGHUP: presenting" "$tmp/b.log") new pairs, want 63"
grep -q "warning: SIGHUP: .*: 64 certificates presented since the server started; restart it to present another; still presenting the certificate sha256 " "$tmp/b.log" ||
    fail "the 64th change is not refused: $(tail -2 "$tmp/b.log")"
kill -0 "${fed_pid[b]}" || fail "b stopped"

fed_stop_verify a b

finish fed_reload "a certificate renewed and presented while the node runs: no restart, the peer pins it"
