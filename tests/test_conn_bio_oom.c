/*
 * test_conn_bio_oom.c - allocation failures during the life of a
 * memory-BIO connection: wrap, handshake, data both ways, the peer's
 * certificate and chains, tls-unique, shared ciphers, session, unwrap.
 *
 * The scenario runs once per allocation of an undisturbed run (about 3300;
 * seconds even under ASan) with that allocation failing (oom_sweep,
 * tests/oom.h). Each step must succeed or fail with a recorded status and
 * leave OpenSSL's error queue empty; a failure ends the scenario, which
 * then frees everything: the live block count must come back.
 */
#include <openssl/crypto.h>

#include "conn_bio_util.h"
#include "internal.h"
#include "oom.h"

/* ---- the scenario ---------------------------------------------------------- */

typedef struct run {
    int status;    /* the first failure, CSSL_OK if none */
    const char *step;
} run;

/* A step's result: fine, or a failure recorded as such. Returns true to go on. */
static bool step_ok(run *r, const char *step, long long rc)
{
    if (ERR_peek_error() != 0) {
        char buf[256];
        ERR_error_string_n(ERR_peek_error(), buf, sizeof buf);
        harness_fail(__FILE__, __LINE__, "%s: returned %lld, queue left dirty: %s", step, rc,
                     buf);
        ERR_clear_error();
    }
    if (rc >= 0 || rc == CSSL_EWANT_READ)
        return true;
    r->status = (int)rc;
    r->step = step;
    return false;
}

/* A pointer-returning step: NULL must come with a recorded status. */
static bool ptr_ok(run *r, const char *step, const void *p)
{
    if (p != NULL)
        return step_ok(r, step, 0);
    if (cssl_error_status() >= 0)
        harness_fail(__FILE__, __LINE__, "%s: NULL without an error", step);
    return step_ok(r, step, cssl_error_status() < 0 ? cssl_error_status() : CSSL_ENOMEM);
}

/* Move bytes from one BIO to another; a failed write is a failed step. */
static bool move_bytes(run *r, cssl_memory_bio *from, cssl_memory_bio *to)
{
    char buf[4096];
    for (;;) {
        ssize_t n = cssl_memory_bio_read(from, buf, sizeof buf);
        if (!step_ok(r, "memory_bio_read", n))
            return false;
        if (n == 0)
            return true;
        if (!step_ok(r, "memory_bio_write", cssl_memory_bio_write(to, buf, (size_t)n)))
            return false;
    }
}

static bool pump(run *r, tls_pair *p)
{
    return move_bytes(r, p->c_out, p->s_in) && move_bytes(r, p->s_out, p->c_in);
}

static bool handshake(run *r, tls_pair *p)
{
    int rc = CSSL_EWANT_READ, rs = CSSL_EWANT_READ;
    for (int round = 0; round < 16 && (rc != CSSL_OK || rs != CSSL_OK); round++) {
        if (rc != CSSL_OK) {
            rc = cssl_conn_do_handshake(p->client);
            if (!step_ok(r, "client handshake", rc))
                return false;
        }
        if (!pump(r, p))
            return false;
        if (rs != CSSL_OK) {
            rs = cssl_conn_do_handshake(p->server);
            if (!step_ok(r, "server handshake", rs))
                return false;
        }
        if (!pump(r, p))
            return false;
    }
    if (rc != CSSL_OK || rs != CSSL_OK)
        harness_fail(__FILE__, __LINE__, "handshake stuck (%d, %d)", rc, rs);
    return rc == CSSL_OK && rs == CSSL_OK;
}

/* Read on one side until n bytes came; WANT_READ without progress is stuck. */
static bool read_all(run *r, tls_pair *p, bool client, size_t n)
{
    char buf[256];
    size_t got = 0;
    for (int tries = 0; got < n && tries < 8; tries++) {
        if (!pump(r, p))
            return false;
        ssize_t k = cssl_conn_read(client ? p->client : p->server, buf, sizeof buf);
        if (!step_ok(r, "read", k))
            return false;
        if (k > 0)
            got += (size_t)k;
    }
    if (got != n)
        harness_fail(__FILE__, __LINE__, "read %zu of %zu", got, n);
    return got == n;
}

static void info_steps(run *r, tls_pair *p)
{
    const cssl_cert_info *info = NULL;
    if (!step_ok(r, "getpeercert", cssl_conn_getpeercert(p->client, &info)))
        return;
    if (info == NULL || info->subject.count != 3)
        harness_fail(__FILE__, __LINE__, "wrong peer info");
    uint8_t *der = NULL;
    size_t len = 0;
    if (!step_ok(r, "getpeercert_der", cssl_conn_getpeercert_der(p->client, &der, &len)))
        return;
    cssl_free(der);
    cssl_cert **chain = cssl_conn_get_verified_chain(p->client);
    if (!ptr_ok(r, "verified chain", chain))
        return;
    if (cert_list_len(chain) != 2)
        harness_fail(__FILE__, __LINE__, "verified chain");
    cssl_cert_list_free(chain);
    chain = cssl_conn_get_unverified_chain(p->server);
    if (!ptr_ok(r, "unverified chain", chain))
        return;
    cssl_cert_list_free(chain);
    cssl_cipher_desc *ciphers = NULL;
    size_t n = 0;
    if (!step_ok(r, "shared_ciphers", cssl_conn_shared_ciphers(p->server, &ciphers, &n)))
        return;
    cssl_free(ciphers);
    uint8_t cb[128];
    if (!step_ok(r, "channel binding",
                 cssl_conn_get_channel_binding(p->client, "tls-unique", cb, sizeof cb)))
        return;
    cssl_session *s = cssl_conn_get_session(p->client);
    if (!ptr_ok(r, "get_session", s))
        return;
    cssl_session_free(s);
}

static bool unwrap_steps(run *r, tls_pair *p)
{
    int rc = cssl_conn_unwrap(p->client);
    if (!step_ok(r, "client unwrap", rc) || !pump(r, p))
        return false;
    char buf[8];
    if (!step_ok(r, "server read at close", cssl_conn_read(p->server, buf, sizeof buf)))
        return false;
    if (!step_ok(r, "server unwrap", cssl_conn_unwrap(p->server)) || !pump(r, p))
        return false;
    return step_ok(r, "client unwrap 2", cssl_conn_unwrap(p->client));
}

static cssl_context *g_cctx, *g_sctx;

static int scenario(void *arg)
{
    run rr = {0}, *r = &rr;
    tls_pair p;
    memset(&p, 0, sizeof p);
    p.c_in = cssl_memory_bio_new();
    p.c_out = cssl_memory_bio_new();
    p.s_in = cssl_memory_bio_new();
    p.s_out = cssl_memory_bio_new();
    if (!ptr_ok(r, "memory_bio_new", p.c_in) || !ptr_ok(r, "memory_bio_new", p.c_out) ||
        !ptr_ok(r, "memory_bio_new", p.s_in) || !ptr_ok(r, "memory_bio_new", p.s_out))
        goto done;
    p.client = cssl_context_wrap_bio(g_cctx, p.c_in, p.c_out, 0, "localhost", NULL);
    if (!ptr_ok(r, "wrap client", p.client))
        goto done;
    p.server = cssl_context_wrap_bio(g_sctx, p.s_in, p.s_out, CSSL_SERVER_SIDE, NULL, NULL);
    if (!ptr_ok(r, "wrap server", p.server))
        goto done;
    if (!handshake(r, &p))
        goto done;
    static const char msg[] = "out of memory, in order";
    if (!step_ok(r, "client write", cssl_conn_write(p.client, msg, sizeof msg)) ||
        !read_all(r, &p, false, sizeof msg))
        goto done;
    if (!step_ok(r, "server write", cssl_conn_write(p.server, msg, sizeof msg)) ||
        !read_all(r, &p, true, sizeof msg))
        goto done;
    info_steps(r, &p);
    if (r->status == CSSL_OK)
        unwrap_steps(r, &p);
done:
    oom_disarm();
    /* pair_free records nothing: the status stays the failed step's */
    pair_free(&p);
    return r->status;
}

/*
 * Every allocation of the lifecycle fails in turn (about 3300): each step
 * succeeds or fails with a recorded status; a failure ends the scenario,
 * which then frees everything.
 */
TEST(oom_memory_bio_connection_lifecycle)
{
    oom_require();
    g_cctx = client_context();
    g_sctx = server_context("ecdsa");
    /* OpenSSL loses the cause of some failures: "[SSL: INTERNAL_ERROR]"
     * (CSSL_ESSL) when a provider's allocation fails inside the key
     * schedule; and when decoding the peer's public key fails, X509
     * verification reports the key as too weak ("EE certificate key too
     * weak", CSSL_ECERT_VERIFY). */
    oom_sweep("memory-BIO connection lifecycle", scenario, NULL,
              OOM_ALLOW(CSSL_ESSL) | OOM_ALLOW(CSSL_ECERT_VERIFY));
    /* The contexts are intact: a full run still works. */
    CHECK_INT(scenario(NULL), CSSL_OK);
    cssl_context_free(g_cctx);
    cssl_context_free(g_sctx);
}
