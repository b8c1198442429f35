/*
 * sco.c — the validation table of the 18 STIX Cyber-observable Objects
 * (STIX 2.1 §6.1–§6.18): their properties (kind, required, vocabulary,
 * allowed reference types, range), their ID-contributing properties
 * (§2.9), and the rules that tie properties together.
 *
 * The common walker (validate.c) checks the SCO common properties (type,
 * id, spec_version, object_marking_refs, granular_markings, defanged,
 * extensions' shape, §3.2 / §6) and each row below; the object check of
 * every type here then adds, always in this order:
 *
 *   1. the deterministic identifier: the id of an SCO with ID-contributing
 *      properties SHOULD be their UUIDv5 (§2.9), so a different id, or one
 *      that is not a UUIDv5, is a warning naming the expected id;
 *   2. the contents of its predefined extensions (sco_ext.c);
 *   3. the type's own rules ("at least one of", "MUST NOT be present if",
 *      value syntax of addresses), each citing its section.
 *
 * Value syntax (IPv4/IPv6 CIDR, MAC-48, domain names, addr-spec) is not
 * checked on an object with "defanged": true, whose values are altered on
 * purpose (§3.2, defanged).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sco_int.h"

#define SCO_NONNEG .min = 0, .max = (double)HL_IJSON_MAX_INT

/* ---- vocabularies and reference types ----------------------------------- */

static const char *const account_type_ov[] = {
    "facebook", "ldap", "nis",           "openid",         "radius", "skype", "tacacs",
    "twitter",  "unix", "windows-local", "windows-domain", NULL}; /* account-type-ov, §10.1 */
static const char *const encryption_algorithm_enum[] = {"AES-256-GCM", "ChaCha20-Poly1305",
                                                        "mime-type-indicated",
                                                        NULL}; /* encryption-algorithm-enum, §6.1 */

static const char *const ref_artifact[] = {"artifact", NULL};
static const char *const ref_as[] = {"autonomous-system", NULL};
static const char *const ref_directory[] = {"directory", NULL};
static const char *const ref_email_addr[] = {"email-addr", NULL};
static const char *const ref_file[] = {"file", NULL};
static const char *const ref_file_dir[] = {"file", "directory", NULL};
static const char *const ref_ip_domain[] = {"ipv4-addr", "ipv6-addr", "domain-name", NULL};
static const char *const ref_mac[] = {"mac-addr", NULL};
static const char *const ref_net_endpoint[] = {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name",
                                               NULL};
static const char *const ref_network_traffic[] = {"network-traffic", NULL};
static const char *const ref_process[] = {"process", NULL};
static const char *const ref_sco[] = {"<sco>", NULL};
static const char *const ref_user_account[] = {"user-account", NULL};

/* ---- helpers -------------------------------------------------------------- */

/* True if the object declares its values defanged (§3.2). */
static bool sco_defanged(const json_t *obj)
{
    return json_is_true(json_object_get(obj, "defanged"));
}

/* The string value of obj.name, NULL if absent or not a string. */
static const char *sco_str(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

/* Appends the names of the ID-contributing properties obj has to out
 * ("value", "hashes, name"), cut to fit. */
static void sco_id_contrib_names(const json_t *obj, const struct stix_type *t, char *out,
                                 size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; t->id_contrib[i]; i++) {
        if (!json_object_get(obj, t->id_contrib[i]))
            continue;
        int n = snprintf(out + len, cap - len, "%s%s", len ? ", " : "", t->id_contrib[i]);
        if (n < 0 || (size_t)n >= cap - len)
            return; /* cut: the message stays readable */
        len += (size_t)n;
    }
}

/* STIX 2.1 §2.9: an SCO's id SHOULD be the UUIDv5 of its ID-contributing
 * properties. Says nothing when the id is malformed (the walker reports
 * that), when the type has no such properties, or the object none. */
static void sco_check_id(const json_t *obj, const char *path, const struct stix_type *t,
                         struct stix_report *r)
{
    char want[STIX_ID_MAX], names[128], ipath[HL_MAX_PATH_BYTES];
    struct hl_error err;
    bool det = false;
    const char *id = sco_str(obj, "id");
    size_t tl = strlen(t->type);

    if (!id || !t->id_contrib || strncmp(id, t->type, tl) != 0 || strncmp(id + tl, "--", 2) != 0 ||
        strlen(id + tl + 2) != 36)
        return;
    if (stix_sco_id(obj, want, &det, &err) != 0 || !det)
        return;
    const char *uuid = id + tl + 2;
    stix_path_key(ipath, path, "id");
    sco_id_contrib_names(obj, t, names, sizeof names);
    if (uuid[14] != '5')
        stix_warn(r, ipath, "id should be a UUIDv5 computed from %s (STIX 2.1 §2.9): expected %s",
                  names, want);
    else if (strcasecmp(uuid, want + tl + 2) != 0)
        stix_warn(r, ipath,
                  "id does not match the deterministic identifier computed from %s: expected %s",
                  names, want);
}

/* The checks every SCO type runs first: deterministic id, extensions. */
static void sco_check_common(const json_t *obj, const char *path, const struct stix_type *t,
                             struct stix_report *r)
{
    sco_check_id(obj, path, t, r);
    sco_check_extensions(obj, path, t->type, r);
}

/* Reports an error at path.name unless obj has at least one of props
 * (other than type and id, which tables never list). */
static void sco_need_one(const json_t *obj, const char *path, const struct stix_type *t,
                         const char *section, struct stix_report *r)
{
    if (!sco_has_any(obj, t->props, NULL))
        stix_error(r, path,
                   "a %s object must contain at least one of its own properties "
                   "(STIX 2.1 %s)",
                   t->type, section);
}

/* ---- value syntax ------------------------------------------------------------ */

/* Parses an optional "/n" suffix with 0 <= n <= max; true if s is "" or
 * such a suffix. */
static bool sco_cidr_suffix_ok(const char *s, long long max)
{
    long long n;
    if (*s == '\0')
        return true;
    if (*s != '/' || s[1] == '\0' || (s[1] == '0' && s[2] != '\0'))
        return false;
    return hl_parse_int(s + 1, 0, max, &n);
}

/* True if s is an IPv4 address or CIDR block (§6.8: "a single IPv4
 * address or CIDR block"), or IPv6 likewise (§6.9). */
static bool sco_ip_ok(const char *s, int af)
{
    char addr[64];
    unsigned char bin[16];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);

    if (n == 0 || n >= sizeof addr)
        return false;
    memcpy(addr, s, n);
    addr[n] = '\0';
    if (inet_pton(af, addr, bin) != 1)
        return false;
    return sco_cidr_suffix_ok(s + n, af == AF_INET ? 32 : 128);
}

/* §6.10: "a single colon-delimited, lowercase MAC-48 address, which MUST
 * include leading zeros for each octet". */
static bool sco_mac_ok(const char *s)
{
    if (strlen(s) != 17)
        return false;
    for (size_t i = 0; i < 17; i++) {
        char c = s[i];
        if (i % 3 == 2) {
            if (c != ':')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* §6.4: a domain name per RFC 1034 §3.1 / RFC 5890: labels of 1..63
 * octets separated by dots (one trailing dot allowed), 253 octets in all,
 * no spaces, no URL or address punctuation. Non-ASCII (U-label) octets
 * and "_" (service labels) are let through. */
static bool sco_domain_ok(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n == 0 || n > 254 || (n == 254 && s[253] != '.'))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        bool ok = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok || ++label > 63)
            return false;
    }
    return true;
}

/* §6.5: the addr-spec of RFC 5322 §3.4.1, without display name: a
 * non-empty local part, "@", a non-empty domain; no "<", ">" or spaces
 * outside a quoted local part. */
static bool sco_addr_spec_ok(const char *s)
{
    const char *at = strrchr(s, '@');
    if (!at || at == s || at[1] == '\0')
        return false;
    bool quoted = false;
    for (const char *p = s; *p; p++) {
        if (*p == '"' && p < at)
            quoted = !quoted;
        else if (!quoted && (*p == '<' || *p == '>' || *p == ' ' || *p == '\t'))
            return false;
    }
    return true;
}

/* Reports an error at path.value when its syntax is wrong (never for a
 * defanged object). */
static void sco_check_value(const json_t *obj, const char *path, bool (*ok)(const char *),
                            const char *what, struct stix_report *r)
{
    char vpath[HL_MAX_PATH_BYTES];
    const char *v = sco_str(obj, "value");
    if (!v || sco_defanged(obj) || ok(v))
        return;
    stix_path_key(vpath, path, "value");
    stix_error(r, vpath, "\"%s\" is not %s", v, what);
}

static bool sco_ipv4_ok(const char *s)
{
    return sco_ip_ok(s, AF_INET);
}

static bool sco_ipv6_ok(const char *s)
{
    return sco_ip_ok(s, AF_INET6);
}

/* ---- 6.1 artifact --------------------------------------------------------- */

static const struct stix_prop artifact_props[] = {
    {.name = "mime_type", .kind = SP_STRING},
    {.name = "payload_bin", .kind = SP_BINARY},
    {.name = "url", .kind = SP_URL},
    {.name = "hashes", .kind = SP_HASHES},
    {.name = "encryption_algorithm", .kind = SP_ENUM, .vocab = encryption_algorithm_enum},
    {.name = "decryption_key", .kind = SP_STRING},
    {0},
};

static void sco_check_artifact(const json_t *obj, const char *path, const struct stix_type *t,
                               struct stix_report *r)
{
    char p[HL_MAX_PATH_BYTES];
    bool bin = json_object_get(obj, "payload_bin") != NULL;
    bool url = json_object_get(obj, "url") != NULL;

    sco_check_common(obj, path, t, r);
    if (bin && url) {
        stix_path_key(p, path, "url");
        stix_error(r, p, "url must not be present when payload_bin is (STIX 2.1 §6.1)");
    } else if (!bin && !url) {
        stix_error(r, path, "an artifact must provide one of payload_bin or url (STIX 2.1 §6.1)");
    }
    if (url && !json_object_get(obj, "hashes")) {
        stix_path_key(p, path, "hashes");
        stix_error(r, p, "hashes must be present when url is (STIX 2.1 §6.1)");
    }
    if (json_object_get(obj, "decryption_key") && !json_object_get(obj, "encryption_algorithm")) {
        stix_path_key(p, path, "decryption_key");
        stix_error(r, p,
                   "decryption_key must not be present without encryption_algorithm "
                   "(STIX 2.1 §6.1)");
    }
}

/* ---- 6.2 autonomous-system, 6.3 directory ----------------------------------- */

static const struct stix_prop autonomous_system_props[] = {
    {.name = "number", .kind = SP_INTEGER, .required = true},
    {.name = "name", .kind = SP_STRING},
    {.name = "rir", .kind = SP_STRING},
    {0},
};

static const struct stix_prop directory_props[] = {
    {.name = "path", .kind = SP_STRING, .required = true},
    {.name = "path_enc", .kind = SP_STRING, .check = sco_check_charset},
    {.name = "ctime", .kind = SP_TIMESTAMP},
    {.name = "mtime", .kind = SP_TIMESTAMP},
    {.name = "atime", .kind = SP_TIMESTAMP},
    {.name = "contains_refs", .kind = SP_ID_LIST, .ref_types = ref_file_dir},
    {0},
};

/* The object check of types with no rule beyond the common ones. */
static void sco_check_plain(const json_t *obj, const char *path, const struct stix_type *t,
                            struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
}

/* ---- 6.4 domain-name, 6.5 email-addr -------------------------------------- */

static const struct stix_prop domain_name_props[] = {
    {.name = "value", .kind = SP_STRING, .required = true},
    {.name = "resolves_to_refs", .kind = SP_ID_LIST, .ref_types = ref_ip_domain},
    {0},
};

static void sco_check_domain_name(const json_t *obj, const char *path, const struct stix_type *t,
                                  struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    sco_check_value(obj, path, sco_domain_ok, "a domain name (RFC 1034, STIX 2.1 §6.4)", r);
}

static const struct stix_prop email_addr_props[] = {
    {.name = "value", .kind = SP_STRING, .required = true},
    {.name = "display_name", .kind = SP_STRING},
    {.name = "belongs_to_ref", .kind = SP_ID, .ref_types = ref_user_account},
    {0},
};

static void sco_check_email_addr(const json_t *obj, const char *path, const struct stix_type *t,
                                 struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    sco_check_value(obj, path, sco_addr_spec_ok,
                    "an RFC 5322 addr-spec without display name (STIX 2.1 §6.5)", r);
}

/* ---- 6.6 email-message ------------------------------------------------------ */

static const struct stix_prop email_message_props[] = {
    {.name = "is_multipart", .kind = SP_BOOLEAN, .required = true},
    {.name = "date", .kind = SP_TIMESTAMP},
    {.name = "content_type", .kind = SP_STRING},
    {.name = "from_ref", .kind = SP_ID, .ref_types = ref_email_addr},
    {.name = "sender_ref", .kind = SP_ID, .ref_types = ref_email_addr},
    {.name = "to_refs", .kind = SP_ID_LIST, .ref_types = ref_email_addr},
    {.name = "cc_refs", .kind = SP_ID_LIST, .ref_types = ref_email_addr},
    {.name = "bcc_refs", .kind = SP_ID_LIST, .ref_types = ref_email_addr},
    {.name = "message_id", .kind = SP_STRING},
    {.name = "subject", .kind = SP_STRING},
    {.name = "received_lines", .kind = SP_STRING_LIST},
    {.name = "additional_header_fields", .kind = SP_OBJECT, .check = sco_check_header_fields},
    {.name = "body", .kind = SP_STRING},
    {.name = "body_multipart", .kind = SP_LIST, .check = sco_check_mime_parts},
    {.name = "raw_email_ref", .kind = SP_ID, .ref_types = ref_artifact},
    {0},
};

static void sco_check_email_message(const json_t *obj, const char *path, const struct stix_type *t,
                                    struct stix_report *r)
{
    char p[HL_MAX_PATH_BYTES];
    const json_t *multi = json_object_get(obj, "is_multipart");

    sco_check_common(obj, path, t, r);
    if (json_is_true(multi) && json_object_get(obj, "body")) {
        stix_path_key(p, path, "body");
        stix_error(r, p, "body must not be used when is_multipart is true (STIX 2.1 §6.6.1)");
    }
    if (json_is_false(multi) && json_object_get(obj, "body_multipart")) {
        stix_path_key(p, path, "body_multipart");
        stix_error(r, p,
                   "body_multipart must not be used when is_multipart is false "
                   "(STIX 2.1 §6.6.1)");
    }
}

/* ---- 6.7 file ----------------------------------------------------------------- */

static const struct stix_prop file_props[] = {
    {.name = "hashes", .kind = SP_HASHES},
    {.name = "size", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "name", .kind = SP_STRING},
    {.name = "name_enc", .kind = SP_STRING, .check = sco_check_charset},
    {.name = "magic_number_hex", .kind = SP_HEX},
    {.name = "mime_type", .kind = SP_STRING},
    {.name = "ctime", .kind = SP_TIMESTAMP},
    {.name = "mtime", .kind = SP_TIMESTAMP},
    {.name = "atime", .kind = SP_TIMESTAMP},
    {.name = "parent_directory_ref", .kind = SP_ID, .ref_types = ref_directory},
    {.name = "contains_refs", .kind = SP_ID_LIST, .ref_types = ref_sco},
    {.name = "content_ref", .kind = SP_ID, .ref_types = ref_artifact},
    {0},
};

static void sco_check_file(const json_t *obj, const char *path, const struct stix_type *t,
                           struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    if (!json_object_get(obj, "hashes") && !json_object_get(obj, "name"))
        stix_error(r, path, "a file must contain at least one of hashes or name (STIX 2.1 §6.7)");
}

/* ---- 6.8 ipv4-addr, 6.9 ipv6-addr, 6.10 mac-addr, 6.11 mutex ----------------- */

static const struct stix_prop ip_addr_props[] = {
    {.name = "value", .kind = SP_STRING, .required = true},
    {.name = "resolves_to_refs", .kind = SP_ID_LIST, .ref_types = ref_mac},
    {.name = "belongs_to_refs", .kind = SP_ID_LIST, .ref_types = ref_as},
    {0},
};

static void sco_check_ipv4(const json_t *obj, const char *path, const struct stix_type *t,
                           struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    sco_check_value(obj, path, sco_ipv4_ok, "an IPv4 address or CIDR block (STIX 2.1 §6.8)", r);
}

static void sco_check_ipv6(const json_t *obj, const char *path, const struct stix_type *t,
                           struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    sco_check_value(obj, path, sco_ipv6_ok, "an IPv6 address or CIDR block (STIX 2.1 §6.9)", r);
}

static const struct stix_prop mac_addr_props[] = {
    {.name = "value", .kind = SP_STRING, .required = true},
    {0},
};

static void sco_check_mac(const json_t *obj, const char *path, const struct stix_type *t,
                          struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    sco_check_value(obj, path, sco_mac_ok,
                    "a lowercase, colon-delimited MAC-48 address with leading zeros "
                    "(STIX 2.1 §6.10)",
                    r);
}

static const struct stix_prop mutex_props[] = {
    {.name = "name", .kind = SP_STRING, .required = true},
    {0},
};

/* ---- 6.12 network-traffic ------------------------------------------------------ */

static const struct stix_prop network_traffic_props[] = {
    {.name = "start", .kind = SP_TIMESTAMP},
    {.name = "end", .kind = SP_TIMESTAMP},
    {.name = "is_active", .kind = SP_BOOLEAN},
    {.name = "src_ref", .kind = SP_ID, .ref_types = ref_net_endpoint},
    {.name = "dst_ref", .kind = SP_ID, .ref_types = ref_net_endpoint},
    {.name = "src_port", .kind = SP_INTEGER, .min = 0, .max = 65535},
    {.name = "dst_port", .kind = SP_INTEGER, .min = 0, .max = 65535},
    {.name = "protocols", .kind = SP_STRING_LIST, .required = true},
    {.name = "src_byte_count", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "dst_byte_count", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "src_packets", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "dst_packets", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "ipfix", .kind = SP_OBJECT, .check = sco_dict_of_int_or_string},
    {.name = "src_payload_ref", .kind = SP_ID, .ref_types = ref_artifact},
    {.name = "dst_payload_ref", .kind = SP_ID, .ref_types = ref_artifact},
    {.name = "encapsulates_refs", .kind = SP_ID_LIST, .ref_types = ref_network_traffic},
    {.name = "encapsulated_by_ref", .kind = SP_ID, .ref_types = ref_network_traffic},
    {0},
};

/* True if the list of strings v holds s (case-insensitively). */
static bool sco_list_has(const json_t *v, const char *s)
{
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) if (json_is_string(item) &&
                                       strcasecmp(json_string_value(item), s) == 0) return true;
    return false;
}

/* §6.12.2, §6.12.3, §6.12.5: "If the protocol extension is present, the
 * corresponding protocol value for that extension SHOULD be listed". */
static void sco_check_protocol_exts(const json_t *obj, const char *path, struct stix_report *r)
{
    static const char *const pairs[][2] = {
        {"http-request-ext", "http"}, {"icmp-ext", "icmp"}, {"tcp-ext", "tcp"}};
    char p[HL_MAX_PATH_BYTES];
    const json_t *exts = json_object_get(obj, "extensions");
    const json_t *protocols = json_object_get(obj, "protocols");

    if (!json_is_object(exts) || !json_is_array(protocols))
        return;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (json_object_get(exts, pairs[i][0]) && !sco_list_has(protocols, pairs[i][1])) {
            stix_path_key(p, path, "protocols");
            stix_warn(r, p,
                      "protocols should list \"%s\" since the %s extension is present "
                      "(STIX 2.1 §6.12)",
                      pairs[i][1], pairs[i][0]);
        }
    }
}

/* §6.12.1: end >= start; end MUST NOT be present while is_active is true. */
static void sco_check_traffic_times(const json_t *obj, const char *path, struct stix_report *r)
{
    char p[HL_MAX_PATH_BYTES];
    struct stix_time start, end;
    const char *s = sco_str(obj, "start"), *e = sco_str(obj, "end");

    stix_path_key(p, path, "end");
    if (e && json_is_true(json_object_get(obj, "is_active")))
        stix_error(r, p, "end must not be present when is_active is true (STIX 2.1 §6.12.1)");
    if (s && e && stix_time_parse(s, &start) && stix_time_parse(e, &end) &&
        stix_time_cmp(&end, &start) < 0)
        stix_error(r, p, "end (%s) must not be earlier than start (%s) (STIX 2.1 §6.12.1)", e, s);
}

static void sco_check_network_traffic(const json_t *obj, const char *path,
                                      const struct stix_type *t, struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    if (!json_object_get(obj, "src_ref") && !json_object_get(obj, "dst_ref"))
        stix_error(r, path,
                   "network traffic must contain at least one of src_ref or dst_ref "
                   "(STIX 2.1 §6.12)");
    sco_check_traffic_times(obj, path, r);
    sco_check_protocol_exts(obj, path, r);
}

/* ---- 6.13 process -------------------------------------------------------------- */

static const struct stix_prop process_props[] = {
    {.name = "is_hidden", .kind = SP_BOOLEAN},
    {.name = "pid", .kind = SP_INTEGER},
    {.name = "created_time", .kind = SP_TIMESTAMP},
    {.name = "cwd", .kind = SP_STRING},
    {.name = "command_line", .kind = SP_STRING},
    {.name = "environment_variables", .kind = SP_OBJECT, .check = sco_dict_of_strings},
    {.name = "opened_connection_refs", .kind = SP_ID_LIST, .ref_types = ref_network_traffic},
    {.name = "creator_user_ref", .kind = SP_ID, .ref_types = ref_user_account},
    {.name = "image_ref", .kind = SP_ID, .ref_types = ref_file},
    {.name = "parent_ref", .kind = SP_ID, .ref_types = ref_process},
    {.name = "child_refs", .kind = SP_ID_LIST, .ref_types = ref_process},
    {0},
};

/* Process (§6.13), user account (§6.16): at least one property of the
 * object or one of its extensions. */
static void sco_check_need_one_or_ext(const json_t *obj, const char *path,
                                      const struct stix_type *t, const char *section,
                                      struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    if (!json_object_get(obj, "extensions"))
        sco_need_one(obj, path, t, section, r);
}

static void sco_check_process(const json_t *obj, const char *path, const struct stix_type *t,
                              struct stix_report *r)
{
    sco_check_need_one_or_ext(obj, path, t, "§6.13", r);
}

/* ---- 6.14 software, 6.15 url ----------------------------------------------------- */

static const struct stix_prop software_props[] = {
    {.name = "name", .kind = SP_STRING, .required = true},
    {.name = "cpe", .kind = SP_STRING, .check = sco_check_cpe},
    {.name = "swid", .kind = SP_STRING},
    {.name = "languages", .kind = SP_STRING_LIST, .check = sco_check_languages},
    {.name = "vendor", .kind = SP_STRING},
    {.name = "version", .kind = SP_STRING},
    {0},
};

static const struct stix_prop url_props[] = {
    {.name = "value", .kind = SP_URL, .required = true},
    {0},
};

/* ---- 6.16 user-account ------------------------------------------------------------ */

static const struct stix_prop user_account_props[] = {
    {.name = "user_id", .kind = SP_STRING},
    {.name = "credential", .kind = SP_STRING},
    {.name = "account_login", .kind = SP_STRING},
    {.name = "account_type", .kind = SP_OPENVOCAB, .vocab = account_type_ov},
    {.name = "display_name", .kind = SP_STRING},
    {.name = "is_service_account", .kind = SP_BOOLEAN},
    {.name = "is_privileged", .kind = SP_BOOLEAN},
    {.name = "can_escalate_privs", .kind = SP_BOOLEAN},
    {.name = "is_disabled", .kind = SP_BOOLEAN},
    {.name = "account_created", .kind = SP_TIMESTAMP},
    {.name = "account_expires", .kind = SP_TIMESTAMP},
    {.name = "credential_last_changed", .kind = SP_TIMESTAMP},
    {.name = "account_first_login", .kind = SP_TIMESTAMP},
    {.name = "account_last_login", .kind = SP_TIMESTAMP},
    {0},
};

static void sco_check_user_account(const json_t *obj, const char *path, const struct stix_type *t,
                                   struct stix_report *r)
{
    sco_check_need_one_or_ext(obj, path, t, "§6.16", r);
}

/* ---- 6.17 windows-registry-key, 6.18 x509-certificate ------------------------------ */

static const struct stix_prop registry_key_props[] = {
    {.name = "key", .kind = SP_STRING, .check = sco_check_registry_hive},
    {.name = "values", .kind = SP_LIST, .check = sco_check_registry_values},
    {.name = "modified_time", .kind = SP_TIMESTAMP},
    {.name = "creator_user_ref", .kind = SP_ID, .ref_types = ref_user_account},
    {.name = "number_of_subkeys", .kind = SP_INTEGER, SCO_NONNEG},
    {0},
};

static void sco_check_registry_key(const json_t *obj, const char *path, const struct stix_type *t,
                                   struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    sco_need_one(obj, path, t, "§6.17", r);
}

static const struct stix_prop x509_props[] = {
    {.name = "is_self_signed", .kind = SP_BOOLEAN},
    {.name = "hashes", .kind = SP_HASHES},
    {.name = "version", .kind = SP_STRING},
    {.name = "serial_number", .kind = SP_STRING},
    {.name = "signature_algorithm", .kind = SP_STRING},
    {.name = "issuer", .kind = SP_STRING},
    {.name = "validity_not_before", .kind = SP_TIMESTAMP},
    {.name = "validity_not_after", .kind = SP_TIMESTAMP},
    {.name = "subject", .kind = SP_STRING},
    {.name = "subject_public_key_algorithm", .kind = SP_STRING},
    {.name = "subject_public_key_modulus", .kind = SP_STRING},
    {.name = "subject_public_key_exponent", .kind = SP_INTEGER},
    {.name = "x509_v3_extensions", .kind = SP_OBJECT, .check = sco_check_x509_v3},
    {0},
};

static void sco_check_x509(const json_t *obj, const char *path, const struct stix_type *t,
                           struct stix_report *r)
{
    sco_check_common(obj, path, t, r);
    sco_need_one(obj, path, t, "§6.18", r);
}

/* ---- the table --------------------------------------------------------------------- */

/* ID-contributing properties, STIX 2.1 §6.x.1 "ID Contributing Properties". */
static const char *const id_artifact[] = {"hashes", "payload_bin", NULL};
static const char *const id_as[] = {"number", NULL};
static const char *const id_directory[] = {"path", NULL};
static const char *const id_value[] = {"value", NULL};
static const char *const id_email_message[] = {"from_ref", "subject", "body", NULL};
static const char *const id_file[] = {"hashes", "name", "extensions", "parent_directory_ref", NULL};
static const char *const id_mutex[] = {"name", NULL};
static const char *const id_network_traffic[] = {
    "start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions", NULL};
static const char *const id_software[] = {"name", "cpe", "swid", "vendor", "version", NULL};
static const char *const id_user_account[] = {"account_type", "user_id", "account_login", NULL};
static const char *const id_registry_key[] = {"key", "values", NULL};
static const char *const id_x509[] = {"hashes", "serial_number", NULL};

const struct stix_type stix_sco_types[] = {
    {"artifact", STIX_CAT_SCO, artifact_props, sco_check_artifact, id_artifact},
    {"autonomous-system", STIX_CAT_SCO, autonomous_system_props, sco_check_plain, id_as},
    {"directory", STIX_CAT_SCO, directory_props, sco_check_plain, id_directory},
    {"domain-name", STIX_CAT_SCO, domain_name_props, sco_check_domain_name, id_value},
    {"email-addr", STIX_CAT_SCO, email_addr_props, sco_check_email_addr, id_value},
    {"email-message", STIX_CAT_SCO, email_message_props, sco_check_email_message, id_email_message},
    {"file", STIX_CAT_SCO, file_props, sco_check_file, id_file},
    {"ipv4-addr", STIX_CAT_SCO, ip_addr_props, sco_check_ipv4, id_value},
    {"ipv6-addr", STIX_CAT_SCO, ip_addr_props, sco_check_ipv6, id_value},
    {"mac-addr", STIX_CAT_SCO, mac_addr_props, sco_check_mac, id_value},
    {"mutex", STIX_CAT_SCO, mutex_props, sco_check_plain, id_mutex},
    {"network-traffic", STIX_CAT_SCO, network_traffic_props, sco_check_network_traffic,
     id_network_traffic},
    /* §6.13: no ID-contributing properties: processes get a UUIDv4. */
    {"process", STIX_CAT_SCO, process_props, sco_check_process, NULL},
    {"software", STIX_CAT_SCO, software_props, sco_check_plain, id_software},
    {"url", STIX_CAT_SCO, url_props, sco_check_plain, id_value},
    {"user-account", STIX_CAT_SCO, user_account_props, sco_check_user_account, id_user_account},
    {"windows-registry-key", STIX_CAT_SCO, registry_key_props, sco_check_registry_key,
     id_registry_key},
    {"x509-certificate", STIX_CAT_SCO, x509_props, sco_check_x509, id_x509},
    {0},
};
