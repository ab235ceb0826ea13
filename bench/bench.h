/* bench.h - workloads shared by the cssl and raw-OpenSSL implementations. */
#ifndef CSSL_BENCH_H
#define CSSL_BENCH_H

#include <stdbool.h>
#include <stddef.h>

/* Certificates shared by every implementation (and by bench_python.py,
 * which reads the same files): a P-256 CA and two leaves for "localhost". */
typedef struct bench_pki {
    char *ca_pem;
    char *ecdsa_cert, *ecdsa_key; /* P-256 leaf */
    char *rsa_cert, *rsa_key;     /* RSA-2048 leaf */
} bench_pki;

/* Load the PKI from dir (ca.pem, ecdsa.pem, ecdsa.key, rsa.pem, rsa.key),
 * minting and writing it there first if it is not complete; dir NULL mints
 * in memory only. 0 or -1. */
int bench_pki_init(bench_pki *pki, const char *dir);
void bench_pki_free(bench_pki *pki);

/*
 * Workloads (every handshake is client + server in this thread, over two
 * crossed memory BIOs unless named _sock):
 *   hs13_ecdsa hs13_rsa   full TLS 1.3 handshakes, P-256 / RSA-2048 server
 *   resume13              TLS 1.3 resumption with the previous ticket
 *   hs12 resume12         full / resumed TLS 1.2 (ECDSA, ECDHE-ECDSA-AES256-GCM)
 *   bulk_aes_mem bulk_chacha_mem bulk_aes_sock bulk_chacha_sock
 *                         16 KiB writes client to server over an established
 *                         TLS 1.3 connection (AES-128-GCM / CHACHA20-POLY1305)
 * plus the internal "idle" and "idle_no_release" setups for the idle-heap
 * measurement (TLS 1.3, ECDSA; the latter only for raw OpenSSL).
 */
bool bench_is_bulk(const char *workload);
bool bench_is_sock(const char *workload);
bool bench_is_resume(const char *workload);
bool bench_is_tls12(const char *workload);
bool bench_is_rsa(const char *workload);
const char *bench_suite(const char *workload); /* TLS 1.3 suite, or NULL */
#define BENCH_BULK_SIZE 16384

/* A zeroed BENCH_BULK_SIZE application buffer from OpenSSL's allocator,
 * so that the layout hooks of bench_main.c place it as they place
 * OpenSSL's own buffers (same offsets for every implementation). */
void *bench_buffer(void);
void bench_buffer_free(void *p);
#define BENCH_HOST "localhost"

/* One implementation of the workloads. */
typedef struct bench_impl {
    const char *name;
    /* Contexts for the workload (and for bulk workloads an established
     * pair; for resumption a session to start from), or NULL after
     * printing why. */
    void *(*setup)(const bench_pki *pki, const char *workload);
    /* Run n operations (handshakes or 16 KiB writes): 0, or -1 after
     * printing why. */
    int (*run)(void *state, long n);
    void (*teardown)(void *state);
    /* One more established, idle client+server pair on the setup's
     * contexts (the client has read the server's tickets), or NULL. */
    void *(*idle_open)(void *state);
    void (*idle_close)(void *pair);
} bench_impl;

extern const bench_impl bench_cssl;
extern const bench_impl bench_raw;

#endif
