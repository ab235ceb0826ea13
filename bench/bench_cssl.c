/*
 * bench_cssl.c - the same workloads through cssl: contexts with Python's
 * defaults, connections over crossed memory BIOs (or a socketpair).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "cssl.h"

typedef struct st {
    cssl_context *cctx, *sctx;
    cssl_session *session;
    cssl_conn *c, *s;
    int fds[2];
    bool resume, bulk, sock;
    unsigned char *buf, *rbuf;
} st;

static void pair(st *r, cssl_conn **c, cssl_conn **s, const cssl_session *session)
{
    if (r->sock) {
        *c = cssl_context_wrap_socket(r->cctx, r->fds[0], 0, "localhost", session);
        *s = cssl_context_wrap_socket(r->sctx, r->fds[1], CSSL_SERVER_SIDE, NULL, NULL);
        return;
    }
    /* Fresh crossed BIOs per pair (the connections keep references). */
    cssl_memory_bio *c2s = cssl_memory_bio_new(), *s2c = cssl_memory_bio_new();
    *c = cssl_context_wrap_bio(r->cctx, s2c, c2s, 0, "localhost", session);
    *s = cssl_context_wrap_bio(r->sctx, c2s, s2c, CSSL_SERVER_SIDE, NULL, NULL);
    cssl_memory_bio_free(c2s);
    cssl_memory_bio_free(s2c);
}

static int handshake(cssl_conn *c, cssl_conn *s)
{
    if (c == NULL || s == NULL)
        return -1;
    for (int i = 0; i < 64; i++) {
        int rc = cssl_conn_do_handshake(c), rs = cssl_conn_do_handshake(s);
        if (rc == CSSL_OK && rs == CSSL_OK)
            return 0;
        if ((rc != CSSL_OK && rc != CSSL_EWANT_READ) || (rs != CSSL_OK && rs != CSSL_EWANT_READ)) {
            fprintf(stderr, "cssl handshake: %s\n", cssl_error_message());
            return -1;
        }
    }
    return -1;
}

static void *setup(const bench_pki *pki, const char *w)
{
    st *r = calloc(1, sizeof *r);
    bool rsa = strcmp(w, "hs13_rsa") == 0;
    bool tls12 = strcmp(w, "hs12") == 0 || strcmp(w, "resume12") == 0;
    r->resume = strncmp(w, "resume", 6) == 0;
    r->bulk = bench_is_bulk(w);
    r->sock = strcmp(w, "bulk_aes_sock") == 0;
    r->cctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    r->sctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    const char *cert = rsa ? pki->rsa_cert : pki->ecdsa_cert, *key = rsa ? pki->rsa_key : pki->ecdsa_key;
    if (!r->cctx || !r->sctx ||
        cssl_context_load_verify_locations(r->cctx, NULL, NULL, pki->ca_pem, strlen(pki->ca_pem),
                                           CSSL_ENCODING_PEM) < 0 ||
        cssl_context_load_cert_chain_mem(r->sctx, cert, strlen(cert), key, strlen(key), NULL) < 0)
        goto err;
    if (tls12)
        cssl_context_set_maximum_version(r->cctx, CSSL_TLSVERSION_TLSv1_2);
    if (strcmp(w, "bulk_chacha_mem") == 0) {
        cssl_context_set_ciphersuites(r->cctx, "TLS_CHACHA20_POLY1305_SHA256");
        cssl_context_set_ciphersuites(r->sctx, "TLS_CHACHA20_POLY1305_SHA256");
    } else if (r->bulk) {
        cssl_context_set_ciphersuites(r->cctx, "TLS_AES_128_GCM_SHA256");
        cssl_context_set_ciphersuites(r->sctx, "TLS_AES_128_GCM_SHA256");
    }
    if (r->sock && (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, r->fds) != 0))
        goto err;
    if (r->resume || r->bulk) {
        pair(r, &r->c, &r->s, NULL);
        if (handshake(r->c, r->s) < 0)
            goto err;
        unsigned char b;
        cssl_conn_read(r->c, &b, 1); /* take in TLS 1.3 tickets: WANT_READ */
        r->session = cssl_conn_get_session(r->c);
        if (r->resume) {
            cssl_conn_free(r->c);
            cssl_conn_free(r->s);
            r->c = r->s = NULL;
        }
    }
    r->buf = calloc(1, bench_bulk_size());
    r->rbuf = calloc(1, bench_bulk_size());
    return r;
err:
    fprintf(stderr, "cssl setup failed for %s: %s\n", w, cssl_error_message());
    return NULL;
}

static int run(void *state, long n)
{
    st *r = state;
    size_t size = bench_bulk_size();
    for (long i = 0; i < n; i++) {
        if (r->bulk) {
            if (cssl_conn_write(r->c, r->buf, size) != (ssize_t)size)
                return -1;
            size_t got = 0;
            while (got < size) {
                ssize_t k = cssl_conn_read(r->s, r->rbuf + got, size - got);
                if (k <= 0)
                    return -1;
                got += (size_t)k;
            }
            continue;
        }
        cssl_conn *c, *s;
        pair(r, &c, &s, r->resume ? r->session : NULL);
        int rc = handshake(c, s);
        if (r->resume) {
            cssl_session *next = cssl_conn_get_session(c);
            if (!cssl_conn_session_reused(c))
                rc = -1;
            cssl_session_free(r->session);
            r->session = next;
        }
        cssl_conn_free(c);
        cssl_conn_free(s);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static void teardown(void *state)
{
    st *r = state;
    if (r == NULL)
        return;
    cssl_conn_free(r->c);
    cssl_conn_free(r->s);
    cssl_session_free(r->session);
    cssl_context_free(r->cctx);
    cssl_context_free(r->sctx);
    if (r->sock) {
        close(r->fds[0]);
        close(r->fds[1]);
    }
    free(r->buf);
    free(r->rbuf);
    free(r);
}

const bench_impl bench_cssl = {"cssl", setup, run, teardown};
