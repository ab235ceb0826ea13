/*
 * fuzz_pem_der.c - ssl.DER_cert_to_PEM_cert and ssl.PEM_cert_to_DER_cert
 * (cssl_der_cert_to_pem_cert, cssl_pem_cert_to_der_cert), both directions:
 *  - any bytes become PEM text of 64-column lines between the header and
 *    footer, and that text converts back to exactly the same bytes;
 *  - any text either converts to DER, whose PEM converts back to the same
 *    DER, or is refused with CSSL_EVALUE (every Python error here is a
 *    ValueError).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* The layout DER_cert_to_PEM_cert promises. */
static void check_layout(const char *pem, size_t der_len)
{
    static const char header[] = CSSL_PEM_HEADER "\n";
    static const char footer[] = CSSL_PEM_FOOTER "\n";
    size_t len = strlen(pem), hlen = sizeof header - 1, flen = sizeof footer - 1;
    FUZZ_CHECK(len >= hlen + flen);
    FUZZ_CHECK(memcmp(pem, header, hlen) == 0);
    FUZZ_CHECK(memcmp(pem + len - flen, footer, flen) == 0);
    size_t chars = 0;
    const char *end = pem + len - flen;
    for (const char *line = pem + hlen; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        FUZZ_CHECK(nl != NULL);
        size_t n = (size_t)(nl - line);
        FUZZ_CHECK(n > 0 && n <= 64);
        FUZZ_CHECK(n == 64 || nl + 1 == end); /* only the last line is short */
        chars += n;
        line = nl + 1;
    }
    FUZZ_CHECK(chars == (der_len + 2) / 3 * 4);
}

static void der_to_pem_to_der(const uint8_t *der, size_t size)
{
    char *pem = FUZZ_PTR(cssl_der_cert_to_pem_cert(der, size));
    FUZZ_CHECK(pem != NULL);
    check_layout(pem, size);
    size_t len = 0;
    uint8_t *back = FUZZ_PTR(cssl_pem_cert_to_der_cert(pem, &len));
    FUZZ_CHECK(back != NULL);
    FUZZ_CHECK(len == size && (size == 0 || memcmp(back, der, size) == 0));
    cssl_free(back);
    cssl_free(pem);
}

FUZZ_TARGET(pem_der)
{
    der_to_pem_to_der(data, size);

    char *text = fuzz_cstring(data, size);
    fuzz_messages_utf8 = fuzz_utf8_valid(text, strlen(text));
    size_t len = 12345;
    uint8_t *der = FUZZ_PTR(cssl_pem_cert_to_der_cert(text, &len));
    if (der == NULL) {
        FUZZ_CHECK(cssl_error_status() == CSSL_EVALUE);
        FUZZ_CHECK(len == 12345); /* written only on success */
    } else {
        FUZZ_CHECK(len <= strlen(text));
        der_to_pem_to_der(der, len);
        cssl_free(der);
    }
    free(text);
    return 0;
}
