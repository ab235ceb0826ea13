/*
 * server.c - `cssl server`: a real TLS server on one thread. This file
 * reads the flags and sets everything up (context, response, listening
 * socket, descriptor limit, signals); server_loop.c runs the epoll loop
 * and server_conn.c each connection. docs/cssl-server.md is the manual.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"

#define CMD "server"
#define DEFAULT_PORT 8443
#define DEFAULT_MAX_CONNS 10000
#define DEFAULT_IDLE_TIMEOUT 60.0
#define DEFAULT_SHUTDOWN_TIMEOUT 10.0
#define MAX_RESPONSE_FILE (64 * 1024 * 1024)
/* Descriptors kept for everything but connections (stdio, listener,
 * epoll, signalfd, the reserve, key log, OpenSSL's own files). */
#define SPARE_FDS 32

static const char usage_text[] =
    "usage: cssl server --cert FILE [--key FILE] [--port N] [options]\n"
    "\n"
    "Serve TLS: echo what each client sends (the default), or answer each\n"
    "client with a fixed response and close. One thread, non-blocking,\n"
    "thousands of clients at once; a slow or hostile client stalls nobody.\n"
    "Prints \"listening on HOST:PORT\" on stdout once ready, and one line per\n"
    "connection on stderr (peer, TLS version, cipher, ALPN, verified client,\n"
    "or the error). SIGINT/SIGTERM: stop accepting, answer what clients have\n"
    "sent, send close_notify, exit 0; a second signal exits at once.\n"
    "\n"
    "  --port N               TCP port (default 8443; 0: any free port)\n"
    "  --bind ADDR            address to listen on (default 127.0.0.1; :: for all)\n"
    "  --echo                 send back whatever each client sends (default)\n"
    "  --response TEXT        answer a client's first data with TEXT, then close\n"
    "  --response-file FILE   the same with the contents of FILE\n"
    "  --http                 answer each HTTP request (after its header) with\n"
    "                         \"HTTP/1.1 200 OK\" and the response as the body\n"
    "  --verify-client        require a client certificate, verified against\n"
    "                         --cafile/--capath (CERT_REQUIRED)\n"
    "  --num-tickets N        TLS 1.3 session tickets per handshake (default 2)\n"
    "  --max-connections N    connections at once (default 10000); more wait\n"
    "  --idle-timeout SECS    drop a connection idle that long (default 60)\n"
    "  --shutdown-timeout SECS  on SIGINT/SIGTERM, wait at most that long for\n"
    "                         replies in flight (default 10)\n"
    "  --quiet                no per-connection log lines\n"
    "  -h, --help             this text\n"
    "\n"
    "TLS options:\n" TLS_OPTIONS_HELP
    "\n"
    "Exit status: 0 after a graceful shutdown, 1 if the server cannot start\n"
    "(certificate, key, password, address in use), 2 for a bad command line.\n";

typedef struct server_opts {
    tls_opts tls;
    int port;
    const char *bind_addr;
    server_mode mode;
    bool echo_flag, http;
    const char *response_text, *response_file;
    bool verify_client;
    long num_tickets; /* -1: the library's default */
    long max_conns;
    double idle_timeout, shutdown_timeout;
    bool quiet;
} server_opts;

enum {
    OPT_PORT = 1,
    OPT_BIND,
    OPT_ECHO,
    OPT_RESPONSE,
    OPT_RESPONSE_FILE,
    OPT_HTTP,
    OPT_VERIFY_CLIENT,
    OPT_NUM_TICKETS,
    OPT_MAX_CONNS,
    OPT_IDLE_TIMEOUT,
    OPT_SHUTDOWN_TIMEOUT,
    OPT_QUIET,
    OPT_HELP = 'h',
};

static const struct option longopts[] = {
    {"port", required_argument, NULL, OPT_PORT},
    {"bind", required_argument, NULL, OPT_BIND},
    {"echo", no_argument, NULL, OPT_ECHO},
    {"response", required_argument, NULL, OPT_RESPONSE},
    {"response-file", required_argument, NULL, OPT_RESPONSE_FILE},
    {"http", no_argument, NULL, OPT_HTTP},
    {"verify-client", no_argument, NULL, OPT_VERIFY_CLIENT},
    {"num-tickets", required_argument, NULL, OPT_NUM_TICKETS},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNS},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    TLS_LONGOPTS,
    {NULL, 0, NULL, 0},
};

/* ---- command line ----------------------------------------------------------- */

static int parse_long(const char *flag, const char *arg, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (arg[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
        return cli_usage_error(CMD, "%s needs an integer from %ld to %ld, not '%s'", flag, min,
                               max, arg);
    *out = v;
    return CLI_OK;
}

static int parse_seconds(const char *flag, const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (arg[0] == '\0' || *end != '\0' || !isfinite(v) || v <= 0 || v > 86400.0 * 365)
        return cli_usage_error(CMD, "%s needs a positive number of seconds, not '%s'", flag,
                               arg);
    *out = v;
    return CLI_OK;
}

/* One flag of our own; CLI_OK or CLI_USAGE (after a message). */
static int parse_own(server_opts *o, int opt, const char *arg)
{
    long port;
    switch (opt) {
    case OPT_PORT:
        if (parse_long("--port", arg, 0, 65535, &port) != CLI_OK)
            return CLI_USAGE;
        o->port = (int)port;
        return CLI_OK;
    case OPT_BIND: o->bind_addr = arg; return CLI_OK;
    case OPT_ECHO: o->echo_flag = true; return CLI_OK;
    case OPT_RESPONSE: o->response_text = arg; return CLI_OK;
    case OPT_RESPONSE_FILE: o->response_file = arg; return CLI_OK;
    case OPT_HTTP: o->http = true; return CLI_OK;
    case OPT_VERIFY_CLIENT: o->verify_client = true; return CLI_OK;
    case OPT_NUM_TICKETS: return parse_long("--num-tickets", arg, 0, 1000, &o->num_tickets);
    case OPT_MAX_CONNS:
        return parse_long("--max-connections", arg, 1, 10000000, &o->max_conns);
    case OPT_IDLE_TIMEOUT: return parse_seconds("--idle-timeout", arg, &o->idle_timeout);
    case OPT_SHUTDOWN_TIMEOUT:
        return parse_seconds("--shutdown-timeout", arg, &o->shutdown_timeout);
    case OPT_QUIET: o->quiet = true; return CLI_OK;
    default: return CLI_USAGE;
    }
}

/* Combinations getopt cannot check. */
static int check_opts(server_opts *o)
{
    if (o->tls.cert == NULL)
        return cli_usage_error(CMD, "--cert is required");
    if (o->response_text && o->response_file)
        return cli_usage_error(CMD, "--response and --response-file exclude each other");
    bool fixed = o->response_text || o->response_file || o->http;
    if (o->echo_flag && fixed)
        return cli_usage_error(CMD, "--echo excludes --response, --response-file and --http");
    if (o->verify_client && !o->tls.cafile && !o->tls.capath)
        return cli_usage_error(CMD, "--verify-client needs --cafile or --capath");
    o->mode = o->http ? MODE_HTTP : fixed ? MODE_RESPONSE : MODE_ECHO;
    return CLI_OK;
}

/* CLI_OK to run, CLI_USAGE for an error, -1 after --help. */
static int parse_args(int argc, char **argv, server_opts *o)
{
    *o = (server_opts){.port = DEFAULT_PORT, .bind_addr = "127.0.0.1", .num_tickets = -1,
                       .max_conns = DEFAULT_MAX_CONNS, .idle_timeout = DEFAULT_IDLE_TIMEOUT,
                       .shutdown_timeout = DEFAULT_SHUTDOWN_TIMEOUT};
    opterr = 0;
    optind = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (opt == OPT_HELP) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (opt == '?')
            return cli_usage_error(CMD, "unrecognized option '%s'", argv[optind - 1]);
        if (opt == ':')
            return cli_usage_error(CMD, "option '%s' needs an argument", argv[optind - 1]);
        int t = tls_opts_parse(&o->tls, opt, optarg, CMD);
        if (t == CLI_USAGE)
            return CLI_USAGE;
        if (t == 0 && parse_own(o, opt, optarg) != CLI_OK)
            return CLI_USAGE;
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    return check_opts(o);
}

/* ---- setup ------------------------------------------------------------------- */

static int os_error(const char *what)
{
    fprintf(stderr, "cssl " CMD ": [Errno %d] %s: '%s'\n", errno, strerror(errno), what);
    return CLI_FAIL;
}

static int read_response_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return os_error(path);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            fclose(f);
            fprintf(stderr, "cssl " CMD ": out of memory reading '%s'\n", path);
            return CLI_FAIL;
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        if (cap >= MAX_RESPONSE_FILE) {
            free(buf);
            fclose(f);
            fprintf(stderr, "cssl " CMD ": '%s' is larger than %d bytes\n", path,
                    MAX_RESPONSE_FILE);
            return CLI_FAIL;
        }
        cap *= 2;
        char *bigger = realloc(buf, cap);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err != 0) {
        free(buf);
        errno = err;
        return os_error(path);
    }
    *data = buf;
    *len = n;
    return CLI_OK;
}

/* The bytes every client gets in the fixed-response modes. */
static int build_response(server *s, const server_opts *o)
{
    char *body = NULL;
    size_t body_len = 0;
    if (o->response_file) {
        if (read_response_file(o->response_file, &body, &body_len) != CLI_OK)
            return CLI_FAIL;
    } else {
        const char *text = o->response_text ? o->response_text : "Hello from cssl server\n";
        body_len = strlen(text);
        body = malloc(body_len + 1);
        if (body)
            memcpy(body, text, body_len + 1);
    }
    if (body == NULL)
        return fprintf(stderr, "cssl " CMD ": out of memory\n"), CLI_FAIL;
    if (o->mode != MODE_HTTP) {
        s->response = (unsigned char *)body;
        s->response_len = body_len;
        return CLI_OK;
    }
    char head[256];
    int hlen = snprintf(head, sizeof head,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                        body_len);
    s->response = malloc((size_t)hlen + body_len);
    if (s->response == NULL) {
        free(body);
        return fprintf(stderr, "cssl " CMD ": out of memory\n"), CLI_FAIL;
    }
    memcpy(s->response, head, (size_t)hlen);
    memcpy(s->response + hlen, body, body_len);
    s->response_len = (size_t)hlen + body_len;
    free(body);
    return CLI_OK;
}

/* Python's way for a server: create_default_context(Purpose.CLIENT_AUTH). */
static cssl_context *make_context(const server_opts *o)
{
    cssl_context *ctx =
        cssl_create_default_context(CSSL_PURPOSE_CLIENT_AUTH, NULL, NULL, NULL, 0, 0);
    if (ctx == NULL) {
        cli_error(CMD);
        return NULL;
    }
    if (o->verify_client && cssl_context_set_verify_mode(ctx, CSSL_CERT_REQUIRED) < 0)
        goto fail;
    if (o->num_tickets >= 0 && cssl_context_set_num_tickets(ctx, o->num_tickets) < 0)
        goto fail;
    if (tls_opts_apply(&o->tls, ctx, CMD) != CLI_OK) {
        cssl_context_free(ctx);
        return NULL;
    }
    return ctx;
fail:
    cli_error(CMD);
    cssl_context_free(ctx);
    return NULL;
}

/* Bind and listen; the address actually bound goes into shown. */
static int listen_on(const server_opts *o, char *shown, size_t size)
{
    char service[16], wanted[300];
    snprintf(service, sizeof service, "%d", o->port);
    snprintf(wanted, sizeof wanted, strchr(o->bind_addr, ':') ? "[%s]:%d" : "%s:%d",
             o->bind_addr, o->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(o->bind_addr, service, &hints, &res);
    if (gai != 0) {
        fprintf(stderr, "cssl " CMD ": %s: %s\n", o->bind_addr, gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        os_error(wanted);
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        os_error(wanted);
        close(fd);
        return -1;
    }
    server_format_addr(&addr, shown, size);
    return fd;
}

/* Every connection is a descriptor: raise the soft limit as far as the
 * hard one allows, and serve fewer connections at once if it is too low. */
static void fit_descriptor_limit(server *s)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t need = (rlim_t)s->max_conns + SPARE_FDS;
    if (rl.rlim_cur < need && rl.rlim_cur != RLIM_INFINITY) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rlim_t spare = rl.rlim_cur / 2 < SPARE_FDS ? rl.rlim_cur / 2 : SPARE_FDS;
        size_t fit = rl.rlim_cur > spare ? (size_t)(rl.rlim_cur - spare) : 1;
        server_log(s, "note: at most %zu connections at once (open file limit %llu)", fit,
                   (unsigned long long)rl.rlim_cur);
        s->max_conns = fit;
    }
}

/* The mask stays set until exit: a late signal must not kill us with the
 * default action after a graceful shutdown. */
static int setup_signals(server *s)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-write is an EPIPE, not a crash */
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    s->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return s->sig_fd < 0 ? -1 : 0;
}

static int64_t seconds_to_ms(double seconds)
{
    int64_t ms = (int64_t)(seconds * 1000.0);
    return ms > 0 ? ms : 1;
}

static void server_free(server *s)
{
    int fds[] = {s->listen_fd, s->sig_fd, s->epfd, s->reserve_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    cssl_context_free(s->ctx);
    free(s->response);
    free(s);
}

int cli_server(int argc, char **argv)
{
    server_opts o;
    int parsed = parse_args(argc, argv, &o);
    if (parsed != CLI_OK)
        return parsed < 0 ? CLI_OK : CLI_USAGE;

    server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return fprintf(stderr, "cssl " CMD ": out of memory\n"), CLI_FAIL;
    s->listen_fd = s->sig_fd = s->epfd = s->reserve_fd = -1;
    s->mode = o.mode;
    s->quiet = o.quiet;
    s->max_conns = (size_t)o.max_conns;
    s->idle.timeout_ms = seconds_to_ms(o.idle_timeout);
    s->linger.timeout_ms = s->idle.timeout_ms < 2000 ? s->idle.timeout_ms : 2000;
    s->shutdown_ms = seconds_to_ms(o.shutdown_timeout);

    int status = CLI_FAIL;
    char shown[80];
    s->ctx = make_context(&o);
    if (s->ctx == NULL || (s->mode != MODE_ECHO && build_response(s, &o) != CLI_OK))
        goto done;
    fit_descriptor_limit(s);
    s->listen_fd = listen_on(&o, shown, sizeof shown);
    if (s->listen_fd < 0)
        goto done;
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (s->epfd < 0 || setup_signals(s) != 0) {
        fprintf(stderr, "cssl " CMD ": [Errno %d] %s\n", errno, strerror(errno));
        goto done;
    }
    printf("listening on %s\n", shown);
    fflush(stdout);
    status = server_run(s);
done:
    server_free(s);
    return status;
}
