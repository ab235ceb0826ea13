/* common.c - helpers shared by the subcommands: errors, TLS flags, TCP. */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

int cli_error(const char *cmd)
{
    fprintf(stderr, "cssl %s: %s\n", cmd, cssl_error_message());
    return CLI_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "cssl %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see cssl %s --help)\n", cmd);
    return CLI_USAGE;
}

static int parse_version(const char *s)
{
    if (strcmp(s, "1.2") == 0 || strcmp(s, "TLSv1.2") == 0)
        return CSSL_TLSVERSION_TLSv1_2;
    if (strcmp(s, "1.3") == 0 || strcmp(s, "TLSv1.3") == 0)
        return CSSL_TLSVERSION_TLSv1_3;
    return 0;
}

int tls_opts_parse(tls_opts *o, int opt, const char *arg, const char *cmd)
{
    switch (opt) {
    case 1000: o->cafile = arg; return 1;
    case 1001: o->capath = arg; return 1;
    case 1002: o->cert = arg; return 1;
    case 1003: o->key = arg; return 1;
    case 1004: o->password = arg; return 1;
    case 1005: o->alpn = arg; return 1;
    case 1006: o->ciphers = arg; return 1;
    case 1007: o->keylog = arg; return 1;
    case 1008:
    case 1009: {
        int v = parse_version(arg);
        if (v == 0)
            return cli_usage_error(cmd, "unknown TLS version '%s' (use 1.2 or 1.3)", arg);
        *(opt == 1008 ? &o->min_version : &o->max_version) = v;
        return 1;
    }
    default: return 0;
    }
}

static int apply_alpn(cssl_context *ctx, const char *list)
{
    char *copy = strdup(list);
    const char *names[64];
    size_t n = 0;
    if (copy == NULL)
        return -1;
    for (char *save = NULL, *p = strtok_r(copy, ",", &save); p && n < 64;
         p = strtok_r(NULL, ",", &save))
        names[n++] = p;
    int rc = cssl_context_set_alpn_protocols(ctx, names, n);
    free(copy);
    return rc;
}

int tls_opts_apply(const tls_opts *o, cssl_context *ctx, const char *cmd)
{
    if ((o->cafile || o->capath) &&
        cssl_context_load_verify_locations(ctx, o->cafile, o->capath, NULL, 0, 0) < 0)
        return cli_error(cmd);
    if (o->key && !o->cert)
        return fprintf(stderr, "cssl %s: --key needs --cert\n", cmd), CLI_USAGE;
    if (o->cert && cssl_context_load_cert_chain(ctx, o->cert, o->key, o->password) < 0)
        return cli_error(cmd);
    if (o->alpn && apply_alpn(ctx, o->alpn) < 0)
        return cli_error(cmd);
    if (o->ciphers && cssl_context_set_ciphers(ctx, o->ciphers) < 0)
        return cli_error(cmd);
    if (o->min_version && cssl_context_set_minimum_version(ctx, o->min_version) < 0)
        return cli_error(cmd);
    if (o->max_version && cssl_context_set_maximum_version(ctx, o->max_version) < 0)
        return cli_error(cmd);
    if (o->keylog && cssl_context_set_keylog_filename(ctx, o->keylog) < 0)
        return cli_error(cmd);
    return CLI_OK;
}

int parse_host_port(const char *text, char *host, size_t size, int *port)
{
    const char *colon;
    size_t hlen;
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        hlen = (size_t)(end - text - 1);
        text++;
        colon = end + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL)
            return -1;
        hlen = (size_t)(colon - text);
    }
    char *endp;
    long p = strtol(colon + 1, &endp, 10);
    if (hlen == 0 || hlen >= size || *endp != '\0' || p < 1 || p > 65535)
        return -1;
    memcpy(host, text, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    return 0;
}

int tcp_connect_host(const char *host, int port, const char *cmd)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        fprintf(stderr, "cssl %s: %s: %s\n", cmd, host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "cssl %s: [Errno %d] %s: %s:%d\n", cmd, err, strerror(err), host, port);
    return fd;
}
