/*
 * echo_server_poll.c - a non-blocking TLS echo server for many clients at
 * once, driven by poll(2).
 *
 * Shows: a server context with a certificate chain, wrap_socket on
 * non-blocking accepted sockets (their timeout is 0, so no call ever
 * waits), and one small state machine per client that retries the same
 * call after CSSL_EWANT_READ (wait for POLLIN) or CSSL_EWANT_WRITE (wait
 * for POLLOUT). Either can come from any call: a write may need to read
 * (TLS 1.3 key update), a read may need to write. A client whose echo
 * cannot be written yet is not read from (back-pressure), and a pending
 * write is retried with the same bytes, as OpenSSL requires.
 *
 *   usage: echo_server_poll CERT KEY [PORT]     (PORT 0 or absent: any)
 *
 *   cssl mkcert --dir /tmp/pki localhost
 *   ./echo_server_poll /tmp/pki/localhost.pem /tmp/pki/localhost.key 8443 &
 *   cssl client --cafile /tmp/pki/ca.pem localhost:8443
 *
 * Prints "listening on 127.0.0.1:PORT" when ready, one line per
 * handshake and per closed connection, and exits 0 on SIGINT or SIGTERM.
 */
#define _GNU_SOURCE /* ppoll, accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cssl.h>

#define MAX_CLIENTS 1000

typedef struct client {
    int fd;
    cssl_conn *conn;
    bool handshake_done;
    short events;             /* what the connection waits for */
    size_t off, len;          /* buf[off..len) is echo not yet written */
    unsigned long long echoed;
    char name[32];            /* "127.0.0.1:40312" */
    unsigned char buf[16384]; /* one TLS record of plaintext */
} client;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    stopping = sig;
}

/*
 * Advance one client as far as it can go without waiting. Returns true
 * while the connection lives (c->events then says what to wait for),
 * false when it is over.
 */
static bool step(client *c)
{
    for (;;) {
        ssize_t n;
        if (!c->handshake_done) {
            n = cssl_conn_do_handshake(c->conn);
            if (n == CSSL_OK) {
                c->handshake_done = true;
                printf("%s: %s %s\n", c->name, cssl_conn_version(c->conn),
                       cssl_conn_cipher(c->conn, NULL, NULL));
                continue;
            }
        } else if (c->off < c->len) {
            n = cssl_conn_write(c->conn, c->buf + c->off, c->len - c->off);
            if (n > 0) {
                c->off += (size_t)n;
                c->echoed += (size_t)n;
                continue;
            }
        } else {
            /* Read until CSSL_EWANT_READ: bytes OpenSSL has already
             * decrypted do not make the socket readable again. */
            n = cssl_conn_read(c->conn, c->buf, sizeof c->buf);
            if (n > 0) {
                c->off = 0;
                c->len = (size_t)n;
                continue;
            }
            if (n == 0) { /* the client closed: answer its close_notify */
                cssl_conn_unwrap(c->conn);
                printf("%s: closed after echoing %llu bytes\n", c->name, c->echoed);
                return false;
            }
        }
        if (n == CSSL_EWANT_READ) {
            c->events = POLLIN;
            return true;
        }
        if (n == CSSL_EWANT_WRITE) {
            c->events = POLLOUT;
            return true;
        }
        printf("%s: %s\n", c->name, cssl_error_message());
        return false;
    }
}

static void client_free(client *c)
{
    cssl_conn_free(c->conn); /* closes the fd: CSSL_CLOSE_FD */
    free(c);
}

static client *client_new(cssl_context *ctx, int fd, const struct sockaddr_in *peer)
{
    client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->events = POLLIN; /* the client speaks first: its ClientHello */
    snprintf(c->name, sizeof c->name, "%s:%d", inet_ntoa(peer->sin_addr), ntohs(peer->sin_port));
    /* fd is non-blocking, so the connection's timeout is 0. */
    c->conn = cssl_context_wrap_socket(ctx, fd, CSSL_SERVER_SIDE | CSSL_CLOSE_FD, NULL, NULL);
    if (c->conn == NULL) {
        printf("%s: %s\n", c->name, cssl_error_message());
        close(fd);
        free(c);
        return NULL;
    }
    return c;
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("echo_server_poll: listen");
        return -1;
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    return fd;
}

/* Accept every waiting connection; returns the new client count. */
static size_t accept_all(int lfd, cssl_context *ctx, client **clients, size_t n)
{
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return n; /* EAGAIN: no more for now */
        if (n == MAX_CLIENTS) {
            close(fd);
            continue;
        }
        client *c = client_new(ctx, fd, &peer);
        if (c != NULL)
            clients[n++] = c;
    }
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: echo_server_poll CERT KEY [PORT]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    if (ctx == NULL || cssl_context_load_cert_chain(ctx, argv[1], argv[2], NULL) != CSSL_OK) {
        fprintf(stderr, "echo_server_poll: %s\n", cssl_error_message());
        cssl_context_free(ctx);
        return 1;
    }
    /* SIGINT/SIGTERM are blocked except while waiting in ppoll(), so one
     * arriving at any moment interrupts the wait and is never lost. */
    sigset_t block, waiting;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &waiting);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int lfd = listen_on(argc == 4 ? atoi(argv[3]) : 0);
    static client *clients[MAX_CLIENTS];
    static struct pollfd fds[MAX_CLIENTS + 1];
    size_t n = 0, served = 0;
    while (lfd >= 0 && !stopping) {
        fds[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (size_t i = 0; i < n; i++)
            fds[i + 1] = (struct pollfd){.fd = clients[i]->fd, .events = clients[i]->events};
        if (ppoll(fds, n + 1, NULL, &waiting) < 0) {
            if (errno == EINTR)
                continue;
            perror("echo_server_poll: poll");
            break;
        }
        size_t polled = n, kept = 0;
        for (size_t i = 0; i < polled; i++) {
            client *c = clients[i];
            if (fds[i + 1].revents != 0 && !step(c)) {
                client_free(c);
                served++;
                continue;
            }
            clients[kept++] = c;
        }
        n = kept;
        if (fds[0].revents & POLLIN)
            n = accept_all(lfd, ctx, clients, n);
    }
    /* Shutting down: a best-effort close_notify to everyone still here. */
    for (size_t i = 0; i < n; i++) {
        if (clients[i]->handshake_done)
            cssl_conn_unwrap(clients[i]->conn);
        client_free(clients[i]);
    }
    printf("stopped by signal %d: served %zu connections, %zu still open\n", (int)stopping,
           served, n);
    if (lfd >= 0)
        close(lfd);
    cssl_context_free(ctx);
    return lfd >= 0 ? 0 : 1;
}
