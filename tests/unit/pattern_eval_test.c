/*
 * pattern_eval_test.c — the plain evaluator and the stream semantics
 * (src/pattern/eval.c, stream.c, obs.c): every comparison operator with
 * and without NOT, every constant type against every property type it
 * meets, every object path form (keys, quoted keys, [n], [*], _ref,
 * _refs, extensions), the precedence of both levels, every qualifier and
 * the observation operators over sets of observed-data (number_observed
 * included), and the example patterns of STIX 2.1 §9 with an observation
 * that matches and one that does not.
 *
 * A case is a pattern, a JSON array of observed-data (single quotes stand
 * for double quotes; first_observed, last_observed and number_observed
 * default to 2026-01-01T00:00:00Z and 1) and the expected answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pattern/pattern.h"

struct tcase {
    const char *pattern;
    const char *obs; /* JSON array of observed-data, ' for " */
    bool want;
};

/* Observation sets used by many cases. */
#define FILE1                                                                                      \
    "[{'objects': {'0': {'type': 'file', 'name': 'foo.dll', 'size': 25536, "                       \
    "'hashes': {'MD5': '79054025255fb1a26e4bc422aef54eb4', 'SHA-256': "                            \
    "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'}, "                        \
    "'magic_number_hex': 'ffffffff', 'mime_type': 'image/bmp', "                                   \
    "'ctime': '2026-01-01T10:00:00.5Z', 'is_encrypted': true, 'ratio': 0.25, "                     \
    "'parent_directory_ref': '1', 'extensions': {'windows-pebinary-ext': "                         \
    "{'sections': [{'name': '.text', 'entropy': 7.5}, {'name': '.data', "                          \
    "'entropy': 2.0}]}}}, '1': {'type': 'directory', 'path': "                                     \
    "'C:\\\\Windows\\\\System32'}}}]"
#define IP4(v) "[{'objects': {'0': {'type': 'ipv4-addr', 'value': '" v "'}}}]"
#define IP6(v) "[{'objects': {'0': {'type': 'ipv6-addr', 'value': '" v "'}}}]"

static const struct tcase cases[] = {
    /* = and != on every type */
    {"[file:name = 'foo.dll']", FILE1, true},
    {"[file:name = 'Foo.dll']", FILE1, false}, /* strings compare exactly */
    {"[file:name != 'bar.dll']", FILE1, true},
    {"[file:name != 'foo.dll']", FILE1, false},
    {"[file:name NOT = 'foo.dll']", FILE1, false},
    {"[file:name NOT != 'foo.dll']", FILE1, true},
    {"[file:size = 25536]", FILE1, true},
    {"[file:size = 25536.0]", FILE1, true}, /* int and float compare */
    {"[file:size = 25537]", FILE1, false},
    {"[file:ratio = 0.25]", FILE1, true},
    {"[file:is_encrypted = true]", FILE1, true},
    {"[file:is_encrypted = false]", FILE1, false},
    {"[file:size = '25536']", FILE1, false}, /* int vs string: unequal */
    {"[file:size != '25536']", FILE1, true},
    {"[file:name = 1]", FILE1, false},
    /* binary and hex: _hex properties are binary; strings of code points < 256 */
    {"[file:magic_number_hex = h'ffffffff']", FILE1, true},
    {"[file:magic_number_hex = h'fffffffe']", FILE1, false},
    {"[file:magic_number_hex = b'/////w==']", FILE1, true},
    {"[file:name = b'Zm9vLmRsbA==']", FILE1, true}, /* 'foo.dll' as bytes */
    {"[file:name = h'666f6f2e646c6c']", FILE1, true},
    {"[file:name = h'666f6f']", FILE1, false},
    {"[file:magic_number_hex > h'']", FILE1, true}, /* an empty constant (was UB) */
    {"[file:name = h'']", FILE1, false},
    /* timestamps: a string property read as a STIX timestamp */
    {"[file:ctime = t'2026-01-01T10:00:00.5Z']", FILE1, true},
    {"[file:ctime = t'2026-01-01T10:00:00.500000Z']", FILE1, true},
    {"[file:ctime > t'2026-01-01T10:00:00Z']", FILE1, true},
    {"[file:ctime < t'2026-01-01T10:00:00Z']", FILE1, false},
    {"[file:name > t'2026-01-01T10:00:00Z']", FILE1, false}, /* not a timestamp */
    /* order operators */
    {"[file:size > 25535]", FILE1, true},
    {"[file:size > 25536]", FILE1, false},
    {"[file:size >= 25536]", FILE1, true},
    {"[file:size < 25537.5]", FILE1, true},
    {"[file:size <= 25535]", FILE1, false},
    {"[file:size NOT > 25536]", FILE1, true},
    {"[file:name > 'foo.a']", FILE1, true},
    {"[file:name < 'foo.a']", FILE1, false},
    {"[file:name < 5]", FILE1, false}, /* no order between string and int */
    {"[file:name NOT < 5]", FILE1, false},
    {"[file:magic_number_hex > h'fffffffe']", FILE1, true},
    /* IN */
    {"[file:name IN ('a', 'foo.dll', 'b')]", FILE1, true},
    {"[file:name IN ('a', 'b')]", FILE1, false},
    {"[file:name NOT IN ('a', 'b')]", FILE1, true},
    {"[file:size IN (1, 25536)]", FILE1, true},
    {"[file:name IN ()]", FILE1, false},
    /* LIKE: % and _, whole string, code points */
    {"[file:name LIKE 'foo%']", FILE1, true},
    {"[file:name LIKE '%.dll']", FILE1, true},
    {"[file:name LIKE 'f_o.dll']", FILE1, true},
    {"[file:name LIKE 'f_.dll']", FILE1, false},
    {"[file:name LIKE 'foo']", FILE1, false},
    {"[file:name LIKE '%o%o%']", FILE1, true},
    {"[file:name NOT LIKE 'bar%']", FILE1, true},
    {"[file:size LIKE '2%']", FILE1, false},
    {"[file:name LIKE '_']", "[{'objects': {'0': {'type': 'file', 'name': '\xc3\xa9'}}}]", true},
    /* MATCHES: PCRE2 search */
    {"[file:name MATCHES '^foo\\\\.dll$']", FILE1, true},
    {"[file:name MATCHES 'o\\\\.d']", FILE1, true},
    {"[file:name MATCHES '^o']", FILE1, false},
    {"[file:name NOT MATCHES '^o']", FILE1, true},
    {"[file:magic_number_hex MATCHES '^\\\\xff+$']", FILE1, true},
    /* catastrophic backtracking stops at the match limit: no match, no hang */
    {"[file:name MATCHES '^(a+)+$']",
     "[{'objects': {'0': {'type': 'file', 'name': "
     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'}}}]",
     false},
    /* ISSUBSET / ISSUPERSET, IPv4 and IPv6 */
    {"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", IP4("198.51.100.7"), true},
    {"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", IP4("198.51.101.7"), false},
    {"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", IP4("198.51.100.0/25"), true},
    {"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", IP4("198.51.0.0/16"), false},
    {"[ipv4-addr:value NOT ISSUBSET '198.51.100.0/24']", IP4("10.0.0.1"), true},
    {"[ipv4-addr:value ISSUPERSET '198.51.100.7']", IP4("198.51.100.0/24"), true},
    {"[ipv4-addr:value ISSUPERSET '198.51.0.0/16']", IP4("198.51.100.0/24"), false},
    {"[ipv4-addr:value ISSUBSET '0.0.0.0/0']", IP4("203.0.113.9"), true},
    {"[ipv6-addr:value ISSUBSET '2001:db8::/32']", IP6("2001:0db8:dead::1"), true},
    {"[ipv6-addr:value ISSUBSET '2001:db8::/32']", IP6("2001:db9::1"), false},
    {"[ipv6-addr:value ISSUBSET '2001:db8::/32']", IP4("32.1.13.184"), false},
    {"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", IP4("not an address"), false},
    /* EXISTS */
    {"[EXISTS file:hashes.MD5]", FILE1, true},
    {"[EXISTS file:hashes.SHA1]", FILE1, false},
    {"[EXISTS file:extensions.'windows-pebinary-ext'.sections[1]]", FILE1, true},
    {"[EXISTS file:extensions.'windows-pebinary-ext'.sections[2]]", FILE1, false},
    /* paths: quoted keys, index, [*], negative index, extensions, refs */
    {"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
     FILE1, true},
    {"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019e']",
     FILE1, false},
    {"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", FILE1, true},
    {"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 8.0]", FILE1, false},
    {"[file:extensions.'windows-pebinary-ext'.sections[1].name = '.data']", FILE1, true},
    {"[file:extensions.'windows-pebinary-ext'.sections[0].name = '.data']", FILE1, false},
    {"[file:extensions.'windows-pebinary-ext'.sections[-1].name = '.data']", FILE1, false},
    {"[file:extensions.'windows-pebinary-ext'.sections[*].name NOT = '.text']", FILE1, true},
    {"[file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']", FILE1, true},
    {"[file:parent_directory_ref.path = 'C:\\\\Windows']", FILE1, false},
    {"[file:parent_directory_ref = '1']", FILE1, true}, /* the reference itself */
    {"[file:hashes.MD5.x = 'a']", FILE1, false},        /* into a string */
    {"[file:name = 'x'] OR [directory:path LIKE 'C:%']", FILE1, true},
    {"[directory:name = 'foo.dll']", FILE1, false}, /* only SCOs of the type */
    /* comparison AND / OR and their precedence: AND binds tighter */
    {"[file:name = 'foo.dll' AND file:size = 25536]", FILE1, true},
    {"[file:name = 'foo.dll' AND file:size = 1]", FILE1, false},
    {"[file:name = 'x' OR file:size = 25536]", FILE1, true},
    {"[file:name = 'x' AND file:size = 1 OR file:size = 25536]", FILE1, true},
    {"[file:name = 'x' AND (file:size = 1 OR file:size = 25536)]", FILE1, false},
    {"[file:size = 25536 OR file:name = 'x' AND file:size = 1]", FILE1, true},
    {"[(file:size = 25536 OR file:name = 'x') AND file:size = 1]", FILE1, false},
    /* one observation may satisfy comparisons on two of its SCOs (§9.5) */
    {"[file:name = 'foo.dll' AND directory:path LIKE '%System32']", FILE1, true},
    /* observation operators */
    {"[file:name = 'foo.dll'] OR [file:name = 'x']", FILE1, true},
    {"[file:name = 'foo.dll'] AND [file:size = 25536]", FILE1, false}, /* one observation */
    {"[file:name = 'foo.dll'] AND [file:size = 25536]",
     "[{'number_observed': 2, 'objects': {'0': {'type': 'file', 'name': 'foo.dll', 'size': "
     "25536}}}]",
     true}, /* number_observed 2: two observations */
    {"[file:name = 'a'] AND [file:name = 'b']",
     "[{'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     true},
    {"[file:name = 'a'] AND [file:name = 'b'] OR [file:name = 'c']",
     "[{'objects': {'0': {'type': 'file', 'name': 'c'}}}]", true}, /* AND before OR */
    {"[file:name = 'a'] AND ([file:name = 'b'] OR [file:name = 'c'])",
     "[{'objects': {'0': {'type': 'file', 'name': 'c'}}}]", false},
    /* FOLLOWEDBY: first_observed of the left <= last_observed of the right */
    {"[file:name = 'a'] FOLLOWEDBY [file:name = 'b']",
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'first_observed': '2026-01-01T00:01:00Z', 'last_observed': '2026-01-01T00:01:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     true},
    {"[file:name = 'b'] FOLLOWEDBY [file:name = 'a']",
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'first_observed': '2026-01-01T00:01:00Z', 'last_observed': '2026-01-01T00:01:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     false},
    {"[file:name = 'b'] FOLLOWEDBY [file:name = 'a']", /* overlapping intervals */
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:05:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'first_observed': '2026-01-01T00:01:00Z', 'last_observed': '2026-01-01T00:01:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     true},
    {"[file:name = 'a'] FOLLOWEDBY [file:name = 'b'] FOLLOWEDBY [file:name = 'c']",
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'first_observed': '2026-01-01T00:02:00Z', 'last_observed': '2026-01-01T00:02:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'c'}}}, "
     "{'first_observed': '2026-01-01T00:01:00Z', 'last_observed': '2026-01-01T00:01:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     true},
    {"[file:name = 'a'] FOLLOWEDBY [file:name = 'c'] FOLLOWEDBY [file:name = 'b']",
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'first_observed': '2026-01-01T00:02:00Z', 'last_observed': '2026-01-01T00:02:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'c'}}}, "
     "{'first_observed': '2026-01-01T00:01:00Z', 'last_observed': '2026-01-01T00:01:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     false},
    /* WITHIN */
    {"([file:name = 'a'] AND [file:name = 'b']) WITHIN 60 SECONDS",
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'first_observed': '2026-01-01T00:01:00Z', 'last_observed': '2026-01-01T00:01:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     true},
    {"([file:name = 'a'] AND [file:name = 'b']) WITHIN 59.5 SECONDS",
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'first_observed': '2026-01-01T00:01:00Z', 'last_observed': '2026-01-01T00:01:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     false},
    {"[file:name = 'a'] AND [file:name = 'b'] WITHIN 1 SECONDS", /* WITHIN binds to [b] */
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'first_observed': '2026-01-01T00:01:00Z', 'last_observed': '2026-01-01T00:01:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     true},
    /* REPEATS, with number_observed */
    {"[file:name = 'a'] REPEATS 3 TIMES",
     "[{'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'objects': {'0': {'type': 'file', 'name': 'a'}}}]",
     false},
    {"[file:name = 'a'] REPEATS 3 TIMES",
     "[{'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'number_observed': 2, 'objects': {'0': {'type': 'file', 'name': 'a'}}}]",
     true},
    {"[file:name = 'a'] REPEATS 2 TIMES WITHIN 10 SECONDS",
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'first_observed': '2026-01-01T00:01:00Z', 'last_observed': '2026-01-01T00:01:00Z', "
     "'objects': {'0': {'type': 'file', 'name': 'a'}}}]",
     false},
    {"([file:name = 'a'] AND [file:name = 'b']) REPEATS 2 TIMES",
     "[{'number_observed': 2, 'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     false},
    {"([file:name = 'a'] AND [file:name = 'b']) REPEATS 2 TIMES",
     "[{'number_observed': 2, 'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
     "{'number_observed': 2, 'objects': {'0': {'type': 'file', 'name': 'b'}}}]",
     true},
    /* START / STOP: [first, last] meets [start, stop) */
    {"[file:name = 'foo.dll'] START t'2025-12-31T00:00:00Z' STOP t'2026-01-02T00:00:00Z'", FILE1,
     true},
    {"[file:name = 'foo.dll'] START t'2026-01-01T00:00:00Z' STOP t'2026-01-02T00:00:00Z'", FILE1,
     true},
    {"[file:name = 'foo.dll'] START t'2025-12-31T00:00:00Z' STOP t'2026-01-01T00:00:00Z'", FILE1,
     false},
    {"[file:name = 'foo.dll'] START t'2026-01-02T00:00:00Z' STOP t'2026-01-03T00:00:00Z'", FILE1,
     false},
    /* STIX 2.1 §9.9 examples, each with a matching observation (and below, one that
     * does not) */
    {"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = "
     "'198.51.100.1/32']",
     "[{'objects': {'0': {'type': 'domain-name', 'value': 'www.5z8.info', 'resolves_to_refs': "
     "['1', '2']}, '1': {'type': 'ipv4-addr', 'value': '203.0.113.1/32'}, '2': {'type': "
     "'ipv4-addr', 'value': '198.51.100.1/32'}}}]",
     true},
    {"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = "
     "'198.51.100.1/32']",
     "[{'objects': {'0': {'type': 'domain-name', 'value': 'www.5z8.info', 'resolves_to_refs': "
     "['1']}, '1': {'type': 'ipv4-addr', 'value': '203.0.113.1/32'}}}]",
     false},
    {"[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
     "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
     "[{'objects': {'0': {'type': 'email-message', 'is_multipart': true, 'from_ref': '1', "
     "'body_multipart': [{'body': 'see attached'}, {'body_raw_ref': '2'}]}, '1': {'type': "
     "'email-addr', 'value': 'boss@example.com'}, '2': {'type': 'file', 'name': 'Final Report "
     "2026.exe'}}}]",
     true},
    {"[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
     "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
     "[{'objects': {'0': {'type': 'email-message', 'is_multipart': true, 'from_ref': '1', "
     "'body_multipart': [{'body_raw_ref': '2'}]}, '1': {'type': 'email-addr', 'value': "
     "'boss@example.org'}, '2': {'type': 'file', 'name': 'Final Report 2026.exe'}}}]",
     false},
    {"[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
     "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
     IP6("2001:0db8:dead:beef:dead:beef:dead:0001/128"), true},
    {"[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
     "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
     IP4("198.51.100.2/32"), false},
    {"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = "
     "'4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
     "[{'objects': {'0': {'type': 'x509-certificate', 'issuer': 'CN=WEBMAIL', "
     "'serial_number': '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28'}}}]",
     true},
    {"[windows-registry-key:key = "
     "'HKEY_LOCAL_MACHINE\\\\System\\\\CurrentControlSet\\\\Services\\\\WSALG2']",
     "[{'objects': {'0': {'type': 'windows-registry-key', 'key': "
     "'HKEY_LOCAL_MACHINE\\\\System\\\\CurrentControlSet\\\\Services\\\\WSALG2'}}}]",
     true},
    {"[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY "
     "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar'] WITHIN 300 SECONDS",
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'hashes': {'MD5': '79054025255fb1a26e4bc422aef54eb4'}}}}, "
     "{'first_observed': '2026-01-01T00:04:00Z', 'last_observed': '2026-01-01T00:04:00Z', "
     "'objects': {'0': {'type': 'windows-registry-key', 'key': "
     "'HKEY_LOCAL_MACHINE\\\\foo\\\\bar'}}}]",
     true},
    {"([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY "
     "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
     "[{'first_observed': '2026-01-01T00:00:00Z', 'last_observed': '2026-01-01T00:00:00Z', "
     "'objects': {'0': {'type': 'file', 'hashes': {'MD5': '79054025255fb1a26e4bc422aef54eb4'}}}}, "
     "{'first_observed': '2026-01-01T00:06:00Z', 'last_observed': '2026-01-01T00:06:00Z', "
     "'objects': {'0': {'type': 'windows-registry-key', 'key': "
     "'HKEY_LOCAL_MACHINE\\\\foo\\\\bar'}}}]",
     false},
    {"[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND "
     "user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND "
     "user-account:user_id = '1008' AND user-account:account_login = 'Paul']",
     "[{'objects': {'0': {'type': 'user-account', 'account_type': 'unix', 'user_id': '1007', "
     "'account_login': 'Peter'}}}, {'objects': {'0': {'type': 'user-account', 'account_type': "
     "'unix', 'user_id': '1008', 'account_login': 'Paul'}}}]",
     true},
    {"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES "
     "'\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
     "[{'objects': {'0': {'type': 'artifact', 'mime_type': 'application/vnd.tcpdump.pcap', "
     "'payload_bin': '1MOyoQIABAA='}}}]",
     true},
    {"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES "
     "'\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
     "[{'objects': {'0': {'type': 'artifact', 'mime_type': 'application/vnd.tcpdump.pcap', "
     "'payload_bin': '1MOyoQIABAE='}}}]",
     false},
    {"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
     FILE1, true},
    {"[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffffffff']", FILE1, true},
    {"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
     "'203.0.113.33/32']",
     "[{'objects': {'0': {'type': 'network-traffic', 'dst_ref': '1', 'protocols': ['tcp']}, "
     "'1': {'type': 'ipv4-addr', 'value': '203.0.113.33/32'}}}]",
     true},
    {"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = "
     "'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS",
     "[{'number_observed': 5, 'first_observed': '2026-01-01T00:00:00Z', 'last_observed': "
     "'2026-01-01T00:02:00Z', 'objects': {'0': {'type': 'network-traffic', 'dst_ref': '1', "
     "'protocols': ['tcp']}, '1': {'type': 'domain-name', 'value': 'example.com'}}}]",
     true},
    {"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = "
     "'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS",
     "[{'number_observed': 4, 'objects': {'0': {'type': 'network-traffic', 'dst_ref': '1', "
     "'protocols': ['tcp']}, '1': {'type': 'domain-name', 'value': 'example.com'}}}]",
     false},
    {"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] "
     "START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
     FILE1, false},
};

/* The observations of a case (caller releases each and frees the array). */
static struct pattern_observation *load(const char *text, size_t *n)
{
    char *s = strdup(text);
    json_error_t je;
    for (char *c = s; *c; c++)
        if (*c == '\'')
            *c = '"';
    json_t *arr = json_loads(s, 0, &je);
    if (!arr)
        fail_msg("case JSON: %s at %d: %s", je.text, je.position, s);
    free(s);
    *n = json_array_size(arr);
    struct pattern_observation *o = calloc(*n ? *n : 1, sizeof *o);
    for (size_t i = 0; i < *n; i++) {
        json_t *od = json_array_get(arr, i);
        struct hl_error err;
        json_object_set_new(od, "type", json_string("observed-data"));
        if (!json_object_get(od, "first_observed"))
            json_object_set_new(od, "first_observed", json_string("2026-01-01T00:00:00Z"));
        if (!json_object_get(od, "last_observed"))
            json_object_set_new(od, "last_observed", json_string("2026-01-01T00:00:00Z"));
        if (!json_object_get(od, "number_observed"))
            json_object_set_new(od, "number_observed", json_integer(1));
        if (pattern_observation_from_json(od, NULL, &o[i], &err))
            fail_msg("observation %zu: %s: %s", i, err.where, err.msg);
    }
    json_decref(arr);
    return o;
}

static bool run_case(const char *pattern, const char *obs_text)
{
    struct pattern *p = NULL;
    struct hl_error err;
    size_t n;
    if (pattern_parse(pattern, strlen(pattern), &p, &err))
        fail_msg("parse \"%s\": %s: %s", pattern, err.where, err.msg);
    struct pattern_observation *o = load(obs_text, &n);
    const struct pattern_observation **list = calloc(n ? n : 1, sizeof *list);
    for (size_t i = 0; i < n; i++)
        list[i] = &o[i];
    struct pattern_match_result res;
    assert_int_equal(pattern_match(p, list, n, SIZE_MAX, &res), 0);
    assert_false(res.truncated);
    for (size_t i = 0; i < n; i++)
        pattern_observation_release(&o[i]);
    free(o);
    free(list);
    pattern_free(p);
    return res.matched;
}

static void test_pattern_cases_match_as_the_spec_says(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = run_case(cases[i].pattern, cases[i].obs);
        if (got != cases[i].want) {
            print_error("case %zu: %s: want %s, got %s\n", i, cases[i].pattern,
                        cases[i].want ? "match" : "no match", got ? "match" : "no match");
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* pattern_match with must_include counts only bindings that use that observation. */
static void test_pattern_match_must_include_limits_bindings(void **state)
{
    (void)state;
    struct pattern *p = NULL;
    struct hl_error err;
    size_t n;
    const char *pat = "[file:name = 'a'] AND [file:name = 'b']";
    assert_int_equal(pattern_parse(pat, strlen(pat), &p, &err), 0);
    struct pattern_observation *o = load("[{'objects': {'0': {'type': 'file', 'name': 'a'}}}, "
                                         "{'objects': {'0': {'type': 'file', 'name': 'b'}}}, "
                                         "{'objects': {'0': {'type': 'file', 'name': 'c'}}}]",
                                         &n);
    const struct pattern_observation *list[3] = {&o[0], &o[1], &o[2]};
    struct pattern_match_result res;
    assert_int_equal(pattern_match(p, list, 3, 1, &res), 0);
    assert_true(res.matched);
    assert_int_equal(pattern_match(p, list, 3, 2, &res), 0);
    assert_false(res.matched);
    for (size_t i = 0; i < n; i++)
        pattern_observation_release(&o[i]);
    free(o);
    pattern_free(p);
}

/* REPEATS beyond what can be bound stops at the bound and says so. */
static void test_pattern_match_bounded_search_says_truncated(void **state)
{
    (void)state;
    struct pattern *p = NULL;
    struct hl_error err;
    const char *pat = "([file:name LIKE '%'] AND [file:name LIKE '%'] AND [file:name LIKE '%']) "
                      "REPEATS 40 TIMES";
    assert_int_equal(pattern_parse(pat, strlen(pat), &p, &err), 0);
    struct pattern_observation o[30];
    const struct pattern_observation *list[30];
    for (int i = 0; i < 30; i++) {
        char line[64];
        snprintf(line, sizeof line, "file:name=f%d", i);
        assert_int_equal(pattern_observation_from_line(line, strlen(line), 0, &o[i], &err), 0);
        list[i] = &o[i];
    }
    struct pattern_match_result res;
    assert_int_equal(pattern_match(p, list, 30, SIZE_MAX, &res), 0);
    assert_false(res.matched); /* 120 observations needed, 30 held */
    assert_true(res.truncated);
    for (int i = 0; i < 30; i++)
        pattern_observation_release(&o[i]);
    pattern_free(p);
}

/* ---- observations ---------------------------------------------------------------- */

static void test_observation_line_format(void **state)
{
    (void)state;
    struct pattern_observation o;
    struct hl_error err;
    const char *line = "ipv4-addr:value=198.51.100.7 network-traffic:dst_port=443 "
                       "file:hashes.MD5=abc file:name=\"a b.exe\" ts=2026-11-29T10:00:00Z n=3";
    assert_int_equal(pattern_observation_from_line(line, strlen(line), 0, &o, &err), 0);
    assert_int_equal(o.n_scos, 3);
    assert_int_equal(o.number_observed, 3);
    assert_true(o.first_ns == o.last_ns && o.first_ns == 1795946400LL * 1000000000);
    assert_null(o.id);
    const char *pats[] = {"[ipv4-addr:value = '198.51.100.7']", "[network-traffic:dst_port = 443]",
                          "[file:hashes.MD5 = 'abc' AND file:name = 'a b.exe']"};
    for (size_t i = 0; i < 3; i++) {
        struct pattern *p = NULL;
        struct pattern_match_result res;
        const struct pattern_observation *l = &o;
        assert_int_equal(pattern_parse(pats[i], strlen(pats[i]), &p, &err), 0);
        assert_int_equal(pattern_match(p, &l, 1, SIZE_MAX, &res), 0);
        assert_true(res.matched);
        pattern_free(p);
    }
    pattern_observation_release(&o);
    pattern_observation_release(&o); /* released twice: a no-op */

    const struct {
        const char *line;
        const char *msg;
    } bad[] = {
        {"", "no TYPE:PATH"},
        {"value=1", "TYPE:PATH"},
        {"ipv4-addr:value", "expected"},
        {"ipv4-addr:value=1 ts=yesterday", "timestamp"},
        {"ipv4-addr:value=1 n=0", "count"},
        {"file:name=\"unterminated", "JSON"},
        {"file:a=1 file:a.b=2", "both"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hl_error_clear(&err);
        assert_int_not_equal(
            pattern_observation_from_line(bad[i].line, strlen(bad[i].line), 0, &o, &err), 0);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].line, err.msg, bad[i].msg);
        assert_null(o.doc);
    }
}

static void test_observation_object_refs_resolve_in_the_bundle(void **state)
{
    (void)state;
    json_error_t je;
    json_t *sco = json_loads("{\"type\": \"ipv4-addr\", \"id\": "
                             "\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\", \"value\": "
                             "\"198.51.100.3\"}",
                             0, &je);
    json_t *by_id = json_object();
    json_object_set(by_id, "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", sco);
    json_t *od =
        json_loads("{\"type\": \"observed-data\", \"id\": "
                   "\"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf\", \"first_observed\": "
                   "\"2026-01-01T00:00:00Z\", \"last_observed\": \"2026-01-01T00:00:00Z\", "
                   "\"number_observed\": 1, \"object_refs\": "
                   "[\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\", "
                   "\"ipv4-addr--00000000-6336-5bc5-b98d-13d6226742dd\"]}",
                   0, &je);
    struct pattern_observation o;
    struct hl_error err;
    assert_int_equal(pattern_observation_from_json(od, by_id, &o, &err), 0);
    json_decref(od);
    json_decref(by_id);
    json_decref(sco);
    assert_int_equal(o.n_scos, 1); /* the unresolved ref is skipped */
    assert_string_equal(o.id, "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf");
    assert_string_equal(json_string_value(json_object_get(o.scos[0].obj, "value")), "198.51.100.3");
    pattern_observation_release(&o);

    /* not observed-data, bad timestamps, bad count: refused */
    const char *bad[] = {
        "{\"type\": \"indicator\"}",
        "{\"type\": \"observed-data\", \"first_observed\": \"x\", \"last_observed\": "
        "\"2026-01-01T00:00:00Z\", \"number_observed\": 1, \"objects\": {}}",
        "{\"type\": \"observed-data\", \"first_observed\": \"2026-01-01T00:00:00Z\", "
        "\"last_observed\": \"2026-01-01T00:00:00Z\", \"number_observed\": 0, \"objects\": {}}",
        "{\"type\": \"observed-data\", \"first_observed\": \"2026-01-01T00:00:00Z\", "
        "\"last_observed\": \"2026-01-01T00:00:00Z\", \"number_observed\": 1, \"objects\": "
        "{\"0\": {\"value\": 1}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_loads(bad[i], 0, &je);
        assert_non_null(j);
        assert_int_equal(pattern_observation_from_json(j, NULL, &o, &err), -HL_E_PARSE);
        assert_null(o.doc);
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_cases_match_as_the_spec_says),
        cmocka_unit_test(test_pattern_match_must_include_limits_bindings),
        cmocka_unit_test(test_pattern_match_bounded_search_says_truncated),
        cmocka_unit_test(test_observation_line_format),
        cmocka_unit_test(test_observation_object_refs_resolve_in_the_bundle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
