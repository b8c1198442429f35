#!/usr/bin/env bash
# node.sh — a node as an operator sets it up and runs it: `hotline init`'s
# TLS certificate, key, hotline.conf and admin token (files, modes, the
# certificate's names and fingerprint, --cert/--key checks, refusal to
# overwrite), `hotline user add|list|remove|token` (a token printed once
# and never stored in clear), configuration errors named by line, an older
# node completed by `init --upgrade`, and `hotline serve` on 127.0.0.1 with
# a random port answering TLS (Bearer and Basic), stopped by SIGTERM with
# exit 0; its serve.lock (the command line reaches a server listening
# where --listen said, a second serve of the directory is refused, a
# server killed with -9 misleads nobody and is replaced); and `hotline
# backup` of the serving node (modes, verify, the log as the node's, an
# existing DEST or a missing node refused and nothing left).
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
server_pid=
cleanup_more() {
    if [ -n "$server_pid" ]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
}

for tool in openssl curl python3; do
    command -v $tool >/dev/null || { echo "node: $tool is required (scripts/install-deps)" >&2; exit 1; }
done

A=$tmp/a
umask 022

# ---- init: the files of a node that serves -----------------------------------
if expect_rc 0 "$HL_BIN" init --party "CERT A" --data "$A"; then
    [[ $(cat "$tmp/out") =~ ^identity--[0-9a-f-]{36}$ ]] || fail "init stdout is not the id alone: $(cat "$tmp/out")"
    admin_token=$(sed -n "s/^hotline init: user 'admin' token .*: \([A-Za-z0-9_-]*\)$/\1/p" "$tmp/err")
    [ ${#admin_token} = 43 ] || fail "init did not print a 43-character admin token: $(cat "$tmp/err")"
fi
for f in tls.crt tls.key hotline.conf; do [ -f "$A/$f" ] || fail "init did not write $f"; done
[ "$(stat -c %a "$A/tls.key")" = 600 ] || fail "tls.key mode $(stat -c %a "$A/tls.key")"
[ "$(stat -c %a "$A")" = 700 ] || fail "node directory mode $(stat -c %a "$A")"
openssl x509 -in "$A/tls.crt" -noout -text >"$tmp/crt.txt" || fail "tls.crt does not parse"
grep -q "Subject: CN = CERT A" "$tmp/crt.txt" || fail "certificate subject: $(grep Subject: "$tmp/crt.txt")"
grep -q "DNS:localhost, IP Address:127.0.0.1" "$tmp/crt.txt" || fail "certificate lacks localhost/127.0.0.1"
grep -q "ASN1 OID: prime256v1" "$tmp/crt.txt" || fail "certificate key is not P-256"
grep -q "ecdsa-with-SHA256" "$tmp/crt.txt" || fail "certificate signature is not ECDSA SHA-256"
days=$(python3 - "$A/tls.crt" <<'EOF'
import ssl, sys, subprocess
out = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-noout", "-startdate", "-enddate"],
                     capture_output=True, text=True).stdout.split("\n")
start = ssl.cert_time_to_seconds(out[0].split("=", 1)[1])
end = ssl.cert_time_to_seconds(out[1].split("=", 1)[1])
print(round((end - start) / 86400))
EOF
)
[ "$days" = 730 ] || fail "certificate valid for $days days, want 730 (+1 hour of skew)"
openssl pkey -in "$A/tls.key" -noout 2>/dev/null || fail "tls.key does not parse"
[ "$(openssl x509 -in "$A/tls.crt" -noout -pubkey)" = "$(openssl pkey -in "$A/tls.key" -pubout)" ] ||
    fail "tls.key does not belong to tls.crt"
grep -q "^listen = 127.0.0.1:8443$" "$A/hotline.conf" || fail "hotline.conf lacks the default listen"
for k in tls_cert tls_key title threads max_content_length max_objects max_connections \
    max_per_client rate_per_minute timeout_s; do
    grep -q "^$k = " "$A/hotline.conf" || fail "hotline.conf lacks $k"
done
[ "$(grep -c '^#' "$A/hotline.conf")" -ge 15 ] || fail "hotline.conf is not commented"

# --listen: hotline.conf's listen and the card's URL; checked before anything is made.
if expect_rc 0 "$HL_BIN" init --party "CERT L" --data "$tmp/l" --listen 127.0.0.1:18443; then
    grep -q "^listen = 127.0.0.1:18443$" "$tmp/l/hotline.conf" || fail "init --listen: $(grep ^listen "$tmp/l/hotline.conf")"
    [ "$(json_get "$tmp/l/card.json" "d['url']")" = "https://127.0.0.1:18443" ] ||
        fail "init --listen card url: $(cat "$tmp/l/card.json")"
fi
expect_rc 2 "$HL_BIN" init --party "CERT M" --data "$tmp/m" --listen localhost:1 || true
[ ! -e "$tmp/m" ] || fail "init with a bad --listen made its directory"
expect_rc 2 "$HL_BIN" init --upgrade --data "$tmp/l" --listen 127.0.0.1:1 || true

# --json: the fingerprint is the certificate's, the token one of ours.
B=$tmp/b
if expect_rc 0 "$HL_BIN" init --party "CERT B" --data "$B" --json; then
    fp=$(openssl x509 -in "$B/tls.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
    [ "$(json_get "$tmp/out" "d['cert_sha256']")" = "$fp" ] || fail "init --json cert_sha256 is not the certificate's"
    [ "$(json_get "$tmp/out" "d['admin_user'], len(d['admin_token'])")" = "('admin', 43)" ] ||
        fail "init --json admin: $(cat "$tmp/out")"
    [ ! -s "$tmp/err" ] || fail "init --json wrote to stderr: $(cat "$tmp/err")"
fi

# A second init changes nothing.
snapshot() { (cd "$1" && ls -lA --time-style=full-iso && sha256sum -- *) 2>/dev/null; }
snapshot "$A" >"$tmp/before"
expect_rc 2 "$HL_BIN" init --party "CERT Z" --data "$A" || true
snapshot "$A" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "a refused init changed the node directory"

# --cert/--key: a matching pair is copied, a mismatched one refused before
# anything is written.
C=$tmp/c
if expect_rc 0 "$HL_BIN" init --party "CERT C" --data "$C" --cert "$A/tls.crt" --key "$A/tls.key" --json; then
    cmp -s "$A/tls.crt" "$C/tls.crt" || fail "--cert was not copied"
    [ "$(stat -c %a "$C/tls.key")" = 600 ] || fail "copied tls.key mode $(stat -c %a "$C/tls.key")"
fi
if expect_rc 2 "$HL_BIN" init --party "CERT D" --data "$tmp/d" --cert "$A/tls.crt" --key "$B/tls.key"; then
    grep -q "does not belong to the certificate" "$tmp/err" || fail "mismatched key: $(cat "$tmp/err")"
fi
[ ! -e "$tmp/d" ] || fail "a refused --cert/--key left $tmp/d behind"
expect_rc 2 "$HL_BIN" init --party "CERT D" --data "$tmp/d" --cert "$A/tls.crt" || true
expect_rc 2 "$HL_BIN" init --party "CERT D" --data "$tmp/d" --cert "$A/hotline.conf" --key "$A/tls.key" || true
[ ! -e "$tmp/d" ] || fail "a refused init left $tmp/d behind"

# ---- users -------------------------------------------------------------------
"$HL_BIN" channel create us-ru --data "$A" && "$HL_BIN" channel create eu --data "$A" ||
    fail "channel create"
if expect_rc 0 "$HL_BIN" user add alice --channels us-ru:r,eu:rw --data "$A"; then
    alice=$(awk '{w=$NF} END {print w}' "$tmp/out")
    [[ $alice =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "user add: last word is not a token: $(cat "$tmp/out")"
fi
expect_rc 0 "$HL_BIN" user add writer --channels us-ru:w --data "$A" && writer=$(awk '{w=$NF} END {print w}' "$tmp/out")
if expect_rc 2 "$HL_BIN" user add bob --channels nowhere:r --data "$A"; then
    grep -q "no channel 'nowhere'" "$tmp/err" || fail "unknown channel: $(cat "$tmp/err")"
fi
expect_rc 2 "$HL_BIN" user add alice --channels eu:r --data "$A" || true
expect_rc 2 "$HL_BIN" user add carol --channels eu:x --data "$A" || true
expect_rc 2 "$HL_BIN" user add 'bad:name' --channels eu:r --data "$A" || true
# A user without rights, then granted some, changed and taken away.
expect_rc 0 "$HL_BIN" user add dave --data "$A" || true
expect_rc 0 "$HL_BIN" user grant dave --channels eu:r,us-ru:rw --data "$A" || true
expect_rc 0 "$HL_BIN" user grant dave --channels eu:none,us-ru:w --data "$A" || true
"$HL_BIN" user list --data "$A" | grep -q "^dave  us-ru:w$" || fail "grant: $("$HL_BIN" user list --data "$A" | grep dave)"
expect_rc 0 "$HL_BIN" user grant dave --channels us-ru:none --data "$A" || true
"$HL_BIN" user list --data "$A" | grep -q "^dave  (no rights)$" || fail "grant none: $("$HL_BIN" user list --data "$A" | grep dave)"
expect_rc 2 "$HL_BIN" user grant ghost --channels eu:r --data "$A" || true
expect_rc 2 "$HL_BIN" user grant dave --channels nowhere:r --data "$A" || true
expect_rc 2 "$HL_BIN" user grant dave --data "$A" || true
expect_rc 0 "$HL_BIN" user remove dave --data "$A" || true
if expect_rc 0 "$HL_BIN" user list --data "$A"; then
    grep -q "^alice  eu:rw  us-ru:r$" "$tmp/out" || fail "user list: $(cat "$tmp/out")"
    grep -q "^admin  admin" "$tmp/out" || fail "user list lacks the admin: $(cat "$tmp/out")"
    grep -q "^bob" "$tmp/out" && fail "a refused user add stored bob"
fi
if expect_rc 0 "$HL_BIN" user list --data "$A" --json; then
    [ "$(json_get "$tmp/out" "[u['name'] for u in d['users']]")" = "['admin', 'alice', 'cli', 'writer']" ] ||
        fail "user list --json: $(cat "$tmp/out")"
    [ "$(json_get "$tmp/out" "d['users'][1]['channels']")" = "{'eu': 'rw', 'us-ru': 'r'}" ] ||
        fail "user list --json rights: $(cat "$tmp/out")"
fi
expect_rc 0 "$HL_BIN" user add gone --channels eu:r --data "$A" && gone=$(awk '{w=$NF} END {print w}' "$tmp/out")
expect_rc 0 "$HL_BIN" user remove gone --data "$A" || true
[ ! -s "$tmp/out" ] || fail "user remove is not quiet"
expect_rc 2 "$HL_BIN" user remove gone --data "$A" || true
"$HL_BIN" user list --data "$A" | grep -q "^gone" && fail "removed user still listed"
expect_rc 0 "$HL_BIN" user token writer --data "$A" && old_writer=$writer && writer=$(awk '{w=$NF} END {print w}' "$tmp/out")
[ "${old_writer:-}" != "$writer" ] || fail "user token did not make a new token"

# Tokens are stored hashed: no token's text is anywhere in the database files.
sqlite_check() { python3 -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA wal_checkpoint")' "$1"; }
sqlite_check "$A/hotline.db"
for t in "$admin_token" "$alice" "$writer" "$old_writer" "$gone"; do
    if cat "$A"/hotline.db* | grep -a -F -q -- "$t"; then fail "a token is stored in clear"; fi
done
cat "$A"/hotline.db* | grep -a -q alice || fail "the token search read nothing"

# ---- configuration errors name the line ----------------------------------------
conf_error() { # LINE-NUMBER MESSAGE CONTENT
    cp "$A/hotline.conf" "$tmp/conf.keep"
    printf '%s' "$3" >"$A/hotline.conf"
    if expect_rc 2 "$HL_BIN" serve --data "$A" --listen 127.0.0.1:0; then
        grep -q "hotline.conf:$1: $2" "$tmp/err" || fail "conf error: want line $1 '$2', got: $(cat "$tmp/err")"
    fi
    cp "$tmp/conf.keep" "$A/hotline.conf"
}
conf_error 3 "unknown key 'thread'" $'# x\nthreads = 2\nthread = 4\n'
conf_error 1 "threads: '0' is not a whole number" $'threads = 0\n'
conf_error 2 "listen:" $'\nlisten = localhost:80\n'
conf_error 2 "timeout_s given twice" $'timeout_s = 5\ntimeout_s = 6\n'
conf_error 1 "expected 'key = value'" $'max_objects 10\n'
if expect_rc 2 "$HL_BIN" serve --data "$A" --listen 127.0.0.1; then
    grep -q "listen" "$tmp/err" || fail "bad --listen: $(cat "$tmp/err")"
fi
chmod 644 "$A/tls.key"
if expect_rc 2 "$HL_BIN" serve --data "$A" --listen 127.0.0.1:0; then
    grep -q "chmod 600" "$tmp/err" || fail "readable tls.key: $(cat "$tmp/err")"
fi
chmod 600 "$A/tls.key"

# ---- a node made before `hotline serve`: still works, then completed -----------
O=$tmp/old
"$HL_BIN" init --party "CERT O" --data "$O" >/dev/null 2>&1 || fail "init O"
"$HL_BIN" user remove admin --data "$O"
"$HL_BIN" user remove cli --data "$O"
rm -f "$O/tls.crt" "$O/tls.key" "$O/hotline.conf" "$O/cli.token" "$O/card.json"
expect_rc 0 "$HL_BIN" channel create old --data "$O" || true
expect_rc 0 "$HL_BIN" log append -q --data "$O" --channel old "$HL_SRC/examples/note-proposal.json" || true
expect_rc 0 "$HL_BIN" verify --data "$O" || true
if expect_rc 2 "$HL_BIN" serve --data "$O"; then
    grep -q "hotline init --upgrade --data $O" "$tmp/err" || fail "serve on an old node: $(cat "$tmp/err")"
fi
if expect_rc 0 "$HL_BIN" init --upgrade --data "$O"; then
    grep -q "added tls.crt, tls.key, hotline.conf, user admin, cli.token, card.json" "$tmp/out" ||
        fail "upgrade: $(cat "$tmp/out")"
    [ "$(stat -c %a "$O/cli.token")" = 600 ] || fail "upgrade cli.token mode"
    [ "$(stat -c %a "$O/card.json")" = 644 ] || fail "upgrade card.json mode"
    grep -q "user 'admin' token" "$tmp/err" || fail "upgrade printed no admin token"
fi
[ "$(stat -c %a "$O/tls.key")" = 600 ] || fail "upgrade tls.key mode"
snapshot "$O" >"$tmp/before"
if expect_rc 0 "$HL_BIN" init --upgrade --data "$O"; then
    grep -q "nothing to add" "$tmp/out" || fail "second upgrade: $(cat "$tmp/out")"
fi
snapshot "$O" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "a second upgrade changed the node directory"
expect_rc 2 "$HL_BIN" init --upgrade --party X --data "$O" || true
expect_rc 2 "$HL_BIN" init --upgrade --data "$tmp/nonode" || true

# A STIX note of its own (a new id each time) into FILE.
note_file() {
    python3 - "$1" <<'EOF'
import json, sys, uuid
json.dump({"type": "note", "spec_version": "2.1", "id": "note--%s" % uuid.uuid4(),
           "created": "2026-11-29T00:00:00.000Z", "modified": "2026-11-29T00:00:00.000Z",
           "content": "serve.lock test", "object_refs": ["note--%s" % uuid.uuid4()]},
          open(sys.argv[1], "w"))
EOF
}

# Starts `hotline serve --data A ARGS...` in the background: sets server_pid,
# and port once it announces itself as serving CERT A.
start_serve() {
    # Emptied here, not only by the child's redirection: the loop below may
    # read the file before the child opens it, and find the last start's line.
    : >"$tmp/serve.err"
    "$HL_BIN" serve --data "$A" "$@" >"$tmp/serve.out" 2>"$tmp/serve.err" &
    server_pid=$!
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's|^hotline: serving https://127\.0\.0\.1:\([0-9]*\)/taxii2/ (party CERT A)$|\1|p' "$tmp/serve.err")
        [ -n "$port" ] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] || fail "serve $* did not announce itself: $(cat "$tmp/serve.err")"
}

# ---- serve: TLS on 127.0.0.1, a random port, SIGTERM -----------------------------
start_serve --listen 127.0.0.1:0
if [ -n "$port" ]; then
    url=https://127.0.0.1:$port
    accept='Accept: application/taxii+json;version=2.1'
    # curl checks the certificate against tls.crt (no -k), by IP and by name.
    code=$(curl -sS --cacert "$A/tls.crt" -H "$accept" -H "Authorization: Bearer $admin_token" \
        -o "$tmp/disc.json" -w '%{http_code}' "$url/taxii2/") || fail "curl to $url failed"
    [ "$code" = 200 ] || fail "GET /taxii2/ with the admin token: $code"
    [ "$(json_get "$tmp/disc.json" "d['title']")" = "hotline node of CERT A" ] ||
        fail "discovery: $(cat "$tmp/disc.json")"
    code=$(curl -sS --cacert "$A/tls.crt" -H "$accept" -u "admin:$admin_token" -o /dev/null \
        -w '%{http_code}' "$url/api/") || fail "curl with Basic admin failed"
    [ "$code" = 200 ] || fail "GET /api/ with Basic admin: $code"
    code=$(curl -sS --cacert "$A/tls.crt" -H "$accept" -o /dev/null -w '%{http_code}' \
        "$url/taxii2/") || true
    [ "$code" = 401 ] || fail "GET /taxii2/ without credentials: $code, want 401"
    code=$(curl -sS --cacert "$A/tls.crt" -H "$accept" -u "alice:$alice" -o "$tmp/cols.json" \
        -w '%{http_code}' "https://localhost:$port/api/collections/") || fail "curl by name failed"
    [ "$code" = 200 ] || fail "GET collections with Basic alice: $code"
    [ "$(json_get "$tmp/cols.json" "sorted(c['title'] for c in d['collections'])")" = "['eu', 'us-ru']" ] ||
        fail "alice's collections: $(cat "$tmp/cols.json")"
    code=$(curl -sS --cacert "$A/tls.crt" -H "$accept" -u "alice:$writer" -o /dev/null \
        -w '%{http_code}' "$url/taxii2/") || true
    [ "$code" = 401 ] || fail "another user's token as alice's: $code, want 401"
    code=$(curl -sS --cacert "$A/tls.crt" -H "$accept" -H "Authorization: Bearer $gone" \
        -o /dev/null -w '%{http_code}' "$url/taxii2/") || true
    [ "$code" = 401 ] || fail "a removed user's token: $code, want 401"
    code=$(curl -sS --cacert "$A/tls.crt" -H "$accept" -H "Authorization: Bearer $old_writer" \
        -o /dev/null -w '%{http_code}' "$url/taxii2/") || true
    [ "$code" = 401 ] || fail "a replaced token: $code, want 401"
    curl -sS --cacert "$B/tls.crt" -o /dev/null "$url/taxii2/" 2>/dev/null &&
        fail "the server's certificate verified against another node's"
    curl -sS --http1.1 --tls-max 1.1 -k -o /dev/null "$url/taxii2/" 2>/dev/null &&
        fail "the server accepted TLS 1.1"
    # serve.lock: where the server listens (port 0 made real), for the command line.
    [ "$(cat "$A/serve.lock" 2>/dev/null)" = "127.0.0.1:$port" ] ||
        fail "serve.lock: '$(cat "$A/serve.lock" 2>/dev/null)', want 127.0.0.1:$port"
    # hotline.conf still says 8443: send finds the node through serve.lock.
    note_file "$tmp/note.json"
    if expect_rc 0 "$HL_BIN" send --no-wait --channel us-ru "$tmp/note.json" --data "$A"; then
        grep -q "^stored 1 of 1 objects$" "$tmp/out" || fail "send through serve.lock: $(cat "$tmp/out")"
    fi
    # A second serve of the directory is refused and leaves the first alone.
    if expect_rc 2 "$HL_BIN" serve --data "$A" --listen 127.0.0.1:0; then
        grep -q "another hotline serve (pid $server_pid) is serving $A; stop it first" "$tmp/err" ||
            fail "second serve: $(cat "$tmp/err")"
    fi
    [ "$(cat "$A/serve.lock" 2>/dev/null)" = "127.0.0.1:$port" ] || fail "the second serve changed serve.lock"
    code=$(curl -sS --cacert "$A/tls.crt" -H "$accept" -H "Authorization: Bearer $admin_token" \
        -o /dev/null -w '%{http_code}' "$url/taxii2/") || true
    [ "$code" = 200 ] || fail "the first server after a second serve was refused: $code"
fi
kill -TERM "$server_pid" 2>/dev/null || true
rc=0
wait "$server_pid" || rc=$?
server_pid=
[ ! -e "$A/serve.lock" ] || fail "serve.lock left after a clean stop"
[ "$rc" = 0 ] || fail "serve exited $rc after SIGTERM, want 0: $(tail -3 "$tmp/serve.err")"
[ ! -s "$tmp/serve.out" ] || fail "serve wrote to stdout: $(head -3 "$tmp/serve.out")"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z stopped$' "$tmp/serve.err" ||
    fail "serve's log has no timestamped 'stopped' line: $(tail -3 "$tmp/serve.err")"
grep -Eq '^[0-9-]{10}T[0-9:.]{12}Z taxii .* GET /taxii2/ 200' "$tmp/serve.err" ||
    fail "serve logged no request line: $(cat "$tmp/serve.err")"
grep -q -F -- "$admin_token" "$tmp/serve.err" && fail "serve logged a token"
grep -q -F -- "$alice" "$tmp/serve.err" && fail "serve logged a token"

# ---- a server killed: its serve.lock misleads nobody ------------------------------
# hotline.conf now names a port nothing listens on; the server listens elsewhere.
conf_port=$(free_port)
sed -i "s/^listen = .*/listen = 127.0.0.1:$conf_port/" "$A/hotline.conf"
start_serve --listen 127.0.0.1:0
kill -KILL "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=
[ "$(cat "$A/serve.lock" 2>/dev/null)" = "127.0.0.1:$port" ] || fail "no serve.lock after kill -9"
# The lock died with the process: the command line goes to hotline.conf's address.
note_file "$tmp/note2.json"
if expect_rc 2 "$HL_BIN" send --no-wait --channel us-ru "$tmp/note2.json" --data "$A"; then
    grep -q "cannot reach https://127.0.0.1:$conf_port" "$tmp/err" ||
        fail "send after the server died: $(cat "$tmp/err")"
    grep -q "^hotline: no hotline serve is running for $A; start it with 'hotline serve --data $A'$" \
        "$tmp/err" || fail "send after the server died, the hint: $(cat "$tmp/err")"
    [ "$(grep -o "127.0.0.1:$conf_port" "$tmp/err" | wc -l)" = 1 ] ||
        fail "the address said twice: $(cat "$tmp/err")"
fi
# And a new server starts over the stale file, at hotline.conf's address,
# now taking at most 7 objects and 4096 bytes per POST.
sed -i "s/^max_objects = .*/max_objects = 7/; s/^max_content_length = .*/max_content_length = 4096/" \
    "$A/hotline.conf"
start_serve
[ "$port" = "$conf_port" ] || fail "serve after kill -9 listens on $port, want $conf_port"
[ "$(cat "$A/serve.lock" 2>/dev/null)" = "127.0.0.1:$conf_port" ] || fail "serve.lock after a restart"
if expect_rc 0 "$HL_BIN" send --no-wait --channel us-ru "$tmp/note2.json" --data "$A"; then
    grep -q "^stored 1 of 1 objects$" "$tmp/out" || fail "send after the restart: $(cat "$tmp/out")"
fi
# send splits a file into the envelopes the node takes, by count and by size;
# one object the node cannot take stops it, after saying what was stored.
notes() { # FILE SIZE...: a bundle of notes, one per SIZE, of SIZE characters
    python3 - "$@" <<'EOF'
import json, sys, uuid
f, sizes = sys.argv[1], [int(x) for x in sys.argv[2:]]
objs = [{"type": "note", "spec_version": "2.1", "id": "note--%s" % uuid.uuid4(),
         "created": "2026-11-29T00:00:00.000Z", "modified": "2026-11-29T00:00:00.000Z",
         "content": "n" * n, "object_refs": ["note--%s" % uuid.uuid4()]} for n in sizes]
json.dump({"type": "bundle", "id": "bundle--%s" % uuid.uuid4(), "objects": objs}, open(f, "w"))
EOF
}
posts() { grep -c " POST /api/collections/.* 202 " "$tmp/serve.err" || true; }
before=$(posts)
notes "$tmp/small.json" $(for i in $(seq 25); do echo 10; done)
if expect_rc 0 "$HL_BIN" send --no-wait --channel us-ru "$tmp/small.json" --data "$A"; then
    grep -q "^stored 25 of 25 objects$" "$tmp/out" || fail "send of 25 by 7: $(cat "$tmp/out")"
fi
[ "$(($(posts) - before))" = 4 ] || fail "25 objects by 7 took $(($(posts) - before)) POSTs, want 4"
before=$(posts)
notes "$tmp/large.json" 1500 1500 1500 1500 1500
if expect_rc 0 "$HL_BIN" send --no-wait --channel us-ru "$tmp/large.json" --data "$A"; then
    grep -q "^stored 5 of 5 objects$" "$tmp/out" || fail "send of 5 large: $(cat "$tmp/out")"
fi
[ "$(($(posts) - before))" = 3 ] || fail "5 notes of 1.8 KB in 4096 bytes took $(($(posts) - before)) POSTs, want 3"
notes "$tmp/huge.json" 10 10 5000 10
if expect_rc 2 "$HL_BIN" send --no-wait --channel us-ru "$tmp/huge.json" --data "$A"; then
    grep -q "^stored 2 of 4 objects$" "$tmp/out" || fail "send past the node's size: $(cat "$tmp/out")"
    grep -q "the node answered 413" "$tmp/err" || fail "send past the node's size: $(cat "$tmp/err")"
fi

# ---- backup while serving ------------------------------------------------------------
if expect_rc 0 "$HL_BIN" backup --data "$A" --to "$tmp/a.bak" --json; then
    [ "$(json_get "$tmp/out" "sorted(d['files'])")" = "['card.json', 'cli.token', 'hotline.conf', 'identity.json', 'party.key', 'party.pub', 'tls.crt', 'tls.key']" ] ||
        fail "backup --json files: $(cat "$tmp/out")"
fi
[ "$(stat -c %a "$tmp/a.bak")" = 700 ] || fail "backup directory mode $(stat -c %a "$tmp/a.bak")"
for f in hotline.db party.key tls.key cli.token; do
    [ "$(stat -c %a "$tmp/a.bak/$f")" = 600 ] || fail "backup $f mode $(stat -c %a "$tmp/a.bak/$f")"
done
[ ! -e "$tmp/a.bak/serve.lock" ] || fail "backup copied serve.lock"
expect_rc 0 "$HL_BIN" verify --data "$tmp/a.bak" || true
[ "$("$HL_BIN" channel show us-ru --data "$tmp/a.bak" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["our_log_size"])')" = \
  "$("$HL_BIN" channel show us-ru --data "$A" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["our_log_size"])')" ] ||
    fail "the backup's log of us-ru differs from the node's"
expect_rc 2 "$HL_BIN" backup --data "$A" --to "$tmp/a.bak" || true
[ -f "$tmp/a.bak/party.key" ] || fail "a refused backup touched the existing directory"
expect_rc 2 "$HL_BIN" backup --data "$tmp/nonode" --to "$tmp/x.bak" || true
[ ! -e "$tmp/x.bak" ] || fail "a failed backup left its directory"
kill -TERM "$server_pid" 2>/dev/null || true
rc=0
wait "$server_pid" || rc=$?
server_pid=
[ "$rc" = 0 ] || fail "the restarted serve exited $rc after SIGTERM"
[ ! -e "$A/serve.lock" ] || fail "serve.lock left after the restarted server stopped"

# ---- usage -------------------------------------------------------------------------
for c in init user serve backup; do
    expect_rc 0 "$HL_BIN" $c --help && grep -q "^usage: hotline $c" "$tmp/out" || fail "$c --help"
done
expect_rc 2 "$HL_BIN" serve || true
expect_rc 2 "$HL_BIN" user frobnicate --data "$A" || true
expect_rc 2 "$HL_BIN" user list alice --data "$A" || true

finish node "ok (init, users, configuration errors, upgrade, serve on port $port, clean stop, serve.lock)"
