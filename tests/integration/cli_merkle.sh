#!/usr/bin/env bash
# cli_merkle.sh — `hotline merkle verify` agrees with wantErr on every
# shared RFC 6962/9162 vector ($HL_SHARED/merkle), exits 1 (naming the
# file) when a wantErr is flipped, and 2 on files it cannot check.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SHARED:?HL_SHARED must point at shared/data}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t files < <(find "$HL_SHARED/merkle" -name '*.json' | sort)
[ "${#files[@]}" -ge 100 ] || fail "only ${#files[@]} vector files found"

# The whole folder matches; quiet unless asked.
if expect_rc 0 "$HL_BIN" merkle verify "${files[@]}"; then
    [ ! -s "$tmp/out" ] || fail "output without --verbose: $(head -3 "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" merkle verify --verbose "${files[@]}"; then
    [ "$(grep -c ': ok, ' "$tmp/out")" = "${#files[@]}" ] || fail "--verbose: not one line per file"
fi
if expect_rc 0 "$HL_BIN" merkle verify --json "${files[@]}"; then
    python3 - "$tmp/out" "${#files[@]}" <<'PY' || fail "--json output is wrong"
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == int(sys.argv[2]), len(r)
assert all(x["result"] == "match" for x in r)
PY
fi

# Flip wantErr of a happy path and of a broken proof: exit 1, both named.
cp "$HL_SHARED/merkle/inclusion/1/happy-path.json" "$tmp/inc.json"
cp "$HL_SHARED/merkle/consistency/2/wrong-root1.json" "$tmp/con.json"
sed -i 's/"wantErr": false/"wantErr": true/' "$tmp/inc.json"
sed -i 's/"wantErr": true/"wantErr": false/' "$tmp/con.json"
if expect_rc 1 "$HL_BIN" merkle verify "$tmp/inc.json" "$tmp/con.json" "${files[0]}"; then
    grep -q "^$tmp/inc.json: MISMATCH" "$tmp/out" || fail "flipped inclusion not named"
    grep -q "^$tmp/con.json: MISMATCH" "$tmp/out" || fail "flipped consistency not named"
    grep -q "${files[0]}" "$tmp/out" && fail "a matching file was reported"
fi
# The huge index of leafIdx-sub-@1 is read exactly, not rounded.
cp "$HL_SHARED/merkle/inclusion/0/happy-path.json" "$tmp/big.json"
sed -i 's/"leafIdx": 0/"leafIdx": 18446744073709551616/' "$tmp/big.json"
expect_rc 2 "$HL_BIN" merkle verify "$tmp/big.json" || true

# Not proof files, unreadable, usage.
echo '{"a": 1}' >"$tmp/other.json"
expect_rc 2 "$HL_BIN" merkle verify "$tmp/other.json" || true
echo '{"wantErr": true, "wantErr": false}' >"$tmp/dup.json"
expect_rc 2 "$HL_BIN" merkle verify "$tmp/dup.json" || true
expect_rc 2 "$HL_BIN" merkle verify "$tmp/no-such.json" || true
expect_rc 2 "$HL_BIN" merkle verify || true
expect_rc 2 "$HL_BIN" merkle frobnicate || true
expect_rc 2 "$HL_BIN" merkle verify --frobnicate "${files[0]}" || true
if expect_rc 0 "$HL_BIN" merkle --help; then
    grep -q "usage: hotline merkle verify" "$tmp/out" || fail "--help has no usage line"
fi

finish cli_merkle "ok (${#files[@]} vectors)"
