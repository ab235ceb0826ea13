/*
 * callbacks.c - the context's SNI and PSK callbacks: OpenSSL calls in,
 * we find the cssl_conn (SSL app data) and the configured C callback.
 */
#include <string.h>

#include "internal.h"

/* OpenSSL's limits for PSK identities and keys (ssl/ssl_local.h). */
#define PSK_IDENTITY_MAX 256
#define PSK_KEY_MAX 512

/* ---- SNI ------------------------------------------------------------------ */

static int servername(SSL *ssl, int *alert, void *arg)
{
    cssl_context *ctx = arg;
    cssl_conn *conn = SSL_get_app_data(ssl);
    if (ctx->sni_cb == NULL || conn == NULL)
        return SSL_TLSEXT_ERR_OK;
    /* Called for every ClientHello; NULL when the client sent no name. */
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    int r = ctx->sni_cb(conn, name, ctx, ctx->sni_userdata);
    if (r == 0)
        return SSL_TLSEXT_ERR_OK;
    /* Python: an int return is sent as a fatal alert; an exception
     * becomes handshake_failure. */
    *alert = r > 0 && r < 256 ? r : SSL_AD_HANDSHAKE_FAILURE;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int cssl_context_set_sni_callback(cssl_context *ctx, cssl_sni_callback cb, void *userdata)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE(ctx->protocol != CSSL_PROTOCOL_TLS_CLIENT, CSSL_EVALUE,
                "sni_callback cannot be set on TLS_CLIENT context");
    ctx->sni_cb = cb;
    ctx->sni_userdata = userdata;
    SSL_CTX_set_tlsext_servername_callback(ctx->ssl_ctx, (cb ? servername : NULL));
    SSL_CTX_set_tlsext_servername_arg(ctx->ssl_ctx, cb ? ctx : NULL);
    return CSSL_OK;
}

/* ---- PSK ------------------------------------------------------------------ */

static unsigned int psk_client(SSL *ssl, const char *hint, char *identity,
                               unsigned int max_identity_len, unsigned char *psk,
                               unsigned int max_psk_len)
{
    cssl_context *ctx = cssl__context_of(SSL_get_SSL_CTX(ssl));
    cssl_conn *conn = SSL_get_app_data(ssl);
    if (ctx == NULL || ctx->psk_client_cb == NULL || max_identity_len == 0)
        return 0;
    char id[PSK_IDENTITY_MAX + 1] = "";
    size_t idsize = max_identity_len < sizeof id ? max_identity_len : sizeof id;
    size_t n = ctx->psk_client_cb(conn, hint, id, idsize, psk, max_psk_len,
                                  ctx->psk_client_userdata);
    size_t idlen = strnlen(id, idsize);
    if (n == 0 || n > max_psk_len || idlen >= idsize) {
        OPENSSL_cleanse(psk, max_psk_len);
        return 0;
    }
    memcpy(identity, id, idlen + 1);
    return (unsigned int)n;
}

static unsigned int psk_server(SSL *ssl, const char *identity, unsigned char *psk,
                               unsigned int max_psk_len)
{
    cssl_context *ctx = cssl__context_of(SSL_get_SSL_CTX(ssl));
    cssl_conn *conn = SSL_get_app_data(ssl);
    if (ctx == NULL || ctx->psk_server_cb == NULL)
        return 0;
    /* OpenSSL passes "" when the client sent an empty identity; Python
     * (and our header) give None / NULL. */
    size_t n = ctx->psk_server_cb(conn, identity && identity[0] ? identity : NULL, psk,
                                  max_psk_len, ctx->psk_server_userdata);
    if (n == 0 || n > max_psk_len) {
        OPENSSL_cleanse(psk, max_psk_len);
        return 0;
    }
    return (unsigned int)n;
}

int cssl_context_set_psk_client_callback(cssl_context *ctx, cssl_psk_client_callback cb,
                                         void *userdata)
{
    CSSL_ENSURE_ARG(ctx);
    if (ctx->protocol == CSSL_PROTOCOL_TLS_SERVER)
        return CSSL_RAISE_SSL("Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context");
    ctx->psk_client_cb = cb;
    ctx->psk_client_userdata = userdata;
    SSL_CTX_set_psk_client_callback(ctx->ssl_ctx, cb ? psk_client : NULL);
    return CSSL_OK;
}

int cssl_context_set_psk_server_callback(cssl_context *ctx, cssl_psk_server_callback cb,
                                         const char *identity_hint, void *userdata)
{
    CSSL_ENSURE_ARG(ctx);
    if (ctx->protocol == CSSL_PROTOCOL_TLS_CLIENT)
        return CSSL_RAISE_SSL("Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT context");
    if (SSL_CTX_use_psk_identity_hint(ctx->ssl_ctx, identity_hint) != 1) {
        /* a hint too long is queued; a failed copy of it is not */
        if (ERR_peek_error() == 0)
            return cssl__raise_nomem();
        ERR_clear_error();
        return cssl__raise(CSSL_EVALUE, "failed to set identity hint");
    }
    ctx->psk_server_cb = cb;
    ctx->psk_server_userdata = userdata;
    SSL_CTX_set_psk_server_callback(ctx->ssl_ctx, cb ? psk_server : NULL);
    return CSSL_OK;
}
