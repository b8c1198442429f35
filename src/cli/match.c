/*
 * match.c — `hotline match`: the channel's indicators (or a file's)
 * against observations read from stdin, matches as JSON lines, and with
 * --report STIX sightings published into the channel.
 *
 *   hotline match --channel C --data DIR [--indicators FILE] [--report]
 *                 [--json] [--progress] [--fail-on-match]
 *
 * Indicators: from the channel's stored objects (the newest version of
 * each indicator whose pattern_type is "stix", not revoked, valid_from
 * reached, valid_until not past), reloaded when the channel changes
 * (store_channel_last_added, looked at most once a second) or when one of
 * them starts or stops being valid; or, with --indicators, from FILE (a
 * STIX object, bundle or envelope), read once. A reload compiles a new
 * matcher: windows of indicators that span several observations start
 * empty again.
 *
 * Observations (docs/matching.md): a record is a JSON document (an
 * observed-data, or a bundle or envelope whose observed-data are matched
 * with its SCOs for object_refs), one per line or spread over lines, or a
 * line of the line format
 *     ipv4-addr:value=198.51.100.7 file:name=a.exe ts=2026-11-29T10:00:00Z n=2
 * Empty lines and lines starting with '#' are skipped; a record that does
 * not read is reported on stderr with its number and skipped.
 *
 * Output: one JSON line per match on stdout:
 *     {"indicator": ID, "observed_data": ID|null, "record": N,
 *      "first_observed": TS, "last_observed": TS, "number_observed": K}
 * then a summary on stderr ("matched: R records, O observations, M
 * matches of I indicators"), or with --json as a last line {"summary":
 * {...}} on stdout. Progress every 5 s on stderr when it is a terminal or
 * with --progress.
 *
 * --report: one sighting per matched indicator for the whole run
 * (sighting_of_ref, count = the sum of number_observed, first_seen,
 * last_seen, observed_data_refs = the observed-data ids seen (at most
 * MATCH_MAX_REFS), where_sighted_refs = the local party), published with
 * cli_publish through the node when it is serving (a TCP connection to
 * where the command line reaches it succeeds: cli_node_reach), else appended to the party's
 * log as `hotline log append` does.
 *
 * Exit codes: 0 ran (matches or not); 1 with --fail-on-match, something
 * matched (or with --report, the node or the log refused the sightings);
 * 2 usage error, unreadable indicators, store or publishing failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "node/node.h"
#include "pattern/pattern.h"
#include "stix/stix.h"

#define MATCH_MAX_REFS 1000       /* observed_data_refs per sighting */
#define MATCH_PROGRESS_S 5        /* seconds between progress lines */
#define MATCH_RELOAD_S 1          /* at most one look at the store per second */
#define MATCH_MAX_LINE (1u << 20) /* one line of the line format */

static void match_help(void)
{
    printf("usage: hotline match --channel C --data DIR [--indicators FILE] [--report]\n"
           "                     [--json] [--progress] [--fail-on-match]\n\n"
           "Matches the channel's valid STIX indicators (or FILE's) against observations\n"
           "on stdin: observed-data, bundles or envelopes as JSON (one per line or spread\n"
           "over lines), or lines such as\n"
           "    ipv4-addr:value=198.51.100.7 file:name=a.exe ts=2026-11-29T10:00:00Z n=2\n"
           "Each match is one JSON line on stdout:\n"
           "    {\"indicator\": ID, \"observed_data\": ID|null, \"record\": N, ...}\n\n"
           "  --indicators FILE  indicators from FILE (object, bundle or envelope)\n"
           "  --report           publish one sighting per matched indicator into C\n"
           "                     (through the serving node, else into the party's log)\n"
           "  --json             the summary as a last JSON line on stdout\n"
           "  --progress         progress on stderr every %d s (default: if a terminal)\n"
           "  --fail-on-match    exit 1 if anything matched\n\n"
           "The channel's indicators are reloaded when the channel changes. See\n"
           "docs/matching.md for the line format and the matching rules.\n\n"
           "Exit codes: 0 ran; 1 matched with --fail-on-match, or sightings refused;\n"
           "2 usage or operational error.\n",
           MATCH_PROGRESS_S);
}

/* One matched indicator, for --report. */
struct sighting {
    uint64_t count;
    int64_t first_ns, last_ns;
    json_t *refs; /* observed-data ids, an array */
};

struct match_run {
    const char *dir, *channel, *file;
    bool report, json, progress, fail_on_match;
    struct cli_node node;
    bool node_open;
    struct pattern_matcher *m;
    int64_t last_added;  /* the channel's, when the indicators were loaded */
    int64_t next_change; /* ns: an indicator starts or stops being valid */
    int64_t last_look;   /* ns: last look at the store */
    json_t *sightings;   /* indicator id -> struct sighting (as a pointer in an integer) */
    uint64_t records, observations, matches, bad_records;
    uint64_t record; /* the current record's number */
    int rc;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void format_ns(int64_t ns, char out[32])
{
    stix_time_format_us_ms(ns / 1000, out);
}

/* ---- indicators --------------------------------------------------------------- */

/* Adds indicator obj to m if it is a valid STIX-pattern indicator now;
 * keeps r->next_change. Refusals are reported and skipped. */
static int add_indicator(struct match_run *r, struct pattern_matcher *m, const json_t *obj,
                         int64_t now)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *pattern = json_string_value(json_object_get(obj, "pattern"));
    const char *ptype = json_string_value(json_object_get(obj, "pattern_type"));
    const json_t *from = json_object_get(obj, "valid_from"),
                 *until = json_object_get(obj, "valid_until");
    int64_t t;
    struct hl_error err;
    if (!pattern_is_type(obj, "indicator") || !id || !pattern || !ptype ||
        strcmp(ptype, "stix") != 0 || json_is_true(json_object_get(obj, "revoked")))
        return 0;
    if (json_is_string(from) &&
        pattern_time_parse(json_string_value(from), json_string_length(from), &t) && t > now) {
        if (t < r->next_change)
            r->next_change = t;
        return 0;
    }
    if (json_is_string(until) &&
        pattern_time_parse(json_string_value(until), json_string_length(until), &t)) {
        if (t <= now)
            return 0;
        if (t < r->next_change)
            r->next_change = t;
    }
    hl_error_clear(&err);
    int rc = pattern_matcher_add(m, id, pattern,
                                 json_string_length(json_object_get(obj, "pattern")), NULL, &err);
    if (rc == -HL_E_NOMEM)
        return rc;
    if (rc)
        fprintf(stderr, "hotline match: %s: pattern %s: %s (skipped)\n", id, err.where, err.msg);
    return 0;
}

struct load_ctx {
    struct match_run *r;
    struct pattern_matcher *m;
    int64_t now;
    int rc;
};

static int load_row(void *ctx, const struct store_object *o)
{
    struct load_ctx *l = ctx;
    json_error_t je;
    json_t *obj = json_loadb((const char *)o->json, o->json_len, 0, &je);
    if (obj) {
        l->rc = add_indicator(l->r, l->m, obj, l->now);
        json_decref(obj);
    }
    return l->rc;
}

/* A new matcher of the current indicators into r->m. */
static int load_indicators(struct match_run *r, struct hl_error *err)
{
    struct load_ctx l = {r, pattern_matcher_new(), now_ns(), 0};
    int rc = 0;
    if (!l.m)
        return hl_fail(err, HL_E_NOMEM, NULL, "out of memory");
    r->next_change = INT64_MAX;
    if (r->file) {
        struct buf b;
        json_t *doc = NULL;
        buf_init(&b, HL_MAX_DOCUMENT_BYTES);
        if (!(rc = hl_read_file(r->file, HL_MAX_DOCUMENT_BYTES, &b, err)))
            rc = stix_parse(b.data, b.len, &doc, err);
        buf_release(&b);
        const json_t *objs = json_object_get(doc, "objects");
        if (!rc && json_is_array(objs)) {
            for (size_t i = 0; i < json_array_size(objs) && !rc; i++)
                rc = add_indicator(r, l.m, json_array_get(objs, i), l.now);
        } else if (!rc) {
            rc = add_indicator(r, l.m, doc, l.now);
        }
        json_decref(doc);
    } else {
        const char *types[] = {"indicator"};
        struct store_query q = {.channel = r->channel,
                                .types = types,
                                .n_types = 1,
                                .version = STORE_VERSION_LAST,
                                .limit = STORE_PAGE_MAX};
        struct store_page page;
        if (!(rc = store_channel_last_added(r->node.store, r->channel, &r->last_added, err))) {
            do {
                rc = store_object_list(r->node.store, &q, load_row, &l, &page, err);
                if (!rc && l.rc)
                    rc = hl_fail(err, -l.rc, NULL, "%s", hl_strerror(-l.rc));
                q.after = page.next;
            } while (!rc && page.more);
        }
    }
    if (rc) {
        pattern_matcher_free(l.m);
        return rc;
    }
    pattern_matcher_free(r->m);
    r->m = l.m;
    return 0;
}

/* Reloads when the channel changed or an indicator's validity did; looks
 * at the store at most once every MATCH_RELOAD_S. */
static int maybe_reload(struct match_run *r, struct hl_error *err)
{
    int64_t now = now_ns(), last;
    if (now - r->last_look < (int64_t)MATCH_RELOAD_S * 1000000000)
        return 0;
    r->last_look = now;
    if (now >= r->next_change)
        return load_indicators(r, err);
    if (r->file)
        return 0;
    int rc = store_channel_last_added(r->node.store, r->channel, &last, err);
    if (!rc && last != r->last_added)
        rc = load_indicators(r, err);
    return rc;
}

/* ---- matches ------------------------------------------------------------------- */

static void on_match(void *ctx, uint32_t indicator, const struct pattern_observation *o)
{
    struct match_run *r = ctx;
    const char *id = pattern_matcher_id(r->m, indicator);
    char first[32], last[32];
    format_ns(o->first_ns, first);
    format_ns(o->last_ns, last);
    json_t *j = json_pack("{s:s, s:s?, s:I, s:s, s:s, s:I}", "indicator", id, "observed_data",
                          o->id, "record", (json_int_t)r->record, "first_observed", first,
                          "last_observed", last, "number_observed", (json_int_t)o->number_observed);
    if (!j || (!o->id && json_object_set_new(j, "observed_data", json_null())) ||
        cli_json_print(j)) {
        r->rc = -HL_E_NOMEM;
    }
    json_decref(j);
    r->matches++;
    if (!r->report)
        return;
    json_t *slot = json_object_get(r->sightings, id);
    struct sighting *s = slot ? (struct sighting *)(uintptr_t)json_integer_value(slot) : NULL;
    if (!s) {
        if (!(s = calloc(1, sizeof *s)) || !(s->refs = json_array()) ||
            json_object_set_new(r->sightings, id, json_integer((json_int_t)(uintptr_t)s))) {
            if (s)
                json_decref(s->refs);
            free(s);
            r->rc = -HL_E_NOMEM;
            return;
        }
        s->first_ns = o->first_ns;
        s->last_ns = o->last_ns;
    }
    s->count += o->number_observed;
    if (o->first_ns < s->first_ns)
        s->first_ns = o->first_ns;
    if (o->last_ns > s->last_ns)
        s->last_ns = o->last_ns;
    if (o->id && json_array_size(s->refs) < MATCH_MAX_REFS) {
        bool seen = false;
        for (size_t i = json_array_size(s->refs); i-- > 0 && !seen;)
            seen = strcmp(json_string_value(json_array_get(s->refs, i)), o->id) == 0;
        if (!seen && json_array_append_new(s->refs, json_string(o->id)))
            r->rc = -HL_E_NOMEM;
    }
}

static int match_one(struct match_run *r, struct pattern_observation *o)
{
    r->observations++;
    int rc = pattern_matcher_match(r->m, o, on_match, r);
    return rc ? rc : r->rc;
}

/* ---- input ------------------------------------------------------------------------ */

static void bad_record(struct match_run *r, const struct hl_error *err)
{
    r->bad_records++;
    fprintf(stderr, "hotline match: record %llu: %s%s%s (skipped)\n", (unsigned long long)r->record,
            err->where[0] ? err->where : "", err->where[0] ? ": " : "", err->msg);
}

/* A JSON record: an observed-data, or a bundle / envelope of objects. */
static int match_json(struct match_run *r, json_t *doc)
{
    struct hl_error err;
    const json_t *objs = json_object_get(doc, "objects");
    int rc = 0;
    hl_error_clear(&err);
    if (!json_is_array(objs)) {
        struct pattern_observation o;
        if (pattern_observation_from_json(doc, NULL, &o, &err)) {
            bad_record(r, &err);
            return 0;
        }
        rc = match_one(r, &o);
        pattern_observation_release(&o);
        return rc;
    }
    json_t *by_id = json_object();
    if (!by_id)
        return -HL_E_NOMEM;
    for (size_t i = 0; i < json_array_size(objs); i++) {
        json_t *obj = json_array_get(objs, i);
        const char *id = json_string_value(json_object_get(obj, "id"));
        if (id && json_object_set(by_id, id, obj)) {
            json_decref(by_id);
            return -HL_E_NOMEM;
        }
    }
    for (size_t i = 0; i < json_array_size(objs) && !rc; i++) {
        json_t *obj = json_array_get(objs, i);
        struct pattern_observation o;
        if (!pattern_is_type(obj, "observed-data"))
            continue;
        if (pattern_observation_from_json(obj, by_id, &o, &err)) {
            bad_record(r, &err);
            continue;
        }
        rc = match_one(r, &o);
        pattern_observation_release(&o);
    }
    json_decref(by_id);
    return rc;
}

static void progress(struct match_run *r, double elapsed)
{
    fprintf(stderr,
            "hotline match: %llu records, %llu observations, %llu matches (%.0f records/s)\n",
            (unsigned long long)r->records, (unsigned long long)r->observations,
            (unsigned long long)r->matches, elapsed > 0 ? (double)r->records / elapsed : 0.0);
}

/* Reads stdin to its end, matching every record. */
static int match_input(struct match_run *r, struct hl_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    int64_t start = now_ns(), next_progress = start + (int64_t)MATCH_PROGRESS_S * 1000000000;
    int rc = 0;
    for (;;) {
        int c;
        while ((c = getc(stdin)) == ' ' || c == '\t' || c == '\r' || c == '\n')
            ;
        if (c == EOF)
            break;
        if (c == '#') { /* a comment, to the end of its line */
            while ((c = getc(stdin)) != EOF && c != '\n')
                ;
            continue;
        }
        if ((rc = maybe_reload(r, err)))
            break;
        r->record = ++r->records;
        if (c == '{') {
            json_error_t je;
            ungetc(c, stdin);
            json_t *doc = json_loadf(stdin, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
            if (!doc) {
                struct hl_error e;
                hl_fail(&e, HL_E_PARSE, NULL, "JSON: %s", je.text);
                bad_record(r, &e);
                /* resynchronize at the next line */
                while ((c = getc(stdin)) != EOF && c != '\n')
                    ;
                continue;
            }
            rc = match_json(r, doc);
            json_decref(doc);
        } else {
            ungetc(c, stdin);
            ssize_t n = getline(&line, &cap, stdin);
            if (n < 0)
                break;
            struct pattern_observation o;
            struct hl_error e;
            hl_error_clear(&e);
            if ((size_t)n > MATCH_MAX_LINE) {
                hl_fail(&e, HL_E_TOO_LARGE, NULL, "line longer than %u bytes", MATCH_MAX_LINE);
                bad_record(r, &e);
                continue;
            }
            if (pattern_observation_from_line(line, (size_t)n, now_ns(), &o, &e)) {
                bad_record(r, &e);
                continue;
            }
            rc = match_one(r, &o);
            pattern_observation_release(&o);
        }
        if (rc) {
            hl_fail(err, -rc, NULL, "matching failed: %s", hl_strerror(-rc));
            break;
        }
        if (r->progress && now_ns() >= next_progress) {
            progress(r, (double)(now_ns() - start) / 1e9);
            next_progress = now_ns() + (int64_t)MATCH_PROGRESS_S * 1000000000;
        }
    }
    free(line);
    if (!rc && ferror(stdin))
        rc = hl_fail(err, HL_E_IO, "stdin", "reading stdin: %s", strerror(errno));
    return rc;
}

/* ---- sightings ----------------------------------------------------------------- */

/* The sightings of the run as a JSON array (NULL when out of memory). */
static json_t *make_sightings(struct match_run *r)
{
    json_t *out = json_array();
    const char *ind;
    json_t *slot;
    char now[32], first[32], last[32], id[STIX_ID_MAX];
    format_ns(now_ns(), now);
    json_object_foreach(r->sightings, ind, slot)
    {
        const struct sighting *s = (const struct sighting *)(uintptr_t)json_integer_value(slot);
        format_ns(s->first_ns, first);
        format_ns(s->last_ns, last);
        if (!out || stix_id_new("sighting", id)) {
            json_decref(out);
            return NULL;
        }
        json_t *sg =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:[s]}", "type",
                      "sighting", "spec_version", "2.1", "id", id, "created_by_ref", r->node.party,
                      "created", now, "modified", now, "sighting_of_ref", ind, "count",
                      (json_int_t)(s->count > 999999999 ? 999999999 : s->count), "first_seen",
                      first, "last_seen", last, "where_sighted_refs", r->node.party);
        if (!sg ||
            (json_array_size(s->refs) && json_object_set(sg, "observed_data_refs", s->refs)) ||
            json_array_append_new(out, sg)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static void free_sightings(json_t *sightings)
{
    const char *ind;
    json_t *slot;
    json_object_foreach(sightings, ind, slot)
    {
        struct sighting *s = (struct sighting *)(uintptr_t)json_integer_value(slot);
        json_decref(s->refs);
        free(s);
    }
    json_decref(sightings);
}

/* Is the node in dir serving? A TCP connection to where the command line
 * reaches it (cli_node_reach). */
static bool node_serving(const char *dir)
{
    struct node_config conf;
    struct hl_error err;
    char path[CLI_PATH_MAX], reach[NODE_LISTEN_MAX + 1], host[NODE_LISTEN_MAX + 1];
    node_config_defaults(&conf, NULL);
    if (!cli_node_path(path, dir, NODE_CONF_FILE) || node_config_read(path, &conf, &err))
        return false;
    cli_node_reach(dir, &conf, reach);
    const char *colon = strrchr(reach, ':');
    if (!colon)
        return false;
    snprintf(host, sizeof host, "%.*s", (int)(colon - reach), reach);
    if (host[0] == '[' && strlen(host) > 2) {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST}, *ai = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
        return false;
    bool ok = false;
    for (struct addrinfo *a = ai; a && !ok; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0)
            continue;
        ok = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
        close(fd);
    }
    freeaddrinfo(ai);
    return ok;
}

static int report(struct match_run *r)
{
    json_t *objects = make_sightings(r);
    int rc;
    if (!objects) {
        fprintf(stderr, "hotline match: out of memory making the sightings\n");
        return CLI_ERROR;
    }
    if (json_array_size(objects) == 0) {
        json_decref(objects);
        return CLI_OK;
    }
    if (node_serving(r->dir)) {
        struct cli_publish p = {.dir = r->dir,
                                .channel = r->channel,
                                .no_wait = true,
                                .json = true,
                                .timeout_s = CLI_PUBLISH_TIMEOUT_S};
        rc = cli_publish(&p, objects);
    } else {
        rc = cli_log_append_objects(r->dir, r->channel, objects);
    }
    if (rc == CLI_OK)
        fprintf(stderr, "hotline match: published %zu sightings into %s\n",
                json_array_size(objects), r->channel);
    json_decref(objects);
    return rc == CLI_PENDING ? CLI_OK : rc;
}

/* ---- the command ------------------------------------------------------------------ */

int cli_match(int argc, char **argv)
{
    struct match_run r = {0};
    const struct cli_opt opts[] = {
        {"--data", NULL, &r.dir, NULL},
        {"--channel", NULL, &r.channel, NULL},
        {"--indicators", NULL, &r.file, NULL},
        {"--report", NULL, NULL, &r.report},
        {"--json", NULL, NULL, &r.json},
        {"--progress", NULL, NULL, &r.progress},
        {"--fail-on-match", NULL, NULL, &r.fail_on_match},
        {NULL, NULL, NULL, NULL},
    };
    struct hl_error err;
    int n = 0, rc = CLI_OK;
    if (cli_wants_help(argc, argv)) {
        match_help();
        return CLI_OK;
    }
    if (cli_parse_opts("match", argc, argv, opts, NULL, 0, &n))
        return CLI_ERROR;
    if (!r.file && (!r.channel || !r.dir))
        return cli_usage_error("match",
                               "--channel C and --data DIR (or --indicators FILE) are required");
    if (r.report && (!r.dir || !r.channel))
        return cli_usage_error("match", "--report needs --data DIR and --channel C");
    if (!r.progress)
        r.progress = isatty(STDERR_FILENO);
    if (r.dir && r.channel) {
        if (cli_node_open("match", r.dir, false, &r.node))
            return CLI_ERROR;
        r.node_open = true;
        struct store_channel ch;
        hl_error_clear(&err);
        if (store_channel_get(r.node.store, r.channel, &ch, &err)) {
            cli_report(&err);
            cli_node_close(&r.node);
            return CLI_ERROR;
        }
    }
    if (!(r.sightings = json_object())) {
        rc = CLI_ERROR;
        goto out;
    }
    hl_error_clear(&err);
    r.last_look = now_ns();
    if (load_indicators(&r, &err) || match_input(&r, &err)) {
        cli_report(&err);
        rc = CLI_ERROR;
        goto out;
    }
    struct pattern_matcher_stats st;
    pattern_matcher_get_stats(r.m, &st);
    if (r.json) {
        json_t *j = json_pack(
            "{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "summary", "records", (json_int_t)r.records,
            "observations", (json_int_t)r.observations, "bad_records", (json_int_t)r.bad_records,
            "matches", (json_int_t)r.matches, "indicators", (json_int_t)st.n_indicators, "sighted",
            (json_int_t)json_object_size(r.sightings), "dropped", (json_int_t)st.n_dropped);
        if (cli_json_print(j))
            rc = CLI_ERROR;
        json_decref(j);
    } else {
        fprintf(
            stderr,
            "hotline match: %llu records, %llu observations, %llu matches of %zu indicators%s\n",
            (unsigned long long)r.records, (unsigned long long)r.observations,
            (unsigned long long)r.matches, st.n_indicators,
            r.bad_records ? " (some records skipped)" : "");
    }
    if (r.node_open) {
        cli_node_close(&r.node);
        r.node_open = false;
    }
    if (r.report && rc == CLI_OK) {
        /* the party id outlives the store: cli_node_close keeps it */
        rc = report(&r);
    }
    if (rc == CLI_OK && r.fail_on_match && r.matches)
        rc = CLI_FAIL;
out:
    if (r.node_open)
        cli_node_close(&r.node);
    pattern_matcher_free(r.m);
    free_sightings(r.sightings);
    return rc;
}
