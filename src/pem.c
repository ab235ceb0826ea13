/*
 * pem.c - ssl.DER_cert_to_PEM_cert and ssl.PEM_cert_to_DER_cert.
 *
 * Python's versions (Lib/ssl.py) are a few lines over base64 and str
 * methods; the behaviour kept here is theirs in every detail: the header is
 * checked on the raw text, the footer on the text stripped of Unicode
 * whitespace, the body must be ASCII (str.encode('ascii') raises
 * UnicodeEncodeError otherwise) and is decoded like binascii.a2b_base64 in
 * its default, non-strict mode: characters outside the alphabet are
 * skipped, decoding stops at the padding that completes a quantum, and an
 * unfinished quantum is binascii.Error. All of these are CSSL_EVALUE (every
 * one of Python's exceptions here is a ValueError) with Python's text.
 */
#include <string.h>

#include "internal.h"

#define HEADER_LEN (sizeof CSSL_PEM_HEADER - 1)
#define FOOTER_LEN (sizeof CSSL_PEM_FOOTER - 1)
#define LINE_CHARS 64

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- DER -> PEM -------------------------------------------------------- */

/* Base64 of one group of 1-3 bytes, '='-padded to 4 characters. */
static void encode_group(const uint8_t *in, size_t n, char out[4])
{
    uint32_t v = (uint32_t)in[0] << 16;
    if (n > 1)
        v |= (uint32_t)in[1] << 8;
    if (n > 2)
        v |= in[2];
    out[0] = b64_alphabet[(v >> 18) & 63];
    out[1] = b64_alphabet[(v >> 12) & 63];
    out[2] = n > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
    out[3] = n > 2 ? b64_alphabet[v & 63] : '=';
}

char *cssl_der_cert_to_pem_cert(const void *der, size_t len)
{
    CSSL_ENSURE_ARG_PTR(der);
    /* Python raises MemoryError when the text cannot be allocated; sizes
     * that do not even fit a size_t are that case. */
    if (len > SIZE_MAX / 2) {
        cssl__raise_nomem();
        return NULL;
    }
    size_t chars = (len + 2) / 3 * 4;
    size_t lines = (chars + LINE_CHARS - 1) / LINE_CHARS;
    char *pem = cssl__malloc(HEADER_LEN + 1 + chars + lines + FOOTER_LEN + 2);
    if (pem == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    const uint8_t *in = der;
    char *p = pem;
    memcpy(p, CSSL_PEM_HEADER "\n", HEADER_LEN + 1);
    p += HEADER_LEN + 1;
    /* Python: the base64 text in 64-character lines, each ending in "\n". */
    for (size_t i = 0, col = 0; i < len; i += 3) {
        encode_group(in + i, len - i < 3 ? len - i : 3, p);
        p += 4;
        col += 4;
        if (col == LINE_CHARS || i + 3 >= len) {
            *p++ = '\n';
            col = 0;
        }
    }
    memcpy(p, CSSL_PEM_FOOTER "\n", FOOTER_LEN + 2);
    return pem;
}

/* ---- PEM -> DER -------------------------------------------------------- */

/* Length of text once str.strip() has removed trailing whitespace. */
static size_t stripped_len(const char *text, size_t len)
{
    size_t end = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = cssl__utf8_decode(text + i, len - i, &cp);
        i += k;
        if (!cssl__uni_isspace(cp))
            end = i;
    }
    return end;
}

/* Python: body.encode('ascii', 'strict'); the UnicodeEncodeError names the
 * first run of non-ASCII characters by their position in the body. */
static int check_ascii(const char *body, size_t len)
{
    size_t i = 0;
    while (i < len && (unsigned char)body[i] < 0x80)
        i++;
    if (i == len)
        return CSSL_OK;
    size_t pos = i; /* everything before is ASCII: bytes == characters */
    size_t run = 0;
    uint32_t first = 0;
    while (i < len && (unsigned char)body[i] >= 0x80) {
        uint32_t cp;
        i += cssl__utf8_decode(body + i, len - i, &cp);
        if (run++ == 0)
            first = cp;
    }
    if (run > 1)
        return cssl__raisef(CSSL_EVALUE,
                            "'ascii' codec can't encode characters in position %zu-%zu: "
                            "ordinal not in range(128)",
                            pos, pos + run - 1);
    const char *fmt = first <= 0xFF     ? "\\x%02x"
                      : first <= 0xFFFF ? "\\u%04x"
                                        : "\\U%08x";
    char ch[12];
    snprintf(ch, sizeof ch, fmt, (unsigned)first);
    return cssl__raisef(CSSL_EVALUE,
                        "'ascii' codec can't encode character '%s' in position %zu: "
                        "ordinal not in range(128)",
                        ch, pos);
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/*
 * binascii.a2b_base64(text) with strict_mode=False. A '=' counts only once
 * two data characters of the quantum are in (earlier ones are skipped), and
 * decoding ends when the quantum is complete counting those '='s; data
 * characters between '='s reset the count. Writes at most len * 3 / 4 bytes.
 */
static int b64_decode(const char *text, size_t len, uint8_t *out, size_t *outlen)
{
    size_t n = 0;
    unsigned quad = 0, pads = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '=') {
            if (quad >= 2 && quad + ++pads >= 4)
                goto done;
            continue;
        }
        int v = b64_value(c);
        if (v < 0)
            continue;
        pads = 0;
        acc = (acc << 6) | (uint32_t)v;
        if (quad > 0)
            out[n++] = (uint8_t)(acc >> (6 - 2 * quad));
        acc &= (1u << (6 - 2 * quad)) - 1; /* keep the bits not yet written */
        quad = (quad + 1) % 4;
    }
    if (quad == 1)
        return cssl__raisef(CSSL_EVALUE,
                            "Invalid base64-encoded string: number of data characters (%zu) "
                            "cannot be 1 more than a multiple of 4",
                            n / 3 * 4 + 1);
    if (quad != 0)
        return cssl__raise(CSSL_EVALUE, "Incorrect padding");
done:
    *outlen = n;
    return CSSL_OK;
}

uint8_t *cssl_pem_cert_to_der_cert(const char *pem, size_t *len)
{
    CSSL_ENSURE_ARG_PTR(pem);
    CSSL_ENSURE_ARG_PTR(len);
    size_t total = strlen(pem);
    CSSL_ENSURE_PTR(total >= HEADER_LEN && memcmp(pem, CSSL_PEM_HEADER, HEADER_LEN) == 0,
                    CSSL_EVALUE, "Invalid PEM encoding; must start with " CSSL_PEM_HEADER);
    /* Python: the footer is looked for on the stripped text. */
    size_t end = stripped_len(pem, total);
    CSSL_ENSURE_PTR(end >= FOOTER_LEN &&
                        memcmp(pem + end - FOOTER_LEN, CSSL_PEM_FOOTER, FOOTER_LEN) == 0,
                    CSSL_EVALUE, "Invalid PEM encoding; must end with " CSSL_PEM_FOOTER);
    /* Python: text[len(HEADER):-len(FOOTER)] is empty when the header and
     * footer share their dashes ("-----BEGIN CERTIFICATE-----END ..."). */
    const char *body = pem + HEADER_LEN;
    size_t body_len = end - FOOTER_LEN > HEADER_LEN ? end - FOOTER_LEN - HEADER_LEN : 0;
    if (check_ascii(body, body_len) < 0)
        return NULL;
    uint8_t *der = cssl__malloc(body_len / 4 * 3 + 3);
    if (der == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    size_t n = 0;
    if (b64_decode(body, body_len, der, &n) < 0) {
        cssl__free(der);
        return NULL;
    }
    *len = n;
    return der;
}
