/*
 * conn_socket.c - the socket transport: timeouts as a total deadline per
 * operation (poll), the not-yet-connected check, sendfile.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

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
            /* Round up (no libm: ceil() is not inlined at -O0). */
            ms = (int)(left * 1000.0);
            if ((double)ms < left * 1000.0)
                ms++;
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
