/*
 * fuzz_session.c - cssl_session_from_der: a serialised session, as a
 * program would read one back from disk. A decoded session serialises
 * again to DER that decodes to the same bytes (idempotence), answers its
 * attribute getters, and can be offered by a client: the ClientHello built
 * from it is written or refused with a clean error.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz_tls.h"

static void offer(cssl_context *ctx, const cssl_session *session)
{
    cssl_memory_bio *in = FUZZ_PTR(cssl_memory_bio_new());
    cssl_memory_bio *out = FUZZ_PTR(cssl_memory_bio_new());
    FUZZ_CHECK(in != NULL && out != NULL);
    cssl_conn *conn = FUZZ_PTR(cssl_context_wrap_bio(ctx, in, out, 0, "localhost", session));
    if (conn != NULL) {
        int rc = (int)FUZZ_RC(cssl_conn_do_handshake(conn));
        FUZZ_CHECK(rc == CSSL_EWANT_READ || rc == CSSL_ESSL);
        FUZZ_CHECK(rc != CSSL_EWANT_READ || cssl_memory_bio_pending(out) > 0);
        FUZZ_CHECK(!FUZZ_RC(cssl_conn_session_reused(conn)));
        cssl_conn_free(conn);
    }
    cssl_memory_bio_free(in);
    cssl_memory_bio_free(out);
}

FUZZ_TARGET(session)
{
    cssl_context *ctx = fuzz_tls_client_context(FUZZ_CLIENT_VERIFY);
    cssl_session *session = FUZZ_PTR(cssl_session_from_der(ctx, data, size));
    if (session == NULL) {
        int st = cssl_error_status();
        FUZZ_CHECK(st == CSSL_ESSL || st == CSSL_EVALUE);
        return 0;
    }
    size_t idlen = 99, len = 0, len2 = 0;
    FUZZ_CHECK(FUZZ_PTR(cssl_session_id(session, &idlen)) != NULL || idlen == 0);
    FUZZ_CHECK(idlen <= 32);
    (void)cssl_session_time(session); /* any value the DER holds */
    (void)cssl_session_timeout(session);
    (void)cssl_session_ticket_lifetime_hint(session);
    (void)cssl_session_has_ticket(session);
    FUZZ_QUEUE_EMPTY("session getters");
    FUZZ_CHECK(cssl_session_equal(session, session));

    uint8_t *der = FUZZ_PTR(cssl_session_to_der(session, &len));
    FUZZ_CHECK(der != NULL);
    cssl_session *again = FUZZ_PTR(cssl_session_from_der(ctx, der, len));
    FUZZ_CHECK(again != NULL);
    FUZZ_CHECK(cssl_session_equal(session, again));
    uint8_t *der2 = FUZZ_PTR(cssl_session_to_der(again, &len2));
    FUZZ_CHECK(der2 != NULL && len2 == len && memcmp(der, der2, len) == 0);
    cssl_free(der2);
    cssl_free(der);
    cssl_session_free(again);

    fuzz_tls_rng_reset(FUZZ_RNG_CLIENT);
    offer(ctx, session);
    cssl_session_free(session);
    return 0;
}
