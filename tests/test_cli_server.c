/*
 * test_cli_server.c - `cssl server` used as a user would: started with
 * --port 0 (the test reads its "listening on" line), driven by real
 * clients — openssl s_client, Python's ssl, curl, and cssl client
 * connections in this process — and checked through what the clients
 * see, the server's log lines and its exit status. The load and stall
 * tests are in test_cli_server_load.c.
 */
#include "server_proc.h"
#include "tls_util.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#define NO_ARGS ((const char *const[]){NULL})
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- a Python ssl client ---------------------------------------------------
 * argv[1] is a JSON object of options; prints key=value lines. The socket
 * has a 10 s timeout so a broken server fails the test instead of hanging.
 */
static const char py_client[] =
    "import json, socket, ssl, sys, hashlib\n"
    "o = json.loads(sys.argv[1])\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
    "ctx.load_verify_locations(o['cafile'])\n"
    "if o.get('alpn'): ctx.set_alpn_protocols(o['alpn'])\n"
    "if o.get('max'): ctx.maximum_version = getattr(ssl.TLSVersion, o['max'])\n"
    "if o.get('cert'): ctx.load_cert_chain(o['cert'], o['key'])\n"
    "if o.get('keylog'): ctx.keylog_filename = o['keylog']\n"
    "sock = socket.create_connection((o.get('addr', '127.0.0.1'), o['port']), timeout=10)\n"
    "print('port=%d' % sock.getsockname()[1])\n"
    "try:\n"
    "    t = ctx.wrap_socket(sock, server_hostname='localhost', suppress_ragged_eofs=False)\n"
    "    print('version=%s' % t.version())\n"
    "    print('cipher=%s' % t.cipher()[0])\n"
    "    print('alpn=%s' % t.selected_alpn_protocol())\n"
    "    data = o.get('send', '').encode()\n"
    "    t.sendall(data)\n"
    "    got = b''\n"
    "    while o.get('until_eof') or len(got) < len(data):\n"
    "        b = t.recv(65536)\n"
    "        if not b: break\n"
    "        got += b\n"
    "    print('received=%s' % got.decode('latin-1').encode('unicode_escape').decode())\n"
    "    print('received_len=%d' % len(got))\n"
    "    print('received_sha256=%s' % hashlib.sha256(got).hexdigest())\n"
    "    if not o.get('until_eof'): t.unwrap()\n"
    "    print('closed=clean')\n"
    "except (ssl.SSLError, OSError) as e:\n"
    "    print('error=%s' % e)\n";

/* Run the Python client; returns its output (caller frees). */
static char *python_client(const char *json)
{
    return python_run(py_client, ARGS(json));
}

/* The value of "key=" in key=value output, or NULL; static buffer. */
static const char *kv(const char *out, const char *key)
{
    static char value[8][4096];
    static int slot;
    char *v = value[slot++ % 8];
    char pat[64];
    snprintf(pat, sizeof pat, "%s=", key);
    for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, pat, strlen(pat)) != 0)
            continue;
        const char *start = line + strlen(pat), *end = strchr(start, '\n');
        size_t n = end ? (size_t)(end - start) : strlen(start);
        if (n >= sizeof value[0])
            n = sizeof value[0] - 1;
        memcpy(v, start, n);
        v[n] = '\0';
        return v;
    }
    return NULL;
}

/* JSON for python_client with the usual fixture CA and a port. */
static const char *client_json(int port, const char *extra)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "{\"cafile\": \"%s\", \"port\": %d%s%s}", fixture("ca.pem"), port,
             extra && *extra ? ", " : "", extra ? extra : "");
    return buf;
}

/* The server's log line about the client on local port `port`. */
static char *log_line_for(const server_proc *sp, int port)
{
    char needle[64];
    snprintf(needle, sizeof needle, "127.0.0.1:%d ", port);
    char *log = server_log(sp);
    char *line = NULL;
    for (char *p = log ? strstr(log, needle) : NULL; p != NULL; p = NULL) {
        char *start = p;
        while (start > log && start[-1] != '\n')
            start--;
        char *end = strchr(p, '\n');
        line = strndup(start, end ? (size_t)(end - start) : strlen(start));
    }
    free(log);
    return line;
}

/* ---- cssl client connections in this process ------------------------------- */

static cssl_conn *tls_connect(cssl_context *ctx, int port)
{
    int fd = tcp_connect(port);
    cssl_conn *c = cssl_context_wrap_socket(ctx, fd, CSSL_CLOSE_FD | CSSL_NO_SUPPRESS_RAGGED_EOFS,
                                            "localhost", NULL);
    REQUIRE(c != NULL);
    CHECK_OK(cssl_conn_set_timeout(c, proc_ms(10000) / 1000.0));
    if (cssl_conn_do_handshake(c) != CSSL_OK) {
        harness_fail(__FILE__, __LINE__, "handshake: %s", cssl_error_message());
        harness_abort();
    }
    return c;
}

static void send_all(cssl_conn *c, const char *msg)
{
    if (cssl_conn_sendall(c, msg, strlen(msg), NULL) != CSSL_OK) {
        harness_fail(__FILE__, __LINE__, "sendall: %s", cssl_error_message());
        harness_abort();
    }
}

/* Read exactly strlen(want) bytes and compare. */
static void expect_data(cssl_conn *c, const char *want)
{
    size_t len = strlen(want), got = 0;
    char *buf = malloc(len + 1);
    REQUIRE(buf != NULL);
    while (got < len) {
        ssize_t n = cssl_conn_read(c, buf + got, len - got);
        if (n <= 0) {
            harness_fail(__FILE__, __LINE__, "read after %zu of %zu bytes: %zd %s", got, len, n,
                         cssl_error_message());
            break;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    CHECK_STR(buf, want);
    free(buf);
}

static void round_trip(cssl_conn *c, const char *msg)
{
    send_all(c, msg);
    expect_data(c, msg);
}

/* Read until the connection ends; returns the final status (0: the
 * server's close_notify) and the bytes into buf. */
static int read_to_end(cssl_conn *c, char *buf, size_t size, size_t *len)
{
    *len = 0;
    for (;;) {
        ssize_t n = cssl_conn_read(c, buf + *len, size - 1 - *len);
        if (n <= 0) {
            buf[*len] = '\0';
            return (int)n;
        }
        *len += (size_t)n;
    }
}

static void close_client(cssl_conn *c)
{
    cssl_conn_unwrap(c);
    cssl_error_clear();
    cssl_conn_free(c);
}

/* ---- start, help, ready line --------------------------------------------------- */

TEST(help_exits_zero_and_lists_flags)
{
    const char *argv[] = {getenv("CSSL_CLI"), "server", "--help", NULL};
    REQUIRE(argv[0] != NULL);
    char *out = NULL;
    CHECK_INT(run_command(argv, &out), 0);
    const char *flags[] = {"--cert", "--key", "--port", "--bind", "--echo", "--response",
                           "--response-file", "--http", "--verify-client", "--cafile",
                           "--alpn", "--num-tickets", "--keylog", "--min-version",
                           "--max-version", "--max-connections", "--idle-timeout",
                           "--shutdown-timeout", "--quiet"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        CHECK_STR_CONTAINS(out, flags[i]);
    free(out);
}

TEST(ready_line_names_the_bound_address)
{
    server_proc sp;
    server_start_default(&sp, NO_ARGS);
    CHECK_STR(sp.host, "127.0.0.1");
    CHECK(sp.port > 0 && sp.port < 65536);
    /* The port really is ours: a client gets an echo. */
    cssl_context *ctx = client_context();
    cssl_conn *c = tls_connect(ctx, sp.port);
    round_trip(c, "ping");
    close_client(c);
    cssl_context_free(ctx);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

TEST(bind_ipv6_loopback)
{
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool have_v6 = probe >= 0 && bind(probe, (struct sockaddr *)&a, sizeof a) == 0;
    if (probe >= 0)
        close(probe);
    if (!have_v6)
        SKIP("no IPv6 loopback on this machine");
    server_proc sp;
    server_start_default(&sp, ARGS("--bind", "::1"));
    CHECK_STR(sp.host, "[::1]");
    char extra[128];
    snprintf(extra, sizeof extra, "\"addr\": \"::1\", \"send\": \"over v6\"");
    char *out = python_client(client_json(sp.port, extra));
    CHECK_STR(kv(out, "received"), "over v6");
    CHECK_STR(kv(out, "closed"), "clean");
    char needle[64];
    snprintf(needle, sizeof needle, "[::1]:%s TLSv1.3 ", kv(out, "port"));
    char *log = server_log(&sp);
    CHECK_STR_CONTAINS(log, needle);
    free(log);
    free(out);
    CHECK_INT(server_stop(&sp, SIGINT, proc_ms(10000)), 0);
}

/* ---- openssl s_client ----------------------------------------------------------- */

/* s_client round trip with one version flag; returns s_client's stderr. */
static char *s_client_echo(const server_proc *sp, const char *version_flag, const char *extra,
                           char **stdout_text)
{
    char connect[64], err_path[600];
    snprintf(connect, sizeof connect, "127.0.0.1:%d", sp->port);
    snprintf(err_path, sizeof err_path, "%s/s_client.err", test_tmpdir());
    const char *argv[] = {"openssl", "s_client", "-connect", connect, "-CAfile",
                          fixture("ca.pem"), "-verify_return_error", "-verify_hostname",
                          "localhost", "-servername", "localhost", "-brief", version_flag,
                          extra, NULL};
    child_proc c;
    child_start(&c, argv, err_path);
    const char *msg = "hello from s_client\n";
    REQUIRE(write(c.in_fd, msg, strlen(msg)) == (ssize_t)strlen(msg));
    CHECK(child_read_until(&c, msg, proc_ms(10000)));
    /* stdin EOF: s_client sends close_notify and exits. */
    CHECK_INT(child_finish(&c, proc_ms(10000)), 0);
    *stdout_text = c.out;
    char *err = read_file(err_path, NULL);
    REQUIRE(err != NULL);
    return err;
}

TEST(openssl_s_client_echo_tls12_and_tls13)
{
    require_program("openssl", "openssl");
    server_proc sp;
    server_start_default(&sp, NO_ARGS);
    const char *flags[] = {"-tls1_2", "-tls1_3"};
    const char *names[] = {"TLSv1.2", "TLSv1.3"};
    for (int i = 0; i < 2; i++) {
        char *out = NULL;
        char *err = s_client_echo(&sp, flags[i], NULL, &out);
        char want[64];
        snprintf(want, sizeof want, "Protocol version: %s\n", names[i]);
        CHECK_STR_CONTAINS(err, want);
        CHECK_STR_CONTAINS(err, "Verification: OK");
        CHECK_STR_CONTAINS(out, "hello from s_client\n");
        free(out);
        free(err);
        snprintf(want, sizeof want, " %s ", names[i]);
        CHECK_INT(server_log_count(&sp, want), 1);
    }
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

/* How many NewSessionTicket messages s_client saw (-msg). */
static int tickets_seen(int num_tickets)
{
    char n[16];
    snprintf(n, sizeof n, "%d", num_tickets);
    server_proc sp;
    if (num_tickets < 0)
        server_start_default(&sp, NO_ARGS);
    else
        server_start_default(&sp, ARGS("--num-tickets", n));
    char *out = NULL;
    char *err = s_client_echo(&sp, "-tls1_3", "-msg", &out);
    /* The tickets follow the handshake, before the echo we waited for. */
    int count = 0;
    for (const char *p = out; (p = strstr(p, "NewSessionTicket")) != NULL; p++)
        count++;
    free(out);
    free(err);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
    return count;
}

TEST(num_tickets_counts_tls13_tickets)
{
    require_program("openssl", "openssl");
    CHECK_INT(tickets_seen(-1), 2); /* Python's default */
    CHECK_INT(tickets_seen(0), 0);
    CHECK_INT(tickets_seen(3), 3);
}

/* A server requiring client certificates from the fixture CA, plus up to
 * two more arguments. */
static void start_verifying(server_proc *sp, const char *a, const char *b)
{
    server_start_default(sp, ARGS("--verify-client", "--cafile", fixture("ca.pem"), a, b));
}

/* ---- cssl client -------------------------------------------------------------- */

/* `cssl client` + args to the server: send msg on stdin, wait for want on
 * stdout, then close stdin (the client answers with close_notify).
 * Returns the exit status; stdout and stderr into *out, *err. */
static int cssl_client(const server_proc *sp, const char *const *args, const char *msg,
                       const char *want, char **out, char **err)
{
    char target[64], err_path[600];
    snprintf(target, sizeof target, "localhost:%d", sp->port);
    snprintf(err_path, sizeof err_path, "%s/client.err", test_tmpdir());
    const char *argv[32] = {getenv("CSSL_CLI"), "client"};
    size_t n = 2;
    for (size_t i = 0; args[i] && n < 30; i++)
        argv[n++] = args[i];
    argv[n++] = target;
    argv[n] = NULL;
    REQUIRE(argv[0] != NULL);
    child_proc c;
    child_start(&c, argv, err_path);
    if (msg)
        REQUIRE(write(c.in_fd, msg, strlen(msg)) == (ssize_t)strlen(msg));
    if (want)
        CHECK(child_read_until(&c, want, proc_ms(10000)));
    int status = child_finish(&c, proc_ms(10000));
    *out = c.out;
    *err = read_file(err_path, NULL);
    REQUIRE(*err != NULL);
    return status;
}

TEST(cssl_client_against_cssl_server)
{
    server_proc sp;
    start_verifying(&sp, "--alpn", "h2,http/1.1");
    char sess[600];
    snprintf(sess, sizeof sess, "%s/session.der", test_tmpdir());
    const char *ca = fixture("ca.pem"), *cert = fixture("client.pem"), *key = fixture("client.key");
    char *out, *err;
    /* Echo, verified both ways, ALPN, a session saved. */
    CHECK_INT(cssl_client(&sp, ARGS("--cafile", ca, "--cert", cert, "--key", key, "--alpn",
                                    "h2", "--sess-out", sess),
                          "hello from cssl client\n", "hello from cssl client\n", &out, &err),
              0);
    CHECK_STR(out, "hello from cssl client\n");
    CHECK_STR_CONTAINS(err, "cssl client: TLSv1.3, TLS_AES_256_GCM_SHA384 (256-bit), ALPN h2, "
                            "full handshake\n");
    CHECK_STR_CONTAINS(err, "cssl client: peer CN=localhost,O=cssl tests,C=XY, verified\n");
    free(out);
    free(err);
    CHECK_INT(server_log_count(&sp, " TLSv1.3 TLS_AES_256_GCM_SHA384 alpn=h2 "
                                    "client=CN=cssl test client,O=cssl tests,C=XY"),
              1);
    /* The saved session resumes; the server says so too. */
    CHECK_INT(cssl_client(&sp, ARGS("--cafile", ca, "--cert", cert, "--key", key, "--sess-in",
                                    sess, "--json", "--handshake-only"),
                          NULL, NULL, &out, &err),
              0);
    CHECK_STR_CONTAINS(out, "\"session_reused\":true");
    free(out);
    free(err);
    CHECK_INT(server_log_count(&sp, " TLSv1.3 TLS_AES_256_GCM_SHA384 alpn=- resumed "
                                    "client=CN=cssl test client,O=cssl tests,C=XY"),
              1);
    /* No client certificate: the server refuses, the client says why. */
    CHECK_INT(cssl_client(&sp, ARGS("--cafile", ca), "x\n", NULL, &out, &err), 1);
    CHECK_STR_CONTAINS(err, "cssl client: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert "
                            "certificate required (conn_io.c:");
    free(out);
    free(err);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
    CHECK_INT(server_log_count(&sp, "[SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not "
                                    "return a certificate (conn_io.c:"),
              1);
}

TEST(cssl_client_half_close_still_gets_its_echo)
{
    /* `echo hello | cssl client`: the client sends its data and, at the
     * end of its input, close_notify right behind it. The server answers
     * the data before it answers the close_notify. */
    server_proc sp;
    server_start_default(&sp, NULL);
    char target[64], cmd[2048];
    snprintf(target, sizeof target, "localhost:%d", sp.port);
    snprintf(cmd, sizeof cmd, "printf 'hello\\n' | \"$0\" client --quiet --cafile \"$1\" \"$2\"");
    for (int i = 0; i < 3; i++) {
        const char *argv[] = {"sh", "-c", cmd, getenv("CSSL_CLI"), fixture("ca.pem"), target,
                              NULL};
        char *out = NULL;
        CHECK_INT(run_command(argv, &out), 0);
        CHECK_STR(out, "hello\n");
        free(out);
    }
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
    CHECK_INT(server_log_count(&sp, " TLSv1.3 "), 3);
}

TEST(cssl_client_gets_the_fixed_response)
{
    server_proc sp;
    server_start_default(&sp, ARGS("--response", "fixed for cssl client\n"));
    char *out, *err;
    /* The server answers and closes; the client exits 0 on its close_notify. */
    CHECK_INT(cssl_client(&sp, ARGS("--cafile", fixture("ca.pem")), "anything\n",
                          "fixed for cssl client\n", &out, &err),
              0);
    CHECK_STR(out, "fixed for cssl client\n");
    free(out);
    free(err);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

/* ---- Python's ssl --------------------------------------------------------------- */

TEST(python_client_sees_what_the_server_logs)
{
    server_proc sp;
    server_start_default(&sp, ARGS("--alpn", "h2,http/1.1"));
    const char *cases[][3] = {
        /* extra options, version, alpn */
        {"\"alpn\": [\"http/1.1\", \"h2\"], \"send\": \"hi from python\"", "TLSv1.3", "h2"},
        {"\"alpn\": [\"http/1.1\"], \"max\": \"TLSv1_2\", \"send\": \"hi from python\"",
         "TLSv1.2", "http/1.1"},
        {"\"alpn\": [\"spdy/3\"], \"send\": \"hi from python\"", "TLSv1.3", "None"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = python_client(client_json(sp.port, cases[i][0]));
        CHECK_STR(kv(out, "error"), NULL);
        CHECK_STR(kv(out, "version"), cases[i][1]);
        CHECK_STR(kv(out, "alpn"), cases[i][2]);
        CHECK_STR(kv(out, "received"), "hi from python");
        CHECK_STR(kv(out, "closed"), "clean");
        /* The server's line for this client says the same. */
        char want[512];
        const char *alpn = strcmp(cases[i][2], "None") == 0 ? "-" : cases[i][2];
        snprintf(want, sizeof want, "cssl server: 127.0.0.1:%s %s %s alpn=%s", kv(out, "port"),
                 cases[i][1], kv(out, "cipher"), alpn);
        char *line = log_line_for(&sp, atoi(kv(out, "port")));
        CHECK_STR(line, want);
        free(line);
        free(out);
    }
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

TEST(keylog_holds_the_clients_secrets)
{
    char server_keys[600], client_keys[600];
    snprintf(server_keys, sizeof server_keys, "%s/server.keys", test_tmpdir());
    snprintf(client_keys, sizeof client_keys, "%s/client.keys", test_tmpdir());
    server_proc sp;
    server_start_default(&sp, ARGS("--keylog", server_keys));
    char extra[800];
    snprintf(extra, sizeof extra, "\"keylog\": \"%s\", \"send\": \"secret\"", client_keys);
    char *out = python_client(client_json(sp.port, extra));
    CHECK_STR(kv(out, "received"), "secret");
    free(out);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
    char *s = read_file(server_keys, NULL), *c = read_file(client_keys, NULL);
    REQUIRE(s && c);
    CHECK_STR_STARTS(s, "# TLS secrets log file, generated by OpenSSL / cssl\n");
    /* TLS 1.3: five secrets, each logged by both ends identically. */
    const char *labels[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
                            "CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 ",
                            "EXPORTER_SECRET "};
    for (size_t i = 0; i < 5; i++) {
        const char *line = strstr(s, labels[i]);
        REQUIRE(line != NULL);
        char *copy = strndup(line, (size_t)(strchr(line, '\n') - line + 1));
        CHECK_STR_CONTAINS(c, copy);
        free(copy);
    }
    int lines = 0;
    for (const char *p = s; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    CHECK_INT(lines, 6);
    free(s);
    free(c);
}

/* ---- fixed responses: --response, --response-file, --http ----------------------- */

TEST(response_text_then_close_notify)
{
    server_proc sp;
    server_start_default(&sp, ARGS("--response", "fixed answer\n"));
    char *out = python_client(client_json(sp.port, "\"send\": \"anything\", \"until_eof\": 1"));
    CHECK_STR(kv(out, "error"), NULL);
    CHECK_STR(kv(out, "received"), "fixed answer\\n");
    CHECK_STR(kv(out, "closed"), "clean"); /* close_notify, not a ragged EOF */
    free(out);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    REQUIRE(EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) == 1);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

TEST(response_file_larger_than_a_record)
{
    char path[600];
    snprintf(path, sizeof path, "%s/body.bin", test_tmpdir());
    size_t len = 200000;
    unsigned char *body = malloc(len);
    REQUIRE(body != NULL);
    for (size_t i = 0; i < len; i++)
        body[i] = (unsigned char)(i * 7 + i / 251);
    write_file(path, body, len);
    char want[65];
    sha256_hex(body, len, want);
    free(body);
    server_proc sp;
    server_start_default(&sp, ARGS("--response-file", path));
    char *out = python_client(client_json(sp.port, "\"send\": \"GET\", \"until_eof\": 1"));
    CHECK_STR(kv(out, "error"), NULL);
    CHECK_STR(kv(out, "received_len"), "200000");
    CHECK_STR(kv(out, "received_sha256"), want);
    CHECK_STR(kv(out, "closed"), "clean");
    free(out);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

TEST(curl_gets_the_http_response)
{
    require_program("curl", "curl");
    server_proc sp;
    server_start_default(&sp, ARGS("--http", "--response", "hello curl\n"));
    char url[64];
    snprintf(url, sizeof url, "https://localhost:%d/some/path", sp.port);
    const char *argv[] = {"curl", "-sS", "--max-time", "20", "--cacert", fixture("ca.pem"),
                          url, NULL};
    char *out = NULL;
    CHECK_INT(run_command(argv, &out), 0);
    CHECK_STR(out, "hello curl\n");
    free(out);
    /* The head: status, length, and the connection closing. */
    const char *argv_i[] = {"curl", "-sS", "-i", "--max-time", "20", "--cacert",
                            fixture("ca.pem"), url, NULL};
    CHECK_INT(run_command(argv_i, &out), 0);
    CHECK_STR(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
                   "Connection: close\r\n\r\nhello curl\n");
    free(out);
    CHECK_INT(server_log_count(&sp, " TLSv1.3 "), 2);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

TEST(http_mode_waits_for_the_whole_request_head)
{
    server_proc sp;
    /* No tickets: nothing arrives before the response. */
    server_start_default(&sp, ARGS("--http", "--response", "ok", "--num-tickets", "0"));
    cssl_context *ctx = client_context();
    cssl_conn *c = tls_connect(ctx, sp.port);
    /* The head in pieces, the blank line split across writes: no answer
     * to an incomplete head (a server that answered would be heard from
     * well within 300 ms on loopback). */
    send_all(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r");
    CHECK(!wait_readable(cssl_conn_fileno(c), 300));
    send_all(c, "\n");
    char buf[512];
    size_t len;
    CHECK_INT(read_to_end(c, buf, sizeof buf, &len), 0);
    CHECK_STR(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                   "Connection: close\r\n\r\nok");
    cssl_conn_free(c);
    cssl_context_free(ctx);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

/* ---- client certificates ----------------------------------------------------------- */


TEST(verify_client_accepts_a_trusted_certificate)
{
    server_proc sp;
    start_verifying(&sp, NULL, NULL);
    char extra[2048];
    snprintf(extra, sizeof extra, "\"cert\": \"%s\", \"key\": \"%s\", \"send\": \"with cert\"",
             fixture("client.pem"), fixture("client.key"));
    char *out = python_client(client_json(sp.port, extra));
    CHECK_STR(kv(out, "error"), NULL);
    CHECK_STR(kv(out, "received"), "with cert");
    char *line = log_line_for(&sp, atoi(kv(out, "port")));
    CHECK_STR_CONTAINS(line, " client=CN=cssl test client,O=cssl tests,C=XY");
    free(line);
    free(out);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

/* The server's error line for the client on port, waiting for it. */
static char *error_line(const server_proc *sp, const char *port, const char *prefix)
{
    char needle[256];
    snprintf(needle, sizeof needle, "127.0.0.1:%s %s", port, prefix);
    CHECK(server_wait_log(sp, needle, proc_ms(10000)));
    return log_line_for(sp, atoi(port));
}

TEST(verify_client_refuses_a_client_without_certificate)
{
    server_proc sp;
    start_verifying(&sp, NULL, NULL);
    /* TLS 1.3: the client's handshake is done before the server decides;
     * the alert arrives with the first read. */
    char *out = python_client(client_json(sp.port, "\"send\": \"no cert\""));
    CHECK_STR(kv(out, "version"), "TLSv1.3");
    CHECK_STR_STARTS(kv(out, "error"), "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert "
                                       "certificate required (_ssl.c:");
    char *line = error_line(&sp, kv(out, "port"), "[SSL: ");
    char want[128];
    snprintf(want, sizeof want,
             "cssl server: 127.0.0.1:%s [SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not "
             "return a certificate (conn_io.c:",
             kv(out, "port"));
    CHECK_STR_STARTS(line, want);
    free(line);
    free(out);
    /* TLS 1.2: the handshake itself fails. */
    out = python_client(client_json(sp.port, "\"max\": \"TLSv1_2\", \"send\": \"no cert\""));
    CHECK_STR(kv(out, "version"), NULL);
    CHECK_STR_STARTS(kv(out, "error"), "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert "
                                       "handshake failure (_ssl.c:");
    line = error_line(&sp, kv(out, "port"), "[SSL: ");
    snprintf(want, sizeof want,
             "cssl server: 127.0.0.1:%s [SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not "
             "return a certificate (conn_io.c:",
             kv(out, "port"));
    CHECK_STR_STARTS(line, want);
    free(line);
    free(out);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

TEST(verify_client_refuses_an_untrusted_certificate)
{
    require_program("openssl", "openssl");
    char cert[600], key[600];
    snprintf(cert, sizeof cert, "%s/rogue.pem", test_tmpdir());
    snprintf(key, sizeof key, "%s/rogue.key", test_tmpdir());
    const char *mk[] = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=rogue client",
                        "-days", "2", "-keyout", key, "-out", cert, NULL};
    REQUIRE(run_command(mk, NULL) == 0);
    server_proc sp;
    start_verifying(&sp, NULL, NULL);
    char extra[2048];
    snprintf(extra, sizeof extra, "\"cert\": \"%s\", \"key\": \"%s\", \"send\": \"rogue\"", cert,
             key);
    char *out = python_client(client_json(sp.port, extra));
    CHECK_STR_STARTS(kv(out, "error"), "[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca");
    char *line = error_line(&sp, kv(out, "port"), "[SSL: ");
    char want[256];
    snprintf(want, sizeof want,
             "cssl server: 127.0.0.1:%s [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
             "failed: self-signed certificate (conn_io.c:",
             kv(out, "port"));
    CHECK_STR_STARTS(line, want);
    free(line);
    free(out);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

/* ---- version bounds ----------------------------------------------------------------- */

TEST(version_bounds_apply)
{
    server_proc sp;
    server_start_default(&sp, ARGS("--min-version", "1.3"));
    char *out = python_client(client_json(sp.port, "\"max\": \"TLSv1_2\", \"send\": \"x\""));
    CHECK_STR_STARTS(kv(out, "error"), "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert "
                                       "protocol version (_ssl.c:");
    char *line = error_line(&sp, kv(out, "port"), "[SSL: ");
    char want[256];
    snprintf(want, sizeof want,
             "cssl server: 127.0.0.1:%s [SSL: UNSUPPORTED_PROTOCOL] unsupported protocol "
             "(conn_io.c:",
             kv(out, "port"));
    CHECK_STR_STARTS(line, want);
    free(line);
    free(out);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);

    server_start_default(&sp, ARGS("--max-version", "1.2"));
    out = python_client(client_json(sp.port, "\"send\": \"capped\""));
    CHECK_STR(kv(out, "version"), "TLSv1.2");
    CHECK_STR(kv(out, "received"), "capped");
    free(out);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

/* ---- graceful shutdown --------------------------------------------------------------- */

TEST(sigterm_answers_what_clients_sent_then_exits_zero)
{
    enum { N = 20 };
    server_proc sp;
    server_start_default(&sp, NO_ARGS);
    cssl_context *ctx = client_context();
    cssl_conn *c[N];
    char msg[N][64];
    for (int i = 0; i < N; i++) {
        c[i] = tls_connect(ctx, sp.port);
        round_trip(c[i], "hello");
    }
    /* Mid-conversation: a request sent, its answer not read yet. */
    for (int i = 0; i < N; i++) {
        snprintf(msg[i], sizeof msg[i], "last words of client %d", i);
        send_all(c[i], msg[i]);
    }
    kill(sp.pid, SIGTERM);
    CHECK(server_wait_log(&sp, "SIGTERM: shutting down, finishing 20 connections",
                          proc_ms(10000)));
    /* No new clients from now on. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)sp.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno == ECONNREFUSED);
    close(fd);
    /* Every client gets its answer, then the server's close_notify. */
    for (int i = 0; i < N; i++) {
        char buf[256];
        size_t len;
        CHECK_INT(read_to_end(c[i], buf, sizeof buf, &len), 0);
        CHECK_STR(buf, msg[i]);
        cssl_conn_free(c[i]);
    }
    CHECK_INT(server_wait_exit(&sp, proc_ms(10000)), 0);
    char *log = server_log(&sp);
    CHECK_STR_CONTAINS(log, "cssl server: stopped: 20 connections served, peak 20 at once\n");
    CHECK(strstr(log, "dropped") == NULL);
    free(log);
    cssl_context_free(ctx);
}

TEST(shutdown_timeout_bounds_the_wait)
{
    server_proc sp;
    server_start_default(&sp, ARGS("--shutdown-timeout", "0.5"));
    /* A client that never says anything keeps its connection open. */
    int fd = tcp_connect(sp.port);
    cssl_context *ctx = client_context();
    cssl_conn *c = tls_connect(ctx, sp.port); /* a barrier: fd has been accepted */
    close_client(c);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
    char *log = server_log(&sp);
    CHECK_STR_CONTAINS(log, "cssl server: shutdown timeout: dropped 1 connection\n");
    free(log);
    close(fd);
    cssl_context_free(ctx);
}

TEST(second_signal_exits_at_once)
{
    server_proc sp;
    server_start_default(&sp, ARGS("--shutdown-timeout", "600"));
    int fd = tcp_connect(sp.port);
    cssl_context *ctx = client_context();
    close_client(tls_connect(ctx, sp.port)); /* fd is accepted by now */
    kill(sp.pid, SIGINT);
    CHECK(server_wait_log(&sp, "SIGINT: shutting down, finishing 1 connection",
                          proc_ms(10000)));
    CHECK_INT(server_stop(&sp, SIGINT, proc_ms(10000)), 1);
    char *log = server_log(&sp);
    CHECK_STR_CONTAINS(log, "cssl server: SIGINT again: exiting now\n");
    free(log);
    close(fd);
    cssl_context_free(ctx);
}

/* ---- limits ---------------------------------------------------------------------------- */

TEST(idle_timeout_drops_silent_clients)
{
    server_proc sp;
    /* 0.3 s, stretched with the other bounds under a wrapper (valgrind):
     * the client must manage its handshake and first write within it */
    char idle[32], hs_log[96], conn_log[96];
    snprintf(idle, sizeof idle, "%g", proc_ms(300) / 1000.0);
    snprintf(hs_log, sizeof hs_log, " handshake timed out after %s s idle", idle);
    snprintf(conn_log, sizeof conn_log, " connection timed out after %s s idle", idle);
    server_start_default(&sp, ARGS("--idle-timeout", idle));
    /* Silent before the handshake: closed. */
    int fd = tcp_connect(sp.port);
    REQUIRE(wait_readable(fd, proc_ms(10000)));
    char b;
    CHECK_INT(recv(fd, &b, 1, 0), 0);
    close(fd);
    /* Silent after it: closed without close_notify. */
    cssl_context *ctx = client_context();
    cssl_conn *c = tls_connect(ctx, sp.port);
    round_trip(c, "then silence");
    char buf[64];
    size_t len;
    CHECK_INT(read_to_end(c, buf, sizeof buf, &len), CSSL_EEOF);
    cssl_conn_free(c);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
    CHECK_INT(server_log_count(&sp, hs_log), 1);
    CHECK_INT(server_log_count(&sp, conn_log), 1);
    cssl_context_free(ctx);
}

TEST(max_connections_holds_the_rest_back)
{
    server_proc sp;
    server_start_default(&sp, ARGS("--max-connections", "2"));
    cssl_context *ctx = client_context();
    cssl_conn *c1 = tls_connect(ctx, sp.port), *c2 = tls_connect(ctx, sp.port);
    round_trip(c1, "one");
    round_trip(c2, "two");
    /* The third waits in the backlog: its ClientHello gets no answer
     * while the server keeps serving the other two. */
    int fd = tcp_connect(sp.port);
    cssl_conn *c3 = cssl_context_wrap_socket(ctx, fd, CSSL_CLOSE_FD, "localhost", NULL);
    REQUIRE(c3 != NULL);
    CHECK_OK(cssl_conn_set_timeout(c3, 0));
    CHECK_INT(cssl_conn_do_handshake(c3), CSSL_EWANT_READ);
    round_trip(c2, "still served");
    round_trip(c1, "me too");
    CHECK(!wait_readable(fd, 0));
    /* One leaves: the third gets in. */
    close_client(c1);
    CHECK_OK(cssl_conn_set_timeout(c3, proc_ms(10000) / 1000.0));
    CHECK_OK(cssl_conn_do_handshake(c3));
    round_trip(c3, "three");
    close_client(c2);
    close_client(c3);
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
    char *log = server_log(&sp);
    CHECK_STR_CONTAINS(log, "stopped: 3 connections served, peak 2 at once\n");
    free(log);
    cssl_context_free(ctx);
}

TEST(open_file_limit_caps_connections)
{
    /* The server inherits a hard limit of 48 descriptors: it serves 24
     * connections at once and leaves the rest in the backlog. */
    const char *wrapper = getenv("CSSL_SERVER_WRAPPER");
    if (wrapper && *wrapper)
        SKIP("a wrapper such as valgrind keeps descriptors of its own");
    struct rlimit rl = {48, 48};
    REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    server_proc sp;
    server_start_default(&sp, ARGS("--shutdown-timeout", "0.3"));
    CHECK_INT(server_log_count(&sp, "cssl server: note: at most 24 connections at once "
                                    "(open file limit 48)"),
              1);
    int fds[27];
    for (int i = 0; i < 23; i++)
        fds[i] = tcp_connect(sp.port);
    cssl_context *ctx = client_context();
    cssl_conn *c = tls_connect(ctx, sp.port); /* the 24th: all before it are in */
    round_trip(c, "24th");
    for (int i = 23; i < 27; i++)
        fds[i] = tcp_connect(sp.port); /* wait in the backlog */
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
    char *log = server_log(&sp);
    CHECK_STR_CONTAINS(log, "stopped: 24 connections served, peak 24 at once\n");
    free(log);
    cssl_conn_free(c);
    for (int i = 0; i < 27; i++)
        close(fds[i]);
    cssl_context_free(ctx);
}

/* ---- bad input: exit codes and messages ------------------------------------------------- */

static void expect_fail(const char *const *args, int status, const char *message, bool exact)
{
    char *err = NULL;
    CHECK_INT(server_expect_exit(args, &err), status);
    if (exact)
        CHECK_STR(err, message);
    else
        CHECK_STR_STARTS(err, message);
    free(err);
}

TEST(bad_files_and_passwords_exit_1)
{
    char cert[1024], key[1024];
    snprintf(cert, sizeof cert, "%s", fixture("server.pem"));
    snprintf(key, sizeof key, "%s", fixture("server_enc.key"));
    expect_fail(ARGS("--cert", "/nonexistent/x.pem"), 1,
                "cssl server: [Errno 2] No such file or directory: '/nonexistent/x.pem'\n", true);
    expect_fail(ARGS("--cert", cert, "--key", "/nonexistent/x.key"), 1,
                "cssl server: [Errno 2] No such file or directory: '/nonexistent/x.key'\n", true);
    expect_fail(ARGS("--cert", cert, "--key", key, "--password", "wrong"), 1,
                "cssl server: [SSL] PEM lib (", false);
    expect_fail(ARGS("--cert", cert, "--key", key), 1, "cssl server: [SSL] PEM lib (", false);
    expect_fail(ARGS("--cert", cert, "--key", fixture("other.key")), 1,
                "cssl server: [X509: KEY_VALUES_MISMATCH] key values mismatch (", false);
    expect_fail(ARGS("--cert", fixture("garbage.pem")), 1, "cssl server: [SSL] PEM lib (", false);
    expect_fail(ARGS("--cert", cert, "--key", fixture("server.key"), "--cafile",
                     "/nonexistent/ca.pem"),
                1, "cssl server: [Errno 2] No such file or directory: '/nonexistent/ca.pem'\n",
                true);
    expect_fail(ARGS("--cert", cert, "--key", fixture("server.key"), "--response-file",
                     "/nonexistent/body"),
                1, "cssl server: [Errno 2] No such file or directory: '/nonexistent/body'\n",
                true);
    /* The right password works. */
    server_proc sp;
    server_start(&sp, ARGS("--cert", cert, "--key", key, "--password", "somepass"));
    CHECK_INT(server_stop(&sp, SIGTERM, proc_ms(10000)), 0);
}

TEST(port_in_use_exits_1)
{
    int port;
    int fd = tcp_listen(&port);
    char p[16], want[128];
    snprintf(p, sizeof p, "%d", port);
    snprintf(want, sizeof want,
             "cssl server: [Errno 98] Address already in use: '127.0.0.1:%d'\n", port);
    expect_fail(ARGS("--cert", fixture("server.pem"), "--key", fixture("server.key"), "--port",
                     p),
                1, want, true);
    close(fd);
}

TEST(bad_command_lines_exit_2)
{
    const char *cert = "--cert", *pem = fixture("server.pem");
    expect_fail(ARGS(cert, pem, "--bogus"), 2,
                "cssl server: unrecognized option '--bogus' (see cssl server --help)\n", true);
    expect_fail(ARGS("--port", "8443"), 2,
                "cssl server: --cert is required (see cssl server --help)\n", true);
    expect_fail(ARGS(cert, pem, "--port", "65536"), 2,
                "cssl server: --port needs an integer from 0 to 65535, not '65536' "
                "(see cssl server --help)\n",
                true);
    expect_fail(ARGS(cert, pem, "--port"), 2,
                "cssl server: option '--port' needs an argument (see cssl server --help)\n", true);
    expect_fail(ARGS(cert, pem, "--verify-client"), 2,
                "cssl server: --verify-client needs --cafile or --capath "
                "(see cssl server --help)\n",
                true);
    expect_fail(ARGS(cert, pem, "--min-version", "1.1"), 2,
                "cssl server: unknown TLS version '1.1' (use 1.2 or 1.3) "
                "(see cssl server --help)\n",
                true);
    expect_fail(ARGS(cert, pem, "--echo", "--response", "x"), 2,
                "cssl server: --echo excludes --response, --response-file and --http "
                "(see cssl server --help)\n",
                true);
    expect_fail(ARGS(cert, pem, "--idle-timeout", "0"), 2,
                "cssl server: --idle-timeout needs a positive number of seconds, not '0' "
                "(see cssl server --help)\n",
                true);
    expect_fail(ARGS(cert, pem, "--num-tickets", "-1"), 2,
                "cssl server: --num-tickets needs an integer from 0 to 1000, not '-1' "
                "(see cssl server --help)\n",
                true);
    expect_fail(ARGS(cert, pem, "stray"), 2,
                "cssl server: unexpected argument 'stray' (see cssl server --help)\n", true);
}
