/*
 * wfview.c — the duty officer's views of the workflow, read from the
 * node's store (no node needs to run):
 *   hotline list       the items of the channels, filtered
 *   hotline show ID    the whole thread of one object
 *   hotline scorecard  per party, from sealed data only (two nodes print
 *                      the same)
 * and the helpers the workflow commands share (time arguments, opening a
 * channel's view). What each view contains is workflow.h's; this file
 * prints it, as text or (--json) as the JSON workflow_* returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stix/stix.h"
#include "workflow/workflow.h"

#define WRAP_COLS 38 /* one column of a side-by-side translation */

bool cli_time_arg(const char *s, int64_t *out_us)
{
    int64_t d;
    if (!s)
        return false;
    if ((s[0] == '+' || s[0] == '-') && workflow_duration_parse(s + 1, 100LL * 366 * 86400, &d)) {
        *out_us = hl_wall_us() + (s[0] == '+' ? d : -d) * 1000000;
        return true;
    }
    return stix_time_parse_us(s, out_us);
}

struct find {
    struct store *s;
    const char *id;
    char found[STORE_TEXT_MAX + 1];
    struct hl_error *err;
};

static int find_version(void *ctx, const struct store_object *o)
{
    (void)ctx;
    (void)o;
    return 1; /* one is enough */
}

static int find_channel(void *ctx, const struct store_channel *c)
{
    struct find *f = ctx;
    int r = store_object_versions(f->s, c->name, f->id, find_version, NULL, f->err);
    if (r == 1) {
        snprintf(f->found, sizeof f->found, "%s", c->name);
        return 1;
    }
    return r == -HL_E_NOT_FOUND ? 0 : r;
}

int cli_view_open(const char *cmd, struct cli_node *n, const char *channel, const char *id,
                  struct workflow_view **v, char *chosen)
{
    struct hl_error err;
    struct find f = {n->store, id, "", &err};
    hl_error_clear(&err);
    *v = NULL;
    if (channel) {
        snprintf(f.found, sizeof f.found, "%s", channel);
    } else {
        int r = store_channel_list(n->store, find_channel, &f, &err);
        if (r < 0) {
            cli_report(&err);
            return CLI_ERROR;
        }
        if (!f.found[0]) {
            fprintf(stderr, "hotline %s: no channel of this node holds %s\n", cmd, id);
            return CLI_ERROR;
        }
    }
    if (workflow_view_load(n->store, f.found, v, &err)) {
        fprintf(stderr, "hotline %s: %s\n", cmd, err.msg);
        return CLI_ERROR;
    }
    if (id && !workflow_view_has(*v, id)) {
        fprintf(stderr, "hotline %s: channel %s holds no %s\n", cmd, f.found, id);
        workflow_view_free(*v);
        *v = NULL;
        return CLI_ERROR;
    }
    if (chosen)
        snprintf(chosen, STORE_TEXT_MAX + 1, "%s", f.found);
    return CLI_OK;
}

/* ---- escalations made by this node, beside the items ------------------------- */

struct esc_index {
    json_t *by_item; /* item id -> [{"kind", "member", "at", "hook"}] */
};

static int esc_collect(void *ctx, const struct store_escalation *e)
{
    static const char *const hook[] = {"none", "ok", "failed"};
    struct esc_index *x = ctx;
    char at[32];
    stix_time_format_us_ms(e->at_us, at);
    json_t *list = json_object_get(x->by_item, e->item_id);
    if (!list && json_object_set_new(x->by_item, e->item_id, list = json_array()))
        return -HL_E_NOMEM;
    json_t *row = json_pack("{s:s, s:s, s:s, s:s}", "kind", e->kind, "member", e->member, "at", at,
                            "hook", hook[e->hook >= 0 && e->hook <= 2 ? e->hook : 2]);
    return !row || json_array_append_new(list, row) ? -HL_E_NOMEM : 0;
}

/* Adds "escalations" (this node's, from its escalations table) to each
 * item of items (objects with "id") that has some. CLI_OK or CLI_ERROR. */
static int esc_annotate(struct cli_node *n, const char *channel, json_t *items)
{
    struct esc_index x = {json_object()};
    struct hl_error err;
    size_t i;
    json_t *it;
    hl_error_clear(&err);
    int r = x.by_item ? store_escalation_list(n->store, channel, esc_collect, &x, &err) : -1;
    json_array_foreach(items, i, it)
    {
        json_t *e = r ? NULL : json_object_get(x.by_item, cli_jstr(it, "id"));
        if (e)
            json_object_set(it, "escalations", e);
    }
    json_decref(x.by_item);
    if (r < 0 && err.code)
        cli_report(&err);
    return r ? CLI_ERROR : CLI_OK;
}

/* ---- list ------------------------------------------------------------------ */

static void list_help(void)
{
    printf("usage: hotline list --data DIR [--channel C] [--kind KIND] [--status S]\n"
           "                    [--overdue] [--todo] [--from PARTY] [--since TIME]\n"
           "                    [--now TIME] [--json] [--follow]\n\n"
           "Lists the workflow's items of every channel (or C), in sealed order: one\n"
           "line each with the seal time, kind, publishing party, status, id and a\n"
           "summary. A refused response is shown with the reason on the next line;\n"
           "under a request not completed or declined, its due time (in how long,\n"
           "or how long ago, at --now) and priority; under a notification not\n"
           "acknowledged, when its acknowledgment is due; and where several members\n"
           "answer, how each has.\n\n"
           "  --kind KIND   notification, request, response, dossier, opinion, note,\n"
           "                translation, sighting (default: all of them)\n"
           "  --status S    a request's state (open, acknowledged, in-progress,\n"
           "                needs-information, completed, declined), a response's\n"
           "                status, or a notification's open / acknowledged\n"
           "  --overdue     only notifications not acknowledged in time and requests\n"
           "                past due, at --now\n"
           "  --todo        only what this node's party still owes: notifications it\n"
           "                has not acknowledged, requests it has not completed or\n"
           "                declined\n"
           "  --from PARTY  published by PARTY (identity id, party name or peer name)\n"
           "  --since TIME  sealed at or after TIME\n"
           "  --now TIME    the clock for --overdue (default: now)\n"
           "  --follow      then print each item as it arrives (checked every second;\n"
           "                --since chooses the first listing only), until SIGINT or\n"
           "                SIGTERM; with --json one item per line\n"
           "  --json        one JSON array of the items\n\n"
           "TIME is a STIX timestamp (2026-05-08T14:22:31Z) or now +/- a duration\n"
           "(+25h, -30m; units s, m, h, d).\n");
}

static int channel_name(void *ctx, const struct store_channel *c)
{
    return json_array_append_new(ctx, json_string(c->name)) ? -HL_E_NOMEM : 0;
}

/* --from: an identity id, a party's name, or a peer's name, as an id. */
static bool resolve_party(struct cli_node *n, const char *from, char out[STORE_TEXT_MAX + 1])
{
    struct store_peer p;
    struct hl_error err;
    bool ok = false;
    if (stix_id_valid(from, "identity")) {
        snprintf(out, STORE_TEXT_MAX + 1, "%s", from);
        return true;
    }
    if (!strcmp(from, n->name)) {
        snprintf(out, STORE_TEXT_MAX + 1, "%s", n->party);
        return true;
    }
    if (store_peer_get_by_name(n->store, from, &p, &err) == 0) {
        snprintf(out, STORE_TEXT_MAX + 1, "%s", p.party_id);
        ok = true;
    }
    memset(p.token, 0, sizeof p.token);
    return ok;
}

/* The status column of an item: its status, and OVERDUE when it is. */
static void list_status(const json_t *it, char out[48])
{
    const char *st = cli_jstr(it, "status");
    bool overdue = json_is_true(json_object_get(it, "overdue"));
    snprintf(out, 48, "%s%s%s", st ? st : "-", overdue ? " OVERDUE" : "",
             overdue && json_object_get(it, "escalations") ? " (escalated)" : "");
}

/* "in 1h59m" or "3d4h ago": how far a STIX timestamp is from now_us, to
 * the minute ("" when it does not parse). */
static void list_until(const char *when, int64_t now_us, char out[32])
{
    int64_t at;
    out[0] = '\0';
    if (!stix_time_parse_us(when, &at))
        return;
    int64_t d = at - now_us, m = (d < 0 ? -d : d) / 60000000;
    char span[24];
    if (m >= 2880)
        snprintf(span, sizeof span, "%lldd%lldh", (long long)(m / 1440),
                 (long long)(m % 1440 / 60));
    else if (m >= 60)
        snprintf(span, sizeof span, "%lldh%02lldm", (long long)(m / 60), (long long)(m % 60));
    else
        snprintf(span, sizeof span, "%lldm", (long long)m);
    snprintf(out, 32, d < 0 ? "%s ago" : "in %s", span);
}

/* A request or notification several members answer: how each has, on
 * one line under the list's ("    ru: declined, us: in-progress"), or
 * with detail (show, requests) a line each with the time it became final,
 * or its first response and what it may answer next. One member: its
 * state is the item's, printed already. */
static void print_states(const json_t *states, bool detail)
{
    size_t i;
    const json_t *e;
    if (json_array_size(states) < 2)
        return;
    printf(detail ? "answers:\n" : "    ");
    json_array_foreach(states, i, e)
    {
        const char *first = cli_jstr(e, "first_response"), *fin = cli_jstr(e, "final");
        printf("%s%s: %s%s",
               detail ? "  "
               : i    ? ", "
                      : "",
               cli_jstr(e, "name"), cli_jstr(e, "state"),
               cli_jstr(e, "retired") ? " (retired)" : "");
        if (!detail)
            continue;
        if (fin)
            printf(" at %s", fin);
        else if (first)
            printf(" (first response %s)", first);
        if (!fin)
            printf("; allowed next: %s", cli_jstr(e, "allowed_next"));
        printf("\n");
    }
    if (!detail)
        printf("\n");
}

/* Under an item still waiting on someone, what it waits for: a request
 * not completed or declined, its due time and priority; a notification
 * not acknowledged, the acknowledgment's due time. */
static void list_print_due(const json_t *it, int64_t now_us)
{
    const char *st = cli_jstr(it, "status"), *due = cli_jstr(it, "due");
    const char *ack = cli_jstr(it, "ack_due");
    char rel[32];
    if (due && st && strcmp(st, "completed") && strcmp(st, "declined")) {
        list_until(due, now_us, rel);
        printf("    due %s (%s), priority %s\n", due, rel, cli_jstr(it, "priority"));
        print_states(json_object_get(it, "states"), false);
    } else if (ack && st && !strcmp(st, "open")) {
        list_until(ack, now_us, rel);
        printf("    acknowledgment due %s (%s)\n", ack, rel);
        print_states(json_object_get(it, "states"), false);
    }
}

/* One line per item, the party and status columns as wide as the widest
 * (party names up to 32 bytes); under it, unless now_us is 0 (show, which
 * prints the thread's own due times), what it waits for. */
void cli_list_print(const json_t *items, int64_t now_us)
{
    size_t i, from_w = 4, status_w = 6;
    const json_t *it;
    char status[48];
    json_array_foreach(items, i, it)
    {
        const char *from = cli_jstr(it, "from_name");
        size_t n = from ? strlen(from) : 0;
        from_w = n > from_w ? (n < 32 ? n : 32) : from_w;
        list_status(it, status);
        status_w = strlen(status) > status_w ? strlen(status) : status_w;
    }
    json_array_foreach(items, i, it)
    {
        list_status(it, status);
        printf("%s  %-12s %-*s %-*s %s  %s\n", cli_jstr(it, "sealed"), cli_jstr(it, "kind"),
               (int)from_w, cli_jstr(it, "from_name"), (int)status_w, status, cli_jstr(it, "id"),
               cli_jstr(it, "summary"));
        if (cli_jstr(it, "flag"))
            printf("    refused: %s\n", cli_jstr(it, "flag"));
        if (now_us)
            list_print_due(it, now_us);
    }
}

int cli_list_collect(struct cli_node *n, const char *channel, const struct workflow_filter *f,
                     json_t *all)
{
    json_t *names = json_array();
    struct hl_error err;
    hl_error_clear(&err);
    int rc = names ? CLI_OK : CLI_ERROR;
    if (rc == CLI_OK && channel)
        json_array_append_new(names, json_string(channel));
    else if (rc == CLI_OK && store_channel_list(n->store, channel_name, names, &err) < 0)
        rc = CLI_ERROR;
    size_t i;
    json_t *name;
    json_array_foreach(names, i, name)
    {
        struct workflow_view *v = NULL;
        if (rc != CLI_OK)
            break;
        rc = cli_view_open("list", n, json_string_value(name), NULL, &v, NULL);
        json_t *items = rc == CLI_OK ? workflow_list(v, f) : NULL;
        if (rc == CLI_OK && !items)
            rc = CLI_ERROR;
        if (rc == CLI_OK)
            rc = esc_annotate(n, json_string_value(name), items);
        if (rc == CLI_OK && json_array_extend(all, items))
            rc = CLI_ERROR;
        json_decref(items);
        workflow_view_free(v);
    }
    json_decref(names);
    return rc;
}

int cli_list(int argc, char **argv)
{
    const char *dir = NULL, *channel = NULL, *kind = NULL, *status = NULL, *from = NULL,
               *since = NULL, *now = NULL;
    bool overdue = false, json = false, follow = false, todo = false;
    const struct cli_opt opts[] = {
        {"--data", NULL, &dir, NULL},  {"--channel", NULL, &channel, NULL},
        {"--kind", NULL, &kind, NULL}, {"--status", NULL, &status, NULL},
        {"--from", NULL, &from, NULL}, {"--since", NULL, &since, NULL},
        {"--now", NULL, &now, NULL},   {"--overdue", NULL, NULL, &overdue},
        {"--json", NULL, NULL, &json}, {"--follow", NULL, NULL, &follow},
        {"--todo", NULL, NULL, &todo}, {NULL, NULL, NULL, NULL},
    };
    char *operands[1], party[STORE_TEXT_MAX + 1];
    int n_ops = 0;
    struct workflow_filter f = {.status = status, .now_us = hl_wall_us()};
    if (cli_wants_help(argc, argv)) {
        list_help();
        return CLI_OK;
    }
    if (cli_parse_opts("list", argc, argv, opts, operands, 1, &n_ops))
        return CLI_ERROR;
    if (!dir || n_ops)
        return cli_usage_error("list", "--data DIR is required, and no operand");
    if (follow && (overdue || now))
        return cli_usage_error("list", "--follow shows what arrives: not with --overdue or --now");
    if (kind && (!workflow_kind_parse(kind, &f.kind) || f.kind == WORKFLOW_KIND_OTHER ||
                 f.kind == WORKFLOW_KIND_LEDGER))
        return cli_usage_error("list",
                               "--kind %s is not one of notification, request, response, "
                               "dossier, opinion, note, translation, sighting",
                               kind);
    f.has_kind = kind != NULL;
    f.status = status;
    f.overdue = overdue;
    if (since && !cli_time_arg(since, &f.since_us))
        return cli_usage_error("list", "--since %s is not a time", since);
    if (now && !cli_time_arg(now, &f.now_us))
        return cli_usage_error("list", "--now %s is not a time", now);
    struct cli_node n;
    if (cli_node_open("list", dir, false, &n) != CLI_OK)
        return CLI_ERROR;
    if (from && !resolve_party(&n, from, party)) {
        cli_node_close(&n);
        return cli_usage_error("list", "--from %s is no identity id, party or peer", from);
    }
    f.from = from ? party : NULL;
    f.owed_by = todo ? n.party : NULL;
    if (follow) {
        int frc = cli_list_follow(&n, channel, &f, json);
        cli_node_close(&n);
        return frc;
    }
    json_t *all = json_array();
    int rc = all ? cli_list_collect(&n, channel, &f, all) : CLI_ERROR;
    if (rc == CLI_OK && json)
        rc = cli_json_print(all);
    else if (rc == CLI_OK)
        cli_list_print(all, f.now_us);
    json_decref(all);
    cli_node_close(&n);
    return rc;
}

/* ---- show ------------------------------------------------------------------- */

static void show_help(void)
{
    printf("usage: hotline show ID --data DIR [--channel C] [--now TIME] [--json]\n\n"
           "The whole thread of the object ID: what it is, who published it and\n"
           "when it was sealed; its delivery to each other member (receipts) and,\n"
           "for a notification, each member's acknowledgment; for a report, what it\n"
           "groups; the requests, responses, opinions, notes and sightings about it\n"
           "(or about what it groups); translations side by side with the original\n"
           "text; for a request its state and the statuses allowed next, and when\n"
           "several members answer it, each one's own state.\n"
           "  --now TIME  the clock for overdue (default: now)\n"
           "  --json      {\"item\", \"object\", \"contains\", \"delivery\",\n"
           "              \"acknowledgments\", \"requests\", \"responses\", \"opinions\",\n"
           "              \"notes\", \"sightings\", \"translations\", \"state\",\n"
           "              \"states\", \"allowed_next\"}\n");
}

/* Bytes of s that fit cols columns (UTF-8 code points), cut at a blank
 * when there is one; *skip the bytes to drop after them. */
static size_t wrap_cut(const char *s, size_t cols, size_t *skip)
{
    size_t bytes = 0, n = 0, last_blank = 0;
    *skip = 0;
    while (s[bytes] && s[bytes] != '\n' && n < cols) {
        if (s[bytes] == ' ')
            last_blank = bytes;
        bytes++;
        while (((unsigned char)s[bytes] & 0xC0) == 0x80)
            bytes++;
        n++;
    }
    if (s[bytes] == '\n') {
        *skip = 1;
        return bytes;
    }
    if (s[bytes] && last_blank) {
        *skip = 1;
        return last_blank;
    }
    return bytes;
}

static size_t cols_of(const char *s, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Two texts in two columns of WRAP_COLS, "left | right". */
static void side_by_side(const char *left, const char *right)
{
    while (*left || *right) {
        size_t sl, sr, bl = wrap_cut(left, WRAP_COLS, &sl), br = wrap_cut(right, WRAP_COLS, &sr);
        printf("    %.*s%*s | %.*s\n", (int)bl, left, (int)(WRAP_COLS - cols_of(left, bl)), "",
               (int)br, right);
        left += bl + sl;
        right += br + sr;
    }
}

static void show_items(const char *title, const json_t *items)
{
    if (!json_array_size(items))
        return;
    printf("%s:\n", title);
    cli_list_print(items, 0);
}

/* What a report groups: its workflow items in full, the rest counted by
 * type (--json lists every one). */
static void show_contains(const json_t *items)
{
    json_t *types = json_object(), *n;
    size_t i;
    const json_t *it;
    const char *type;
    if (!json_array_size(items) || !types) {
        json_decref(types);
        return;
    }
    printf("contains %zu object%s:", json_array_size(items), json_array_size(items) == 1 ? "" : "s");
    json_array_foreach(items, i, it)
    {
        type = cli_jstr(it, "type");
        n = json_object_get(types, type);
        json_object_set_new(types, type, json_integer(n ? json_integer_value(n) + 1 : 1));
    }
    i = 0;
    json_object_foreach(types, type, n)
        printf("%s %lld %s", i++ ? "," : "", (long long)json_integer_value(n), type);
    printf("\n");
    json_array_foreach(items, i, it)
    {
        const char *kind = cli_jstr(it, "kind");
        if (kind && strcmp(kind, "other")) {
            json_t *one = json_pack("[O]", it);
            cli_list_print(one, 0);
            json_decref(one);
        }
    }
    json_decref(types);
}

static void show_print(const json_t *s)
{
    const json_t *it = json_object_get(s, "item");
    size_t i;
    const json_t *e;
    char d[32];
    printf("%s (%s) in channel %s\n", cli_jstr(it, "id"), cli_jstr(it, "kind"),
           cli_jstr(it, "channel"));
    printf("  from %s, created %s, sealed %s (entry #%lld)\n", cli_jstr(it, "from_name"),
           cli_jstr(it, "created"), cli_jstr(it, "sealed"), (long long)cli_jint(it, "seq"));
    if (cli_jstr(it, "status"))
        printf("  status: %s%s\n", cli_jstr(it, "status"),
               json_is_true(json_object_get(it, "overdue")) ? " (OVERDUE)" : "");
    if (cli_jstr(s, "allowed_next"))
        printf("  allowed next: %s\n", cli_jstr(s, "allowed_next"));
    if (cli_jstr(it, "due"))
        printf("  due %s, priority %s\n", cli_jstr(it, "due"), cli_jstr(it, "priority"));
    if (cli_jstr(it, "ack_due"))
        printf("  acknowledgment due %s\n", cli_jstr(it, "ack_due"));
    if (cli_jstr(it, "flag"))
        printf("  refused: %s\n", cli_jstr(it, "flag"));
    json_array_foreach(json_object_get(it, "escalations"), i, e)
    {
        const char *m = cli_jstr(e, "member");
        printf("  escalated %s %s%s%s (hook: %s)\n", cli_jstr(e, "kind"), cli_jstr(e, "at"),
               m && m[0] ? " member " : "", m ? m : "", cli_jstr(e, "hook"));
    }
    printf("  %s\n", cli_jstr(it, "summary"));
    if (json_array_size(json_object_get(s, "delivery")))
        printf("delivery:\n");
    json_array_foreach(json_object_get(s, "delivery"), i, e)
    {
        if (!json_is_true(json_object_get(e, "delivered"))) {
            printf("  %s: not yet\n", cli_jstr(e, "name"));
            continue;
        }
        hl_duration_format(cli_jint(e, "after_ms"), d);
        printf("  %s: delivered %s (receipt #%lld, %s after sealing)\n", cli_jstr(e, "name"),
               cli_jstr(e, "at"), (long long)cli_jint(e, "receipt_seq"), d);
    }
    print_states(json_object_get(s, "states"), true);
    if (json_array_size(json_object_get(s, "acknowledgments")))
        printf("acknowledgments:\n");
    json_array_foreach(json_object_get(s, "acknowledgments"), i, e)
    {
        if (!json_is_true(json_object_get(e, "acknowledged"))) {
            printf("  %s: not yet\n", cli_jstr(e, "name"));
            continue;
        }
        hl_duration_format(cli_jint(e, "after_ms"), d);
        printf("  %s: acknowledged %s (%s, %s after sealing)\n", cli_jstr(e, "name"),
               cli_jstr(e, "at"), cli_jstr(e, "response"), d);
    }
    show_contains(json_object_get(s, "contains"));
    show_items("requests", json_object_get(s, "requests"));
    show_items("responses", json_object_get(s, "responses"));
    show_items("opinions", json_object_get(s, "opinions"));
    show_items("notes", json_object_get(s, "notes"));
    show_items("sightings", json_object_get(s, "sightings"));
    if (json_array_size(json_object_get(s, "translations")))
        printf("translations:\n");
    json_array_foreach(json_object_get(s, "translations"), i, e)
    {
        const char *orig = cli_jstr(e, "original"), *ol = cli_jstr(e, "original_lang");
        char head[WRAP_COLS + 16];
        printf("  %s of %s, %s (%s, by %s):\n", cli_jstr(e, "field"), cli_jstr(e, "object"),
               cli_jstr(e, "lang"), cli_jstr(e, "id"), cli_jstr(e, "from_name"));
        snprintf(head, sizeof head, "original (%s)", ol ? ol : "en");
        printf("    %-*s | %s\n", WRAP_COLS, head, cli_jstr(e, "lang"));
        side_by_side(orig ? orig : "(not held)",
                     cli_jstr(e, "translation") ? cli_jstr(e, "translation") : "");
    }
}

int cli_show(int argc, char **argv)
{
    const char *dir = NULL, *channel = NULL, *now = NULL;
    bool json = false;
    const struct cli_opt opts[] = {
        {"--data", NULL, &dir, NULL}, {"--channel", NULL, &channel, NULL},
        {"--now", NULL, &now, NULL},  {"--json", NULL, NULL, &json},
        {NULL, NULL, NULL, NULL},
    };
    char *operands[2];
    int n_ops = 0;
    int64_t now_us = hl_wall_us();
    if (cli_wants_help(argc, argv)) {
        show_help();
        return CLI_OK;
    }
    if (cli_parse_opts("show", argc, argv, opts, operands, 2, &n_ops))
        return CLI_ERROR;
    if (!dir || n_ops != 1)
        return cli_usage_error("show", "--data DIR and one ID are required");
    if (now && !cli_time_arg(now, &now_us))
        return cli_usage_error("show", "--now %s is not a time", now);
    struct cli_node n;
    struct workflow_view *v = NULL;
    struct hl_error err;
    hl_error_clear(&err);
    if (cli_node_open("show", dir, false, &n) != CLI_OK)
        return CLI_ERROR;
    int rc = cli_view_open("show", &n, channel, operands[0], &v, NULL);
    char channel_name[STORE_TEXT_MAX + 1] = "";
    json_t *s = rc == CLI_OK ? workflow_show(v, operands[0], now_us, &err) : NULL;
    if (rc == CLI_OK && !s) {
        cli_report(&err);
        rc = CLI_ERROR;
    }
    if (s) {
        json_t *one = json_pack("[O]", json_object_get(s, "item"));
        snprintf(channel_name, sizeof channel_name, "%s",
                 cli_jstr(json_object_get(s, "item"), "channel"));
        if (!one || esc_annotate(&n, channel_name, one) != CLI_OK)
            rc = CLI_ERROR;
        json_decref(one); /* the item itself was annotated in place */
    }
    if (s && json)
        rc = cli_json_print(s);
    else if (s)
        show_print(s);
    json_decref(s);
    workflow_view_free(v);
    cli_node_close(&n);
    return rc;
}

/* ---- scorecard ------------------------------------------------------------- */

static void scorecard_help(void)
{
    printf("usage: hotline scorecard --channel C --data DIR [--since TIME] [--json]\n\n"
           "How each party of channel C keeps its side, computed only from sealed,\n"
           "logged objects and the times inside them, so every member's node prints\n"
           "the same. Per party, as a recipient: notifications sent and received;\n"
           "time from a notification's seal to its delivery to the party (its\n"
           "receipt) and to the party's acknowledgment, median and 90th percentile\n"
           "(nearest rank), with the acknowledgments still pending; requests sent;\n"
           "requests received by outcome (completed, declined, open, overdue at the\n"
           "channel's latest seal time, and late: completed or declined after due);\n"
           "median time to a request's first accepted response.\n"
           "  --since TIME  only items sealed at or after TIME\n"
           "  --json        {\"channel\", \"as_of\", \"since\", \"parties\": [...]}\n");
}

static void stat_text(const json_t *d, bool p90, char out[96])
{
    char m[32], p[32];
    if (!cli_jint(d, "n")) {
        snprintf(out, 96, "n 0");
        return;
    }
    hl_duration_format(cli_jint(d, "median_ms"), m);
    hl_duration_format(cli_jint(d, "p90_ms"), p);
    if (p90)
        snprintf(out, 96, "n %lld, median %s, p90 %s", (long long)cli_jint(d, "n"), m, p);
    else
        snprintf(out, 96, "n %lld, median %s", (long long)cli_jint(d, "n"), m);
}

static void scorecard_print(const json_t *sc)
{
    size_t i;
    const json_t *p;
    char a[96];
    printf("scorecard of channel %s as of %s", cli_jstr(sc, "channel"), cli_jstr(sc, "as_of"));
    if (cli_jstr(sc, "since"))
        printf(", since %s", cli_jstr(sc, "since"));
    printf("\n");
    json_array_foreach(json_object_get(sc, "parties"), i, p)
    {
        const json_t *rr = json_object_get(p, "requests_received");
        printf("%s (%s)\n", cli_jstr(p, "name"), cli_jstr(p, "party"));
        printf("  notifications      sent %lld, received %lld\n",
               (long long)cli_jint(p, "notifications_sent"),
               (long long)cli_jint(p, "notifications_received"));
        stat_text(json_object_get(p, "delivery"), true, a);
        printf("  delivery           %s\n", a);
        stat_text(json_object_get(p, "acknowledgment"), true, a);
        printf("  acknowledgment     %s, pending %lld\n", a,
               (long long)cli_jint(json_object_get(p, "acknowledgment"), "pending"));
        printf("  requests           sent %lld, received %lld: completed %lld, declined %lld, "
               "open %lld, overdue %lld, late %lld\n",
               (long long)cli_jint(p, "requests_sent"), (long long)cli_jint(rr, "total"),
               (long long)cli_jint(rr, "completed"), (long long)cli_jint(rr, "declined"),
               (long long)cli_jint(rr, "open"), (long long)cli_jint(rr, "overdue"),
               (long long)cli_jint(rr, "late"));
        stat_text(json_object_get(p, "first_response"), false, a);
        printf("  first response     %s\n", a);
    }
}

int cli_scorecard(int argc, char **argv)
{
    const char *dir = NULL, *channel = NULL, *since = NULL;
    bool json = false;
    const struct cli_opt opts[] = {
        {"--data", NULL, &dir, NULL},    {"--channel", NULL, &channel, NULL},
        {"--since", NULL, &since, NULL}, {"--json", NULL, NULL, &json},
        {NULL, NULL, NULL, NULL},
    };
    char *operands[1];
    int n_ops = 0;
    int64_t since_us = 0;
    if (cli_wants_help(argc, argv)) {
        scorecard_help();
        return CLI_OK;
    }
    if (cli_parse_opts("scorecard", argc, argv, opts, operands, 1, &n_ops))
        return CLI_ERROR;
    if (!dir || !channel || n_ops)
        return cli_usage_error("scorecard", "--data DIR and --channel C are required");
    if (since && !cli_time_arg(since, &since_us))
        return cli_usage_error("scorecard", "--since %s is not a time", since);
    struct cli_node n;
    struct workflow_view *v = NULL;
    if (cli_node_open("scorecard", dir, false, &n) != CLI_OK)
        return CLI_ERROR;
    int rc = cli_view_open("scorecard", &n, channel, NULL, &v, NULL);
    json_t *sc = rc == CLI_OK ? workflow_scorecard(v, since_us) : NULL;
    if (rc == CLI_OK && !sc)
        rc = CLI_ERROR;
    if (sc && json)
        rc = cli_json_print(sc);
    else if (sc)
        scorecard_print(sc);
    json_decref(sc);
    workflow_view_free(v);
    cli_node_close(&n);
    return rc;
}
