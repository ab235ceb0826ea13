/*
 * server_loop.c - the event loop of `cssl server`: one thread, one epoll
 * set holding the listening socket, a signalfd for SIGINT/SIGTERM, and
 * every connection (level-triggered). Deadlines (idle connections,
 * lingering closes, the shutdown bound) come from two ordered lists, so
 * the loop never scans all connections to find what has expired.
 *
 * Graceful shutdown: the first signal closes the listening socket and
 * marks the server as draining; every connection then finishes what it is
 * doing, answers all the data it has received, sends close_notify, and
 * goes. The loop ends when none is left or at --shutdown-timeout. A second
 * signal exits at once.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

#define MAX_EVENTS 256
/* Connections accepted per wakeup before the others get their turn. */
#define ACCEPT_BATCH 256
/* After a burst of connections, this long without any event is quiet
 * enough to hand freed memory back to the system. */
#define QUIET_MS 1000

/* epoll tags for the two descriptors that are not connections. */
static char tag_listen, tag_signal;

static void pause_accept(server *s)
{
    if (s->listen_fd >= 0 && !s->accept_paused &&
        epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL) == 0)
        s->accept_paused = true;
}

static void resume_accept(server *s)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &tag_listen};
    if (s->listen_fd >= 0 && s->accept_paused && s->nconns < s->max_conns && !s->fd_starved &&
        epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) == 0)
        s->accept_paused = false;
}

/* Out of descriptors: accept the next connection with the reserved one
 * and close it, rather than leave it in the backlog to wake us forever. */
static void shed_connection(server *s)
{
    if (s->reserve_fd < 0) {
        /* No reserve left either: stop accepting until a connection ends. */
        s->fd_starved = true;
        pause_accept(s);
        return;
    }
    close(s->reserve_fd);
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd >= 0)
        close(fd);
    s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    server_log(s, "out of file descriptors: refused a connection");
}

static void accept_some(server *s)
{
    for (int n = 0; n < ACCEPT_BATCH && s->listen_fd >= 0 && s->nconns < s->max_conns; n++) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&addr, &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE) {
                shed_connection(s);
                return;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                server_log(s, "accept: [Errno %d] %s", errno, strerror(errno));
            return;
        }
        s->accepted++;
        /* TLS writes whole records: send each at once rather than let
         * Nagle hold a small one (a ticket, an alert) for the peer's
         * delayed ACK. */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sconn *c = conn_accept(s, fd, &addr, len);
        if (c != NULL)
            conn_step(s, c); /* the ClientHello may be there already */
    }
    if (s->nconns >= s->max_conns)
        pause_accept(s);
}

static const char *signal_name(int signo)
{
    return signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : "signal";
}

static void start_draining(server *s, int signo)
{
    s->draining = true;
    s->drain_signal = signo;
    s->drain_deadline_ms = server_now_ms() + s->shutdown_ms;
    s->next_drain_pass_ms = 0; /* at once, after the current batch */
    if (s->listen_fd >= 0) {
        close(s->listen_fd); /* new clients are refused from now on */
        s->listen_fd = -1;
    }
    server_log(s, "%s: shutting down, finishing %zu connection%s", signal_name(signo),
               s->nconns, s->nconns == 1 ? "" : "s");
}

static void on_signal(server *s)
{
    struct signalfd_siginfo si;
    while (read(s->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (s->draining) {
            /* The second signal: the user does not want to wait. */
            fprintf(stderr, "cssl server: %s again: exiting now\n", signal_name((int)si.ssi_signo));
            _exit(CLI_FAIL);
        }
        start_draining(s, (int)si.ssi_signo);
    }
}

/* Give every connection waiting for data one more read: what is there
 * is answered; a connection quiet for DRAIN_QUIET_MS closes. Others get
 * there as they finish their handshake or write. */
static void drain_pass(server *s, int64_t now)
{
    s->next_drain_pass_ms = now + DRAIN_TICK_MS;
    for (sconn *c = s->idle.head, *next; c != NULL; c = next) {
        next = c->next;
        if (c->state == ST_READ)
            conn_step(s, c);
    }
}

static void expire(server *s, int64_t now)
{
    while (s->idle.head && s->idle.head->deadline_ms <= now) {
        sconn *c = s->idle.head;
        server_log(s, "%s %s timed out after %g s idle", c->peer,
                   c->state == ST_HANDSHAKE ? "handshake" : "connection",
                   (double)s->idle.timeout_ms / 1000.0);
        conn_drop(s, c);
    }
    while (s->linger.head && s->linger.head->deadline_ms <= now)
        conn_drop(s, s->linger.head);
}

static int next_timeout(const server *s, int64_t now)
{
    int64_t next = -1;
    const sconn *heads[2] = {s->idle.head, s->linger.head};
    for (int i = 0; i < 2; i++)
        if (heads[i] && (next < 0 || heads[i]->deadline_ms < next))
            next = heads[i]->deadline_ms;
    if (s->draining && (next < 0 || s->drain_deadline_ms < next))
        next = s->drain_deadline_ms;
    if (s->draining && s->next_drain_pass_ms < next)
        next = s->next_drain_pass_ms;
    if (s->accepted != s->accepted_at_trim && (next < 0 || next > now + QUIET_MS))
        next = now + QUIET_MS;
    if (next < 0)
        return -1;
    int64_t ms = next - now;
    return ms <= 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
}

/* The handshakes of a burst of connections leave the heap fragmented
 * around the connections that stay: once things are quiet, return the
 * free pages (glibc keeps them otherwise; RSS would stay at the peak). */
static void trim_memory(server *s)
{
    if (s->accepted == s->accepted_at_trim)
        return;
    s->accepted_at_trim = s->accepted;
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

static void dispatch(server *s, const struct epoll_event *ev, int64_t now)
{
    if (ev->data.ptr == &tag_listen) {
        accept_some(s);
        return;
    }
    if (ev->data.ptr == &tag_signal) {
        on_signal(s);
        return;
    }
    sconn *c = ev->data.ptr;
    if (c->state != ST_LINGER)
        conn_list_touch(&s->idle, c, now);
    conn_step(s, c);
}

/* Connections still open at the shutdown deadline are cut off. */
static void drop_all(server *s)
{
    conn_list *lists[2] = {&s->idle, &s->linger};
    for (int i = 0; i < 2; i++)
        while (lists[i]->head) {
            s->dropped++;
            conn_drop(s, lists[i]->head);
        }
}

static int register_fds(server *s)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &tag_listen};
    if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) != 0)
        return -1;
    ev.data.ptr = &tag_signal;
    return epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sig_fd, &ev);
}

int server_run(server *s)
{
    struct epoll_event events[MAX_EVENTS];
    if (register_fds(s) != 0) {
        fprintf(stderr, "cssl server: epoll: [Errno %d] %s\n", errno, strerror(errno));
        return CLI_FAIL;
    }
    for (;;) {
        int64_t now = server_now_ms();
        expire(s, now);
        if (s->draining && (s->nconns == 0 || now >= s->drain_deadline_ms))
            break;
        int n = epoll_wait(s->epfd, events, MAX_EVENTS, next_timeout(s, now));
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "cssl server: epoll_wait: [Errno %d] %s\n", errno, strerror(errno));
            return CLI_FAIL;
        }
        now = server_now_ms();
        if (n == 0)
            trim_memory(s);
        /* Connections are freed only by their own events here; anything
         * that touches others (draining, expiry) runs after the batch. */
        for (int i = 0; i < n; i++)
            dispatch(s, &events[i], now);
        if (s->draining && now >= s->next_drain_pass_ms)
            drain_pass(s, now);
        resume_accept(s);
    }
    if (s->nconns > 0) {
        drop_all(s);
        server_log(s, "shutdown timeout: dropped %lu connection%s", s->dropped,
                   s->dropped == 1 ? "" : "s");
    }
    server_log(s, "stopped: %lu connection%s served, peak %zu at once", s->accepted,
               s->accepted == 1 ? "" : "s", s->peak_conns);
    return CLI_OK;
}
