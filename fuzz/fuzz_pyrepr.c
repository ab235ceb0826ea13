/*
 * fuzz_pyrepr.c - the text helpers every error message goes through
 * (pyunicode.c, flags.c): the surrogateescape UTF-8 decoder, Python's
 * repr() of user input into bounded buffers, bounded message text, and
 * the option/verify-flag renderers.
 *
 * Invariants: decoding walks every byte, yielding either the code point of
 * a well-formed sequence (which encodes back to the same bytes) or
 * U+DC80-U+DCFF for one undecodable byte; repr() output is valid UTF-8,
 * NUL-terminated within the buffer, quoted, and a cut output is a prefix
 * of the full one; bounded text is a prefix of its input cut at a
 * character boundary; the renderers behave like snprintf (a cut output is
 * a prefix of the full text, whose length they return).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void check_decoder(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t k = cssl__utf8_decode(s + i, len - i, &cp);
        FUZZ_CHECK(k >= 1 && k <= 4 && k <= len - i);
        unsigned char b = (unsigned char)s[i];
        if (cp >= 0xDC80 && cp <= 0xDCFF) { /* surrogateescape of one byte */
            FUZZ_CHECK(k == 1 && cp == 0xDC00u + b && b >= 0x80);
        } else {
            char enc[4];
            FUZZ_CHECK(cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF));
            FUZZ_CHECK(utf8_encode(cp, enc) == k && memcmp(enc, s + i, k) == 0);
        }
        (void)cssl__uni_isspace(cp);
        (void)cssl__uni_isprintable(cp);
        int d = cssl__uni_decimal(cp);
        FUZZ_CHECK(d >= -1 && d <= 9);
        i += k;
    }
}

/* repr() into a buffer of exactly size bytes (so overruns are caught). */
static char *repr(const char *s, size_t len, size_t size, size_t *n)
{
    char *out = malloc(size ? size : 1);
    FUZZ_CHECK(out != NULL);
    *n = cssl__py_repr(s, len, size ? out : NULL, size);
    if (size == 0) {
        FUZZ_CHECK(*n == 0);
        out[0] = '\0';
        return out;
    }
    FUZZ_CHECK(*n < size && out[*n] == '\0' && strlen(out) == *n);
    FUZZ_CHECK(fuzz_utf8_valid(out, *n));
    FUZZ_CHECK(*n == 0 || out[0] == '\'' || out[0] == '"');
    return out;
}

static void check_repr(const char *s, size_t len, size_t cut)
{
    size_t n_full, n_cut;
    /* Worst case: every byte a "\udcNN" escape, plus the quotes and NUL. */
    char *full = repr(s, len, len * 6 + 3, &n_full);
    FUZZ_CHECK(n_full >= 2 && full[n_full - 1] == full[0]);
    char *part = repr(s, len, cut, &n_cut);
    FUZZ_CHECK(n_cut <= n_full && memcmp(part, full, n_cut) == 0);
    free(part);
    free(full);
}

static void check_text(const char *s, size_t len, size_t size)
{
    char *buf = malloc(size ? size : 1);
    FUZZ_CHECK(buf != NULL);
    cssl__text t;
    cssl__text_init(&t, buf, size);
    cssl__text_put(&t, s, len);
    FUZZ_CHECK(t.len <= len && (size == 0 || t.len < size));
    FUZZ_CHECK(size == 0 || t.truncated == (t.len < len));
    if (size > 0)
        FUZZ_CHECK(buf[t.len] == '\0' && memcmp(buf, s, t.len) == 0);
    /* Cut at a character boundary: what follows starts a new character. */
    if (t.len < len && t.len > 0) {
        uint32_t cp;
        size_t at = 0;
        while (at < t.len)
            at += cssl__utf8_decode(s + at, len - at, &cp);
        FUZZ_CHECK(at == t.len);
    }
    free(buf);
}

static void check_flags(uint64_t value, size_t size, bool verify)
{
    char full[1024];
    char *part = malloc(size ? size : 1);
    FUZZ_CHECK(part != NULL);
    size_t n = verify ? cssl_verify_flags_to_string((unsigned long)value, full, sizeof full)
                      : cssl_options_to_string(value, full, sizeof full);
    FUZZ_CHECK(n > 0 && n < sizeof full && strlen(full) == n);
    size_t m = verify ? cssl_verify_flags_to_string((unsigned long)value, part, size)
                      : cssl_options_to_string(value, part, size);
    FUZZ_CHECK(m == n);
    if (size > 0) {
        size_t kept = n < size ? n : size - 1;
        FUZZ_CHECK(part[kept] == '\0' && memcmp(part, full, kept) == 0);
    }
    free(part);
}

FUZZ_TARGET(pyrepr)
{
    fuzz_reader in = {data, size};
    size_t cut = fuzz_byte(&in);
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = value << 8 | fuzz_byte(&in);
    const uint8_t *rest;
    size_t len = fuzz_take(&in, SIZE_MAX, &rest);
    const char *s = (const char *)rest;
    check_decoder(s, len);
    check_repr(s, len, cut);
    check_text(s, len, cut);
    check_flags(value, cut % 96, false);
    check_flags(value, cut % 96, true);
    return 0;
}
