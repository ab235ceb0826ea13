/*
 * mkcert.c - `cssl mkcert NAME...`: a local CA (made on first use) and a
 * leaf certificate for the given DNS names and IP addresses, like the
 * mkcert and trustme tools. For tests and demos: the CA key is a plain file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "cli.h"
#include "mint.h"

static const char usage_text[] =
    "usage: cssl mkcert [options] NAME...\n\n"
    "Make a certificate for NAMEs (DNS names or IP addresses), signed by a\n"
    "local CA. The CA (ca.pem, ca.key in --dir) is created on first use and\n"
    "reused after. Writes NAME.pem and NAME.key (first NAME; see --out).\n"
    "For tests and local development only: anyone with ca.key can mint\n"
    "certificates that clients trusting ca.pem accept.\n\n"
    "  --dir DIR          where the CA lives and files go (default .)\n"
    "  --out BASE         file names BASE.pem and BASE.key\n"
    "  --key-type T       rsa (2048-bit) or ecdsa (P-256; default)\n"
    "  --client           a client certificate (clientAuth) instead of a server one\n"
    "  --days N           validity of the leaf (default 825)\n"
    "\nexit status: 0 ok, 1 failure, 2 usage error\n";

static char *path_join(const char *dir, const char *name, const char *ext)
{
    size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s", dir, name, ext);
    return p;
}

/* Write text to path; private files are created 0600. */
static int write_text(const char *path, const char *text, bool private)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, private ? 0600 : 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cssl mkcert: [Errno %d] %s: '%s'\n", errno, strerror(errno), path);
        if (f == NULL && fd >= 0)
            close(fd);
        return -1;
    }
    return 0;
}

static int load_ca(const char *cert_path, const char *key_path, X509 **ca, EVP_PKEY **key)
{
    FILE *f = fopen(cert_path, "r");
    FILE *k = fopen(key_path, "r");
    if (f)
        *ca = PEM_read_X509(f, NULL, NULL, NULL);
    if (k)
        *key = PEM_read_PrivateKey(k, NULL, NULL, NULL);
    if (f)
        fclose(f);
    if (k)
        fclose(k);
    if (*ca == NULL || *key == NULL) {
        fprintf(stderr, "cssl mkcert: cannot read the CA from '%s' and '%s'\n", cert_path,
                key_path);
        return -1;
    }
    return 0;
}

static int make_ca(const char *cert_path, const char *key_path, X509 **ca, EVP_PKEY **key)
{
    *key = mint_key("ecdsa", 0);
    *ca = *key ? mint_ca(*key, "cssl local CA", 3650) : NULL;
    char *cert_pem = *ca ? mint_cert_pem(*ca) : NULL, *key_pem = *key ? mint_key_pem(*key) : NULL;
    int rc = cert_pem && key_pem ? 0 : -1;
    if (rc == 0)
        rc = write_text(key_path, key_pem, true) == 0 && write_text(cert_path, cert_pem, false) == 0
                 ? 0
                 : -1;
    if (rc == 0)
        fprintf(stderr, "cssl mkcert: created a local CA: %s (trust this) and %s (keep private)\n",
                cert_path, key_path);
    OPENSSL_free(cert_pem);
    if (key_pem)
        OPENSSL_clear_free(key_pem, strlen(key_pem));
    return rc;
}

int cli_mkcert(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'd'},    {"out", required_argument, NULL, 'o'},
        {"key-type", required_argument, NULL, 'k'}, {"client", no_argument, NULL, 'c'},
        {"days", required_argument, NULL, 'n'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = ".", *out = NULL, *type = "ecdsa";
    bool client = false;
    long days = 825;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'o': out = optarg; break;
        case 'k': type = optarg; break;
        case 'c': client = true; break;
        case 'n': {
            char *end;
            days = strtol(optarg, &end, 10);
            if (*end || days < 1 || days > 36500)
                return cli_usage_error("mkcert", "bad --days '%s'", optarg);
            break;
        }
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_usage_error("mkcert", "bad option");
        }
    }
    if (strcmp(type, "rsa") != 0 && strcmp(type, "ecdsa") != 0)
        return cli_usage_error("mkcert", "unknown --key-type '%s' (rsa or ecdsa)", type);
    if (optind >= argc)
        return cli_usage_error("mkcert", "expected at least one NAME");
    const char *const *names = (const char *const *)argv + optind;
    size_t count = (size_t)(argc - optind);
    if (out == NULL)
        out = names[0];
    if (strchr(out, '/'))
        return cli_usage_error("mkcert", "--out takes a base name, not a path");

    int status = CLI_FAIL;
    X509 *ca = NULL, *leaf = NULL;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    char *ca_path = path_join(dir, "ca", ".pem"), *ca_key_path = path_join(dir, "ca", ".key");
    char *cert_path = path_join(dir, out, ".pem"), *key_path = path_join(dir, out, ".key");
    char *cert_pem = NULL, *key_pem = NULL;
    if (!ca_path || !ca_key_path || !cert_path || !key_path)
        goto done;
    int have_ca = access(ca_path, F_OK) == 0;
    if ((have_ca ? load_ca(ca_path, ca_key_path, &ca, &ca_key)
                 : make_ca(ca_path, ca_key_path, &ca, &ca_key)) < 0)
        goto done;
    key = mint_key(type, 2048);
    leaf = key ? mint_leaf(ca, ca_key, key, names[0], names, count, client, (int)days) : NULL;
    cert_pem = leaf ? mint_cert_pem(leaf) : NULL;
    key_pem = key ? mint_key_pem(key) : NULL;
    if (cert_pem == NULL || key_pem == NULL) {
        fprintf(stderr, "cssl mkcert: could not make the certificate (is a NAME invalid?)\n");
        goto done;
    }
    if (write_text(key_path, key_pem, true) < 0 || write_text(cert_path, cert_pem, false) < 0)
        goto done;
    printf("%s\n%s\n", cert_path, key_path);
    status = CLI_OK;
done:
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    OPENSSL_free(cert_pem);
    if (key_pem)
        OPENSSL_clear_free(key_pem, strlen(key_pem));
    free(ca_path);
    free(ca_key_path);
    free(cert_path);
    free(key_path);
    return status;
}
