/*
 * sco_ext.c — the predefined extensions of STIX Cyber-observable Objects
 * and the nested types they and the SCOs use (STIX 2.1 §6), as property
 * tables in the form of stix_int.h, plus the value checks of SCO
 * dictionaries.
 *
 *   SCO type          predefined extensions (key in "extensions")
 *   ----------------  ---------------------------------------------------
 *   file              archive-ext §6.7.2, ntfs-ext §6.7.3, pdf-ext §6.7.4,
 *                     raster-image-ext §6.7.5, windows-pebinary-ext §6.7.6
 *   network-traffic   http-request-ext §6.12.2, icmp-ext §6.12.3,
 *                     socket-ext §6.12.4, tcp-ext §6.12.5
 *   process           windows-process-ext §6.13.2,
 *                     windows-service-ext §6.13.3
 *   user-account      unix-account-ext §6.16.2
 *
 * It also holds the value-syntax checks and nested types of the SCOs
 * themselves (email-mime-part-type, windows-registry-value-type,
 * x509-v3-extensions-type, header dictionaries, charset names, CPE 2.3,
 * language tags, registry hives), which the table in sco.c points to.
 *
 * Each extension row says which properties are required, and whether the extension
 * "MUST contain at least one property" (optionally: other than one named
 * property, as windows-pebinary-ext says of pe_type). Custom extensions
 * (extension-definition ids, other "-ext" keys) are not checked here.
 */
#include <string.h>
#include <strings.h>

#include "sco_int.h"

/* Integers that MUST NOT be negative (I-JSON bounds the top). */
#define SCO_NONNEG .min = 0, .max = (double)HL_IJSON_MAX_INT

/* ---- shared value checks ------------------------------------------------ */

bool sco_has_any(const json_t *obj, const struct stix_prop *props, const char *besides)
{
    for (const struct stix_prop *p = props; p->name; p++) {
        if (besides && strcmp(p->name, besides) == 0)
            continue;
        if (json_object_get(obj, p->name))
            return true;
    }
    return false;
}

void sco_check_nested_list(const json_t *v, const char *path, const struct stix_prop *props,
                           const char *what, bool need_one, struct stix_report *r)
{
    char ipath[HL_MAX_PATH_BYTES];
    size_t i;
    json_t *item;

    if (!json_is_array(v))
        return; /* the kind's own check reports it */
    json_array_foreach(v, i, item)
    {
        stix_path_index(ipath, path, i);
        if (!json_is_object(item)) {
            stix_error(r, ipath, "must be a %s (a JSON object)", what);
            continue;
        }
        stix_check_props(item, ipath, props, r);
        if (need_one && !sco_has_any(item, props, NULL))
            stix_error(r, ipath, "a %s must contain at least one of its properties (STIX 2.1 §6)",
                       what);
    }
}

/* True if v is a non-empty list of strings. */
static bool sco_is_string_list(const json_t *v)
{
    size_t i;
    json_t *item;

    if (!json_is_array(v) || json_array_size(v) == 0)
        return false;
    json_array_foreach(v, i, item) if (!json_is_string(item)) return false;
    return true;
}

/* STIX 2.1 §2.8: a dictionary key has 1..250 of a-z, A-Z, 0-9, '-', '_'. */
static bool sco_dict_key_ok(const char *key)
{
    size_t n = strlen(key);
    if (n < 1 || n > 250)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

enum sco_dict_values { SCO_DICT_STRING, SCO_DICT_INTEGER, SCO_DICT_INT_OR_STRING, SCO_DICT_LIST };

/* The dictionaries of SCOs keep the case of the names they record (header
 * fields, EXIF tags, environment variables, socket options: STIX 2.1
 * §6.6.1, §6.7.5, §6.12.2, §6.12.4, §6.13), so unlike SP_DICT no
 * lowercase is suggested; keys still follow §2.8. */
static void sco_check_dict(const json_t *v, const char *path, enum sco_dict_values want,
                           struct stix_report *r)
{
    char kpath[HL_MAX_PATH_BYTES];
    const char *key;
    json_t *val;

    if (!json_is_object(v))
        return;
    if (json_object_size(v) == 0) {
        stix_error(r, path, "a dictionary must not be empty (STIX 2.1 §2.8)");
        return;
    }
    json_object_foreach((json_t *)v, key, val)
    {
        stix_path_key(kpath, path, key);
        if (!sco_dict_key_ok(key)) {
            stix_error(r, kpath,
                       "dictionary key '%s' must have 1 to 250 characters of a-z, A-Z, 0-9, "
                       "'-' and '_' (STIX 2.1 §2.8)",
                       key);
            continue;
        }
        if (want == SCO_DICT_STRING && !json_is_string(val))
            stix_error(r, kpath, "each value of this dictionary must be a string (STIX 2.1 §6)");
        else if (want == SCO_DICT_INTEGER && !json_is_integer(val))
            stix_error(r, kpath, "each value of this dictionary must be an integer (STIX 2.1 §6)");
        else if (want == SCO_DICT_INT_OR_STRING && !json_is_integer(val) && !json_is_string(val))
            stix_error(
                r, kpath,
                "each value of this dictionary must be an integer or a string (STIX 2.1 §6)");
        else if (want == SCO_DICT_LIST && json_is_string(val))
            stix_warn(r, kpath,
                      "header values should be a list of strings, to carry repeated fields "
                      "(STIX 2.1 §6.6.1, §6.12.2)");
        else if (want == SCO_DICT_LIST && !sco_is_string_list(val))
            stix_error(r, kpath,
                       "header values must be a list of strings (STIX 2.1 §6.6.1, §6.12.2)");
    }
}

void sco_dict_of_strings(const json_t *v, const char *path, const struct stix_prop *p,
                         struct stix_report *r)
{
    (void)p;
    sco_check_dict(v, path, SCO_DICT_STRING, r);
}

void sco_dict_of_integers(const json_t *v, const char *path, const struct stix_prop *p,
                          struct stix_report *r)
{
    (void)p;
    sco_check_dict(v, path, SCO_DICT_INTEGER, r);
}

void sco_dict_of_int_or_string(const json_t *v, const char *path, const struct stix_prop *p,
                               struct stix_report *r)
{
    (void)p;
    sco_check_dict(v, path, SCO_DICT_INT_OR_STRING, r);
}

void sco_dict_of_string_lists(const json_t *v, const char *path, const struct stix_prop *p,
                              struct stix_report *r)
{
    (void)p;
    sco_check_dict(v, path, SCO_DICT_LIST, r);
}

/* ---- file extensions (STIX 2.1 §6.7.2–§6.7.6) --------------------------- */

static const char *const ref_file_dir[] = {"file", "directory", NULL};
static const char *const ref_file[] = {"file", NULL};
static const char *const ref_artifact[] = {"artifact", NULL};

static const char *const pebinary_type_ov[] = {"dll", "exe", "sys", NULL}; /* §10.21 */

static const struct stix_prop archive_ext[] = {
    {.name = "contains_refs", .kind = SP_ID_LIST, .required = true, .ref_types = ref_file_dir},
    {.name = "comment", .kind = SP_STRING},
    {0},
};

/* alternate-data-stream-type, §6.7.3 */
static const struct stix_prop ads_type[] = {
    {.name = "name", .kind = SP_STRING, .required = true},
    {.name = "hashes", .kind = SP_HASHES},
    {.name = "size", .kind = SP_INTEGER, SCO_NONNEG},
    {0},
};

static void sco_check_ads(const json_t *v, const char *path, const struct stix_prop *p,
                          struct stix_report *r)
{
    (void)p;
    sco_check_nested_list(v, path, ads_type, "alternate-data-stream-type", false, r);
}

static const struct stix_prop ntfs_ext[] = {
    {.name = "sid", .kind = SP_STRING},
    {.name = "alternate_data_streams", .kind = SP_LIST, .check = sco_check_ads},
    {0},
};

static const struct stix_prop pdf_ext[] = {
    {.name = "version", .kind = SP_STRING},
    {.name = "is_optimized", .kind = SP_BOOLEAN},
    {.name = "document_info_dict", .kind = SP_OBJECT, .check = sco_dict_of_strings},
    {.name = "pdfid0", .kind = SP_STRING},
    {.name = "pdfid1", .kind = SP_STRING},
    {0},
};

static const struct stix_prop raster_image_ext[] = {
    {.name = "image_height", .kind = SP_INTEGER},
    {.name = "image_width", .kind = SP_INTEGER},
    {.name = "bits_per_pixel", .kind = SP_INTEGER},
    {.name = "exif_tags", .kind = SP_OBJECT, .check = sco_dict_of_int_or_string},
    {0},
};

/* windows-pe-optional-header-type, §6.7.6 */
static const struct stix_prop pe_optional_header[] = {
    {.name = "magic_hex", .kind = SP_HEX},
    {.name = "major_linker_version", .kind = SP_INTEGER},
    {.name = "minor_linker_version", .kind = SP_INTEGER},
    {.name = "size_of_code", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "size_of_initialized_data", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "size_of_uninitialized_data", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "address_of_entry_point", .kind = SP_INTEGER},
    {.name = "base_of_code", .kind = SP_INTEGER},
    {.name = "base_of_data", .kind = SP_INTEGER},
    {.name = "image_base", .kind = SP_INTEGER},
    {.name = "section_alignment", .kind = SP_INTEGER},
    {.name = "file_alignment", .kind = SP_INTEGER},
    {.name = "major_os_version", .kind = SP_INTEGER},
    {.name = "minor_os_version", .kind = SP_INTEGER},
    {.name = "major_image_version", .kind = SP_INTEGER},
    {.name = "minor_image_version", .kind = SP_INTEGER},
    {.name = "major_subsystem_version", .kind = SP_INTEGER},
    {.name = "minor_subsystem_version", .kind = SP_INTEGER},
    {.name = "win32_version_value_hex", .kind = SP_HEX},
    {.name = "size_of_image", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "size_of_headers", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "checksum_hex", .kind = SP_HEX},
    {.name = "subsystem_hex", .kind = SP_HEX},
    {.name = "dll_characteristics_hex", .kind = SP_HEX},
    {.name = "size_of_stack_reserve", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "size_of_stack_commit", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "size_of_heap_reserve", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "size_of_heap_commit", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "loader_flags_hex", .kind = SP_HEX},
    {.name = "number_of_rva_and_sizes", .kind = SP_INTEGER},
    {.name = "hashes", .kind = SP_HASHES},
    {0},
};

static void sco_check_pe_optional_header(const json_t *v, const char *path,
                                         const struct stix_prop *p, struct stix_report *r)
{
    (void)p;
    if (!json_is_object(v))
        return;
    stix_check_props(v, path, pe_optional_header, r);
    if (!sco_has_any(v, pe_optional_header, NULL))
        stix_error(r, path,
                   "optional_header must contain at least one property of "
                   "windows-pe-optional-header-type (STIX 2.1 §6.7.6)");
}

/* windows-pe-section-type, §6.7.6 */
static const struct stix_prop pe_section[] = {
    {.name = "name", .kind = SP_STRING, .required = true},
    {.name = "size", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "entropy", .kind = SP_FLOAT},
    {.name = "hashes", .kind = SP_HASHES},
    {0},
};

static void sco_check_pe_sections(const json_t *v, const char *path, const struct stix_prop *p,
                                  struct stix_report *r)
{
    (void)p;
    sco_check_nested_list(v, path, pe_section, "windows-pe-section-type", false, r);
}

/* "The timestamp value MUST be precise to the second" (§6.7.6). */
static void sco_check_second_precision(const json_t *v, const char *path, const struct stix_prop *p,
                                       struct stix_report *r)
{
    (void)p;
    const char *s = json_string_value(v);
    if (s && strchr(s, '.'))
        stix_error(r, path,
                   "time_date_stamp must be precise to the second, without fractions "
                   "(STIX 2.1 §6.7.6)");
}

static const struct stix_prop pebinary_ext[] = {
    {.name = "pe_type", .kind = SP_OPENVOCAB, .required = true, .vocab = pebinary_type_ov},
    {.name = "imphash", .kind = SP_STRING},
    {.name = "machine_hex", .kind = SP_HEX},
    {.name = "number_of_sections", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "time_date_stamp", .kind = SP_TIMESTAMP, .check = sco_check_second_precision},
    {.name = "pointer_to_symbol_table_hex", .kind = SP_HEX},
    {.name = "number_of_symbols", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "size_of_optional_header", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "characteristics_hex", .kind = SP_HEX},
    {.name = "file_header_hashes", .kind = SP_HASHES},
    {.name = "optional_header", .kind = SP_OBJECT, .check = sco_check_pe_optional_header},
    {.name = "sections", .kind = SP_LIST, .check = sco_check_pe_sections},
    {0},
};

/* ---- network-traffic extensions (STIX 2.1 §6.12.2–§6.12.5) -------------- */

static const char *const socket_address_family_enum[] = {
    "AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6",
    "AF_IRDA",   "AF_BTH",  NULL}; /* network-socket-address-family-enum, §6.12.4 */
static const char *const socket_type_enum[] = {"SOCK_STREAM", "SOCK_DGRAM",     "SOCK_RAW",
                                               "SOCK_RDM",    "SOCK_SEQPACKET", NULL};

static const struct stix_prop http_request_ext[] = {
    {.name = "request_method", .kind = SP_STRING, .required = true},
    {.name = "request_value", .kind = SP_STRING, .required = true},
    {.name = "request_version", .kind = SP_STRING},
    {.name = "request_header", .kind = SP_OBJECT, .check = sco_dict_of_string_lists},
    {.name = "message_body_length", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "message_body_data_ref", .kind = SP_ID, .ref_types = ref_artifact},
    {0},
};

static const struct stix_prop icmp_ext[] = {
    {.name = "icmp_type_hex", .kind = SP_HEX, .required = true},
    {.name = "icmp_code_hex", .kind = SP_HEX, .required = true},
    {0},
};

static const struct stix_prop socket_ext[] = {
    {.name = "address_family",
     .kind = SP_ENUM,
     .required = true,
     .vocab = socket_address_family_enum},
    {.name = "is_blocking", .kind = SP_BOOLEAN},
    {.name = "is_listening", .kind = SP_BOOLEAN},
    {.name = "options", .kind = SP_OBJECT, .check = sco_dict_of_integers},
    {.name = "socket_type", .kind = SP_ENUM, .vocab = socket_type_enum},
    {.name = "socket_descriptor", .kind = SP_INTEGER, SCO_NONNEG},
    {.name = "socket_handle", .kind = SP_INTEGER},
    {0},
};

static const struct stix_prop tcp_ext[] = {
    {.name = "src_flags_hex", .kind = SP_HEX},
    {.name = "dst_flags_hex", .kind = SP_HEX},
    {0},
};

/* ---- process extensions (STIX 2.1 §6.13.2, §6.13.3) --------------------- */

static const char *const integrity_level_enum[] = {"low", "medium", "high", "system", NULL};
static const char *const service_start_type_enum[] = {"SERVICE_AUTO_START",   "SERVICE_BOOT_START",
                                                      "SERVICE_DEMAND_START", "SERVICE_DISABLED",
                                                      "SERVICE_SYSTEM_ALERT", NULL};
static const char *const service_type_enum[] = {
    "SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS",
    "SERVICE_WIN32_SHARE_PROCESS", NULL};
static const char *const service_status_enum[] = {
    "SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED",  "SERVICE_RUNNING",
    "SERVICE_START_PENDING",    "SERVICE_STOP_PENDING",  "SERVICE_STOPPED", NULL};

/* "This value SHOULD be a string that ends in _CLASS" (§6.13.2). */
static void sco_check_priority(const json_t *v, const char *path, const struct stix_prop *p,
                               struct stix_report *r)
{
    (void)p;
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    if (s && (n < 6 || strcmp(s + n - 6, "_CLASS") != 0))
        stix_warn(r, path, "priority should end in \"_CLASS\" (STIX 2.1 §6.13.2)");
}

static const struct stix_prop windows_process_ext[] = {
    {.name = "aslr_enabled", .kind = SP_BOOLEAN},
    {.name = "dep_enabled", .kind = SP_BOOLEAN},
    {.name = "priority", .kind = SP_STRING, .check = sco_check_priority},
    {.name = "owner_sid", .kind = SP_STRING},
    /* The property table of §6.13.2 says "windows_title", its JSON schema
     * and python-stix2 "window_title": both are the same string. */
    {.name = "window_title", .kind = SP_STRING},
    {.name = "windows_title", .kind = SP_STRING},
    {.name = "startup_info", .kind = SP_OBJECT, .check = sco_dict_of_int_or_string},
    {.name = "integrity_level", .kind = SP_ENUM, .vocab = integrity_level_enum},
    {0},
};

static const struct stix_prop windows_service_ext[] = {
    {.name = "service_name", .kind = SP_STRING},
    {.name = "descriptions", .kind = SP_STRING_LIST},
    {.name = "display_name", .kind = SP_STRING},
    {.name = "group_name", .kind = SP_STRING},
    {.name = "start_type", .kind = SP_ENUM, .vocab = service_start_type_enum},
    {.name = "service_dll_refs", .kind = SP_ID_LIST, .ref_types = ref_file},
    {.name = "service_type", .kind = SP_ENUM, .vocab = service_type_enum},
    {.name = "service_status", .kind = SP_ENUM, .vocab = service_status_enum},
    {0},
};

/* ---- user-account extension (STIX 2.1 §6.16.2) -------------------------- */

static const struct stix_prop unix_account_ext[] = {
    {.name = "gid", .kind = SP_INTEGER},
    {.name = "groups", .kind = SP_STRING_LIST},
    {.name = "home_dir", .kind = SP_STRING},
    {.name = "shell", .kind = SP_STRING},
    {0},
};

/* ---- SCO value syntax and nested types (STIX 2.1 §6) ------------------------ */

static const char *const ref_artifact_file[] = {"artifact", "file", NULL};
static const char *const registry_datatype_enum[] = {
    "REG_NONE",
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_BINARY",
    "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN",
    "REG_LINK",
    "REG_MULTI_SZ",
    "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTION",
    "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
    "REG_INVALID_TYPE",
    NULL}; /* windows-registry-datatype-enum, §6.17.2 */

/* Charset names of the IANA registry (§6.3 path_enc, §6.7 name_enc): the
 * registry's names are 2..250 of [A-Za-z0-9/.+_:-]. */
void sco_check_charset(const json_t *v, const char *path, const struct stix_prop *p,
                       struct stix_report *r)
{
    (void)p;
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    if (!s)
        return;
    bool ok = n >= 2 && n <= 250;
    for (size_t i = 0; ok && i < n; i++)
        ok = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/.+_:-", s[i]) !=
             NULL;
    if (!ok)
        stix_error(r, path,
                   "\"%s\" is not a character set name of the IANA registry "
                   "(STIX 2.1 §6.3, §6.7)",
                   s);
}

/* §6.14 cpe: "MUST be a CPE v2.3 entry": "cpe:2.3:" and 13 fields in all,
 * separated by unescaped colons (NISTIR 7695 §6.2 formatted string). */
void sco_check_cpe(const json_t *v, const char *path, const struct stix_prop *p,
                   struct stix_report *r)
{
    (void)p;
    const char *s = json_string_value(v);
    size_t fields = 1;
    if (!s)
        return;
    for (const char *c = s; *c; c++) {
        if (*c == '\\' && c[1]) {
            c++;
            continue;
        }
        if (*c == ':')
            fields++;
    }
    if (strncmp(s, "cpe:2.3:", 8) != 0 || fields != 13)
        stix_error(r, path, "\"%s\" is not a CPE 2.3 formatted string (STIX 2.1 §6.14)", s);
}

/* §6.14 languages: RFC 5646 language tags; checked to their shape: a
 * primary subtag of 2..8 letters, then "-" subtags of 1..8 alphanumerics. */
static bool sco_lang_tag_ok(const char *s)
{
    size_t sub = 0, i = 0;
    bool first = true;
    for (;; i++) {
        char c = s[i];
        if (c == '-' || c == '\0') {
            if (sub == 0 || sub > 8 || (first && sub < 2))
                return false;
            if (c == '\0')
                return true;
            first = false;
            sub = 0;
            continue;
        }
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alpha && (first || !(c >= '0' && c <= '9')))
            return false;
        sub++;
    }
}

void sco_check_languages(const json_t *v, const char *path, const struct stix_prop *p,
                         struct stix_report *r)
{
    char ipath[HL_MAX_PATH_BYTES];
    size_t i;
    json_t *item;

    (void)p;
    if (!json_is_array(v))
        return;
    json_array_foreach(v, i, item)
    {
        const char *s = json_string_value(item);
        if (s && !sco_lang_tag_ok(s)) {
            stix_path_index(ipath, path, i);
            stix_error(r, ipath, "\"%s\" is not an RFC 5646 language tag (STIX 2.1 §6.14)", s);
        }
    }
}

/* §6.17.1 key: "The hive portion of the key MUST be fully expanded and
 * not truncated; e.g., HKEY_LOCAL_MACHINE must be used instead of HKLM." */
void sco_check_registry_hive(const json_t *v, const char *path, const struct stix_prop *p,
                             struct stix_report *r)
{
    static const char *const short_hives[] = {"HKLM", "HKCU", "HKCR", "HKU", "HKCC", NULL};
    const char *s = json_string_value(v);
    (void)p;
    if (!s)
        return;
    for (size_t i = 0; short_hives[i]; i++) {
        size_t n = strlen(short_hives[i]);
        if (strncasecmp(s, short_hives[i], n) == 0 && (s[n] == '\\' || s[n] == '\0')) {
            stix_error(r, path,
                       "the hive \"%s\" must be fully expanded (e.g. "
                       "HKEY_LOCAL_MACHINE, not HKLM) (STIX 2.1 §6.17.1)",
                       short_hives[i]);
            return;
        }
    }
}

/* ---- nested types -------------------------------------------------------- */

/* email-mime-part-type, §6.6.2 */
static const struct stix_prop mime_part_type[] = {
    {.name = "body", .kind = SP_STRING},
    {.name = "body_raw_ref", .kind = SP_ID, .ref_types = ref_artifact_file},
    {.name = "content_type", .kind = SP_STRING},
    {.name = "content_disposition", .kind = SP_STRING},
    {0},
};

void sco_check_mime_parts(const json_t *v, const char *path, const struct stix_prop *p,
                          struct stix_report *r)
{
    char ipath[HL_MAX_PATH_BYTES];
    size_t i;
    json_t *item;

    (void)p;
    sco_check_nested_list(v, path, mime_part_type, "email-mime-part-type", false, r);
    if (!json_is_array(v))
        return;
    json_array_foreach(v, i, item)
    {
        if (json_is_object(item) && !json_object_get(item, "body") &&
            !json_object_get(item, "body_raw_ref")) {
            stix_path_index(ipath, path, i);
            stix_error(r, ipath,
                       "a MIME part must include body or body_raw_ref "
                       "(STIX 2.1 §6.6.2)");
        }
    }
}

/* §6.6.1: additional_header_fields holds the header fields "except for"
 * those with their own property. */
void sco_check_header_fields(const json_t *v, const char *path, const struct stix_prop *p,
                             struct stix_report *r)
{
    static const char *const own[] = {"Date", "Received", "Content-Type", "From",    "Sender",
                                      "To",   "Cc",       "Bcc",          "Subject", NULL};
    char kpath[HL_MAX_PATH_BYTES];
    const char *key;
    json_t *val;

    sco_dict_of_string_lists(v, path, p, r);
    if (!json_is_object(v))
        return;
    json_object_foreach((json_t *)v, key, val)
    {
        for (size_t i = 0; own[i]; i++) {
            if (strcasecmp(key, own[i]) == 0) {
                stix_path_key(kpath, path, key);
                stix_warn(r, kpath,
                          "the %s header has its own property of email-message; it "
                          "should not be in additional_header_fields (STIX 2.1 §6.6.1)",
                          own[i]);
            }
        }
    }
}

/* windows-registry-value-type, §6.17.2 */
static const struct stix_prop registry_value_type[] = {
    {.name = "name", .kind = SP_STRING},
    {.name = "data", .kind = SP_STRING},
    {.name = "data_type", .kind = SP_ENUM, .vocab = registry_datatype_enum},
    {0},
};

void sco_check_registry_values(const json_t *v, const char *path, const struct stix_prop *p,
                               struct stix_report *r)
{
    (void)p;
    sco_check_nested_list(v, path, registry_value_type, "windows-registry-value-type", true, r);
}

/* x509-v3-extensions-type, §6.18.2 */
static const struct stix_prop x509_v3_extensions_type[] = {
    {.name = "basic_constraints", .kind = SP_STRING},
    {.name = "name_constraints", .kind = SP_STRING},
    {.name = "policy_constraints", .kind = SP_STRING},
    {.name = "key_usage", .kind = SP_STRING},
    {.name = "extended_key_usage", .kind = SP_STRING},
    {.name = "subject_key_identifier", .kind = SP_STRING},
    {.name = "authority_key_identifier", .kind = SP_STRING},
    {.name = "subject_alternative_name", .kind = SP_STRING},
    {.name = "issuer_alternative_name", .kind = SP_STRING},
    {.name = "subject_directory_attributes", .kind = SP_STRING},
    {.name = "crl_distribution_points", .kind = SP_STRING},
    {.name = "inhibit_any_policy", .kind = SP_STRING},
    {.name = "private_key_usage_period_not_before", .kind = SP_TIMESTAMP},
    {.name = "private_key_usage_period_not_after", .kind = SP_TIMESTAMP},
    {.name = "certificate_policies", .kind = SP_STRING},
    {.name = "policy_mappings", .kind = SP_STRING},
    {0},
};

void sco_check_x509_v3(const json_t *v, const char *path, const struct stix_prop *p,
                       struct stix_report *r)
{
    (void)p;
    if (!json_is_object(v))
        return;
    stix_check_props(v, path, x509_v3_extensions_type, r);
    if (!sco_has_any(v, x509_v3_extensions_type, NULL))
        stix_error(r, path,
                   "x509_v3_extensions must contain at least one property "
                   "(STIX 2.1 §6.18.2)");
}

/* ---- the table ----------------------------------------------------------- */

struct sco_ext {
    const char *sco;  /* the SCO type that defines it */
    const char *name; /* its key in "extensions" */
    const struct stix_prop *props;
    bool need_one;       /* MUST contain at least one property ... */
    const char *besides; /* ... other than this one (or NULL) */
    const char *section; /* where the spec says so */
};

static const struct sco_ext sco_exts[] = {
    {"file", "archive-ext", archive_ext, false, NULL, "§6.7.2"},
    {"file", "ntfs-ext", ntfs_ext, true, NULL, "§6.7.3"},
    {"file", "pdf-ext", pdf_ext, true, NULL, "§6.7.4"},
    {"file", "raster-image-ext", raster_image_ext, true, NULL, "§6.7.5"},
    {"file", "windows-pebinary-ext", pebinary_ext, true, "pe_type", "§6.7.6"},
    {"network-traffic", "http-request-ext", http_request_ext, false, NULL, "§6.12.2"},
    {"network-traffic", "icmp-ext", icmp_ext, false, NULL, "§6.12.3"},
    {"network-traffic", "socket-ext", socket_ext, false, NULL, "§6.12.4"},
    {"network-traffic", "tcp-ext", tcp_ext, true, NULL, "§6.12.5"},
    {"process", "windows-process-ext", windows_process_ext, true, NULL, "§6.13.2"},
    {"process", "windows-service-ext", windows_service_ext, true, NULL, "§6.13.3"},
    {"user-account", "unix-account-ext", unix_account_ext, true, NULL, "§6.16.2"},
    {0},
};

void sco_check_extensions(const json_t *obj, const char *path, const char *type,
                          struct stix_report *r)
{
    char xpath[HL_MAX_PATH_BYTES], epath[HL_MAX_PATH_BYTES];
    const json_t *exts = json_object_get(obj, "extensions");

    if (!json_is_object(exts))
        return; /* absent, or the common walker reports its shape */
    stix_path_key(xpath, path, "extensions");
    for (const struct sco_ext *x = sco_exts; x->sco; x++) {
        if (strcmp(x->sco, type) != 0)
            continue;
        const json_t *e = json_object_get(exts, x->name);
        if (!e)
            continue;
        stix_path_key(epath, xpath, x->name);
        if (!json_is_object(e)) {
            stix_error(r, epath, "the %s extension must be an object (STIX 2.1 %s)", x->name,
                       x->section);
            continue;
        }
        stix_check_props(e, epath, x->props, r);
        if (x->need_one && !sco_has_any(e, x->props, x->besides))
            stix_error(r, epath,
                       "the %s extension must contain at least one property%s%s (STIX 2.1 %s)",
                       x->name, x->besides ? " other than " : "", x->besides ? x->besides : "",
                       x->section);
    }
}
