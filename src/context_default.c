/*
 * context_default.c - ssl.create_default_context() and
 * ssl._create_unverified_context(), step by step as Lib/ssl.py does them.
 */
#include <stdlib.h>

#include "internal.h"

/* Talking to servers (SERVER_AUTH) needs a client context, and back. */
static cssl_context *new_for_purpose(int purpose)
{
    switch (purpose) {
    case CSSL_PURPOSE_SERVER_AUTH: return cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    case CSSL_PURPOSE_CLIENT_AUTH: return cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    default: cssl__raisef(CSSL_EVALUE, "invalid purpose %d", purpose); return NULL;
    }
}

/* Python: SSLKEYLOGFILE is honoured only by the two factory functions. */
static int apply_keylog_env(cssl_context *ctx)
{
    const char *path = getenv("SSLKEYLOGFILE");
    if (path == NULL || *path == '\0')
        return CSSL_OK;
    return cssl_context_set_keylog_filename(ctx, path);
}

static cssl_context *fail(cssl_context *ctx)
{
    cssl_context_free(ctx);
    return NULL;
}

cssl_context *cssl_create_default_context(int purpose, const char *cafile, const char *capath,
                                          const void *cadata, size_t cadata_len,
                                          int cadata_encoding)
{
    cssl_context *ctx = new_for_purpose(purpose);
    if (ctx == NULL)
        return NULL;
    if (purpose == CSSL_PURPOSE_SERVER_AUTH &&
        (cssl_context_set_verify_mode(ctx, CSSL_CERT_REQUIRED) < 0 ||
         cssl_context_set_check_hostname(ctx, true) < 0))
        return fail(ctx);
    /* Python 3.13: stricter chain checks for both purposes. */
    unsigned long flags = cssl_context_verify_flags(ctx);
    if (cssl_context_set_verify_flags(ctx, flags | CSSL_VERIFY_X509_PARTIAL_CHAIN |
                                               CSSL_VERIFY_X509_STRICT) < 0)
        return fail(ctx);
    if (cafile != NULL || capath != NULL || cadata != NULL) {
        if (cssl_context_load_verify_locations(ctx, cafile, capath, cadata, cadata_len,
                                               cadata_encoding) < 0)
            return fail(ctx);
    } else if (cssl_context_verify_mode(ctx) != CSSL_CERT_NONE) {
        if (cssl_context_load_default_certs(ctx, purpose) < 0)
            return fail(ctx);
    }
    if (apply_keylog_env(ctx) < 0)
        return fail(ctx);
    return ctx;
}

cssl_context *cssl_create_unverified_context(int purpose)
{
    cssl_context *ctx = new_for_purpose(purpose);
    if (ctx == NULL)
        return NULL;
    /* check_hostname off first, so that CERT_NONE may then be set. */
    if (cssl_context_set_check_hostname(ctx, false) < 0 ||
        cssl_context_set_verify_mode(ctx, CSSL_CERT_NONE) < 0 || apply_keylog_env(ctx) < 0)
        return fail(ctx);
    return ctx;
}
