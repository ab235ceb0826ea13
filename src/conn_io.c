/*
 * conn_io.c - the TLS operations of a connection (handshake, read, write,
 * unwrap) over either transport, and the mapping of their failures onto
 * Python's exception classes and messages (_ssl.c PySSL_SetError).
 *
 * One loop drives every operation: call OpenSSL; on WANT_READ/WANT_WRITE
 * ask the transport to wait (a socket polls within the deadline; a memory
 * BIO or non-blocking socket hands the status back to the caller).
 */
#include <errno.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "internal.h"

enum op { OP_HANDSHAKE, OP_READ, OP_WRITE, OP_SHUTDOWN, OP_CLOSE_NOTIFY };

static const char *const timeout_text[] = {
    [OP_HANDSHAKE] = "The handshake operation timed out",
    [OP_READ] = "The read operation timed out",
    [OP_WRITE] = "The write operation timed out",
    [OP_SHUTDOWN] = "The read operation timed out",
    [OP_CLOSE_NOTIFY] = "The write operation timed out",
};

/* Callers have SSL_get_error's WANT_READ/WANT_WRITE, which it reports only
 * with OpenSSL's error queue empty: nothing to drain. */
int cssl__raise_want(bool write)
{
    cssl__error *e = cssl__error_state();
    cssl__raise(write ? CSSL_EWANT_WRITE : CSSL_EWANT_READ,
                write ? "The operation did not complete (write)"
                      : "The operation did not complete (read)");
    e->err_no = write ? CSSL_SSL_ERROR_WANT_WRITE : CSSL_SSL_ERROR_WANT_READ;
    return e->status;
}

/* Python's verify_message for a failed verification. */
static const char *verify_message(const cssl_conn *conn, long code, char *buf, size_t size)
{
    const char *host = conn->server_hostname ? conn->server_hostname : "";
    if (code == X509_V_ERR_HOSTNAME_MISMATCH)
        snprintf(buf, size, "Hostname mismatch, certificate is not valid for '%s'.", host);
    else if (code == X509_V_ERR_IP_ADDRESS_MISMATCH)
        snprintf(buf, size, "IP address mismatch, certificate is not valid for '%s'.", host);
    else
        snprintf(buf, size, "%s", X509_verify_cert_error_string(code));
    return buf;
}

/* An error from the queue, with Python's errno for I/O errors. */
static int raise_queue(cssl_conn *conn, int status, int py_errno, const char *errstr,
                       const char *file, int line)
{
    if (status == CSSL_ECERT_VERIFY) {
        char buf[300];
        long code = SSL_get_verify_result(conn->ssl);
        cssl__raise_openssl_verify(file, line, status, errstr, code,
                                   verify_message(conn, code, buf, sizeof buf));
    } else {
        cssl__raise_openssl(file, line, status, errstr);
    }
    cssl__error_state()->err_no = py_errno;
    return status;
}

static bool is_verify_failure(unsigned long e)
{
    return ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

int cssl__conn_raise(cssl_conn *conn, int ssl_err, int saved_errno, const char *file, int line)
{
    unsigned long e = ERR_peek_last_error();
    /* OpenSSL's last word is "malloc failure": a MemoryError. (Only the
     * last: OpenSSL also queues one under an error of its own when a
     * zero-length copy returns NULL, e.g. an empty TLS 1.3 PSK identity,
     * which Python reports as that "internal error".) */
    if ((ssl_err == SSL_ERROR_SSL || ssl_err == SSL_ERROR_SYSCALL) && cssl__is_malloc_failure(e))
        return cssl__raise_nomem();
    switch (ssl_err) {
    case SSL_ERROR_ZERO_RETURN:
        return raise_queue(conn, CSSL_EZERO_RETURN, CSSL_SSL_ERROR_ZERO_RETURN,
                           "TLS/SSL connection has been closed (EOF)", file, line);
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return cssl__raise_want(ssl_err == SSL_ERROR_WANT_WRITE);
    case SSL_ERROR_WANT_X509_LOOKUP:
        return raise_queue(conn, CSSL_ESSL, CSSL_SSL_ERROR_WANT_X509_LOOKUP,
                           "The operation did not complete (X509 lookup)", file, line);
    case SSL_ERROR_WANT_CONNECT:
        return raise_queue(conn, CSSL_ESSL, CSSL_SSL_ERROR_WANT_CONNECT,
                           "The operation did not complete (connect)", file, line);
    case SSL_ERROR_SYSCALL:
        if (e == 0) {
            if (saved_errno != 0)
                return cssl__raise_errno(saved_errno, NULL);
            return raise_queue(conn, CSSL_EEOF, CSSL_SSL_ERROR_EOF,
                               "EOF occurred in violation of protocol", file, line);
        }
        if (ERR_GET_LIB(e) == ERR_LIB_SYS)
            return cssl__raise_errno(ERR_GET_REASON(e), NULL);
        return raise_queue(conn, is_verify_failure(e) ? CSSL_ECERT_VERIFY : CSSL_ESSL,
                           CSSL_SSL_ERROR_SYSCALL, NULL, file, line);
    case SSL_ERROR_SSL:
        if (e == 0)
            return raise_queue(conn, CSSL_ESSL, CSSL_SSL_ERROR_SSL,
                               "A failure in the SSL library occurred", file, line);
        if (ERR_GET_LIB(e) == ERR_LIB_SYS)
            return cssl__raise_errno(ERR_GET_REASON(e), NULL);
        if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
            ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            return raise_queue(conn, CSSL_EEOF, CSSL_SSL_ERROR_EOF,
                               "EOF occurred in violation of protocol", file, line);
        return raise_queue(conn, is_verify_failure(e) ? CSSL_ECERT_VERIFY : CSSL_ESSL,
                           CSSL_SSL_ERROR_SSL, NULL, file, line);
    default:
        return raise_queue(conn, CSSL_ESSL, CSSL_SSL_ERROR_INVALID_ERROR_CODE,
                           "Invalid error code", file, line);
    }
}

/* The failures cssl__conn_raise reports as CSSL_EEOF (SSL_ERROR_EOF). */
static bool is_eof(int ssl_err, int saved_errno)
{
    unsigned long e = ERR_peek_last_error();
    if (ssl_err == SSL_ERROR_SYSCALL)
        return e == 0 && saved_errno == 0;
    return ssl_err == SSL_ERROR_SSL && ERR_GET_LIB(e) == ERR_LIB_SSL &&
           ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/* A key log line failed to write during the call: Python raises the
 * OSError once the operation itself has returned. */
static int keylog_failure(cssl_conn *conn)
{
    int rc = cssl__raise_errno(conn->keylog_errno, conn->keylog_path);
    conn->keylog_errno = 0;
    cssl__free(conn->keylog_path);
    conn->keylog_path = NULL;
    return rc;
}

static int call(cssl_conn *conn, enum op op, void *buf, size_t len, size_t *done)
{
    switch (op) {
    case OP_HANDSHAKE: return SSL_do_handshake(conn->ssl);
    case OP_READ: return SSL_read_ex(conn->ssl, buf, len, done);
    case OP_WRITE: return SSL_write_ex(conn->ssl, buf, len, done);
    case OP_SHUTDOWN:
        /* After a first 0, stop read-ahead so that no plaintext following
         * the peer's close_notify is swallowed (STARTTLS). */
        if (conn->shutdown_seen_zero)
            SSL_set_read_ahead(conn->ssl, 0);
        return SSL_shutdown(conn->ssl);
    case OP_CLOSE_NOTIFY:
        /* Only our close_notify: a second SSL_shutdown would wait for the
         * peer's and fail on any data still arriving. */
        if (SSL_get_shutdown(conn->ssl) & SSL_SENT_SHUTDOWN)
            return 1;
        return SSL_shutdown(conn->ssl);
    }
    return -1;
}

/*
 * Run op to completion as the transport allows. Returns CSSL_OK (with
 * *done bytes for read/write), or a negative status with the error
 * recorded. For OP_READ the peer's close_notify is CSSL_OK with *done 0
 * (Python's b'') unless we had unwrapped; so is a suppressed ragged EOF.
 */
static int drive(cssl_conn *conn, enum op op, void *buf, size_t len, size_t *done)
{
    double deadline = cssl__conn_deadline(conn);
    int zeros = 0;
    for (;;) {
        cssl__clear_errors();
        errno = 0;
        size_t n = 0;
        int ret = call(conn, op, buf, len, &n);
        int saved_errno = errno;
        if ((op == OP_SHUTDOWN || op == OP_CLOSE_NOTIFY) && ret == 0) {
            /* close_notify sent; for unwrap a second call waits for the
             * peer's (Python tries at most twice). */
            conn->shutdown_seen_zero = true;
            if (op == OP_SHUTDOWN && ++zeros < 2)
                continue;
            ret = 1;
        }
        if (ret == 1) {
            if (conn->keylog_errno)
                return keylog_failure(conn);
            cssl__clear_errors(); /* errors OpenSSL recovered from */
            *done = n;
            return CSSL_OK;
        }
        int err = SSL_get_error(conn->ssl, ret);
        if (err == SSL_ERROR_WANT_READ && conn->fd < 0 && SSL_is_init_finished(conn->ssl) &&
            (SSL_get_mode(conn->ssl) & SSL_MODE_RELEASE_BUFFERS))
            cssl__memory_bio_release(SSL_get_rbio(conn->ssl)); /* idle until data comes */
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            int w = cssl__conn_wait(conn, err == SSL_ERROR_WANT_WRITE, deadline);
            if (w == CSSL_OK)
                continue;
            if (w == CSSL_ETIMEOUT)
                return cssl__raise(CSSL_ETIMEOUT, timeout_text[op]);
            return w;
        }
        if (err == SSL_ERROR_SYSCALL && saved_errno == EINTR && ERR_peek_error() == 0)
            continue; /* PEP 475: retry interrupted calls */
        /* Python: close_notify reads as b'' unless we had shut down too
         * (unwrap); after a half-close (close_notify) it is the expected end. */
        if (op == OP_READ && err == SSL_ERROR_ZERO_RETURN &&
            (SSL_get_shutdown(conn->ssl) == SSL_RECEIVED_SHUTDOWN || conn->half_closed)) {
            ERR_clear_error();
            *done = 0;
            return CSSL_OK; /* clean close_notify: read returns 0 */
        }
        if (op == OP_READ && !(conn->flags & CSSL_NO_SUPPRESS_RAGGED_EOFS) &&
            is_eof(err, saved_errno)) {
            /* Python's SSLSocket.read: suppress_ragged_eofs turns the
             * SSLEOFError into b''; a success, so nothing is recorded. */
            ERR_clear_error();
            *done = 0;
            return CSSL_OK;
        }
        return cssl__conn_raise(conn, err, saved_errno, __FILE_NAME__, __LINE__);
    }
}

static int check_usable(cssl_conn *conn, const char *what)
{
    CSSL_ENSURE_ARG(conn);
    if (conn->unwrapped)
        return cssl__raisef(CSSL_EVALUE, "%s on closed or unwrapped SSL socket.", what);
    return cssl__conn_check_connected(conn);
}

int cssl_conn_do_handshake(cssl_conn *conn)
{
    CSSL_GUARD(check_usable(conn, "Handshake"));
    size_t unused;
    return drive(conn, OP_HANDSHAKE, NULL, 0, &unused);
}

ssize_t cssl_conn_read(cssl_conn *conn, void *buf, size_t size)
{
    CSSL_GUARD(check_usable(conn, "Read"));
    if (size == 0)
        return 0;
    CSSL_ENSURE(buf != NULL, CSSL_EVALUE, "buf must not be NULL");
    size_t n = 0;
    CSSL_GUARD(drive(conn, OP_READ, buf, size, &n));
    return (ssize_t)n;
}

ssize_t cssl_conn_write(cssl_conn *conn, const void *buf, size_t len)
{
    CSSL_GUARD(check_usable(conn, "Write"));
    if (len == 0)
        return 0;
    CSSL_ENSURE(buf != NULL, CSSL_EVALUE, "buf must not be NULL");
    size_t n = 0;
    CSSL_GUARD(drive(conn, OP_WRITE, (void *)buf, len, &n));
    return (ssize_t)n;
}

int cssl_conn_sendall(cssl_conn *conn, const void *buf, size_t len, size_t *sent)
{
    CSSL_ENSURE_ARG(conn);
    CSSL_ENSURE(buf != NULL || len == 0, CSSL_EVALUE, "buf must not be NULL");
    size_t total = 0;
    const unsigned char *p = buf;
    int rc = CSSL_OK;
    while (total < len) {
        ssize_t n = cssl_conn_write(conn, p + total, len - total);
        if (n < 0) {
            rc = (int)n;
            break;
        }
        total += (size_t)n;
    }
    if (sent)
        *sent = total;
    return rc;
}

int cssl_conn_unwrap(cssl_conn *conn)
{
    CSSL_GUARD(check_usable(conn, "Unwrap"));
    size_t unused;
    CSSL_GUARD(drive(conn, OP_SHUTDOWN, NULL, 0, &unused));
    if (conn->fd >= 0)
        conn->unwrapped = true;
    return CSSL_OK;
}

int cssl_conn_close_notify(cssl_conn *conn)
{
    CSSL_GUARD(check_usable(conn, "Close"));
    size_t unused;
    CSSL_GUARD(drive(conn, OP_CLOSE_NOTIFY, NULL, 0, &unused));
    conn->half_closed = true;
    return CSSL_OK;
}

size_t cssl_conn_pending(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_OR(conn, 0);
    if (conn->unwrapped)
        return 0;
    int n = SSL_pending(conn->ssl);
    return n > 0 ? (size_t)n : 0;
}
