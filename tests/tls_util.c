/* tls_util.c - see tls_util.h. */
#include "tls_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

cssl_context *server_context(const char *name)
{
    char cert[256], key[256];
    snprintf(cert, sizeof cert, "%s.pem", name);
    snprintf(key, sizeof key, "%s.key", name);
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    REQUIRE(ctx != NULL);
    char certpath[1024];
    snprintf(certpath, sizeof certpath, "%s", fixture(cert));
    if (cssl_context_load_cert_chain(ctx, certpath, fixture(key), NULL) != CSSL_OK) {
        harness_fail(__FILE__, __LINE__, "load_cert_chain(%s): %s", name, cssl_error_message());
        harness_abort();
    }
    return ctx;
}

cssl_context *client_context(void)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    REQUIRE(ctx != NULL);
    if (cssl_context_load_verify_locations(ctx, fixture("ca.pem"), NULL, NULL, 0, 0) != CSSL_OK) {
        harness_fail(__FILE__, __LINE__, "load_verify_locations: %s", cssl_error_message());
        harness_abort();
    }
    return ctx;
}

void pair_init(tls_pair *p, cssl_context *client_ctx, cssl_context *server_ctx,
               const char *hostname, const cssl_session *session)
{
    memset(p, 0, sizeof *p);
    p->c_in = cssl_memory_bio_new();
    p->c_out = cssl_memory_bio_new();
    p->s_in = cssl_memory_bio_new();
    p->s_out = cssl_memory_bio_new();
    REQUIRE(p->c_in && p->c_out && p->s_in && p->s_out);
    p->client = cssl_context_wrap_bio(client_ctx, p->c_in, p->c_out, 0, hostname, session);
    if (p->client == NULL)
        harness_fail(__FILE__, __LINE__, "wrap client: %s", cssl_error_message());
    p->server = cssl_context_wrap_bio(server_ctx, p->s_in, p->s_out, CSSL_SERVER_SIDE, NULL, NULL);
    if (p->server == NULL)
        harness_fail(__FILE__, __LINE__, "wrap server: %s", cssl_error_message());
    REQUIRE(p->client && p->server);
}

void pair_free(tls_pair *p)
{
    cssl_conn_free(p->client);
    cssl_conn_free(p->server);
    cssl_memory_bio_free(p->c_in);
    cssl_memory_bio_free(p->c_out);
    cssl_memory_bio_free(p->s_in);
    cssl_memory_bio_free(p->s_out);
    memset(p, 0, sizeof *p);
}

static size_t move(cssl_memory_bio *from, cssl_memory_bio *to)
{
    char buf[16384];
    size_t total = 0;
    ssize_t n;
    while ((n = cssl_memory_bio_read(from, buf, sizeof buf)) > 0) {
        REQUIRE(cssl_memory_bio_write(to, buf, (size_t)n) == n);
        total += (size_t)n;
    }
    return total;
}

size_t pair_pump(tls_pair *p)
{
    return move(p->c_out, p->s_in) + move(p->s_out, p->c_in);
}

static bool is_want(int rc)
{
    return rc == CSSL_EWANT_READ || rc == CSSL_EWANT_WRITE;
}

int pair_handshake(tls_pair *p, int *client_rc, int *server_rc, char *client_msg,
                   char *server_msg)
{
    int rc = CSSL_EWANT_READ, rs = CSSL_EWANT_READ;
    if (client_msg)
        client_msg[0] = '\0';
    if (server_msg)
        server_msg[0] = '\0';
    for (int round = 0; round < 32; round++) {
        if (rc != CSSL_OK && is_want(rc)) {
            rc = cssl_conn_do_handshake(p->client);
            if (rc < 0 && !is_want(rc) && client_msg)
                snprintf(client_msg, 512, "%s", cssl_error_message());
        }
        pair_pump(p);
        if (rs != CSSL_OK && is_want(rs)) {
            rs = cssl_conn_do_handshake(p->server);
            if (rs < 0 && !is_want(rs) && server_msg)
                snprintf(server_msg, 512, "%s", cssl_error_message());
        }
        size_t moved = pair_pump(p);
        bool c_done = rc == CSSL_OK || !is_want(rc), s_done = rs == CSSL_OK || !is_want(rs);
        if ((c_done && s_done) || (moved == 0 && (c_done || s_done) && round > 2))
            break;
    }
    if (client_rc)
        *client_rc = rc;
    if (server_rc)
        *server_rc = rs;
    if (rc < 0 && !is_want(rc))
        return rc;
    if (rs < 0 && !is_want(rs))
        return rs;
    return rc == CSSL_OK && rs == CSSL_OK ? CSSL_OK : (rc != CSSL_OK ? rc : rs);
}

void pair_send(tls_pair *p, bool from_client, const void *data, size_t len)
{
    cssl_conn *w = from_client ? p->client : p->server;
    size_t sent = 0;
    int rc = cssl_conn_sendall(w, data, len, &sent);
    if (rc != CSSL_OK)
        harness_fail(__FILE__, __LINE__, "sendall: %s", cssl_error_message());
    REQUIRE(rc == CSSL_OK && sent == len);
    pair_pump(p);
}

ssize_t pair_recv(tls_pair *p, bool on_client, void *buf, size_t size)
{
    pair_pump(p);
    ssize_t n = cssl_conn_read(on_client ? p->client : p->server, buf, size);
    pair_pump(p);
    return n;
}

void socket_pair(int fds[2])
{
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
}

int tcp_listen(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    REQUIRE(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    REQUIRE(listen(fd, 128) == 0);
    socklen_t len = sizeof a;
    REQUIRE(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    *port = ntohs(a.sin_port);
    return fd;
}

int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int r;
    while ((r = connect(fd, (struct sockaddr *)&a, sizeof a)) != 0 && errno == EINTR)
        ;
    REQUIRE(r == 0);
    return fd;
}

bool have_program(const char *name)
{
    const char *argv[] = {"sh", "-c", "command -v \"$0\" >/dev/null 2>&1", name, NULL};
    return run_command(argv, NULL) == 0;
}

void require_program(const char *program, const char *package)
{
    if (have_program(program))
        return;
    /* The installer the shell tests use too (tests/require_program.sh). */
    const char *argv[] = {"sh", CSSL_TESTS_DIR "/require_program.sh", program, package, NULL};
    char *out = NULL;
    int rc = run_command(argv, &out);
    if (rc != 0) {
        const char *why = out != NULL ? out : "";
        if (strncmp(why, "SKIP: ", 6) == 0)
            why += 6;
        SKIP("%.*s", (int)strcspn(why, "\n"), why);
    }
    free(out);
}
