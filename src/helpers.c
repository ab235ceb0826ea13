/*
 * helpers.c - the small module-level functions of Python's ssl module:
 * get_default_verify_paths, RAND_bytes/RAND_status/RAND_add and the
 * OPENSSL_VERSION* constants. PEM/DER conversion lives in pem.c,
 * cert_time_to_seconds in cert_time.c.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/rand.h>
#include <openssl/x509.h>

#include "internal.h"

/* ---- get_default_verify_paths ----------------------------------------- */

/* Per thread, so the strings stay valid until this thread calls again. */
static _Thread_local char cafile_buf[PATH_MAX];
static _Thread_local char capath_buf[PATH_MAX];

/*
 * Python: os.environ.get(env, default), kept only if os.path.isfile() /
 * isdir() (stat, following links) says so; a set but empty variable wins
 * over the default and then is not a file. A value that does not fit
 * PATH_MAX cannot be one either: stat() fails with ENAMETOOLONG.
 */
static const char *effective_path(const char *env, const char *fallback, bool dir, char *buf)
{
    const char *value = getenv(env);
    if (value == NULL)
        value = fallback;
    size_t len = strlen(value);
    if (len >= PATH_MAX)
        return NULL;
    memcpy(buf, value, len + 1);
    struct stat st;
    if (stat(buf, &st) != 0)
        return NULL;
    return (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) ? buf : NULL;
}

int cssl_get_default_verify_paths(cssl_verify_paths *paths)
{
    CSSL_ENSURE_ARG(paths);
    cssl_verify_paths p = {
        .openssl_cafile_env = X509_get_default_cert_file_env(),
        .openssl_cafile = X509_get_default_cert_file(),
        .openssl_capath_env = X509_get_default_cert_dir_env(),
        .openssl_capath = X509_get_default_cert_dir(),
    };
    p.cafile = effective_path(p.openssl_cafile_env, p.openssl_cafile, false, cafile_buf);
    p.capath = effective_path(p.openssl_capath_env, p.openssl_capath, true, capath_buf);
    *paths = p;
    return CSSL_OK;
}

/* ---- RAND ---------------------------------------------------------------- */

/*
 * Python (_ssl.c PySSL_RAND) raises SSLError(err, reason) from the oldest
 * queued error: str() is the reason string alone, errno the packed code,
 * and there is no library or reason attribute. Without a reason string the
 * text is str((err, None)).
 */
static int raise_rand_error(void)
{
    unsigned long code = ERR_peek_error();
    const char *reason = ERR_reason_error_string(code);
    if (reason != NULL)
        cssl__raisef(CSSL_ESSL, "%s", reason);
    else
        cssl__raisef(CSSL_ESSL, "(%lu, None)", code);
    cssl__error_state()->err_no = (int)code;
    ERR_clear_error();
    return CSSL_ESSL;
}

int cssl_rand_bytes(void *buf, size_t n)
{
    CSSL_ENSURE_ARG(buf);
    unsigned char *p = buf;
    /* RAND_bytes takes an int; Python stops at INT_MAX, we go on in chunks. */
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1)
            return raise_rand_error();
        p += chunk;
        n -= (size_t)chunk;
    }
    return CSSL_OK;
}

bool cssl_rand_status(void)
{
    /* Seeding on first use may queue errors; the answer is then "no". */
    ERR_set_mark();
    int seeded = RAND_status();
    ERR_pop_to_mark();
    return seeded == 1;
}

int cssl_rand_add(const void *buf, size_t len, double entropy)
{
    CSSL_ENSURE_ARG(buf);
    const unsigned char *p = buf;
    /* Python: chunks of at most INT_MAX, RAND_add called even for 0 bytes;
     * RAND_add reports nothing, so whatever it queues is dropped. */
    ERR_set_mark();
    do {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        RAND_add(p, chunk, entropy);
        p += chunk;
        len -= (size_t)chunk;
    } while (len > 0);
    ERR_pop_to_mark();
    return CSSL_OK;
}

/* ---- OPENSSL_VERSION* -------------------------------------------------- */

const char *cssl_openssl_version(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}

unsigned long cssl_openssl_version_number(void)
{
    return OpenSSL_version_num();
}

void cssl_openssl_version_info(int info[5])
{
    if (info == NULL) {
        cssl__raise(CSSL_EVALUE, "info must not be NULL");
        return;
    }
    /* Python: _ssl.c parse_openssl_version, nibble/byte fields of the
     * number, status in the low 4 bits. */
    unsigned long n = OpenSSL_version_num();
    info[0] = (int)((n >> 28) & 0xFF);
    info[1] = (int)((n >> 20) & 0xFF);
    info[2] = (int)((n >> 12) & 0xFF);
    info[3] = (int)((n >> 4) & 0xFF);
    info[4] = (int)(n & 0xF);
}
