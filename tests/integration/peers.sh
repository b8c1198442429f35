#!/usr/bin/env bash
# peers.sh — setting up a federation as operators do it, without the
# replication worker doing the work: `hotline init`'s card.json and
# cli.token; cards exchanged; `hotline peer add` both ways with tokens
# (printed once, never listed); channels created with members on both
# sides, pending until every member is known, then active; `channel
# list|show`, `status` (exit 3 until a receipt covers the entry, 0 after
# one, here carried by log export/import) and `alarms`, in text and --json;
# wrong inputs refused with clear messages and nothing changed; a peer's
# account on a running `hotline serve` (HTTP Basic NAME:TOKEN) reading and
# writing exactly its channels; and the TLP 2.0 onward-sharing refusal of
# a local POST (the holding recorded with store_tlp_hold, as the accept
# path records it).
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_TLP_HOLD:?HL_TLP_HOLD must point at tests/integration/tlp_hold}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
server_pid=
cleanup_more() {
    if [ -n "$server_pid" ]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
}
for tool in curl python3; do
    command -v $tool >/dev/null || { echo "peers: $tool is required" >&2; exit 1; }
done

A=$tmp/a B=$tmp/b C=$tmp/c
last_word() { tr -s ' \n' '\n\n' <"$1" | grep -v '^$' | tail -1; }
# Everything a refusal must leave as it was.
state() {
    for c in "peer list" "user list" "channel list"; do "$HL_BIN" $c --data "$1" --json; done
}

# ---- init: card.json and cli.token ------------------------------------------------
for n in a b c; do
    "$HL_BIN" init --party "CERT ${n^^}" --data "$tmp/$n" >"$tmp/$n.id" 2>"$tmp/$n.init.err" ||
        fail "init $n: $(cat "$tmp/$n.init.err")"
    sed -i "s/^listen = .*/listen = 127.0.0.1:$(free_port)/" "$tmp/$n/hotline.conf"
done
party_a=$(cat "$tmp/a.id") party_b=$(cat "$tmp/b.id") party_c=$(cat "$tmp/c.id")
[ "$(stat -c %a "$A/card.json")" = 644 ] || fail "card.json mode $(stat -c %a "$A/card.json")"
[ "$(stat -c %a "$A/cli.token")" = 600 ] || fail "cli.token mode $(stat -c %a "$A/cli.token")"
[ "$(stat -c %a "$A/hotline.db")" = 600 ] || fail "hotline.db mode $(stat -c %a "$A/hotline.db")"
[ "$(stat -c %a "$A")" = 700 ] || fail "node directory mode $(stat -c %a "$A")"
# An older node's open database is made private by init --upgrade.
chmod 644 "$C/hotline.db"
expect_rc 0 "$HL_BIN" init --upgrade --data "$C" && grep -q "added mode 0700/0600" "$tmp/out" ||
    fail "upgrade did not say it made the database private: $(cat "$tmp/out")"
[ "$(stat -c %a "$C/hotline.db")" = 600 ] || fail "upgrade left hotline.db $(stat -c %a "$C/hotline.db")"
grep -Eq '^[A-Za-z0-9_-]{43}$' "$A/cli.token" || fail "cli.token: $(wc -c <"$A/cli.token") bytes"
[ "$(json_get "$A/card.json" "(d['hotline_card'], d['party'], d['name'])")" = "(1, '$party_a', 'CERT A')" ] ||
    fail "card.json: $(cat "$A/card.json")"
fp_a=$(openssl x509 -in "$A/tls.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
[ "$(json_get "$A/card.json" "d['cert_fingerprint']")" = "$fp_a" ] ||
    fail "card fingerprint is not tls.crt's SHA-256: $(cat "$A/card.json")"
[ "$(json_get "$A/card.json" "d['url']")" = "https://127.0.0.1:8443" ] ||
    fail "card url at init: $(json_get "$A/card.json" "d['url']")"
for n in a b c; do
    expect_rc 0 "$HL_BIN" peer card --data "$tmp/$n" && cp "$tmp/out" "$tmp/$n.card"
done
grep -q "is not reachable from another machine; give --url" "$tmp/err" ||
    fail "peer card did not warn of a loopback url: $(cat "$tmp/err")"
port_a=$(sed -n 's/^listen = 127.0.0.1://p' "$A/hotline.conf")
[ "$(json_get "$tmp/a.card" "d['url']")" = "https://127.0.0.1:$port_a" ] ||
    fail "peer card did not follow hotline.conf: $(cat "$tmp/a.card")"
expect_rc 0 "$HL_BIN" peer card --data "$A" --url https://hotline.example:9443/ &&
    [ "$(json_get "$tmp/out" "d['url']")" = "https://hotline.example:9443" ] ||
    fail "peer card --url: $(cat "$tmp/out")"
[ -s "$tmp/err" ] && fail "peer card --url warned: $(cat "$tmp/err")"
[ "$(json_get "$tmp/a.card" "d['public_key']")" = "$(json_get "$A/card.json" "d['public_key']")" ] ||
    fail "card key differs between init and peer card"

# ---- a channel named before its peer is known: pending ---------------------------------
expect_rc 0 "$HL_BIN" channel create us-ru --members b --data "$A" &&
    [ ! -s "$tmp/out" ] || fail "channel create is not quiet: $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" channel create tri --members b,c --data "$A" || true
expect_rc 0 "$HL_BIN" channel create private --data "$A" || true
if expect_rc 0 "$HL_BIN" channel list --data "$A"; then
    grep -q "^us-ru  created 20.*  waiting for b$" "$tmp/out" || fail "pending list: $(cat "$tmp/out")"
    grep -q "^tri  created .*waiting for b, c$" "$tmp/out" || fail "pending tri: $(cat "$tmp/out")"
    grep -q "^private  created .*  active$" "$tmp/out" || fail "private: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" channel list --data "$A" --json; then
    [ "$(json_get "$tmp/out" "[(c['name'], c['active'], c['pending']) for c in d['channels']]")" = \
        "[('private', True, []), ('tri', False, ['b', 'c']), ('us-ru', False, ['b'])]" ] ||
        fail "channel list --json: $(cat "$tmp/out")"
fi
expect_rc 0 "$HL_BIN" channel show us-ru --data "$A" && grep -q "waiting for b" "$tmp/out" &&
    grep -q "b: pending (not a known peer yet)" "$tmp/out" || fail "show pending: $(cat "$tmp/out")"

# ---- wrong inputs: refused, clearly, and nothing changes --------------------------------
expect_rc 0 "$HL_BIN" peer add b --data "$A" --card "$tmp/b.card" >/dev/null && cp "$tmp/out" "$tmp/add_b_at_a" ||
    true
state "$A" >"$tmp/state.before"
refuse() { # refuse PATTERN CMD...: exit 2, PATTERN on stderr
    local pattern=$1
    shift
    expect_rc 2 "$@" && { grep -q -- "$pattern" "$tmp/err" || fail "$*: stderr lacks '$pattern': $(cat "$tmp/err")"; }
}
refuse "already the peer 'b'" "$HL_BIN" peer add b2 --data "$A" --card "$tmp/b.card"
refuse "a peer named 'b' exists" "$HL_BIN" peer add b --data "$A" --card "$tmp/c.card"
refuse "this node's own party" "$HL_BIN" peer add me --data "$A" --card "$tmp/a.card"
refuse "already the peer 'b'" "$HL_BIN" peer add x --data "$A" --party "$party_b" \
    --public-key "$C/party.pub" --cert-fingerprint "$fp_a" --url https://127.0.0.1:1
refuse "is the key of party $party_b" "$HL_BIN" peer add x --data "$A" \
    --party identity--0b0e6f3a-1d8e-4d55-9f3a-0a3b5c7d9e11 --public-key "$B/party.pub" \
    --cert-fingerprint "$fp_a" --url https://127.0.0.1:1
refuse "a user named 'admin' exists" "$HL_BIN" peer add admin --data "$A" --card "$tmp/c.card"
refuse "not a peer name" "$HL_BIN" peer add "bad name" --data "$A" --card "$tmp/c.card"
refuse "64 hex digits" "$HL_BIN" peer add x --data "$A" --card "$tmp/c.card" --cert-fingerprint abc
refuse "https://" "$HL_BIN" peer add x --data "$A" --card "$tmp/c.card" --url http://127.0.0.1:1
echo '{"hotline_card": 2}' >"$tmp/bad.card"
refuse "not a hotline party card" "$HL_BIN" peer add x --data "$A" --card "$tmp/bad.card"
refuse "needs --card FILE" "$HL_BIN" peer add x --data "$A" --party "$party_c"
refuse "printable" "$HL_BIN" peer add x --data "$A" --card "$tmp/c.card" --token "has blank"
refuse "no peer 'nobody'" "$HL_BIN" peer set nobody --data "$A" --token abc
refuse "no peer 'nobody'" "$HL_BIN" peer remove nobody --data "$A"
refuse "is a member of channel tri, us-ru" "$HL_BIN" peer remove b --data "$A"
refuse "b is the account of a peer's node; 'hotline peer remove b'" "$HL_BIN" user remove b --data "$A"
refuse "channel 'us-ru' already exists" "$HL_BIN" channel create us-ru --data "$A"
refuse "not a peer name" "$HL_BIN" channel create x1 --members "b,no way" --data "$A"
refuse "named twice" "$HL_BIN" channel create x2 --members b,b --data "$A"
refuse "no channel 'nope'" "$HL_BIN" channel add-member nope b --data "$A"
refuse "no channel 'nope'" "$HL_BIN" channel show nope --data "$A"
refuse "not a STIX id" "$HL_BIN" status not-an-id --data "$A"
refuse "no channel 'nope'" "$HL_BIN" alarms --channel nope --data "$A"
state "$A" >"$tmp/state.after"
cmp -s "$tmp/state.before" "$tmp/state.after" || fail "a refused command changed the node: $(diff "$tmp/state.before" "$tmp/state.after")"

# ---- peer add both ways, with tokens ------------------------------------------------------
if [ -f "$tmp/add_b_at_a" ]; then
    grep -q "^peer b added: party $party_b at https://127.0.0.1:" "$tmp/add_b_at_a" ||
        fail "peer add output: $(cat "$tmp/add_b_at_a")"
    grep -q "^channel us-ru: b is a member now$" "$tmp/add_b_at_a" || fail "us-ru not activated: $(cat "$tmp/add_b_at_a")"
    grep -q "^channel tri: b is a member now$" "$tmp/add_b_at_a" || fail "tri: $(cat "$tmp/add_b_at_a")"
fi
tok_b_at_a=$(last_word "$tmp/add_b_at_a")
[[ $tok_b_at_a =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "peer add did not end with a token: $(cat "$tmp/add_b_at_a")"
# B adds A with the token A made for B (B's credential at A), from stdin.
if echo "$tok_b_at_a" | expect_rc 0 "$HL_BIN" peer add a --data "$B" --card "$tmp/a.card" --token - --json; then
    [ "$(json_get "$tmp/out" "(d['name'], d['party'], d['activated'])")" = "('a', '$party_a', [])" ] ||
        fail "peer add --json: $(cat "$tmp/out")"
    tok_a_at_b=$(json_get "$tmp/out" "d['token']")
fi
expect_rc 0 "$HL_BIN" peer set b --data "$A" --token "$tok_a_at_b" && [ ! -s "$tmp/out" ] ||
    fail "peer set is not quiet"
for n in a b; do
    expect_rc 0 "$HL_BIN" peer list --data "$tmp/$n" --json || continue
    grep -q -F -- "$tok_b_at_a" "$tmp/out" && fail "peer list at $n printed a token"
    grep -q -F -- "$tok_a_at_b" "$tmp/out" && fail "peer list at $n printed a token"
    [ "$(json_get "$tmp/out" "[p['token'] for p in d['peers']]")" = "['set']" ] ||
        fail "peer list at $n: $(cat "$tmp/out")"
done
expect_rc 0 "$HL_BIN" peer list --data "$A" &&
    grep -q "^b  party $party_b (CERT B)  https://127.0.0.1:[0-9]*  cert [0-9a-f]\{64\}  token: set  channels: tri, us-ru$" "$tmp/out" ||
    fail "peer list text: $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" user list --data "$A" &&
    grep -q "^b  (account of peer party $party_b)  tri:rw  us-ru:rw$" "$tmp/out" ||
    fail "b's account rights: $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" channel create us-ru --members a --data "$B" || true
expect_rc 0 "$HL_BIN" channel list --data "$B" --json &&
    [ "$(json_get "$tmp/out" "[(c['name'], c['active']) for c in d['channels']]")" = "[('us-ru', True)]" ] ||
    fail "B's channel with a known member is not active: $(cat "$tmp/out")"

# ---- a member named by mistake: remove-member drops a pending one, never a known one ---------
expect_rc 0 "$HL_BIN" channel create typo --members b,bb --data "$A" || true
expect_rc 0 "$HL_BIN" channel show typo --data "$A" --json &&
    [ "$(json_get "$tmp/out" "(d['active'], d['pending'])")" = "(False, ['bb'])" ] || fail "typo: $(cat "$tmp/out")"
refuse "b is a known peer; a member stays a member of typo" "$HL_BIN" channel remove-member typo b --data "$A"
refuse "nobody is not a pending member of typo" "$HL_BIN" channel remove-member typo nobody --data "$A"
refuse "no channel 'nope'" "$HL_BIN" channel remove-member nope bb --data "$A"
expect_rc 0 "$HL_BIN" channel remove-member typo bb --data "$A" && [ ! -s "$tmp/out" ] || fail "remove-member"
expect_rc 0 "$HL_BIN" channel show typo --data "$A" --json &&
    [ "$(json_get "$tmp/out" "(d['active'], d['pending'])")" = "(True, [])" ] || fail "typo after: $(cat "$tmp/out")"

# ---- three parties: tri waits for c until A adds it ----------------------------------------
expect_rc 0 "$HL_BIN" channel show tri --data "$A" --json &&
    [ "$(json_get "$tmp/out" "(d['active'], d['pending'])")" = "(False, ['c'])" ] ||
    fail "tri before c: $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" peer add c --data "$A" --card "$tmp/c.card" && grep -q "^channel tri: c is a member now$" "$tmp/out" ||
    fail "peer add c: $(cat "$tmp/out")"
tok_c_at_a=$(last_word "$tmp/out")
expect_rc 0 "$HL_BIN" channel show tri --data "$A" --json &&
    [ "$(json_get "$tmp/out" "(d['active'], d['pending'], sorted(m.get('peer') or '-' for m in d['members']))")" = \
        "(True, [], ['-', 'b', 'c'])" ] || fail "tri after c: $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" channel add-member us-ru c --data "$A" || true
expect_rc 0 "$HL_BIN" channel add-member us-ru c --data "$A" || true # twice: no change
expect_rc 0 "$HL_BIN" user list --data "$A" && grep -q "^c  (account of peer party $party_c)  tri:rw  us-ru:rw$" "$tmp/out" ||
    fail "c's rights after add-member: $(cat "$tmp/out")"

# ---- status: published, then delivered once a receipt covers it -------------------------------
obj=indicator--5f1c1c9e-6a3b-4bb5-9a49-4a3c1f2b3d41
cat >"$tmp/ind.json" <<EOF
{"type": "indicator", "spec_version": "2.1", "id": "$obj", "created": "2026-01-01T00:00:00.000Z",
 "modified": "2026-01-01T00:00:00.000Z", "pattern": "[ipv4-addr:value = '198.51.100.7']",
 "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}
EOF
expect_rc 0 "$HL_BIN" log append -q --data "$A" --channel us-ru "$tmp/ind.json" || true
if expect_rc 3 "$HL_BIN" status "$obj" --data "$A"; then
    grep -q "^$obj in channel us-ru: published by CERT A ($party_a) at seq 0, version 2026-01-01T00:00:00.000Z$" "$tmp/out" ||
        fail "status: $(cat "$tmp/out")"
    grep -q "^  b: not yet (it confirmed 0 entries of the log)$" "$tmp/out" || fail "status b: $(cat "$tmp/out")"
    grep -q "^  c: not yet" "$tmp/out" || fail "status c: $(cat "$tmp/out")"
fi
expect_rc 3 "$HL_BIN" status "$obj" --data "$A" --json &&
    [ "$(json_get "$tmp/out" "(d['delivered_to_all'], sorted((m['peer'], m['delivered']) for m in d['locations'][0]['members']))")" = \
        "(False, [('b', False), ('c', False)])" ] || fail "status --json: $(cat "$tmp/out")"
# B receives A's log and signs a receipt; A receives B's log with it.
"$HL_BIN" log export --data "$A" --channel us-ru --output "$tmp/a.jsonl" &&
    "$HL_BIN" log import --data "$B" "$tmp/a.jsonl" >/dev/null &&
    "$HL_BIN" log export --data "$B" --channel us-ru --output "$tmp/b.jsonl" &&
    "$HL_BIN" log import --data "$A" "$tmp/b.jsonl" >/dev/null || fail "export/import between a and b"
if expect_rc 3 "$HL_BIN" status "$obj" --data "$A" --channel us-ru; then
    grep -q "^  b: delivered, receipt #0 in its log at 20" "$tmp/out" || fail "status after receipt: $(cat "$tmp/out")"
fi
expect_rc 0 "$HL_BIN" status "$obj" --data "$B" --json &&
    [ "$(json_get "$tmp/out" "(d['delivered_to_all'], d['locations'][0]['members'][0]['receipt_seq'])")" = "(True, 0)" ] ||
    fail "status at b (a's receipt of its own log, b's receipt): $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" channel show us-ru --data "$A" &&
    grep -q "peer b: log 2 entries held here, tree head 1; holds 2/4 of our log; last contact never" "$tmp/out" &&
    grep -q "peer c: log 0 entries held here; holds 0/4 of our log; last contact never" "$tmp/out" ||
    fail "channel show after receipt: $(cat "$tmp/out")"
refuse "no object" "$HL_BIN" status indicator--00000000-0000-4000-8000-000000000000 --data "$A"

# ---- alarms ---------------------------------------------------------------------------------
expect_rc 0 "$HL_BIN" alarms --data "$A" && grep -q "^no alarms$" "$tmp/out" || fail "alarms: $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" alarms --data "$A" --json && [ "$(json_get "$tmp/out" "d")" = "{'alarms': []}" ] ||
    fail "alarms --json: $(cat "$tmp/out")"
python3 - "$A/hotline.db" "$party_b" <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
b = b'{"hotline_seq":0,"id":"note--2"}'
db.execute("INSERT INTO alarms(kind, party_id, channel_id, seq, created_us, detail, evidence_a,"
           " evidence_b, b_sha256) SELECT 'equivocation', ?, id, 0, 1767225600000000,"
           " 'two entries at seq 0', ?, ?, ? FROM channels WHERE name = 'us-ru'",
           (sys.argv[2], b'{"hotline_seq":0,"id":"note--1"}', b, hashlib.sha256(b).digest()))
db.commit()
EOF
if expect_rc 1 "$HL_BIN" alarms --data "$A"; then
    grep -q "^1 alarm(s):$" "$tmp/out" && grep -q "equivocation  party $party_b  channel us-ru  seq 0$" "$tmp/out" &&
        grep -q "^    two entries at seq 0$" "$tmp/out" || fail "alarms text: $(cat "$tmp/out")"
fi
expect_rc 1 "$HL_BIN" alarms --data "$A" --channel us-ru --json &&
    [ "$(json_get "$tmp/out" "(d['alarms'][0]['evidence_a']['id'], d['alarms'][0]['evidence_b']['id'])")" = "('note--1', 'note--2')" ] ||
    fail "alarms --json evidence: $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" alarms --data "$A" --channel tri || fail "alarms of another channel"
expect_rc 0 "$HL_BIN" channel show us-ru --data "$A" --json &&
    [ "$(json_get "$tmp/out" "[a['kind'] for a in d['alarms']]")" = "['equivocation']" ] ||
    fail "channel show alarms: $(cat "$tmp/out")"

# ---- a peer's account on a running node: exactly its channels ----------------------------------
: >"$tmp/serve.err"
"$HL_BIN" serve --data "$A" >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
url=https://127.0.0.1:$port_a
for _ in $(seq 1 100); do
    grep -q "hotline: serving" "$tmp/serve.err" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
accept='Accept: application/taxii+json;version=2.1'
ctype='Content-Type: application/taxii+json;version=2.1'
collection() { python3 -c 'import sys,uuid; print(uuid.uuid5(uuid.UUID("b403c8e5-2431-409e-8f0f-2090ced0a658"), sys.argv[1]))' "$1"; }
as_b() { curl -sS --cacert "$A/tls.crt" -H "$accept" -u "b:$tok_b_at_a" -o "$tmp/body" -w '%{http_code}' "$@"; }
code=$(as_b "$url/api/collections/") || fail "curl as b"
[ "$code" = 200 ] || fail "b's collections: $code"
[ "$(json_get "$tmp/body" "sorted((c['title'], c['can_read'], c['can_write']) for c in d['collections'])")" = \
    "[('tri', True, True), ('typo', True, True), ('us-ru', True, True)]" ] || fail "b sees: $(cat "$tmp/body")"
code=$(as_b "$url/api/collections/$(collection private)/objects/") || true
[ "$code" = 404 ] || fail "b read a channel it is not in: $code"
code=$(as_b "$url/api/collections/$(collection us-ru)/objects/") || true
[ "$code" = 200 ] || fail "b cannot read us-ru: $code"
code=$(curl -sS --cacert "$A/tls.crt" -H "$accept" -u "b:$tok_c_at_a" -o /dev/null -w '%{http_code}' "$url/api/") || true
[ "$code" = 401 ] || fail "c's token as b's: $code"

# ---- TLP 2.0: an object that came in on tri under AMBER stays out of us-ru ------------------------
held=note--8e0c7f4e-2b1d-4c6a-9f3e-5d4c3b2a1f00
"$HL_TLP_HOLD" "$A/hotline.db" "$held" tri TLP:AMBER || fail "tlp_hold"
cat >"$tmp/held.json" <<EOF
{"objects": [{"type": "note", "spec_version": "2.1", "id": "$held", "created": "2026-01-02T00:00:00.000Z",
 "modified": "2026-01-02T00:00:00.000Z", "content": "shared under TLP:AMBER", "object_refs": ["$obj"]}]}
EOF
post_admin() {
    curl -sS --cacert "$A/tls.crt" -H "$accept" -H "$ctype" -H "Authorization: Bearer $(cat "$A/cli.token")" \
        -o "$tmp/body" -w '%{http_code}' --data-binary @"$2" "$url/api/collections/$(collection "$1")/objects/"
}
code=$(post_admin us-ru "$tmp/held.json") || true
[ "$code" = 202 ] || fail "POST held object: $code $(cat "$tmp/body")"
[ "$(json_get "$tmp/body" "(d['success_count'], d['failure_count'])")" = "(0, 1)" ] || fail "TLP POST: $(cat "$tmp/body")"
[ "$(json_get "$tmp/body" "d['failures'][0]['message']")" = \
    "$held came in on channel tri under TLP:AMBER; TLP 2.0 forbids sharing it into channel us-ru" ] ||
    fail "TLP failure message: $(cat "$tmp/body")"
expect_rc 2 "$HL_BIN" status "$held" --data "$A" --channel us-ru || fail "the refused object was stored"
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["objects"][0]))' \
    "$tmp/held.json" >"$tmp/held-object.json"
refuse "came in on channel tri under TLP:AMBER; TLP 2.0 forbids sharing it into channel us-ru" \
    "$HL_BIN" log append --data "$A" --channel us-ru "$tmp/held-object.json"
code=$(post_admin tri "$tmp/held.json") || true
[ "$(json_get "$tmp/body" "d['success_count']")" = 1 ] || fail "same id into its own channel: $code $(cat "$tmp/body")"
grep -q -F -- "$tok_b_at_a" "$tmp/serve.err" && fail "serve logged b's token"
kill -TERM "$server_pid" 2>/dev/null || true
wait "$server_pid" || fail "serve did not stop cleanly"
server_pid=

# ---- remove: a peer that is no member goes, with its account ----------------------------------------
refuse "a is a member of channel us-ru" "$HL_BIN" peer remove a --data "$B"
"$HL_BIN" init --party "CERT D" --data "$tmp/d" >/dev/null 2>&1 && "$HL_BIN" peer card --data "$tmp/d" >"$tmp/d.card"
# D knows A's party from an imported log (not as a peer): another key for it is refused.
"$HL_BIN" channel create us-ru --data "$tmp/d" &&
    "$HL_BIN" log import --data "$tmp/d" --pin-key "$A/party.pub" "$tmp/a.jsonl" >/dev/null || fail "import at d"
state "$tmp/d" >"$tmp/state.before"
refuse "party $party_a (CERT A) is known here with another public key" "$HL_BIN" peer add x --data "$tmp/d" \
    --party "$party_a" --public-key "$C/party.pub" --cert-fingerprint "$fp_a" --url https://127.0.0.1:1
state "$tmp/d" >"$tmp/state.after"
cmp -s "$tmp/state.before" "$tmp/state.after" || fail "a refused peer add changed d"
# The same key is fine: the known party becomes the peer, keeping its name.
expect_rc 0 "$HL_BIN" peer add a --data "$tmp/d" --card "$tmp/a.card" --url https://a.example:9443/ \
    --cert-fingerprint "$(echo "$fp_a" | sed 's/../&:/g; s/:$//' | tr a-f A-F)" || true
"$HL_BIN" peer list --data "$tmp/d" | grep -q "^a  party $party_a (CERT A) " || fail "d's peer a"
expect_rc 0 "$HL_BIN" peer list --data "$tmp/d" --json &&
    [ "$(json_get "$tmp/out" "(d['peers'][0]['url'], d['peers'][0]['cert_fingerprint'])")" = \
        "('https://a.example:9443', '$fp_a')" ] || fail "flags over the card: $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" peer set a --data "$tmp/d" --url https://a2.example:1 --cert-fingerprint "$fp_a" &&
    "$HL_BIN" peer list --data "$tmp/d" --json | grep -q '"url":"https://a2.example:1"' || fail "peer set --url"
# a renewed its certificate and sends its new card: d takes its fingerprint and url.
fp_new=$(printf '%064d' 7)
python3 - "$tmp/a.card" "$tmp/a2.card" "$fp_new" "$tmp/c.card" "$tmp/a-key-c.card" <<'PY'
import json, sys
card = json.load(open(sys.argv[1]))
card.update(cert_fingerprint=sys.argv[3], url="https://a3.example:8443")
json.dump(card, open(sys.argv[2], "w"))
card["public_key"] = json.load(open(sys.argv[4]))["public_key"]
json.dump(card, open(sys.argv[5], "w"))
PY
if expect_rc 0 "$HL_BIN" peer set a --data "$tmp/d" --card "$tmp/a2.card"; then
    [ ! -s "$tmp/out" ] || fail "peer set --card is not quiet: $(cat "$tmp/out")"
    expect_rc 0 "$HL_BIN" peer list --data "$tmp/d" --json &&
        [ "$(json_get "$tmp/out" "(d['peers'][0]['url'], d['peers'][0]['cert_fingerprint'])")" = \
            "('https://a3.example:8443', '$fp_new')" ] || fail "peer set --card: $(cat "$tmp/out")"
fi
# Never another party's card, nor a's with another key; nothing changes.
state "$tmp/d" >"$tmp/state.before"
refuse "is the card of $party_c, not of a ($party_a)" "$HL_BIN" peer set a --data "$tmp/d" --card "$tmp/c.card"
refuse "gives a another public key than the one known here" "$HL_BIN" peer set a --data "$tmp/d" \
    --card "$tmp/a-key-c.card"
refuse "--party and --public-key belong to add" "$HL_BIN" peer set a \
    --data "$tmp/d" --party "$party_a"
state "$tmp/d" >"$tmp/state.after"
cmp -s "$tmp/state.before" "$tmp/state.after" || fail "a refused peer set --card changed d"
expect_rc 0 "$HL_BIN" peer add d --data "$A" --card "$tmp/d.card" || true
expect_rc 0 "$HL_BIN" peer remove d --data "$A" && [ ! -s "$tmp/out" ] || fail "peer remove d"
"$HL_BIN" peer list --data "$A" | grep -q "^d " && fail "d still listed"
"$HL_BIN" user list --data "$A" | grep -q "^d " && fail "d's account still there"

# ---- usage ------------------------------------------------------------------------------------------
for c in peer channel status alarms; do
    expect_rc 0 "$HL_BIN" $c --help && grep -q "^usage: hotline $c" "$tmp/out" || fail "$c --help"
done
expect_rc 0 "$HL_BIN" help && grep -q "^  peer " "$tmp/out" && grep -q "^  status " "$tmp/out" &&
    grep -q "^  alarms " "$tmp/out" || fail "hotline help lacks the new commands"
expect_rc 2 "$HL_BIN" peer frobnicate --data "$A" || true
expect_rc 2 "$HL_BIN" peer list extra --data "$A" || true
expect_rc 2 "$HL_BIN" peer list --token x --data "$A" || true

finish peers "ok (cards, peers both ways, pending to active, status 3 then 0, alarms, a peer's rights, TLP refusal)"
