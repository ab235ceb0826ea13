/*
 * internal.h - declarations shared by the library's source files.
 * Nothing here is part of the public API: internal non-static symbols are
 * cssl__*, and the version script keeps them out of the shared library.
 */
#ifndef CSSL_INTERNAL_H
#define CSSL_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cssl.h"

/* ---- memory: everything goes through OpenSSL's allocator, so one hook
 * (CRYPTO_set_mem_functions) covers the library and OpenSSL alike. ---- */
#define cssl__malloc(n) OPENSSL_malloc(n)
#define cssl__zalloc(n) OPENSSL_zalloc(n)
#define cssl__realloc(p, n) OPENSSL_realloc((p), (n))
#define cssl__strdup(s) OPENSSL_strdup(s)
#define cssl__strndup(s, n) OPENSSL_strndup((s), (n))
#define cssl__memdup(p, n) OPENSSL_memdup((p), (n))
#define cssl__free(p) OPENSSL_free(p)

/* ---- errors --------------------------------------------------------------
 * Every failure is recorded once, where it is detected, by one of these,
 * which return the status so a caller can `return cssl__raise(...)`.
 */

/* A plain message, no location: Python's ValueError("text") and friends. */
int cssl__raise(int status, const char *text);
int cssl__raisef(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Python's _setSSLError with a literal text: "text (file.c:line)". */
int cssl__raise_at(const char *file, int line, int status, const char *text);

/*
 * Python's _setSSLError(NULL): from the last error in OpenSSL's queue,
 * "[LIB: REASON] reason string (file.c:line)", errno = packed reason; with
 * errstr given it replaces OpenSSL's reason string. Drains the queue.
 */
int cssl__raise_openssl(const char *file, int line, int status, const char *errstr);

/* The same, for certificate verification failures: records verify_code and
 * verify_message and appends ": verify_message" to the text. */
int cssl__raise_openssl_verify(const char *file, int line, int status, const char *errstr,
                               long verify_code, const char *verify_message);

/* OSError: "[Errno 2] No such file or directory: 'path'" (path may be NULL). */
int cssl__raise_errno(int err, const char *path);

/* MemoryError. */
int cssl__raise_nomem(void);

/* OpenSSL's queue says an allocation failed: its first or last error is
 * ERR_R_MALLOC_FAILURE (the failed allocation is usually the innermost
 * error, wrapped by others). */
bool cssl__queue_has_malloc_failure(void);
bool cssl__is_malloc_failure(unsigned long code); /* ERR_R_MALLOC_FAILURE */

/* The record kept for the calling thread (conn.c fills verify fields). */
typedef struct cssl__error {
    int status;
    int err_no;
    long verify_code;
    const char *library;
    const char *reason;
    const char *message; /* msgbuf or a static string */
    const char *verify_message;
    char msgbuf[640];
    char verifybuf[320];
} cssl__error;

cssl__error *cssl__error_state(void);

/* Mnemonics from the generated tables, or NULL. */
const char *cssl__lib_name(int lib);
const char *cssl__reason_name(int lib, int reason);

/*
 * If the last queued OpenSSL error is a system error (ERR_LIB_SYS), record
 * it as CSSL_EOS naming path, drain the queue and return CSSL_EOS; else 0.
 */
int cssl__raise_if_syserr(const char *path);

#define CSSL_RAISE_SSL(text) cssl__raise_at(__FILE_NAME__, __LINE__, CSSL_ESSL, (text))
#define CSSL_RAISE_OPENSSL(status) cssl__raise_openssl(__FILE_NAME__, __LINE__, (status), NULL)

/* Return a failing status to the caller. */
#define CSSL_GUARD(expr)                                                       \
    do {                                                                       \
        int cssl_guard_r_ = (expr);                                            \
        if (cssl_guard_r_ < 0)                                                 \
            return cssl_guard_r_;                                              \
    } while (0)

/* Fail with status and a plain message unless cond holds. */
#define CSSL_ENSURE(cond, status, text)                                        \
    do {                                                                       \
        if (!(cond))                                                           \
            return cssl__raise((status), (text));                              \
    } while (0)

/* Same, for functions that return a pointer. */
#define CSSL_ENSURE_PTR(cond, status, text)                                    \
    do {                                                                       \
        if (!(cond)) {                                                         \
            cssl__raise((status), (text));                                     \
            return NULL;                                                       \
        }                                                                      \
    } while (0)

/* Argument checks: "ctx must not be NULL". */
#define CSSL_ENSURE_ARG(p) CSSL_ENSURE((p) != NULL, CSSL_EVALUE, #p " must not be NULL")
#define CSSL_ENSURE_ARG_PTR(p) CSSL_ENSURE_PTR((p) != NULL, CSSL_EVALUE, #p " must not be NULL")
/* Same, for getters: record the error and return their documented value. */
#define CSSL_ENSURE_ARG_OR(p, value)                                           \
    do {                                                                       \
        if ((p) == NULL) {                                                     \
            cssl__raise(CSSL_EVALUE, #p " must not be NULL");                  \
            return (value);                                                    \
        }                                                                      \
    } while (0)

/* Empty OpenSSL's error queue before a call whose failure is read from it.
 * The queue is nearly always empty already: peeking costs a fraction of
 * ERR_clear_error's sweep over every slot, once per I/O call. */
static inline void cssl__clear_errors(void)
{
    if (ERR_peek_error() != 0)
        ERR_clear_error();
}

/* An OpenSSL call that returns 1 on success; anything else raises from the
 * queue as `status`. */
#define CSSL_OSSL(call, status)                                                \
    do {                                                                       \
        if ((call) != 1)                                                       \
            return CSSL_RAISE_OPENSSL(status);                                 \
    } while (0)

/* ---- contexts -------------------------------------------------------- */

struct cssl_context {
    SSL_CTX *ssl_ctx;
    int protocol;
    int refs;                 /* atomic */
    bool check_hostname;
    bool post_handshake_auth;
    unsigned int hostflags;   /* OpenSSL has no getter for the param's flags */
    char *keylog_filename;    /* guarded by the keylog lock */
    FILE *keylog_file;        /* guarded by the keylog lock */
    unsigned char *alpn;      /* wire format: length-prefixed names */
    unsigned int alpn_len;
    cssl_sni_callback sni_cb;
    void *sni_userdata;
    cssl_psk_client_callback psk_client_cb;
    void *psk_client_userdata;
    cssl_psk_server_callback psk_server_cb;
    void *psk_server_userdata;
};

/* The cssl_context owning an SSL_CTX (stored as its app data). */
cssl_context *cssl__context_of(const SSL_CTX *ssl_ctx);

/* Whether the context's role allows the other side ("server" / "client"). */
bool cssl__context_is_server_only(const cssl_context *ctx);
bool cssl__context_is_client_only(const cssl_context *ctx);

/* keylog.c: close the context's key log file (context free). */
void cssl__keylog_close(cssl_context *ctx);

/* ---- connections ------------------------------------------------------ */

struct cssl_memory_bio {
    BIO *bio;
    bool eof_written;
};

struct cssl_session {
    SSL_SESSION *session;
    cssl_context *ctx; /* reference: the context the session belongs to */
};

/* Wrap an SSL_SESSION (taking over the caller's reference). */
cssl_session *cssl__session_new(SSL_SESSION *session, cssl_context *ctx);

struct cssl_conn {
    SSL *ssl;
    cssl_context *ctx;       /* reference; follows cssl_conn_set_context */
    cssl_context *first_ctx; /* reference: OpenSSL keeps the first SSL_CTX as the
                              * session context (cache, SNI callback), so its
                              * cssl_context must outlive the SSL */
    int fd;                  /* -1 for memory BIOs */
    unsigned flags;          /* CSSL_SERVER_SIDE, ... */
    double timeout;          /* < 0 blocking, 0 non-blocking, > 0 deadline */
    bool connected;          /* the socket is known to be connected */
    bool unwrapped;          /* socket after unwrap(): no more TLS */
    bool shutdown_seen_zero; /* SSL_shutdown returned 0 once */
    bool half_closed;        /* cssl_conn_close_notify() sent ours */
    int keylog_errno;        /* a key log write failed during the last call */
    char *keylog_path;       /* the file it failed on, for the OSError */
    char *server_hostname;   /* A-label */
    cssl_cert *peer;         /* cached decoded peer certificate */
    char *alpn;              /* selected ALPN protocol, NUL-terminated, made when asked */
};

/* memory_bio.c: give back the storage of an empty memory BIO (it keeps
 * the capacity of the largest flight it held): for an idle connection's
 * incoming BIO, what SSL_MODE_RELEASE_BUFFERS does for OpenSSL's own
 * record buffers. */
void cssl__memory_bio_release(BIO *bio);

/* conn_socket.c: a socket BIO like BIO_s_socket that never raises SIGPIPE
 * (sends with MSG_NOSIGNAL). NULL when out of memory. */
BIO *cssl__socket_bio_new(int fd);

/* conn_socket.c: wait until the transport is ready for the retried
 * operation. Returns 0 to retry, CSSL_EWANT_* for non-blocking transports,
 * CSSL_ETIMEOUT past the deadline, CSSL_EOS on poll failure. deadline is
 * absolute CLOCK_MONOTONIC seconds, 0 for none. */
int cssl__conn_wait(cssl_conn *conn, bool want_write, double deadline);
double cssl__conn_deadline(const cssl_conn *conn);
/* CSSL_EOS ENOTCONN unless the socket is connected (memory BIOs always are). */
int cssl__conn_check_connected(cssl_conn *conn);

/* conn_io.c: record the failure of an SSL_* call as Python's PySSL_SetError
 * does; ssl_err is SSL_get_error()'s answer, saved_errno errno after the call. */
int cssl__conn_raise(cssl_conn *conn, int ssl_err, int saved_errno, const char *file, int line);
/* The cheap, location-free WANT_READ/WANT_WRITE record, for an
 * SSL_get_error() answer (which leaves OpenSSL's queue empty). */
int cssl__raise_want(bool write);

/* idna.c: the A-label form of a host name (caller frees), or NULL with the
 * error recorded. */
char *cssl__idna_encode(const char *host);

/* default_store.c: add OpenSSL's default trust anchors ($SSL_CERT_FILE or
 * the compiled-in bundle, parsed once per process; $SSL_CERT_DIR as a lazy
 * lookup) to store, as X509_STORE_set_default_paths does. */
int cssl__default_store_apply(X509_STORE *store);

/* ---- certificates ------------------------------------------------------ */

/* Wrap an X509, taking a reference of its own; decodes the fields. */
cssl_cert *cssl__cert_from_x509(X509 *x509);

/* The X509 inside a cssl_cert (borrowed). */
X509 *cssl__cert_x509(const cssl_cert *cert);

/* ---- helpers ----------------------------------------------------------- */

/* Write repr(text) as Python prints a str ('a\'b', "it's", '\x00') into
 * out; returns the bytes written, cut at a character boundary. */
size_t cssl__py_repr(const char *text, size_t len, char *out, size_t size);

/* helpers */

/* pyunicode.c: Python's str model over UTF-8 C strings. Text is decoded as
 * bytes.decode('utf-8', 'surrogateescape'): an undecodable byte b is the
 * code point U+DC00+b. */
typedef struct cssl__cp_range {
    uint32_t lo, hi;
} cssl__cp_range;

/* Decode the character at s (len > 0 bytes left): its code point into *cp,
 * returns the bytes it takes (1-4). */
size_t cssl__utf8_decode(const char *s, size_t len, uint32_t *cp);
bool cssl__uni_isspace(uint32_t cp);     /* str.isspace(), regex \s */
bool cssl__uni_isprintable(uint32_t cp); /* str.isprintable() */
int cssl__uni_decimal(uint32_t cp);      /* regex \d / int() digit value, or -1 */
const char *cssl__unicode_version(void); /* of the tables: "15.1.0" */

/* A message being built in a fixed buffer; text that does not fit is cut at
 * a character boundary and everything after it dropped. */
typedef struct cssl__text {
    char *buf;
    size_t size;
    size_t len;
    bool truncated;
} cssl__text;

void cssl__text_init(cssl__text *t, char *buf, size_t size);
void cssl__text_unit(cssl__text *t, const char *s, size_t n); /* all n bytes or none */
void cssl__text_put(cssl__text *t, const char *s, size_t n);
void cssl__text_puts(cssl__text *t, const char *s);
/* Python's repr() of the str that s decodes to. */
void cssl__text_repr(cssl__text *t, const char *s, size_t len);

/* Size of the thread's error message buffer (with the NUL). */
#define CSSL__MSG_SIZE sizeof(((cssl__error *)0)->msgbuf)

/* context_load */

/*
 * Open path for reading as a FILE BIO. A path that cannot be opened, or is a
 * directory, is CSSL_EOS naming path with the errno (Python's OSError).
 */
int cssl__load_open(const char *path, BIO **bio);

/*
 * Record the failure of an OpenSSL load, Python's way: a read error of the
 * file behind bio (may be NULL) or a system error in the queue is CSSL_EOS
 * naming path; an allocation failure (or, without text, an empty queue:
 * only failed allocations go unreported) CSSL_ENOMEM; otherwise text (if not
 * NULL) as CSSL_RAISE_SSL does, else the last queued error as
 * CSSL_RAISE_OPENSSL does. Drains the queue; returns the status.
 */
int cssl__raise_load(const char *file, int line, BIO *bio, const char *path, const char *text);
#define CSSL_RAISE_LOAD(bio, path) cssl__raise_load(__FILE_NAME__, __LINE__, (bio), (path), NULL)
#define CSSL_RAISE_LOAD_TEXT(text) cssl__raise_load(__FILE_NAME__, __LINE__, NULL, NULL, (text))

/* A pem_password_cb that never supplies a password: used where OpenSSL's
 * default would prompt on the terminal. */
int cssl__pem_no_password(char *buf, int size, int rwflag, void *userdata);

/*
 * OpenSSL's PEM reader fails without queueing an error both when an
 * allocation fails and on some malformed PEM (a base64 line holding a ':'
 * is read as a header line, for one). cssl__pem_retry() runs read(in, arg)
 * and, when that returns NULL with nothing queued, runs it once more from
 * where in stood: only the data's failure repeats. Returns what read
 * returned; with NULL, *silent (if silent is not NULL) tells a failure
 * that repeated without a word (or a BIO that cannot be rewound): the
 * data's, for the caller to name. Otherwise OpenSSL's queue says what
 * went wrong.
 */
typedef void *(*cssl__pem_reader)(BIO *in, void *arg);
void *cssl__pem_retry(BIO *in, cssl__pem_reader read, void *arg, bool *silent);

/* PEM_read_bio_X509 (never prompting) through cssl__pem_retry(). */
X509 *cssl__pem_read_x509(BIO *in, bool *silent);

/* PEM_X509_INFO_read_bio as X509_load_cert_crl_file calls it (encrypted
 * blocks never prompt) through cssl__pem_retry(). */
STACK_OF(X509_INFO) *cssl__pem_read_x509_info(BIO *in, bool *silent);

#endif /* CSSL_INTERNAL_H */
