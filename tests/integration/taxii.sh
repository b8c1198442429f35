#!/usr/bin/env bash
# taxii.sh — a real node on 127.0.0.1 with a random port and real TLS,
# and the TAXII 2.1 conformance client (taxii_client, libcurl) against
# it: every endpoint, filter, header and error of issue 4, concurrent
# writers and readers, then the same node restarted with small limits and
# each limit crossed. The node stops on SIGTERM with exit 0, its log names
# no token, and `hotline verify --data` passes after each run.
# HL_TAXII_TESTS='--test NAME ...' runs only those client tests (taxii_client
# refuses a name no phase has).
#
# The node holds two channels: "us-ru" (the main collection: objects
# appended with `hotline log append`, a second party's log imported, and
# whatever the client POSTs) and "side" (seen only by admin and "none").
# Users: rw, r, w on us-ru; none with a right on side only; nobody with
# no right at all; admin.
set -euo pipefail

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SRC:?HL_SRC must point at the source tree}"
client=${HL_TAXII_CLIENT:?HL_TAXII_CLIENT must name taxii_client (built only with libcurl)}

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
pid=
cleanup_more() {
    if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
}

start=$SECONDS

a=$tmp/a
b=$tmp/b
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# Node A, and B whose log A imports (a channel's collection holds the
# objects of all its members).
init_a=$("$HL_BIN" init --party "CERT A" --data "$a" --json 2>/dev/null)
party=$(json_field id <<<"$init_a")
party_key=$(json_field public_key <<<"$init_a")
admin_token=$(json_field admin_token <<<"$init_a")
peer=$("$HL_BIN" init --party "CERT B" --data "$b" 2>/dev/null)
for ch in us-ru side; do "$HL_BIN" channel create "$ch" --data "$a" >/dev/null; done
"$HL_BIN" channel create us-ru --data "$b" >/dev/null
"$HL_BIN" log append --data "$b" --channel us-ru "$HL_SRC/examples/note-proposal.json" >/dev/null
"$HL_BIN" log export --data "$b" --output "$tmp/b.jsonl" >/dev/null
"$HL_BIN" log import --data "$a" --pin-key "$b/party.pub" "$tmp/b.jsonl" >/dev/null
"$HL_BIN" log append --data "$a" --channel us-ru "$HL_SRC/examples/opinion-dispute.json" \
    "$HL_SRC/examples/incident-pipeline.json" >/dev/null

token() { "$HL_BIN" user add "$1" --channels "$2" --data "$a" | awk 'END { print $NF }'; }
rw_token=$(token rw us-ru:rw)
r_token=$(token r us-ru:r)
w_token=$(token w us-ru:w)
none_token=$(token none side:r)
nobody_token=$("$HL_BIN" user add nobody --data "$a" | awk 'END { print $NF }')

# Collection ids: the UUIDv5 of the channel name (taxii.h), computed here
# by another implementation.
ns=b403c8e5-2431-409e-8f0f-2090ced0a658
coll=$(python3 -c 'import uuid,sys; print(uuid.uuid5(uuid.UUID(sys.argv[1]), sys.argv[2]))' $ns us-ru)
coll_side=$(python3 -c 'import uuid,sys; print(uuid.uuid5(uuid.UUID(sys.argv[1]), sys.argv[2]))' $ns side)

# set_conf KEY VALUE: one line of hotline.conf.
set_conf() {
    sed -i "s|^$1 = .*|$1 = $2|" "$a/hotline.conf"
    grep -q "^$1 = $2\$" "$a/hotline.conf" || { echo "taxii.sh: no key $1 in hotline.conf" >&2; exit 1; }
}

url=
# serve LOG: starts the node, waits for its "serving" line, sets url.
serve() {
    local log=$1 line=
    "$HL_BIN" serve --data "$a" --listen 127.0.0.1:0 2>"$log" &
    pid=$!
    for _ in $(seq 1 100); do
        line=$(grep -m 1 -o 'serving https://[0-9.]*:[0-9]*/taxii2/' "$log" || true)
        [ -n "$line" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$line" ]; then
        echo "taxii.sh: the node did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
    url=${line#serving }
    url=${url%/taxii2/}
}

# stop LOG: SIGTERM, a clean exit 0, and nothing of a token in its log.
stop() {
    local log=$1 rc=0
    kill -TERM "$pid"
    wait "$pid" || rc=$?
    pid=
    [ "$rc" = 0 ] || fail "hotline serve exited $rc after SIGTERM: $(tail -n 5 "$log")"
    for t in "$admin_token" "$rw_token" "$r_token" "$w_token" "$none_token" "$nobody_token"; do
        if grep -qF -- "$t" "$log"; then fail "the node's log shows a token"; fi
    done
    if [ -z "${HL_TAXII_TESTS:-}" ] && ! grep -q ' 200 ' "$log"; then
        fail "the node logged no request line: $(head -n 3 "$log")"
    fi
    if ! "$HL_BIN" verify --data "$a" >"$tmp/verify.out" 2>&1; then
        fail "hotline verify --data after the run: $(tail -n 5 "$tmp/verify.out")"
    fi
}

run_client() {
    local phase=$1
    shift
    mkdir -p "$tmp/out"
    if ! timeout 50 "$client" --phase "$phase" --url "$url" --ca "$a/tls.crt" --coll "$coll" \
        --coll-other "$coll_side" --channel us-ru --party "$party" --party-key "$party_key" \
        --peer "$peer" --out "$tmp/out" --user "admin:admin:$admin_token" \
        --user "rw:rw:$rw_token" --user "r:r:$r_token" --user "w:w:$w_token" \
        --user "none:none:$none_token" --user "nobody:nobody:$nobody_token" "$@" \
        ${HL_TAXII_TESTS:-} 2>&1; then
        fail "taxii_client --phase $phase"
        return 1
    fi
}

# Phase main: generous limits, so that only the tests below cross them.
set_conf rate_per_minute 1000000
serve "$tmp/serve-main.log"
run_client main || true
# Users change under a running node: a removed user's token stops
# working at once, a right taken away is gone from the next request.
status_of() {
    curl -s -o /dev/null -w '%{http_code}' --cacert "$a/tls.crt" \
        -H 'Accept: application/taxii+json;version=2.1' -u "$1" "$url/api/collections/$coll/"
}
[ "$(status_of "r:$r_token")" = 200 ] || fail "user r before its removal: $(status_of "r:$r_token")"
"$HL_BIN" user remove r --data "$a"
[ "$(status_of "r:$r_token")" = 401 ] || fail "a removed user's token still works"
"$HL_BIN" user grant w --channels us-ru:none --data "$a" >/dev/null
[ "$(status_of "w:$w_token")" = 404 ] || fail "a right taken away still works"
"$HL_BIN" user grant w --channels us-ru:w --data "$a" >/dev/null
# SIGTERM while writers POST: requests in flight finish, the node exits 0,
# and after a restart every acknowledged object is there.
run_client drain >"$tmp/drain.out" 2>&1 &
cpid=$!
for _ in $(seq 600); do # until the writers have objects acknowledged, at most 60 s
    [ -e "$tmp/out/drain.started" ] && break
    kill -0 "$cpid" 2>/dev/null || break
    sleep 0.1
done
[ -e "$tmp/out/drain.started" ] || fail "the drain phase's writers got no answer in 60 s"
stop "$tmp/serve-main.log"
wait "$cpid" || fail "the drain phase: $(cat "$tmp/drain.out")"
cat "$tmp/drain.out"
serve "$tmp/serve-acked.log"
run_client acked || true
stop "$tmp/serve-acked.log"

# Phase limits: the same node restarted with small limits, then again
# with a long timeout for the connection limits (filling a node with TLS
# connections must not race its idle timeout).
limits=(max_content_length=65536 max_objects=20 max_connections=12 max_per_client=4
        rate_per_minute=100 timeout_s=2)
args=()
for kv in "${limits[@]}"; do
    set_conf "${kv%%=*}" "${kv#*=}"
    [ "${kv%%=*}" = max_content_length ] || args+=(--limit "$kv")
done
serve "$tmp/serve-limits.log"
run_client limits "${args[@]}" --test test_limit_body_size_413 \
    --test test_limit_objects_per_envelope_413 --test test_limit_json_depth \
    --test test_limit_rate_429 --test test_limit_timeouts || true
stop "$tmp/serve-limits.log"
set_conf timeout_s 30
serve "$tmp/serve-connections.log"
run_client limits "${args[@]/timeout_s=2/timeout_s=30}" --test test_limit_connections || true
stop "$tmp/serve-connections.log"

elapsed=$((SECONDS - start))
echo "taxii.sh: ${elapsed}s"
[ "$elapsed" -lt 60 ] || fail "the TAXII test took ${elapsed}s, over its 60 s bound"
finish taxii.sh "ok"
