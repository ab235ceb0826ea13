/* STUB: replaced by the real implementation. */
#include "internal.h"

int cssl_context_load_dh_params(cssl_context *ctx, const char *path)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_context_load_cert_chain(cssl_context *ctx, const char *certfile, const char *keyfile, const char *password)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_context_load_cert_chain_cb(cssl_context *ctx, const char *certfile, const char *keyfile, cssl_password_cb cb, void *userdata)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_context_load_verify_locations(cssl_context *ctx, const char *cafile, const char *capath, const void *cadata, size_t cadata_len, int cadata_encoding)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_context_load_default_certs(cssl_context *ctx, int purpose)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_context_set_default_verify_paths(cssl_context *ctx)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_context_session_stats(const cssl_context *ctx, cssl_session_stats *stats)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}
