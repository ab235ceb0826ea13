/*
 * fuzz_conn.c - a cssl client or server over memory BIOs fed arbitrary
 * bytes as its peer's flight.
 *
 * Input: one option byte, then the peer's bytes. The option byte picks
 * the end's variant (fuzz_tls.h), how the bytes are fed (all at once, or
 * in chunks of 1, 5, 64, 256, 1024, 4096 or 16389 bytes, so that records
 * arrive split anywhere) and whether the transport then reports EOF.
 * Recorded flights (fuzz_tls_record) carry the end through a whole
 * connection: handshake, data both ways, unwrap. Whatever state the bytes
 * leave it in, every call of the connection's API is then made on it, and
 * each answer must keep the library's contract (FUZZ_RC / FUZZ_PTR).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_conn.h"
#include "fuzz_tls.h"

static const size_t chunk_sizes[8] = {SIZE_MAX, 1, 5, 64, 256, 1024, 4096, 16389};

/* Throw away what the end wrote (nobody reads it). */
static void drain(fuzz_peer *p)
{
    uint8_t buf[4096];
    while (FUZZ_RC(cssl_memory_bio_read(p->out, buf, sizeof buf)) > 0)
        continue;
}

static void check_chain(cssl_cert **chain)
{
    if (chain == NULL)
        return;
    for (cssl_cert **c = chain; *c != NULL; c++)
        fuzz_check_cert(*c);
    cssl_cert_list_free(chain);
}

static void check_session(cssl_conn *conn)
{
    cssl_session *session = cssl_conn_get_session(conn);
    FUZZ_QUEUE_EMPTY("cssl_conn_get_session");
    if (session == NULL)
        return;
    size_t len = 0;
    uint8_t *der = FUZZ_PTR(cssl_session_to_der(session, &len));
    if (der != NULL) {
        cssl_session *again = FUZZ_PTR(cssl_session_from_der(cssl_conn_context(conn), der, len));
        FUZZ_CHECK(again != NULL && cssl_session_equal(session, again));
        cssl_session_free(again);
        cssl_free(der);
    }
    cssl_session_free(session);
}

/* Every query, in whatever state the connection is. */
static void query_all(cssl_conn *conn)
{
    const cssl_cert_info *info = NULL;
    if (FUZZ_RC(cssl_conn_getpeercert(conn, &info)) == CSSL_OK && info != NULL)
        fuzz_check_cert_info(info);
    uint8_t *der = NULL;
    size_t len = 0;
    if (FUZZ_RC(cssl_conn_getpeercert_der(conn, &der, &len)) == CSSL_OK && der != NULL) {
        cssl_cert *cert = FUZZ_PTR(cssl_cert_from_der(der, len));
        FUZZ_CHECK(cert != NULL);
        cssl_cert_free(cert);
        cssl_free(der);
    }
    check_chain(FUZZ_PTR(cssl_conn_get_verified_chain(conn)));
    check_chain(FUZZ_PTR(cssl_conn_get_unverified_chain(conn)));
    (void)cssl_conn_cipher(conn, NULL, NULL);
    (void)cssl_conn_version(conn);
    (void)cssl_conn_selected_alpn_protocol(conn);
    (void)cssl_conn_compression(conn);
    (void)cssl_conn_session_reused(conn);
    (void)cssl_conn_pending(conn);
    FUZZ_QUEUE_EMPTY("connection getters");
    cssl_cipher_desc *ciphers = NULL;
    size_t count = 0;
    if (FUZZ_RC(cssl_conn_shared_ciphers(conn, &ciphers, &count)) == CSSL_OK)
        cssl_free(ciphers);
    uint8_t cb[128];
    FUZZ_RC(cssl_conn_get_channel_binding(conn, "tls-unique", cb, sizeof cb));
    check_session(conn);
}

/* Then every operation, each whatever the one before answered. */
static void operate_all(fuzz_peer *p)
{
    char buf[1024];
    FUZZ_RC(cssl_conn_write(p->conn, "ping", 4));
    FUZZ_RC(cssl_conn_read(p->conn, buf, sizeof buf));
    FUZZ_RC(cssl_conn_do_handshake(p->conn));
    if (p->server)
        FUZZ_RC(cssl_conn_verify_client_post_handshake(p->conn));
    FUZZ_RC(cssl_conn_close_notify(p->conn));
    FUZZ_RC(cssl_conn_read(p->conn, buf, sizeof buf));
    FUZZ_RC(cssl_conn_unwrap(p->conn));
    FUZZ_RC(cssl_conn_write(p->conn, "pong", 4));
    drain(p);
}

void fuzz_conn_run(const uint8_t *data, size_t size, bool server)
{
    fuzz_reader in = {data, size};
    uint8_t opt = fuzz_byte(&in);
    int variant = FUZZ_OPT_VARIANT(opt) % (server ? FUZZ_SERVER_VARIANTS : FUZZ_CLIENT_VARIANTS);
    size_t chunk = chunk_sizes[FUZZ_OPT_CHUNK(opt)];
    cssl_context *ctx = server ? fuzz_tls_server_context(variant)
                               : fuzz_tls_client_context(variant);
    fuzz_peer p;
    bool made = fuzz_peer_init(&p, ctx, server, variant, server ? NULL : "localhost", NULL);
    FUZZ_CHECK(made);
    fuzz_peer_step(&p);
    drain(&p);
    while (in.left > 0) {
        const uint8_t *bytes;
        size_t n = fuzz_take(&in, chunk, &bytes);
        FUZZ_CHECK(FUZZ_RC(cssl_memory_bio_write(p.in, bytes, n)) == (long long)n);
        fuzz_peer_step(&p);
        drain(&p);
    }
    if (opt & FUZZ_OPT_EOF) {
        FUZZ_RC(cssl_memory_bio_write_eof(p.in));
        fuzz_peer_step(&p);
        drain(&p);
    }
    fuzz_tls_last.established = p.established;
    fuzz_tls_last.closed = p.closed;
    if (getenv("CSSL_FUZZ_VERBOSE") != NULL) /* how far a seed gets */
        fprintf(stderr, "%s variant %d: %s (last status %d: %s)\n", server ? "server" : "client",
                variant, p.closed ? "connection completed" : p.established ? "handshake completed"
                                                                            : "handshake failed",
                p.rc, p.message);
    query_all(p.conn);
    operate_all(&p);
    query_all(p.conn);
    fuzz_peer_free(&p);
}
