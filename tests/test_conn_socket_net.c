/*
 * test_conn_socket_net.c - sockets over loopback TCP at a larger scale:
 * ssl.get_server_certificate against a cssl server thread (compared with
 * Python's on the same server), and many threads sharing one server and
 * one client context (SPEC §3's thread-safety promise).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>

#include "sock_peer.h"

/* ---- get_server_certificate ------------------------------------------- */

static char sni_seen[256];
static int sni_calls;

/* Runs in the server thread; the test reads the result after the join. */
static int record_sni(cssl_conn *conn, const char *server_name, cssl_context *ctx, void *ud)
{
    (void)conn, (void)ctx, (void)ud;
    sni_calls++;
    snprintf(sni_seen, sizeof sni_seen, "%s", server_name ? server_name : "(none)");
    return 0;
}

/* Server: accept p->len connections on the listener p->fd, handshake each;
 * p->rc/msg are the last handshake's result. */
static void cert_server(peer *p)
{
    for (size_t i = 0; i < p->len; i++) {
        int fd = accept4(p->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            peer_failf(p, __LINE__, "accept: %s", strerror(errno));
            return;
        }
        cssl_conn *c = cssl_context_wrap_socket(p->ctx, fd, CSSL_SERVER_SIDE | CSSL_CLOSE_FD,
                                                NULL, NULL);
        if (c == NULL) {
            peer_failf(p, __LINE__, "wrap");
            close(fd);
            return;
        }
        /* The client closes right after its handshake: the server may fail
         * writing its session tickets (EPIPE, not a SIGPIPE). */
        peer_record(p, cssl_conn_do_handshake(c));
        cssl_conn_free(c);
        p->count++;
    }
}

/* A server thread for n connections with cert name; *port set. */
static cssl_context *start_cert_server(peer *p, const char *name, size_t n, int *port)
{
    cssl_context *sctx = server_context(name);
    CHECK_OK(cssl_context_set_sni_callback(sctx, record_sni, NULL));
    p->fd = tcp_listen(port);
    p->ctx = sctx;
    p->len = n;
    peer_start(p, cert_server);
    return sctx;
}

static void stop_cert_server(peer *p, cssl_context *sctx)
{
    peer_join(p);
    CHECK_INT(p->count, p->len);
    close(p->fd);
    cssl_context_free(sctx);
}

static char *fixture_text(const char *name)
{
    char *text = read_file(fixture(name), NULL);
    REQUIRE(text != NULL);
    return text;
}

TEST(get_server_certificate_returns_the_pem)
{
    int port;
    peer p = {0};
    cssl_context *sctx = start_cert_server(&p, "server", 1, &port);
    char *pem = cssl_get_server_certificate("localhost", port, NULL, -1);
    if (pem == NULL)
        harness_fail(__FILE__, __LINE__, "%s", cssl_error_message());
    char *expect = fixture_text("server.pem");
    CHECK_STR(pem, expect);
    stop_cert_server(&p, sctx);
    /* Handshake with SNI = host. */
    CHECK_INT(sni_calls, 1);
    CHECK_STR(sni_seen, "localhost");
    free(expect);
    cssl_free(pem);
}

TEST(get_server_certificate_by_ip_sends_no_sni)
{
    int port;
    peer p = {0};
    cssl_context *sctx = start_cert_server(&p, "ecdsa", 1, &port);
    char *pem = cssl_get_server_certificate("127.0.0.1", port, NULL, 10.0);
    char *expect = fixture_text("ecdsa.pem");
    CHECK_STR(pem, expect);
    stop_cert_server(&p, sctx);
    CHECK_INT(sni_calls, 1);
    CHECK_STR(sni_seen, "(none)");
    free(expect);
    cssl_free(pem);
}

/* With ca_certs the chain is verified, the hostname is not: the server's
 * certificate is valid only for other.example. */
TEST(get_server_certificate_with_ca_checks_chain_not_hostname)
{
    int port;
    peer p = {0};
    cssl_context *sctx = start_cert_server(&p, "sock_other", 2, &port);
    char *expect = fixture_text("sock_other.pem");
    char *pem = cssl_get_server_certificate("127.0.0.1", port, fixture("ca.pem"), 10.0);
    if (pem == NULL)
        harness_fail(__FILE__, __LINE__, "%s", cssl_error_message());
    CHECK_STR(pem, expect);
    cssl_free(pem);
    pem = cssl_get_server_certificate("localhost", port, fixture("ca.pem"), -1);
    if (pem == NULL)
        harness_fail(__FILE__, __LINE__, "%s", cssl_error_message());
    CHECK_STR(pem, expect);
    cssl_free(pem);
    stop_cert_server(&p, sctx);
    free(expect);
}

TEST(get_server_certificate_with_wrong_ca_fails_verification)
{
    int port;
    peer p = {0};
    cssl_context *sctx = start_cert_server(&p, "server", 1, &port);
    cssl_error_clear();
    CHECK(cssl_get_server_certificate("localhost", port, fixture("ca2.pem"), 10.0) == NULL);
    CHECK_INT(cssl_error_status(), CSSL_ECERT_VERIFY);
    CHECK_STR_STARTS(cssl_error_message(),
                     "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get "
                     "local issuer certificate (conn_io.c:");
    CHECK_INT(cssl_error_verify_code(), 20);
    CHECK_STR(cssl_error_verify_message(), "unable to get local issuer certificate");
    stop_cert_server(&p, sctx);
    /* The server was told why. */
    CHECK_INT(p.rc, CSSL_ESSL);
    CHECK_STR_STARTS(p.msg, "[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (conn_io.c:");
}

/* A port nobody listens on: bind one, then close it. */
static int closed_port(void)
{
    int port, fd = tcp_listen(&port);
    close(fd);
    return port;
}

TEST(get_server_certificate_connection_refused)
{
    int port = closed_port();
    CHECK_NULL_ERR(cssl_get_server_certificate("127.0.0.1", port, NULL, -1), CSSL_EOS,
                   "[Errno 111] Connection refused");
    CHECK_INT(cssl_error_errno(), ECONNREFUSED);
    CHECK_NULL_ERR(cssl_get_server_certificate("127.0.0.1", port, NULL, 5.0), CSSL_EOS,
                   "[Errno 111] Connection refused");
    CHECK_INT(cssl_error_errno(), ECONNREFUSED);
}

/* The listener's backlog completes the TCP handshake; nobody speaks TLS. */
TEST(get_server_certificate_handshake_timeout)
{
    int port, lfd = tcp_listen(&port);
    double t0 = mono_now();
    CHECK_NULL_ERR(cssl_get_server_certificate("127.0.0.1", port, NULL, 0.3), CSSL_ETIMEOUT,
                   "The handshake operation timed out");
    CHECK(mono_now() - t0 >= 0.3);
    close(lfd);
}

/* Python: socket.gaierror, whose errno is getaddrinfo's (negative) code. */
TEST(get_server_certificate_unresolvable_host)
{
    CHECK_NULL_ERR(cssl_get_server_certificate("", 443, NULL, 5.0), CSSL_EOS,
                   "[Errno -2] Name or service not known");
    CHECK_INT(cssl_error_errno(), -2);
}

/* A timeout too large for poll's int milliseconds is no limit at all. */
TEST(get_server_certificate_huge_timeout)
{
    int port;
    peer p = {0};
    cssl_context *sctx = start_cert_server(&p, "server", 1, &port);
    char *pem = cssl_get_server_certificate("127.0.0.1", port, NULL, 1e300);
    if (pem == NULL)
        harness_fail(__FILE__, __LINE__, "%s", cssl_error_message());
    char *expect = fixture_text("server.pem");
    CHECK_STR(pem, expect);
    stop_cert_server(&p, sctx);
    free(expect);
    cssl_free(pem);
}

TEST(get_server_certificate_bad_arguments)
{
    CHECK_NULL_ERR(cssl_get_server_certificate(NULL, 443, NULL, -1), CSSL_EVALUE,
                   "host must not be NULL");
    CHECK_NULL_ERR(cssl_get_server_certificate("localhost", 0, NULL, -1), CSSL_EVALUE,
                   "port must be 1-65535");
    CHECK_NULL_ERR(cssl_get_server_certificate("localhost", 65536, NULL, -1), CSSL_EVALUE,
                   "port must be 1-65535");
}

/* Python's ssl.get_server_certificate on the same server gives the same
 * PEM, and the same verdicts with ca_certs. */
TEST(get_server_certificate_matches_python)
{
    static const char code[] =
        "import ssl, sys\n"
        "port = int(sys.argv[1])\n"
        "ca = sys.argv[2] or None\n"
        "try:\n"
        "    sys.stdout.write(ssl.get_server_certificate(('127.0.0.1', port), ca_certs=ca))\n"
        "except ssl.SSLCertVerificationError as e:\n"
        "    print('verify', e.verify_code, e.verify_message)\n";
    struct {
        const char *cert, *ca;
    } cases[] = {{"server", ""}, {"sock_other", "ca.pem"}, {"server", "ca2.pem"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int port;
        peer p = {0};
        sni_calls = 0;
        cssl_context *sctx = start_cert_server(&p, cases[i].cert, 2, &port);
        char portstr[16], ca[1024] = "";
        snprintf(portstr, sizeof portstr, "%d", port);
        if (cases[i].ca[0] != '\0')
            snprintf(ca, sizeof ca, "%s", fixture(cases[i].ca));
        const char *args[] = {portstr, ca, NULL};
        char *py = python_run(code, args);
        char *pem = cssl_get_server_certificate("127.0.0.1", port, ca[0] ? ca : NULL, 10.0);
        char mine[512];
        if (pem == NULL)
            snprintf(mine, sizeof mine, "verify %ld %s\n", cssl_error_verify_code(),
                     cssl_error_verify_message() ? cssl_error_verify_message() : "(none)");
        CHECK_STR(pem ? pem : mine, py);
        stop_cert_server(&p, sctx);
        cssl_free(pem);
        free(py);
    }
}

/* ---- many threads ------------------------------------------------------ */

#define MT_THREADS 8
#define MT_CONNS 50
#define MT_MSG 64

typedef struct mt_shared {
    int lfd, port;
    cssl_context *sctx, *cctx;
    atomic_int accepted;
} mt_shared;

typedef struct mt_worker {
    pthread_t tid;
    mt_shared *sh;
    int id;
    int done;
    char fail[512];
} mt_worker;

static void mt_fail(mt_worker *w, int line, const char *what)
{
    if (w->fail[0] == '\0')
        snprintf(w->fail, sizeof w->fail, "worker %d line %d: %s: %s", w->id, line, what,
                 cssl_error_message());
}

static void *mt_server(void *arg)
{
    mt_worker *w = arg;
    while (atomic_fetch_add(&w->sh->accepted, 1) < MT_THREADS * MT_CONNS) {
        int fd = accept4(w->sh->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            mt_fail(w, __LINE__, strerror(errno));
            break;
        }
        cssl_conn *c = cssl_context_wrap_socket(w->sh->sctx, fd,
                                                CSSL_SERVER_SIDE | CSSL_CLOSE_FD, NULL, NULL);
        if (c == NULL) {
            close(fd);
            mt_fail(w, __LINE__, "wrap");
            break;
        }
        char buf[MT_MSG];
        if (cssl_conn_do_handshake(c) != CSSL_OK)
            mt_fail(w, __LINE__, "handshake");
        else if (read_exact(c, buf, sizeof buf) != sizeof buf)
            mt_fail(w, __LINE__, "read");
        else if (cssl_conn_sendall(c, buf, sizeof buf, NULL) != CSSL_OK)
            mt_fail(w, __LINE__, "sendall");
        else if (cssl_conn_read(c, buf, sizeof buf) != 0) /* the client's EOF */
            mt_fail(w, __LINE__, "expected EOF");
        else
            w->done++;
        cssl_conn_free(c);
    }
    if (ERR_peek_error() != 0)
        mt_fail(w, __LINE__, "OpenSSL error queue left dirty");
    return NULL;
}

static int mt_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void *mt_client(void *arg)
{
    mt_worker *w = arg;
    for (int i = 0; i < MT_CONNS; i++) {
        int fd = mt_connect(w->sh->port);
        if (fd < 0) {
            mt_fail(w, __LINE__, strerror(errno));
            break;
        }
        cssl_conn *c = cssl_context_wrap_socket(w->sh->cctx, fd, CSSL_CLOSE_FD, "localhost",
                                                NULL);
        if (c == NULL) {
            close(fd);
            mt_fail(w, __LINE__, "wrap");
            break;
        }
        char msg[MT_MSG], back[MT_MSG];
        memset(msg, '.', sizeof msg);
        snprintf(msg, sizeof msg, "thread %d connection %d", w->id, i);
        if (cssl_conn_do_handshake(c) != CSSL_OK)
            mt_fail(w, __LINE__, "handshake");
        else if (cssl_conn_version(c) == NULL || strcmp(cssl_conn_version(c), "TLSv1.3") != 0)
            mt_fail(w, __LINE__, "version");
        else if (cssl_conn_write(c, msg, sizeof msg) != sizeof msg)
            mt_fail(w, __LINE__, "write");
        else if (read_exact(c, back, sizeof back) != sizeof back ||
                 memcmp(msg, back, sizeof msg) != 0)
            mt_fail(w, __LINE__, "echo differs");
        else
            w->done++;
        cssl_conn_free(c); /* closes fd: the server reads EOF */
        if (w->fail[0] != '\0')
            break;
    }
    if (ERR_peek_error() != 0)
        mt_fail(w, __LINE__, "OpenSSL error queue left dirty");
    return NULL;
}

TEST(many_threads_share_contexts)
{
    mt_shared sh = {.sctx = server_context("server"), .cctx = client_context()};
    sh.lfd = tcp_listen(&sh.port);
    atomic_init(&sh.accepted, 0);
    mt_worker servers[MT_THREADS] = {0}, clients[MT_THREADS] = {0};
    for (int i = 0; i < MT_THREADS; i++) {
        servers[i] = (mt_worker){.sh = &sh, .id = i};
        clients[i] = (mt_worker){.sh = &sh, .id = i};
        REQUIRE(pthread_create(&servers[i].tid, NULL, mt_server, &servers[i]) == 0);
    }
    for (int i = 0; i < MT_THREADS; i++)
        REQUIRE(pthread_create(&clients[i].tid, NULL, mt_client, &clients[i]) == 0);
    int client_done = 0;
    for (int i = 0; i < MT_THREADS; i++) {
        pthread_join(clients[i].tid, NULL);
        CHECK_STR(clients[i].fail, "");
        CHECK_INT(clients[i].done, MT_CONNS);
        client_done += clients[i].done;
    }
    /* A failed client leaves servers waiting in accept: wake them. */
    if (client_done != MT_THREADS * MT_CONNS)
        shutdown(sh.lfd, SHUT_RDWR);
    int server_done = 0;
    for (int i = 0; i < MT_THREADS; i++) {
        pthread_join(servers[i].tid, NULL);
        if (client_done == MT_THREADS * MT_CONNS)
            CHECK_STR(servers[i].fail, "");
        server_done += servers[i].done;
    }
    CHECK_INT(server_done, MT_THREADS * MT_CONNS);
    close(sh.lfd);
    cssl_context_free(sh.sctx);
    cssl_context_free(sh.cctx);
}
