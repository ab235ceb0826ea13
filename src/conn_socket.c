/*
 * conn_socket.c - the socket transport: timeouts as a total deadline per
 * operation (poll), the not-yet-connected check, sendfile.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* ---- the socket BIO --------------------------------------------------------
 * OpenSSL's BIO_s_socket writes with send(fd, ..., 0): a peer that has gone
 * away raises SIGPIPE and kills the caller's process. Ours sends with
 * MSG_NOSIGNAL, so that case is an ordinary EPIPE error; otherwise it
 * behaves as BIO_s_socket (retry flags on EAGAIN/EINTR). */

static bool should_retry(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == EINPROGRESS;
}

static int sock_write(BIO *b, const char *buf, int len)
{
    errno = 0;
    ssize_t n = send(BIO_get_fd(b, NULL), buf, (size_t)len, MSG_NOSIGNAL);
    BIO_clear_retry_flags(b);
    if (n < 0 && should_retry(errno))
        BIO_set_retry_write(b);
    return (int)n;
}

static int sock_read(BIO *b, char *buf, int len)
{
    errno = 0;
    ssize_t n = recv(BIO_get_fd(b, NULL), buf, (size_t)len, 0);
    BIO_clear_retry_flags(b);
    if (n < 0 && should_retry(errno))
        BIO_set_retry_read(b);
    if (n == 0 && len > 0)
        BIO_set_flags(b, BIO_FLAGS_IN_EOF); /* for BIO_CTRL_EOF */
    return (int)n;
}

static long sock_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    switch (cmd) {
    case BIO_C_SET_FD:
        BIO_set_data(b, (void *)(intptr_t)*(int *)ptr);
        BIO_set_init(b, 1);
        return 1;
    case BIO_C_GET_FD:
        if (!BIO_get_init(b))
            return -1;
        if (ptr != NULL)
            *(int *)ptr = (int)(intptr_t)BIO_get_data(b);
        return (long)(intptr_t)BIO_get_data(b);
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        /* As BIO_s_socket: OpenSSL 3 asks after a read of 0 to tell a
         * transport EOF (UNEXPECTED_EOF_WHILE_READING, or a clean close
         * under OP_IGNORE_UNEXPECTED_EOF) from other syscall failures. */
        return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
    default:
        return 0;
    }
}

static int sock_puts(BIO *b, const char *s)
{
    return sock_write(b, s, (int)strlen(s));
}

static BIO_METHOD *socket_method; /* made once, kept for the process */
static pthread_mutex_t socket_method_lock = PTHREAD_MUTEX_INITIALIZER;

static BIO_METHOD *make_socket_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "cssl socket");
    if (m == NULL || BIO_meth_set_write(m, sock_write) != 1 ||
        BIO_meth_set_read(m, sock_read) != 1 || BIO_meth_set_puts(m, sock_puts) != 1 ||
        BIO_meth_set_ctrl(m, sock_ctrl) != 1) {
        BIO_meth_free(m);
        m = NULL;
    }
    return m;
}

/* Not pthread_once: a failed allocation must not leave every later
 * connection without a method; the next one tries again. */
static BIO_METHOD *get_socket_method(void)
{
    BIO_METHOD *m = __atomic_load_n(&socket_method, __ATOMIC_ACQUIRE);
    if (m != NULL)
        return m;
    pthread_mutex_lock(&socket_method_lock);
    m = socket_method;
    if (m == NULL) {
        m = make_socket_method();
        __atomic_store_n(&socket_method, m, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&socket_method_lock);
    return m;
}

BIO *cssl__socket_bio_new(int fd)
{
    BIO_METHOD *method = get_socket_method();
    BIO *b = method ? BIO_new(method) : NULL;
    if (b == NULL)
        return NULL;
    BIO_set_fd(b, fd, BIO_NOCLOSE);
    return b;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double cssl__conn_deadline(const cssl_conn *conn)
{
    return conn->fd >= 0 && conn->timeout > 0 ? now() + conn->timeout : 0.0;
}

int cssl__conn_wait(cssl_conn *conn, bool want_write, double deadline)
{
    if (conn->fd < 0 || conn->timeout == 0)
        return cssl__raise_want(want_write);
    struct pollfd p = {.fd = conn->fd, .events = want_write ? POLLOUT : POLLIN};
    for (;;) {
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - now();
            if (left <= 0)
                return CSSL_ETIMEOUT;
            /* Round up (never wake before the deadline); no libm, and
             * clamp what an int cannot hold. */
            double want = left * 1000.0 + 1.0;
            ms = want >= (double)INT_MAX ? INT_MAX : (int)want;
        }
        int r = poll(&p, 1, ms);
        if (r > 0) {
            if (p.revents & POLLNVAL)
                return cssl__raise(CSSL_ESSL, "Underlying socket has been closed.");
            return CSSL_OK; /* readable, writable, or an error the next call reports */
        }
        if (r == 0)
            return CSSL_ETIMEOUT;
        if (errno != EINTR)
            return cssl__raise_errno(errno, NULL);
    }
}

int cssl__conn_check_connected(cssl_conn *conn)
{
    if (conn->connected)
        return CSSL_OK;
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if (getpeername(conn->fd, (struct sockaddr *)&addr, &len) != 0) {
        if (errno == EBADF)
            return cssl__raise(CSSL_ESSL, "Underlying socket has been closed.");
        return cssl__raise_errno(errno, NULL);
    }
    conn->connected = true;
    return CSSL_OK;
}

double cssl_conn_timeout(const cssl_conn *conn)
{
    if (conn == NULL) {
        cssl__raise(CSSL_EVALUE, "conn must not be NULL");
        return 0.0;
    }
    return conn->timeout;
}

int cssl_conn_set_timeout(cssl_conn *conn, double seconds)
{
    CSSL_ENSURE_ARG(conn);
    CSSL_ENSURE(!isnan(seconds), CSSL_EVALUE, "Invalid value NaN (not a number)");
    if (conn->fd < 0) {
        CSSL_ENSURE(seconds == 0, CSSL_EVALUE, "a memory BIO connection has no timeout");
        return CSSL_OK;
    }
    int fl = fcntl(conn->fd, F_GETFL);
    if (fl < 0)
        return cssl__raise_errno(errno, NULL);
    int want = seconds < 0 ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
    if (want != fl && fcntl(conn->fd, F_SETFL, want) != 0)
        return cssl__raise_errno(errno, NULL);
    conn->timeout = seconds < 0 ? -1.0 : seconds;
    return CSSL_OK;
}

ssize_t cssl_conn_sendfile(cssl_conn *conn, int in_fd, off_t offset, size_t count)
{
    CSSL_ENSURE_ARG(conn);
    CSSL_ENSURE(conn->fd >= 0, CSSL_EUNSUPPORTED, "sendfile needs a socket connection");
    CSSL_ENSURE(in_fd >= 0 && offset >= 0, CSSL_EVALUE, "invalid file descriptor or offset");
    /* Python: socket.sendfile refuses them; the bytes sent before a WANT
     * status could not be reported. */
    CSSL_ENSURE(conn->timeout != 0, CSSL_EVALUE, "non-blocking sockets are not supported");
    unsigned char buf[16384];
    size_t total = 0;
    while (count == 0 || total < count) {
        size_t want = sizeof buf;
        if (count != 0 && count - total < want)
            want = count - total;
        ssize_t r = pread(in_fd, buf, want, offset + (off_t)total);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return cssl__raise_errno(errno, NULL);
        if (r == 0)
            break;
        size_t sent = 0;
        int rc = cssl_conn_sendall(conn, buf, (size_t)r, &sent);
        total += sent;
        if (rc < 0)
            return rc;
    }
    return (ssize_t)total;
}
