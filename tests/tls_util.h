/*
 * tls_util.h - connection test helpers shared by the test_conn_* units:
 * contexts loaded with the generated fixtures, in-process client/server
 * pairs over memory BIOs, and socket pairs.
 */
#ifndef CSSL_TEST_TLS_UTIL_H
#define CSSL_TEST_TLS_UTIL_H

#include "harness.h"

/* A TLS_SERVER context with fixture cert/key (e.g. "server", "ecdsa"). */
cssl_context *server_context(const char *name);

/* A TLS_CLIENT context trusting fixture ca.pem (hostname checking on). */
cssl_context *client_context(void);

/* Client and server connected through four memory BIOs. */
typedef struct tls_pair {
    cssl_memory_bio *c_in, *c_out, *s_in, *s_out;
    cssl_conn *client, *server;
} tls_pair;

/*
 * Wrap both ends (REQUIREs success). hostname may be NULL; session is
 * offered by the client.
 */
void pair_init(tls_pair *p, cssl_context *client_ctx, cssl_context *server_ctx,
               const char *hostname, const cssl_session *session);
void pair_free(tls_pair *p);

/* Move all buffered bytes client→server and server→client; returns bytes. */
size_t pair_pump(tls_pair *p);

/*
 * Drive both handshakes to completion or failure. Returns 0 when both
 * finished; otherwise the first non-WANT status, with *client_rc and
 * *server_rc (if non-NULL) holding each side's last status and the error
 * messages copied to client_msg / server_msg (if non-NULL, 512 bytes).
 */
int pair_handshake(tls_pair *p, int *client_rc, int *server_rc, char *client_msg,
                   char *server_msg);

/* Write len bytes from one side and read them on the other (REQUIREs). */
void pair_send(tls_pair *p, bool from_client, const void *data, size_t len);

/* Read on one side after pumping; returns cssl_conn_read's result. */
ssize_t pair_recv(tls_pair *p, bool on_client, void *buf, size_t size);

/* A connected AF_UNIX stream socketpair (REQUIREs). */
void socket_pair(int fds[2]);

/* A loopback TCP listener on an ephemeral port; returns fd, *port set. */
int tcp_listen(int *port);

/* Connect to 127.0.0.1:port (blocking); returns fd. */
int tcp_connect(int port);

/* Find a program on PATH; false if missing. */
bool have_program(const char *name);

/*
 * Make sure a Debian package's program is available, installing it with
 * apt-get when missing and running as root; SKIPs the test (with the
 * reason) when that is impossible.
 */
void require_program(const char *program, const char *package);

#endif
