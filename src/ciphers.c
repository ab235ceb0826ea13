/*
 * ciphers.c - the TLS 1.2-and-below cipher list, TLS 1.3 cipher suites,
 * key-exchange groups (set_groups, set_ecdh_curve) and get_ciphers().
 *
 * Every setter either applies the whole request or leaves the context as it
 * was: requests OpenSSL would apply partially are tried first on a
 * throw-away SSL made from the context ("probe"), whose settings are its
 * own copies.
 */
#include <string.h>

#include <openssl/conf.h>
#include <openssl/objects.h>

#include "internal.h"

/* Longest list element worth handing to OpenSSL: its parsers reject or skip
 * longer ones (80 bytes for suites, 64 for groups). */
#define MAX_ELEMENT 128

/* Room for repr() of user input inside the 640-byte error message. */
#define MAX_QUOTED 480

/* Raise from OpenSSL's queue, but report its allocation failures as
 * MemoryError. */
static int raise_queue(const char *file, int line, int status)
{
    unsigned long code = ERR_peek_last_error();
    if (code != 0 && ERR_GET_REASON(code) == ERR_R_MALLOC_FAILURE)
        return cssl__raise_nomem();
    return cssl__raise_openssl(file, line, status, NULL);
}
#define RAISE_QUEUE(status) raise_queue(__FILE_NAME__, __LINE__, (status))

/* Whether OpenSSL's last error is an allocation failure: callers that
 * replace OpenSSL's message still report those as MemoryError. */
static bool queue_is_nomem(void)
{
    unsigned long code = ERR_peek_last_error();
    return code != 0 && ERR_GET_REASON(code) == ERR_R_MALLOC_FAILURE;
}

/* "text 'quoted' (ciphers.c:line)", CSSL_ESSL: _setSSLError with a literal
 * that names the offending input. */
static int raise_quoted(int line, const char *text, const char *input, size_t len)
{
    char quoted[MAX_QUOTED], msg[MAX_QUOTED + 64];
    cssl__py_repr(input, len, quoted, sizeof quoted);
    snprintf(msg, sizeof msg, "%s %s", text, quoted);
    ERR_clear_error();
    return cssl__raise_at(__FILE_NAME__, line, CSSL_ESSL, msg);
}

/* A throw-away connection of ctx, to try settings without changing ctx. */
static SSL *probe_new(cssl_context *ctx)
{
    SSL *ssl = SSL_new(ctx->ssl_ctx);
    if (ssl == NULL)
        RAISE_QUEUE(CSSL_ESSL);
    return ssl;
}

/* ---- set_ciphers --------------------------------------------------------- */

int cssl_context_set_ciphers(cssl_context *ctx, const char *ciphers)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE_ARG(ciphers);
    /* OpenSSL applies a failing string partly (the list shrinks to the TLS
     * 1.3 suites, @SECLEVEL takes effect), so try it on a probe first. */
    SSL *probe = probe_new(ctx);
    if (probe == NULL)
        return cssl_error_status();
    int ok = SSL_set_cipher_list(probe, ciphers);
    SSL_free(probe);
    if (ok == 1)
        ok = SSL_CTX_set_cipher_list(ctx->ssl_ctx, ciphers);
    if (ok != 1) {
        if (queue_is_nomem())
            return cssl__raise_nomem();
        /* Python: ERR_clear_error() then PyErr_SetString, no location. */
        ERR_clear_error();
        return cssl__raise(CSSL_ESSL, "No cipher can be selected.");
    }
    return CSSL_OK;
}

/* ---- set_ciphersuites ---------------------------------------------------- */

struct suite_check {
    SSL *probe;
    size_t named; /* suites named so far */
    int status;
};

/* Whether name is a TLS 1.3 suite OpenSSL knows (by its RFC name), found by
 * wire id (0x13xx) so that nothing is allocated. */
static bool is_tls13_suite(SSL *probe, const char *name)
{
    for (int low = 0; low < 256; low++) {
        const unsigned char id[2] = {0x13, (unsigned char)low};
        const SSL_CIPHER *c = SSL_CIPHER_find(probe, id);
        if (c != NULL && strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") == 0 &&
            strcmp(SSL_CIPHER_standard_name(c), name) == 0)
            return true;
    }
    return false;
}

/* One element of a suite list. OpenSSL 3.0 would silently skip unknown
 * names and put TLS 1.2 ciphers named by their RFC names into the TLS 1.3
 * list: refuse both. */
static int check_suite(const char *elem, int len, void *arg)
{
    struct suite_check *chk = arg;
    char name[MAX_ELEMENT];
    if (elem == NULL)
        return 1; /* empty element: OpenSSL skips it too */
    if ((size_t)len < sizeof name) {
        memcpy(name, elem, (size_t)len);
        name[len] = '\0';
        if (is_tls13_suite(chk->probe, name)) {
            chk->named++;
            return 1;
        }
    }
    chk->status = raise_quoted(__LINE__, "unknown TLS 1.3 cipher suite", elem, (size_t)len);
    return 0;
}

/* Every element names a TLS 1.3 suite, and at least one does. */
static int check_suites(cssl_context *ctx, const char *suites)
{
    struct suite_check chk = {probe_new(ctx), 0, CSSL_OK};
    if (chk.probe == NULL)
        return cssl_error_status();
    int parsed = CONF_parse_list(suites, ':', 1, check_suite, &chk);
    SSL_free(chk.probe);
    if (chk.status < 0)
        return chk.status;
    if (parsed != 1)
        return RAISE_QUEUE(CSSL_ESSL);
    if (chk.named == 0)
        return raise_quoted(__LINE__, "no TLS 1.3 cipher suite in", suites, strlen(suites));
    return CSSL_OK;
}

int cssl_context_set_ciphersuites(cssl_context *ctx, const char *suites)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE_ARG(suites);
    if (suites[0] != '\0') /* "" is valid: it disables TLS 1.3 */
        CSSL_GUARD(check_suites(ctx, suites));
    /* The list is known good: OpenSSL can only fail to allocate (and then
     * queues "no cipher match", or nothing). */
    if (SSL_CTX_set_ciphersuites(ctx->ssl_ctx, suites) != 1)
        return cssl__raise_nomem();
    return CSSL_OK;
}

/* ---- set_groups ---------------------------------------------------------- */

struct group_check {
    SSL *probe;
    char *prefix; /* a copy of the list, cut after the element checked */
    const char *list;
    int status;
};

/* Find why OpenSSL refused a group list, one element at a time: an empty
 * name, an unknown name, or a group named twice (maybe by an alias). The
 * last prefix tried is the whole list. */
static int check_group(const char *elem, int len, void *arg)
{
    struct group_check *chk = arg;
    char name[MAX_ELEMENT];
    if (elem == NULL) {
        chk->status = raise_quoted(__LINE__, "empty group name in", chk->list, strlen(chk->list));
        return 0;
    }
    bool known = false;
    if ((size_t)len < sizeof name) {
        memcpy(name, elem, (size_t)len);
        name[len] = '\0';
        known = SSL_set1_groups_list(chk->probe, name) == 1;
    }
    if (!known) {
        chk->status = raise_quoted(__LINE__, "unknown group", elem, (size_t)len);
        return 0;
    }
    size_t end = (size_t)(elem - chk->list) + (size_t)len;
    char saved = chk->prefix[end];
    chk->prefix[end] = '\0';
    int ok = SSL_set1_groups_list(chk->probe, chk->prefix);
    chk->prefix[end] = saved;
    if (ok != 1) {
        chk->status = raise_quoted(__LINE__, "group named twice:", elem, (size_t)len);
        return 0;
    }
    return 1;
}

/* A message for a list SSL_CTX_set1_groups_list refused. */
static int explain_bad_groups(cssl_context *ctx, const char *groups)
{
    if (groups[0] == '\0')
        return CSSL_RAISE_SSL("empty group list");
    struct group_check chk = {NULL, cssl__strdup(groups), groups, CSSL_OK};
    if (chk.prefix == NULL)
        return cssl__raise_nomem();
    chk.probe = probe_new(ctx);
    if (chk.probe != NULL) {
        CONF_parse_list(groups, ':', 1, check_group, &chk);
        SSL_free(chk.probe);
        /* The probe took the whole list: the context's copy of it failed
         * to allocate (OpenSSL 3.0 queues nothing for that). */
        if (chk.status == CSSL_OK)
            chk.status = cssl__raise_nomem();
    } else {
        chk.status = cssl_error_status();
    }
    cssl__free(chk.prefix);
    return chk.status;
}

int cssl_context_set_groups(cssl_context *ctx, const char *groups)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE_ARG(groups);
    /* A refused list leaves the context's groups as they were. */
    if (SSL_CTX_set1_groups_list(ctx->ssl_ctx, groups) == 1)
        return CSSL_OK;
    if (queue_is_nomem())
        return cssl__raise_nomem();
    ERR_clear_error();
    return explain_bad_groups(ctx, groups);
}

/* ---- set_ecdh_curve ------------------------------------------------------ */

int cssl_context_set_ecdh_curve(cssl_context *ctx, const char *name)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE_ARG(name);
    int nid = OBJ_sn2nid(name);
    if (nid == NID_undef) {
        char quoted[MAX_QUOTED];
        cssl__py_repr(name, strlen(name), quoted, sizeof quoted);
        ERR_clear_error();
        /* Python: ValueError("unknown elliptic curve name %R") */
        return cssl__raisef(CSSL_EVALUE, "unknown elliptic curve name %s", quoted);
    }
    /* Python on OpenSSL 3: the group list becomes this one group; a short
     * name that is no group (rsaEncryption) fails from the (empty) queue:
     * "unknown error". */
    if (SSL_CTX_set1_groups(ctx->ssl_ctx, &nid, 1) != 1)
        return RAISE_QUEUE(CSSL_ESSL);
    return CSSL_OK;
}

/* ---- get_ciphers --------------------------------------------------------- */

enum { F_NAME, F_PROTOCOL, F_DESCRIPTION, F_SYMMETRIC, F_DIGEST, F_KEA, F_AUTH, F_COUNT };

/* The strings of one entry, as Python's cipher_to_dict finds them. */
struct cipher_strings {
    const char *s[F_COUNT];
    char description[512];
};

static const char *nid_long_name(int nid)
{
    return nid == NID_undef ? NULL : OBJ_nid2ln(nid);
}

static void cipher_strings(const SSL_CIPHER *cipher, struct cipher_strings *cs)
{
    memset(cs->description, 0, sizeof cs->description);
    SSL_CIPHER_description(cipher, cs->description, sizeof cs->description - 1);
    size_t len = strlen(cs->description);
    /* Python strips one trailing newline (only if more than it is left). */
    if (len > 1 && cs->description[len - 1] == '\n')
        cs->description[len - 1] = '\0';
    cs->s[F_NAME] = SSL_CIPHER_get_name(cipher);
    cs->s[F_PROTOCOL] = SSL_CIPHER_get_version(cipher);
    cs->s[F_DESCRIPTION] = cs->description;
    cs->s[F_SYMMETRIC] = nid_long_name(SSL_CIPHER_get_cipher_nid(cipher));
    cs->s[F_DIGEST] = nid_long_name(SSL_CIPHER_get_digest_nid(cipher));
    cs->s[F_KEA] = nid_long_name(SSL_CIPHER_get_kx_nid(cipher));
    cs->s[F_AUTH] = nid_long_name(SSL_CIPHER_get_auth_nid(cipher));
}

/* Copy s into the pool; NULL stays NULL (Python's None). */
static const char *pool_put(char **pool, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *at = *pool;
    memcpy(at, s, n);
    *pool += n;
    return at;
}

static void fill_entry(cssl_cipher_info *info, const SSL_CIPHER *cipher, char **pool)
{
    struct cipher_strings cs;
    cipher_strings(cipher, &cs);
    info->id = SSL_CIPHER_get_id(cipher);
    info->name = pool_put(pool, cs.s[F_NAME]);
    info->protocol = pool_put(pool, cs.s[F_PROTOCOL]);
    info->description = pool_put(pool, cs.s[F_DESCRIPTION]);
    info->strength_bits = SSL_CIPHER_get_bits(cipher, &info->alg_bits);
    info->aead = SSL_CIPHER_is_aead(cipher) != 0;
    info->symmetric = pool_put(pool, cs.s[F_SYMMETRIC]);
    info->digest = pool_put(pool, cs.s[F_DIGEST]);
    info->kea = pool_put(pool, cs.s[F_KEA]);
    info->auth = pool_put(pool, cs.s[F_AUTH]);
}

/* Bytes of the one allocation: the array, then every string. */
static size_t ciphers_size(STACK_OF(SSL_CIPHER) *sk, size_t count)
{
    size_t size = (count > 0 ? count : 1) * sizeof(cssl_cipher_info);
    for (size_t i = 0; i < count; i++) {
        struct cipher_strings cs;
        cipher_strings(sk_SSL_CIPHER_value(sk, (int)i), &cs);
        for (int f = 0; f < F_COUNT; f++)
            if (cs.s[f] != NULL)
                size += strlen(cs.s[f]) + 1;
    }
    return size;
}

cssl_cipher_info *cssl_context_get_ciphers(const cssl_context *ctx, size_t *count)
{
    CSSL_ENSURE_ARG_PTR(ctx);
    CSSL_ENSURE_ARG_PTR(count);
    /* Python: the list of a new SSL of the context (TLS 1.3 suites first). */
    SSL *ssl = probe_new((cssl_context *)ctx);
    if (ssl == NULL)
        return NULL;
    STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(ssl);
    int num = sk_SSL_CIPHER_num(sk);
    size_t n = num > 0 ? (size_t)num : 0;
    cssl_cipher_info *list = cssl__malloc(ciphers_size(sk, n));
    if (list == NULL) {
        SSL_free(ssl);
        cssl__raise_nomem();
        return NULL;
    }
    char *pool = (char *)(list + (n > 0 ? n : 1));
    for (size_t i = 0; i < n; i++)
        fill_entry(&list[i], sk_SSL_CIPHER_value(sk, (int)i), &pool);
    SSL_free(ssl);
    ERR_clear_error(); /* OBJ_nid2ln queues an error for an unknown NID */
    *count = n;
    return list;
}
