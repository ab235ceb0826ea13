/*
 * test_conn_bio.c - connections over memory BIOs (Python's SSLObject): the
 * I/O state machine. Handshake and data both ways, the implicit handshake,
 * every WANT_READ/WANT_WRITE path, large writes, pending(), unwrap and the
 * close_notify exchange, the EOF rules, the role and hostname checks at
 * wrap time, and bad arguments. Every test runs real handshakes through
 * OpenSSL in one process.
 */
#include "conn_bio_util.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "internal.h"

/* A verified TLS_CLIENT/TLS_SERVER pair for "localhost" with server.pem. */
typedef struct fixture_pair {
    cssl_context *cctx, *sctx;
    tls_pair p;
} fixture_pair;

static void fp_init(fixture_pair *f)
{
    f->cctx = client_context();
    f->sctx = server_context("server");
    pair_init(&f->p, f->cctx, f->sctx, "localhost", NULL);
}

static void fp_connect(fixture_pair *f)
{
    fp_init(f);
    HANDSHAKE_OK(&f->p);
}

static void fp_free(fixture_pair *f)
{
    pair_free(&f->p);
    cssl_context_free(f->cctx);
    cssl_context_free(f->sctx);
}

/* WANT_READ as Python's SSLWantReadError: location-free text, errno 2. */
static void check_want_read(ssize_t rc)
{
    CHECK_INT(rc, CSSL_EWANT_READ);
    CHECK_INT(cssl_error_status(), CSSL_EWANT_READ);
    CHECK_STR(cssl_error_message(), "The operation did not complete (read)");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_WANT_READ);
    CHECK(cssl_error_library() == NULL);
    CHECK(cssl_error_reason() == NULL);
    CHECK_INT(cssl_error_verify_code(), -1);
}

/* Read exactly len bytes on one side, pumping between attempts. */
static void recv_exact(tls_pair *p, bool on_client, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pair_recv(p, on_client, buf + got, len - got);
        if (n <= 0)
            harness_fail(__FILE__, __LINE__, "read after %zu of %zu bytes: %zd %s", got, len, n,
                         cssl_error_message());
        REQUIRE(n > 0);
        got += (size_t)n;
    }
}

/* ---- handshake and data ------------------------------------------------- */

TEST(handshake_then_data_both_ways)
{
    fixture_pair f;
    fp_init(&f);
    CHECK(!cssl_conn_server_side(f.p.client));
    CHECK(cssl_conn_server_side(f.p.server));
    CHECK_INT(cssl_conn_do_handshake(f.p.client), CSSL_EWANT_READ);
    HANDSHAKE_OK(&f.p);
    /* A finished handshake is a no-op when repeated. */
    CHECK_OK(cssl_conn_do_handshake(f.p.client));
    CHECK_OK(cssl_conn_do_handshake(f.p.server));
    CHECK_INT(pair_pump(&f.p), 0);

    char buf[64];
    CHECK_INT(cssl_conn_write(f.p.client, "ping", 4), 4);
    CHECK(cssl_memory_bio_pending(f.p.c_out) > 4); /* a TLS record, not plaintext */
    CHECK_INT(pair_recv(&f.p, false, buf, sizeof buf), 4);
    CHECK(memcmp(buf, "ping", 4) == 0);
    CHECK_INT(cssl_conn_write(f.p.server, "pong!", 5), 5);
    CHECK_INT(pair_recv(&f.p, true, buf, sizeof buf), 5);
    CHECK(memcmp(buf, "pong!", 5) == 0);
    /* Several writes arrive in order; one read returns one record at most. */
    CHECK_INT(cssl_conn_write(f.p.client, "a", 1), 1);
    CHECK_INT(cssl_conn_write(f.p.client, "bc", 2), 2);
    CHECK_INT(pair_recv(&f.p, false, buf, sizeof buf), 1);
    CHECK_INT(buf[0], 'a');
    CHECK_INT(pair_recv(&f.p, false, buf, sizeof buf), 2);
    CHECK(memcmp(buf, "bc", 2) == 0);
    fp_free(&f);
}

TEST(first_write_runs_the_handshake)
{
    fixture_pair f;
    fp_init(&f);
    /* The client's first write starts the handshake and must wait. */
    cssl_error_clear();
    check_want_read(cssl_conn_write(f.p.client, "hello", 5));
    CHECK(cssl_memory_bio_pending(f.p.c_out) > 0); /* ClientHello */
    CHECK(cssl_conn_version(f.p.client) == NULL);
    pair_pump(&f.p);
    /* The server's first read answers the ClientHello, then waits too. */
    char buf[16];
    check_want_read(cssl_conn_read(f.p.server, buf, sizeof buf));
    pair_pump(&f.p);
    /* Retrying the write with the same arguments finishes and sends. */
    CHECK_INT(cssl_conn_write(f.p.client, "hello", 5), 5);
    CHECK_STR(cssl_conn_version(f.p.client), "TLSv1.3");
    CHECK_INT(pair_recv(&f.p, false, buf, sizeof buf), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK_STR(cssl_conn_version(f.p.server), "TLSv1.3");
    fp_free(&f);
}

TEST(first_read_runs_the_handshake)
{
    fixture_pair f;
    fp_init(&f);
    char buf[16];
    cssl_error_clear();
    check_want_read(cssl_conn_read(f.p.client, buf, sizeof buf));
    CHECK(cssl_memory_bio_pending(f.p.c_out) > 0);
    pair_pump(&f.p);
    check_want_read(cssl_conn_read(f.p.server, buf, sizeof buf));
    pair_pump(&f.p);
    /* The client finishes on this read; no data yet, so it waits again. */
    check_want_read(cssl_conn_read(f.p.client, buf, sizeof buf));
    CHECK_STR(cssl_conn_version(f.p.client), "TLSv1.3");
    pair_pump(&f.p);
    check_want_read(cssl_conn_read(f.p.server, buf, sizeof buf));
    CHECK_STR(cssl_conn_version(f.p.server), "TLSv1.3");
    CHECK_INT(cssl_conn_write(f.p.server, "data", 4), 4);
    CHECK_INT(pair_recv(&f.p, true, buf, sizeof buf), 4);
    CHECK(memcmp(buf, "data", 4) == 0);
    fp_free(&f);
}

TEST(tls12_handshake_and_data)
{
    cssl_context *cctx = with_max_version(client_context(), CSSL_TLSVERSION_TLSv1_2);
    cssl_context *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    HANDSHAKE_OK(&p);
    CHECK_STR(cssl_conn_version(p.client), "TLSv1.2");
    CHECK_STR(cssl_conn_version(p.server), "TLSv1.2");
    char buf[8];
    pair_send(&p, true, "x12", 3);
    CHECK_INT(pair_recv(&p, false, buf, sizeof buf), 3);
    pair_send(&p, false, "y12", 3);
    CHECK_INT(pair_recv(&p, true, buf, sizeof buf), 3);
    CHECK(memcmp(buf, "y12", 3) == 0);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- WANT_READ / WANT_WRITE --------------------------------------------- */

TEST(handshake_waits_for_the_peer)
{
    fixture_pair f;
    fp_init(&f);
    /* Server first: nothing to read, nothing written. */
    cssl_error_clear();
    check_want_read(cssl_conn_do_handshake(f.p.server));
    CHECK_INT(cssl_memory_bio_pending(f.p.s_out), 0);
    /* Client: the ClientHello is queued, then it waits for the answer. */
    check_want_read(cssl_conn_do_handshake(f.p.client));
    size_t hello = cssl_memory_bio_pending(f.p.c_out);
    CHECK(hello > 0);
    /* Retrying without feeding anything neither progresses nor re-sends. */
    check_want_read(cssl_conn_do_handshake(f.p.client));
    CHECK_INT(cssl_memory_bio_pending(f.p.c_out), hello);
    CHECK(ERR_peek_error() == 0);
    HANDSHAKE_OK(&f.p);
    fp_free(&f);
}

TEST(read_without_data_wants_read)
{
    fixture_pair f;
    fp_connect(&f);
    char buf[16];
    /* The TLS 1.3 tickets are processed, then there is nothing more. */
    cssl_error_clear();
    check_want_read(cssl_conn_read(f.p.client, buf, sizeof buf));
    check_want_read(cssl_conn_read(f.p.client, buf, sizeof buf));
    check_want_read(cssl_conn_read(f.p.server, buf, sizeof buf));
    /* A successful call leaves the last error alone (header convention). */
    CHECK_INT(cssl_conn_write(f.p.server, "z", 1), 1);
    CHECK_INT(cssl_error_status(), CSSL_EWANT_READ);
    CHECK_INT(pair_recv(&f.p, true, buf, sizeof buf), 1);
    fp_free(&f);
}

TEST(partial_record_wants_read_until_complete)
{
    fixture_pair f;
    fp_connect(&f);
    char buf[64];
    check_want_read(cssl_conn_read(f.p.client, buf, sizeof buf)); /* eat tickets */
    CHECK_INT(cssl_conn_write(f.p.server, "split record", 12), 12);
    unsigned char rec[256];
    ssize_t n = cssl_memory_bio_read(f.p.s_out, rec, sizeof rec);
    REQUIRE(n > 10);
    /* Header only, then all but the last byte: still WANT_READ. */
    CHECK_INT(cssl_memory_bio_write(f.p.c_in, rec, 5), 5);
    check_want_read(cssl_conn_read(f.p.client, buf, sizeof buf));
    CHECK_INT(cssl_memory_bio_write(f.p.c_in, rec + 5, (size_t)n - 6), n - 6);
    check_want_read(cssl_conn_read(f.p.client, buf, sizeof buf));
    CHECK_INT(cssl_conn_pending(f.p.client), 0);
    CHECK_INT(cssl_memory_bio_write(f.p.c_in, rec + n - 1, 1), 1);
    CHECK_INT(cssl_conn_read(f.p.client, buf, sizeof buf), 12);
    CHECK(memcmp(buf, "split record", 12) == 0);
    fp_free(&f);
}

/*
 * A memory BIO never fills up, so WANT_WRITE needs a bounded transport:
 * swap the client's outgoing BIO for one end of a 4 KiB BIO pair.
 */
TEST(full_transport_wants_write_and_retry_completes)
{
    fixture_pair f;
    fp_connect(&f);
    BIO *near = NULL, *far = NULL;
    REQUIRE(BIO_new_bio_pair(&near, 4096, &far, 4096) == 1);
    SSL_set0_wbio(f.p.client->ssl, near); /* the SSL owns near now */

    size_t len = 64 * 1024;
    unsigned char *data = malloc(len), *got = malloc(len);
    REQUIRE(data && got);
    for (size_t i = 0; i < len; i++)
        data[i] = (unsigned char)(i % 251);
    cssl_error_clear();
    ssize_t rc = cssl_conn_write(f.p.client, data, len);
    CHECK_INT(rc, CSSL_EWANT_WRITE);
    CHECK_INT(cssl_error_status(), CSSL_EWANT_WRITE);
    CHECK_STR(cssl_error_message(), "The operation did not complete (write)");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_WANT_WRITE);
    CHECK(cssl_error_library() == NULL);

    /* sendall reports what it completed; retried with the same arguments
     * as the transport drains, the write finishes. */
    size_t sent = 12345, got_len = 0;
    int rounds = 0, last = CSSL_EWANT_WRITE;
    unsigned char chunk[4096];
    while (last == CSSL_EWANT_WRITE && rounds++ < 1000) {
        int k;
        while ((k = BIO_read(far, chunk, sizeof chunk)) > 0)
            REQUIRE(cssl_memory_bio_write(f.p.s_in, chunk, (size_t)k) == k);
        while (got_len < len) {
            ssize_t r = cssl_conn_read(f.p.server, got + got_len, len - got_len);
            if (r == CSSL_EWANT_READ)
                break;
            REQUIRE(r > 0);
            got_len += (size_t)r;
        }
        last = cssl_conn_sendall(f.p.client, data, len, &sent);
        if (last == CSSL_EWANT_WRITE)
            CHECK_INT(sent, 0); /* all or nothing without partial writes */
    }
    CHECK_INT(last, CSSL_OK);
    CHECK_INT(sent, len);
    CHECK(rounds > 2);
    int k;
    while ((k = BIO_read(far, chunk, sizeof chunk)) > 0)
        REQUIRE(cssl_memory_bio_write(f.p.s_in, chunk, (size_t)k) == k);
    while (got_len < len) {
        ssize_t r = cssl_conn_read(f.p.server, got + got_len, len - got_len);
        REQUIRE(r > 0);
        got_len += (size_t)r;
    }
    CHECK(memcmp(data, got, len) == 0);
    BIO_free(far);
    free(data);
    free(got);
    fp_free(&f);
}

TEST(handshake_wants_write_on_a_full_transport)
{
    fixture_pair f;
    fp_init(&f);
    /* 64 bytes of room: the ClientHello does not fit. */
    BIO *near = NULL, *far = NULL;
    REQUIRE(BIO_new_bio_pair(&near, 64, &far, 64) == 1);
    SSL_set0_wbio(f.p.client->ssl, near);
    cssl_error_clear();
    CHECK_INT(cssl_conn_do_handshake(f.p.client), CSSL_EWANT_WRITE);
    CHECK_STR(cssl_error_message(), "The operation did not complete (write)");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_WANT_WRITE);
    /* Drain and retry until the ClientHello is out; then it waits to read. */
    unsigned char chunk[64];
    int rc = CSSL_EWANT_WRITE, rounds = 0;
    while (rc == CSSL_EWANT_WRITE && rounds++ < 100) {
        int k;
        while ((k = BIO_read(far, chunk, sizeof chunk)) > 0)
            REQUIRE(cssl_memory_bio_write(f.p.s_in, chunk, (size_t)k) == k);
        rc = cssl_conn_do_handshake(f.p.client);
    }
    CHECK(rounds > 2);
    check_want_read(rc);
    int k;
    while ((k = BIO_read(far, chunk, sizeof chunk)) > 0)
        REQUIRE(cssl_memory_bio_write(f.p.s_in, chunk, (size_t)k) == k);
    /* The server got a whole ClientHello and answers. */
    CHECK_INT(cssl_conn_do_handshake(f.p.server), CSSL_EWANT_READ);
    CHECK(cssl_memory_bio_pending(f.p.s_out) > 0);
    BIO_free(far);
    fp_free(&f);
}

/* ---- large writes, pending, zero-length I/O ------------------------------ */

TEST(sendall_one_mebibyte_each_way)
{
    fixture_pair f;
    fp_connect(&f);
    size_t len = 1 << 20;
    unsigned char *data = malloc(len), *got = malloc(len);
    REQUIRE(data && got);
    REQUIRE(cssl_rand_bytes(data, len) == CSSL_OK);
    for (int dir = 0; dir < 2; dir++) {
        bool from_client = dir == 0;
        size_t sent = 0;
        CHECK_OK(cssl_conn_sendall(from_client ? f.p.client : f.p.server, data, len, &sent));
        CHECK_INT(sent, len);
        /* 16 KiB records plus overhead are queued for the peer. */
        CHECK(cssl_memory_bio_pending(from_client ? f.p.c_out : f.p.s_out) > len);
        memset(got, 0, len);
        recv_exact(&f.p, !from_client, got, len);
        CHECK(memcmp(data, got, len) == 0);
    }
    /* One write call takes the whole buffer as well. */
    CHECK_INT(cssl_conn_write(f.p.client, data, len), len);
    recv_exact(&f.p, false, got, len);
    CHECK(memcmp(data, got, len) == 0);
    free(data);
    free(got);
    fp_free(&f);
}

TEST(pending_counts_decrypted_bytes)
{
    fixture_pair f;
    fp_init(&f);
    CHECK_INT(cssl_conn_pending(f.p.client), 0);
    HANDSHAKE_OK(&f.p);
    char buf[1000];
    memset(buf, 'p', sizeof buf);
    CHECK_INT(cssl_conn_write(f.p.server, buf, sizeof buf), sizeof buf);
    pair_pump(&f.p);
    CHECK_INT(cssl_conn_pending(f.p.client), 0); /* nothing decrypted yet */
    CHECK_INT(cssl_conn_read(f.p.client, buf, 100), 100);
    CHECK_INT(cssl_conn_pending(f.p.client), 900);
    CHECK_INT(cssl_conn_read(f.p.client, buf, 899), 899);
    CHECK_INT(cssl_conn_pending(f.p.client), 1);
    CHECK_INT(cssl_conn_read(f.p.client, buf, sizeof buf), 1);
    CHECK_INT(cssl_conn_pending(f.p.client), 0);
    fp_free(&f);
}

TEST(zero_length_read_and_write)
{
    fixture_pair f;
    fp_init(&f);
    char buf[4];
    /* Python: read(0) is b'' at once, write(b'') is 0: no handshake starts. */
    CHECK_INT(cssl_conn_read(f.p.client, buf, 0), 0);
    CHECK_INT(cssl_conn_read(f.p.client, NULL, 0), 0);
    CHECK_INT(cssl_conn_write(f.p.client, "", 0), 0);
    CHECK_INT(cssl_conn_write(f.p.client, NULL, 0), 0);
    size_t sent = 99;
    CHECK_OK(cssl_conn_sendall(f.p.client, NULL, 0, &sent));
    CHECK_INT(sent, 0);
    CHECK_INT(cssl_memory_bio_pending(f.p.c_out), 0);
    HANDSHAKE_OK(&f.p);
    CHECK_INT(cssl_conn_read(f.p.client, buf, 0), 0);
    CHECK_INT(cssl_conn_write(f.p.server, buf, 0), 0);
    CHECK_INT(cssl_memory_bio_pending(f.p.s_out), 0);
    fp_free(&f);
}

/* ---- unwrap and close_notify --------------------------------------------- */

TEST(unwrap_exchanges_close_notify)
{
    fixture_pair f;
    fp_connect(&f);
    char buf[16];
    /* Data written before unwrap arrives before the close. */
    CHECK_INT(cssl_conn_write(f.p.client, "bye", 3), 3);
    cssl_error_clear();
    check_want_read(cssl_conn_unwrap(f.p.client)); /* close_notify queued */
    CHECK(cssl_memory_bio_pending(f.p.c_out) > 0);
    check_want_read(cssl_conn_unwrap(f.p.client)); /* still waiting */
    pair_pump(&f.p);
    CHECK_INT(cssl_conn_read(f.p.server, buf, sizeof buf), 3);
    CHECK(memcmp(buf, "bye", 3) == 0);
    /* The peer's read returns 0 at close_notify, and again after. */
    CHECK_INT(cssl_conn_read(f.p.server, buf, sizeof buf), 0);
    CHECK_INT(cssl_conn_read(f.p.server, buf, sizeof buf), 0);
    /* The server answers: it has already received the client's. */
    CHECK_OK(cssl_conn_unwrap(f.p.server));
    pair_pump(&f.p);
    CHECK_OK(cssl_conn_unwrap(f.p.client));
    CHECK_INT(pair_pump(&f.p), 0);
    /* Memory-BIO connections stay usable objects after unwrap (as
     * SSLObject): a handshake call is a no-op, pending is 0. */
    CHECK_OK(cssl_conn_do_handshake(f.p.client));
    CHECK_INT(cssl_conn_pending(f.p.client), 0);
    fp_free(&f);
}

TEST(unwrap_refused_before_the_handshake_is_done)
{
    fixture_pair f;
    fp_init(&f);
    const char *text = "[SSL: SHUTDOWN_WHILE_IN_INIT] shutdown while in init";
    CHECK_ERR_AT(cssl_conn_unwrap(f.p.client), CSSL_ESSL, text, "conn_io.c");
    CHECK_STR(cssl_error_reason(), "SHUTDOWN_WHILE_IN_INIT");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_SSL);
    CHECK_ERR_AT(cssl_conn_unwrap(f.p.server), CSSL_ESSL, text, "conn_io.c");
    /* Half-way through, too; nothing was sent by the attempts. */
    CHECK_INT(cssl_conn_do_handshake(f.p.client), CSSL_EWANT_READ);
    size_t hello = cssl_memory_bio_pending(f.p.c_out);
    CHECK_ERR_AT(cssl_conn_unwrap(f.p.client), CSSL_ESSL, text, "conn_io.c");
    CHECK_INT(cssl_memory_bio_pending(f.p.c_out), hello);
    /* The handshake can still complete, and then unwrap works. */
    HANDSHAKE_OK(&f.p);
    CHECK_INT(cssl_conn_unwrap(f.p.client), CSSL_EWANT_READ);
    pair_pump(&f.p);
    CHECK_OK(cssl_conn_unwrap(f.p.server));
    pair_pump(&f.p);
    CHECK_OK(cssl_conn_unwrap(f.p.client));
    /* Once closed both ways, unwrap again is a no-op on either side. */
    CHECK_OK(cssl_conn_unwrap(f.p.client));
    CHECK_OK(cssl_conn_unwrap(f.p.server));
    CHECK_INT(pair_pump(&f.p), 0);
    fp_free(&f);
}

TEST(simultaneous_unwrap)
{
    fixture_pair f;
    fp_connect(&f);
    /* Both send close_notify before seeing the other's. */
    cssl_error_clear();
    check_want_read(cssl_conn_unwrap(f.p.client));
    check_want_read(cssl_conn_unwrap(f.p.server));
    pair_pump(&f.p);
    CHECK_OK(cssl_conn_unwrap(f.p.client));
    CHECK_OK(cssl_conn_unwrap(f.p.server));
    CHECK_INT(pair_pump(&f.p), 0);
    fp_free(&f);
}

TEST(unwrap_with_application_data_in_flight)
{
    fixture_pair f;
    fp_connect(&f);
    char buf[16];
    check_want_read(cssl_conn_read(f.p.client, buf, sizeof buf));
    /* Data the client has not read yet when it starts closing: OpenSSL
     * refuses it while waiting for close_notify (as in Python). */
    CHECK_INT(cssl_conn_write(f.p.server, "inflight", 8), 8);
    pair_pump(&f.p);
    CHECK_ERR_AT(cssl_conn_unwrap(f.p.client), CSSL_ESSL,
                 "[SSL: APPLICATION_DATA_AFTER_CLOSE_NOTIFY] application data after close notify",
                 "conn_io.c");
    CHECK_STR(cssl_error_reason(), "APPLICATION_DATA_AFTER_CLOSE_NOTIFY");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_SSL);
    /* The connection is dead after that fatal error. */
    CHECK_ERR_AT(cssl_conn_read(f.p.client, buf, sizeof buf), CSSL_EEOF,
                 "EOF occurred in violation of protocol", "conn_io.c");
    /* The server saw the close_notify that went out first. */
    pair_pump(&f.p);
    CHECK_INT(cssl_conn_read(f.p.server, buf, sizeof buf), 0);
    CHECK_OK(cssl_conn_unwrap(f.p.server));
    fp_free(&f);
}

TEST(io_after_unwrap_fails)
{
    fixture_pair f;
    fp_connect(&f);
    CHECK_INT(cssl_conn_unwrap(f.p.client), CSSL_EWANT_READ);
    pair_pump(&f.p);
    CHECK_OK(cssl_conn_unwrap(f.p.server));
    pair_pump(&f.p);
    CHECK_OK(cssl_conn_unwrap(f.p.client));
    cssl_conn *sides[2] = {f.p.client, f.p.server};
    for (int i = 0; i < 2; i++) {
        char buf[8];
        CHECK_ERR_AT(cssl_conn_write(sides[i], "x", 1), CSSL_ESSL,
                     "[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown", "conn_io.c");
        CHECK_STR(cssl_error_library(), "SSL");
        CHECK_STR(cssl_error_reason(), "PROTOCOL_IS_SHUTDOWN");
        CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_SSL);
        size_t sent = 7;
        CHECK_ERR_AT(cssl_conn_sendall(sides[i], "xy", 2, &sent), CSSL_ESSL,
                     "[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown", "conn_io.c");
        CHECK_INT(sent, 0);
        /* Both directions are closed: Python's SSLZeroReturnError. */
        CHECK_ERR_AT(cssl_conn_read(sides[i], buf, sizeof buf), CSSL_EZERO_RETURN,
                     "TLS/SSL connection has been closed (EOF)", "conn_io.c");
        CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_ZERO_RETURN);
        CHECK(cssl_error_library() == NULL);
    }
    fp_free(&f);
}

TEST(write_after_own_unwrap_before_reply)
{
    fixture_pair f;
    fp_connect(&f);
    CHECK_INT(cssl_conn_unwrap(f.p.client), CSSL_EWANT_READ);
    /* Our close_notify is out: writing is over even before the reply. */
    CHECK_ERR_AT(cssl_conn_write(f.p.client, "x", 1), CSSL_ESSL,
                 "[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown", "conn_io.c");
    /* The peer may still send until it closes; the client reads it. */
    pair_pump(&f.p);
    char buf[8];
    CHECK_INT(cssl_conn_read(f.p.server, buf, sizeof buf), 0);
    CHECK_INT(cssl_conn_write(f.p.server, "late", 4), 4);
    pair_pump(&f.p);
    CHECK_INT(cssl_conn_read(f.p.client, buf, sizeof buf), 4);
    CHECK(memcmp(buf, "late", 4) == 0);
    fp_free(&f);
}

/* ---- EOF rules ------------------------------------------------------------ */

TEST(transport_eof_without_close_notify_is_an_error)
{
    fixture_pair f;
    fp_connect(&f);
    char buf[8];
    check_want_read(cssl_conn_read(f.p.client, buf, sizeof buf));
    CHECK_OK(cssl_memory_bio_write_eof(f.p.c_in));
    /* Never suppressed on memory BIOs, even without
     * CSSL_NO_SUPPRESS_RAGGED_EOFS (the pair was wrapped with flags 0). */
    CHECK_ERR_AT(cssl_conn_read(f.p.client, buf, sizeof buf), CSSL_EEOF,
                 "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol",
                 "conn_io.c");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_EOF);
    CHECK_STR(cssl_error_library(), "SSL");
    CHECK_STR(cssl_error_reason(), "UNEXPECTED_EOF_WHILE_READING");
    fp_free(&f);
}

TEST(transport_eof_during_handshake_is_an_error)
{
    const char *text = "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol";
    fixture_pair f;
    fp_init(&f);
    /* Client: cut off after its ClientHello. */
    CHECK_OK(cssl_memory_bio_write_eof(f.p.c_in));
    CHECK_ERR_AT(cssl_conn_do_handshake(f.p.client), CSSL_EEOF, text, "conn_io.c");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_EOF);
    CHECK_STR(cssl_error_reason(), "UNEXPECTED_EOF_WHILE_READING");
    fp_free(&f);

    /* Server: cut off while waiting for the client's Finished. */
    fp_init(&f);
    CHECK_INT(cssl_conn_do_handshake(f.p.client), CSSL_EWANT_READ);
    pair_pump(&f.p);
    CHECK_INT(cssl_conn_do_handshake(f.p.server), CSSL_EWANT_READ);
    CHECK_OK(cssl_memory_bio_write_eof(f.p.s_in));
    CHECK_ERR_AT(cssl_conn_do_handshake(f.p.server), CSSL_EEOF, text, "conn_io.c");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_EOF);
    CHECK_STR(cssl_error_library(), "SSL");
    fp_free(&f);

    /* Server: EOF before any byte. */
    fp_init(&f);
    CHECK_OK(cssl_memory_bio_write_eof(f.p.s_in));
    CHECK_ERR_AT(cssl_conn_do_handshake(f.p.server), CSSL_EEOF, text, "conn_io.c");
    fp_free(&f);
}

TEST(ignore_unexpected_eof_option_reads_zero)
{
    cssl_context *cctx = client_context();
    cssl_context *sctx = server_context("server");
    CHECK_OK(cssl_context_set_options(cctx, cssl_context_options(cctx) |
                                                CSSL_OP_IGNORE_UNEXPECTED_EOF));
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    HANDSHAKE_OK(&p);
    pair_send(&p, false, "last", 4);
    CHECK_OK(cssl_memory_bio_write_eof(p.c_in));
    char buf[8];
    CHECK_INT(cssl_conn_read(p.client, buf, sizeof buf), 4); /* data first */
    CHECK_INT(cssl_conn_read(p.client, buf, sizeof buf), 0);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(eof_after_close_notify_reads_zero)
{
    fixture_pair f;
    fp_connect(&f);
    CHECK_INT(cssl_conn_unwrap(f.p.server), CSSL_EWANT_READ);
    pair_pump(&f.p);
    CHECK_OK(cssl_memory_bio_write_eof(f.p.c_in));
    char buf[8];
    CHECK_INT(cssl_conn_read(f.p.client, buf, sizeof buf), 0);
    fp_free(&f);
}

/* ---- role and hostname checks at wrap time ------------------------------- */

static cssl_conn *wrap(cssl_context *ctx, unsigned flags, const char *host,
                       const cssl_session *session, tls_pair *bios)
{
    if (bios->c_in == NULL) {
        bios->c_in = cssl_memory_bio_new();
        bios->c_out = cssl_memory_bio_new();
        REQUIRE(bios->c_in && bios->c_out);
    }
    return cssl_context_wrap_bio(ctx, bios->c_in, bios->c_out, flags, host, session);
}

static void check_role_error(cssl_conn *conn, const char *text)
{
    CHECK(conn == NULL);
    cssl_conn_free(conn);
    CHECK_INT(cssl_error_status(), CSSL_ESSL);
    CHECK_LOCATED(cssl_error_message(), text, "conn.c");
    /* Python's _setSSLError with a literal text: no library, reason, errno. */
    CHECK(cssl_error_library() == NULL);
    CHECK(cssl_error_reason() == NULL);
    CHECK_INT(cssl_error_errno(), 0);
}

TEST(client_context_refused_on_server_side)
{
    cssl_context *ctx = client_context();
    tls_pair b = {0};
    cssl_error_clear();
    check_role_error(wrap(ctx, CSSL_SERVER_SIDE, NULL, NULL, &b),
                     "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context");
    /* The role check comes first (Python's C constructor order). */
    check_role_error(wrap(ctx, CSSL_SERVER_SIDE, "localhost", NULL, &b),
                     "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context");
    pair_free(&b);
    cssl_context_free(ctx);
}

TEST(server_context_refused_on_client_side)
{
    cssl_context *ctx = server_context("server");
    tls_pair b = {0};
    check_role_error(wrap(ctx, 0, "localhost", NULL, &b),
                     "Cannot create a client socket with a PROTOCOL_TLS_SERVER context");
    check_role_error(wrap(ctx, 0, NULL, NULL, &b),
                     "Cannot create a client socket with a PROTOCOL_TLS_SERVER context");
    pair_free(&b);
    cssl_context_free(ctx);
}

TEST(server_side_refuses_hostname_and_session)
{
    /* A resumable session from a generic context, used on both sides. */
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS);
    REQUIRE(ctx != NULL);
    REQUIRE(cssl_context_load_cert_chain(ctx, fixture("server.pem"), fixture("server.key"),
                                         NULL) == CSSL_OK);
    CHECK_OK(cssl_context_set_maximum_version(ctx, CSSL_TLSVERSION_TLSv1_2));
    tls_pair p;
    pair_init(&p, ctx, ctx, NULL, NULL);
    HANDSHAKE_OK(&p);
    cssl_session *session = cssl_conn_get_session(p.client);
    REQUIRE(session != NULL);

    tls_pair b = {0};
    cssl_error_clear();
    CHECK_NULL_ERR(wrap(ctx, CSSL_SERVER_SIDE, "localhost", NULL, &b), CSSL_EVALUE,
                   "server_hostname can only be specified in client mode");
    CHECK_NULL_ERR(wrap(ctx, CSSL_SERVER_SIDE, NULL, session, &b), CSSL_EVALUE,
                   "session can only be specified in client mode");
    CHECK_NULL_ERR(wrap(ctx, CSSL_SERVER_SIDE, "localhost", session, &b), CSSL_EVALUE,
                   "server_hostname can only be specified in client mode");
    /* The same session is fine on the client side. */
    cssl_conn *ok = wrap(ctx, 0, NULL, session, &b);
    CHECK(ok != NULL);
    cssl_conn_free(ok);
    pair_free(&b);
    cssl_session_free(session);
    pair_free(&p);
    cssl_context_free(ctx);
}

TEST(check_hostname_requires_server_hostname)
{
    /* Python forgets this check for memory BIOs; cssl refuses them too. */
    cssl_context *ctx = client_context();
    tls_pair b = {0};
    CHECK_NULL_ERR(wrap(ctx, 0, NULL, NULL, &b), CSSL_EVALUE,
                   "check_hostname requires server_hostname");
    /* A generic context once hostname checking is switched on. */
    cssl_context *generic = cssl_context_new(CSSL_PROTOCOL_TLS);
    REQUIRE(generic != NULL);
    cssl_conn *ok = wrap(generic, 0, NULL, NULL, &b);
    CHECK(ok != NULL);
    cssl_conn_free(ok);
    CHECK_OK(cssl_context_set_check_hostname(generic, true));
    CHECK_NULL_ERR(wrap(generic, 0, NULL, NULL, &b), CSSL_EVALUE,
                   "check_hostname requires server_hostname");
    /* The server side never needs a name. */
    ok = wrap(generic, CSSL_SERVER_SIDE, NULL, NULL, &b);
    CHECK(ok != NULL);
    cssl_conn_free(ok);
    /* Without checking, no name is fine. */
    CHECK_OK(cssl_context_set_check_hostname(ctx, false));
    ok = wrap(ctx, 0, NULL, NULL, &b);
    CHECK(ok != NULL);
    CHECK(cssl_conn_server_hostname(ok) == NULL);
    cssl_conn_free(ok);
    pair_free(&b);
    cssl_context_free(generic);
    cssl_context_free(ctx);
}

TEST(empty_and_leading_dot_hostnames_refused)
{
    cssl_context *ctx = client_context();
    cssl_context *noverify = client_context_noverify();
    tls_pair b = {0};
    const char *bad[] = {"", ".", ".example.org", ".localhost"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_NULL_ERR(wrap(ctx, 0, bad[i], NULL, &b), CSSL_EVALUE,
                       "server_hostname cannot be an empty string or start with a leading dot.");
        CHECK_NULL_ERR(wrap(noverify, 0, bad[i], NULL, &b), CSSL_EVALUE,
                       "server_hostname cannot be an empty string or start with a leading dot.");
    }
    /* A trailing dot passes unchanged (Python too). */
    cssl_conn *ok = wrap(ctx, 0, "localhost.", NULL, &b);
    CHECK(ok != NULL);
    CHECK_STR(cssl_conn_server_hostname(ok), "localhost.");
    cssl_conn_free(ok);
    pair_free(&b);
    cssl_context_free(noverify);
    cssl_context_free(ctx);
}

TEST(generic_context_works_on_both_sides)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS);
    REQUIRE(ctx != NULL);
    REQUIRE(cssl_context_load_cert_chain(ctx, fixture("server.pem"), fixture("server.key"),
                                         NULL) == CSSL_OK);
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_NONE);
    tls_pair p;
    pair_init(&p, ctx, ctx, "localhost", NULL);
    CHECK(cssl_conn_context(p.client) == ctx && cssl_conn_context(p.server) == ctx);
    HANDSHAKE_OK(&p);
    CHECK_STR(cssl_conn_version(p.client), "TLSv1.3");
    pair_send(&p, true, "generic", 7);
    char buf[8];
    CHECK_INT(pair_recv(&p, false, buf, sizeof buf), 7);
    pair_free(&p);
    cssl_context_free(ctx);
}

TEST(conn_holds_its_own_bio_references)
{
    fixture_pair f;
    fp_init(&f);
    /* A second connection wrapped on fresh BIOs that the caller frees at
     * once: the connection keeps them alive until it is freed. */
    cssl_memory_bio *in = cssl_memory_bio_new(), *out = cssl_memory_bio_new();
    REQUIRE(in && out);
    cssl_conn *c = cssl_context_wrap_bio(f.cctx, in, out, 0, "localhost", NULL);
    REQUIRE(c != NULL);
    cssl_memory_bio_free(in);
    cssl_memory_bio_free(out);
    CHECK_INT(cssl_conn_do_handshake(c), CSSL_EWANT_READ); /* writes a ClientHello */
    cssl_conn_free(c);
    fp_free(&f);
}

TEST(same_bio_for_both_directions)
{
    /* Degenerate but allowed: one BIO as incoming and outgoing. The
     * connection must hold exactly the references it releases (checked by
     * the sanitizer and valgrind runs). */
    cssl_context *ctx = client_context();
    cssl_memory_bio *bio = cssl_memory_bio_new();
    REQUIRE(bio != NULL);
    cssl_conn *c = cssl_context_wrap_bio(ctx, bio, bio, 0, "localhost", NULL);
    REQUIRE(c != NULL);
    /* Our own ClientHello comes back as the "server's" reply. */
    int rc = cssl_conn_do_handshake(c);
    CHECK(rc < 0);
    cssl_error_clear();
    cssl_conn_free(c);
    cssl_memory_bio_free(bio);
    cssl_context_free(ctx);
}

/* ---- bad arguments -------------------------------------------------------- */

TEST(wrap_bio_bad_arguments)
{
    cssl_context *ctx = client_context();
    cssl_memory_bio *in = cssl_memory_bio_new(), *out = cssl_memory_bio_new();
    REQUIRE(in && out);
    CHECK_NULL_ERR(cssl_context_wrap_bio(NULL, in, out, 0, "localhost", NULL), CSSL_EVALUE,
                   "ctx must not be NULL");
    CHECK_NULL_ERR(cssl_context_wrap_bio(ctx, NULL, out, 0, "localhost", NULL), CSSL_EVALUE,
                   "incoming must not be NULL");
    CHECK_NULL_ERR(cssl_context_wrap_bio(ctx, in, NULL, 0, "localhost", NULL), CSSL_EVALUE,
                   "outgoing must not be NULL");
    CHECK_NULL_ERR(cssl_context_wrap_bio(ctx, in, out, CSSL_CLOSE_FD, "localhost", NULL),
                   CSSL_EVALUE, "CSSL_CLOSE_FD needs a socket connection");
    /* Nothing was queued by the failed attempts. */
    CHECK_INT(cssl_memory_bio_pending(out), 0);
    cssl_memory_bio_free(in);
    cssl_memory_bio_free(out);
    cssl_context_free(ctx);
}

TEST(memory_bio_connection_attributes)
{
    fixture_pair f;
    fp_init(&f);
    cssl_conn *c = f.p.client;
    CHECK_INT(cssl_conn_fileno(c), -1);
    CHECK(cssl_conn_timeout(c) == 0.0);
    CHECK_OK(cssl_conn_set_timeout(c, 0.0));
    CHECK_ERR(cssl_conn_set_timeout(c, 5.0), CSSL_EVALUE, "a memory BIO connection has no timeout");
    CHECK_ERR(cssl_conn_set_timeout(c, -1.0), CSSL_EVALUE,
              "a memory BIO connection has no timeout");
    CHECK(cssl_conn_timeout(c) == 0.0);
    CHECK_ERR(cssl_conn_sendfile(c, 0, 0, 0), CSSL_EUNSUPPORTED,
              "sendfile needs a socket connection");
    CHECK_STR(cssl_conn_server_hostname(c), "localhost");
    CHECK(cssl_conn_server_hostname(f.p.server) == NULL);
    CHECK(cssl_conn_context(c) == f.cctx);
    CHECK(!cssl_conn_session_reused(c));
    fp_free(&f);
}

TEST(null_conn_everywhere)
{
    char buf[8];
    uint8_t cb[128];
    const cssl_cert_info *info = NULL;
    uint8_t *der = NULL;
    size_t len = 0, sent = 5;
    cssl_cipher_desc *ciphers = NULL;
    cssl_context *ctx = client_context();
    const char *msg = "conn must not be NULL";

    cssl_conn_free(NULL);
    CHECK_ERR(cssl_conn_do_handshake(NULL), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_read(NULL, buf, sizeof buf), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_write(NULL, "x", 1), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_sendall(NULL, "x", 1, &sent), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_sendall(NULL, "", 0, &sent), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_sendfile(NULL, 0, 0, 0), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_unwrap(NULL), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_getpeercert(NULL, &info), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_getpeercert_der(NULL, &der, &len), CSSL_EVALUE, msg);
    CHECK_NULL_ERR(cssl_conn_get_verified_chain(NULL), CSSL_EVALUE, msg);
    CHECK_NULL_ERR(cssl_conn_get_unverified_chain(NULL), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_shared_ciphers(NULL, &ciphers, &len), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_get_channel_binding(NULL, "tls-unique", cb, sizeof cb), CSSL_EVALUE,
              msg);
    CHECK_ERR(cssl_conn_verify_client_post_handshake(NULL), CSSL_EVALUE, msg);
    CHECK_NULL_ERR(cssl_conn_get_session(NULL), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_set_context(NULL, ctx), CSSL_EVALUE, msg);
    CHECK_ERR(cssl_conn_set_timeout(NULL, 0), CSSL_EVALUE, msg);

    /* Getters return their documented value and record CSSL_EVALUE. */
#define CHECK_GETTER(expr, value)                                              \
    do {                                                                       \
        cssl_error_clear();                                                    \
        CHECK((expr) == (value));                                              \
        CHECK_INT(cssl_error_status(), CSSL_EVALUE);                           \
        CHECK_STR(cssl_error_message(), msg);                                  \
    } while (0)
    CHECK_GETTER(cssl_conn_pending(NULL), 0);
    CHECK_GETTER(cssl_conn_cipher(NULL, NULL, NULL), NULL);
    CHECK_GETTER(cssl_conn_compression(NULL), NULL);
    CHECK_GETTER(cssl_conn_version(NULL), NULL);
    CHECK_GETTER(cssl_conn_selected_alpn_protocol(NULL), NULL);
    CHECK_GETTER(cssl_conn_session_reused(NULL), false);
    CHECK_GETTER(cssl_conn_server_side(NULL), false);
    CHECK_GETTER(cssl_conn_server_hostname(NULL), NULL);
    CHECK_GETTER(cssl_conn_context(NULL), NULL);
    CHECK_GETTER(cssl_conn_fileno(NULL), -1);
    CHECK_GETTER(cssl_conn_timeout(NULL), 0.0);
#undef CHECK_GETTER
    cssl_context_free(ctx);
}

TEST(null_arguments_on_a_live_conn)
{
    fixture_pair f;
    fp_connect(&f);
    cssl_conn *c = f.p.client;
    uint8_t *der = NULL;
    size_t len = 0;
    cssl_cipher_desc *ciphers = NULL;
    CHECK_ERR(cssl_conn_read(c, NULL, 4), CSSL_EVALUE, "buf must not be NULL");
    CHECK_ERR(cssl_conn_write(c, NULL, 4), CSSL_EVALUE, "buf must not be NULL");
    size_t sent = 3;
    CHECK_ERR(cssl_conn_sendall(c, NULL, 4, &sent), CSSL_EVALUE, "buf must not be NULL");
    CHECK_INT(sent, 3); /* outputs are written only on success */
    CHECK_ERR(cssl_conn_getpeercert(c, NULL), CSSL_EVALUE, "info must not be NULL");
    CHECK_ERR(cssl_conn_getpeercert_der(c, NULL, &len), CSSL_EVALUE, "der must not be NULL");
    CHECK_ERR(cssl_conn_getpeercert_der(c, &der, NULL), CSSL_EVALUE, "len must not be NULL");
    CHECK_ERR(cssl_conn_shared_ciphers(c, NULL, &len), CSSL_EVALUE,
              "ciphers must not be NULL");
    CHECK_ERR(cssl_conn_shared_ciphers(c, &ciphers, NULL), CSSL_EVALUE,
              "count must not be NULL");
    CHECK_ERR(cssl_conn_get_channel_binding(c, NULL, NULL, 0), CSSL_EVALUE,
              "cb_type must not be NULL");
    CHECK_ERR(cssl_conn_get_channel_binding(c, "tls-unique", NULL, 0), CSSL_EVALUE,
              "buffer too small for the channel binding");
    uint8_t small[8];
    CHECK_ERR(cssl_conn_get_channel_binding(c, "tls-unique", small, sizeof small), CSSL_EVALUE,
              "buffer too small for the channel binding");
    CHECK_ERR(cssl_conn_set_session(c, NULL), CSSL_EVALUE, "session must not be NULL");
    CHECK_ERR(cssl_conn_set_context(c, NULL), CSSL_EVALUE, "ctx must not be NULL");
    CHECK(cssl_conn_context(c) == f.cctx);
    /* Optional outputs may be NULL. */
    CHECK(cssl_conn_cipher(c, NULL, NULL) != NULL);
    /* The connection still works after all that. */
    pair_send(&f.p, true, "ok", 2);
    char buf[4];
    CHECK_INT(pair_recv(&f.p, false, buf, sizeof buf), 2);
    fp_free(&f);
}
