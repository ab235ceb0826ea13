/*
 * mint.c - throw-away certificates for `cssl demo` and `cssl mkcert`: a CA
 * and leaves signed by it, RSA or ECDSA, with DNS and IP subjectAltNames.
 * Made to pass VERIFY_X509_STRICT (AKI/SKI present, CA key usage, EKU).
 */
#include "mint.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

EVP_PKEY *mint_key(const char *kind, int bits)
{
    if (strcmp(kind, "ecdsa") == 0)
        return EVP_EC_gen("P-256");
    if (strcmp(kind, "rsa") == 0)
        return EVP_RSA_gen(bits > 0 ? (unsigned)bits : 2048);
    return NULL;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

static X509 *new_cert(EVP_PKEY *key, const char *cn, int days)
{
    X509 *cert = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    if (cert == NULL || RAND_bytes(serial, sizeof serial) != 1)
        goto err;
    serial[0] &= 0x7f; /* positive */
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
        goto err;
    BN_free(bn);
    bn = NULL;
    X509_NAME *name = X509_get_subject_name(cert);
    if (X509_set_version(cert, 2) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(cert), -3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(cert), (long)days * 86400) == NULL ||
        X509_set_pubkey(cert, key) != 1 ||
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"cssl",
                                   -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                   -1, 0) != 1)
        goto err;
    return cert;
err:
    BN_free(bn);
    X509_free(cert);
    return NULL;
}

X509 *mint_ca(EVP_PKEY *key, const char *cn, int days)
{
    X509 *cert = new_cert(key, cn, days);
    if (cert == NULL)
        return NULL;
    if (X509_set_issuer_name(cert, X509_get_subject_name(cert)) != 1 ||
        add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
        add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
        add_ext(cert, cert, NID_subject_key_identifier, "hash") < 0 ||
        add_ext(cert, cert, NID_authority_key_identifier, "keyid:always") < 0 ||
        X509_sign(cert, key, EVP_sha256()) <= 0) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

/* "DNS:a,IP:1.2.3.4" from plain names; an entry that parses as an IP
 * address becomes an IP SAN. */
static char *san_value(const char *const *names, size_t count)
{
    size_t size = 1;
    for (size_t i = 0; i < count; i++)
        size += strlen(names[i]) + 5;
    char *out = OPENSSL_zalloc(size);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        ASN1_OCTET_STRING *ip = a2i_IPADDRESS(names[i]);
        ERR_clear_error();
        if (i > 0)
            strcat(out, ",");
        strcat(out, ip ? "IP:" : "DNS:");
        strcat(out, names[i]);
        ASN1_OCTET_STRING_free(ip);
    }
    return out;
}

X509 *mint_leaf(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const char *cn,
                const char *const *names, size_t count, bool client, int days)
{
    X509 *cert = new_cert(key, cn, days);
    char *san = count > 0 ? san_value(names, count) : NULL;
    if (cert == NULL || (count > 0 && san == NULL))
        goto err;
    if (X509_set_issuer_name(cert, X509_get_subject_name(ca)) != 1 ||
        add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
        add_ext(cert, ca, NID_key_usage,
                client ? "critical,digitalSignature"
                       : "critical,digitalSignature,keyEncipherment") < 0 ||
        add_ext(cert, ca, NID_ext_key_usage, client ? "clientAuth" : "serverAuth,clientAuth") < 0 ||
        add_ext(cert, ca, NID_subject_key_identifier, "hash") < 0 ||
        add_ext(cert, ca, NID_authority_key_identifier, "keyid:always") < 0 ||
        (san != NULL && add_ext(cert, ca, NID_subject_alt_name, san) < 0) ||
        X509_sign(cert, ca_key, EVP_sha256()) <= 0)
        goto err;
    OPENSSL_free(san);
    return cert;
err:
    OPENSSL_free(san);
    X509_free(cert);
    return NULL;
}

static char *bio_text(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *out = n >= 0 ? OPENSSL_strndup(data, (size_t)n) : NULL;
    BIO_free(bio);
    return out;
}

char *mint_cert_pem(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1) {
        BIO_free(bio);
        return NULL;
    }
    return bio_text(bio);
}

char *mint_key_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1) {
        BIO_free(bio);
        return NULL;
    }
    return bio_text(bio);
}
