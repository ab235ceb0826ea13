/* STUB: replaced by the real implementation. */
#include "internal.h"

cssl_cert **cssl_context_get_ca_certs(const cssl_context *ctx)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

int cssl_context_cert_store_stats(const cssl_context *ctx, cssl_cert_store_stats *stats)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}
