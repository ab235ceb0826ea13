/*
 * fuzz_hostname.c - server_hostname: the name a client connection is
 * given, turned into its A-label (the IDNA encoder, idna.c), set as SNI and
 * as the name to check, then sent in a ClientHello.
 *
 * Invariants: the name is refused with CSSL_EVALUE (empty, leading dot,
 * empty label, label too long, not UTF-8) or CSSL_ESSL (OpenSSL refuses
 * the SNI), or accepted; an accepted name is ASCII, has as many labels as
 * the input, only the last of them empty, none over 63 bytes; ASCII labels
 * are unchanged and every other one is "xn--" followed by Punycode that
 * decodes (RFC 3492 6.2, implemented here independently) to exactly the
 * input label's code points.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_tls.h"

enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
#define MAX_CP 1024

static uint32_t adapt(uint32_t delta, uint32_t points, bool first)
{
    delta /= first ? DAMP : 2;
    delta += delta / points;
    uint32_t k = 0;
    for (; delta > ((BASE - TMIN) * TMAX) / 2; k += BASE)
        delta /= BASE - TMIN;
    return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

static int digit_value(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '0' && c <= '9')
        return c - '0' + 26;
    return -1;
}

/* RFC 3492 6.2; -1 on malformed input. */
static long puny_decode(const char *in, size_t len, uint32_t *out)
{
    size_t basic = 0;
    for (size_t i = 0; i < len; i++)
        if (in[i] == '-')
            basic = i;
    size_t n_out = 0;
    for (size_t i = 0; i < basic; i++)
        out[n_out++] = (unsigned char)in[i];
    uint32_t n = 128, bias = 72;
    uint64_t i = 0;
    for (size_t at = basic > 0 ? basic + 1 : 0; at < len;) {
        uint64_t old = i, w = 1;
        for (uint32_t k = BASE;; k += BASE) {
            if (at >= len)
                return -1;
            int d = digit_value(in[at++]);
            if (d < 0)
                return -1;
            i += (uint64_t)d * w;
            uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
            if ((uint32_t)d < t)
                break;
            w *= BASE - t;
            if (i > UINT32_MAX || w > UINT32_MAX)
                return -1;
        }
        bias = adapt((uint32_t)(i - old), (uint32_t)n_out + 1, old == 0);
        n += (uint32_t)(i / (n_out + 1));
        i %= n_out + 1;
        if (n_out == MAX_CP)
            return -1;
        memmove(out + i + 1, out + i, (n_out - i) * sizeof *out);
        out[i++] = n;
        n_out++;
    }
    return (long)n_out;
}

/* The code points of a UTF-8 label (the library accepted it: valid). */
static long utf8_decode(const char *s, size_t len, uint32_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n < MAX_CP; n++) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t cp = k == 1 ? c : c & (0x7F >> k);
        for (size_t j = 1; j < k && i + j < len; j++)
            cp = cp << 6 | ((unsigned char)s[i + j] & 0x3F);
        out[n] = cp;
        i += k;
    }
    return (long)n;
}

static void check_label(const char *in, size_t in_len, const char *out, size_t out_len)
{
    static uint32_t want[MAX_CP], got[MAX_CP];
    FUZZ_CHECK(out_len <= 63);
    bool ascii = true;
    for (size_t i = 0; i < in_len; i++)
        ascii = ascii && (unsigned char)in[i] < 0x80;
    if (ascii) {
        FUZZ_CHECK(in_len == out_len && memcmp(in, out, in_len) == 0);
        return;
    }
    FUZZ_CHECK(out_len > 4 && memcmp(out, "xn--", 4) == 0);
    long nwant = utf8_decode(in, in_len, want);
    long ngot = puny_decode(out + 4, out_len - 4, got);
    FUZZ_CHECK(ngot == nwant && memcmp(want, got, (size_t)nwant * sizeof *want) == 0);
}

static void check_name(const char *in, const char *out)
{
    for (const char *p = out; *p; p++)
        FUZZ_CHECK((unsigned char)*p < 0x80 && *p != '\0');
    for (;;) {
        size_t in_len = strcspn(in, "."), out_len = strcspn(out, ".");
        bool last_in = in[in_len] == '\0', last_out = out[out_len] == '\0';
        FUZZ_CHECK(last_in == last_out);
        FUZZ_CHECK(out_len > 0 || last_out); /* only the last label may be empty */
        check_label(in, in_len, out, out_len);
        if (last_in)
            return;
        in += in_len + 1;
        out += out_len + 1;
    }
}

FUZZ_TARGET(hostname)
{
    char *host = fuzz_cstring(data, size);
    fuzz_messages_utf8 = fuzz_utf8_valid(host, strlen(host));
    cssl_context *ctx = fuzz_tls_client_context(FUZZ_CLIENT_VERIFY);
    fuzz_peer p;
    if (!fuzz_peer_init(&p, ctx, false, FUZZ_CLIENT_VERIFY, host, NULL)) {
        int st = cssl_error_status();
        FUZZ_CHECK(st == CSSL_EVALUE || st == CSSL_ESSL);
    } else {
        const char *name = cssl_conn_server_hostname(p.conn);
        FUZZ_CHECK(name != NULL);
        check_name(host, name);
        fuzz_peer_step(&p); /* the ClientHello, with the name as SNI */
        FUZZ_CHECK(p.rc == CSSL_EWANT_READ);
        FUZZ_CHECK(cssl_memory_bio_pending(p.out) > 0);
    }
    fuzz_peer_free(&p);
    free(host);
    return 0;
}
