/*
 * fuzz_cert_load.c - cssl_cert_load: a certificate file, PEM if it holds a
 * "-----BEGIN " line, else DER. The file is an in-memory file holding the
 * input. Whatever the content, the answer is a certificate that survives
 * every export (fuzz_check_cert) or CSSL_ESSL / CSSL_EVALUE: the file is
 * always readable, so never CSSL_EOS.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <string.h>

#include "fuzz.h"

FUZZ_TARGET(cert_load)
{
    cssl_cert *cert = FUZZ_PTR(cssl_cert_load(fuzz_file(data, size)));
    if (cert == NULL) {
        int st = cssl_error_status();
        FUZZ_CHECK(st == CSSL_ESSL || st == CSSL_EVALUE);
        return 0;
    }
    fuzz_check_cert(cert);
    /* A file without a PEM block is one DER certificate, exactly. */
    if (memmem(data, size, "-----BEGIN ", 11) == NULL) {
        size_t len = 0;
        uint8_t *der = FUZZ_PTR(cssl_cert_to_der(cert, &len));
        cssl_cert *direct = FUZZ_PTR(cssl_cert_from_der(data, size));
        FUZZ_CHECK(der != NULL && direct != NULL);
        FUZZ_CHECK(FUZZ_RC(cssl_cert_equal(cert, direct)) == 1);
        cssl_cert_free(direct);
        cssl_free(der);
    }
    cssl_cert_free(cert);
    return 0;
}
