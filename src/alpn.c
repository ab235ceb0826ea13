/*
 * alpn.c - SSLContext.set_alpn_protocols: the wire-format list and the
 * server's selection (first of the server's own list the client offers).
 */
#include <string.h>

#include "internal.h"

/* RFC 7301 3.2: server preference; no overlap means no ALPN (not fatal),
 * as in Python's _selectALPN_cb. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *client, unsigned int client_len, void *arg)
{
    cssl_context *ctx = cssl__context_of(SSL_get_SSL_CTX(ssl));
    if (ctx == NULL || ctx->alpn == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    unsigned char *selected;
    if (SSL_select_next_proto(&selected, outlen, ctx->alpn, ctx->alpn_len, client,
                              client_len) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

int cssl_context_set_alpn_protocols(cssl_context *ctx, const char *const *protocols,
                                    size_t count)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE(count == 0 || protocols != NULL, CSSL_EVALUE, "protocols must not be NULL");
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        size_t len = protocols[i] ? strlen(protocols[i]) : 0;
        CSSL_ENSURE(len >= 1 && len <= 255, CSSL_ESSL,
                    "ALPN protocols must be 1 to 255 in length");
        total += 1 + len;
    }
    CSSL_ENSURE(total <= 0xffff, CSSL_EVALUE, "ALPN protocol list is too long");
    unsigned char *wire = NULL;
    if (total > 0) {
        wire = cssl__malloc(total);
        if (wire == NULL)
            return cssl__raise_nomem();
        size_t n = 0;
        for (size_t i = 0; i < count; i++) {
            size_t len = strlen(protocols[i]);
            wire[n++] = (unsigned char)len;
            memcpy(wire + n, protocols[i], len);
            n += len;
        }
    }
    /* SSL_CTX_set_alpn_protos returns 0 on success; it fails only to copy
     * (Python: MemoryError). */
    if (SSL_CTX_set_alpn_protos(ctx->ssl_ctx, wire, (unsigned int)total) != 0) {
        cssl__free(wire);
        return cssl__raise_nomem();
    }
    cssl__free(ctx->alpn);
    ctx->alpn = wire;
    ctx->alpn_len = (unsigned int)total;
    SSL_CTX_set_alpn_select_cb(ctx->ssl_ctx, select_alpn, NULL);
    return CSSL_OK;
}
