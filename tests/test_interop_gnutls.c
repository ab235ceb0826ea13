/*
 * test_interop_gnutls.c - cssl against GnuTLS (a TLS stack that shares no
 * code with OpenSSL) over loopback TCP: a cssl client against
 * `gnutls-serv --echo`, a cssl server against `gnutls-cli`. Both come
 * from Debian's gnutls-bin, installed on demand by require_program() or
 * the test is skipped (visibly).
 *
 * gnutls-serv prints "Echo Server listening on IPv4 ... done" once it
 * listens (with --port 0 it does not say which port: we read it from
 * /proc), then per connection what it negotiated ("- Version: TLS1.3",
 * "- Application protocol: h2", the client certificate's subject) and
 * echoes what it receives. gnutls-cli prints the same kind of summary,
 * forwards its stdin and prints what it receives; --resume makes it
 * connect twice, the second time resuming.
 */
#include "interop/peer.h"

#define CHUNK 20000 /* more than one record */
#define CHUNKS 5

static void need_gnutls(void)
{
    require_program("gnutls-cli", "gnutls-bin");
    require_program("gnutls-serv", "gnutls-bin");
}

static const char *priority(int version)
{
    return version == CSSL_TLSVERSION_TLSv1_3 ? "NORMAL:-VERS-ALL:+VERS-TLS1.3"
                                              : "NORMAL:-VERS-ALL:+VERS-TLS1.2";
}

static const char *gnutls_version(int version)
{
    return version == CSSL_TLSVERSION_TLSv1_3 ? "TLS1.3" : "TLS1.2";
}

/* msg without its trailing " (file.c:N)" location (a copy in buf). */
static const char *unlocated(const char *msg, char *buf, size_t size)
{
    snprintf(buf, size, "%s", msg ? msg : "");
    char *open = strrchr(buf, '(');
    if (open && open > buf && open[-1] == ' ' && strchr(open, ':') && buf[strlen(buf) - 1] == ')')
        open[-1] = '\0';
    return buf;
}

/*
 * The oracle on the same peer: Python's ssl client connects to port
 * (TLS version forced, CA fixture, server_hostname host), reads a byte,
 * and reports the exception it got. The class must be the one matching
 * cssl's status and the message the same but for the location.
 */
static void check_python_agrees(int port, int version, const char *host, const char *cafile,
                                int status, const char *cssl_message)
{
    static const char code[] =
        "import socket, ssl, sys\n"
        "port, ver, host, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]\n"
        "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
        "ctx.load_verify_locations(ca)\n"
        "ctx.minimum_version = ctx.maximum_version = (\n"
        "    ssl.TLSVersion.TLSv1_3 if ver == 'TLS1.3' else ssl.TLSVersion.TLSv1_2)\n"
        "try:\n"
        "    with socket.create_connection(('127.0.0.1', port), timeout=10) as raw:\n"
        "        with ctx.wrap_socket(raw, server_hostname=host) as s:\n"
        "            s.recv(1)\n"
        "    print('no error')\n"
        "except ssl.SSLError as e:\n"
        "    print(type(e).__name__)\n"
        "    print(e.strerror)\n";
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    const char *args[] = {portbuf, gnutls_version(version), host, cafile, NULL};
    char *out = python_run(code, args);
    char *nl = strchr(out, '\n');
    REQUIRE(nl != NULL);
    *nl = '\0';
    char *text = nl + 1;
    text[strcspn(text, "\n")] = '\0';
    CHECK_STR(out, status == CSSL_ECERT_VERIFY ? "SSLCertVerificationError" : "SSLError");
    char a[640], b[640];
    CHECK_STR(unlocated(cssl_message, a, sizeof a), unlocated(text, b, sizeof b));
    free(out);
}

/* ---- cssl client, gnutls-serv ------------------------------------------- */

/* Start gnutls-serv --echo with extra arguments; returns its IPv4 port. */
static int gnutls_serv(peer *p, const char *const *extra)
{
    const char *argv[48] = {"gnutls-serv", "--echo", "--port", "0"};
    int n = 4;
    for (int i = 0; extra[i] != NULL && n < 47; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    peer_start(p, "gnutls-serv", argv);
    char line[256];
    REQUIRE(peer_expect_line(p, "listening on IPv4", line, sizeof line));
    CHECK_STR_CONTAINS(line, "done");
    int port = peer_listen_port(p);
    REQUIRE(port > 0);
    return port;
}

/* Stop gnutls-serv (it serves until killed). */
static void stop_gnutls_serv(peer *p)
{
    peer_stop(p);
    CHECK(peer_output_has(p, "Exiting via signal 15"));
    peer_free(p);
}

/*
 * Data through the echo server, in chunks larger than a record, each
 * echoed back unchanged; then a clean close started by cssl (gnutls-serv
 * answers our close_notify with its own).
 */
static void echo_exchange(cssl_conn *c, unsigned seed)
{
    char *data = text_payload(CHUNK * CHUNKS, seed);
    for (int i = 0; i < CHUNKS; i++) {
        conn_send_bytes(c, data + i * CHUNK, CHUNK);
        char *back = malloc(CHUNK);
        REQUIRE(back != NULL);
        if (conn_read_exact(c, back, CHUNK))
            CHECK(memcmp(back, data + i * CHUNK, CHUNK) == 0);
        free(back);
    }
    free(data);
    CHECK_OK(cssl_conn_unwrap(c));
}

/*
 * Verified handshake (hostname, CA), ALPN, echoed data, clean close, and
 * a second connection that resumes.
 */
static void client_basic(int version, bool blocking)
{
    need_gnutls();
    peer p;
    const char *args[] = {"--x509certfile", fixture("server.pem"), "--x509keyfile",
                          fixture("server.key"), "--priority", priority(version), "--alpn", "h2",
                          "--alpn", "http/1.1", NULL};
    int port = gnutls_serv(&p, args);
    cssl_context *ctx = client_context();
    force_version(ctx, version);
    const char *alpn[] = {"h2", "http/1.1"};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, alpn, 2) == CSSL_OK);

    char line[512], want[128];
    cssl_session *session = NULL;
    for (int i = 0; i < 2; i++) {
        cssl_conn *c = connect_client(ctx, port, "localhost", session, blocking);
        CHECK_OK(cssl_conn_do_handshake(c));
        CHECK_STR(cssl_conn_version(c), version_name(version));
        CHECK_STR(cssl_conn_selected_alpn_protocol(c), "h2");
        CHECK_STR(peer_common_name(c), "localhost");
        CHECK_INT(cssl_conn_session_reused(c), i == 1);

        /* gnutls-serv's own view of the connection. */
        peer_expect_line(&p, "- Given server name", line, sizeof line);
        CHECK_STR_CONTAINS(line, "localhost");
        snprintf(want, sizeof want, "- Version: %s", gnutls_version(version));
        peer_expect_line(&p, "- Version: ", line, sizeof line);
        CHECK_STR(line, want);
        peer_expect_line(&p, "- Application protocol: ", line, sizeof line);
        CHECK_STR(line, "- Application protocol: h2");

        echo_exchange(c, (unsigned)i);
        if (i == 0) {
            session = cssl_conn_get_session(c);
            REQUIRE(session != NULL);
        }
        cssl_conn_free(c);
    }
    cssl_session_free(session);
    stop_gnutls_serv(&p);
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

/* gnutls-serv requiring and verifying a client certificate. */
static void client_cert(int version)
{
    need_gnutls();
    peer p;
    const char *args[] = {"--x509certfile", fixture("server.pem"), "--x509keyfile",
                          fixture("server.key"), "--priority", priority(version),
                          "--require-client-cert", "--verify-client-cert", "--x509cafile",
                          fixture("ca.pem"), NULL};
    int port = gnutls_serv(&p, args);

    cssl_context *ctx = client_context();
    force_version(ctx, version);
    CHECK_OK(cssl_context_load_cert_chain(ctx, fixture("client.pem"), fixture("client.key"), NULL));
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    CHECK_OK(cssl_conn_do_handshake(c));
    char line[512];
    peer_expect_line(&p, "Subject: ", line, sizeof line);
    CHECK_STR_CONTAINS(line, "Subject: CN=cssl test client,O=cssl tests,C=XY");
    echo_exchange(c, 3);
    cssl_conn_free(c);
    cssl_context_free(ctx);

    /* Without a client certificate. GnuTLS answers TLS 1.2's empty
     * Certificate with a decode_error alert (OpenSSL would send
     * handshake_failure); Python sees the same. */
    ctx = client_context();
    force_version(ctx, version);
    c = connect_client(ctx, port, "localhost", NULL, false);
    if (version == CSSL_TLSVERSION_TLSv1_3) {
        CHECK_OK(cssl_conn_do_handshake(c));
        char b[8];
        CHECK_ERR_AT(cssl_conn_read(c, b, sizeof b), CSSL_ESSL,
                     "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required");
    } else {
        CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ESSL,
                     "[SSL: TLSV1_ALERT_DECODE_ERROR] tlsv1 alert decode error");
    }
    CHECK_INT(cssl_error_verify_code(), -1);
    char msg[640];
    snprintf(msg, sizeof msg, "%s", cssl_error_message());
    peer_expect_line(&p, "Error in handshake: ", line, sizeof line);
    CHECK_STR(line, version == CSSL_TLSVERSION_TLSv1_3
                        ? "Error in handshake: Certificate is required."
                        : "Error in handshake: No certificate was found.");
    cssl_conn_free(c);
    cssl_context_free(ctx);
    check_python_agrees(port, version, "localhost", fixture("ca.pem"), CSSL_ESSL, msg);
    stop_gnutls_serv(&p);
}

TEST(client_cert_tls12)
{
    client_cert(CSSL_TLSVERSION_TLSv1_2);
}

TEST(client_cert_tls13)
{
    client_cert(CSSL_TLSVERSION_TLSv1_3);
}

/* The cssl client refuses: untrusted CA (20), wrong name (62), wrong IP
 * address (64). */
static void client_verify_failures(int version)
{
    need_gnutls();
    peer p;
    const char *args[] = {"--x509certfile", fixture("server.pem"), "--x509keyfile",
                          fixture("server.key"), "--priority", priority(version), NULL};
    int port = gnutls_serv(&p, args);

    char msg[640];
    cssl_context *other = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    REQUIRE(other != NULL);
    force_version(other, version);
    CHECK_OK(cssl_context_load_verify_locations(other, fixture("ca2.pem"), NULL, NULL, 0, 0));
    cssl_conn *c = connect_client(other, port, "localhost", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get "
                 "local issuer certificate");
    CHECK_INT(cssl_error_verify_code(), 20);
    snprintf(msg, sizeof msg, "%s", cssl_error_message());
    cssl_conn_free(c);
    cssl_context_free(other);
    check_python_agrees(port, version, "localhost", fixture("ca2.pem"), CSSL_ECERT_VERIFY, msg);

    cssl_context *ctx = client_context();
    force_version(ctx, version);
    c = connect_client(ctx, port, "example.org", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
                 "certificate is not valid for 'example.org'.");
    CHECK_INT(cssl_error_verify_code(), 62);
    CHECK_STR(cssl_error_verify_message(),
              "Hostname mismatch, certificate is not valid for 'example.org'.");
    snprintf(msg, sizeof msg, "%s", cssl_error_message());
    cssl_conn_free(c);
    check_python_agrees(port, version, "example.org", fixture("ca.pem"), CSSL_ECERT_VERIFY, msg);

    c = connect_client(ctx, port, "127.0.0.2", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address "
                 "mismatch, certificate is not valid for '127.0.0.2'.");
    CHECK_INT(cssl_error_verify_code(), 64);
    snprintf(msg, sizeof msg, "%s", cssl_error_message());
    cssl_conn_free(c);
    cssl_context_free(ctx);
    check_python_agrees(port, version, "127.0.0.2", fixture("ca.pem"), CSSL_ECERT_VERIFY, msg);

    /* gnutls-serv saw six handshakes fail (our three, Python's three). */
    for (int i = 0; i < 6; i++)
        peer_expect(&p, "Error in handshake: ");
    stop_gnutls_serv(&p);
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
    need_gnutls();
    peer p;
    const char *args[] = {"--x509certfile", fixture("interop_selfsigned.pem"), "--x509keyfile",
                          fixture("interop_selfsigned.key"), NULL};
    int port = gnutls_serv(&p, args);
    cssl_context *ctx = client_context();
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
                 "certificate");
    CHECK_INT(cssl_error_verify_code(), 18);
    CHECK_STR(cssl_error_verify_message(), "self-signed certificate");
    char msg[640];
    snprintf(msg, sizeof msg, "%s", cssl_error_message());
    cssl_conn_free(c);
    cssl_context_free(ctx);
    check_python_agrees(port, CSSL_TLSVERSION_TLSv1_3, "localhost", fixture("ca.pem"),
                        CSSL_ECERT_VERIFY, msg);
    stop_gnutls_serv(&p);
}

/* ---- cssl server, gnutls-cli --------------------------------------------- */

/* Start gnutls-cli towards our listener, verifying us as "localhost". */
static void gnutls_cli(peer *p, int port, int version, const char *const *extra)
{
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    const char *argv[48] = {"gnutls-cli", "127.0.0.1", "-p", portbuf, "--sni-hostname",
                            "localhost", "--verify-hostname", "localhost", "--x509cafile",
                            fixture("ca.pem"), "--priority", priority(version)};
    int n = 12;
    for (int i = 0; extra && extra[i] != NULL && n < 47; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    peer_start(p, "gnutls-cli", argv);
}

/* gnutls-cli's summary of the handshake it just completed. */
static void check_cli_view(peer *p, cssl_conn *c, int version, const char *alpn)
{
    char line[512], want[128];
    peer_expect_line(p, "- Status: ", line, sizeof line);
    CHECK_STR(line, "- Status: The certificate is trusted. ");
    peer_expect_line(p, "- Description: ", line, sizeof line);
    snprintf(want, sizeof want, "- Description: (%s-", gnutls_version(version));
    CHECK_STR_STARTS(line, want);
    if (alpn) {
        peer_expect_line(p, "- Application protocol: ", line, sizeof line);
        snprintf(want, sizeof want, "- Application protocol: %s", alpn);
        CHECK_STR(line, want);
        CHECK_STR(cssl_conn_selected_alpn_protocol(c), alpn);
    }
}

/* gnutls-cli forwards its stdin to us and prints what we send. */
static void cli_exchange(peer *p, cssl_conn *c, unsigned seed)
{
    char *in = text_payload(CHUNK * CHUNKS, seed);
    peer_write(p, in, CHUNK * CHUNKS);
    conn_expect_text(c, CHUNK * CHUNKS, seed);
    free(in);
    char *out = text_payload(CHUNK * 2, seed + 1);
    conn_send_bytes(c, out, CHUNK * 2);
    peer_expect(p, out + CHUNK * 2 - 40);
    CHECK(peer_output_has(p, out));
    free(out);
}

/*
 * gnutls-cli --resume: a first connection (verified, ALPN) that it closes
 * itself, then a second one resuming the session, on which data flows
 * both ways before its stdin ends and it closes again.
 */
static void server_basic(int version, bool blocking)
{
    need_gnutls();
    int lport;
    int lfd = tcp_listen(&lport);
    cssl_context *ctx = server_context("server");
    force_version(ctx, version);
    const char *alpn[] = {"h2", "http/1.1"};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, alpn, 2) == CSSL_OK);

    peer p;
    const char *extra[] = {"--alpn", "http/1.1", "--alpn", "h2", "--resume", "--waitresumption",
                           NULL};
    gnutls_cli(&p, lport, version, extra); /* --waitresumption: TLS 1.3 tickets */
    char b[16];

    cssl_conn *c = accept_server(ctx, lfd, blocking);
    REQUIRE(c != NULL);
    CHECK_OK(cssl_conn_do_handshake(c));
    CHECK_STR(cssl_conn_version(c), version_name(version));
    CHECK(!cssl_conn_session_reused(c));
    check_cli_view(&p, c, version, "h2");
    /* gnutls-cli ends the first connection with close_notify and goes
     * (it does not wait for ours, so we do not unwrap: our close_notify
     * could meet a reset). */
    CHECK_INT(cssl_conn_read(c, b, sizeof b), 0);
    cssl_conn_free(c);

    c = accept_server(ctx, lfd, blocking);
    REQUIRE(c != NULL);
    CHECK_OK(cssl_conn_do_handshake(c));
    CHECK(cssl_conn_session_reused(c));
    peer_expect(&p, "*** This is a resumed session");
    CHECK(!peer_output_has(&p, "NOT resumed"));
    cli_exchange(&p, c, 30);
    peer_close_stdin(&p); /* gnutls-cli sends close_notify and exits */
    CHECK_INT(cssl_conn_read(c, b, sizeof b), 0);
    cssl_conn_free(c);
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
 * cssl server with CERT_REQUIRED: gnutls-cli with a certificate is
 * accepted and cssl decodes it; without one cssl refuses it.
 */
static void server_client_cert(int version)
{
    need_gnutls();
    int lport;
    int lfd = tcp_listen(&lport);
    cssl_context *ctx = server_context("server");
    force_version(ctx, version);
    CHECK_OK(cssl_context_load_verify_locations(ctx, fixture("ca.pem"), NULL, NULL, 0, 0));
    CHECK_OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_REQUIRED));

    peer p;
    const char *with_cert[] = {"--x509certfile", fixture("client.pem"), "--x509keyfile",
                               fixture("client.key"), NULL};
    gnutls_cli(&p, lport, version, with_cert);
    cssl_conn *c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_OK(cssl_conn_do_handshake(c));
    check_cli_view(&p, c, version, NULL);
    CHECK_STR(peer_common_name(c), "cssl test client");
    char *seen = peer_cert_json(c), *file = cert_json_of_file(fixture("client.pem"));
    CHECK_STR(seen, file);
    free(seen);
    free(file);
    cli_exchange(&p, c, 40);
    /* This time cssl closes: gnutls-cli takes our close_notify and exits
     * without answering it, so unwrap sees the transport EOF — Python's
     * SSLEOFError in the same place. */
    CHECK_ERR_AT(cssl_conn_unwrap(c), CSSL_EEOF,
                 "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_EOF);
    peer_expect(&p, "- Peer has closed the GnuTLS connection");
    cssl_conn_free(c);
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);

    gnutls_cli(&p, lport, version, NULL);
    c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ESSL,
                 "[SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not return a certificate");
    CHECK_INT(cssl_error_verify_code(), -1);
    cssl_conn_free(c);
    peer_expect(&p, "*** Fatal error");
    CHECK(peer_finish(&p) != 0);
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
