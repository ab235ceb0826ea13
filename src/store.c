/*
 * store.c - queries of a context's trust store: Python's
 * SSLContext.get_ca_certs() and cert_store_stats().
 *
 * Python walks X509_STORE_get1_objects(), a copy taken under the store's
 * lock (polyfilled before OpenSSL 3.3 with X509_STORE_lock and
 * X509_STORE_get0_objects). OpenSSL 3.0 has no get1, so the same is done
 * here: the certificates are referenced under the lock, then examined and
 * decoded after it is released, in the store's order.
 */
#include <string.h>

#include <openssl/x509v3.h>

#include "internal.h"

/* A snapshot of the store: the certificates (each referenced) and the
 * number of CRLs. */
typedef struct snapshot {
    X509 **certs;
    size_t ncerts;
    size_t ncrls;
} snapshot;

static void snapshot_free(snapshot *s)
{
    for (size_t i = 0; i < s->ncerts; i++)
        X509_free(s->certs[i]);
    cssl__free(s->certs);
}

static int take_snapshot(const cssl_context *ctx, snapshot *s)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ctx->ssl_ctx);
    memset(s, 0, sizeof *s);
    if (store == NULL)
        return CSSL_OK;
    if (X509_STORE_lock(store) != 1) {
        ERR_clear_error();
        return cssl__raise(CSSL_ENOMEM, "failed to query cert store");
    }
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    int n = sk_X509_OBJECT_num(objs);
    int st = CSSL_OK;
    if (n > 0) {
        s->certs = cssl__malloc((size_t)n * sizeof *s->certs);
        if (s->certs == NULL)
            st = CSSL_ENOMEM;
    }
    for (int i = 0; st == CSSL_OK && i < n; i++) {
        X509_OBJECT *obj = sk_X509_OBJECT_value(objs, i);
        switch (X509_OBJECT_get_type(obj)) {
        case X509_LU_X509: {
            X509 *x509 = X509_OBJECT_get0_X509(obj);
            if (X509_up_ref(x509) != 1) {
                st = CSSL_ENOMEM;
                break;
            }
            s->certs[s->ncerts++] = x509;
            break;
        }
        case X509_LU_CRL: s->ncrls++; break;
        default: break; /* Python ignores unknown types */
        }
    }
    X509_STORE_unlock(store);
    if (st != CSSL_OK) {
        snapshot_free(s);
        ERR_clear_error();
        /* Python: MemoryError("failed to query cert store") */
        return cssl__raise(CSSL_ENOMEM, "failed to query cert store");
    }
    return CSSL_OK;
}

/* X509_check_ca() != 0: basicConstraints CA:TRUE, a self-signed v1
 * certificate, keyCertSign usage without basicConstraints, or a Netscape
 * CA cert type. It caches the extensions and may queue errors about them,
 * which Python ignores too. */
static bool is_ca(X509 *x509)
{
    bool ca = X509_check_ca(x509) != 0;
    ERR_clear_error();
    return ca;
}

cssl_cert **cssl_context_get_ca_certs(const cssl_context *ctx)
{
    CSSL_ENSURE_ARG_PTR(ctx);
    snapshot s;
    if (take_snapshot(ctx, &s) < 0)
        return NULL;
    cssl_cert **out = cssl__zalloc((s.ncerts + 1) * sizeof *out);
    if (out == NULL) {
        snapshot_free(&s);
        cssl__raise_nomem();
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < s.ncerts; i++) {
        if (!is_ca(s.certs[i]))
            continue;
        out[n] = cssl__cert_from_x509(s.certs[i]);
        if (out[n] == NULL) {
            cssl_cert_list_free(out);
            out = NULL;
            break;
        }
        n++;
    }
    snapshot_free(&s);
    return out;
}

int cssl_context_cert_store_stats(const cssl_context *ctx, cssl_cert_store_stats *stats)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE_ARG(stats);
    snapshot s;
    CSSL_GUARD(take_snapshot(ctx, &s));
    size_t ca = 0;
    for (size_t i = 0; i < s.ncerts; i++)
        ca += is_ca(s.certs[i]);
    stats->x509 = s.ncerts;
    stats->crl = s.ncrls;
    stats->x509_ca = ca;
    snapshot_free(&s);
    return CSSL_OK;
}
