/*
 * idna.c - host names to their A-label (ASCII) form, as Python's
 * SSLSocket does with the "idna" codec before handing a name to OpenSSL.
 *
 * ASCII labels pass unchanged; a label with non-ASCII characters (UTF-8)
 * becomes "xn--" + its Punycode (RFC 3492). The IDNA 2003 nameprep mapping
 * (case folding, NFKC) is not applied: non-ASCII input must already be in
 * its normalized lowercase form.
 */
#include <string.h>

#include "internal.h"

#define MAX_LABEL 63
#define MAX_CODEPOINTS 256

/* RFC 3492 parameters */
enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700, INITIAL_BIAS = 72, INITIAL_N = 128 };

static char digit(unsigned d)
{
    return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

static unsigned adapt(unsigned delta, unsigned points, bool first)
{
    delta = first ? delta / DAMP : delta / 2;
    delta += delta / points;
    unsigned k = 0;
    while (delta > ((BASE - TMIN) * TMAX) / 2) {
        delta /= BASE - TMIN;
        k += BASE;
    }
    return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

/* Decode one UTF-8 label into code points; -1 if malformed. */
static int utf8_decode(const unsigned char *s, size_t len, unsigned *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i], cp, extra;
        if (c < 0x80) { cp = c; extra = 0; }
        else if ((c & 0xe0) == 0xc0) { cp = c & 0x1f; extra = 1; }
        else if ((c & 0xf0) == 0xe0) { cp = c & 0x0f; extra = 2; }
        else if ((c & 0xf8) == 0xf0) { cp = c & 0x07; extra = 3; }
        else return -1;
        if ((extra > 0 && i + extra >= len) || n == max)
            return -1;
        for (unsigned k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* RFC 3629: overlong forms are invalid too (C0 AE would be a '.'
         * hidden inside a label). */
        static const unsigned min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        out[n++] = cp;
        i += extra + 1;
    }
    return (int)n;
}

/* Punycode-encode code points into out (NUL-terminated); -1 on overflow. */
static int punycode(const unsigned *cp, size_t n, char *out, size_t size)
{
    size_t o = 0, basic = 0;
    for (size_t i = 0; i < n; i++)
        if (cp[i] < 0x80) {
            if (o + 1 >= size)
                return -1;
            out[o++] = (char)cp[i];
            basic++;
        }
    if (basic > 0) {
        if (o + 1 >= size)
            return -1;
        out[o++] = '-';
    }
    unsigned code = INITIAL_N, delta = 0, bias = INITIAL_BIAS;
    for (size_t h = basic; h < n;) {
        unsigned m = 0x110000;
        for (size_t i = 0; i < n; i++)
            if (cp[i] >= code && cp[i] < m)
                m = cp[i];
        delta += (m - code) * (unsigned)(h + 1);
        code = m;
        for (size_t i = 0; i < n; i++) {
            if (cp[i] < code)
                delta++;
            if (cp[i] != code)
                continue;
            unsigned q = delta;
            for (unsigned k = BASE;; k += BASE) {
                unsigned t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
                if (q < t)
                    break;
                if (o + 1 >= size)
                    return -1;
                out[o++] = digit(t + (q - t) % (BASE - t));
                q = (q - t) / (BASE - t);
            }
            if (o + 1 >= size)
                return -1;
            out[o++] = digit(q);
            bias = adapt(delta, (unsigned)(h + 1), h == basic);
            delta = 0;
            h++;
        }
        delta++;
        code++;
    }
    out[o] = '\0';
    return (int)o;
}

/* Python 3.13's idna codec errors: positions count characters of the
 * whole name; a one-character span is the dot of an empty label. */
static int label_error(const char *reason, size_t start, size_t end)
{
    if (end == start + 1)
        return cssl__raisef(CSSL_EVALUE,
                            "'idna' codec can't encode character '\\x2e' in position %zu: %s",
                            start, reason);
    return cssl__raisef(CSSL_EVALUE, "'idna' codec can't encode characters in position %zu-%zu: %s",
                        start, end - 1, reason);
}

static size_t count_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

/* Only the last label may be empty (a trailing dot). */
static int check_empty_labels(const char *host)
{
    size_t pos = 0;
    for (const char *label = host;;) {
        const char *dot = strchr(label, '.');
        if (dot == NULL)
            return CSSL_OK;
        if (dot == label)
            return label_error("label empty", pos, pos + 1);
        pos += count_chars(label, (size_t)(dot - label)) + 1;
        label = dot + 1;
    }
}

char *cssl__idna_encode(const char *host)
{
    if (check_empty_labels(host) < 0)
        return NULL;
    size_t len = strlen(host);
    /* An encoded label is at most 4 times its UTF-8 ("ü" becomes "xn--tda"). */
    char *out = cssl__zalloc(len * 4 + 16);
    if (out == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    size_t o = 0, pos = 0, nchars = 0;
    for (const char *label = host; label != NULL;) {
        const char *dot = strchr(label, '.');
        size_t llen = dot ? (size_t)(dot - label) : strlen(label);
        nchars = llen;
        bool label_ascii = true;
        for (size_t i = 0; i < llen; i++)
            label_ascii = label_ascii && (unsigned char)label[i] < 0x80;
        if (label_ascii) {
            if (llen > MAX_LABEL)
                goto too_long;
            memcpy(out + o, label, llen);
            o += llen;
        } else {
            nchars = count_chars(label, llen);
            if (nchars > MAX_CODEPOINTS)
                goto too_long; /* far over 63 bytes once encoded */
            unsigned cps[MAX_CODEPOINTS];
            int ncp = utf8_decode((const unsigned char *)label, llen, cps, MAX_CODEPOINTS);
            if (ncp < 0)
                goto bad;
            nchars = (size_t)ncp;
            char enc[MAX_CODEPOINTS * 8];
            int elen = punycode(cps, nchars, enc, sizeof enc);
            if (elen < 0)
                goto bad;
            if (4 + (size_t)elen > MAX_LABEL)
                goto too_long;
            memcpy(out + o, "xn--", 4);
            memcpy(out + o + 4, enc, (size_t)elen);
            o += 4 + (size_t)elen;
        }
        pos += nchars + 1;
        if (dot)
            out[o++] = '.';
        label = dot ? dot + 1 : NULL;
    }
    out[o] = '\0';
    return out;
too_long:
    cssl__free(out);
    label_error("label too long", pos, pos + nchars);
    return NULL;
bad:
    cssl__free(out);
    cssl__raise(CSSL_EVALUE, "server_hostname is not a valid UTF-8 IDNA host name");
    return NULL;
}
