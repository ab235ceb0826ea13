/*
 * bench_raw.c - the workloads with OpenSSL used the obvious way: SSL_CTX
 * configured by hand, SSL objects over two crossed memory BIOs (or a
 * socketpair), SSL_do_handshake/SSL_read_ex/SSL_write_ex loops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "bench.h"
#include "cssl.h"

typedef struct raw {
    SSL_CTX *cctx, *sctx;
    SSL_SESSION *session;
    SSL *c, *s; /* established pair for bulk workloads */
    int fds[2];
    bool resume, bulk, sock;
    unsigned char *buf, *rbuf;
} raw;

/* cssl's (Python's) context defaults, copied so that the ratio measures
 * the library and not different security choices: the same options,
 * cipher list, minimum version, verification flags and buffer mode. */
#define PY_OPTIONS                                                             \
    ((SSL_OP_ALL & ~(uint64_t)SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS) | SSL_OP_NO_SSLv2 |   \
     SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |        \
     SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE)

static SSL_CTX *new_ctx(const SSL_METHOD *method, bool release_buffers)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_options(ctx, PY_OPTIONS);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_TRUSTED_FIRST);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (release_buffers)
        SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(ctx, CSSL_DEFAULT_CIPHERS) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int use_pem(SSL_CTX *ctx, const char *cert_pem, const char *key_pem)
{
    BIO *cb = BIO_new_mem_buf(cert_pem, -1), *kb = BIO_new_mem_buf(key_pem, -1);
    X509 *cert = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    int ok = cert && key && SSL_CTX_use_certificate(ctx, cert) == 1 &&
             SSL_CTX_use_PrivateKey(ctx, key) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
    return ok ? 0 : -1;
}

static int trust_pem(SSL_CTX *ctx, const char *ca_pem)
{
    BIO *b = BIO_new_mem_buf(ca_pem, -1);
    X509 *ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
    int ok = ca && X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca) == 1;
    X509_free(ca);
    BIO_free(b);
    return ok ? 0 : -1;
}

/* A client connection to BENCH_HOST and a server connection, joined by
 * crossed memory BIOs (client writes what the server reads and back) or
 * the socketpair. */
static int raw_pair(raw *r, SSL **c, SSL **s)
{
    *c = SSL_new(r->cctx);
    *s = SSL_new(r->sctx);
    if (*c == NULL || *s == NULL)
        goto err;
    if (r->sock) {
        if (SSL_set_fd(*c, r->fds[0]) != 1 || SSL_set_fd(*s, r->fds[1]) != 1)
            goto err;
    } else {
        BIO *c2s = BIO_new(BIO_s_mem()), *s2c = BIO_new(BIO_s_mem());
        if (c2s == NULL || s2c == NULL) {
            BIO_free(c2s);
            BIO_free(s2c);
            goto err;
        }
        BIO_up_ref(c2s);
        BIO_up_ref(s2c);
        SSL_set_bio(*c, s2c, c2s);
        SSL_set_bio(*s, c2s, s2c);
    }
    if (SSL_set_tlsext_host_name(*c, BENCH_HOST) != 1 || SSL_set1_host(*c, BENCH_HOST) != 1)
        goto err;
    SSL_set_connect_state(*c);
    SSL_set_accept_state(*s);
    return 0;
err:
    fprintf(stderr, "raw: SSL_new failed\n");
    ERR_print_errors_fp(stderr);
    SSL_free(*c);
    SSL_free(*s);
    return -1;
}

static int raw_handshake(SSL *c, SSL *s)
{
    for (int i = 0; i < 64; i++) {
        /* SSL_get_error right after each call: the other side's I/O on the
         * shared BIOs resets their retry flags. */
        int rc = SSL_do_handshake(c);
        int ec = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(c, rc);
        int rs = SSL_do_handshake(s);
        int es = rs == 1 ? SSL_ERROR_NONE : SSL_get_error(s, rs);
        if (rc == 1 && rs == 1)
            return 0;
        if ((ec != SSL_ERROR_NONE && ec != SSL_ERROR_WANT_READ) ||
            (es != SSL_ERROR_NONE && es != SSL_ERROR_WANT_READ)) {
            fprintf(stderr, "raw handshake: client %d server %d\n", ec, es);
            ERR_print_errors_fp(stderr);
            return -1;
        }
    }
    fprintf(stderr, "raw handshake: no progress\n");
    return -1;
}

/* Free without sending close_notify but keeping the session resumable:
 * what cssl_conn_free does, so that both sides do the same work. A plain
 * SSL_free of an SSL that never shut down marks its session unusable. */
static void raw_free(SSL *ssl)
{
    if (ssl != NULL)
        SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_get_shutdown(ssl));
    SSL_free(ssl);
}

/* Take in the TLS 1.3 tickets the server sent after its Finished. */
static void raw_read_tickets(SSL *c)
{
    unsigned char b;
    size_t n;
    int ret = SSL_read_ex(c, &b, 1, &n);
    if (ret != 1 && SSL_get_error(c, ret) != SSL_ERROR_WANT_READ)
        fprintf(stderr, "raw: reading the tickets failed\n");
    ERR_clear_error();
}

static void raw_teardown(void *state)
{
    raw *r = state;
    if (r == NULL)
        return;
    raw_free(r->c);
    raw_free(r->s);
    SSL_SESSION_free(r->session);
    SSL_CTX_free(r->cctx);
    SSL_CTX_free(r->sctx);
    if (r->sock) {
        close(r->fds[0]);
        close(r->fds[1]);
    }
    bench_buffer_free(r->buf);
    bench_buffer_free(r->rbuf);
    free(r);
}

static int raw_configure(raw *r, const bench_pki *pki, const char *w)
{
    bool release = strcmp(w, "idle_no_release") != 0;
    r->cctx = new_ctx(TLS_client_method(), release);
    r->sctx = new_ctx(TLS_server_method(), release);
    if (r->cctx == NULL || r->sctx == NULL)
        return -1;
    SSL_CTX_set_verify(r->cctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_session_id_context(r->sctx, (const unsigned char *)"bench", 5);
    bool rsa = bench_is_rsa(w);
    if (trust_pem(r->cctx, pki->ca_pem) < 0 ||
        use_pem(r->sctx, rsa ? pki->rsa_cert : pki->ecdsa_cert, rsa ? pki->rsa_key : pki->ecdsa_key) < 0)
        return -1;
    if (bench_is_tls12(w) && SSL_CTX_set_max_proto_version(r->cctx, TLS1_2_VERSION) != 1)
        return -1;
    const char *suite = bench_suite(w);
    if (suite && (SSL_CTX_set_ciphersuites(r->cctx, suite) != 1 ||
                  SSL_CTX_set_ciphersuites(r->sctx, suite) != 1))
        return -1;
    return 0;
}

static void *raw_setup(const bench_pki *pki, const char *w)
{
    raw *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->resume = bench_is_resume(w);
    r->bulk = bench_is_bulk(w);
    r->sock = bench_is_sock(w);
    r->fds[0] = r->fds[1] = -1;
    r->buf = bench_buffer();
    r->rbuf = bench_buffer();
    if (r->buf == NULL || r->rbuf == NULL || raw_configure(r, pki, w) < 0)
        goto err;
    if (r->sock && socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, r->fds) != 0)
        goto err;
    if (r->resume || r->bulk) {
        if (raw_pair(r, &r->c, &r->s) < 0 || raw_handshake(r->c, r->s) < 0)
            goto err;
        raw_read_tickets(r->c);
        const char *suite = bench_suite(w);
        const char *got = SSL_CIPHER_get_name(SSL_get_current_cipher(r->c));
        if (suite && strcmp(got, suite) != 0) {
            fprintf(stderr, "raw: negotiated %s, not %s\n", got, suite);
            goto err;
        }
        r->session = SSL_get1_session(r->c);
        if (r->resume) {
            raw_free(r->c);
            raw_free(r->s);
            r->c = r->s = NULL;
        }
    }
    return r;
err:
    fprintf(stderr, "raw setup failed for %s\n", w);
    ERR_print_errors_fp(stderr);
    raw_teardown(r);
    return NULL;
}

static int raw_bulk_once(raw *r)
{
    size_t done = 0, got = 0;
    if (SSL_write_ex(r->c, r->buf, BENCH_BULK_SIZE, &done) != 1) {
        fprintf(stderr, "raw write failed\n");
        return -1;
    }
    while (got < BENCH_BULK_SIZE) {
        if (SSL_read_ex(r->s, r->rbuf + got, BENCH_BULK_SIZE - got, &done) != 1) {
            fprintf(stderr, "raw read failed\n");
            return -1;
        }
        got += done;
    }
    return 0;
}

static int raw_handshake_once(raw *r)
{
    SSL *c, *s;
    if (raw_pair(r, &c, &s) < 0)
        return -1;
    if (r->resume && SSL_set_session(c, r->session) != 1) {
        raw_free(c);
        raw_free(s);
        return -1;
    }
    int rc = raw_handshake(c, s);
    if (rc == 0 && r->resume) {
        /* A client keeps the latest session for the next time. */
        SSL_SESSION *next = SSL_get1_session(c);
        if (!SSL_session_reused(c) || next == NULL) {
            fprintf(stderr, "raw: session not reused\n");
            rc = -1;
        }
        SSL_SESSION_free(r->session);
        r->session = next;
    }
    raw_free(c);
    raw_free(s);
    return rc;
}

static int raw_run(void *state, long n)
{
    raw *r = state;
    for (long i = 0; i < n; i++)
        if ((r->bulk ? raw_bulk_once(r) : raw_handshake_once(r)) < 0)
            return -1;
    return 0;
}

typedef struct raw_idle {
    SSL *c, *s;
} raw_idle;

static void raw_idle_close(void *pair)
{
    raw_idle *p = pair;
    raw_free(p->c);
    raw_free(p->s);
    free(p);
}

static void *raw_idle_open(void *state)
{
    raw_idle *p = malloc(sizeof *p);
    if (p == NULL)
        return NULL;
    if (raw_pair(state, &p->c, &p->s) < 0) {
        free(p);
        return NULL;
    }
    if (raw_handshake(p->c, p->s) < 0) {
        raw_idle_close(p);
        return NULL;
    }
    raw_read_tickets(p->c);
    raw_read_tickets(p->s); /* both sides wait for data */
    return p;
}

const bench_impl bench_raw = {"OpenSSL", raw_setup, raw_run, raw_teardown, raw_idle_open,
                               raw_idle_close};
