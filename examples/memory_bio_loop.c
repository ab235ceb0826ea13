/*
 * memory_bio_loop.c - TLS without sockets (sans-IO): a client and a server
 * in one process, each a connection over two memory BIOs, driven by a tiny
 * event loop that carries the bytes between them.
 *
 * Shows: wrap_bio; that CSSL_EWANT_READ from a memory-BIO connection means
 * "give me the peer's bytes, then call again"; that whatever a call wrote
 * to the outgoing BIO must be sent even when the call returned
 * CSSL_EWANT_READ; TLS 1.3 session tickets arriving after the handshake
 * and resuming a session with them; and a transport EOF without
 * close_notify (cssl_memory_bio_write_eof), which a memory-BIO connection
 * always reports as CSSL_EEOF.
 *
 *   usage: memory_bio_loop CERT KEY CAFILE
 *
 *   cssl mkcert --dir /tmp/pki localhost
 *   ./memory_bio_loop /tmp/pki/localhost.pem /tmp/pki/localhost.key /tmp/pki/ca.pem
 *
 * CERT must be valid for "localhost" and issued by CAFILE. Prints each
 * flight of bytes and what each side saw; exits 0 if all three
 * connections (full handshake, resumed, truncated) behaved as expected.
 */
#include <stdio.h>
#include <string.h>

#include <cssl.h>

/* What an endpoint does, in order. */
typedef enum { HANDSHAKE, SEND, RECV, CLOSE, HANG_UP, DONE } step;

typedef struct endpoint {
    const char *name;
    cssl_conn *conn;
    cssl_memory_bio *in, *out; /* in: bytes from the peer; out: to the peer */
    const step *script;
    size_t pc;                 /* the step being run */
    char data[256];            /* SEND sends it; RECV stores what arrived */
    bool hung_up;              /* closes the transport without close_notify */
    bool eof_sent;             /* ... and the peer has seen that */
    int error;                 /* the status that stopped the script, or 0 */
} endpoint;

/* Run ep's script until it has to wait for the peer or ends. */
static void run(endpoint *ep)
{
    for (;;) {
        ssize_t rc = 0;
        switch (ep->script[ep->pc]) {
        case HANDSHAKE: rc = cssl_conn_do_handshake(ep->conn); break;
        case SEND: rc = cssl_conn_write(ep->conn, ep->data, strlen(ep->data)); break;
        case RECV:
            rc = cssl_conn_read(ep->conn, ep->data, sizeof ep->data - 1);
            if (rc >= 0) {
                ep->data[rc] = '\0';
                printf("%s: received %s\n", ep->name, rc ? ep->data : "the end (close_notify)");
            }
            break;
        case CLOSE: rc = cssl_conn_unwrap(ep->conn); break;
        case HANG_UP: ep->hung_up = true; break;
        case DONE: return;
        }
        /* Only READ can be wanted: an outgoing memory BIO never fills up. */
        if (rc == CSSL_EWANT_READ || rc == CSSL_EWANT_WRITE)
            return;
        if (rc < 0) {
            printf("%s: %s\n", ep->name, cssl_error_message());
            ep->error = (int)rc;
            return;
        }
        ep->pc++;
    }
}

/* The network: what `from` wrote goes to `to`; false if nothing moved. */
static bool carry(endpoint *from, endpoint *to)
{
    char buf[4096];
    size_t total = 0;
    ssize_t n;
    while ((n = cssl_memory_bio_read(from->out, buf, sizeof buf)) > 0) {
        cssl_memory_bio_write(to->in, buf, (size_t)n);
        total += (size_t)n;
    }
    if (total > 0)
        printf("  %s -> %s %5zu bytes\n", from->name, to->name, total);
    if (from->hung_up && !from->eof_sent) {
        cssl_memory_bio_write_eof(to->in); /* like a TCP FIN */
        from->eof_sent = true;
        printf("  %s -> %s EOF\n", from->name, to->name);
        return true;
    }
    return total > 0;
}

static bool finished(const endpoint *ep)
{
    return ep->error != 0 || ep->script[ep->pc] == DONE;
}

/* Drive both endpoints until they are finished or stuck. */
static void event_loop(endpoint *client, endpoint *server)
{
    while (!finished(client) || !finished(server)) {
        run(client);
        run(server);
        bool up = carry(client, server);
        bool down = carry(server, client);
        if (!up && !down)
            break; /* nobody can make progress */
    }
}

static void endpoint_init(endpoint *ep, const char *name, const step *script, const char *data)
{
    memset(ep, 0, sizeof *ep);
    ep->name = name;
    ep->script = script;
    ep->in = cssl_memory_bio_new();
    ep->out = cssl_memory_bio_new();
    snprintf(ep->data, sizeof ep->data, "%s", data);
}

static void endpoint_free(endpoint *ep)
{
    cssl_conn_free(ep->conn);
    cssl_memory_bio_free(ep->in);
    cssl_memory_bio_free(ep->out);
}

static void report(const endpoint *client)
{
    const cssl_cert_info *peer = NULL;
    cssl_conn_getpeercert(client->conn, &peer);
    const cssl_rdn *last = &peer->subject.rdns[peer->subject.count - 1];
    const char *alpn = cssl_conn_selected_alpn_protocol(client->conn);
    printf("client: %s %s, ALPN %s, server %s=%s verified, session reused: %s\n",
           cssl_conn_version(client->conn), cssl_conn_cipher(client->conn, NULL, NULL),
           alpn ? alpn : "none", last->entries[0].name, last->entries[0].value,
           cssl_conn_session_reused(client->conn) ? "yes" : "no");
}

/*
 * One connection. The client offers *session (may be NULL) and stores the
 * session it ends with there. Returns the status that stopped the server
 * (0 if it completed its script).
 */
static int connection(cssl_context *client_ctx, cssl_context *server_ctx, bool truncate,
                      cssl_session **session)
{
    static const step client_script[] = {HANDSHAKE, SEND, RECV, CLOSE, DONE};
    static const step truncating_client[] = {HANDSHAKE, SEND, RECV, HANG_UP, DONE};
    static const step server_script[] = {HANDSHAKE, RECV, SEND, RECV, CLOSE, DONE};
    endpoint client, server;
    endpoint_init(&client, "client", truncate ? truncating_client : client_script,
                  "hello over memory BIOs");
    endpoint_init(&server, "server", server_script, "");
    /* The server echoes what it receives: RECV fills data, SEND sends it. */
    int status = -1;
    if (client.in == NULL || client.out == NULL || server.in == NULL || server.out == NULL)
        goto done;
    client.conn = cssl_context_wrap_bio(client_ctx, client.in, client.out, 0, "localhost",
                                        *session);
    server.conn = cssl_context_wrap_bio(server_ctx, server.in, server.out, CSSL_SERVER_SIDE,
                                        NULL, NULL);
    if (client.conn == NULL || server.conn == NULL) {
        printf("wrap_bio: %s\n", cssl_error_message());
        goto done;
    }
    event_loop(&client, &server);
    if (client.error == 0 && client.pc > 0) {
        report(&client);
        /* Read after the handshake, so TLS 1.3 tickets have arrived. */
        cssl_session_free(*session);
        *session = cssl_conn_get_session(client.conn);
    }
    status = client.error != 0 ? client.error : server.error;
done:
    endpoint_free(&client);
    endpoint_free(&server);
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: memory_bio_loop CERT KEY CAFILE\n");
        return 2;
    }
    const char *alpn[] = {"h2", "http/1.1"};
    cssl_context *server_ctx = cssl_context_new(CSSL_PROTOCOL_TLS_SERVER);
    cssl_context *client_ctx =
        cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, argv[3], NULL, NULL, 0, 0);
    if (server_ctx == NULL || client_ctx == NULL ||
        cssl_context_load_cert_chain(server_ctx, argv[1], argv[2], NULL) != CSSL_OK ||
        cssl_context_set_alpn_protocols(server_ctx, alpn, 2) != CSSL_OK ||
        cssl_context_set_alpn_protocols(client_ctx, alpn, 2) != CSSL_OK) {
        fprintf(stderr, "memory_bio_loop: %s\n", cssl_error_message());
        cssl_context_free(server_ctx);
        cssl_context_free(client_ctx);
        return 1;
    }
    cssl_session *session = NULL;
    printf("== connection 1: full handshake\n");
    int first = connection(client_ctx, server_ctx, false, &session);
    printf("session: has ticket: %s\n", cssl_session_has_ticket(session) ? "yes" : "no");
    printf("== connection 2: resumed with the ticket\n");
    int second = connection(client_ctx, server_ctx, false, &session);
    printf("== connection 3: the client hangs up without close_notify\n");
    int third = connection(client_ctx, server_ctx, true, &session);
    cssl_session_free(session);
    cssl_context_free(client_ctx);
    cssl_context_free(server_ctx);
    return first == CSSL_OK && second == CSSL_OK && third == CSSL_EEOF ? 0 : 1;
}
