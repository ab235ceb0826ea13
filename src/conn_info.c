/*
 * conn_info.c - what a connection knows after its handshake: the peer's
 * certificate and chains, cipher, version, ALPN, channel binding; and
 * post-handshake client authentication.
 */
#include <string.h>

#include "internal.h"

/* Python's {}: returned when the context does not verify. */
static const cssl_cert_info empty_info;

int cssl_conn_getpeercert(cssl_conn *conn, const cssl_cert_info **info)
{
    CSSL_ENSURE_ARG(conn);
    CSSL_ENSURE_ARG(info);
    CSSL_ENSURE(SSL_is_init_finished(conn->ssl), CSSL_EVALUE, "handshake not done yet");
    X509 *peer = SSL_get0_peer_certificate(conn->ssl);
    if (peer == NULL) {
        *info = NULL;
        return CSSL_OK;
    }
    /* Python decides by the current context's verify mode, at call time. */
    if ((SSL_CTX_get_verify_mode(SSL_get_SSL_CTX(conn->ssl)) & SSL_VERIFY_PEER) == 0) {
        *info = &empty_info;
        return CSSL_OK;
    }
    /* The peer certificate changes only with post-handshake auth. */
    if (conn->peer == NULL || cssl__cert_x509(conn->peer) != peer) {
        cssl_cert *cert = cssl__cert_from_x509(peer);
        if (cert == NULL)
            return cssl_error_status();
        cssl_cert_free(conn->peer);
        conn->peer = cert;
    }
    *info = cssl_cert_get_info(conn->peer);
    return CSSL_OK;
}

int cssl_conn_getpeercert_der(cssl_conn *conn, uint8_t **der, size_t *len)
{
    CSSL_ENSURE_ARG(conn);
    CSSL_ENSURE_ARG(der);
    CSSL_ENSURE_ARG(len);
    CSSL_ENSURE(SSL_is_init_finished(conn->ssl), CSSL_EVALUE, "handshake not done yet");
    X509 *peer = SSL_get0_peer_certificate(conn->ssl);
    if (peer == NULL) {
        *der = NULL;
        *len = 0;
        return CSSL_OK;
    }
    unsigned char *buf = NULL;
    int n = i2d_X509(peer, &buf);
    if (n <= 0)
        return CSSL_RAISE_OPENSSL(CSSL_ESSL);
    *der = buf; /* OPENSSL_malloc'd: cssl_free releases it */
    *len = (size_t)n;
    return CSSL_OK;
}

/* A NULL-terminated array of cssl_cert for certs (plus first, if any). */
static cssl_cert **cert_list(X509 *first, STACK_OF(X509) *certs)
{
    int n = certs ? sk_X509_num(certs) : 0;
    cssl_cert **list = cssl__zalloc(sizeof *list * (size_t)(n + 2));
    if (list == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    int k = 0;
    if (first != NULL && (list[k++] = cssl__cert_from_x509(first)) == NULL)
        goto err;
    for (int i = 0; i < n; i++)
        if ((list[k++] = cssl__cert_from_x509(sk_X509_value(certs, i))) == NULL)
            goto err;
    return list;
err:
    cssl_cert_list_free(list);
    return NULL;
}

cssl_cert **cssl_conn_get_verified_chain(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_PTR(conn);
    return cert_list(NULL, SSL_get0_verified_chain(conn->ssl));
}

cssl_cert **cssl_conn_get_unverified_chain(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_PTR(conn);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(conn->ssl);
    /* On the server side OpenSSL leaves the client's leaf out; Python 3.13
     * puts it first. */
    X509 *leaf = NULL;
    if ((conn->flags & CSSL_SERVER_SIDE) && chain != NULL)
        leaf = SSL_get0_peer_certificate(conn->ssl);
    return cert_list(leaf, chain);
}

const char *cssl_conn_cipher(const cssl_conn *conn, const char **protocol, int *secret_bits)
{
    CSSL_ENSURE_ARG_OR(conn, NULL);
    const SSL_CIPHER *c = SSL_get_current_cipher(conn->ssl);
    if (c == NULL)
        return NULL;
    if (protocol)
        *protocol = SSL_CIPHER_get_version(c);
    if (secret_bits)
        *secret_bits = SSL_CIPHER_get_bits(c, NULL);
    return SSL_CIPHER_get_name(c);
}

int cssl_conn_shared_ciphers(const cssl_conn *conn, cssl_cipher_desc **ciphers, size_t *count)
{
    CSSL_ENSURE_ARG(conn);
    CSSL_ENSURE_ARG(ciphers);
    CSSL_ENSURE_ARG(count);
    *ciphers = NULL;
    *count = 0;
    STACK_OF(SSL_CIPHER) *server = SSL_get_ciphers(conn->ssl);
    STACK_OF(SSL_CIPHER) *client = SSL_get_client_ciphers(conn->ssl);
    if (server == NULL || client == NULL)
        return CSSL_OK; /* Python's None: client side, or no handshake yet */
    int n = sk_SSL_CIPHER_num(server);
    cssl_cipher_desc *out = cssl__zalloc(sizeof *out * (size_t)(n > 0 ? n : 1));
    if (out == NULL)
        return cssl__raise_nomem();
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(server, i);
        if (sk_SSL_CIPHER_find(client, c) < 0)
            continue;
        out[k].name = SSL_CIPHER_get_name(c);
        out[k].protocol = SSL_CIPHER_get_version(c);
        out[k].secret_bits = SSL_CIPHER_get_bits(c, NULL);
        k++;
    }
    *ciphers = out;
    *count = k;
    return CSSL_OK;
}

const char *cssl_conn_compression(const cssl_conn *conn)
{
    /* OpenSSL 3 is built without compression on Debian, and NO_COMPRESSION
     * is set on every context: like Python, report the method if any. */
    CSSL_ENSURE_ARG_OR(conn, NULL);
    const COMP_METHOD *m = SSL_get_current_compression(conn->ssl);
    return m == NULL ? NULL : SSL_COMP_get_name(m);
}

const char *cssl_conn_version(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_OR(conn, NULL);
    if (!SSL_is_init_finished(conn->ssl))
        return NULL;
    const char *v = SSL_get_version(conn->ssl);
    return v == NULL || strcmp(v, "unknown") == 0 ? NULL : v;
}

const char *cssl_conn_selected_alpn_protocol(const cssl_conn *conn)
{
    CSSL_ENSURE_ARG_OR(conn, NULL);
    const unsigned char *p = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(conn->ssl, &p, &len);
    if (p == NULL || len == 0)
        return NULL;
    /* The connection keeps a NUL-terminated copy (a cache, so the const
     * accessor may fill it), made when first asked for: most connections
     * never are, and an idle one should not carry a 256-byte buffer. */
    cssl_conn *c = (cssl_conn *)conn;
    if (c->alpn != NULL && strnlen(c->alpn, len + 1) == len && memcmp(c->alpn, p, len) == 0)
        return c->alpn;
    char *copy = cssl__malloc(len + 1);
    if (copy == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    memcpy(copy, p, len);
    copy[len] = '\0';
    cssl__free(c->alpn);
    c->alpn = copy;
    return copy;
}

ssize_t cssl_conn_get_channel_binding(const cssl_conn *conn, const char *cb_type, uint8_t *buf,
                                      size_t size)
{
    CSSL_ENSURE_ARG(conn);
    CSSL_ENSURE_ARG(cb_type);
    /* Python: "'%s' channel binding type not implemented" - literal
     * quotes, not repr(). */
    if (strcmp(cb_type, "tls-unique") != 0)
        return cssl__raisef(CSSL_EVALUE, "'%s' channel binding type not implemented", cb_type);
    /* RFC 5929 3.1: the first Finished of the latest handshake — the
     * client's in a full handshake, the server's in a resumed one. */
    unsigned char finished[128];
    bool client = !(conn->flags & CSSL_SERVER_SIDE);
    size_t n = (SSL_session_reused(conn->ssl) != 0) != client
                   ? SSL_get_finished(conn->ssl, finished, sizeof finished)
                   : SSL_get_peer_finished(conn->ssl, finished, sizeof finished);
    if (n == 0)
        return 0;
    CSSL_ENSURE(buf != NULL && size >= n, CSSL_EVALUE, "buffer too small for the channel binding");
    memcpy(buf, finished, n);
    return (ssize_t)n;
}

int cssl_conn_verify_client_post_handshake(cssl_conn *conn)
{
    CSSL_ENSURE_ARG(conn);
    ERR_clear_error();
    CSSL_OSSL(SSL_verify_client_post_handshake(conn->ssl), CSSL_ESSL);
    return CSSL_OK;
}
