/*
 * cert.c - `cssl cert HOST:PORT | FILE`: fetch a server's certificate
 * (get_server_certificate) or read a file, and show the getpeercert
 * structure as text, JSON or PEM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage_text[] =
    "usage: cssl cert [--json | --pem] [--cafile FILE] [--timeout S] HOST:PORT | FILE\n\n"
    "Decode a certificate into the fields of Python's getpeercert(): from a\n"
    "server (like ssl.get_server_certificate; verified only with --cafile, and\n"
    "the hostname is not checked) or from a PEM or DER file.\n\n"
    "  --json          the structure as JSON\n"
    "  --pem           the certificate as PEM\n"
    "  --cafile FILE   verify the server's chain against FILE\n"
    "  --timeout S     connect and handshake deadline in seconds (default 10)\n"
    "\nexit status: 0 ok, 1 connection, TLS or decoding failure, 2 usage error\n";

static void print_name(const char *label, const cssl_name *name)
{
    printf("%-22s", label);
    for (size_t i = 0; i < name->count; i++)
        for (size_t k = 0; k < name->rdns[i].count; k++) {
            const cssl_name_entry *e = &name->rdns[i].entries[k];
            printf("%s%s=", i || k ? ", " : "", e->name);
            fwrite(e->value, 1, e->value_len, stdout);
        }
    printf("\n");
}

static void print_list(const char *label, const cssl_string_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        printf("%-22s%s\n", i ? "" : label, list->items[i]);
}

static void print_text(const cssl_cert_info *info)
{
    print_name("subject", &info->subject);
    print_name("issuer", &info->issuer);
    printf("%-22s%ld\n", "version", info->version);
    printf("%-22s%s\n", "serialNumber", info->serial_number);
    printf("%-22s%s\n", "notBefore", info->not_before);
    printf("%-22s%s\n", "notAfter", info->not_after);
    for (size_t i = 0; i < info->subject_alt_name_count; i++) {
        const cssl_general_name *g = &info->subject_alt_name[i];
        printf("%-22s%s:", i ? "" : "subjectAltName", g->type);
        if (g->dirname) {
            cssl_name_entry const *e = g->dirname->count ? g->dirname->rdns[0].entries : NULL;
            printf("%s=%s...", e ? e->name : "", e ? e->value : "");
        } else {
            fwrite(g->value, 1, g->value_len, stdout);
        }
        printf("\n");
    }
    print_list("OCSP", &info->ocsp);
    print_list("caIssuers", &info->ca_issuers);
    print_list("crlDistributionPoints", &info->crl_distribution_points);
}

static cssl_cert *fetch(const char *target, const char *cafile, double timeout)
{
    struct stat st;
    char host[256];
    int port;
    if (stat(target, &st) == 0 || parse_host_port(target, host, sizeof host, &port) < 0)
        return cssl_cert_load(target);
    char *pem = cssl_get_server_certificate(host, port, cafile, timeout);
    if (pem == NULL)
        return NULL;
    cssl_cert *cert = cssl_cert_from_pem(pem, strlen(pem));
    cssl_free(pem);
    return cert;
}

int cli_cert(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},       {"pem", no_argument, NULL, 'p'},
        {"cafile", required_argument, NULL, 'c'}, {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    bool as_json = false, pem = false;
    const char *cafile = NULL;
    double timeout = 10;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': as_json = true; break;
        case 'p': pem = true; break;
        case 'c': cafile = optarg; break;
        case 't': {
            char *end;
            timeout = strtod(optarg, &end);
            if (*end || timeout <= 0)
                return cli_usage_error("cert", "bad --timeout '%s'", optarg);
            break;
        }
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_usage_error("cert", "bad option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("cert", "expected one HOST:PORT or FILE argument");
    if (as_json && pem)
        return cli_usage_error("cert", "--json and --pem exclude each other");
    cssl_cert *cert = fetch(argv[optind], cafile, timeout);
    if (cert == NULL)
        return cli_error("cert");
    char *text = as_json ? cssl_cert_to_json(cert) : pem ? cssl_cert_to_pem(cert) : NULL;
    if ((as_json || pem) && text == NULL) {
        cssl_cert_free(cert);
        return cli_error("cert");
    }
    if (as_json)
        printf("%s\n", text);
    else if (pem)
        fputs(text, stdout);
    else
        print_text(cssl_cert_get_info(cert));
    cssl_free(text);
    cssl_cert_free(cert);
    return CLI_OK;
}
