#!/usr/bin/env bash
# ledger.sh — a log without a server, end to end on real files: init (keys
# 0600, refusals), channel create/list, log append of every example (and
# an invalid object refused with nothing appended), export, verify --data
# and --file, proofs checked by `hotline merkle verify`, two nodes
# exchanging evidence files (pinned keys, receipts both ways), and four
# processes appending to one node at once (gapless seqs afterwards).
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SRC:?HL_SRC must point at the source root}"
: "${HL_SHARED:?HL_SHARED must point at shared/data}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# log_size DIR PARTY: entries of PARTY's log of us-ru held by the node DIR.
log_size() {
    "$HL_BIN" channel list --data "$1" --json >"$tmp/list.json" || { echo -1; return; }
    json_get "$tmp/list.json" \
        "sum(l['size'] for c in d['channels'] for l in c['logs'] if l['party'] == '$2')"
}

A=$tmp/a
B=$tmp/b
ex=$HL_SRC/examples

# ---- init ------------------------------------------------------------------
umask 022
if expect_rc 0 "$HL_BIN" init --party "CERT A" --data "$A"; then
    party_a=$(cat "$tmp/out")
    [[ $party_a =~ ^identity--[0-9a-f-]{36}$ ]] || fail "init printed '$party_a', not an identity id"
fi
for f in party.key party.pub identity.json hotline.db; do
    [ -f "$A/$f" ] || fail "init did not write $f"
done
[ "$(stat -c %a "$A/party.key")" = 600 ] || fail "party.key mode $(stat -c %a "$A/party.key")"
[ "$(stat -c %a "$A")" = 700 ] || fail "node directory mode $(stat -c %a "$A")"
[ "$(head -1 "$A/party.key")" = hotline-ed25519-secret-v1 ] || fail "party.key format"
if expect_rc 0 "$HL_BIN" validate "$A/identity.json"; then
    [ "$(json_get "$A/identity.json" "d['id']")" = "$party_a" ] || fail "identity.json id differs"
    [ "$(json_get "$A/identity.json" "d['name'], d['identity_class']")" = "('CERT A', 'organization')" ] ||
        fail "identity.json: $(cat "$A/identity.json")"
fi

# A second init of the same directory changes nothing.
snapshot() { (cd "$1" && ls -lA --time-style=full-iso && stat -c "%a %Y" . && sha256sum -- *) 2>/dev/null; }
snapshot "$A" >"$tmp/before"
if expect_rc 2 "$HL_BIN" init --party "CERT Z" --data "$A"; then
    grep -q "not empty" "$tmp/err" || fail "second init: no reason given: $(cat "$tmp/err")"
fi
snapshot "$A" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "a refused init changed the node directory"
# Neither is a non-empty directory that is no node touched.
mkdir "$tmp/busy" && echo keep >"$tmp/busy/notes.txt"
expect_rc 2 "$HL_BIN" init --party X --data "$tmp/busy" || true
[ "$(ls "$tmp/busy")" = notes.txt ] || fail "init wrote into a non-empty directory"
# A failure midway (a name that is not UTF-8) leaves nothing behind.
expect_rc 2 "$HL_BIN" init --party $'bad\xff' --data "$tmp/half" || true
[ ! -e "$tmp/half" ] || fail "failed init left $(ls -A "$tmp/half" | tr '\n' ' ')behind"
expect_rc 2 "$HL_BIN" init --data "$tmp/x" || true
if expect_rc 0 "$HL_BIN" init --party "CERT B" --data "$B" --json; then
    party_b=$(json_get "$tmp/out" "d['id']")
    [ "$(json_get "$tmp/out" "d['public_key']")" = "$(sed -n 2p "$B/party.pub")" ] ||
        fail "init --json public_key differs from party.pub"
    [ "$(json_get "$tmp/out" "d['name']")" = "CERT B" ] || fail "init --json name"
fi

# ---- channels ----------------------------------------------------------------
expect_rc 0 "$HL_BIN" channel create us-ru --data "$A" || true
[ ! -s "$tmp/out" ] || fail "channel create is not quiet: $(cat "$tmp/out")"
if expect_rc 2 "$HL_BIN" channel create us-ru --data "$A"; then
    grep -q "already exists" "$tmp/err" || fail "duplicate channel: $(cat "$tmp/err")"
fi
expect_rc 2 "$HL_BIN" channel create "US RU" --data "$A" || true
expect_rc 2 "$HL_BIN" channel create us-ru --data "$tmp/nowhere" || true
expect_rc 0 "$HL_BIN" channel create us-ru --data "$B" || true
if expect_rc 0 "$HL_BIN" channel list --data "$A"; then
    grep -q "^us-ru  created 20" "$tmp/out" || fail "channel list: $(cat "$tmp/out")"
    grep -q "member $party_a (CERT A)" "$tmp/out" || fail "channel list members: $(cat "$tmp/out")"
fi

# ---- append ------------------------------------------------------------------
total=0
for f in "$ex"/*.json; do
    if expect_rc 0 "$HL_BIN" log append --data "$A" --channel us-ru "$f"; then
        line=$(cat "$tmp/out")
        re='^appended ([0-9]+) objects to us-ru as seq ([0-9]+)\.\.([0-9]+); tree head seq ([0-9]+) root [0-9a-f]{64}$'
        if [[ $line =~ $re ]]; then
            n=${BASH_REMATCH[1]} first=${BASH_REMATCH[2]} last=${BASH_REMATCH[3]} head=${BASH_REMATCH[4]}
            [ "$first" = "$total" ] || fail "$f: first seq $first, want $total"
            [ "$last" = $((first + n - 1)) ] && [ "$head" = $((last + 1)) ] || fail "$f: $line"
            total=$((head + 1))
        else
            fail "$f: append printed '$line'"
        fi
    fi
done
[ "$(log_size "$A" "$party_a")" = "$total" ] || fail "log size $(log_size "$A" "$party_a"), want $total"
[ "$total" -gt 100 ] || fail "only $total entries from examples/"
# An object version the channel holds (a TLP marking every bundle repeats)
# is skipped and named; appending a file again appends nothing.
if expect_rc 0 "$HL_BIN" log append --data "$A" --channel us-ru "$ex/incident-pipeline.json"; then
    grep -q "^nothing appended: all [0-9]* objects are in channel us-ru already$" "$tmp/out" ||
        fail "re-appending a file: $(cat "$tmp/out")"
    grep -q "skipped marking-definition--.*: this version is in the channel already" "$tmp/err" ||
        fail "skipped objects not named: $(head -3 "$tmp/err")"
fi
# A different object under a version the channel holds is refused: a
# published version never changes.
sed 's/"content": "/"content": "EDITED /' "$ex/note-proposal.json" >"$tmp/note-edited.json"
"$HL_BIN" log append --data "$A" --channel us-ru "$ex/note-proposal.json" >/dev/null 2>&1 ||
    fail "appending the note"
if "$HL_BIN" log append --data "$A" --channel us-ru "$tmp/note-edited.json" >"$tmp/out" 2>"$tmp/err"; then
    fail "an edited object under a held version was appended"
else
    grep -q "a published version cannot change" "$tmp/err" ||
        fail "edited version: $(cat "$tmp/err")"
fi

# An invalid object: exit 1, the finding in validate's format, nothing appended.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["opinion"]="maybe"; d["id"]="opinion--3b1a5cd0-5ad8-4b2f-9d1e-4f7a43a0c2a1"; json.dump(d, open(sys.argv[2],"w"))' \
    "$ex/opinion-dispute.json" "$tmp/bad-opinion.json"
python3 -c 'import json,sys,uuid; d=json.load(open(sys.argv[1])); d["id"]="note--"+str(uuid.uuid4()); json.dump(d, open(sys.argv[2],"w"))' \
    "$ex/note-proposal.json" "$tmp/good-note.json"
if expect_rc 1 "$HL_BIN" log append --data "$A" --channel us-ru "$tmp/good-note.json" "$tmp/bad-opinion.json"; then
    grep -q "^$tmp/bad-opinion.json:opinion: error: " "$tmp/err" || fail "finding format: $(cat "$tmp/err")"
    grep -q "nothing appended" "$tmp/err" || fail "refusal not stated: $(cat "$tmp/err")"
fi
[ "$(log_size "$A" "$party_a")" = "$total" ] || fail "a refused append changed the log"
echo '{"type": "note",' >"$tmp/broken.json"
expect_rc 2 "$HL_BIN" log append --data "$A" --channel us-ru "$tmp/broken.json" || true
expect_rc 2 "$HL_BIN" log append --data "$A" --channel no-such "$tmp/good-note.json" || true
expect_rc 2 "$HL_BIN" log append --data "$A" "$tmp/good-note.json" || true
[ "$(log_size "$A" "$party_a")" = "$total" ] || fail "refused appends changed the log"
# stdin, --json, -q.
if expect_rc 0 "$HL_BIN" log append --data "$A" --channel us-ru --json - <"$tmp/good-note.json"; then
    [ "$(json_get "$tmp/out" "d['first_seq'], d['n'], d['head_seq']")" = "($total, 1, $((total + 1)))" ] ||
        fail "append --json: $(cat "$tmp/out")"
    total=$((total + 2))
fi
python3 -c 'import json,sys,uuid; d=json.load(open(sys.argv[1])); d["id"]="note--"+str(uuid.uuid4()); json.dump(d, open(sys.argv[2],"w"))' \
    "$ex/note-proposal.json" "$tmp/note2.json"
expect_rc 0 "$HL_BIN" log append -q --data "$A" --channel us-ru "$tmp/note2.json" &&
    { [ ! -s "$tmp/out" ] || fail "append -q printed $(cat "$tmp/out")"; }
total=$((total + 2))

# ---- verify, export, proofs --------------------------------------------------
if expect_rc 0 "$HL_BIN" verify --data "$A"; then
    grep -Eq "^verified 1 log, $total entries, [0-9]+ tree heads, 0 receipts$" "$tmp/out" ||
        fail "verify --data: $(cat "$tmp/out")"
fi
expect_rc 0 "$HL_BIN" log export --data "$A" --output "$tmp/a.jsonl" || true
ls "$tmp"/a.jsonl.* >/dev/null 2>&1 && fail "export left a temporary file"
[ "$(wc -l <"$tmp/a.jsonl")" = $((total + 1)) ] || fail "export: $(wc -l <"$tmp/a.jsonl") lines, want $((total + 1))"
expect_rc 0 "$HL_BIN" log export --data "$A" --channel us-ru --party "$party_a" || true
cmp -s <(tail -n +2 "$tmp/out") <(tail -n +2 "$tmp/a.jsonl") || fail "export to stdout differs from --output"
expect_rc 2 "$HL_BIN" log export --data "$A" --channel nothing-here || true
if expect_rc 0 "$HL_BIN" verify --file "$tmp/a.jsonl"; then
    grep -Eq "^verified 1 log, $total entries, [0-9]+ tree heads, 0 receipts$" "$tmp/out" ||
        fail "verify --file: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" verify --file "$tmp/a.jsonl" --json --threads 2; then
    [ "$(json_get "$tmp/out" "d['verified'], d['entries'], d['failures']")" = "(True, $total, [])" ] ||
        fail "verify --json: $(cat "$tmp/out")"
fi
expect_rc 2 "$HL_BIN" verify --data "$A" --file "$tmp/a.jsonl" || true
expect_rc 2 "$HL_BIN" verify --file "$tmp/none.jsonl" || true

# Proofs a third party checks with `hotline merkle verify` alone.
for i in 0 7 $((total - 3)); do
    expect_rc 0 "$HL_BIN" log proof --data "$A" --channel us-ru --index $i --json &&
        cp "$tmp/out" "$tmp/incl-$i.json"
    expect_rc 0 "$HL_BIN" merkle verify "$tmp/incl-$i.json" || true
done
# The leaf is the hash of the exported entry's bytes.
sed -n 9p "$tmp/a.jsonl" >"$tmp/entry7.json"
expect_rc 0 "$HL_BIN" merkle leaf --json "$tmp/entry7.json" &&
    [ "$(json_get "$tmp/out" "d['leaf_hash']")" = "$(python3 -c 'import json,sys,base64; print(base64.b64decode(json.load(open(sys.argv[1]))["leafHash"]).hex())' "$tmp/incl-7.json")" ] ||
    fail "proof's leafHash is not the leaf hash of entry 7"
sed 's/"leafIdx":7/"leafIdx":6/' "$tmp/incl-7.json" >"$tmp/incl-wrong.json"
expect_rc 1 "$HL_BIN" merkle verify "$tmp/incl-wrong.json" || true
expect_rc 0 "$HL_BIN" log proof --data "$A" --channel us-ru --consistency --from 5 --json &&
    cp "$tmp/out" "$tmp/cons.json" && expect_rc 0 "$HL_BIN" merkle verify "$tmp/cons.json" || true
if expect_rc 0 "$HL_BIN" log proof --data "$A" --channel us-ru --index 3 --size 10; then
    grep -q "^leafIdx 3$" "$tmp/out" && grep -q "^treeSize 10$" "$tmp/out" &&
        grep -Eq "^root [0-9a-f]{64}$" "$tmp/out" && [ "$(grep -c '^proof ' "$tmp/out")" = 4 ] ||
        fail "proof text: $(cat "$tmp/out")"
fi
expect_rc 2 "$HL_BIN" log proof --data "$A" --channel us-ru --index $((total + 5)) || true

# ---- two nodes ---------------------------------------------------------------
# Without the pinned key, A's log is refused and nothing is stored.
if expect_rc 2 "$HL_BIN" log import --data "$B" "$tmp/a.jsonl"; then
    grep -q "not known" "$tmp/err" || fail "unpinned import: $(cat "$tmp/err")"
fi
[ "$(log_size "$B" "$party_a")" = 0 ] || fail "a refused import stored entries"
if expect_rc 0 "$HL_BIN" log import --data "$B" --pin-key "$A/party.pub" "$tmp/a.jsonl"; then
    grep -q "$total entries stored" "$tmp/out" || fail "import: $(cat "$tmp/out")"
    grep -Eq "^receipt: holds $party_a/us-ru up to $total entries, root [0-9a-f]{64}$" "$tmp/out" ||
        fail "import shows no receipt: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" verify --data "$B"; then
    grep -Eq "^verified 2 logs, [0-9]+ entries, [0-9]+ tree heads, 1 receipt$" "$tmp/out" ||
        fail "B's verify: $(cat "$tmp/out")"
fi
# Importing again stores nothing new and publishes no receipt.
if expect_rc 0 "$HL_BIN" log import --data "$B" --json "$tmp/a.jsonl"; then
    [ "$(json_get "$tmp/out" "d['accepted'], d['duplicates'], d['receipts']")" = "(0, $total, 0)" ] ||
        fail "re-import: $(cat "$tmp/out")"
fi
expect_rc 0 "$HL_BIN" log export --data "$B" --output "$tmp/b.jsonl" || true
expect_rc 0 "$HL_BIN" verify --file "$tmp/b.jsonl" || true
expect_rc 2 "$HL_BIN" log import --data "$A" "$tmp/b.jsonl" || true
if expect_rc 0 "$HL_BIN" log import --data "$A" --pin-key "$B/party.pub" "$tmp/b.jsonl"; then
    grep -q "^receipt: holds $party_b/us-ru" "$tmp/out" || fail "A's receipt: $(cat "$tmp/out")"
fi
for n in "$A" "$B"; do
    expect_rc 0 "$HL_BIN" verify --data "$n" --all || true
done
grep -Eq "^verified 2 logs, [0-9]+ entries, [0-9]+ tree heads, [1-9][0-9]* receipts?$" "$tmp/out" ||
    fail "B after the exchange: $(cat "$tmp/out")"
expect_rc 0 "$HL_BIN" log export --data "$A" --output "$tmp/ab.jsonl" &&
    expect_rc 0 "$HL_BIN" verify --file "$tmp/ab.jsonl" || true
if expect_rc 0 "$HL_BIN" channel list --data "$A" --json; then
    [ "$(json_get "$tmp/out" "len(d['channels'][0]['members']), len(d['channels'][0]['logs'])")" = "(2, 2)" ] ||
        fail "A's channel after the exchange: $(cat "$tmp/out")"
fi

# ---- four writers at once ----------------------------------------------------
before=$(log_size "$A" "$party_a")
for w in 1 2 3 4; do
    python3 -c 'import json,sys,uuid
d=json.load(open(sys.argv[1])); objs=[]
for i in range(25):
    o=dict(d); o["id"]="note--"+str(uuid.uuid4()); o["content"]="writer %s note %d" % (sys.argv[2], i); objs.append(o)
json.dump({"type":"bundle","id":"bundle--"+str(uuid.uuid4()),"objects":objs}, open(sys.argv[3],"w"))' \
        "$ex/note-proposal.json" $w "$tmp/w$w.json"
done
pids=()
for w in 1 2 3 4; do
    "$HL_BIN" log append -q --data "$A" --channel us-ru "$tmp/w$w.json" >"$tmp/w$w.out" 2>&1 &
    pids+=($!)
done
for w in 1 2 3 4; do
    wait "${pids[$((w - 1))]}" || fail "concurrent append $w failed: $(cat "$tmp/w$w.out")"
done
after=$(log_size "$A" "$party_a")
[ "$after" = $((before + 4 * 26)) ] || fail "after 4 concurrent appends: $after entries, want $((before + 104))"
seqs=$(sqlite3 "$A/hotline.db" "SELECT count(*), min(seq), max(seq) FROM log_entries
    WHERE log_id = (SELECT id FROM logs WHERE party_id = '$party_a')")
[ "$seqs" = "$after|0|$((after - 1))" ] || fail "seqs not gapless: count|min|max = $seqs"
expect_rc 0 "$HL_BIN" verify --data "$A" || true

# ---- the OASIS schemas accept every ordinary object hotline wrote -----------
if [ -d "$HL_SRC/tests/schema/node_modules/ajv" ]; then
    expect_rc 0 "$HL_BIN" log export --data "$A" --output "$tmp/all.jsonl" || true
    tail -n +2 "$tmp/all.jsonl" |
        python3 -c 'import sys,json; print(json.dumps({"objects":[json.loads(l) for l in sys.stdin]}))' \
            >"$tmp/envelope.json"
    if expect_rc 0 node "$HL_SRC/tests/schema/check.mjs" "$tmp/envelope.json" "$A/identity.json" "$B/identity.json"; then
        grep -Eq "^[1-9][0-9]* objects valid against the OASIS schemas \([0-9]+ skipped" "$tmp/out" ||
            fail "ajv: $(tail -1 "$tmp/out")"
        grep "skipped: no OASIS schema" "$tmp/out" | grep -Ev '"hotline-(tree-head|receipt)"' &&
            fail "ajv skipped objects other than tree heads and receipts"
    fi
else
    fail "ajv is not installed (scripts/install-deps); the schema check cannot run"
fi

# ---- usage -------------------------------------------------------------------
for c in init channel log verify; do
    expect_rc 0 "$HL_BIN" $c --help && grep -q "^usage: hotline $c" "$tmp/out" || fail "$c --help"
done
expect_rc 2 "$HL_BIN" log frobnicate || true
expect_rc 2 "$HL_BIN" verify || true

finish ledger "ok ($total entries appended and verified, two nodes, four writers)"
