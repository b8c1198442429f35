#!/usr/bin/env bash
# generate.sh — makes the worked examples of docs/protocol.md with the real
# hotline binary, so that every byte, hash and signature the document shows
# is one the code produced.
#
#   docs/examples/generate.sh [--bin HOTLINE] [--out DIR] [--doc FILE]
#
# Into DIR (default: this folder) it writes evidence.jsonl and, when DIR
# is not this folder, under DIR/blocks/ the body of every fenced block of
# protocol.md whose info string says example=NAME. With --doc FILE it also replaces those bodies
# in FILE (give docs/protocol.md after a change of format, then commit).
#
# What it does, all with `hotline` (--bin, default build/hotline):
#   1. the seal example: the RFC 8032 §7.1 TEST 1 secret key as a key file,
#      object.json sealed with it (`hotline seal sign`) as entry 0 of a
#      fixed party's log of channel us-ru; the signing input, its hash, the
#      canonical bytes and the leaf hash;
#   2. the evidence example: two nodes A (cert-a) and B (cert-b)
#      (`hotline init`), channel us-ru on both; A appends object.json and
#      note.json in one batch, then opinion.json; B imports A's export
#      (pinning A's key) and so publishes a receipt; B exports both logs.
# Timestamps of tree heads and receipts, their ids and the node keys are
# new on every run; the seal example is the same on every run (Ed25519 is
# deterministic).
#
# Exit codes: 0 written; 1 a step failed (the message says which).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=${HL_BIN:-$here/../../build/hotline}
out=$here
doc=
while [ $# -gt 0 ]; do
    case $1 in
    --bin) bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --doc) doc=$2; shift 2 ;;
    -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "generate.sh: unknown argument $1" >&2; exit 1 ;;
    esac
done
die() { echo "generate.sh: $*" >&2; exit 1; }
[ -x "$bin" ] || die "no hotline binary at $bin (use --bin)"
command -v python3 >/dev/null || die "python3 is needed to pretty-print the examples"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
blocks=$work/blocks
mkdir -p "$blocks" "$out"
hl() { "$bin" "$@" || die "hotline $* failed"; }

# ---- 1. the seal example -------------------------------------------------

# RFC 8032 §7.1 TEST 1: secret key 9d61b19d...7f60, in base64.
printf 'hotline-ed25519-secret-v1\nnWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n' >"$work/example.key"
chmod 600 "$work/example.key"
cp "$work/example.key" "$blocks/secret-key"
party=identity--f431f809-377b-45e0-aa1c-6a4751cae5ff
echo '{}' >"$work/empty.json"
hl seal sign --key "$work/example.key" "$work/empty.json" >"$work/signed-empty.json"
spki=$(hl seal verify --json "$work/signed-empty.json" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["signers"][0])')
printf 'hotline-ed25519-public-v1\n%s\n' "$spki" >"$blocks/public-key"

cp "$here/object.json" "$blocks/object"
hl seal sign --key "$work/example.key" --party $party --channel us-ru --seq 0 \
    "$here/object.json" >"$work/sealed.line"
printf '%s' "$(cat "$work/sealed.line")" >"$blocks/canonical"

# Pretty form for reading (members in canonical order), and the signing
# input: the object with signatures = [first entry without value].
python3 - "$work/sealed.line" "$blocks/sealed-object" "$work/unsigned.json" <<'PY'
import json, sys
obj = json.load(open(sys.argv[1]))
open(sys.argv[2], "w").write(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
entry = dict(obj["signatures"][0])
del entry["value"]
obj["signatures"] = [entry]
json.dump(obj, open(sys.argv[3], "w"), ensure_ascii=False)
PY
hl canon "$work/unsigned.json" >"$blocks/signing-input"
sha256sum <"$blocks/signing-input" | cut -d' ' -f1 >"$work/hash"
printf '%s' "$(cat "$work/hash")" >"$blocks/signing-hash"
printf '%s' "$(hl merkle leaf "$blocks/canonical")" >"$blocks/leaf-hash"

# ---- 2. the evidence example ---------------------------------------------

# Logs are exported in party-id order; A's log comes first when A's id is
# the smaller, which the document's line table assumes (ids are random).
for try in $(seq 1 40); do
    rm -rf "$work/A" "$work/B"
    hl init --party cert-a --data "$work/A" >"$work/a.id"
    hl init --party cert-b --data "$work/B" >"$work/b.id"
    [[ "$(cat "$work/b.id")" > "$(cat "$work/a.id")" ]] && break
    [ "$try" -lt 40 ] || die "could not make B's id sort after A's"
done
hl channel create us-ru --data "$work/A" >/dev/null
hl channel create us-ru --data "$work/B" >/dev/null
hl log append --data "$work/A" --channel us-ru -q "$here/object.json" "$here/note.json"
hl log append --data "$work/A" --channel us-ru -q "$here/opinion.json"
hl log export --data "$work/A" --output "$work/a.jsonl"
hl log import --data "$work/B" --pin-key "$work/A/party.pub" "$work/a.jsonl" >/dev/null
hl log export --data "$work/B" --output "$out/evidence.jsonl"
[ "$(wc -l <"$out/evidence.jsonl")" = 8 ] || die "the evidence file does not have 8 lines"
cp "$out/evidence.jsonl" "$blocks/evidence"
sed -n 2,6p "$out/evidence.jsonl" >"$work/a-log.jsonl"

python3 - "$out/evidence.jsonl" "$blocks" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
head, receipt = json.loads(lines[5]), json.loads(lines[6])
assert head["type"] == "hotline-tree-head" and head["tree_size"] == 4, head
assert receipt["type"] == "hotline-receipt" and receipt["tree_size"] == 5, receipt
for name, obj in (("tree-head", head), ("receipt", receipt)):
    open(f"{sys.argv[2]}/{name}", "w").write(
        json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
PY

{
    for i in 0 1 2 3 4; do
        sed -n "$((i + 1))p" "$work/a-log.jsonl" >"$work/entry"
        printf '%-40s= %s\n' "leaf $i = LH(line $((i + 2)))" "$(hl merkle leaf "$work/entry")"
    done
    printf '%-40s= %s\n' "root 2 = NH(leaf 0, leaf 1)" \
        "$(hl merkle root --size 2 "$work/a-log.jsonl")"
    printf '%-40s= %s\n' "root 4 = NH(root 2, NH(leaf 2, leaf 3))" \
        "$(hl merkle root --size 4 "$work/a-log.jsonl")"
    printf '%-40s= %s\n' "root 5 = NH(root 4, leaf 4)" \
        "$(hl merkle root --size 5 "$work/a-log.jsonl")"
} >"$blocks/merkle"
printf '%s' "$(cat "$blocks/merkle")" >"$blocks/merkle"

# ---- the document ----------------------------------------------------------

[ "$out" -ef "$here" ] || cp -r "$blocks" "$out/"

if [ -n "$doc" ]; then
    python3 - "$doc" "$blocks" <<'PY'
import os, re, sys
doc, blocks = sys.argv[1], sys.argv[2]
text = open(doc, encoding="utf-8").read()
seen = set()
def body(m):
    name = m.group(2)
    seen.add(name)
    data = open(os.path.join(blocks, name), encoding="utf-8").read()
    return m.group(1) + data + ("" if data.endswith("\n") else "\n") + "```"
text = re.sub(r"(```\w+ example=([\w-]+)[^\n]*\n)(?:(?!```)[^\n]*\n)*```", body, text)
missing = set(os.listdir(blocks)) - seen
if missing:
    sys.exit(f"generate.sh: no block in {doc} for: {', '.join(sorted(missing))}")
open(doc, "w", encoding="utf-8").write(text)
PY
fi
