/*
 * fuzz_conn.h - the body shared by fuzz_client.c and fuzz_server.c: one
 * end of a connection (fuzz_tls.h) fed the input as the peer's bytes.
 */
#ifndef CSSL_FUZZ_CONN_H
#define CSSL_FUZZ_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Run the input through a fresh end; server selects the role. */
void fuzz_conn_run(const uint8_t *data, size_t size, bool server);

#endif
