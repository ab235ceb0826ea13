/*
 * conn_bio_util.h - helpers of the memory-BIO connection units
 * (test_conn_bio*.c): located-message checks, error snapshots, handshakes
 * that record both sides' failures, and small context builders.
 */
#ifndef CSSL_TEST_CONN_BIO_UTIL_H
#define CSSL_TEST_CONN_BIO_UTIL_H

#include <ctype.h>

#include "tls_util.h"

/* Python's _setSSLError location suffix: msg is exactly text + " (file:N)". */
static inline bool is_located(const char *msg, const char *text, const char *file)
{
    size_t tl = strlen(text), fl = strlen(file);
    if (msg == NULL || strncmp(msg, text, tl) != 0)
        return false;
    const char *p = msg + tl;
    if (strncmp(p, " (", 2) != 0 || strncmp(p + 2, file, fl) != 0 || p[2 + fl] != ':')
        return false;
    p += 3 + fl;
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p))
        p++;
    return strcmp(p, ")") == 0;
}

#define CHECK_LOCATED(msg, text, file)                                         \
    do {                                                                       \
        const char *m_ = (msg);                                                \
        if (!is_located(m_, (text), (file)))                                   \
            harness_fail(__FILE__, __LINE__, "%s == \"%s (%s:N)\": got \"%s\"", #msg, (text), \
                         (file), m_ ? m_ : "(null)");                          \
    } while (0)

/* expr fails with status st and the message "text (file:N)". */
#define CHECK_ERR_AT(expr, st, text, file)                                     \
    do {                                                                       \
        cssl_error_clear();                                                    \
        long long r_ = (long long)(expr);                                      \
        CHECK_INT(r_, st);                                                     \
        CHECK_INT(cssl_error_status(), st);                                    \
        CHECK_LOCATED(cssl_error_message(), (text), (file));                   \
    } while (0)

/* The thread's error details, copied before the next call replaces them. */
typedef struct err_snap {
    int rc;     /* the call's result (CSSL_OK, a WANT, or the failure) */
    int status; /* cssl_error_status() if rc failed, else CSSL_OK */
    int err_no;
    long verify_code;
    bool has_lib, has_reason, has_vmsg;
    char msg[640], lib[32], reason[80], vmsg[320];
} err_snap;

static inline void snap_error(err_snap *e, int rc)
{
    memset(e, 0, sizeof *e);
    e->rc = rc;
    e->verify_code = -1;
    if (rc >= 0)
        return;
    e->status = cssl_error_status();
    e->err_no = cssl_error_errno();
    e->verify_code = cssl_error_verify_code();
    snprintf(e->msg, sizeof e->msg, "%s", cssl_error_message());
    e->has_lib = cssl_error_library() != NULL;
    e->has_reason = cssl_error_reason() != NULL;
    e->has_vmsg = cssl_error_verify_message() != NULL;
    snprintf(e->lib, sizeof e->lib, "%s", e->has_lib ? cssl_error_library() : "None");
    snprintf(e->reason, sizeof e->reason, "%s", e->has_reason ? cssl_error_reason() : "None");
    snprintf(e->vmsg, sizeof e->vmsg, "%s", e->has_vmsg ? cssl_error_verify_message() : "None");
}

static inline bool is_want_rc(int rc)
{
    return rc == CSSL_EWANT_READ || rc == CSSL_EWANT_WRITE;
}

/*
 * Run both handshakes until neither can progress, snapshotting each side's
 * last result. Returns true when both completed.
 */
static inline bool handshake_pair(tls_pair *p, err_snap *ce, err_snap *se)
{
    int rc = CSSL_EWANT_READ, rs = CSSL_EWANT_READ;
    snap_error(ce, rc);
    snap_error(se, rs);
    for (int round = 0; round < 16 && (is_want_rc(rc) || is_want_rc(rs)); round++) {
        if (is_want_rc(rc)) {
            rc = cssl_conn_do_handshake(p->client);
            snap_error(ce, rc);
        }
        size_t moved = pair_pump(p);
        if (is_want_rc(rs)) {
            rs = cssl_conn_do_handshake(p->server);
            snap_error(se, rs);
        }
        moved += pair_pump(p);
        if (moved == 0)
            break;
    }
    return rc == CSSL_OK && rs == CSSL_OK;
}

/* Both handshakes must succeed. */
#define HANDSHAKE_OK(p)                                                        \
    do {                                                                       \
        err_snap ce_, se_;                                                     \
        if (!handshake_pair((p), &ce_, &se_)) {                                \
            harness_fail(__FILE__, __LINE__, "handshake: client %d \"%s\", server %d \"%s\"", \
                         ce_.rc, ce_.msg, se_.rc, se_.msg);                    \
            harness_abort();                                                   \
        }                                                                      \
    } while (0)

/* A TLS_CLIENT context that verifies nothing (check_hostname off, CERT_NONE). */
static inline cssl_context *client_context_noverify(void)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    REQUIRE(ctx != NULL);
    REQUIRE(cssl_context_set_check_hostname(ctx, false) == CSSL_OK);
    REQUIRE(cssl_context_set_verify_mode(ctx, CSSL_CERT_NONE) == CSSL_OK);
    return ctx;
}

/* DER of a fixture certificate file (caller frees with cssl_free). */
static inline uint8_t *fixture_der(const char *name, size_t *len)
{
    cssl_cert *cert = cssl_cert_load(fixture(name));
    REQUIRE(cert != NULL);
    uint8_t *der = cssl_cert_to_der(cert, len);
    REQUIRE(der != NULL);
    cssl_cert_free(cert);
    return der;
}

/* cert is the first certificate of fixture file name. */
static inline bool cert_is_fixture(const cssl_cert *cert, const char *name)
{
    if (cert == NULL)
        return false;
    cssl_cert *want_cert = cssl_cert_load(fixture(name));
    REQUIRE(want_cert != NULL);
    bool eq = cssl_cert_equal(cert, want_cert);
    cssl_cert_free(want_cert);
    return eq;
}

static inline size_t cert_list_len(cssl_cert **list)
{
    size_t n = 0;
    while (list != NULL && list[n] != NULL)
        n++;
    return n;
}

/*
 * list (freed here) holds exactly the certificates of the fixture files
 * named, in order: CHECK_CHAIN(chain, "server.pem", "ca.pem"); an empty
 * list is CHECK_CHAIN(chain, NULL).
 */
#define CHECK_CHAIN(list, ...)                                                 \
    check_chain(__FILE__, __LINE__, (list), (const char *const[]){__VA_ARGS__, NULL})

static inline void check_chain(const char *file, int line, cssl_cert **list,
                               const char *const *names)
{
    size_t want_len = 0;
    while (names[want_len] != NULL)
        want_len++;
    if (list == NULL) {
        harness_fail(file, line, "no chain: %s", cssl_error_message());
        return;
    }
    size_t n = cert_list_len(list);
    if (n != want_len)
        harness_fail(file, line, "chain of %zu certificates, expected %zu", n, want_len);
    for (size_t i = 0; i < n && i < want_len; i++)
        if (!cert_is_fixture(list[i], names[i]))
            harness_fail(file, line, "chain[%zu] is not %s", i, names[i]);
    cssl_cert_list_free(list);
}

/* The value of the first attribute called name in a distinguished name. */
static inline const char *name_value(const cssl_name *dn, const char *name)
{
    for (size_t i = 0; i < dn->count; i++)
        for (size_t j = 0; j < dn->rdns[i].count; j++)
            if (strcmp(dn->rdns[i].entries[j].name, name) == 0)
                return dn->rdns[i].entries[j].value;
    return NULL;
}

/* Pin the highest TLS version of a context. */
static inline cssl_context *with_max_version(cssl_context *ctx, int version)
{
    REQUIRE(cssl_context_set_maximum_version(ctx, version) == CSSL_OK);
    return ctx;
}

#endif
