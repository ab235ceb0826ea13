/*
 * server_conn.c - one connection of `cssl server`: a small state machine
 * over a non-blocking cssl_conn (timeout 0). Each step calls the library
 * until it answers CSSL_EWANT_READ or CSSL_EWANT_WRITE, then arms epoll
 * for exactly that and returns; the loop calls conn_step() again when the
 * socket is ready. No step ever waits, so one slow or hostile client holds
 * up nobody but itself.
 *
 *   HANDSHAKE → READ ⇄ WRITE → CLOSING → LINGER → closed
 *
 * Echo writes what a read returned before reading again, so each
 * connection buffers at most one read (SERVER_IO_SIZE): a client that does
 * not read its echoes stops being read (TCP flow control pushes back).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

/* HTTP request headers larger than this are refused (closed). */
#define MAX_REQUEST_HEAD 65536
/* Reads per readiness event before other connections get their turn;
 * level-triggered epoll reports the rest. */
#define READ_BUDGET 8

enum step { STEP_AGAIN, STEP_WAIT, STEP_GONE };

int64_t server_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void server_log(const server *s, const char *fmt, ...)
{
    if (s->quiet)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One write per line, so lines never interleave. */
    fprintf(stderr, "cssl server: %s\n", line);
}

/* ---- deadline lists ------------------------------------------------------ */

void conn_list_remove(sconn *c)
{
    conn_list *l = c->list;
    if (l == NULL)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    c->prev = c->next = NULL;
    c->list = NULL;
}

void conn_list_touch(conn_list *l, sconn *c, int64_t now)
{
    conn_list_remove(c);
    c->deadline_ms = now + l->timeout_ms;
    c->prev = l->tail;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
    c->list = l;
}

int64_t conn_last_activity(const server *s, const sconn *c)
{
    return c->deadline_ms - c->list->timeout_ms;
}

/* ---- helpers -------------------------------------------------------------- */

static bool is_want(long rc)
{
    return rc == CSSL_EWANT_READ || rc == CSSL_EWANT_WRITE;
}

static void arm(server *s, sconn *c, uint32_t events)
{
    if (c->events == events)
        return;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->events = events;
}

/* Wait for what the library asked for. */
static enum step wait_for(server *s, sconn *c, long want)
{
    arm(s, c, want == CSSL_EWANT_WRITE ? EPOLLOUT : EPOLLIN);
    return STEP_WAIT;
}

void server_format_addr(const struct sockaddr_storage *a, char *out, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)a;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
        snprintf(out, size, "%s:%d", host, port);
    } else if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
        snprintf(out, size, "[%s]:%d", host, port);
    } else {
        snprintf(out, size, "?");
    }
}

/* The verified client's subject (RFC 2253), or NULL; caller frees. */
static char *client_subject(cssl_conn *tls)
{
    uint8_t *der = NULL;
    size_t len = 0;
    if (cssl_conn_getpeercert_der(tls, &der, &len) < 0 || der == NULL) {
        cssl_error_clear();
        return NULL;
    }
    cssl_cert *cert = cssl_cert_from_der(der, len);
    char *subject = cert ? cssl_cert_subject_rfc2253(cert) : NULL;
    cssl_cert_free(cert);
    cssl_free(der);
    cssl_error_clear();
    return subject;
}

static void log_handshake(const server *s, const sconn *c)
{
    if (s->quiet)
        return;
    const char *protocol = NULL;
    const char *cipher = cssl_conn_cipher(c->tls, &protocol, NULL);
    const char *alpn = cssl_conn_selected_alpn_protocol(c->tls);
    char *subject = client_subject(c->tls);
    server_log(s, "%s %s %s alpn=%s%s%s%s", c->peer, protocol ? protocol : "?",
               cipher ? cipher : "?", alpn ? alpn : "-",
               cssl_conn_session_reused(c->tls) ? " resumed" : "", subject ? " client=" : "",
               subject ? subject : "");
    cssl_free(subject);
}

static void log_error(const server *s, const sconn *c)
{
    server_log(s, "%s %s", c->peer, cssl_error_message());
}

/* ---- lifecycle -------------------------------------------------------------- */

/* Close and forget the connection at once. */
void conn_drop(server *s, sconn *c)
{
    conn_list_remove(c);
    cssl_conn_free(c->tls);
    close(c->fd); /* also removes it from the epoll set */
    free(c->owned);
    free(c);
    s->nconns--;
    s->fd_starved = false;
}

sconn *conn_accept(server *s, int fd, const void *addr, unsigned addrlen)
{
    sconn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    struct sockaddr_storage a = {0};
    memcpy(&a, addr, addrlen < sizeof a ? addrlen : sizeof a);
    server_format_addr(&a, c->peer, sizeof c->peer);
    c->tls = cssl_context_wrap_socket(s->ctx, fd, CSSL_SERVER_SIDE, NULL, NULL);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (c->tls == NULL || epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        if (c->tls == NULL)
            log_error(s, c);
        else
            server_log(s, "%s [Errno %d] %s", c->peer, errno, strerror(errno));
        cssl_conn_free(c->tls);
        close(fd);
        free(c);
        return NULL;
    }
    c->events = EPOLLIN;
    c->state = ST_HANDSHAKE;
    if (++s->nconns > s->peak_conns)
        s->peak_conns = s->nconns;
    conn_list_touch(&s->idle, c, server_now_ms());
    return c;
}

/* TLS is over (done or failed): free its state, send our FIN, and read
 * until the client's EOF before closing, so that a client still sending
 * gets no RST that would destroy the replies and alerts it has not read
 * yet. */
static enum step to_linger(server *s, sconn *c)
{
    cssl_conn_free(c->tls);
    c->tls = NULL;
    free(c->owned);
    c->owned = NULL;
    c->wbuf = NULL;
    shutdown(c->fd, SHUT_WR);
    c->state = ST_LINGER;
    conn_list_touch(&s->linger, c, server_now_ms());
    return STEP_AGAIN;
}

/* ---- the states -------------------------------------------------------------- */

static enum step do_handshake(server *s, sconn *c)
{
    int rc = cssl_conn_do_handshake(c->tls);
    if (rc == CSSL_OK) {
        log_handshake(s, c);
        c->state = ST_READ;
        return STEP_AGAIN;
    }
    if (is_want(rc))
        return wait_for(s, c, rc);
    log_error(s, c);
    return to_linger(s, c);
}

/* Scan for the blank line ending an HTTP request head. */
static bool http_head_complete(sconn *c, const unsigned char *p, size_t n)
{
    static const char end[] = "\r\n\r\n";
    for (size_t i = 0; i < n; i++) {
        if (p[i] == (unsigned char)end[c->http_match])
            c->http_match++;
        else
            c->http_match = p[i] == '\r' ? 1 : 0;
        if (c->http_match == 4)
            return true;
    }
    c->request_len += (uint32_t)n;
    return false;
}

static enum step start_write(sconn *c, const unsigned char *buf, size_t len)
{
    c->wbuf = buf;
    c->wlen = len;
    c->woff = 0;
    c->state = ST_WRITE;
    return STEP_AGAIN;
}

/* n bytes arrived in s->buf. STEP_AGAIN with state still ST_READ means
 * "keep reading". */
static enum step got_data(server *s, sconn *c, size_t n)
{
    if (s->mode == MODE_ECHO)
        return start_write(c, s->buf, n);
    if (s->mode == MODE_HTTP && !http_head_complete(c, s->buf, n)) {
        if (c->request_len <= MAX_REQUEST_HEAD)
            return STEP_AGAIN;
        server_log(s, "%s HTTP request head longer than %d bytes", c->peer, MAX_REQUEST_HEAD);
        c->state = ST_CLOSING;
        return STEP_AGAIN;
    }
    return start_write(c, s->response, s->response_len);
}

static enum step do_read(server *s, sconn *c)
{
    for (;;) {
        if (s->read_budget-- <= 0 && cssl_conn_pending(c->tls) == 0)
            return wait_for(s, c, CSSL_EWANT_READ); /* epoll says if more is queued */
        ssize_t n = cssl_conn_read(c->tls, s->buf, sizeof s->buf);
        if (n > 0) {
            /* Activity is data read, not just an event: a long step must
             * not make a busy connection look quiet to the drain. */
            conn_list_touch(&s->idle, c, server_now_ms());
            enum step next = got_data(s, c, (size_t)n);
            if (next != STEP_AGAIN || c->state != ST_READ)
                return next;
            continue;
        }
        if (n == 0) { /* close_notify, or EOF (ragged EOFs are suppressed) */
            c->state = ST_CLOSING;
            return STEP_AGAIN;
        }
        if (n == CSSL_EWANT_READ && s->draining &&
            server_now_ms() - conn_last_activity(s, c) >= DRAIN_QUIET_MS) {
            /* Shutting down: everything this client sent has been answered. */
            c->state = ST_CLOSING;
            return STEP_AGAIN;
        }
        if (is_want(n))
            return wait_for(s, c, n);
        log_error(s, c);
        return to_linger(s, c);
    }
}

static enum step do_write(server *s, sconn *c)
{
    while (c->woff < c->wlen) {
        size_t chunk = c->wlen - c->woff;
        if (chunk > SERVER_IO_SIZE)
            chunk = SERVER_IO_SIZE;
        ssize_t n = cssl_conn_write(c->tls, c->wbuf + c->woff, chunk);
        if (n > 0) {
            c->woff += (size_t)n;
            continue;
        }
        if (!is_want(n)) {
            log_error(s, c);
            return to_linger(s, c);
        }
        if (c->wbuf == s->buf) {
            /* The shared read buffer is about to be reused: keep the bytes.
             * The retry passes the same bytes from a new address
             * (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER is on). */
            c->owned = malloc(c->wlen - c->woff);
            if (c->owned == NULL) {
                server_log(s, "%s out of memory", c->peer);
                return to_linger(s, c);
            }
            memcpy(c->owned, c->wbuf + c->woff, c->wlen - c->woff);
            c->wbuf = c->owned;
            c->wlen -= c->woff;
            c->woff = 0;
        }
        return wait_for(s, c, n);
    }
    free(c->owned);
    c->owned = NULL;
    c->wbuf = NULL;
    c->state = s->mode == MODE_ECHO ? ST_READ : ST_CLOSING;
    return STEP_AGAIN;
}

static enum step do_closing(server *s, sconn *c)
{
    int rc = cssl_conn_unwrap(c->tls);
    if (rc == CSSL_OK) { /* both close_notify alerts exchanged: nothing left */
        conn_drop(s, c);
        return STEP_GONE;
    }
    if (rc == CSSL_EWANT_WRITE)
        return wait_for(s, c, rc);
    /* CSSL_EWANT_READ: ours is sent and the client's may follow; an error
     * means the client has gone already. Neither is worth a log line. */
    cssl_error_clear();
    return to_linger(s, c);
}

static enum step do_linger(server *s, sconn *c)
{
    for (int budget = READ_BUDGET; budget > 0; budget--) {
        ssize_t r = recv(c->fd, s->buf, sizeof s->buf, 0);
        if (r > 0)
            continue;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return wait_for(s, c, CSSL_EWANT_READ);
        conn_drop(s, c); /* EOF or reset: done */
        return STEP_GONE;
    }
    return wait_for(s, c, CSSL_EWANT_READ);
}

void conn_step(server *s, sconn *c)
{
    s->read_budget = READ_BUDGET;
    for (;;) {
        enum step next = STEP_WAIT;
        switch (c->state) {
        case ST_HANDSHAKE: next = do_handshake(s, c); break;
        case ST_READ: next = do_read(s, c); break;
        case ST_WRITE: next = do_write(s, c); break;
        case ST_CLOSING: next = do_closing(s, c); break;
        case ST_LINGER: next = do_linger(s, c); break;
        }
        if (next != STEP_AGAIN)
            return;
    }
}
