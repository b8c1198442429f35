#!/usr/bin/env bash
# cli_canon.sh — `hotline canon` prints exactly the RFC 8785 bytes of each
# shared vector ($HL_SHARED/jcs), is a fixed point on its own output, reads
# stdin, and exits 2 with FILE:LINE:COL on malformed input.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SHARED:?HL_SHARED must point at shared/data}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Every vector, byte for byte; and canon of the canonical form changes nothing.
n=0
for input in "$HL_SHARED"/jcs/input/*.json; do
    name=$(basename "$input")
    want="$HL_SHARED/jcs/output/$name"
    expect_rc 0 "$HL_BIN" canon "$input" || continue
    cmp -s "$tmp/out" "$want" || fail "$name: output differs from jcs/output/$name"
    cp "$tmp/out" "$tmp/once.json"
    expect_rc 0 "$HL_BIN" canon "$tmp/once.json" || continue
    cmp -s "$tmp/out" "$want" || fail "$name: canon is not a fixed point"
    n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "only $n vectors checked"

# stdin, and no newline added.
"$HL_BIN" canon - <"$HL_SHARED/jcs/input/arrays.json" >"$tmp/out" || fail "canon - failed"
cmp -s "$tmp/out" "$HL_SHARED/jcs/output/arrays.json" || fail "canon - differs"
[ "$(tail -c 1 "$tmp/out")" = "]" ] || fail "canon added bytes after the document"

# Malformed input: exit 2, FILE:LINE:COL: message on stderr.
printf '{"a": 1,\n "a": 2}' >"$tmp/dup.json"
if expect_rc 2 "$HL_BIN" canon "$tmp/dup.json"; then
    grep -q "^$tmp/dup.json:2:[0-9]*: .*duplicate" "$tmp/err" || fail "duplicate: $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "output written for a refused document"
fi
printf '{"a": [1, 2}' >"$tmp/bad.json"
if expect_rc 2 "$HL_BIN" canon "$tmp/bad.json"; then
    grep -q "^$tmp/bad.json:1:[0-9]*: " "$tmp/err" || fail "bad JSON: $(cat "$tmp/err")"
fi
printf '{"n": 9007199254740992}' >"$tmp/big.json"
expect_rc 2 "$HL_BIN" canon "$tmp/big.json" || true
printf '{"s": "\xff"}' >"$tmp/utf8.json"
expect_rc 2 "$HL_BIN" canon "$tmp/utf8.json" || true
printf '{} trailing' >"$tmp/trailing.json"
expect_rc 2 "$HL_BIN" canon "$tmp/trailing.json" || true

# Usage: missing file, two files, unknown option, unreadable path.
expect_rc 2 "$HL_BIN" canon || true
expect_rc 2 "$HL_BIN" canon "$tmp/dup.json" "$tmp/bad.json" || true
expect_rc 2 "$HL_BIN" canon --frobnicate || true
expect_rc 2 "$HL_BIN" canon "$tmp/no-such-file.json" || true

# --help documents the contract.
if expect_rc 0 "$HL_BIN" canon --help; then
    grep -q "usage: hotline canon" "$tmp/out" || fail "--help has no usage line"
    grep -qi "no newline" "$tmp/out" || fail "--help does not say no newline is added"
fi
expect_rc 0 "$HL_BIN" help canon || true

finish cli_canon "ok ($n vectors)"
