#!/bin/bash
# schema.sh — the OASIS STIX 2.1 JSON Schemas, checked with ajv
# (tests/schema/check.mjs), accept every file under examples/ and every
# official OASIS example, and reject deliberately broken objects with the
# file, object index and instance path of the violation.
#
# Needs node and tests/schema/node_modules (scripts/install-deps runs
# `npm ci` there). Env: HL_SRC (source root), HL_SHARED (shared/data).
set -euo pipefail
: "${HL_SRC:?HL_SRC must name the source root}"
: "${HL_SHARED:?HL_SHARED must name shared/data}"
check="$HL_SRC/tests/schema/check.mjs"
if [ ! -d "$HL_SRC/tests/schema/node_modules/ajv" ]; then
    echo "schema.sh: ajv is not installed; run scripts/install-deps" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect_ok NAME PATH...: exit 0, no object skipped, at least one checked.
expect_ok() {
    local name=$1 out rc=0
    shift
    out=$(node "$check" "$@" 2>&1) || rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "$name: exit $rc, want 0"; echo "$out" >&2; return
    fi
    grep -q "skipped" <<<"$out" && fail "$name: objects skipped: $out"
    grep -Eq '^[1-9][0-9]* objects valid against the OASIS schemas$' <<<"$out" ||
        fail "$name: no objects counted: $out"
    echo "ok: $name: $out"
}

# expect_bad NAME FILE PATTERN: exit 1 and a line matching PATTERN.
expect_bad() {
    local name=$1 file=$2 pattern=$3 out rc=0
    out=$(node "$check" "$file" 2>&1) || rc=$?
    [ "$rc" -eq 1 ] || fail "$name: exit $rc, want 1: $out"
    grep -Eq -- "$pattern" <<<"$out" || fail "$name: no line matches '$pattern': $out"
    [ "$rc" -eq 1 ] && echo "ok: $name rejected"
}

# mutate SRC DST JS: writes SRC's JSON, changed by the JS body (doc is `d`), to DST.
mutate() {
    node -e 'const fs = require("fs"); const d = JSON.parse(fs.readFileSync(process.argv[1]));
             (new Function("d", process.argv[3]))(d); fs.writeFileSync(process.argv[2], JSON.stringify(d));' \
        "$1" "$2" "$3"
}

expect_ok "examples/" "$HL_SRC/examples"
expect_ok "OASIS examples" "$HL_SHARED/stix2/examples"

ex="$HL_SRC/examples"
# An opinion value outside opinion-enum (STIX 2.1 §4.11).
mutate "$ex/opinion-dispute.json" "$tmp/bad-opinion.json" 'd.opinion = "maybe";'
expect_bad "opinion outside opinion-enum" "$tmp/bad-opinion.json" \
    "bad-opinion.json: object: /opinion: must be equal to one of the allowed values"
# An indicator inside a bundle without its required pattern (STIX 2.1 §4.7).
mutate "$ex/incident-pipeline.json" "$tmp/bad-bundle.json" \
    'const i = d.objects.findIndex(o => o.type === "indicator"); delete d.objects[i].pattern;'
expect_bad "bundle member missing pattern" "$tmp/bad-bundle.json" \
    "bad-bundle.json: objects\[[0-9]+\]: /: must have required property 'pattern'"
# A created timestamp without milliseconds (STIX 2.1 §3.2).
mutate "$ex/note-proposal.json" "$tmp/bad-time.json" 'd.created = "2026-07-27T07:52:40Z";'
expect_bad "created without milliseconds" "$tmp/bad-time.json" "bad-time.json: object: /created: "
# A bundle whose id is not a bundle id (STIX 2.1 §8).
mutate "$ex/parties.json" "$tmp/bad-shell.json" 'd.id = d.id.replace("bundle--", "report--");'
expect_bad "bundle with a report id" "$tmp/bad-shell.json" "bad-shell.json: /id: must match pattern"
# A TAXII envelope whose `more` is not a boolean (TAXII 2.1 §3.7).
mutate "$ex/sighting-envelope.json" "$tmp/bad-envelope.json" 'd.more = "no";'
expect_bad "envelope with string more" "$tmp/bad-envelope.json" "bad-envelope.json: /more: must be boolean"

# A custom type is reported as skipped, never counted as valid.
printf '{"type":"x-hotline-test","spec_version":"2.1","id":"x-hotline-test--4f1c8a52-4c0e-4a57-9a43-0a6b4b1f2d11","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"}' \
    >"$tmp/custom.json"
out=$(node "$check" "$tmp/custom.json" 2>&1) || fail "custom type: exit $?, want 0"
grep -q '^0 objects valid against the OASIS schemas (1 skipped' <<<"$out" ||
    fail "custom type not reported as skipped: $out"

if [ "$fails" -ne 0 ]; then
    echo "schema.sh: $fails failure(s)" >&2
    exit 1
fi
echo "schema.sh: all checks passed"
