/*
 * test_conn_bio_info.c - what a memory-BIO connection reports about its
 * handshake: getpeercert (decoded, empty, NULL, DER), verified and
 * unverified chains on both sides, cipher/version/shared_ciphers/
 * compression, ALPN, tls-unique channel binding (also after resumption),
 * and switching the connection's context before the handshake.
 */
#include "conn_bio_util.h"

#include "internal.h"

static void connect_pair(tls_pair *p, cssl_context *cctx, cssl_context *sctx, const char *host)
{
    pair_init(p, cctx, sctx, host, NULL);
    HANDSHAKE_OK(p);
}

/* ---- getpeercert ---------------------------------------------------------- */

TEST(getpeercert_before_handshake)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    const cssl_cert_info *info = (const cssl_cert_info *)1;
    uint8_t *der = (uint8_t *)1;
    size_t len = 7;
    CHECK_ERR(cssl_conn_getpeercert(p.client, &info), CSSL_EVALUE, "handshake not done yet");
    CHECK_ERR(cssl_conn_getpeercert_der(p.client, &der, &len), CSSL_EVALUE,
              "handshake not done yet");
    CHECK(info == (const cssl_cert_info *)1 && der == (uint8_t *)1 && len == 7);
    /* Half-way through the handshake it is still not done. */
    CHECK_INT(cssl_conn_do_handshake(p.client), CSSL_EWANT_READ);
    pair_pump(&p);
    CHECK_INT(cssl_conn_do_handshake(p.server), CSSL_EWANT_READ);
    CHECK_ERR(cssl_conn_getpeercert(p.server, &info), CSSL_EVALUE, "handshake not done yet");
    CHECK_ERR(cssl_conn_getpeercert(p.client, &info), CSSL_EVALUE, "handshake not done yet");
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(getpeercert_decodes_the_verified_server_cert)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    connect_pair(&p, cctx, sctx, "localhost");
    const cssl_cert_info *info = NULL;
    CHECK_OK(cssl_conn_getpeercert(p.client, &info));
    REQUIRE(info != NULL);
    CHECK_STR(name_value(&info->subject, "commonName"), "localhost");
    CHECK_STR(name_value(&info->subject, "organizationName"), "cssl tests");
    CHECK_STR(name_value(&info->subject, "countryName"), "XY");
    CHECK_STR(name_value(&info->issuer, "commonName"), "cssl test CA");
    CHECK_INT(info->subject.count, 3);
    CHECK_INT(info->version, 3);
    REQUIRE(info->has_subject_alt_name && info->subject_alt_name_count == 3);
    CHECK_STR(info->subject_alt_name[0].type, "DNS");
    CHECK_STR(info->subject_alt_name[0].value, "localhost");
    CHECK_STR(info->subject_alt_name[1].type, "IP Address");
    CHECK_STR(info->subject_alt_name[1].value, "127.0.0.1");
    CHECK_STR(info->subject_alt_name[2].value, "0:0:0:0:0:0:0:1");
    /* The same fields as decoding the file. */
    cssl_cert *file = cssl_cert_load(fixture("server.pem"));
    REQUIRE(file != NULL);
    const cssl_cert_info *want = cssl_cert_get_info(file);
    CHECK_STR(info->serial_number, want->serial_number);
    CHECK_STR(info->not_before, want->not_before);
    CHECK_STR(info->not_after, want->not_after);
    cssl_cert_free(file);
    /* Asking again gives the same decoded structure. */
    const cssl_cert_info *again = NULL;
    CHECK_OK(cssl_conn_getpeercert(p.client, &again));
    CHECK(again == info);
    /* DER too. */
    uint8_t *der = NULL;
    size_t len = 0, flen = 0;
    CHECK_OK(cssl_conn_getpeercert_der(p.client, &der, &len));
    uint8_t *fder = fixture_der("server.pem", &flen);
    CHECK(der != NULL && len == flen && memcmp(der, fder, len) == 0);
    cssl_free(der);
    cssl_free(fder);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

static bool info_is_empty(const cssl_cert_info *info)
{
    return info != NULL && info->subject.count == 0 && info->issuer.count == 0 &&
           info->version == 0 && info->serial_number == NULL && info->not_before == NULL &&
           info->not_after == NULL && !info->has_subject_alt_name &&
           info->subject_alt_name_count == 0 && info->ocsp.count == 0 &&
           info->ca_issuers.count == 0 && info->crl_distribution_points.count == 0;
}

TEST(getpeercert_empty_when_the_context_does_not_verify)
{
    cssl_context *cctx = client_context_noverify(), *sctx = server_context("server");
    tls_pair p;
    connect_pair(&p, cctx, sctx, "localhost");
    const cssl_cert_info *info = NULL;
    CHECK_OK(cssl_conn_getpeercert(p.client, &info));
    CHECK(info_is_empty(info)); /* Python's {} - not None */
    /* DER regardless of verification. */
    uint8_t *der = NULL;
    size_t len = 0, flen = 0;
    CHECK_OK(cssl_conn_getpeercert_der(p.client, &der, &len));
    uint8_t *fder = fixture_der("server.pem", &flen);
    CHECK(der != NULL && len == flen && memcmp(der, fder, len) == 0);
    cssl_free(der);
    cssl_free(fder);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(getpeercert_follows_the_verify_mode_at_call_time)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    connect_pair(&p, cctx, sctx, "localhost");
    const cssl_cert_info *info = NULL;
    CHECK_OK(cssl_conn_getpeercert(p.client, &info));
    CHECK(info != NULL && info->subject.count == 3);
    /* Python measures the context's mode when called, not at handshake. */
    CHECK_OK(cssl_context_set_check_hostname(cctx, false));
    CHECK_OK(cssl_context_set_verify_mode(cctx, CSSL_CERT_NONE));
    CHECK_OK(cssl_conn_getpeercert(p.client, &info));
    CHECK(info_is_empty(info));
    CHECK_OK(cssl_context_set_verify_mode(cctx, CSSL_CERT_OPTIONAL));
    CHECK_OK(cssl_conn_getpeercert(p.client, &info));
    CHECK(info != NULL && info->subject.count == 3);
    /* The connection's current context decides: switch to one that does
     * not verify, then back. */
    cssl_context *none = client_context_noverify();
    CHECK_OK(cssl_conn_set_context(p.client, none));
    CHECK_OK(cssl_conn_getpeercert(p.client, &info));
    CHECK(info_is_empty(info));
    CHECK_OK(cssl_conn_set_context(p.client, cctx));
    CHECK_OK(cssl_conn_getpeercert(p.client, &info));
    CHECK_STR(name_value(&info->subject, "commonName"), "localhost");
    cssl_context_free(none);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(getpeercert_null_when_the_peer_sent_none)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    connect_pair(&p, cctx, sctx, "localhost");
    /* The server did not ask for a client certificate. */
    const cssl_cert_info *info = (const cssl_cert_info *)1;
    CHECK_OK(cssl_conn_getpeercert(p.server, &info));
    CHECK(info == NULL);
    uint8_t *der = (uint8_t *)1;
    size_t len = 9;
    CHECK_OK(cssl_conn_getpeercert_der(p.server, &der, &len));
    CHECK(der == NULL && len == 0);
    CHECK_CHAIN(cssl_conn_get_verified_chain(p.server), NULL);
    CHECK_CHAIN(cssl_conn_get_unverified_chain(p.server), NULL);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- chains --------------------------------------------------------------- */

TEST(client_chains_verified_and_unverified)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    /* Before the handshake: empty lists. */
    CHECK_CHAIN(cssl_conn_get_verified_chain(p.client), NULL);
    CHECK_CHAIN(cssl_conn_get_unverified_chain(p.client), NULL);
    HANDSHAKE_OK(&p);
    /* The server sent its leaf; OpenSSL verified leaf → CA. */
    CHECK_CHAIN(cssl_conn_get_verified_chain(p.client), "server.pem", "ca.pem");
    CHECK_CHAIN(cssl_conn_get_unverified_chain(p.client), "server.pem");
    pair_free(&p);
    cssl_context_free(sctx);

    /* A server sending leaf + CA: the unverified chain is what it sent. */
    sctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    REQUIRE(sctx != NULL);
    REQUIRE(cssl_context_load_cert_chain(sctx, fixture("server_chain.pem"),
                                         fixture("server.key"), NULL) == CSSL_OK);
    connect_pair(&p, cctx, sctx, "localhost");
    CHECK_CHAIN(cssl_conn_get_unverified_chain(p.client), "server.pem", "ca.pem");
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(chains_without_verification)
{
    /* CERT_NONE: OpenSSL still builds a chain as far as it can (Python
     * measured a verified chain of length 1 here). */
    cssl_context *cctx = client_context_noverify(), *sctx = server_context("server");
    tls_pair p;
    connect_pair(&p, cctx, sctx, "localhost");
    CHECK_CHAIN(cssl_conn_get_verified_chain(p.client), "server.pem");
    CHECK_CHAIN(cssl_conn_get_unverified_chain(p.client), "server.pem");
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(server_sees_client_chains_leaf_first)
{
    cssl_context *cctx = client_context();
    REQUIRE(cssl_context_load_cert_chain(cctx, fixture("client_chain.pem"), fixture("client.key"),
                                         NULL) == CSSL_OK);
    cssl_context *sctx = server_context("server");
    CHECK_OK(cssl_context_set_verify_mode(sctx, CSSL_CERT_REQUIRED));
    REQUIRE(cssl_context_load_verify_locations(sctx, fixture("ca.pem"), NULL, NULL, 0, 0) ==
            CSSL_OK);
    tls_pair p;
    connect_pair(&p, cctx, sctx, "localhost");
    /* TLS 1.3: the client's certificate arrives with its Finished. */
    const cssl_cert_info *info = NULL;
    CHECK_OK(cssl_conn_getpeercert(p.server, &info));
    REQUIRE(info != NULL);
    CHECK_STR(name_value(&info->subject, "commonName"), "cssl test client");
    CHECK_STR(name_value(&info->issuer, "commonName"), "cssl test CA");
    /* OpenSSL leaves the leaf out on the server side; Python 3.13 (and
     * cssl) put it first. */
    CHECK_CHAIN(cssl_conn_get_unverified_chain(p.server), "client.pem", "ca.pem");
    CHECK_CHAIN(cssl_conn_get_verified_chain(p.server), "client.pem", "ca.pem");
    /* The client side is unaffected by the server-side rule (the server
     * completes its chain from its trust store: leaf, then CA). */
    CHECK_CHAIN(cssl_conn_get_unverified_chain(p.client), "server.pem", "ca.pem");
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- cipher, version, shared ciphers, compression ------------------------- */

TEST(cipher_and_version)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    const char *proto = "unset";
    int bits = -5;
    CHECK(cssl_conn_cipher(p.client, &proto, &bits) == NULL);
    CHECK_STR(proto, "unset"); /* outputs untouched when there is none */
    CHECK_INT(bits, -5);
    CHECK(cssl_conn_version(p.client) == NULL);
    CHECK(cssl_conn_version(p.server) == NULL);
    HANDSHAKE_OK(&p);
    for (int side = 0; side < 2; side++) {
        cssl_conn *c = side ? p.server : p.client;
        CHECK_STR(cssl_conn_cipher(c, &proto, &bits), "TLS_AES_256_GCM_SHA384");
        CHECK_STR(proto, "TLSv1.3");
        CHECK_INT(bits, 256);
        CHECK_STR(cssl_conn_version(c), "TLSv1.3");
        CHECK(cssl_conn_compression(c) == NULL);
    }
    pair_free(&p);

    /* TLS 1.2 with the RSA and the ECDSA server. */
    with_max_version(cctx, CSSL_TLSVERSION_TLSv1_2);
    connect_pair(&p, cctx, sctx, "localhost");
    CHECK_STR(cssl_conn_cipher(p.client, &proto, &bits), "ECDHE-RSA-AES256-GCM-SHA384");
    CHECK_STR(proto, "TLSv1.2");
    CHECK_INT(bits, 256);
    CHECK_STR(cssl_conn_version(p.client), "TLSv1.2");
    CHECK_STR(cssl_conn_version(p.server), "TLSv1.2");
    CHECK(cssl_conn_compression(p.server) == NULL);
    pair_free(&p);
    cssl_context *ecdsa = server_context("ecdsa");
    connect_pair(&p, cctx, ecdsa, "localhost");
    CHECK_STR(cssl_conn_cipher(p.server, NULL, NULL), "ECDHE-ECDSA-AES256-GCM-SHA384");
    pair_free(&p);
    cssl_context_free(ecdsa);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* shared_ciphers() of the server, one "name protocol bits" line each. */
static char *shared_ciphers_text(cssl_conn *server)
{
    cssl_cipher_desc *list = NULL;
    size_t n = 0;
    REQUIRE(cssl_conn_shared_ciphers(server, &list, &n) == CSSL_OK);
    REQUIRE(list != NULL);
    char *text = calloc(1, n * 64 + 1);
    REQUIRE(text != NULL);
    for (size_t i = 0; i < n; i++)
        sprintf(text + strlen(text), "%s %s %d\n", list[i].name, list[i].protocol,
                list[i].secret_bits);
    cssl_free(list);
    return text;
}

TEST(shared_ciphers_server_only_and_as_python)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    cssl_cipher_desc *list = (cssl_cipher_desc *)1;
    size_t n = 5;
    CHECK_OK(cssl_conn_shared_ciphers(p.server, &list, &n)); /* before: None */
    CHECK(list == NULL && n == 0);
    HANDSHAKE_OK(&p);
    list = (cssl_cipher_desc *)1;
    CHECK_OK(cssl_conn_shared_ciphers(p.client, &list, &n)); /* client: None */
    CHECK(list == NULL && n == 0);
    char *ours13 = shared_ciphers_text(p.server);
    pair_free(&p);
    with_max_version(cctx, CSSL_TLSVERSION_TLSv1_2);
    connect_pair(&p, cctx, sctx, "localhost");
    char *ours12 = shared_ciphers_text(p.server);
    pair_free(&p);

    /* The same list, in the same (server) order, as Python's. */
    static const char code[] =
        "import ssl, sys\n"
        "fx = sys.argv[1]\n"
        "def run(maxv):\n"
        "    s = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
        "    s.load_cert_chain(fx + '/server.pem', fx + '/server.key')\n"
        "    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
        "    c.load_verify_locations(fx + '/ca.pem')\n"
        "    if maxv: c.maximum_version = maxv\n"
        "    b = [ssl.MemoryBIO() for _ in range(4)]\n"
        "    co = c.wrap_bio(b[0], b[1], server_hostname='localhost')\n"
        "    so = s.wrap_bio(b[2], b[3], server_side=True)\n"
        "    for _ in range(5):\n"
        "        for o in (co, so):\n"
        "            try: o.do_handshake()\n"
        "            except ssl.SSLWantReadError: pass\n"
        "        b[2].write(b[1].read()); b[0].write(b[3].read())\n"
        "    return ''.join('%s %s %d\\n' % t for t in so.shared_ciphers())\n"
        "print(run(None) + '--'); print(run(ssl.TLSVersion.TLSv1_2), end='')\n";
    const char *args[] = {getenv("CSSL_FIXTURES"), NULL};
    char *py = python_run(code, args);
    char *ours = calloc(1, strlen(ours13) + strlen(ours12) + 8);
    REQUIRE(ours != NULL);
    sprintf(ours, "%s--\n%s", ours13, ours12);
    CHECK_STR(ours, py);
    CHECK_STR_STARTS(ours13, "TLS_AES_256_GCM_SHA384 TLSv1.3 256\n");
    free(ours);
    free(py);
    free(ours13);
    free(ours12);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- ALPN ----------------------------------------------------------------- */

static void set_alpn(cssl_context *ctx, const char *a, const char *b)
{
    const char *list[] = {a, b};
    REQUIRE(cssl_context_set_alpn_protocols(ctx, list, b ? 2 : 1) == CSSL_OK);
}

TEST(alpn_server_preference_and_no_overlap)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    /* Unused: NULL. */
    pair_init(&p, cctx, sctx, "localhost", NULL);
    CHECK(cssl_conn_selected_alpn_protocol(p.client) == NULL);
    HANDSHAKE_OK(&p);
    CHECK(cssl_conn_selected_alpn_protocol(p.client) == NULL);
    CHECK(cssl_conn_selected_alpn_protocol(p.server) == NULL);
    pair_free(&p);
    /* Only the client offers: still NULL. */
    set_alpn(cctx, "http/1.1", "h2");
    connect_pair(&p, cctx, sctx, "localhost");
    CHECK(cssl_conn_selected_alpn_protocol(p.client) == NULL);
    CHECK(cssl_conn_selected_alpn_protocol(p.server) == NULL);
    pair_free(&p);
    /* Both: the server's first choice the client offers. */
    set_alpn(sctx, "h2", "http/1.1");
    connect_pair(&p, cctx, sctx, "localhost");
    CHECK_STR(cssl_conn_selected_alpn_protocol(p.client), "h2");
    CHECK_STR(cssl_conn_selected_alpn_protocol(p.server), "h2");
    pair_free(&p);
    set_alpn(sctx, "spdy/3", "http/1.1");
    connect_pair(&p, cctx, sctx, "localhost");
    CHECK_STR(cssl_conn_selected_alpn_protocol(p.client), "http/1.1");
    pair_free(&p);
    /* No overlap: the handshake still succeeds, without ALPN. */
    set_alpn(sctx, "spdy/3", NULL);
    connect_pair(&p, cctx, sctx, "localhost");
    CHECK(cssl_conn_selected_alpn_protocol(p.client) == NULL);
    CHECK(cssl_conn_selected_alpn_protocol(p.server) == NULL);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(alpn_longest_protocol_name)
{
    char name[256];
    memset(name, 'x', 255);
    name[255] = '\0';
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    set_alpn(cctx, name, NULL);
    set_alpn(sctx, "h2", name);
    tls_pair p;
    connect_pair(&p, cctx, sctx, "localhost");
    CHECK_STR(cssl_conn_selected_alpn_protocol(p.client), name);
    CHECK_STR(cssl_conn_selected_alpn_protocol(p.server), name);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- tls-unique ------------------------------------------------------------- */

typedef struct binding {
    uint8_t data[128];
    ssize_t len;
} binding;

static binding get_binding(cssl_conn *c)
{
    binding b;
    memset(&b, 0, sizeof b);
    b.len = cssl_conn_get_channel_binding(c, "tls-unique", b.data, sizeof b.data);
    if (b.len < 0)
        harness_fail(__FILE__, __LINE__, "tls-unique: %s", cssl_error_message());
    return b;
}

static bool same_binding(binding a, binding b)
{
    return a.len > 0 && a.len == b.len && memcmp(a.data, b.data, (size_t)a.len) == 0;
}

/* RFC 5929 3.1 from OpenSSL directly: the first Finished of the handshake. */
static bool is_first_finished(binding b, tls_pair *p, bool resumed)
{
    uint8_t fin[128];
    size_t n = SSL_get_finished(resumed ? p->server->ssl : p->client->ssl, fin, sizeof fin);
    return b.len == (ssize_t)n && memcmp(b.data, fin, n) == 0;
}

TEST(tls_unique_before_and_after_handshake)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    uint8_t buf[128];
    /* Python's None: 0 before the handshake, on both sides. */
    CHECK_INT(cssl_conn_get_channel_binding(p.client, "tls-unique", buf, sizeof buf), 0);
    CHECK_INT(cssl_conn_get_channel_binding(p.server, "tls-unique", buf, sizeof buf), 0);
    CHECK_INT(cssl_conn_get_channel_binding(p.client, "tls-unique", NULL, 0), 0);
    HANDSHAKE_OK(&p);
    binding c = get_binding(p.client), s = get_binding(p.server);
    /* TLS 1.3: the 48-byte SHA-384 Finished (Python does not refuse it). */
    CHECK_INT(c.len, 48);
    CHECK(same_binding(c, s));
    CHECK(is_first_finished(c, &p, false));
    /* A second connection gets another value. */
    tls_pair q;
    connect_pair(&q, cctx, sctx, "localhost");
    CHECK(!same_binding(c, get_binding(q.client)));
    CHECK(same_binding(get_binding(q.client), get_binding(q.server)));
    /* Exactly enough room is enough. */
    CHECK_INT(cssl_conn_get_channel_binding(p.client, "tls-unique", buf, 48), 48);
    CHECK_ERR(cssl_conn_get_channel_binding(p.client, "tls-unique", buf, 47), CSSL_EVALUE,
              "buffer too small for the channel binding");
    pair_free(&q);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(tls_unique_unknown_type)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    connect_pair(&p, cctx, sctx, "localhost");
    uint8_t buf[128];
    CHECK_ERR(cssl_conn_get_channel_binding(p.client, "tls-server-end-point", buf, sizeof buf),
              CSSL_EVALUE, "'tls-server-end-point' channel binding type not implemented");
    CHECK_ERR(cssl_conn_get_channel_binding(p.server, "", buf, sizeof buf), CSSL_EVALUE,
              "'' channel binding type not implemented");
    /* Python formats "'%s'" - literal quotes, not repr(). */
    CHECK_ERR(cssl_conn_get_channel_binding(p.client, "it's", buf, sizeof buf), CSSL_EVALUE,
              "'it's' channel binding type not implemented");
    CHECK_ERR(cssl_conn_get_channel_binding(p.client, "TLS-UNIQUE", buf, sizeof buf),
              CSSL_EVALUE, "'TLS-UNIQUE' channel binding type not implemented");
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* Receive the server's TLS 1.3 tickets, then take the client's session. */
static cssl_session *session_after_tickets(tls_pair *p)
{
    char buf[4];
    pair_pump(p);
    CHECK_INT(cssl_conn_read(p->client, buf, sizeof buf), CSSL_EWANT_READ);
    cssl_session *s = cssl_conn_get_session(p->client);
    REQUIRE(s != NULL);
    return s;
}

static void check_tls_unique_resumption(int max_version, ssize_t want_len)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    if (max_version)
        with_max_version(cctx, max_version);
    tls_pair p;
    connect_pair(&p, cctx, sctx, "localhost");
    binding full = get_binding(p.client);
    CHECK_INT(full.len, want_len);
    CHECK(same_binding(full, get_binding(p.server)));
    CHECK(is_first_finished(full, &p, false)); /* the client's Finished */
    cssl_session *session = session_after_tickets(&p);

    tls_pair r;
    pair_init(&r, cctx, sctx, "localhost", session);
    HANDSHAKE_OK(&r);
    REQUIRE(cssl_conn_session_reused(r.client));
    CHECK(cssl_conn_session_reused(r.server));
    /* The peer certificate comes back with the session; no chain is
     * verified for a resumed connection. (The unverified chain is the
     * session's copy here; Python's is empty because its session object
     * went through DER, which keeps no chain.) */
    const cssl_cert_info *info = NULL;
    CHECK_OK(cssl_conn_getpeercert(r.client, &info));
    CHECK(info != NULL && info->subject.count == 3);
    CHECK_CHAIN(cssl_conn_get_verified_chain(r.client), NULL);
    binding c = get_binding(r.client), s = get_binding(r.server);
    CHECK_INT(c.len, want_len);
    CHECK(same_binding(c, s));
    CHECK(!same_binding(c, full));
    CHECK(is_first_finished(c, &r, true)); /* now the server's Finished */
    pair_free(&r);
    cssl_session_free(session);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(tls_unique_tls12_is_12_bytes_and_follows_resumption)
{
    check_tls_unique_resumption(CSSL_TLSVERSION_TLSv1_2, 12);
}

TEST(tls_unique_tls13_follows_resumption)
{
    check_tls_unique_resumption(0, 48);
}

/* ---- switching the context ------------------------------------------------- */

TEST(set_context_before_handshake_changes_the_certificate)
{
    cssl_context *cctx = client_context();
    cssl_context *rsa = server_context("server"), *ecdsa = server_context("ecdsa");
    tls_pair p;
    pair_init(&p, cctx, rsa, "localhost", NULL);
    CHECK_OK(cssl_conn_set_context(p.server, ecdsa));
    CHECK(cssl_conn_context(p.server) == ecdsa);
    HANDSHAKE_OK(&p);
    uint8_t *der = NULL;
    size_t len = 0, elen = 0;
    CHECK_OK(cssl_conn_getpeercert_der(p.client, &der, &len));
    uint8_t *want = fixture_der("ecdsa.pem", &elen);
    CHECK(der != NULL && len == elen && memcmp(der, want, len) == 0);
    cssl_free(der);
    cssl_free(want);
    pair_free(&p);
    /* Without the switch the RSA certificate is presented. */
    connect_pair(&p, cctx, rsa, "localhost");
    CHECK_OK(cssl_conn_getpeercert_der(p.client, &der, &len));
    want = fixture_der("server.pem", &elen);
    CHECK(der != NULL && len == elen && memcmp(der, want, len) == 0);
    cssl_free(der);
    cssl_free(want);
    /* Setting the same context again is harmless. */
    CHECK_OK(cssl_conn_set_context(p.server, rsa));
    CHECK(cssl_conn_context(p.server) == rsa);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(rsa);
    cssl_context_free(ecdsa);
}

static int sni_seen;

static int count_sni(cssl_conn *conn, const char *name, cssl_context *ctx, void *userdata)
{
    (void)conn;
    (void)name;
    (void)ctx;
    (void)userdata;
    sni_seen++;
    return 0;
}

TEST(contexts_freed_while_a_connection_uses_them)
{
    /* The caller drops its references to both the context the connection
     * was made from (with an SNI callback) and the one it switched to:
     * the connection keeps what it needs alive. */
    cssl_context *cctx = client_context();
    cssl_context *first = server_context("server"), *second = server_context("ecdsa");
    CHECK_OK(cssl_context_set_sni_callback(first, count_sni, NULL));
    tls_pair p;
    pair_init(&p, cctx, first, "localhost", NULL);
    CHECK_OK(cssl_conn_set_context(p.server, second));
    cssl_context_free(first);
    cssl_context_free(second);
    cssl_context_free(cctx);
    sni_seen = 0;
    HANDSHAKE_OK(&p);
    CHECK_INT(sni_seen, 1); /* OpenSSL still asks the original context */
    CHECK(cssl_conn_context(p.server) == second);
    CHECK_INT(cssl_context_protocol(cssl_conn_context(p.server)), CSSL_PROTOCOL_TLS_SERVER);
    pair_send(&p, true, "alive", 5);
    char buf[8];
    CHECK_INT(pair_recv(&p, false, buf, sizeof buf), 5);
    pair_free(&p);
}
