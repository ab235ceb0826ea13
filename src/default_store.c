/*
 * default_store.c - the system trust store, parsed once per process.
 *
 * Python's create_default_context() re-reads the system CA bundle (144
 * certificates here, ~20 ms) every time. cssl parses it once and copies the
 * parsed certificates (a reference count each) into every new context's
 * own store: the second default context costs well under a millisecond,
 * and no store is shared, so loading more CAs into one context never
 * affects another. The cache is keyed by the file's path and identity
 * (device, inode, size, mtime): a replaced or edited bundle is read again.
 * The hashed directory (SSL_CERT_DIR) stays a lazy lookup, as in OpenSSL.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
    char *path;
    struct stat st;
    STACK_OF(X509_INFO) *items; /* certificates and CRLs, in file order */
} cache;

/* OpenSSL's default file: $SSL_CERT_FILE, else the compiled-in path. */
static const char *default_file(void)
{
    const char *env = getenv(X509_get_default_cert_file_env());
    return env != NULL ? env : X509_get_default_cert_file();
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Read the bundle as X509_load_cert_crl_file does: all of it, or nothing
 * if any entry is broken. A missing file is an empty bundle. NULL when
 * memory ran out: that must not be cached as an empty trust store. */
static STACK_OF(X509_INFO) *read_bundle(const char *path)
{
    BIO *in = BIO_new_file(path, "r");
    bool silent = false; /* a broken entry OpenSSL says nothing about */
    STACK_OF(X509_INFO) *items = in ? cssl__pem_read_x509_info(in, &silent) : NULL;
    BIO_free(in);
    /* Broken entries are queued errors (or silent ones that repeat);
     * failed allocations are malloc failures or, in BIO internals, nothing
     * at all. */
    bool nomem = items == NULL && !silent &&
                 (ERR_peek_error() == 0 || cssl__queue_has_malloc_failure());
    if (items == NULL && !nomem)
        items = sk_X509_INFO_new_null();
    ERR_clear_error();
    return items;
}

/* Called with the lock held: make the cache describe path. */
static int refresh(const char *path)
{
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (!exists)
        memset(&st, 0, sizeof st);
    if (cache.items != NULL && strcmp(cache.path, path) == 0 && same_file(&cache.st, &st))
        return CSSL_OK;
    char *copy = cssl__strdup(path);
    STACK_OF(X509_INFO) *items = exists ? read_bundle(path) : sk_X509_INFO_new_null();
    if (copy == NULL || items == NULL) {
        cssl__free(copy);
        sk_X509_INFO_pop_free(items, X509_INFO_free);
        return cssl__raise_nomem();
    }
    cssl__free(cache.path);
    sk_X509_INFO_pop_free(cache.items, X509_INFO_free);
    cache.path = copy;
    cache.st = st;
    cache.items = items;
    return CSSL_OK;
}

/* Add the cached bundle to store (duplicates are skipped by OpenSSL). */
static int add_cached(X509_STORE *store)
{
    for (int i = 0; i < sk_X509_INFO_num(cache.items); i++) {
        X509_INFO *item = sk_X509_INFO_value(cache.items, i);
        if ((item->x509 && X509_STORE_add_cert(store, item->x509) != 1) ||
            (item->crl && X509_STORE_add_crl(store, item->crl) != 1)) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) != ERR_LIB_X509 ||
                ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE)
                return cssl__raise_nomem();
            ERR_clear_error();
        }
    }
    return CSSL_OK;
}

int cssl__default_store_apply(X509_STORE *store)
{
    pthread_mutex_lock(&cache_lock);
    int rc = refresh(default_file());
    if (rc == CSSL_OK)
        rc = add_cached(store);
    pthread_mutex_unlock(&cache_lock);
    CSSL_GUARD(rc);
    /* The rest of X509_STORE_set_default_paths: lazy directory lookups. */
    X509_LOOKUP *dir = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
    X509_LOOKUP *uri = dir ? X509_STORE_add_lookup(store, X509_LOOKUP_store()) : NULL;
    if (uri == NULL)
        return cssl__raise_nomem();
    X509_LOOKUP_add_dir(dir, NULL, X509_FILETYPE_DEFAULT);
    X509_LOOKUP_add_store(uri, NULL);
    ERR_clear_error();
    return CSSL_OK;
}
