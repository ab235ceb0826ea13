/*
 * test_context_load.c - load_cert_chain (files, passwords, callbacks),
 * load_verify_locations (cafile, capath, cadata), load_default_certs,
 * set_default_verify_paths, load_dh_params and session_stats, with
 * differential tests against Python's ssl module at the end.
 *
 * Fixtures: tests/fixtures/gen_base.sh and gen_load.sh.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "harness.h"
#include "internal.h"

#define PEM_LIB_ERRNO 524297 /* ERR_R_PEM_LIB as Python's errno: (1 << 19) | 9 */

/* ---- helpers ------------------------------------------------------------- */

static cssl_context *new_ctx(int protocol)
{
    cssl_context *ctx = cssl_context_new(protocol);
    REQUIRE(ctx != NULL);
    return ctx;
}

static cssl_context *server_ctx(void)
{
    return new_ctx(CSSL_PROTOCOL_TLS_SERVER);
}

/* The thread's message is exactly "<text> (<file>:<line>)". */
static bool msg_at(const char *text, const char *file)
{
    const char *m = cssl_error_message();
    size_t tl = strlen(text), fl = strlen(file);
    if (strncmp(m, text, tl) != 0 || strncmp(m + tl, " (", 2) != 0 ||
        strncmp(m + tl + 2, file, fl) != 0 || m[tl + 2 + fl] != ':')
        return false;
    const char *p = m + tl + 3 + fl;
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p))
        p++;
    return strcmp(p, ")") == 0;
}

/* expr fails with status st and "text (file:N)", library lib, reason reason
 * and errno err. */
#define CHECK_RAISED_AT(expr, st, text, file, lib, reason, err)                \
    do {                                                                       \
        cssl_error_clear();                                                    \
        CHECK_INT((expr), (st));                                               \
        CHECK_INT(cssl_error_status(), (st));                                  \
        if (!msg_at((text), (file)))                                           \
            harness_fail(__FILE__, __LINE__, "message \"%s\" is not \"%s (%s:N)\"",   \
                         cssl_error_message(), (text), (file));                \
        CHECK_STR(cssl_error_library(), (lib));                                \
        CHECK_STR(cssl_error_reason(), (reason));                              \
        CHECK_INT(cssl_error_errno(), (err));                                  \
    } while (0)

#define CHECK_PEM_LIB(expr)                                                    \
    CHECK_RAISED_AT((expr), CSSL_ESSL, "[SSL] PEM lib", "context_load.c", "SSL", NULL, \
                    PEM_LIB_ERRNO)

/* expr fails with CSSL_EOS, errno err, "[Errno N] text: 'path'". */
#define CHECK_OS_ERROR(expr, err, path)                                        \
    do {                                                                       \
        char want_[1200];                                                      \
        snprintf(want_, sizeof want_, "[Errno %d] %s: '%s'", (err), strerror(err), (path)); \
        CHECK_ERR((expr), CSSL_EOS, want_);                                    \
        CHECK_INT(cssl_error_errno(), (err));                                  \
        CHECK(cssl_error_library() == NULL);                                   \
    } while (0)

/* A fixture path that stays valid (fixture() rotates 8 buffers). */
static char *fx(const char *name)
{
    static char bufs[16][1024];
    static int slot;
    char *b = bufs[slot++ % 16];
    snprintf(b, sizeof bufs[0], "%s", fixture(name));
    return b;
}

static char *read_fixture(const char *name, size_t *len)
{
    char *data = read_file(fixture(name), len);
    REQUIRE(data != NULL);
    return data;
}

/* Certificates and CRLs in the context's trust store. */
static void store_counts(const cssl_context *ctx, int *certs, int *crls)
{
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx->ssl_ctx));
    *certs = *crls = 0;
    for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
        int type = X509_OBJECT_get_type(sk_X509_OBJECT_value(objs, i));
        *certs += type == X509_LU_X509;
        *crls += type == X509_LU_CRL;
    }
}

static int store_certs(const cssl_context *ctx)
{
    int certs, crls;
    store_counts(ctx, &certs, &crls);
    return certs;
}

static X509 *load_x509(const char *name)
{
    BIO *b = BIO_new_file(fixture(name), "r");
    REQUIRE(b != NULL);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    REQUIRE(x != NULL);
    return x;
}

/* X509_verify_cert of a fixture certificate against the context's store:
 * 1 if it verifies; otherwise the negated X509_V_ERR code. */
static int verify_with_store(const cssl_context *ctx, const char *name)
{
    X509 *leaf = load_x509(name);
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    REQUIRE(sctx != NULL);
    REQUIRE(X509_STORE_CTX_init(sctx, SSL_CTX_get_cert_store(ctx->ssl_ctx), leaf, NULL) == 1);
    int ok = X509_verify_cert(sctx);
    int result = ok == 1 ? 1 : -X509_STORE_CTX_get_error(sctx);
    X509_STORE_CTX_free(sctx);
    X509_free(leaf);
    ERR_clear_error();
    return result;
}

/* The certificate and key of the context's current slot. */
static X509 *ctx_cert(const cssl_context *ctx)
{
    return SSL_CTX_get0_certificate(ctx->ssl_ctx);
}

static bool same_cert(X509 *x, const char *name)
{
    X509 *want = load_x509(name);
    bool same = x != NULL && X509_cmp(x, want) == 0;
    X509_free(want);
    return same;
}

/* A password of n 'p's (n < 2048). */
static const char *password_of(size_t n)
{
    static char buf[2048];
    REQUIRE(n < sizeof buf);
    memset(buf, 'p', n);
    buf[n] = '\0';
    return buf;
}

/* ---- password callback recorder ------------------------------------------ */

typedef struct pw_rec {
    const char *answer; /* copied into buf; its full length returned */
    ssize_t fail;       /* if < 0 returned instead (after 'record') */
    bool record;        /* call a failing cssl function first */
    int calls;
    size_t size_seen;
    void *userdata_seen;
} pw_rec;

static ssize_t pw_record_cb(char *buf, size_t size, void *userdata)
{
    pw_rec *rec = userdata;
    rec->calls++;
    rec->size_seen = size;
    rec->userdata_seen = userdata;
    if (rec->record)
        cssl_context_free(cssl_context_new(999)); /* records CSSL_EVALUE */
    if (rec->fail < 0)
        return rec->fail;
    size_t len = strlen(rec->answer);
    memcpy(buf, rec->answer, len < size ? len : size);
    return (ssize_t)len;
}

/* ======================================================================== */
/* load_cert_chain                                                          */
/* ======================================================================== */

TEST(chain_null_arguments)
{
    CHECK_ERR(cssl_context_load_cert_chain(NULL, fx("keycert.pem"), NULL, NULL), CSSL_EVALUE,
              "ctx must not be NULL");
    CHECK_ERR(cssl_context_load_cert_chain_cb(NULL, fx("keycert.pem"), NULL, NULL, NULL),
              CSSL_EVALUE, "ctx must not be NULL");
    cssl_context *ctx = server_ctx();
    CHECK_ERR(cssl_context_load_cert_chain(ctx, NULL, fx("server.key"), NULL), CSSL_EVALUE,
              "certfile should be a valid filesystem path");
    CHECK_ERR(cssl_context_load_cert_chain_cb(ctx, NULL, NULL, pw_record_cb, NULL),
              CSSL_EVALUE, "certfile should be a valid filesystem path");
    CHECK(ctx_cert(ctx) == NULL);
    cssl_context_free(ctx);
}

TEST(chain_combined_file)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("keycert.pem"), NULL, NULL));
    CHECK(same_cert(ctx_cert(ctx), "server.pem"));
    CHECK(SSL_CTX_get0_privatekey(ctx->ssl_ctx) != NULL);
    CHECK_INT(SSL_CTX_check_private_key(ctx->ssl_ctx), 1);
    cssl_context_free(ctx);
}

TEST(chain_separate_files)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("client.pem"), fx("client.key"), NULL));
    CHECK(same_cert(ctx_cert(ctx), "client.pem"));
    CHECK_INT(SSL_CTX_check_private_key(ctx->ssl_ctx), 1);
    cssl_context_free(ctx);
}

TEST(chain_with_intermediate)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("server_chain.pem"), fx("server.key"), NULL));
    CHECK(same_cert(ctx_cert(ctx), "server.pem"));
    STACK_OF(X509) *chain = NULL;
    REQUIRE(SSL_CTX_get0_chain_certs(ctx->ssl_ctx, &chain) == 1);
    CHECK_INT(sk_X509_num(chain), 1);
    if (sk_X509_num(chain) == 1)
        CHECK(same_cert(sk_X509_value(chain, 0), "ca.pem"));
    /* A reload without intermediates drops them (no chain: NULL). */
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("keycert.pem"), NULL, NULL));
    REQUIRE(SSL_CTX_get0_chain_certs(ctx->ssl_ctx, &chain) == 1);
    CHECK(chain == NULL);
    cssl_context_free(ctx);
}

TEST(chain_ecdsa)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("ecdsa.pem"), fx("ecdsa.key"), NULL));
    CHECK(same_cert(ctx_cert(ctx), "ecdsa.pem"));
    CHECK_INT(EVP_PKEY_get_base_id(SSL_CTX_get0_privatekey(ctx->ssl_ctx)), EVP_PKEY_EC);
    cssl_context_free(ctx);
}

/* An RSA and an ECDSA certificate live side by side, as in Python. */
TEST(chain_rsa_and_ecdsa_slots)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("keycert.pem"), NULL, NULL));
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("ecdsa.pem"), fx("ecdsa.key"), NULL));
    int found = 0;
    for (int r = SSL_CTX_set_current_cert(ctx->ssl_ctx, SSL_CERT_SET_FIRST); r == 1;
         r = SSL_CTX_set_current_cert(ctx->ssl_ctx, SSL_CERT_SET_NEXT)) {
        X509 *x = SSL_CTX_get0_certificate(ctx->ssl_ctx);
        found |= same_cert(x, "server.pem") ? 1 : same_cert(x, "ecdsa.pem") ? 2 : 4;
        CHECK_INT(SSL_CTX_check_private_key(ctx->ssl_ctx), 1);
    }
    ERR_clear_error();
    CHECK_INT(found, 3);
    cssl_context_free(ctx);
}

TEST(chain_missing_files)
{
    cssl_context *ctx = server_ctx();
    char *missing = fx("missing.pem");
    CHECK_OS_ERROR(cssl_context_load_cert_chain(ctx, missing, NULL, NULL), ENOENT, missing);
    CHECK_OS_ERROR(cssl_context_load_cert_chain(ctx, fx("server.pem"), missing, NULL), ENOENT,
                   missing);
    CHECK_OS_ERROR(cssl_context_load_cert_chain(ctx, "", NULL, NULL), ENOENT, "");
    CHECK_OS_ERROR(cssl_context_load_cert_chain(ctx, fx("server.pem/x"), NULL, NULL), ENOTDIR,
                   fx("server.pem/x"));
    CHECK(ctx_cert(ctx) == NULL);
    cssl_context_free(ctx);
}

TEST(chain_directory)
{
    cssl_context *ctx = server_ctx();
    char *dir = fx("");
    CHECK_OS_ERROR(cssl_context_load_cert_chain(ctx, dir, NULL, NULL), EISDIR, dir);
    CHECK_OS_ERROR(cssl_context_load_cert_chain(ctx, fx("server.pem"), dir, NULL), EISDIR, dir);
    cssl_context_free(ctx);
}

TEST(chain_pem_lib_errors)
{
    cssl_context *ctx = server_ctx();
    /* certificate without key, key without certificate, nothing at all */
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), NULL, NULL));
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.key"), NULL, NULL));
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("empty.pem"), NULL, NULL));
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("garbage.pem"), NULL, NULL));
    /* a keyfile without a key */
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server.pem"), NULL));
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("garbage.pem"), NULL));
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("empty.pem"), NULL));
    CHECK(ctx_cert(ctx) == NULL);
    cssl_context_free(ctx);
}

TEST(chain_key_mismatch)
{
    cssl_context *ctx = server_ctx();
    CHECK_RAISED_AT(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("other.key"), NULL),
                    CSSL_ESSL, "[X509: KEY_VALUES_MISMATCH] key values mismatch",
                    "context_load.c", "X509", "KEY_VALUES_MISMATCH", 116);
    CHECK_RAISED_AT(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("client.key"), NULL),
                    CSSL_ESSL, "[X509: KEY_VALUES_MISMATCH] key values mismatch",
                    "context_load.c", "X509", "KEY_VALUES_MISMATCH", 116);
    CHECK(ctx_cert(ctx) == NULL);
    cssl_context_free(ctx);
}

/* A key of another type: Python (OpenSSL's slots) says no certificate. */
TEST(chain_key_type_mismatch)
{
    cssl_context *ctx = server_ctx();
    CHECK_RAISED_AT(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("ecdsa.key"), NULL),
                    CSSL_ESSL, "[SSL: NO_CERTIFICATE_ASSIGNED] no certificate assigned",
                    "context_load.c", "SSL", "NO_CERTIFICATE_ASSIGNED", 177);
    CHECK_RAISED_AT(cssl_context_load_cert_chain(ctx, fx("ecdsa.pem"), fx("server.key"), NULL),
                    CSSL_ESSL, "[SSL: NO_CERTIFICATE_ASSIGNED] no certificate assigned",
                    "context_load.c", "SSL", "NO_CERTIFICATE_ASSIGNED", 177);
    CHECK(ctx_cert(ctx) == NULL);
    cssl_context_free(ctx);
}

TEST(chain_security_level)
{
    cssl_context *ctx = server_ctx();
    CHECK_RAISED_AT(cssl_context_load_cert_chain(ctx, fx("weak.pem"), fx("weak.key"), NULL),
                    CSSL_ESSL, "[SSL: EE_KEY_TOO_SMALL] ee key too small", "context_load.c",
                    "SSL", "EE_KEY_TOO_SMALL", 399);
    CHECK_RAISED_AT(cssl_context_load_cert_chain(ctx, fx("chain_weakca.pem"), fx("server.key"),
                                                 NULL),
                    CSSL_ESSL, "[SSL: CA_KEY_TOO_SMALL] ca key too small", "context_load.c",
                    "SSL", "CA_KEY_TOO_SMALL", 397);
    CHECK(ctx_cert(ctx) == NULL);
    /* Allowed once the level permits RSA 1024. */
    SSL_CTX_set_security_level(ctx->ssl_ctx, 0);
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("weak.pem"), fx("weak.key"), NULL));
    cssl_context_free(ctx);
}

TEST(chain_corrupt_intermediate)
{
    cssl_context *ctx = server_ctx();
    CHECK_RAISED_AT(cssl_context_load_cert_chain(ctx, fx("chain_corrupt.pem"), fx("server.key"),
                                                 NULL),
                    CSSL_ESSL, "[PEM: BAD_END_LINE] bad end line", "context_load.c", "PEM",
                    "BAD_END_LINE", 102);
    CHECK(ctx_cert(ctx) == NULL);
    cssl_context_free(ctx);
}

/* A failed load leaves the certificate, chain and key as they were. */
TEST(chain_failed_load_keeps_context)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("server_chain.pem"), fx("server.key"), NULL));
    EVP_PKEY *key = SSL_CTX_get0_privatekey(ctx->ssl_ctx);
    /* RSA certificate read, then the key does not match. */
    CHECK_INT(cssl_context_load_cert_chain(ctx, fx("client.pem"), fx("other.key"), NULL),
              CSSL_ESSL);
    /* RSA certificate read, then a wrong password. */
    CHECK_INT(cssl_context_load_cert_chain(ctx, fx("client.pem"), fx("server_enc.key"), "x"),
              CSSL_ESSL);
    CHECK_INT(cssl_context_load_cert_chain(ctx, fx("client.pem"), fx("missing.key"), NULL),
              CSSL_EOS);
    CHECK_INT(cssl_context_load_cert_chain(ctx, fx("weak.pem"), fx("weak.key"), NULL),
              CSSL_ESSL);
    CHECK(same_cert(ctx_cert(ctx), "server.pem"));
    CHECK(SSL_CTX_get0_privatekey(ctx->ssl_ctx) == key);
    CHECK_INT(SSL_CTX_check_private_key(ctx->ssl_ctx), 1);
    STACK_OF(X509) *chain = NULL;
    REQUIRE(SSL_CTX_get0_chain_certs(ctx->ssl_ctx, &chain) == 1);
    CHECK_INT(sk_X509_num(chain), 1);
    cssl_context_free(ctx);
}

/* ---- literal passwords ---------------------------------------------------- */

TEST(password_literal)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc.key"),
                                          "somepass"));
    CHECK_INT(SSL_CTX_check_private_key(ctx->ssl_ctx), 1);
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc_trad.key"),
                                          "somepass"));
    /* Not consulted for an unencrypted key. */
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("keycert.pem"), NULL, "whatever"));
    cssl_context_free(ctx);
}

TEST(password_literal_wrong_or_missing)
{
    cssl_context *ctx = server_ctx();
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc.key"),
                                               "wrong"));
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc_trad.key"),
                                               "wrong"));
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc.key"), ""));
    /* No password: fails at once, never prompts on a terminal. */
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc.key"),
                                               NULL));
    CHECK_PEM_LIB(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                                  NULL, NULL));
    CHECK(ctx_cert(ctx) == NULL);
    cssl_context_free(ctx);
}

TEST(password_literal_length_limit)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_pw1024.key"),
                                          password_of(1024)));
    CHECK_ERR(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_pw1024.key"),
                                           password_of(1025)),
              CSSL_EVALUE, "password cannot be longer than 1024 bytes");
    CHECK_ERR(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc_trad.key"),
                                           password_of(1025)),
              CSSL_EVALUE, "password cannot be longer than 1024 bytes");
    /* Python checks the length only when OpenSSL asks for the password. */
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server.key"),
                                          password_of(1025)));
    cssl_context_free(ctx);
}

/* ---- password callbacks ------------------------------------------------------ */

TEST(password_callback)
{
    cssl_context *ctx = server_ctx();
    pw_rec rec = {.answer = "somepass"};
    CHECK_OK(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                             pw_record_cb, &rec));
    CHECK_INT(rec.calls, 1);
    CHECK_INT(rec.size_seen, 1024);
    CHECK(rec.userdata_seen == &rec);
    CHECK_INT(SSL_CTX_check_private_key(ctx->ssl_ctx), 1);
    rec.calls = 0;
    CHECK_OK(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc_trad.key"),
                                             pw_record_cb, &rec));
    CHECK_INT(rec.calls, 1);
    cssl_context_free(ctx);
}

TEST(password_callback_not_called_for_plain_key)
{
    cssl_context *ctx = server_ctx();
    pw_rec rec = {.answer = "somepass"};
    CHECK_OK(cssl_context_load_cert_chain_cb(ctx, fx("keycert.pem"), NULL, pw_record_cb, &rec));
    CHECK_OK(cssl_context_load_cert_chain_cb(ctx, fx("server_chain.pem"), fx("server.key"),
                                             pw_record_cb, &rec));
    CHECK_OK(cssl_context_load_cert_chain_cb(ctx, fx("ecdsa.pem"), fx("ecdsa.key"), pw_record_cb,
                                             &rec));
    CHECK_INT(rec.calls, 0);
    /* Not either when the load fails before or without needing it. */
    CHECK_PEM_LIB(cssl_context_load_cert_chain_cb(ctx, fx("server.key"), NULL, pw_record_cb,
                                                  &rec));
    CHECK_INT(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("other.key"),
                                              pw_record_cb, &rec),
              CSSL_ESSL);
    CHECK_INT(rec.calls, 0);
    cssl_context_free(ctx);
}

/* OpenSSL asks again after a wrong password; the user is asked once. */
TEST(password_callback_called_once)
{
    cssl_context *ctx = server_ctx();
    pw_rec rec = {.answer = "wrong"};
    CHECK_PEM_LIB(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                                  pw_record_cb, &rec));
    CHECK_INT(rec.calls, 1);
    rec.calls = 0;
    CHECK_PEM_LIB(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"),
                                                  fx("server_enc_trad.key"), pw_record_cb, &rec));
    CHECK_INT(rec.calls, 1);
    rec = (pw_rec){.fail = CSSL_EOS};
    CHECK_INT(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                              pw_record_cb, &rec),
              CSSL_EOS);
    CHECK_INT(rec.calls, 1);
    CHECK(ctx_cert(ctx) == NULL);
    cssl_context_free(ctx);
}

TEST(password_callback_length_limit)
{
    cssl_context *ctx = server_ctx();
    pw_rec rec = {.answer = password_of(1024)};
    CHECK_OK(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_pw1024.key"),
                                             pw_record_cb, &rec));
    CHECK_INT(rec.calls, 1);
    rec = (pw_rec){.answer = password_of(1025)};
    CHECK_ERR(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_pw1024.key"),
                                              pw_record_cb, &rec),
              CSSL_EVALUE, "password cannot be longer than 1024 bytes");
    CHECK_INT(rec.calls, 1);
    cssl_context_free(ctx);
}

TEST(password_callback_failure_status)
{
    cssl_context *ctx = server_ctx();
    static const int statuses[] = {CSSL_ESSL, CSSL_EVALUE, CSSL_EOS, CSSL_ENOMEM,
                                   CSSL_EUNSUPPORTED};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        pw_rec rec = {.fail = statuses[i]};
        CHECK_ERR(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                                  pw_record_cb, &rec),
                  statuses[i], "password callback failed");
        CHECK_INT(rec.calls, 1);
        CHECK(cssl_error_library() == NULL);
    }
    pw_rec bad = {.fail = -100};
    CHECK_ERR(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                              pw_record_cb, &bad),
              CSSL_EVALUE, "password callback returned an invalid status -100");
    CHECK(ctx_cert(ctx) == NULL);
    cssl_context_free(ctx);
}

/* The callback's own error details propagate (Python: its exception). */
TEST(password_callback_failure_keeps_details)
{
    cssl_context *ctx = server_ctx();
    pw_rec rec = {.fail = CSSL_EVALUE, .record = true};
    CHECK_ERR(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                              pw_record_cb, &rec),
              CSSL_EVALUE, "invalid or unsupported protocol version 999");
    /* ...but not details of another status than the one returned. */
    rec = (pw_rec){.fail = CSSL_EOS, .record = true};
    CHECK_ERR(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                              pw_record_cb, &rec),
              CSSL_EOS, "password callback failed");
    cssl_context_free(ctx);
}

/* A successful load leaves the thread's error details alone, even when
 * the callback fails a cssl call along the way. */
TEST(password_callback_success_keeps_error_details)
{
    cssl_context *ctx = server_ctx();
    cssl_error_clear();
    CHECK_INT(cssl_context_set_verify_mode(ctx, 42), CSSL_EVALUE);
    pw_rec rec = {.answer = "somepass", .record = true};
    CHECK_OK(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                             pw_record_cb, &rec));
    CHECK_INT(rec.calls, 1);
    CHECK_INT(cssl_error_status(), CSSL_EVALUE);
    CHECK_STR(cssl_error_message(), "invalid value for verify_mode");
    cssl_context_free(ctx);
}

static int sentinel_calls;
static int sentinel_cb(char *buf, int size, int rwflag, void *u)
{
    sentinel_calls++;
    return -1;
}

/* The context's OpenSSL password callback is never replaced, not even for
 * the duration of the load: the password goes straight to the PEM reader. */
TEST(password_context_callback_untouched)
{
    cssl_context *ctx = server_ctx();
    int marker;
    SSL_CTX_set_default_passwd_cb(ctx->ssl_ctx, sentinel_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx->ssl_ctx, &marker);
    pw_rec rec = {.answer = "somepass"};
    CHECK_OK(cssl_context_load_cert_chain_cb(ctx, fx("server.pem"), fx("server_enc.key"),
                                             pw_record_cb, &rec));
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc.key"),
                                          "somepass"));
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc.key"),
                                               "nope"));
    CHECK_PEM_LIB(cssl_context_load_cert_chain(ctx, fx("server.pem"), fx("server_enc.key"),
                                               NULL));
    CHECK(SSL_CTX_get_default_passwd_cb(ctx->ssl_ctx) == sentinel_cb);
    CHECK(SSL_CTX_get_default_passwd_cb_userdata(ctx->ssl_ctx) == &marker);
    CHECK_INT(sentinel_calls, 0);
    cssl_context_free(ctx);
}

/* ======================================================================== */
/* load_verify_locations                                                    */
/* ======================================================================== */

TEST(verify_argument_errors)
{
    CHECK_ERR(cssl_context_load_verify_locations(NULL, fx("ca.pem"), NULL, NULL, 0, 0),
              CSSL_EVALUE, "ctx must not be NULL");
    cssl_context *ctx = server_ctx();
    CHECK_ERR(cssl_context_load_verify_locations(ctx, NULL, NULL, NULL, 0, CSSL_ENCODING_PEM),
              CSSL_EVALUE, "cafile, capath and cadata cannot be all omitted");
    CHECK_ERR(cssl_context_load_verify_locations(ctx, NULL, NULL, NULL, 10, CSSL_ENCODING_DER),
              CSSL_EVALUE, "cafile, capath and cadata cannot be all omitted");
    CHECK_ERR(cssl_context_load_verify_locations(ctx, NULL, NULL, "x", 1, 0), CSSL_EVALUE,
              "cadata_encoding must be CSSL_ENCODING_PEM or CSSL_ENCODING_DER");
    CHECK_ERR(cssl_context_load_verify_locations(ctx, fx("ca.pem"), NULL, "x", 0, 3),
              CSSL_EVALUE, "cadata_encoding must be CSSL_ENCODING_PEM or CSSL_ENCODING_DER");
    CHECK_ERR(cssl_context_load_verify_locations(ctx, NULL, NULL, "", 0, CSSL_ENCODING_PEM),
              CSSL_EVALUE, "Empty certificate data");
    CHECK_ERR(cssl_context_load_verify_locations(ctx, NULL, NULL, "", 0, CSSL_ENCODING_DER),
              CSSL_EVALUE, "Empty certificate data");
    /* Checked before the data is touched. */
    CHECK_ERR(cssl_context_load_verify_locations(ctx, NULL, NULL, "x", (size_t)INT_MAX + 1,
                                                 CSSL_ENCODING_DER),
              CSSL_EVALUE, "Certificate data is too long.");
    /* cadata is ignored when NULL, whatever its length and encoding. */
    CHECK_OK(cssl_context_load_verify_locations(ctx, fx("ca.pem"), NULL, NULL, 5, 99));
    CHECK_INT(store_certs(ctx), 1);
    cssl_context_free(ctx);
}

TEST(cafile)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_INT(verify_with_store(ctx, "server.pem"), -X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    CHECK_OK(cssl_context_load_verify_locations(ctx, fx("ca.pem"), NULL, NULL, 0, 0));
    CHECK_INT(store_certs(ctx), 1);
    CHECK_INT(verify_with_store(ctx, "server.pem"), 1);
    /* Loading it again adds nothing. */
    CHECK_OK(cssl_context_load_verify_locations(ctx, fx("ca.pem"), NULL, NULL, 0, 0));
    CHECK_INT(store_certs(ctx), 1);
    /* Other PEM blocks (a private key) are skipped. */
    CHECK_OK(cssl_context_load_verify_locations(ctx, fx("keycert.pem"), NULL, NULL, 0, 0));
    CHECK_INT(store_certs(ctx), 2);
    cssl_context_free(ctx);
}

TEST(cafile_duplicates_and_crl)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_verify_locations(ctx, fx("ca_dup.pem"), NULL, NULL, 0, 0));
    int certs, crls;
    store_counts(ctx, &certs, &crls);
    CHECK_INT(certs, 2);
    CHECK_INT(crls, 0);
    CHECK_OK(cssl_context_load_verify_locations(ctx, fx("ca_crl.pem"), NULL, NULL, 0, 0));
    store_counts(ctx, &certs, &crls);
    CHECK_INT(certs, 2);
    CHECK_INT(crls, 1);
    /* A CRL alone is enough. */
    cssl_context *ctx2 = server_ctx();
    CHECK_OK(cssl_context_load_verify_locations(ctx2, fx("crl.pem"), NULL, NULL, 0, 0));
    store_counts(ctx2, &certs, &crls);
    CHECK_INT(certs, 0);
    CHECK_INT(crls, 1);
    cssl_context_free(ctx2);
    cssl_context_free(ctx);
}

TEST(cafile_errors)
{
    cssl_context *ctx = server_ctx();
    char *missing = fx("missing.pem"), *dir = fx("");
    CHECK_OS_ERROR(cssl_context_load_verify_locations(ctx, missing, NULL, NULL, 0, 0), ENOENT,
                   missing);
    CHECK_OS_ERROR(cssl_context_load_verify_locations(ctx, dir, NULL, NULL, 0, 0), EISDIR, dir);
    static const char *const none[] = {"garbage.pem", "empty.pem", "server.key"};
    static const char no_cert[] =
        "[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found";
    for (size_t i = 0; i < 3; i++)
        CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, fx(none[i]), NULL, NULL, 0, 0),
                        CSSL_ESSL, no_cert, "context_trust.c", "X509",
                        "NO_CERTIFICATE_OR_CRL_FOUND", 136);
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, fx("chain_corrupt.pem"), NULL, NULL,
                                                       0, 0),
                    CSSL_ESSL, "[X509] PEM lib", "context_trust.c", "X509", NULL,
                    PEM_LIB_ERRNO);
    CHECK_INT(store_certs(ctx), 0);
    cssl_context_free(ctx);
}

TEST(capath)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_load_verify_locations(ctx, NULL, fx("capath"), NULL, 0, 0));
    /* Looked up lazily: nothing in the store until a certificate needs it. */
    CHECK_INT(store_certs(ctx), 0);
    CHECK_INT(verify_with_store(ctx, "server.pem"), 1);
    CHECK_INT(verify_with_store(ctx, "client.pem"), 1);
    CHECK_INT(store_certs(ctx), 1);
    /* ca2 is not in the directory. */
    CHECK_INT(verify_with_store(ctx, "ca2.pem"), -X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    cssl_context_free(ctx);
}

TEST(capath_missing_is_not_an_error)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_load_verify_locations(ctx, NULL, fx("no-such-dir"), NULL, 0, 0));
    CHECK_INT(verify_with_store(ctx, "server.pem"), -X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    /* A file where a directory is expected finds nothing either. */
    CHECK_OK(cssl_context_load_verify_locations(ctx, NULL, fx("ca.pem"), NULL, 0, 0));
    CHECK_INT(verify_with_store(ctx, "server.pem"), -X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, NULL, "", NULL, 0, 0), CSSL_ESSL,
                    "[X509: INVALID_DIRECTORY] invalid directory", "context_trust.c", "X509",
                    "INVALID_DIRECTORY", 113);
    cssl_context_free(ctx);
}

TEST(cafile_and_capath)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_load_verify_locations(ctx, fx("ca2.pem"), fx("capath"), NULL, 0, 0));
    CHECK_INT(store_certs(ctx), 1);
    CHECK_INT(verify_with_store(ctx, "server.pem"), 1);
    CHECK_INT(store_certs(ctx), 2);
    cssl_context_free(ctx);
}

/* ---- cadata ------------------------------------------------------------------ */

TEST(cadata_pem)
{
    size_t n1, n2;
    char *ca = read_fixture("ca.pem", &n1), *ca2 = read_fixture("ca2.pem", &n2);
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_load_verify_locations(ctx, NULL, NULL, ca, n1, CSSL_ENCODING_PEM));
    CHECK_INT(store_certs(ctx), 1);
    CHECK_INT(verify_with_store(ctx, "server.pem"), 1);
    /* Duplicates are ignored: the same data again, and twice in one buffer. */
    CHECK_OK(cssl_context_load_verify_locations(ctx, NULL, NULL, ca, n1, CSSL_ENCODING_PEM));
    size_t len = 2 * n1 + n2 + 64;
    char *multi = malloc(len + 1);
    REQUIRE(multi != NULL);
    len = (size_t)snprintf(multi, len + 1, "leading text\n%s between\n%s%strailing text", ca,
                           ca2, ca);
    CHECK_OK(cssl_context_load_verify_locations(ctx, NULL, NULL, multi, len,
                                                CSSL_ENCODING_PEM));
    CHECK_INT(store_certs(ctx), 2);
    /* Only cadata_len bytes count: here the leading text and the first CA. */
    cssl_context *ctx2 = server_ctx();
    CHECK_OK(cssl_context_load_verify_locations(ctx2, NULL, NULL, multi, 13 + n1,
                                                CSSL_ENCODING_PEM));
    CHECK_INT(store_certs(ctx2), 1);
    cssl_context_free(ctx2);
    free(multi);
    free(ca);
    free(ca2);
    cssl_context_free(ctx);
}

TEST(cadata_der)
{
    size_t n1, n2;
    char *ca = read_fixture("ca.der", &n1), *ca2 = read_fixture("ca2.der", &n2);
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_load_verify_locations(ctx, NULL, NULL, ca, n1, CSSL_ENCODING_DER));
    CHECK_INT(store_certs(ctx), 1);
    CHECK_INT(verify_with_store(ctx, "server.pem"), 1);
    char *both = malloc(2 * n1 + n2);
    REQUIRE(both != NULL);
    memcpy(both, ca, n1);
    memcpy(both + n1, ca2, n2);
    memcpy(both + n1 + n2, ca, n1);
    CHECK_OK(cssl_context_load_verify_locations(ctx, NULL, NULL, both, 2 * n1 + n2,
                                                CSSL_ENCODING_DER));
    CHECK_INT(store_certs(ctx), 2);
    free(both);
    free(ca);
    free(ca2);
    cssl_context_free(ctx);
}

TEST(cadata_der_trailing_garbage)
{
    size_t n;
    char *ca = read_fixture("ca.der", &n);
    char *buf = malloc(n + 2);
    REQUIRE(buf != NULL);
    memcpy(buf, ca, n);
    memcpy(buf + n, "xx", 2);
    cssl_context *ctx = server_ctx();
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, NULL, NULL, buf, n + 2,
                                                       CSSL_ENCODING_DER),
                    CSSL_ESSL, "[ASN1: NOT_ENOUGH_DATA] not enough data", "context_trust.c",
                    "ASN1", "NOT_ENOUGH_DATA", 142);
    buf[n] = 0x30; /* a SEQUENCE without its length (Python 3.13; 3.11 accepted it) */
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, NULL, NULL, buf, n + 1,
                                                       CSSL_ENCODING_DER),
                    CSSL_ESSL, "[ASN1: HEADER_TOO_LONG] header too long", "context_trust.c",
                    "ASN1", "HEADER_TOO_LONG", 123);
    /* Nothing was added: the good certificate before the garbage neither. */
    CHECK_INT(store_certs(ctx), 0);
    free(buf);
    free(ca);
    cssl_context_free(ctx);
}

TEST(cadata_without_certificate)
{
    cssl_context *ctx = server_ctx();
    static const char text[] = "hello, no certificate here\n";
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, NULL, NULL, text, sizeof text - 1,
                                                       CSSL_ENCODING_PEM),
                    CSSL_ESSL, "no start line: cadata does not contain a certificate",
                    "context_trust.c", NULL, NULL, 0);
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, NULL, NULL, text, sizeof text - 1,
                                                       CSSL_ENCODING_DER),
                    CSSL_ESSL, "not enough data: cadata does not contain a certificate",
                    "context_trust.c", NULL, NULL, 0);
    /* Truncated certificates count as none. */
    size_t pem_len, der_len;
    char *pem = read_fixture("ca.pem", &pem_len), *der = read_fixture("ca.der", &der_len);
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, NULL, NULL, pem, pem_len - 30,
                                                       CSSL_ENCODING_PEM),
                    CSSL_ESSL, "no start line: cadata does not contain a certificate",
                    "context_trust.c", NULL, NULL, 0);
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, NULL, NULL, der, der_len - 1,
                                                       CSSL_ENCODING_DER),
                    CSSL_ESSL, "not enough data: cadata does not contain a certificate",
                    "context_trust.c", NULL, NULL, 0);
    /* PEM given as DER and the other way round. */
    CHECK_INT(cssl_context_load_verify_locations(ctx, NULL, NULL, pem, pem_len,
                                                 CSSL_ENCODING_DER),
              CSSL_ESSL);
    CHECK_INT(cssl_context_load_verify_locations(ctx, NULL, NULL, der, der_len,
                                                 CSSL_ENCODING_PEM),
              CSSL_ESSL);
    free(pem);
    free(der);
    CHECK_INT(store_certs(ctx), 0);
    cssl_context_free(ctx);
}

TEST(cadata_corrupt_second_certificate)
{
    size_t n;
    char *data = read_fixture("chain_corrupt.pem", &n);
    cssl_context *ctx = server_ctx();
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, NULL, NULL, data, n,
                                                       CSSL_ENCODING_PEM),
                    CSSL_ESSL, "[PEM: BAD_END_LINE] bad end line", "context_trust.c", "PEM",
                    "BAD_END_LINE", 102);
    /* Python keeps the first certificate; cssl adds nothing. */
    CHECK_INT(store_certs(ctx), 0);
    free(data);
    cssl_context_free(ctx);
}

/* cadata is read first; nothing is added unless cafile loads too. */
TEST(cadata_before_cafile)
{
    size_t n;
    char *ca2 = read_fixture("ca2.pem", &n);
    cssl_context *ctx = server_ctx();
    char *missing = fx("missing.pem");
    CHECK_RAISED_AT(cssl_context_load_verify_locations(ctx, missing, NULL, "junk", 4,
                                                       CSSL_ENCODING_PEM),
                    CSSL_ESSL, "no start line: cadata does not contain a certificate",
                    "context_trust.c", NULL, NULL, 0);
    CHECK_OS_ERROR(cssl_context_load_verify_locations(ctx, missing, NULL, ca2, n,
                                                      CSSL_ENCODING_PEM),
                   ENOENT, missing);
    CHECK_INT(cssl_context_load_verify_locations(ctx, fx("garbage.pem"), fx("capath"), ca2, n,
                                                 CSSL_ENCODING_PEM),
              CSSL_ESSL);
    CHECK_INT(store_certs(ctx), 0);
    CHECK_INT(verify_with_store(ctx, "server.pem"), -X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    /* All three together. */
    CHECK_OK(cssl_context_load_verify_locations(ctx, fx("ca_crl.pem"), fx("capath"), ca2, n,
                                                CSSL_ENCODING_PEM));
    int certs, crls;
    store_counts(ctx, &certs, &crls);
    CHECK_INT(certs, 2);
    CHECK_INT(crls, 1);
    free(ca2);
    cssl_context_free(ctx);
}

/* ======================================================================== */
/* load_default_certs / set_default_verify_paths                            */
/* ======================================================================== */

TEST(default_certs_arguments)
{
    CHECK_ERR(cssl_context_load_default_certs(NULL, CSSL_PURPOSE_SERVER_AUTH), CSSL_EVALUE,
              "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_default_verify_paths(NULL), CSSL_EVALUE, "ctx must not be NULL");
    cssl_context *ctx = server_ctx();
    CHECK_ERR(cssl_context_load_default_certs(ctx, 0), CSSL_EVALUE, "invalid purpose 0");
    CHECK_ERR(cssl_context_load_default_certs(ctx, CSSL_PROTOCOL_TLS_CLIENT), CSSL_EVALUE,
              "invalid purpose 16");
    CHECK_INT(store_certs(ctx), 0);
    cssl_context_free(ctx);
}

/* The same number of certificates as Python's load_default_certs(). */
TEST(default_certs_match_python)
{
    char *out = python_run(
        "import ssl\n"
        "for p in (ssl.Purpose.SERVER_AUTH, ssl.Purpose.CLIENT_AUTH):\n"
        "    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.load_default_certs(p)\n"
        "    print(c.cert_store_stats()['x509'])\n"
        "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.set_default_verify_paths()\n"
        "print(c.cert_store_stats()['x509'])\n",
        NULL);
    int want[3] = {-1, -1, -1};
    REQUIRE(sscanf(out, "%d %d %d", &want[0], &want[1], &want[2]) == 3);
    free(out);
    cssl_context *a = new_ctx(CSSL_PROTOCOL_TLS_CLIENT), *b = new_ctx(CSSL_PROTOCOL_TLS_CLIENT),
                 *c = server_ctx();
    CHECK_OK(cssl_context_load_default_certs(a, CSSL_PURPOSE_SERVER_AUTH));
    CHECK_OK(cssl_context_load_default_certs(b, CSSL_PURPOSE_CLIENT_AUTH));
    CHECK_OK(cssl_context_set_default_verify_paths(c));
    CHECK_INT(store_certs(a), want[0]);
    CHECK_INT(store_certs(b), want[1]);
    CHECK_INT(store_certs(c), want[2]);
    if (want[0] == 0)
        fprintf(stderr, "note: no system CA certificates installed\n");
    cssl_context_free(a);
    cssl_context_free(b);
    cssl_context_free(c);
}

TEST(default_verify_paths_environment)
{
    char *old_file = getenv("SSL_CERT_FILE") ? strdup(getenv("SSL_CERT_FILE")) : NULL;
    char *old_dir = getenv("SSL_CERT_DIR") ? strdup(getenv("SSL_CERT_DIR")) : NULL;
    setenv("SSL_CERT_FILE", fixture("ca_dup.pem"), 1);
    setenv("SSL_CERT_DIR", fixture("capath"), 1);
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_load_default_certs(ctx, CSSL_PURPOSE_SERVER_AUTH));
    CHECK_INT(store_certs(ctx), 2);
    CHECK_INT(verify_with_store(ctx, "server.pem"), 1);
    cssl_context_free(ctx);
    /* A missing default file is not an error. */
    setenv("SSL_CERT_FILE", fixture("missing.pem"), 1);
    setenv("SSL_CERT_DIR", fixture("no-such-dir"), 1);
    ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_set_default_verify_paths(ctx));
    CHECK_INT(store_certs(ctx), 0);
    cssl_context_free(ctx);
    if (old_file)
        setenv("SSL_CERT_FILE", old_file, 1);
    else
        unsetenv("SSL_CERT_FILE");
    if (old_dir)
        setenv("SSL_CERT_DIR", old_dir, 1);
    else
        unsetenv("SSL_CERT_DIR");
    free(old_file);
    free(old_dir);
}

/* ======================================================================== */
/* load_dh_params                                                           */
/* ======================================================================== */

TEST(dh_params)
{
    CHECK_ERR(cssl_context_load_dh_params(NULL, fx("dh.pem")), CSSL_EVALUE,
              "ctx must not be NULL");
    cssl_context *ctx = server_ctx();
    CHECK_ERR(cssl_context_load_dh_params(ctx, NULL), CSSL_EVALUE, "path must not be NULL");
    CHECK_OK(cssl_context_load_dh_params(ctx, fx("dh.pem")));
    CHECK_OK(cssl_context_load_dh_params(ctx, fx("dh3072.pem")));
    /* Client contexts accept them too (Python does not check the role). */
    cssl_context *client = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_load_dh_params(client, fx("dh.pem")));
    cssl_context_free(client);
    cssl_context_free(ctx);
}

TEST(dh_params_file_errors)
{
    cssl_context *ctx = server_ctx();
    char *missing = fx("missing.pem"), *dir = fx("");
    CHECK_OS_ERROR(cssl_context_load_dh_params(ctx, missing), ENOENT, missing);
    CHECK_OS_ERROR(cssl_context_load_dh_params(ctx, dir), EISDIR, dir);
    static const char *const not_dh[] = {"garbage.pem", "empty.pem", "ca.pem", "ecparam.pem",
                                         "server.key"};
    for (size_t i = 0; i < sizeof not_dh / sizeof not_dh[0]; i++)
        CHECK_RAISED_AT(cssl_context_load_dh_params(ctx, fx(not_dh[i])), CSSL_ESSL,
                        "[PEM: NO_START_LINE] no start line", "context_load.c", "PEM",
                        "NO_START_LINE", 108);
    cssl_context_free(ctx);
}

TEST(dh_params_too_small_or_corrupt)
{
    cssl_context *ctx = server_ctx();
    CHECK_RAISED_AT(cssl_context_load_dh_params(ctx, fx("dh1024.pem")), CSSL_ESSL,
                    "[SSL: DH_KEY_TOO_SMALL] dh key too small", "context_load.c", "SSL",
                    "DH_KEY_TOO_SMALL", 394);
    CHECK_RAISED_AT(cssl_context_load_dh_params(ctx, fx("dhx1024.pem")), CSSL_ESSL,
                    "[SSL: DH_KEY_TOO_SMALL] dh key too small", "context_load.c", "SSL",
                    "DH_KEY_TOO_SMALL", 394);
    CHECK_RAISED_AT(cssl_context_load_dh_params(ctx, fx("dh_corrupt.pem")), CSSL_ESSL,
                    "[PEM] ASN1 lib", "context_load.c", "PEM", NULL, 524301);
    /* X9.42 parameters are accepted when large enough for the level. */
    SSL_CTX_set_security_level(ctx->ssl_ctx, 1);
    CHECK_OK(cssl_context_load_dh_params(ctx, fx("dhx1024.pem")));
    CHECK_OK(cssl_context_load_dh_params(ctx, fx("dh1024.pem")));
    cssl_context_free(ctx);
}

/* Move bytes between the two ends of an in-memory handshake. */
static bool pump(SSL *client, SSL *server)
{
    for (int round = 0; round < 50; round++) {
        int rc = SSL_do_handshake(client), rs = SSL_do_handshake(server);
        if (rc == 1 && rs == 1)
            return true;
        int ec = SSL_get_error(client, rc), es = SSL_get_error(server, rs);
        if ((rc != 1 && ec != SSL_ERROR_WANT_READ) || (rs != 1 && es != SSL_ERROR_WANT_READ))
            return false;
    }
    return false;
}

/* The loaded parameters are the ones a DHE handshake uses. */
TEST(dh_params_used_by_dhe_handshake)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("keycert.pem"), NULL, NULL));
    CHECK_OK(cssl_context_load_dh_params(ctx, fx("dh3072.pem")));
    REQUIRE(SSL_CTX_set_cipher_list(ctx->ssl_ctx, "DHE-RSA-AES128-GCM-SHA256") == 1);
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    REQUIRE(cctx != NULL);
    REQUIRE(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION) == 1);
    REQUIRE(SSL_CTX_set_cipher_list(cctx, "DHE-RSA-AES128-GCM-SHA256") == 1);
    SSL *client = SSL_new(cctx), *server = SSL_new(ctx->ssl_ctx);
    REQUIRE(client != NULL && server != NULL);
    BIO *c_end, *s_end;
    REQUIRE(BIO_new_bio_pair(&c_end, 0, &s_end, 0) == 1);
    SSL_set_bio(client, c_end, c_end);
    SSL_set_bio(server, s_end, s_end);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    bool ok = pump(client, server);
    CHECK(ok);
    if (ok) {
        EVP_PKEY *peer = NULL;
        REQUIRE(SSL_get_peer_tmp_key(client, &peer) == 1);
        CHECK_INT(EVP_PKEY_get_bits(peer), 3072);
        CHECK(EVP_PKEY_is_a(peer, "DH"));
        EVP_PKEY_free(peer);
    }
    ERR_clear_error();
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    cssl_context_free(ctx);
}

/* ======================================================================== */
/* session_stats                                                            */
/* ======================================================================== */

TEST(session_stats)
{
    cssl_session_stats st;
    CHECK_ERR(cssl_context_session_stats(NULL, &st), CSSL_EVALUE, "ctx must not be NULL");
    cssl_context *ctx = server_ctx();
    CHECK_ERR(cssl_context_session_stats(ctx, NULL), CSSL_EVALUE, "stats must not be NULL");
    memset(&st, 0x5a, sizeof st);
    CHECK_OK(cssl_context_session_stats(ctx, &st));
    CHECK_INT(sizeof st / sizeof st.number, 11);
    const long *fields = &st.number;
    for (int i = 0; i < 11; i++)
        CHECK_INT(fields[i], 0);
    cssl_context_free(ctx);
}

/* The counters follow a handshake: 1 accept on the server. */
TEST(session_stats_count_handshakes)
{
    cssl_context *ctx = server_ctx();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fx("keycert.pem"), NULL, NULL));
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    REQUIRE(cctx != NULL);
    SSL *client = SSL_new(cctx), *server = SSL_new(ctx->ssl_ctx);
    REQUIRE(client != NULL && server != NULL);
    BIO *c_end, *s_end;
    REQUIRE(BIO_new_bio_pair(&c_end, 0, &s_end, 0) == 1);
    SSL_set_bio(client, c_end, c_end);
    SSL_set_bio(server, s_end, s_end);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    CHECK(pump(client, server));
    cssl_session_stats st;
    CHECK_OK(cssl_context_session_stats(ctx, &st));
    CHECK_INT(st.accept, 1);
    CHECK_INT(st.accept_good, 1);
    CHECK_INT(st.connect, 0);
    ERR_clear_error();
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    cssl_context_free(ctx);
}

/* ======================================================================== */
/* Differential tests against Python                                        */
/* ======================================================================== */

TEST(diff_session_stats)
{
    char *out = python_run("import ssl\n"
                           "for k, v in ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)"
                           ".session_stats().items(): print(k, v)\n",
                           NULL);
    cssl_context *ctx = server_ctx();
    cssl_session_stats st;
    CHECK_OK(cssl_context_session_stats(ctx, &st));
    char mine[1024];
    snprintf(mine, sizeof mine,
             "number %ld\nconnect %ld\nconnect_good %ld\nconnect_renegotiate %ld\n"
             "accept %ld\naccept_good %ld\naccept_renegotiate %ld\nhits %ld\nmisses %ld\n"
             "timeouts %ld\ncache_full %ld\n",
             st.number, st.connect, st.connect_good, st.connect_renegotiate, st.accept,
             st.accept_good, st.accept_renegotiate, st.hits, st.misses, st.timeouts,
             st.cache_full);
    CHECK_STR(mine, out);
    free(out);
    cssl_context_free(ctx);
}

/*
 * One load per case, run by both sides. Python prints
 * "type|errno|library|reason|message" with the "(_ssl.c:N)" location
 * replaced by "(LOC)"; cssl's line is built the same way. Where Python's
 * OSError omits the path (load_cert_chain, load_verify_locations) the
 * oracle appends ": 'path'" as cssl deliberately does.
 */
static const char diff_script[] =
    "import json, re, ssl, sys\n"
    "def run(c):\n"
    "    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "    if c['op'] == 'chain':\n"
    "        pw = c.get('pw')\n"
    "        if c.get('pwcb'):\n"
    "            pw = (lambda p=pw: p)\n"
    "        ctx.load_cert_chain(c['cert'], c.get('key'), pw)\n"
    "    elif c['op'] == 'verify':\n"
    "        cadata = None\n"
    "        if c.get('cadata') is not None:\n"
    "            raw = bytes.fromhex(c['cadata'])\n"
    "            cadata = raw.decode('ascii') if c['enc'] == 'pem' else raw\n"
    "        ctx.load_verify_locations(c.get('cafile'), c.get('capath'), cadata)\n"
    "    else:\n"
    "        ctx.load_dh_params(c['path'])\n"
    "for arg in sys.argv[1:]:\n"
    "    c = json.loads(arg)\n"
    "    try:\n"
    "        run(c)\n"
    "        print('OK')\n"
    "        continue\n"
    "    except Exception as e:\n"
    "        name = 'ValueError' if isinstance(e, TypeError) else type(e).__name__\n"
    "        msg = str(e)\n"
    "        if (isinstance(e, OSError) and not isinstance(e, ssl.SSLError)\n"
    "                and e.filename is None and c.get('path_in_msg') is not None):\n"
    "            msg += ': ' + repr(c['path_in_msg'])\n"
    "        msg = re.sub(r' \\(_ssl\\.c:\\d+\\)$', ' (LOC)', msg)\n"
    "        print('|'.join([name, str(getattr(e, 'errno', None)),\n"
    "                        str(getattr(e, 'library', None)),\n"
    "                        str(getattr(e, 'reason', None)), msg]))\n";

enum { OP_CHAIN, OP_VERIFY, OP_DH };

typedef struct dcase {
    int op;
    const char *a, *b;    /* certfile/keyfile, cafile/capath, DH file: fixture names */
    const char *pw;       /* chain: literal password or callback answer */
    bool pwcb;            /* chain: pass pw through a callback */
    const char *cadata;   /* verify: fixture holding cadata, or "=text" */
    const char *suffix;   /* appended to cadata */
    size_t suffix_len;
    size_t trunc;         /* bytes cut from the end of cadata */
    int enc;
    const char *path_in_msg; /* fixture whose path Python's OSError omits */
    bool only313;
} dcase;

/* Fixture names to paths: NULL stays NULL, "/..." and "" are literal,
 * "@dir" is the fixture directory. */
static const char *case_path(const char *name)
{
    if (name == NULL)
        return NULL;
    if (name[0] == '/' || name[0] == '\0')
        return name;
    if (strcmp(name, "@dir") == 0)
        return fx("");
    return fx(name);
}

static unsigned char *case_cadata(const dcase *c, size_t *len)
{
    if (c->cadata == NULL)
        return NULL;
    size_t n = 0;
    char *base;
    if (c->cadata[0] == '=') {
        base = strdup(c->cadata + 1);
        n = strlen(base);
    } else {
        base = read_fixture(c->cadata, &n);
    }
    REQUIRE(base != NULL && c->trunc <= n);
    n -= c->trunc;
    unsigned char *data = malloc(n + c->suffix_len + 1);
    REQUIRE(data != NULL);
    memcpy(data, base, n);
    if (c->suffix_len)
        memcpy(data + n, c->suffix, c->suffix_len);
    free(base);
    *len = n + c->suffix_len;
    return data;
}

/* Append "key":value (value a JSON string or null) to a JSON object. */
static void json_field(char **buf, size_t *len, const char *key, const char *value)
{
    size_t need = *len + strlen(key) + (value ? 6 * strlen(value) : 4) + 16;
    *buf = realloc(*buf, need);
    REQUIRE(*buf != NULL);
    char *p = *buf + *len;
    p += sprintf(p, "%s\"%s\":", *len > 1 ? "," : "", key);
    if (value == NULL) {
        p += sprintf(p, "null");
    } else {
        *p++ = '"';
        for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
            if (*s == '"' || *s == '\\')
                p += sprintf(p, "\\%c", *s);
            else if (*s < 0x20 || *s >= 0x7f)
                p += sprintf(p, "\\u%04x", *s);
            else
                *p++ = (char)*s;
        }
        *p++ = '"';
    }
    *p = '\0';
    *len = (size_t)(p - *buf);
}

static char *case_json(const dcase *c)
{
    char *buf = strdup("{");
    size_t len = 1;
    static const char *const ops[] = {"chain", "verify", "dh"};
    json_field(&buf, &len, "op", ops[c->op]);
    if (c->op == OP_CHAIN) {
        json_field(&buf, &len, "cert", case_path(c->a));
        json_field(&buf, &len, "key", case_path(c->b));
        json_field(&buf, &len, "pw", c->pw);
        if (c->pwcb)
            json_field(&buf, &len, "pwcb", "1");
    } else if (c->op == OP_VERIFY) {
        json_field(&buf, &len, "cafile", case_path(c->a));
        json_field(&buf, &len, "capath", case_path(c->b));
        size_t n = 0;
        unsigned char *data = case_cadata(c, &n);
        char *hex = NULL;
        if (data != NULL) {
            hex = malloc(2 * n + 1);
            REQUIRE(hex != NULL);
            for (size_t i = 0; i < n; i++)
                sprintf(hex + 2 * i, "%02x", data[i]);
            hex[2 * n] = '\0';
        }
        json_field(&buf, &len, "cadata", hex);
        json_field(&buf, &len, "enc", c->enc == CSSL_ENCODING_PEM ? "pem" : "der");
        free(hex);
        free(data);
    } else {
        json_field(&buf, &len, "path", case_path(c->a));
    }
    json_field(&buf, &len, "path_in_msg", case_path(c->path_in_msg));
    buf = realloc(buf, len + 2);
    REQUIRE(buf != NULL);
    strcpy(buf + len, "}");
    return buf;
}

static ssize_t diff_pw_cb(char *buf, size_t size, void *userdata)
{
    const char *pw = userdata;
    size_t len = strlen(pw);
    memcpy(buf, pw, len < size ? len : size);
    return (ssize_t)len;
}

static int run_case_c(const dcase *c)
{
    cssl_context *ctx = server_ctx();
    int r;
    if (c->op == OP_CHAIN && c->pwcb) {
        r = cssl_context_load_cert_chain_cb(ctx, case_path(c->a), case_path(c->b), diff_pw_cb,
                                            (void *)c->pw);
    } else if (c->op == OP_CHAIN) {
        r = cssl_context_load_cert_chain(ctx, case_path(c->a), case_path(c->b), c->pw);
    } else if (c->op == OP_VERIFY) {
        size_t n = 0;
        unsigned char *data = case_cadata(c, &n);
        r = cssl_context_load_verify_locations(ctx, case_path(c->a), case_path(c->b), data, n,
                                               c->enc);
        free(data);
    } else {
        r = cssl_context_load_dh_params(ctx, case_path(c->a));
    }
    cssl_context_free(ctx);
    return r;
}

static const char *os_error_name(int err)
{
    switch (err) {
    case ENOENT: return "FileNotFoundError";
    case EISDIR: return "IsADirectoryError";
    case ENOTDIR: return "NotADirectoryError";
    case EACCES:
    case EPERM: return "PermissionError";
    default: return "OSError";
    }
}

/* cssl's result in the oracle's line format. */
static void c_line(int r, char *out, size_t size)
{
    if (r == CSSL_OK) {
        snprintf(out, size, "OK");
        return;
    }
    const char *type = r == CSSL_ESSL    ? "SSLError"
                       : r == CSSL_EOS   ? os_error_name(cssl_error_errno())
                       : r == CSSL_EVALUE ? "ValueError"
                                          : cssl_strerror(r);
    char err[32];
    if (r == CSSL_EVALUE)
        snprintf(err, sizeof err, "None");
    else
        snprintf(err, sizeof err, "%d", cssl_error_errno());
    char msg[700];
    snprintf(msg, sizeof msg, "%s", cssl_error_message());
    /* " (context_load.c:123)" -> " (LOC)" */
    char *loc = strrchr(msg, '(');
    if (loc != NULL && loc > msg && loc[-1] == ' ' &&
        (strncmp(loc, "(context_load.c:", 16) == 0 || strncmp(loc, "(context_trust.c:", 17) == 0))
        strcpy(loc, "(LOC)");
    const char *lib = cssl_error_library(), *reason = cssl_error_reason();
    snprintf(out, size, "%s|%s|%s|%s|%s", type, err, lib ? lib : "None",
             reason ? reason : "None", msg);
}

static void run_diff(const dcase *cases, size_t n)
{
    const char *args[62];
    char *json[62];
    size_t used = 0;
    REQUIRE(n < 62);
    bool py313 = python_is_313();
    for (size_t i = 0; i < n; i++) {
        if (cases[i].only313 && !py313)
            continue;
        json[used] = case_json(&cases[i]);
        args[used] = json[used];
        used++;
    }
    args[used] = NULL;
    char *out = python_run(diff_script, args);
    char *save = NULL, *line = strtok_r(out, "\n", &save);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (cases[i].only313 && !py313)
            continue;
        REQUIRE(line != NULL);
        cssl_error_clear();
        int r = run_case_c(&cases[i]);
        char mine[1024];
        c_line(r, mine, sizeof mine);
        if (strcmp(mine, line) != 0)
            harness_fail(__FILE__, __LINE__, "case %zu %.240s%s:\n   cssl:   %s\n   Python: %s",
                         i, json[k], strlen(json[k]) > 240 ? "..." : "", mine, line);
        free(json[k++]);
        line = strtok_r(NULL, "\n", &save);
    }
    CHECK(line == NULL);
    free(out);
}

#define CHAIN(...) {.op = OP_CHAIN, __VA_ARGS__}
#define VERIFY(...) {.op = OP_VERIFY, __VA_ARGS__}
#define DH(file) {.op = OP_DH, .a = (file)}

TEST(diff_load_cert_chain)
{
    const dcase cases[] = {
        CHAIN(.a = "missing.pem", .path_in_msg = "missing.pem"),
        CHAIN(.a = "server.pem", .b = "missing.key", .path_in_msg = "missing.key"),
        CHAIN(.a = "", .path_in_msg = ""),
        CHAIN(.a = "@dir", .path_in_msg = "@dir"),
        CHAIN(.a = "server.pem", .b = "@dir", .path_in_msg = "@dir"),
        CHAIN(.a = "server.pem"),
        CHAIN(.a = "server.key"),
        CHAIN(.a = "empty.pem"),
        CHAIN(.a = "garbage.pem"),
        CHAIN(.a = "server.pem", .b = "server.pem"),
        CHAIN(.a = "server.pem", .b = "garbage.pem"),
        CHAIN(.a = "server.pem", .b = "empty.pem"),
        CHAIN(.a = "server.pem", .b = "other.key"),
        CHAIN(.a = "server.pem", .b = "client.key"),
        CHAIN(.a = "server.pem", .b = "ecdsa.key"),
        CHAIN(.a = "ecdsa.pem", .b = "server.key"),
        CHAIN(.a = "ecdsa.pem", .b = "client.key"),
        CHAIN(.a = "weak.pem", .b = "weak.key"),
        CHAIN(.a = "chain_weakca.pem", .b = "server.key"),
        CHAIN(.a = "chain_corrupt.pem", .b = "server.key"),
        CHAIN(.a = "keycert.pem"),
        CHAIN(.a = "server.pem", .b = "server.key"),
        CHAIN(.a = "server_chain.pem", .b = "server.key"),
        CHAIN(.a = "ecdsa.pem", .b = "ecdsa.key"),
        CHAIN(.a = "client.pem", .b = "client.key"),
        CHAIN(.a = "server.pem", .b = "server_enc.key", .pw = "somepass"),
        CHAIN(.a = "server.pem", .b = "server_enc.key", .pw = "wrong"),
        CHAIN(.a = "server.pem", .b = "server_enc.key", .pw = ""),
        CHAIN(.a = "server.pem", .b = "server_enc_trad.key", .pw = "somepass"),
        CHAIN(.a = "server.pem", .b = "server_enc_trad.key", .pw = "wrong"),
        CHAIN(.a = "keycert.pem", .pw = "unused"),
    };
    run_diff(cases, sizeof cases / sizeof cases[0]);
}

TEST(diff_load_cert_chain_password_limits)
{
    /* password_of() has one buffer: keep private copies. */
    char *p1024 = strdup(password_of(1024)), *p1025 = strdup(password_of(1025));
    const dcase cases[] = {
        CHAIN(.a = "server.pem", .b = "server_pw1024.key", .pw = p1024),
        CHAIN(.a = "server.pem", .b = "server_pw1024.key", .pw = p1025),
        CHAIN(.a = "server.pem", .b = "server_enc_trad.key", .pw = p1025),
        CHAIN(.a = "server.pem", .b = "server.key", .pw = p1025),
        CHAIN(.a = "server.pem", .b = "server_pw1024.key", .pw = p1024, .pwcb = true),
        CHAIN(.a = "server.pem", .b = "server_pw1024.key", .pw = p1025, .pwcb = true),
        CHAIN(.a = "server.pem", .b = "server_enc.key", .pw = "somepass", .pwcb = true),
        CHAIN(.a = "server.pem", .b = "server_enc.key", .pw = "wrong", .pwcb = true),
        CHAIN(.a = "server.pem", .b = "server_enc_trad.key", .pw = "wrong", .pwcb = true),
        CHAIN(.a = "keycert.pem", .pw = p1025, .pwcb = true),
    };
    run_diff(cases, sizeof cases / sizeof cases[0]);
    free(p1024);
    free(p1025);
}

TEST(diff_load_verify_locations)
{
    const int PEM = CSSL_ENCODING_PEM, DER = CSSL_ENCODING_DER;
    const dcase cases[] = {
        VERIFY(.enc = PEM),
        VERIFY(.a = "missing.pem", .path_in_msg = "missing.pem"),
        VERIFY(.a = "@dir", .path_in_msg = "@dir"),
        VERIFY(.a = "garbage.pem"),
        VERIFY(.a = "empty.pem"),
        VERIFY(.a = "server.key"),
        VERIFY(.a = "chain_corrupt.pem"),
        VERIFY(.a = "ca.pem"),
        VERIFY(.a = "keycert.pem"),
        VERIFY(.a = "ca_dup.pem"),
        VERIFY(.a = "ca_crl.pem"),
        VERIFY(.a = "crl.pem"),
        VERIFY(.b = "capath"),
        VERIFY(.b = "no-such-dir"),
        VERIFY(.b = ""),
        VERIFY(.a = "ca.pem", .b = "capath"),
        VERIFY(.cadata = "=", .enc = PEM),
        VERIFY(.cadata = "=", .enc = DER),
        VERIFY(.cadata = "=hello", .enc = PEM),
        VERIFY(.cadata = "=hello", .enc = DER),
        VERIFY(.cadata = "ca.pem", .enc = PEM),
        VERIFY(.cadata = "ca_dup.pem", .enc = PEM),
        VERIFY(.cadata = "ca.pem", .suffix = "junk", .suffix_len = 4, .enc = PEM),
        VERIFY(.cadata = "ca.pem", .trunc = 30, .enc = PEM),
        VERIFY(.cadata = "chain_corrupt.pem", .enc = PEM),
        VERIFY(.cadata = "ca.pem", .enc = DER),
        VERIFY(.cadata = "ca.der", .enc = DER),
        VERIFY(.cadata = "ca.der", .suffix = "xx", .suffix_len = 2, .enc = DER),
        /* Python 3.11 stops quietly at these; 3.13 (and cssl) report them. */
        VERIFY(.cadata = "ca.der", .suffix = "\x30", .suffix_len = 1, .enc = DER,
               .only313 = true),
        VERIFY(.cadata = "ca.der", .suffix = "\0", .suffix_len = 1, .enc = DER,
               .only313 = true),
        VERIFY(.cadata = "ca.der", .trunc = 1, .enc = DER),
        VERIFY(.a = "missing.pem", .cadata = "=junk", .enc = PEM),
        VERIFY(.a = "missing.pem", .cadata = "ca.pem", .enc = PEM,
               .path_in_msg = "missing.pem"),
        VERIFY(.a = "garbage.pem", .b = "capath", .cadata = "ca.der", .enc = DER),
    };
    run_diff(cases, sizeof cases / sizeof cases[0]);
}

TEST(diff_load_dh_params)
{
    const dcase cases[] = {
        DH("missing.pem"), DH("@dir"),        DH(""),           DH("garbage.pem"),
        DH("empty.pem"),   DH("ca.pem"),      DH("ecparam.pem"), DH("server.key"),
        DH("dh1024.pem"),  DH("dhx1024.pem"), DH("dh_corrupt.pem"), DH("dh.pem"),
        DH("dh3072.pem"),
    };
    run_diff(cases, sizeof cases / sizeof cases[0]);
}
