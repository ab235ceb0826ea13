/*
 * fuzz_tls.c - deterministic randomness, a minted PKI, the shared contexts
 * and the scripted connection ends of the client and server targets, and
 * the recorder of their seed corpus (see fuzz_tls.h).
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* RAND_set_rand_method */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "fuzz.h"
#include "fuzz_tls.h"
#include "internal.h"

fuzz_outcome fuzz_tls_last;

/* ---- random numbers --------------------------------------------------------- */

static const uint64_t rng_seed[FUZZ_RNG_STREAMS] = {0x6373736c2d707169, 0x636c69656e74,
                                                    0x736572766572};
static uint64_t rng_state[FUZZ_RNG_STREAMS];
static int rng_current;

/* splitmix64: any fixed sequence will do, it only has to repeat. */
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state[rng_current] += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
}

static int rng_bytes(unsigned char *buf, int num)
{
    for (int i = 0; i < num; i++)
        buf[i] = (unsigned char)(rng_next() >> 56);
    return 1;
}

static int rng_seed_in(const void *buf, int num)
{
    return 1;
}

static int rng_add(const void *buf, int num, double entropy)
{
    return 1;
}

static int rng_status(void)
{
    return 1;
}

static RAND_METHOD rng_method = {rng_seed_in, rng_bytes, NULL, rng_add, rng_bytes, rng_status};

void fuzz_tls_rng_reset(int stream)
{
    rng_state[stream] = rng_seed[stream];
    rng_current = stream;
}

void fuzz_tls_rng_use(int stream)
{
    rng_current = stream;
}

/* ---- the PKI ---------------------------------------------------------------- */

static struct {
    bool ready;
    char *ca_pem, *leaf_pem, *leaf_key, *other_pem, *other_key, *client_pem, *client_key;
    cssl_context *client[FUZZ_CLIENT_VARIANTS], *server[FUZZ_SERVER_VARIANTS], *other;
} pki;

#define SETUP(ok)                                                              \
    do {                                                                       \
        if (!(ok))                                                             \
            fuzz_fail(__FILE__, __LINE__, "fuzz setup failed: %s", #ok);       \
    } while (0)

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    SETUP(ext != NULL && X509_add_ext(cert, ext, -1) == 1);
    X509_EXTENSION_free(ext);
}

/* A certificate with fixed dates and serial, so that it is the same bytes
 * in every process; self-signed when issuer is NULL. */
static X509 *mint(EVP_PKEY *key, const char *cn, long serial, X509 *issuer, EVP_PKEY *issuer_key,
                  const char *san, const char *eku)
{
    X509 *cert = X509_new();
    SETUP(cert != NULL && X509_set_version(cert, 2) == 1);
    SETUP(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) == 1);
    SETUP(ASN1_TIME_set_string_X509(X509_getm_notBefore(cert), "20200101000000Z") == 1);
    SETUP(ASN1_TIME_set_string_X509(X509_getm_notAfter(cert), "20991231235959Z") == 1);
    X509_NAME *name = X509_get_subject_name(cert);
    SETUP(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"cssl fuzz",
                                     -1, -1, 0) == 1);
    SETUP(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                     -1, 0) == 1);
    SETUP(X509_set_pubkey(cert, key) == 1);
    X509 *signer = issuer ? issuer : cert;
    SETUP(X509_set_issuer_name(cert, X509_get_subject_name(signer)) == 1);
    if (issuer == NULL) {
        add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(cert, signer, NID_key_usage, "critical,digitalSignature");
        add_ext(cert, signer, NID_ext_key_usage, eku);
    }
    add_ext(cert, signer, NID_subject_key_identifier, "hash");
    add_ext(cert, signer, NID_authority_key_identifier, "keyid:always");
    if (san != NULL)
        add_ext(cert, signer, NID_subject_alt_name, san);
    SETUP(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return cert;
}

static char *bio_text(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *s = fuzz_cstring((const uint8_t *)data, (size_t)n);
    BIO_free(bio);
    return s;
}

static char *cert_pem(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    SETUP(bio != NULL && PEM_write_bio_X509(bio, cert) == 1);
    return bio_text(bio);
}

static char *key_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    SETUP(bio != NULL && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1);
    return bio_text(bio);
}

/* A leaf signed by the CA, as PEM chain (leaf, CA) and key. */
static void mint_leaf(X509 *ca, EVP_PKEY *ca_key, const char *cn, long serial, const char *san,
                      const char *eku, char **chain, char **key)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    SETUP(k != NULL);
    X509 *cert = mint(k, cn, serial, ca, ca_key, san, eku);
    char *leaf = cert_pem(cert);
    size_t n = strlen(leaf) + strlen(pki.ca_pem) + 1;
    *chain = malloc(n);
    SETUP(*chain != NULL);
    snprintf(*chain, n, "%s%s", leaf, pki.ca_pem);
    *key = key_pem(k);
    free(leaf);
    X509_free(cert);
    EVP_PKEY_free(k);
}

static void mint_pki(void)
{
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    SETUP(ca_key != NULL);
    X509 *ca = mint(ca_key, "cssl fuzz CA", 1, NULL, NULL, NULL, NULL);
    pki.ca_pem = cert_pem(ca);
    mint_leaf(ca, ca_key, "localhost", 2, "DNS:localhost,DNS:other.example,IP:127.0.0.1",
              "serverAuth", &pki.leaf_pem, &pki.leaf_key);
    mint_leaf(ca, ca_key, "other.example", 3, "DNS:other.example", "serverAuth", &pki.other_pem,
              &pki.other_key);
    mint_leaf(ca, ca_key, "cssl fuzz client", 4, NULL, "clientAuth", &pki.client_pem,
              &pki.client_key);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
}

/* ---- callbacks ---------------------------------------------------------------- */

#define PSK_IDENTITY "fuzz-psk"
#define PSK_LEN 32

static size_t psk_client(cssl_conn *conn, const char *hint, char *identity, size_t identity_size,
                         uint8_t *psk, size_t psk_size, void *userdata)
{
    if (hint != NULL) /* the server's, any bytes: must be a C string */
        (void)strlen(hint);
    if (identity_size < sizeof PSK_IDENTITY || psk_size < PSK_LEN)
        return 0;
    memcpy(identity, PSK_IDENTITY, sizeof PSK_IDENTITY);
    memset(psk, 0x42, PSK_LEN);
    return PSK_LEN;
}

static size_t psk_server(cssl_conn *conn, const char *identity, uint8_t *psk, size_t psk_size,
                         void *userdata)
{
    if (identity == NULL || strcmp(identity, PSK_IDENTITY) != 0 || psk_size < PSK_LEN)
        return 0;
    memset(psk, 0x42, PSK_LEN);
    return PSK_LEN;
}

static int sni(cssl_conn *conn, const char *name, cssl_context *ctx, void *userdata)
{
    if (name == NULL)
        return 0;
    FUZZ_CHECK(strlen(name) <= 255); /* a host_name of RFC 6066 */
    if (strcmp(name, "other.example") == 0)
        return cssl_conn_set_context(conn, pki.other) == CSSL_OK ? 0 : -1;
    if (strcmp(name, "reject.example") == 0)
        return CSSL_ALERT_DESCRIPTION_UNRECOGNIZED_NAME;
    return 0;
}

/* ---- contexts ------------------------------------------------------------------- */

static const char *const alpn_client[] = {"h2", "http/1.1"};
static const char *const alpn_server[] = {"http/1.1", "h2", "fuzz/1"};

#define OK(call) SETUP((call) == CSSL_OK)

static void load_chain(cssl_context *ctx, const char *chain, const char *key)
{
    OK(cssl_context_load_cert_chain_mem(ctx, chain, strlen(chain), key, strlen(key), NULL));
}

static void trust_ca(cssl_context *ctx)
{
    OK(cssl_context_load_verify_locations(ctx, NULL, NULL, pki.ca_pem, strlen(pki.ca_pem),
                                          CSSL_ENCODING_PEM));
}

static cssl_context *make_client(int variant)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    SETUP(ctx != NULL);
    switch (variant) {
    case FUZZ_CLIENT_VERIFY:
        trust_ca(ctx);
        load_chain(ctx, pki.client_pem, pki.client_key);
        OK(cssl_context_set_alpn_protocols(ctx, alpn_client, 2));
        OK(cssl_context_set_post_handshake_auth(ctx, true));
        break;
    case FUZZ_CLIENT_NOVERIFY:
        OK(cssl_context_set_check_hostname(ctx, false));
        OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_NONE));
        break;
    default:
        OK(cssl_context_set_check_hostname(ctx, false));
        OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_NONE));
        OK(cssl_context_set_ciphers(ctx, "PSK:" CSSL_DEFAULT_CIPHERS));
        OK(cssl_context_set_psk_client_callback(ctx, psk_client, NULL));
        break;
    }
    return ctx;
}

static cssl_context *make_server(int variant)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    SETUP(ctx != NULL);
    load_chain(ctx, pki.leaf_pem, pki.leaf_key);
    switch (variant) {
    case FUZZ_SERVER_PLAIN:
        OK(cssl_context_set_alpn_protocols(ctx, alpn_server, 3));
        OK(cssl_context_set_sni_callback(ctx, sni, NULL));
        break;
    case FUZZ_SERVER_CLIENT_AUTH:
        trust_ca(ctx);
        OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_REQUIRED));
        OK(cssl_context_set_post_handshake_auth(ctx, true));
        break;
    default:
        OK(cssl_context_set_ciphers(ctx, "PSK:" CSSL_DEFAULT_CIPHERS));
        OK(cssl_context_set_psk_server_callback(ctx, psk_server, "fuzz hint", NULL));
        break;
    }
    return ctx;
}

/* Everything, once, always in the same order from the same stream. */
static void setup(void)
{
    if (pki.ready)
        return;
    pki.ready = true;
    SETUP(RAND_set_rand_method(&rng_method) == 1);
    fuzz_tls_rng_reset(FUZZ_RNG_SETUP);
    mint_pki();
    for (int v = 0; v < FUZZ_CLIENT_VARIANTS; v++)
        pki.client[v] = make_client(v);
    for (int v = 0; v < FUZZ_SERVER_VARIANTS; v++)
        pki.server[v] = make_server(v);
    pki.other = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    SETUP(pki.other != NULL);
    load_chain(pki.other, pki.other_pem, pki.other_key);
    ERR_clear_error();
    cssl_error_clear();
}

cssl_context *fuzz_tls_client_context(int variant)
{
    setup();
    return pki.client[variant % FUZZ_CLIENT_VARIANTS];
}

cssl_context *fuzz_tls_server_context(int variant)
{
    setup();
    return pki.server[variant % FUZZ_SERVER_VARIANTS];
}

cssl_context *fuzz_tls_new_context(bool server)
{
    setup();
    cssl_context *ctx = cssl_context_new(server ? CSSL_PROTOCOL_TLS_SERVER : CSSL_PROTOCOL_TLS_CLIENT);
    SETUP(ctx != NULL);
    if (server) {
        load_chain(ctx, pki.leaf_pem, pki.leaf_key);
    } else {
        OK(cssl_context_set_check_hostname(ctx, false));
        OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_NONE));
    }
    return ctx;
}

const char *fuzz_tls_ca_pem(void)
{
    setup();
    return pki.ca_pem;
}

const char *fuzz_tls_leaf_pem(void)
{
    setup();
    return pki.leaf_pem;
}

/* ---- the scripted ends -------------------------------------------------------- */

enum { PH_HANDSHAKE, PH_PHA, PH_WRITE, PH_READ, PH_SESSION, PH_CLOSE, PH_DONE };

static const int client_script[] = {PH_HANDSHAKE, PH_READ, PH_SESSION, PH_WRITE, PH_CLOSE, PH_DONE};
static const int server_script[] = {PH_HANDSHAKE, PH_PHA, PH_WRITE, PH_READ, PH_CLOSE, PH_DONE};
#define SCRIPT_DONE 5

static const char client_message[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
static const char server_message[] = "HTTP/1.0 200 OK\r\n\r\nhello from the fuzz server\n";

bool fuzz_peer_init(fuzz_peer *p, cssl_context *ctx, bool server, int variant,
                    const char *hostname, const cssl_session *session)
{
    memset(p, 0, sizeof *p);
    p->server = server;
    p->variant = variant;
    /* No session from an earlier connection may be resumed from the cache:
     * every run must be the same whatever ran before it. */
    SSL_CTX_flush_sessions(ctx->ssl_ctx, 0);
    fuzz_tls_rng_reset(server ? FUZZ_RNG_SERVER : FUZZ_RNG_CLIENT);
    p->in = FUZZ_PTR(cssl_memory_bio_new());
    p->out = FUZZ_PTR(cssl_memory_bio_new());
    FUZZ_CHECK(p->in != NULL && p->out != NULL);
    p->conn = FUZZ_PTR(cssl_context_wrap_bio(ctx, p->in, p->out, server ? CSSL_SERVER_SIDE : 0,
                                             hostname, session));
    return p->conn != NULL;
}

void fuzz_peer_free(fuzz_peer *p)
{
    cssl_conn_free(p->conn);
    cssl_memory_bio_free(p->in);
    cssl_memory_bio_free(p->out);
    cssl_session_free(p->session);
    memset(p, 0, sizeof *p);
}

/* An end that verifies and finished its handshake has a chain from the
 * peer's certificate up to the fuzz CA: no input gets it past
 * verification. (A TLS 1.3 server with post-handshake auth asks for the
 * client's certificate only afterwards, so it may have none yet.) */
static void check_verified(fuzz_peer *p)
{
    bool verifies = p->server ? p->variant == FUZZ_SERVER_CLIENT_AUTH
                              : p->variant == FUZZ_CLIENT_VERIFY;
    /* A resumed session verified nothing now: OpenSSL keeps no chain. */
    if (!verifies || cssl_conn_session_reused(p->conn))
        return;
    uint8_t *der = NULL;
    size_t len = 0;
    FUZZ_CHECK(FUZZ_RC(cssl_conn_getpeercert_der(p->conn, &der, &len)) == CSSL_OK);
    const char *version = cssl_conn_version(p->conn);
    if (der == NULL) {
        FUZZ_CHECK(p->server && version != NULL && strcmp(version, "TLSv1.3") == 0);
        return;
    }
    cssl_free(der);
    cssl_cert **chain = FUZZ_PTR(cssl_conn_get_verified_chain(p->conn));
    FUZZ_CHECK(chain != NULL && chain[0] != NULL);
    size_t n = 0;
    while (chain[n] != NULL)
        n++;
    cssl_cert *ca = FUZZ_PTR(cssl_cert_from_pem(pki.ca_pem, strlen(pki.ca_pem)));
    FUZZ_CHECK(ca != NULL && cssl_cert_equal(chain[n - 1], ca));
    const cssl_cert_info *info = NULL;
    FUZZ_CHECK(FUZZ_RC(cssl_conn_getpeercert(p->conn, &info)) == CSSL_OK);
    FUZZ_CHECK(info != NULL && info->serial_number != NULL);
    cssl_cert_free(ca);
    cssl_cert_list_free(chain);
}

/* Right after the handshake: what the peer is. */
static void inspect(fuzz_peer *p)
{
    const cssl_cert_info *info = NULL;
    FUZZ_CHECK(FUZZ_RC(cssl_conn_getpeercert(p->conn, &info)) == CSSL_OK);
    if (info != NULL)
        fuzz_check_cert_info(info);
    const char *protocol = NULL;
    FUZZ_CHECK(cssl_conn_cipher(p->conn, &protocol, NULL) != NULL && protocol != NULL);
    FUZZ_CHECK(cssl_conn_version(p->conn) != NULL);
    FUZZ_QUEUE_EMPTY("peer inspection");
    check_verified(p);
}

/* 1: step done, 0: waiting for input, -1: the script ends here. */
static int run(fuzz_peer *p, int step)
{
    const char *mine = p->server ? server_message : client_message;
    size_t theirs = p->server ? sizeof client_message - 1 : sizeof server_message - 1;
    switch (step) {
    case PH_HANDSHAKE:
        p->rc = (int)FUZZ_RC(cssl_conn_do_handshake(p->conn));
        if (p->rc == CSSL_EWANT_READ)
            return 0;
        if (p->rc < 0)
            return -1;
        p->established = true;
        inspect(p);
        return 1;
    case PH_PHA: {
        const char *version = cssl_conn_version(p->conn);
        if (p->variant == FUZZ_SERVER_CLIENT_AUTH && version && strcmp(version, "TLSv1.3") == 0)
            FUZZ_RC(cssl_conn_verify_client_post_handshake(p->conn));
        return 1;
    }
    case PH_WRITE:
        p->rc = (int)FUZZ_RC(cssl_conn_write(p->conn, mine, strlen(mine)));
        if (p->rc == CSSL_EWANT_READ)
            return 0;
        return p->rc < 0 ? -1 : 1;
    case PH_READ:
        while (p->got < theirs) {
            char buf[512];
            ssize_t n = (ssize_t)FUZZ_RC(cssl_conn_read(p->conn, buf, sizeof buf));
            p->rc = n < 0 ? (int)n : CSSL_OK;
            if (n == CSSL_EWANT_READ)
                return 0;
            if (n <= 0) /* an error, or the peer closed early */
                return -1;
            p->got += (size_t)n;
        }
        return 1;
    case PH_SESSION:
        p->session = cssl_conn_get_session(p->conn);
        FUZZ_QUEUE_EMPTY("cssl_conn_get_session");
        return 1;
    case PH_CLOSE:
        p->rc = (int)FUZZ_RC(cssl_conn_unwrap(p->conn));
        if (p->rc == CSSL_EWANT_READ)
            return 0;
        if (p->rc < 0)
            return -1;
        p->closed = true;
        return 1;
    default: return 0;
    }
}

void fuzz_peer_step(fuzz_peer *p)
{
    const int *script = p->server ? server_script : client_script;
    while (p->conn != NULL && p->phase < SCRIPT_DONE) {
        int r = run(p, script[p->phase]);
        if (r == 0)
            return;
        if (r < 0 && p->rc < 0)
            snprintf(p->message, sizeof p->message, "%s", cssl_error_message());
        p->phase = r < 0 ? SCRIPT_DONE : p->phase + 1;
    }
}

/* ---- the recorder --------------------------------------------------------------- */

typedef struct recording recording;
static void run_pair(fuzz_peer *target, fuzz_peer *peer, recording *r);

struct recording {
    uint8_t *p;
    size_t len, cap;
};

static void record(recording *r, const uint8_t *data, size_t n)
{
    if (r->len + n > r->cap) {
        r->cap = (r->len + n) * 2 + 1024;
        r->p = realloc(r->p, r->cap);
        SETUP(r->p != NULL);
    }
    memcpy(r->p + r->len, data, n);
    r->len += n;
}

/* Move what from wrote to to's incoming; keep a copy in r if given. */
static size_t move(fuzz_peer *from, fuzz_peer *to, recording *r)
{
    uint8_t buf[4096];
    size_t total = 0;
    ssize_t n;
    while ((n = cssl_memory_bio_read(from->out, buf, sizeof buf)) > 0) {
        if (r != NULL)
            record(r, buf, (size_t)n);
        SETUP(cssl_memory_bio_write(to->in, buf, (size_t)n) == n);
        total += (size_t)n;
    }
    return total;
}

static int stream_of(const fuzz_peer *p)
{
    return p->server ? FUZZ_RNG_SERVER : FUZZ_RNG_CLIENT;
}

void fuzz_tls_run_pair(fuzz_peer *a, fuzz_peer *b)
{
    run_pair(a, b, NULL);
}

/* Run both ends until neither moves; r receives what peer sent. */
static void run_pair(fuzz_peer *target, fuzz_peer *peer, recording *r)
{
    for (int round = 0; round < 64; round++) {
        fuzz_tls_rng_use(stream_of(target));
        fuzz_peer_step(target);
        size_t moved = move(target, peer, NULL);
        fuzz_tls_rng_use(stream_of(peer));
        fuzz_peer_step(peer);
        moved += move(peer, target, r);
        if (moved == 0)
            break;
    }
}

typedef struct scenario {
    const char *name;
    bool target_server; /* fuzzed end: server (seed for "server") or client */
    int target_variant, peer_variant;
    bool tls12;          /* the peer stops at TLS 1.2 */
    const char *hostname;
    const char *peer_groups, *peer_ciphers, *peer_suites;
    bool resume;         /* record the second, resumed connection */
} scenario;

static const scenario scenarios[] = {
    /* recorded server flights, for the fuzzed client (which always asks
     * for "localhost", as fuzz_conn.c does) */
    {"tls13", false, FUZZ_CLIENT_VERIFY, FUZZ_SERVER_PLAIN, false, "localhost", 0, 0, 0, false},
    {"tls12", false, FUZZ_CLIENT_VERIFY, FUZZ_SERVER_PLAIN, true, "localhost", 0, 0, 0, false},
    {"tls13_auth", false, FUZZ_CLIENT_VERIFY, FUZZ_SERVER_CLIENT_AUTH, false, "localhost", 0, 0,
     0, false},
    {"tls12_auth", false, FUZZ_CLIENT_VERIFY, FUZZ_SERVER_CLIENT_AUTH, true, "localhost", 0, 0, 0,
     false},
    {"tls13_hrr", false, FUZZ_CLIENT_VERIFY, FUZZ_SERVER_PLAIN, false, "localhost", "P-256", 0, 0,
     false},
    {"tls13_chacha", false, FUZZ_CLIENT_VERIFY, FUZZ_SERVER_PLAIN, false, "localhost", 0, 0,
     "TLS_CHACHA20_POLY1305_SHA256", false},
    {"tls12_chacha", false, FUZZ_CLIENT_VERIFY, FUZZ_SERVER_PLAIN, true, "localhost", 0,
     "ECDHE-ECDSA-CHACHA20-POLY1305", 0, false},
    {"noverify13", false, FUZZ_CLIENT_NOVERIFY, FUZZ_SERVER_PLAIN, false, "localhost", 0, 0, 0,
     false},
    {"noverify12", false, FUZZ_CLIENT_NOVERIFY, FUZZ_SERVER_PLAIN, true, "localhost", 0, 0, 0,
     false},
    {"psk13", false, FUZZ_CLIENT_PSK, FUZZ_SERVER_PSK, false, "localhost", 0, 0, 0, false},
    {"psk12", false, FUZZ_CLIENT_PSK, FUZZ_SERVER_PSK, true, "localhost", 0, "PSK", 0, false},
    /* recorded client flights, for the fuzzed server */
    {"tls13", true, FUZZ_SERVER_PLAIN, FUZZ_CLIENT_VERIFY, false, "localhost", 0, 0, 0, false},
    {"tls12", true, FUZZ_SERVER_PLAIN, FUZZ_CLIENT_VERIFY, true, "localhost", 0, 0, 0, false},
    {"sni_other", true, FUZZ_SERVER_PLAIN, FUZZ_CLIENT_VERIFY, false, "other.example", 0, 0, 0,
     false},
    {"sni_reject", true, FUZZ_SERVER_PLAIN, FUZZ_CLIENT_VERIFY, false, "reject.example", 0, 0, 0,
     false},
    {"no_sni", true, FUZZ_SERVER_PLAIN, FUZZ_CLIENT_NOVERIFY, false, NULL, 0, 0, 0, false},
    {"groups12", true, FUZZ_SERVER_PLAIN, FUZZ_CLIENT_VERIFY, true, "localhost",
     "P-384:P-256", "ECDHE-ECDSA-AES256-GCM-SHA384", 0, false},
    {"auth13", true, FUZZ_SERVER_CLIENT_AUTH, FUZZ_CLIENT_VERIFY, false, "localhost", 0, 0, 0,
     false},
    {"auth12", true, FUZZ_SERVER_CLIENT_AUTH, FUZZ_CLIENT_VERIFY, true, "localhost", 0, 0, 0,
     false},
    {"psk13", true, FUZZ_SERVER_PSK, FUZZ_CLIENT_PSK, false, NULL, 0, 0, 0, false},
    {"psk12", true, FUZZ_SERVER_PSK, FUZZ_CLIENT_PSK, true, NULL, 0, "PSK", 0, false},
    {"resume13", true, FUZZ_SERVER_PLAIN, FUZZ_CLIENT_VERIFY, false, "localhost", 0, 0, 0, true},
    {"resume12", true, FUZZ_SERVER_PLAIN, FUZZ_CLIENT_VERIFY, true, "localhost", 0, 0, 0, true},
};

/* The recorder's end: a fresh context of the variant, as the scenario
 * wants it. */
static cssl_context *peer_context(const scenario *s)
{
    cssl_context *ctx = s->target_server ? make_client(s->peer_variant)
                                         : make_server(s->peer_variant);
    if (s->tls12)
        OK(cssl_context_set_maximum_version(ctx, CSSL_TLSVERSION_TLSv1_2));
    if (s->peer_groups)
        OK(cssl_context_set_groups(ctx, s->peer_groups));
    if (s->peer_ciphers)
        OK(cssl_context_set_ciphers(ctx, s->peer_ciphers));
    if (s->peer_suites)
        OK(cssl_context_set_ciphersuites(ctx, s->peer_suites));
    return ctx;
}

/* One connection of the scenario; the peer's bytes into r. */
static void connect_once(const scenario *s, cssl_context *peer_ctx, const cssl_session *session,
                         recording *r, fuzz_outcome *out, cssl_session **session_out)
{
    fuzz_peer target, peer;
    cssl_context *tctx = s->target_server ? fuzz_tls_server_context(s->target_variant)
                                          : fuzz_tls_client_context(s->target_variant);
    const char *host = s->hostname;
    /* The client end is made first, as in the targets. */
    bool ok;
    if (s->target_server) {
        ok = fuzz_peer_init(&peer, peer_ctx, false, s->peer_variant, host, session) &&
             fuzz_peer_init(&target, tctx, true, s->target_variant, NULL, NULL);
    } else {
        ok = fuzz_peer_init(&target, tctx, false, s->target_variant, host, NULL) &&
             fuzz_peer_init(&peer, peer_ctx, true, s->peer_variant, NULL, NULL);
    }
    SETUP(ok);
    run_pair(&target, &peer, r);
    out->established = target.established;
    out->closed = target.closed;
    if (session_out != NULL) {
        fuzz_peer *client = s->target_server ? &peer : &target;
        *session_out = client->session;
        client->session = NULL;
    }
    fuzz_peer_free(&target);
    fuzz_peer_free(&peer);
}

static void emit_session(fuzz_seed_cb cb, void *arg, const char *name, const cssl_session *sess)
{
    if (sess == NULL)
        return;
    size_t len = 0;
    uint8_t *der = cssl_session_to_der(sess, &len);
    SETUP(der != NULL);
    cb("session", name, der, len, NULL, arg);
    cssl_free(der);
}

static void emit_pem_and_der(fuzz_seed_cb cb, void *arg, const char *name, const char *pem)
{
    size_t len = 0;
    uint8_t *der = cssl_pem_cert_to_der_cert(pem, &len);
    SETUP(der != NULL);
    cb("cert_pem", name, (const uint8_t *)pem, strlen(pem), NULL, arg);
    cb("cert_der", name, der, len, NULL, arg);
    cssl_free(der);
}

void fuzz_tls_record(fuzz_seed_cb cb, void *arg)
{
    setup();
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        const scenario *s = &scenarios[i];
        cssl_context *peer_ctx = peer_context(s);
        recording r = {0};
        fuzz_outcome out;
        cssl_session *session = NULL;
        uint8_t variant = (uint8_t)s->target_variant;
        record(&r, &variant, 1);
        connect_once(s, peer_ctx, NULL, s->resume ? NULL : &r, &out, &session);
        if (s->resume) {
            SETUP(session != NULL);
            cssl_session *second = NULL;
            connect_once(s, peer_ctx, session, &r, &out, &second);
            cssl_session_free(second);
        }
        cb(s->target_server ? "server" : "client", s->name, r.p, r.len, &out, arg);
        if (!s->target_server) {
            char name[64];
            snprintf(name, sizeof name, "client_%s", s->name);
            emit_session(cb, arg, name, session);
        }
        cssl_session_free(session);
        free(r.p);
        cssl_context_free(peer_ctx);
    }
    emit_pem_and_der(cb, arg, "ca", pki.ca_pem);
    emit_pem_and_der(cb, arg, "leaf", pki.leaf_pem);
    emit_pem_and_der(cb, arg, "client", pki.client_pem);
    ERR_clear_error();
    cssl_error_clear();
}
