/*
 * schema.c — the SQLite schema of a hotline node and its migrations.
 *
 * Versioning. PRAGMA user_version holds the number of migration steps
 * applied; steps[] below is append-only (a released step is never edited,
 * a change is a new step). At open, every missing step runs in ONE
 * transaction (BEGIN IMMEDIATE, so two processes opening a fresh file do
 * not both migrate) together with the new user_version: a crash leaves the
 * old version or the new one, never half. A file whose user_version is
 * greater than the steps known here was written by a newer hotline and is
 * refused, untouched. PRAGMA application_id marks the file as hotline's; a
 * file carrying another application's id is refused.
 *
 * Tables (STRICT: SQLite enforces the declared storage class). Objects
 * are kept in arrival order (row = INTEGER PRIMARY KEY, the rowid) with the
 * random STIX ids in a separate index, because appending in rowid order is
 * 2.5x faster than a B-tree keyed by random UUIDs (DESIGN.md).
 *
 *   meta(key, value)                      node metadata
 *   parties(id, name, public_key[32])     STIX identity id, Ed25519 key
 *   channels(id, name, created_us)
 *   channel_members(channel_id, party_id)
 *   objects(row, channel_id, stix_id, type, modified_us, date_added_us, json,
 *           sealed_by, versions)          sealed_by: step 6, versions: 7
 *                                         (kept by sq_object_add: step 9)
 *   logs(id, party_id, channel_id)        one per (party, channel)
 *   log_entries(log_id, seq, leaf_hash[32], object_row, batch)
 *   tiles(log_id, last, level, hash[32])  complete subtrees, RFC 9162 §2.1.1,
 *                                         by their last leaf (step 10)
 *   tree_heads(id, log_id, size, root[32], timestamp_us, object_row)
 *   receipts(id, witness_id, log_id, size, root[32], object_row)
 *   statuses(id, channel_id, created_us, body)   TAXII 2.1 §4.3
 *   repl_cursors(peer_id, channel_id, push_row, pull_added_us, pull_next)
 *   users(id, name, token_hash[32], admin, created_us)        step 2
 *   user_rights(user_id, channel_id, rights)                   step 2
 *   deleted_objects(row, deleted_us)    TAXII 2.1 §5.7 deletes    step 3
 *   users.party_id                      a peer's account           step 4
 *   peers(party_id, name, url, cert_sha256, token, added_us)       step 4
 *   channel_pending(channel_id, name)   members not yet known      step 4
 *   alarms(id, kind, party_id, channel_id, seq, created_us, detail,
 *          evidence_a, evidence_b, b_sha256)                       step 4
 *   repl_state(peer_id, channel_id, push_seq, last_ok_us, last_try_us,
 *              last_error, failures)                               step 4
 *   tlp_held(stix_id, channel_id, tlp)  TLP 2.0 onward sharing     step 4
 *   channel_policy(channel_id, ack_within_s)   workflow            step 5
 *   escalations(id, item_id, kind, member, channel_id, at_us, hook) step 5
 *   objects_workflow: an index of the workflow's objects only    step 8
 *   receipts.refuted, receipts_size: receipts(log_id, size)       step 11
 *   repl_state.clock_skew_ms            the member's clock, vs ours step 12
 *   channel_members.retired_us          a member retired here      step 13
 *   peers.next_cert_sha256              its announced certificate  step 14
 *   statuses(row, id, ...)              in the order made, pruned  step 15
 *
 * Log order is enforced twice: the primary key (log_id, seq) refuses a
 * duplicate, and the trigger log_entries_in_order refuses any seq other
 * than the log's current size (no gap), whoever writes the file.
 */
#include "sqlite_int.h"

#include <stdio.h>

#define HL_APPLICATION_ID 0x484c4e31 /* "HLN1" */

static const char *const steps[] = {
    /* 1: the first schema */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE TABLE parties(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " public_key BLOB NOT NULL CHECK(length(public_key) = 32)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE channels(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " created_us INTEGER NOT NULL) STRICT;"
    "CREATE TABLE channel_members(channel_id INTEGER NOT NULL REFERENCES channels(id),"
    " party_id TEXT NOT NULL REFERENCES parties(id),"
    " PRIMARY KEY(channel_id, party_id)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE objects(row INTEGER PRIMARY KEY,"
    " channel_id INTEGER NOT NULL REFERENCES channels(id), stix_id TEXT NOT NULL,"
    " type TEXT NOT NULL, modified_us INTEGER NOT NULL, date_added_us INTEGER NOT NULL,"
    " json BLOB NOT NULL, UNIQUE(channel_id, stix_id, modified_us)) STRICT;"
    "CREATE INDEX objects_added ON objects(channel_id, date_added_us);"
    "CREATE TABLE logs(id INTEGER PRIMARY KEY, party_id TEXT NOT NULL REFERENCES parties(id),"
    " channel_id INTEGER NOT NULL REFERENCES channels(id), UNIQUE(party_id, channel_id)) STRICT;"
    "CREATE TABLE log_entries(log_id INTEGER NOT NULL REFERENCES logs(id),"
    " seq INTEGER NOT NULL CHECK(seq >= 0),"
    " leaf_hash BLOB NOT NULL CHECK(length(leaf_hash) = 32),"
    " object_row INTEGER NOT NULL REFERENCES objects(row), batch INTEGER NOT NULL,"
    " PRIMARY KEY(log_id, seq)) STRICT, WITHOUT ROWID;"
    "CREATE TRIGGER log_entries_in_order BEFORE INSERT ON log_entries"
    " WHEN NEW.seq <> (SELECT coalesce(max(seq) + 1, 0) FROM log_entries"
    "                  WHERE log_id = NEW.log_id)"
    " BEGIN SELECT RAISE(ABORT, 'log sequence number is not the log size'); END;"
    "CREATE TABLE tiles(log_id INTEGER NOT NULL REFERENCES logs(id),"
    " level INTEGER NOT NULL CHECK(level BETWEEN 0 AND 63), idx INTEGER NOT NULL CHECK(idx >= 0),"
    " hash BLOB NOT NULL CHECK(length(hash) = 32),"
    " PRIMARY KEY(log_id, level, idx)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE tree_heads(id INTEGER PRIMARY KEY, log_id INTEGER NOT NULL REFERENCES logs(id),"
    " size INTEGER NOT NULL CHECK(size >= 0), root BLOB NOT NULL CHECK(length(root) = 32),"
    " timestamp_us INTEGER NOT NULL, object_row INTEGER NOT NULL REFERENCES objects(row)) STRICT;"
    "CREATE INDEX tree_heads_log ON tree_heads(log_id, size);"
    "CREATE TABLE receipts(id INTEGER PRIMARY KEY,"
    " witness_id TEXT NOT NULL REFERENCES parties(id),"
    " log_id INTEGER NOT NULL REFERENCES logs(id), size INTEGER NOT NULL CHECK(size >= 0),"
    " root BLOB NOT NULL CHECK(length(root) = 32),"
    " object_row INTEGER NOT NULL REFERENCES objects(row)) STRICT;"
    "CREATE INDEX receipts_log ON receipts(log_id, witness_id, size);"
    "CREATE TABLE statuses(id TEXT PRIMARY KEY,"
    " channel_id INTEGER NOT NULL REFERENCES channels(id), created_us INTEGER NOT NULL,"
    " body BLOB NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE TABLE repl_cursors(peer_id TEXT NOT NULL REFERENCES parties(id),"
    " channel_id INTEGER NOT NULL REFERENCES channels(id), push_row INTEGER NOT NULL,"
    " pull_added_us INTEGER NOT NULL, pull_next TEXT NOT NULL,"
    " PRIMARY KEY(peer_id, channel_id)) STRICT, WITHOUT ROWID;",
    /* 2: users of the node's TAXII API and their rights per channel (the
     * node issue). A token is kept only as its SHA-256: unique, so a bearer
     * token finds its user by index; rights are AUTH_READ = 1 and
     * AUTH_WRITE = 2 bits; a user's rights go with it (ON DELETE CASCADE). */
    "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " token_hash BLOB NOT NULL UNIQUE CHECK(length(token_hash) = 32),"
    " admin INTEGER NOT NULL CHECK(admin IN (0, 1)), created_us INTEGER NOT NULL) STRICT;"
    "CREATE TABLE user_rights(user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " channel_id INTEGER NOT NULL REFERENCES channels(id),"
    " rights INTEGER NOT NULL CHECK(rights BETWEEN 1 AND 3),"
    " PRIMARY KEY(user_id, channel_id)) STRICT, WITHOUT ROWID;",
    /* 3: versions deleted through TAXII (DELETE of an object, TAXII 2.1
     * §5.7). The object row stays, because log entries point at it and a
     * ledger forgets nothing; a row listed here is no longer served by
     * store_object_list. */
    "CREATE TABLE deleted_objects(row INTEGER PRIMARY KEY REFERENCES objects(row),"
    " deleted_us INTEGER NOT NULL) STRICT;",
    /* 4: federation (issue 5). A peer is a known party plus where and how
     * to reach it; a user may belong to a peer party (its inbound
     * account); a channel member named before its peer is known waits in
     * channel_pending; alarms keep both signed objects of an equivocation,
     * unique per (kind, party, channel, seq, SHA-256 of evidence B); the
     * replication worker's state per (peer, channel); the STIX ids that
     * came in under TLP RED / AMBER+STRICT / AMBER, per channel. */
    "ALTER TABLE users ADD COLUMN party_id TEXT REFERENCES parties(id);"
    "CREATE TABLE peers(party_id TEXT PRIMARY KEY REFERENCES parties(id),"
    " name TEXT NOT NULL UNIQUE, url TEXT NOT NULL,"
    " cert_sha256 TEXT NOT NULL CHECK(length(cert_sha256) = 64), token TEXT NOT NULL,"
    " added_us INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE TABLE channel_pending(channel_id INTEGER NOT NULL REFERENCES channels(id),"
    " name TEXT NOT NULL, PRIMARY KEY(channel_id, name)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE alarms(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
    " party_id TEXT NOT NULL REFERENCES parties(id),"
    " channel_id INTEGER NOT NULL REFERENCES channels(id), seq INTEGER NOT NULL CHECK(seq >= 0),"
    " created_us INTEGER NOT NULL, detail TEXT NOT NULL, evidence_a BLOB NOT NULL,"
    " evidence_b BLOB NOT NULL, b_sha256 BLOB NOT NULL CHECK(length(b_sha256) = 32),"
    " UNIQUE(kind, party_id, channel_id, seq, b_sha256)) STRICT;"
    "CREATE INDEX alarms_channel ON alarms(channel_id, id);"
    "CREATE TABLE repl_state(peer_id TEXT NOT NULL REFERENCES parties(id),"
    " channel_id INTEGER NOT NULL REFERENCES channels(id), push_seq INTEGER NOT NULL,"
    " last_ok_us INTEGER NOT NULL, last_try_us INTEGER NOT NULL, last_error TEXT NOT NULL,"
    " failures INTEGER NOT NULL, PRIMARY KEY(peer_id, channel_id)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE tlp_held(stix_id TEXT NOT NULL,"
    " channel_id INTEGER NOT NULL REFERENCES channels(id),"
    " tlp TEXT NOT NULL CHECK(tlp IN ('TLP:RED', 'TLP:AMBER+STRICT', 'TLP:AMBER')),"
    " PRIMARY KEY(stix_id, channel_id)) STRICT, WITHOUT ROWID;",
    /* 5: the workflow (issue 6). A channel's acknowledgment policy; the
     * escalations made, unique per (item, kind, member) so that an overdue
     * item escalates once, with what its hook command did (0 none, 1 ok,
     * 2 failed). */
    "CREATE TABLE channel_policy(channel_id INTEGER PRIMARY KEY REFERENCES channels(id),"
    " ack_within_s INTEGER NOT NULL CHECK(ack_within_s > 0)) STRICT;"
    "CREATE TABLE escalations(id INTEGER PRIMARY KEY, item_id TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK(kind IN ('ack-overdue', 'request-overdue')),"
    " member TEXT NOT NULL, channel_id INTEGER NOT NULL REFERENCES channels(id),"
    " at_us INTEGER NOT NULL, hook INTEGER NOT NULL CHECK(hook BETWEEN 0 AND 2),"
    " UNIQUE(item_id, kind, member)) STRICT;"
    "CREATE INDEX escalations_channel ON escalations(channel_id, at_us);",
    /* 6: the party whose log holds each object (its sealer), so that a
     * member pulling a collection can leave out its own log's entries,
     * which it holds already (store_query.except_sealed_by). Filled from
     * the logs for the rows stored before. */
    "ALTER TABLE objects ADD COLUMN sealed_by TEXT;"
    "UPDATE objects SET sealed_by = l.party_id FROM log_entries e JOIN logs l ON l.id = e.log_id"
    " WHERE e.object_row = objects.row;",
    /* 7: whether an object's id has more than one version in its channel
     * (set on every version as the second arrives, never cleared): a page
     * of TAXII's default match[version]=last then looks for a newer version
     * only for those rows, not for every row (one index descent each). */
    "ALTER TABLE objects ADD COLUMN versions INTEGER NOT NULL DEFAULT 0"
    " CHECK(versions IN (0, 1));"
    "UPDATE objects SET versions = 1 WHERE (channel_id, stix_id) IN"
    " (SELECT channel_id, stix_id FROM objects GROUP BY channel_id, stix_id"
    "  HAVING count(*) > 1);"
    "CREATE TRIGGER objects_versions AFTER INSERT ON objects"
    " WHEN EXISTS (SELECT 1 FROM objects v WHERE v.channel_id = NEW.channel_id"
    "  AND v.stix_id = NEW.stix_id AND v.row <> NEW.row)"
    " BEGIN UPDATE objects SET versions = 1 WHERE channel_id = NEW.channel_id"
    "  AND stix_id = NEW.stix_id AND versions = 0; END;",
    /* 8: the workflow's own objects (notifications are reports, requests,
     * responses: workflow.h) in arrival order, a partial index that no
     * other object touches: the deadline check and /metrics read those
     * every few seconds (store_query.workflow), and a scan of the whole
     * channel for them grew with its history. */
    "CREATE INDEX objects_workflow ON objects(channel_id, date_added_us)"
    " WHERE type IN ('report', 'hotline-request', 'hotline-response');",
    /* 9: the versions flag of step 7 is kept by the one statement that
     * adds objects (sq_object_add: the new row's flag in its INSERT, the
     * older rows' in an UPDATE run only when there are some) instead of a
     * trigger: a trigger's sub-program ran for every row stored, about a
     * tenth of the instructions of storing an object and its log entry
     * (callgrind, bench/README.md). */
    "DROP TRIGGER IF EXISTS objects_versions;",
    /* 10: tiles keyed by where their subtree ends, (log_id, last leaf,
     * level), not (log_id, level, index): an append writes the subtrees
     * it completes, at up to one per level, to the log's last page of the
     * table instead of to one page per level (a one-object commit wrote
     * 1.8-3.7 pages of tiles, 4 KiB each through the fsync). The same rows,
     * renamed: last = (index + 1) * 2^level - 1. */
    "CREATE TABLE tiles_by_last(log_id INTEGER NOT NULL REFERENCES logs(id),"
    " last INTEGER NOT NULL CHECK(last >= 0),"
    " level INTEGER NOT NULL CHECK(level BETWEEN 0 AND 63),"
    " hash BLOB NOT NULL CHECK(length(hash) = 32),"
    " PRIMARY KEY(log_id, last, level)) STRICT, WITHOUT ROWID;"
    "INSERT INTO tiles_by_last SELECT log_id, ((idx + 1) << level) - 1, level, hash FROM tiles;"
    "DROP TABLE tiles;"
    "ALTER TABLE tiles_by_last RENAME TO tiles;",
    /* 11: before every append to its own log a node checks that no member
     * holds more of that log than it does (a database restored from an
     * older copy must not seal again the sequence numbers it sealed since:
     * ledger/log.c, log_own_current): a log's greatest receipt from any
     * witness in one descent. A receipt of our own log whose witness could
     * not show the entries it claims (exchange/transfer.c) is refuted: it
     * no longer holds our log back, nor counts as delivery. */
    "ALTER TABLE receipts ADD COLUMN refuted INTEGER NOT NULL DEFAULT 0"
    " CHECK(refuted IN (0, 1));"
    "CREATE INDEX receipts_size ON receipts(log_id, size) WHERE refuted = 0;",
    /* 12: how far a member's clock is from ours, as the HTTP Date of its
     * answers shows (exchange/repl.c): sealed times, deliveries and
     * deadlines compare the two clocks, so channel show, doctor and the
     * metrics say when they disagree. */
    "ALTER TABLE repl_state ADD COLUMN clock_skew_ms INTEGER NOT NULL DEFAULT 0;",
    /* 13: a member this node retired from a channel (left the agreement,
     * its node gone): since when, 0 while it is a member like the others.
     * Its log stays; the node stops exchanging with it and expecting
     * anything of it there (docs/federation.md section 11). */
    "ALTER TABLE channel_members ADD COLUMN retired_us INTEGER NOT NULL DEFAULT 0"
    " CHECK(retired_us >= 0);",
    /* 14: the certificate a peer announced it will present next (signed
     * with its party key), pinned beside its current one until it does:
     * renewing a node's certificate needs no other operator. */
    "ALTER TABLE peers ADD COLUMN next_cert_sha256 TEXT NOT NULL DEFAULT ''"
    " CHECK(next_cert_sha256 = '' OR length(next_cert_sha256) = 64);",
    /* 15: status records in the order they were made (a rowid table, the
     * TAXII id in a unique index beside it), so that those older than the
     * node keeps them (hotline.conf's status_retention_days) are removed
     * from the oldest on by reading only those (store_status_prune). As a
     * WITHOUT ROWID table keyed by random UUIDs a new record landed in a
     * random leaf, and every record, body and all, also sat in the interior
     * pages. Only the last 7 days' records (the default retention) are
     * carried over: a node that kept every answer for a year could hold
     * gigabytes of them, and copying those in the migration's one
     * transaction would need as much again in journal and file. */
    "CREATE TABLE statuses_by_row(row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " channel_id INTEGER NOT NULL REFERENCES channels(id), created_us INTEGER NOT NULL,"
    " body BLOB NOT NULL) STRICT;"
    "INSERT INTO statuses_by_row(id, channel_id, created_us, body)"
    " SELECT id, channel_id, created_us, body FROM statuses"
    " WHERE created_us >= (CAST(strftime('%s', 'now') AS INTEGER) - 7 * 86400) * 1000000"
    " ORDER BY created_us, id;"
    "DROP TABLE statuses;"
    "ALTER TABLE statuses_by_row RENAME TO statuses;",
};

#define N_STEPS ((int)(sizeof steps / sizeof steps[0]))

int sq_schema_version(void)
{
    return N_STEPS;
}

/* Reads an integer PRAGMA (names are constants of this file). */
static HL_MUST_CHECK int pragma_int(struct store_sqlite *q, const char *sql, int64_t *out,
                                    struct hl_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(q, rc, sql, err);
    int r = sq_step(q, st, sql, err);
    if (r == 1)
        r = sq_col_i64(st, 0, "pragma", 0, out, err);
    else if (r == 0)
        r = hl_fail(err, HL_E_STORE, q->path, "store: %s returned nothing", sql);
    sqlite3_finalize(st);
    return r;
}

static HL_MUST_CHECK int exec_sql(struct store_sqlite *q, const char *sql, struct hl_error *err)
{
    int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_fail(q, rc, "schema", err);
}

/* Checks the version and the application id, inside the transaction. */
static HL_MUST_CHECK int schema_read(struct store_sqlite *q, int64_t *version, struct hl_error *err)
{
    int64_t app = 0;
    int r = pragma_int(q, "PRAGMA user_version", version, err);
    if (!r)
        r = pragma_int(q, "PRAGMA application_id", &app, err);
    if (r)
        return r;
    if (app != 0 && app != HL_APPLICATION_ID)
        return hl_fail(err, HL_E_STORE, q->path,
                       "store: %s belongs to another application (application_id %lld)", q->path,
                       (long long)app);
    if (*version > N_STEPS)
        return hl_fail(err, HL_E_STORE, q->path,
                       "store: %s has schema version %lld, newer than this hotline "
                       "(knows up to %d); upgrade hotline to open it",
                       q->path, (long long)*version, N_STEPS);
    if (*version < 0)
        return hl_fail(err, HL_E_STORE, q->path, "store: %s has negative schema version %lld",
                       q->path, (long long)*version);
    return 0;
}

int sq_schema_migrate(struct store_sqlite *q, struct hl_error *err)
{
    int64_t version = 0;
    /* Fast path without a write lock: an up-to-date file needs nothing. */
    int r = schema_read(q, &version, err);
    if (r || version == N_STEPS)
        return r;
    r = exec_sql(q, "BEGIN IMMEDIATE", err);
    if (r)
        return r;
    r = schema_read(q, &version, err); /* another process may have migrated */
    for (int64_t v = version; !r && v < N_STEPS; v++)
        r = exec_sql(q, steps[v], err);
    char sql[96];
    if (!r && version < N_STEPS) {
        int n = snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
                         N_STEPS, HL_APPLICATION_ID);
        r = (n < 0 || (size_t)n >= sizeof sql)
                ? hl_fail(err, HL_E_INTERNAL, "schema", "store: pragma text truncated")
                : exec_sql(q, sql, err);
    }
    if (!r)
        return exec_sql(q, "COMMIT", err);
    (void)sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}
