/*
 * demo.c - `cssl demo`: the main job. Until connections exist it shows the
 * security decisions of the default client and server contexts.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_error(const char *cmd)
{
    fprintf(stderr, "cssl %s: %s\n", cmd, cssl_error_message());
    return CLI_FAIL;
}

static const char *protocol_name(int p)
{
    switch (p) {
    case CSSL_PROTOCOL_TLS: return "PROTOCOL_TLS";
    case CSSL_PROTOCOL_TLS_CLIENT: return "PROTOCOL_TLS_CLIENT";
    case CSSL_PROTOCOL_TLS_SERVER: return "PROTOCOL_TLS_SERVER";
    default: return "PROTOCOL_TLSv1*";
    }
}

static const char *verify_mode_name(int m)
{
    return m == CSSL_CERT_REQUIRED ? "CERT_REQUIRED" : m == CSSL_CERT_OPTIONAL ? "CERT_OPTIONAL"
                                                                                : "CERT_NONE";
}

static const char *version_name(int v)
{
    switch (v) {
    case CSSL_TLSVERSION_MINIMUM_SUPPORTED: return "MINIMUM_SUPPORTED";
    case CSSL_TLSVERSION_MAXIMUM_SUPPORTED: return "MAXIMUM_SUPPORTED";
    case CSSL_TLSVERSION_SSLv3: return "SSLv3";
    case CSSL_TLSVERSION_TLSv1: return "TLSv1";
    case CSSL_TLSVERSION_TLSv1_1: return "TLSv1_1";
    case CSSL_TLSVERSION_TLSv1_2: return "TLSv1_2";
    case CSSL_TLSVERSION_TLSv1_3: return "TLSv1_3";
    default: return "?";
    }
}

static int show_context(const char *title, cssl_context *ctx)
{
    char text[512];
    printf("%s\n", title);
    printf("  protocol          %s\n", protocol_name(cssl_context_protocol(ctx)));
    printf("  verify_mode       %s\n", verify_mode_name(cssl_context_verify_mode(ctx)));
    printf("  check_hostname    %s\n", cssl_context_check_hostname(ctx) ? "True" : "False");
    uint64_t options = cssl_context_options(ctx);
    cssl_options_to_string(options, text, sizeof text);
    printf("  options           0x%llx %s\n", (unsigned long long)options, text);
    cssl_verify_flags_to_string(cssl_context_verify_flags(ctx), text, sizeof text);
    printf("  verify_flags      %s\n", text);
    printf("  minimum_version   %s\n", version_name(cssl_context_minimum_version(ctx)));
    printf("  maximum_version   %s\n", version_name(cssl_context_maximum_version(ctx)));
    printf("  num_tickets       %ld\n", cssl_context_num_tickets(ctx));
    printf("  security_level    %d\n", cssl_context_security_level(ctx));
    size_t n = 0;
    cssl_cipher_info *ciphers = cssl_context_get_ciphers(ctx, &n);
    if (ciphers == NULL)
        return -1;
    printf("  ciphers           %zu\n", n);
    for (size_t i = 0; i < n; i++)
        printf("    %-32s %s\n", ciphers[i].name, ciphers[i].protocol);
    cssl_free(ciphers);
    cssl_cert_store_stats stats;
    if (cssl_context_cert_store_stats(ctx, &stats) == CSSL_OK)
        printf("  trusted CAs       %zu\n", stats.x509_ca);
    return 0;
}

int cli_demo(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: cssl demo\n\nShow the security decisions of cssl's default client\n"
               "(create_default_context(SERVER_AUTH)) and server contexts.\n");
        return CLI_OK;
    }
    if (argc > 1) {
        fprintf(stderr, "cssl demo: unexpected argument '%s'\n", argv[1]);
        return CLI_USAGE;
    }
    printf("cssl %s on %s\n\n", cssl_version(), cssl_openssl_version());
    cssl_context *client = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL,
                                                       NULL, 0, 0);
    if (client == NULL)
        return cli_error("demo");
    int rc = show_context("create_default_context(SERVER_AUTH): a client context", client);
    cssl_context_free(client);
    if (rc < 0)
        return cli_error("demo");
    printf("\n");
    cssl_context *server = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    if (server == NULL)
        return cli_error("demo");
    rc = show_context("SSLContext(PROTOCOL_TLS_SERVER): a server context", server);
    cssl_context_free(server);
    return rc < 0 ? cli_error("demo") : CLI_OK;
}
