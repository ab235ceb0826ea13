/*
 * fuzz_cert_der.c - cssl_cert_from_der: one DER certificate of exactly the
 * input's length. A decoded certificate must survive every export and
 * decode back to itself (fuzz_check_cert); a refused one fails with
 * CSSL_ESSL (OpenSSL's reason, or trailing data), never anything else.
 */
#include "fuzz.h"

FUZZ_TARGET(cert_der)
{
    cssl_cert *cert = FUZZ_PTR(cssl_cert_from_der(data, size));
    if (cert == NULL) {
        int st = cssl_error_status();
        FUZZ_CHECK(st == CSSL_ESSL || (size == 0 && st == CSSL_EVALUE));
        return 0;
    }
    fuzz_check_cert(cert);
    cssl_cert_free(cert);
    return 0;
}
