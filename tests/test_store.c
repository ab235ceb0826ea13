/*
 * test_store.c - the trust-store queries: cssl_context_get_ca_certs() and
 * cssl_context_cert_store_stats(), compared with Python's get_ca_certs()
 * and cert_store_stats() on the same cafile.
 *
 * The store is filled through OpenSSL directly (SSL_CTX_load_verify_
 * locations, which is what Python's load_verify_locations(cafile) calls),
 * so these tests do not depend on context_load.c.
 */
#include "harness.h"

#include "internal.h"
#include "oom.h"

/* ---- helpers --------------------------------------------------------------- */

/* A client context whose store holds the certificates and CRLs of cafile. */
static cssl_context *context_with(const char *cafile)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    REQUIRE(ctx != NULL);
    if (cafile != NULL)
        REQUIRE(SSL_CTX_load_verify_locations(ctx->ssl_ctx, fixture(cafile), NULL) == 1);
    return ctx;
}

static size_t list_len(cssl_cert **certs)
{
    size_t n = 0;
    while (certs[n] != NULL)
        n++;
    return n;
}

/* Python's answers for cafile, as comparable text. */
static const char PY_STORE[] =
    "import json, ssl, sys\n"
    "def lists(o):\n"
    "    if isinstance(o, (tuple, list)): return [lists(x) for x in o]\n"
    "    if isinstance(o, dict): return {k: lists(v) for k, v in o.items()}\n"
    "    if isinstance(o, bytes): return o.decode('latin-1')\n"
    "    return o\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
    "if sys.argv[1]: ctx.load_verify_locations(sys.argv[1])\n"
    "s = ctx.cert_store_stats()\n"
    "print(list(s) == ['x509', 'crl', 'x509_ca'], s['x509'], s['crl'], s['x509_ca'])\n"
    "print(json.dumps([lists(d) for d in ctx.get_ca_certs()], ensure_ascii=False))\n"
    "print(' '.join(d.hex() for d in ctx.get_ca_certs(binary_form=True)))\n";

/* The same three lines from cssl. */
static char *cssl_store_text(const cssl_context *ctx)
{
    cssl_cert_store_stats st;
    REQUIRE(cssl_context_cert_store_stats(ctx, &st) == CSSL_OK);
    cssl_cert **certs = cssl_context_get_ca_certs(ctx);
    REQUIRE(certs != NULL);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    REQUIRE(out != NULL);
    n += (size_t)snprintf(out + n, cap - n, "True %zu %zu %zu\n[", st.x509, st.crl, st.x509_ca);
    for (size_t i = 0; certs[i] != NULL; i++) {
        char *json = cssl_cert_to_json(certs[i]);
        REQUIRE(json != NULL);
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", json);
        cssl_free(json);
    }
    n += (size_t)snprintf(out + n, cap - n, "]\n");
    for (size_t i = 0; certs[i] != NULL; i++) {
        size_t len;
        uint8_t *der = cssl_cert_to_der(certs[i], &len);
        REQUIRE(der != NULL);
        if (i)
            out[n++] = ' ';
        for (size_t j = 0; j < len && n + 3 < cap; j++)
            n += (size_t)snprintf(out + n, cap - n, "%02x", der[j]);
        cssl_free(der);
    }
    REQUIRE(n + 2 < cap);
    out[n++] = '\n';
    out[n] = '\0';
    cssl_cert_list_free(certs);
    return out;
}

static void compare_with_python(const char *cafile)
{
    cssl_context *ctx = context_with(cafile);
    const char *args[] = {cafile ? fixture(cafile) : "", NULL};
    char *want = python_run(PY_STORE, args);
    char *got = cssl_store_text(ctx);
    CHECK_STR(got, want);
    free(want);
    free(got);
    cssl_context_free(ctx);
}

/* ---- differential tests ---------------------------------------------------- */

/* CA, non-CA leaf, a duplicate, an unrelated CA, a v1 root, a keyCertSign-
 * only certificate and a CRL. */
TEST(python_mixed_store) { compare_with_python("cert/store.pem"); }
TEST(python_no_ca) { compare_with_python("cert/noca.pem"); }
TEST(python_empty_store) { compare_with_python(NULL); }
TEST(python_single_ca) { compare_with_python("ca.pem"); }

/* ---- direct checks --------------------------------------------------------- */

TEST(stats_mixed)
{
    cssl_context *ctx = context_with("cert/store.pem");
    cssl_cert_store_stats st = {99, 99, 99};
    CHECK_OK(cssl_context_cert_store_stats(ctx, &st));
    CHECK_INT(st.x509, 5); /* the duplicate ca.pem is stored once */
    CHECK_INT(st.crl, 1);
    CHECK_INT(st.x509_ca, 4); /* all but server.pem */
    cssl_context_free(ctx);
}

TEST(stats_empty)
{
    cssl_context *ctx = context_with(NULL);
    cssl_cert_store_stats st = {99, 99, 99};
    CHECK_OK(cssl_context_cert_store_stats(ctx, &st));
    CHECK_INT(st.x509, 0);
    CHECK_INT(st.crl, 0);
    CHECK_INT(st.x509_ca, 0);
    cssl_cert **certs = cssl_context_get_ca_certs(ctx);
    REQUIRE(certs != NULL);
    CHECK(certs[0] == NULL);
    cssl_cert_list_free(certs);
    cssl_context_free(ctx);
}

static bool has_subject_cn(cssl_cert **certs, const char *cn)
{
    for (size_t i = 0; certs[i] != NULL; i++) {
        const cssl_name *s = &cssl_cert_get_info(certs[i])->subject;
        const cssl_rdn *last = &s->rdns[s->count - 1];
        if (strcmp(last->entries[0].name, "commonName") == 0 &&
            strcmp(last->entries[0].value, cn) == 0)
            return true;
    }
    return false;
}

TEST(ca_certs_mixed)
{
    cssl_context *ctx = context_with("cert/store.pem");
    cssl_cert **certs = cssl_context_get_ca_certs(ctx);
    REQUIRE(certs != NULL);
    CHECK_INT(list_len(certs), 4);
    CHECK(has_subject_cn(certs, "cssl test CA"));
    CHECK(has_subject_cn(certs, "cssl other CA"));
    CHECK(has_subject_cn(certs, "cssl v1 root"));
    CHECK(has_subject_cn(certs, "cssl keyusage only"));
    CHECK(!has_subject_cn(certs, "localhost"));
    cssl_context_free(ctx); /* the certificates hold their own references */
    cssl_cert *ca = cssl_cert_load(fixture("ca.pem"));
    REQUIRE(ca != NULL);
    bool found = false;
    for (size_t i = 0; certs[i] != NULL; i++)
        found |= cssl_cert_equal(certs[i], ca);
    CHECK(found);
    cssl_cert_free(ca);
    cssl_cert_list_free(certs);
}

TEST(ca_certs_no_ca)
{
    cssl_context *ctx = context_with("cert/noca.pem");
    cssl_cert **certs = cssl_context_get_ca_certs(ctx);
    REQUIRE(certs != NULL);
    CHECK(certs[0] == NULL);
    cssl_cert_list_free(certs);
    cssl_cert_store_stats st;
    CHECK_OK(cssl_context_cert_store_stats(ctx, &st));
    CHECK_INT(st.x509, 2);
    CHECK_INT(st.x509_ca, 0);
    cssl_context_free(ctx);
}

/* Loading more certificates later shows up in the next query. */
TEST(ca_certs_follow_the_store)
{
    cssl_context *ctx = context_with("ca.pem");
    cssl_cert **certs = cssl_context_get_ca_certs(ctx);
    REQUIRE(certs != NULL);
    CHECK_INT(list_len(certs), 1);
    cssl_cert_list_free(certs);
    REQUIRE(SSL_CTX_load_verify_locations(ctx->ssl_ctx, fixture("ca2.pem"), NULL) == 1);
    certs = cssl_context_get_ca_certs(ctx);
    REQUIRE(certs != NULL);
    CHECK_INT(list_len(certs), 2);
    cssl_cert_list_free(certs);
    cssl_context_free(ctx);
}

TEST(null_arguments)
{
    CHECK_NULL_ERR(cssl_context_get_ca_certs(NULL), CSSL_EVALUE, "ctx must not be NULL");
    cssl_cert_store_stats st = {7, 7, 7};
    CHECK_ERR(cssl_context_cert_store_stats(NULL, &st), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_INT(st.x509, 7);
    cssl_context *ctx = context_with(NULL);
    CHECK_ERR(cssl_context_cert_store_stats(ctx, NULL), CSSL_EVALUE, "stats must not be NULL");
    cssl_context_free(ctx);
}

/* ---- allocation failures --------------------------------------------------- */

static cssl_context *oom_ctx;

static int sc_get_ca_certs(void *arg)
{
    cssl_cert **certs = cssl_context_get_ca_certs(oom_ctx);
    if (certs == NULL)
        return oom_status();
    oom_disarm();
    CHECK_INT(list_len(certs), 4);
    cssl_cert_list_free(certs);
    return CSSL_OK;
}

/* stats allocate only the snapshot */
static int sc_store_stats(void *arg)
{
    cssl_cert_store_stats st = {0};
    int r = cssl_context_cert_store_stats(oom_ctx, &st);
    if (r != CSSL_OK) {
        CHECK_STR(cssl_error_message(), "failed to query cert store");
        return r;
    }
    CHECK_INT(st.x509, 5);
    CHECK_INT(st.x509_ca, 4);
    return CSSL_OK;
}

TEST(oom_get_ca_certs)
{
    oom_require();
    oom_ctx = context_with("cert/store.pem");
    char *want = cssl_store_text(oom_ctx);
    oom_sweep("get_ca_certs", sc_get_ca_certs, NULL, 0);
    oom_sweep("cert_store_stats", sc_store_stats, NULL, 0);
    char *again = cssl_store_text(oom_ctx);
    CHECK_STR(again, want);
    free(again);
    free(want);
    cssl_context_free(oom_ctx);
}
