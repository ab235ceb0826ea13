/*
 * cert_json.c - cssl_cert_to_json: the decoded certificate as JSON, shaped
 * like Python's getpeercert() dict with tuples as arrays.
 *
 * The text is what Python's json.dumps(d, ensure_ascii=False) prints for
 * that dict (", " and ": " separators, \" \\ \b \f \n \r \t, other control
 * characters and NUL as lowercase \u00xx, UTF-8 passed through), so the two
 * can be compared byte for byte. Two cases Python cannot print that way:
 * byte values (BIT STRING attributes) map each byte to U+00XX, escaping
 * every byte outside printable ASCII as \u00xx; and bytes of a text value
 * that are not well-formed UTF-8 are escaped the same way, so the output is
 * always valid JSON.
 */
#include <string.h>

#include "internal.h"

typedef struct jbuf {
    char *p;
    size_t len, cap;
    bool failed;
} jbuf;

static void put(jbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->cap - b->len <= n) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->len <= n) {
            if (cap > SIZE_MAX / 2) {
                b->failed = true;
                return;
            }
            cap *= 2;
        }
        char *p = cssl__realloc(b->p, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(jbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0; /* no overlongs */
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return need;
}

static void put_escape(jbuf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    put(b, esc, sizeof esc);
}

/* A JSON string of len bytes; bytes: each byte is one code point U+00XX. */
static void put_string(jbuf *b, const char *text, size_t len, bool bytes)
{
    const unsigned char *s = (const unsigned char *)text;
    put(b, "\"", 1);
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        const char *short_esc = NULL;
        switch (c) {
        case '"': short_esc = "\\\""; break;
        case '\\': short_esc = "\\\\"; break;
        case '\b': short_esc = "\\b"; break;
        case '\f': short_esc = "\\f"; break;
        case '\n': short_esc = "\\n"; break;
        case '\r': short_esc = "\\r"; break;
        case '\t': short_esc = "\\t"; break;
        default: break;
        }
        size_t run = 0;
        if (short_esc != NULL) {
            put(b, short_esc, 2);
            i++;
        } else if (c < 0x20 || (c >= 0x80 && (bytes || (run = utf8_len(s + i, len - i)) == 0))) {
            put_escape(b, c);
            i++;
        } else {
            run = run ? run : 1;
            put(b, text + i, run);
            i += run;
        }
    }
    put(b, "\"", 1);
}

static void put_cstring(jbuf *b, const char *s)
{
    put_string(b, s, strlen(s), false);
}

static void put_name(jbuf *b, const cssl_name *name)
{
    put(b, "[", 1);
    for (size_t i = 0; i < name->count; i++) {
        const cssl_rdn *rdn = &name->rdns[i];
        puts_(b, i ? ", [" : "[");
        for (size_t j = 0; j < rdn->count; j++) {
            const cssl_name_entry *e = &rdn->entries[j];
            puts_(b, j ? ", [" : "[");
            put_cstring(b, e->name);
            puts_(b, ", ");
            put_string(b, e->value, e->value_len, e->is_bytes);
            put(b, "]", 1);
        }
        put(b, "]", 1);
    }
    put(b, "]", 1);
}

static void put_san(jbuf *b, const cssl_cert_info *info)
{
    puts_(b, ", \"subjectAltName\": [");
    for (size_t i = 0; i < info->subject_alt_name_count; i++) {
        const cssl_general_name *gn = &info->subject_alt_name[i];
        puts_(b, i ? ", [" : "[");
        put_cstring(b, gn->type);
        puts_(b, ", ");
        if (gn->dirname != NULL)
            put_name(b, gn->dirname);
        else
            put_string(b, gn->value, gn->value_len, false);
        put(b, "]", 1);
    }
    put(b, "]", 1);
}

/* A list of URIs under key, omitted when empty (as Python omits it). */
static void put_list(jbuf *b, const char *key, const cssl_string_list *list)
{
    if (list->count == 0)
        return;
    puts_(b, ", ");
    put_cstring(b, key);
    puts_(b, ": [");
    for (size_t i = 0; i < list->count; i++) {
        if (i)
            puts_(b, ", ");
        put_string(b, list->items[i], list->lengths[i], false);
    }
    put(b, "]", 1);
}

char *cssl_cert_to_json(const cssl_cert *cert)
{
    const cssl_cert_info *info = cssl_cert_get_info(cert);
    if (info == NULL)
        return NULL;
    jbuf b = {0};
    char num[32];
    puts_(&b, "{\"subject\": ");
    put_name(&b, &info->subject);
    puts_(&b, ", \"issuer\": ");
    put_name(&b, &info->issuer);
    snprintf(num, sizeof num, ", \"version\": %ld", info->version);
    puts_(&b, num);
    puts_(&b, ", \"serialNumber\": ");
    put_cstring(&b, info->serial_number);
    puts_(&b, ", \"notBefore\": ");
    put_cstring(&b, info->not_before);
    puts_(&b, ", \"notAfter\": ");
    put_cstring(&b, info->not_after);
    if (info->has_subject_alt_name)
        put_san(&b, info);
    put_list(&b, "OCSP", &info->ocsp);
    put_list(&b, "caIssuers", &info->ca_issuers);
    put_list(&b, "crlDistributionPoints", &info->crl_distribution_points);
    put(&b, "}", 1);
    if (b.failed) {
        cssl__free(b.p);
        cssl__raise_nomem();
        return NULL;
    }
    return b.p;
}
