/*
 * context_trust.c - trust anchors: SSLContext.load_verify_locations
 * (cafile, capath, cadata), load_default_certs and
 * set_default_verify_paths.
 *
 * load_verify_locations reads cadata and cafile completely before touching
 * the context's store, so a bad cafile does not leave cadata's certificates
 * behind (Python adds cadata first and keeps it when cafile then fails).
 */
#include <limits.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"

/*
 * Python's _add_ca_certs: certificates until the data ends. No certificate
 * at all is a literal error; after at least one, PEM stops quietly at "no
 * start line" and DER at the end of the buffer, anything else is raised.
 */
static int read_cadata(const void *data, size_t len, int encoding, STACK_OF(X509) *certs)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    if (bio == NULL)
        return cssl__raise_nomem();
    int loaded = 0, r = CSSL_OK;
    bool der_eof = false;
    for (;;) {
        X509 *x;
        if (encoding == CSSL_ENCODING_DER) {
            if (BIO_eof(bio)) {
                der_eof = true;
                break;
            }
            x = d2i_X509_bio(bio, NULL);
        } else {
            /* a silent failure that repeats ends the data quietly, as Python
             * sees it: nothing queued */
            x = cssl__pem_read_x509(bio, NULL);
        }
        if (x == NULL)
            break;
        if (!sk_X509_push(certs, x)) {
            X509_free(x);
            r = cssl__raise_nomem();
            goto out;
        }
        loaded++;
    }
    unsigned long err = ERR_peek_last_error();
    if (loaded == 0) {
        r = CSSL_RAISE_LOAD_TEXT(encoding == CSSL_ENCODING_PEM
                                     ? "no start line: cadata does not contain a certificate"
                                     : "not enough data: cadata does not contain a certificate");
    } else if (encoding == CSSL_ENCODING_DER && der_eof) {
        ERR_clear_error();
    } else if (encoding == CSSL_ENCODING_PEM && ERR_GET_LIB(err) == ERR_LIB_PEM &&
               ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
    } else if (err != 0) {
        r = CSSL_RAISE_LOAD(NULL, NULL);
    }
out:
    BIO_free(bio);
    return r;
}

/* X509_load_cert_crl_file's PEM path, collecting instead of adding. */
static int read_cafile(const char *path, STACK_OF(X509) *certs, STACK_OF(X509_CRL) *crls)
{
    BIO *in = NULL;
    CSSL_GUARD(cssl__load_open(path, &in));
    int r = CSSL_OK, count = 0;
    STACK_OF(X509_INFO) *info = cssl__pem_read_x509_info(in, NULL);
    if (info == NULL) { /* queued or not, X509_load_cert_crl_file's error */
        ERR_raise(ERR_LIB_X509, ERR_R_PEM_LIB);
        r = CSSL_RAISE_LOAD(in, path);
        goto out;
    }
    for (int i = 0; i < sk_X509_INFO_num(info); i++) {
        X509_INFO *item = sk_X509_INFO_value(info, i);
        if (item->x509 != NULL) {
            if (!sk_X509_push(certs, item->x509)) {
                r = cssl__raise_nomem();
                goto out;
            }
            item->x509 = NULL; /* moved */
            count++;
        }
        if (item->crl != NULL) {
            if (!sk_X509_CRL_push(crls, item->crl)) {
                r = cssl__raise_nomem();
                goto out;
            }
            item->crl = NULL;
            count++;
        }
    }
    if (count == 0) {
        ERR_raise(ERR_LIB_X509, X509_R_NO_CERTIFICATE_OR_CRL_FOUND);
        r = CSSL_RAISE_LOAD(in, path);
    }
out:
    sk_X509_INFO_pop_free(info, X509_INFO_free);
    BIO_free(in);
    return r;
}

/* X509_STORE_add_* failed: a duplicate is fine (OpenSSL < 3 reported it). */
static int add_failed(void)
{
    unsigned long err = ERR_peek_last_error();
    if (ERR_GET_LIB(err) == ERR_LIB_X509 &&
        ERR_GET_REASON(err) == X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        ERR_clear_error();
        return CSSL_OK;
    }
    return CSSL_RAISE_LOAD(NULL, NULL);
}

/* Everything has been read: now change the store. Only an allocation
 * failure can stop this half way. */
static int commit(cssl_context *ctx, STACK_OF(X509) *certs, STACK_OF(X509_CRL) *crls,
                  const char *capath)
{
    /* capath first: its only failures (an empty path) change nothing. */
    if (capath != NULL && SSL_CTX_load_verify_dir(ctx->ssl_ctx, capath) != 1)
        return CSSL_RAISE_LOAD(NULL, capath);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx->ssl_ctx);
    for (int i = 0; i < sk_X509_num(certs); i++)
        if (X509_STORE_add_cert(store, sk_X509_value(certs, i)) != 1)
            CSSL_GUARD(add_failed());
    for (int i = 0; i < sk_X509_CRL_num(crls); i++)
        if (X509_STORE_add_crl(store, sk_X509_CRL_value(crls, i)) != 1)
            CSSL_GUARD(add_failed());
    return CSSL_OK;
}

static int check_cadata(size_t len, int encoding)
{
    CSSL_ENSURE(encoding == CSSL_ENCODING_PEM || encoding == CSSL_ENCODING_DER, CSSL_EVALUE,
                "cadata_encoding must be CSSL_ENCODING_PEM or CSSL_ENCODING_DER");
    CSSL_ENSURE(len > 0, CSSL_EVALUE, "Empty certificate data");
    CSSL_ENSURE(len <= INT_MAX, CSSL_EVALUE, "Certificate data is too long.");
    return CSSL_OK;
}

int cssl_context_load_verify_locations(cssl_context *ctx, const char *cafile, const char *capath,
                                       const void *cadata, size_t cadata_len,
                                       int cadata_encoding)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE(cafile != NULL || capath != NULL || cadata != NULL, CSSL_EVALUE,
                "cafile, capath and cadata cannot be all omitted");
    if (cadata != NULL)
        CSSL_GUARD(check_cadata(cadata_len, cadata_encoding));
    ERR_clear_error();
    STACK_OF(X509) *certs = sk_X509_new_null();
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    int r = CSSL_OK;
    if (certs == NULL || crls == NULL)
        r = cssl__raise_nomem();
    /* Python: cadata before cafile and capath. */
    if (r == CSSL_OK && cadata != NULL)
        r = read_cadata(cadata, cadata_len, cadata_encoding, certs);
    if (r == CSSL_OK && cafile != NULL)
        r = read_cafile(cafile, certs, crls);
    if (r == CSSL_OK)
        r = commit(ctx, certs, crls, capath);
    sk_X509_pop_free(certs, X509_free);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    if (r == CSSL_OK)
        ERR_clear_error(); /* what OpenSSL recovered from (e.g. a failed cache) */
    return r;
}

int cssl_context_set_default_verify_paths(cssl_context *ctx)
{
    CSSL_ENSURE_ARG(ctx);
    ERR_clear_error();
    /* SSL_CTX_set_default_verify_paths, with the bundle parsed once. */
    return cssl__default_store_apply(SSL_CTX_get_cert_store(ctx->ssl_ctx));
}

int cssl_context_load_default_certs(cssl_context *ctx, int purpose)
{
    CSSL_ENSURE_ARG(ctx);
    /* Python: the purpose only selects Windows system stores; elsewhere it
     * is checked and the default paths are loaded. */
    if (purpose != CSSL_PURPOSE_SERVER_AUTH && purpose != CSSL_PURPOSE_CLIENT_AUTH)
        return cssl__raisef(CSSL_EVALUE, "invalid purpose %d", purpose);
    return cssl_context_set_default_verify_paths(ctx);
}
