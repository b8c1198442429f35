#!/usr/bin/env bash
# fed_strict.sh — what a member sends back is read as strictly as what a
# peer pushes: a pulled page and a push's answer whose JSON names a member
# twice (the entries in them are signed objects; a duplicate key makes
# the bytes say two things) are refused whole, logged with the reason, and
# nothing of them is stored. The member here is a stand-in on b's address
# with b's own certificate (so the pin holds) that serves such bytes; once
# the real b is back, a and b agree again as if it had never answered.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/fed_lib.sh"

fed_pair a b ch
PA=$(fed_party a)
PB=$(fed_party b)

# b publishes a note (entries 0 and 1 of its log); a takes it.
fed_tool notes 1 "$PB" >"$tmp/b1.json"
expect_rc 0 "$HL_BIN" send --channel ch "$tmp/b1.json" --data "$tmp/b" --timeout 20 || true
fed_wait 20 fed_holds a "$PB" ch 2

# The stand-in: every GET of the collection is a page whose one object
# names "id" twice; a POST is answered 202, in MODE "answer" with a status
# whose hotline_entries hold such an object (else a plain success, so that
# the worker's round goes on to its pull). It writes what it served to
# $tmp/fake.log.
fed_stop b
port=$(sed -n 's/^listen = 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/b/hotline.conf")
cat >"$tmp/fake.py" <<'PY'
import http.server, json, ssl, sys
port, crt, key, log, party, mode = sys.argv[1:7]
dup = ('{"type":"note","spec_version":"2.1","id":"note--11111111-1111-4111-8111-111111111111",'
       '"id":"note--22222222-2222-4222-8222-222222222222","created":"2026-01-01T00:00:00Z",'
       '"modified":"2026-01-01T00:00:00Z","content":"twice","object_refs":["' + party + '"],'
       '"hotline_party":"' + party + '","hotline_channel":"ch","hotline_seq":2}')
class H(http.server.BaseHTTPRequestHandler):
    def answer(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/taxii+json;version=2.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        with open(log, "a") as f:
            f.write(f"{self.command} {self.path.split('?')[0]} {code}\n")
    def do_GET(self):
        if "/objects/" in self.path:
            self.answer(200, '{"more":false,"objects":[' + dup + ']}')
        else:
            self.answer(404, '{"title":"Not found","http_status":"404"}')
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        n = len(json.loads(self.rfile.read(n))["objects"])
        entries = ',"hotline_entries":[' + dup + ']' if mode == "answer" else ''
        self.answer(202, '{"id":"33333333-3333-4333-8333-333333333333","status":"complete",'
                    f'"total_count":{n},"success_count":{n},"failure_count":0,'
                    f'"pending_count":0{entries}}}')
    def log_message(self, *a):
        pass
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, key)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
PY
fake() { # MODE
    python3 "$tmp/fake.py" "$port" "$tmp/b/tls.crt" "$tmp/b/tls.key" "$tmp/fake.log" "$PB" "$1" \
        >"$tmp/fake.out" 2>&1 &
    fed_pid[fake]=$! # killed by cleanup_more if the test stops early
    fed_wait 10 grep -q ready "$tmp/fake.out"
}

# a's worker pulls from it every second: the page is refused.
fake pull
fed_wait 20 grep -q "GET /api/collections/.*/objects/ 200" "$tmp/fake.log"
fed_wait 20 grep -q "pull from b: .*duplicate object key" "$tmp/a.log"
fed_kill fake

# a publishes: the answer to its push is refused.
fake answer
fed_tool notes 1 "$PA" >"$tmp/a1.json"
expect_rc 3 "$HL_BIN" send --channel ch "$tmp/a1.json" --data "$tmp/a" --timeout 3 || true
fed_wait 20 grep -q "POST /api/collections/.*/objects/ 202" "$tmp/fake.log"
fed_wait 20 grep -q "push to b: the status does not parse" "$tmp/a.log"
grep -q "push to b: the status does not parse: .*duplicate object key" "$tmp/a.log" ||
    fail "the refused answer's log line does not say why: $(grep -m1 "push to b" "$tmp/a.log")"
fed_kill fake

# Nothing of it is held: b's log at a is still entries 0 and 1, and
# neither id of the twice-named object is anywhere in a's collection.
fed_holds a "$PB" ch 2 || fail "a took an entry of b's log from unparseable bytes"
fed_tool objects "$tmp/a" ch >"$tmp/a.objects"
grep -q "11111111-1111-4111-8111-111111111111\|22222222-2222-4222-8222-222222222222" \
    "$tmp/a.objects" && fail "a stored the object that names its id twice"
expect_rc 0 "$HL_BIN" verify --data "$tmp/a" || true

# The real b again: a's note reaches it with its receipt, as if the
# stand-in had never answered.
fed_serve b
fed_wait 30 fed_converged ch a b
expect_rc 0 "$HL_BIN" verify --data "$tmp/b" || true

finish fed_strict "a refused a page and an answer that name a key twice, stored nothing of them"
