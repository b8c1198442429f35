#!/usr/bin/env bash
# cli_seal.sh — keygen → seal sign → seal verify round trip (plain X.590
# and hotline seal), the shared X.590 objects verify, tampered copies fail
# with exit 1, secret key files readable by others are refused, keys are
# never overwritten.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SHARED:?HL_SHARED must point at shared/data}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

example=MCowBQYDK2VwAyEAubMonBfU9pvIbj5RCiWQLD45Jvu6mKr+kQXjvjW8ZkU
party=identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f

# The shared objects verify and name the X.590 example key.
if expect_rc 0 "$HL_BIN" seal verify "$HL_SHARED"/x590/signed*.json; then
    [ "$(grep -c ": ok, signed by $example\$" "$tmp/out")" = 3 ] || fail "signers: $(cat "$tmp/out")"
fi

# keygen: 0600 secret, public key printed and stored, no overwrite.
umask 022
if expect_rc 0 "$HL_BIN" keygen --out "$tmp/alice"; then
    pub=$(cat "$tmp/out")
    [ "$(stat -c %a "$tmp/alice.key")" = 600 ] || fail "secret key mode $(stat -c %a "$tmp/alice.key")"
    [ "$(sed -n 2p "$tmp/alice.pub")" = "$pub" ] || fail "public key file differs from output"
    [ "$(head -1 "$tmp/alice.key")" = hotline-ed25519-secret-v1 ] || fail "secret key format"
fi
cp "$tmp/alice.key" "$tmp/alice.key.orig"
expect_rc 2 "$HL_BIN" keygen --out "$tmp/alice" || true
cmp -s "$tmp/alice.key" "$tmp/alice.key.orig" || fail "keygen overwrote a key"
expect_rc 2 "$HL_BIN" keygen || true

# Plain X.590 round trip on a shared object without its signature.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("signatures"); json.dump(d, open(sys.argv[2], "w"))' \
    "$HL_SHARED/x590/signed3.json" "$tmp/plain.json"
expect_rc 0 "$HL_BIN" seal sign --key "$tmp/alice.key" "$tmp/plain.json" && cp "$tmp/out" "$tmp/signed.json"
if expect_rc 0 "$HL_BIN" seal verify "$tmp/signed.json"; then
    grep -q ": ok, signed by $pub\$" "$tmp/out" || fail "signer not named: $(cat "$tmp/out")"
fi
# stdin, and a second signature on top keeps both valid.
expect_rc 0 "$HL_BIN" seal sign --key "$tmp/alice.key" - <"$HL_SHARED/x590/signed2.json" &&
    cp "$tmp/out" "$tmp/two.json"
if expect_rc 0 "$HL_BIN" seal verify "$tmp/two.json"; then
    grep -q "signed by $example, $pub" "$tmp/out" || fail "two signers: $(cat "$tmp/out")"
fi

# Hotline seal: party, channel and sequence number are shown and bound.
cat >"$tmp/indicator.json" <<'JSON'
{"type": "indicator", "spec_version": "2.1",
 "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
 "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
 "name": "Poison Ivy C2", "pattern": "[ipv4-addr:value = '198.51.100.1']",
 "pattern_type": "stix", "valid_from": "2016-01-01T00:00:00Z"}
JSON
expect_rc 0 "$HL_BIN" seal sign --key "$tmp/alice.key" --party $party --channel us-ru --seq 812 \
    "$tmp/indicator.json" && cp "$tmp/out" "$tmp/sealed.json"
if expect_rc 0 "$HL_BIN" seal verify "$tmp/sealed.json"; then
    grep -q "(hotline seal: party $party, channel us-ru, seq 812)" "$tmp/out" ||
        fail "seal not shown: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" seal verify --json "$tmp/sealed.json"; then
    python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read()); assert r["verified"] and r["seal"]["seq"] == 812 and r["signers"] == [sys.argv[2]]' \
        "$tmp/out" "$pub" || fail "--json: $(cat "$tmp/out")"
fi
expect_rc 2 "$HL_BIN" seal sign --key "$tmp/alice.key" --party $party "$tmp/indicator.json" || true
expect_rc 2 "$HL_BIN" seal sign --key "$tmp/alice.key" --party $party --channel us-ru --seq -1 \
    "$tmp/indicator.json" || true

# Tampering: exit 1, and an untouched file alongside still says ok.
tamper() { # NAME SED-EXPR SOURCE
    sed "$2" "$3" >"$tmp/$1.json"
    cmp -s "$3" "$tmp/$1.json" && fail "$1: sed changed nothing"
    if expect_rc 1 "$HL_BIN" seal verify "$tmp/$1.json" "$tmp/sealed.json"; then
        grep -q "^$tmp/$1.json: FAILED" "$tmp/out" || fail "$1: not reported: $(cat "$tmp/out")"
        grep -q "^$tmp/sealed.json: ok" "$tmp/out" || fail "$1: good file not ok"
    fi
}
tamper seq 's/"hotline_seq":812/"hotline_seq":813/' "$tmp/sealed.json"
tamper channel 's/"hotline_channel":"us-ru"/"hotline_channel":"us-cn"/' "$tmp/sealed.json"
tamper name 's/Poison Ivy/Poison Oak/' "$tmp/sealed.json"
tamper shared 's/Hello signed world/Hello signed World/' "$HL_SHARED/x590/signed2.json"
tamper value 's/"value": "F1Sj/"value": "F1Sk/' "$HL_SHARED/x590/signed2.json"
echo '{"a": 1}' >"$tmp/unsigned.json"
expect_rc 1 "$HL_BIN" seal verify "$tmp/unsigned.json" || true
echo '{"a": 1, "a": 2}' >"$tmp/dup.json"
expect_rc 2 "$HL_BIN" seal verify "$tmp/dup.json" || true

# A secret key readable by others is refused, with the fix in the message.
cp -p "$tmp/alice.key" "$tmp/open.key"
chmod 0644 "$tmp/open.key"
if expect_rc 2 "$HL_BIN" seal sign --key "$tmp/open.key" "$tmp/plain.json"; then
    grep -q "chmod 600" "$tmp/err" || fail "no advice for mode 0644: $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "signed with a refused key"
fi
expect_rc 2 "$HL_BIN" seal sign --key "$tmp/alice.pub" "$tmp/plain.json" || true
expect_rc 2 "$HL_BIN" seal sign "$tmp/plain.json" || true
expect_rc 2 "$HL_BIN" seal verify || true
expect_rc 2 "$HL_BIN" seal frobnicate || true
if expect_rc 0 "$HL_BIN" seal --help; then
    grep -q "usage: hotline seal sign" "$tmp/out" || fail "--help has no usage line"
fi
expect_rc 0 "$HL_BIN" keygen --help || true

finish cli_seal "ok"
