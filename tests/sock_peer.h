/*
 * sock_peer.h - helpers for the socket-transport tests (test_conn_socket*.c
 * only): a peer running in a second thread of the test, events over pipes
 * (never sleeps), and small I/O helpers. Static functions, so each test
 * unit gets its own copy.
 *
 * A peer thread never calls the harness's CHECK/REQUIRE (they are not
 * thread-safe and REQUIRE exits): it records its first failure in
 * peer.fail, which the test checks after peer_join().
 */
#ifndef CSSL_TEST_SOCK_PEER_H
#define CSSL_TEST_SOCK_PEER_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "tls_util.h"

typedef struct peer peer;
typedef void (*peer_fn)(peer *);

struct peer {
    pthread_t tid;
    peer_fn fn;
    int fd;              /* the peer's socket (the test closes it) */
    cssl_context *ctx;   /* context for the peer's side (borrowed) */
    unsigned flags;      /* wrap flags for the peer's side */
    int ctl[2];          /* events test → peer: ctl[1] written by the test */
    int note[2];         /* events peer → test: note[1] written by the peer */
    char fail[768];      /* the peer's first failure, "" if none */
    int rc;              /* a status the peer reports (test-specific) */
    char msg[640];       /* the error message that went with rc */
    int err_no;          /* cssl_error_errno() that went with rc */
    size_t count;        /* bytes the peer received (test-specific) */
    unsigned char *buf;  /* the peer's receive buffer (test-specific) */
    size_t len;          /* a size the test gives the peer */
    const char *name;    /* a name the peer recorded (test-specific) */
};

static inline double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 3, 4))) static inline void peer_failf(peer *p, int line,
                                                             const char *fmt, ...)
{
    if (p->fail[0] != '\0')
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    snprintf(p->fail, sizeof p->fail, "peer line %d: %s (last error: %s)", line, text,
             cssl_error_message());
}

/* A check inside a peer thread. */
#define PCHECK(p, cond)                                                        \
    do {                                                                       \
        if (!(cond))                                                           \
            peer_failf((p), __LINE__, "PCHECK(%s)", #cond);                    \
    } while (0)

/* Record a library status and its error details in the peer. */
static inline void peer_record(peer *p, int rc)
{
    p->rc = rc;
    p->err_no = cssl_error_errno();
    snprintf(p->msg, sizeof p->msg, "%s", rc < 0 ? cssl_error_message() : "");
}

static inline void event_send(int fd, char c)
{
    while (write(fd, &c, 1) < 0 && errno == EINTR)
        ;
}

/* Wait for one event byte; 0 if the other end was closed. */
static inline char event_wait(int fd)
{
    char c = 0;
    ssize_t r;
    while ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
        ;
    return r == 1 ? c : 0;
}

static inline void *peer_main(void *arg)
{
    peer *p = arg;
    p->fn(p);
    /* The library must leave this thread's OpenSSL error queue empty too. */
    if (ERR_peek_error() != 0)
        peer_failf(p, __LINE__, "OpenSSL error queue not empty in the peer thread");
    ERR_clear_error();
    return NULL;
}

static inline void peer_start(peer *p, peer_fn fn)
{
    p->fn = fn;
    REQUIRE(pipe2(p->ctl, O_CLOEXEC) == 0);
    REQUIRE(pipe2(p->note, O_CLOEXEC) == 0);
    REQUIRE(pthread_create(&p->tid, NULL, peer_main, p) == 0);
}

/* Join the peer thread; its recorded failure fails the test. */
#define peer_join(p)                                                           \
    do {                                                                       \
        pthread_join((p)->tid, NULL);                                          \
        close((p)->ctl[0]);                                                    \
        close((p)->ctl[1]);                                                    \
        close((p)->note[0]);                                                   \
        close((p)->note[1]);                                                   \
        CHECK_STR((p)->fail, "");                                              \
    } while (0)

/* The peer's TLS side over p->fd (server unless p->flags says otherwise),
 * handshake done; NULL if it failed (p->rc/msg set, and the peer failed:
 * every peer here expects its handshake to succeed). */
static inline cssl_conn *peer_tls(peer *p)
{
    cssl_conn *c = cssl_context_wrap_socket(p->ctx, p->fd, p->flags, NULL, NULL);
    if (c == NULL) {
        peer_record(p, cssl_error_status());
        peer_failf(p, __LINE__, "wrap_socket failed");
        return NULL;
    }
    int rc = cssl_conn_do_handshake(c);
    peer_record(p, rc);
    if (rc != CSSL_OK) {
        peer_failf(p, __LINE__, "peer handshake: %s", p->msg);
        cssl_conn_free(c);
        return NULL;
    }
    return c;
}

/* Read exactly n bytes (or until EOF/error); returns the bytes read. */
static inline size_t read_exact(cssl_conn *c, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = cssl_conn_read(c, (char *)buf + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* Plaintext line on a raw socket, one byte at a time so that nothing
 * after the newline (TLS records, say) is consumed. NUL-terminated. */
static inline bool raw_read_line(int fd, char *buf, size_t size)
{
    size_t n = 0;
    while (n + 1 < size) {
        char ch;
        ssize_t r = recv(fd, &ch, 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        buf[n++] = ch;
        if (ch == '\n') {
            buf[n] = '\0';
            return true;
        }
    }
    buf[n] = '\0';
    return false;
}

static inline bool raw_send(int fd, const char *text)
{
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t r = send(fd, text + done, len - done, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        done += (size_t)r;
    }
    return true;
}

/* Wait until fd is readable (or writable); false after 20 s (a hang). */
static inline bool wait_fd(int fd, bool for_write)
{
    struct pollfd pfd = {.fd = fd, .events = for_write ? POLLOUT : POLLIN};
    int r;
    while ((r = poll(&pfd, 1, 20000)) < 0 && errno == EINTR)
        ;
    return r > 0;
}

/* Deterministic test data: byte i of a stream tagged tag. */
static inline unsigned char pattern_byte(size_t i, unsigned tag)
{
    return (unsigned char)((i * 131u + (i >> 13) + tag * 17u) & 0xffu);
}

static inline void pattern_fill(unsigned char *buf, size_t len, size_t start, unsigned tag)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern_byte(start + i, tag);
}

/* Offset of the first byte not matching the pattern, or len. */
static inline size_t pattern_check(const unsigned char *buf, size_t len, size_t start, unsigned tag)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern_byte(start + i, tag))
            return i;
    return len;
}

static inline bool fd_is_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK) != 0;
}

static inline void set_nonblocking(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);
    REQUIRE(fl >= 0);
    REQUIRE(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) == 0);
}

static inline bool fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

#endif
