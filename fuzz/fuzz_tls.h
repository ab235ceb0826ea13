/*
 * fuzz_tls.h - deterministic TLS for the client and server targets and for
 * the corpus recorder.
 *
 * A fuzzed client (or server) gets the peer's bytes from the input, so a
 * recorded server flight only gets past the ServerHello if the fuzzed
 * client sends exactly the ClientHello it was recorded against: same
 * random, same key share. So the process's random numbers come from a
 * seeded generator (an OpenSSL RAND_METHOD), one stream per role reset at
 * the start of every connection, and the certificates are minted from it
 * with fixed dates and serials: the recorder (fuzz_tls_record) and the
 * targets then run byte-identical handshakes, and the recorded flights
 * drive a target through the whole connection.
 *
 * Never link this into anything but fuzzers and tests: it replaces the
 * random number generator of the whole process with a predictable one.
 */
#ifndef CSSL_FUZZ_TLS_H
#define CSSL_FUZZ_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cssl.h"

/* Random number streams: certificates and contexts, then one per role. */
enum { FUZZ_RNG_SETUP, FUZZ_RNG_CLIENT, FUZZ_RNG_SERVER, FUZZ_RNG_STREAMS };

/* Restart stream at its seed and draw from it from now on. */
void fuzz_tls_rng_reset(int stream);
/* Draw from stream (where it stopped). */
void fuzz_tls_rng_use(int stream);

/*
 * The fuzzed ends. Client variants: VERIFY (CERT_REQUIRED, hostname
 * "localhost", trusting the fuzz CA, client certificate, ALPN "h2" and
 * "http/1.1", post-handshake auth offered), NOVERIFY (CERT_NONE), PSK
 * (identity "fuzz-psk", TLS 1.2 PSK ciphers too). Server variants: PLAIN
 * (ECDSA certificate, ALPN, SNI callback: "other.example" switches to a
 * second context, "reject.example" is refused with unrecognized_name),
 * CLIENT_AUTH (CERT_REQUIRED, post-handshake auth), PSK.
 */
enum { FUZZ_CLIENT_VERIFY, FUZZ_CLIENT_NOVERIFY, FUZZ_CLIENT_PSK, FUZZ_CLIENT_VARIANTS };
enum { FUZZ_SERVER_PLAIN, FUZZ_SERVER_CLIENT_AUTH, FUZZ_SERVER_PSK, FUZZ_SERVER_VARIANTS };

/* The shared contexts (made once per process, in a fixed order). */
cssl_context *fuzz_tls_client_context(int variant);
cssl_context *fuzz_tls_server_context(int variant);

/* A fresh context of its own (caller frees): a server with the leaf
 * certificate, or a CERT_NONE client. */
cssl_context *fuzz_tls_new_context(bool server);

/* PEM of the fuzz CA and of the server's leaf certificate. */
const char *fuzz_tls_ca_pem(void);
const char *fuzz_tls_leaf_pem(void);

/*
 * One end of a connection over memory BIOs, running a fixed script: the
 * handshake (then peer inspection), and
 *   client: read the server's greeting, take the session, write its
 *           request, unwrap;
 *   server: (CLIENT_AUTH over TLS 1.3: ask for a certificate again,)
 *           write its greeting, read the client's request, unwrap.
 * fuzz_peer_step() advances as far as the incoming bytes allow; any error
 * ends the script (phase DONE, rc holds it).
 */
typedef struct fuzz_peer {
    cssl_memory_bio *in, *out;
    cssl_conn *conn;
    bool server;
    int variant;
    int phase;
    size_t got;             /* bytes of the peer's message read */
    int rc;                 /* last status of the script */
    char message[256];      /* and its message, if it failed */
    bool established;       /* the handshake completed */
    bool closed;            /* unwrap completed */
    cssl_session *session;  /* client: the session, once read */
} fuzz_peer;

/* Start an end: resets the role's random stream first. false if the
 * connection could not be made (the error is checked and recorded). */
bool fuzz_peer_init(fuzz_peer *p, cssl_context *ctx, bool server, int variant,
                    const char *hostname, const cssl_session *session);
void fuzz_peer_step(fuzz_peer *p);
void fuzz_peer_free(fuzz_peer *p);

/* Run two ends against each other until neither moves. */
void fuzz_tls_run_pair(fuzz_peer *a, fuzz_peer *b);

/* What a recorded end reached; the replay must reach the same. */
typedef struct fuzz_outcome {
    bool established, closed;
} fuzz_outcome;

/*
 * Record the seed corpus: for each scenario, run the target end (one of the
 * shared contexts) against a recorder-made peer and hand out the peer's
 * bytes as a seed of target "client" or "server" (first byte: the variant
 * of the fuzzed end), with what the target end reached. Sessions go out
 * as seeds of "session", minted certificates as "cert_der"/"cert_pem".
 */
typedef void (*fuzz_seed_cb)(const char *target, const char *name, const uint8_t *data,
                             size_t len, const fuzz_outcome *outcome, void *arg);
void fuzz_tls_record(fuzz_seed_cb cb, void *arg);

/* What the last client/server target run reached (for the replay test). */
extern fuzz_outcome fuzz_tls_last;

/* The first byte of a client/server input: variant, feeding, EOF. */
#define FUZZ_OPT_VARIANT(b) ((b) & 3)
#define FUZZ_OPT_CHUNK(b) (((b) >> 2) & 7)
#define FUZZ_OPT_EOF 0x20

#endif
