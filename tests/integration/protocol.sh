#!/usr/bin/env bash
# protocol.sh — docs/protocol.md against the code. Every worked example
# (fenced block with example=NAME) is extracted and checked: the seal
# example is reproduced byte for byte from the document's key and object,
# verifies with `hotline seal verify`, and its signing input, hashes and
# leaf hash are what the code computes; the Merkle example's hashes equal
# `hotline merkle leaf|root` and an independent recomputation; the evidence
# file passes `hotline verify --file` and the independent JavaScript
# verifier tests/protocol/verify.mjs. Then a fresh evidence file made by
# this binary (docs/examples/generate.sh) passes both verifiers, and
# tampered copies fail in both, each naming the rule's line: one byte of an
# entry changed, a line removed, two lines swapped, a receipt altered, the
# file cut or holding a NUL byte (V1), a header not in RFC 8785 form (V2),
# a log's last tree head removed with the header's size lowered (V16), a
# log's last batch removed while another party's receipt of the larger
# size stays (V15). Statements forged with the document's public example
# key, validly signed, fail V12 in both: a tree head without its new-sdo
# extension declaration, a receipt of the witness's own log. Node.js is
# required: a missing node is a failure, not a skip.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SRC:?HL_SRC must point at the source tree}"
: "${HL_SHARED:?HL_SHARED must point at shared/data}"

doc=$HL_SRC/docs/protocol.md
examples=$HL_SRC/docs/examples
verifier=$HL_SRC/tests/protocol/verify.mjs

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# $tmp/NAME.jsonl must fail (exit 1) in both verifiers: hotline verify
# naming LINE (or printing a line that matches C-REGEX, if given), and
# verify.mjs naming LINE and RULE.
fails_both() { # NAME LINE [RULE [C-REGEX]]
    local f=$tmp/$1.jsonl
    if expect_rc 1 "$HL_BIN" verify --all --file "$f"; then
        grep -q -- "${4:-$f:$2:}" "$tmp/out" "$tmp/err" ||
            fail "$1: hotline verify does not say ${4:-line $2}: $(head -c 600 "$tmp/out")"
    fi
    if expect_rc 1 node "$verifier" "$f"; then
        grep -q "^$f:$2: $3" "$tmp/out" ||
            fail "$1: verify.mjs does not name line $2 ($3): $(head -c 600 "$tmp/out")"
    fi
}

if ! command -v node >/dev/null; then
    echo "FAIL: node (Node.js 20) is not installed; scripts/install-deps installs it" >&2
    exit 1
fi

# ---- the blocks of the document -----------------------------------------

doc_blocks "$doc" "$tmp/blocks"
python3 - "$doc" "$tmp/blocks" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
sh = re.search(r"```sh\n((?:(?!```)[^\n]*\n)*)```", text[text.index("## 12."):])
open(f"{sys.argv[2]}/hand-check.sh", "w").write(sh.group(1) if sh else "")
PY
b=$tmp/blocks
for name in secret-key public-key object sealed-object signing-input signing-hash canonical \
    leaf-hash tree-head receipt evidence merkle; do
    [ -s "$b/$name" ] || fail "docs/protocol.md has no (or an empty) example=$name block"
done
# One-line blocks hold bytes without a final newline: the block's own LF goes.
for name in canonical signing-input signing-hash leaf-hash; do
    [ "$(wc -l <"$b/$name")" = 1 ] || fail "example=$name is not one line"
    printf '%s' "$(cat "$b/$name")" >"$b/$name.bytes"
done

# ---- the seal example ----------------------------------------------------

cp "$b/secret-key" "$tmp/example.key"
chmod 600 "$tmp/example.key"
read -r party channel seq < <(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["hotline_party"], o["hotline_channel"], o["hotline_seq"])' "$b/sealed-object")
pub=$(sed -n 2p "$b/public-key")

# Ed25519 is deterministic: the document's key and object give its bytes.
if expect_rc 0 "$HL_BIN" seal sign --key "$tmp/example.key" --party "$party" --channel "$channel" \
    --seq "$seq" "$b/object"; then
    printf '%s' "$(cat "$tmp/out")" | cmp -s - "$b/canonical.bytes" ||
        fail "sealing example=object with example=secret-key does not give example=canonical"
fi
if expect_rc 0 "$HL_BIN" seal verify "$b/sealed-object"; then
    grep -q "ok, signed by $pub (hotline seal: party $party, channel $channel, seq $seq)\$" \
        "$tmp/out" || fail "example=sealed-object: signer or seal not as documented: $(cat "$tmp/out")"
fi
expect_rc 0 "$HL_BIN" canon "$b/sealed-object" &&
    { cmp -s "$tmp/out" "$b/canonical.bytes" || fail "example=canonical is not hotline canon of example=sealed-object"; }

# The signing input: the object with signatures = [entry 0 without value].
python3 - "$b/sealed-object" "$tmp/unsigned.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
e = dict(o["signatures"][0]); del e["value"]; o["signatures"] = [e]
json.dump(o, open(sys.argv[2], "w"))
PY
expect_rc 0 "$HL_BIN" canon "$tmp/unsigned.json" &&
    { cmp -s "$tmp/out" "$b/signing-input.bytes" || fail "example=signing-input is not the X.590 signing input"; }
[ "$(sha256sum <"$b/signing-input.bytes" | cut -d' ' -f1)" = "$(cat "$b/signing-hash.bytes")" ] ||
    fail "example=signing-hash is not SHA-256 of example=signing-input"
expect_rc 0 "$HL_BIN" merkle leaf "$b/sealed-object" &&
    { [ "$(cat "$tmp/out")" = "$(cat "$b/leaf-hash.bytes")" ] || fail "example=leaf-hash differs from hotline merkle leaf"; }
[ "$( { printf '\0'; cat "$b/canonical.bytes"; } | sha256sum | cut -d' ' -f1)" = "$(cat "$b/leaf-hash.bytes")" ] ||
    fail "example=leaf-hash is not SHA-256(0x00 || example=canonical)"

# The document's key file is the RFC 8032 §7.1 TEST 1 key: its public key.
[ "$pub" = "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo" ] ||
    fail "example=public-key is not the SPKI of RFC 8032 TEST 1 (d75a9801...)"

# ---- the evidence example --------------------------------------------------

ev=$examples/evidence.jsonl
cmp -s "$b/evidence" "$ev" || fail "example=evidence differs from docs/examples/evidence.jsonl"
if expect_rc 0 "$HL_BIN" verify --file "$ev"; then
    grep -q "verified 2 logs, 7 entries, 3 tree heads, 1 receipt" "$tmp/out" ||
        fail "hotline verify summary: $(cat "$tmp/out")"
fi
if expect_rc 0 node "$verifier" --verbose "$ev"; then
    grep -q "ok: 2 log(s), 7 entries, 3 tree head(s), 1 receipt(s)" "$tmp/out" ||
        fail "verify.mjs summary: $(cat "$tmp/out")"
fi
"$HL_BIN" canon "$b/tree-head" | cmp -s - <(sed -n 6p "$ev" | tr -d '\n') ||
    fail "example=tree-head is not line 6 of the evidence file"
"$HL_BIN" canon "$b/receipt" | cmp -s - <(sed -n 7p "$ev" | tr -d '\n') ||
    fail "example=receipt is not line 7 of the evidence file"

# The Merkle example: each stated hash is what `hotline merkle` computes and
# what its formula gives, recomputed here with Python's hashlib.
sed -n 2,6p "$ev" >"$tmp/a-log.jsonl"
while read -r kind n rest; do
    hex=${rest##*= }
    case $kind in
    leaf) sed -n "$((n + 1))p" "$tmp/a-log.jsonl" >"$tmp/entry"
        got=$("$HL_BIN" merkle leaf "$tmp/entry") ;;
    root) got=$("$HL_BIN" merkle root --size "$n" "$tmp/a-log.jsonl") ;;
    *) fail "example=merkle: unknown line '$kind $n $rest'"; continue ;;
    esac
    [ "$got" = "$hex" ] || fail "example=merkle: $kind $n is $hex, hotline merkle says $got"
done <"$b/merkle"
python3 - "$b/merkle" "$ev" "$b/tree-head" "$b/receipt" <<'PY' || fail "example=merkle: formulas do not hold"
import hashlib, json, re, sys
lines = open(sys.argv[2], "rb").read().split(b"\n")
known = {}
def ev(expr):
    expr = expr.strip()
    m = re.fullmatch(r"LH\(line (\d+)\)", expr)
    if m:
        return hashlib.sha256(b"\0" + lines[int(m.group(1)) - 1]).hexdigest()
    m = re.fullmatch(r"NH\((.*)\)", expr)
    if m:
        depth, args = 0, m.group(1)
        for i, c in enumerate(args):
            depth += (c == "(") - (c == ")")
            if c == "," and depth == 0:
                l, r = ev(args[:i]), ev(args[i + 1:])
                return hashlib.sha256(b"\1" + bytes.fromhex(l) + bytes.fromhex(r)).hexdigest()
    return known[expr]
for line in open(sys.argv[1]):
    name, formula, value = [x.strip() for x in line.split("=")]
    assert ev(formula) == value, (name, formula)
    known[name] = value
assert json.load(open(sys.argv[3]))["root_hash"] == known["root 4"], "tree head root"
assert json.load(open(sys.argv[4]))["root_hash"] == known["root 5"], "receipt root"
PY

# The hand check of §12, run as written.
leaf0=$(sed -n 1p "$b/merkle" | sed 's/.*= //')
root4=$(sed -n 7p "$b/merkle" | sed 's/.*= //')
mkdir "$tmp/bin"
ln -s "$HL_BIN" "$tmp/bin/hotline"
(cd "$examples" && PATH=$tmp/bin:$PATH bash -eo pipefail "$b/hand-check.sh") >"$tmp/hand" 2>&1 ||
    fail "the shell check of §12 failed: $(cat "$tmp/hand")"
[ "$(sed -n 1p "$tmp/hand")" = "$leaf0  -" ] || fail "§12 hand check, leaf 0: $(sed -n 1p "$tmp/hand")"
[ "$(sed -n 2p "$tmp/hand")" = "$root4" ] || fail "§12 hand check, root 4: $(sed -n 2p "$tmp/hand")"

# verify.mjs canonicalizes exactly as RFC 8785's own vectors say.
node --input-type=module - "$verifier" "$HL_SHARED/jcs" <<'JS' || fail "verify.mjs: RFC 8785 vectors"
import { readFileSync, readdirSync } from 'node:fs';
const [verifier, dir] = process.argv.slice(2);
const { canon } = await import(verifier);
const files = readdirSync(`${dir}/input`);
let bad = 0;
for (const f of files) {
    const got = canon(JSON.parse(readFileSync(`${dir}/input/${f}`, 'utf8')));
    if (got !== readFileSync(`${dir}/output/${f}`, 'utf8')) { console.error(`jcs ${f}: ${got}`); bad++; }
}
if (files.length < 5 || bad) process.exit(1);
JS

# ---- a fresh export by this binary ------------------------------------------

if ! bash "$examples/generate.sh" --bin "$HL_BIN" --out "$tmp/fresh" >"$tmp/gen" 2>&1; then
    fail "generate.sh: $(cat "$tmp/gen")"
else
    # The seal example does not depend on time or random keys: the document
    # shows exactly what this binary makes.
    for name in secret-key public-key object sealed-object signing-input signing-hash canonical \
        leaf-hash; do
        [ "$(cat "$tmp/fresh/blocks/$name")" = "$(cat "$b/$name")" ] ||
            fail "example=$name is stale: docs/examples/generate.sh --doc docs/protocol.md makes another"
    done
    fresh=$tmp/fresh/evidence.jsonl
    expect_rc 0 "$HL_BIN" verify --file "$fresh" || true
    expect_rc 0 node "$verifier" "$fresh" || true
    [ ! -s "$tmp/out" ] || fail "verify.mjs printed on success: $(cat "$tmp/out")"

    # Tampered copies fail in both verifiers, each naming the line.
    tampered() { # NAME LINE [RULE [C-REGEX]]: $tmp/NAME.jsonl must fail at LINE
        cmp -s "$tmp/$1.jsonl" "$fresh" && fail "$1: the copy is not changed"
        fails_both "$@"
    }
    # The fresh file's lines; `lowered I N` prints its header with the size
    # of log I lowered by N, in RFC 8785 form (ASCII only, so sort_keys).
    mapfile -t fl <"$fresh"
    lowered() {
        python3 -c 'import json, sys
h = json.loads(sys.argv[1])
h["logs"][int(sys.argv[2])]["size"] -= int(sys.argv[3])
print(json.dumps(h, sort_keys=True, separators=(",", ":")))' "${fl[0]}" "$1" "$2"
    }
    # One byte of the note's text (line 3) changed: its signature fails.
    python3 - "$fresh" "$tmp/byte.jsonl" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
i = lines[2].index(b'"content":"Please') + len(b'"content":"')
lines[2] = lines[2][:i] + b"Q" + lines[2][i + 1:]
open(sys.argv[2], "wb").write(b"\n".join(lines))
PY
    tampered byte 3 V9
    # A line removed (A's first tree head, line 4): entry 3 is found as 2.
    sed 4d "$fresh" >"$tmp/removed.jsonl"
    tampered removed 4 V10
    # Two lines swapped (the indicator and the note).
    { sed -n 1p "$fresh"; sed -n 3p "$fresh"; sed -n 2p "$fresh"; sed -n '4,$p' "$fresh"; } \
        >"$tmp/swapped.jsonl"
    tampered swapped 2 V10
    # B's receipt made to state another size: B's own seal breaks.
    sed '7s/"tree_size":5/"tree_size":4/' "$fresh" >"$tmp/receipt.jsonl"
    tampered receipt 7 V9
    # V1: the file cut in its last line; a NUL byte in line 3.
    head -c -1 "$fresh" >"$tmp/cut.jsonl"
    tampered cut 8 V1 "^$tmp/cut.jsonl:8: .*no newline"
    sed '3s/"content":"P/"content":"\x00/' "$fresh" >"$tmp/nul.jsonl"
    tampered nul 3 V1 "^$tmp/nul.jsonl:3: .*NUL byte"
    # V2: the header still valid JSON, but not in its RFC 8785 form.
    sed '1s/^{/{ /' "$fresh" >"$tmp/header.jsonl"
    tampered header 1 V2 "^$tmp/header.jsonl:1: .*not in RFC 8785 form"
    # V16: B's last tree head (line 8) removed, B's size lowered to match:
    # every entry left verifies, but B's log ends with its receipt (line 7).
    # hotline verify names B's log and entry 0 for it, not the line.
    { lowered 1 1; printf '%s\n' "${fl[@]:1:6}"; } >"$tmp/lasthead.jsonl"
    tampered lasthead 7 V16 "seq 0: the log does not end with a tree head"
    # V15: A's last batch (the opinion and its head, lines 5 and 6) removed
    # and A's size lowered: A's log still ends with a head, but B's receipt
    # (now line 5) cosigned 5 entries of it.
    { lowered 0 2; printf '%s\n' "${fl[@]:1:3}" "${fl[@]:6:2}"; } >"$tmp/lastbatch.jsonl"
    tampered lastbatch 5 V15 "^$tmp/lastbatch.jsonl:5: .*cosigned 5 entries of this log, only 3 are here"
fi

# ---- forged statements -------------------------------------------------------

# A statement of TYPE by the document's example party about its own log
# in the example channel, of SIZE and ROOT; EXT "head" or "receipt"
# declares that type's new-sdo extension, "none" declares nothing.
statement() { # TYPE SIZE ROOT EXT
    python3 - "$party" "$channel" "$@" <<'PY'
import json, sys
party, channel, typ, size, root, ext = sys.argv[1:]
ids = {"head": "extension-definition--0c3f5b8e-3d0a-4f4b-9c62-6a2f1f0b7d41",
       "receipt": "extension-definition--5f8e2c1a-7b94-4e0d-a3c6-2d9b8e4f1a37"}
o = {"type": typ, "spec_version": "2.1", "id": f"{typ}--6f1c2a9e-0b7d-4c3e-9a51-2d8e7f4b1c6{size}",
     "created": "2026-11-20T09:00:00.000Z", "modified": "2026-11-20T09:00:00.000Z",
     "created_by_ref": party, "log_party": party, "log_channel": channel,
     "tree_size": int(size), "root_hash": root}
if ext in ids:
    o["extensions"] = {ids[ext]: {"extension_type": "new-sdo"}}
print(json.dumps(o))
PY
}
# $tmp/NAME.jsonl: the log of the example party, validly signed with the
# document's public example key (as anyone holding the key could): entry
# 0 the sealed example, entry 1 the statement in the file STMT, entry 2 a
# proper tree head of size 2. (hotline seal sign ends its line with LF.)
forge() { # NAME STMT
    local d=$tmp/forge-$1
    mkdir "$d"
    { cat "$b/canonical.bytes"; echo; } >"$d/log.jsonl"
    "$HL_BIN" seal sign --key "$tmp/example.key" --party "$party" --channel "$channel" --seq 1 \
        "$2" >>"$d/log.jsonl" || fail "$1: seal sign of entry 1"
    statement hotline-tree-head 2 "$("$HL_BIN" merkle root --size 2 "$d/log.jsonl")" head \
        >"$d/head.json"
    "$HL_BIN" seal sign --key "$tmp/example.key" --party "$party" --channel "$channel" --seq 2 \
        "$d/head.json" >>"$d/log.jsonl" || fail "$1: seal sign of entry 2"
    printf '{"exported":"2026-11-20T09:00:00.000Z","hotline_evidence":1,"logs":[{"channel":"%s","party":"%s","size":3}],"parties":[{"id":"%s","name":"example","public_key":"%s"}]}\n' \
        "$channel" "$party" "$party" "$pub" | cat - "$d/log.jsonl" >"$tmp/$1.jsonl"
}
seal_leaf=$(cat "$b/leaf-hash.bytes")
# The control: entry 1 a proper tree head of size 1. Both verifiers accept
# it, so the failures below are the statements' own.
statement hotline-tree-head 1 "$seal_leaf" head >"$tmp/st-ok.json"
forge forged-ok "$tmp/st-ok.json"
expect_rc 0 "$HL_BIN" verify --file "$tmp/forged-ok.jsonl" || true
expect_rc 0 node "$verifier" "$tmp/forged-ok.jsonl" || true
# V12: a tree head that does not declare its new-sdo extension.
statement hotline-tree-head 1 "$seal_leaf" none >"$tmp/st-noext.json"
forge forged-noext "$tmp/st-noext.json"
fails_both forged-noext 3 V12 "^$tmp/forged-noext.jsonl:3: .*new-sdo"
# V12: a receipt by the party of its own log (its extension declared).
statement hotline-receipt 1 "$seal_leaf" receipt >"$tmp/st-self.json"
forge forged-self "$tmp/st-self.json"
fails_both forged-self 3 V12 "^$tmp/forged-self.jsonl:3: .*cannot cosign its own log"

# ---- hotline merkle leaf / root ------------------------------------------------

printf '{"a":1}\n{"a":2}\n{"a":3}\n' >"$tmp/three.jsonl"
expect_rc 0 "$HL_BIN" merkle root --json "$tmp/three.jsonl" &&
    { grep -qx '{"size":3,"root_hash":"a79bd40194b6654d46059e1580a2157b3bf25e7eeb833c8924398c9add3856ea"}' "$tmp/out" ||
        fail "merkle root --json: $(cat "$tmp/out")"; }
expect_rc 0 "$HL_BIN" merkle root --size 0 "$tmp/three.jsonl" &&
    { grep -qx e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "$tmp/out" ||
        fail "merkle root of no leaves is not SHA-256(): $(cat "$tmp/out")"; }
expect_rc 0 "$HL_BIN" merkle leaf --json - <<<'{"b": 1, "a": 2}' &&
    { grep -qx '{"leaf_hash":"37711b2996026bb3a96a72aeff278e6656e76518402a7ece85dbab7b2b80f816"}' "$tmp/out" ||
        fail "merkle leaf --json: $(cat "$tmp/out")"; }
expect_rc 2 "$HL_BIN" merkle root --size 4 "$tmp/three.jsonl" || true
printf '{"a":1}\n\n' >"$tmp/blank.jsonl"
expect_rc 2 "$HL_BIN" merkle root "$tmp/blank.jsonl" && { grep -q "blank.jsonl:2:" "$tmp/err" || fail "bad line not named: $(cat "$tmp/err")"; }
expect_rc 2 "$HL_BIN" merkle leaf || true
expect_rc 2 "$HL_BIN" merkle leaf a b || true
expect_rc 2 "$HL_BIN" merkle root --size -1 "$tmp/three.jsonl" || true
if expect_rc 0 "$HL_BIN" merkle --help; then
    grep -q "hotline merkle root" "$tmp/out" || fail "merkle --help does not show root"
fi

finish protocol "ok"
