/*
 * sco_int.h — private to sco.c and sco_ext.c: what the SCO table (sco.c)
 * needs from the predefined extensions and nested types (sco_ext.c).
 *
 * The predefined SCO extensions (STIX 2.1 §6: archive-ext, ntfs-ext,
 * pdf-ext, raster-image-ext, windows-pebinary-ext, http-request-ext,
 * icmp-ext, socket-ext, tcp-ext, windows-process-ext, windows-service-ext,
 * unix-account-ext) are not objects of their own: they live as values of
 * an SCO's "extensions" dictionary under their spec-defined key. The
 * common walker checks the dictionary's shape; sco_check_extensions checks
 * the contents of each predefined one, found by the SCO's type.
 *
 * sco_ext.c also holds the value checks and nested types the SCO table
 * refers to, so that sco.c stays the table of types and their rules.
 */
#ifndef HL_SCO_INT_H
#define HL_SCO_INT_H

#include "stix_int.h"

/* Checks every predefined extension of an SCO of type `type` that obj's
 * "extensions" dictionary holds (properties, "at least one property"
 * rules, nested types); path is the SCO's path. */
void sco_check_extensions(const json_t *obj, const char *path, const char *type,
                          struct stix_report *r);

/* Checks of case-preserving dictionaries (SP_OBJECT rows' `check`): keys
 * per STIX 2.1 §2.8, not empty, and each value a string; an integer; an
 * integer or a string; a list of strings (a lone string is a warning, as
 * the spec's own examples use one). */
void sco_dict_of_strings(const json_t *v, const char *path, const struct stix_prop *p,
                         struct stix_report *r);
void sco_dict_of_integers(const json_t *v, const char *path, const struct stix_prop *p,
                          struct stix_report *r);
void sco_dict_of_int_or_string(const json_t *v, const char *path, const struct stix_prop *p,
                               struct stix_report *r);
void sco_dict_of_string_lists(const json_t *v, const char *path, const struct stix_prop *p,
                              struct stix_report *r);

/* Checks each element of the list v as an object of the nested type
 * described by props; `what` names the type in messages. Reports an error
 * for an element that is not an object, or (need_one) has none of props. */
void sco_check_nested_list(const json_t *v, const char *path, const struct stix_prop *props,
                           const char *what, bool need_one, struct stix_report *r);

/* Value checks of SCO properties (stix_value_check), defined in
 * sco_ext.c: IANA charset names (§6.3, §6.7), CPE 2.3 (§6.14), RFC 5646
 * tags (§6.14), expanded registry hives (§6.17.1), and the nested types
 * email-mime-part-type (§6.6.2), email header fields (§6.6.1),
 * windows-registry-value-type (§6.17.2), x509-v3-extensions-type (§6.18.2). */
void sco_check_charset(const json_t *v, const char *path, const struct stix_prop *p,
                       struct stix_report *r);
void sco_check_cpe(const json_t *v, const char *path, const struct stix_prop *p,
                   struct stix_report *r);
void sco_check_languages(const json_t *v, const char *path, const struct stix_prop *p,
                         struct stix_report *r);
void sco_check_registry_hive(const json_t *v, const char *path, const struct stix_prop *p,
                             struct stix_report *r);
void sco_check_mime_parts(const json_t *v, const char *path, const struct stix_prop *p,
                          struct stix_report *r);
void sco_check_header_fields(const json_t *v, const char *path, const struct stix_prop *p,
                             struct stix_report *r);
void sco_check_registry_values(const json_t *v, const char *path, const struct stix_prop *p,
                               struct stix_report *r);
void sco_check_x509_v3(const json_t *v, const char *path, const struct stix_prop *p,
                       struct stix_report *r);

/* True if obj has at least one of the properties in props, except the one
 * named `besides` (may be NULL). */
bool sco_has_any(const json_t *obj, const struct stix_prop *props, const char *besides);

#endif
