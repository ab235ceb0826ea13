/*
 * fuzz_cadata.c - SSLContext.load_verify_locations with the input as
 * cadata (PEM or DER) or as a cafile (PEM certificates and CRLs), on a
 * fresh context. The first byte picks which. A refused load adds nothing
 * (the store stays empty); an accepted one adds at least one object, and
 * get_ca_certs returns exactly the CA certificates cert_store_stats
 * counts, each of which survives every export (fuzz_check_cert) - or,
 * if one of them cannot be decoded, fails with CSSL_ESSL as Python does.
 */
#include "fuzz.h"

FUZZ_TARGET(cadata)
{
    fuzz_reader in = {data, size};
    int mode = fuzz_byte(&in) % 3;
    const uint8_t *bytes;
    size_t len = fuzz_take(&in, SIZE_MAX, &bytes);
    cssl_context *ctx = FUZZ_PTR(cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT));
    FUZZ_CHECK(ctx != NULL);
    int rc;
    if (mode == 2)
        rc = (int)FUZZ_RC(
            cssl_context_load_verify_locations(ctx, fuzz_file(bytes, len), NULL, NULL, 0, 0));
    else
        rc = (int)FUZZ_RC(cssl_context_load_verify_locations(
            ctx, NULL, NULL, bytes, len, mode == 0 ? CSSL_ENCODING_PEM : CSSL_ENCODING_DER));
    cssl_cert_store_stats stats;
    FUZZ_CHECK(FUZZ_RC(cssl_context_cert_store_stats(ctx, &stats)) == CSSL_OK);
    if (rc < 0) {
        FUZZ_CHECK(rc == CSSL_ESSL || (rc == CSSL_EVALUE && len == 0));
        FUZZ_CHECK(stats.x509 == 0 && stats.crl == 0);
    } else {
        FUZZ_CHECK(stats.x509 + stats.crl > 0);
        FUZZ_CHECK(mode == 2 || stats.crl == 0);
        FUZZ_CHECK(stats.x509_ca <= stats.x509);
        cssl_cert **cas = FUZZ_PTR(cssl_context_get_ca_certs(ctx));
        if (cas == NULL) {
            /* A CA whose names cannot be decoded (an attribute that is no
             * string) fails the whole call, as Python's get_ca_certs. */
            FUZZ_CHECK(cssl_error_status() == CSSL_ESSL);
        } else {
            size_t n = 0;
            for (; cas[n] != NULL; n++)
                fuzz_check_cert(cas[n]);
            FUZZ_CHECK(n == stats.x509_ca);
            cssl_cert_list_free(cas);
        }
    }
    cssl_context_free(ctx);
    return 0;
}
