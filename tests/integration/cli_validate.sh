#!/bin/bash
# cli_validate.sh — `hotline validate`: exit codes (0 valid with warnings
# allowed, 1 a STIX error, 2 usage, unreadable file or malformed JSON),
# the FILE:PATH: severity: message lines, FILE:LINE:COL for parse errors,
# --json's report, --quiet, stdin, and several files at once.
# Env: HL_BIN (the hotline binary), HL_SHARED (shared/data).
set -euo pipefail
: "${HL_BIN:?HL_BIN must name the hotline binary}"
: "${HL_SHARED:?HL_SHARED must name shared/data}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run WANT_RC ARGS...: runs validate, output in $tmp/out and $tmp/err.
run() {
    local want=$1 rc=0
    shift
    "$HL_BIN" validate "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -eq "$want" ] || { fail "validate $*: exit $rc, want $want"; cat "$tmp/out" "$tmp/err" >&2; }
}
expect_line() { grep -qF -- "$1" "$tmp/$2" || { fail "no line '$1' in $2"; cat "$tmp/$2" >&2; }; }

U=8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f
cat >"$tmp/good.json" <<JSON
{"type":"tool","spec_version":"2.1","id":"tool--$U","created":"2016-04-06T20:03:00.000Z",
 "modified":"2016-04-06T20:03:00.000Z","name":"nmap"}
JSON
sed 's/"name":"nmap"/"name":"nmap","x_acme_score":3/' "$tmp/good.json" >"$tmp/warn.json"
cat >"$tmp/bad.json" <<JSON
{"type":"bundle","id":"bundle--$U","objects":[
 {"type":"tool","spec_version":"2.1","id":"tool--$U","created":"2016-04-06T20:03:00.000Z",
  "modified":"2016-04-06T20:03:00.000Z","name":"nmap"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--$U","created":"2016-04-06T20:03:00.000Z",
  "modified":"2016-04-06T20:03:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.1']",
  "pattern_type":"stix","valid_from":"2021-01-01T00:00:00Z","valid_until":"2020-01-01T00:00:00Z"}]}
JSON
printf '{"type": "tool",\n  "name": }\n' >"$tmp/broken.json"

run 0 "$tmp/good.json"
[ ! -s "$tmp/out" ] || fail "a valid file printed findings"
run 0 "$tmp/warn.json"
expect_line "$tmp/warn.json:x_acme_score: warning: " out
run 1 "$tmp/bad.json"
expect_line "$tmp/bad.json:objects[1].valid_until: error: 'valid_until' (2020-01-01T00:00:00Z) must be later than 'valid_from' (2021-01-01T00:00:00Z)" out
run 2 "$tmp/broken.json"
grep -qE "^$tmp/broken.json:2:[0-9]+: " "$tmp/err" || { fail "parse error without FILE:LINE:COL"; cat "$tmp/err" >&2; }
run 2 "$tmp/missing.json"
run 2
run 2 --frobnicate "$tmp/good.json"
run 0 --help
expect_line "usage: hotline validate" out
run 1 "$tmp/good.json" "$tmp/bad.json" "$tmp/warn.json"
run 2 "$tmp/bad.json" "$tmp/missing.json"
run 1 --quiet "$tmp/bad.json"
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "--quiet printed something"
rc=0
"$HL_BIN" validate - <"$tmp/bad.json" >"$tmp/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "validate - (stdin): exit $rc, want 1"
expect_line "-:objects[1].valid_until: error:" out

# --json: one report, parsable, with every file and finding
run 1 --json "$tmp/good.json" "$tmp/bad.json"
python3 - "$tmp/out" "$tmp/good.json" "$tmp/bad.json" <<'PY' || fail "--json report is wrong"
import json, sys
rep = json.load(open(sys.argv[1]))
files = rep["files"]
assert [f["file"] for f in files] == sys.argv[2:4], files
assert files[0]["valid"] is True and files[0]["findings"] == []
assert files[1]["valid"] is False
f = files[1]["findings"][0]
assert set(f) == {"severity", "path", "message"}, f
assert f["severity"] == "error" and f["path"] == "objects[1].valid_until", f
PY
run 2 --json "$tmp/broken.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); f=r["files"][0]; assert not f["valid"] and f["findings"][0]["severity"]=="error"' "$tmp/out" \
    || fail "--json with a parse error"

# the OASIS examples are valid (their schemas in interop/ are not STIX content)
mapfile -t oasis < <(find "$HL_SHARED/stix2/examples" -name '*.json' -type f | sort)
run 0 --quiet "${oasis[@]}"

if [ "$fails" -ne 0 ]; then
    echo "cli_validate.sh: $fails failure(s)" >&2
    exit 1
fi
echo "cli_validate.sh: all checks passed"
