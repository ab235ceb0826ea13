/*
 * test_oom.c - allocation failures across the library's surface.
 *
 * Each TEST sweeps one or more scenarios with oom_sweep() (tests/oom.h):
 * the scenario runs with its 1st, 2nd, 3rd ... allocation failing until a
 * run gets through; every run must end in CSSL_OK or a failure recorded as
 * such (CSSL_ENOMEM, or a status OpenSSL turns some failures into, named
 * at each sweep), leave OpenSSL's queue empty, and free all it allocated.
 * A run that gets through despite a failed allocation (OpenSSL absorbs
 * many) must still produce right results: the scenarios check what they
 * get (data received, certificates, sessions).
 *
 * Covered here: contexts of every protocol, every setter, certificate
 * loading (file, memory, encrypted), default contexts (with SSL_CERT_FILE
 * pointing at a small bundle), key logging, ALPN, memory BIOs, helpers,
 * handshakes over memory BIOs (TLS 1.3 and 1.2, RSA and ECDSA, client
 * certificates), data both ways, peer certificates and chains, sessions
 * (get, set, DER round trip, resumption), unwrap and close_notify, the SNI
 * and PSK callback paths, post-handshake authentication, and connections
 * over sockets. Elsewhere: load_cert_chain with encrypted keys and
 * load_verify_locations (test_context_load_oom), get_ca_certs
 * (test_store), certificate decoding and export (test_cert), the PEM/DER
 * helpers (test_helpers_pem), get_ciphers and the cipher/group setters
 * (test_ciphers), the memory-BIO connection lifecycle (test_conn_bio_oom).
 *
 * Most sweeps here are whole (every allocation); the largest ones go by
 * allocation site unless CSSL_OOM_SWEEP=full (see oom.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "internal.h"
#include "oom.h"
#include "tls_util.h"

/* The first failure ends a scenario with its status. */
#define TRY(expr)                                                              \
    do {                                                                       \
        long long try_r_ = (long long)(expr);                                  \
        if (try_r_ < 0) {                                                      \
            st = (int)try_r_;                                                  \
            goto out;                                                          \
        }                                                                      \
    } while (0)

#define TRY_PTR(var, expr)                                                     \
    do {                                                                       \
        (var) = (expr);                                                        \
        if ((var) == NULL) {                                                   \
            st = oom_status();                                                 \
            goto out;                                                          \
        }                                                                      \
    } while (0)

/* What OpenSSL turns some failed allocations into during a handshake:
 * "[SSL] internal error" and the like (CSSL_ESSL) when a provider or the
 * state machine loses the cause, or, seen from the peer, whatever the
 * damaged message looks like; and a verification failure ("EE certificate
 * key too weak", CSSL_ECERT_VERIFY) when decoding the peer's public key
 * fails inside X509_verify_cert. */
#define HANDSHAKE_LOSSES (OOM_ALLOW(CSSL_ESSL) | OOM_ALLOW(CSSL_ECERT_VERIFY))

/* ---- the sweep driver catches what it must -------------------------------- */

/* A scenario that leaks its first block when the second allocation fails
 * (kept here, to be freed after the sweep: ASan and valgrind runs must not
 * see a real leak). */
static void *leaked[8];
static int nleaked;

static int sc_leaky(void *arg)
{
    void *a = OPENSSL_malloc(16);
    if (a == NULL)
        return cssl__raise_nomem();
    void *b = OPENSSL_malloc(16);
    if (b == NULL) {
        if (nleaked < 8)
            leaked[nleaked++] = a; /* "lost" */
        return cssl__raise_nomem();
    }
    OPENSSL_free(b);
    OPENSSL_free(a);
    return CSSL_OK;
}

/* One that reports an allocation failure as a ValueError. */
static int sc_wrong_status(void *arg)
{
    void *a = OPENSSL_malloc(16);
    if (a == NULL)
        return cssl__raise(CSSL_EVALUE, "not a memory error");
    OPENSSL_free(a);
    return CSSL_OK;
}

/* One that returns a failure without recording it, and leaves the queue
 * dirty. */
static int sc_unrecorded(void *arg)
{
    void *a = OPENSSL_malloc(16);
    if (a == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return CSSL_ENOMEM;
    }
    OPENSSL_free(a);
    return CSSL_OK;
}

/* The driver's checks can fail: each broken scenario is caught (and the
 * failures it reports are then forgotten: they were the point). */
static void expect_caught(const char *name, oom_scenario fn)
{
    int before = harness_failures;
    printf("(%s: the failures reported next are expected)\n", name);
    oom_sweep(name, fn, NULL, 0);
    int caught = harness_failures - before;
    harness_failures = before;
    if (caught == 0)
        harness_fail(__FILE__, __LINE__, "%s: the sweep did not notice", name);
}

TEST(sweep_catches_broken_scenarios)
{
    oom_require();
    expect_caught("a scenario leaking on failure", sc_leaky);
    while (nleaked > 0)
        OPENSSL_free(leaked[--nleaked]);
    expect_caught("a scenario with the wrong status", sc_wrong_status);
    expect_caught("a scenario not recording its failure", sc_unrecorded);
}

TEST(live_counts_follow_allocations)
{
    oom_require();
    long blocks = oom_live_blocks();
    long long bytes = oom_live_bytes();
    void *p = OPENSSL_malloc(1000);
    REQUIRE(p != NULL);
    CHECK_INT(oom_live_blocks(), blocks + 1);
    CHECK(oom_live_bytes() >= bytes + 1000);
    CHECK(oom_block_size(p) >= 1000);
    p = OPENSSL_realloc(p, 5000);
    REQUIRE(p != NULL);
    CHECK_INT(oom_live_blocks(), blocks + 1);
    CHECK(oom_live_bytes() >= bytes + 5000);
    OPENSSL_free(p);
    CHECK_INT(oom_live_blocks(), blocks);
    CHECK_INT(oom_live_bytes(), bytes);
    /* the 3rd allocation from now fails, once */
    oom_fail_at(2);
    void *a = OPENSSL_malloc(8), *b = OPENSSL_malloc(8), *c = OPENSSL_malloc(8);
    void *d = OPENSSL_malloc(8);
    oom_disarm();
    CHECK(a && b && !c && d);
    CHECK(oom_fired());
    CHECK_INT(oom_count(), 4);
    OPENSSL_free(a);
    OPENSSL_free(b);
    OPENSSL_free(d);
    /* as OpenSSL's own allocator: a zero-size allocation is NULL */
    CHECK(OPENSSL_malloc(0) == NULL);
}

/* ---- contexts ------------------------------------------------------------ */

static int sc_context_new(void *arg)
{
    static const int protocols[] = {CSSL_PROTOCOL_TLS,     CSSL_PROTOCOL_TLSv1,
                                    CSSL_PROTOCOL_TLSv1_1, CSSL_PROTOCOL_TLSv1_2,
                                    CSSL_PROTOCOL_TLS_CLIENT, CSSL_PROTOCOL_TLS_SERVER};
    for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++) {
        cssl_context *ctx = cssl_context_new(protocols[i]);
        if (ctx == NULL)
            return oom_status();
        int protocol = cssl_context_protocol(ctx);
        uint64_t options = cssl_context_options(ctx);
        cssl_context_free(ctx);
        CHECK_INT(protocol, protocols[i]);
        CHECK_U64(options, 0x82520050);
    }
    return CSSL_OK;
}

TEST(context_new_every_protocol)
{
    oom_sweep("context_new, every protocol", sc_context_new, NULL, 0);
}

static int sc_client_setters(void *arg)
{
    int st = CSSL_OK;
    cssl_context *ctx;
    TRY_PTR(ctx, cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT));
    TRY(cssl_context_set_check_hostname(ctx, false));
    TRY(cssl_context_set_verify_mode(ctx, CSSL_CERT_OPTIONAL));
    TRY(cssl_context_set_check_hostname(ctx, true));
    TRY(cssl_context_set_verify_flags(ctx, CSSL_VERIFY_X509_STRICT | CSSL_VERIFY_CRL_CHECK_LEAF));
    TRY(cssl_context_set_options(ctx, cssl_context_options(ctx) | CSSL_OP_NO_TICKET));
    TRY(cssl_context_set_minimum_version(ctx, CSSL_TLSVERSION_TLSv1_2));
    TRY(cssl_context_set_maximum_version(ctx, CSSL_TLSVERSION_TLSv1_3));
    TRY(cssl_context_set_post_handshake_auth(ctx, true));
    TRY(cssl_context_set_hostname_checks_common_name(ctx, false));
    TRY(cssl_context_set_ciphers(ctx, "ECDHE+AESGCM:!aNULL"));
    TRY(cssl_context_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"));
    TRY(cssl_context_set_groups(ctx, "X25519:P-256"));
    TRY(cssl_context_set_ecdh_curve(ctx, "secp384r1"));
    const char *alpn[] = {"h2", "http/1.1"};
    TRY(cssl_context_set_alpn_protocols(ctx, alpn, 2));
    TRY(cssl_context_set_psk_client_callback(ctx, NULL, NULL));
    cssl_session_stats ss;
    TRY(cssl_context_session_stats(ctx, &ss));
    cssl_cert_store_stats cs;
    TRY(cssl_context_cert_store_stats(ctx, &cs));
    TRY(cssl_context_security_level(ctx));
    oom_disarm();
    CHECK(cssl_context_check_hostname(ctx));
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_OPTIONAL);
    CHECK_INT(cssl_context_verify_flags(ctx) & CSSL_VERIFY_X509_STRICT, CSSL_VERIFY_X509_STRICT);
    CHECK(!cssl_context_hostname_checks_common_name(ctx));
out:
    cssl_context_free(ctx);
    return st;
}

static size_t psk_srv(cssl_conn *conn, const char *identity, uint8_t *psk, size_t psk_size,
                      void *userdata)
{
    memcpy(psk, "0123456789abcdef", 16);
    return 16;
}

static int sni_nop(cssl_conn *conn, const char *server_name, cssl_context *ctx, void *userdata)
{
    return 0;
}

static int sc_server_setters(void *arg)
{
    int st = CSSL_OK;
    cssl_context *ctx;
    TRY_PTR(ctx, cssl_context_new(CSSL_PROTOCOL_TLS_SERVER));
    TRY(cssl_context_set_num_tickets(ctx, 3));
    TRY(cssl_context_set_verify_mode(ctx, CSSL_CERT_REQUIRED));
    TRY(cssl_context_set_options(ctx, cssl_context_options(ctx) & ~CSSL_OP_NO_COMPRESSION));
    TRY(cssl_context_set_sni_callback(ctx, sni_nop, NULL));
    TRY(cssl_context_set_psk_server_callback(ctx, psk_srv, "a hint", NULL));
    TRY(cssl_context_load_dh_params(ctx, fixture("dh.pem")));
    TRY(cssl_context_set_ciphers(ctx, "DHE+AESGCM:ECDHE+AESGCM"));
    oom_disarm();
    CHECK_INT(cssl_context_num_tickets(ctx), 3);
out:
    cssl_context_free(ctx);
    return st;
}

TEST(context_setters)
{
    oom_sweep("client context setters", sc_client_setters, NULL, 0);
    oom_sweep("server context setters", sc_server_setters, NULL, 0);
}

typedef struct pem_pair {
    char *cert, *key, *enc_key;
    size_t cert_len, key_len, enc_key_len;
} pem_pair;

static int sc_load_cert_chain(void *arg)
{
    const pem_pair *pp = arg;
    int st = CSSL_OK;
    cssl_context *ctx;
    TRY_PTR(ctx, cssl_context_new(CSSL_PROTOCOL_TLS_SERVER));
    TRY(cssl_context_load_cert_chain(ctx, fixture("server.pem"), fixture("server.key"), NULL));
    TRY(cssl_context_load_cert_chain_mem(ctx, pp->cert, pp->cert_len, pp->key, pp->key_len,
                                         NULL));
    oom_disarm();
    CHECK(SSL_CTX_get0_certificate(ctx->ssl_ctx) != NULL);
out:
    cssl_context_free(ctx);
    return st;
}

static int sc_load_cert_chain_encrypted_mem(void *arg)
{
    const pem_pair *pp = arg;
    int st = CSSL_OK;
    cssl_context *ctx;
    TRY_PTR(ctx, cssl_context_new(CSSL_PROTOCOL_TLS_SERVER));
    TRY(cssl_context_load_cert_chain_mem(ctx, pp->cert, pp->cert_len, pp->enc_key,
                                         pp->enc_key_len, "somepass"));
out:
    cssl_context_free(ctx);
    return st;
}

TEST(load_cert_chain_file_and_memory)
{
    pem_pair pp;
    pp.cert = read_file(fixture("ecdsa.pem"), &pp.cert_len);
    pp.key = read_file(fixture("ecdsa.key"), &pp.key_len);
    REQUIRE(pp.cert && pp.key);
    /* OpenSSL loses the cause of some failures while decoding the key and
     * checking it against the certificate: "[SSL] PEM lib", "[X509:
     * UNABLE_TO_GET_CERTS_PUBLIC_KEY]", "[SSL: EE_KEY_TOO_SMALL]" (the key
     * size of a key it failed to decode). */
    oom_sweep("load_cert_chain file + memory", sc_load_cert_chain, &pp, OOM_ALLOW(CSSL_ESSL));
    free(pp.cert);
    pp.cert = read_file(fixture("server_chain.pem"), &pp.cert_len);
    pp.enc_key = read_file(fixture("server_enc.key"), &pp.enc_key_len);
    REQUIRE(pp.cert && pp.enc_key);
    oom_sweep("load_cert_chain_mem, encrypted key", sc_load_cert_chain_encrypted_mem, &pp,
              OOM_ALLOW(CSSL_ESSL));
    free(pp.cert);
    free(pp.key);
    free(pp.enc_key);
}

/* ---- default contexts -------------------------------------------------- */

/*
 * OpenSSL 3.0.19 bug: when OSSL_STORE_open_ex() has opened the loader and
 * then fails to allocate its OSSL_STORE_CTX (store_lib.c:171), its error
 * path frees the fetched loader twice (once in ossl_store_close_it(), once
 * more itself). The loader is cached in OpenSSL's method store, which
 * then holds a freed pointer: a later fetch or OPENSSL_cleanup() crashes
 * ("double free or corruption"). The X509_LOOKUP_store() of the default
 * verify paths (X509_STORE_set_default_paths, and cssl's default store)
 * opens SSL_CERT_DIR through it, so that one allocation is not failed.
 */
static void skip_openssl_store_double_free(void)
{
    oom_skip_site("crypto/store/store_lib.c", 171);
}

/*
 * OpenSSL 3.0.19 bug: BN_BLINDING_update() squares the RSA blinding
 * factor's inverse (Ai) and then the factor (A) in place; when the second
 * multiplication fails to allocate, Ai is updated and A is not. The key's
 * blinding is then inconsistent and every private-key operation with it
 * gives a wrong result (the peer: "[SSL: BAD_SIGNATURE]") until the 32nd
 * use recreates the factors. A handshake with an RSA key may run into it,
 * so allocations under BN_BLINDING_update are not failed.
 */
static void skip_openssl_blinding_bug(void)
{
    oom_skip_caller("BN_BLINDING_update");
}

/* SSL_CERT_FILE: a small bundle (two CAs), so that sweeps stay fast. */
static void small_system_store(void)
{
    skip_openssl_store_double_free();
    static char path[1024];
    snprintf(path, sizeof path, "%s/bundle.pem", test_tmpdir());
    size_t a_len, b_len;
    char *a = read_file(fixture("ca.pem"), &a_len), *b = read_file(fixture("ca2.pem"), &b_len);
    REQUIRE(a && b);
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(a, 1, a_len, f) == a_len && fwrite(b, 1, b_len, f) == b_len);
    REQUIRE(fclose(f) == 0);
    free(a);
    free(b);
    REQUIRE(setenv("SSL_CERT_FILE", path, 1) == 0);
    REQUIRE(setenv("SSL_CERT_DIR", test_tmpdir(), 1) == 0);
    unsetenv("SSLKEYLOGFILE");
}

static int sc_default_contexts(void *cadata)
{
    int st = CSSL_OK;
    cssl_context *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    TRY_PTR(a, cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL, NULL, 0, 0));
    TRY_PTR(b, cssl_create_default_context(CSSL_PURPOSE_CLIENT_AUTH, NULL, NULL, NULL, 0, 0));
    TRY_PTR(c, cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, fixture("ca.pem"), NULL,
                                           cadata, strlen(cadata), CSSL_ENCODING_PEM));
    TRY_PTR(d, cssl_create_unverified_context(CSSL_PURPOSE_SERVER_AUTH));
    TRY(cssl_context_load_default_certs(d, CSSL_PURPOSE_SERVER_AUTH));
    oom_disarm();
    cssl_cert_store_stats s;
    CHECK_OK(cssl_context_cert_store_stats(a, &s));
    CHECK_INT(s.x509, 2); /* the bundle */
    CHECK_OK(cssl_context_cert_store_stats(c, &s));
    CHECK_INT(s.x509, 2); /* ca.pem from the file, ca2.pem from cadata */
    CHECK_OK(cssl_context_cert_store_stats(d, &s));
    CHECK_INT(s.x509, 2);
out:
    cssl_context_free(a);
    cssl_context_free(b);
    cssl_context_free(c);
    cssl_context_free(d);
    return st;
}

static int sc_default_context_keylog(void *arg)
{
    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL, NULL,
                                                    0, 0);
    if (ctx == NULL)
        return oom_status();
    oom_disarm();
    CHECK_STR(cssl_context_keylog_filename(ctx), getenv("SSLKEYLOGFILE"));
    cssl_context_free(ctx);
    return CSSL_OK;
}

TEST(default_context_with_sslkeylogfile)
{
    small_system_store();
    char path[1024];
    snprintf(path, sizeof path, "%s/sslkeylog.txt", test_tmpdir());
    REQUIRE(setenv("SSLKEYLOGFILE", path, 1) == 0);
    oom_sweep("default context, SSLKEYLOGFILE", sc_default_context_keylog, NULL, 0);
    unsetenv("SSLKEYLOGFILE");
}

TEST(default_contexts)
{
    small_system_store();
    char *cadata = read_file(fixture("ca2.pem"), NULL);
    REQUIRE(cadata != NULL);
    oom_sweep("default contexts", sc_default_contexts, cadata, 0);
    free(cadata);
}

/* PEM trust anchors, cadata holding two certificates or a cafile, into
 * one context (certificates already there are skipped, so every run ends
 * with the same store). OpenSSL's PEM reader fails without a word when
 * some of its allocations fail, in the middle of a file too: that is
 * CSSL_ENOMEM or absorbed, never "no start line" or "PEM lib". Small
 * enough to be swept whole in make check. */
typedef struct trust_case {
    cssl_context *ctx;
    const char *cafile;
    char *cadata;
    int count;
} trust_case;

static int sc_verify_locations(void *arg)
{
    trust_case *tc = arg;
    int st = cssl_context_load_verify_locations(tc->ctx, tc->cafile, NULL, tc->cadata,
                                                tc->cadata ? strlen(tc->cadata) : 0,
                                                CSSL_ENCODING_PEM);
    if (st != CSSL_OK)
        return oom_status();
    oom_disarm();
    cssl_cert_store_stats s;
    CHECK_OK(cssl_context_cert_store_stats(tc->ctx, &s));
    CHECK_INT(s.x509, tc->count);
    return CSSL_OK;
}

static void sweep_verify_locations(const char *name, trust_case *tc)
{
    tc->ctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    REQUIRE(tc->ctx != NULL);
    oom_stats st = oom_sweep(name, sc_verify_locations, tc, 0);
    CHECK(st.allocations <= 4000); /* swept whole in make check */
    cssl_context_free(tc->ctx);
}

TEST(load_verify_locations_cadata_pem)
{
    size_t a_len, b_len;
    char *a = read_file(fixture("ca2.pem"), &a_len), *b = read_file(fixture("server.pem"), &b_len);
    trust_case tc = {.cadata = malloc(a_len + b_len + 1), .count = 2};
    REQUIRE(a && b && tc.cadata);
    memcpy(tc.cadata, a, a_len);
    memcpy(tc.cadata + a_len, b, b_len);
    tc.cadata[a_len + b_len] = '\0';
    sweep_verify_locations("load_verify_locations, PEM cadata", &tc);
    free(tc.cadata);
    free(a);
    free(b);
}

TEST(load_verify_locations_cafile)
{
    trust_case tc = {.cafile = fixture("ca.pem"), .count = 1};
    sweep_verify_locations("load_verify_locations, cafile", &tc);
}

/* Give the bundle a new modification time (outside the injection). */
static void touch_bundle(void)
{
    static long tick;
    tick++;
    struct timespec times[2] = {{.tv_sec = 1000000000 + tick}, {.tv_sec = 1000000000 + tick}};
    oom_suspend();
    int r = utimensat(AT_FDCWD, getenv("SSL_CERT_FILE"), times, 0);
    oom_resume();
    CHECK_INT(r, 0);
}

/* The store parsed without failures: the process-wide cache in a state
 * that is the same before and after every run. */
static void settle_cache(void)
{
    oom_disarm();
    touch_bundle();
    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL, NULL,
                                                    0, 0);
    CHECK(ctx != NULL);
    cssl_context_free(ctx);
}

/* The bundle changed: the next default context parses it again, under
 * allocation failure too; a failed parse keeps nothing half-made, and
 * never an empty trust store. */
static int sc_default_store_reread(void *arg)
{
    touch_bundle();
    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL, NULL,
                                                    0, 0);
    int st = ctx == NULL ? oom_status() : CSSL_OK;
    oom_disarm();
    if (ctx != NULL) {
        cssl_cert_store_stats s;
        CHECK_OK(cssl_context_cert_store_stats(ctx, &s));
        CHECK_INT(s.x509, 2);
        cssl_context_free(ctx);
    }
    settle_cache();
    return st;
}

TEST(default_store_reread)
{
    small_system_store();
    oom_sweep("default store re-read", sc_default_store_reread, NULL, 0);
}

static int sc_set_default_verify_paths(void *arg)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    if (ctx == NULL)
        return oom_status();
    int st = cssl_context_set_default_verify_paths(ctx);
    cssl_context_free(ctx);
    return st;
}

TEST(set_default_verify_paths)
{
    small_system_store();
    oom_sweep("set_default_verify_paths", sc_set_default_verify_paths, NULL, 0);
}

/* ---- key logging, memory BIOs, helpers ----------------------------------- */

static int sc_keylog(void *path)
{
    int st = CSSL_OK;
    cssl_context *ctx;
    TRY_PTR(ctx, cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT));
    TRY(cssl_context_set_keylog_filename(ctx, path));
    oom_disarm();
    CHECK_STR(cssl_context_keylog_filename(ctx), path);
    TRY(cssl_context_set_keylog_filename(ctx, NULL));
out:
    cssl_context_free(ctx);
    return st;
}

TEST(keylog_on_off)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/keylog.txt", test_tmpdir());
    oom_sweep("keylog on/off", sc_keylog, path, 0);
}

static int sc_memory_bio(void *arg)
{
    int st = CSSL_OK;
    cssl_memory_bio *bio;
    TRY_PTR(bio, cssl_memory_bio_new());
    char big[40000];
    memset(big, 'x', sizeof big);
    TRY(cssl_memory_bio_write(bio, big, sizeof big));
    TRY(cssl_memory_bio_write(bio, "tail", 4));
    char got[50000];
    ssize_t n = cssl_memory_bio_read(bio, got, sizeof got);
    TRY(n);
    CHECK_INT(n, sizeof big + 4);
    CHECK(memcmp(got + sizeof big, "tail", 4) == 0);
    TRY(cssl_memory_bio_write_eof(bio));
    CHECK(cssl_memory_bio_eof(bio));
out:
    cssl_memory_bio_free(bio);
    return st;
}

TEST(memory_bio)
{
    oom_sweep("memory BIO", sc_memory_bio, NULL, 0);
}

static int sc_helpers(void *arg)
{
    int st = CSSL_OK;
    int64_t secs = 0;
    TRY(cssl_cert_time_to_seconds("May  9 00:00:00 2007 GMT", &secs));
    CHECK_INT(secs, 1178668800);
    cssl_verify_paths vp;
    TRY(cssl_get_default_verify_paths(&vp));
    uint8_t rnd[64];
    TRY(cssl_rand_bytes(rnd, sizeof rnd));
    TRY(cssl_rand_add(rnd, sizeof rnd, 1.0));
    char buf[256];
    cssl_options_to_string(0x82520050, buf, sizeof buf);
    cssl_verify_flags_to_string(0x8020, buf, sizeof buf);
out:
    return st;
}

TEST(helpers)
{
    /* The random generator's failures are OpenSSL's errors (CSSL_ESSL, as
     * Python's RAND_bytes reports them). */
    oom_sweep("helpers", sc_helpers, NULL, OOM_ALLOW(CSSL_ESSL) | OOM_ENOMEM_OPTIONAL);
}

/* ---- connections over memory BIOs ---------------------------------------- */

/* Both ends over memory BIOs (tls_util's pair, opened here so that
 * every call's failure ends the scenario instead of the test). */
static int pair_open(tls_pair *p, cssl_context *cctx, cssl_context *sctx, const char *host,
                     const cssl_session *sess)
{
    memset(p, 0, sizeof *p);
    cssl_memory_bio **bios[] = {&p->c_in, &p->c_out, &p->s_in, &p->s_out};
    for (int i = 0; i < 4; i++) {
        *bios[i] = cssl_memory_bio_new();
        if (*bios[i] == NULL)
            return oom_status();
    }
    p->client = cssl_context_wrap_bio(cctx, p->c_in, p->c_out, 0, host, sess);
    if (p->client == NULL)
        return oom_status();
    p->server = cssl_context_wrap_bio(sctx, p->s_in, p->s_out, CSSL_SERVER_SIDE, NULL, NULL);
    if (p->server == NULL)
        return oom_status();
    return CSSL_OK;
}

static int move(cssl_memory_bio *from, cssl_memory_bio *to)
{
    char buf[16384];
    for (;;) {
        ssize_t n = cssl_memory_bio_read(from, buf, sizeof buf);
        if (n <= 0)
            return (int)n;
        ssize_t w = cssl_memory_bio_write(to, buf, (size_t)n);
        if (w < 0)
            return (int)w;
    }
}

static int pump(tls_pair *p)
{
    int r = move(p->c_out, p->s_in);
    return r < 0 ? r : move(p->s_out, p->c_in);
}

/* Drive both handshakes; the first failure of either side is the result. */
static int handshake(tls_pair *p)
{
    int rc = CSSL_EWANT_READ, rs = CSSL_EWANT_READ;
    for (int round = 0; round < 16 && (rc != CSSL_OK || rs != CSSL_OK); round++) {
        if (rc != CSSL_OK) {
            rc = cssl_conn_do_handshake(p->client);
            if (rc < 0 && rc != CSSL_EWANT_READ)
                return rc;
        }
        int r = pump(p);
        if (r < 0)
            return r;
        if (rs != CSSL_OK) {
            rs = cssl_conn_do_handshake(p->server);
            if (rs < 0 && rs != CSSL_EWANT_READ)
                return rs;
        }
        r = pump(p);
        if (r < 0)
            return r;
    }
    if (rc != CSSL_OK || rs != CSSL_OK) {
        /* a side waiting for ever is a hang in a real program */
        harness_fail(__FILE__, __LINE__, "handshake stuck: client %d, server %d", rc, rs);
        return cssl__raise(CSSL_ESSL, "handshake stuck");
    }
    return CSSL_OK;
}

/* Send len bytes one way and check they arrive intact. */
static int transfer(tls_pair *p, bool from_client, const char *data, size_t len)
{
    cssl_conn *w = from_client ? p->client : p->server, *r = from_client ? p->server : p->client;
    ssize_t n = cssl_conn_write(w, data, len);
    if (n < 0)
        return (int)n;
    CHECK_INT(n, len);
    char buf[4096];
    size_t got = 0;
    for (int tries = 0; got < len && tries < 16; tries++) {
        int rp = pump(p);
        if (rp < 0)
            return rp;
        ssize_t k = cssl_conn_read(r, buf, sizeof buf);
        if (k == CSSL_EWANT_READ)
            continue;
        if (k < 0)
            return (int)k;
        if (k == 0)
            break;
        if (got + (size_t)k > len || memcmp(buf, data + got, (size_t)k) != 0)
            harness_fail(__FILE__, __LINE__, "received bytes differ from those sent");
        got += (size_t)k;
    }
    if (got != len) {
        harness_fail(__FILE__, __LINE__, "received %zu of %zu bytes", got, len);
        return cssl__raise(CSSL_ESSL, "transfer incomplete");
    }
    return CSSL_OK;
}

static const char MESSAGE[] = "allocation failures must not corrupt a single byte";

typedef struct conn_case {
    const char *name;
    cssl_context *cctx, *sctx;
    bool client_cert;
    const char *alpn; /* the protocol the handshake selects, if any */
} conn_case;

/* Everything a program asks a connection after the handshake. */
static int inspect(tls_pair *p, const conn_case *cc)
{
    int st = CSSL_OK;
    const cssl_cert_info *info = NULL;
    TRY(cssl_conn_getpeercert(p->client, &info));
    CHECK(info != NULL && info->subject.count == 3);
    uint8_t *der = NULL;
    size_t len = 0;
    TRY(cssl_conn_getpeercert_der(p->client, &der, &len));
    cssl_free(der);
    if (cc->client_cert) {
        TRY(cssl_conn_getpeercert(p->server, &info));
        CHECK(info != NULL && info->subject.count == 3);
    }
    cssl_cert **chain;
    TRY_PTR(chain, cssl_conn_get_verified_chain(p->client));
    CHECK(chain[0] != NULL);
    cssl_cert_list_free(chain);
    TRY_PTR(chain, cssl_conn_get_unverified_chain(p->client));
    cssl_cert_list_free(chain);
    TRY_PTR(chain, cssl_conn_get_unverified_chain(p->server));
    cssl_cert_list_free(chain);
    cssl_cipher_desc *ciphers = NULL;
    size_t n = 0;
    TRY(cssl_conn_shared_ciphers(p->server, &ciphers, &n));
    CHECK(n > 0);
    cssl_free(ciphers);
    uint8_t cb[128];
    TRY(cssl_conn_get_channel_binding(p->client, "tls-unique", cb, sizeof cb));
    /* NULL with CSSL_ENOMEM when its copy cannot be made */
    cssl_error_clear();
    const char *alpn = cssl_conn_selected_alpn_protocol(p->client);
    if (alpn == NULL && cssl_error_status() == CSSL_ENOMEM) {
        st = CSSL_ENOMEM;
        goto out;
    }
    /* (the server's choice may be lost to an absorbed failure) */
    if (cc->alpn != NULL && !oom_fired())
        CHECK_STR(alpn, cc->alpn);
    CHECK(cssl_conn_cipher(p->client, NULL, NULL) != NULL);
    CHECK(cssl_conn_version(p->client) != NULL);
    CHECK(cssl_conn_pending(p->client) == 0);
out:
    return st;
}

/* The closing handshake from the client: unwrap on both sides. */
static int unwrap_both(tls_pair *p)
{
    int rc = cssl_conn_unwrap(p->client);
    if (rc != CSSL_EWANT_READ && rc < 0)
        return rc;
    int r = pump(p);
    if (r < 0)
        return r;
    char buf[8];
    ssize_t k = cssl_conn_read(p->server, buf, sizeof buf);
    if (k < 0)
        return (int)k;
    CHECK_INT(k, 0);
    r = cssl_conn_unwrap(p->server);
    if (r < 0)
        return r;
    r = pump(p);
    if (r < 0)
        return r;
    return cssl_conn_unwrap(p->client);
}


/* Handshake, data both ways, inspection, session, unwrap. */
static int sc_connection(void *arg)
{
    conn_case *cc = arg;
    tls_pair p;
    int st = pair_open(&p, cc->cctx, cc->sctx, "localhost", NULL);
    if (st < 0)
        goto out;
    TRY(handshake(&p));
    TRY(transfer(&p, true, MESSAGE, sizeof MESSAGE));
    TRY(transfer(&p, false, MESSAGE, sizeof MESSAGE));
    TRY(inspect(&p, cc));
    cssl_session *s;
    TRY_PTR(s, cssl_conn_get_session(p.client));
    cssl_session_free(s);
    TRY(unwrap_both(&p));
out:
    pair_free(&p);
    return st;
}

static cssl_context *client_ctx_max(int max_version)
{
    cssl_context *ctx = client_context();
    if (max_version)
        REQUIRE(cssl_context_set_maximum_version(ctx, max_version) == CSSL_OK);
    return ctx;
}

/* A server whose session cache stays empty: a cache that grows by one
 * session per run would read as a leak. */
static cssl_context *server_ctx(const char *name)
{
    cssl_context *ctx = server_context(name);
    SSL_CTX_set_session_cache_mode(ctx->ssl_ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

/* Sweeps a connection scenario, checks that the contexts still work
 * afterwards, and frees them. */
static void sweep_conn_case(conn_case *cc, oom_scenario scenario)
{
    skip_openssl_blinding_bug();
    oom_sweep(cc->name, scenario, cc, HANDSHAKE_LOSSES);
    CHECK_INT(scenario(cc), CSSL_OK);
    cssl_context_free(cc->cctx);
    cssl_context_free(cc->sctx);
}

/* With ALPN on both sides and the client logging its keys. */
TEST(connection_tls13_ecdsa)
{
    conn_case cc = {.name = "TLS 1.3 ECDSA connection, ALPN, key log",
                    .cctx = client_ctx_max(0), .sctx = server_ctx("ecdsa"), .alpn = "http/1.1"};
    const char *client_alpn[] = {"h2", "http/1.1"}, *server_alpn[] = {"http/1.1"};
    REQUIRE(cssl_context_set_alpn_protocols(cc.cctx, client_alpn, 2) == CSSL_OK);
    REQUIRE(cssl_context_set_alpn_protocols(cc.sctx, server_alpn, 1) == CSSL_OK);
    char path[1024];
    snprintf(path, sizeof path, "%s/keylog.txt", test_tmpdir());
    REQUIRE(cssl_context_set_keylog_filename(cc.cctx, path) == CSSL_OK);
    sweep_conn_case(&cc, sc_connection);
}

TEST(connection_tls12_rsa)
{
    conn_case cc = {.name = "TLS 1.2 RSA connection",
                    .cctx = client_ctx_max(CSSL_TLSVERSION_TLSv1_2), .sctx = server_ctx("server")};
    sweep_conn_case(&cc, sc_connection);
}

/* Client certificates: the server requires one and verifies it. */
static void with_client_cert(conn_case *cc)
{
    REQUIRE(cssl_context_load_cert_chain(cc->cctx, fixture("client.pem"), fixture("client.key"),
                                         NULL) == CSSL_OK);
    REQUIRE(cssl_context_set_verify_mode(cc->sctx, CSSL_CERT_REQUIRED) == CSSL_OK);
    REQUIRE(cssl_context_load_verify_locations(cc->sctx, fixture("ca.pem"), NULL, NULL, 0, 0) ==
            CSSL_OK);
    cc->client_cert = true;
}

TEST(connection_tls13_client_cert)
{
    conn_case cc = {.name = "TLS 1.3 connection, client certificate",
                    .cctx = client_ctx_max(0), .sctx = server_ctx("ecdsa")};
    with_client_cert(&cc);
    sweep_conn_case(&cc, sc_connection);
}

TEST(connection_tls12_client_cert)
{
    conn_case cc = {.name = "TLS 1.2 connection, client certificate",
                    .cctx = client_ctx_max(CSSL_TLSVERSION_TLSv1_2), .sctx = server_ctx("ecdsa")};
    with_client_cert(&cc);
    sweep_conn_case(&cc, sc_connection);
}

/* ---- sessions ------------------------------------------------------------ */

typedef struct resume_case {
    cssl_context *cctx, *sctx;
    cssl_session *session; /* from a first connection */
    uint8_t *der;
    size_t der_len;
} resume_case;

/* A session from a full handshake (a TLS 1.3 ticket arrives with the
 * first read). */
static cssl_session *first_session(cssl_context *cctx, cssl_context *sctx)
{
    tls_pair p;
    REQUIRE(pair_open(&p, cctx, sctx, "localhost", NULL) == CSSL_OK);
    REQUIRE(handshake(&p) == CSSL_OK);
    REQUIRE(transfer(&p, false, MESSAGE, sizeof MESSAGE) == CSSL_OK);
    cssl_session *s = cssl_conn_get_session(p.client);
    REQUIRE(s != NULL && cssl_session_has_ticket(s));
    pair_free(&p);
    return s;
}

/* Resume: DER round trip of the session, offered at wrap and by
 * set_session, handshake, the session was reused. */
static int sc_resume(void *arg)
{
    resume_case *rc = arg;
    int st = CSSL_OK;
    tls_pair p = {0}, q = {0};
    uint8_t *der = NULL;
    size_t len = 0;
    cssl_session *back = NULL, *now = NULL;
    TRY_PTR(der, cssl_session_to_der(rc->session, &len));
    CHECK(len == rc->der_len && memcmp(der, rc->der, len) == 0);
    TRY_PTR(back, cssl_session_from_der(rc->cctx, der, len));
    TRY(pair_open(&p, rc->cctx, rc->sctx, "localhost", back));
    TRY(handshake(&p));
    /* An absorbed failure may cost the resumption (a server that could not
     * decrypt the ticket falls back to a full handshake): not an error. */
    CHECK(cssl_conn_session_reused(p.client) || oom_fired());
    TRY(transfer(&p, true, MESSAGE, sizeof MESSAGE));
    TRY(transfer(&p, false, MESSAGE, sizeof MESSAGE)); /* takes in the new ticket */
    TRY_PTR(now, cssl_conn_get_session(p.client));
    /* set_session on a fresh connection */
    TRY(pair_open(&q, rc->cctx, rc->sctx, "localhost", NULL));
    TRY(cssl_conn_set_session(q.client, now));
    TRY(handshake(&q));
    CHECK(cssl_conn_session_reused(q.client) || oom_fired());
out:
    cssl_free(der);
    cssl_session_free(back);
    cssl_session_free(now);
    pair_free(&p);
    pair_free(&q);
    return st;
}

static void sweep_resumption(const char *name, int max_version)
{
    resume_case rc = {.cctx = client_ctx_max(max_version), .sctx = server_context("ecdsa")};
    rc.session = first_session(rc.cctx, rc.sctx);
    rc.der = cssl_session_to_der(rc.session, &rc.der_len);
    REQUIRE(rc.der != NULL);
    skip_openssl_blinding_bug();
    oom_sweep(name, sc_resume, &rc, HANDSHAKE_LOSSES);
    cssl_free(rc.der);
    cssl_session_free(rc.session);
    cssl_context_free(rc.cctx);
    cssl_context_free(rc.sctx);
}

TEST(resumption_tls13)
{
    sweep_resumption("TLS 1.3 resumption (tickets)", 0);
}

TEST(resumption_tls12)
{
    sweep_resumption("TLS 1.2 resumption (tickets)", CSSL_TLSVERSION_TLSv1_2);
}

/* ---- close_notify, callbacks, post-handshake auth -------------------------- */

static int sc_close_notify(void *arg)
{
    conn_case *cc = arg;
    tls_pair p;
    char buf[64];
    int st = pair_open(&p, cc->cctx, cc->sctx, "localhost", NULL);
    if (st < 0)
        goto out;
    TRY(handshake(&p));
    /* client: request, half-close; server: read it, answer, close */
    TRY(transfer(&p, true, MESSAGE, sizeof MESSAGE));
    TRY(cssl_conn_close_notify(p.client));
    TRY(pump(&p));
    ssize_t k = cssl_conn_read(p.server, buf, sizeof buf);
    TRY(k);
    CHECK_INT(k, 0);
    TRY(cssl_conn_write(p.server, "bye", 3));
    TRY(cssl_conn_close_notify(p.server));
    TRY(pump(&p));
    k = cssl_conn_read(p.client, buf, sizeof buf);
    TRY(k);
    CHECK_INT(k, 3);
    k = cssl_conn_read(p.client, buf, sizeof buf);
    TRY(k);
    CHECK_INT(k, 0);
out:
    pair_free(&p);
    return st;
}

TEST(close_notify)
{
    conn_case cc = {.name = "close_notify both ways",
                    .cctx = client_ctx_max(0), .sctx = server_ctx("ecdsa")};
    sweep_conn_case(&cc, sc_close_notify);
}

/* The SNI callback switches to another context (another certificate). */
static int sni_switch(cssl_conn *conn, const char *server_name, cssl_context *ctx, void *other)
{
    if (server_name != NULL && strcmp(server_name, "fakehostname") == 0)
        return cssl_conn_set_context(conn, other) == CSSL_OK
                   ? 0
                   : CSSL_ALERT_DESCRIPTION_INTERNAL_ERROR;
    return 0;
}

static int sc_sni(void *arg)
{
    conn_case *cc = arg;
    tls_pair p;
    int st = pair_open(&p, cc->cctx, cc->sctx, "fakehostname", NULL);
    if (st < 0)
        goto out;
    TRY(handshake(&p));
    const cssl_cert_info *info = NULL;
    TRY(cssl_conn_getpeercert(p.client, &info));
    CHECK_STR(info->subject.rdns[2].entries[0].value, "fakehostname");
    CHECK(cssl_conn_context(p.server) != cc->sctx);
    TRY(transfer(&p, true, MESSAGE, sizeof MESSAGE));
out:
    pair_free(&p);
    return st;
}

TEST(sni_callback)
{
    cssl_context *other = server_ctx("sni_other");
    conn_case cc = {.name = "SNI callback switching context",
                    .cctx = client_ctx_max(0), .sctx = server_ctx("ecdsa")};
    REQUIRE(cssl_context_set_sni_callback(cc.sctx, sni_switch, other) == CSSL_OK);
    /* The callback's own failure (set_context) becomes an internal_error
     * alert: CSSL_ESSL on both sides. */
    sweep_conn_case(&cc, sc_sni);
    cssl_context_free(other);
}

static size_t psk_client(cssl_conn *conn, const char *hint, char *identity,
                         size_t identity_size, uint8_t *psk, size_t psk_size, void *userdata)
{
    snprintf(identity, identity_size, "client-identity");
    memcpy(psk, "0123456789abcdef", 16);
    return 16;
}

static int sc_psk(void *arg)
{
    conn_case *cc = arg;
    tls_pair p;
    int st = pair_open(&p, cc->cctx, cc->sctx, NULL, NULL);
    if (st < 0)
        goto out;
    TRY(handshake(&p));
    TRY(transfer(&p, true, MESSAGE, sizeof MESSAGE));
    TRY(transfer(&p, false, MESSAGE, sizeof MESSAGE));
out:
    pair_free(&p);
    return st;
}

static void sweep_psk(const char *name, bool tls13)
{
    conn_case cc = {.name = name, .cctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT),
                    .sctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER)};
    REQUIRE(cc.cctx && cc.sctx);
    SSL_CTX_set_session_cache_mode(cc.sctx->ssl_ctx, SSL_SESS_CACHE_OFF);
    CHECK_OK(cssl_context_set_check_hostname(cc.cctx, false));
    CHECK_OK(cssl_context_set_verify_mode(cc.cctx, CSSL_CERT_NONE));
    for (int i = 0; i < 2; i++) {
        cssl_context *x = i ? cc.sctx : cc.cctx;
        if (tls13)
            CHECK_OK(cssl_context_set_minimum_version(x, CSSL_TLSVERSION_TLSv1_3));
        else
            CHECK_OK(cssl_context_set_maximum_version(x, CSSL_TLSVERSION_TLSv1_2));
        CHECK_OK(cssl_context_set_ciphers(x, "PSK"));
    }
    CHECK_OK(cssl_context_set_psk_client_callback(cc.cctx, psk_client, NULL));
    CHECK_OK(cssl_context_set_psk_server_callback(cc.sctx, psk_srv, "hint", NULL));
    sweep_conn_case(&cc, sc_psk);
}

TEST(psk_tls13)
{
    sweep_psk("TLS 1.3 PSK", true);
}

TEST(psk_tls12)
{
    sweep_psk("TLS 1.2 PSK (identity hint)", false);
}

static int sc_post_handshake_auth(void *arg)
{
    conn_case *cc = arg;
    tls_pair p;
    int st = pair_open(&p, cc->cctx, cc->sctx, "localhost", NULL);
    if (st < 0)
        goto out;
    TRY(handshake(&p));
    TRY(transfer(&p, false, MESSAGE, sizeof MESSAGE)); /* tickets taken in */
    TRY(cssl_conn_verify_client_post_handshake(p.server));
    /* The request goes out with the server's next write; the client
     * answers it on its next read, the server takes the answer on its. */
    TRY(transfer(&p, false, MESSAGE, sizeof MESSAGE));
    TRY(transfer(&p, true, MESSAGE, sizeof MESSAGE));
    const cssl_cert_info *info = NULL;
    TRY(cssl_conn_getpeercert(p.server, &info));
    CHECK(info != NULL);
out:
    pair_free(&p);
    return st;
}

TEST(post_handshake_auth)
{
    conn_case cc = {.name = "post-handshake authentication",
                    .cctx = client_ctx_max(0), .sctx = server_ctx("ecdsa")};
    REQUIRE(cssl_context_load_cert_chain(cc.cctx, fixture("client.pem"), fixture("client.key"),
                                         NULL) == CSSL_OK);
    REQUIRE(cssl_context_set_post_handshake_auth(cc.cctx, true) == CSSL_OK);
    REQUIRE(cssl_context_set_post_handshake_auth(cc.sctx, true) == CSSL_OK);
    REQUIRE(cssl_context_set_verify_mode(cc.sctx, CSSL_CERT_OPTIONAL) == CSSL_OK);
    REQUIRE(cssl_context_load_verify_locations(cc.sctx, fixture("ca.pem"), NULL, NULL, 0, 0) ==
            CSSL_OK);
    sweep_conn_case(&cc, sc_post_handshake_auth);
}

/* ---- connections over sockets -------------------------------------------- */

/* Both ends non-blocking in one thread over a socketpair. */
static int sc_socket(void *arg)
{
    conn_case *cc = arg;
    int st = CSSL_OK, fds[2] = {-1, -1};
    cssl_conn *c = NULL, *s = NULL;
    oom_suspend();
    int sp = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds);
    oom_resume();
    REQUIRE(sp == 0);
    TRY_PTR(c, cssl_context_wrap_socket(cc->cctx, fds[0], CSSL_CLOSE_FD, "localhost", NULL));
    fds[0] = -1;
    TRY_PTR(s, cssl_context_wrap_socket(cc->sctx, fds[1], CSSL_SERVER_SIDE | CSSL_CLOSE_FD,
                                        NULL, NULL));
    fds[1] = -1;
    int rc = CSSL_EWANT_READ, rs = CSSL_EWANT_READ;
    for (int round = 0; round < 16 && (rc != CSSL_OK || rs != CSSL_OK); round++) {
        if (rc != CSSL_OK) {
            rc = cssl_conn_do_handshake(c);
            if (rc != CSSL_EWANT_READ && rc != CSSL_EWANT_WRITE)
                TRY(rc);
        }
        if (rs != CSSL_OK) {
            rs = cssl_conn_do_handshake(s);
            if (rs != CSSL_EWANT_READ && rs != CSSL_EWANT_WRITE)
                TRY(rs);
        }
    }
    if (rc != CSSL_OK || rs != CSSL_OK) {
        harness_fail(__FILE__, __LINE__, "socket handshake stuck: %d %d", rc, rs);
        TRY(cssl__raise(CSSL_ESSL, "stuck"));
    }
    TRY(cssl_conn_sendall(c, MESSAGE, sizeof MESSAGE, NULL));
    char buf[sizeof MESSAGE];
    size_t got = 0;
    for (int tries = 0; got < sizeof MESSAGE && tries < 8; tries++) {
        ssize_t k = cssl_conn_read(s, buf + got, sizeof buf - got);
        if (k == CSSL_EWANT_READ)
            continue;
        TRY(k);
        got += (size_t)k;
    }
    CHECK(got == sizeof MESSAGE && memcmp(buf, MESSAGE, got) == 0);
out:
    cssl_conn_free(c);
    cssl_conn_free(s);
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return st;
}

TEST(socket_connection)
{
    conn_case cc = {.name = "connection over a socketpair",
                    .cctx = client_ctx_max(0), .sctx = server_ctx("ecdsa")};
    sweep_conn_case(&cc, sc_socket);
}

/* The process's first socket connection sets up the socket BIO's method
 * once: a failed allocation there must not break every later wrap. */
TEST(first_socket_wrap_failure_is_transient)
{
    oom_require();
    cssl_context *ctx = client_ctx_max(0);
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    cssl_error_clear();
    oom_fail_site("bio_meth.c"); /* BIO_meth_new */
    cssl_conn *c = cssl_context_wrap_socket(ctx, fds[0], 0, "localhost", NULL);
    oom_disarm();
    CHECK(oom_fired());
    CHECK(c == NULL);
    CHECK_INT(cssl_error_status(), CSSL_ENOMEM);
    CHECK(ERR_peek_error() == 0);
    cssl_conn_free(c);
    /* the next attempt, with memory, works */
    c = cssl_context_wrap_socket(ctx, fds[0], 0, "localhost", NULL);
    if (c == NULL)
        harness_fail(__FILE__, __LINE__, "the wrap keeps failing: %s", cssl_error_message());
    cssl_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    cssl_context_free(ctx);
}
