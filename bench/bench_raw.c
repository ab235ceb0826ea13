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

/* A client connection to "localhost" and a server connection, joined by
 * crossed memory BIOs (client writes what the server reads and back). */
static void raw_pair(raw *r, SSL **c, SSL **s)
{
    *c = SSL_new(r->cctx);
    *s = SSL_new(r->sctx);
    if (r->sock) {
        SSL_set_fd(*c, r->fds[0]);
        SSL_set_fd(*s, r->fds[1]);
    } else {
        BIO *c2s = BIO_new(BIO_s_mem()), *s2c = BIO_new(BIO_s_mem());
        BIO_up_ref(c2s);
        BIO_up_ref(s2c);
        SSL_set_bio(*c, s2c, c2s);
        SSL_set_bio(*s, c2s, s2c);
    }
    SSL_set_tlsext_host_name(*c, "localhost");
    SSL_set1_host(*c, "localhost");
    SSL_set_connect_state(*c);
    SSL_set_accept_state(*s);
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
    SSL_read_ex(c, &b, 1, &n);
    ERR_clear_error();
}

static void *raw_setup(const bench_pki *pki, const char *w)
{
    raw *r = calloc(1, sizeof *r);
    bool rsa = strcmp(w, "hs13_rsa") == 0;
    bool tls12 = strcmp(w, "hs12") == 0 || strcmp(w, "resume12") == 0;
    r->resume = strncmp(w, "resume", 6) == 0;
    r->bulk = bench_is_bulk(w);
    r->sock = strcmp(w, "bulk_aes_sock") == 0;
    r->cctx = SSL_CTX_new(TLS_client_method());
    r->sctx = SSL_CTX_new(TLS_server_method());
    /* The same security settings as cssl's defaults, so that the ratio
     * measures the library and not different choices. */
    for (int i = 0; i < 2; i++) {
        SSL_CTX *ctx = i ? r->sctx : r->cctx;
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_cipher_list(ctx, CSSL_DEFAULT_CIPHERS);
        SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    }
    SSL_CTX_set_session_id_context(r->sctx, (const unsigned char *)"bench", 5);
    SSL_CTX_set_verify(r->cctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(r->cctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_mode(r->sctx, SSL_MODE_RELEASE_BUFFERS);
    if (trust_pem(r->cctx, pki->ca_pem) < 0 ||
        use_pem(r->sctx, rsa ? pki->rsa_cert : pki->ecdsa_cert, rsa ? pki->rsa_key : pki->ecdsa_key) < 0)
        goto err;
    if (tls12)
        SSL_CTX_set_max_proto_version(r->cctx, TLS1_2_VERSION);
    if (strcmp(w, "bulk_chacha_mem") == 0) {
        SSL_CTX_set_ciphersuites(r->cctx, "TLS_CHACHA20_POLY1305_SHA256");
        SSL_CTX_set_ciphersuites(r->sctx, "TLS_CHACHA20_POLY1305_SHA256");
    } else if (r->bulk) {
        SSL_CTX_set_ciphersuites(r->cctx, "TLS_AES_128_GCM_SHA256");
        SSL_CTX_set_ciphersuites(r->sctx, "TLS_AES_128_GCM_SHA256");
    }
    if (r->sock && (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, r->fds) != 0))
        goto err;
    if (r->resume || r->bulk) {
        raw_pair(r, &r->c, &r->s);
        if (raw_handshake(r->c, r->s) < 0)
            goto err;
        raw_read_tickets(r->c);
        r->session = SSL_get1_session(r->c);
        if (r->resume) {
            raw_free(r->c);
            raw_free(r->s);
            r->c = r->s = NULL;
        }
    }
    r->buf = calloc(1, bench_bulk_size());
    r->rbuf = calloc(1, bench_bulk_size());
    return r;
err:
    fprintf(stderr, "raw setup failed for %s\n", w);
    return NULL;
}

static int raw_run(void *state, long n)
{
    raw *r = state;
    size_t size = bench_bulk_size();
    for (long i = 0; i < n; i++) {
        if (r->bulk) {
            size_t done = 0, got = 0;
            if (SSL_write_ex(r->c, r->buf, size, &done) != 1)
                return -1;
            while (got < size) {
                if (SSL_read_ex(r->s, r->rbuf + got, size - got, &done) != 1)
                    return -1;
                got += done;
            }
            continue;
        }
        SSL *c, *s;
        raw_pair(r, &c, &s);
        if (r->resume)
            SSL_set_session(c, r->session);
        int rc = raw_handshake(c, s);
        if (r->resume) {
            /* A client keeps the latest session for the next time. */
            SSL_SESSION *next = SSL_get1_session(c);
            if (!SSL_session_reused(c))
                rc = -1;
            SSL_SESSION_free(r->session);
            r->session = next;
        }
        raw_free(c);
        raw_free(s);
        if (rc < 0)
            return -1;
    }
    return 0;
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
    free(r->buf);
    free(r->rbuf);
    free(r);
}

const bench_impl bench_raw = {"OpenSSL", raw_setup, raw_run, raw_teardown};
