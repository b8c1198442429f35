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

# A port below the kernel's ephemeral range (ip_local_port_range), free
# when asked: a port the kernel handed out for bind(0) lies inside that
# range, where any outgoing connection (every curl, every push) may take
# it as its local port before the node binds it, or while a stopped node
# is down; below the range only another listener can.
free_port() {
    python3 -c '
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.randint(10000, lo - 1) if lo > 10001 else 0))
        print(s.getsockname()[1])
        break
    except OSError:
        pass
    finally:
        s.close()
else:
    raise SystemExit("free_port: no free port below %d" % lo)
'
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$1: $failures failure(s)" >&2
        exit 1
    fi
    echo "$1: $2"
}
