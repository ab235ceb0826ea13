/* cli.h - shared by the cssl subcommands. */
#ifndef CSSL_CLI_H
#define CSSL_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "cssl.h"

#define CLI_OK 0
#define CLI_FAIL 1  /* TLS or I/O failure */
#define CLI_USAGE 2 /* bad command line */

/* Print "cssl <cmd>: <library error message>" to stderr; returns CLI_FAIL. */
int cli_error(const char *cmd);

/* Print "cssl <cmd>: <message>" and a pointer to --help; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The TLS settings shared by client and server, from their flags. */
typedef struct tls_opts {
    const char *cafile, *capath;   /* trust anchors */
    const char *cert, *key;        /* our certificate chain and key */
    const char *password;          /* for an encrypted key */
    const char *alpn;              /* comma-separated protocols */
    const char *ciphers;           /* TLS 1.2 cipher string */
    const char *keylog;            /* NSS key log file */
    int min_version, max_version;  /* CSSL_TLSVERSION_*, 0 = default */
} tls_opts;

/* getopt_long entries for the shared flags (ids >= 1000), to append to a
 * subcommand's own table; TLS_LONGOPTS_COUNT of them. */
#define TLS_LONGOPTS                                                           \
    {"cafile", required_argument, NULL, 1000}, {"capath", required_argument, NULL, 1001},  \
        {"cert", required_argument, NULL, 1002}, {"key", required_argument, NULL, 1003},   \
        {"password", required_argument, NULL, 1004},                                       \
        {"alpn", required_argument, NULL, 1005}, {"ciphers", required_argument, NULL, 1006}, \
        {"keylog", required_argument, NULL, 1007},                                         \
        {"min-version", required_argument, NULL, 1008},                                    \
        {"max-version", required_argument, NULL, 1009}

#define TLS_OPTIONS_HELP                                                       \
    "  --cafile FILE        trust the CA certificates in FILE (PEM)\n"         \
    "  --capath DIR         trust the CA certificates in hashed directory DIR\n" \
    "  --cert FILE          our certificate chain (PEM, leaf first)\n"         \
    "  --key FILE           our private key (PEM; default: in --cert)\n"       \
    "  --password PASS      password of an encrypted --key\n"                  \
    "  --alpn P1,P2         ALPN protocols, in preference order\n"             \
    "  --ciphers STRING     TLS 1.2 cipher string (OpenSSL syntax)\n"          \
    "  --keylog FILE        append TLS secrets to FILE (for Wireshark)\n"      \
    "  --min-version V      lowest TLS version: 1.2 or 1.3\n"                  \
    "  --max-version V      highest TLS version: 1.2 or 1.3\n"

/*
 * Handle one shared flag: returns 1 if opt was one (stored in o), 0 if
 * not, CLI_USAGE (after a message) for a bad value.
 */
int tls_opts_parse(tls_opts *o, int opt, const char *arg, const char *cmd);

/* Apply o to ctx (certificates, trust, ALPN, ciphers, versions, key log);
 * CLI_OK or CLI_FAIL after printing the library's message. */
int tls_opts_apply(const tls_opts *o, cssl_context *ctx, const char *cmd);

/* "host:port", "[v6]:port" → host (copied into buf) and port. */
int parse_host_port(const char *text, char *host, size_t size, int *port);

/* Connect a TCP socket (any address family) to host:port; -1 after
 * printing an error. */
int tcp_connect_host(const char *host, int port, const char *cmd);

int cli_demo(int argc, char **argv);
int cli_client(int argc, char **argv);
int cli_server(int argc, char **argv);
int cli_cert(int argc, char **argv);
int cli_mkcert(int argc, char **argv);
int cli_ciphers(int argc, char **argv);

#endif
