/*
 * ciphers.c - `cssl ciphers`: SSLContext.get_ciphers() of a default client
 * (or server) context, optionally after set_ciphers/version bounds.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static const char usage_text[] =
    "usage: cssl ciphers [--server] [--ciphers STRING] [--min-version V]\n"
    "                    [--max-version V] [--json]\n\n"
    "List the ciphers a context enables, in priority order (TLS 1.3 suites\n"
    "first), as SSLContext.get_ciphers() reports them.\n\n"
    "  --server           a PROTOCOL_TLS_SERVER context (default: client)\n"
    "  --ciphers STRING   apply set_ciphers(STRING) first (TLS 1.2 and below)\n"
    "  --json             every field of get_ciphers() as JSON\n"
    "\nexit status: 0 ok, 1 failure (e.g. a string selecting nothing), 2 usage\n";

static void print_json(const cssl_cipher_info *c, size_t n)
{
    json j;
    json_init(&j, stdout);
    json_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        json_object_begin(&j);
        json_key(&j, "id");
        json_int(&j, (long long)c[i].id);
        json_key(&j, "name");
        json_string(&j, c[i].name);
        json_key(&j, "protocol");
        json_string(&j, c[i].protocol);
        json_key(&j, "description");
        json_string(&j, c[i].description);
        json_key(&j, "strength_bits");
        json_int(&j, c[i].strength_bits);
        json_key(&j, "alg_bits");
        json_int(&j, c[i].alg_bits);
        json_key(&j, "aead");
        json_bool(&j, c[i].aead);
        json_key(&j, "symmetric");
        json_string(&j, c[i].symmetric);
        json_key(&j, "digest");
        json_string(&j, c[i].digest);
        json_key(&j, "kea");
        json_string(&j, c[i].kea);
        json_key(&j, "auth");
        json_string(&j, c[i].auth);
        json_object_end(&j);
    }
    json_array_end(&j);
    printf("\n");
}

static void print_table(const cssl_cipher_info *c, size_t n)
{
    printf("%-32s %-8s %-9s %-10s %-18s %-7s %s\n", "name", "protocol", "kea", "auth",
           "symmetric", "digest", "bits");
    for (size_t i = 0; i < n; i++)
        printf("%-32s %-8s %-9s %-10s %-18s %-7s %d\n", c[i].name, c[i].protocol,
               c[i].kea ? c[i].kea : "-", c[i].auth ? c[i].auth : "-",
               c[i].symmetric ? c[i].symmetric : "-", c[i].digest ? c[i].digest : "AEAD",
               c[i].strength_bits);
}

int cli_ciphers(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", no_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        TLS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    tls_opts tls = {0};
    bool server = false, as_json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int r = tls_opts_parse(&tls, c, optarg, "ciphers");
        if (r == CLI_USAGE)
            return r;
        if (r == 1)
            continue;
        switch (c) {
        case 's': server = true; break;
        case 'j': as_json = true; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_usage_error("ciphers", "bad option");
        }
    }
    if (optind != argc)
        return cli_usage_error("ciphers", "unexpected argument '%s'", argv[optind]);
    cssl_context *ctx = cssl_context_new(server ? CSSL_PROTOCOL_TLS_SERVER
                                                : CSSL_PROTOCOL_TLS_CLIENT);
    if (ctx == NULL)
        return cli_error("ciphers");
    int status = tls_opts_apply(&tls, ctx, "ciphers");
    size_t n = 0;
    cssl_cipher_info *list = status == CLI_OK ? cssl_context_get_ciphers(ctx, &n) : NULL;
    if (status == CLI_OK && list == NULL)
        status = cli_error("ciphers");
    if (list != NULL)
        (as_json ? print_json : print_table)(list, n);
    cssl_free(list);
    cssl_context_free(ctx);
    return status;
}
