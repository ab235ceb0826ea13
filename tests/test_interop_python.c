/*
 * test_interop_python.c - cssl against Python's ssl module over loopback
 * TCP: a cssl client against a Python server, a cssl server against a
 * Python client (tests/interop/peer.py, run with the oracle interpreter).
 *
 * Python is also the oracle here: the script prints what its side saw of
 * each connection (version, cipher, ALPN, session_reused, tls-unique, the
 * peer certificate as getpeercert() JSON) and the test compares that with
 * cssl's view of the same connection.
 */
#include "interop/peer.h"

#define SEND_LEN 100000 /* client → server: several records */
#define REPLY_LEN 70001 /* server → client */
#define CLIENT_SEED 1
#define SERVER_SEED 2

static const char *script(void)
{
    static char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    REQUIRE(slash != NULL);
    snprintf(path, sizeof path, "%.*s/interop/peer.py", (int)(slash - __FILE__), __FILE__);
    REQUIRE(access(path, R_OK) == 0);
    return path;
}

/* Start peer.py (mode "server" or "client") with extra arguments. */
static void python_peer(peer *p, const char *const *args)
{
    const char *argv[48] = {python_path(), "-u", script()};
    int n = 3;
    for (int i = 0; args[i] != NULL && n < 47; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    peer_start(p, "python peer", argv);
}

/* Start a Python server and return its port (from its "ready PORT"). */
static int python_server(peer *p, const char *const *args)
{
    python_peer(p, args);
    char value[64];
    peer_value(p, "ready ", value, sizeof value);
    int port = atoi(value);
    REQUIRE(port > 0);
    return port;
}

static const char *tls_arg(int version)
{
    return version == CSSL_TLSVERSION_TLSv1_3 ? "1.3" : "1.2";
}

/* "<i> <key> " */
static const char *key(int i, const char *k)
{
    static char bufs[4][64];
    static int slot;
    char *b = bufs[slot++ % 4];
    snprintf(b, sizeof bufs[0], "%d %s ", i, k);
    return b;
}

/* Python's view of connection i against cssl's (same connection). */
static void compare_with_python(peer *p, int i, cssl_conn *c, const char *expect_version,
                                const char *expect_alpn, bool expect_reused)
{
    char v[8192], want[512];
    const char *proto = NULL;
    int bits = 0;
    const char *cipher = cssl_conn_cipher(c, &proto, &bits);
    REQUIRE(cipher != NULL);

    CHECK_STR(peer_value(p, key(i, "version"), v, sizeof v), expect_version);
    CHECK_STR(cssl_conn_version(c), expect_version);
    snprintf(want, sizeof want, "%s %s %d", cipher, proto, bits);
    CHECK_STR(peer_value(p, key(i, "cipher"), v, sizeof v), want);
    CHECK_STR(peer_value(p, key(i, "alpn"), v, sizeof v), expect_alpn ? expect_alpn : "None");
    CHECK_STR(cssl_conn_selected_alpn_protocol(c), expect_alpn);
    CHECK_STR(peer_value(p, key(i, "reused"), v, sizeof v), expect_reused ? "True" : "False");
    CHECK_INT(cssl_conn_session_reused(c), expect_reused);

    /* tls-unique: the first Finished of the handshake, the same bytes on
     * both ends (also after resumption). */
    uint8_t cb[128];
    ssize_t n = cssl_conn_get_channel_binding(c, "tls-unique", cb, sizeof cb);
    REQUIRE(n > 0);
    char hex[300] = "";
    for (ssize_t k = 0; k < n; k++)
        snprintf(hex + 2 * k, 3, "%02x", cb[k]);
    CHECK_STR(peer_value(p, key(i, "tls-unique"), v, sizeof v), hex);
    CHECK_INT(n, strcmp(expect_version, "TLSv1.3") == 0 ? 48 : 12);
}

/* Python's JSON of the certificate cssl presented equals cssl's JSON of
 * that fixture; and cssl's JSON of what Python presented equals Python's
 * own decoding of its certificate file. */
static void compare_certificates(peer *p, int i, cssl_conn *c, const char *own_cert,
                                 bool python_has_cert)
{
    char v[8192];
    peer_value(p, key(i, "peercert"), v, sizeof v);
    if (own_cert == NULL) {
        CHECK_STR(v, "None");
    } else {
        char *mine = cert_json_of_file(fixture(own_cert));
        CHECK_STR(v, mine);
        free(mine);
    }
    if (python_has_cert) {
        peer_value(p, key(i, "owncert"), v, sizeof v);
        char *seen = peer_cert_json(c);
        CHECK_STR(seen, v);
        free(seen);
    }
}

/* ---- cssl client, Python server ------------------------------------------ */

/* The client half of the protocol: send, read the reply, close cleanly. */
static void client_exchange(peer *p, int i, cssl_conn *c)
{
    char v[256], want[64];
    conn_send_payload(c, SEND_LEN, CLIENT_SEED);
    snprintf(want, sizeof want, "%d ok", SEND_LEN);
    CHECK_STR(peer_value(p, key(i, "received"), v, sizeof v), want);
    conn_expect_payload(c, REPLY_LEN, SERVER_SEED);
    CHECK_INT(cssl_conn_pending(c), 0);
    CHECK_OK(cssl_conn_unwrap(c));
    CHECK_STR(peer_value(p, key(i, "eof"), v, sizeof v), "clean");
    CHECK_STR(peer_value(p, key(i, "closed"), v, sizeof v), "clean");
    /* After unwrap the connection is plaintext again. */
    char b;
    CHECK_ERR(cssl_conn_read(c, &b, 1), CSSL_EVALUE, "Read on closed or unwrapped SSL socket.");
}

/*
 * Verified handshake (hostname localhost, CA from the fixtures), ALPN with
 * the server's preference, data both ways, clean close; then a second
 * connection resumes the session.
 */
static void client_basic(int version, bool blocking)
{
    peer p;
    const char *args[] = {"server", "--cert", fixture("server.pem"), "--key",
                          fixture("server.key"), "--tls", tls_arg(version), "--alpn",
                          "h2,http/1.1", "--connections", "2", "--send", "100000", "--reply",
                          "70001", NULL};
    int port = python_server(&p, args);
    cssl_context *ctx = client_context();
    force_version(ctx, version);
    const char *alpn[] = {"http/1.1", "h2"};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, alpn, 2) == CSSL_OK);

    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, blocking);
    CHECK_OK(cssl_conn_do_handshake(c));
    CHECK_STR(peer_common_name(c), "localhost");
    compare_with_python(&p, 0, c, version_name(version), "h2", false);
    compare_certificates(&p, 0, c, NULL, true);
    client_exchange(&p, 0, c);
    cssl_session *s = cssl_conn_get_session(c);
    REQUIRE(s != NULL);
    CHECK(cssl_session_has_ticket(s));
    cssl_conn_free(c);

    c = connect_client(ctx, port, "localhost", s, blocking);
    CHECK_OK(cssl_conn_do_handshake(c));
    compare_with_python(&p, 1, c, version_name(version), "h2", true);
    compare_certificates(&p, 1, c, NULL, true);
    client_exchange(&p, 1, c);
    cssl_conn_free(c);
    cssl_session_free(s);

    char v[16];
    peer_expect_line(&p, "done", v, sizeof v);
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    cssl_context_free(ctx);
}

TEST(client_tls12)
{
    client_basic(CSSL_TLSVERSION_TLSv1_2, true);
}

TEST(client_tls13)
{
    client_basic(CSSL_TLSVERSION_TLSv1_3, false);
}

/* Server CERT_REQUIRED: with a client certificate the handshake succeeds
 * and Python sees the certificate; without one the handshake fails. */
static void client_cert(int version)
{
    peer p;
    const char *args[] = {"server", "--cert", fixture("server.pem"), "--key",
                          fixture("server.key"), "--cafile", fixture("ca.pem"),
                          "--require-cert", "--tls", tls_arg(version), "--connections", "2",
                          "--send", "100000", "--reply", "70001", NULL};
    int port = python_server(&p, args);

    cssl_context *ctx = client_context();
    force_version(ctx, version);
    CHECK_OK(cssl_context_load_cert_chain(ctx, fixture("client.pem"), fixture("client.key"), NULL));
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    CHECK_OK(cssl_conn_do_handshake(c));
    compare_with_python(&p, 0, c, version_name(version), NULL, false);
    compare_certificates(&p, 0, c, "client.pem", true);
    client_exchange(&p, 0, c);
    cssl_conn_free(c);
    cssl_context_free(ctx);

    /* No client certificate. */
    ctx = client_context();
    force_version(ctx, version);
    c = connect_client(ctx, port, "localhost", NULL, false);
    char v[256];
    if (version == CSSL_TLSVERSION_TLSv1_3) {
        /* TLS 1.3: the client finishes first; the server's alert arrives
         * with the first read. */
        CHECK_OK(cssl_conn_do_handshake(c));
        char b[16];
        CHECK_ERR_AT(cssl_conn_read(c, b, sizeof b), CSSL_ESSL,
                     "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required");
        CHECK_STR(cssl_error_library(), "SSL");
        CHECK_STR(cssl_error_reason(), "TLSV13_ALERT_CERTIFICATE_REQUIRED");
        CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_SSL);
    } else {
        CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ESSL,
                     "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure");
        CHECK_INT(cssl_error_verify_code(), -1);
    }
    CHECK_STR(peer_value(&p, key(1, "handshake-error"), v, sizeof v),
              "SSLError PEER_DID_NOT_RETURN_A_CERTIFICATE None");
    cssl_conn_free(c);
    cssl_context_free(ctx);

    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
}

TEST(client_cert_tls12)
{
    client_cert(CSSL_TLSVERSION_TLSv1_2);
}

TEST(client_cert_tls13)
{
    client_cert(CSSL_TLSVERSION_TLSv1_3);
}

/*
 * The cssl client refuses: a certificate from a CA it does not trust (20),
 * a name the certificate does not cover (62), an IP address it does not
 * cover (64). Python's server sees the matching alerts.
 */
static void client_verify_failures(int version)
{
    peer p;
    const char *args[] = {"server", "--cert", fixture("server.pem"), "--key",
                          fixture("server.key"), "--tls", tls_arg(version), "--connections", "3",
                          NULL};
    int port = python_server(&p, args);
    char v[256];

    cssl_context *other = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    REQUIRE(other != NULL);
    CHECK_OK(cssl_context_load_verify_locations(other, fixture("ca2.pem"), NULL, NULL, 0, 0));
    cssl_conn *c = connect_client(other, port, "localhost", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get "
                 "local issuer certificate");
    CHECK_INT(cssl_error_verify_code(), 20);
    CHECK_STR(cssl_error_verify_message(), "unable to get local issuer certificate");
    CHECK_STR(cssl_error_reason(), "CERTIFICATE_VERIFY_FAILED");
    CHECK_STR(peer_value(&p, key(0, "handshake-error"), v, sizeof v),
              "SSLError TLSV1_ALERT_UNKNOWN_CA None");
    cssl_conn_free(c);
    cssl_context_free(other);

    cssl_context *ctx = client_context();
    force_version(ctx, version);
    c = connect_client(ctx, port, "example.org", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
                 "certificate is not valid for 'example.org'.");
    CHECK_INT(cssl_error_verify_code(), 62);
    CHECK_STR(cssl_error_verify_message(),
              "Hostname mismatch, certificate is not valid for 'example.org'.");
    CHECK_STR(peer_value(&p, key(1, "handshake-error"), v, sizeof v),
              "SSLError SSLV3_ALERT_BAD_CERTIFICATE None");
    cssl_conn_free(c);

    c = connect_client(ctx, port, "127.0.0.2", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address "
                 "mismatch, certificate is not valid for '127.0.0.2'.");
    CHECK_INT(cssl_error_verify_code(), 64);
    CHECK_STR(peer_value(&p, key(2, "handshake-error"), v, sizeof v),
              "SSLError SSLV3_ALERT_BAD_CERTIFICATE None");
    cssl_conn_free(c);
    cssl_context_free(ctx);

    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
}

TEST(client_verify_failures_tls12)
{
    client_verify_failures(CSSL_TLSVERSION_TLSv1_2);
}

TEST(client_verify_failures_tls13)
{
    client_verify_failures(CSSL_TLSVERSION_TLSv1_3);
}

/* A self-signed server certificate: verify code 18. */
TEST(client_self_signed_server)
{
    peer p;
    const char *args[] = {"server", "--cert", fixture("interop_selfsigned.pem"), "--key",
                          fixture("interop_selfsigned.key"), NULL};
    int port = python_server(&p, args);
    cssl_context *ctx = client_context();
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
                 "certificate");
    CHECK_INT(cssl_error_verify_code(), 18);
    CHECK_STR(cssl_error_verify_message(), "self-signed certificate");
    char v[256];
    CHECK_STR(peer_value(&p, key(0, "handshake-error"), v, sizeof v),
              "SSLError TLSV1_ALERT_UNKNOWN_CA None");
    cssl_conn_free(c);
    cssl_context_free(ctx);
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
}

/* ---- cssl server, Python client ------------------------------------------ */

/* The server half: read the request, answer, and see the client's clean
 * close (read returns 0), then answer it with our close_notify. */
static void server_exchange_with(peer *p, int i, cssl_conn *c, bool use_sendfile)
{
    char v[256], want[64];
    conn_expect_payload(c, SEND_LEN, CLIENT_SEED);
    if (use_sendfile) {
        /* The reply from a file, past a 7-byte header we do not send. */
        const char *path = tmp_path("reply.bin");
        unsigned char *body = payload(REPLY_LEN, SERVER_SEED);
        FILE *f = fopen(path, "wb");
        REQUIRE(f != NULL);
        REQUIRE(fwrite("header:", 1, 7, f) == 7 && fwrite(body, 1, REPLY_LEN, f) == REPLY_LEN);
        REQUIRE(fclose(f) == 0);
        free(body);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        REQUIRE(fd >= 0);
        CHECK_INT(cssl_conn_sendfile(c, fd, 7, REPLY_LEN), REPLY_LEN);
        close(fd);
    } else {
        conn_send_payload(c, REPLY_LEN, SERVER_SEED);
    }
    snprintf(want, sizeof want, "%d ok", REPLY_LEN);
    CHECK_STR(peer_value(p, key(i, "received"), v, sizeof v), want);
    char b[16];
    CHECK_INT(cssl_conn_read(c, b, sizeof b), 0); /* close_notify */
    CHECK_OK(cssl_conn_unwrap(c));
    /* The client took its session (with a ticket) before closing. */
    CHECK_STR(peer_value(p, key(i, "has-ticket"), v, sizeof v), "True");
    CHECK_STR(peer_value(p, key(i, "closed"), v, sizeof v), "clean");
}

static void server_exchange(peer *p, int i, cssl_conn *c)
{
    server_exchange_with(p, i, c, false);
}

static void start_python_client(peer *p, int port, int version, const char *const *extra)
{
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    const char *args[40] = {"client", "--port", portbuf, "--cafile", fixture("ca.pem"), "--tls",
                            tls_arg(version), "--send", "100000", "--reply", "70001"};
    int n = 11;
    for (int i = 0; extra && extra[i] && n < 39; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    python_peer(p, args);
}

/* Two connections from one Python client: the second resumes. */
static void server_basic(int version, bool blocking)
{
    int lport;
    int lfd = tcp_listen(&lport);
    cssl_context *ctx = server_context("server");
    force_version(ctx, version);
    const char *alpn[] = {"h2", "http/1.1"};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, alpn, 2) == CSSL_OK);

    peer p;
    const char *extra[] = {"--connections", "2", "--resume", "--alpn", "http/1.1,h2", NULL};
    start_python_client(&p, lport, version, extra);
    for (int i = 0; i < 2; i++) {
        cssl_conn *c = accept_server(ctx, lfd, blocking);
        REQUIRE(c != NULL);
        CHECK_OK(cssl_conn_do_handshake(c));
        CHECK(cssl_conn_server_side(c));
        compare_with_python(&p, i, c, version_name(version), "h2", i == 1);
        compare_certificates(&p, i, c, "server.pem", false);
        /* CERT_NONE server, no client certificate. */
        const cssl_cert_info *info = (const cssl_cert_info *)1;
        CHECK_OK(cssl_conn_getpeercert(c, &info));
        CHECK(info == NULL);
        server_exchange_with(&p, i, c, i == 1); /* the second reply by sendfile */
        cssl_conn_free(c);
    }
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    close(lfd);
    cssl_context_free(ctx);
}

TEST(server_tls12)
{
    server_basic(CSSL_TLSVERSION_TLSv1_2, false);
}

TEST(server_tls13)
{
    server_basic(CSSL_TLSVERSION_TLSv1_3, true);
}

/*
 * cssl server with CERT_REQUIRED: a Python client with a certificate is
 * accepted (cssl decodes it as Python does); one without is refused; one
 * with a self-signed certificate fails verification (18).
 */
static void server_client_cert(int version)
{
    int lport;
    int lfd = tcp_listen(&lport);
    cssl_context *ctx = server_context("server");
    force_version(ctx, version);
    CHECK_OK(cssl_context_load_verify_locations(ctx, fixture("ca.pem"), NULL, NULL, 0, 0));
    CHECK_OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_REQUIRED));
    char v[256];

    peer p;
    const char *with_cert[] = {"--cert", fixture("client.pem"), "--key", fixture("client.key"),
                               NULL};
    start_python_client(&p, lport, version, with_cert);
    cssl_conn *c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_OK(cssl_conn_do_handshake(c));
    compare_with_python(&p, 0, c, version_name(version), NULL, false);
    compare_certificates(&p, 0, c, "server.pem", true);
    CHECK_STR(peer_common_name(c), "cssl test client");
    server_exchange(&p, 0, c);
    cssl_conn_free(c);
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);

    /* No certificate. The client sends nothing after its handshake, so
     * that our close after the alert cannot turn into a reset. */
    const char *quiet[] = {"--send", "0", NULL};
    start_python_client(&p, lport, version, quiet);
    c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ESSL,
                 "[SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not return a certificate");
    CHECK_STR(cssl_error_reason(), "PEER_DID_NOT_RETURN_A_CERTIFICATE");
    CHECK_INT(cssl_error_verify_code(), -1);
    cssl_conn_free(c);
    if (version == CSSL_TLSVERSION_TLSv1_3)
        CHECK_STR(peer_value(&p, key(0, "read-error"), v, sizeof v),
                  "SSLError TLSV13_ALERT_CERTIFICATE_REQUIRED None");
    else
        CHECK_STR(peer_value(&p, key(0, "handshake-error"), v, sizeof v),
                  "SSLError SSLV3_ALERT_HANDSHAKE_FAILURE None");
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);

    /* A certificate no trusted CA signed. */
    const char *self_signed[] = {"--cert", fixture("interop_selfsigned.pem"), "--key",
                                 fixture("interop_selfsigned.key"), "--send", "0", NULL};
    start_python_client(&p, lport, version, self_signed);
    c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
                 "certificate");
    CHECK_INT(cssl_error_verify_code(), 18);
    CHECK_STR(cssl_error_verify_message(), "self-signed certificate");
    cssl_conn_free(c);
    if (version == CSSL_TLSVERSION_TLSv1_3)
        CHECK_STR(peer_value(&p, key(0, "read-error"), v, sizeof v),
                  "SSLError TLSV1_ALERT_UNKNOWN_CA None");
    else
        CHECK_STR(peer_value(&p, key(0, "handshake-error"), v, sizeof v),
                  "SSLError TLSV1_ALERT_UNKNOWN_CA None");
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);

    close(lfd);
    cssl_context_free(ctx);
}

TEST(server_client_cert_tls12)
{
    server_client_cert(CSSL_TLSVERSION_TLSv1_2);
}

TEST(server_client_cert_tls13)
{
    server_client_cert(CSSL_TLSVERSION_TLSv1_3);
}

/* ---- closing without close_notify (ragged EOF) ---------------------------- */

/*
 * The Python server closes the TCP connection without close_notify after
 * its reply. A cssl socket suppresses that ragged EOF by default (read
 * returns 0, as Python's SSLSocket); with CSSL_NO_SUPPRESS_RAGGED_EOFS it
 * is Python's SSLEOFError; OP_IGNORE_UNEXPECTED_EOF makes it a clean EOF.
 */
TEST(client_ragged_eof)
{
    peer p;
    const char *args[] = {"server", "--cert", fixture("server.pem"), "--key",
                          fixture("server.key"), "--connections", "3", "--send", "1000",
                          "--reply", "70001", "--ragged", NULL};
    int port = python_server(&p, args);
    cssl_context *ctx = client_context();
    char b[16], v[64];

    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    conn_send_payload(c, 1000, CLIENT_SEED);
    conn_expect_payload(c, REPLY_LEN, SERVER_SEED);
    CHECK_INT(cssl_conn_read(c, b, sizeof b), 0);
    CHECK_STR(peer_value(&p, key(0, "closed"), v, sizeof v), "ragged");
    cssl_conn_free(c);

    c = connect_client_flags(ctx, port, "localhost", NULL, false, CSSL_NO_SUPPRESS_RAGGED_EOFS);
    conn_send_payload(c, 1000, CLIENT_SEED);
    conn_expect_payload(c, REPLY_LEN, SERVER_SEED);
    CHECK_ERR_AT(cssl_conn_read(c, b, sizeof b), CSSL_EEOF,
                 "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol");
    CHECK_STR(cssl_error_library(), "SSL");
    CHECK_STR(cssl_error_reason(), "UNEXPECTED_EOF_WHILE_READING");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_EOF);
    CHECK_STR(peer_value(&p, key(1, "closed"), v, sizeof v), "ragged");
    cssl_conn_free(c);

    CHECK_OK(cssl_context_set_options(ctx, cssl_context_options(ctx) |
                                               CSSL_OP_IGNORE_UNEXPECTED_EOF));
    c = connect_client_flags(ctx, port, "localhost", NULL, false, CSSL_NO_SUPPRESS_RAGGED_EOFS);
    conn_send_payload(c, 1000, CLIENT_SEED);
    conn_expect_payload(c, REPLY_LEN, SERVER_SEED);
    CHECK_INT(cssl_conn_read(c, b, sizeof b), 0);
    CHECK_STR(peer_value(&p, key(2, "closed"), v, sizeof v), "ragged");
    cssl_conn_free(c);

    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    cssl_context_free(ctx);
}

/* A cssl server freed without unwrap sends no close_notify: the Python
 * client (suppress_ragged_eofs=False) sees SSLEOFError. */
TEST(server_ragged_eof)
{
    int lport;
    int lfd = tcp_listen(&lport);
    cssl_context *ctx = server_context("server");
    peer p;
    const char *extra[] = {"--ragged", NULL};
    start_python_client(&p, lport, CSSL_TLSVERSION_TLSv1_3, extra);
    cssl_conn *c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    conn_expect_payload(c, SEND_LEN, CLIENT_SEED);
    conn_send_payload(c, REPLY_LEN, SERVER_SEED);
    char v[512];
    CHECK_STR(peer_value(&p, key(0, "has-ticket"), v, sizeof v), "True");
    cssl_conn_free(c);
    CHECK_STR(peer_value(&p, key(0, "eof-error"), v, sizeof v),
              "SSLEOFError UNEXPECTED_EOF_WHILE_READING None");
    peer_value(&p, key(0, "eof-message"), v, sizeof v);
    CHECK_STR_STARTS(v, "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of "
                        "protocol (_ssl.c:");
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    close(lfd);
    cssl_context_free(ctx);
}

/* ---- other transports against the same peer ----------------------------- */

/*
 * A memory-BIO connection (sans-IO) whose bytes we carry over a TCP socket
 * ourselves, as an event loop would.
 */
typedef struct bio_link {
    int fd;
    cssl_memory_bio *in, *out;
    cssl_conn *c;
} bio_link;

static void link_flush(bio_link *l)
{
    char buf[16384];
    ssize_t n;
    while ((n = cssl_memory_bio_read(l->out, buf, sizeof buf)) > 0) {
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = send(l->fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            REQUIRE(w > 0);
            off += w;
        }
    }
}

/* Feed what the peer sent next (blocking); EOF is marked on the BIO. */
static void link_fill(bio_link *l)
{
    char buf[16384];
    struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
    REQUIRE(poll(&pfd, 1, (int)(PEER_TIMEOUT * 1000)) == 1);
    ssize_t n = recv(l->fd, buf, sizeof buf, 0);
    REQUIRE(n >= 0);
    if (n == 0)
        CHECK_OK(cssl_memory_bio_write_eof(l->in));
    else
        REQUIRE(cssl_memory_bio_write(l->in, buf, (size_t)n) == n);
}

/* Run an operation until it stops wanting to read. */
#define LINK_RUN(l, rc, expr)                                                  \
    do {                                                                       \
        for (;;) {                                                             \
            rc = (expr);                                                       \
            link_flush(l);                                                     \
            if (rc != CSSL_EWANT_READ)                                         \
                break;                                                         \
            link_fill(l);                                                      \
        }                                                                      \
    } while (0)

static void link_open(bio_link *l, cssl_context *ctx, int port, const cssl_session *s)
{
    l->fd = tcp_connect(port);
    l->in = cssl_memory_bio_new();
    l->out = cssl_memory_bio_new();
    REQUIRE(l->in && l->out);
    l->c = cssl_context_wrap_bio(ctx, l->in, l->out, 0, "localhost", s);
    REQUIRE(l->c != NULL);
    CHECK_INT(cssl_conn_fileno(l->c), -1);
    CHECK(cssl_conn_timeout(l->c) == 0.0);
}

static void link_close(bio_link *l)
{
    cssl_conn_free(l->c);
    cssl_memory_bio_free(l->in);
    cssl_memory_bio_free(l->out);
    close(l->fd);
}

TEST(client_memory_bio)
{
    peer p;
    const char *args[] = {"server", "--cert", fixture("server.pem"), "--key",
                          fixture("server.key"), "--alpn", "h2", "--connections", "2", "--send",
                          "100000", "--reply", "70001", NULL};
    int port = python_server(&p, args);
    cssl_context *ctx = client_context();
    const char *alpn[] = {"h2"};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, alpn, 1) == CSSL_OK);
    cssl_session *session = NULL;
    char v[256], want[64];

    for (int i = 0; i < 2; i++) {
        bio_link l;
        link_open(&l, ctx, port, session);
        long long rc;
        LINK_RUN(&l, rc, cssl_conn_do_handshake(l.c));
        CHECK_INT(rc, CSSL_OK);
        compare_with_python(&p, i, l.c, "TLSv1.3", "h2", i == 1);
        compare_certificates(&p, i, l.c, NULL, true);

        unsigned char *out = payload(SEND_LEN, CLIENT_SEED);
        LINK_RUN(&l, rc, cssl_conn_write(l.c, out, SEND_LEN));
        CHECK_INT(rc, SEND_LEN);
        free(out);
        snprintf(want, sizeof want, "%d ok", SEND_LEN);
        CHECK_STR(peer_value(&p, key(i, "received"), v, sizeof v), want);

        unsigned char *in = malloc(REPLY_LEN);
        REQUIRE(in != NULL);
        size_t got = 0;
        while (got < REPLY_LEN) {
            LINK_RUN(&l, rc, cssl_conn_read(l.c, in + got, REPLY_LEN - got));
            REQUIRE(rc > 0);
            got += (size_t)rc;
        }
        size_t k = 0;
        while (k < REPLY_LEN && in[k] == payload_byte(k, SERVER_SEED))
            k++;
        CHECK_INT(k, REPLY_LEN);
        free(in);
        if (i == 0) {
            session = cssl_conn_get_session(l.c);
            REQUIRE(session != NULL);
        }

        /* unwrap: close_notify goes out, then we wait for the peer's. */
        CHECK_ERR(cssl_conn_unwrap(l.c), CSSL_EWANT_READ, "The operation did not complete (read)");
        link_flush(&l);
        LINK_RUN(&l, rc, cssl_conn_unwrap(l.c));
        CHECK_INT(rc, CSSL_OK);
        CHECK_STR(peer_value(&p, key(i, "closed"), v, sizeof v), "clean");
        link_close(&l);
    }
    cssl_session_free(session);
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    cssl_context_free(ctx);
}

/* Wait for what a non-blocking operation asked for. */
static void nb_wait(cssl_conn *c, long long rc)
{
    struct pollfd pfd = {.fd = cssl_conn_fileno(c),
                         .events = rc == CSSL_EWANT_WRITE ? POLLOUT : POLLIN};
    REQUIRE(poll(&pfd, 1, (int)(PEER_TIMEOUT * 1000)) == 1);
}

/*
 * A non-blocking socket (timeout 0) driven by poll(): every operation
 * returns CSSL_EWANT_READ/WRITE instead of blocking, and is retried when
 * the socket is ready. A megabyte each way.
 */
TEST(client_nonblocking)
{
    enum { BIG = 1 << 20 };
    peer p;
    const char *args[] = {"server", "--cert", fixture("server.pem"), "--key",
                          fixture("server.key"), "--send", "1048576", "--reply", "1048576",
                          NULL};
    int port = python_server(&p, args);
    cssl_context *ctx = client_context();
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, true);
    CHECK_OK(cssl_conn_set_timeout(c, 0.0));
    CHECK(cssl_conn_timeout(c) == 0.0);
    char v[256];

    long long rc;
    while ((rc = cssl_conn_do_handshake(c)) == CSSL_EWANT_READ || rc == CSSL_EWANT_WRITE)
        nb_wait(c, rc);
    CHECK_INT(rc, CSSL_OK);
    compare_with_python(&p, 0, c, "TLSv1.3", NULL, false);

    /* The server sends nothing before it has all of our data: a read
     * now finds no application data and wants to read. */
    unsigned char one;
    CHECK_ERR(cssl_conn_read(c, &one, 1), CSSL_EWANT_READ, "The operation did not complete (read)");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_WANT_READ);
    CHECK_STR(cssl_error_library(), NULL);

    unsigned char *out = payload(BIG, CLIENT_SEED);
    size_t off = 0;
    while (off < BIG) {
        size_t sent = 0;
        rc = cssl_conn_sendall(c, out + off, BIG - off, &sent);
        off += sent;
        if (rc == CSSL_OK)
            break;
        REQUIRE(rc == CSSL_EWANT_WRITE || rc == CSSL_EWANT_READ);
        nb_wait(c, rc);
    }
    CHECK_INT(off, BIG);
    free(out);

    unsigned char *in = malloc(BIG);
    REQUIRE(in != NULL);
    size_t got = 0;
    while (got < BIG) {
        rc = cssl_conn_read(c, in + got, BIG - got);
        if (rc == CSSL_EWANT_READ || rc == CSSL_EWANT_WRITE) {
            nb_wait(c, rc);
            continue;
        }
        REQUIRE(rc > 0);
        got += (size_t)rc;
    }
    size_t k = 0;
    while (k < BIG && in[k] == payload_byte(k, SERVER_SEED))
        k++;
    CHECK_INT(k, BIG);
    free(in);
    CHECK_STR(peer_value(&p, key(0, "received"), v, sizeof v), "1048576 ok");

    /* The closing handshake waits for the peer's close_notify too. */
    while ((rc = cssl_conn_unwrap(c)) == CSSL_EWANT_READ || rc == CSSL_EWANT_WRITE)
        nb_wait(c, rc);
    CHECK_INT(rc, CSSL_OK);
    CHECK_STR(peer_value(&p, key(0, "closed"), v, sizeof v), "clean");
    cssl_conn_free(c);
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    cssl_context_free(ctx);
}

/*
 * ALPN without a common protocol is not an error (RFC 7301 allows the
 * server to ignore it; Python's server does): neither side reports one,
 * for a cssl client against Python and for a cssl server against Python.
 */
TEST(alpn_no_overlap)
{
    peer p;
    const char *args[] = {"server", "--cert", fixture("server.pem"), "--key",
                          fixture("server.key"), "--alpn", "h2", "--send", "100000", "--reply",
                          "70001", NULL};
    int port = python_server(&p, args);
    cssl_context *ctx = client_context();
    const char *mine[] = {"spdy/3", "http/1.1"};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, mine, 2) == CSSL_OK);
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    CHECK_OK(cssl_conn_do_handshake(c));
    compare_with_python(&p, 0, c, "TLSv1.3", NULL, false);
    client_exchange(&p, 0, c);
    cssl_conn_free(c);
    cssl_context_free(ctx);
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);

    int lport;
    int lfd = tcp_listen(&lport);
    ctx = server_context("server");
    const char *ours[] = {"h2"};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, ours, 1) == CSSL_OK);
    const char *extra[] = {"--alpn", "spdy/3,http/1.1", NULL};
    start_python_client(&p, lport, CSSL_TLSVERSION_TLSv1_2, extra);
    c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_OK(cssl_conn_do_handshake(c));
    compare_with_python(&p, 0, c, "TLSv1.2", NULL, false);
    server_exchange(&p, 0, c);
    cssl_conn_free(c);
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    close(lfd);
    cssl_context_free(ctx);
}

/* ---- STOPTLS: plaintext after the closing handshake ---------------------- */

static void plain_send(int fd, const char *text)
{
    REQUIRE(send(fd, text, strlen(text), MSG_NOSIGNAL) == (ssize_t)strlen(text));
}

static void plain_expect(int fd, const char *text)
{
    char buf[128];
    size_t n = strlen(text), got = 0;
    REQUIRE(n < sizeof buf);
    while (got < n) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        REQUIRE(poll(&pfd, 1, (int)(PEER_TIMEOUT * 1000)) == 1);
        ssize_t r = recv(fd, buf + got, n - got, 0);
        REQUIRE(r > 0);
        got += (size_t)r;
    }
    buf[got] = '\0';
    CHECK_STR(buf, text);
}

/*
 * After unwrap the socket carries plaintext again (STARTTLS/STOPTLS
 * protocols): the peer's plaintext right behind its close_notify is not
 * swallowed by our TLS layer, and ours reaches it. Both roles.
 */
TEST(stoptls_both_roles)
{
    peer p;
    const char *args[] = {"server", "--cert", fixture("server.pem"), "--key",
                          fixture("server.key"), "--send", "100000", "--reply", "70001",
                          "--stoptls", NULL};
    int port = python_server(&p, args);
    cssl_context *ctx = client_context();
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    char v[128];
    client_exchange(&p, 0, c); /* ends with unwrap */
    plain_expect(cssl_conn_fileno(c), "PLAINTEXT FROM PYTHON\n");
    plain_send(cssl_conn_fileno(c), "PLAINTEXT FROM CSSL\n");
    CHECK_STR(peer_value(&p, key(0, "plain"), v, sizeof v), "PLAINTEXT FROM CSSL");
    cssl_conn_free(c);
    cssl_context_free(ctx);
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);

    int lport;
    int lfd = tcp_listen(&lport);
    ctx = server_context("server");
    const char *extra[] = {"--stoptls", NULL};
    start_python_client(&p, lport, CSSL_TLSVERSION_TLSv1_3, extra);
    c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    server_exchange(&p, 0, c); /* the client's close, answered by unwrap */
    char b;
    CHECK_ERR(cssl_conn_write(c, "x", 1), CSSL_EVALUE, "Write on closed or unwrapped SSL socket.");
    CHECK_ERR(cssl_conn_read(c, &b, 1), CSSL_EVALUE, "Read on closed or unwrapped SSL socket.");
    plain_send(cssl_conn_fileno(c), "PLAINTEXT FROM CSSL\n");
    CHECK_STR(peer_value(&p, key(0, "plain"), v, sizeof v), "PLAINTEXT FROM CSSL");
    plain_expect(cssl_conn_fileno(c), "PLAINTEXT FROM PYTHON\n");
    cssl_conn_free(c);
    peer_expect(&p, "done");
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    close(lfd);
    cssl_context_free(ctx);
}
