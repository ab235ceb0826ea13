/*
 * cert.c - cssl_cert: an X509 plus its decoded fields, Python's
 * _ssl.Certificate and the dictionary of getpeercert() (_ssl.c
 * _decode_certificate). The fields are decoded once, at construction, into
 * an arena owned by the certificate, so the cssl_cert_info handed out needs
 * no further allocation and freeing is one walk over the arena's chunks.
 *
 * Where Python formats through OpenSSL's print functions (serial number,
 * validity, othername/X400/EdiParty names) the same functions are used here
 * with the same buffer sizes, so quirks (the "\\\n" that i2a_ASN1_INTEGER
 * puts in serials over 35 bytes, values cut at a newline) are reproduced.
 * JSON rendering lives in cert_json.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "internal.h"

/* Python's buffer for OpenSSL's printed forms (_ssl.c: char buf[2048]). */
#define PRINT_BUF 2048

/* ---- the arena --------------------------------------------------------- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
} arena_chunk;

#define ARENA_CHUNK 2048

struct cssl_cert {
    X509 *x509;
    cssl_cert_info info;
    arena_chunk *arena;
};

/* Zeroed, max-aligned memory that lives as long as the certificate. */
static void *arena_alloc(cssl_cert *cert, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX - align)
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    arena_chunk *c = cert->arena;
    if (c == NULL || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = cssl__zalloc(sizeof *c + size);
        if (c == NULL)
            return NULL;
        c->size = size;
        c->next = cert->arena;
        cert->arena = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

/* An array of count elements of size each, checked for overflow. */
static void *arena_array(cssl_cert *cert, size_t count, size_t size)
{
    if (count != 0 && size > SIZE_MAX / count)
        return NULL;
    return arena_alloc(cert, count * size);
}

/* A NUL-terminated copy of len bytes (which may hold NULs). */
static char *arena_strndup(cssl_cert *cert, const void *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(cert, len + 1);
    if (p != NULL && len > 0)
        memcpy(p, s, len);
    return p;
}

static void arena_free(arena_chunk *c)
{
    while (c != NULL) {
        arena_chunk *next = c->next;
        cssl__free(c);
        c = next;
    }
}

/* ---- errors ------------------------------------------------------------ */

/* An OpenSSL call failed: MemoryError if it ran out of memory, else
 * Python's _setSSLError(NULL) from the queue. The calls this is used for
 * queue an error on every failure except some failed allocations (BIO and
 * PEM internals fail silently then), so an empty queue means memory too. */
static int raise_ossl_at(const char *file, int line)
{
    if (ERR_peek_error() == 0 || cssl__queue_has_malloc_failure())
        return cssl__raise_nomem();
    return cssl__raise_openssl(file, line, CSSL_ESSL, NULL);
}
#define RAISE_OSSL() raise_ossl_at(__FILE_NAME__, __LINE__)

/* After a print function whose result Python ignores: only a failed
 * allocation matters; anything else queued (a bad time value) is dropped. */
static int after_print(void)
{
    if (cssl__queue_has_malloc_failure())
        return cssl__raise_nomem();
    ERR_clear_error();
    return CSSL_OK;
}

#define ALLOC_OR_NOMEM(p)                                                      \
    do {                                                                       \
        if ((p) == NULL)                                                       \
            return cssl__raise_nomem();                                        \
    } while (0)

/* ---- decoding ---------------------------------------------------------- */

/* The first line of what was printed into bio, as Python reads it:
 * BIO_gets(bio, buf, sizeof(buf) - 1). */
static int bio_line(BIO *bio, char buf[PRINT_BUF], int *len)
{
    *len = BIO_gets(bio, buf, PRINT_BUF - 1);
    if (*len < 0)
        return RAISE_OSSL();
    return CSSL_OK;
}

static int bio_line_dup(cssl_cert *cert, BIO *bio, const char **out)
{
    char buf[PRINT_BUF];
    int len;
    CSSL_GUARD(bio_line(bio, buf, &len));
    char *s = arena_strndup(cert, buf, (size_t)len);
    ALLOC_OR_NOMEM(s);
    *out = s;
    return CSSL_OK;
}

/* Attribute name: long name, or dotted OID if unknown (OBJ_obj2txt, no_name 0). */
static int decode_oid_name(cssl_cert *cert, const ASN1_OBJECT *obj, const char **out)
{
    int len = OBJ_obj2txt(NULL, 0, obj, 0);
    if (len < 0)
        return RAISE_OSSL();
    char *s = arena_alloc(cert, (size_t)len + 1);
    ALLOC_OR_NOMEM(s);
    if (OBJ_obj2txt(s, len + 1, obj, 0) < 0)
        return RAISE_OSSL();
    *out = s;
    return CSSL_OK;
}

/* Python's _create_tuple_for_attribute: BIT STRING as bytes, else UTF-8. */
static int decode_entry(cssl_cert *cert, const X509_NAME_ENTRY *ne, cssl_name_entry *out)
{
    CSSL_GUARD(decode_oid_name(cert, X509_NAME_ENTRY_get_object(ne), &out->name));
    const ASN1_STRING *value = X509_NAME_ENTRY_get_data(ne);
    if (ASN1_STRING_type(value) == V_ASN1_BIT_STRING) {
        size_t len = (size_t)ASN1_STRING_length(value);
        out->value = arena_strndup(cert, ASN1_STRING_get0_data(value), len);
        ALLOC_OR_NOMEM(out->value);
        out->value_len = len;
        out->is_bytes = true;
        return CSSL_OK;
    }
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, value);
    if (len < 0 && ERR_peek_error() == 0) /* a type it cannot convert (a SEQUENCE): */
        return cssl__raise_openssl(__FILE_NAME__, __LINE__, CSSL_ESSL, NULL); /* as Python */
    if (len < 0)
        return RAISE_OSSL();
    out->value = arena_strndup(cert, utf8, (size_t)len);
    OPENSSL_free(utf8);
    ALLOC_OR_NOMEM(out->value);
    out->value_len = (size_t)len;
    return CSSL_OK;
}

/* Python's _create_tuple_for_X509_NAME: entries grouped into RDNs by their
 * set number, in certificate order. */
static int decode_name(cssl_cert *cert, const X509_NAME *xn, cssl_name *out)
{
    int n = X509_NAME_entry_count(xn);
    out->rdns = NULL;
    out->count = 0;
    if (n <= 0)
        return CSSL_OK;
    size_t nrdn = 0;
    for (int i = 0; i < n; i++) {
        int set = X509_NAME_ENTRY_set(X509_NAME_get_entry(xn, i));
        if (i == 0 || set != X509_NAME_ENTRY_set(X509_NAME_get_entry(xn, i - 1)))
            nrdn++;
    }
    cssl_name_entry *entries = arena_array(cert, (size_t)n, sizeof *entries);
    cssl_rdn *rdns = arena_array(cert, nrdn, sizeof *rdns);
    ALLOC_OR_NOMEM(entries);
    ALLOC_OR_NOMEM(rdns);
    size_t r = 0;
    for (int i = 0; i < n; i++) {
        const X509_NAME_ENTRY *ne = X509_NAME_get_entry(xn, i);
        if (i > 0 && X509_NAME_ENTRY_set(ne) != X509_NAME_ENTRY_set(X509_NAME_get_entry(xn, i - 1)))
            r++;
        if (rdns[r].count == 0)
            rdns[r].entries = &entries[i];
        rdns[r].count++;
        CSSL_GUARD(decode_entry(cert, ne, &entries[i]));
    }
    out->rdns = rdns;
    out->count = nrdn;
    return CSSL_OK;
}

/* X509_get_ext_d2i returned NULL: absent, duplicated or undecodable. Python
 * reports all three as "no such extension"; only running out of memory is
 * an error here. */
static int ext_missing(int crit)
{
    if (crit >= 0 && cssl__queue_has_malloc_failure())
        return cssl__raise_nomem();
    ERR_clear_error();
    return CSSL_OK;
}

/* IPv4 dotted, IPv6 as eight %X groups without "::", else "<invalid>". */
static int decode_ip(cssl_cert *cert, const ASN1_OCTET_STRING *ip, cssl_general_name *out)
{
    char buf[64];
    const unsigned char *p = ASN1_STRING_get0_data(ip);
    int len = ASN1_STRING_length(ip);
    if (len == 4) {
        snprintf(buf, sizeof buf, "%d.%d.%d.%d", p[0], p[1], p[2], p[3]);
    } else if (len == 16) {
        snprintf(buf, sizeof buf, "%X:%X:%X:%X:%X:%X:%X:%X", p[0] << 8 | p[1], p[2] << 8 | p[3],
                 p[4] << 8 | p[5], p[6] << 8 | p[7], p[8] << 8 | p[9], p[10] << 8 | p[11],
                 p[12] << 8 | p[13], p[14] << 8 | p[15]);
    } else {
        snprintf(buf, sizeof buf, "<invalid>");
    }
    out->value_len = strlen(buf);
    out->value = arena_strndup(cert, buf, out->value_len);
    ALLOC_OR_NOMEM(out->value);
    return CSSL_OK;
}

/* Python: i2t_ASN1_OBJECT into a 2047-byte window, "<INVALID>" if longer. */
static int decode_rid(cssl_cert *cert, const ASN1_OBJECT *rid, cssl_general_name *out)
{
    char buf[PRINT_BUF] = {0};
    int len = i2t_ASN1_OBJECT(buf, PRINT_BUF - 1, rid);
    if (len < 0)
        return RAISE_OSSL();
    if (len >= PRINT_BUF) {
        out->value = "<INVALID>";
        out->value_len = 9;
        return CSSL_OK;
    }
    out->value = arena_strndup(cert, buf, (size_t)len);
    ALLOC_OR_NOMEM(out->value);
    out->value_len = (size_t)len;
    return CSSL_OK;
}

/* othername, X400Name, EdiPartyName: GENERAL_NAME_print's first line, split
 * at the first ':' into type and value, as Python does. */
static int decode_printed(cssl_cert *cert, BIO *bio, GENERAL_NAME *gn, cssl_general_name *out)
{
    char buf[PRINT_BUF];
    int len;
    (void)BIO_reset(bio);
    GENERAL_NAME_print(bio, gn);
    CSSL_GUARD(after_print());
    CSSL_GUARD(bio_line(bio, buf, &len));
    buf[len] = '\0';
    const char *colon = strchr(buf, ':');
    if (colon == NULL)
        return cssl__raisef(CSSL_EVALUE, "Invalid value %.200s", buf);
    size_t tlen = (size_t)(colon - buf);
    out->type = arena_strndup(cert, buf, tlen);
    out->value_len = (size_t)len - tlen - 1;
    out->value = arena_strndup(cert, colon + 1, out->value_len);
    ALLOC_OR_NOMEM(out->type);
    ALLOC_OR_NOMEM(out->value);
    return CSSL_OK;
}

/* The raw bytes of an IA5String name (NULs kept: CVE-2013-4238). */
static int decode_ia5(cssl_cert *cert, const char *type, const ASN1_STRING *s,
                      cssl_general_name *out)
{
    out->type = type;
    out->value_len = (size_t)ASN1_STRING_length(s);
    out->value = arena_strndup(cert, ASN1_STRING_get0_data(s), out->value_len);
    ALLOC_OR_NOMEM(out->value);
    return CSSL_OK;
}

/* Python's _get_peer_alt_names, one name. */
static int decode_general_name(cssl_cert *cert, BIO *bio, GENERAL_NAME *gn,
                               cssl_general_name *out)
{
    switch (gn->type) {
    case GEN_DIRNAME: {
        cssl_name *dn = arena_alloc(cert, sizeof *dn);
        ALLOC_OR_NOMEM(dn);
        out->type = "DirName";
        out->dirname = dn;
        return decode_name(cert, gn->d.directoryName, dn);
    }
    case GEN_EMAIL: return decode_ia5(cert, "email", gn->d.rfc822Name, out);
    case GEN_DNS: return decode_ia5(cert, "DNS", gn->d.dNSName, out);
    case GEN_URI: return decode_ia5(cert, "URI", gn->d.uniformResourceIdentifier, out);
    case GEN_RID:
        out->type = "Registered ID";
        return decode_rid(cert, gn->d.registeredID, out);
    case GEN_IPADD:
        out->type = "IP Address";
        return decode_ip(cert, gn->d.iPAddress, out);
    default: return decode_printed(cert, bio, gn, out);
    }
}

static int decode_san(cssl_cert *cert, BIO *bio)
{
    int crit = -1;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert->x509, NID_subject_alt_name, &crit, NULL);
    if (names == NULL)
        return ext_missing(crit);
    int st = CSSL_OK;
    size_t n = (size_t)sk_GENERAL_NAME_num(names);
    cssl_general_name *out = arena_array(cert, n, sizeof *out);
    if (out == NULL)
        st = cssl__raise_nomem();
    for (size_t i = 0; st == CSSL_OK && i < n; i++)
        st = decode_general_name(cert, bio, sk_GENERAL_NAME_value(names, (int)i), &out[i]);
    GENERAL_NAMES_free(names);
    CSSL_GUARD(st);
    cert->info.has_subject_alt_name = true;
    cert->info.subject_alt_name = out;
    cert->info.subject_alt_name_count = n;
    return CSSL_OK;
}

/* A string list of at most max URIs; fill with add_uri(). */
static int list_init(cssl_cert *cert, cssl_string_list *list, size_t max)
{
    memset(list, 0, sizeof *list);
    if (max == 0)
        return CSSL_OK;
    list->items = arena_array(cert, max, sizeof(char *));
    list->lengths = arena_array(cert, max, sizeof(size_t));
    ALLOC_OR_NOMEM(list->items);
    ALLOC_OR_NOMEM(list->lengths);
    return CSSL_OK;
}

/* Append gn if it is a URI, NULs included (Python keeps them). */
static int add_uri(cssl_cert *cert, cssl_string_list *list, const GENERAL_NAME *gn)
{
    if (gn->type != GEN_URI)
        return CSSL_OK;
    const ASN1_STRING *s = gn->d.uniformResourceIdentifier;
    size_t len = (size_t)ASN1_STRING_length(s);
    char *uri = arena_strndup(cert, ASN1_STRING_get0_data(s), len);
    ALLOC_OR_NOMEM(uri);
    /* the arrays are the arena's, const only to the caller */
    ((const char **)list->items)[list->count] = uri;
    ((size_t *)list->lengths)[list->count] = len;
    list->count++;
    return CSSL_OK;
}

/* Python's _get_aia_uri for id-ad-ocsp and id-ad-caIssuers: URI-typed
 * locations only. */
static int decode_aia(cssl_cert *cert)
{
    int crit = -1;
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(cert->x509, NID_info_access, &crit, NULL);
    if (aia == NULL)
        return ext_missing(crit);
    int n = sk_ACCESS_DESCRIPTION_num(aia);
    int st = list_init(cert, &cert->info.ocsp, (size_t)n);
    if (st == CSSL_OK)
        st = list_init(cert, &cert->info.ca_issuers, (size_t)n);
    for (int i = 0; st == CSSL_OK && i < n; i++) {
        const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        int nid = OBJ_obj2nid(ad->method);
        if (nid == NID_ad_OCSP)
            st = add_uri(cert, &cert->info.ocsp, ad->location);
        else if (nid == NID_ad_ca_issuers)
            st = add_uri(cert, &cert->info.ca_issuers, ad->location);
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    return st;
}

/* Python's _get_crl_dp: fullName URIs. Points without a name are skipped
 * (CVE-2019-5010); so are relative names, which Python reads through the
 * wrong union member and never matches as URIs. */
static int decode_crldp(cssl_cert *cert)
{
    int crit = -1;
    CRL_DIST_POINTS *dps = X509_get_ext_d2i(cert->x509, NID_crl_distribution_points, &crit, NULL);
    if (dps == NULL)
        return ext_missing(crit);
    size_t max = 0;
    for (int i = 0; i < sk_DIST_POINT_num(dps); i++) {
        const DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (dp->distpoint != NULL && dp->distpoint->type == 0)
            max += (size_t)sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
    }
    cssl_string_list *list = &cert->info.crl_distribution_points;
    int st = list_init(cert, list, max);
    for (int i = 0; st == CSSL_OK && i < sk_DIST_POINT_num(dps); i++) {
        const DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (dp->distpoint == NULL || dp->distpoint->type != 0)
            continue;
        GENERAL_NAMES *names = dp->distpoint->name.fullname;
        for (int j = 0; st == CSSL_OK && j < sk_GENERAL_NAME_num(names); j++)
            st = add_uri(cert, list, sk_GENERAL_NAME_value(names, j));
    }
    CRL_DIST_POINTS_free(dps);
    return st;
}

/* serialNumber (i2a_ASN1_INTEGER) and the validity (ASN1_TIME_print). */
static int decode_printed_fields(cssl_cert *cert, BIO *bio)
{
    cssl_cert_info *info = &cert->info;
    (void)BIO_reset(bio);
    i2a_ASN1_INTEGER(bio, X509_get0_serialNumber(cert->x509));
    CSSL_GUARD(after_print());
    CSSL_GUARD(bio_line_dup(cert, bio, &info->serial_number));
    (void)BIO_reset(bio);
    ASN1_TIME_print(bio, X509_get0_notBefore(cert->x509));
    CSSL_GUARD(after_print());
    CSSL_GUARD(bio_line_dup(cert, bio, &info->not_before));
    (void)BIO_reset(bio);
    ASN1_TIME_print(bio, X509_get0_notAfter(cert->x509));
    CSSL_GUARD(after_print());
    return bio_line_dup(cert, bio, &info->not_after);
}

/* Python's _decode_certificate, in its order. */
static int decode(cssl_cert *cert)
{
    cssl_cert_info *info = &cert->info;
    CSSL_GUARD(decode_name(cert, X509_get_subject_name(cert->x509), &info->subject));
    CSSL_GUARD(decode_name(cert, X509_get_issuer_name(cert->x509), &info->issuer));
    info->version = X509_get_version(cert->x509) + 1;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) /* only allocation can fail; OpenSSL may not say so */
        return cssl__raise_nomem();
    int st = decode_printed_fields(cert, bio);
    if (st == CSSL_OK)
        st = decode_san(cert, bio);
    BIO_free(bio);
    CSSL_GUARD(st);
    CSSL_GUARD(decode_aia(cert));
    return decode_crldp(cert);
}

/* ---- construction ------------------------------------------------------ */

/* Wrap x509, whose reference passes to the new certificate (freed on
 * failure). */
static cssl_cert *wrap_owned(X509 *x509)
{
    cssl_cert *cert = cssl__zalloc(sizeof *cert);
    if (cert == NULL) {
        X509_free(x509);
        cssl__raise_nomem();
        return NULL;
    }
    cert->x509 = x509;
    if (decode(cert) < 0) {
        cssl_cert_free(cert);
        return NULL;
    }
    return cert;
}

cssl_cert *cssl__cert_from_x509(X509 *x509)
{
    CSSL_ENSURE_ARG_PTR(x509);
    if (X509_up_ref(x509) != 1) {
        RAISE_OSSL();
        return NULL;
    }
    return wrap_owned(x509);
}

X509 *cssl__cert_x509(const cssl_cert *cert)
{
    return cert != NULL ? cert->x509 : NULL;
}

/* Python: cadata "Empty certificate data" / "Certificate data is too long." */
static int check_length(size_t len, size_t max)
{
    CSSL_ENSURE(len > 0, CSSL_EVALUE, "Empty certificate data");
    CSSL_ENSURE(len <= max, CSSL_EVALUE, "Certificate data is too long.");
    return CSSL_OK;
}

static X509 *parse_pem(const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) { /* only allocation can fail; OpenSSL may not say so */
        cssl__raise_nomem();
        return NULL;
    }
    bool silent;
    X509 *x509 = cssl__pem_read_x509(bio, &silent);
    BIO_free(bio);
    if (x509 == NULL && silent) /* Python's text for this PEM_read_bio_X509 failure */
        CSSL_RAISE_SSL("Error decoding PEM-encoded file");
    else if (x509 == NULL)
        RAISE_OSSL();
    return x509;
}

/* One DER certificate filling all len bytes; *trailing tells a certificate
 * followed by more data from undecodable data. */
static X509 *parse_der(const void *der, size_t len, bool *trailing)
{
    const unsigned char *p = der;
    *trailing = false;
    X509 *x509 = d2i_X509(NULL, &p, (long)len);
    if (x509 == NULL) {
        RAISE_OSSL();
        return NULL;
    }
    size_t used = (size_t)(p - (const unsigned char *)der);
    if (used != len) {
        X509_free(x509);
        *trailing = true;
        cssl__raisef(CSSL_ESSL, "trailing data after the DER certificate: %zu bytes",
                     len - used);
        return NULL;
    }
    return x509;
}

cssl_cert *cssl_cert_from_pem(const char *pem, size_t len)
{
    CSSL_ENSURE_ARG_PTR(pem);
    if (check_length(len, INT_MAX) < 0)
        return NULL;
    X509 *x509 = parse_pem(pem, len);
    return x509 != NULL ? wrap_owned(x509) : NULL;
}

cssl_cert *cssl_cert_from_der(const void *der, size_t len)
{
    CSSL_ENSURE_ARG_PTR(der);
    if (check_length(len, LONG_MAX) < 0)
        return NULL;
    bool trailing;
    X509 *x509 = parse_der(der, len, &trailing);
    return x509 != NULL ? wrap_owned(x509) : NULL;
}

/* The whole file into *data (caller frees); OSError naming path on failure. */
static int read_all(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return cssl__raise_errno(errno, path);
    size_t cap = 0, n = 0;
    char *buf = NULL;
    int st = CSSL_OK;
    errno = 0;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *nbuf = ncap > cap ? cssl__realloc(buf, ncap) : NULL;
            if (nbuf == NULL) {
                st = cssl__raise_nomem();
                break;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                st = cssl__raise_errno(errno ? errno : EIO, path);
            break;
        }
    }
    fclose(f);
    if (st < 0) {
        cssl__free(buf);
        return st;
    }
    *data = buf;
    *len = n;
    return CSSL_OK;
}

static bool looks_like_pem(const char *data, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    const size_t blen = sizeof begin - 1;
    for (size_t i = 0; i + blen <= len; i++)
        if (data[i] == '-' && memcmp(data + i, begin, blen) == 0)
            return true;
    return false;
}

#define NOT_A_CERT "Error decoding file: neither a PEM nor a DER certificate"

/* Replace the parse error just raised by a plain message, unless memory ran
 * out. */
static void decoding_failed(const char *text)
{
    if (cssl_error_status() != CSSL_ENOMEM)
        cssl__raise(CSSL_ESSL, text);
}

cssl_cert *cssl_cert_load(const char *path)
{
    CSSL_ENSURE_ARG_PTR(path);
    char *data = NULL;
    size_t len = 0;
    if (read_all(path, &data, &len) < 0)
        return NULL;
    X509 *x509 = NULL;
    if (len > INT_MAX) {
        cssl__raise(CSSL_EVALUE, "Certificate data is too long.");
    } else if (looks_like_pem(data, len)) {
        x509 = parse_pem(data, len);
        if (x509 == NULL) /* Python's _test_decode_cert text */
            decoding_failed("Error decoding PEM-encoded file");
    } else if (len == 0) {
        cssl__raise(CSSL_ESSL, NOT_A_CERT);
    } else {
        bool trailing;
        x509 = parse_der(data, len, &trailing);
        if (x509 == NULL && !trailing)
            decoding_failed(NOT_A_CERT);
    }
    cssl__free(data);
    return x509 != NULL ? wrap_owned(x509) : NULL;
}

void cssl_cert_free(cssl_cert *cert)
{
    if (cert == NULL)
        return;
    X509_free(cert->x509);
    arena_free(cert->arena);
    cssl__free(cert);
}

void cssl_cert_list_free(cssl_cert **certs)
{
    if (certs == NULL)
        return;
    for (cssl_cert **c = certs; *c != NULL; c++)
        cssl_cert_free(*c);
    cssl__free(certs);
}

const cssl_cert_info *cssl_cert_get_info(const cssl_cert *cert)
{
    CSSL_ENSURE_ARG_PTR(cert);
    return &cert->info;
}

/* ---- export ------------------------------------------------------------ */

uint8_t *cssl_cert_to_der(const cssl_cert *cert, size_t *len)
{
    CSSL_ENSURE_ARG_PTR(cert);
    CSSL_ENSURE_ARG_PTR(len);
    unsigned char *der = NULL; /* OPENSSL_malloc'd: cssl_free() releases it */
    int n = i2d_X509(cert->x509, &der);
    if (n < 0) {
        RAISE_OSSL();
        return NULL;
    }
    *len = (size_t)n;
    return der;
}

/* What was written into a memory BIO, as a NUL-terminated string. */
static char *bio_to_string(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *s = cssl__malloc((size_t)n + 1);
    if (s == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    if (n > 0)
        memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

char *cssl_cert_to_pem(const cssl_cert *cert)
{
    CSSL_ENSURE_ARG_PTR(cert);
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    if (bio == NULL)
        cssl__raise_nomem();
    else if (PEM_write_bio_X509(bio, cert->x509) != 1)
        RAISE_OSSL();
    else
        pem = bio_to_string(bio);
    BIO_free(bio);
    return pem;
}

/* Python's Certificate repr: X509_NAME_print_ex(..., XN_FLAG_RFC2253). */
char *cssl_cert_subject_rfc2253(const cssl_cert *cert)
{
    CSSL_ENSURE_ARG_PTR(cert);
    BIO *bio = BIO_new(BIO_s_mem());
    char *text = NULL;
    if (bio == NULL)
        cssl__raise_nomem();
    else if (X509_NAME_print_ex(bio, X509_get_subject_name(cert->x509), 0, XN_FLAG_RFC2253) < 0)
        RAISE_OSSL();
    else if (after_print() == CSSL_OK)
        text = bio_to_string(bio);
    BIO_free(bio);
    return text;
}

bool cssl_cert_equal(const cssl_cert *a, const cssl_cert *b)
{
    if (a == NULL || b == NULL) {
        cssl__raise(CSSL_EVALUE, a == NULL ? "a must not be NULL" : "b must not be NULL");
        return false;
    }
    bool equal = X509_cmp(a->x509, b->x509) == 0;
    ERR_clear_error(); /* X509_cmp caches extensions and may queue errors */
    return equal;
}
