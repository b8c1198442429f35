#!/usr/bin/env bash
# install.sh — what `make install` (meson install) lays down, under a
# DESTDIR: the binary, hotline(1), and the systemd unit hotline@.service,
# whose ExecStart names the installed binary. systemd-analyze verifies the
# unit (pointed at the DESTDIR's binary), and its ExecStart line, with %i
# and the state directory made the test's, serves a real node on
# 127.0.0.1 until SIGTERM, its KillSignal, stops it cleanly.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build=$(dirname "$HL_BIN")
dest=$tmp/dest
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$tmp/install.out" 2>&1 ||
    { fail "meson install: $(tail -5 "$tmp/install.out")"; finish install ""; }
bin=$(find "$dest" -path '*/bin/hotline' -type f)
man=$(find "$dest" -path '*/share/man/man1/hotline.1' -type f)
unit=$(find "$dest" -path '*/lib/systemd/system/hotline@.service' -type f)
[ -n "$bin" ] && [ -x "$bin" ] || fail "no executable bin/hotline under $dest: $(find "$dest" -type f)"
[ -n "$man" ] && grep -q '^\.TH HOTLINE 1' "$man" || fail "no hotline(1) under $dest"
[ -n "$unit" ] || { fail "no hotline@.service under $dest"; finish install ""; }
expect_rc 0 "$bin" --help || true
prefix=${bin#"$dest"}
prefix=${prefix%/bin/hotline}
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "$prefix/bin/hotline serve --data /var/lib/hotline/%i" ] ||
    fail "ExecStart: '$exec_start', want the installed binary under $prefix"
grep -q "^ReadWritePaths=/var/lib/hotline/%i$" "$unit" || fail "the unit may write more than its node"
grep -q "^KillSignal=SIGTERM$" "$unit" || fail "the unit does not stop the node with SIGTERM"

# systemd's own check of the unit, with ExecStart at the DESTDIR's binary.
sed "s|^ExecStart=$prefix/bin/hotline|ExecStart=$bin|" "$unit" >"$tmp/hotline@.service"
systemd-analyze verify --man=no "$tmp/hotline@.service" >"$tmp/verify.out" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$tmp/verify.out")"
[ ! -s "$tmp/verify.out" ] || fail "systemd-analyze verify said: $(cat "$tmp/verify.out")"

# The ExecStart line, as systemd would run it for hotline@x.
mkdir -p "$tmp/state/hotline"
"$bin" init --party "CERT X" --data "$tmp/state/hotline/x" --listen "127.0.0.1:$(free_port)" \
    >/dev/null 2>"$tmp/init.err" || fail "init: $(cat "$tmp/init.err")"
cmd=${exec_start//%i/x}
cmd=${cmd//\/var\/lib\/hotline/$tmp/state/hotline}
cmd=${cmd/#$prefix\/bin\/hotline/$bin}
# shellcheck disable=SC2086
$cmd 2>"$tmp/serve.err" &
pid=$!
cleanup_more() { kill -KILL "$pid" 2>/dev/null || true; }
for _ in $(seq 100); do
    grep -q "serving https://127.0.0.1:" "$tmp/serve.err" && break
    sleep 0.05
done
grep -q "serving https://127.0.0.1:" "$tmp/serve.err" || fail "ExecStart did not serve: $(cat "$tmp/serve.err")"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "ExecStart's serve exited $rc after SIGTERM: $(tail -3 "$tmp/serve.err")"
grep -q "stopped$" "$tmp/serve.err" || fail "no clean stop: $(tail -3 "$tmp/serve.err")"

finish install "binary, hotline(1) and hotline@.service installed; the unit verifies and its ExecStart serves and stops on SIGTERM"
