/*
 * context.c - cssl_context: construction and the attributes of
 * Python's SSLContext (verify_mode, check_hostname, options, versions,
 * tickets, host flags). Loading certificates lives in context_load.c,
 * ciphers in ciphers.c, key logging in keylog.c.
 */
#include <limits.h>

#include <openssl/x509v3.h>

#include "internal.h"

/* Python's default options (_ssl.c _ssl__SSLContext_impl). OpenSSL 3's
 * SSL_CTX_new adds NO_COMPRESSION and ENABLE_MIDDLEBOX_COMPAT on its own. */
#define DEFAULT_OPTIONS                                                        \
    ((SSL_OP_ALL & ~(uint64_t)SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS) | SSL_OP_NO_SSLv2 |   \
     SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |        \
     SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE)

/* The pinned methods are deprecated in OpenSSL 3 but are what Python uses
 * for PROTOCOL_TLSv1*: the version bounds then read as 0 (unbounded). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static const SSL_METHOD *method_for(int protocol)
{
    switch (protocol) {
    case CSSL_PROTOCOL_TLS: return TLS_method();
    case CSSL_PROTOCOL_TLS_CLIENT: return TLS_client_method();
    case CSSL_PROTOCOL_TLS_SERVER: return TLS_server_method();
    case CSSL_PROTOCOL_TLSv1: return TLSv1_method();
    case CSSL_PROTOCOL_TLSv1_1: return TLSv1_1_method();
    case CSSL_PROTOCOL_TLSv1_2: return TLSv1_2_method();
    default: return NULL;
    }
}
#pragma GCC diagnostic pop

static bool protocol_has_bounds(int protocol)
{
    return protocol == CSSL_PROTOCOL_TLS || protocol == CSSL_PROTOCOL_TLS_CLIENT ||
           protocol == CSSL_PROTOCOL_TLS_SERVER;
}

static int configure_new(cssl_context *ctx)
{
    SSL_CTX *c = ctx->ssl_ctx;
    bool client = ctx->protocol == CSSL_PROTOCOL_TLS_CLIENT;

    /* Every callback finds its cssl_context here: storing it allocates. */
    if (SSL_CTX_set_app_data(c, ctx) != 1)
        return cssl__raise_nomem();
    ctx->hostflags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    ctx->check_hostname = client;
    SSL_CTX_set_verify(c, client ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                 : SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_options(c, DEFAULT_OPTIONS);
    if (SSL_CTX_set_cipher_list(c, CSSL_DEFAULT_CIPHERS) != 1) {
        if (cssl__queue_has_malloc_failure())
            return cssl__raise_nomem();
        ERR_clear_error();
        return cssl__raise(CSSL_ESSL, "No cipher can be selected.");
    }
    if (protocol_has_bounds(ctx->protocol) &&
        SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1) {
        ERR_clear_error();
        return cssl__raise(CSSL_EVALUE, "Failed to set minimum protocol 0x303");
    }
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(c);
    CSSL_OSSL(X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_TRUSTED_FIRST), CSSL_ESSL);
    X509_VERIFY_PARAM_set_hostflags(param, ctx->hostflags);
    ctx->post_handshake_auth = false;
    SSL_CTX_set_post_handshake_auth(c, 0);
    return CSSL_OK;
}

cssl_context *cssl_context_new(int protocol)
{
    const SSL_METHOD *method = method_for(protocol);
    if (method == NULL) {
        cssl__raisef(CSSL_EVALUE, "invalid or unsupported protocol version %d", protocol);
        return NULL;
    }
    cssl_context *ctx = cssl__zalloc(sizeof *ctx);
    if (ctx == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    ctx->protocol = protocol;
    ctx->refs = 1;
    ctx->ssl_ctx = SSL_CTX_new(method);
    if (ctx->ssl_ctx == NULL) {
        /* Allocations are all that can fail here, some unreported. */
        if (ERR_peek_error() == 0 || cssl__queue_has_malloc_failure())
            cssl__raise_nomem();
        else
            CSSL_RAISE_OPENSSL(CSSL_ESSL);
        cssl__free(ctx);
        return NULL;
    }
    if (configure_new(ctx) < 0) {
        cssl_context_free(ctx);
        return NULL;
    }
    return ctx;
}

cssl_context *cssl_context_up_ref(cssl_context *ctx)
{
    CSSL_ENSURE_ARG_PTR(ctx);
    __atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
    return ctx;
}

void cssl_context_free(cssl_context *ctx)
{
    if (ctx == NULL || __atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    cssl__keylog_close(ctx);
    /* SSL_CTX_flush_sessions queues a malloc failure it then works around;
     * a free must not leave OpenSSL's queue dirty. */
    ERR_set_mark();
    SSL_CTX_free(ctx->ssl_ctx);
    ERR_pop_to_mark();
    cssl__free(ctx->alpn);
    cssl__free(ctx);
}

cssl_context *cssl__context_of(const SSL_CTX *ssl_ctx)
{
    return SSL_CTX_get_app_data(ssl_ctx);
}

bool cssl__context_is_server_only(const cssl_context *ctx)
{
    return ctx->protocol == CSSL_PROTOCOL_TLS_SERVER;
}

bool cssl__context_is_client_only(const cssl_context *ctx)
{
    return ctx->protocol == CSSL_PROTOCOL_TLS_CLIENT;
}

/* Getters take const contexts; OpenSSL's getters of SSL_CTX do not. */
static SSL_CTX *mut(const cssl_context *ctx)
{
    return ctx->ssl_ctx;
}

#define NULL_CTX_RETURN(ctx, value)                                            \
    do {                                                                       \
        if ((ctx) == NULL) {                                                   \
            cssl__raise(CSSL_EVALUE, "ctx must not be NULL");                  \
            return (value);                                                    \
        }                                                                      \
    } while (0)

int cssl_context_protocol(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, CSSL_EVALUE);
    return ctx->protocol;
}

/* ---- verify_mode and check_hostname (seed behaviour 1) ------------------- */

int cssl_context_verify_mode(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, CSSL_EVALUE);
    /* Python masks out CLIENT_ONCE and POST_HANDSHAKE. */
    int mode = SSL_CTX_get_verify_mode(ctx->ssl_ctx) &
               (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    switch (mode) {
    case SSL_VERIFY_NONE: return CSSL_CERT_NONE;
    case SSL_VERIFY_PEER: return CSSL_CERT_OPTIONAL;
    case SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT: return CSSL_CERT_REQUIRED;
    default:
        return cssl__raise(CSSL_ESSL, "invalid return value from SSL_CTX_get_verify_mode");
    }
}

static int apply_verify_mode(cssl_context *ctx, int mode)
{
    int ossl_mode;
    switch (mode) {
    case CSSL_CERT_NONE: ossl_mode = SSL_VERIFY_NONE; break;
    case CSSL_CERT_OPTIONAL: ossl_mode = SSL_VERIFY_PEER; break;
    case CSSL_CERT_REQUIRED:
        ossl_mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        break;
    default: return cssl__raise(CSSL_EVALUE, "invalid value for verify_mode");
    }
    SSL_CTX_set_verify(ctx->ssl_ctx, ossl_mode, SSL_CTX_get_verify_callback(ctx->ssl_ctx));
    return CSSL_OK;
}

int cssl_context_set_verify_mode(cssl_context *ctx, int mode)
{
    CSSL_ENSURE_ARG(ctx);
    /* Python: the CERT_NONE/check_hostname check precedes the range check. */
    CSSL_ENSURE(!(mode == CSSL_CERT_NONE && ctx->check_hostname), CSSL_EVALUE,
                "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
    return apply_verify_mode(ctx, mode);
}

bool cssl_context_check_hostname(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, false);
    return ctx->check_hostname;
}

int cssl_context_set_check_hostname(cssl_context *ctx, bool check)
{
    CSSL_ENSURE_ARG(ctx);
    /* Python 3.7+: enabling it upgrades CERT_NONE to CERT_REQUIRED. */
    if (check && SSL_CTX_get_verify_mode(ctx->ssl_ctx) == SSL_VERIFY_NONE)
        CSSL_GUARD(apply_verify_mode(ctx, CSSL_CERT_REQUIRED));
    ctx->check_hostname = check;
    return CSSL_OK;
}

/* ---- verify_flags ------------------------------------------------------ */

unsigned long cssl_context_verify_flags(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, 0);
    return X509_VERIFY_PARAM_get_flags(SSL_CTX_get0_param(mut(ctx)));
}

int cssl_context_set_verify_flags(cssl_context *ctx, unsigned long flags)
{
    CSSL_ENSURE_ARG(ctx);
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx->ssl_ctx);
    unsigned long now = X509_VERIFY_PARAM_get_flags(param);
    unsigned long clear = now & ~flags, set = ~now & flags;
    if (clear)
        CSSL_OSSL(X509_VERIFY_PARAM_clear_flags(param, clear), CSSL_ESSL);
    if (set)
        CSSL_OSSL(X509_VERIFY_PARAM_set_flags(param, set), CSSL_ESSL);
    return CSSL_OK;
}

/* ---- options (seed behaviour 5) ---------------------------------------- */

uint64_t cssl_context_options(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, 0);
    return SSL_CTX_get_options(ctx->ssl_ctx);
}

int cssl_context_set_options(cssl_context *ctx, uint64_t options)
{
    CSSL_ENSURE_ARG(ctx);
    uint64_t now = SSL_CTX_get_options(ctx->ssl_ctx);
    uint64_t clear = now & ~options, set = ~now & options;
    if (clear)
        SSL_CTX_clear_options(ctx->ssl_ctx, clear);
    if (set)
        SSL_CTX_set_options(ctx->ssl_ctx, set);
    return CSSL_OK;
}

/* ---- minimum_version / maximum_version (seed behaviour 3) --------------- */

static int version_from_openssl(long v, int unbounded)
{
    return v == 0 ? unbounded : (int)v;
}

int cssl_context_minimum_version(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, CSSL_EVALUE);
    return version_from_openssl(SSL_CTX_get_min_proto_version(ctx->ssl_ctx),
                                CSSL_TLSVERSION_MINIMUM_SUPPORTED);
}

int cssl_context_maximum_version(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, CSSL_EVALUE);
    return version_from_openssl(SSL_CTX_get_max_proto_version(ctx->ssl_ctx),
                                CSSL_TLSVERSION_MAXIMUM_SUPPORTED);
}

/* Python's set_min_max_proto_version, same checks in the same order. */
static int set_version_bound(cssl_context *ctx, int version, bool is_max)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE(protocol_has_bounds(ctx->protocol), CSSL_EVALUE,
                "The context's protocol doesn't support modification of highest and lowest "
                "version.");
    switch (version) {
    case CSSL_TLSVERSION_SSLv3:
    case CSSL_TLSVERSION_TLSv1:
    case CSSL_TLSVERSION_TLSv1_1:
    case CSSL_TLSVERSION_TLSv1_2:
    case CSSL_TLSVERSION_TLSv1_3:
    case CSSL_TLSVERSION_MINIMUM_SUPPORTED:
    case CSSL_TLSVERSION_MAXIMUM_SUPPORTED: break;
    default:
        return cssl__raisef(CSSL_EVALUE, "Unsupported TLS/SSL version 0x%x", (unsigned)version);
    }
    int v = version;
    if (version == CSSL_TLSVERSION_MINIMUM_SUPPORTED)
        v = is_max ? TLS1_VERSION : 0; /* lowest version compiled in */
    else if (version == CSSL_TLSVERSION_MAXIMUM_SUPPORTED)
        v = is_max ? 0 : TLS1_3_VERSION;
    int ok = is_max ? SSL_CTX_set_max_proto_version(ctx->ssl_ctx, v)
                    : SSL_CTX_set_min_proto_version(ctx->ssl_ctx, v);
    if (ok != 1) {
        ERR_clear_error();
        return cssl__raisef(CSSL_EVALUE, "Unsupported protocol version 0x%x", (unsigned)version);
    }
    return CSSL_OK;
}

int cssl_context_set_minimum_version(cssl_context *ctx, int version)
{
    /* Python's ssl.py clears OP_NO_SSLv3 before the C setter runs. */
    if (ctx != NULL && version == CSSL_TLSVERSION_SSLv3)
        SSL_CTX_clear_options(ctx->ssl_ctx, SSL_OP_NO_SSLv3);
    return set_version_bound(ctx, version, false);
}

int cssl_context_set_maximum_version(cssl_context *ctx, int version)
{
    return set_version_bound(ctx, version, true);
}

/* ---- num_tickets (seed behaviour 4) ------------------------------------ */

long cssl_context_num_tickets(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, CSSL_EVALUE);
    return (long)SSL_CTX_get_num_tickets(ctx->ssl_ctx);
}

int cssl_context_set_num_tickets(cssl_context *ctx, long n)
{
    CSSL_ENSURE_ARG(ctx);
    CSSL_ENSURE(n >= 0, CSSL_EVALUE, "value must be non-negative");
    CSSL_ENSURE(ctx->protocol == CSSL_PROTOCOL_TLS_SERVER, CSSL_EVALUE,
                "SSLContext is not a server context.");
    if (SSL_CTX_set_num_tickets(ctx->ssl_ctx, (size_t)n) != 1) {
        ERR_clear_error();
        return cssl__raise(CSSL_EVALUE, "failed to set num tickets.");
    }
    return CSSL_OK;
}

/* ---- post_handshake_auth, host flags, security level -------------------- */

bool cssl_context_post_handshake_auth(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, false);
    return ctx->post_handshake_auth;
}

int cssl_context_set_post_handshake_auth(cssl_context *ctx, bool enabled)
{
    CSSL_ENSURE_ARG(ctx);
    /* Applied per connection when it is created (Python bpo-37428). */
    ctx->post_handshake_auth = enabled;
    return CSSL_OK;
}

bool cssl_context_hostname_checks_common_name(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, false);
    return (ctx->hostflags & X509_CHECK_FLAG_NEVER_CHECK_SUBJECT) == 0;
}

int cssl_context_set_hostname_checks_common_name(cssl_context *ctx, bool check)
{
    CSSL_ENSURE_ARG(ctx);
    unsigned int flags = check ? ctx->hostflags & ~X509_CHECK_FLAG_NEVER_CHECK_SUBJECT
                               : ctx->hostflags | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx->ssl_ctx), flags);
    ctx->hostflags = flags;
    return CSSL_OK;
}

int cssl_context_security_level(const cssl_context *ctx)
{
    NULL_CTX_RETURN(ctx, CSSL_EVALUE);
    return SSL_CTX_get_security_level(ctx->ssl_ctx);
}
