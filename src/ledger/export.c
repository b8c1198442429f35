/*
 * export.c — evidence files: writing them from a store, auditing them with
 * nothing else at hand, and importing another node's file (the air-gapped
 * exchange: its entries are taken in order under their seals, and a
 * receipt for each log that grew goes into our own log).
 *
 * The format (docs/protocol.md, "Evidence files") is JSON Lines: a header
 * naming the parties (with their keys) and the logs (with their sizes),
 * then each log's entries in seq order, one per line, each line exactly
 * the entry's stored RFC 8785 bytes (its Merkle leaf). The header is in
 * RFC 8785 form too. It is only a table of contents: every claim in the
 * file is in the sealed entries, and an auditor still has to check the
 * parties' keys out of band (the header says which key signed, not that
 * the key is that party's).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log_int.h"

#define EVIDENCE_MAX_PARTIES 1000
#define EVIDENCE_MAX_LOGS 10000
#define FLUSH_AT (1u << 20)

/* ---- writing -------------------------------------------------------------- */

static int write_all(int fd, struct buf *b, struct hl_error *err)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return hl_fail(err, HL_E_IO, NULL, "cannot write the evidence file: %s",
                           strerror(errno));
        off += (size_t)w;
    }
    buf_clear(b);
    return 0;
}

struct party_rows {
    struct store_party *p;
    size_t n;
};

struct export_ctx {
    struct store *s;
    const struct log_export_filter *f;
    json_t *parties, *logs;
    struct party_rows rows;
    struct hl_error *err;
};

static int export_party_row(void *ctx, const struct store_party *p)
{
    struct party_rows *r = ctx;
    if (r->n == EVIDENCE_MAX_PARTIES)
        return -HL_E_TOO_LARGE;
    void *q = realloc(r->p, (r->n + 1) * sizeof *r->p);
    if (!q)
        return -HL_E_NOMEM;
    r->p = q;
    r->p[r->n++] = *p;
    return 0;
}

/* How much of a log an evidence file carries: up to and including its
 * last held tree head, so that a peer's log held partway through a batch
 * (replication catching up) is exported whole (protocol.md V16). */
static int export_size(struct store *s, const char *party, const char *channel, int64_t *size,
                       struct hl_error *err)
{
    struct store_tree_head h;
    struct hl_error none;
    int rc = store_log_size(s, party, channel, size, err);
    if (rc || *size == 0)
        return rc;
    if (store_tree_head_latest(s, party, channel, &h, &none) != 0)
        *size = 0; /* no batch of it is complete here */
    else if (h.size + 1 < *size)
        *size = h.size + 1;
    return 0;
}

/* Adds every selected non-empty log of channel c to the header. */
static int export_channel(void *ctx, const struct store_channel *c)
{
    struct export_ctx *x = ctx;
    if (x->f && x->f->channel && strcmp(x->f->channel, c->name) != 0)
        return 0;
    for (size_t i = 0; i < x->rows.n; i++) {
        const struct store_party *p = &x->rows.p[i];
        int64_t size = 0;
        if (x->f && x->f->party && strcmp(x->f->party, p->id) != 0)
            continue;
        int rc = export_size(x->s, p->id, c->name, &size, x->err);
        if (rc)
            return rc;
        if (size == 0)
            continue;
        if (json_array_size(x->logs) == EVIDENCE_MAX_LOGS)
            return -HL_E_TOO_LARGE;
        if (json_array_append_new(x->logs, json_pack("{s:s,s:s,s:I}", "party", p->id, "channel",
                                                     c->name, "size", (json_int_t)size)))
            return -HL_E_NOMEM;
    }
    return 0;
}

static bool header_has_party(const json_t *parties, const char *id)
{
    size_t i;
    json_t *p;
    json_array_foreach(parties, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "id")), id) == 0)
            return true;
    }
    return false;
}

/* The header: parties of the selected logs (with keys), and the logs. */
static int export_header(struct export_ctx *x, json_t **out, struct hl_error *err)
{
    char when[32], spki[SEAL_SPKI_B64_MAX];
    struct stix_time now = stix_time_now();
    size_t i;
    json_t *l;
    hl_error_clear(err);
    int rc = store_party_list(x->s, export_party_row, &x->rows, err);
    if (!rc)
        rc = store_channel_list(x->s, export_channel, x, err);
    if (rc)
        return err->code ? rc : hl_fail(err, -rc, NULL, "export: %s", hl_strerror(-rc));
    if (json_array_size(x->logs) == 0)
        return hl_fail(err, HL_E_NOT_FOUND, NULL, "no log matches");
    json_array_foreach(x->logs, i, l)
    {
        const char *party = json_string_value(json_object_get(l, "party"));
        for (size_t k = 0; k < x->rows.n; k++) {
            if (strcmp(x->rows.p[k].id, party) != 0 || header_has_party(x->parties, party))
                continue;
            seal_spki_encode(x->rows.p[k].public_key, spki);
            if (json_array_append_new(x->parties, json_pack("{s:s,s:s,s:s}", "id", party, "name",
                                                            x->rows.p[k].name, "public_key", spki)))
                return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
        }
    }
    stix_time_format(&now, when);
    *out = json_pack("{s:i,s:s,s:O,s:O}", "hotline_evidence", LOG_EVIDENCE_VERSION, "exported",
                     when, "parties", x->parties, "logs", x->logs);
    return *out ? 0 : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
}

struct write_ctx {
    int fd;
    struct buf *out;
    uint64_t entries;
    int64_t left; /* entries of the current log still to write */
    struct hl_error *err;
};

static int export_entry(void *ctx, const struct store_log_entry *e, const struct store_object *o)
{
    struct write_ctx *w = ctx;
    (void)e;
    if (w->left-- <= 0)
        return 1; /* the header's size: the last held tree head */
    int rc = buf_add(w->out, o->json, o->json_len);
    if (!rc)
        rc = buf_addc(w->out, '\n');
    if (rc)
        return hl_fail(w->err, -rc, NULL, "export: an entry is too large");
    w->entries++;
    return w->out->len >= FLUSH_AT ? write_all(w->fd, w->out, w->err) : 0;
}

int log_export(struct store *s, const struct log_export_filter *f, int fd, uint64_t *entries_out,
               struct hl_error *err)
{
    struct export_ctx x = {
        .s = s, .f = f, .parties = json_array(), .logs = json_array(), .err = err};
    struct buf out;
    json_t *header = NULL, *l;
    size_t i;
    buf_init(&out, (size_t)FLUSH_AT + LOG_ENTRY_MAX + 2);
    struct write_ctx w = {fd, &out, 0, 0, err};
    int rc = x.parties && x.logs ? store_begin_read(s, err)
                                 : hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    if (rc)
        goto out;
    rc = export_header(&x, &header, err);
    if (!rc)
        rc = stix_canon(header, &out, err);
    if (!rc && buf_addc(&out, '\n'))
        rc = hl_fail(err, HL_E_TOO_LARGE, NULL, "header too large");
    json_array_foreach(x.logs, i, l)
    {
        if (rc)
            break;
        w.left = json_integer_value(json_object_get(l, "size"));
        rc = store_log_scan(s, json_string_value(json_object_get(l, "party")),
                            json_string_value(json_object_get(l, "channel")), 0, export_entry, &w,
                            err);
        rc = rc == 1 ? 0 : rc;
    }
    if (!rc)
        rc = write_all(fd, &out, err);
    struct hl_error ignored;
    if (store_rollback(s, &ignored) && !rc)
        rc = hl_fail(err, HL_E_STORE, NULL, "could not end the read transaction");
out:
    if (entries_out)
        *entries_out = w.entries;
    json_decref(header);
    json_decref(x.parties);
    json_decref(x.logs);
    free(x.rows.p);
    buf_release(&out);
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

struct reader {
    FILE *f;
    const char *path;
    struct buf line;
    long lineno;
    char *blk; /* read-ahead block, owned */
    size_t blk_len, blk_pos;
    bool eof;
};

#define READ_BLOCK (1u << 20)

/* Appends blk[pos, pos + n) to the line, refusing NUL bytes and overlong
 * lines (naming the line). */
static int reader_take(struct reader *r, size_t n, struct hl_error *err)
{
    const char *p = r->blk + r->blk_pos;
    if (memchr(p, 0, n))
        return hl_fail(err, HL_E_PARSE, NULL, "%s:%ld: a NUL byte", r->path, r->lineno);
    if (buf_add(&r->line, p, n))
        return hl_fail(err, HL_E_TOO_LARGE, NULL, "%s:%ld: line longer than %zu bytes", r->path,
                       r->lineno, r->line.max);
    r->blk_pos += n;
    return 0;
}

/* Reads the next line (without its '\n') into r->line. 1 if read, 0 at
 * the end of the file, or -HL_E_*. A line longer than the limit, a NUL
 * byte or a last line without '\n' is an error naming the line. */
static int reader_next(struct reader *r, struct hl_error *err)
{
    buf_clear(&r->line);
    r->lineno++;
    for (;;) {
        if (r->blk_pos == r->blk_len && !r->eof) {
            r->blk_len = fread(r->blk, 1, READ_BLOCK, r->f);
            r->blk_pos = 0;
            if (r->blk_len < READ_BLOCK && ferror(r->f))
                return hl_fail(err, HL_E_IO, NULL, "%s: read error", r->path);
            r->eof = r->blk_len == 0;
        }
        if (r->eof) {
            if (r->line.len == 0)
                return 0;
            return hl_fail(err, HL_E_PARSE, NULL,
                           "%s:%ld: the last line has no newline (file cut?)", r->path, r->lineno);
        }
        const char *start = r->blk + r->blk_pos;
        const char *nl = memchr(start, '\n', r->blk_len - r->blk_pos);
        int rc = reader_take(r, nl ? (size_t)(nl - start) : r->blk_len - r->blk_pos, err);
        if (rc)
            return rc;
        if (nl) {
            r->blk_pos++; /* the newline */
            return 1;
        }
    }
}

struct evidence_log {
    const char *party, *channel; /* borrowed from the header */
    uint8_t pk[32];
    int64_t size;
};

struct evidence {
    json_t *header;
    struct evidence_log *logs;
    size_t n_logs;
};

static void evidence_release(struct evidence *ev)
{
    json_decref(ev->header);
    free(ev->logs);
    memset(ev, 0, sizeof *ev);
}

static int header_key(const json_t *parties, const char *party, uint8_t pk[32],
                      struct hl_error *err)
{
    size_t i;
    json_t *p;
    json_array_foreach(parties, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "id")), party) == 0)
            return seal_spki_decode(json_string_value(json_object_get(p, "public_key")), pk, err);
    }
    return hl_fail(err, HL_E_PARSE, NULL, "the header names no key for party %s", party);
}

static int header_parties(const json_t *parties, struct hl_error *err)
{
    size_t i;
    json_t *p;
    uint8_t pk[32];
    if (!json_is_array(parties) || json_array_size(parties) > EVIDENCE_MAX_PARTIES)
        return hl_fail(err, HL_E_PARSE, "parties", "parties must be an array of at most %d",
                       EVIDENCE_MAX_PARTIES);
    json_array_foreach(parties, i, p)
    {
        const char *id = json_string_value(json_object_get(p, "id"));
        const char *key = json_string_value(json_object_get(p, "public_key"));
        if (!id || !stix_id_valid(id, "identity") || !key || seal_spki_decode(key, pk, err))
            return hl_fail(err, HL_E_PARSE, "parties",
                           "party %zu needs an identity id and an "
                           "Ed25519 public_key",
                           i);
    }
    return 0;
}

/* Reads and checks line 1. */
static int evidence_header(struct reader *r, struct evidence *ev, struct hl_error *err)
{
    int rc = reader_next(r, err);
    if (rc == 0)
        return hl_fail(err, HL_E_PARSE, NULL, "%s: empty file", r->path);
    if (rc < 0)
        return rc;
    if (stix_parse(r->line.data, r->line.len, &ev->header, err))
        return hl_fail(err, HL_E_PARSE, NULL, "%s:1: header: %s", r->path, err->msg);
    json_t *h = ev->header, *logs = json_object_get(h, "logs"), *l;
    json_t *version = json_object_get(h, "hotline_evidence");
    if (!json_is_integer(version) || json_integer_value(version) != LOG_EVIDENCE_VERSION)
        return hl_fail(err, HL_E_PARSE, NULL, "%s:1: not a hotline evidence file of version %d",
                       r->path, LOG_EVIDENCE_VERSION);
    if ((rc = header_parties(json_object_get(h, "parties"), err)))
        return hl_fail(err, HL_E_PARSE, NULL, "%s:1: %s", r->path, err->msg);
    if (!json_is_array(logs) || json_array_size(logs) > EVIDENCE_MAX_LOGS)
        return hl_fail(err, HL_E_PARSE, NULL, "%s:1: logs must be an array of at most %d", r->path,
                       EVIDENCE_MAX_LOGS);
    ev->logs = calloc(json_array_size(logs) + 1, sizeof *ev->logs);
    if (!ev->logs)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    size_t i;
    json_array_foreach(logs, i, l)
    {
        struct evidence_log *e = &ev->logs[i];
        json_t *size = json_object_get(l, "size");
        e->party = json_string_value(json_object_get(l, "party"));
        e->channel = json_string_value(json_object_get(l, "channel"));
        e->size = json_is_integer(size) ? json_integer_value(size) : -1;
        if (!e->party || !e->channel || !seal_channel_valid(e->channel) || e->size < 0 ||
            header_key(json_object_get(h, "parties"), e->party, e->pk, err))
            return hl_fail(err, HL_E_PARSE, NULL,
                           "%s:1: logs[%zu] needs a known party, a "
                           "channel and a size",
                           r->path, i);
        ev->n_logs++;
    }
    return 0;
}

static int reader_open(struct reader *r, const char *path, struct hl_error *err)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->line, LOG_ENTRY_MAX);
    r->path = path;
    r->blk = malloc(READ_BLOCK);
    if (!r->blk)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    r->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!r->f)
        return hl_fail(err, errno == ENOENT ? HL_E_NOT_FOUND : HL_E_IO, NULL, "%s: %s", path,
                       strerror(errno));
    return 0;
}

static void reader_close(struct reader *r)
{
    if (r->f && r->f != stdin)
        fclose(r->f);
    free(r->blk);
    buf_release(&r->line);
    r->f = NULL;
    r->blk = NULL;
}

/* A broken file (cut, NUL byte, overlong line) is a failed check at its
 * line, not an operational error; reading stops there. */
static int file_broken(struct log_audit *a, struct reader *r, int rc, const struct hl_error *e)
{
    if (rc != -HL_E_PARSE && rc != -HL_E_TOO_LARGE)
        return rc;
    char prefix[64];
    const char *msg = e->msg;
    snprintf(prefix, sizeof prefix, ":%ld: ", r->lineno);
    if (strncmp(msg, r->path, strlen(r->path)) == 0 &&
        strncmp(msg + strlen(r->path), prefix, strlen(prefix)) == 0)
        msg += strlen(r->path) + strlen(prefix); /* the line is the failure's own */
    log_audit_set_line(a, r->lineno);
    log_audit_fail(a, "", "", -1, -rc, "%s", msg);
    return 1;
}

/* Feeds one log's lines to the audit; 1 if the file broke off. */
static int audit_file_log(struct log_audit *a, struct reader *r, const struct evidence_log *l,
                          struct hl_error *err)
{
    int rc = log_audit_log_begin(a, l->party, l->channel, l->pk, err);
    for (int64_t seq = 0; !rc && seq < l->size && !log_audit_stopped(a); seq++) {
        rc = reader_next(r, err);
        if (rc == 0) {
            log_audit_set_line(a, r->lineno);
            log_audit_fail(a, l->party, l->channel, seq, HL_E_VERIFY,
                           "%s ends at line %ld: the log should hold %lld entries, it has %lld",
                           r->path, r->lineno - 1, (long long)l->size, (long long)seq);
            rc = 1;
        } else if (rc == 1) {
            rc = log_audit_entry(a, seq, (const uint8_t *)r->line.data, r->line.len, NULL,
                                 r->lineno, err);
        } else {
            rc = file_broken(a, r, rc, err);
        }
    }
    int end = log_audit_log_end(a, -1, err);
    return rc ? rc : end;
}

/* The header must be the RFC 8785 form of itself (docs/protocol.md V2). */
static int header_canonical(const struct reader *r, const json_t *h, struct hl_error *err)
{
    struct buf c;
    buf_init(&c, LOG_ENTRY_MAX);
    int rc = stix_canon(h, &c, err);
    if (!rc && (c.len != r->line.len || memcmp(c.data, r->line.data, c.len) != 0))
        rc = hl_fail(err, HL_E_PARSE, NULL, "%s:1: the header is not in RFC 8785 form", r->path);
    buf_release(&c);
    return rc;
}

static int audit_file_logs(struct log_audit *a, struct reader *r, struct evidence *ev,
                           struct hl_error *err)
{
    int rc = evidence_header(r, ev, err);
    if (!rc)
        rc = header_canonical(r, ev->header, err);
    if (rc)
        return file_broken(a, r, rc, err) > 0 ? 0 : rc;
    for (size_t i = 0; !rc && i < ev->n_logs && !log_audit_stopped(a); i++)
        rc = audit_file_log(a, r, &ev->logs[i], err);
    if (rc || log_audit_stopped(a))
        return rc > 0 ? 0 : rc;
    rc = reader_next(r, err);
    if (rc == 1) {
        log_audit_set_line(a, r->lineno);
        log_audit_fail(a, "", "", -1, HL_E_VERIFY,
                       "%s:%ld: a line after the last entry of the header's logs", r->path,
                       r->lineno);
    }
    return rc < 0 && file_broken(a, r, rc, err) < 0 ? rc : 0;
}

int log_audit_file(const char *path, const struct log_audit_options *opt,
                   struct log_audit_summary *sum, struct hl_error *err)
{
    struct reader r;
    struct evidence ev = {0};
    struct log_audit *a = NULL;
    if (sum)
        memset(sum, 0, sizeof *sum);
    int rc = reader_open(&r, path, err);
    if (!rc)
        rc = log_audit_new(opt, &a, err);
    if (!rc) {
        log_audit_set_strict(a, true, NULL);
        rc = audit_file_logs(a, &r, &ev, err);
    }
    if (!rc)
        rc = log_audit_finish(a, sum, err);
    log_audit_free(a);
    evidence_release(&ev);
    reader_close(&r);
    return rc;
}

/* ---- importing ------------------------------------------------------------ */

static const char *header_name(const json_t *parties, const char *party)
{
    size_t i;
    json_t *p;
    json_array_foreach(parties, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "id")), party) == 0) {
            const char *name = json_string_value(json_object_get(p, "name"));
            return name && strlen(name) <= STORE_TEXT_MAX ? name : "";
        }
    }
    return "";
}

/* The log's party must be known with the file's key (or pinned now), and
 * a member of the channel, which must exist here. */
static int import_party(struct store *s, const struct evidence_log *l, const char *name,
                        const uint8_t *pin_key, struct hl_error *err)
{
    struct store_party p;
    struct store_channel c;
    int rc = store_party_get(s, l->party, &p, err);
    if (!rc && memcmp(p.public_key, l->pk, 32) != 0)
        return hl_fail(err, HL_E_PERM, l->party,
                       "party %s is known here with another key than "
                       "the one in the file",
                       l->party);
    if (rc == -HL_E_NOT_FOUND) {
        if (!pin_key || memcmp(pin_key, l->pk, 32) != 0)
            return hl_fail(err, HL_E_PERM, l->party,
                           "party %s is not known here: check its "
                           "public key with it out of band, then "
                           "pin it",
                           l->party);
        memset(&p, 0, sizeof p);
        memcpy(p.id, l->party, strlen(l->party) + 1);
        memcpy(p.name, name, strlen(name) + 1);
        memcpy(p.public_key, l->pk, 32);
        rc = store_party_put(s, &p, err);
    }
    if (!rc && store_channel_get(s, l->channel, &c, err) == -HL_E_NOT_FOUND)
        return hl_fail(err, HL_E_NOT_FOUND, l->channel,
                       "channel %s does not exist here: create "
                       "it first",
                       l->channel);
    return rc ? rc : store_channel_member_add(s, l->channel, l->party, err);
}

struct import {
    struct store *s;
    const struct log_signer *me;
    const uint8_t *pin_key;
    int64_t now_us;
    struct reader r;
    struct evidence ev;
    struct log_import_result res;
    size_t bad_log; /* the log whose entry contradicted ours */
};

static int import_skip(struct import *im, int64_t n, struct hl_error *err)
{
    for (int64_t i = 0; i < n; i++) {
        int rc = reader_next(&im->r, err);
        if (rc <= 0)
            return rc ? rc : hl_fail(err, HL_E_PARSE, NULL, "%s: file ends early", im->r.path);
    }
    return 0;
}

/* Publishes the receipt for a log that grew, and reports it. */
static int import_receipt(struct import *im, const struct evidence_log *l, struct hl_error *err)
{
    struct store_receipt r;
    int rc = log_receipt_publish_in(im->s, im->me, l->party, l->channel, im->now_us, NULL, err);
    if (!rc)
        rc = store_receipt_latest(im->s, l->party, l->channel, im->me->party, &r, err);
    if (rc)
        return rc;
    if (im->res.receipts < LOG_IMPORT_RECEIPTS_MAX) {
        struct log_import_receipt *p = &im->res.published[im->res.receipts];
        snprintf(p->party, sizeof p->party, "%s", l->party);
        snprintf(p->channel, sizeof p->channel, "%s", l->channel);
        p->tree_size = (uint64_t)r.size;
        memcpy(p->root, r.root, 32);
    }
    im->res.receipts++;
    return 0;
}

static int import_log(struct import *im, size_t k, struct hl_error *err)
{
    const struct evidence_log *l = &im->ev.logs[k];
    uint64_t accepted = 0;
    enum log_accept what;
    if (strcmp(l->party, im->me->party) == 0)
        return import_skip(im, l->size, err); /* our own log: we hold the original */
    im->res.logs++;
    int rc =
        import_party(im->s, l, header_name(json_object_get(im->ev.header, "parties"), l->party),
                     im->pin_key, err);
    for (int64_t seq = 0; !rc && seq < l->size; seq++) {
        rc = reader_next(&im->r, err);
        if (rc == 1)
            rc = log_accept_in(im->s, l->party, l->channel, (const uint8_t *)im->r.line.data,
                               im->r.line.len, im->now_us, &what, err);
        if (rc == -HL_E_VERIFY)
            im->bad_log = k + 1;
        if (!rc) {
            accepted += what == LOG_ACCEPTED;
            im->res.duplicates += what == LOG_DUPLICATE;
        }
    }
    im->res.accepted += accepted;
    if (!rc && accepted)
        rc = import_receipt(im, l, err);
    return rc;
}

static int import_all(struct import *im, const char *path, struct hl_error *err)
{
    int rc = reader_open(&im->r, path, err);
    if (!rc)
        rc = evidence_header(&im->r, &im->ev, err);
    if (!rc)
        rc = store_begin(im->s, err);
    if (rc)
        return rc;
    for (size_t k = 0; !rc && k < im->ev.n_logs; k++)
        rc = import_log(im, k, err);
    struct hl_error ignored;
    if (rc) {
        int rb = store_rollback(im->s, &ignored); /* rc says what went wrong */
        (void)rb;
        return rc;
    }
    return store_commit(im->s, err);
}

/* After an equivocation: keep the heads of that log that contradict ours,
 * in a transaction of their own, so the audit shows both statements. */
static size_t import_keep_evidence(struct import *im, const char *path)
{
    struct hl_error e;
    bool kept;
    size_t n = 0;
    const struct evidence_log *l = &im->ev.logs[im->bad_log - 1];
    reader_close(&im->r);
    if (reader_open(&im->r, path, &e) || reader_next(&im->r, &e) != 1 || store_begin(im->s, &e))
        return 0;
    for (size_t k = 0; k + 1 < im->bad_log; k++) {
        if (import_skip(im, im->ev.logs[k].size, &e))
            goto out;
    }
    for (int64_t seq = 0; seq < l->size && reader_next(&im->r, &e) == 1; seq++) {
        if (log_evidence_keep_in(im->s, l->party, l->channel, (const uint8_t *)im->r.line.data,
                                 im->r.line.len, im->now_us, &kept, &e) == 0)
            n += kept;
    }
out:
    if (store_commit(im->s, &e))
        return 0;
    return n;
}

int log_import(struct store *s, const struct log_signer *me, const char *path,
               const uint8_t *pin_key, int64_t now_us, struct log_import_result *out,
               struct hl_error *err)
{
    struct import im = {.s = s, .me = me, .pin_key = pin_key, .now_us = now_us};
    struct log_audit_summary sum;
    if (out)
        memset(out, 0, sizeof *out);
    if (!me || !me->party || !me->key)
        return hl_fail(err, HL_E_INVALID, NULL, "importing needs the local party's key");
    int rc = log_audit_file(path, NULL, &sum, err);
    if (rc == -HL_E_VERIFY)
        return hl_fail(err, HL_E_VERIFY, NULL,
                       "%s does not verify (run hotline verify --file "
                       "on it): nothing imported",
                       path);
    if (!rc)
        rc = import_all(&im, path, err);
    if (rc == -HL_E_VERIFY && im.bad_log) {
        char msg[HL_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        size_t kept = import_keep_evidence(&im, path);
        rc = hl_fail(err, HL_E_VERIFY, err->where,
                     "%s: nothing imported; %zu contradicting "
                     "signed tree head%s kept as evidence",
                     msg, kept, kept == 1 ? "" : "s");
    }
    if (!rc && out)
        *out = im.res;
    evidence_release(&im.ev);
    reader_close(&im.r);
    return rc;
}
