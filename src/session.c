/*
 * session.c - ssl.SSLSession: a resumable TLS session and the context it
 * belongs to (Python refuses a session from another context).
 */
#include <limits.h>
#include <string.h>

#include "internal.h"

cssl_session *cssl__session_new(SSL_SESSION *sess, cssl_context *ctx)
{
    cssl_session *s = cssl__zalloc(sizeof *s);
    if (s == NULL) {
        SSL_SESSION_free(sess);
        cssl__raise_nomem();
        return NULL;
    }
    s->session = sess;
    s->ctx = cssl_context_up_ref(ctx);
    return s;
}

void cssl_session_free(cssl_session *session)
{
    if (session == NULL)
        return;
    SSL_SESSION_free(session->session);
    cssl_context_free(session->ctx);
    cssl__free(session);
}

const uint8_t *cssl_session_id(const cssl_session *session, size_t *len)
{
    CSSL_ENSURE_ARG_PTR(session);
    unsigned int n = 0;
    const unsigned char *id = SSL_SESSION_get_id(session->session, &n);
    if (len)
        *len = n;
    return id;
}

int64_t cssl_session_time(const cssl_session *session)
{
    CSSL_ENSURE_ARG(session);
    return (int64_t)SSL_SESSION_get_time(session->session);
}

long cssl_session_timeout(const cssl_session *session)
{
    CSSL_ENSURE_ARG(session);
    return SSL_SESSION_get_timeout(session->session);
}

unsigned long cssl_session_ticket_lifetime_hint(const cssl_session *session)
{
    if (session == NULL) {
        cssl__raise(CSSL_EVALUE, "session must not be NULL");
        return 0;
    }
    return SSL_SESSION_get_ticket_lifetime_hint(session->session);
}

bool cssl_session_has_ticket(const cssl_session *session)
{
    return session != NULL && SSL_SESSION_has_ticket(session->session);
}

bool cssl_session_equal(const cssl_session *a, const cssl_session *b)
{
    if (a == b)
        return true;
    if (a == NULL || b == NULL)
        return false;
    unsigned int la, lb;
    const unsigned char *ia = SSL_SESSION_get_id(a->session, &la);
    const unsigned char *ib = SSL_SESSION_get_id(b->session, &lb);
    return la == lb && memcmp(ia, ib, la) == 0;
}

uint8_t *cssl_session_to_der(const cssl_session *session, size_t *len)
{
    CSSL_ENSURE_ARG_PTR(session);
    CSSL_ENSURE_ARG_PTR(len);
    int n = i2d_SSL_SESSION(session->session, NULL);
    if (n <= 0) {
        CSSL_RAISE_OPENSSL(CSSL_ESSL);
        return NULL;
    }
    uint8_t *der = cssl__malloc((size_t)n);
    if (der == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    unsigned char *p = der;
    if (i2d_SSL_SESSION(session->session, &p) != n) {
        cssl__free(der);
        CSSL_RAISE_OPENSSL(CSSL_ESSL);
        return NULL;
    }
    *len = (size_t)n;
    return der;
}

cssl_session *cssl_session_from_der(cssl_context *ctx, const void *der, size_t len)
{
    CSSL_ENSURE_ARG_PTR(ctx);
    CSSL_ENSURE_ARG_PTR(der);
    CSSL_ENSURE_PTR(len > 0 && len <= LONG_MAX, CSSL_EVALUE, "invalid session data length");
    const unsigned char *p = der;
    SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, (long)len);
    if (sess == NULL) {
        if (cssl__queue_has_malloc_failure())
            cssl__raise_nomem();
        else
            CSSL_RAISE_OPENSSL(CSSL_ESSL);
        return NULL;
    }
    if (p != (const unsigned char *)der + len) {
        SSL_SESSION_free(sess);
        cssl__raise(CSSL_EVALUE, "trailing data after the session");
        return NULL;
    }
    return cssl__session_new(sess, ctx);
}
