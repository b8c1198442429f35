#!/usr/bin/env bash
# tamper.sh — an attacker holding a node's database file changes history
# with sqlite3, ignoring the schema's triggers; `hotline verify --data`
# must exit 1 and name the log and the entry, each time. The node is real:
# made by init, three appends, and an exchange of evidence files with a
# second node, so it holds the other party's log and receipts both ways.
# Also: a changed evidence file (FILE:LINE), and equivocation — two
# genuinely signed heads of one log and size, made by two copies of one
# node — printed with both statements. The untampered node passes.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SRC:?HL_SRC must point at the source root}"
command -v sqlite3 >/dev/null || { echo "tamper: sqlite3 is not installed (scripts/install-deps)" >&2; exit 1; }

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# run CMD...: stdout in $tmp/out, stderr in $tmp/err, exit code in $rc.
run() {
    rc=0
    "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}
# must CMD...: runs CMD, which has to succeed (setting up, not testing).
must() {
    run "$@"
    [ "$rc" = 0 ] || { echo "tamper: setup failed: $* ($(cat "$tmp/err"))" >&2; exit 1; }
}

ex=$HL_SRC/examples
A=$tmp/a
B=$tmp/b
must "$HL_BIN" init --party "CERT A" --data "$A"
pa=$(cat "$tmp/out")
must "$HL_BIN" init --party "CERT B" --data "$B"
pb=$(cat "$tmp/out")
for n in "$A" "$B"; do must "$HL_BIN" channel create us-ru --data "$n"; done
must "$HL_BIN" log append -q --data "$A" --channel us-ru "$ex/incident-pipeline.json"
must "$HL_BIN" log append -q --data "$A" --channel us-ru "$ex/note-proposal.json" "$ex/opinion-dispute.json"
must "$HL_BIN" log append -q --data "$A" --channel us-ru "$ex/dossier-suspects.json"
must "$HL_BIN" log export --data "$A" --output "$tmp/a.jsonl"
must "$HL_BIN" log import --data "$B" --pin-key "$A/party.pub" "$tmp/a.jsonl"
must "$HL_BIN" log append -q --data "$B" --channel us-ru "$ex/language-content-ru.json"
must "$HL_BIN" log export --data "$B" --output "$tmp/b.jsonl"
must "$HL_BIN" log import --data "$A" --pin-key "$B/party.pub" "$tmp/b.jsonl"

q() { sqlite3 "$A/hotline.db" "$1"; }
log_a=$(q "SELECT id FROM logs WHERE party_id = '$pa'")
size_a=$(q "SELECT count(*) FROM log_entries WHERE log_id = $log_a")
# Where things are in A's log: heads close each batch; B's receipt for A's
# log and A's receipt for B's log are in the tables.
heads=($(q "SELECT size FROM tree_heads WHERE log_id = $log_a ORDER BY size"))
receipt_size=$(q "SELECT size FROM receipts WHERE log_id = $log_a AND witness_id = '$pb'")
[ "${#heads[@]}" -ge 4 ] && [ -n "$receipt_size" ] && [ "$size_a" -gt 40 ] ||
    { echo "tamper: unexpected node: heads ${heads[*]}, receipt '$receipt_size', size $size_a" >&2; exit 1; }
h1=${heads[0]} h2=${heads[1]} # the heads of the first two batches

run "$HL_BIN" verify --data "$A"
[ "$rc" = 0 ] || { echo "tamper: the untampered node fails: $(cat "$tmp/out" "$tmp/err")" >&2; exit 1; }

obj() { echo "(SELECT object_row FROM log_entries WHERE log_id = $log_a AND seq = $1)"; }

# tamper NAME SEQ PATTERN SQL: applies SQL to a fresh copy of A's node;
# verify must exit 1 and its first line name A's log, entry SEQ, and match
# PATTERN (an extended regular expression).
tamper() {
    local name=$1 seq=$2 pattern=$3 sql=$4 copy=$tmp/$1 changed
    rm -rf "$copy"
    cp -a "$A" "$copy"
    changed=$(sqlite3 "$copy/hotline.db" "$sql; SELECT total_changes();" | tail -1)
    [ "${changed:-0}" -gt 0 ] || { fail "$name: the SQL changed nothing"; return; }
    run "$HL_BIN" verify --data "$copy"
    if [ "$rc" != 1 ]; then
        fail "$name: verify exit $rc, want 1 ($(head -c 300 "$tmp/out" "$tmp/err"))"
        return
    fi
    head -1 "$tmp/out" | grep -Eq "^$pa/us-ru seq $seq: .*($pattern)" ||
        fail "$name: first line does not name $pa/us-ru seq $seq ($pattern): $(head -1 "$tmp/out" | cut -c1-300)"
    grep -q "^verification FAILED" "$tmp/out" || fail "$name: no verdict line"
    echo "ok: $name detected: $(head -1 "$tmp/out" | cut -c1-160)"
    rm -rf "$copy"
}

# One byte of an object's JSON ("2.1" becomes "2.2").
tamper byte 5 "stored leaf hash differs|seal does not verify" \
    "UPDATE objects SET json = CAST(replace(CAST(json AS TEXT), '\"spec_version\":\"2.1\"',
     '\"spec_version\":\"2.2\"') AS BLOB) WHERE row = $(obj 5)"
# A deleted log entry: a gap in the sequence numbers.
tamper delete-entry 10 "damaged|gap|missing|expected seq" "DELETE FROM log_entries WHERE log_id = $log_a AND seq = 10"
# Two entries pointing at each other's objects.
tamper swap-rows 3 "sealed as entry 4|stored leaf hash differs" \
    "UPDATE log_entries SET object_row = CASE seq WHEN 3 THEN $(obj 4) ELSE $(obj 3) END
     WHERE log_id = $log_a AND seq IN (3, 4)"
# Two objects' JSON exchanged.
tamper swap-json 3 "sealed as entry 4|stored leaf hash differs" \
    "CREATE TEMP TABLE sw AS SELECT row, json FROM objects WHERE row IN ($(obj 3), $(obj 4));
     UPDATE objects SET json = (SELECT sw.json FROM sw WHERE sw.row <> objects.row)
     WHERE row IN (SELECT row FROM sw)"
# The log truncated after the second batch, thoroughly: entries, their
# objects, tiles, heads and receipts, as if never written. B's receipt,
# held here, still says how long the log was.
tamper truncate "$receipt_size" "$pb's receipt .* states size $receipt_size, but the log holds $((h2 + 1)) entries" \
    "CREATE TEMP TABLE gone AS SELECT object_row FROM log_entries WHERE log_id = $log_a AND seq > $h2;
     DELETE FROM tiles WHERE log_id = $log_a AND last > $h2;
     DELETE FROM tree_heads WHERE object_row IN (SELECT object_row FROM gone);
     DELETE FROM receipts WHERE object_row IN (SELECT object_row FROM gone);
     DELETE FROM log_entries WHERE log_id = $log_a AND seq > $h2;
     DELETE FROM objects WHERE row IN (SELECT object_row FROM gone)"
# A head replaced by another validly sealed head of another size.
tamper head-json "$h2" "sealed as entry $h1|stored leaf hash differs" \
    "UPDATE objects SET json = (SELECT json FROM objects WHERE row = $(obj "$h1")) WHERE row = $(obj "$h2")"
# A head's root changed in the tree_heads table.
tamper head-root "$h2" "stored tree head of size $h2" \
    "UPDATE tree_heads SET root = randomblob(32) WHERE log_id = $log_a AND size = $h2"
# A stored subtree hash (entries 4..7).
tamper tile 4 "stored subtree hash of entries 4\.\.7" \
    "UPDATE tiles SET hash = randomblob(32) WHERE log_id = $log_a AND level = 2 AND last = 7"
# The root of B's receipt for A's log.
tamper receipt-root "$receipt_size" "$pb's receipt .* states a root the entries do not give" \
    "UPDATE receipts SET root = randomblob(32) WHERE log_id = $log_a AND witness_id = '$pb'"

# An evidence file with one byte changed: named by its line.
sed '7s/"spec_version":"2.1"/"spec_version":"2.2"/' "$tmp/a.jsonl" >"$tmp/a-bad.jsonl"
cmp -s "$tmp/a.jsonl" "$tmp/a-bad.jsonl" && fail "file: sed changed nothing"
run "$HL_BIN" verify --file "$tmp/a-bad.jsonl"
[ "$rc" = 1 ] || fail "file: verify exit $rc, want 1"
grep -q "^$tmp/a-bad.jsonl:7: $pa/us-ru seq 5: " "$tmp/out" || fail "file: $(head -1 "$tmp/out")"
run "$HL_BIN" verify --file "$tmp/a-bad.jsonl" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["failures"][0]; assert not d["verified"] and f["seq"] == 5 and f["line"] == 7, d' \
    "$tmp/out" || fail "file --json: $(head -c 300 "$tmp/out")"

# An evidence file cut in its last line (docs/protocol.md V1): a failed
# check, named by file and line, not unreadable input.
head -c -20 "$tmp/a.jsonl" >"$tmp/a-cut.jsonl"
lines=$(($(wc -l <"$tmp/a.jsonl")))
run "$HL_BIN" verify --file "$tmp/a-cut.jsonl"
[ "$rc" = 1 ] || fail "cut file: verify exit $rc, want 1 ($(cat "$tmp/err"))"
grep -q "^$tmp/a-cut.jsonl:$lines: .*no newline" "$tmp/out" || fail "cut file: $(head -1 "$tmp/out")"

# ---- equivocation ------------------------------------------------------------
# One key, two histories: a copy of node E made after its first batch
# appends other objects than E does, so both sign a head of the same size.
E=$tmp/e
must "$HL_BIN" init --party "CERT E" --data "$E"
pe=$(cat "$tmp/out")
must "$HL_BIN" channel create hot --data "$E"
must "$HL_BIN" log append -q --data "$E" --channel hot "$ex/sighting-envelope.json"
cp -a "$E" "$tmp/e2"
must "$HL_BIN" log append --data "$E" --channel hot "$ex/note-proposal.json"
root1=$(sed -E 's/.* root ([0-9a-f]{64})$/\1/' "$tmp/out")
must "$HL_BIN" log append --data "$tmp/e2" --channel hot "$ex/opinion-dispute.json"
root2=$(sed -E 's/.* root ([0-9a-f]{64})$/\1/' "$tmp/out")
[ "$root1" != "$root2" ] || fail "equivocation: both histories have root $root1"
must "$HL_BIN" log export --data "$E" --output "$tmp/e1.jsonl"
must "$HL_BIN" log export --data "$tmp/e2" --output "$tmp/e2.jsonl"
W=$tmp/w
must "$HL_BIN" init --party "CERT W" --data "$W"
must "$HL_BIN" channel create hot --data "$W"
must "$HL_BIN" log import --data "$W" --pin-key "$E/party.pub" "$tmp/e1.jsonl"
run "$HL_BIN" log import --data "$W" "$tmp/e2.jsonl"
[ "$rc" = 1 ] || fail "importing the second history: exit $rc, want 1 ($(cat "$tmp/err"))"
grep -q "equivocation" "$tmp/err" || fail "second history: not called equivocation: $(cat "$tmp/err")"
run "$HL_BIN" verify --data "$W"
if [ "$rc" = 1 ]; then
    grep -Eq "^$pe/hot seq [0-9]+: .*equivocation" "$tmp/out" || fail "equivocation line: $(head -1 "$tmp/out")"
    [ "$(grep -c '^evidence: {' "$tmp/out")" = 2 ] || fail "not two statements: $(grep -c '^evidence' "$tmp/out")"
    grep '^evidence: ' "$tmp/out" | grep -q "\"root_hash\":\"$root1\"" || fail "statement with root $root1 missing"
    grep '^evidence: ' "$tmp/out" | grep -q "\"root_hash\":\"$root2\"" || fail "statement with root $root2 missing"
    grep '^evidence: ' "$tmp/out" | sed 's/^evidence: //' | while read -r s; do
        printf '%s' "$s" >"$tmp/statement.json"
        "$HL_BIN" seal verify "$tmp/statement.json" >/dev/null || echo "statement does not verify"
    done | grep -q . && fail "an evidence statement is not genuinely signed"
    echo "ok: equivocation shown with both signed heads"
else
    fail "verify of the witness holding two histories: exit $rc, want 1"
fi

# The untouched node still passes after all that.
run "$HL_BIN" verify --data "$A" --all
[ "$rc" = 0 ] || fail "untampered node: exit $rc: $(head -3 "$tmp/out")"

finish tamper "ok (every change detected and named; equivocation proved)"
