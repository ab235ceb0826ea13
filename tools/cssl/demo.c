/*
 * demo.c - `cssl demo`: the main job. Mints a throw-away CA and server
 * certificate in memory, runs a TLS server and client over loopback, and
 * shows what happened: a verified TLS 1.3 handshake, data both ways, and a
 * second connection resumed with a session ticket.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "mint.h"
#include "report.h"

#define CONNECTIONS 2

typedef struct demo {
    char *ca_pem, *cert_pem, *key_pem;
    int listen_fd, port;
    cssl_context *server_ctx;
    bool server_reused[CONNECTIONS];
    char server_error[512];
} demo;

static int mint_all(demo *d)
{
    EVP_PKEY *ca_key = mint_key("ecdsa", 0), *key = mint_key("ecdsa", 0);
    X509 *ca = ca_key ? mint_ca(ca_key, "cssl demo CA", 1) : NULL;
    const char *names[] = {"localhost", "127.0.0.1"};
    X509 *leaf = ca && key ? mint_leaf(ca, ca_key, key, "localhost", names, 2, false, 1) : NULL;
    if (leaf != NULL) {
        d->ca_pem = mint_cert_pem(ca);
        d->cert_pem = mint_cert_pem(leaf);
        d->key_pem = mint_key_pem(key);
    }
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return d->ca_pem && d->cert_pem && d->key_pem ? 0 : -1;
}

static int listen_loopback(demo *d)
{
    d->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (d->listen_fd < 0 || bind(d->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(d->listen_fd, CONNECTIONS) != 0 ||
        getsockname(d->listen_fd, (struct sockaddr *)&a, &len) != 0) {
        perror("cssl demo: listen");
        return -1;
    }
    d->port = ntohs(a.sin_port);
    return 0;
}

/* The server: answer one line per connection with "pong: <line>". */
static void *serve(void *arg)
{
    demo *d = arg;
    for (int i = 0; i < CONNECTIONS; i++) {
        int fd = accept(d->listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        cssl_conn *conn = cssl_context_wrap_socket(d->server_ctx, fd, CSSL_SERVER_SIDE | CSSL_CLOSE_FD,
                                                   NULL, NULL);
        char line[256], reply[300];
        ssize_t n = conn ? cssl_conn_read(conn, line, sizeof line - 1) : -1;
        if (n > 0) {
            line[n] = '\0';
            int len = snprintf(reply, sizeof reply, "pong: %s", line);
            if (cssl_conn_sendall(conn, reply, (size_t)len, NULL) == CSSL_OK)
                d->server_reused[i] = cssl_conn_session_reused(conn);
            /* Wait for the client's close_notify, then answer it. */
            while (cssl_conn_read(conn, line, sizeof line) > 0)
                ;
            cssl_conn_unwrap(conn);
        } else if (d->server_error[0] == '\0') {
            snprintf(d->server_error, sizeof d->server_error, "%s", cssl_error_message());
        }
        if (conn == NULL)
            close(fd);
        cssl_conn_free(conn);
    }
    return NULL;
}

static cssl_context *server_context(demo *d, const char *keylog)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    const char *alpn[] = {"h2", "http/1.1"};
    if (ctx == NULL ||
        cssl_context_load_cert_chain_mem(ctx, d->cert_pem, strlen(d->cert_pem), d->key_pem,
                                         strlen(d->key_pem), NULL) < 0 ||
        cssl_context_set_alpn_protocols(ctx, alpn, 2) < 0 ||
        (keylog && cssl_context_set_keylog_filename(ctx, keylog) < 0)) {
        cssl_context_free(ctx);
        return NULL;
    }
    return ctx;
}

static cssl_context *client_context(demo *d, const char *keylog)
{
    /* Python's defaults, trusting only the demo CA (cadata). */
    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL,
                                                    d->ca_pem, strlen(d->ca_pem),
                                                    CSSL_ENCODING_PEM);
    const char *alpn[] = {"h2"};
    if (ctx == NULL || cssl_context_set_alpn_protocols(ctx, alpn, 1) < 0 ||
        (keylog && cssl_context_set_keylog_filename(ctx, keylog) < 0)) {
        cssl_context_free(ctx);
        return NULL;
    }
    return ctx;
}

/* One client connection: handshake, ping/pong, close; reports into r. */
static int client_round(demo *d, cssl_context *ctx, report *r, int round, cssl_session **session)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)d->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("cssl demo: connect");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    cssl_conn *conn = cssl_context_wrap_socket(ctx, fd, CSSL_CLOSE_FD, "localhost", *session);
    if (conn == NULL) {
        close(fd);
        return -1;
    }
    int rc = -1;
    char reply[300];
    const char *ping = round == 0 ? "ping" : "ping again";
    if (cssl_conn_do_handshake(conn) < 0 || cssl_conn_sendall(conn, ping, strlen(ping), NULL) < 0)
        goto done;
    ssize_t n = cssl_conn_read(conn, reply, sizeof reply - 1);
    if (n < 0)
        goto done;
    reply[n] = '\0';
    report_connection(r, round, conn, ping, reply);
    /* TLS 1.3 tickets arrive after the handshake: the read above took
     * them in, so the session now carries one. */
    cssl_session_free(*session);
    *session = cssl_conn_get_session(conn);
    rc = cssl_conn_unwrap(conn) < 0 ? -1 : 0;
done:
    cssl_conn_free(conn);
    return rc;
}

static int parse_args(int argc, char **argv, const char **keylog, bool *as_json)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: cssl demo [--keylog FILE] [--json]\n\n"
                   "Mint a throw-away CA and server certificate in memory, run a TLS\n"
                   "server and client over loopback, and show what happened: a verified\n"
                   "TLS 1.3 handshake, data both ways, and a second connection resumed\n"
                   "with a session ticket.\n\n"
                   "  --keylog FILE  append the TLS secrets to FILE (NSS key log format,\n"
                   "                 for Wireshark)\n"
                   "  --json         print the report as JSON\n");
            return 1;
        }
        if (strcmp(argv[i], "--keylog") == 0 && i + 1 < argc)
            *keylog = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            *as_json = true;
        else {
            fprintf(stderr, "cssl demo: unexpected argument '%s' (see cssl demo --help)\n",
                    argv[i]);
            return -1;
        }
    }
    return 0;
}

int cli_demo(int argc, char **argv)
{
    const char *keylog = NULL;
    bool as_json = false;
    int parsed = parse_args(argc, argv, &keylog, &as_json);
    if (parsed != 0)
        return parsed > 0 ? CLI_OK : CLI_USAGE;

    demo d = {.listen_fd = -1};
    report r;
    report_init(&r, as_json);
    int status = CLI_FAIL;
    cssl_context *client = NULL;
    cssl_session *session = NULL;
    pthread_t server;
    bool running = false;
    if (mint_all(&d) < 0) {
        fprintf(stderr, "cssl demo: could not mint the demo certificates\n");
        goto done;
    }
    d.server_ctx = server_context(&d, keylog);
    client = d.server_ctx ? client_context(&d, keylog) : NULL;
    if (client == NULL) {
        cli_error("demo");
        goto done;
    }
    if (listen_loopback(&d) < 0 || pthread_create(&server, NULL, serve, &d) != 0)
        goto done;
    running = true;
    report_setup(&r, d.port, keylog);
    for (int round = 0; round < CONNECTIONS; round++) {
        if (client_round(&d, client, &r, round, &session) < 0) {
            cli_error("demo");
            goto done;
        }
    }
    status = CLI_OK;
done:
    if (running) {
        if (status != CLI_OK)
            shutdown(d.listen_fd, SHUT_RDWR);
        pthread_join(server, NULL);
        if (status == CLI_OK)
            report_finish(&r, d.server_reused, CONNECTIONS, keylog);
        else if (d.server_error[0])
            fprintf(stderr, "cssl demo: server: %s\n", d.server_error);
    }
    if (d.listen_fd >= 0)
        close(d.listen_fd);
    cssl_session_free(session);
    cssl_context_free(client);
    cssl_context_free(d.server_ctx);
    OPENSSL_free(d.ca_pem);
    OPENSSL_free(d.cert_pem);
    OPENSSL_free(d.key_pem);
    report_free(&r);
    return status;
}
