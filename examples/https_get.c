/*
 * https_get.c - a blocking HTTPS client: the default client context
 * (Python's ssl.create_default_context()), one connection, one GET.
 *
 * Shows: create_default_context with or without a CA file, connect +
 * wrap_socket with the server name (SNI and hostname check), a timeout
 * as a deadline per operation, the handshake as its own step so that
 * verification failures are reported as such, reading to the end, and
 * the error model (status code + Python's message + verify details).
 *
 *   usage: https_get HOST PORT PATH [--cafile FILE]
 *
 *   ./https_get example.org 443 /                  # system trust store
 *   cssl mkcert --dir /tmp/pki localhost           # or a local CA:
 *   openssl s_server -accept 8443 -www -cert /tmp/pki/localhost.pem \
 *       -key /tmp/pki/localhost.key &
 *   ./https_get localhost 8443 / --cafile /tmp/pki/ca.pem
 *
 * Prints the TLS version and cipher, the server's subject (from
 * getpeercert) and the response's status line on standard output; exits
 * 1 with the library's message on standard error if anything fails.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cssl.h>

/* Report the calling thread's last cssl failure, Python-style. */
static int fail(const char *what)
{
    fprintf(stderr, "https_get: %s: %s\n", what, cssl_error_message());
    if (cssl_error_status() == CSSL_ECERT_VERIFY)
        fprintf(stderr, "https_get: verify code %ld: %s\n", cssl_error_verify_code(),
                cssl_error_verify_message());
    return 1;
}

/* A connected TCP socket to host:port (any address family), or -1. */
static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        fprintf(stderr, "https_get: %s: %s\n", host, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "https_get: cannot connect to %s port %s\n", host, port);
    return fd;
}

/* The subject of getpeercert() as "commonName=localhost, ...". */
static void print_subject(const cssl_cert_info *info)
{
    printf("subject:");
    for (size_t i = 0; i < info->subject.count; i++) {
        const cssl_rdn *rdn = &info->subject.rdns[i];
        for (size_t k = 0; k < rdn->count; k++)
            printf("%s %s=%s", i + k ? "," : "", rdn->entries[k].name, rdn->entries[k].value);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    const char *cafile = NULL;
    if (argc == 6 && strcmp(argv[4], "--cafile") == 0)
        cafile = argv[5];
    else if (argc != 4) {
        fprintf(stderr, "usage: https_get HOST PORT PATH [--cafile FILE]\n");
        return 2;
    }
    const char *host = argv[1], *port = argv[2], *path = argv[3];

    /* TLS 1.2+, verification and hostname checking on; trust cafile if
     * given (and only it, as Python does), else the system's CAs. */
    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, cafile, NULL,
                                                    NULL, 0, 0);
    if (ctx == NULL)
        return fail("context");

    int status = 1;
    cssl_conn *conn = NULL;
    int fd = tcp_connect(host, port);
    if (fd < 0)
        goto done;
    /* host is sent as SNI (unless it is an IP address) and checked against
     * the certificate. CSSL_CLOSE_FD: cssl_conn_free() closes fd. */
    conn = cssl_context_wrap_socket(ctx, fd, CSSL_CLOSE_FD, host, NULL);
    if (conn == NULL) {
        close(fd);
        fail("wrap_socket");
        goto done;
    }
    /* At most 10 s for each operation below (handshake, each read...). */
    if (cssl_conn_set_timeout(conn, 10.0) != CSSL_OK) {
        fail("settimeout");
        goto done;
    }
    if (cssl_conn_do_handshake(conn) != CSSL_OK) {
        fail("handshake");
        goto done;
    }

    const char *protocol;
    int bits;
    const char *cipher = cssl_conn_cipher(conn, &protocol, &bits);
    printf("connected: %s, %s (%d bits)\n", cssl_conn_version(conn), cipher, bits);
    const cssl_cert_info *peer;
    if (cssl_conn_getpeercert(conn, &peer) != CSSL_OK) {
        fail("getpeercert");
        goto done;
    }
    print_subject(peer); /* verified: never NULL or empty here */

    char request[1024];
    int len = snprintf(request, sizeof request,
                       "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
    if (len < 0 || (size_t)len >= sizeof request) {
        fprintf(stderr, "https_get: path too long\n");
        goto done;
    }
    if (cssl_conn_sendall(conn, request, (size_t)len, NULL) != CSSL_OK) {
        fail("send");
        goto done;
    }

    /* Read to the end: 0 is the end of the stream (the server's
     * close_notify, or a plain TCP close: suppress_ragged_eofs is on for
     * sockets by default). */
    char buf[4096];
    size_t total = 0;
    bool have_status_line = false;
    for (;;) {
        ssize_t n = cssl_conn_read(conn, buf, sizeof buf - 1);
        if (n < 0) {
            fail("read");
            goto done;
        }
        if (n == 0)
            break;
        if (!have_status_line) {
            buf[n] = '\0';
            buf[strcspn(buf, "\r\n")] = '\0';
            printf("status: %s\n", buf);
            have_status_line = true;
        }
        total += (size_t)n;
    }
    printf("received: %zu bytes\n", total);
    status = have_status_line ? 0 : 1;
done:
    cssl_conn_free(conn);
    cssl_context_free(ctx);
    return status;
}
