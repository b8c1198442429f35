#!/usr/bin/env bash
# upgrade.sh — an operator upgrades a node: the directory of node a of a
# three-party channel as hotline of commit 3f6c04e left it (schema step 7;
# tests/data/node-v7, its database as SQL) is opened by this hotline. The
# database is migrated on first open and audits clean; the workflow made
# before the upgrade reads as this version derives it (c's request, which
# a took on and b declined, is in progress for a and declined for b); the
# node appends to its log, serves with its old hotline.conf and takes a
# send; and it audits clean again.
set -eu

: "${HL_BIN:?HL_BIN must point at the hotline binary}"
: "${HL_SRC:?HL_SRC must name the source root}"

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fixture="$HL_SRC/tests/data/node-v7"
req=hotline-request--740903dc-680b-4407-96fb-f0d518a4cd18
node=$tmp/a
server=""
cleanup_more() { [ -z "$server" ] || kill -KILL "$server" 2>/dev/null; }

db_pragma() {
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA " + sys.argv[2]).fetchone()[0])' "$node/hotline.db" "$1"
}

mkdir "$node"
cp "$fixture"/* "$node/"
rm "$node/hotline.sql"
chmod 700 "$node"
chmod 600 "$node/party.key" "$node/tls.key" "$node/cli.token"
python3 - "$fixture/hotline.sql" "$node/hotline.db" <<'EOF'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[2])
db.executescript(open(sys.argv[1]).read())
# Its status records as if made an hour ago, but one 8 days ago: the
# migration (step 15) carries over the last 7 days' only.
now = int(time.time() * 1e6)
db.execute("UPDATE statuses SET created_us = ?", (now - 3600 * 10**6,))
db.execute("UPDATE statuses SET created_us = ? WHERE id = '14f4c1e8-f050-488e-93a1-0f8f375d12b8'",
           (now - 8 * 86400 * 10**6,))
db.execute("PRAGMA user_version = 7")
db.execute("PRAGMA application_id = %d" % 0x484C4E31)
db.execute("PRAGMA journal_mode = WAL")
db.commit()
EOF
[ "$(db_pragma user_version)" = 7 ] || fail "the fixture is not at schema step 7"

# First open: migrated, and every seal, entry, head and receipt checks.
if expect_rc 0 "$HL_BIN" verify --data "$node"; then
    grep -q "^verified 3 logs, 42 entries, " "$tmp/out" || fail "verify after the upgrade: $(cat "$tmp/out")"
fi
[ "$(db_pragma user_version)" -gt 7 ] || fail "not migrated: user_version $(db_pragma user_version)"

# The workflow as this version reads it.
if expect_rc 0 "$HL_BIN" show "$req" --data "$node" --json; then
    [ "$(json_get "$tmp/out" "(d['state'], [(s['name'], s['state']) for s in d['states']])")" = \
        "('in-progress', [('a', 'in-progress'), ('b', 'declined')])" ] ||
        fail "c's request after the upgrade: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" list --data "$node" --todo --json; then
    [ "$(json_get "$tmp/out" "[i['id'] for i in d]")" = "['$req']" ] || fail "list --todo: $(cat "$tmp/out")"
fi
if expect_rc 0 "$HL_BIN" scorecard --channel tri --data "$node" --json; then
    [ "$(json_get "$tmp/out" "[(p['name'], p['requests_received']['open'], p['requests_received']['declined'], p['acknowledgment']['n']) for p in d['parties']]")" = \
        "[('a', 1, 0, 0), ('b', 0, 1, 1), ('c', 0, 0, 0)]" ] || fail "scorecard: $(cat "$tmp/out")"
fi

# It appends to its own log where it left off.
cat >"$tmp/note.json" <<EOF
{"type": "note", "spec_version": "2.1", "id": "note--5d1e7a38-1f0e-4f25-9d8e-6c1d9a6c8f01",
 "created": "2026-11-30T08:00:00.000Z", "modified": "2026-11-30T08:00:00.000Z",
 "content": "after the upgrade", "object_refs": ["$req"]}
EOF
if expect_rc 0 "$HL_BIN" log append --data "$node" --channel tri "$tmp/note.json"; then
    grep -Eq "^appended 1 objects to tri as seq [0-9]+\.\.[0-9]+; " "$tmp/out" || fail "append: $(cat "$tmp/out")"
fi

# Its TAXII status records, rebuilt in the order they were made (schema
# step 15): the eight of the last 7 days kept, the one of 8 days ago not.
# Then one is made 8 days old and the others now, so that the first prune
# of the serving node (status_retention_days, 7 by default: the old
# hotline.conf has no such key) removes that one alone.
old_status=1178474e-2e8d-4d25-b017-8bb66b2ddba3
python3 - "$node/hotline.db" "$old_status" <<'EOF'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT id, json_extract(CAST(body AS TEXT), '$.status.id') FROM statuses ORDER BY row").fetchall()
assert len(rows) == 8 and all(i == j for i, j in rows), rows
assert '14f4c1e8-f050-488e-93a1-0f8f375d12b8' not in [i for i, _ in rows], rows
now = int(time.time() * 1e6)
db.execute("UPDATE statuses SET created_us = ?", (now,))
db.execute("UPDATE statuses SET created_us = ? WHERE id = ?", (now - 8 * 86400 * 10**6, sys.argv[2]))
db.commit()
EOF
kept=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT id FROM statuses WHERE id <> ? LIMIT 1", (sys.argv[2],)).fetchone()[0])' "$node/hotline.db" "$old_status")

# It serves with the hotline.conf the old version wrote, and takes a send.
port=$(free_port)
sed -i "s/^listen = .*/listen = 127.0.0.1:$port/" "$node/hotline.conf"
"$HL_BIN" serve --data "$node" 2>"$tmp/serve.log" &
server=$!
for _ in $(seq 100); do
    grep -q "hotline: serving" "$tmp/serve.log" && break
    sleep 0.05
done
grep -q "hotline: serving" "$tmp/serve.log" || fail "serve: $(tail -3 "$tmp/serve.log")"
status_code() {
    curl -s -o "$tmp/status.json" -w '%{http_code}' --cacert "$node/tls.crt" \
        -H "Authorization: Bearer $(cat "$node/cli.token")" \
        -H 'Accept: application/taxii+json;version=2.1' "https://127.0.0.1:$port/api/status/$1/"
}
for _ in $(seq 100); do
    [ "$(status_code "$old_status")" = 404 ] && break
    sleep 0.05
done
[ "$(status_code "$old_status")" = 404 ] || fail "a status 8 days old is still served"
[ "$(status_code "$kept")" = 200 ] || fail "a status made now is gone: $(cat "$tmp/status.json")"
[ "$(json_get "$tmp/status.json" "d['id']")" = "$kept" ] || fail "status $kept: $(cat "$tmp/status.json")"
sed 's/5d1e7a38/6e2f8b49/; s/after the upgrade/sent after the upgrade/' "$tmp/note.json" >"$tmp/send.json"
if expect_rc 0 "$HL_BIN" send --channel tri "$tmp/send.json" --data "$node" --no-wait; then
    grep -q "^stored 1 of 1 objects$" "$tmp/out" || fail "send: $(cat "$tmp/out")"
fi
kill -TERM "$server"
wait "$server" || fail "serve did not stop cleanly"
server=""

if expect_rc 0 "$HL_BIN" verify --data "$node"; then
    grep -q "^verified 3 logs, " "$tmp/out" || fail "verify at the end: $(cat "$tmp/out")"
fi

finish upgrade "a node of schema step 7 migrated, audited, read, appended to, served (its old status records kept for status_retention_days) and audited again"
