/*
 * fuzz_cert_pem.c - cssl_cert_from_pem: the first certificate of PEM text
 * (not NUL-terminated: the input buffer is exactly size bytes, so reading
 * past it is caught). A decoded certificate must survive every export
 * (fuzz_check_cert).
 */
#include "fuzz.h"

FUZZ_TARGET(cert_pem)
{
    cssl_cert *cert = FUZZ_PTR(cssl_cert_from_pem((const char *)data, size));
    if (cert == NULL) {
        int st = cssl_error_status();
        FUZZ_CHECK(st == CSSL_ESSL || (size == 0 && st == CSSL_EVALUE));
        return 0;
    }
    fuzz_check_cert(cert);
    cssl_cert_free(cert);
    return 0;
}
