/* STUB: replaced by the real implementation. */
#include "internal.h"

cssl_cert *cssl_cert_from_pem(const char *pem, size_t len)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

cssl_cert *cssl_cert_from_der(const void *der, size_t len)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

cssl_cert *cssl_cert_load(const char *path)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

void cssl_cert_free(cssl_cert *cert)
{
    return;
}

void cssl_cert_list_free(cssl_cert **certs)
{
    return;
}

const cssl_cert_info *cssl_cert_get_info(const cssl_cert *cert)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

uint8_t *cssl_cert_to_der(const cssl_cert *cert, size_t *len)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

char *cssl_cert_to_pem(const cssl_cert *cert)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

char *cssl_cert_to_json(const cssl_cert *cert)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

char *cssl_cert_subject_rfc2253(const cssl_cert *cert)
{
    cssl__raise(CSSL_EUNSUPPORTED, "not implemented yet");
    return NULL;
}

bool cssl_cert_equal(const cssl_cert *a, const cssl_cert *b)
{
    return false;
}

cssl_cert *cssl__cert_from_x509(X509 *x509)
{
    return NULL;
}

X509 *cssl__cert_x509(const cssl_cert *cert)
{
    return NULL;
}
