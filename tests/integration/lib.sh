# lib.sh — what the integration test scripts share. Source it right after
# `set -eu`:
#     . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# It gives:
#   $tmp              a fresh directory, removed at exit (a script with more
#                     to undo, e.g. a server to kill, defines cleanup_more)
#   fail MSG          counts a failure and says it on stderr; tests go on
#   expect_rc N CMD   runs CMD with stdout in $tmp/out and stderr in
#                     $tmp/err; fails (and returns 1) unless it exits N
#   json_get FILE EXPR  a Python expression over the JSON in FILE (as d)
#   finish NAME MSG   exits 1 naming the failure count, or prints NAME: MSG
#   free_port         a TCP port of 127.0.0.1 nothing listens on, for a node
#   doc_blocks DOC DIR  each fenced block of DOC marked example=NAME (as
#                     ```sh example=NAME) into DIR/NAME
# TMPDIR is honoured, as mktemp does.

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hl-test.XXXXXX")
cleanup() {
    if declare -F cleanup_more >/dev/null; then cleanup_more || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

expect_rc() {
    local want=$1 rc=0
    shift
    "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" != "$want" ]; then
        fail "exit $rc, want $want: $* ($(head -c 400 "$tmp/out" "$tmp/err"))"
        return 1
    fi
}

json_get() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# scripts/free-port says why the port lies below the ephemeral range.
free_port() { "$(dirname "${BASH_SOURCE[0]}")/../../scripts/free-port"; }

doc_blocks() {
    mkdir -p "$2"
    python3 - "$1" "$2" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
for m in re.finditer(r"```\w+ example=([\w-]+)[^\n]*\n((?:(?!```)[^\n]*\n)*)```", text):
    open(f"{sys.argv[2]}/{m.group(1)}", "w", encoding="utf-8").write(m.group(2))
PY
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$1: $failures failure(s)" >&2
        exit 1
    fi
    echo "$1: $2"
}
