/*
 * fuzz_cert_chain.c - the PEM a server loads: load_cert_chain_mem (a chain
 * and a key, the key in the chain's text or apart, maybe encrypted) and
 * load_dh_params (a file), on a fresh server context.
 *
 * Input: an option byte (bit 0: the key is apart; bit 1: pass the
 * password "somepass"; bit 2: load the rest as DH parameters instead),
 * two bytes of big-endian length for the chain part, then the chain and
 * the key. A refused load leaves the context without a certificate; an
 * accepted one installs a certificate whose key matches.
 */
#include "fuzz.h"
#include "internal.h"

static void chain(const uint8_t *bytes, size_t len, uint8_t opt)
{
    fuzz_reader in = {bytes, len};
    size_t cert_len = (size_t)fuzz_byte(&in) << 8;
    cert_len |= fuzz_byte(&in);
    const uint8_t *cert, *key;
    cert_len = fuzz_take(&in, cert_len, &cert);
    size_t key_len = fuzz_take(&in, SIZE_MAX, &key);
    cssl_context *ctx = FUZZ_PTR(cssl_context_new(CSSL_PROTOCOL_TLS_SERVER));
    FUZZ_CHECK(ctx != NULL);
    int rc = (int)FUZZ_RC(cssl_context_load_cert_chain_mem(
        ctx, (const char *)cert, cert_len, (opt & 1) ? (const char *)key : NULL, key_len,
        (opt & 2) ? "somepass" : NULL));
    X509 *installed = SSL_CTX_get0_certificate(ctx->ssl_ctx);
    if (rc < 0) {
        FUZZ_CHECK(installed == NULL);
    } else {
        FUZZ_CHECK(installed != NULL);
        FUZZ_CHECK(SSL_CTX_check_private_key(ctx->ssl_ctx) == 1);
    }
    ERR_clear_error(); /* SSL_CTX_get0_certificate may queue "no certificate" */
    cssl_context_free(ctx);
}

FUZZ_TARGET(cert_chain)
{
    fuzz_reader in = {data, size};
    uint8_t opt = fuzz_byte(&in);
    const uint8_t *rest;
    size_t len = fuzz_take(&in, SIZE_MAX, &rest);
    if (!(opt & 4)) {
        chain(rest, len, opt);
        return 0;
    }
    cssl_context *ctx = FUZZ_PTR(cssl_context_new(CSSL_PROTOCOL_TLS_SERVER));
    FUZZ_CHECK(ctx != NULL);
    int rc = (int)FUZZ_RC(cssl_context_load_dh_params(ctx, fuzz_file(rest, len)));
    FUZZ_CHECK(rc == CSSL_OK || rc == CSSL_ESSL);
    cssl_context_free(ctx);
    return 0;
}
