/*
 * test_context_load_oom.c - allocation failures in the loaders of
 * context_load.c and context_trust.c.
 *
 * Each loader runs once per allocation with that allocation failing
 * (oom_sweep, tests/oom.h), each time on a fresh context. Every run must
 * return CSSL_OK or a recorded failure status, leave OpenSSL's queue empty
 * and leak nothing; a failed run must leave the context's certificates and
 * keys as they were, and its trust store too unless it failed with
 * CSSL_ENOMEM while adding. Each loader must report CSSL_ENOMEM for some
 * failures; OpenSSL loses the cause of others (e.g. "unable to get certs
 * public key" when decoding a key fails), which then surface as CSSL_ESSL.
 */
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "harness.h"
#include "internal.h"
#include "oom.h"

typedef int (*load_fn)(cssl_context *ctx, void *arg);

/* What a failed load must not change. */
typedef struct snapshot {
    X509 *cert;
    EVP_PKEY *key;
    int objects;
} snapshot;

static snapshot take(const cssl_context *ctx)
{
    return (snapshot){
        .cert = SSL_CTX_get0_certificate(ctx->ssl_ctx),
        .key = SSL_CTX_get0_privatekey(ctx->ssl_ctx),
        .objects = sk_X509_OBJECT_num(
            X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx->ssl_ctx))),
    };
}

static cssl_context *fresh_ctx(bool preload)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    REQUIRE(ctx != NULL);
    if (preload)
        REQUIRE(cssl_context_load_cert_chain(ctx, fixture("keycert.pem"), NULL, NULL) == 0);
    return ctx;
}

/* One loader run on a fresh context (made outside the injection). A failed
 * load must leave the context's certificates and keys as they were, and
 * its trust store too unless adding to it ran out of memory half way (the
 * store is filled only after everything has been read). */
typedef struct load_run {
    load_fn fn;
    void *arg;
    bool preload, atomic;
} load_run;

static int sc_load(void *arg)
{
    load_run *l = arg;
    oom_suspend();
    cssl_context *ctx = fresh_ctx(l->preload);
    oom_resume();
    snapshot before = take(ctx);
    int r = l->fn(ctx, l->arg);
    if (r < 0) {
        snapshot after = take(ctx);
        bool partial_ok = !l->atomic && r == CSSL_ENOMEM;
        if (after.cert != before.cert || after.key != before.key ||
            (after.objects != before.objects && !partial_ok))
            harness_fail(__FILE__, __LINE__, "context changed by a failed load (%s)",
                         cssl_error_message());
    }
    cssl_context_free(ctx);
    return r;
}

/*
 * Run fn once per allocation with that allocation failing (oom_sweep).
 * OpenSSL loses the cause of some failures (e.g. "unable to get certs
 * public key" when decoding a key fails), which then surface as CSSL_ESSL.
 */
static int inject(const char *what, load_fn fn, void *arg, bool preload, bool atomic,
                  int *other)
{
    load_run l = {fn, arg, preload, atomic};
    oom_stats st = oom_sweep(what, sc_load, &l, OOM_ALLOW(CSSL_ESSL));
    *other = (int)st.other;
    return (int)st.nomem;
}

static int load_chain_enc(cssl_context *ctx, void *arg)
{
    return cssl_context_load_cert_chain(ctx, fixture("server_chain.pem"),
                                        fixture("server_enc.key"), "somepass");
}

static ssize_t pw_cb(char *buf, size_t size, void *userdata)
{
    memcpy(buf, "somepass", 8);
    return 8;
}

static int load_chain_cb(cssl_context *ctx, void *arg)
{
    return cssl_context_load_cert_chain_cb(ctx, fixture("ecdsa.pem"), fixture("ecdsa.key"),
                                           pw_cb, NULL);
}

static int load_cafile_capath(cssl_context *ctx, void *arg)
{
    return cssl_context_load_verify_locations(ctx, fixture("ca_crl.pem"), fixture("capath"),
                                              NULL, 0, 0);
}

typedef struct blob {
    char *data;
    size_t len;
    int enc;
} blob;

static int load_cadata(cssl_context *ctx, void *arg)
{
    blob *b = arg;
    return cssl_context_load_verify_locations(ctx, NULL, NULL, b->data, b->len, b->enc);
}

static int load_dh(cssl_context *ctx, void *arg)
{
    return cssl_context_load_dh_params(ctx, fixture("dh.pem"));
}

/* Warm OpenSSL's lazily initialised state (providers, error strings, ...)
 * so that failures hit the loaders, not one-time set-up. */
static void warm_up(load_fn fn, void *arg)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    REQUIRE(ctx != NULL);
    CHECK_OK(fn(ctx, arg));
    cssl_context_free(ctx);
    /* and the failure paths' error strings */
    ctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    cssl_context_load_cert_chain(ctx, fixture("server.pem"), fixture("other.key"), NULL);
    cssl_context_load_cert_chain(ctx, fixture("garbage.pem"), NULL, NULL);
    cssl_context_free(ctx);
}

static void report(const char *what, int nomem, int other)
{
    printf("%s: %d runs failed with CSSL_ENOMEM, %d with another status\n", what, nomem, other);
    CHECK(nomem > 0);
}

TEST(oom_load_cert_chain)
{
    int other, nomem;
    warm_up(load_chain_enc, NULL);
    nomem = inject("load_cert_chain", load_chain_enc, NULL, true, true, &other);
    report("load_cert_chain", nomem, other);
    warm_up(load_chain_cb, NULL);
    nomem = inject("load_cert_chain_cb", load_chain_cb, NULL, true, true, &other);
    report("load_cert_chain_cb", nomem, other);
}

TEST(oom_load_verify_locations)
{
    int other, nomem;
    warm_up(load_cafile_capath, NULL);
    nomem = inject("cafile+capath", load_cafile_capath, NULL, false, false, &other);
    report("cafile+capath", nomem, other);
    blob pem = {.enc = CSSL_ENCODING_PEM}, der = {.enc = CSSL_ENCODING_DER};
    pem.data = read_file(fixture("ca_dup.pem"), &pem.len);
    der.data = read_file(fixture("ca.der"), &der.len);
    REQUIRE(pem.data != NULL && der.data != NULL);
    warm_up(load_cadata, &pem);
    nomem = inject("cadata PEM", load_cadata, &pem, false, false, &other);
    report("cadata PEM", nomem, other);
    warm_up(load_cadata, &der);
    nomem = inject("cadata DER", load_cadata, &der, false, false, &other);
    report("cadata DER", nomem, other);
    free(pem.data);
    free(der.data);
}

TEST(oom_load_dh_params)
{
    int other, nomem;
    warm_up(load_dh, NULL);
    nomem = inject("load_dh_params", load_dh, NULL, false, true, &other);
    report("load_dh_params", nomem, other);
}

/*
 * set_default_verify_paths and the default contexts are swept in test_oom,
 * past the OpenSSL 3.0.19 bug found here first: a failed allocation in
 * OSSL_STORE_open_ex() (reached through the X509_LOOKUP_store those paths
 * add) frees the fetched loader twice, and OPENSSL_cleanup() crashes.
 */
