/*
 * client.c - `cssl client HOST:PORT`: like `openssl s_client`, but with
 * Python's defaults (verification and hostname checking on). Standard input
 * goes to the peer, the peer's data to standard output; the report of the
 * handshake goes to standard error (or as JSON to standard output).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

typedef struct client_opts {
    tls_opts tls;
    const char *servername;
    const char *sess_in, *sess_out;
    bool insecure, json, handshake_only, quiet;
    double timeout;
    char host[256];
    int port;
} client_opts;

static const char usage_text[] =
    "usage: cssl client [options] HOST:PORT\n\n"
    "Connect with Python's create_default_context() defaults: TLS 1.2 minimum,\n"
    "certificate verification against the system CAs (or --cafile/--capath) and\n"
    "hostname checking. Standard input goes to the server, the server's data to\n"
    "standard output; a report of the handshake goes to standard error.\n\n"
    "  --servername NAME    name for SNI and the hostname check (default: HOST)\n"
    "  --insecure           do NOT verify the server (CERT_NONE, no hostname check)\n"
    "  --sess-out FILE      save the session (DER) for a later --sess-in\n"
    "  --sess-in FILE       offer a saved session for resumption\n"
    "  --timeout SECONDS    deadline for connect and each TLS operation\n"
    "  --handshake-only     handshake, report, close (no data)\n"
    "  --json               print the report as JSON on standard output\n"
    "  --quiet              no report\n" TLS_OPTIONS_HELP
    "\nexit status: 0 ok, 1 connection or TLS failure, 2 usage error\n";

static int parse(int argc, char **argv, client_opts *o)
{
    static const struct option longopts[] = {
        {"servername", required_argument, NULL, 's'},
        {"insecure", no_argument, NULL, 'k'},
        {"sess-out", required_argument, NULL, 'o'},
        {"sess-in", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 't'},
        {"handshake-only", no_argument, NULL, 'H'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        TLS_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    o->timeout = -1;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
        int r = tls_opts_parse(&o->tls, c, optarg, "client");
        if (r == CLI_USAGE)
            return CLI_USAGE;
        if (r == 1)
            continue;
        switch (c) {
        case 's': o->servername = optarg; break;
        case 'k': o->insecure = true; break;
        case 'o': o->sess_out = optarg; break;
        case 'i': o->sess_in = optarg; break;
        case 't': {
            char *end;
            o->timeout = strtod(optarg, &end);
            if (*end || o->timeout <= 0)
                return cli_usage_error("client", "bad --timeout '%s'", optarg);
            break;
        }
        case 'H': o->handshake_only = true; break;
        case 'j': o->json = true; break;
        case 'q': o->quiet = true; break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: return cli_usage_error("client", "bad option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("client", "expected one HOST:PORT argument");
    if (parse_host_port(argv[optind], o->host, sizeof o->host, &o->port) < 0)
        return cli_usage_error("client", "bad address '%s' (expected HOST:PORT)", argv[optind]);
    return CLI_OK;
}

static cssl_context *make_context(const client_opts *o)
{
    cssl_context *ctx;
    if (o->insecure) {
        fprintf(stderr, "cssl client: WARNING: --insecure: the server's certificate and name "
                        "are NOT verified\n");
        ctx = cssl_create_unverified_context(CSSL_PURPOSE_SERVER_AUTH);
    } else if (o->tls.cafile || o->tls.capath) {
        /* As Python's create_default_context(cafile=...): only these CAs. */
        ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, o->tls.cafile, o->tls.capath,
                                          NULL, 0, 0);
    } else {
        ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL, NULL, 0, 0);
    }
    if (ctx == NULL)
        return NULL;
    tls_opts rest = o->tls;
    rest.cafile = rest.capath = NULL; /* loaded above */
    if (tls_opts_apply(&rest, ctx, "client") != CLI_OK) {
        cssl_context_free(ctx);
        return NULL;
    }
    return ctx;
}

static cssl_session *load_session(cssl_context *ctx, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cssl client: [Errno %d] %s: '%s'\n", errno, strerror(errno), path);
        return NULL;
    }
    unsigned char buf[16384];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cssl_session *s = cssl_session_from_der(ctx, buf, n);
    if (s == NULL)
        cli_error("client");
    return s;
}

static int save_session(cssl_conn *conn, const char *path)
{
    cssl_session *s = cssl_conn_get_session(conn);
    size_t len = 0;
    uint8_t *der = s ? cssl_session_to_der(s, &len) : NULL;
    cssl_session_free(s);
    if (der == NULL) {
        fprintf(stderr, "cssl client: no session to save\n");
        return CLI_FAIL;
    }
    FILE *f = fopen(path, "wb");
    int rc = f && fwrite(der, 1, len, f) == len ? CLI_OK : CLI_FAIL;
    if (f && fclose(f) != 0)
        rc = CLI_FAIL;
    if (rc != CLI_OK)
        fprintf(stderr, "cssl client: cannot write '%s': %s\n", path, strerror(errno));
    cssl_free(der);
    return rc;
}

static void report(const client_opts *o, cssl_conn *conn, const char *name)
{
    const char *protocol = NULL;
    int bits = 0;
    const char *cipher = cssl_conn_cipher(conn, &protocol, &bits);
    const char *alpn = cssl_conn_selected_alpn_protocol(conn);
    uint8_t *der = NULL;
    size_t len = 0;
    cssl_conn_getpeercert_der(conn, &der, &len);
    cssl_cert *peer = der ? cssl_cert_from_der(der, len) : NULL;
    cssl_free(der);
    bool reused = cssl_conn_session_reused(conn);
    if (o->json) {
        json j;
        json_init(&j, stdout);
        json_object_begin(&j);
        json_key(&j, "host");
        json_string(&j, o->host);
        json_key(&j, "port");
        json_int(&j, o->port);
        json_key(&j, "server_hostname");
        json_string(&j, cssl_conn_server_hostname(conn));
        json_key(&j, "version");
        json_string(&j, cssl_conn_version(conn));
        json_key(&j, "cipher");
        json_string(&j, cipher);
        json_key(&j, "secret_bits");
        json_int(&j, bits);
        json_key(&j, "alpn");
        json_string(&j, alpn);
        json_key(&j, "verified");
        json_bool(&j, !o->insecure);
        json_key(&j, "session_reused");
        json_bool(&j, reused);
        json_key(&j, "peercert");
        char *text = peer ? cssl_cert_to_json(peer) : NULL;
        if (text)
            json_raw(&j, text);
        else
            json_null(&j);
        cssl_free(text);
        json_object_end(&j);
        fputc('\n', stdout);
        fflush(stdout);
    } else if (!o->quiet) {
        char *subject = peer ? cssl_cert_subject_rfc2253(peer) : NULL;
        fprintf(stderr, "cssl client: connected to %s:%d (%s)\n", o->host, o->port, name);
        fprintf(stderr, "cssl client: %s, %s (%d-bit), ALPN %s, %s\n", cssl_conn_version(conn),
                cipher, bits, alpn ? alpn : "none",
                reused ? "session resumed" : "full handshake");
        fprintf(stderr, "cssl client: peer %s%s\n", subject ? subject : "(no certificate)",
                o->insecure ? " -- NOT verified (--insecure)" : ", verified");
        cssl_free(subject);
    }
    cssl_cert_free(peer);
}

/* Copy stdin to the peer and the peer to stdout until both are done. */
static int relay(cssl_conn *conn)
{
    bool in_open = true, closing = false;
    char buf[16384];
    for (;;) {
        /* Data OpenSSL already decrypted does not show up in poll. */
        while (cssl_conn_pending(conn) > 0) {
            ssize_t n = cssl_conn_read(conn, buf, sizeof buf);
            if (n > 0 && fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
                return CLI_FAIL;
        }
        fflush(stdout);
        struct pollfd p[2] = {{.fd = cssl_conn_fileno(conn), .events = POLLIN},
                              {.fd = 0, .events = POLLIN}};
        if (poll(p, in_open ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return CLI_FAIL;
        }
        if (p[0].revents) {
            ssize_t n = cssl_conn_read(conn, buf, sizeof buf);
            if (n == 0)
                return CLI_OK; /* the peer's close_notify (or, ragged, its EOF) */
            if (n == CSSL_EWANT_READ || n == CSSL_EWANT_WRITE)
                continue;
            if (n < 0)
                return cli_error("client");
            if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
                return CLI_FAIL;
        }
        if (in_open && p[1].revents) {
            ssize_t n = read(0, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                in_open = false;
                closing = true;
            } else if (cssl_conn_sendall(conn, buf, (size_t)n, NULL) < 0) {
                return cli_error("client");
            }
        }
        if (closing) {
            /* Our close_notify; the peer's arrives as read() == 0, after
             * whatever it still had to send. */
            closing = false;
            int rc = cssl_conn_close_notify(conn);
            if (rc == CSSL_EWANT_WRITE)
                closing = true;
            else if (rc < 0)
                return cli_error("client");
        }
    }
}

int cli_client(int argc, char **argv)
{
    client_opts o = {0};
    int parsed = parse(argc, argv, &o);
    if (parsed != CLI_OK)
        return parsed < 0 ? CLI_OK : parsed;
    cssl_context *ctx = make_context(&o);
    if (ctx == NULL)
        return cssl_error_status() ? cli_error("client") : CLI_USAGE;
    int status = CLI_FAIL;
    cssl_session *session = NULL;
    cssl_conn *conn = NULL;
    if (o.sess_in && (session = load_session(ctx, o.sess_in)) == NULL)
        goto done;
    int fd = tcp_connect_host(o.host, o.port, "client");
    if (fd < 0)
        goto done;
    const char *name = o.servername ? o.servername : o.host;
    conn = cssl_context_wrap_socket(ctx, fd, CSSL_CLOSE_FD, name, session);
    if (conn == NULL) {
        close(fd);
        cli_error("client");
        goto done;
    }
    if (cssl_conn_set_timeout(conn, o.timeout) < 0 || cssl_conn_do_handshake(conn) < 0) {
        cli_error("client");
        goto done;
    }
    report(&o, conn, name);
    if (o.handshake_only) {
        /* The closing exchange also takes in the TLS 1.3 session tickets
         * the server sent after its Finished, which --sess-out needs. A
         * peer that does not answer close_notify is not an error here. */
        cssl_conn_unwrap(conn);
        status = CLI_OK;
    } else {
        cssl_conn_set_timeout(conn, 0);
        status = relay(conn);
    }
    if (status == CLI_OK && o.sess_out)
        status = save_session(conn, o.sess_out);
done:
    cssl_conn_free(conn);
    cssl_session_free(session);
    cssl_context_free(ctx);
    return status;
}
