/*
 * fuzz_cipher_strings.c - the cipher and group strings of a context:
 * set_ciphers, set_ciphersuites, set_groups and set_ecdh_curve (the first
 * byte picks one; the rest is the string), on a fresh client context.
 *
 * Invariants: a refused string changes nothing - the context's cipher list
 * and security level stay, and the ClientHello a connection sends (random
 * numbers reset, so byte for byte) stays the same; an accepted one
 * changes only what it names: set_ciphersuites gives exactly the TLS 1.3
 * suites named, set_groups offers at most the groups it named (weak ones are
 * left out), set_ecdh_curve at most one, and only an @SECLEVEL= token moves the level.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_tls.h"

#define HELLO_MAX 4096

typedef struct hello {
    uint8_t bytes[HELLO_MAX];
    size_t len;
    int rc;
} hello;

/* The ClientHello a new connection of ctx sends. */
static void client_hello(cssl_context *ctx, hello *h)
{
    fuzz_peer p;
    h->len = 0;
    FUZZ_CHECK(fuzz_peer_init(&p, ctx, false, FUZZ_CLIENT_NOVERIFY, NULL, NULL));
    fuzz_peer_step(&p);
    h->rc = p.rc;
    ssize_t n = FUZZ_RC(cssl_memory_bio_read(p.out, h->bytes, sizeof h->bytes));
    FUZZ_CHECK(n >= 0);
    h->len = (size_t)n;
    fuzz_peer_free(&p);
}

/* Skip n bytes of a length-prefixed (width bytes) vector; false if short. */
static bool skip_vector(const uint8_t **p, const uint8_t *end, int width)
{
    size_t n = 0;
    for (int i = 0; i < width; i++) {
        if (*p >= end)
            return false;
        n = n << 8 | *(*p)++;
    }
    if ((size_t)(end - *p) < n)
        return false;
    *p += n;
    return true;
}

/* Number of groups in the supported_groups extension, -1 if none. */
static long hello_groups(const hello *h)
{
    const uint8_t *p = h->bytes + 5 + 4 + 2 + 32, *end = h->bytes + h->len;
    if (h->len < 5 + 4 + 2 + 32 || !skip_vector(&p, end, 1) || !skip_vector(&p, end, 2) ||
        !skip_vector(&p, end, 1) || end - p < 2)
        return -1;
    p += 2; /* extensions length */
    while (end - p >= 4) {
        unsigned type = (unsigned)(p[0] << 8 | p[1]), len = (unsigned)(p[2] << 8 | p[3]);
        if (type == 10 && len >= 2)
            return (long)((p[4] << 8 | p[5]) / 2);
        p += 4;
        if ((size_t)(end - p) < len)
            return -1;
        p += len;
    }
    return -1;
}

/* The names of the context's cipher list, ':'-joined, TLS 1.3 first. */
static char *cipher_names(cssl_context *ctx, bool tls13)
{
    size_t count = 0;
    cssl_cipher_info *list = FUZZ_PTR(cssl_context_get_ciphers(ctx, &count));
    FUZZ_CHECK(list != NULL);
    size_t cap = 1;
    for (size_t i = 0; i < count; i++)
        cap += strlen(list[i].name) + 1;
    char *names = calloc(1, cap);
    FUZZ_CHECK(names != NULL);
    for (size_t i = 0; i < count; i++) {
        if ((strcmp(list[i].protocol, "TLSv1.3") == 0) != tls13)
            continue;
        if (names[0] != '\0')
            strcat(names, ":");
        strcat(names, list[i].name);
    }
    cssl_free(list);
    return names;
}

/* The next ':'-separated element of *s without the white space around it
 * (OpenSSL's lists are read by CONF_parse_list, which drops it); false at
 * the end. */
static bool next_element(const char **s, const char **elem, size_t *len)
{
    static const char space[] = " \t\n\v\f\r";
    if (**s == '\0')
        return false;
    size_t n = strcspn(*s, ":");
    const char *e = *s, *end = e + n;
    *s = end + (*end == ':');
    while (e < end && strchr(space, *e) != NULL)
        e++;
    while (end > e && strchr(space, end[-1]) != NULL)
        end--;
    *elem = e;
    *len = (size_t)(end - e);
    return true;
}

static bool has_element(const char *list, const char *elem, size_t len)
{
    const char *e;
    size_t n;
    while (next_element(&list, &e, &n))
        if (n == len && memcmp(e, elem, len) == 0)
            return true;
    return false;
}

/* Every non-empty element of a is one of b's, and the other way round. */
static bool same_names(const char *a, const char *b)
{
    for (int pass = 0; pass < 2; pass++) {
        const char *x = pass ? b : a, *y = pass ? a : b, *e;
        size_t n;
        while (next_element(&x, &e, &n))
            if (n > 0 && !has_element(y, e, n))
                return false;
    }
    return true;
}

/* The elements of s that are not empty. */
static long elements(const char *s)
{
    const char *e;
    size_t n;
    long count = 0;
    while (next_element(&s, &e, &n))
        count += n > 0;
    return count;
}

FUZZ_TARGET(cipher_strings)
{
    fuzz_reader in = {data, size};
    int which = fuzz_byte(&in) % 4;
    const uint8_t *rest;
    size_t len = fuzz_take(&in, SIZE_MAX, &rest);
    char *text = fuzz_cstring(rest, len);
    fuzz_messages_utf8 = fuzz_utf8_valid(text, strlen(text));
    cssl_context *ctx = fuzz_tls_new_context(false);
    static hello before, after;
    client_hello(ctx, &before);
    char *tls12 = cipher_names(ctx, false), *tls13 = cipher_names(ctx, true);
    int level = cssl_context_security_level(ctx);
    int rc;
    switch (which) {
    case 0: rc = (int)FUZZ_RC(cssl_context_set_ciphers(ctx, text)); break;
    case 1: rc = (int)FUZZ_RC(cssl_context_set_ciphersuites(ctx, text)); break;
    case 2: rc = (int)FUZZ_RC(cssl_context_set_groups(ctx, text)); break;
    default: rc = (int)FUZZ_RC(cssl_context_set_ecdh_curve(ctx, text)); break;
    }
    char *tls12_after = cipher_names(ctx, false), *tls13_after = cipher_names(ctx, true);
    int level_after = cssl_context_security_level(ctx);
    client_hello(ctx, &after);
    if (rc < 0) {
        FUZZ_CHECK(rc == CSSL_ESSL || (which == 3 && rc == CSSL_EVALUE));
        FUZZ_CHECK(strcmp(tls12, tls12_after) == 0 && strcmp(tls13, tls13_after) == 0);
        FUZZ_CHECK(level == level_after);
        FUZZ_CHECK(before.rc == after.rc && before.len == after.len &&
                   memcmp(before.bytes, after.bytes, before.len) == 0);
    } else {
        FUZZ_CHECK(level == level_after || (which == 0 && strstr(text, "@SECLEVEL=") != NULL));
        if (which != 0)
            FUZZ_CHECK(strcmp(tls12, tls12_after) == 0);
        if (which != 1)
            FUZZ_CHECK(strcmp(tls13, tls13_after) == 0);
        else
            FUZZ_CHECK(same_names(text, tls13_after));
        long groups = hello_groups(&after);
        /* Groups too weak for the security level are not offered. */
        if (which == 2)
            FUZZ_CHECK(groups <= elements(text));
        if (which == 3)
            FUZZ_CHECK(groups <= 1);
    }
    free(tls12);
    free(tls13);
    free(tls12_after);
    free(tls13_after);
    free(text);
    cssl_context_free(ctx);
    return 0;
}
