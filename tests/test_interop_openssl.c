/*
 * test_interop_openssl.c - cssl against the openssl command-line peers
 * over loopback TCP: a cssl client against `openssl s_server`, a cssl
 * server against `openssl s_client`.
 *
 * s_server prints "ACCEPT 127.0.0.1:PORT" when it listens, what it knows
 * of each connection ("CIPHER is ...", "Reused session-id", "ALPN
 * protocols selected: ...", the client certificate's subject), writes the
 * bytes it receives to its stdout and sends what it reads on its stdin.
 * s_client likewise prints the handshake summary ("New, TLSv1.3, Cipher
 * is ...", "Reused, ...", "ALPN protocol: ...", "Verify return code"),
 * forwards its stdin and prints what it receives; closing its stdin makes
 * it send close_notify and exit.
 */
#include "interop/peer.h"

#define SEND_LEN 100000 /* several records each way */
#define REPLY_LEN 40000

/*
 * Whether the peer printed text (a payload it received). Its status lines
 * may land inside the data: printf()s buffered in stdio come out whenever
 * stdio flushes, between raw writes of the data. Those are taken out
 * first.
 */
static bool output_has_payload(peer *p, const char *text)
{
    static const char *const noise[] = {
        "SSL_do_handshake -> 1\n",
        "Read BLOCK\n",
        "read R BLOCK\n",
        "Write BLOCK\n",
        "depth=1 C = XY, O = cssl tests, CN = cssl test CA\nverify return:1\n",
        "depth=0 C = XY, O = cssl tests, CN = cssl test client\nverify return:1\n",
    };
    char *out = peer_output(p);
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++) {
        size_t n = strlen(noise[i]);
        char *hit;
        while ((hit = strstr(out, noise[i])) != NULL)
            memmove(hit, hit + n, strlen(hit + n) + 1);
    }
    bool has = strstr(out, text) != NULL;
    free(out);
    return has;
}

/* ---- cssl client, openssl s_server --------------------------------------- */

static const char *tls_flag(int version)
{
    return version == CSSL_TLSVERSION_TLSv1_3 ? "-tls1_3" : "-tls1_2";
}

/* Start s_server with extra arguments; returns its port. It exits by
 * itself after -naccept connections (given by the caller). */
static int s_server(peer *p, const char *const *extra)
{
    const char *argv[48] = {"openssl", "s_server", "-accept", "127.0.0.1:0"};
    int n = 4;
    for (int i = 0; extra[i] != NULL && n < 47; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    peer_start(p, "openssl s_server", argv);
    char line[256];
    REQUIRE(peer_expect_line(p, "ACCEPT 127.0.0.1:", line, sizeof line));
    int port = atoi(strrchr(line, ':') + 1);
    REQUIRE(port > 0);
    return port;
}

/*
 * Data both ways through s_server, then a clean close started by cssl:
 * unwrap sends close_notify and returns once s_server's arrives.
 */
static void client_exchange(peer *p, cssl_conn *c, unsigned seed)
{
    char *out = text_payload(SEND_LEN, seed);
    conn_send_bytes(c, out, SEND_LEN);
    /* s_server prints what it received: wait for the end of it. */
    peer_expect(p, out + SEND_LEN - 40);
    CHECK(output_has_payload(p, out));
    free(out);

    char *back = text_payload(REPLY_LEN, seed + 1);
    peer_write(p, back, REPLY_LEN);
    conn_expect_text(c, REPLY_LEN, seed + 1);
    free(back);

    CHECK_OK(cssl_conn_unwrap(c));
    peer_expect(p, "DONE"); /* s_server saw our close_notify */
}

/*
 * Verified handshake with hostname check, ALPN (s_server's preference
 * wins), data both ways, clean close; then a resumed second connection.
 */
static void client_basic(int version, bool blocking)
{
    peer p;
    const char *args[] = {"-cert", fixture("server.pem"), "-key", fixture("server.key"),
                          tls_flag(version), "-alpn", "h2,http/1.1", "-naccept", "2", NULL};
    int port = s_server(&p, args);
    cssl_context *ctx = client_context();
    force_version(ctx, version);
    const char *alpn[] = {"http/1.1", "h2"};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, alpn, 2) == CSSL_OK);

    char line[512], want[512];
    cssl_session *session = NULL;
    for (int i = 0; i < 2; i++) {
        cssl_conn *c = connect_client(ctx, port, "localhost", session, blocking);
        CHECK_OK(cssl_conn_do_handshake(c));
        CHECK_STR(cssl_conn_version(c), version_name(version));
        CHECK_STR(cssl_conn_selected_alpn_protocol(c), "h2");
        CHECK_STR(peer_common_name(c), "localhost");
        CHECK_INT(cssl_conn_session_reused(c), i == 1);

        peer_expect_line(&p, "ALPN protocols selected: ", line, sizeof line);
        CHECK_STR(line, "ALPN protocols selected: h2");
        peer_expect_line(&p, "CIPHER is ", line, sizeof line);
        snprintf(want, sizeof want, "CIPHER is %s", cssl_conn_cipher(c, NULL, NULL));
        CHECK_STR(line, want);
        /* s_server says "Reused session-id" right after the cipher. */
        peer_expect_line(&p, "Secure Renegotiation", line, sizeof line);
        CHECK_INT(peer_output_has(&p, "Reused session-id"), i == 1);

        client_exchange(&p, c, (unsigned)i);
        if (i == 0) {
            session = cssl_conn_get_session(c);
            REQUIRE(session != NULL);
        }
        cssl_conn_free(c);
    }
    cssl_session_free(session);
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    cssl_context_free(ctx);
}

TEST(client_tls12)
{
    client_basic(CSSL_TLSVERSION_TLSv1_2, false);
}

TEST(client_tls13)
{
    client_basic(CSSL_TLSVERSION_TLSv1_3, true);
}

/* s_server -Verify: with a client certificate s_server verifies and shows
 * it; without one the connection fails. */
static void client_cert(int version)
{
    peer p;
    const char *args[] = {"-cert", fixture("server.pem"), "-key", fixture("server.key"),
                          tls_flag(version), "-Verify", "1", "-CAfile", fixture("ca.pem"),
                          "-naccept", "2", NULL};
    int port = s_server(&p, args);

    cssl_context *ctx = client_context();
    force_version(ctx, version);
    CHECK_OK(cssl_context_load_cert_chain(ctx, fixture("client.pem"), fixture("client.key"), NULL));
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    CHECK_OK(cssl_conn_do_handshake(c));
    char line[512];
    peer_expect_line(&p, "subject=", line, sizeof line);
    CHECK_STR(line, "subject=C = XY, O = cssl tests, CN = cssl test client");
    client_exchange(&p, c, 7);
    cssl_conn_free(c);
    cssl_context_free(ctx);

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
                     "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure");
    }
    CHECK_STR(cssl_error_library(), "SSL");
    CHECK_INT(cssl_error_verify_code(), -1);
    peer_expect(&p, "peer did not return a certificate");
    cssl_conn_free(c);
    cssl_context_free(ctx);
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
 * Verification failures against one s_server, which serves a self-signed
 * certificate to clients asking for "selfsigned.test" (SNI) and the CA's
 * leaf to the others: untrusted CA (20), self-signed (18), wrong name
 * (62), wrong IP address (64). s_server sees the alerts cssl sends.
 */
static void client_verify_failures(int version)
{
    peer p;
    const char *args[] = {"-cert", fixture("server.pem"), "-key", fixture("server.key"),
                          "-servername", "selfsigned.test", "-cert2",
                          fixture("interop_selfsigned.pem"), "-key2",
                          fixture("interop_selfsigned.key"), tls_flag(version), "-naccept", "4",
                          NULL};
    int port = s_server(&p, args);

    cssl_context *other = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    REQUIRE(other != NULL);
    CHECK_OK(cssl_context_load_verify_locations(other, fixture("ca2.pem"), NULL, NULL, 0, 0));
    cssl_conn *c = connect_client(other, port, "localhost", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get "
                 "local issuer certificate");
    CHECK_INT(cssl_error_verify_code(), 20);
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_SSL);
    peer_expect(&p, "alert unknown ca");
    cssl_conn_free(c);
    cssl_context_free(other);

    cssl_context *ctx = client_context();
    force_version(ctx, version);
    c = connect_client(ctx, port, "selfsigned.test", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
                 "certificate");
    CHECK_INT(cssl_error_verify_code(), 18);
    CHECK_STR(cssl_error_verify_message(), "self-signed certificate");
    peer_expect(&p, "alert unknown ca");
    cssl_conn_free(c);

    c = connect_client(ctx, port, "example.org", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
                 "certificate is not valid for 'example.org'.");
    CHECK_INT(cssl_error_verify_code(), 62);
    peer_expect(&p, "alert bad certificate");
    cssl_conn_free(c);

    c = connect_client(ctx, port, "127.0.0.2", NULL, false);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ECERT_VERIFY,
                 "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address "
                 "mismatch, certificate is not valid for '127.0.0.2'.");
    CHECK_INT(cssl_error_verify_code(), 64);
    peer_expect(&p, "alert bad certificate");
    cssl_conn_free(c);
    cssl_context_free(ctx);

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

/*
 * s_server commands that act on the live connection (its stdin, read in
 * chunks: a command must arrive alone). We know s_server acted on one
 * when the record it sends reaches our socket; only then do we feed it
 * more input.
 */
static void s_server_command(peer *p, cssl_conn *c, const char *command)
{
    peer_write(p, command, strlen(command));
    REQUIRE(wait_readable(c));
}

/* Data both ways without closing (after a command). */
static void exchange_open(peer *p, cssl_conn *c, unsigned seed)
{
    char *back = text_payload(REPLY_LEN, seed);
    peer_write(p, back, REPLY_LEN);
    conn_expect_text(c, REPLY_LEN, seed);
    free(back);
    char *out = text_payload(SEND_LEN, seed + 1);
    conn_send_bytes(c, out, SEND_LEN);
    peer_expect(p, out + SEND_LEN - 40);
    CHECK(output_has_payload(p, out));
    free(out);
}

/*
 * TLS 1.2: s_server renegotiates ("r": HelloRequest). The cssl client's
 * next read runs the new handshake transparently and returns the data
 * sent after it; tls-unique (the first Finished of the latest handshake)
 * changes.
 */
TEST(client_tls12_renegotiation)
{
    peer p;
    const char *args[] = {"-cert", fixture("server.pem"), "-key", fixture("server.key"),
                          "-tls1_2", "-naccept", "1", NULL};
    int port = s_server(&p, args);
    cssl_context *ctx = client_context();
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, true);
    CHECK_OK(cssl_conn_do_handshake(c));
    peer_expect(&p, "CIPHER is ");
    exchange_open(&p, c, 50);
    char before[300], after[300];
    tls_unique_hex(c, before, sizeof before);
    REQUIRE(strlen(before) == 24);

    s_server_command(&p, c, "r\n");
    exchange_open(&p, c, 52);
    tls_unique_hex(c, after, sizeof after);
    CHECK_INT(strlen(after), 24);
    CHECK(strcmp(before, after) != 0);
    CHECK_STR(cssl_conn_version(c), "TLSv1.2");

    CHECK_OK(cssl_conn_unwrap(c));
    peer_expect(&p, "DONE");
    cssl_conn_free(c);
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    cssl_context_free(ctx);
}

/*
 * TLS 1.3: s_server updates its keys ("k"), then asks us to update ours
 * too ("K"): reads and writes go on across both, in both directions.
 */
TEST(client_tls13_key_update)
{
    peer p;
    const char *args[] = {"-cert", fixture("server.pem"), "-key", fixture("server.key"),
                          "-tls1_3", "-naccept", "1", NULL};
    int port = s_server(&p, args);
    cssl_context *ctx = client_context();
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    CHECK_OK(cssl_conn_do_handshake(c));
    exchange_open(&p, c, 60);
    s_server_command(&p, c, "k\n");
    exchange_open(&p, c, 62);
    s_server_command(&p, c, "K\n");
    exchange_open(&p, c, 64);
    CHECK_OK(cssl_conn_unwrap(c));
    peer_expect(&p, "DONE");
    cssl_conn_free(c);
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    cssl_context_free(ctx);
}

/*
 * TLS 1.3 post-handshake authentication: a cssl client that offers it
 * (post_handshake_auth) answers s_server's certificate request ("c")
 * during its next read; s_server then verifies the certificate.
 */
TEST(client_tls13_post_handshake_auth)
{
    peer p;
    const char *args[] = {"-cert", fixture("server.pem"), "-key", fixture("server.key"),
                          "-tls1_3", "-CAfile", fixture("ca.pem"), "-naccept", "1", NULL};
    int port = s_server(&p, args);
    cssl_context *ctx = client_context();
    CHECK_OK(cssl_context_load_cert_chain(ctx, fixture("client.pem"), fixture("client.key"), NULL));
    CHECK_OK(cssl_context_set_post_handshake_auth(ctx, true));
    cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
    CHECK_OK(cssl_conn_do_handshake(c));
    exchange_open(&p, c, 70);
    CHECK(!peer_output_has(&p, "cssl test client"));

    s_server_command(&p, c, "c\n");
    exchange_open(&p, c, 72);
    /* s_server verified the certificate we sent (before the data). */
    CHECK(peer_output_has(&p, "depth=0 C = XY, O = cssl tests, CN = cssl test client\n"
                              "verify return:1\n"));

    CHECK_OK(cssl_conn_unwrap(c));
    peer_expect(&p, "DONE");
    cssl_conn_free(c);
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    cssl_context_free(ctx);
}

/*
 * Version bounds that cannot meet: a cssl client pinned to TLS 1.3 against
 * s_server limited to 1.2, and the reverse; the server's alert is
 * Python's message.
 */
TEST(client_version_mismatch)
{
    for (int k = 0; k < 2; k++) {
        peer p;
        int server = k == 0 ? CSSL_TLSVERSION_TLSv1_2 : CSSL_TLSVERSION_TLSv1_3;
        int client = k == 0 ? CSSL_TLSVERSION_TLSv1_3 : CSSL_TLSVERSION_TLSv1_2;
        const char *args[] = {"-cert", fixture("server.pem"), "-key", fixture("server.key"),
                              tls_flag(server), "-naccept", "1", NULL};
        int port = s_server(&p, args);
        cssl_context *ctx = client_context();
        force_version(ctx, client);
        cssl_conn *c = connect_client(ctx, port, "localhost", NULL, false);
        CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ESSL,
                     "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version");
        CHECK_STR(cssl_error_reason(), "TLSV1_ALERT_PROTOCOL_VERSION");
        CHECK_STR(cssl_conn_version(c), NULL);
        peer_expect(&p, "unsupported protocol");
        cssl_conn_free(c);
        cssl_context_free(ctx);
        CHECK_INT(peer_finish(&p), 0);
        peer_free(&p);
    }
}

/* ---- cssl server, openssl s_client --------------------------------------- */

/* Start s_client towards our listener, verifying us as "localhost". */
static void s_client(peer *p, int port, int version, const char *const *extra)
{
    char target[32];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    const char *argv[48] = {"openssl", "s_client", "-connect", target, "-servername",
                            "localhost", "-verify_hostname", "localhost", "-CAfile",
                            fixture("ca.pem"), "-verify_return_error", "-nocommands",
                            tls_flag(version)};
    int n = 13;
    for (int i = 0; extra && extra[i] != NULL && n < 47; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    peer_start(p, "openssl s_client", argv);
}

/* Data both ways: s_client sends what we write to its stdin and prints
 * what it receives. */
static void server_exchange(peer *p, cssl_conn *c, unsigned seed)
{
    char *in = text_payload(SEND_LEN, seed);
    peer_write(p, in, SEND_LEN);
    conn_expect_text(c, SEND_LEN, seed);
    free(in);
    char *out = text_payload(REPLY_LEN, seed + 1);
    conn_send_bytes(c, out, REPLY_LEN);
    peer_expect(p, out + REPLY_LEN - 40);
    CHECK(output_has_payload(p, out));
    free(out);
}

/*
 * Two s_client runs: the first verifies us (hostname, CA), agrees on ALPN
 * and saves its session; cssl closes that one (unwrap, s_client answers
 * and exits). The second resumes the saved session ("Reused") and closes
 * itself (its stdin ends: close_notify, our read returns 0).
 */
static void server_basic(int version, bool blocking)
{
    int lport;
    int lfd = tcp_listen(&lport);
    cssl_context *ctx = server_context("server");
    force_version(ctx, version);
    const char *alpn[] = {"h2", "http/1.1"};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, alpn, 2) == CSSL_OK);
    const char *sess = tmp_path("s_client.session");
    char line[512], want[512];

    for (int i = 0; i < 2; i++) {
        peer p;
        const char *extra[] = {"-alpn", "http/1.1,h2", i == 0 ? "-sess_out" : "-sess_in", sess,
                               NULL};
        s_client(&p, lport, version, extra);
        cssl_conn *c = accept_server(ctx, lfd, blocking);
        REQUIRE(c != NULL);
        CHECK_OK(cssl_conn_do_handshake(c));
        CHECK_STR(cssl_conn_version(c), version_name(version));
        CHECK_STR(cssl_conn_selected_alpn_protocol(c), "h2");
        CHECK_INT(cssl_conn_session_reused(c), i == 1);
        const char *cipher = cssl_conn_cipher(c, NULL, NULL);
        REQUIRE(cipher != NULL);

        /* s_client verified our chain and name, then summarises. */
        CHECK_STR(peer_value(&p, "Verification: ", line, sizeof line), "OK");
        if (i == 0)
            CHECK_STR(peer_value(&p, "Verified peername: ", line, sizeof line), "localhost");
        peer_expect_line(&p, ", Cipher is ", line, sizeof line);
        snprintf(want, sizeof want, "%s, %s, Cipher is %s", i == 0 ? "New" : "Reused",
                 version_name(version), cipher);
        CHECK_STR(line, want);
        peer_expect_line(&p, "ALPN protocol: ", line, sizeof line);
        CHECK_STR(line, "ALPN protocol: h2");

        server_exchange(&p, c, (unsigned)(10 + i));
        char b[8];
        if (i == 0) {
            CHECK_OK(cssl_conn_unwrap(c));
        } else {
            peer_close_stdin(&p);
            CHECK_INT(cssl_conn_read(c, b, sizeof b), 0);
            /* Our close_notify answers; s_client may be gone already,
             * which the kernel absorbs (the first write after a close). */
            CHECK_OK(cssl_conn_unwrap(c));
        }
        /* s_client waits for our FIN after its close_notify. */
        cssl_conn_free(c);
        CHECK_INT(peer_finish(&p), 0);
        peer_free(&p);
    }
    close(lfd);
    cssl_context_free(ctx);
}

TEST(server_tls12)
{
    server_basic(CSSL_TLSVERSION_TLSv1_2, true);
}

TEST(server_tls13)
{
    server_basic(CSSL_TLSVERSION_TLSv1_3, false);
}

/*
 * cssl server with CERT_REQUIRED: s_client with a certificate is accepted
 * and cssl sees it; s_client without one is refused and told so.
 */
static void server_client_cert(int version)
{
    int lport;
    int lfd = tcp_listen(&lport);
    cssl_context *ctx = server_context("server");
    force_version(ctx, version);
    CHECK_OK(cssl_context_load_verify_locations(ctx, fixture("ca.pem"), NULL, NULL, 0, 0));
    CHECK_OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_REQUIRED));

    peer p;
    const char *with_cert[] = {"-cert", fixture("client.pem"), "-key", fixture("client.key"),
                               NULL};
    s_client(&p, lport, version, with_cert);
    cssl_conn *c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_OK(cssl_conn_do_handshake(c));
    CHECK_STR(peer_common_name(c), "cssl test client");
    char *seen = peer_cert_json(c), *file = cert_json_of_file(fixture("client.pem"));
    CHECK_STR(seen, file);
    free(seen);
    free(file);
    server_exchange(&p, c, 20);
    CHECK_OK(cssl_conn_unwrap(c));
    cssl_conn_free(c);
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);

    s_client(&p, lport, version, NULL);
    c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ESSL,
                 "[SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not return a certificate");
    CHECK_STR(cssl_error_reason(), "PEER_DID_NOT_RETURN_A_CERTIFICATE");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_SSL);
    cssl_conn_free(c);
    peer_expect(&p, version == CSSL_TLSVERSION_TLSv1_3 ? "alert certificate required"
                                                       : "alert handshake failure");
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

/* A cssl server requiring TLS 1.3 refuses s_client limited to 1.2. */
TEST(server_version_mismatch)
{
    int lport;
    int lfd = tcp_listen(&lport);
    cssl_context *ctx = server_context("server");
    REQUIRE(cssl_context_set_minimum_version(ctx, CSSL_TLSVERSION_TLSv1_3) == CSSL_OK);
    peer p;
    s_client(&p, lport, CSSL_TLSVERSION_TLSv1_2, NULL);
    cssl_conn *c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_ERR_AT(cssl_conn_do_handshake(c), CSSL_ESSL,
                 "[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol");
    CHECK_STR(cssl_error_library(), "SSL");
    cssl_conn_free(c);
    peer_expect(&p, "alert protocol version");
    CHECK(peer_finish(&p) != 0);
    peer_free(&p);
    close(lfd);
    cssl_context_free(ctx);
}

/*
 * TLS 1.3 post-handshake authentication from the cssl server's side:
 * s_client offers it (-enable_pha); after the handshake cssl asks for the
 * certificate, which travels with the next exchange; getpeercert() then
 * shows it.
 */
TEST(server_tls13_post_handshake_auth)
{
    int lport;
    int lfd = tcp_listen(&lport);
    cssl_context *ctx = server_context("server");
    CHECK_OK(cssl_context_load_verify_locations(ctx, fixture("ca.pem"), NULL, NULL, 0, 0));
    CHECK_OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_REQUIRED));
    CHECK_OK(cssl_context_set_post_handshake_auth(ctx, true));
    peer p;
    const char *extra[] = {"-enable_pha", "-cert", fixture("client.pem"), "-key",
                           fixture("client.key"), NULL};
    s_client(&p, lport, CSSL_TLSVERSION_TLSv1_3, extra);
    cssl_conn *c = accept_server(ctx, lfd, false);
    REQUIRE(c != NULL);
    CHECK_OK(cssl_conn_do_handshake(c));
    /* With PHA offered, a TLS 1.3 server asks only after the handshake. */
    const cssl_cert_info *info = (const cssl_cert_info *)1;
    CHECK_OK(cssl_conn_getpeercert(c, &info));
    CHECK(info == NULL);

    /* The request leaves with our next I/O; s_client answers it before
     * its next data, which our reads take in. */
    CHECK_OK(cssl_conn_verify_client_post_handshake(c));
    server_exchange(&p, c, 80);
    server_exchange(&p, c, 82);
    CHECK_STR(peer_common_name(c), "cssl test client");

    CHECK_OK(cssl_conn_unwrap(c));
    cssl_conn_free(c);
    CHECK_INT(peer_finish(&p), 0);
    peer_free(&p);
    close(lfd);
    cssl_context_free(ctx);
}
