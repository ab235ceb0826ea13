/* STUB: replaced by the real implementation. */
#include "internal.h"

int cssl_context_set_ciphers(cssl_context *ctx, const char *ciphers)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_context_set_ciphersuites(cssl_context *ctx, const char *suites)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_context_set_groups(cssl_context *ctx, const char *groups)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_context_set_ecdh_curve(cssl_context *ctx, const char *name)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

cssl_cipher_info *cssl_context_get_ciphers(const cssl_context *ctx, size_t *count)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}
