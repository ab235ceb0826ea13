/*
 * fuzz_util.c - the checks every fuzz target shares: the library's error
 * contract after each call, a strict JSON and UTF-8 checker, the
 * invariants of a decoded certificate, and input helpers.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/err.h>

#include "fuzz.h"

_Noreturn void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "\n%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  cssl error: status %d, \"%s\"\n", cssl_error_status(),
            cssl_error_message());
    ERR_print_errors_fp(stderr);
    fflush(stderr);
    abort();
}

bool fuzz_messages_utf8 = true;

bool fuzz_is_status(long long status)
{
    return status <= CSSL_ESSL && status >= CSSL_EUNSUPPORTED;
}

void fuzz_check_queue(const char *file, int line, const char *what)
{
    unsigned long e = ERR_peek_error();
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        fuzz_fail(file, line, "%s left OpenSSL's error queue dirty: %s", what, buf);
    }
}

/* The thread's error record describes a failure with status. */
static void check_recorded(const char *file, int line, const char *what, long long status)
{
    if (cssl_error_status() != status)
        fuzz_fail(file, line, "%s failed with %lld but recorded status %d", what, status,
                  cssl_error_status());
    const char *msg = cssl_error_message();
    size_t len = msg ? strlen(msg) : 0;
    if (len == 0)
        fuzz_fail(file, line, "%s failed with %lld and no message", what, status);
    if (len >= 640)
        fuzz_fail(file, line, "%s: message of %zu bytes overflows the record", what, len);
    if (fuzz_messages_utf8 && !fuzz_utf8_valid(msg, len))
        fuzz_fail(file, line, "%s: message is not valid UTF-8", what);
}

long long fuzz_check_rc(const char *file, int line, const char *what, long long rc)
{
    if (rc < 0) {
        if (!fuzz_is_status(rc))
            fuzz_fail(file, line, "%s returned %lld, not a CSSL_E* status", what, rc);
        check_recorded(file, line, what, rc);
    } else if (cssl_error_status() != CSSL_OK) {
        /* cssl.h: successful calls leave the error details untouched. */
        fuzz_fail(file, line, "%s succeeded (%lld) but recorded an error", what, rc);
    }
    fuzz_check_queue(file, line, what);
    return rc;
}

void *fuzz_check_ptr(const char *file, int line, const char *what, const void *p)
{
    if (p == NULL) {
        int st = cssl_error_status();
        if (!fuzz_is_status(st))
            fuzz_fail(file, line, "%s returned NULL with status %d recorded", what, st);
        check_recorded(file, line, what, st);
    } else if (cssl_error_status() != CSSL_OK) {
        fuzz_fail(file, line, "%s succeeded but recorded an error", what);
    }
    fuzz_check_queue(file, line, what);
    return (void *)p;
}

/* ---- UTF-8 and JSON -------------------------------------------------------- */

/* Length of the well-formed sequence at s, 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return need;
}

bool fuzz_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

typedef struct jparser {
    const unsigned char *p, *end;
    const char *why;
    int depth;
} jparser;

static bool jfail(jparser *j, const char *why)
{
    if (j->why == NULL)
        j->why = why;
    return false;
}

static void jspace(jparser *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool jdigits(jparser *j)
{
    const unsigned char *start = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > start || jfail(j, "digit expected");
}

static bool jnumber(jparser *j)
{
    if (*j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!jdigits(j))
        return false;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!jdigits(j))
            return false;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!jdigits(j))
            return false;
    }
    return true;
}

static bool jstring(jparser *j)
{
    j->p++; /* the opening quote */
    while (j->p < j->end) {
        unsigned char c = *j->p;
        if (c == '"') {
            j->p++;
            return true;
        }
        if (c < 0x20)
            return jfail(j, "raw control character in a string");
        if (c == '\\') {
            if (j->end - j->p < 2)
                return jfail(j, "unterminated escape");
            unsigned char e = j->p[1];
            if (e != 0 && strchr("\"\\/bfnrt", e) != NULL) {
                j->p += 2;
                continue;
            }
            if (e != 'u' || j->end - j->p < 6)
                return jfail(j, "invalid escape");
            for (int k = 2; k < 6; k++)
                if (strchr("0123456789abcdefABCDEF", j->p[k]) == NULL || j->p[k] == 0)
                    return jfail(j, "invalid \\u escape");
            j->p += 6;
            continue;
        }
        size_t n = utf8_seq(j->p, (size_t)(j->end - j->p));
        if (n == 0)
            return jfail(j, "invalid UTF-8 in a string");
        j->p += n;
    }
    return jfail(j, "unterminated string");
}

static bool jliteral(jparser *j, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return jfail(j, "unexpected character");
    j->p += n;
    return true;
}

static bool jvalue(jparser *j);

/* The members of an object or the elements of an array, after the opener. */
static bool jcontainer(jparser *j, bool object)
{
    char close = object ? '}' : ']';
    if (++j->depth > 64)
        return jfail(j, "nested too deeply");
    j->p++;
    jspace(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return true;
    }
    for (;;) {
        if (object) {
            if (j->p == j->end || *j->p != '"')
                return jfail(j, "object key expected");
            if (!jstring(j))
                return false;
            jspace(j);
            if (j->p == j->end || *j->p != ':')
                return jfail(j, "':' expected");
            j->p++;
        }
        if (!jvalue(j))
            return false;
        jspace(j);
        if (j->p == j->end)
            return jfail(j, "unterminated container");
        if (*j->p == close) {
            j->p++;
            j->depth--;
            return true;
        }
        if (*j->p != ',')
            return jfail(j, "',' expected");
        j->p++;
        jspace(j);
    }
}

static bool jvalue(jparser *j)
{
    jspace(j);
    if (j->p == j->end)
        return jfail(j, "value expected");
    switch (*j->p) {
    case '{': return jcontainer(j, true);
    case '[': return jcontainer(j, false);
    case '"': return jstring(j);
    case 't': return jliteral(j, "true");
    case 'f': return jliteral(j, "false");
    case 'n': return jliteral(j, "null");
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
            return jnumber(j);
        return jfail(j, "value expected");
    }
}

bool fuzz_json_valid(const char *s, size_t len, const char **why)
{
    jparser j = {(const unsigned char *)s, (const unsigned char *)s + len, NULL, 0};
    bool ok = jvalue(&j);
    if (ok) {
        jspace(&j);
        if (j.p != j.end)
            ok = jfail(&j, "text after the value");
    }
    if (why)
        *why = j.why;
    return ok;
}

/* ---- certificates ----------------------------------------------------------- */

static void check_value(const char *value, size_t len)
{
    FUZZ_CHECK(value != NULL);
    FUZZ_CHECK(value[len] == '\0');
}

static void check_name(const cssl_name *name)
{
    FUZZ_CHECK(name->count == 0 || name->rdns != NULL);
    for (size_t i = 0; i < name->count; i++) {
        const cssl_rdn *rdn = &name->rdns[i];
        FUZZ_CHECK(rdn->count > 0 && rdn->entries != NULL);
        for (size_t k = 0; k < rdn->count; k++) {
            FUZZ_CHECK(rdn->entries[k].name != NULL && rdn->entries[k].name[0] != '\0');
            check_value(rdn->entries[k].value, rdn->entries[k].value_len);
        }
    }
}

static void check_list(const cssl_string_list *list)
{
    FUZZ_CHECK(list->count == 0 || (list->items != NULL && list->lengths != NULL));
    for (size_t i = 0; i < list->count; i++)
        check_value(list->items[i], list->lengths[i]);
}

/* cssl_conn_getpeercert's "{}" (a context that does not verify). */
static bool is_empty(const cssl_cert_info *info)
{
    return info->subject.count == 0 && info->issuer.count == 0 && info->version == 0 &&
           info->serial_number == NULL && info->not_before == NULL && info->not_after == NULL &&
           !info->has_subject_alt_name && info->subject_alt_name_count == 0 &&
           info->ocsp.count == 0 && info->ca_issuers.count == 0 &&
           info->crl_distribution_points.count == 0;
}

void fuzz_check_cert_info(const cssl_cert_info *info)
{
    if (info->serial_number == NULL) {
        FUZZ_CHECK(is_empty(info));
        return;
    }
    check_name(&info->subject);
    check_name(&info->issuer);
    FUZZ_CHECK(info->not_before != NULL && info->not_after != NULL);
    FUZZ_CHECK(info->subject_alt_name_count == 0 || info->has_subject_alt_name);
    for (size_t i = 0; i < info->subject_alt_name_count; i++) {
        const cssl_general_name *gn = &info->subject_alt_name[i];
        FUZZ_CHECK(gn->type != NULL);
        if (gn->dirname != NULL) {
            FUZZ_CHECK(strcmp(gn->type, "DirName") == 0 && gn->value == NULL);
            check_name(gn->dirname);
        } else {
            check_value(gn->value, gn->value_len);
        }
    }
    check_list(&info->ocsp);
    check_list(&info->ca_issuers);
    check_list(&info->crl_distribution_points);
}

static char *checked_json(const cssl_cert *cert)
{
    char *json = FUZZ_PTR(cssl_cert_to_json(cert));
    FUZZ_CHECK(json != NULL);
    const char *why = NULL;
    if (!fuzz_json_valid(json, strlen(json), &why))
        fuzz_fail(__FILE__, __LINE__, "cssl_cert_to_json is not valid JSON (%s): %s", why, json);
    FUZZ_CHECK(strncmp(json, "{\"subject\": ", 12) == 0);
    return json;
}

/* A certificate decoded again from an export equals the original. */
static void check_same(const cssl_cert *cert, const cssl_cert *again, const char *json)
{
    FUZZ_CHECK(again != NULL);
    FUZZ_CHECK(FUZZ_RC(cssl_cert_equal(cert, again)) == 1);
    char *json2 = checked_json(again);
    FUZZ_CHECK(strcmp(json, json2) == 0);
    cssl_free(json2);
}

void fuzz_check_cert(const cssl_cert *cert)
{
    const cssl_cert_info *info = FUZZ_PTR(cssl_cert_get_info(cert));
    FUZZ_CHECK(info != NULL && info->serial_number != NULL);
    fuzz_check_cert_info(info);
    char *json = checked_json(cert);
    FUZZ_CHECK(FUZZ_RC(cssl_cert_equal(cert, cert)) == 1);
    char *rfc2253 = FUZZ_PTR(cssl_cert_subject_rfc2253(cert));
    FUZZ_CHECK(rfc2253 != NULL);
    cssl_free(rfc2253);

    /* DER: decodes again, to the same certificate, with the same DER. */
    size_t len = 0, len2 = 0;
    uint8_t *der = FUZZ_PTR(cssl_cert_to_der(cert, &len));
    FUZZ_CHECK(der != NULL && len > 0);
    cssl_cert *again = FUZZ_PTR(cssl_cert_from_der(der, len));
    check_same(cert, again, json);
    uint8_t *der2 = FUZZ_PTR(cssl_cert_to_der(again, &len2));
    FUZZ_CHECK(der2 != NULL && len2 == len && memcmp(der, der2, len) == 0);
    cssl_free(der2);
    cssl_cert_free(again);

    /* PEM: OpenSSL's writer and the DER_cert_to_PEM_cert helper agree, and
     * both directions of the helpers round-trip. */
    char *pem = FUZZ_PTR(cssl_cert_to_pem(cert));
    FUZZ_CHECK(pem != NULL);
    again = FUZZ_PTR(cssl_cert_from_pem(pem, strlen(pem)));
    check_same(cert, again, json);
    cssl_cert_free(again);
    char *pem2 = FUZZ_PTR(cssl_der_cert_to_pem_cert(der, len));
    FUZZ_CHECK(pem2 != NULL && strcmp(pem, pem2) == 0);
    uint8_t *der3 = FUZZ_PTR(cssl_pem_cert_to_der_cert(pem, &len2));
    FUZZ_CHECK(der3 != NULL && len2 == len && memcmp(der, der3, len) == 0);
    cssl_free(der3);
    cssl_free(pem2);
    cssl_free(pem);
    cssl_free(der);
    cssl_free(json);
}

/* ---- inputs ----------------------------------------------------------------- */

char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        fuzz_fail(__FILE__, __LINE__, "out of memory");
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("cssl-fuzz", MFD_CLOEXEC);
        if (fd < 0)
            fuzz_fail(__FILE__, __LINE__, "memfd_create: %s", strerror(errno));
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0)
        fuzz_fail(__FILE__, __LINE__, "ftruncate: %s", strerror(errno));
    for (size_t off = 0; off < size;) {
        ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
        if (n <= 0)
            fuzz_fail(__FILE__, __LINE__, "pwrite: %s", strerror(errno));
        off += (size_t)n;
    }
    return path;
}

uint8_t fuzz_byte(fuzz_reader *r)
{
    if (r->left == 0)
        return 0;
    r->left--;
    return *r->p++;
}

size_t fuzz_take(fuzz_reader *r, size_t n, const uint8_t **out)
{
    if (n > r->left)
        n = r->left;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return n;
}
