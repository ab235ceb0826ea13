/*
 * server.h - `cssl server`, shared by server.c (flags and setup),
 * server_loop.c (the epoll loop: accept, timers, signals, graceful
 * shutdown) and server_conn.c (one connection's state machine).
 */
#ifndef CSSL_CLI_SERVER_H
#define CSSL_CLI_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* One TLS record's worth of plaintext: the most one read returns and the
 * largest echo backlog a connection may hold (reading stops until it has
 * been written). */
#define SERVER_IO_SIZE 16384

/* Shutting down, a connection waiting for data is closed once it has
 * been quiet this long: bytes a client sent just before the signal may
 * still be on their way (a window update away), and they get answered
 * too. Checked every DRAIN_TICK_MS. */
#define DRAIN_QUIET_MS 200
#define DRAIN_TICK_MS 20

typedef enum server_mode { MODE_ECHO, MODE_RESPONSE, MODE_HTTP } server_mode;

typedef enum conn_state {
    ST_HANDSHAKE, /* TLS handshake in progress */
    ST_READ,      /* waiting for the client's data */
    ST_WRITE,     /* an echo or the response being written */
    ST_CLOSING,   /* sending our close_notify */
    ST_LINGER,    /* TLS done, write side shut: drain until the client's EOF */
} conn_state;

typedef struct sconn sconn;

/* A list of connections ordered by deadline: all members share one
 * timeout, so appending on activity keeps the order (no heap needed). */
typedef struct conn_list {
    sconn *head, *tail;
    int64_t timeout_ms;
} conn_list;

struct sconn {
    sconn *prev, *next; /* in the idle or linger list */
    conn_list *list;
    int64_t deadline_ms;
    cssl_conn *tls; /* NULL once lingering */
    int fd;
    uint32_t events; /* the epoll mask currently armed */
    conn_state state;
    uint8_t http_match; /* bytes of "\r\n\r\n" matched so far */
    uint32_t request_len; /* HTTP request bytes seen (bounded) */
    const unsigned char *wbuf; /* what is being written: own copy or the response */
    unsigned char *owned;      /* the echo backlog, when a write had to wait */
    size_t wlen, woff;
    char peer[56]; /* "127.0.0.1:40312" or "[::1]:40312", for log lines */
};

typedef struct server {
    /* configuration */
    cssl_context *ctx;
    server_mode mode;
    unsigned char *response; /* the fixed response (with HTTP header in MODE_HTTP) */
    size_t response_len;
    size_t max_conns;
    int64_t shutdown_ms;
    bool quiet;
    /* state */
    int epfd, listen_fd, sig_fd, reserve_fd;
    bool accept_paused, fd_starved, draining;
    int drain_signal;
    int64_t drain_deadline_ms, next_drain_pass_ms;
    int read_budget; /* reads left in this conn_step() */
    size_t nconns, peak_conns;
    unsigned long accepted, accepted_at_trim, dropped;
    conn_list idle, linger;
    unsigned char buf[SERVER_IO_SIZE];
} server;

/* Monotonic clock in milliseconds. */
int64_t server_now_ms(void);

/* "cssl server: <text>" on stderr unless --quiet. */
void server_log(const server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct sockaddr_storage;
/* "127.0.0.1:443" or "[::1]:443". */
void server_format_addr(const struct sockaddr_storage *a, char *out, size_t size);

/* server_conn.c */
sconn *conn_accept(server *s, int fd, const void *addr, unsigned addrlen);
void conn_step(server *s, sconn *c);
void conn_drop(server *s, sconn *c);
void conn_list_touch(conn_list *l, sconn *c, int64_t now);
void conn_list_remove(sconn *c);
/* When the connection last saw an event. */
int64_t conn_last_activity(const server *s, const sconn *c);

/* server_loop.c */
int server_run(server *s);

#endif
