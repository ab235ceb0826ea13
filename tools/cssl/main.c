/*
 * main.c - the cssl command: dispatch to subcommands.
 * Exit codes for every subcommand: 0 ok, 1 TLS (or I/O) failure, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"demo", cli_demo, "a verified TLS 1.3 connection over loopback, explained"},
    {"client", cli_client, "connect to HOST:PORT with Python's defaults (like s_client)"},
    {"server", cli_server, "serve TLS: echo or a fixed response, many clients at once"},
    {"cert", cli_cert, "fetch and decode a server's certificate, or a certificate file"},
    {"mkcert", cli_mkcert, "make a local CA and leaf certificates for tests and demos"},
    {"ciphers", cli_ciphers, "list a context's ciphers (get_ciphers) as a table or JSON"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: cssl <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'cssl <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("cssl %s (%s)\n", cssl_version(), cssl_openssl_version());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "cssl: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
