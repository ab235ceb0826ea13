/*
 * test_hostile.c - peers that misbehave: garbage instead of TLS (random
 * bytes, an HTTP request, a record header announcing a huge length),
 * truncated records, a peer that stalls mid-handshake, TLS 1.2
 * renegotiation (requested by a raw OpenSSL peer, and refused with
 * OP_NO_RENEGOTIATION, and refused when the client asks), floods of
 * one-byte records and of key updates, and a peer that closes at every
 * byte offset of the handshake, on either side, over memory BIOs and
 * sockets.
 *
 * Every case must end in a clean error of a documented status (the exact
 * class is checked, with OpenSSL's reason where it is deterministic), never
 * a crash or a hang; and once the connection is freed, the live block
 * count (tests/oom.h) is back where it was: nothing leaks on any of these
 * paths. The raw OpenSSL peers run in the same thread over memory BIOs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "internal.h"
#include "oom.h"
#include "tls_util.h"

/* ---- helpers ---------------------------------------------------------------- */

/* A deterministic generator for the garbage (xorshift64*). */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
}

static uint8_t rng_byte(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint8_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 56);
}

/* The thread's error details, copied. */
typedef struct outcome {
    int rc;
    char reason[80];
    char msg[640];
} outcome;

static outcome record(int rc)
{
    outcome o = {.rc = rc};
    if (rc < 0) {
        snprintf(o.reason, sizeof o.reason, "%s",
                 cssl_error_reason() ? cssl_error_reason() : "None");
        snprintf(o.msg, sizeof o.msg, "%s", cssl_error_message());
        CHECK_INT(cssl_error_status(), rc);
    }
    CHECK(ERR_peek_error() == 0);
    return o;
}

#define CHECK_OUTCOME(o, status, reason_)                                      \
    do {                                                                       \
        outcome o_ = (o);                                                      \
        if (o_.rc != (status) || strcmp(o_.reason, (reason_)) != 0)            \
            harness_fail(__FILE__, __LINE__, "want %d %s, got %d %s (%s)", (status), \
                         (reason_), o_.rc, o_.reason, o_.msg);                 \
    } while (0)

/* Live blocks before a case; checked by leak_check() after it freed all. */
static long live_before;

static void leak_mark(void)
{
    live_before = oom_live_blocks();
}

#define LEAK_CHECK(what)                                                       \
    do {                                                                       \
        long d_ = oom_live_blocks() - live_before;                             \
        if (d_ != 0)                                                           \
            harness_fail(__FILE__, __LINE__, "%s: %ld blocks leaked", (what), d_); \
    } while (0)

/* Contexts: a verifying client for localhost; an ECDSA or RSA server
 * whose session cache stays empty (so that the block count is stable). */
static cssl_context *client_ctx(int max_version)
{
    cssl_context *ctx = client_context();
    if (max_version)
        REQUIRE(cssl_context_set_maximum_version(ctx, max_version) == CSSL_OK);
    return ctx;
}

static cssl_context *server_ctx(const char *name, int max_version)
{
    cssl_context *ctx = server_context(name);
    SSL_CTX_set_session_cache_mode(ctx->ssl_ctx, SSL_SESS_CACHE_OFF);
    if (max_version)
        REQUIRE(cssl_context_set_maximum_version(ctx, max_version) == CSSL_OK);
    return ctx;
}

/* One cssl endpoint over two memory BIOs. */
typedef struct end {
    cssl_memory_bio *in, *out;
    cssl_conn *conn;
} end;

static void end_open(end *e, cssl_context *ctx, bool server)
{
    e->in = cssl_memory_bio_new();
    e->out = cssl_memory_bio_new();
    REQUIRE(e->in && e->out);
    e->conn = cssl_context_wrap_bio(ctx, e->in, e->out, server ? CSSL_SERVER_SIDE : 0,
                                    server ? NULL : "localhost", NULL);
    REQUIRE(e->conn != NULL);
}

static void end_close(end *e)
{
    cssl_conn_free(e->conn);
    cssl_memory_bio_free(e->in);
    cssl_memory_bio_free(e->out);
    memset(e, 0, sizeof *e);
}

static void feed(end *e, const void *data, size_t len)
{
    if (len > 0)
        REQUIRE(cssl_memory_bio_write(e->in, data, len) == (ssize_t)len);
}

/* Everything e has sent so far (caller frees). */
static uint8_t *drain(end *e, size_t *len)
{
    size_t n = cssl_memory_bio_pending(e->out);
    uint8_t *buf = malloc(n + 1);
    REQUIRE(buf != NULL);
    *len = n ? (size_t)cssl_memory_bio_read(e->out, buf, n) : 0;
    return buf;
}

/* ---- garbage ---------------------------------------------------------------- */

/* A server given bytes (and EOF, if eof): its handshake's outcome. */
static outcome server_given(cssl_context *sctx, const void *bytes, size_t len, bool eof)
{
    end s;
    end_open(&s, sctx, true);
    feed(&s, bytes, len);
    if (eof)
        cssl_memory_bio_write_eof(s.in);
    cssl_error_clear();
    outcome o = record(cssl_conn_do_handshake(s.conn));
    /* A failed handshake stays failed; nothing loops. */
    if (o.rc < 0 && o.rc != CSSL_EWANT_READ)
        CHECK(cssl_conn_do_handshake(s.conn) < 0);
    ERR_clear_error();
    end_close(&s);
    return o;
}

/* A client that sent its ClientHello and got bytes back. */
static outcome client_given(cssl_context *cctx, const void *bytes, size_t len, bool eof)
{
    end c;
    end_open(&c, cctx, false);
    CHECK_INT(cssl_conn_do_handshake(c.conn), CSSL_EWANT_READ);
    size_t hello_len;
    free(drain(&c, &hello_len));
    CHECK(hello_len > 0);
    feed(&c, bytes, len);
    if (eof)
        cssl_memory_bio_write_eof(c.in);
    cssl_error_clear();
    outcome o = record(cssl_conn_do_handshake(c.conn));
    end_close(&c);
    return o;
}

static const char HTTP_REQUEST[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

TEST(http_request_to_server)
{
    cssl_context *sctx = server_ctx("ecdsa", 0);
    server_given(sctx, HTTP_REQUEST, strlen(HTTP_REQUEST), false); /* warm-up */
    leak_mark();
    CHECK_OUTCOME(server_given(sctx, HTTP_REQUEST, strlen(HTTP_REQUEST), false), CSSL_ESSL,
                  "HTTP_REQUEST");
    CHECK_OUTCOME(server_given(sctx, "POST /x HTTP/1.0\r\n", 18, false), CSSL_ESSL,
                  "HTTP_REQUEST");
    CHECK_OUTCOME(server_given(sctx, "CONNECT example.org:443 HTTP/1.1\r\n", 34, false),
                  CSSL_ESSL, "HTTPS_PROXY_REQUEST");
    LEAK_CHECK("HTTP requests");
    cssl_context_free(sctx);
}

TEST(http_response_to_client)
{
    cssl_context *cctx = client_ctx(0);
    static const char resp[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    client_given(cctx, resp, strlen(resp), false);
    leak_mark();
    CHECK_OUTCOME(client_given(cctx, resp, strlen(resp), false), CSSL_ESSL,
                  "WRONG_VERSION_NUMBER");
    LEAK_CHECK("HTTP response");
    cssl_context_free(cctx);
}

/* A TLS record header announcing more than a record may hold. */
TEST(huge_record_length)
{
    cssl_context *sctx = server_ctx("ecdsa", 0), *cctx = client_ctx(0);
    static const uint8_t handshake_huge[] = {0x16, 0x03, 0x01, 0xff, 0xff, 0x01};
    static const uint8_t alert_huge[] = {0x15, 0x03, 0x03, 0x48, 0x01};
    server_given(sctx, handshake_huge, sizeof handshake_huge, false);
    leak_mark();
    CHECK_OUTCOME(server_given(sctx, handshake_huge, sizeof handshake_huge, false), CSSL_ESSL,
                  "PACKET_LENGTH_TOO_LONG");
    CHECK_OUTCOME(client_given(cctx, handshake_huge, sizeof handshake_huge, false), CSSL_ESSL,
                  "PACKET_LENGTH_TOO_LONG");
    /* just over the limit for a plaintext record (2^14 + 2048) */
    CHECK_OUTCOME(server_given(sctx, alert_huge, sizeof alert_huge, false), CSSL_ESSL,
                  "PACKET_LENGTH_TOO_LONG");
    LEAK_CHECK("huge lengths");
    cssl_context_free(sctx);
    cssl_context_free(cctx);
}

/* Random bytes, many lengths and seeds: each ends in CSSL_ESSL at once, or
 * (a plausible record header announcing more) waits for data and turns
 * into CSSL_EEOF at the EOF. */
TEST(random_bytes)
{
    cssl_context *sctx = server_ctx("ecdsa", 0), *cctx = client_ctx(0);
    uint8_t buf[2048];
    rng_seed(1);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = rng_byte();
    server_given(sctx, buf, 64, true);
    client_given(cctx, buf, 64, true);
    leak_mark();
    int essl = 0, eeof = 0;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        rng_seed(seed);
        size_t len = 1 + seed * 7 % (sizeof buf - 1);
        for (size_t i = 0; i < len; i++)
            buf[i] = rng_byte();
        if (seed % 3 == 0) /* a TLS-looking start: handshake, TLS 1.x */
            memcpy(buf, "\x16\x03\x01", len < 3 ? len : 3);
        for (int side = 0; side < 2; side++) {
            outcome o = side ? client_given(cctx, buf, len, true)
                             : server_given(sctx, buf, len, true);
            if (o.rc == CSSL_ESSL)
                essl++;
            else if (o.rc == CSSL_EEOF)
                eeof++;
            else
                harness_fail(__FILE__, __LINE__, "seed %" PRIu64 " (%zu bytes) to the %s: %d %s",
                             seed, len, side ? "client" : "server", o.rc, o.msg);
        }
    }
    printf("random bytes: %d CSSL_ESSL, %d CSSL_EEOF\n", essl, eeof);
    CHECK(essl > 0 && eeof > 0);
    LEAK_CHECK("random bytes");
    cssl_context_free(sctx);
    cssl_context_free(cctx);
}

/* ---- a raw OpenSSL peer ------------------------------------------------------ */

typedef struct raw {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *in, *out; /* in: bytes for the raw peer; out: bytes it sent */
} raw;

static void raw_open(raw *r, bool server, int max_version)
{
    r->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    REQUIRE(r->ctx != NULL);
    if (server) {
        REQUIRE(SSL_CTX_use_certificate_chain_file(r->ctx, fixture("ecdsa.pem")) == 1);
        REQUIRE(SSL_CTX_use_PrivateKey_file(r->ctx, fixture("ecdsa.key"), SSL_FILETYPE_PEM) ==
                1);
    }
    if (max_version)
        REQUIRE(SSL_CTX_set_max_proto_version(r->ctx, max_version) == 1);
    r->ssl = SSL_new(r->ctx);
    r->in = BIO_new(BIO_s_mem());
    r->out = BIO_new(BIO_s_mem());
    REQUIRE(r->ssl && r->in && r->out);
    BIO_set_mem_eof_return(r->in, -1);
    SSL_set_bio(r->ssl, r->in, r->out);
    if (server)
        SSL_set_accept_state(r->ssl);
    else
        SSL_set_connect_state(r->ssl);
}

static void raw_close(raw *r)
{
    SSL_free(r->ssl);
    SSL_CTX_free(r->ctx);
    ERR_clear_error();
    memset(r, 0, sizeof *r);
}

/* Move bytes both ways between a cssl endpoint and the raw peer. */
static size_t relay(end *e, raw *r)
{
    uint8_t buf[16384];
    size_t moved = 0;
    ssize_t n;
    while ((n = cssl_memory_bio_read(e->out, buf, sizeof buf)) > 0) {
        REQUIRE(BIO_write(r->in, buf, (int)n) == n);
        moved += (size_t)n;
    }
    int k;
    while ((k = BIO_read(r->out, buf, sizeof buf)) > 0) {
        feed(e, buf, (size_t)k);
        moved += (size_t)k;
    }
    return moved;
}

/* The raw peer's SSL call: 1, or 0 when it only waits for data. REQUIREs
 * no other failure unless allow_fail. */
static int raw_step(raw *r, int ret, bool allow_fail)
{
    if (ret > 0)
        return 1;
    int err = SSL_get_error(r->ssl, ret);
    if (err == SSL_ERROR_WANT_READ)
        return 0;
    if (!allow_fail) {
        char buf[256];
        ERR_error_string_n(ERR_peek_last_error(), buf, sizeof buf);
        harness_fail(__FILE__, __LINE__, "raw peer: SSL error %d: %s", err, buf);
        harness_abort();
    }
    return -1;
}

/* Both handshakes, cssl endpoint e against the raw peer. */
static void handshake_raw(end *e, raw *r)
{
    int rc = CSSL_EWANT_READ, rr = 0;
    for (int round = 0; round < 16 && (rc != CSSL_OK || rr != 1); round++) {
        if (rc != CSSL_OK) {
            rc = cssl_conn_do_handshake(e->conn);
            if (rc != CSSL_OK && rc != CSSL_EWANT_READ) {
                harness_fail(__FILE__, __LINE__, "handshake: %s", cssl_error_message());
                harness_abort();
            }
        }
        relay(e, r);
        if (rr != 1)
            rr = raw_step(r, SSL_do_handshake(r->ssl), false);
        relay(e, r);
    }
    REQUIRE(rc == CSSL_OK && rr == 1);
}

/* Read until n bytes arrived on e (relaying), or a failure. */
static ssize_t read_n(end *e, raw *r, char *buf, size_t n)
{
    size_t got = 0;
    for (int tries = 0; got < n && tries < 64; tries++) {
        relay(e, r);
        ssize_t k = cssl_conn_read(e->conn, buf + got, n - got);
        if (k == CSSL_EWANT_READ)
            continue;
        if (k <= 0)
            return k;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* A cssl client connected to a raw OpenSSL server (raw_version 0 or
 * TLS1_2_VERSION) over memory BIOs, with the tickets that follow the
 * handshake taken in: ready for application data. */
static void established_client(raw *r, end *c, cssl_context *cctx, int raw_version)
{
    raw_open(r, true, raw_version);
    end_open(c, cctx, false);
    handshake_raw(c, r);
    char b;
    REQUIRE(SSL_write(r->ssl, "x", 1) == 1);
    CHECK_INT(read_n(c, r, &b, 1), 1);
}

/* ---- truncation ------------------------------------------------------------- */

/* Application data cut inside a record, then EOF: the reader sees
 * CSSL_EEOF (SSLEOFError), never the partial plaintext. */
TEST(truncated_record_then_eof)
{
    cssl_context *cctx = client_ctx(0);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            leak_mark();
        raw r;
        end c;
        established_client(&r, &c, cctx, 0);
        char buf[64];
        REQUIRE(SSL_write(r.ssl, "hello, truncated world", 22) == 22);
        uint8_t rec[256];
        int n = BIO_read(r.out, rec, sizeof rec);
        REQUIRE(n > 10);
        feed(&c, rec, (size_t)n - 7); /* all but the tag's last 7 bytes */
        CHECK_INT(cssl_conn_read(c.conn, buf, sizeof buf), CSSL_EWANT_READ);
        CHECK_INT(cssl_conn_read(c.conn, buf, sizeof buf), CSSL_EWANT_READ); /* no spin */
        cssl_memory_bio_write_eof(c.in);
        cssl_error_clear();
        CHECK_OUTCOME(record((int)cssl_conn_read(c.conn, buf, sizeof buf)), CSSL_EEOF,
                      "UNEXPECTED_EOF_WHILE_READING");
        end_close(&c);
        raw_close(&r);
    }
    LEAK_CHECK("truncated record");
    cssl_context_free(cctx);
}

/* A record whose bytes were altered in flight: bad MAC. */
TEST(corrupted_record)
{
    cssl_context *cctx = client_ctx(0);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            leak_mark();
        raw r;
        end c;
        established_client(&r, &c, cctx, 0);
        char buf[64];
        REQUIRE(SSL_write(r.ssl, "payload", 7) == 7);
        uint8_t rec[256];
        int n = BIO_read(r.out, rec, sizeof rec);
        REQUIRE(n > 10);
        rec[8] ^= 0x01;
        feed(&c, rec, (size_t)n);
        cssl_error_clear();
        CHECK_OUTCOME(record((int)cssl_conn_read(c.conn, buf, sizeof buf)), CSSL_ESSL,
                      "DECRYPTION_FAILED_OR_BAD_RECORD_MAC");
        end_close(&c);
        raw_close(&r);
    }
    LEAK_CHECK("corrupted record");
    cssl_context_free(cctx);
}

/* ---- a peer that stalls ---------------------------------------------------- */

/* Over memory BIOs: WANT_READ, again and again, without sending anything
 * more or allocating anything more. */
TEST(stall_memory_bio)
{
    cssl_context *cctx = client_ctx(0);
    end c;
    end_open(&c, cctx, false);
    CHECK_INT(cssl_conn_do_handshake(c.conn), CSSL_EWANT_READ);
    size_t hello;
    free(drain(&c, &hello));
    CHECK(hello > 0);
    long live = oom_live_blocks();
    for (int i = 0; i < 1000; i++)
        CHECK_INT(cssl_conn_do_handshake(c.conn), CSSL_EWANT_READ);
    CHECK_INT(cssl_memory_bio_pending(c.out), 0);
    CHECK_INT(oom_live_blocks(), live);
    /* the server's first bytes, then nothing */
    cssl_context *sctx = server_ctx("ecdsa", 0);
    end s;
    end_open(&s, sctx, true);
    CHECK_INT(cssl_conn_do_handshake(s.conn), CSSL_EWANT_READ);
    CHECK_INT(cssl_memory_bio_pending(s.out), 0);
    for (int i = 0; i < 100; i++)
        CHECK_INT(cssl_conn_do_handshake(s.conn), CSSL_EWANT_READ);
    end_close(&s);
    end_close(&c);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Over a socket with a timeout: CSSL_ETIMEOUT when the deadline passes,
 * for a peer that says nothing, and then for one that stops mid-flight
 * (the handshake may be retried after a timeout). */
TEST(stall_socket_timeout)
{
    cssl_context *cctx = client_ctx(0), *sctx = server_ctx("ecdsa", 0);
    int fds[2];
    socket_pair(fds);
    cssl_conn *c = cssl_context_wrap_socket(cctx, fds[0], 0, "localhost", NULL);
    REQUIRE(c != NULL);
    CHECK_OK(cssl_conn_set_timeout(c, 0.2));
    double t0 = now_s();
    cssl_error_clear();
    CHECK_OUTCOME(record(cssl_conn_do_handshake(c)), CSSL_ETIMEOUT, "None");
    CHECK_STR(cssl_error_message(), "The handshake operation timed out");
    CHECK(now_s() - t0 >= 0.2); /* never before the deadline */
    /* The ClientHello went out: answer it with all but the last bytes of
     * a real server's flight. */
    uint8_t hello[4096];
    ssize_t n = recv(fds[1], hello, sizeof hello, MSG_DONTWAIT);
    REQUIRE(n > 0);
    end s;
    end_open(&s, sctx, true);
    feed(&s, hello, (size_t)n);
    CHECK_INT(cssl_conn_do_handshake(s.conn), CSSL_EWANT_READ);
    size_t flight_len;
    uint8_t *flight = drain(&s, &flight_len);
    REQUIRE(flight_len > 100);
    REQUIRE(send(fds[1], flight, flight_len - 5, 0) == (ssize_t)flight_len - 5);
    t0 = now_s();
    cssl_error_clear();
    CHECK_OUTCOME(record(cssl_conn_do_handshake(c)), CSSL_ETIMEOUT, "None");
    CHECK(now_s() - t0 >= 0.2);
    /* the rest arrives: the handshake completes on the next try */
    REQUIRE(send(fds[1], flight + flight_len - 5, 5, 0) == 5);
    CHECK_OK(cssl_conn_do_handshake(c));
    free(flight);
    end_close(&s);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- renegotiation (TLS 1.2) ------------------------------------------------ */

/* The raw peer's read: takes in handshake messages and alerts; returns
 * what raw_step() does for it. */
static int raw_read(raw *r, bool allow_fail)
{
    char buf[256];
    return raw_step(r, SSL_read(r->ssl, buf, sizeof buf), allow_fail);
}

/* A raw OpenSSL server asks for renegotiation (HelloRequest). A cssl
 * client with default options renegotiates inside its reads, as Python's
 * does; data before and after arrives intact. */
TEST(renegotiation_requested_by_server)
{
    cssl_context *cctx = client_ctx(CSSL_TLSVERSION_TLSv1_2);
    raw r;
    end c;
    raw_open(&r, true, TLS1_2_VERSION);
    end_open(&c, cctx, false);
    handshake_raw(&c, &r);
    REQUIRE(SSL_renegotiate(r.ssl) == 1);
    REQUIRE(SSL_do_handshake(r.ssl) == 1); /* HelloRequest out */
    REQUIRE(SSL_write(r.ssl, "before", 6) == 6);
    char buf[64];
    size_t got = 0;
    for (int round = 0; round < 32 && SSL_renegotiate_pending(r.ssl); round++) {
        relay(&c, &r);
        ssize_t k = cssl_conn_read(c.conn, buf + got, sizeof buf - got);
        if (k > 0)
            got += (size_t)k;
        else if (k != CSSL_EWANT_READ)
            harness_fail(__FILE__, __LINE__, "client read: %s", cssl_error_message());
        relay(&c, &r);
        raw_read(&r, false);
    }
    CHECK(!SSL_renegotiate_pending(r.ssl));
    CHECK_INT(SSL_num_renegotiations(r.ssl), 1);
    CHECK_INT(got, 6);
    CHECK(memcmp(buf, "before", 6) == 0);
    REQUIRE(SSL_write(r.ssl, "after", 5) == 5);
    CHECK_INT(read_n(&c, &r, buf, 5), 5);
    CHECK(memcmp(buf, "after", 5) == 0);
    CHECK_STR(cssl_conn_version(c.conn), "TLSv1.2");
    end_close(&c);
    raw_close(&r);
    cssl_context_free(cctx);
}

/* With CSSL_OP_NO_RENEGOTIATION the client answers the HelloRequest with a
 * no_renegotiation alert; the OpenSSL server then gives up on the
 * connection (handshake_failure), which the client reads as CSSL_ESSL. */
TEST(renegotiation_refused_with_op_no_renegotiation)
{
    cssl_context *cctx = client_ctx(CSSL_TLSVERSION_TLSv1_2);
    CHECK_OK(cssl_context_set_options(cctx, cssl_context_options(cctx) |
                                                CSSL_OP_NO_RENEGOTIATION));
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            leak_mark();
        raw r;
        end c;
        raw_open(&r, true, TLS1_2_VERSION);
        end_open(&c, cctx, false);
        handshake_raw(&c, &r);
        REQUIRE(SSL_renegotiate(r.ssl) == 1);
        REQUIRE(SSL_do_handshake(r.ssl) == 1); /* HelloRequest out */
        relay(&c, &r);
        char buf[64];
        CHECK_INT(cssl_conn_read(c.conn, buf, sizeof buf), CSSL_EWANT_READ); /* alert sent */
        CHECK(cssl_memory_bio_pending(c.out) > 0);
        relay(&c, &r);
        CHECK_INT(raw_read(&r, true), -1);
        CHECK_INT(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_NO_RENEGOTIATION);
        ERR_clear_error();
        relay(&c, &r);
        cssl_error_clear();
        CHECK_OUTCOME(record((int)cssl_conn_read(c.conn, buf, sizeof buf)), CSSL_ESSL,
                      "SSLV3_ALERT_HANDSHAKE_FAILURE");
        end_close(&c);
        raw_close(&r);
    }
    LEAK_CHECK("refused renegotiation");
    cssl_context_free(cctx);
}

/* A client asking a cssl server to renegotiate: OpenSSL 3 servers refuse
 * client-initiated renegotiation (no SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
 * the client then aborts, and the server reads CSSL_ESSL. */
TEST(client_renegotiation_refused_by_server)
{
    cssl_context *sctx = server_ctx("ecdsa", CSSL_TLSVERSION_TLSv1_2);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            leak_mark();
        raw r;
        end s;
        raw_open(&r, false, TLS1_2_VERSION);
        end_open(&s, sctx, true);
        handshake_raw(&s, &r);
        REQUIRE(SSL_renegotiate(r.ssl) == 1);
        CHECK_INT(raw_step(&r, SSL_do_handshake(r.ssl), false), 0); /* ClientHello out */
        relay(&s, &r);
        char buf[64];
        CHECK_INT(cssl_conn_read(s.conn, buf, sizeof buf), CSSL_EWANT_READ);
        relay(&s, &r);
        CHECK_INT(raw_step(&r, SSL_do_handshake(r.ssl), true), -1);
        CHECK_INT(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_NO_RENEGOTIATION);
        ERR_clear_error();
        relay(&s, &r);
        cssl_error_clear();
        CHECK_OUTCOME(record((int)cssl_conn_read(s.conn, buf, sizeof buf)), CSSL_ESSL,
                      "SSLV3_ALERT_HANDSHAKE_FAILURE");
        end_close(&s);
        raw_close(&r);
    }
    LEAK_CHECK("client renegotiation");
    cssl_context_free(sctx);
}

/* ---- floods ----------------------------------------------------------------- */

/* Thousands of one-byte records at once: every byte arrives in order, and
 * reading them allocates nothing that stays (bounded memory). */
static void one_byte_flood(int max_version)
{
    enum { RECORDS = 5000 };
    cssl_context *cctx = client_ctx(max_version);
    raw r;
    end c;
    established_client(&r, &c, cctx, max_version == CSSL_TLSVERSION_TLSv1_2 ? TLS1_2_VERSION : 0);
    char buf[4096];
    for (int i = 0; i < RECORDS; i++) {
        char b = (char)('a' + i % 26);
        REQUIRE(SSL_write(r.ssl, &b, 1) == 1);
    }
    size_t wire = BIO_ctrl_pending(r.out);
    CHECK(wire >= RECORDS * 6); /* one record each */
    relay(&c, &r);
    long base = oom_live_blocks(), peak = base;
    long long base_bytes = oom_live_bytes(), peak_bytes = base_bytes;
    size_t got = 0;
    bool in_order = true;
    for (int tries = 0; got < RECORDS && tries < 2 * RECORDS; tries++) {
        ssize_t k = cssl_conn_read(c.conn, buf, sizeof buf);
        if (k <= 0) {
            harness_fail(__FILE__, __LINE__, "read: %zd %s", k, cssl_error_message());
            break;
        }
        for (ssize_t j = 0; j < k; j++)
            in_order &= buf[j] == (char)('a' + (got + (size_t)j) % 26);
        got += (size_t)k;
        if (oom_live_blocks() > peak)
            peak = oom_live_blocks();
        if (oom_live_bytes() > peak_bytes)
            peak_bytes = oom_live_bytes();
    }
    CHECK_INT(got, RECORDS);
    CHECK(in_order);
    printf("%d one-byte records (%zu bytes on the wire): peak +%ld blocks, +%lld bytes\n",
           RECORDS, wire, peak - base, peak_bytes - base_bytes);
    CHECK(peak - base <= 4);
    CHECK(peak_bytes - base_bytes <= 64 * 1024);
    CHECK(oom_live_blocks() <= base);
    end_close(&c);
    raw_close(&r);
    cssl_context_free(cctx);
}

TEST(flood_of_one_byte_records_tls13)
{
    one_byte_flood(0);
}

TEST(flood_of_one_byte_records_tls12)
{
    one_byte_flood(CSSL_TLSVERSION_TLSv1_2);
}

/* TLS 1.3 key updates: a thousand, each followed by data, and a thousand
 * in a row before one byte: all followed, data intact, nothing kept. */
TEST(flood_of_key_updates)
{
    cssl_context *cctx = client_ctx(0);
    raw r;
    end c;
    raw_open(&r, true, 0);
    end_open(&c, cctx, false);
    handshake_raw(&c, &r);
    char buf[64];
    for (int i = 0; i < 1000; i++) {
        REQUIRE(SSL_key_update(r.ssl, SSL_KEY_UPDATE_NOT_REQUESTED) == 1);
        char b = (char)('0' + i % 10);
        REQUIRE(SSL_write(r.ssl, &b, 1) == 1);
        if (read_n(&c, &r, buf, 1) != 1 || buf[0] != b) {
            harness_fail(__FILE__, __LINE__, "key update %d: %s", i, cssl_error_message());
            break;
        }
    }
    long base = oom_live_blocks();
    for (int i = 0; i < 1000; i++) {
        REQUIRE(SSL_key_update(r.ssl, SSL_KEY_UPDATE_NOT_REQUESTED) == 1);
        REQUIRE(SSL_do_handshake(r.ssl) == 1);
    }
    REQUIRE(SSL_write(r.ssl, "!", 1) == 1);
    relay(&c, &r);
    CHECK_INT(cssl_conn_read(c.conn, buf, sizeof buf), 1);
    CHECK(buf[0] == '!');
    CHECK_INT(oom_live_blocks(), base);
    /* and a key update the client must answer */
    REQUIRE(SSL_key_update(r.ssl, SSL_KEY_UPDATE_REQUESTED) == 1);
    REQUIRE(SSL_write(r.ssl, "?", 1) == 1);
    CHECK_INT(read_n(&c, &r, buf, 1), 1);
    CHECK_INT(cssl_conn_write(c.conn, "ok", 2), 2);
    relay(&c, &r);
    CHECK_INT(SSL_read(r.ssl, buf, sizeof buf), 2);
    end_close(&c);
    raw_close(&r);
    cssl_context_free(cctx);
}

/* ---- closing at every byte offset of the handshake ------------------------ */

/* Move from's output to to's input, at most *budget bytes of it (the rest
 * is lost: the sender's transport is closed after that). */
static void move_capped(end *from, end *to, size_t *budget)
{
    uint8_t buf[16384];
    ssize_t n;
    while ((n = cssl_memory_bio_read(from->out, buf, sizeof buf)) > 0) {
        size_t k = (size_t)n < *budget ? (size_t)n : *budget;
        feed(to, buf, k);
        *budget -= k;
    }
}

/*
 * A handshake in which one side's transport delivers its first k bytes and
 * then ends (k = SIZE_MAX: never). Returns the other side's handshake
 * outcome; *sent: the bytes the closing side produced in all.
 */
static outcome handshake_cut(cssl_context *cctx, cssl_context *sctx, bool server_closes,
                             size_t k, size_t *sent)
{
    end c, s;
    end_open(&c, cctx, false);
    end_open(&s, sctx, true);
    end *closer = server_closes ? &s : &c, *victim = server_closes ? &c : &s;
    size_t budget = k, before = 0;
    bool eof = false;
    int rc = CSSL_EWANT_READ, rs = CSSL_EWANT_READ;
    *sent = 0;
    for (int round = 0; round < 16; round++) {
        if (rc == CSSL_EWANT_READ)
            rc = cssl_conn_do_handshake(c.conn);
        if (rc < 0 && rc != CSSL_EWANT_READ && victim == &c)
            break;
        before = cssl_memory_bio_pending(closer->out);
        *sent += server_closes ? 0 : before;
        if (server_closes)
            move_capped(&c, &s, &(size_t){SIZE_MAX});
        else
            move_capped(&c, &s, &budget);
        if (!server_closes && budget == 0 && !eof) {
            cssl_memory_bio_write_eof(s.in);
            eof = true;
        }
        if (rs == CSSL_EWANT_READ)
            rs = cssl_conn_do_handshake(s.conn);
        if (rs < 0 && rs != CSSL_EWANT_READ && victim == &s)
            break;
        if (server_closes) {
            *sent += cssl_memory_bio_pending(s.out);
            move_capped(&s, &c, &budget);
            if (budget == 0 && !eof) {
                cssl_memory_bio_write_eof(c.in);
                eof = true;
            }
        } else {
            move_capped(&s, &c, &(size_t){SIZE_MAX});
        }
        int vr = victim == &c ? rc : rs;
        if (vr == CSSL_OK)
            break;
    }
    int vr = victim == &c ? rc : rs;
    outcome o = {.rc = vr};
    if (vr < 0) {
        /* the victim's last call failed (or waits): ask it again to be sure
         * its recorded details are its own */
        cssl_error_clear();
        o = record(cssl_conn_do_handshake(victim->conn));
    }
    end_close(&c);
    end_close(&s);
    ERR_clear_error();
    return o;
}

/* Every offset; under a slow checker (harness_scale) every stride-th, and
 * every one of the last 32 (where the handshake completes). */
static size_t offset_stride(size_t total)
{
    size_t kept = (size_t)harness_scale((int)total);
    return kept < total ? total / kept : 1;
}

/* An ECDSA signature's DER length varies by a byte or two from one
 * handshake to the next, and so does the closing side's output: the cuts
 * go a few bytes past the first handshake's total, so that some handshake
 * always gets all it needs. */
enum { SIG_SLACK = 8 };

static size_t next_offset(size_t k, size_t stride, size_t total)
{
    return k + 32 >= total ? k + 1 : k + stride;
}

/* For every k from 0 to the whole of the closing side's handshake
 * output: EOF after k bytes is CSSL_EEOF for the other side, until it has
 * all it needs; then its handshake completes. */
static void cut_everywhere(const char *what, cssl_context *cctx, cssl_context *sctx,
                           bool server_closes)
{
    size_t total = 0, needed = SIZE_MAX;
    outcome o = handshake_cut(cctx, sctx, server_closes, SIZE_MAX, &total);
    CHECK_INT(o.rc, CSSL_OK);
    REQUIRE(total > 0);
    long base = oom_live_blocks();
    int eofs = 0, oks = 0;
    size_t stride = offset_stride(total);
    for (size_t k = 0; k <= total + SIG_SLACK; k = next_offset(k, stride, total)) {
        size_t sent;
        o = handshake_cut(cctx, sctx, server_closes, k, &sent);
        if (o.rc == CSSL_OK) {
            oks++;
            if (needed == SIZE_MAX)
                needed = k;
        } else if (o.rc == CSSL_EEOF && strstr(o.msg, "EOF occurred in violation of protocol") &&
                   (needed == SIZE_MAX || k < needed + SIG_SLACK)) {
            /* OpenSSL queues UNEXPECTED_EOF_WHILE_READING when the EOF
             * comes between records, nothing when it cuts one (Python:
             * SSLEOFError either way, with the same text) */
            eofs++;
        } else {
            harness_fail(__FILE__, __LINE__, "%s, EOF after %zu of %zu bytes: %d %s", what, k,
                         total, o.rc, o.msg);
        }
        long leaked = oom_live_blocks() - base;
        if (leaked != 0) {
            harness_fail(__FILE__, __LINE__, "%s, EOF after %zu bytes: %ld blocks leaked", what,
                         k, leaked);
            base = oom_live_blocks();
        }
        if (harness_failures > 10)
            harness_abort();
    }
    printf("%s: %zu bytes; EOF after 0..%zu of them: CSSL_EEOF; after %zu..%zu: complete"
           " (offsets tested: every %zu)\n", what, total, needed - 1, needed, total, stride);
    CHECK(eofs > 0 && oks > 0);
}

TEST(server_closes_at_every_offset_tls13)
{
    cssl_context *cctx = client_ctx(0), *sctx = server_ctx("ecdsa", 0);
    cut_everywhere("TLS 1.3, server closes", cctx, sctx, true);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(client_closes_at_every_offset_tls13)
{
    cssl_context *cctx = client_ctx(0), *sctx = server_ctx("ecdsa", 0);
    cut_everywhere("TLS 1.3, client closes", cctx, sctx, false);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(server_closes_at_every_offset_tls12)
{
    cssl_context *cctx = client_ctx(CSSL_TLSVERSION_TLSv1_2), *sctx = server_ctx("server", 0);
    cut_everywhere("TLS 1.2 RSA, server closes", cctx, sctx, true);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(client_closes_at_every_offset_tls12)
{
    cssl_context *cctx = client_ctx(CSSL_TLSVERSION_TLSv1_2), *sctx = server_ctx("server", 0);
    cut_everywhere("TLS 1.2 RSA, client closes", cctx, sctx, false);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/*
 * The same over a socket: the victim's transport is a socketpair whose
 * other end this test writes (its first k bytes of the closing side's
 * output, then shutdown(SHUT_WR)); the closing side runs over memory BIOs.
 */
static outcome socket_cut(cssl_context *cctx, cssl_context *sctx, bool server_closes, size_t k,
                          size_t *sent)
{
    int fds[2];
    socket_pair(fds);
    REQUIRE(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
    end closer;
    end_open(&closer, server_closes ? sctx : cctx, server_closes);
    cssl_conn *victim = cssl_context_wrap_socket(server_closes ? cctx : sctx, fds[0],
                                                 server_closes ? 0 : CSSL_SERVER_SIDE,
                                                 server_closes ? "localhost" : NULL, NULL);
    REQUIRE(victim != NULL);
    CHECK_OK(cssl_conn_set_timeout(victim, 0)); /* non-blocking: one thread drives both */
    size_t budget = k;
    bool eof = false;
    int rv = CSSL_EWANT_READ, rcl = CSSL_EWANT_READ;
    *sent = 0;
    for (int round = 0; round < 16 && rv == CSSL_EWANT_READ; round++) {
        rv = cssl_conn_do_handshake(victim);
        uint8_t buf[16384];
        ssize_t n;
        while ((n = recv(fds[1], buf, sizeof buf, 0)) > 0)
            feed(&closer, buf, (size_t)n);
        if (rcl == CSSL_EWANT_READ)
            rcl = cssl_conn_do_handshake(closer.conn);
        while ((n = cssl_memory_bio_read(closer.out, buf, sizeof buf)) > 0) {
            *sent += (size_t)n;
            size_t part = (size_t)n < budget ? (size_t)n : budget;
            if (part > 0)
                REQUIRE(send(fds[1], buf, part, 0) == (ssize_t)part);
            budget -= part;
        }
        if (budget == 0 && !eof) {
            shutdown(fds[1], SHUT_WR);
            eof = true;
        }
        if (rv == CSSL_EWANT_READ)
            rv = cssl_conn_do_handshake(victim);
    }
    cssl_error_clear();
    outcome o = rv == CSSL_OK ? (outcome){.rc = CSSL_OK} : record(cssl_conn_do_handshake(victim));
    cssl_conn_free(victim);
    end_close(&closer);
    close(fds[0]);
    close(fds[1]);
    ERR_clear_error();
    return o;
}

static void socket_cut_everywhere(const char *what, bool server_closes)
{
    cssl_context *cctx = client_ctx(0), *sctx = server_ctx("ecdsa", 0);
    size_t total = 0, needed = SIZE_MAX;
    outcome o = socket_cut(cctx, sctx, server_closes, SIZE_MAX, &total);
    CHECK_INT(o.rc, CSSL_OK);
    REQUIRE(total > 0);
    long base = oom_live_blocks();
    size_t stride = offset_stride(total);
    for (size_t k = 0; k <= total + SIG_SLACK; k = next_offset(k, stride, total)) {
        size_t sent;
        o = socket_cut(cctx, sctx, server_closes, k, &sent);
        if (o.rc == CSSL_OK && needed == SIZE_MAX)
            needed = k;
        else if (!(o.rc == CSSL_OK ||
                   (o.rc == CSSL_EEOF && (needed == SIZE_MAX || k < needed + SIG_SLACK))))
            harness_fail(__FILE__, __LINE__, "%s, EOF after %zu of %zu bytes: %d %s", what, k,
                         total, o.rc, o.msg);
        if (oom_live_blocks() != base) {
            harness_fail(__FILE__, __LINE__, "%s, EOF after %zu bytes: %ld blocks leaked", what,
                         k, oom_live_blocks() - base);
            base = oom_live_blocks();
        }
        if (harness_failures > 10)
            harness_abort();
    }
    printf("%s: %zu bytes; EOF after 0..%zu of them: CSSL_EEOF; after %zu..%zu: complete"
           " (offsets tested: every %zu)\n", what, total, needed - 1, needed, total, stride);
    CHECK(needed != SIZE_MAX && needed > 0);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(server_closes_at_every_offset_socket)
{
    socket_cut_everywhere("TLS 1.3 over a socket, server closes", true);
}

TEST(client_closes_at_every_offset_socket)
{
    socket_cut_everywhere("TLS 1.3 over a socket, client closes", false);
}
