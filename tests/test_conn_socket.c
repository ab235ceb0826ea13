/*
 * test_conn_socket.c - the socket transport of cssl_conn: blocking and
 * non-blocking fds, timeouts as a total deadline per operation, sockets
 * connected after wrapping, sendall/sendfile, STARTTLS (unwrap), ragged
 * EOFs, and the fd rules. Real handshakes over AF_UNIX socketpairs and
 * loopback TCP; the peer runs in a second thread and every wait is on a
 * real event (a pipe, poll on an fd), never a sleep.
 *
 * get_server_certificate and the many-threads test live in
 * test_conn_socket_net.c.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/stat.h>

#include "sock_peer.h"

/* ---- peers ------------------------------------------------------------- */

/* TLS echo until the client goes away; p->count = bytes echoed. */
static void echo_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    char buf[16384];
    for (;;) {
        ssize_t n = cssl_conn_read(c, buf, sizeof buf);
        if (n < 0)
            peer_failf(p, __LINE__, "read: %zd", n);
        if (n <= 0)
            break;
        size_t sent = 0;
        if (cssl_conn_sendall(c, buf, (size_t)n, &sent) != CSSL_OK) {
            peer_failf(p, __LINE__, "sendall");
            break;
        }
        p->count += sent;
    }
    cssl_conn_free(c);
}

/* Receive everything until EOF into p->buf (capacity p->len). */
static void sink_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    unsigned char tmp[16384];
    for (;;) {
        ssize_t n = cssl_conn_read(c, tmp, sizeof tmp);
        if (n < 0)
            peer_failf(p, __LINE__, "read: %zd", n);
        if (n <= 0)
            break;
        size_t room = p->len - p->count, take = (size_t)n < room ? (size_t)n : room;
        PCHECK(p, take == (size_t)n); /* no more than the test expects */
        memcpy(p->buf + p->count, tmp, take);
        p->count += take;
    }
    cssl_conn_free(c);
}

/* Handshake, then wait for the test's event before freeing (a peer that
 * stays silent after the handshake). */
static void idle_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    event_send(p->note[1], 'h');
    event_wait(p->ctl[0]);
    cssl_conn_free(c);
}

/* ---- client helpers ---------------------------------------------------- */

static cssl_conn *client_wrap(cssl_context *cctx, int fd, unsigned flags)
{
    cssl_conn *c = cssl_context_wrap_socket(cctx, fd, flags, "localhost", NULL);
    if (c == NULL)
        harness_fail(__FILE__, __LINE__, "wrap_socket: %s", cssl_error_message());
    REQUIRE(c != NULL);
    return c;
}

/* A socketpair with a peer thread running fn on fds[1]. */
static void start_pair_peer(peer *p, int fds[2], cssl_context *sctx, peer_fn fn)
{
    socket_pair(fds);
    p->fd = fds[1];
    p->ctx = sctx;
    p->flags = CSSL_SERVER_SIDE;
    peer_start(p, fn);
}

/* ---- blocking mode ----------------------------------------------------- */

TEST(blocking_handshake_and_echo_over_socketpair)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, echo_server);
    CHECK(!fd_is_nonblocking(fds[0]));
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK(cssl_conn_timeout(c) == -1.0);
    CHECK_INT(cssl_conn_fileno(c), fds[0]);
    CHECK(cssl_conn_version(c) == NULL);
    CHECK_OK(cssl_conn_do_handshake(c));
    CHECK_STR(cssl_conn_version(c), "TLSv1.3");
    CHECK(!fd_is_nonblocking(fds[0])); /* blocking stays blocking */
    size_t total = 0;
    for (int i = 0; i < 5; i++) {
        char line[64], back[64];
        int n = snprintf(line, sizeof line, "line %d of the echo test\n", i);
        CHECK_INT(cssl_conn_write(c, line, (size_t)n), n);
        CHECK_INT(read_exact(c, back, (size_t)n), n);
        CHECK(memcmp(line, back, (size_t)n) == 0);
        total += (size_t)n;
    }
    cssl_conn_free(c);
    close(fds[0]); /* the server sees a (suppressed) ragged EOF and ends */
    peer_join(&p);
    CHECK_INT(p.count, total);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* The handshake runs implicitly on the first write (and read). */
TEST(blocking_handshake_implicit_on_first_io_over_tcp)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int port, lfd = tcp_listen(&port);
    int cfd = tcp_connect(port);
    peer p = {.ctx = sctx, .flags = CSSL_SERVER_SIDE};
    p.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    REQUIRE(p.fd >= 0);
    peer_start(&p, echo_server);
    /* An IP address is checked as an IP (server.pem has IP:127.0.0.1). */
    cssl_conn *c = cssl_context_wrap_socket(cctx, cfd, 0, "127.0.0.1", NULL);
    REQUIRE(c != NULL);
    CHECK_INT(cssl_conn_write(c, "ping", 4), 4);
    CHECK_STR(cssl_conn_version(c), "TLSv1.3");
    char buf[8] = {0};
    CHECK_INT(read_exact(c, buf, 4), 4);
    CHECK_STR(buf, "ping");
    cssl_conn_free(c);
    close(cfd);
    peer_join(&p);
    CHECK_INT(p.count, 4);
    close(p.fd);
    close(lfd);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* Server: read p->len bytes of pattern 1, then send p->len of pattern 2. */
static void bulk_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    unsigned char *buf = malloc(p->len);
    PCHECK(p, buf != NULL);
    if (buf != NULL) {
        p->count = read_exact(c, buf, p->len);
        PCHECK(p, p->count == p->len);
        PCHECK(p, pattern_check(buf, p->count, 0, 1) == p->len);
        pattern_fill(buf, p->len, 0, 2);
        size_t sent = 0;
        PCHECK(p, cssl_conn_sendall(c, buf, p->len, &sent) == CSSL_OK);
        PCHECK(p, sent == p->len);
        free(buf);
    }
    event_wait(p->ctl[0]); /* the client has read everything */
    cssl_conn_free(c);
}

TEST(blocking_large_transfers_both_ways)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    const size_t size = 4u << 20;
    peer p = {.len = size};
    start_pair_peer(&p, fds, sctx, bulk_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    unsigned char *buf = malloc(size);
    REQUIRE(buf != NULL);
    pattern_fill(buf, size, 0, 1);
    /* A blocking write sends everything it is given, records and all. */
    CHECK_INT(cssl_conn_write(c, buf, 1u << 20), 1u << 20);
    size_t sent = 0;
    CHECK_OK(cssl_conn_sendall(c, buf + (1u << 20), size - (1u << 20), &sent));
    CHECK_INT(sent, size - (1u << 20));
    memset(buf, 0, size);
    CHECK_INT(read_exact(c, buf, size), size);
    CHECK_INT(pattern_check(buf, size, 0, 2), size);
    CHECK_INT(cssl_conn_pending(c), 0);
    event_send(p.ctl[1], 'x');
    peer_join(&p);
    CHECK_INT(p.count, size);
    free(buf);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(sendall_and_write_of_nothing)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, echo_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    size_t sent = 99;
    CHECK_OK(cssl_conn_sendall(c, "", 0, &sent));
    CHECK_INT(sent, 0);
    CHECK_INT(cssl_conn_write(c, "", 0), 0);
    CHECK_OK(cssl_conn_sendall(c, "abc", 3, NULL));
    char buf[4] = {0};
    CHECK_INT(read_exact(c, buf, 3), 3);
    CHECK_STR(buf, "abc");
    CHECK_INT(cssl_conn_read(c, buf, 0), 0);
    CHECK_ERR(cssl_conn_read(c, NULL, 5), CSSL_EVALUE, "buf must not be NULL");
    CHECK_ERR(cssl_conn_write(c, NULL, 5), CSSL_EVALUE, "buf must not be NULL");
    cssl_conn_free(c);
    close(fds[0]);
    peer_join(&p);
    CHECK_INT(p.count, 3);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- sendfile ---------------------------------------------------------- */

#define SENDFILE_SIZE ((size_t)300000)

/* A temp file of SENDFILE_SIZE pattern-3 bytes, opened for reading. */
static int pattern_file(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sendfile.bin", test_tmpdir());
    unsigned char *data = malloc(SENDFILE_SIZE);
    REQUIRE(data != NULL);
    pattern_fill(data, SENDFILE_SIZE, 0, 3);
    write_file(path, data, SENDFILE_SIZE);
    free(data);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    return fd;
}

/* sendfile(in, offset, count) to a sink; returns what the sink got. */
static void check_sendfile(off_t offset, size_t count, size_t expect)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {.len = SENDFILE_SIZE + 1};
    p.buf = malloc(p.len);
    REQUIRE(p.buf != NULL);
    start_pair_peer(&p, fds, sctx, sink_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_OK(cssl_conn_do_handshake(c)); /* sending nothing would not */
    int in = pattern_file();
    REQUIRE(lseek(in, 1234, SEEK_SET) == 1234);
    CHECK_INT(cssl_conn_sendfile(c, in, offset, count), expect);
    /* Like sendfile(2) with an offset: the file position is not used or
     * moved (pread). */
    CHECK_INT(lseek(in, 0, SEEK_CUR), 1234);
    cssl_conn_free(c);
    shutdown(fds[0], SHUT_WR); /* EOF for the sink */
    peer_join(&p);
    CHECK_INT(p.count, expect);
    CHECK_INT(pattern_check(p.buf, p.count, (size_t)offset, 3), expect);
    free(p.buf);
    close(in);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(sendfile_count_zero_sends_to_eof)
{
    check_sendfile(0, 0, SENDFILE_SIZE);
}

TEST(sendfile_offset_and_count)
{
    check_sendfile(1000, 70000, 70000);
}

TEST(sendfile_offset_to_eof)
{
    check_sendfile(12345, 0, SENDFILE_SIZE - 12345);
}

TEST(sendfile_count_past_eof_stops_at_eof)
{
    check_sendfile(SENDFILE_SIZE - 10, 1000, 10);
}

TEST(sendfile_offset_at_or_past_eof_sends_nothing)
{
    check_sendfile(SENDFILE_SIZE, 0, 0);
    check_sendfile(SENDFILE_SIZE + 100, 5, 0);
}

TEST(sendfile_errors)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    /* Memory BIOs have no sendfile (Python's SSLObject has none either). */
    tls_pair bp;
    pair_init(&bp, cctx, sctx, "localhost", NULL);
    CHECK_OK(pair_handshake(&bp, NULL, NULL, NULL, NULL));
    int in = pattern_file();
    CHECK_ERR(cssl_conn_sendfile(bp.client, in, 0, 0), CSSL_EUNSUPPORTED,
              "sendfile needs a socket connection");
    pair_free(&bp);
    CHECK_ERR(cssl_conn_sendfile(NULL, in, 0, 0), CSSL_EVALUE, "conn must not be NULL");

    int fds[2];
    peer p = {.len = 16};
    p.buf = malloc(p.len);
    REQUIRE(p.buf != NULL);
    start_pair_peer(&p, fds, sctx, sink_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_OK(cssl_conn_do_handshake(c));
    CHECK_ERR(cssl_conn_sendfile(c, -1, 0, 0), CSSL_EVALUE, "invalid file descriptor or offset");
    CHECK_ERR(cssl_conn_sendfile(c, in, -1, 0), CSSL_EVALUE, "invalid file descriptor or offset");
    int dir = open(test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(dir >= 0);
    CHECK_ERR(cssl_conn_sendfile(c, dir, 0, 0), CSSL_EOS, "[Errno 21] Is a directory");
    CHECK_INT(cssl_error_errno(), EISDIR);
    close(dir);
    int wronly = open(test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(wronly); /* a closed fd number */
    CHECK_ERR(cssl_conn_sendfile(c, wronly, 0, 0), CSSL_EOS, "[Errno 9] Bad file descriptor");
    /* Python: socket.sendfile refuses non-blocking sockets, since the
     * bytes already sent could not be reported with a WANT status. */
    CHECK_OK(cssl_conn_set_timeout(c, 0));
    CHECK_ERR(cssl_conn_sendfile(c, in, 0, 0), CSSL_EVALUE,
              "non-blocking sockets are not supported");
    CHECK_OK(cssl_conn_set_timeout(c, -1));
    CHECK_INT(cssl_conn_sendfile(c, in, 0, 16), 16);
    cssl_conn_free(c);
    shutdown(fds[0], SHUT_WR);
    peer_join(&p);
    CHECK_INT(p.count, 16);
    CHECK_INT(pattern_check(p.buf, p.count, 0, 3), 16);
    free(p.buf);
    close(in);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* sendfile with a timeout: a total deadline per write, all bytes sent. */
TEST(sendfile_with_timeout)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {.len = SENDFILE_SIZE};
    p.buf = malloc(p.len);
    REQUIRE(p.buf != NULL);
    start_pair_peer(&p, fds, sctx, sink_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_OK(cssl_conn_set_timeout(c, 20.0));
    int in = pattern_file();
    CHECK_INT(cssl_conn_sendfile(c, in, 0, 0), SENDFILE_SIZE);
    cssl_conn_free(c);
    shutdown(fds[0], SHUT_WR);
    peer_join(&p);
    CHECK_INT(p.count, SENDFILE_SIZE);
    CHECK_INT(pattern_check(p.buf, p.count, 0, 3), SENDFILE_SIZE);
    free(p.buf);
    close(in);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- non-blocking fds -------------------------------------------------- */

/* Server: wait for the test's go, then handshake and echo. */
static void gated_echo_server(peer *p)
{
    event_wait(p->ctl[0]);
    echo_server(p);
}

/* Drive a non-blocking operation with poll, as an event loop would. */
static int poll_until_done(cssl_conn *c, int (*op)(cssl_conn *), int *wants)
{
    for (int i = 0; i < 10000; i++) {
        int rc = op(c);
        if (rc != CSSL_EWANT_READ && rc != CSSL_EWANT_WRITE)
            return rc;
        if (wants)
            (*wants)++;
        if (!wait_fd(cssl_conn_fileno(c), rc == CSSL_EWANT_WRITE))
            return -1000;
    }
    return -1001;
}

/* Python's test_non_blocking_handshake. */
TEST(nonblocking_handshake_with_poll)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, gated_echo_server);
    set_nonblocking(fds[0], true);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    /* A non-blocking fd makes a timeout-0 (non-blocking) connection. */
    REQUIRE(cssl_conn_timeout(c) == 0.0);
    /* The server has not started: the ClientHello is out, no answer yet. */
    CHECK_ERR(cssl_conn_do_handshake(c), CSSL_EWANT_READ, "The operation did not complete (read)");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_WANT_READ);
    CHECK(cssl_error_library() == NULL);
    CHECK(cssl_conn_version(c) == NULL);
    event_send(p.ctl[1], 'g');
    CHECK_OK(poll_until_done(c, cssl_conn_do_handshake, NULL));
    CHECK_STR(cssl_conn_version(c), "TLSv1.3");
    CHECK(fd_is_nonblocking(fds[0]));
    CHECK_OK(cssl_conn_do_handshake(c)); /* done is done */

    /* Echo with poll: the read wants more until the echo arrives. */
    CHECK_INT(cssl_conn_write(c, "nonblocking", 11), 11);
    char buf[16] = {0};
    size_t got = 0;
    while (got < 11) {
        ssize_t n = cssl_conn_read(c, buf + got, sizeof buf - 1 - got);
        if (n == CSSL_EWANT_READ) {
            REQUIRE(wait_fd(fds[0], false));
            continue;
        }
        REQUIRE(n > 0);
        got += (size_t)n;
    }
    CHECK_STR(buf, "nonblocking");
    /* Nothing more is coming: a read wants more instead of blocking. */
    CHECK_ERR(cssl_conn_read(c, buf, sizeof buf), CSSL_EWANT_READ,
              "The operation did not complete (read)");
    cssl_conn_free(c);
    close(fds[0]);
    peer_join(&p);
    CHECK_INT(p.count, 11);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* Server: handshake; wait for the test's go; then count everything until
 * EOF, checking the pattern-4 stream. */
static void drain_on_signal_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    event_send(p->note[1], 'h');
    event_wait(p->ctl[0]);
    unsigned char buf[16384];
    for (;;) {
        ssize_t n = cssl_conn_read(c, buf, sizeof buf);
        if (n < 0)
            peer_failf(p, __LINE__, "read: %zd", n);
        if (n <= 0)
            break;
        if (pattern_check(buf, (size_t)n, p->count, 4) != (size_t)n)
            peer_failf(p, __LINE__, "stream corrupt near offset %zu", p->count);
        p->count += (size_t)n;
    }
    cssl_conn_free(c);
}

/* Python's test_nonblocking_send: write until the socket buffer is full
 * (CSSL_EWANT_WRITE), let the peer drain, retry with the same arguments:
 * every byte arrives exactly once. */
TEST(nonblocking_send_want_write_then_retry)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, drain_on_signal_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_OK(cssl_conn_do_handshake(c));
    event_wait(p.note[0]);
    CHECK_OK(cssl_conn_set_timeout(c, 0));
    CHECK(fd_is_nonblocking(fds[0]));
    unsigned char chunk[8192];
    size_t total = 0;
    pattern_fill(chunk, sizeof chunk, total, 4);
    ssize_t n = 0;
    for (int i = 0; i < 100000; i++) {
        n = cssl_conn_write(c, chunk, sizeof chunk);
        if (n != (ssize_t)sizeof chunk)
            break;
        total += sizeof chunk;
        pattern_fill(chunk, sizeof chunk, total, 4);
    }
    REQUIRE(n == CSSL_EWANT_WRITE);
    CHECK_INT(cssl_error_status(), CSSL_EWANT_WRITE);
    CHECK_STR(cssl_error_message(), "The operation did not complete (write)");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_WANT_WRITE);
    CHECK(total > 0);
    /* sendall on a non-blocking socket reports what it sent. */
    size_t sent = 12345;
    CHECK_INT(cssl_conn_sendall(c, chunk, sizeof chunk, &sent), CSSL_EWANT_WRITE);
    CHECK_INT(sent, 0);
    event_send(p.ctl[1], 'd');
    /* The retry with the same arguments completes the record; the same
     * bytes may sit at another address (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
     * as Python's buffers may move). */
    unsigned char *moved = malloc(sizeof chunk);
    REQUIRE(moved != NULL);
    memcpy(moved, chunk, sizeof chunk);
    for (;;) {
        REQUIRE(wait_fd(fds[0], true));
        n = cssl_conn_write(c, moved, sizeof chunk);
        if (n != CSSL_EWANT_WRITE)
            break;
    }
    free(moved);
    CHECK_INT(n, sizeof chunk);
    total += sizeof chunk;
    /* And the stream goes on. */
    for (int i = 0; i < 3; i++) {
        pattern_fill(chunk, sizeof chunk, total, 4);
        do {
            REQUIRE(wait_fd(fds[0], true));
            n = cssl_conn_write(c, chunk, sizeof chunk);
        } while (n == CSSL_EWANT_WRITE);
        CHECK_INT(n, sizeof chunk);
        total += sizeof chunk;
    }
    cssl_conn_free(c);
    shutdown(fds[0], SHUT_WR);
    peer_join(&p);
    CHECK_INT(p.count, total);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- timeouts ---------------------------------------------------------- */

/* A TCP connection whose server side was accepted and never speaks. */
static void silent_tcp(int *lfd, int *cfd, int *sfd)
{
    int port;
    *lfd = tcp_listen(&port);
    *cfd = tcp_connect(port);
    *sfd = accept4(*lfd, NULL, NULL, SOCK_CLOEXEC);
    REQUIRE(*sfd >= 0);
}

TEST(handshake_timeout_with_silent_peer)
{
    cssl_context *cctx = client_context();
    int lfd, cfd, sfd;
    silent_tcp(&lfd, &cfd, &sfd);
    cssl_conn *c = client_wrap(cctx, cfd, 0);
    CHECK_OK(cssl_conn_set_timeout(c, 0.3));
    double t0 = mono_now();
    CHECK_ERR(cssl_conn_do_handshake(c), CSSL_ETIMEOUT, "The handshake operation timed out");
    double elapsed = mono_now() - t0;
    CHECK(elapsed >= 0.3);
    CHECK_INT(cssl_error_errno(), 0);
    /* The ClientHello did go out. */
    char hello[5];
    CHECK_INT(recv(sfd, hello, sizeof hello, MSG_DONTWAIT), 5);
    CHECK_INT(hello[0], 0x16);
    cssl_conn_free(c);
    close(cfd);
    close(sfd);
    close(lfd);
    cssl_context_free(cctx);
}

/* Server: a TLS record header announcing 16384 bytes of handshake, then
 * one byte every 50 ms, 100 at most, until told to stop or the client
 * goes away. */
static void trickle_server(peer *p)
{
    static const unsigned char header[5] = {0x16, 0x03, 0x03, 0x40, 0x00};
    if (send(p->fd, header, sizeof header, MSG_NOSIGNAL) != (ssize_t)sizeof header) {
        peer_failf(p, __LINE__, "send header");
        return;
    }
    struct pollfd ctl = {.fd = p->ctl[0], .events = POLLIN};
    while (p->count < 100) {
        int r = poll(&ctl, 1, 50); /* pacing; the stop event ends it */
        if (r != 0)
            break;
        if (send(p->fd, "\x02", 1, MSG_NOSIGNAL) != 1)
            break;
        p->count++;
    }
}

/* The timeout is a total deadline for the operation, not a limit per
 * wait: bytes trickling in do not extend it. */
TEST(handshake_timeout_is_a_total_deadline)
{
    cssl_context *cctx = client_context();
    int lfd, cfd, sfd;
    silent_tcp(&lfd, &cfd, &sfd);
    peer p = {.fd = sfd};
    peer_start(&p, trickle_server);
    cssl_conn *c = client_wrap(cctx, cfd, 0);
    CHECK_OK(cssl_conn_set_timeout(c, 0.5));
    double t0 = mono_now();
    CHECK_ERR(cssl_conn_do_handshake(c), CSSL_ETIMEOUT, "The handshake operation timed out");
    double elapsed = mono_now() - t0;
    CHECK(elapsed >= 0.5);
    /* Generous; a timeout per wait would end 0.5 s after the trickle
     * (100 × 50 ms). */
    CHECK(elapsed < 4.0);
    event_send(p.ctl[1], 's');
    peer_join(&p);
    CHECK(p.count >= 2); /* bytes did arrive during the wait */
    cssl_conn_free(c);
    close(cfd);
    close(sfd);
    close(lfd);
    cssl_context_free(cctx);
}

/* Server: handshake; on each event send one line; end on event 'q'. */
static void on_demand_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    event_send(p->note[1], 'h');
    for (;;) {
        char ev = event_wait(p->ctl[0]);
        if (ev == 0 || ev == 'q')
            break;
        char line[32];
        int n = snprintf(line, sizeof line, "event %c\n", ev);
        PCHECK(p, cssl_conn_write(c, line, (size_t)n) == n);
    }
    cssl_conn_free(c);
}

TEST(read_timeout_then_connection_still_usable)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, on_demand_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    /* the handshake first, without the short timeout (slow under valgrind) */
    REQUIRE(cssl_conn_do_handshake(c) == CSSL_OK);
    CHECK_OK(cssl_conn_set_timeout(c, 0.3));
    event_wait(p.note[0]);
    char buf[32] = {0};
    double t0 = mono_now();
    CHECK_ERR(cssl_conn_read(c, buf, sizeof buf), CSSL_ETIMEOUT, "The read operation timed out");
    CHECK(mono_now() - t0 >= 0.3);
    /* A timeout does not break the connection (as in Python). */
    CHECK_OK(cssl_conn_set_timeout(c, 20.0));
    event_send(p.ctl[1], 'a');
    CHECK_INT(read_exact(c, buf, 8), 8);
    CHECK_STR(buf, "event a\n");
    /* Each operation gets the whole timeout again. */
    CHECK_OK(cssl_conn_set_timeout(c, 0.2));
    t0 = mono_now();
    CHECK_ERR(cssl_conn_read(c, buf, sizeof buf), CSSL_ETIMEOUT, "The read operation timed out");
    CHECK(mono_now() - t0 >= 0.2);
    event_send(p.ctl[1], 'q');
    peer_join(&p);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(write_timeout_when_peer_does_not_read)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, idle_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_OK(cssl_conn_do_handshake(c));
    event_wait(p.note[0]);
    CHECK_OK(cssl_conn_set_timeout(c, 0.3));
    size_t size = 16u << 20; /* far more than the socket buffers hold */
    unsigned char *big = calloc(1, size);
    REQUIRE(big != NULL);
    double t0 = mono_now();
    CHECK_ERR(cssl_conn_write(c, big, size), CSSL_ETIMEOUT, "The write operation timed out");
    CHECK(mono_now() - t0 >= 0.3);
    size_t sent = 1;
    CHECK_INT(cssl_conn_sendall(c, big, size, &sent), CSSL_ETIMEOUT);
    CHECK_STR(cssl_error_message(), "The write operation timed out");
    free(big);
    event_send(p.ctl[1], 'q');
    peer_join(&p);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(set_timeout_toggles_nonblocking_flag)
{
    cssl_context *cctx = client_context();
    int fds[2];
    socket_pair(fds);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK(cssl_conn_timeout(c) == -1.0);
    CHECK(!fd_is_nonblocking(fds[0]));
    CHECK_OK(cssl_conn_set_timeout(c, 2.5));
    CHECK(cssl_conn_timeout(c) == 2.5);
    CHECK(fd_is_nonblocking(fds[0]));
    CHECK_OK(cssl_conn_set_timeout(c, -1));
    CHECK(cssl_conn_timeout(c) == -1.0);
    CHECK(!fd_is_nonblocking(fds[0]));
    CHECK_OK(cssl_conn_set_timeout(c, 0));
    CHECK(cssl_conn_timeout(c) == 0.0);
    CHECK(fd_is_nonblocking(fds[0]));
    /* Any negative value means blocking (C's stand-in for None). */
    CHECK_OK(cssl_conn_set_timeout(c, -7.5));
    CHECK(cssl_conn_timeout(c) == -1.0);
    CHECK(!fd_is_nonblocking(fds[0]));
    /* Other flags of the fd are kept. */
    int fl = fcntl(fds[0], F_GETFL);
    CHECK_OK(cssl_conn_set_timeout(c, 1.0));
    CHECK_INT(fcntl(fds[0], F_GETFL), fl | O_NONBLOCK);
    CHECK_OK(cssl_conn_set_timeout(c, -1.0));
    CHECK_INT(fcntl(fds[0], F_GETFL), fl);
    /* NaN is refused with Python's text and changes nothing. */
    CHECK_ERR(cssl_conn_set_timeout(c, NAN), CSSL_EVALUE, "Invalid value NaN (not a number)");
    CHECK(cssl_conn_timeout(c) == -1.0);
    CHECK(!fd_is_nonblocking(fds[0]));
    CHECK_ERR(cssl_conn_set_timeout(NULL, 1.0), CSSL_EVALUE, "conn must not be NULL");
    cssl_error_clear();
    CHECK(cssl_conn_timeout(NULL) == 0.0);
    CHECK_INT(cssl_error_status(), CSSL_EVALUE);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
}

TEST(memory_bio_connection_has_no_timeout)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    tls_pair bp;
    pair_init(&bp, cctx, sctx, "localhost", NULL);
    CHECK(cssl_conn_timeout(bp.client) == 0.0);
    CHECK_INT(cssl_conn_fileno(bp.client), -1);
    CHECK_OK(cssl_conn_set_timeout(bp.client, 0));
    CHECK_ERR(cssl_conn_set_timeout(bp.client, 1.0), CSSL_EVALUE,
              "a memory BIO connection has no timeout");
    CHECK_ERR(cssl_conn_set_timeout(bp.client, -1.0), CSSL_EVALUE,
              "a memory BIO connection has no timeout");
    CHECK(cssl_conn_timeout(bp.client) == 0.0);
    CHECK_OK(pair_handshake(&bp, NULL, NULL, NULL, NULL));
    pair_free(&bp);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* Switching modes on a live connection: non-blocking, then blocking. */
TEST(switch_between_nonblocking_and_blocking)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, on_demand_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_OK(cssl_conn_do_handshake(c));
    event_wait(p.note[0]);
    CHECK_OK(cssl_conn_set_timeout(c, 0));
    REQUIRE(fd_is_nonblocking(fds[0]));
    char buf[32] = {0};
    CHECK_ERR(cssl_conn_read(c, buf, sizeof buf), CSSL_EWANT_READ,
              "The operation did not complete (read)");
    CHECK_OK(cssl_conn_set_timeout(c, -1));
    event_send(p.ctl[1], 'b');
    CHECK_INT(read_exact(c, buf, 8), 8); /* blocks until the line is there */
    CHECK_STR(buf, "event b\n");
    /* A huge timeout is no deadline at all (and no overflow). */
    CHECK_OK(cssl_conn_set_timeout(c, 1e300));
    event_send(p.ctl[1], 'c');
    CHECK_INT(read_exact(c, buf, 8), 8);
    CHECK_STR(buf, "event c\n");
    CHECK_OK(cssl_conn_set_timeout(c, INFINITY));
    event_send(p.ctl[1], 'd');
    CHECK_INT(read_exact(c, buf, 8), 8);
    CHECK_STR(buf, "event d\n");
    event_send(p.ctl[1], 'q');
    peer_join(&p);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* Server: handshake, then unwrap when the test says so. */
static void unwrap_on_signal_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    event_send(p->note[1], 'h');
    event_wait(p->ctl[0]);
    peer_record(p, cssl_conn_unwrap(c));
    cssl_conn_free(c);
}

/* A non-blocking unwrap sends close_notify and wants to read until the
 * peer's arrives; retrying with poll completes it. */
TEST(nonblocking_unwrap_wants_read_until_peer_answers)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, unwrap_on_signal_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_OK(cssl_conn_do_handshake(c));
    event_wait(p.note[0]);
    CHECK_OK(cssl_conn_set_timeout(c, 0));
    CHECK_ERR(cssl_conn_unwrap(c), CSSL_EWANT_READ, "The operation did not complete (read)");
    /* Not unwrapped yet: the connection still answers TLS calls. */
    CHECK_ERR_STARTS(cssl_conn_write(c, "x", 1), CSSL_ESSL,
                     "[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown");
    event_send(p.ctl[1], 'u');
    CHECK_OK(poll_until_done(c, cssl_conn_unwrap, NULL));
    char buf[4];
    CHECK_ERR(cssl_conn_read(c, buf, sizeof buf), CSSL_EVALUE,
              "Read on closed or unwrapped SSL socket.");
    peer_join(&p);
    CHECK_INT(p.rc, CSSL_OK);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- signals ----------------------------------------------------------- */

static void on_sigusr1(int sig)
{
    (void)sig;
}

static pthread_t main_thread;

/* Server: handshake; when told, interrupt the test's thread with signals
 * for a while (it is waiting in a read), then send a line. */
static void interrupting_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    event_send(p->note[1], 'h');
    event_wait(p->ctl[0]);
    struct pollfd never = {.fd = p->ctl[0], .events = POLLIN};
    for (int i = 0; i < 20; i++) {
        pthread_kill(main_thread, SIGUSR1);
        poll(&never, 1, 10); /* pacing only */
    }
    PCHECK(p, cssl_conn_write(c, "after signals\n", 14) == 14);
    event_wait(p->ctl[0]);
    cssl_conn_free(c);
}

/* PEP 475: a signal interrupting the wait (EINTR) is retried, blocking or
 * with a timeout, and the timeout stays a total deadline. */
TEST(reads_survive_signals)
{
    struct sigaction sa = {.sa_handler = on_sigusr1}; /* no SA_RESTART */
    REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0);
    main_thread = pthread_self();
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    const double modes[] = {-1.0, 20.0};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        int fds[2];
        peer p = {0};
        start_pair_peer(&p, fds, sctx, interrupting_server);
        cssl_conn *c = client_wrap(cctx, fds[0], 0);
        CHECK_OK(cssl_conn_do_handshake(c));
        event_wait(p.note[0]);
        CHECK_OK(cssl_conn_set_timeout(c, modes[m]));
        event_send(p.ctl[1], 's');
        char buf[16] = {0};
        CHECK_INT(read_exact(c, buf, 14), 14);
        CHECK_STR(buf, "after signals\n");
        event_send(p.ctl[1], 'q');
        peer_join(&p);
        cssl_conn_free(c);
        close(fds[0]);
        close(fds[1]);
    }
    cssl_context_free(cctx);
    cssl_context_free(sctx);
    signal(SIGUSR1, SIG_DFL);
}

/* ---- sockets connected after wrapping --------------------------------- */

TEST(unconnected_socket_is_enotconn_until_connected)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int port, lfd = tcp_listen(&port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    cssl_conn *c = client_wrap(cctx, fd, 0);
    CHECK_ERR(cssl_conn_do_handshake(c), CSSL_EOS,
              "[Errno 107] Transport endpoint is not connected");
    CHECK_INT(cssl_error_errno(), ENOTCONN);
    char buf[8] = {0};
    CHECK_ERR(cssl_conn_read(c, buf, sizeof buf), CSSL_EOS,
              "[Errno 107] Transport endpoint is not connected");
    CHECK_ERR(cssl_conn_write(c, "x", 1), CSSL_EOS,
              "[Errno 107] Transport endpoint is not connected");
    CHECK_ERR(cssl_conn_unwrap(c), CSSL_EOS, "[Errno 107] Transport endpoint is not connected");

    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    REQUIRE(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    peer p = {.ctx = sctx, .flags = CSSL_SERVER_SIDE};
    p.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    REQUIRE(p.fd >= 0);
    peer_start(&p, echo_server);
    CHECK_OK(cssl_conn_do_handshake(c));
    CHECK_INT(cssl_conn_write(c, "late", 4), 4);
    CHECK_INT(read_exact(c, buf, 4), 4);
    CHECK_STR(buf, "late");
    cssl_conn_free(c);
    close(fd);
    peer_join(&p);
    close(p.fd);
    close(lfd);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- STARTTLS ---------------------------------------------------------- */

/* The server of test_starttls: plaintext, STARTTLS, TLS lines, ENDTLS
 * (unwrap), plaintext again on the same fd. */
static void starttls_server(peer *p)
{
    char line[128];
    PCHECK(p, raw_read_line(p->fd, line, sizeof line) && strcmp(line, "HELLO\n") == 0);
    PCHECK(p, raw_send(p->fd, "hello\n"));
    PCHECK(p, raw_read_line(p->fd, line, sizeof line) && strcmp(line, "STARTTLS\n") == 0);
    PCHECK(p, raw_send(p->fd, "ok\n"));
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    char buf[64] = {0};
    PCHECK(p, read_exact(c, buf, 7) == 7 && memcmp(buf, "secret\n", 7) == 0);
    PCHECK(p, cssl_conn_write(c, "SECRET\n", 7) == 7);
    PCHECK(p, read_exact(c, buf, 7) == 7 && memcmp(buf, "ENDTLS\n", 7) == 0);
    PCHECK(p, cssl_conn_write(c, "ok\n", 3) == 3);
    int rc = cssl_conn_unwrap(c);
    if (rc != CSSL_OK)
        peer_failf(p, __LINE__, "unwrap: %d", rc);
    PCHECK(p, cssl_conn_read(c, buf, sizeof buf) == CSSL_EVALUE);
    PCHECK(p, strcmp(cssl_error_message(), "Read on closed or unwrapped SSL socket.") == 0);
    cssl_conn_free(c); /* the fd stays open: no CSSL_CLOSE_FD */
    PCHECK(p, raw_read_line(p->fd, line, sizeof line) && strcmp(line, "PLAIN AGAIN\n") == 0);
    PCHECK(p, raw_send(p->fd, "plain again\n"));
}

TEST(starttls_then_unwrap_back_to_plaintext)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int port, lfd = tcp_listen(&port);
    int fd = tcp_connect(port);
    peer p = {.ctx = sctx, .flags = CSSL_SERVER_SIDE};
    p.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    REQUIRE(p.fd >= 0);
    peer_start(&p, starttls_server);
    char line[128];
    REQUIRE(raw_send(fd, "HELLO\n"));
    CHECK(raw_read_line(fd, line, sizeof line));
    CHECK_STR(line, "hello\n");
    REQUIRE(raw_send(fd, "STARTTLS\n"));
    CHECK(raw_read_line(fd, line, sizeof line));
    CHECK_STR(line, "ok\n");
    cssl_conn *c = client_wrap(cctx, fd, 0);
    CHECK_OK(cssl_conn_do_handshake(c));
    CHECK_INT(cssl_conn_write(c, "secret\n", 7), 7);
    char buf[64] = {0};
    CHECK_INT(read_exact(c, buf, 7), 7);
    CHECK_STR(buf, "SECRET\n");
    CHECK_INT(cssl_conn_write(c, "ENDTLS\n", 7), 7);
    memset(buf, 0, sizeof buf);
    CHECK_INT(read_exact(c, buf, 3), 3);
    CHECK_STR(buf, "ok\n");
    CHECK_OK(cssl_conn_unwrap(c));
    /* The connection is done with TLS; the fd is not. */
    CHECK_ERR(cssl_conn_read(c, buf, sizeof buf), CSSL_EVALUE,
              "Read on closed or unwrapped SSL socket.");
    CHECK_ERR(cssl_conn_write(c, "x", 1), CSSL_EVALUE, "Write on closed or unwrapped SSL socket.");
    CHECK_ERR(cssl_conn_do_handshake(c), CSSL_EVALUE,
              "Handshake on closed or unwrapped SSL socket.");
    CHECK_ERR(cssl_conn_unwrap(c), CSSL_EVALUE, "Unwrap on closed or unwrapped SSL socket.");
    CHECK_INT(cssl_conn_pending(c), 0);
    CHECK_INT(cssl_conn_fileno(c), fd);
    REQUIRE(raw_send(fd, "PLAIN AGAIN\n"));
    CHECK(raw_read_line(fd, line, sizeof line));
    CHECK_STR(line, "plain again\n");
    cssl_conn_free(c);
    CHECK(fd_is_open(fd));
    peer_join(&p);
    close(fd);
    close(p.fd);
    close(lfd);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* unwrap with a timeout: the peer never answers the close_notify. */
TEST(unwrap_timeout_when_peer_never_closes)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, idle_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_OK(cssl_conn_do_handshake(c));
    event_wait(p.note[0]);
    CHECK_OK(cssl_conn_set_timeout(c, 0.3));
    double t0 = mono_now();
    CHECK_ERR(cssl_conn_unwrap(c), CSSL_ETIMEOUT, "The read operation timed out");
    CHECK(mono_now() - t0 >= 0.3);
    /* Python keeps the SSL object after a failed unwrap: TLS calls still
     * reach it (and find it shut down). */
    CHECK_ERR_STARTS(cssl_conn_write(c, "x", 1), CSSL_ESSL,
                     "[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown");
    event_send(p.ctl[1], 'q');
    peer_join(&p);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- EOF --------------------------------------------------------------- */

/* Server: handshake, send "bye", then close the transport: with close_notify
 * (unwrap) if p->len, else abruptly (no close_notify). */
static void bye_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    PCHECK(p, cssl_conn_write(c, "bye", 3) == 3);
    if (p->len) {
        /* Send close_notify and wait for the client's. */
        int rc = cssl_conn_unwrap(c);
        peer_record(p, rc);
    }
    cssl_conn_free(c);
    shutdown(p->fd, SHUT_RDWR);
}

/* A connection whose server said "bye" and closed; the client has read
 * the "bye". */
static cssl_conn *after_bye(cssl_context *cctx, cssl_context *sctx, peer *p, int fds[2],
                            unsigned flags, bool close_notify)
{
    p->len = close_notify;
    start_pair_peer(p, fds, sctx, bye_server);
    cssl_conn *c = client_wrap(cctx, fds[0], flags);
    char buf[4] = {0};
    CHECK_INT(read_exact(c, buf, 3), 3);
    CHECK_STR(buf, "bye");
    return c;
}

TEST(ragged_eof_suppressed_by_default)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    cssl_conn *c = after_bye(cctx, sctx, &p, fds, 0, false);
    peer_join(&p);
    char buf[8];
    cssl_error_clear();
    CHECK_INT(cssl_conn_read(c, buf, sizeof buf), 0);
    CHECK_INT(cssl_error_status(), CSSL_OK); /* suppressed, not an error */
    CHECK_INT(cssl_conn_read(c, buf, sizeof buf), 0);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(ragged_eof_raised_without_suppression)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    cssl_conn *c = after_bye(cctx, sctx, &p, fds, CSSL_NO_SUPPRESS_RAGGED_EOFS, false);
    peer_join(&p);
    char buf[8];
    CHECK_ERR_STARTS(cssl_conn_read(c, buf, sizeof buf), CSSL_EEOF,
                     "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of "
                     "protocol (conn_io.c:");
    CHECK_STR(cssl_error_library(), "SSL");
    CHECK_STR(cssl_error_reason(), "UNEXPECTED_EOF_WHILE_READING");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_EOF);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(ignore_unexpected_eof_option_reads_zero)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    CHECK_OK(cssl_context_set_options(cctx, cssl_context_options(cctx) |
                                                CSSL_OP_IGNORE_UNEXPECTED_EOF));
    int fds[2];
    peer p = {0};
    cssl_conn *c = after_bye(cctx, sctx, &p, fds, CSSL_NO_SUPPRESS_RAGGED_EOFS, false);
    peer_join(&p);
    char buf[8];
    cssl_error_clear();
    CHECK_INT(cssl_conn_read(c, buf, sizeof buf), 0);
    CHECK_INT(cssl_error_status(), CSSL_OK);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(clean_close_notify_reads_zero)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    cssl_conn *c = after_bye(cctx, sctx, &p, fds, CSSL_NO_SUPPRESS_RAGGED_EOFS, true);
    char buf[8];
    cssl_error_clear();
    CHECK_INT(cssl_conn_read(c, buf, sizeof buf), 0); /* the close_notify */
    CHECK_INT(cssl_error_status(), CSSL_OK);
    CHECK_INT(cssl_conn_read(c, buf, sizeof buf), 0); /* still only received */
    /* Answer it: the server's unwrap completes. */
    CHECK_OK(cssl_conn_unwrap(c));
    peer_join(&p);
    CHECK_INT(p.rc, CSSL_OK);
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* Python's test_rude_shutdown: the server accepts and closes before any
 * TLS. The handshake fails with a clear, documented status. */
static void rude_server(peer *p)
{
    int fd = accept4(p->fd, NULL, NULL, SOCK_CLOEXEC);
    PCHECK(p, fd >= 0);
    close(fd);
    event_send(p->note[1], 'c');
}

TEST(rude_shutdown_during_handshake)
{
    cssl_context *cctx = client_context();
    int port, lfd = tcp_listen(&port);
    peer p = {.fd = lfd};
    peer_start(&p, rude_server);
    int fd = tcp_connect(port);
    event_wait(p.note[0]);
    cssl_conn *c = client_wrap(cctx, fd, 0);
    cssl_error_clear();
    int rc = cssl_conn_do_handshake(c);
    int err = cssl_error_errno();
    const char *msg = cssl_error_message();
    if (rc == CSSL_EOS) {
        CHECK(err == ECONNRESET || err == EPIPE);
        if (err == ECONNRESET)
            CHECK_STR(msg, "[Errno 104] Connection reset by peer");
        else
            CHECK_STR(msg, "[Errno 32] Broken pipe");
    } else {
        CHECK_INT(rc, CSSL_EEOF);
        CHECK_STR_CONTAINS(msg, "EOF occurred in violation of protocol");
    }
    peer_join(&p);
    cssl_conn_free(c);
    close(fd);
    close(lfd);
    cssl_context_free(cctx);
}

/* The peer's end of a socketpair is gone before the handshake: writing the
 * ClientHello fails with EPIPE — an error, never a SIGPIPE that kills the
 * process (Python ignores SIGPIPE; a C program need not). */
TEST(peer_gone_before_handshake_is_epipe_not_sigpipe)
{
    cssl_context *cctx = client_context();
    REQUIRE(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
    int fds[2];
    socket_pair(fds);
    close(fds[1]);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_ERR(cssl_conn_do_handshake(c), CSSL_EOS, "[Errno 32] Broken pipe");
    CHECK_INT(cssl_error_errno(), EPIPE);
    /* No SIGPIPE is left pending for the thread either. */
    sigset_t pending;
    sigpending(&pending);
    CHECK(!sigismember(&pending, SIGPIPE));
    cssl_conn_free(c);
    close(fds[0]);
    cssl_context_free(cctx);
}

/* After the handshake the peer goes away: writes fail with EPIPE (or
 * ECONNRESET), without a SIGPIPE. */
TEST(write_after_peer_closed_is_an_error_not_sigpipe)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    REQUIRE(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
    int fds[2];
    peer p = {0};
    cssl_conn *c = after_bye(cctx, sctx, &p, fds, 0, false);
    peer_join(&p);
    close(fds[1]);
    int rc = CSSL_OK;
    for (int i = 0; i < 100 && rc == CSSL_OK; i++)
        rc = cssl_conn_write(c, "data", 4) == 4 ? CSSL_OK : cssl_error_status();
    CHECK_INT(rc, CSSL_EOS);
    CHECK(cssl_error_errno() == EPIPE || cssl_error_errno() == ECONNRESET);
    cssl_conn_free(c);
    close(fds[0]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- the fd ------------------------------------------------------------ */

TEST(only_stream_sockets_are_supported)
{
    cssl_context *cctx = client_context();
    int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(udp >= 0);
    CHECK_NULL_ERR(cssl_context_wrap_socket(cctx, udp, 0, "localhost", NULL), CSSL_EUNSUPPORTED,
                   "only stream sockets are supported");
    CHECK(fd_is_open(udp)); /* a failed wrap leaves the fd alone */
    close(udp);
    int seq[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, seq) == 0);
    CHECK_NULL_ERR(cssl_context_wrap_socket(cctx, seq[0], 0, "localhost", NULL),
                   CSSL_EUNSUPPORTED, "only stream sockets are supported");
    close(seq[0]);
    close(seq[1]);
    /* Not a socket at all. */
    int pfd[2];
    REQUIRE(pipe2(pfd, O_CLOEXEC) == 0);
    CHECK_NULL_ERR(cssl_context_wrap_socket(cctx, pfd[0], 0, "localhost", NULL), CSSL_EOS,
                   "[Errno 88] Socket operation on non-socket");
    CHECK_INT(cssl_error_errno(), ENOTSOCK);
    close(pfd[0]);
    close(pfd[1]);
    CHECK_NULL_ERR(cssl_context_wrap_socket(cctx, -1, 0, "localhost", NULL), CSSL_EVALUE,
                   "fd must be a valid file descriptor");
    int closed = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    close(closed);
    CHECK_NULL_ERR(cssl_context_wrap_socket(cctx, closed, 0, "localhost", NULL), CSSL_EOS,
                   "[Errno 9] Bad file descriptor");
    /* Argument checks come after the fd check, as in Python. */
    int fds[2];
    socket_pair(fds);
    CHECK_NULL_ERR(cssl_context_wrap_socket(NULL, fds[0], 0, NULL, NULL), CSSL_EVALUE,
                   "ctx must not be NULL");
    CHECK_NULL_ERR(cssl_context_wrap_socket(cctx, fds[0], 0, NULL, NULL), CSSL_EVALUE,
                   "check_hostname requires server_hostname");
    cssl_error_clear();
    CHECK(cssl_context_wrap_socket(cctx, fds[0], CSSL_SERVER_SIDE, NULL, NULL) == NULL);
    CHECK_INT(cssl_error_status(), CSSL_ESSL);
    CHECK_STR_STARTS(cssl_error_message(),
                     "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context (conn.c:");
    CHECK(fd_is_open(fds[0]));
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
}

/* The fd closed under a connection before its first I/O. */
TEST(fd_closed_before_handshake)
{
    cssl_context *cctx = client_context();
    int fds[2];
    socket_pair(fds);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    close(fds[0]);
    CHECK_ERR(cssl_conn_do_handshake(c), CSSL_ESSL, "Underlying socket has been closed.");
    CHECK(cssl_error_library() == NULL);
    cssl_conn_free(c);
    close(fds[1]);
    cssl_context_free(cctx);
}

/* The fd closed under a connection after the handshake: a clear OS error
 * (EBADF), whatever the mode. */
TEST(fd_closed_after_handshake)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    const double modes[] = {-1.0, 0.0, 5.0};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        int fds[2];
        peer p = {0};
        start_pair_peer(&p, fds, sctx, idle_server);
        cssl_conn *c = client_wrap(cctx, fds[0], 0);
        CHECK_OK(cssl_conn_do_handshake(c));
        event_wait(p.note[0]);
        CHECK_OK(cssl_conn_set_timeout(c, modes[m]));
        close(fds[0]);
        char buf[8];
        CHECK_ERR(cssl_conn_read(c, buf, sizeof buf), CSSL_EOS, "[Errno 9] Bad file descriptor");
        CHECK_INT(cssl_error_errno(), EBADF);
        CHECK_ERR(cssl_conn_write(c, "x", 1), CSSL_EOS, "[Errno 9] Bad file descriptor");
        CHECK_ERR(cssl_conn_set_timeout(c, -1), CSSL_EOS, "[Errno 9] Bad file descriptor");
        event_send(p.ctl[1], 'q');
        peer_join(&p);
        cssl_conn_free(c);
        close(fds[1]);
    }
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(close_fd_flag_closes_at_free)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, echo_server);
    cssl_conn *c = client_wrap(cctx, fds[0], CSSL_CLOSE_FD);
    CHECK_INT(cssl_conn_write(c, "x", 1), 1);
    char b;
    CHECK_INT(read_exact(c, &b, 1), 1);
    CHECK(fd_is_open(fds[0]));
    cssl_conn_free(c);
    CHECK(!fd_is_open(fds[0]));
    if (fd_is_open(fds[0]))
        close(fds[0]); /* (failed) so that the server ends */
    peer_join(&p); /* the server saw the EOF of the close */
    CHECK_INT(p.count, 1);
    close(fds[1]);
    /* A connection that never did I/O closes its fd too. */
    socket_pair(fds);
    c = client_wrap(cctx, fds[0], CSSL_CLOSE_FD);
    cssl_conn_free(c);
    CHECK(!fd_is_open(fds[0]));
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* Server: handshake, then read one plaintext line from the raw fd. */
static void tls_then_plain_server(peer *p)
{
    cssl_conn *c = peer_tls(p);
    if (c == NULL)
        return;
    cssl_conn_free(c);
    char line[64];
    PCHECK(p, raw_read_line(p->fd, line, sizeof line) && strcmp(line, "still here\n") == 0);
}

TEST(fd_stays_open_and_usable_without_close_fd)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    peer p = {0};
    start_pair_peer(&p, fds, sctx, tls_then_plain_server);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    CHECK_OK(cssl_conn_do_handshake(c));
    CHECK_INT(cssl_conn_fileno(c), fds[0]);
    cssl_conn_free(c); /* no close_notify is sent */
    CHECK(fd_is_open(fds[0]));
    CHECK(raw_send(fds[0], "still here\n"));
    peer_join(&p);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(fileno_of_connections)
{
    cssl_context *sctx = server_context("server"), *cctx = client_context();
    int fds[2];
    socket_pair(fds);
    cssl_conn *c = client_wrap(cctx, fds[0], 0);
    cssl_conn *s = cssl_context_wrap_socket(sctx, fds[1], CSSL_SERVER_SIDE, NULL, NULL);
    REQUIRE(s != NULL);
    CHECK_INT(cssl_conn_fileno(c), fds[0]);
    CHECK_INT(cssl_conn_fileno(s), fds[1]);
    CHECK(cssl_conn_server_side(s));
    CHECK(!cssl_conn_server_side(c));
    CHECK_INT(cssl_conn_fileno(NULL), -1);
    cssl_conn_free(c);
    cssl_conn_free(s);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}
