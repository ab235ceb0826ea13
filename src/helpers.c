/* STUB: replaced by the real implementation. */
#include "internal.h"

char *cssl_der_cert_to_pem_cert(const void *der, size_t len)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

uint8_t *cssl_pem_cert_to_der_cert(const char *pem, size_t *len)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

int cssl_cert_time_to_seconds(const char *cert_time, int64_t *seconds)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_get_default_verify_paths(cssl_verify_paths *paths)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

int cssl_rand_bytes(void *buf, size_t n)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

bool cssl_rand_status(void)
{
    return false;
}

int cssl_rand_add(const void *buf, size_t len, double entropy)
{
    return cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
}

const char *cssl_openssl_version(void)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

unsigned long cssl_openssl_version_number(void)
{
    return 0;
}

void cssl_openssl_version_info(int info[5])
{
    return;
}
