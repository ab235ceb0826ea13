/*
 * fuzz_alpn.c - SSLContext.set_alpn_protocols on both ends and the
 * server's choice in a real handshake.
 *
 * Input: the number of server protocols (first byte, mod 16), then
 * protocols as a length byte and that many bytes (255 means a two-byte
 * length follows, to reach past the 255-byte limit); the first n are the
 * server's list, the rest the client's. Names are C strings, so a NUL
 * ends one early. Each list is accepted exactly when every name has 1 to
 * 255 bytes and the wire form fits in 65535 bytes; then the handshake
 * agrees on the first of the server's protocols that the client offered
 * (RFC 7301 3.2, server preference), or on none.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_tls.h"

#define MAX_PROTOCOLS 64

typedef struct list {
    char *names[MAX_PROTOCOLS];
    size_t count;
} list;

static bool list_valid(const list *l)
{
    size_t wire = 0;
    for (size_t i = 0; i < l->count; i++) {
        size_t n = strlen(l->names[i]);
        if (n < 1 || n > 255)
            return false;
        wire += 1 + n;
    }
    return wire <= 0xffff;
}

static bool offered(const list *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->names[i], name) == 0)
            return true;
    return false;
}

/* RFC 7301 3.2: the server's first protocol that the client offered. */
static const char *expected_choice(const list *server, const list *client)
{
    for (size_t i = 0; i < server->count; i++)
        if (offered(client, server->names[i]))
            return server->names[i];
    return NULL;
}

static bool set(cssl_context *ctx, const list *l)
{
    FUZZ_CHECK(FUZZ_RC(cssl_context_set_alpn_protocols(ctx, NULL, 0)) == CSSL_OK);
    int rc = (int)FUZZ_RC(
        cssl_context_set_alpn_protocols(ctx, (const char *const *)l->names, l->count));
    FUZZ_CHECK((rc == CSSL_OK) == list_valid(l));
    FUZZ_CHECK(rc == CSSL_OK || rc == CSSL_ESSL || rc == CSSL_EVALUE);
    return rc == CSSL_OK;
}

static void handshake(cssl_context *client_ctx, cssl_context *server_ctx, const list *server,
                      const list *client)
{
    fuzz_peer c, s;
    FUZZ_CHECK(fuzz_peer_init(&c, client_ctx, false, FUZZ_CLIENT_NOVERIFY, "localhost", NULL));
    FUZZ_CHECK(fuzz_peer_init(&s, server_ctx, true, FUZZ_SERVER_PLAIN, NULL, NULL));
    fuzz_tls_run_pair(&c, &s);
    FUZZ_CHECK(c.established && s.established);
    const char *want = expected_choice(server, client);
    const char *got_s = cssl_conn_selected_alpn_protocol(s.conn);
    const char *got_c = cssl_conn_selected_alpn_protocol(c.conn);
    FUZZ_QUEUE_EMPTY("selected_alpn_protocol");
    if (want == NULL)
        FUZZ_CHECK(got_s == NULL && got_c == NULL);
    else
        FUZZ_CHECK(got_s && got_c && strcmp(got_s, want) == 0 && strcmp(got_c, want) == 0);
    fuzz_peer_free(&c);
    fuzz_peer_free(&s);
}

FUZZ_TARGET(alpn)
{
    static cssl_context *client_ctx, *server_ctx;
    if (client_ctx == NULL) {
        client_ctx = fuzz_tls_new_context(false);
        server_ctx = fuzz_tls_new_context(true);
    }
    fuzz_reader in = {data, size};
    size_t nserver = fuzz_byte(&in) % 16;
    list server = {{0}, 0}, client = {{0}, 0};
    while (in.left > 0 && server.count + client.count < MAX_PROTOCOLS) {
        size_t len = fuzz_byte(&in);
        if (len == 255) {
            len = (size_t)fuzz_byte(&in) << 8;
            len |= fuzz_byte(&in);
        }
        const uint8_t *bytes;
        len = fuzz_take(&in, len, &bytes);
        list *l = server.count < nserver ? &server : &client;
        l->names[l->count++] = fuzz_cstring(bytes, len);
    }
    if (set(server_ctx, &server) && set(client_ctx, &client))
        handshake(client_ctx, server_ctx, &server, &client);
    for (size_t i = 0; i < server.count; i++)
        free(server.names[i]);
    for (size_t i = 0; i < client.count; i++)
        free(client.names[i]);
    return 0;
}
