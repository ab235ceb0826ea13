/*
 * bench_cssl.c - the workloads through cssl as its documentation shows:
 * contexts with Python's defaults (cssl_context_new), connections over
 * crossed memory BIOs or a socketpair, cssl_conn_do_handshake/read/write.
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
    cssl_conn *c, *s; /* established pair for bulk workloads */
    int fds[2];
    bool resume, bulk, sock;
    unsigned char *buf, *rbuf;
} st;

/* A connection pair and what it holds on to: the memory BIOs a program
 * keeps to move bytes (here crossed, so each is both ends' transport). */
typedef struct pair {
    cssl_conn *c, *s;
    cssl_memory_bio *c2s, *s2c;
} pair;

static void pair_close(pair *p)
{
    cssl_conn_free(p->c);
    cssl_conn_free(p->s);
    cssl_memory_bio_free(p->c2s);
    cssl_memory_bio_free(p->s2c);
}

static int pair_open(st *r, pair *p, const cssl_session *session)
{
    memset(p, 0, sizeof *p);
    if (r->sock) {
        p->c = cssl_context_wrap_socket(r->cctx, r->fds[0], 0, BENCH_HOST, session);
        p->s = cssl_context_wrap_socket(r->sctx, r->fds[1], CSSL_SERVER_SIDE, NULL, NULL);
    } else {
        p->c2s = cssl_memory_bio_new();
        p->s2c = cssl_memory_bio_new();
        if (p->c2s && p->s2c) {
            p->c = cssl_context_wrap_bio(r->cctx, p->s2c, p->c2s, 0, BENCH_HOST, session);
            p->s = cssl_context_wrap_bio(r->sctx, p->c2s, p->s2c, CSSL_SERVER_SIDE, NULL, NULL);
        }
    }
    if (p->c == NULL || p->s == NULL) {
        fprintf(stderr, "cssl wrap: %s\n", cssl_error_message());
        pair_close(p);
        return -1;
    }
    return 0;
}

/* Client step, server step, until both are done (each side's bytes are
 * already in the other's incoming BIO). */
static int handshake(cssl_conn *c, cssl_conn *s)
{
    for (int i = 0; i < 64; i++) {
        int rc = cssl_conn_do_handshake(c), rs = cssl_conn_do_handshake(s);
        if (rc == CSSL_OK && rs == CSSL_OK)
            return 0;
        if ((rc != CSSL_OK && rc != CSSL_EWANT_READ) || (rs != CSSL_OK && rs != CSSL_EWANT_READ)) {
            fprintf(stderr, "cssl handshake: %s\n", cssl_error_message());
            return -1;
        }
    }
    fprintf(stderr, "cssl handshake: no progress\n");
    return -1;
}

/* Take in the TLS 1.3 tickets the server sent after its Finished: the
 * read finds no application data and reports WANT_READ. (On the server,
 * an idle connection's wait for data.) */
static void read_tickets(cssl_conn *c)
{
    unsigned char b;
    cssl_conn_read(c, &b, 1);
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
    bench_buffer_free(r->buf);
    bench_buffer_free(r->rbuf);
    free(r);
}

static int configure(st *r, const bench_pki *pki, const char *w)
{
    r->cctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    r->sctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    if (r->cctx == NULL || r->sctx == NULL)
        return -1;
    bool rsa = bench_is_rsa(w);
    const char *cert = rsa ? pki->rsa_cert : pki->ecdsa_cert;
    const char *key = rsa ? pki->rsa_key : pki->ecdsa_key;
    if (cssl_context_load_verify_locations(r->cctx, NULL, NULL, pki->ca_pem, strlen(pki->ca_pem),
                                           CSSL_ENCODING_PEM) < 0 ||
        cssl_context_load_cert_chain_mem(r->sctx, cert, strlen(cert), key, strlen(key), NULL) < 0)
        return -1;
    if (bench_is_tls12(w) && cssl_context_set_maximum_version(r->cctx, CSSL_TLSVERSION_TLSv1_2) < 0)
        return -1;
    const char *suite = bench_suite(w);
    if (suite && (cssl_context_set_ciphersuites(r->cctx, suite) < 0 ||
                  cssl_context_set_ciphersuites(r->sctx, suite) < 0))
        return -1;
    return 0;
}

static void *setup(const bench_pki *pki, const char *w)
{
    st *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->resume = bench_is_resume(w);
    r->bulk = bench_is_bulk(w);
    r->sock = bench_is_sock(w);
    r->fds[0] = r->fds[1] = -1;
    r->buf = bench_buffer();
    r->rbuf = bench_buffer();
    if (r->buf == NULL || r->rbuf == NULL || configure(r, pki, w) < 0)
        goto err;
    if (r->sock && socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, r->fds) != 0)
        goto err;
    if (r->resume || r->bulk) {
        pair p;
        if (pair_open(r, &p, NULL) < 0)
            goto err;
        r->c = p.c;
        r->s = p.s;
        /* The connections hold their own references to the BIOs. */
        cssl_memory_bio_free(p.c2s);
        cssl_memory_bio_free(p.s2c);
        if (handshake(r->c, r->s) < 0)
            goto err;
        read_tickets(r->c);
        const char *suite = bench_suite(w), *got = cssl_conn_cipher(r->c, NULL, NULL);
        if (suite && (got == NULL || strcmp(got, suite) != 0)) {
            fprintf(stderr, "cssl: negotiated %s, not %s\n", got ? got : "nothing", suite);
            goto err;
        }
        r->session = cssl_conn_get_session(r->c);
        if (r->resume) {
            cssl_conn_free(r->c);
            cssl_conn_free(r->s);
            r->c = r->s = NULL;
        }
    }
    return r;
err:
    fprintf(stderr, "cssl setup failed for %s: %s\n", w, cssl_error_message());
    teardown(r);
    return NULL;
}

/* One 16 KiB write by the client, read whole by the server. */
static int bulk_once(st *r)
{
    if (cssl_conn_write(r->c, r->buf, BENCH_BULK_SIZE) != BENCH_BULK_SIZE) {
        fprintf(stderr, "cssl write: %s\n", cssl_error_message());
        return -1;
    }
    size_t got = 0;
    while (got < BENCH_BULK_SIZE) {
        ssize_t k = cssl_conn_read(r->s, r->rbuf + got, BENCH_BULK_SIZE - got);
        if (k <= 0) {
            fprintf(stderr, "cssl read: %s\n", cssl_error_message());
            return -1;
        }
        got += (size_t)k;
    }
    return 0;
}

/* A new pair, its handshake (resuming r->session), and for resumption the
 * client's session kept for the next one, as a client program does. */
static int handshake_once(st *r)
{
    pair p;
    if (pair_open(r, &p, r->resume ? r->session : NULL) < 0)
        return -1;
    int rc = handshake(p.c, p.s);
    if (rc == 0 && r->resume) {
        cssl_session *next = cssl_conn_get_session(p.c);
        if (!cssl_conn_session_reused(p.c) || next == NULL) {
            fprintf(stderr, "cssl: session not reused\n");
            rc = -1;
        }
        cssl_session_free(r->session);
        r->session = next;
    }
    pair_close(&p);
    return rc;
}

static int run(void *state, long n)
{
    st *r = state;
    for (long i = 0; i < n; i++)
        if ((r->bulk ? bulk_once(r) : handshake_once(r)) < 0)
            return -1;
    return 0;
}

static void idle_close(void *p)
{
    pair_close(p);
    free(p);
}

static void *idle_open(void *state)
{
    pair *p = malloc(sizeof *p);
    if (p == NULL)
        return NULL;
    if (pair_open(state, p, NULL) < 0) {
        free(p);
        return NULL;
    }
    if (handshake(p->c, p->s) < 0) {
        idle_close(p);
        return NULL;
    }
    read_tickets(p->c);
    read_tickets(p->s); /* both sides wait for data */
    return p;
}

const bench_impl bench_cssl = {"cssl", setup, run, teardown, idle_open, idle_close};
