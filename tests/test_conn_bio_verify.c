/*
 * test_conn_bio_verify.c - verification over memory BIOs: each failure's
 * status, verify code, message and the alert the peer receives (also
 * compared with Python running both ends over ssl.MemoryBIO); host names
 * on the wire (SNI for names only, IP identities checked as IPs, A-labels
 * for non-ASCII names); the check_hostname → CERT_REQUIRED upgrade as seen
 * by a handshake; client certificates.
 */
#include "conn_bio_util.h"

#define VERIFY_FAILED "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "

/* A server context for fixture name, asking for client certificates
 * (mode) trusted by cafile (NULL: none loaded), optionally TLS 1.2 only. */
static cssl_context *server_ctx(const char *name, int mode, const char *cafile, int max_version)
{
    cssl_context *ctx = server_context(name);
    REQUIRE(cssl_context_set_verify_mode(ctx, mode) == CSSL_OK);
    if (cafile != NULL)
        REQUIRE(cssl_context_load_verify_locations(ctx, fixture(cafile), NULL, NULL, 0, 0) ==
                CSSL_OK);
    if (max_version)
        with_max_version(ctx, max_version);
    return ctx;
}

/* A TLS_CLIENT context: trusting cafile (NULL: nothing), presenting
 * fixture cert (NULL: none). */
static cssl_context *client_ctx(const char *cafile, const char *cert, int max_version)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    REQUIRE(ctx != NULL);
    if (cafile != NULL)
        REQUIRE(cssl_context_load_verify_locations(ctx, fixture(cafile), NULL, NULL, 0, 0) ==
                CSSL_OK);
    if (cert != NULL) {
        char pem[64], key[64];
        snprintf(pem, sizeof pem, "%s.pem", cert);
        snprintf(key, sizeof key, "%s.key", cert);
        char pempath[1024];
        snprintf(pempath, sizeof pempath, "%s", fixture(pem));
        REQUIRE(cssl_context_load_cert_chain(ctx, pempath, fixture(key), NULL) == CSSL_OK);
    }
    if (max_version)
        with_max_version(ctx, max_version);
    return ctx;
}

/* The outcome of one connection attempt, as each side saw it. */
typedef struct outcome {
    err_snap client, server;
} outcome;

/*
 * Handshake; when only the server failed (TLS 1.3 learns of a rejected
 * client certificate after the client's handshake is done), the client's
 * first read reports it.
 */
static void attempt(cssl_context *cctx, cssl_context *sctx, const char *host, outcome *o,
                    tls_pair *keep)
{
    tls_pair p;
    pair_init(&p, cctx, sctx, host, NULL);
    handshake_pair(&p, &o->client, &o->server);
    if (o->client.rc == CSSL_OK && o->server.rc < 0 && !is_want_rc(o->server.rc)) {
        char buf[16];
        pair_pump(&p);
        ssize_t n = cssl_conn_read(p.client, buf, 10);
        snap_error(&o->client, n < 0 ? (int)n : CSSL_OK);
    }
    if (keep != NULL)
        *keep = p;
    else
        pair_free(&p);
}

/* One side failed with an OpenSSL error whose text is "[SSL: reason] ...". */
static void check_ssl_failure(const err_snap *e, int status, const char *reason, const char *text)
{
    CHECK_INT(e->rc, status);
    CHECK_INT(e->status, status);
    CHECK_LOCATED(e->msg, text, "conn_io.c");
    CHECK_STR(e->lib, "SSL");
    CHECK_STR(e->reason, reason);
    CHECK_INT(e->err_no, CSSL_SSL_ERROR_SSL);
    if (status != CSSL_ECERT_VERIFY) {
        CHECK_INT(e->verify_code, -1);
        CHECK(!e->has_vmsg);
    }
}

/* The client rejected the server's certificate with code and message;
 * the server received alert (reason and text). */
static void check_rejected(const outcome *o, long code, const char *vmsg, const char *alert_reason,
                           const char *alert_text)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s", VERIFY_FAILED, vmsg);
    check_ssl_failure(&o->client, CSSL_ECERT_VERIFY, "CERTIFICATE_VERIFY_FAILED", text);
    CHECK_INT(o->client.verify_code, code);
    CHECK_STR(o->client.vmsg, vmsg);
    check_ssl_failure(&o->server, CSSL_ESSL, alert_reason, alert_text);
}

/* ---- verification failures ---------------------------------------------- */

TEST(self_signed_server_certificate)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    cssl_context *sctx = server_ctx("selfsigned", CSSL_CERT_NONE, NULL, 0);
    outcome o;
    attempt(cctx, sctx, "localhost", &o, NULL);
    check_rejected(&o, 18, "self-signed certificate", "TLSV1_ALERT_UNKNOWN_CA",
                   "[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca");
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(unknown_issuer)
{
    cssl_context *cctx = client_ctx(NULL, NULL, 0); /* CA not loaded */
    cssl_context *sctx = server_ctx("server", CSSL_CERT_NONE, NULL, 0);
    outcome o;
    attempt(cctx, sctx, "localhost", &o, NULL);
    check_rejected(&o, 20, "unable to get local issuer certificate", "TLSV1_ALERT_UNKNOWN_CA",
                   "[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca");
    cssl_context_free(cctx);
    /* Trusting another CA is no better. */
    cctx = client_ctx("ca2.pem", NULL, 0);
    attempt(cctx, sctx, "localhost", &o, NULL);
    CHECK_INT(o.client.verify_code, 20);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(hostname_mismatch)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    cssl_context *sctx = server_ctx("server", CSSL_CERT_NONE, NULL, 0);
    outcome o;
    attempt(cctx, sctx, "example.org", &o, NULL);
    check_rejected(&o, 62, "Hostname mismatch, certificate is not valid for 'example.org'.",
                   "SSLV3_ALERT_BAD_CERTIFICATE",
                   "[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate");
    /* The same over TLS 1.2. */
    with_max_version(cctx, CSSL_TLSVERSION_TLSv1_2);
    attempt(cctx, sctx, "www.localhost", &o, NULL);
    check_rejected(&o, 62, "Hostname mismatch, certificate is not valid for 'www.localhost'.",
                   "SSLV3_ALERT_BAD_CERTIFICATE",
                   "[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate");
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(ip_address_mismatch)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    cssl_context *sctx = server_ctx("server", CSSL_CERT_NONE, NULL, 0);
    outcome o;
    attempt(cctx, sctx, "127.0.0.2", &o, NULL);
    check_rejected(&o, 64, "IP address mismatch, certificate is not valid for '127.0.0.2'.",
                   "SSLV3_ALERT_BAD_CERTIFICATE",
                   "[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate");
    attempt(cctx, sctx, "::2", &o, NULL);
    CHECK_INT(o.client.verify_code, 64);
    CHECK_STR(o.client.vmsg, "IP address mismatch, certificate is not valid for '::2'.");
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(expired_certificate)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    cssl_context *sctx = server_ctx("expired", CSSL_CERT_NONE, NULL, 0);
    outcome o;
    attempt(cctx, sctx, "localhost", &o, NULL);
    check_rejected(&o, 10, "certificate has expired", "SSLV3_ALERT_CERTIFICATE_EXPIRED",
                   "[SSL: SSLV3_ALERT_CERTIFICATE_EXPIRED] sslv3 alert certificate expired");
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(connection_after_a_failed_handshake)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    cssl_context *sctx = server_ctx("selfsigned", CSSL_CERT_NONE, NULL, 0);
    outcome o;
    tls_pair p;
    attempt(cctx, sctx, "localhost", &o, &p);
    CHECK_INT(o.client.rc, CSSL_ECERT_VERIFY);
    /* The failure is final: every later call fails, none succeeds or
     * hangs (Python: SSLEOFError without library). */
    char buf[4];
    CHECK_ERR_AT(cssl_conn_do_handshake(p.client), CSSL_EEOF,
                 "EOF occurred in violation of protocol", "conn_io.c");
    CHECK(cssl_error_library() == NULL);
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_EOF);
    CHECK_ERR_AT(cssl_conn_read(p.client, buf, sizeof buf), CSSL_EEOF,
                 "EOF occurred in violation of protocol", "conn_io.c");
    CHECK_ERR_AT(cssl_conn_write(p.client, "x", 1), CSSL_EEOF,
                 "EOF occurred in violation of protocol", "conn_io.c");
    const cssl_cert_info *info;
    CHECK_ERR(cssl_conn_getpeercert(p.client, &info), CSSL_EVALUE, "handshake not done yet");
    CHECK(cssl_conn_version(p.client) == NULL);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- the same situations in Python ----------------------------------------- */

/* Both ends of each case, as Python's exception would print them:
 * class|library|reason|verify_code|verify_message|errno|text-without-location. */
static const char *class_name(int status)
{
    switch (status) {
    case CSSL_OK: return "OK";
    case CSSL_ESSL: return "SSLError";
    case CSSL_EZERO_RETURN: return "SSLZeroReturnError";
    case CSSL_ESYSCALL: return "SSLSyscallError";
    case CSSL_EEOF: return "SSLEOFError";
    case CSSL_ECERT_VERIFY: return "SSLCertVerificationError";
    case CSSL_EOS: return "OSError";
    default: return "Other";
    }
}

static void format_outcome(char *out, size_t size, const err_snap *e)
{
    if (e->rc == CSSL_OK) {
        snprintf(out, size, "OK");
        return;
    }
    char msg[640];
    snprintf(msg, sizeof msg, "%s", e->msg);
    char *loc = strrchr(msg, '(');
    if (loc != NULL && loc > msg && loc[-1] == ' ' && strstr(loc, ".c:") != NULL)
        loc[-1] = '\0';
    char code[24] = "None";
    if (e->verify_code >= 0)
        snprintf(code, sizeof code, "%ld", e->verify_code);
    snprintf(out, size, "%s|%s|%s|%s|%s|%d|%s", class_name(e->status), e->lib, e->reason, code,
             e->vmsg, e->err_no, msg);
}

typedef struct diff_case {
    const char *name, *client_ca, *client_cert, *server_cert;
    int server_mode;
    const char *server_ca;
    bool tls12;
    const char *host;
} diff_case;

static const diff_case diff_cases[] = {
    {"ok", "ca.pem", NULL, "server", CSSL_CERT_NONE, NULL, false, "localhost"},
    {"selfsigned", "ca.pem", NULL, "selfsigned", CSSL_CERT_NONE, NULL, false, "localhost"},
    {"unknown_issuer", NULL, NULL, "server", CSSL_CERT_NONE, NULL, false, "localhost"},
    {"hostname", "ca.pem", NULL, "server", CSSL_CERT_NONE, NULL, false, "example.org"},
    {"hostname12", "ca.pem", NULL, "server", CSSL_CERT_NONE, NULL, true, "example.org"},
    {"ip", "ca.pem", NULL, "server", CSSL_CERT_NONE, NULL, false, "127.0.0.2"},
    {"ip6", "ca.pem", NULL, "server", CSSL_CERT_NONE, NULL, false, "::2"},
    {"expired", "ca.pem", NULL, "expired", CSSL_CERT_NONE, NULL, false, "localhost"},
    {"idn_mismatch", "ca.pem", NULL, "server", CSSL_CERT_NONE, NULL, false, "bücher.example"},
    {"no_client_cert13", "ca.pem", NULL, "server", CSSL_CERT_REQUIRED, "ca.pem", false,
     "localhost"},
    {"no_client_cert12", "ca.pem", NULL, "server", CSSL_CERT_REQUIRED, "ca.pem", true,
     "localhost"},
    {"client_untrusted13", "ca.pem", "client", "server", CSSL_CERT_REQUIRED, "ca2.pem", false,
     "localhost"},
    {"client_untrusted12", "ca.pem", "client", "server", CSSL_CERT_REQUIRED, "ca2.pem", true,
     "localhost"},
    {"client_ok", "ca.pem", "client", "server", CSSL_CERT_REQUIRED, "ca.pem", false, "localhost"},
    {"client_untrusted_optional", "ca.pem", "client", "server", CSSL_CERT_OPTIONAL, "ca2.pem",
     false, "localhost"},
    {"client_no_server_ca", "ca.pem", "client", "server", CSSL_CERT_REQUIRED, NULL, false,
     "127.0.0.1"},
    {"client_expired", "ca.pem", "expired", "server", CSSL_CERT_REQUIRED, "ca.pem", true,
     "localhost"},
};

static const char diff_python[] =
    "import ssl, sys, re\n"
    "fx = sys.argv[1]\n"
    "def fmt(e):\n"
    "    if e is None: return 'OK'\n"
    "    msg = re.sub(r' \\(_ssl\\.c:\\d+\\)$', '', str(e))\n"
    "    return '|'.join(map(str, [type(e).__name__, e.library, e.reason,\n"
    "        getattr(e, 'verify_code', None), getattr(e, 'verify_message', None), e.errno, msg]))\n"
    "def pump(a, b):\n"
    "    d = a.read()\n"
    "    if d: b.write(d)\n"
    "for spec in sys.argv[2:]:\n"
    "    name, cca, ccert, scert, smode, sca, tls12, host = spec.split(',')\n"
    "    cc = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
    "    if cca != '-': cc.load_verify_locations(fx + '/' + cca)\n"
    "    if ccert != '-': cc.load_cert_chain(fx + '/' + ccert + '.pem', fx + '/' + ccert + '.key')\n"
    "    if tls12 == '1': cc.maximum_version = ssl.TLSVersion.TLSv1_2\n"
    "    sc = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "    sc.load_cert_chain(fx + '/' + scert + '.pem', fx + '/' + scert + '.key')\n"
    "    sc.verify_mode = int(smode)\n"
    "    if sca != '-': sc.load_verify_locations(fx + '/' + sca)\n"
    "    b = [ssl.MemoryBIO() for _ in range(4)]\n"
    "    c = cc.wrap_bio(b[0], b[1], server_hostname=host)\n"
    "    s = sc.wrap_bio(b[2], b[3], server_side=True)\n"
    "    res, done = [None, None], [False, False]\n"
    "    for _ in range(20):\n"
    "        for i, o in enumerate((c, s)):\n"
    "            if not done[i]:\n"
    "                try: o.do_handshake(); done[i] = True\n"
    "                except ssl.SSLWantReadError: pass\n"
    "                except ssl.SSLError as e: res[i] = e; done[i] = True\n"
    "            pump(b[1], b[2]); pump(b[3], b[0])\n"
    "        if all(done): break\n"
    "    if res[0] is None and res[1] is not None:\n"
    "        try: c.read(10)\n"
    "        except ssl.SSLError as e: res[0] = e\n"
    "    print(name, 'client', fmt(res[0]))\n"
    "    print(name, 'server', fmt(res[1]))\n"
    "    if name == 'selfsigned':\n"
    "        for what, f in (('handshake', c.do_handshake), ('read', lambda: c.read(1)),\n"
    "                        ('write', lambda: c.write(b'x'))):\n"
    "            try: f(); r = None\n"
    "            except ssl.SSLError as e: r = e\n"
    "            print(name, 'after', what, fmt(r))\n";

static void append(char **text, size_t *len, const char *line)
{
    size_t n = strlen(line);
    *text = realloc(*text, *len + n + 2);
    REQUIRE(*text != NULL);
    memcpy(*text + *len, line, n);
    (*text)[*len + n] = '\n';
    *len += n + 1;
    (*text)[*len] = '\0';
}

TEST(failures_match_python)
{
    size_t ncases = sizeof diff_cases / sizeof *diff_cases;
    const char *args[32] = {getenv("CSSL_FIXTURES")};
    char specs[32][256];
    char *ours = NULL;
    size_t ours_len = 0;
    for (size_t i = 0; i < ncases; i++) {
        const diff_case *d = &diff_cases[i];
        snprintf(specs[i], sizeof specs[i], "%s,%s,%s,%s,%d,%s,%d,%s", d->name,
                 d->client_ca ? d->client_ca : "-", d->client_cert ? d->client_cert : "-",
                 d->server_cert, d->server_mode, d->server_ca ? d->server_ca : "-", d->tls12,
                 d->host);
        args[i + 1] = specs[i];

        cssl_context *cctx =
            client_ctx(d->client_ca, d->client_cert, d->tls12 ? CSSL_TLSVERSION_TLSv1_2 : 0);
        cssl_context *sctx = server_ctx(d->server_cert, d->server_mode, d->server_ca, 0);
        outcome o;
        tls_pair p;
        attempt(cctx, sctx, d->host, &o, &p);
        char line[2304], text[2048];
        format_outcome(text, sizeof text, &o.client);
        snprintf(line, sizeof line, "%s client %s", d->name, text);
        append(&ours, &ours_len, line);
        format_outcome(text, sizeof text, &o.server);
        snprintf(line, sizeof line, "%s server %s", d->name, text);
        append(&ours, &ours_len, line);
        if (strcmp(d->name, "selfsigned") == 0) {
            const char *what[] = {"handshake", "read", "write"};
            for (int k = 0; k < 3; k++) {
                char buf[4];
                int rc = k == 0   ? cssl_conn_do_handshake(p.client)
                         : k == 1 ? (int)cssl_conn_read(p.client, buf, 1)
                                  : (int)cssl_conn_write(p.client, "x", 1);
                err_snap e;
                snap_error(&e, rc < 0 ? rc : CSSL_OK);
                format_outcome(text, sizeof text, &e);
                snprintf(line, sizeof line, "%s after %s %s", d->name, what[k], text);
                append(&ours, &ours_len, line);
            }
        }
        pair_free(&p);
        cssl_context_free(cctx);
        cssl_context_free(sctx);
    }
    char *py = python_run(diff_python, args);
    CHECK_STR(ours, py);
    free(py);
    free(ours);
}

/* ---- host names on the wire --------------------------------------------- */

typedef struct sni_log {
    int calls;
    bool got_null;
    char name[256];
} sni_log;

static int record_sni(cssl_conn *conn, const char *name, cssl_context *ctx, void *userdata)
{
    sni_log *log = userdata;
    CHECK(conn != NULL && cssl_conn_server_side(conn));
    CHECK(ctx != NULL);
    log->calls++;
    log->got_null = name == NULL;
    snprintf(log->name, sizeof log->name, "%s", name ? name : "");
    return 0;
}

/* Connect with host and return what the server's SNI callback saw. */
static sni_log sni_for(cssl_context *cctx, const char *host, const char *server_cert)
{
    cssl_context *sctx = server_context(server_cert);
    sni_log log = {0};
    REQUIRE(cssl_context_set_sni_callback(sctx, record_sni, &log) == CSSL_OK);
    tls_pair p;
    pair_init(&p, cctx, sctx, host, NULL);
    HANDSHAKE_OK(&p);
    pair_free(&p);
    cssl_context_free(sctx);
    return log;
}

TEST(sni_sent_for_names_only)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    sni_log log = sni_for(cctx, "localhost", "server");
    CHECK_INT(log.calls, 1);
    CHECK(!log.got_null);
    CHECK_STR(log.name, "localhost");
    /* IP addresses are never sent as SNI (RFC 6066 3); the callback still
     * runs, with NULL. */
    log = sni_for(cctx, "127.0.0.1", "server");
    CHECK_INT(log.calls, 1);
    CHECK(log.got_null);
    log = sni_for(cctx, "::1", "server");
    CHECK_INT(log.calls, 1);
    CHECK(log.got_null);
    cssl_context_free(cctx);
    /* No hostname at all (no checking): NULL too. */
    cctx = client_context_noverify();
    log = sni_for(cctx, NULL, "server");
    CHECK_INT(log.calls, 1);
    CHECK(log.got_null);
    cssl_context_free(cctx);
}

TEST(ip_identities_checked_as_ips)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    cssl_context *sctx = server_context("server");
    /* The certificate names 127.0.0.1 and ::1 as IP addresses. */
    const char *ok[] = {"127.0.0.1", "::1", "0:0:0:0:0:0:0:1"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        tls_pair p;
        pair_init(&p, cctx, sctx, ok[i], NULL);
        HANDSHAKE_OK(&p);
        CHECK_STR(cssl_conn_server_hostname(p.client), ok[i]);
        pair_free(&p);
    }
    outcome o;
    attempt(cctx, sctx, "127.0.0.2", &o, NULL);
    CHECK_INT(o.client.rc, CSSL_ECERT_VERIFY);
    CHECK_INT(o.client.verify_code, 64);
    /* Not an IP literal for OpenSSL (a2i_IPADDRESS wants four parts), so
     * checked as a DNS name - and the IP SAN entries do not match it. */
    attempt(cctx, sctx, "127.1", &o, NULL);
    CHECK_INT(o.client.rc, CSSL_ECERT_VERIFY);
    CHECK_INT(o.client.verify_code, 62);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(non_ascii_hostname_goes_out_as_a_label)
{
    static const char host[] = "b\xc3\xbc" "cher.example"; /* bücher.example */
    const char *args[] = {host, NULL};
    char *py = python_run("import sys; print(sys.argv[1].encode('idna').decode(), end='')", args);
    CHECK_STR(py, "xn--bcher-kva.example");

    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    cssl_context *sctx = server_context("idn");
    sni_log log = {0};
    REQUIRE(cssl_context_set_sni_callback(sctx, record_sni, &log) == CSSL_OK);
    tls_pair p;
    pair_init(&p, cctx, sctx, host, NULL);
    CHECK_STR(cssl_conn_server_hostname(p.client), py);
    /* The certificate is for the A-label: verification passes. */
    HANDSHAKE_OK(&p);
    CHECK_STR(log.name, py);
    const cssl_cert_info *info = NULL;
    CHECK_OK(cssl_conn_getpeercert(p.client, &info));
    REQUIRE(info != NULL && info->subject_alt_name_count == 1);
    CHECK_STR(info->subject_alt_name[0].value, py);
    pair_free(&p);
    cssl_context_free(sctx);
    /* A mismatch names the A-label, as Python's server_hostname. */
    sctx = server_context("server");
    outcome o;
    attempt(cctx, sctx, host, &o, NULL);
    CHECK_INT(o.client.verify_code, 62);
    CHECK_STR(o.client.vmsg,
              "Hostname mismatch, certificate is not valid for 'xn--bcher-kva.example'.");
    free(py);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(hostname_conversion_matches_python)
{
    char long_ascii[80], long_ok[80], long_idn[128];
    memset(long_ascii, 'x', 64);
    strcpy(long_ascii + 64, ".com");
    memset(long_ok, 'x', 63);
    strcpy(long_ok + 63, ".com");
    long_idn[0] = '\0';
    for (int i = 0; i < 40; i++)
        strcat(long_idn, "\xc3\xbc");
    strcat(long_idn, ".de");
    const char *names[] = {
        "localhost", "LOCALHOST", "localhost.", "b\xc3\xbc" "cher.example",
        "b\xc3\xbc" "cher.example.", "xn--bcher-kva.example", "m\xc3\xbcnchen.de",
        "\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", /* 例え.テスト */
        "a..b", "a.b..", "a.\xc3\xbc..b", long_ascii, long_ok, long_idn, "127.0.0.1", "::1",
        "x.y.z.w.v",
    };
    size_t n = sizeof names / sizeof *names;
    cssl_context *ctx = client_context_noverify();
    char *ours = NULL;
    size_t len = 0;
    const char *args[32];
    for (size_t i = 0; i < n; i++) {
        args[i] = names[i];
        cssl_memory_bio *in = cssl_memory_bio_new(), *out = cssl_memory_bio_new();
        cssl_conn *c = cssl_context_wrap_bio(ctx, in, out, 0, names[i], NULL);
        char line[512];
        if (c != NULL)
            snprintf(line, sizeof line, "%s", cssl_conn_server_hostname(c));
        else if (python_is_313())
            snprintf(line, sizeof line, "ValueError %s", cssl_error_message());
        else /* Python 3.11's idna codec words its errors differently */
            snprintf(line, sizeof line, "ValueError");
        CHECK(c != NULL || cssl_error_status() == CSSL_EVALUE);
        append(&ours, &len, line);
        cssl_conn_free(c);
        cssl_memory_bio_free(in);
        cssl_memory_bio_free(out);
    }
    args[n] = NULL;
    static const char code[] =
        "import ssl, sys\n"
        "c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
        "c.check_hostname = False\n"
        "for h in sys.argv[1:]:\n"
        "    try: print(c.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=h)"
        ".server_hostname)\n"
        "    except ValueError as e:\n"
        "        print('ValueError' + (' %s' % e if sys.version_info >= (3, 13) else ''))\n";
    char *py = python_run(code, args);
    CHECK_STR(ours, py);
    free(py);
    free(ours);
    cssl_context_free(ctx);
}

TEST(invalid_hostnames_refused)
{
    cssl_context *ctx = client_context_noverify();
    cssl_memory_bio *in = cssl_memory_bio_new(), *out = cssl_memory_bio_new();
    REQUIRE(in && out);
    /* Not UTF-8: a lone continuation byte, a truncated sequence, a
     * surrogate, a code point past U+10FFFF. */
    const char *bad[] = {"b\x80.example", "b\xc3", "\xed\xa0\x80.example", "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_NULL_ERR(cssl_context_wrap_bio(ctx, in, out, 0, bad[i], NULL), CSSL_EVALUE,
                       "server_hostname is not a valid UTF-8 IDNA host name");
    /* 300 non-ASCII characters in one label: too long, as Python says. */
    char huge[1024] = "a.";
    for (int i = 0; i < 300; i++)
        strcat(huge, "\xc3\xbc");
    CHECK_NULL_ERR(cssl_context_wrap_bio(ctx, in, out, 0, huge, NULL), CSSL_EVALUE,
                   "'idna' codec can't encode characters in position 2-301: label too long");
    CHECK_INT(cssl_memory_bio_pending(out), 0);
    cssl_memory_bio_free(in);
    cssl_memory_bio_free(out);
    cssl_context_free(ctx);
}

/* ---- check_hostname turns verification on ----------------------------------- */

TEST(check_hostname_upgrade_is_visible_on_the_wire)
{
    cssl_context *cctx = cssl_context_new(CSSL_PROTOCOL_TLS);
    REQUIRE(cctx != NULL);
    cssl_context *sctx = server_context("server");
    CHECK_INT(cssl_context_verify_mode(cctx), CSSL_CERT_NONE);
    /* CERT_NONE: any certificate, no CA loaded, no name needed. */
    tls_pair p;
    pair_init(&p, cctx, sctx, NULL, NULL);
    HANDSHAKE_OK(&p);
    pair_free(&p);
    /* check_hostname switches CERT_NONE to CERT_REQUIRED... */
    CHECK_OK(cssl_context_set_check_hostname(cctx, true));
    CHECK_INT(cssl_context_verify_mode(cctx), CSSL_CERT_REQUIRED);
    /* ...so the same server is now refused (no CA trusted)... */
    outcome o;
    attempt(cctx, sctx, "localhost", &o, NULL);
    CHECK_INT(o.client.rc, CSSL_ECERT_VERIFY);
    CHECK_INT(o.client.verify_code, 20);
    /* ...accepted once the CA is loaded and the name is right... */
    REQUIRE(cssl_context_load_verify_locations(cctx, fixture("ca.pem"), NULL, NULL, 0, 0) ==
            CSSL_OK);
    attempt(cctx, sctx, "localhost", &o, NULL);
    CHECK_INT(o.client.rc, CSSL_OK);
    CHECK_INT(o.server.rc, CSSL_OK);
    /* ...and the name is checked. */
    attempt(cctx, sctx, "example.org", &o, NULL);
    CHECK_INT(o.client.verify_code, 62);
    /* Turning checking off keeps CERT_REQUIRED: the chain is still
     * verified, the name no longer. */
    CHECK_OK(cssl_context_set_check_hostname(cctx, false));
    CHECK_INT(cssl_context_verify_mode(cctx), CSSL_CERT_REQUIRED);
    attempt(cctx, sctx, "example.org", &o, NULL);
    CHECK_INT(o.client.rc, CSSL_OK);
    cssl_context *selfsigned = server_context("selfsigned");
    attempt(cctx, selfsigned, "localhost", &o, NULL);
    CHECK_INT(o.client.verify_code, 18);
    cssl_context_free(selfsigned);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- client certificates ---------------------------------------------------- */

TEST(client_certificate_required_but_missing_tls13)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    cssl_context *sctx = server_ctx("server", CSSL_CERT_REQUIRED, "ca.pem", 0);
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    err_snap ce, se;
    CHECK(!handshake_pair(&p, &ce, &se));
    /* TLS 1.3: the client is done before the server has judged it. */
    CHECK_INT(ce.rc, CSSL_OK);
    check_ssl_failure(&se, CSSL_ESSL, "PEER_DID_NOT_RETURN_A_CERTIFICATE",
                      "[SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not return a certificate");
    /* The alert reaches the client on its next read. */
    char buf[8];
    pair_pump(&p);
    ssize_t n = cssl_conn_read(p.client, buf, sizeof buf);
    err_snap re;
    snap_error(&re, (int)n);
    check_ssl_failure(&re, CSSL_ESSL, "TLSV13_ALERT_CERTIFICATE_REQUIRED",
                      "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required");
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(client_certificate_required_but_missing_tls12)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, CSSL_TLSVERSION_TLSv1_2);
    cssl_context *sctx = server_ctx("server", CSSL_CERT_REQUIRED, "ca.pem", 0);
    outcome o;
    attempt(cctx, sctx, "localhost", &o, NULL);
    /* TLS 1.2: the client's handshake itself fails. */
    check_ssl_failure(&o.server, CSSL_ESSL, "PEER_DID_NOT_RETURN_A_CERTIFICATE",
                      "[SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not return a certificate");
    check_ssl_failure(&o.client, CSSL_ESSL, "SSLV3_ALERT_HANDSHAKE_FAILURE",
                      "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure");
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(client_certificate_optional_and_missing)
{
    cssl_context *cctx = client_ctx("ca.pem", NULL, 0);
    cssl_context *sctx = server_ctx("server", CSSL_CERT_OPTIONAL, "ca.pem", 0);
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    HANDSHAKE_OK(&p);
    const cssl_cert_info *info = (const cssl_cert_info *)1;
    CHECK_OK(cssl_conn_getpeercert(p.server, &info));
    CHECK(info == NULL);
    pair_send(&p, true, "anon", 4);
    char buf[8];
    CHECK_INT(pair_recv(&p, false, buf, sizeof buf), 4);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(client_certificate_presented)
{
    int versions[] = {0, CSSL_TLSVERSION_TLSv1_2};
    for (int v = 0; v < 2; v++) {
        cssl_context *cctx = client_ctx("ca.pem", "client", versions[v]);
        cssl_context *sctx = server_ctx("server", CSSL_CERT_REQUIRED, "ca.pem", 0);
        tls_pair p;
        pair_init(&p, cctx, sctx, "localhost", NULL);
        HANDSHAKE_OK(&p);
        const cssl_cert_info *info = NULL;
        CHECK_OK(cssl_conn_getpeercert(p.server, &info));
        REQUIRE(info != NULL);
        CHECK_STR(name_value(&info->subject, "commonName"), "cssl test client");
        /* Data flows after a mutual handshake. */
        pair_send(&p, true, "mutual", 6);
        char buf[8];
        CHECK_INT(pair_recv(&p, false, buf, sizeof buf), 6);
        pair_free(&p);
        cssl_context_free(cctx);
        cssl_context_free(sctx);
    }
}

TEST(client_certificate_untrusted)
{
    cssl_context *cctx = client_ctx("ca.pem", "client", 0);
    cssl_context *sctx = server_ctx("server", CSSL_CERT_REQUIRED, "ca2.pem", 0);
    outcome o;
    attempt(cctx, sctx, "localhost", &o, NULL);
    /* The server rejects the chain (the client sent its CA along, which
     * the server does not trust); the client reads the alert. */
    CHECK_INT(o.server.rc, CSSL_ECERT_VERIFY);
    CHECK_INT(o.server.verify_code, 19);
    CHECK_STR(o.server.vmsg, "self-signed certificate in certificate chain");
    CHECK_LOCATED(o.server.msg, VERIFY_FAILED "self-signed certificate in certificate chain",
                  "conn_io.c");
    check_ssl_failure(&o.client, CSSL_ESSL, "TLSV1_ALERT_UNKNOWN_CA",
                      "[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca");
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}
