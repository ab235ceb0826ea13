/*
 * test_conn_idle.c - what an idle established connection keeps (SPEC §5:
 * no more heap than raw OpenSSL with SSL_MODE_RELEASE_BUFFERS): the
 * incoming memory BIO gives back its storage once the connection waits
 * for data after the handshake, and the ALPN copy exists only once asked
 * for. bench/ measures the bytes; these pin the behaviour.
 */
#include <openssl/buffer.h>

#include "internal.h"
#include "tls_util.h"

/* The capacity of a memory BIO's storage (0: nothing allocated). */
static size_t capacity(const cssl_memory_bio *bio)
{
    BUF_MEM *mem = NULL;
    REQUIRE(BIO_get_mem_ptr(bio->bio, &mem) == 1 && mem != NULL);
    return mem->max;
}

static void handshake(tls_pair *p)
{
    int rc = 0, rs = 0;
    char mc[512], ms[512];
    if (pair_handshake(p, &rc, &rs, mc, ms) != 0) {
        harness_fail(__FILE__, __LINE__, "handshake: client %s / server %s", mc, ms);
        harness_abort();
    }
}

static void roundtrip(tls_pair *p, const char *text)
{
    char buf[64];
    size_t n = strlen(text);
    pair_send(p, true, text, n);
    CHECK_INT(pair_recv(p, false, buf, sizeof buf), (ssize_t)n);
    CHECK(memcmp(buf, text, n) == 0);
    pair_send(p, false, text, n);
    CHECK_INT(pair_recv(p, true, buf, sizeof buf), (ssize_t)n);
    CHECK(memcmp(buf, text, n) == 0);
}

TEST(waiting_for_data_gives_back_the_incoming_storage)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    handshake(&p);
    roundtrip(&p, "hello"); /* the client takes in its tickets too */
    char buf[8];
    CHECK_INT(cssl_conn_read(p.client, buf, sizeof buf), CSSL_EWANT_READ);
    CHECK_INT(cssl_conn_read(p.server, buf, sizeof buf), CSSL_EWANT_READ);
    CHECK_INT(capacity(p.c_in), 0);
    CHECK_INT(capacity(p.s_in), 0);
    /* The BIOs keep their Python semantics and carry the next data. */
    CHECK(!cssl_memory_bio_eof(p.c_in));
    CHECK_INT(cssl_memory_bio_pending(p.c_in), 0);
    roundtrip(&p, "again");
    CHECK(capacity(p.c_in) > 0); /* refilled, and not yet waited on */
    CHECK_INT(cssl_conn_read(p.client, buf, sizeof buf), CSSL_EWANT_READ);
    CHECK_INT(capacity(p.c_in), 0);
    /* write_eof still ends the stream: an EOF without close_notify. */
    CHECK_OK(cssl_memory_bio_write_eof(p.c_in));
    CHECK(cssl_memory_bio_eof(p.c_in));
    CHECK_ERR_STARTS(cssl_conn_read(p.client, buf, sizeof buf), CSSL_EEOF,
                     "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol");
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(storage_is_kept_during_the_handshake)
{
    /* Flights follow each other: releasing between them would only
     * allocate again. */
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    CHECK_INT(cssl_conn_do_handshake(p.client), CSSL_EWANT_READ);
    pair_pump(&p);
    size_t before = capacity(p.s_in);
    CHECK(before > 0);
    CHECK_INT(cssl_conn_do_handshake(p.server), CSSL_EWANT_READ); /* waits for Finished */
    CHECK_INT(capacity(p.s_in), before);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(storage_is_kept_without_release_buffers)
{
    /* The release follows the connection's SSL_MODE_RELEASE_BUFFERS
     * (on by default, as in Python). */
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    SSL_clear_mode(p.client->ssl, SSL_MODE_RELEASE_BUFFERS);
    handshake(&p);
    roundtrip(&p, "hello");
    char buf[8];
    CHECK_INT(cssl_conn_read(p.client, buf, sizeof buf), CSSL_EWANT_READ);
    CHECK(capacity(p.c_in) > 0);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(alpn_copy_is_made_when_first_asked_for)
{
    static const char *const protos[] = {"h2", "http/1.1"};
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    CHECK_OK(cssl_context_set_alpn_protocols(cctx, protos, 2));
    CHECK_OK(cssl_context_set_alpn_protocols(sctx, protos + 1, 1));
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    handshake(&p);
    CHECK(p.client->alpn == NULL);
    const char *a = cssl_conn_selected_alpn_protocol(p.client);
    CHECK_STR(a, "http/1.1");
    CHECK(cssl_conn_selected_alpn_protocol(p.client) == a); /* kept, not remade */
    CHECK_STR(cssl_conn_selected_alpn_protocol(p.server), "http/1.1");
    pair_free(&p);
    /* No protocol agreed: nothing to copy. */
    cssl_context *plain = client_context();
    pair_init(&p, plain, sctx, "localhost", NULL);
    handshake(&p);
    CHECK(cssl_conn_selected_alpn_protocol(p.client) == NULL);
    CHECK(p.client->alpn == NULL);
    pair_free(&p);
    cssl_context_free(plain);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}
