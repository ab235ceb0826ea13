/* mint.h - throw-away certificates for the CLI (demo, mkcert). */
#ifndef CSSL_CLI_MINT_H
#define CSSL_CLI_MINT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A new key: kind "rsa" (bits, 2048 if 0) or "ecdsa" (P-256). */
EVP_PKEY *mint_key(const char *kind, int bits);

/* A self-signed CA certificate valid for days. */
X509 *mint_ca(EVP_PKEY *key, const char *cn, int days);

/* A leaf signed by ca/ca_key for key: names become DNS or IP SANs; client
 * selects clientAuth-only usage. */
X509 *mint_leaf(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const char *cn,
                const char *const *names, size_t count, bool client, int days);

/* PEM text (OPENSSL_free). */
char *mint_cert_pem(X509 *cert);
char *mint_key_pem(EVP_PKEY *key);

#endif
