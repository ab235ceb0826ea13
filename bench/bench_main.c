/*
 * bench_main.c - `make bench`: each workload with cssl and with raw OpenSSL
 * in the same process, in interleaved rounds (A B A B ...) so that a noisy
 * machine cannot bias the ratio; prints a Markdown table of medians,
 * min/max and the cssl/OpenSSL ratio. Also: heap per idle connection and
 * default-context creation time.
 *
 *   bench [--rounds N] [--ms MS] [--only WORKLOAD]
 *   bench --iterations WORKLOAD IMPL N   run N operations (for callgrind)
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "bench.h"
#include "cssl.h"
#include "../tools/cssl/mint.h"

static const char *const workloads[] = {"hs13_ecdsa", "hs13_rsa", "resume13", "hs12", "resume12",
                                        "bulk_aes_mem", "bulk_chacha_mem", "bulk_aes_sock"};
#define NWORK (sizeof workloads / sizeof workloads[0])

bool bench_is_bulk(const char *w)
{
    return strncmp(w, "bulk_", 5) == 0;
}

size_t bench_bulk_size(void)
{
    return 16384;
}

/* ---- heap accounting (OpenSSL's allocator, which cssl also uses) ----- */

static atomic_long live_bytes;

static void *count_malloc(size_t n, const char *file, int line)
{
    size_t *p = malloc(n + 16);
    if (p == NULL)
        return NULL;
    *p = n;
    atomic_fetch_add(&live_bytes, (long)n);
    return (char *)p + 16;
}

static void count_free(void *ptr, const char *file, int line)
{
    if (ptr == NULL)
        return;
    size_t *p = (size_t *)((char *)ptr - 16);
    atomic_fetch_sub(&live_bytes, (long)*p);
    free(p);
}

static void *count_realloc(void *ptr, size_t n, const char *file, int line)
{
    if (ptr == NULL)
        return count_malloc(n, file, line);
    size_t *p = (size_t *)((char *)ptr - 16);
    size_t old = *p;
    size_t *q = realloc(p, n + 16);
    if (q == NULL)
        return NULL;
    *q = n;
    atomic_fetch_add(&live_bytes, (long)n - (long)old);
    return (char *)q + 16;
}

/* ---- PKI ------------------------------------------------------------- */

int bench_pki_init(bench_pki *pki)
{
    EVP_PKEY *ca_key = mint_key("ecdsa", 0), *ek = mint_key("ecdsa", 0), *rk = mint_key("rsa", 2048);
    X509 *ca = mint_ca(ca_key, "bench CA", 2);
    const char *names[] = {"localhost"};
    X509 *ec = mint_leaf(ca, ca_key, ek, "localhost", names, 1, false, 2);
    X509 *rc = mint_leaf(ca, ca_key, rk, "localhost", names, 1, false, 2);
    pki->ca_pem = mint_cert_pem(ca);
    pki->ecdsa_cert = mint_cert_pem(ec);
    pki->ecdsa_key = mint_key_pem(ek);
    pki->rsa_cert = mint_cert_pem(rc);
    pki->rsa_key = mint_key_pem(rk);
    X509_free(ca);
    X509_free(ec);
    X509_free(rc);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(ek);
    EVP_PKEY_free(rk);
    return pki->ca_pem && pki->ecdsa_key && pki->rsa_key ? 0 : -1;
}

/* ---- timing ------------------------------------------------------------ */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Operations per second of impl on w over about ms milliseconds. */
static double measure(const bench_impl *impl, void *state, double ms)
{
    long batch = 1, done = 0;
    double start = now(), end = start + ms / 1000.0, t = start;
    while (t < end) {
        if (impl->run(state, batch) < 0)
            return -1;
        done += batch;
        t = now();
        if (t - start < ms / 4000.0)
            batch *= 2;
    }
    return (double)done / (t - start);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stats {
    double median, min, max;
} stats;

static stats summarize(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return (stats){n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
}

static int bench_workload(const bench_pki *pki, const char *w, int rounds, double ms)
{
    const bench_impl *impls[2] = {&bench_cssl, &bench_raw};
    void *state[2];
    for (int k = 0; k < 2; k++)
        if ((state[k] = impls[k]->setup(pki, w)) == NULL)
            return -1;
    double v[2][64];
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < 2; k++) {
            /* Alternate which goes first in each round. */
            int i = (r % 2) ? 1 - k : k;
            v[i][r] = measure(impls[i], state[i], ms);
            if (v[i][r] < 0) {
                fprintf(stderr, "%s failed on %s\n", impls[i]->name, w);
                return -1;
            }
        }
    stats s[2];
    for (int k = 0; k < 2; k++) {
        s[k] = summarize(v[k], rounds);
        impls[k]->teardown(state[k]);
    }
    bool bulk = bench_is_bulk(w);
    double scale = bulk ? (double)bench_bulk_size() / 1e6 : 1; /* MB/s for bulk */
    printf("| %-16s | %9.0f | %9.0f–%-9.0f | %9.0f | %9.0f–%-9.0f | %5.3f | %s |\n", w,
           s[0].median * scale, s[0].min * scale, s[0].max * scale, s[1].median * scale,
           s[1].min * scale, s[1].max * scale, s[0].median / s[1].median,
           bulk ? "MB/s" : "handshakes/s");
    fflush(stdout);
    return 0;
}

/* Heap bytes per established, idle client+server pair, over n pairs. */
static void bench_idle_heap(const bench_pki *pki, int n)
{
    const bench_impl *impls[2] = {&bench_cssl, &bench_raw};
    printf("\n| idle connections (client+server pairs) | heap bytes per pair |\n|---|---|\n");
    for (int k = 0; k < 2; k++) {
        long before = atomic_load(&live_bytes);
        void **states = calloc((size_t)n, sizeof *states);
        /* A "bulk" state is one established pair over memory BIOs. */
        for (int i = 0; i < n; i++)
            states[i] = impls[k]->setup(pki, "bulk_aes_mem");
        long after = atomic_load(&live_bytes);
        /* Subtract the per-pair contexts, measured alone. */
        void *ctx_only = impls[k]->setup(pki, "hs13_ecdsa");
        long ctx_bytes = atomic_load(&live_bytes) - after;
        impls[k]->teardown(ctx_only);
        printf("| %s | %ld |\n", impls[k]->name, (after - before) / n - ctx_bytes);
        for (int i = 0; i < n; i++)
            impls[k]->teardown(states[i]);
        free(states);
    }
}

static void bench_default_context(int rounds)
{
    printf("\n| default client context (system CAs) | first (ms) | next, median (ms) |\n"
           "|---|---|---|\n");
    double first = 0, t[64];
    for (int i = 0; i <= rounds; i++) {
        double start = now();
        cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL,
                                                        NULL, 0, 0);
        double elapsed = (now() - start) * 1000;
        cssl_context_free(ctx);
        if (i == 0)
            first = elapsed;
        else
            t[i - 1] = elapsed;
    }
    printf("| cssl_create_default_context | %.2f | %.2f |\n", first, summarize(t, rounds).median);
    for (int i = 0; i < rounds; i++) {
        double start = now();
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_default_verify_paths(ctx);
        t[i] = (now() - start) * 1000;
        SSL_CTX_free(ctx);
    }
    printf("| SSL_CTX_new + set_default_verify_paths | – | %.2f |\n", summarize(t, rounds).median);
}

int main(int argc, char **argv)
{
    CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
    int rounds = 7;
    double ms = 400;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--ms") == 0 && i + 1 < argc)
            ms = atof(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--iterations") == 0 && i + 3 < argc) {
            bench_pki pki;
            if (bench_pki_init(&pki) < 0)
                return 1;
            const bench_impl *impl = strcmp(argv[i + 2], "cssl") == 0 ? &bench_cssl : &bench_raw;
            void *state = impl->setup(&pki, argv[i + 1]);
            int rc = state ? impl->run(state, atol(argv[i + 3])) : -1;
            impl->teardown(state);
            return rc < 0;
        } else {
            fprintf(stderr, "usage: bench [--rounds N] [--ms MS] [--only WORKLOAD]\n"
                            "       bench --iterations WORKLOAD cssl|raw N\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > 63)
        rounds = 7;
    bench_pki pki;
    if (bench_pki_init(&pki) < 0) {
        fprintf(stderr, "bench: could not mint certificates\n");
        return 1;
    }
    printf("cssl %s vs %s, %d interleaved rounds of %.0f ms each\n\n", cssl_version(),
           OpenSSL_version(OPENSSL_VERSION), rounds, ms);
    printf("| workload | cssl median | cssl min–max | OpenSSL median | OpenSSL min–max | "
           "ratio | unit |\n|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < NWORK; i++)
        if ((only == NULL || strcmp(only, workloads[i]) == 0) &&
            bench_workload(&pki, workloads[i], rounds, ms) < 0)
            return 1;
    if (only == NULL || strcmp(only, "idle_heap") == 0)
        bench_idle_heap(&pki, 1000);
    if (only == NULL || strcmp(only, "default_context") == 0)
        bench_default_context(rounds);
    return 0;
}
