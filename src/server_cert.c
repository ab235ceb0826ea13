/*
 * server_cert.c - ssl.get_server_certificate(): connect, handshake with
 * SNI, and hand back the server's certificate as PEM.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* Connect to host:port within timeout seconds (< 0: no limit). */
static int connect_tcp(const char *host, int port, double timeout)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        /* Python's socket.gaierror: errno is getaddrinfo's code. */
        cssl__raisef(CSSL_EOS, "[Errno %d] %s", gai, gai_strerror(gai));
        cssl__error_state()->err_no = gai;
        return CSSL_EOS;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (timeout >= 0)
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r != 0 && errno == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int ms = -1; /* a timeout too large for an int is none */
            if (timeout >= 0 && timeout * 1000.0 < INT_MAX)
                ms = (int)(timeout * 1000);
            r = poll(&p, 1, ms);
            socklen_t len = sizeof err;
            if (r == 0)
                err = ETIMEDOUT;
            else if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
                r = 0;
            else if (r < 0)
                err = errno;
            r = err == 0 ? 0 : -1;
        } else if (r != 0) {
            err = errno;
        }
        if (r != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return err == ETIMEDOUT ? cssl__raise(CSSL_ETIMEOUT, "timed out")
                                : cssl__raise_errno(err, NULL);
    return fd;
}

static cssl_context *context_for(const char *ca_certs)
{
    if (ca_certs == NULL)
        return cssl_create_unverified_context(CSSL_PURPOSE_SERVER_AUTH);
    /* Python: verify the chain with ca_certs, not the hostname. */
    cssl_context *ctx = cssl_create_unverified_context(CSSL_PURPOSE_SERVER_AUTH);
    if (ctx == NULL)
        return NULL;
    if (cssl_context_set_verify_mode(ctx, CSSL_CERT_REQUIRED) < 0 ||
        cssl_context_load_verify_locations(ctx, ca_certs, NULL, NULL, 0, 0) < 0) {
        cssl_context_free(ctx);
        return NULL;
    }
    return ctx;
}

char *cssl_get_server_certificate(const char *host, int port, const char *ca_certs,
                                  double timeout)
{
    CSSL_ENSURE_ARG_PTR(host);
    CSSL_ENSURE_PTR(port > 0 && port < 65536, CSSL_EVALUE, "port must be 1-65535");
    cssl_context *ctx = context_for(ca_certs);
    if (ctx == NULL)
        return NULL;
    char *pem = NULL;
    cssl_conn *conn = NULL;
    int fd = connect_tcp(host, port, timeout);
    if (fd < 0)
        goto done;
    conn = cssl_context_wrap_socket(ctx, fd, CSSL_CLOSE_FD, host, NULL);
    if (conn == NULL) {
        close(fd);
        goto done;
    }
    uint8_t *der = NULL;
    size_t len = 0;
    if (cssl_conn_set_timeout(conn, timeout < 0 ? -1.0 : timeout) < 0 ||
        cssl_conn_do_handshake(conn) < 0 || cssl_conn_getpeercert_der(conn, &der, &len) < 0)
        goto done;
    if (der == NULL)
        cssl__raise(CSSL_ESSL, "the server sent no certificate");
    else
        pem = cssl_der_cert_to_pem_cert(der, len);
    cssl_free(der);
done:
    cssl_conn_free(conn);
    cssl_context_free(ctx);
    return pem;
}
