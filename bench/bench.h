/* bench.h - workloads shared by the cssl and raw-OpenSSL implementations. */
#ifndef CSSL_BENCH_H
#define CSSL_BENCH_H

#include <stdbool.h>
#include <stddef.h>

/* Certificates minted once per process, shared by both implementations. */
typedef struct bench_pki {
    char *ca_pem;
    char *ecdsa_cert, *ecdsa_key; /* P-256 leaf for localhost */
    char *rsa_cert, *rsa_key;     /* RSA-2048 leaf for localhost */
} bench_pki;

int bench_pki_init(bench_pki *pki);

/* One implementation of the workloads: each runs `iterations` operations
 * and returns 0, or -1 after printing why. */
typedef struct bench_impl {
    const char *name;
    /* opaque per-workload state */
    void *(*setup)(const bench_pki *pki, const char *workload);
    int (*run)(void *state, long iterations);
    void (*teardown)(void *state);
} bench_impl;

extern const bench_impl bench_cssl;
extern const bench_impl bench_raw;

/* Workload names:
 *   hs13_ecdsa hs13_rsa resume13 hs12 resume12   handshakes (client+server)
 *   bulk_aes_mem bulk_chacha_mem                 16 KiB records via memory BIOs
 *   bulk_aes_sock                                16 KiB records via a socketpair
 * Bulk workloads count 16 KiB writes as operations. */
bool bench_is_bulk(const char *workload);
size_t bench_bulk_size(void);

#endif
