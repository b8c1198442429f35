#!/usr/bin/env bash
# match.sh — issue 7: `hotline match` end to end. Party a publishes
# indicators into channel ab (one revoked, one expired); b, its peer,
# matches them against observations on stdin in the line format and as
# observed-data (one per line, and a pretty-printed bundle with
# object_refs), with exit codes for usage errors, --fail-on-match and an
# unknown channel; picks up an indicator published while it runs; with
# --report publishes sightings through its running node, which reach a
# (TAXII GET at a: sighting_of_ref, count, first/last seen,
# observed_data_refs, where_sighted_refs = b); and with its node stopped
# appends the sighting to its log directly, which a receives once b serves
# again.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

fed_pair a b ab

IP=indicator--0a7c2d49-9a1c-4f8e-b0c4-1b6f3f1d0001
DOM=indicator--0a7c2d49-9a1c-4f8e-b0c4-1b6f3f1d0002
SEQ=indicator--0a7c2d49-9a1c-4f8e-b0c4-1b6f3f1d0003
REV=indicator--0a7c2d49-9a1c-4f8e-b0c4-1b6f3f1d0004
OLD=indicator--0a7c2d49-9a1c-4f8e-b0c4-1b6f3f1d0005
NEW=indicator--0a7c2d49-9a1c-4f8e-b0c4-1b6f3f1d0006
OD=observed-data--6b1e4c1d-3a51-4b2b-9a8e-6f0c7d2e0001

# indicator ID PATTERN [EXTRA-JSON-MEMBERS]
indicator() {
    printf '{"type": "indicator", "spec_version": "2.1", "id": "%s", "created_by_ref": "%s", "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "pattern": "%s", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"%s}' \
        "$1" "$(fed_party a)" "$2" "${3:-}"
}
{
    printf '{"type": "bundle", "id": "bundle--0a7c2d49-9a1c-4f8e-b0c4-1b6f3f1d0100", "objects": ['
    indicator "$IP" "[ipv4-addr:value = '198.51.100.7']"
    printf ', '
    indicator "$DOM" "[domain-name:value = 'evil.example' OR domain-name:value = 'bad.example']"
    printf ', '
    indicator "$SEQ" "[domain-name:value = 'c2.example'] FOLLOWEDBY [ipv4-addr:value ISSUBSET '203.0.113.0/24'] WITHIN 60 SECONDS"
    printf ', '
    indicator "$REV" "[ipv4-addr:value = '198.51.100.7']" ', "revoked": true'
    printf ', '
    indicator "$OLD" "[ipv4-addr:value = '198.51.100.7']" ', "valid_until": "2026-02-01T00:00:00Z"'
    printf ']}\n'
} >"$tmp/indicators.json"
expect_rc 0 "$HL_BIN" send --channel ab "$tmp/indicators.json" --data "$tmp/a" --timeout 30 || true
fed_wait 20 sh -c "python3 '$fed_dir/fed_tool.py' objects '$tmp/b' ab | grep -q '$OLD'"

# ---- usage and exit codes ---------------------------------------------------------
expect_rc 2 "$HL_BIN" match --data "$tmp/b" </dev/null || true
expect_rc 2 "$HL_BIN" match --channel nosuch --data "$tmp/b" </dev/null || true
expect_rc 2 "$HL_BIN" match --channel ab --data "$tmp/b" --bogus </dev/null || true
expect_rc 0 "$HL_BIN" match --channel ab --data "$tmp/b" </dev/null || true

# ---- the line format -----------------------------------------------------------------
cat >"$tmp/lines" <<'EOF'
# a sensor's lines
ipv4-addr:value=198.51.100.7 ts=2026-11-29T10:00:00Z
ipv4-addr:value=198.51.100.8 ts=2026-11-29T10:00:01Z
domain-name:value=bad.example ts=2026-11-29T10:00:02Z
domain-name:value=c2.example ts=2026-11-29T10:00:10Z
ipv4-addr:value=203.0.113.9 ts=2026-11-29T10:00:40Z n=3
not a line
EOF
if expect_rc 0 "$HL_BIN" match --channel ab --data "$tmp/b" --json <"$tmp/lines"; then
    python3 - "$tmp/out" "$IP" "$DOM" "$SEQ" <<'EOF' || fail "line-format matches: $(cat "$tmp/out")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ip, dom, seq = sys.argv[2:5]
got = [(r["indicator"], r["record"]) for r in rows if "indicator" in r]
assert got == [(ip, 1), (dom, 3), (seq, 5)], got
assert rows[2]["number_observed"] == 3 and rows[2]["observed_data"] is None
s = rows[-1]["summary"]
assert s["records"] == 6 and s["bad_records"] == 1 and s["matches"] == 3 and s["indicators"] == 3, s
EOF
    grep -q "record 6" "$tmp/err" || fail "the bad line is not reported: $(cat "$tmp/err")"
fi
expect_rc 1 "$HL_BIN" match --channel ab --data "$tmp/b" --fail-on-match <"$tmp/lines" || true
echo "ipv4-addr:value=192.0.2.1" >"$tmp/miss"
expect_rc 0 "$HL_BIN" match --channel ab --data "$tmp/b" --fail-on-match <"$tmp/miss" || true
[ -s "$tmp/out" ] && fail "a miss printed a match: $(cat "$tmp/out")"

# ---- observed-data: one per line, and a bundle over several lines -------------------
cat >"$tmp/od.json" <<EOF
{"type": "observed-data", "spec_version": "2.1", "id": "$OD", "created": "2026-11-29T10:00:00.000Z", "modified": "2026-11-29T10:00:00.000Z", "first_observed": "2026-11-29T09:00:00Z", "last_observed": "2026-11-29T09:30:00Z", "number_observed": 14, "objects": {"0": {"type": "ipv4-addr", "value": "198.51.100.7"}}}
{
  "type": "bundle",
  "id": "bundle--6b1e4c1d-3a51-4b2b-9a8e-6f0c7d2e0100",
  "objects": [
    {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--6b1e4c1d-3a51-5b2b-9a8e-6f0c7d2e0001", "value": "evil.example"},
    {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--6b1e4c1d-3a51-4b2b-9a8e-6f0c7d2e0002", "created": "2026-11-29T10:00:00.000Z", "modified": "2026-11-29T10:00:00.000Z", "first_observed": "2026-11-29T11:00:00Z", "last_observed": "2026-11-29T11:00:00Z", "number_observed": 1, "object_refs": ["domain-name--6b1e4c1d-3a51-5b2b-9a8e-6f0c7d2e0001"]}
  ]
}
EOF
if expect_rc 0 "$HL_BIN" match --channel ab --data "$tmp/b" <"$tmp/od.json"; then
    python3 - "$tmp/out" "$IP" "$DOM" "$OD" <<'EOF' || fail "observed-data matches: $(cat "$tmp/out")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ip, dom, od = sys.argv[2:5]
assert [(r["indicator"], r["observed_data"]) for r in rows] == [
    (ip, od), (dom, "observed-data--6b1e4c1d-3a51-4b2b-9a8e-6f0c7d2e0002")], rows
assert rows[0]["first_observed"] == "2026-11-29T09:00:00.000Z" and rows[0]["number_observed"] == 14
EOF
fi

# ---- an indicator published while match runs is picked up ---------------------------
mkfifo "$tmp/fifo"
"$HL_BIN" match --channel ab --data "$tmp/b" <"$tmp/fifo" >"$tmp/live.out" 2>"$tmp/live.err" &
live=$!
exec 3>"$tmp/fifo"
echo "domain-name:value=new.example" >&3
{
    printf '{"type": "bundle", "id": "bundle--0a7c2d49-9a1c-4f8e-b0c4-1b6f3f1d0101", "objects": ['
    indicator "$NEW" "[domain-name:value = 'new.example']"
    printf ']}\n'
} >"$tmp/new.json"
expect_rc 0 "$HL_BIN" send --channel ab "$tmp/new.json" --data "$tmp/a" --timeout 30 || true
fed_wait 20 sh -c "python3 '$fed_dir/fed_tool.py' objects '$tmp/b' ab | grep -q '$NEW'"
sleep 1.2 # match looks at the store at most once a second
echo "domain-name:value=new.example" >&3
exec 3>&-
wait "$live" || fail "match over the fifo exited $?: $(cat "$tmp/live.err")"
[ "$(grep -c "$NEW" "$tmp/live.out")" = 1 ] ||
    fail "the new indicator matched $(grep -c "$NEW" "$tmp/live.out") times, want once (the second line): $(cat "$tmp/live.out")"

# ---- progress on stderr with --progress (every 5 s), none without --------------------
mkfifo "$tmp/fifo2"
"$HL_BIN" match --channel ab --data "$tmp/b" --progress <"$tmp/fifo2" >/dev/null 2>"$tmp/progress.err" &
prog=$!
exec 4>"$tmp/fifo2"
echo "ipv4-addr:value=198.51.100.7" >&4
sleep 5.3
echo "ipv4-addr:value=192.0.2.1" >&4
exec 4>&-
wait "$prog" || fail "match --progress exited $?"
grep -q "^hotline match: 2 records, 2 observations, 1 matches (" "$tmp/progress.err" ||
    fail "no progress line after 5 s: $(cat "$tmp/progress.err")"
grep -q "records/s" "$tmp/err" && fail "progress without --progress on a non-terminal: $(cat "$tmp/err")"

# ---- --report through the running node: the sighting reaches a ----------------------
if expect_rc 0 "$HL_BIN" match --channel ab --data "$tmp/b" --report <"$tmp/od.json"; then
    grep -q "published 2 sightings into ab" "$tmp/err" || fail "report: $(cat "$tmp/err")"
fi
fed_wait 20 sh -c "python3 '$fed_dir/fed_tool.py' objects '$tmp/a' ab | grep -q '\"sighting_of_ref\": \"$IP\"'"
python3 "$fed_dir/fed_tool.py" objects "$tmp/a" ab >"$tmp/a.objects"
python3 - "$tmp/a.objects" "$IP" "$OD" "$(fed_party b)" <<'EOF' || fail "the sighting at a: $(grep sighting "$tmp/a.objects")"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
ip, od, b = sys.argv[2:5]
s = [o for o in objs if o["type"] == "sighting" and o["sighting_of_ref"] == ip]
assert len(s) == 1, s
s = s[0]
assert s["count"] == 14 and s["observed_data_refs"] == [od], s
assert s["first_seen"] == "2026-11-29T09:00:00.000Z" and s["last_seen"] == "2026-11-29T09:30:00.000Z", s
assert s["where_sighted_refs"] == [b] and s["created_by_ref"] == b, s
EOF

# ---- --report with b's node stopped: appended to b's log, delivered later -----------
fed_stop b
echo "domain-name:value=evil.example ts=2026-11-29T12:00:00Z n=5" >"$tmp/evil"
if expect_rc 0 "$HL_BIN" match --channel ab --data "$tmp/b" --report <"$tmp/evil"; then
    grep -q "published 1 sightings into ab" "$tmp/err" || fail "direct report: $(cat "$tmp/err")"
fi
fed_serve b
fed_wait 30 sh -c "python3 '$fed_dir/fed_tool.py' objects '$tmp/a' ab | grep '\"sighting_of_ref\": \"$DOM\"' | grep -q '\"count\": 5'"
fed_stop a
fed_stop b
finish match "indicators matched on lines and observed-data, reloaded while running, sightings published through the node and directly, received by the publisher"
