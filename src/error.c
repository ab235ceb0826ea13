/*
 * error.c - status codes and the per-thread error details.
 *
 * Messages follow Python's ssl module (Modules/_ssl.c fill_and_set_sslerror):
 * "[LIB: REASON] text: verify message (file.c:line)". The LIB and REASON
 * mnemonics come from tables generated from the OpenSSL headers at build time.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

struct cssl__lib_name {
    int lib;
    const char *name;
};
struct cssl__reason_name {
    int lib;
    int reason;
    const char *name;
};
#include "errnames.h"

static _Thread_local cssl__error tls_error = {.verify_code = -1, .message = ""};

cssl__error *cssl__error_state(void)
{
    return &tls_error;
}

const char *cssl__lib_name(int lib)
{
    for (size_t i = 0; i < sizeof cssl__lib_names / sizeof cssl__lib_names[0]; i++)
        if (cssl__lib_names[i].lib == lib)
            return cssl__lib_names[i].name;
    return NULL;
}

const char *cssl__reason_name(int lib, int reason)
{
    for (size_t i = 0; i < sizeof cssl__reason_names / sizeof cssl__reason_names[0]; i++)
        if (cssl__reason_names[i].lib == lib && cssl__reason_names[i].reason == reason)
            return cssl__reason_names[i].name;
    return NULL;
}

/* Start a new record: everything but the status is cleared. */
static cssl__error *error_begin(int status)
{
    cssl__error *e = &tls_error;
    e->status = status;
    e->err_no = 0;
    e->verify_code = -1;
    e->library = NULL;
    e->reason = NULL;
    e->verify_message = NULL;
    e->message = e->msgbuf;
    e->msgbuf[0] = '\0';
    return e;
}

int cssl__raise(int status, const char *text)
{
    cssl__error *e = error_begin(status);
    e->message = text; /* callers pass string literals */
    return status;
}

int cssl__raisef(int status, const char *fmt, ...)
{
    cssl__error *e = error_begin(status);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msgbuf, sizeof e->msgbuf, fmt, ap);
    va_end(ap);
    return status;
}

int cssl__raise_at(const char *file, int line, int status, const char *text)
{
    cssl__error *e = error_begin(status);
    snprintf(e->msgbuf, sizeof e->msgbuf, "%s (%s:%d)", text, file, line);
    return status;
}

int cssl__raise_openssl(const char *file, int line, int status, const char *errstr)
{
    return cssl__raise_openssl_verify(file, line, status, errstr, -1, NULL);
}

int cssl__raise_openssl_verify(const char *file, int line, int status, const char *errstr,
                               long verify_code, const char *verify_message)
{
    unsigned long code = ERR_peek_last_error();
    cssl__error *e = error_begin(status);
    if (verify_message != NULL) {
        e->verify_code = verify_code;
        snprintf(e->verifybuf, sizeof e->verifybuf, "%s", verify_message);
        e->verify_message = e->verifybuf;
    }
    if (code != 0) {
        int lib = ERR_GET_LIB(code), reason = ERR_GET_REASON(code);
        e->library = cssl__lib_name(lib);
        e->reason = cssl__reason_name(lib, reason);
        e->err_no = reason;
        if (errstr == NULL) {
            /* The reason strings of libssl load with libssl; make sure. */
            OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
                             NULL);
            errstr = ERR_reason_error_string(code);
        }
    }
    if (errstr == NULL)
        errstr = "unknown error";
    const char *verify = e->verify_message;
    if (e->library && e->reason && verify)
        snprintf(e->msgbuf, sizeof e->msgbuf, "[%s: %s] %s: %s (%s:%d)", e->library, e->reason,
                 errstr, verify, file, line);
    else if (e->library && e->reason)
        snprintf(e->msgbuf, sizeof e->msgbuf, "[%s: %s] %s (%s:%d)", e->library, e->reason,
                 errstr, file, line);
    else if (e->library)
        snprintf(e->msgbuf, sizeof e->msgbuf, "[%s] %s (%s:%d)", e->library, errstr, file, line);
    else
        snprintf(e->msgbuf, sizeof e->msgbuf, "%s (%s:%d)", errstr, file, line);
    ERR_clear_error();
    return status;
}

int cssl__raise_errno(int err, const char *path)
{
    cssl__error *e = error_begin(CSSL_EOS);
    e->err_no = err;
    int n = snprintf(e->msgbuf, sizeof e->msgbuf, "[Errno %d] %s", err, strerror(err));
    if (path != NULL && n > 0 && (size_t)n + 3 < sizeof e->msgbuf) {
        memcpy(e->msgbuf + n, ": ", 3);
        n += 2;
        cssl__py_repr(path, strlen(path), e->msgbuf + n, sizeof e->msgbuf - (size_t)n);
    }
    ERR_clear_error();
    return CSSL_EOS;
}

int cssl__raise_nomem(void)
{
    ERR_clear_error();
    return cssl__raise(CSSL_ENOMEM, "out of memory");
}

bool cssl__is_malloc_failure(unsigned long code)
{
    return code != 0 && ERR_GET_REASON(code) == ERR_R_MALLOC_FAILURE;
}

bool cssl__queue_has_malloc_failure(void)
{
    return cssl__is_malloc_failure(ERR_peek_error()) ||
           cssl__is_malloc_failure(ERR_peek_last_error());
}

int cssl__raise_if_syserr(const char *path)
{
    unsigned long code = ERR_peek_last_error();
    if (code == 0 || ERR_GET_LIB(code) != ERR_LIB_SYS)
        return 0;
    return cssl__raise_errno(ERR_GET_REASON(code), path);
}

/* Python's repr() of a str, for messages that quote user input; returns
 * the bytes written (the text is cut at a character boundary if needed). */
size_t cssl__py_repr(const char *text, size_t len, char *out, size_t size)
{
    cssl__text t;
    cssl__text_init(&t, out, size);
    cssl__text_repr(&t, text, len);
    return t.len;
}

/* ---- public ------------------------------------------------------------ */

const char *cssl_strerror(int status)
{
    switch (status) {
    case CSSL_OK: return "success";
    case CSSL_ESSL: return "TLS/SSL error (SSLError)";
    case CSSL_EZERO_RETURN: return "TLS/SSL connection has been closed (SSLZeroReturnError)";
    case CSSL_EWANT_READ: return "operation needs more data from the peer (SSLWantReadError)";
    case CSSL_EWANT_WRITE: return "operation needs to send data to the peer (SSLWantWriteError)";
    case CSSL_ESYSCALL: return "system call error (SSLSyscallError)";
    case CSSL_EEOF: return "EOF occurred in violation of protocol (SSLEOFError)";
    case CSSL_ECERT_VERIFY: return "certificate verification failed (SSLCertVerificationError)";
    case CSSL_EVALUE: return "invalid argument (ValueError)";
    case CSSL_EOS: return "operating system error (OSError)";
    case CSSL_ETIMEOUT: return "operation timed out (TimeoutError)";
    case CSSL_ENOMEM: return "out of memory (MemoryError)";
    case CSSL_EUNSUPPORTED: return "not supported (NotImplementedError)";
    default: return "unknown status";
    }
}

int cssl_error_status(void)
{
    return tls_error.status;
}

const char *cssl_error_message(void)
{
    return tls_error.message;
}

const char *cssl_error_library(void)
{
    return tls_error.library;
}

const char *cssl_error_reason(void)
{
    return tls_error.reason;
}

int cssl_error_errno(void)
{
    return tls_error.err_no;
}

long cssl_error_verify_code(void)
{
    return tls_error.verify_code;
}

const char *cssl_error_verify_message(void)
{
    return tls_error.verify_message;
}

void cssl_error_clear(void)
{
    error_begin(CSSL_OK);
}

void cssl_free(void *ptr)
{
    cssl__free(ptr);
}

const char *cssl_version(void)
{
    return CSSL_VERSION_STRING;
}
