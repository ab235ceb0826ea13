/*
 * pyunicode.c - just enough of Python's str model to reproduce its parsers
 * and messages over the UTF-8 C strings of the API.
 *
 * A C string is read as Python reads bytes with
 * bytes.decode('utf-8', 'surrogateescape'): valid UTF-8 gives its code
 * points, every other byte b gives the lone surrogate U+DC00+b, so any input
 * has a meaning and non-UTF-8 input round-trips. The character properties
 * (isspace, isprintable, isdecimal) come from tables generated from Python's
 * unicodedata by tools/dev/gen_unicode_tables.py.
 */
#include <string.h>

#include "internal.h"

#include "unicode_tables.h"

size_t cssl__utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char b = p[0];
    size_t need;
    uint32_t v, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1, v = b & 0x1F, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2, v = b & 0x0F, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3, v = b & 0x07, min = 0x10000;
    } else {
        goto invalid;
    }
    if (len < need + 1)
        goto invalid;
    for (size_t i = 1; i <= need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            goto invalid;
        v = (v << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms, encoded surrogates and values past U+10FFFF are
     * invalid for Python's strict UTF-8 decoder too. */
    if (v < min || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
        goto invalid;
    *cp = v;
    return need + 1;
invalid:
    /* Python: surrogateescape maps each undecodable byte on its own. */
    *cp = 0xDC00 + b;
    return 1;
}

static bool in_ranges(const cssl__cp_range *r, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

#define NRANGES(a) (sizeof(a) / sizeof((a)[0]))

bool cssl__uni_isspace(uint32_t cp)
{
    return in_ranges(space_ranges, NRANGES(space_ranges), cp);
}

bool cssl__uni_isprintable(uint32_t cp)
{
    return !in_ranges(nonprintable_ranges, NRANGES(nonprintable_ranges), cp);
}

int cssl__uni_decimal(uint32_t cp)
{
    for (size_t i = 0; i < NRANGES(decimal_ranges); i++)
        if (cp >= decimal_ranges[i].lo && cp <= decimal_ranges[i].hi)
            return (int)((cp - decimal_ranges[i].lo) % 10);
    return -1;
}

const char *cssl__unicode_version(void)
{
    return CSSL__UNICODE_VERSION;
}

/* ---- bounded message text ------------------------------------------- */

void cssl__text_init(cssl__text *t, char *buf, size_t size)
{
    t->buf = buf;
    t->size = size;
    t->len = 0;
    t->truncated = size == 0;
    if (size > 0)
        buf[0] = '\0';
}

/* Append n bytes as one unit: all of them, or nothing and stop for good. */
void cssl__text_unit(cssl__text *t, const char *s, size_t n)
{
    if (t->truncated || t->size - t->len <= n) {
        t->truncated = true;
        return;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

/* Append text a character at a time, so a cut never splits a character. */
void cssl__text_put(cssl__text *t, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !t->truncated) {
        uint32_t cp;
        size_t k = cssl__utf8_decode(s + i, n - i, &cp);
        cssl__text_unit(t, s + i, k);
        i += k;
    }
}

void cssl__text_puts(cssl__text *t, const char *s)
{
    cssl__text_put(t, s, strlen(s));
}

/* repr() of one non-ASCII code point as Python writes it into a str repr:
 * itself if printable, else \xHH, \uHHHH or \UHHHHHHHH. */
static void repr_wide(cssl__text *t, const char *src, size_t n, uint32_t cp)
{
    char esc[12];
    if (cssl__uni_isprintable(cp)) {
        cssl__text_unit(t, src, n);
        return;
    }
    if (cp <= 0xFF)
        snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
    else if (cp <= 0xFFFF)
        snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
    else
        snprintf(esc, sizeof esc, "\\U%08x", (unsigned)cp);
    cssl__text_unit(t, esc, strlen(esc));
}

/* Python: unicode_repr (quote choice, \t \n \r, \xHH below 0x20 and 0x7f). */
void cssl__text_repr(cssl__text *t, const char *s, size_t len)
{
    bool has_single = memchr(s, '\'', len) != NULL;
    bool has_double = memchr(s, '"', len) != NULL;
    char quote = (has_single && !has_double) ? '"' : '\'';
    cssl__text_unit(t, &quote, 1);
    for (size_t i = 0; i < len && !t->truncated;) {
        uint32_t cp;
        size_t k = cssl__utf8_decode(s + i, len - i, &cp);
        char esc[5];
        if (cp == (uint32_t)quote || cp == '\\') {
            esc[0] = '\\', esc[1] = (char)cp;
            cssl__text_unit(t, esc, 2);
        } else if (cp == '\t' || cp == '\n' || cp == '\r') {
            esc[0] = '\\', esc[1] = cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r';
            cssl__text_unit(t, esc, 2);
        } else if (cp < 0x20 || cp == 0x7F) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
            cssl__text_unit(t, esc, 4);
        } else if (cp < 0x80) {
            cssl__text_unit(t, s + i, 1);
        } else {
            repr_wide(t, s + i, k, cp);
        }
        i += k;
    }
    cssl__text_unit(t, &quote, 1);
}
