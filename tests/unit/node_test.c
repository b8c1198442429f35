/*
 * node_test.c — hotline.conf (the strict reader, the text init writes,
 * listen addresses), the node's TLS files (a made certificate, checks
 * of given ones, private key modes) and the serve lock (serving.c: seen
 * from another process, as the command line sees it), on real files in a
 * fresh directory.
 */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node/node.h"
#include "test_dir.h"

struct fx {
    char dir[TEST_DIR_MAX];
    char path[128];
    struct hl_error err;
    struct node_config c;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_dir_make(f->dir, "node_test");
    snprintf(f->path, sizeof f->path, "%s/hotline.conf", f->dir);
    node_config_defaults(&f->c, "CERT A");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    test_dir_remove(f->dir);
    free(f);
    return 0;
}

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Reads text as hotline.conf over the defaults; returns the result. */
static int read_conf(struct fx *f, const char *text)
{
    write_text(f->path, text, strlen(text));
    node_config_defaults(&f->c, "CERT A");
    hl_error_clear(&f->err);
    return node_config_read(f->path, &f->c, &f->err);
}

/* Expects text to fail at line, with msg in the message. */
static void expect_conf_error(struct fx *f, const char *text, unsigned line, const char *msg)
{
    char where[HL_ERROR_WHERE_MAX];
    assert_int_equal(read_conf(f, text), -HL_E_PARSE);
    snprintf(where, sizeof where, "%s:%u", f->path, line);
    assert_string_equal(f->err.where, where);
    if (!strstr(f->err.msg, msg))
        fail_msg("message '%s' lacks '%s'", f->err.msg, msg);
}

static void test_written_config_reads_back_as_the_defaults(void **state)
{
    struct fx *f = *state;
    struct node_config want, got;
    struct buf text;
    node_config_defaults(&want, "CERT A");
    buf_init(&text, NODE_CONF_MAX);
    assert_int_equal(node_config_render(&want, &text, &f->err), 0);
    assert_non_null(strstr(text.data, "\n# Worker threads"));
    write_text(f->path, text.data, text.len);
    buf_release(&text);
    memset(&got, 0x55, sizeof got);
    node_config_defaults(&got, "other");
    assert_int_equal(node_config_read(f->path, &got, &f->err), 0);
    assert_memory_equal(&got, &want, sizeof got);
    assert_string_equal(got.title, "hotline node of CERT A");
    assert_string_equal(got.listen, NODE_DEFAULT_LISTEN);
}

static void test_values_are_read_and_absent_keys_keep_defaults(void **state)
{
    struct fx *f = *state;
    assert_int_equal(read_conf(f, "# comment\n\n  listen =  [::1]:0  \r\n"
                                  "title = A # not a comment\n"
                                  "description =\nthreads=8\nmax_objects = 10000\n"),
                     0);
    assert_string_equal(f->c.listen, "[::1]:0");
    assert_string_equal(f->c.title, "A # not a comment");
    assert_string_equal(f->c.description, "");
    assert_int_equal(f->c.threads, 8);
    assert_int_equal(f->c.max_objects, 10000);
    assert_int_equal(f->c.timeout_s, 30); /* default */
    assert_string_equal(f->c.tls_key, NODE_KEY_FILE);
    assert_int_equal(read_conf(f, ""), 0);
}

static void test_errors_name_the_line(void **state)
{
    struct fx *f = *state;
    expect_conf_error(f, "threads = 4\n\nthread = 4\n", 3, "unknown key 'thread'");
    expect_conf_error(f, "# x\nthreads = 0\n", 2,
                      "threads: '0' is not a whole number from 1 to 64");
    expect_conf_error(f, "threads = four\n", 1, "not a whole number");
    expect_conf_error(f, "threads = 4\nthreads = 5\n", 2, "given twice (first on line 1)");
    expect_conf_error(f, "listen 127.0.0.1:1\n", 1, "expected 'key = value'");
    expect_conf_error(f, "max_content_length = 999999999999\n", 1, "from 1024 to 67108864");
    expect_conf_error(f, "max_objects = 10001\n", 1, "from 1 to 10000");
    expect_conf_error(f, "timeout_s = -1\n", 1, "timeout_s");
    expect_conf_error(f, "title =\n", 1, "title: must not be empty");
    expect_conf_error(f, "\ntitle = a\tb\n", 2, "control character 0x09");
    expect_conf_error(f, "contact = \xc3\x28\n", 1, "not valid UTF-8");
    expect_conf_error(f, "contact = \xed\xa0\x80\n", 1, "not valid UTF-8"); /* a surrogate */
    expect_conf_error(f, "listen = localhost:8443\n", 1, "listen:");
    expect_conf_error(f, "max_connections = 10\n\nmax_per_client = 20\n", 3,
                      "max_per_client (20) exceeds max_connections (10)");
    expect_conf_error(f, "max_per_client = 300\n", 1, "exceeds max_connections (256)");
    /* A NUL byte, and an overlong line. */
    write_text(f->path, "threads = 4\nti\0tle = x\n", 23);
    assert_int_equal(node_config_read(f->path, &f->c, &f->err), -HL_E_PARSE);
    assert_non_null(strstr(f->err.where, ":2"));
    assert_non_null(strstr(f->err.msg, "NUL"));
    char long_line[NODE_CONF_LINE_MAX + 32];
    memset(long_line, 'x', sizeof long_line);
    memcpy(long_line, "title = ", 8);
    long_line[sizeof long_line - 2] = '\n';
    long_line[sizeof long_line - 1] = '\0';
    expect_conf_error(f, long_line, 1, "line longer than");
    /* Text longer than its field. */
    char big[NODE_TEXT_MAX + 32];
    memset(big, 'y', sizeof big);
    memcpy(big, "contact = ", 10);
    big[sizeof big - 1] = '\0';
    expect_conf_error(f, big, 1, "longer than 512 bytes");
}

/* node_config_diff names the keys that differ, in the file's order, and
 * cuts the names to the room given. */
static void test_config_diff_names_what_changed(void **state)
{
    (void)state;
    struct node_config a, b;
    char names[64];
    node_config_defaults(&a, "A");
    node_config_defaults(&b, "A");
    assert_int_equal(node_config_diff(&a, &b, NODE_KEYS_ALL, names, sizeof names), 0);
    assert_string_equal(names, "");
    b.rate_per_minute = a.rate_per_minute + 1;
    b.max_content_length = a.max_content_length * 2;
    snprintf(b.escalation_hook, sizeof b.escalation_hook, "/bin/true");
    assert_int_equal(node_config_diff(&a, &b, NODE_KEYS_ALL, names, sizeof names), 3);
    assert_string_equal(names, "max_content_length, rate_per_minute, escalation_hook");
    node_config_defaults(&b, "B"); /* the title names the party */
    assert_int_equal(node_config_diff(&a, &b, NODE_KEYS_ALL, names, 8), 1);
    assert_string_equal(names, "title");
    b.threads = a.threads + 1;
    b.timeout_s = a.timeout_s + 1;
    assert_int_equal(node_config_diff(&a, &b, NODE_KEYS_ALL, names, 10), 3);
    assert_int_equal(strlen(names), 9); /* "title, th": cut, terminated */
}

/* What a running node applies on SIGHUP and what takes a restart. */
static void test_config_live_keys(void **state)
{
    (void)state;
    struct node_config a, b;
    char names[256];
    node_config_defaults(&a, "A");
    node_config_defaults(&b, "B"); /* title */
    b.max_objects = 7;
    b.status_retention_days = 30;
    snprintf(b.escalation_hook, sizeof b.escalation_hook, "/bin/true");
    b.timeout_s = a.timeout_s + 1;
    b.threads = a.threads + 1;
    snprintf(b.listen, sizeof b.listen, "127.0.0.1:9");
    assert_int_equal(node_config_diff(&a, &b, NODE_KEYS_LIVE, names, sizeof names), 4);
    assert_string_equal(names, "title, max_objects, escalation_hook, status_retention_days");
    assert_int_equal(node_config_diff(&a, &b, NODE_KEYS_RESTART, names, sizeof names), 3);
    assert_string_equal(names, "listen, threads, timeout_s");
    node_config_take_live(&a, &b);
    assert_int_equal(node_config_diff(&a, &b, NODE_KEYS_LIVE, names, sizeof names), 0);
    assert_int_equal(node_config_diff(&a, &b, NODE_KEYS_ALL, names, sizeof names), 3);
    assert_string_equal(a.title, b.title);
    assert_int_equal(a.max_objects, 7);
    assert_int_equal(a.status_retention_days, 30);
    assert_string_equal(a.escalation_hook, "/bin/true");
    assert_int_not_equal(a.timeout_s, b.timeout_s);
}

static void test_listen_addresses(void **state)
{
    (void)state;
    static const char *const good[] = {"127.0.0.1:0", "0.0.0.0:443", "[::1]:8443", "[::]:1",
                                       "10.1.2.3:65535"};
    static const char *const bad[] = {"localhost:80", "127.0.0.1",    "127.0.0.1:65536", "[::1:80",
                                      "::1:80",       "127.0.0.1:-1", "127.0.0.1:",      "1.2.3:4",
                                      ":80",          "[]:80",        "127.0.0.1:8x"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(node_listen_check(good[i], NULL), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (node_listen_check(bad[i], NULL) != -HL_E_INVALID)
            fail_msg("'%s' was accepted", bad[i]);
    assert_int_equal(node_listen_check(NULL, NULL), -HL_E_INVALID);
}

/* The CN of the certificate in pem. */
static void cert_cn(const struct buf *pem, char *out, size_t size)
{
    gnutls_x509_crt_t crt;
    gnutls_datum_t d = {(unsigned char *)pem->data, (unsigned)pem->len};
    assert_int_equal(gnutls_x509_crt_init(&crt), 0);
    assert_int_equal(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
    assert_int_equal(
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &size), 0);
    gnutls_x509_crt_deinit(crt);
}

static void test_made_certificate_checks_and_mismatched_key_does_not(void **state)
{
    struct fx *f = *state;
    struct buf c1, k1, c2, k2;
    struct node_tls_info i1, i2, chk;
    buf_init(&c1, NODE_TLS_FILE_MAX);
    buf_init(&k1, NODE_TLS_FILE_MAX);
    buf_init(&c2, NODE_TLS_FILE_MAX);
    buf_init(&k2, NODE_TLS_FILE_MAX);
    assert_int_equal(node_tls_generate("CERT A", &c1, &k1, &i1, &f->err), 0);
    assert_int_equal(node_tls_generate("CERT B", &c2, &k2, &i2, &f->err), 0);
    assert_non_null(strstr(c1.data, "-----BEGIN CERTIFICATE-----"));
    assert_non_null(strstr(k1.data, "-----BEGIN PRIVATE KEY-----"));
    assert_int_equal(strlen(i1.fingerprint), 64);
    assert_string_not_equal(i1.fingerprint, i2.fingerprint);
    assert_int_equal(i1.not_after - i1.not_before, 730 * 86400 + 3600);
    assert_int_equal(node_tls_check(&c1, &k1, &chk, &f->err), 0);
    assert_string_equal(chk.fingerprint, i1.fingerprint);
    assert_int_equal(node_tls_check(&c1, &k2, &chk, &f->err), -HL_E_VERIFY);
    assert_non_null(strstr(f->err.msg, "does not belong"));
    assert_int_equal(node_tls_check(&k1, &k1, &chk, &f->err), -HL_E_PARSE);
    assert_int_equal(node_tls_check(&c1, &c1, &chk, &f->err), -HL_E_PARSE);
    buf_release(&c1);
    buf_release(&c2);
    node_tls_wipe(&k1);
    node_tls_wipe(&k2);
}

static void test_common_name_is_cut_on_a_utf8_boundary(void **state)
{
    struct fx *f = *state;
    char name[200], cn[256];
    struct buf c, k;
    struct node_tls_info info;
    /* 63 ASCII bytes, then 'é' (2 bytes) across the 64-byte limit. */
    memset(name, 'n', 63);
    snprintf(name + 63, sizeof name - 63, "\xc3\xa9tail");
    buf_init(&c, NODE_TLS_FILE_MAX);
    buf_init(&k, NODE_TLS_FILE_MAX);
    assert_int_equal(node_tls_generate(name, &c, &k, &info, &f->err), 0);
    cert_cn(&c, cn, sizeof cn);
    assert_int_equal(strlen(cn), 63);
    buf_release(&c);
    node_tls_wipe(&k);
}

static void test_tls_read_refuses_a_private_key_others_can_read(void **state)
{
    struct fx *f = *state;
    char path[160];
    struct buf b;
    snprintf(path, sizeof path, "%s/tls.key", f->dir);
    write_text(path, "secret", 6);
    assert_int_equal(chmod(path, 0640), 0);
    buf_init(&b, NODE_TLS_FILE_MAX);
    assert_int_equal(node_tls_read(path, true, &b, &f->err), -HL_E_PERM);
    assert_non_null(strstr(f->err.msg, "chmod 600"));
    assert_int_equal(node_tls_read(path, false, &b, &f->err), 0); /* a given file, to copy */
    assert_string_equal(b.data, "secret");
    node_tls_wipe(&b);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(node_tls_read(path, true, &b, &f->err), 0);
    node_tls_wipe(&b);
    snprintf(path, sizeof path, "%s/missing", f->dir);
    assert_int_equal(node_tls_read(path, true, &b, &f->err), -HL_E_NOT_FOUND);
    node_tls_wipe(&b);
}

/* What another process (a command line, a second serve) finds in dir:
 * bit 0 set if node_serving_read did not return want_read, bit 1 if its
 * address or pid differ from listen and the parent's pid, bit 2 if
 * node_serve_lock_take did not return want_take (naming the pid when
 * HL_E_EXISTS). The child only checks and exits: no cmocka in it. */
static int other_process(const char *dir, int want_read, const char *listen, int want_take)
{
    pid_t parent = getpid(), child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct hl_error err;
        struct node_serve_lock l;
        char got[NODE_LISTEN_MAX + 1] = "", pidtext[32];
        long pid = 0;
        int bad = 0;
        int r = node_serving_read(dir, got, &pid, &err);
        bad |= r != want_read;
        bad |= (!r && (strcmp(got, listen) != 0 || pid != (long)parent)) << 1;
        r = node_serve_lock_take(dir, &l, &err);
        snprintf(pidtext, sizeof pidtext, "(pid %ld)", (long)parent);
        bad |= (r != want_take || (r == -HL_E_EXISTS && !strstr(err.msg, pidtext))) << 2;
        if (!r)
            node_serve_lock_release(&l);
        _exit(bad);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_serve_lock_is_one_server_and_its_address(void **state)
{
    struct fx *f = *state;
    struct node_serve_lock l;
    char path[160], got[NODE_LISTEN_MAX + 1];
    long pid;
    snprintf(path, sizeof path, "%s/%s", f->dir, NODE_SERVE_LOCK_FILE);
    assert_int_equal(node_serving_read(f->dir, got, &pid, &f->err), -HL_E_NOT_FOUND);
    /* A file a crashed server left, with no lock on it: nobody serves. */
    write_text(path, "127.0.0.1:4321\n", 15);
    assert_int_equal(other_process(f->dir, -HL_E_NOT_FOUND, NULL, 0), 0);
    /* Taken (and emptied): a second server is refused; not listening yet. */
    assert_int_equal(node_serve_lock_take(f->dir, &l, &f->err), 0);
    assert_int_equal(other_process(f->dir, -HL_E_NOT_FOUND, NULL, -HL_E_EXISTS), 0);
    assert_int_equal(node_serve_lock_publish(&l, "127.0.0.1:4321", &f->err), 0);
    assert_int_equal(other_process(f->dir, 0, "127.0.0.1:4321", -HL_E_EXISTS), 0);
    assert_int_equal(node_serve_lock_publish(&l, "[::1]:8443", &f->err), 0);
    assert_int_equal(other_process(f->dir, 0, "[::1]:8443", -HL_E_EXISTS), 0);
    assert_int_equal(node_serve_lock_publish(&l, "not an address", &f->err), 0);
    assert_int_equal(other_process(f->dir, -HL_E_PARSE, NULL, -HL_E_EXISTS), 0);
    /* A clean stop: the file goes, and another server may start. */
    node_serve_lock_release(&l);
    node_serve_lock_release(&l); /* again: nothing */
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(other_process(f->dir, -HL_E_NOT_FOUND, NULL, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_written_config_reads_back_as_the_defaults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_values_are_read_and_absent_keys_keep_defaults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_errors_name_the_line, setup, teardown),
        cmocka_unit_test(test_listen_addresses),
        cmocka_unit_test(test_config_diff_names_what_changed),
        cmocka_unit_test(test_config_live_keys),
        cmocka_unit_test_setup_teardown(test_made_certificate_checks_and_mismatched_key_does_not,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_common_name_is_cut_on_a_utf8_boundary, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tls_read_refuses_a_private_key_others_can_read, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_serve_lock_is_one_server_and_its_address, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
