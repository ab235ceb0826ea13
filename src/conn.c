/*
 * conn.c - cssl_conn: creating a connection over a socket or memory BIOs
 * (Python's newPySSLSocket and the checks of SSLSocket._create /
 * SSLObject._create), the attributes that need no I/O, and freeing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "internal.h"

/* Server-side session id context (Python uses "Python\0"). */
static const unsigned char session_id_context[] = "cssl";

/* Python: role mismatches are SSLErrors built by _setSSLError (with a
 * location); argument problems are ValueErrors. */
static int check_roles(const cssl_context *ctx, bool server, const char *hostname,
                       const cssl_session *session)
{
    if (server && cssl__context_is_client_only(ctx))
        return CSSL_RAISE_SSL("Cannot create a server socket with a PROTOCOL_TLS_CLIENT context");
    if (!server && cssl__context_is_server_only(ctx))
        return CSSL_RAISE_SSL("Cannot create a client socket with a PROTOCOL_TLS_SERVER context");
    CSSL_ENSURE(!(server && hostname), CSSL_EVALUE,
                "server_hostname can only be specified in client mode");
    CSSL_ENSURE(!(server && session), CSSL_EVALUE, "session can only be specified in client mode");
    /* Python checks this for sockets only; we refuse memory BIOs too. */
    CSSL_ENSURE(server || hostname || !ctx->check_hostname, CSSL_EVALUE,
                "check_hostname requires server_hostname");
    CSSL_ENSURE(hostname == NULL || (hostname[0] != '\0' && hostname[0] != '.'), CSSL_EVALUE,
                "server_hostname cannot be an empty string or start with a leading dot.");
    return CSSL_OK;
}

/* Python's _ssl_configure_hostname: SNI only for names, and the identity
 * to check — a name or an IP address — only if the context checks. */
static int configure_hostname(cssl_conn *conn, const char *hostname)
{
    conn->server_hostname = cssl__idna_encode(hostname);
    if (conn->server_hostname == NULL)
        return cssl_error_status();
    const char *name = conn->server_hostname;
    /* Not an address: NULL, nothing queued (an allocation failure's
     * errors are drained when conn_new returns). */
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(name);
    int rc = CSSL_OK;
    if (ip == NULL && SSL_set_tlsext_host_name(conn->ssl, name) != 1) {
        /* Its only ERR_R_INTERNAL_ERROR is a failed copy of the name. */
        unsigned long e = ERR_peek_last_error();
        rc = ERR_GET_REASON(e) == ERR_R_INTERNAL_ERROR ? cssl__raise_nomem()
                                                       : CSSL_RAISE_OPENSSL(CSSL_ESSL);
    }
    if (rc == CSSL_OK && conn->ctx->check_hostname) {
        X509_VERIFY_PARAM *param = SSL_get0_param(conn->ssl);
        int ok = ip ? X509_VERIFY_PARAM_set1_ip(param, ASN1_STRING_get0_data(ip),
                                                (size_t)ASN1_STRING_length(ip))
                    : X509_VERIFY_PARAM_set1_host(param, name, 0);
        if (ok != 1) /* the name is valid: only copying it can fail */
            rc = cssl__raise_nomem();
    }
    ASN1_OCTET_STRING_free(ip);
    return rc;
}

static void configure_post_handshake_auth(cssl_conn *conn, bool server)
{
    if (!conn->ctx->post_handshake_auth)
        return;
    if (!server) {
        SSL_set_post_handshake_auth(conn->ssl, 1);
        return;
    }
    /* bpo-37428: only a verifying server asks for it. */
    int mode = SSL_get_verify_mode(conn->ssl);
    if (mode & SSL_VERIFY_PEER)
        SSL_set_verify(conn->ssl, mode | SSL_VERIFY_POST_HANDSHAKE, NULL);
}

/* Everything but the transport. */
static cssl_conn *conn_new(cssl_context *ctx, unsigned flags, const char *hostname,
                           const cssl_session *session)
{
    CSSL_ENSURE_ARG_PTR(ctx);
    bool server = (flags & CSSL_SERVER_SIDE) != 0;
    if (check_roles(ctx, server, hostname, session) < 0)
        return NULL;
    cssl_conn *conn = cssl__zalloc(sizeof *conn);
    if (conn == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    conn->fd = -1;
    conn->flags = flags;
    conn->ctx = cssl_context_up_ref(ctx);
    conn->first_ctx = cssl_context_up_ref(ctx);
    conn->ssl = SSL_new(ctx->ssl_ctx);
    if (conn->ssl == NULL) {
        CSSL_RAISE_OPENSSL(CSSL_ENOMEM);
        goto err;
    }
    if (SSL_set_app_data(conn->ssl, conn) != 1) { /* callbacks need it; it allocates */
        cssl__raise_nomem();
        goto err;
    }
    if (server && SSL_set_session_id_context(conn->ssl, session_id_context,
                                             sizeof session_id_context) != 1) {
        CSSL_RAISE_OPENSSL(CSSL_ESSL);
        goto err;
    }
    SSL_set_mode(conn->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
    configure_post_handshake_auth(conn, server);
    if (hostname != NULL && configure_hostname(conn, hostname) < 0)
        goto err;
    if (server)
        SSL_set_accept_state(conn->ssl);
    else
        SSL_set_connect_state(conn->ssl);
    if (session != NULL && cssl_conn_set_session(conn, session) < 0)
        goto err;
    cssl__clear_errors(); /* OpenSSL may queue errors it recovered from */
    return conn;
err:
    cssl_conn_free(conn);
    return NULL;
}

static int check_stream_socket(int fd)
{
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
        return cssl__raise_errno(errno, NULL);
    CSSL_ENSURE(type == SOCK_STREAM, CSSL_EUNSUPPORTED, "only stream sockets are supported");
    return CSSL_OK;
}

cssl_conn *cssl_context_wrap_socket(cssl_context *ctx, int fd, unsigned flags,
                                    const char *server_hostname, const cssl_session *session)
{
    CSSL_ENSURE_PTR(fd >= 0, CSSL_EVALUE, "fd must be a valid file descriptor");
    if (check_stream_socket(fd) < 0)
        return NULL;
    cssl_conn *conn = conn_new(ctx, flags, server_hostname, session);
    if (conn == NULL)
        return NULL;
    int fl = fcntl(fd, F_GETFL);
    BIO *bio = fl < 0 ? NULL : cssl__socket_bio_new(fd);
    if (bio == NULL) {
        fl < 0 ? cssl__raise_errno(errno, NULL) : cssl__raise_nomem();
        cssl_conn_free(conn);
        return NULL;
    }
    SSL_set_bio(conn->ssl, bio, bio);
    conn->fd = fd;
    conn->timeout = (fl & O_NONBLOCK) ? 0.0 : -1.0;
    return conn;
}

cssl_conn *cssl_context_wrap_bio(cssl_context *ctx, cssl_memory_bio *incoming,
                                 cssl_memory_bio *outgoing, unsigned flags,
                                 const char *server_hostname, const cssl_session *session)
{
    CSSL_ENSURE_ARG_PTR(incoming);
    CSSL_ENSURE_ARG_PTR(outgoing);
    CSSL_ENSURE_PTR((flags & CSSL_CLOSE_FD) == 0, CSSL_EVALUE,
                    "CSSL_CLOSE_FD needs a socket connection");
    /* Python's SSLObject never suppresses ragged EOFs. */
    cssl_conn *conn = conn_new(ctx, flags | CSSL_NO_SUPPRESS_RAGGED_EOFS, server_hostname,
                               session);
    if (conn == NULL)
        return NULL;
    BIO_up_ref(incoming->bio);
    /* SSL_set_bio takes a single reference when both are the same BIO. */
    if (outgoing->bio != incoming->bio)
        BIO_up_ref(outgoing->bio);
    SSL_set_bio(conn->ssl, incoming->bio, outgoing->bio);
    conn->connected = true;
    conn->timeout = 0.0;
    return conn;
}

void cssl_conn_free(cssl_conn *conn)
{
    if (conn == NULL)
        return;
    if (conn->ssl != NULL) {
        /* Python 3.13: mark our side closed so the session stays resumable
         * although no close_notify is sent. */
        SSL_set_shutdown(conn->ssl, SSL_SENT_SHUTDOWN | SSL_get_shutdown(conn->ssl));
        ERR_set_mark(); /* what freeing queues (see cssl_context_free) is not the caller's */
        SSL_free(conn->ssl);
        ERR_pop_to_mark();
    }
    if ((conn->flags & CSSL_CLOSE_FD) && conn->fd >= 0)
        close(conn->fd);
    cssl_cert_free(conn->peer);
    cssl__free(conn->server_hostname);
    cssl__free(conn->keylog_path);
    cssl__free(conn->alpn);
    cssl_context_free(conn->ctx);
    cssl_context_free(conn->first_ctx);
    cssl__free(conn);
}

/* ---- attributes without I/O --------------------------------------------- */

bool cssl_conn_server_side(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_OR(conn, false);
    return (conn->flags & CSSL_SERVER_SIDE) != 0;
}

const char *cssl_conn_server_hostname(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_OR(conn, NULL);
    return conn->server_hostname;
}

cssl_context *cssl_conn_context(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_OR(conn, NULL);
    return conn->ctx;
}

int cssl_conn_set_context(cssl_conn *conn, cssl_context *ctx)
{
    CSSL_ENSURE_ARG(conn);
    CSSL_ENSURE_ARG(ctx);
    if (SSL_set_SSL_CTX(conn->ssl, ctx->ssl_ctx) == NULL)
        return CSSL_RAISE_OPENSSL(CSSL_ESSL);
    cssl_context_up_ref(ctx);
    cssl_context_free(conn->ctx);
    conn->ctx = ctx;
    return CSSL_OK;
}

int cssl_conn_fileno(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_OR(conn, -1);
    return conn->fd;
}

bool cssl_conn_session_reused(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_OR(conn, false);
    return SSL_session_reused(conn->ssl) == 1;
}

cssl_session *cssl_conn_get_session(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_PTR(conn);
    SSL_SESSION *sess = SSL_get1_session(conn->ssl);
    if (sess == NULL)
        return NULL;
    return cssl__session_new(sess, conn->ctx);
}

int cssl_conn_set_session(cssl_conn *conn, const cssl_session *session)
{
    CSSL_ENSURE_ARG(conn);
    CSSL_ENSURE_ARG(session);
    /* Python's checks, in order. */
    CSSL_ENSURE(session->ctx == conn->ctx, CSSL_EVALUE, "Session refers to a different SSLContext.");
    CSSL_ENSURE(!(conn->flags & CSSL_SERVER_SIDE), CSSL_EVALUE,
                "Cannot set session for server-side SSLSocket.");
    CSSL_ENSURE(!SSL_is_init_finished(conn->ssl), CSSL_EVALUE,
                "Cannot set session after handshake.");
    CSSL_OSSL(SSL_set_session(conn->ssl, session->session), CSSL_ESSL);
    return CSSL_OK;
}
