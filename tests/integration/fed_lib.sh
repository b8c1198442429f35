# fed_lib.sh — what the federation tests (fed*.sh) share, on top of lib.sh:
# nodes in $tmp/NAME on free ports of 127.0.0.1, peered the way operators
# do it (cards, `hotline peer add`, tokens exchanged), served in the
# background, stopped (SIGTERM) or killed (SIGKILL), and waited for.
#   fed_init NAME                 hotline init, a free port, pull every second
#   fed_link X Y                  X and Y become each other's peers
#                                 ($tmp/token.X.Y: Y's token at X)
#   fed_channel NAME CH PEER,...  hotline channel create CH --members ...
#   fed_serve NAME / fed_stop NAME / fed_kill NAME
#   fed_wait SECONDS CMD...       retries CMD until it succeeds, or fails
#   fed_party NAME                the node's identity id
#   fed_tool ARGS                 tests/integration/fed_tool.py
# Source it after lib.sh.

fed_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -A fed_pid=()

cleanup_more() {
    local n
    for n in "${!fed_pid[@]}"; do kill -KILL "${fed_pid[$n]}" 2>/dev/null || true; done
}

fed_tool() { python3 "$fed_dir/fed_tool.py" "$@"; }

fed_init() {
    "$HL_BIN" init --party "$1" --data "$tmp/$1" >"$tmp/$1.id" 2>/dev/null || {
        fail "init $1"
        return 1
    }
    sed -i "s/^listen = .*/listen = 127.0.0.1:$(free_port)/" "$tmp/$1/hotline.conf"
    sed -i "s/^pull_interval_s = .*/pull_interval_s = ${FED_PULL_S:-1}/" "$tmp/$1/hotline.conf"
    "$HL_BIN" peer card --data "$tmp/$1" >"$tmp/$1.card" 2>/dev/null
}

fed_party() { cat "$tmp/$1.id"; }

# The token `hotline peer add` printed: the last word of its output.
fed_token_of() { tr -s ' \n' '\n\n' <"$1" | grep -v '^$' | tail -1; }

fed_link() {
    local x=$1 y=$2
    "$HL_BIN" peer add "$y" --data "$tmp/$x" --card "$tmp/$y.card" >"$tmp/link1.out" 2>&1 ||
        { fail "peer add $y at $x: $(cat "$tmp/link1.out")"; return 1; }
    fed_token_of "$tmp/link1.out" >"$tmp/token.$x.$y" # y's account at x
    fed_token_of "$tmp/link1.out" |
        "$HL_BIN" peer add "$x" --data "$tmp/$y" --card "$tmp/$x.card" --token - >"$tmp/link2.out" 2>&1 ||
        { fail "peer add $x at $y: $(cat "$tmp/link2.out")"; return 1; }
    fed_token_of "$tmp/link2.out" | "$HL_BIN" peer set "$y" --data "$tmp/$x" --token - >/dev/null 2>&1 ||
        fail "peer set $y --token at $x"
}

fed_channel() {
    "$HL_BIN" channel create "$2" --members "$3" --data "$tmp/$1" >/dev/null 2>&1 ||
        fail "channel create $2 --members $3 at $1"
}

fed_serve() {
    local i before
    before=$(grep -c "hotline: serving" "$tmp/$1.log" 2>/dev/null || true)
    "$HL_BIN" serve --data "$tmp/$1" 2>>"$tmp/$1.log" &
    fed_pid[$1]=$!
    for i in $(seq 100); do # this start's line: the log keeps the earlier ones
        [ "$(grep -c "hotline: serving" "$tmp/$1.log" 2>/dev/null || true)" -gt "${before:-0}" ] &&
            return 0
        sleep 0.05
    done
    fail "$1 did not start: $(tail -3 "$tmp/$1.log")"
}

# fed_pair A B CHANNEL: two new nodes, peered both ways, CHANNEL made on
# both with the other as member, both serving.
fed_pair() {
    fed_init "$1"
    fed_init "$2"
    fed_link "$1" "$2"
    fed_channel "$1" "$3" "$2"
    fed_channel "$2" "$3" "$1"
    fed_serve "$1"
    fed_serve "$2"
}

# fed_send_one FROM TO CH: FROM sends one new note into CH, and it is
# delivered to TO (the only other member).
fed_send_one() {
    fed_tool notes 1 "$(fed_party "$1")" >"$tmp/$1.one.json"
    if expect_rc 0 "$HL_BIN" send --channel "$3" "$tmp/$1.one.json" --data "$tmp/$1" --timeout 20; then
        grep -Eq "^delivered to $2 \(receipt #[0-9]+\)$" "$tmp/out" ||
            fail "send $1 to $2: $(cat "$tmp/out")"
    fi
}

fed_stop() {
    kill -TERM "${fed_pid[$1]}"
    wait "${fed_pid[$1]}" || fail "$1 did not stop cleanly (exit $?)"
    unset "fed_pid[$1]"
}

# fed_stop_verify NODE...: stops each node cleanly, then `hotline verify`
# must pass on each.
fed_stop_verify() {
    local n
    for n in "$@"; do fed_stop "$n"; done
    for n in "$@"; do expect_rc 0 "$HL_BIN" verify --data "$tmp/$n" || true; done
}

fed_kill() {
    kill -KILL "${fed_pid[$1]}"
    wait "${fed_pid[$1]}" 2>/dev/null || true
    unset "fed_pid[$1]"
}

fed_wait() {
    local until=$((SECONDS + $1)) 
    shift
    while ! "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $until ]; then
            fail "timed out waiting for: $*"
            return 1
        fi
        sleep 0.1
    done
}

# Node NAME's copy of the log of party P in CH has SIZE entries.
fed_holds() {
    "$HL_BIN" channel show "$3" --data "$tmp/$1" --json >"$tmp/holds.json" 2>/dev/null &&
        [ "$(json_get "$tmp/holds.json" "[m['log_size'] for m in d['members'] if m['id'] == '$2'][0]")" = "$4" ]
}

# The size of NAME's own log of CH.
fed_own_size() {
    "$HL_BIN" channel show "$2" --data "$tmp/$1" --json >"$tmp/own.json" && json_get "$tmp/own.json" "d['our_log_size']"
}

# Every node holds every listed node's log of CH at its full size, in
# order, once each.
fed_converged() {
    local ch=$1 n m args=()
    shift
    for n in "$@"; do args+=("$(fed_party "$n")=$(fed_own_size "$n" "$ch")"); done
    for m in "$@"; do
        fed_tool check "$tmp/$m" "$ch" "${args[@]}" >"$tmp/check.$m" 2>&1 || return 1
    done
}
