/*
 * test_cli_server_load.c - `cssl server` under load and abuse.
 *
 * load_1000_concurrent_connections: one non-blocking epoll client in this
 * process opens 1,000 TLS connections (cssl client connections over real
 * sockets) to one `cssl server --echo`, completes every handshake, sends a
 * distinct payload on each and checks every reply byte for byte, holding
 * all of them open until the last reply is in; then closes them all. It
 * fails beyond LOAD_BOUND_S seconds and reports the time and the server's
 * memory (VmRSS before, with 1,000 idle connections, and VmHWM).
 *
 * The stall tests hold one misbehaving client — one that never reads, one
 * that stops halfway through its ClientHello, one that sends garbage —
 * while others must still be served promptly.
 */
#include "server_proc.h"
#include "tls_util.h"

#include <errno.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

#define NCONN 1000
#define LOAD_BOUND_S 120.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Room for NCONN client sockets here and NCONN in the server (a child
 * inherits the raised limit too). */
static void raise_fd_limit(rlim_t need)
{
    struct rlimit rl;
    REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    if (rl.rlim_cur >= need)
        return;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
        SKIP("the open file limit (hard %llu) is below the %llu descriptors this test needs",
             (unsigned long long)rl.rlim_max, (unsigned long long)need);
    rl.rlim_cur = need;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
}

/* ---- the load client --------------------------------------------------------- */

typedef enum { L_CONNECTING, L_HANDSHAKE, L_IO, L_DONE } lstate;

typedef struct lconn {
    int id, fd;
    cssl_conn *tls;
    lstate state;
    uint32_t events;
    unsigned char *payload;
    size_t len, sent, got;
} lconn;

typedef struct load {
    int epfd;
    cssl_context *ctx;
    lconn conns[NCONN];
    int n; /* connections in use */
    int handshakes, done, failures;
    char first_error[512];
} load;

static void fail_conn(load *l, lconn *c, const char *what, const char *detail)
{
    if (l->failures++ == 0)
        snprintf(l->first_error, sizeof l->first_error, "connection %d: %s: %s", c->id, what,
                 detail);
    c->state = L_DONE;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
}

static void arm(load *l, lconn *c, uint32_t events)
{
    if (c->events == events)
        return;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    REQUIRE(epoll_ctl(l->epfd, events && c->events ? EPOLL_CTL_MOD
                              : events               ? EPOLL_CTL_ADD
                                                     : EPOLL_CTL_DEL,
                      c->fd, &ev) == 0);
    c->events = events;
}

static void arm_want(load *l, lconn *c, long rc)
{
    arm(l, c, rc == CSSL_EWANT_WRITE ? EPOLLOUT : EPOLLIN);
}

static bool is_want(long rc)
{
    return rc == CSSL_EWANT_READ || rc == CSSL_EWANT_WRITE;
}

/* A payload nobody else sends: its id, then bytes derived from it. */
static void make_payload(lconn *c, size_t extra)
{
    c->len = 64 + (size_t)(c->id * 37 % 4000) + extra;
    c->payload = malloc(c->len);
    REQUIRE(c->payload != NULL);
    int head = snprintf((char *)c->payload, c->len, "connection %04d:", c->id);
    for (size_t k = (size_t)head; k < c->len; k++)
        c->payload[k] = (unsigned char)(c->id * 131 + k * 7 + (k >> 8));
}

static void start_connect(load *l, lconn *c, int port)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    REQUIRE(c->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int r = connect(c->fd, (struct sockaddr *)&a, sizeof a);
    REQUIRE(r == 0 || errno == EINPROGRESS);
    c->state = L_CONNECTING;
    arm(l, c, EPOLLOUT);
}

static void step_connecting(load *l, lconn *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        fail_conn(l, c, "connect", strerror(err));
        return;
    }
    c->tls = cssl_context_wrap_socket(l->ctx, c->fd, CSSL_NO_SUPPRESS_RAGGED_EOFS, "localhost",
                                      NULL);
    if (c->tls == NULL) {
        fail_conn(l, c, "wrap", cssl_error_message());
        return;
    }
    c->state = L_HANDSHAKE;
}

static void step_handshake(load *l, lconn *c)
{
    int rc = cssl_conn_do_handshake(c->tls);
    if (is_want(rc)) {
        arm_want(l, c, rc);
        return;
    }
    if (rc != CSSL_OK) {
        fail_conn(l, c, "handshake", cssl_error_message());
        return;
    }
    l->handshakes++;
    c->state = L_IO;
}

/* Full duplex: send what the socket takes, read what has come back,
 * until the whole payload has returned. Reading while sending matters
 * for payloads larger than the socket buffers. */
static void step_io(load *l, lconn *c)
{
    long want = 0;
    while (c->sent < c->len) {
        ssize_t n = cssl_conn_write(c->tls, c->payload + c->sent, c->len - c->sent);
        if (is_want(n)) {
            want = n;
            break;
        }
        if (n <= 0) {
            fail_conn(l, c, "write", cssl_error_message());
            return;
        }
        c->sent += (size_t)n;
    }
    unsigned char buf[16384];
    while (c->got < c->len) {
        ssize_t n = cssl_conn_read(c->tls, buf, sizeof buf);
        if (is_want(n)) {
            /* Reads wait for input; a pending write may wait for output. */
            arm(l, c, (n == CSSL_EWANT_WRITE || want == CSSL_EWANT_WRITE ? EPOLLOUT : 0) |
                          (n == CSSL_EWANT_READ || want == CSSL_EWANT_READ ? EPOLLIN : 0));
            return;
        }
        if (n <= 0) {
            fail_conn(l, c, "read", n == 0 ? "closed by the server" : cssl_error_message());
            return;
        }
        if (c->got + (size_t)n > c->len || memcmp(buf, c->payload + c->got, (size_t)n) != 0) {
            fail_conn(l, c, "echo", "reply differs from what was sent");
            return;
        }
        c->got += (size_t)n;
    }
    /* Complete; the connection stays open, and quiet, until the end. */
    c->state = L_DONE;
    l->done++;
    arm(l, c, 0);
}

static void step(load *l, lconn *c)
{
    for (lstate before = (lstate)-1; c->state != before && c->state != L_DONE;) {
        before = c->state;
        switch (c->state) {
        case L_CONNECTING: step_connecting(l, c); break;
        case L_HANDSHAKE: step_handshake(l, c); break;
        case L_IO: step_io(l, c); break;
        case L_DONE: break;
        }
    }
}

/* Run every connection to L_DONE (or failure) within the bound. */
static bool run_load(load *l, double deadline)
{
    struct epoll_event events[256];
    while (l->done + l->failures < l->n) {
        double left = deadline - now_s();
        if (left <= 0)
            return false;
        int n = epoll_wait(l->epfd, events, 256, (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR)
            return false;
        for (int i = 0; i < n; i++)
            step(l, events[i].data.ptr);
    }
    return true;
}

/* n connections to port, each to echo a payload of about extra bytes. */
static load *load_start(int port, int n, size_t extra)
{
    load *l = calloc(1, sizeof *l);
    REQUIRE(l != NULL);
    l->n = n;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->ctx = client_context();
    REQUIRE(l->epfd >= 0);
    for (int i = 0; i < n; i++) {
        lconn *c = &l->conns[i];
        c->id = i;
        make_payload(c, extra);
        start_connect(l, c, port);
    }
    return l;
}

static void load_free(load *l)
{
    close(l->epfd);
    cssl_context_free(l->ctx);
    free(l);
}

static void close_all(load *l)
{
    for (int i = 0; i < l->n; i++) {
        lconn *c = &l->conns[i];
        if (c->tls) {
            cssl_conn_unwrap(c->tls); /* queues close_notify; answer not awaited */
            cssl_error_clear();
            cssl_conn_free(c->tls);
        }
        if (c->fd >= 0)
            close(c->fd);
        free(c->payload);
    }
}

TEST(load_1000_concurrent_connections)
{
    raise_fd_limit(2 * NCONN + 200);
    server_proc sp;
    server_start(&sp, ARGS("--cert", fixture("ecdsa.pem"), "--key", fixture("ecdsa.key"),
                           "--echo", "--idle-timeout", "300"));
    long rss_start = server_rss_kib(&sp, "VmRSS");
    double t0 = now_s();
    load *l = load_start(sp.port, NCONN, 0);
    /* (stretched under CSSL_SERVER_WRAPPER, e.g. valgrind) */
    bool finished = run_load(l, t0 + LOAD_BOUND_S * proc_ms(1000) / 1000);
    double elapsed = now_s() - t0;
    if (!finished)
        harness_fail(__FILE__, __LINE__, "only %d of %d connections complete after %.1f s",
                     l->done, NCONN, elapsed);
    if (l->failures)
        harness_fail(__FILE__, __LINE__, "%d connections failed; first: %s", l->failures,
                     l->first_error);
    CHECK_INT(l->handshakes, NCONN);
    CHECK_INT(l->done, NCONN);
    /* All of them are open now, on both ends: none has been closed. */
    long rss_open = server_rss_kib(&sp, "VmRSS");
    CHECK_INT(server_log_count(&sp, " TLSv1.3 TLS_"), NCONN);
    double t1 = now_s();
    close_all(l);
    double closing = now_s() - t1;
    long hwm = server_rss_kib(&sp, "VmHWM");
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(30000)), 0);
    char want[128];
    snprintf(want, sizeof want, "stopped: %d connections served, peak %d at once\n", NCONN,
             NCONN);
    char *log = server_log(&sp);
    CHECK_STR_CONTAINS(log, want);
    free(log);
    printf("load: %d TLS 1.3 connections (ECDSA P-256) opened, echoed and held in %.2f s; "
           "closed in %.2f s\n",
           NCONN, elapsed, closing);
    printf("load: server VmRSS %ld KiB at start, %ld KiB with %d idle connections "
           "(%.1f KiB each); VmHWM %ld KiB\n",
           rss_start, rss_open, NCONN, (double)(rss_open - rss_start) / NCONN, hwm);
    load_free(l);
}

TEST(large_echoes_interleaved_byte_exact)
{
    /* Eight clients each send 2 MiB and more while reading back: the
     * server's writes block on every one of them again and again, its
     * read buffer is shared, and each reply must still come back whole
     * and in order. */
    server_proc sp;
    server_start_default(&sp, NULL);
    double t0 = now_s();
    load *l = load_start(sp.port, 8, (size_t)2 << 20);
    bool finished = run_load(l, t0 + proc_ms(60000) / 1000.0);
    CHECK(finished);
    if (l->failures)
        harness_fail(__FILE__, __LINE__, "%d connections failed; first: %s", l->failures,
                     l->first_error);
    CHECK_INT(l->done, 8);
    printf("large: 8 x 2 MiB echoed in %.2f s\n", now_s() - t0);
    close_all(l);
    load_free(l);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

static bool sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#endif
#endif
    const char *w = getenv("CSSL_SERVER_WRAPPER");
    return w != NULL && *w != '\0';
}

/* ---- stalls ------------------------------------------------------------------ */

/* Twenty clients in a row, each a full connection: handshake, 1 KiB echo,
 * close. Each must be served within bound_ms. Returns the slowest. */
static double serve_others(int port, int bound_ms)
{
    cssl_context *ctx = client_context();
    char msg[1025];
    double slowest = 0;
    for (int i = 0; i < 20; i++) {
        double t0 = now_s();
        int fd = tcp_connect(port);
        cssl_conn *c = cssl_context_wrap_socket(ctx, fd, CSSL_CLOSE_FD, "localhost", NULL);
        REQUIRE(c != NULL);
        CHECK_OK(cssl_conn_set_timeout(c, bound_ms / 1000.0));
        for (int k = 0; k < 1024; k++)
            msg[k] = (char)('a' + (i + k) % 26);
        msg[1024] = '\0';
        CHECK_OK(cssl_conn_do_handshake(c));
        CHECK_OK(cssl_conn_sendall(c, msg, 1024, NULL));
        char buf[1025];
        size_t got = 0;
        while (got < 1024) {
            ssize_t n = cssl_conn_read(c, buf + got, 1024 - got);
            if (n <= 0) {
                harness_fail(__FILE__, __LINE__, "client %d: read: %s", i, cssl_error_message());
                break;
            }
            got += (size_t)n;
        }
        CHECK(got == 1024 && memcmp(buf, msg, 1024) == 0);
        CHECK_OK(cssl_conn_unwrap(c));
        cssl_conn_free(c);
        double took = now_s() - t0;
        if (took > slowest)
            slowest = took;
    }
    cssl_context_free(ctx);
    CHECK(slowest * 1000 < bound_ms);
    return slowest;
}

/* How long a client's writes must stay blocked to count as stalled. */
#define STALL_MS 200

/* A client that sends a numbered byte stream and reads its echo only
 * when told to. */
typedef struct hog {
    int fd;
    cssl_conn *tls;
    unsigned char chunk[16384]; /* the write in progress */
    size_t stuffed;             /* bytes the server has taken (writes done) */
    bool pending;               /* chunk, at offset stuffed, not yet taken */
    size_t back;                /* echoed bytes read and checked */
} hog;

/* The stream's byte at position p. */
static unsigned char stream_byte(size_t p)
{
    return (unsigned char)(p * 7 + p / 251);
}

static hog *hog_connect(cssl_context *ctx, int port)
{
    hog *h = calloc(1, sizeof *h);
    REQUIRE(h != NULL);
    h->fd = tcp_connect(port);
    h->tls = cssl_context_wrap_socket(ctx, h->fd, CSSL_CLOSE_FD, "localhost", NULL);
    REQUIRE(h->tls != NULL);
    CHECK_OK(cssl_conn_set_timeout(h->tls, proc_ms(10000) / 1000.0));
    CHECK_OK(cssl_conn_do_handshake(h->tls));
    CHECK_OK(cssl_conn_set_timeout(h->tls, 0));
    return h;
}

/* Write and never read: the echoes pile up until the server stops
 * reading from us and our writes block for good (STALL_MS without the
 * socket draining). Returns the server's CPU time in that window. */
static long hog_stuff(hog *h, const server_proc *sp)
{
    /* A server that buffered without bound would let us go on forever. */
    const size_t cap = (size_t)256 << 20;
    for (;;) {
        for (size_t k = 0; k < sizeof h->chunk; k++)
            h->chunk[k] = stream_byte(h->stuffed + k);
        ssize_t n = cssl_conn_write(h->tls, h->chunk, sizeof h->chunk);
        if (n == CSSL_EWANT_WRITE || n == CSSL_EWANT_READ) {
            h->pending = true;
            struct pollfd p = {.fd = h->fd, .events = POLLOUT};
            long cpu = server_cpu_ms(sp);
            if (poll(&p, 1, proc_ms(STALL_MS)) == 0)
                return server_cpu_ms(sp) - cpu;
            continue;
        }
        REQUIRE(n > 0);
        h->pending = false;
        h->stuffed += (size_t)n;
        REQUIRE(h->stuffed < cap);
    }
}

/* Read the echo back, retrying the pending write as room appears, until
 * everything has come back (to_close false), or until the server closes
 * (to_close true: a write failing then is the server having closed).
 * Returns the last read status: 0 at close_notify, else CSSL_OK. */
static int hog_read_back(hog *h, bool to_close)
{
    unsigned char in[16384];
    while (to_close || h->pending || h->back < h->stuffed) {
        if (h->pending) {
            ssize_t n = cssl_conn_write(h->tls, h->chunk, sizeof h->chunk);
            if (n > 0) {
                h->stuffed += (size_t)n;
                h->pending = false;
            } else if (n != CSSL_EWANT_WRITE && n != CSSL_EWANT_READ) {
                if (!to_close)
                    harness_fail(__FILE__, __LINE__, "hog write: %s", cssl_error_message());
                h->pending = false;
                cssl_error_clear();
            }
        }
        ssize_t n = cssl_conn_read(h->tls, in, sizeof in);
        if (n == CSSL_EWANT_READ || n == CSSL_EWANT_WRITE) {
            struct pollfd p = {.fd = h->fd, .events = POLLIN | (h->pending ? POLLOUT : 0)};
            if (poll(&p, 1, proc_ms(10000)) == 0) {
                harness_fail(__FILE__, __LINE__, "hog: nothing after %zu of %zu bytes", h->back,
                             h->stuffed);
                return CSSL_ETIMEOUT;
            }
            continue;
        }
        if (n <= 0) {
            if (!to_close || n < 0)
                harness_fail(__FILE__, __LINE__, "hog read after %zu of %zu bytes: %zd %s",
                             h->back, h->stuffed, n, cssl_error_message());
            return (int)n;
        }
        for (ssize_t k = 0; k < n; k++)
            if (in[k] != stream_byte(h->back + (size_t)k)) {
                harness_fail(__FILE__, __LINE__, "hog: byte %zu differs", h->back + (size_t)k);
                harness_abort();
            }
        h->back += (size_t)n;
    }
    return CSSL_OK;
}

static void hog_free(hog *h)
{
    cssl_conn_free(h->tls);
    free(h);
}

TEST(client_that_never_reads_stalls_nobody)
{
    server_proc sp;
    server_start_default(&sp, NULL);
    cssl_context *ctx = client_context();
    hog *h = hog_connect(ctx, sp.port);
    long rss_before = server_rss_kib(&sp, "VmRSS");
    long cpu_quiet = hog_stuff(h, &sp);
    long rss_stalled = server_rss_kib(&sp, "VmRSS");
    double slowest = serve_others(sp.port, proc_ms(2000));
    printf("stall: %zu KiB sent by a client that never reads; server VmRSS %ld -> %ld KiB, "
           "%ld ms CPU in %d ms stalled; others served in at most %.0f ms each\n",
           h->stuffed / 1024, rss_before, rss_stalled, cpu_quiet, proc_ms(STALL_MS),
           slowest * 1000);
    /* Bounded: the server holds one read's worth, not what we sent
     * (RSS means little under a sanitizer's quarantine or valgrind). */
    if (!sanitized())
        CHECK(rss_stalled - rss_before < 4096);
    /* A blocked connection waits for EPOLLOUT: the quiet window cost the
     * server (almost) no CPU; one spinning on it would use all of it. */
    CHECK(cpu_quiet >= 0 && cpu_quiet <= proc_ms(STALL_MS) * 3 / 10);
    /* Now the hog reads: every byte comes back, in order. The server's
     * blocked writes must resume when the socket drains (EPOLLOUT), also
     * after it has read the hog's last byte. */
    CHECK_INT(hog_read_back(h, false), CSSL_OK);
    CHECK_OK(cssl_conn_set_timeout(h->tls, proc_ms(10000) / 1000.0));
    CHECK_OK(cssl_conn_unwrap(h->tls));
    hog_free(h);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
    cssl_context_free(ctx);
}

/* TLS 1.3 with AES-GCM: a full record of 16384 bytes is 16406 on the wire. */
#define RECORD_WIRE (16384 + 5 + 1 + 16)

static uint64_t bytes_acked(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    REQUIRE(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0);
    REQUIRE(len >= offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof ti.tcpi_bytes_acked);
    return ti.tcpi_bytes_acked;
}

TEST(sigterm_with_replies_blocked_loses_none)
{
    /* Three clients stuff the server until it stops reading from them:
     * each has replies blocked in the server (its echo backlog, and
     * requests in its socket buffer). Then SIGTERM. Every byte the server
     * had received — at least every full record TCP had acknowledged —
     * must come back, in order, before a clean close_notify. */
    enum { N = 3 };
    server_proc sp;
    server_start_default(&sp, NULL);
    cssl_context *ctx = client_context();
    hog *h[N];
    uint64_t base[N];
    for (int i = 0; i < N; i++) {
        h[i] = hog_connect(ctx, sp.port);
        base[i] = bytes_acked(h[i]->fd);
    }
    for (int i = 0; i < N; i++)
        hog_stuff(h[i], &sp);
    size_t acked[N];
    for (int i = 0; i < N; i++)
        acked[i] = (size_t)((bytes_acked(h[i]->fd) - base[i]) / RECORD_WIRE) * 16384;
    kill(sp.pid, SIGTERM);
    CHECK(server_wait_log(&sp, "SIGTERM: shutting down, finishing 3 connections",
                          proc_ms(10000)));
    for (int i = 0; i < N; i++) {
        CHECK_INT(hog_read_back(h[i], true), 0);
        printf("sigterm: client %d: %zu KiB taken, %zu KiB acknowledged at the signal, "
               "%zu KiB echoed before close_notify\n",
               i, h[i]->stuffed / 1024, acked[i] / 1024, h[i]->back / 1024);
        CHECK(h[i]->back >= acked[i]);
        CHECK(h[i]->back == h[i]->stuffed);
        CHECK(acked[i] > 0);
        hog_free(h[i]);
    }
    CHECK_INT(server_wait_exit(&sp, proc_ms(10000)), 0);
    char *log = server_log(&sp);
    CHECK(strstr(log, "dropped") == NULL);
    if (harness_failures)
        printf("server log:\n%s\n", log);
    free(log);
    cssl_context_free(ctx);
}

TEST(half_client_hello_stalls_nobody)
{
    server_proc sp;
    server_start_default(&sp, NULL);
    /* A handshake record announcing 512 bytes, of which 9 arrive. */
    static const unsigned char partial[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00,
                                            0x01, 0xfc, 0x03, 0x03, 0x11, 0x22, 0x33};
    int fd = tcp_connect(sp.port);
    REQUIRE(send(fd, partial, sizeof partial, 0) == (ssize_t)sizeof partial);
    double slowest = serve_others(sp.port, proc_ms(2000));
    printf("stall: others served in at most %.0f ms each while a ClientHello hangs\n",
           slowest * 1000);
    /* The server still holds the stalled one: it has not answered. */
    CHECK(!wait_readable(fd, 0));
    int port = local_port(fd);
    close(fd);
    char needle[128];
    snprintf(needle, sizeof needle,
             "127.0.0.1:%d [SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation "
             "of protocol (conn_io.c:",
             port);
    CHECK(server_wait_log(&sp, needle, proc_ms(10000)));
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

/* Send bytes that are not TLS; the server answers with its FIN. Returns
 * the client port. */
static int send_garbage(int port, const void *bytes, size_t len)
{
    int fd = tcp_connect(port);
    REQUIRE(send(fd, bytes, len, 0) == (ssize_t)len);
    /* Read to EOF: an alert perhaps, then the server's FIN. */
    char buf[256];
    ssize_t n;
    do {
        REQUIRE(wait_readable(fd, proc_ms(10000)));
        n = recv(fd, buf, sizeof buf, 0);
    } while (n > 0);
    CHECK_INT(n, 0); /* a FIN, not a reset */
    int local = local_port(fd);
    close(fd);
    return local;
}

TEST(garbage_is_logged_and_serving_goes_on)
{
    server_proc sp;
    server_start_default(&sp, NULL);
    const char http[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    int p1 = send_garbage(sp.port, http, strlen(http));
    unsigned char junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(0x80 + i * 3);
    int p2 = send_garbage(sp.port, junk, sizeof junk);
    /* The log line precedes the FIN the client saw. */
    char want[160];
    snprintf(want, sizeof want, "127.0.0.1:%d [SSL: HTTP_REQUEST] http request (conn_io.c:", p1);
    CHECK_INT(server_log_count(&sp, want), 1);
    snprintf(want, sizeof want, "127.0.0.1:%d [SSL: WRONG_VERSION_NUMBER] wrong version number "
             "(conn_io.c:", p2);
    CHECK_INT(server_log_count(&sp, want), 1);
    serve_others(sp.port, proc_ms(2000));
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}
