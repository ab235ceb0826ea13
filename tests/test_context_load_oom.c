/*
 * test_context_load_oom.c - allocation failures in the loaders of
 * context_load.c and context_trust.c.
 *
 * OpenSSL's allocator (which cssl uses too) is replaced before the first
 * allocation by a counting one. Each loader then runs once per planned
 * allocation with that allocation failing: the first and the last
 * allocation of every call site (CSSL_OOM_EXHAUSTIVE=1: every allocation,
 * about a minute). Every run must return CSSL_OK or a recorded failure
 * status, leave OpenSSL's queue empty and leak nothing (ASan / valgrind
 * runs); a failed run must leave the context's certificates and keys as
 * they were, and its trust store too unless it failed with CSSL_ENOMEM
 * while adding. Each loader must report CSSL_ENOMEM for some failures;
 * OpenSSL loses the cause of others (e.g. "unable to get certs public key"
 * when decoding a key fails), which then surface as CSSL_ESSL.
 */
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "harness.h"
#include "internal.h"

static long fail_at = -1; /* index of the allocation to fail; -1: none */
static long allocs;
static bool failed;
static bool hooked;

/* Discovery run: the call site of every allocation, in order. */
typedef struct site {
    const char *file;
    int line;
} site;
static site *trace;
static long trace_len, trace_cap;
static bool tracing;

static bool should_fail(const char *file, int line)
{
    if (tracing) {
        if (trace_len == trace_cap) {
            trace_cap = trace_cap ? 2 * trace_cap : 4096;
            trace = realloc(trace, (size_t)trace_cap * sizeof *trace);
            if (trace == NULL)
                abort();
        }
        trace[trace_len++] = (site){file, line};
        return false;
    }
    if (fail_at < 0)
        return false;
    if (allocs++ == fail_at) {
        failed = true;
        return true;
    }
    return false;
}

static void *t_malloc(size_t n, const char *file, int line)
{
    return should_fail(file, line) ? NULL : malloc(n);
}

static void *t_realloc(void *p, size_t n, const char *file, int line)
{
    return should_fail(file, line) ? NULL : realloc(p, n);
}

static void t_free(void *p, const char *file, int line)
{
    free(p);
}

__attribute__((destructor)) static void free_trace(void)
{
    free(trace);
}

__attribute__((constructor(101))) static void install_allocator(void)
{
    hooked = CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free) == 1;
}

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

/*
 * The allocations to fail: by default the first and the last allocation of
 * every distinct call site (OpenSSL passes file and line to the hooks) seen
 * in an undisturbed run; with CSSL_OOM_EXHAUSTIVE set, every allocation.
 */
static long plan(load_fn fn, void *arg, bool preload, long **out)
{
    cssl_context *ctx = fresh_ctx(preload);
    trace_len = 0;
    tracing = true;
    int r = fn(ctx, arg);
    tracing = false;
    cssl_context_free(ctx);
    CHECK_OK(r);
    long *idx = malloc((size_t)(trace_len + 1) * sizeof *idx), count = 0;
    REQUIRE(idx != NULL);
    bool all = getenv("CSSL_OOM_EXHAUSTIVE") != NULL;
    for (long i = 0; i < trace_len; i++) {
        bool first = true, last = true;
        for (long j = 0; j < trace_len && !all && (first || last); j++) {
            if (j == i || trace[j].line != trace[i].line || trace[j].file != trace[i].file)
                continue;
            if (j < i)
                first = false;
            else
                last = false;
        }
        if (all || first || last)
            idx[count++] = i;
    }
    /* One past the end: the run that gets through. */
    idx[count++] = trace_len;
    *out = idx;
    return count;
}

/*
 * Run fn once per planned allocation, that allocation failing. Every run
 * must return CSSL_OK or a recorded failure status with the queue empty;
 * a failure must leave the context as it was (for the trust store:
 * unless adding to it ran out of memory). Returns how many runs failed
 * with CSSL_ENOMEM; *other counts other failure statuses.
 */
static int inject(const char *what, load_fn fn, void *arg, bool preload, bool atomic,
                  int *other)
{
    if (!hooked)
        SKIP("CRYPTO_set_mem_functions refused: OpenSSL allocated before main");
    long *targets = NULL;
    long runs = plan(fn, arg, preload, &targets);
    int nomem = 0;
    *other = 0;
    for (long t = 0; t < runs; t++) {
        long n = targets[t];
        cssl_context *ctx = fresh_ctx(preload);
        snapshot before = take(ctx);
        cssl_error_clear();
        allocs = 0;
        failed = false;
        fail_at = n;
        int r = fn(ctx, arg);
        fail_at = -1;
        if (ERR_peek_error() != 0) {
            char buf[256];
            ERR_error_string_n(ERR_peek_error(), buf, sizeof buf);
            harness_fail(__FILE__, __LINE__,
                         "%s, allocation %ld: returned %d, queue left dirty: %s", what, n, r,
                         buf);
            ERR_clear_error();
        }
        if (getenv("CSSL_OOM_VERBOSE") != NULL && r < 0 && r != CSSL_ENOMEM)
            printf("%s, allocation %ld: %d %s\n", what, n, r, cssl_error_message());
        if (!failed && r != 0)
            harness_fail(__FILE__, __LINE__, "%s without failures: %d %s", what, r,
                         cssl_error_message());
        if (r > 0 || (r < 0 && cssl_error_status() != r))
            harness_fail(__FILE__, __LINE__, "%s, allocation %ld: bad status %d", what, n, r);
        if (r == CSSL_ENOMEM)
            nomem++;
        else if (r < 0)
            (*other)++;
        if (r < 0) {
            /* The trust store is filled only after everything has been
             * read, but adding to it can still run out of memory half way. */
            snapshot after = take(ctx);
            bool partial_ok = !atomic && r == CSSL_ENOMEM;
            if (after.cert != before.cert || after.key != before.key ||
                (after.objects != before.objects && !partial_ok))
                harness_fail(__FILE__, __LINE__, "%s, allocation %ld: context changed (%s)",
                             what, n, cssl_error_message());
        }
        cssl_context_free(ctx);
    }
    printf("%s: %ld allocations, %ld failed in turn\n", what, targets[runs - 1], runs - 1);
    free(targets);
    return nomem;
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
 * No injection test for set_default_verify_paths: on OpenSSL 3.0.19 a failed
 * allocation inside the X509_LOOKUP_store it installs corrupts OpenSSL's
 * OSSL_STORE loader cache, which OPENSSL_cleanup() then frees twice (found
 * by this test under ASan; not a cssl bug).
 */
