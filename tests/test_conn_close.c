/*
 * test_conn_close.c - cssl_conn_close_notify(): a half-close. Our
 * close_notify goes out at once; the peer's data is still read to the end,
 * which cssl_conn_unwrap() (like Python's) cannot do.
 */
#include "tls_util.h"

static void handshake(tls_pair *p)
{
    char cmsg[512], smsg[512];
    int rc = pair_handshake(p, NULL, NULL, cmsg, smsg);
    if (rc != CSSL_OK)
        harness_fail(__FILE__, __LINE__, "handshake: %s / %s", cmsg, smsg);
    REQUIRE(rc == CSSL_OK);
}

TEST(half_close_then_read_the_whole_reply)
{
    cssl_context *cc = client_context(), *sc = server_context("server");
    tls_pair p;
    pair_init(&p, cc, sc, "localhost", NULL);
    handshake(&p);
    pair_send(&p, true, "request", 7);
    CHECK_OK(cssl_conn_close_notify(p.client));
    CHECK_OK(cssl_conn_close_notify(p.client)); /* idempotent */
    char buf[64];
    /* The server reads the request, then the client's close_notify as 0. */
    CHECK_INT(pair_recv(&p, false, buf, sizeof buf), 7);
    CHECK(memcmp(buf, "request", 7) == 0);
    CHECK_INT(pair_recv(&p, false, buf, sizeof buf), 0);
    /* It still replies in full, then closes its side too. */
    pair_send(&p, false, "reply-1 ", 8);
    pair_send(&p, false, "reply-2", 7);
    CHECK_OK(cssl_conn_close_notify(p.server));
    pair_pump(&p);
    char reply[64];
    size_t got = 0;
    ssize_t n;
    while ((n = pair_recv(&p, true, reply + got, sizeof reply - got)) > 0)
        got += (size_t)n;
    CHECK_INT(n, 0); /* the end, not an error */
    CHECK_INT(got, 15);
    CHECK(memcmp(reply, "reply-1 reply-2", 15) == 0);
    pair_free(&p);
    cssl_context_free(cc);
    cssl_context_free(sc);
}

TEST(unwrap_fails_where_half_close_succeeds)
{
    /* The same exchange with unwrap: the reply arrives while unwrap waits
     * for close_notify, and OpenSSL (and Python) refuse it. */
    cssl_context *cc = client_context(), *sc = server_context("server");
    tls_pair p;
    pair_init(&p, cc, sc, "localhost", NULL);
    handshake(&p);
    CHECK_INT(cssl_conn_unwrap(p.client), CSSL_EWANT_READ);
    pair_pump(&p);
    pair_send(&p, false, "late", 4);
    CHECK_ERR_STARTS(cssl_conn_unwrap(p.client), CSSL_ESSL,
                     "[SSL: APPLICATION_DATA_AFTER_CLOSE_NOTIFY] application data after close "
                     "notify (");
    pair_free(&p);
    cssl_context_free(cc);
    cssl_context_free(sc);
}

TEST(writing_after_half_close_is_refused)
{
    cssl_context *cc = client_context(), *sc = server_context("server");
    tls_pair p;
    pair_init(&p, cc, sc, "localhost", NULL);
    handshake(&p);
    CHECK_OK(cssl_conn_close_notify(p.client));
    CHECK_ERR_STARTS(cssl_conn_write(p.client, "x", 1), CSSL_ESSL,
                     "[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown (");
    pair_free(&p);
    cssl_context_free(cc);
    cssl_context_free(sc);
}

TEST(half_close_then_unwrap_completes)
{
    cssl_context *cc = client_context(), *sc = server_context("server");
    tls_pair p;
    pair_init(&p, cc, sc, "localhost", NULL);
    handshake(&p);
    CHECK_OK(cssl_conn_close_notify(p.client));
    pair_pump(&p);
    char buf[8];
    CHECK_INT(pair_recv(&p, false, buf, sizeof buf), 0);
    CHECK_OK(cssl_conn_close_notify(p.server));
    pair_pump(&p);
    /* Both close_notify messages exchanged: unwrap has nothing to wait for. */
    CHECK_OK(cssl_conn_unwrap(p.client));
    pair_free(&p);
    cssl_context_free(cc);
    cssl_context_free(sc);
}

TEST(half_close_before_the_handshake_and_bad_arguments)
{
    cssl_context *cc = client_context(), *sc = server_context("server");
    tls_pair p;
    pair_init(&p, cc, sc, "localhost", NULL);
    CHECK_ERR_STARTS(cssl_conn_close_notify(p.client), CSSL_ESSL,
                     "[SSL: SHUTDOWN_WHILE_IN_INIT] shutdown while in init (");
    CHECK_ERR(cssl_conn_close_notify(NULL), CSSL_EVALUE, "conn must not be NULL");
    pair_free(&p);
    cssl_context_free(cc);
    cssl_context_free(sc);
}
