/*
 * interop/peer.h - helpers shared by the interop units (test_interop_*.c):
 * a real TLS peer (openssl s_server/s_client, gnutls-serv/gnutls-cli, a
 * Python ssl script) run as a child process, and the cssl side of a TCP
 * connection to or from it.
 *
 * A peer is fork/exec'd without a shell, stdin on a pipe we write, stdout
 * and stderr on one pipe that a reader thread drains into a buffer (so a
 * chatty peer never blocks on a full pipe while we are blocked in TLS I/O).
 * Synchronisation is on real events only: a line the peer prints (waited
 * for on a condition variable; the timeout is a failure guard, never a
 * delay), the peer's exit (EOF on its output), accept()/connect().
 * Every peer is reaped: peer_finish()/peer_stop() normally, and an atexit
 * handler kills and reaps any left when a test aborts; the child also gets
 * SIGKILL if the test process dies (PR_SET_PDEATHSIG).
 *
 * Everything is static (inline) so that each unit compiles only what it uses.
 */
#ifndef CSSL_TEST_INTEROP_PEER_H
#define CSSL_TEST_INTEROP_PEER_H

#include "tls_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long a peer gets to print what we wait for, or to exit: a guard
 * against hangs, not a synchronisation delay. */
#define PEER_TIMEOUT 15.0

typedef struct peer {
    const char *name;
    pid_t pid;
    int in_fd;  /* our end of the child's stdin, -1 once closed */
    int out_fd; /* our end of its stdout+stderr (the reader thread's) */
    pthread_t reader;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *buf; /* everything the peer printed, NUL-terminated */
    size_t len, cap;
    size_t cursor; /* where the next peer_expect() starts looking */
    bool eof;
    bool reaped;
    int status; /* exit code, or 128 + signal */
} peer;

#define PEER_MAX 16
static peer *peer_live[PEER_MAX];

static inline void peer_forget(peer *p)
{
    for (int i = 0; i < PEER_MAX; i++)
        if (peer_live[i] == p)
            peer_live[i] = NULL;
}

/* atexit: a test that aborted (REQUIRE) leaves no child behind. */
static inline void peer_reap_all(void)
{
    for (int i = 0; i < PEER_MAX; i++) {
        peer *p = peer_live[i];
        if (p == NULL || p->reaped)
            continue;
        kill(p->pid, SIGKILL);
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        p->reaped = true;
        peer_live[i] = NULL;
    }
}

static inline double peer_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void *peer_reader(void *arg)
{
    peer *p = arg;
    char chunk[8192];
    for (;;) {
        ssize_t n = read(p->out_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        pthread_mutex_lock(&p->mu);
        if (n <= 0) {
            p->eof = true;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        if (p->len + (size_t)n + 1 > p->cap) {
            size_t cap = p->cap * 2 > p->len + (size_t)n + 1 ? p->cap * 2 : p->len + (size_t)n + 1;
            char *nb = realloc(p->buf, cap);
            if (nb == NULL) {
                pthread_mutex_unlock(&p->mu);
                abort();
            }
            p->buf = nb;
            p->cap = cap;
        }
        memcpy(p->buf + p->len, chunk, (size_t)n);
        p->len += (size_t)n;
        p->buf[p->len] = '\0';
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Start argv[0] (looked up on PATH) as a peer named name. */
static inline void peer_start(peer *p, const char *name, const char *const *argv)
{
    static bool registered;
    if (!registered) {
        atexit(peer_reap_all);
        /* Writing to the stdin pipe of a peer that has exited must be an
         * EPIPE we report, not a SIGPIPE that kills the test. (cssl's own
         * socket writes never raise SIGPIPE: they use MSG_NOSIGNAL.) */
        signal(SIGPIPE, SIG_IGN);
        registered = true;
    }
    memset(p, 0, sizeof *p);
    p->name = name;
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], (char *const *)argv);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->pid = pid;
    p->in_fd = in[1];
    p->out_fd = out[0];
    p->cap = 4096;
    p->buf = calloc(1, p->cap);
    REQUIRE(p->buf != NULL);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    REQUIRE(pthread_create(&p->reader, NULL, peer_reader, p) == 0);
    for (int i = 0; i < PEER_MAX; i++)
        if (peer_live[i] == NULL) {
            peer_live[i] = p;
            break;
        }
}

static inline void peer_dump(peer *p)
{
    pthread_mutex_lock(&p->mu);
    fprintf(stderr, "---- output of %s (%zu bytes) ----\n%s\n---- end of %s ----\n", p->name,
            p->len, p->buf, p->name);
    pthread_mutex_unlock(&p->mu);
}

/*
 * Wait until the peer has printed a line containing needle (after the
 * cursor); copy that whole line (without the newline) into line if given
 * and move the cursor past it. False if the peer exits or the timeout
 * passes first.
 */
static inline bool peer_expect_line(peer *p, const char *needle, char *line, size_t size)
{
    double deadline = peer_now() + PEER_TIMEOUT;
    bool found = false;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        char *hit = strstr(p->buf + p->cursor, needle);
        char *end = hit ? strchr(hit, '\n') : NULL;
        if (hit && (end || p->eof)) {
            char *start = hit;
            while (start > p->buf + p->cursor && start[-1] != '\n')
                start--;
            size_t n = end ? (size_t)(end - start) : strlen(start);
            if (line) {
                size_t c = n < size - 1 ? n : size - 1;
                memcpy(line, start, c);
                line[c] = '\0';
                if (c > 0 && line[c - 1] == '\r')
                    line[c - 1] = '\0';
            }
            p->cursor = (size_t)((end ? end + 1 : start + n) - p->buf);
            found = true;
            break;
        }
        if (p->eof)
            break;
        double left = deadline - peer_now();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + left;
        ts.tv_sec = (time_t)t;
        ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
    if (!found) {
        harness_fail(__FILE__, __LINE__, "%s never printed \"%s\"", p->name, needle);
        peer_dump(p);
    }
    return found;
}

#define peer_expect(p, needle) peer_expect_line((p), (needle), NULL, 0)

/*
 * The rest of the next line that starts with prefix ("0 version "), into
 * value; REQUIREs it (the peer's protocol is ours, so a missing line means
 * the test cannot go on).
 */
static inline const char *peer_value(peer *p, const char *prefix, char *value, size_t size)
{
    char line[8192];
    size_t plen = strlen(prefix);
    double deadline = peer_now() + PEER_TIMEOUT;
    while (peer_now() < deadline) {
        if (!peer_expect_line(p, prefix, line, sizeof line))
            harness_abort();
        if (strncmp(line, prefix, plen) == 0) {
            size_t n = strlen(line + plen);
            n = n < size - 1 ? n : size - 1;
            memcpy(value, line + plen, n);
            value[n] = '\0';
            return value;
        }
    }
    harness_fail(__FILE__, __LINE__, "%s: no line starting with \"%s\"", p->name, prefix);
    harness_abort();
}

/* Whether the peer's whole output so far contains text. */
static inline bool peer_output_has(peer *p, const char *text)
{
    pthread_mutex_lock(&p->mu);
    bool has = strstr(p->buf, text) != NULL;
    pthread_mutex_unlock(&p->mu);
    return has;
}

/* A copy of everything printed so far (caller frees). */
static inline char *peer_output(peer *p)
{
    pthread_mutex_lock(&p->mu);
    char *copy = strdup(p->buf);
    pthread_mutex_unlock(&p->mu);
    REQUIRE(copy != NULL);
    return copy;
}

/* Write to the peer's stdin (all of it). */
static inline void peer_write(peer *p, const void *data, size_t len)
{
    const char *d = data;
    REQUIRE(p->in_fd >= 0);
    while (len > 0) {
        ssize_t n = write(p->in_fd, d, len);
        if (n < 0 && errno == EINTR)
            continue;
        REQUIRE(n > 0);
        d += n;
        len -= (size_t)n;
    }
}

static inline void peer_close_stdin(peer *p)
{
    if (p->in_fd >= 0)
        close(p->in_fd);
    p->in_fd = -1;
}

/* Wait (up to the guard timeout) for the output to end, i.e. the peer to
 * exit. */
static inline bool peer_wait_eof(peer *p, double timeout)
{
    double deadline = peer_now() + timeout;
    pthread_mutex_lock(&p->mu);
    while (!p->eof) {
        double left = deadline - peer_now();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + left;
        ts.tv_sec = (time_t)t;
        ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    bool eof = p->eof;
    pthread_mutex_unlock(&p->mu);
    return eof;
}

static inline void peer_reap(peer *p)
{
    if (p->reaped)
        return;
    int st = 0;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
        ;
    p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    p->reaped = true;
    peer_forget(p);
}

static inline void peer_release(peer *p)
{
    pthread_join(p->reader, NULL);
    close(p->out_fd);
    peer_close_stdin(p);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->buf);
    p->buf = NULL;
}

/*
 * The peer should exit by itself now (its stdin is closed first): wait
 * for it and return its exit status. One that does not exit in time is
 * killed, which fails the test.
 */
static inline int peer_finish(peer *p)
{
    peer_close_stdin(p);
    if (!peer_wait_eof(p, PEER_TIMEOUT)) {
        harness_fail(__FILE__, __LINE__, "%s did not exit; killing it", p->name);
        peer_dump(p);
        kill(p->pid, SIGKILL);
    }
    peer_reap(p);
    return p->status;
}

/* Stop a server that runs until killed (SIGTERM, then SIGKILL). */
static inline void peer_stop(peer *p)
{
    if (!p->reaped) {
        kill(p->pid, SIGTERM);
        if (!peer_wait_eof(p, PEER_TIMEOUT))
            kill(p->pid, SIGKILL);
        peer_reap(p);
    }
}

/* Free what peer_finish/peer_stop left (call after either). */
static inline void peer_free(peer *p)
{
    if (!p->reaped)
        peer_stop(p);
    peer_release(p);
}

/*
 * The IPv4 port a peer listens on, from /proc (for servers that do not
 * print it, e.g. gnutls-serv --port 0). Call after the peer said it
 * listens. 0 if not found.
 */
static inline int peer_listen_port(const peer *p)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)p->pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return 0;
    unsigned long inodes[32];
    int ninodes = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && ninodes < 32) {
        char link[320], target[128];
        snprintf(link, sizeof link, "%s/%s", path, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        unsigned long ino;
        if (sscanf(target, "socket:[%lu]", &ino) == 1)
            inodes[ninodes++] = ino;
    }
    closedir(d);
    FILE *f = fopen("/proc/net/tcp", "r");
    if (f == NULL)
        return 0;
    char line[512];
    int port = 0;
    while (port == 0 && fgets(line, sizeof line, f)) {
        unsigned local_port, state;
        unsigned long ino;
        if (sscanf(line, " %*d: %*x:%x %*x:%*x %x %*x:%*x %*x:%*x %*x %*u %*u %lu", &local_port,
                   &state, &ino) != 3)
            continue;
        for (int i = 0; i < ninodes; i++)
            if (inodes[i] == ino && state == 0x0A)
                port = (int)local_port;
    }
    fclose(f);
    return port;
}

/* ---- the cssl side ------------------------------------------------------ */

/* Byte k of a test payload: a known pattern that differs per seed. */
static inline unsigned char payload_byte(size_t k, unsigned seed)
{
    return (unsigned char)((k * 31 + seed * 7 + (k >> 8)) % 251);
}

static inline unsigned char *payload(size_t len, unsigned seed)
{
    unsigned char *b = malloc(len ? len : 1);
    REQUIRE(b != NULL);
    for (size_t k = 0; k < len; k++)
        b[k] = payload_byte(k, seed);
    return b;
}

/*
 * A printable payload for peers that show what they receive on their
 * output or read what they send from their input (openssl, gnutls): digits
 * in lines of 64 (the last line ends in a newline too), so no chunk of it
 * can start one of their one-letter stdin commands. NUL-terminated;
 * caller frees.
 */
static inline char *text_payload(size_t len, unsigned seed)
{
    char *b = malloc(len + 1);
    REQUIRE(b != NULL);
    /* Pseudo-random digits (an LCG), so that any 40 of them are unique. */
    uint32_t state = 0x9e3779b9u * (seed + 1);
    for (size_t k = 0; k < len; k++) {
        state = state * 1664525u + 1013904223u;
        b[k] = k % 65 == 64 || k + 1 == len ? '\n' : (char)('0' + (state >> 16) % 10);
    }
    b[len] = '\0';
    return b;
}

/* Read exactly len bytes; false (with a failure recorded) otherwise. */
static inline bool conn_read_exact(cssl_conn *c, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = cssl_conn_read(c, (char *)buf + got, len - got);
        if (n <= 0) {
            harness_fail(__FILE__, __LINE__, "read after %zu of %zu bytes: %zd %s", got, len, n,
                         cssl_error_message());
            return false;
        }
        got += (size_t)n;
    }
    return true;
}

/* Read len bytes and check they are payload(len, seed). */
static inline void conn_expect_payload(cssl_conn *c, size_t len, unsigned seed)
{
    unsigned char *b = malloc(len ? len : 1);
    REQUIRE(b != NULL);
    if (conn_read_exact(c, b, len)) {
        size_t k = 0;
        while (k < len && b[k] == payload_byte(k, seed))
            k++;
        if (k != len)
            harness_fail(__FILE__, __LINE__, "payload differs at byte %zu of %zu", k, len);
    }
    free(b);
}

static inline void conn_send_bytes(cssl_conn *c, const void *b, size_t len)
{
    size_t sent = 0;
    int rc = cssl_conn_sendall(c, b, len, &sent);
    if (rc != CSSL_OK)
        harness_fail(__FILE__, __LINE__, "sendall: %d %s", rc, cssl_error_message());
    CHECK_INT(sent, len);
}

/* Read len bytes and check they are the text payload. */
static inline void conn_expect_text(cssl_conn *c, size_t len, unsigned seed)
{
    char *want = text_payload(len, seed);
    char *b = malloc(len + 1);
    REQUIRE(b != NULL);
    if (conn_read_exact(c, b, len)) {
        size_t k = 0;
        while (k < len && b[k] == want[k])
            k++;
        if (k != len)
            harness_fail(__FILE__, __LINE__, "text differs at byte %zu of %zu", k, len);
    }
    free(b);
    free(want);
}

static inline void conn_send_payload(cssl_conn *c, size_t len, unsigned seed)
{
    unsigned char *b = payload(len, seed);
    size_t sent = 0;
    int rc = cssl_conn_sendall(c, b, len, &sent);
    if (rc != CSSL_OK)
        harness_fail(__FILE__, __LINE__, "sendall: %d %s", rc, cssl_error_message());
    CHECK_INT(sent, len);
    free(b);
}

/* A client connection to 127.0.0.1:port with SNI/hostname host, with a
 * 10 s deadline per operation unless blocking. Closes the fd on free. */
static inline cssl_conn *connect_client_flags(cssl_context *ctx, int port, const char *host,
                                              const cssl_session *session, bool blocking,
                                              unsigned flags)
{
    int fd = tcp_connect(port);
    cssl_conn *c = cssl_context_wrap_socket(ctx, fd, CSSL_CLOSE_FD | flags, host, session);
    if (c == NULL) {
        harness_fail(__FILE__, __LINE__, "wrap_socket: %s", cssl_error_message());
        close(fd);
        harness_abort();
    }
    if (!blocking)
        REQUIRE(cssl_conn_set_timeout(c, 10.0) == CSSL_OK);
    return c;
}

static inline cssl_conn *connect_client(cssl_context *ctx, int port, const char *host,
                                        const cssl_session *session, bool blocking)
{
    return connect_client_flags(ctx, port, host, session, blocking, 0);
}

/* Accept one connection on lfd (waiting up to the guard timeout) and wrap
 * it server side. NULL if no client came. */
static inline cssl_conn *accept_server(cssl_context *ctx, int lfd, bool blocking)
{
    struct pollfd pfd = {.fd = lfd, .events = POLLIN};
    int r;
    while ((r = poll(&pfd, 1, (int)(PEER_TIMEOUT * 1000))) < 0 && errno == EINTR)
        ;
    if (r != 1) {
        harness_fail(__FILE__, __LINE__, "no connection to accept");
        return NULL;
    }
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    REQUIRE(fd >= 0);
    cssl_conn *c = cssl_context_wrap_socket(ctx, fd, CSSL_SERVER_SIDE | CSSL_CLOSE_FD, NULL, NULL);
    if (c == NULL) {
        harness_fail(__FILE__, __LINE__, "wrap_socket: %s", cssl_error_message());
        close(fd);
        harness_abort();
    }
    if (!blocking)
        REQUIRE(cssl_conn_set_timeout(c, 10.0) == CSSL_OK);
    return c;
}

/* Wait until the connection's socket has bytes to read: the peer sent
 * something (a TLS record we have not read yet). */
static inline bool wait_readable(cssl_conn *c)
{
    struct pollfd pfd = {.fd = cssl_conn_fileno(c), .events = POLLIN};
    int r;
    while ((r = poll(&pfd, 1, (int)(PEER_TIMEOUT * 1000))) < 0 && errno == EINTR)
        ;
    if (r != 1)
        harness_fail(__FILE__, __LINE__, "the peer sent nothing");
    return r == 1;
}

/* The tls-unique channel binding as hex (in buf). */
static inline const char *tls_unique_hex(cssl_conn *c, char *buf, size_t size)
{
    uint8_t cb[128];
    ssize_t n = cssl_conn_get_channel_binding(c, "tls-unique", cb, sizeof cb);
    buf[0] = '\0';
    for (ssize_t k = 0; k >= 0 && k < n && (size_t)(2 * k + 2) < size; k++)
        snprintf(buf + 2 * k, 3, "%02x", cb[k]);
    return buf;
}

/* Force one TLS version on a context (min = max). */
static inline void force_version(cssl_context *ctx, int version)
{
    REQUIRE(cssl_context_set_minimum_version(ctx, version) == CSSL_OK);
    REQUIRE(cssl_context_set_maximum_version(ctx, version) == CSSL_OK);
}

static inline const char *version_name(int version)
{
    return version == CSSL_TLSVERSION_TLSv1_3 ? "TLSv1.3" : "TLSv1.2";
}

/*
 * msg is exactly "<text> (<file>:<line>)" — Python's format for errors
 * built from OpenSSL's queue, the location being in our library.
 */
static inline bool message_is_located(const char *msg, const char *text)
{
    size_t n = strlen(text);
    if (msg == NULL || strncmp(msg, text, n) != 0 || strncmp(msg + n, " (", 2) != 0)
        return false;
    const char *p = msg + n + 2;
    const char *colon = strchr(p, ':');
    if (colon == NULL || colon == p || strncmp(colon - 2, ".c", 2) != 0)
        return false;
    p = colon + 1;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    return strcmp(p, ")") == 0;
}

/* expr fails with status st and the message "<text> (file.c:N)". */
#define CHECK_ERR_AT(expr, st, text)                                           \
    do {                                                                       \
        cssl_error_clear();                                                    \
        long long r_ = (long long)(expr);                                      \
        CHECK_INT(r_, st);                                                     \
        CHECK_INT(cssl_error_status(), st);                                    \
        if (!message_is_located(cssl_error_message(), (text)))                 \
            harness_fail(__FILE__, __LINE__, "message \"%s\" is not \"%s (file.c:N)\"", \
                         cssl_error_message(), (text));                        \
    } while (0)

/* The JSON of a certificate (cssl's decoder); caller frees. */
static inline char *cert_json_of_der(const uint8_t *der, size_t len)
{
    cssl_cert *c = cssl_cert_from_der(der, len);
    REQUIRE(c != NULL);
    char *j = cssl_cert_to_json(c);
    cssl_cert_free(c);
    REQUIRE(j != NULL);
    return j;
}

static inline char *cert_json_of_file(const char *path)
{
    cssl_cert *c = cssl_cert_load(path);
    if (c == NULL)
        harness_fail(__FILE__, __LINE__, "cssl_cert_load(%s): %s", path, cssl_error_message());
    REQUIRE(c != NULL);
    char *j = cssl_cert_to_json(c);
    cssl_cert_free(c);
    REQUIRE(j != NULL);
    return j;
}

/* The peer certificate's JSON as cssl decodes it (getpeercert_der). */
static inline char *peer_cert_json(cssl_conn *c)
{
    uint8_t *der = NULL;
    size_t len = 0;
    REQUIRE(cssl_conn_getpeercert_der(c, &der, &len) == CSSL_OK);
    REQUIRE(der != NULL);
    char *j = cert_json_of_der(der, len);
    cssl_free(der);
    return j;
}

/* The commonName of the first RDN holding one, from getpeercert(). */
static inline const char *peer_common_name(cssl_conn *c)
{
    const cssl_cert_info *info = NULL;
    if (cssl_conn_getpeercert(c, &info) != CSSL_OK || info == NULL)
        return NULL;
    for (size_t i = 0; i < info->subject.count; i++)
        for (size_t j = 0; j < info->subject.rdns[i].count; j++)
            if (strcmp(info->subject.rdns[i].entries[j].name, "commonName") == 0)
                return info->subject.rdns[i].entries[j].value;
    return NULL;
}

/* A temporary file path in the test's private directory. */
static inline const char *tmp_path(const char *name)
{
    static char bufs[4][1024];
    static int slot;
    char *b = bufs[slot++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", test_tmpdir(), name);
    return b;
}

#endif
