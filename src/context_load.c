/*
 * context_load.c - SSLContext.load_cert_chain (literal or callback
 * password), load_dh_params and session_stats, plus the file and error
 * helpers shared with context_trust.c (trust anchors).
 *
 * load_cert_chain reads the chain and the key itself and installs them with
 * one SSL_CTX_use_cert_and_key() call once everything has been read and
 * checked, so a failed load leaves the context's certificates as they were.
 * Python instead calls SSL_CTX_use_certificate_chain_file,
 * SSL_CTX_use_PrivateKey_file and SSL_CTX_check_private_key in turn; the
 * errors below reproduce what those report.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"

/* ---- shared helpers ------------------------------------------------------ */

int cssl__load_open(const char *path, BIO **bio)
{
    FILE *f = fopen(path, "rbe");
    if (f == NULL)
        return cssl__raise_errno(errno, path);
    /* Linux opens a directory for reading; Python then sees EISDIR from the
     * first read. BIO_gets does not report that error, so check here. */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return cssl__raise_errno(EISDIR, path);
    }
    *bio = BIO_new_fp(f, BIO_CLOSE);
    if (*bio == NULL) {
        fclose(f);
        return cssl__raise_nomem();
    }
    errno = 0;
    return CSSL_OK;
}

/* Did the file behind bio fail to read? (Python's errno check.) */
static int file_read_error(BIO *bio)
{
    FILE *f = NULL;
    if (bio == NULL || BIO_get_fp(bio, &f) != 1 || f == NULL || !ferror(f))
        return 0;
    return errno != 0 ? errno : EIO;
}

int cssl__raise_load(const char *file, int line, BIO *bio, const char *path, const char *text)
{
    int read_err = file_read_error(bio);
    unsigned long last = 0;
    int sys_err = 0;
    bool nomem = false;
    /* The queue cannot be inspected without popping it: pop it all, then
     * put the last error back for cssl__raise_openssl(). */
    for (unsigned long code = ERR_get_error(); code != 0; code = ERR_get_error()) {
        if (ERR_GET_LIB(code) == ERR_LIB_SYS && sys_err == 0)
            sys_err = ERR_GET_REASON(code);
        else if (ERR_GET_REASON(code) == ERR_R_MALLOC_FAILURE)
            nomem = true;
        last = code;
    }
    if (read_err != 0)
        return cssl__raise_errno(read_err, path);
    if (sys_err != 0)
        return cssl__raise_errno(sys_err, path);
    /* OpenSSL's loaders queue an error for every failure but a few failed
     * allocations (BIO and lookup internals): nothing queued is memory. */
    if (nomem || (last == 0 && text == NULL))
        return cssl__raise_nomem();
    if (text != NULL)
        return cssl__raise_at(file, line, CSSL_ESSL, text);
    if (last != 0)
        ERR_raise(ERR_GET_LIB(last), ERR_GET_REASON(last));
    return cssl__raise_openssl(file, line, CSSL_ESSL, NULL);
}

int cssl__pem_no_password(char *buf, int size, int rwflag, void *userdata)
{
    return -1;
}

void *cssl__pem_retry(BIO *in, cssl__pem_reader read, void *arg, bool *silent)
{
    long start = BIO_tell(in);
    for (int attempt = 0;; attempt++) {
        void *got = read(in, arg);
        bool quiet = got == NULL && ERR_peek_error() == 0;
        if (!quiet || attempt == 1 || start < 0 || BIO_seek(in, start) < 0) {
            if (silent != NULL)
                *silent = quiet;
            return got;
        }
    }
}

static void *read_x509(BIO *in, void *arg)
{
    return PEM_read_bio_X509(in, NULL, cssl__pem_no_password, NULL);
}

X509 *cssl__pem_read_x509(BIO *in, bool *silent)
{
    return cssl__pem_retry(in, read_x509, NULL, silent);
}

static void *read_x509_info(BIO *in, void *arg)
{
    return PEM_X509_INFO_read_bio(in, NULL, NULL, ""); /* "": encrypted blocks never prompt */
}

STACK_OF(X509_INFO) *cssl__pem_read_x509_info(BIO *in, bool *silent)
{
    return cssl__pem_retry(in, read_x509_info, NULL, silent);
}

/* ---- passwords ----------------------------------------------------------- */

#define PASSWORD_MAX 1024 /* PEM_BUFSIZE: what OpenSSL offers a password callback */

typedef struct pw_info {
    const char *password; /* the literal (borrowed) or answer; NULL: none */
    size_t password_len;
    cssl_password_cb cb;
    void *userdata;
    bool asked;           /* cb has been called: never call it again */
    int status;           /* < 0 once a password could not be supplied */
    char answer[PASSWORD_MAX]; /* the callback's answer, wiped after the load */
} pw_info;

static bool is_status(ssize_t n)
{
    return n <= CSSL_ESSL && n >= CSSL_EUNSUPPORTED;
}

/* Call the user's callback once. The thread's error details survive a
 * successful call; a failure keeps what the callback recorded for the
 * status it returns (Python: the callable's exception propagates). */
static int ask_callback(pw_info *pw)
{
    cssl__error saved = *cssl__error_state();
    cssl_error_clear();
    ssize_t n = pw->cb(pw->answer, sizeof pw->answer, pw->userdata);
    pw->asked = true;
    if (n >= 0) {
        *cssl__error_state() = saved;
        if ((size_t)n > sizeof pw->answer) {
            pw->status = cssl__raisef(CSSL_EVALUE, "password cannot be longer than %d bytes",
                                      PASSWORD_MAX);
            return pw->status;
        }
        pw->password = pw->answer;
        pw->password_len = (size_t)n;
        return CSSL_OK;
    }
    if (!is_status(n))
        pw->status = cssl__raisef(CSSL_EVALUE, "password callback returned an invalid status %zd",
                                  n);
    else if (cssl_error_status() != (int)n)
        pw->status = cssl__raise((int)n, "password callback failed");
    else
        pw->status = (int)n; /* keep what the callback recorded */
    return pw->status;
}

/* OpenSSL's pem_password_cb; OpenSSL may call it several times per load. */
static int pem_password(char *buf, int size, int rwflag, void *userdata)
{
    pw_info *pw = userdata;
    if (pw->status < 0)
        return -1;
    if (pw->cb != NULL && !pw->asked && ask_callback(pw) < 0)
        return -1;
    if (pw->password == NULL)
        return -1; /* no password: fail rather than prompt on a terminal */
    /* Python: the length is checked here, so only an encrypted key needs it. */
    if (size < 0 || pw->password_len > (size_t)size) {
        pw->status = cssl__raisef(CSSL_EVALUE, "password cannot be longer than %d bytes", size);
        return -1;
    }
    memcpy(buf, pw->password, pw->password_len);
    return (int)pw->password_len;
}

/* ---- load_cert_chain ------------------------------------------------------ */

/*
 * A PEM read failed. Python's order: the password callback's failure, then
 * errno (OSError), then the queue. OpenSSL's SSL_CTX_use_* functions add
 * "[SSL] PEM lib" (ERR_R_PEM_LIB) when the first certificate or the key
 * cannot be read.
 */
static int read_failed(const pw_info *pw, BIO *in, const char *path, bool pem_lib, int line)
{
    if (pw->status < 0) {
        ERR_clear_error();
        return pw->status;
    }
    if (pem_lib)
        ERR_raise(ERR_LIB_SSL, ERR_R_PEM_LIB);
    return cssl__raise_load(__FILE_NAME__, line, in, path, NULL);
}

/* Where PEM text comes from: a file (path), or memory (data, len). */
typedef struct pem_source {
    const char *path;
    const char *data;
    size_t len;
} pem_source;

static int source_open(const pem_source *src, BIO **bio)
{
    if (src->data == NULL)
        return cssl__load_open(src->path, bio);
    CSSL_ENSURE(src->len <= INT_MAX, CSSL_EVALUE, "PEM data is too long");
    *bio = BIO_new_mem_buf(src->data, (int)src->len);
    return *bio != NULL ? CSSL_OK : cssl__raise_nomem();
}

/* Leaf first, then the chain up to the end of the file. */
static int read_certs(const pem_source *src, pw_info *pw, X509 **leaf, STACK_OF(X509) **chain)
{
    BIO *in = NULL;
    STACK_OF(X509) *sk = NULL;
    X509 *x = NULL;
    const char *path = src->path;
    CSSL_GUARD(source_open(src, &in));
    int r = CSSL_OK;
    x = PEM_read_bio_X509_AUX(in, NULL, pem_password, pw);
    if (x == NULL) {
        r = read_failed(pw, in, path, true, __LINE__);
        goto out;
    }
    sk = sk_X509_new_null();
    if (sk == NULL) {
        r = cssl__raise_nomem();
        goto out;
    }
    for (X509 *ca = PEM_read_bio_X509(in, NULL, pem_password, pw); ca != NULL;
         ca = PEM_read_bio_X509(in, NULL, pem_password, pw)) {
        if (!sk_X509_push(sk, ca)) {
            X509_free(ca);
            r = cssl__raise_nomem();
            goto out;
        }
    }
    /* As OpenSSL: the loop normally ends at "no start line" (end of file);
     * anything else is a broken certificate. */
    unsigned long err = ERR_peek_last_error();
    if (err == 0 ||
        (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE)) {
        ERR_clear_error();
    } else {
        r = read_failed(pw, in, path, false, __LINE__);
        goto out;
    }
    *leaf = x;
    *chain = sk;
    x = NULL;
    sk = NULL;
out:
    X509_free(x);
    sk_X509_pop_free(sk, X509_free);
    BIO_free(in);
    return r;
}

static int read_key(const pem_source *src, pw_info *pw, EVP_PKEY **key)
{
    BIO *in = NULL;
    CSSL_GUARD(source_open(src, &in));
    int r = CSSL_OK;
    *key = PEM_read_bio_PrivateKey(in, NULL, pem_password, pw);
    if (*key == NULL)
        r = read_failed(pw, in, src->path, true, __LINE__);
    BIO_free(in);
    return r;
}

static int check_key(X509 *leaf, EVP_PKEY *key)
{
    if (X509_check_private_key(leaf, key) == 1)
        return CSSL_OK;
    unsigned long err = ERR_peek_last_error();
    if (ERR_GET_LIB(err) == ERR_LIB_X509 && ERR_GET_REASON(err) == X509_R_KEY_TYPE_MISMATCH) {
        /* Python: OpenSSL files a key of another type (EC key, RSA
         * certificate) in its own slot, whose certificate is missing. */
        ERR_clear_error();
        ERR_raise(ERR_LIB_SSL, SSL_R_NO_CERTIFICATE_ASSIGNED);
    }
    return CSSL_RAISE_LOAD(NULL, NULL);
}

static int load_chain(cssl_context *ctx, const pem_source *cert, const pem_source *key_src,
                      pw_info *pw)
{
    X509 *leaf = NULL;
    STACK_OF(X509) *chain = NULL;
    EVP_PKEY *key = NULL;

    ERR_clear_error();
    int r = read_certs(cert, pw, &leaf, &chain);
    if (r == CSSL_OK)
        r = read_key(key_src, pw, &key);
    if (r == CSSL_OK)
        r = check_key(leaf, key);
    /* One call replaces the slot's certificate, chain and key together
     * (security level checks included), or changes nothing. No chain is
     * NULL, as after SSL_CTX_use_certificate_chain_file. */
    if (r == CSSL_OK && SSL_CTX_use_cert_and_key(ctx->ssl_ctx, leaf, key,
                                                 sk_X509_num(chain) > 0 ? chain : NULL, 1) != 1)
        r = CSSL_RAISE_LOAD(NULL, NULL);
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
    OPENSSL_cleanse(pw->answer, sizeof pw->answer);
    pw->password = NULL;
    if (r == CSSL_OK)
        ERR_clear_error(); /* what OpenSSL recovered from (e.g. a failed cache) */
    return r;
}

int cssl_context_load_cert_chain(cssl_context *ctx, const char *certfile, const char *keyfile,
                                 const char *password)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE(certfile != NULL, CSSL_EVALUE, "certfile should be a valid filesystem path");
    pw_info pw = {.password = password, .password_len = password ? strlen(password) : 0};
    pem_source cert = {.path = certfile}, key = {.path = keyfile ? keyfile : certfile};
    return load_chain(ctx, &cert, &key, &pw);
}

int cssl_context_load_cert_chain_cb(cssl_context *ctx, const char *certfile,
                                    const char *keyfile, cssl_password_cb cb, void *userdata)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE(certfile != NULL, CSSL_EVALUE, "certfile should be a valid filesystem path");
    pw_info pw = {.cb = cb, .userdata = userdata};
    pem_source cert = {.path = certfile}, key = {.path = keyfile ? keyfile : certfile};
    return load_chain(ctx, &cert, &key, &pw);
}

int cssl_context_load_cert_chain_mem(cssl_context *ctx, const char *cert_pem, size_t cert_len,
                                     const char *key_pem, size_t key_len, const char *password)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE_ARG(cert_pem);
    pw_info pw = {.password = password, .password_len = password ? strlen(password) : 0};
    pem_source cert = {.data = cert_pem, .len = cert_len};
    pem_source key = key_pem ? (pem_source){.data = key_pem, .len = key_len} : cert;
    return load_chain(ctx, &cert, &key, &pw);
}

/* ---- load_dh_params ------------------------------------------------------- */

/* PEM_bytes_read_bio() as a cssl__pem_reader. */
typedef struct pem_block {
    const char *want;
    unsigned char *data;
    long len;
    char *name;
} pem_block;

static void *read_block(BIO *in, void *arg)
{
    pem_block *b = arg;
    return PEM_bytes_read_bio(&b->data, &b->len, &b->name, b->want, in, cssl__pem_no_password,
                              NULL)
               ? b
               : NULL;
}

/* PEM_read_DHparams without the deprecated DH type: the same PEM block
 * search ("DH PARAMETERS" or "X9.42 DH PARAMETERS"), decoded to an EVP_PKEY. */
static int read_dh(const char *path, EVP_PKEY **pkey)
{
    BIO *in = NULL;
    char *name = NULL;
    unsigned char *data = NULL;
    long len = 0;
    CSSL_GUARD(cssl__load_open(path, &in));
    int r = CSSL_OK;
    pem_block block = {.want = PEM_STRING_DHPARAMS};
    bool silent;
    if (cssl__pem_retry(in, read_block, &block, &silent) == NULL) {
        /* a block OpenSSL refuses without a word: Python's "unknown error" */
        r = cssl__raise_load(__FILE_NAME__, __LINE__, in, path, silent ? "unknown error" : NULL);
        goto out;
    }
    data = block.data;
    len = block.len;
    name = block.name;
    const unsigned char *p = data;
    int type = strcmp(name, PEM_STRING_DHXPARAMS) == 0 ? EVP_PKEY_DHX : EVP_PKEY_DH;
    *pkey = d2i_KeyParams(type, NULL, &p, len);
    if (*pkey == NULL) {
        ERR_raise(ERR_LIB_PEM, ERR_R_ASN1_LIB); /* as PEM_read_DHparams */
        r = CSSL_RAISE_LOAD(NULL, NULL);
    }
out:
    OPENSSL_free(name);
    OPENSSL_free(data);
    BIO_free(in);
    return r;
}

int cssl_context_load_dh_params(cssl_context *ctx, const char *path)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE_ARG(path);
    EVP_PKEY *pkey = NULL;
    ERR_clear_error();
    CSSL_GUARD(read_dh(path, &pkey));
    if (SSL_CTX_set0_tmp_dh_pkey(ctx->ssl_ctx, pkey) != 1) {
        EVP_PKEY_free(pkey);
        return CSSL_RAISE_LOAD(NULL, NULL);
    }
    ERR_clear_error();
    return CSSL_OK; /* the context owns pkey now */
}

/* ---- session_stats -------------------------------------------------------- */

int cssl_context_session_stats(const cssl_context *ctx, cssl_session_stats *stats)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE_ARG(stats);
    SSL_CTX *c = ctx->ssl_ctx;
    *stats = (cssl_session_stats){
        .number = SSL_CTX_sess_number(c),
        .connect = SSL_CTX_sess_connect(c),
        .connect_good = SSL_CTX_sess_connect_good(c),
        .connect_renegotiate = SSL_CTX_sess_connect_renegotiate(c),
        .accept = SSL_CTX_sess_accept(c),
        .accept_good = SSL_CTX_sess_accept_good(c),
        .accept_renegotiate = SSL_CTX_sess_accept_renegotiate(c),
        .hits = SSL_CTX_sess_hits(c),
        .misses = SSL_CTX_sess_misses(c),
        .timeouts = SSL_CTX_sess_timeouts(c),
        .cache_full = SSL_CTX_sess_cache_full(c),
    };
    return CSSL_OK;
}
