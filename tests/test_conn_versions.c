/*
 * test_conn_versions.c - minimum_version / maximum_version at handshake
 * time (seed behaviour 3): the client-bounds x server-bounds matrix over
 * TLS 1.2 and 1.3, impossible bounds (min 1.3 with max 1.2,
 * OP_NO_TLSv1_2 with max 1.2) that the setters accept and the handshake
 * refuses, the negotiated version() on both ends, and a differential run
 * of the same cases through Python's ssl over MemoryBIO.
 */
#include "sess_util.h"

/* A bound of the matrix: unset (the context's default), 1.2 or 1.3. */
enum { B_ANY, B_12, B_13 };
static const char *const bound_name[] = {"any", "12", "13"};
static const int bound_value[] = {0, CSSL_TLSVERSION_TLSv1_2, CSSL_TLSVERSION_TLSv1_3};

static void set_bounds(cssl_context *ctx, int min, int max)
{
    if (min != B_ANY)
        CHECK_OK(cssl_context_set_minimum_version(ctx, bound_value[min]));
    if (max != B_ANY)
        CHECK_OK(cssl_context_set_maximum_version(ctx, bound_value[max]));
}

/* One handshake between fresh contexts with these bounds. */
typedef struct outcome {
    side_result c, s;
    char c_version[16], s_version[16];
} outcome;

static void run_case(int cmin, int cmax, int smin, int smax, outcome *o)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    set_bounds(cctx, cmin, cmax);
    set_bounds(sctx, smin, smax);
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    pair_hs(&p, &o->c, &o->s);
    const char *cv = cssl_conn_version(p.client), *sv = cssl_conn_version(p.server);
    snprintf(o->c_version, sizeof o->c_version, "%s", cv ? cv : "None");
    snprintf(o->s_version, sizeof o->s_version, "%s", sv ? sv : "None");
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* A bound as a version range: the default minimum is TLS 1.2 (Python's),
 * the default maximum TLS 1.3. */
static int lo(int b) { return b == B_13 ? 0x304 : 0x303; }
static int hi(int b) { return b == B_12 ? 0x303 : 0x304; }

#define NO_PROTOCOLS "[SSL: NO_PROTOCOLS_AVAILABLE] no protocols available"
#define ALERT_VERSION "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version"
#define UNSUPPORTED "[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol"
#define UNEXPECTED "[SSL: UNEXPECTED_MESSAGE] unexpected message"

/*
 * What OpenSSL does with each combination (measured with Python's ssl):
 * an empty range fails locally with NO_PROTOCOLS_AVAILABLE — the client
 * before sending anything useful (the server then sees an unexpected
 * message), the server when the ClientHello arrives (the client gets a
 * protocol_version alert); disjoint ranges: the server refuses the
 * ClientHello (UNSUPPORTED_PROTOCOL) with a protocol_version alert;
 * otherwise the highest common version.
 */
static void check_case(int cmin, int cmax, int smin, int smax, const outcome *o)
{
    bool c_empty = lo(cmin) > hi(cmax), s_empty = lo(smin) > hi(smax);
    int common_hi = hi(cmax) < hi(smax) ? hi(cmax) : hi(smax);
    int common_lo = lo(cmin) > lo(smin) ? lo(cmin) : lo(smin);
    if (c_empty) {
        CHECK_SIDE(o->c, CSSL_ESSL, "SSL", "NO_PROTOCOLS_AVAILABLE", NO_PROTOCOLS);
        if (s_empty)
            CHECK_SIDE(o->s, CSSL_ESSL, "SSL", "NO_PROTOCOLS_AVAILABLE", NO_PROTOCOLS);
        else
            CHECK_SIDE(o->s, CSSL_ESSL, "SSL", "UNEXPECTED_MESSAGE", UNEXPECTED);
    } else if (s_empty) {
        CHECK_SIDE(o->c, CSSL_ESSL, "SSL", "TLSV1_ALERT_PROTOCOL_VERSION", ALERT_VERSION);
        CHECK_SIDE(o->s, CSSL_ESSL, "SSL", "NO_PROTOCOLS_AVAILABLE", NO_PROTOCOLS);
    } else if (common_lo > common_hi) {
        CHECK_SIDE(o->c, CSSL_ESSL, "SSL", "TLSV1_ALERT_PROTOCOL_VERSION", ALERT_VERSION);
        CHECK_SIDE(o->s, CSSL_ESSL, "SSL", "UNSUPPORTED_PROTOCOL", UNSUPPORTED);
    } else {
        const char *want = common_hi == 0x304 ? "TLSv1.3" : "TLSv1.2";
        CHECK_INT(o->c.rc, CSSL_OK);
        CHECK_INT(o->s.rc, CSSL_OK);
        CHECK_STR(o->c_version, want);
        CHECK_STR(o->s_version, want);
        return;
    }
    /* A failed handshake has no version. */
    CHECK_STR(o->c_version, "None");
    CHECK_STR(o->s_version, "None");
}

TEST(version_matrix_client_x_server_bounds)
{
    for (int cmin = 0; cmin < 3; cmin++)
        for (int cmax = 0; cmax < 3; cmax++)
            for (int smin = 0; smin < 3; smin++)
                for (int smax = 0; smax < 3; smax++) {
                    outcome o;
                    run_case(cmin, cmax, smin, smax, &o);
                    int before = harness_failures;
                    check_case(cmin, cmax, smin, smax, &o);
                    if (harness_failures != before)
                        fprintf(stderr, "  ^ in case client %s..%s server %s..%s\n",
                                bound_name[cmin], bound_name[cmax], bound_name[smin],
                                bound_name[smax]);
                }
}

/* The oracle prints, per case: bounds, client version, both outcomes. */
static const char PY_MATRIX[] =
    "V = {'12': ssl.TLSVersion.TLSv1_2, '13': ssl.TLSVersion.TLSv1_3}\n"
    "names = ('any', '12', '13')\n"
    "for cmin in names:\n"
    " for cmax in names:\n"
    "  for smin in names:\n"
    "   for smax in names:\n"
    "    c = client_ctx(); s = server_ctx()\n"
    "    if cmin in V: c.minimum_version = V[cmin]\n"
    "    if cmax in V: c.maximum_version = V[cmax]\n"
    "    if smin in V: s.minimum_version = V[smin]\n"
    "    if smax in V: s.maximum_version = V[smax]\n"
    "    p = P(c, s)\n"
    "    rc, rs = p.hs()\n"
    "    print(cmin, cmax, smin, smax, p.c.version(), p.s.version(), rc, rs)\n";

TEST(version_matrix_matches_python)
{
    char *py = sess_python(PY_MATRIX);
    size_t cap = 81 * 700, len = 0;
    char *ours = malloc(cap);
    REQUIRE(ours != NULL);
    ours[0] = '\0';
    for (int cmin = 0; cmin < 3; cmin++)
        for (int cmax = 0; cmax < 3; cmax++)
            for (int smin = 0; smin < 3; smin++)
                for (int smax = 0; smax < 3; smax++) {
                    outcome o;
                    run_case(cmin, cmax, smin, smax, &o);
                    char dc[700], ds[700];
                    side_describe(&o.c, dc, sizeof dc);
                    side_describe(&o.s, ds, sizeof ds);
                    len += (size_t)snprintf(ours + len, cap - len, "%s %s %s %s %s %s %s %s\n",
                                            bound_name[cmin], bound_name[cmax],
                                            bound_name[smin], bound_name[smax], o.c_version,
                                            o.s_version, dc, ds);
                    REQUIRE(len < cap);
                }
    check_same_lines(ours, py);
    free(ours);
    free(py);
}

/* ---- impossible bounds on one side ---------------------------------------- */

TEST(client_min13_max12_is_accepted_then_fails_to_connect)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    /* Seed 3: no consistency check at set time. */
    CHECK_OK(cssl_context_set_minimum_version(cctx, CSSL_TLSVERSION_TLSv1_3));
    CHECK_OK(cssl_context_set_maximum_version(cctx, CSSL_TLSVERSION_TLSv1_2));
    CHECK_INT(cssl_context_minimum_version(cctx), CSSL_TLSVERSION_TLSv1_3);
    CHECK_INT(cssl_context_maximum_version(cctx), CSSL_TLSVERSION_TLSv1_2);
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    side_result c, s;
    CHECK(!pair_hs(&p, &c, &s));
    CHECK_SIDE(c, CSSL_ESSL, "SSL", "NO_PROTOCOLS_AVAILABLE", NO_PROTOCOLS);
    CHECK_STR_CONTAINS(c.msg, " (conn_io.c:");
    CHECK_SIDE(s, CSSL_ESSL, "SSL", "UNEXPECTED_MESSAGE", UNEXPECTED);
    CHECK(cssl_conn_version(p.client) == NULL);
    CHECK(cssl_conn_cipher(p.client, NULL, NULL) == NULL);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(server_min13_max12_fails_to_connect)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    CHECK_OK(cssl_context_set_minimum_version(sctx, CSSL_TLSVERSION_TLSv1_3));
    CHECK_OK(cssl_context_set_maximum_version(sctx, CSSL_TLSVERSION_TLSv1_2));
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    side_result c, s;
    CHECK(!pair_hs(&p, &c, &s));
    CHECK_SIDE(c, CSSL_ESSL, "SSL", "TLSV1_ALERT_PROTOCOL_VERSION", ALERT_VERSION);
    CHECK_SIDE(s, CSSL_ESSL, "SSL", "NO_PROTOCOLS_AVAILABLE", NO_PROTOCOLS);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(failed_handshake_error_details)
{
    /* Python's SSLError for an I/O failure: errno SSL_ERROR_SSL (the packed
     * reason is the errno only for context errors), no verify details. */
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    CHECK_OK(cssl_context_set_maximum_version(cctx, CSSL_TLSVERSION_TLSv1_2));
    CHECK_OK(cssl_context_set_minimum_version(sctx, CSSL_TLSVERSION_TLSv1_3));
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    CHECK_INT(cssl_conn_do_handshake(p.client), CSSL_EWANT_READ);
    pair_pump(&p);
    CHECK_INT(cssl_conn_do_handshake(p.server), CSSL_ESSL);
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_SSL);
    CHECK_INT(cssl_error_verify_code(), -1);
    CHECK(cssl_error_verify_message() == NULL);
    CHECK_STR(cssl_error_library(), "SSL");
    CHECK_STR(cssl_error_reason(), "UNSUPPORTED_PROTOCOL");
    pair_pump(&p);
    CHECK_INT(cssl_conn_do_handshake(p.client), CSSL_ESSL);
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_SSL);
    CHECK_STR(cssl_error_reason(), "TLSV1_ALERT_PROTOCOL_VERSION");
    /* Retrying a failed handshake never succeeds: as in Python, the client
     * (which received the fatal alert) reports the closed connection, the
     * server (which sent it) an EOF. */
    CHECK_ERR_STARTS(cssl_conn_do_handshake(p.client), CSSL_EZERO_RETURN,
                     "TLS/SSL connection has been closed (EOF) (conn_io.c:");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_ZERO_RETURN);
    CHECK_ERR_STARTS(cssl_conn_do_handshake(p.server), CSSL_EEOF,
                     "EOF occurred in violation of protocol (conn_io.c:");
    CHECK_INT(cssl_error_errno(), CSSL_SSL_ERROR_EOF);
    CHECK(cssl_conn_version(p.client) == NULL);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* ---- OP_NO_TLSv* together with the bounds --------------------------------- */

TEST(op_no_tlsv1_2_with_max12_on_client_fails_to_connect)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    CHECK_OK(cssl_context_set_options(cctx, cssl_context_options(cctx) | CSSL_OP_NO_TLSv1_2));
    CHECK_OK(cssl_context_set_maximum_version(cctx, CSSL_TLSVERSION_TLSv1_2));
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    side_result c, s;
    CHECK(!pair_hs(&p, &c, &s));
    CHECK_SIDE(c, CSSL_ESSL, "SSL", "NO_PROTOCOLS_AVAILABLE", NO_PROTOCOLS);
    CHECK_SIDE(s, CSSL_ESSL, "SSL", "UNEXPECTED_MESSAGE", UNEXPECTED);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(op_no_tlsv1_2_with_max12_on_server_fails_to_connect)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    CHECK_OK(cssl_context_set_options(sctx, cssl_context_options(sctx) | CSSL_OP_NO_TLSv1_2));
    CHECK_OK(cssl_context_set_maximum_version(sctx, CSSL_TLSVERSION_TLSv1_2));
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    side_result c, s;
    CHECK(!pair_hs(&p, &c, &s));
    CHECK_SIDE(c, CSSL_ESSL, "SSL", "TLSV1_ALERT_PROTOCOL_VERSION", ALERT_VERSION);
    CHECK_SIDE(s, CSSL_ESSL, "SSL", "NO_PROTOCOLS_AVAILABLE", NO_PROTOCOLS);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(op_no_tlsv1_3_negotiates_tls12)
{
    for (int side = 0; side < 2; side++) {
        cssl_context *cctx = client_context(), *sctx = server_context("server");
        cssl_context *x = side == 0 ? cctx : sctx;
        CHECK_OK(cssl_context_set_options(x, cssl_context_options(x) | CSSL_OP_NO_TLSv1_3));
        tls_pair p;
        pair_init(&p, cctx, sctx, "localhost", NULL);
        CHECK(pair_hs(&p, NULL, NULL));
        CHECK_STR(cssl_conn_version(p.client), "TLSv1.2");
        CHECK_STR(cssl_conn_version(p.server), "TLSv1.2");
        const char *proto = NULL;
        CHECK(cssl_conn_cipher(p.client, &proto, NULL) != NULL);
        CHECK_STR(proto, "TLSv1.2");
        pair_free(&p);
        cssl_context_free(cctx);
        cssl_context_free(sctx);
    }
}

TEST(op_no_tlsv1_2_and_1_3_leave_nothing)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    CHECK_OK(cssl_context_set_options(
        cctx, cssl_context_options(cctx) | CSSL_OP_NO_TLSv1_2 | CSSL_OP_NO_TLSv1_3));
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    side_result c, s;
    CHECK(!pair_hs(&p, &c, &s));
    CHECK_SIDE(c, CSSL_ESSL, "SSL", "NO_PROTOCOLS_AVAILABLE", NO_PROTOCOLS);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

/* Versions below 1.2 are compiled in but refused at security level 2. */
TEST(tls11_bounds_fail_at_default_security_level)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    CHECK_OK(cssl_context_set_minimum_version(cctx, CSSL_TLSVERSION_MINIMUM_SUPPORTED));
    CHECK_OK(cssl_context_set_maximum_version(cctx, CSSL_TLSVERSION_TLSv1_1));
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    side_result c, s;
    CHECK(!pair_hs(&p, &c, &s));
    /* OpenSSL finds no TLS 1.1 cipher allowed at level 2 (as Python). */
    CHECK_SIDE(c, CSSL_ESSL, "SSL", "NO_CIPHERS_AVAILABLE",
               "[SSL: NO_CIPHERS_AVAILABLE] no ciphers available");
    CHECK_SIDE(s, CSSL_ESSL, "SSL", "UNEXPECTED_MESSAGE", UNEXPECTED);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

static const char PY_OPTIONS[] =
    "def case(name, side, opts=0, minv=None, maxv=None):\n"
    "    c = client_ctx(); s = server_ctx()\n"
    "    x = c if side == 'c' else s\n"
    "    x.options |= opts\n"
    "    if minv is not None: x.minimum_version = minv\n"
    "    if maxv is not None: x.maximum_version = maxv\n"
    "    p = P(c, s)\n"
    "    rc, rs = p.hs()\n"
    "    print(name, side, p.c.version(), p.s.version(), rc, rs)\n"
    "T = ssl.TLSVersion\n"
    "for side in 'cs':\n"
    "    case('no12+max12', side, ssl.OP_NO_TLSv1_2, None, T.TLSv1_2)\n"
    "    case('no13', side, ssl.OP_NO_TLSv1_3)\n"
    "    case('no12+no13', side, ssl.OP_NO_TLSv1_2 | ssl.OP_NO_TLSv1_3)\n"
    "    case('no13+min13', side, ssl.OP_NO_TLSv1_3, T.TLSv1_3)\n"
    "    case('max11', side, 0, T.MINIMUM_SUPPORTED, T.TLSv1_1)\n"
    "    case('min-max', side, 0, T.MAXIMUM_SUPPORTED, T.MINIMUM_SUPPORTED)\n";

TEST(options_and_bounds_match_python)
{
    char *py = sess_python(PY_OPTIONS);
    struct {
        const char *name;
        uint64_t opts;
        int minv, maxv; /* 0: leave */
    } cases[] = {
        {"no12+max12", CSSL_OP_NO_TLSv1_2, 0, CSSL_TLSVERSION_TLSv1_2},
        {"no13", CSSL_OP_NO_TLSv1_3, 0, 0},
        {"no12+no13", CSSL_OP_NO_TLSv1_2 | CSSL_OP_NO_TLSv1_3, 0, 0},
        {"no13+min13", CSSL_OP_NO_TLSv1_3, CSSL_TLSVERSION_TLSv1_3, 0},
        {"max11", 0, CSSL_TLSVERSION_MINIMUM_SUPPORTED, CSSL_TLSVERSION_TLSv1_1},
        {"min-max", 0, CSSL_TLSVERSION_MAXIMUM_SUPPORTED, CSSL_TLSVERSION_MINIMUM_SUPPORTED},
    };
    char ours[16384];
    size_t len = 0;
    ours[0] = '\0';
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            cssl_context *cctx = client_context(), *sctx = server_context("server");
            cssl_context *x = side == 0 ? cctx : sctx;
            CHECK_OK(cssl_context_set_options(x, cssl_context_options(x) | cases[i].opts));
            if (cases[i].minv)
                CHECK_OK(cssl_context_set_minimum_version(x, cases[i].minv));
            if (cases[i].maxv)
                CHECK_OK(cssl_context_set_maximum_version(x, cases[i].maxv));
            tls_pair p;
            pair_init(&p, cctx, sctx, "localhost", NULL);
            side_result c, s;
            pair_hs(&p, &c, &s);
            char dc[700], ds[700];
            side_describe(&c, dc, sizeof dc);
            side_describe(&s, ds, sizeof ds);
            const char *cv = cssl_conn_version(p.client), *sv = cssl_conn_version(p.server);
            len += (size_t)snprintf(ours + len, sizeof ours - len, "%s %c %s %s %s %s\n",
                                    cases[i].name, side == 0 ? 'c' : 's', cv ? cv : "None",
                                    sv ? sv : "None", dc, ds);
            REQUIRE(len < sizeof ours);
            pair_free(&p);
            cssl_context_free(cctx);
            cssl_context_free(sctx);
        }
    check_same_lines(ours, py);
    free(py);
}

/* ---- version() ---------------------------------------------------------------- */

TEST(version_is_null_before_the_handshake_and_set_after)
{
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    CHECK(cssl_conn_version(p.client) == NULL);
    CHECK(cssl_conn_version(p.server) == NULL);
    /* Half-way through (client sent its hello): still none. */
    CHECK_INT(cssl_conn_do_handshake(p.client), CSSL_EWANT_READ);
    CHECK(cssl_conn_version(p.client) == NULL);
    CHECK(pair_hs(&p, NULL, NULL));
    CHECK_STR(cssl_conn_version(p.client), "TLSv1.3");
    CHECK_STR(cssl_conn_version(p.server), "TLSv1.3");
    const char *proto = NULL;
    int bits = 0;
    CHECK(cssl_conn_cipher(p.server, &proto, &bits) != NULL);
    CHECK_STR(proto, "TLSv1.3");
    CHECK(bits >= 128);
    CHECK(cssl_conn_version(NULL) == NULL);
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}

TEST(bounds_are_taken_when_the_connection_is_created)
{
    /* OpenSSL copies the context's bounds into each SSL at creation (as in
     * Python): changing them later affects only new connections. */
    cssl_context *cctx = client_context(), *sctx = server_context("server");
    tls_pair p;
    pair_init(&p, cctx, sctx, "localhost", NULL);
    CHECK_OK(cssl_context_set_maximum_version(cctx, CSSL_TLSVERSION_TLSv1_2));
    CHECK(pair_hs(&p, NULL, NULL));
    CHECK_STR(cssl_conn_version(p.client), "TLSv1.3");
    pair_free(&p);
    pair_init(&p, cctx, sctx, "localhost", NULL);
    CHECK(pair_hs(&p, NULL, NULL));
    CHECK_STR(cssl_conn_version(p.client), "TLSv1.2");
    pair_free(&p);
    cssl_context_free(cctx);
    cssl_context_free(sctx);
}
