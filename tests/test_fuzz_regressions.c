/*
 * test_fuzz_regressions.c - the fuzz targets of fuzz/ replayed on fixed
 * inputs, without libFuzzer: the target sources are compiled into this
 * test with CSSL_FUZZ_REPLAY (fuzz/fuzz.h), so `make check` runs exactly
 * the code `make fuzz` fuzzes. A broken invariant aborts the test.
 *
 *  - recorded_*: the seed recorder (fuzz_tls_record) and the client and
 *    server targets agree: a recorded flight takes the target end exactly
 *    as far as it went while recording (the deterministic randomness still
 *    works), fed whole or in pieces of any size.
 *  - every_target_*: each target on a few small inputs.
 *  - the rest: inputs the fuzzers found, one test each, named after what
 *    went wrong (docs/FUZZING.md lists them).
 */
#include "harness.h"

#include "fuzz.h"
#include "fuzz_tls.h"

/* ---- recorded seeds ---------------------------------------------------- */

struct replay {
    int seeds;
    int flights;
    bool chunked; /* also every feeding pattern */
};

static void replay_seed(const char *target, const char *name, const uint8_t *data, size_t len,
                        const fuzz_outcome *outcome, void *arg)
{
    struct replay *r = arg;
    r->seeds++;
    if (strcmp(target, "session") == 0) {
        fuzz_target_session(data, len);
        return;
    }
    if (strcmp(target, "cert_der") == 0) {
        fuzz_target_cert_der(data, len);
        return;
    }
    if (strcmp(target, "cert_pem") == 0) {
        fuzz_target_cert_pem(data, len);
        return;
    }
    bool server = strcmp(target, "server") == 0;
    REQUIRE(server || strcmp(target, "client") == 0);
    REQUIRE(outcome != NULL && len > 0);
    r->flights++;
    uint8_t *input = malloc(len);
    REQUIRE(input != NULL);
    memcpy(input, data, len);
    /* option byte: the variant as recorded, then each feeding pattern,
     * with and without EOF afterwards */
    int patterns = r->chunked ? 16 : 1;
    for (int k = 0; k < patterns; k++) {
        input[0] = (uint8_t)(data[0] | (k & 7) << 2 | ((k & 8) ? FUZZ_OPT_EOF : 0));
        memset(&fuzz_tls_last, 0, sizeof fuzz_tls_last);
        if (server)
            fuzz_target_server(input, len);
        else
            fuzz_target_client(input, len);
        if (fuzz_tls_last.established != outcome->established ||
            fuzz_tls_last.closed != outcome->closed)
            harness_fail(__FILE__, __LINE__,
                         "%s seed %s (option 0x%02x): replay reached established=%d "
                         "closed=%d, recording established=%d closed=%d",
                         target, name, input[0], fuzz_tls_last.established,
                         fuzz_tls_last.closed, outcome->established, outcome->closed);
    }
    free(input);
}

TEST(recorded_flights_replay)
{
    struct replay r = {0, 0, false};
    fuzz_tls_record(replay_seed, &r);
    CHECK(r.flights >= 20);
    CHECK(r.seeds > r.flights);
}

TEST(recorded_flights_replay_in_pieces)
{
    struct replay r = {0, 0, true};
    fuzz_tls_record(replay_seed, &r);
    CHECK(r.flights >= 20);
}

/* ---- every target on small inputs ---------------------------------------- */

typedef int (*target_fn)(const uint8_t *, size_t);

static void run_inputs(target_fn fn)
{
    static const char *const inputs[] = {
        "", "\x00", "\x01", "\x02", "\x03\x04", "-----BEGIN CERTIFICATE-----\n",
        "\x02" "\x02h2\x08http/1.1", "May  9 00:00:00 2007 GMT", "\x16\x03\x01\x00\x05hello",
        "b\xc3\xbc" "cher.example",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        size_t len = strlen(inputs[i]) + (i == 1); /* one input is a lone NUL */
        fn((const uint8_t *)inputs[i], len);
    }
}

TEST(every_target_alpn) { run_inputs(fuzz_target_alpn); }
TEST(every_target_cadata) { run_inputs(fuzz_target_cadata); }
TEST(every_target_cert_chain) { run_inputs(fuzz_target_cert_chain); }
TEST(every_target_cert_der) { run_inputs(fuzz_target_cert_der); }
TEST(every_target_cert_load) { run_inputs(fuzz_target_cert_load); }
TEST(every_target_cert_pem) { run_inputs(fuzz_target_cert_pem); }
TEST(every_target_cert_time) { run_inputs(fuzz_target_cert_time); }
TEST(every_target_cipher_strings) { run_inputs(fuzz_target_cipher_strings); }
TEST(every_target_client) { run_inputs(fuzz_target_client); }
TEST(every_target_hostname) { run_inputs(fuzz_target_hostname); }
TEST(every_target_pem_der) { run_inputs(fuzz_target_pem_der); }
TEST(every_target_pyrepr) { run_inputs(fuzz_target_pyrepr); }
TEST(every_target_server) { run_inputs(fuzz_target_server); }
TEST(every_target_session) { run_inputs(fuzz_target_session); }

/* ---- inputs the fuzzers found -------------------------------------------- */
