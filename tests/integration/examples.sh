#!/bin/bash
# examples.sh — every example hotline ships (examples/*.json) and every
# official OASIS example ($HL_SHARED/stix2/examples, recursively) is valid
# STIX 2.1 to `hotline validate` (exit 0: no errors), our own examples also
# without a single warning; and `hotline canon` output is a fixed point:
# canonicalizing the canonical form gives the same bytes (RFC 8785 §3.2).
#
# $HL_SHARED/stix2/interop is not checked here: despite its name it holds
# the OASIS "interop" JSON Schemas (20 files, each with "$schema"), not STIX
# objects; tests/schema/check.mjs is what reads schemas.
#
# Env: HL_BIN (the hotline binary), HL_SRC (source root), HL_SHARED.
set -euo pipefail
: "${HL_BIN:?HL_BIN must name the hotline binary}"
: "${HL_SRC:?HL_SRC must name the source root}"
: "${HL_SHARED:?HL_SHARED must name shared/data}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
checked=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

for cmd in validate canon; do
    if ! "$HL_BIN" help "$cmd" >/dev/null 2>&1; then
        echo "examples.sh: this hotline has no '$cmd' command yet" >&2
        exit 1
    fi
done

# check FILE STRICT: validate (STRICT=1: no warnings either), then canon twice.
check() {
    local f=$1 strict=$2 rc=0
    "$HL_BIN" validate "$f" >"$tmp/out" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "validate $f: exit $rc, want 0"; sed 's/^/    /' "$tmp/out" >&2
    elif [ "$strict" = 1 ] && grep -q ': warning: ' "$tmp/out"; then
        fail "validate $f: warnings in our own example"; sed 's/^/    /' "$tmp/out" >&2
    fi
    rc=0
    "$HL_BIN" canon "$f" >"$tmp/c1" 2>"$tmp/err" || rc=$?
    if [ "$rc" -ne 0 ] || [ ! -s "$tmp/c1" ]; then
        fail "canon $f: exit $rc, output $(wc -c <"$tmp/c1") bytes"; cat "$tmp/err" >&2
        return
    fi
    rc=0
    "$HL_BIN" canon "$tmp/c1" >"$tmp/c2" 2>"$tmp/err" || rc=$?
    if [ "$rc" -ne 0 ] || ! cmp -s "$tmp/c1" "$tmp/c2"; then
        fail "canon $f: canonical form is not a fixed point (exit $rc)"; cat "$tmp/err" >&2
    fi
    checked=$((checked + 1))
}

shopt -s nullglob
ours=("$HL_SRC"/examples/*.json)
[ "${#ours[@]}" -gt 0 ] || fail "no examples under $HL_SRC/examples"
for f in "${ours[@]}"; do check "$f" 1; done

mapfile -t oasis < <(find "$HL_SHARED/stix2/examples" -name '*.json' -type f | sort)
[ "${#oasis[@]}" -gt 0 ] || fail "no OASIS examples under $HL_SHARED/stix2/examples"
for f in "${oasis[@]}"; do check "$f" 0; done

# The check can fail: a broken example must not pass validate.
sed 's/"opinion": "strongly-disagree"/"opinion": "maybe"/' "$HL_SRC/examples/opinion-dispute.json" \
    >"$tmp/broken.json"
rc=0
"$HL_BIN" validate "$tmp/broken.json" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "validate of an opinion outside opinion-enum (STIX 2.1 §4.11): exit $rc, want 1"

if [ "$fails" -ne 0 ]; then
    echo "examples.sh: $fails failure(s) in $((${#ours[@]} + ${#oasis[@]})) files" >&2
    exit 1
fi
echo "examples.sh: $checked files valid, canonical form stable"
