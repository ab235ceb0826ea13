/*
 * test_context.c - cssl_context construction and attributes: the seed
 * behaviours of SPEC §1 (verify_mode/check_hostname, min/max version,
 * num_tickets, options) and every default, compared with Python's ssl.
 */
#include "harness.h"

#include <unistd.h>

static const int all_protocols[] = {CSSL_PROTOCOL_TLS,     CSSL_PROTOCOL_TLSv1,
                                    CSSL_PROTOCOL_TLSv1_1, CSSL_PROTOCOL_TLSv1_2,
                                    CSSL_PROTOCOL_TLS_CLIENT, CSSL_PROTOCOL_TLS_SERVER};
#define NPROTO (sizeof all_protocols / sizeof all_protocols[0])

static cssl_context *new_ctx(int protocol)
{
    cssl_context *ctx = cssl_context_new(protocol);
    if (ctx == NULL)
        harness_fail(__FILE__, __LINE__, "cssl_context_new(%d): %s", protocol,
                     cssl_error_message());
    REQUIRE(ctx != NULL);
    return ctx;
}

/* The attributes Python's oracle prints, in the same format. */
static void describe(cssl_context *ctx, char *buf, size_t size)
{
    const char *keylog = cssl_context_keylog_filename(ctx);
    snprintf(buf, size, "%d %d %d %lu %llu %d %d %ld %d %d %d %s", cssl_context_protocol(ctx),
             cssl_context_verify_mode(ctx), cssl_context_check_hostname(ctx),
             cssl_context_verify_flags(ctx), (unsigned long long)cssl_context_options(ctx),
             cssl_context_minimum_version(ctx), cssl_context_maximum_version(ctx),
             cssl_context_num_tickets(ctx), cssl_context_post_handshake_auth(ctx),
             cssl_context_hostname_checks_common_name(ctx), cssl_context_security_level(ctx),
             keylog ? keylog : "None");
}

static const char *py_describe =
    "import ssl, warnings\n"
    "warnings.simplefilter('ignore')\n"
    "def d(c):\n"
    "    print(int(c.protocol), int(c.verify_mode), int(c.check_hostname), int(c.verify_flags),\n"
    "          int(c.options), int(c.minimum_version), int(c.maximum_version), c.num_tickets,\n"
    "          int(c.post_handshake_auth), int(c.hostname_checks_common_name),\n"
    "          c.security_level, c.keylog_filename)\n";

/* Split the oracle's output into lines (modifies out). */
static size_t split_lines(char *out, char **lines, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(out, "\n", &save); l && n < max;
         l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    return n;
}

TEST(new_every_protocol_matches_python_defaults)
{
    unsetenv("SSLKEYLOGFILE");
    char code[2048];
    snprintf(code, sizeof code,
             "%sfor p in (2, 3, 4, 5, 16, 17):\n    d(ssl.SSLContext(p))\n", py_describe);
    char *out = python_run(code, NULL);
    char *lines[16];
    REQUIRE(split_lines(out, lines, 16) == NPROTO);
    for (size_t i = 0; i < NPROTO; i++) {
        cssl_context *ctx = new_ctx(all_protocols[i]);
        char mine[512];
        describe(ctx, mine, sizeof mine);
        CHECK_STR(mine, lines[i]);
        cssl_context_free(ctx);
    }
    free(out);
}

TEST(default_contexts_match_python)
{
    unsetenv("SSLKEYLOGFILE");
    char code[2048];
    snprintf(code, sizeof code,
             "%sd(ssl.create_default_context())\n"
             "d(ssl.create_default_context(ssl.Purpose.CLIENT_AUTH))\n"
             "d(ssl._create_unverified_context())\n"
             "d(ssl._create_unverified_context(purpose=ssl.Purpose.CLIENT_AUTH))\n"
             "print(ssl.create_default_context().cert_store_stats()['x509_ca'])\n",
             py_describe);
    char *out = python_run(code, NULL);
    char *lines[8];
    REQUIRE(split_lines(out, lines, 8) == 5);
    cssl_context *ctxs[4] = {
        cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL, NULL, 0, 0),
        cssl_create_default_context(CSSL_PURPOSE_CLIENT_AUTH, NULL, NULL, NULL, 0, 0),
        cssl_create_unverified_context(CSSL_PURPOSE_SERVER_AUTH),
        cssl_create_unverified_context(CSSL_PURPOSE_CLIENT_AUTH),
    };
    for (int i = 0; i < 4; i++) {
        if (ctxs[i] == NULL)
            harness_fail(__FILE__, __LINE__, "context %d: %s", i, cssl_error_message());
        REQUIRE(ctxs[i] != NULL);
        char mine[512], expected[512];
        describe(ctxs[i], mine, sizeof mine);
        snprintf(expected, sizeof expected, "%s", lines[i]);
        if (i < 2 && !python_is_313()) {
            /* Python 3.11 lacks 3.13's PARTIAL_CHAIN|X509_STRICT (SPEC). */
            unsigned p, vm, ch;
            unsigned long flags;
            int used = 0;
            REQUIRE(sscanf(lines[i], "%u %u %u %lu %n", &p, &vm, &ch, &flags, &used) == 4);
            snprintf(expected, sizeof expected, "%u %u %u %lu %s", p, vm, ch,
                     flags | CSSL_VERIFY_X509_PARTIAL_CHAIN | CSSL_VERIFY_X509_STRICT,
                     lines[i] + used);
        }
        CHECK_STR(mine, expected);
    }
    cssl_cert_store_stats stats;
    CHECK_OK(cssl_context_cert_store_stats(ctxs[0], &stats));
    CHECK_INT(stats.x509_ca, atol(lines[4]));
    for (int i = 0; i < 4; i++)
        cssl_context_free(ctxs[i]);
    free(out);
}

TEST(default_context_bad_purpose)
{
    CHECK_NULL_ERR(cssl_create_default_context(42, NULL, NULL, NULL, 0, 0), CSSL_EVALUE,
                   "invalid purpose 42");
    CHECK_NULL_ERR(cssl_create_unverified_context(0), CSSL_EVALUE, "invalid purpose 0");
}

TEST(default_context_with_cafile_loads_only_it)
{
    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, fixture("ca.pem"),
                                                     NULL, NULL, 0, 0);
    REQUIRE(ctx != NULL);
    cssl_cert_store_stats stats;
    CHECK_OK(cssl_context_cert_store_stats(ctx, &stats));
    CHECK_INT(stats.x509_ca, 1);
    cssl_context_free(ctx);
    /* A CLIENT_AUTH (server) context verifies nothing, so loads no CAs. */
    ctx = cssl_create_default_context(CSSL_PURPOSE_CLIENT_AUTH, NULL, NULL, NULL, 0, 0);
    REQUIRE(ctx != NULL);
    CHECK_OK(cssl_context_cert_store_stats(ctx, &stats));
    CHECK_INT(stats.x509, 0);
    cssl_context_free(ctx);
}

TEST(default_context_with_missing_cafile_fails)
{
    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH,
                                                    "/nonexistent/ca.pem", NULL, NULL, 0, 0);
    CHECK(ctx == NULL);
    CHECK_INT(cssl_error_status(), CSSL_EOS);
    CHECK_INT(cssl_error_errno(), 2);
}

TEST(new_rejects_unknown_protocols)
{
    CHECK_NULL_ERR(cssl_context_new(42), CSSL_EVALUE, "invalid or unsupported protocol version 42");
    CHECK_NULL_ERR(cssl_context_new(-1), CSSL_EVALUE, "invalid or unsupported protocol version -1");
    CHECK_NULL_ERR(cssl_context_new(0), CSSL_EVALUE, "invalid or unsupported protocol version 0");
    CHECK_NULL_ERR(cssl_context_new(1), CSSL_EVALUE, "invalid or unsupported protocol version 1");
    /* Python agrees on every one of them. */
    char *out = python_run("import ssl\n"
                           "for p in (42, -1, 0, 1):\n"
                           "    try: ssl.SSLContext(p)\n"
                           "    except ValueError as e: print(e)\n",
                           NULL);
    CHECK_STR(out, "invalid or unsupported protocol version 42\n"
                   "invalid or unsupported protocol version -1\n"
                   "invalid or unsupported protocol version 0\n"
                   "invalid or unsupported protocol version 1\n");
    free(out);
}

TEST(refcount_keeps_context_alive)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK(cssl_context_up_ref(ctx) == ctx);
    cssl_context_free(ctx);
    /* Still usable: one reference left. */
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_REQUIRED);
    cssl_context_free(ctx);
    cssl_context_free(NULL);
    CHECK_NULL_ERR(cssl_context_up_ref(NULL), CSSL_EVALUE, "ctx must not be NULL");
}

/* ---- seed 1: verify_mode and check_hostname ------------------------------ */

TEST(client_starts_with_hostname_check_and_cert_required)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK(cssl_context_check_hostname(ctx));
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_REQUIRED);
    cssl_context_free(ctx);
    for (size_t i = 0; i < NPROTO; i++) {
        if (all_protocols[i] == CSSL_PROTOCOL_TLS_CLIENT)
            continue;
        ctx = new_ctx(all_protocols[i]);
        CHECK(!cssl_context_check_hostname(ctx));
        CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_NONE);
        cssl_context_free(ctx);
    }
}

TEST(enabling_check_hostname_upgrades_cert_none)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_SERVER);
    CHECK_OK(cssl_context_set_check_hostname(ctx, true));
    CHECK(cssl_context_check_hostname(ctx));
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_REQUIRED);
    cssl_context_free(ctx);
}

TEST(enabling_check_hostname_keeps_cert_optional)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS);
    CHECK_OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_OPTIONAL));
    CHECK_OK(cssl_context_set_check_hostname(ctx, true));
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_OPTIONAL);
    cssl_context_free(ctx);
}

TEST(disabling_check_hostname_keeps_verify_mode)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_set_check_hostname(ctx, false));
    CHECK(!cssl_context_check_hostname(ctx));
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_REQUIRED);
    CHECK_OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_NONE));
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_NONE);
    cssl_context_free(ctx);
}

TEST(cert_none_refused_while_check_hostname)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_ERR(cssl_context_set_verify_mode(ctx, CSSL_CERT_NONE), CSSL_EVALUE,
              "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_REQUIRED);
    /* Out-of-range values get the range error; CERT_OPTIONAL is allowed. */
    CHECK_ERR(cssl_context_set_verify_mode(ctx, 3), CSSL_EVALUE, "invalid value for verify_mode");
    CHECK_ERR(cssl_context_set_verify_mode(ctx, -1), CSSL_EVALUE, "invalid value for verify_mode");
    CHECK_OK(cssl_context_set_verify_mode(ctx, CSSL_CERT_OPTIONAL));
    CHECK_INT(cssl_context_verify_mode(ctx), CSSL_CERT_OPTIONAL);
    cssl_context_free(ctx);
}

/* The same sequence of operations in Python and in C gives the same trace. */
TEST(verify_mode_check_hostname_matrix_matches_python)
{
    /* op codes: h0/h1 set check_hostname; mN set verify_mode N */
    static const char *ops[] = {"h0", "m0", "h1", "m1", "h1", "m2", "h0", "m0", "m1",
                                "h1", "m0", "m7", "h0", "m2", "h1", "h0", "m0", "m9", NULL};
    size_t nops = sizeof ops / sizeof ops[0] - 1;
    char code[4096];
    int n = snprintf(code, sizeof code,
                     "import ssl, sys\n"
                     "for p in (16, 17, 2):\n"
                     "    c = ssl.SSLContext(p)\n"
                     "    for op in sys.argv[1:]:\n"
                     "        try:\n"
                     "            if op[0] == 'h': c.check_hostname = bool(int(op[1]))\n"
                     "            else: c.verify_mode = int(op[1])\n"
                     "            r = 'ok'\n"
                     "        except ValueError as e: r = str(e)\n"
                     "        print(op, r, int(c.verify_mode), int(c.check_hostname))\n");
    REQUIRE(n > 0 && (size_t)n < sizeof code);
    char *out = python_run(code, ops);
    char mine[8192] = "";
    size_t used = 0;
    static const int protos[] = {CSSL_PROTOCOL_TLS_CLIENT, CSSL_PROTOCOL_TLS_SERVER,
                                 CSSL_PROTOCOL_TLS};
    for (int p = 0; p < 3; p++) {
        cssl_context *ctx = new_ctx(protos[p]);
        for (size_t i = 0; i < nops; i++) {
            int arg = ops[i][1] - '0';
            int rc = ops[i][0] == 'h' ? cssl_context_set_check_hostname(ctx, arg != 0)
                                      : cssl_context_set_verify_mode(ctx, arg);
            used += (size_t)snprintf(mine + used, sizeof mine - used, "%s %s %d %d\n", ops[i],
                                     rc == 0 ? "ok" : cssl_error_message(),
                                     cssl_context_verify_mode(ctx),
                                     cssl_context_check_hostname(ctx));
        }
        cssl_context_free(ctx);
    }
    CHECK_STR(mine, out);
    free(out);
}

/* ---- seed 3: minimum_version / maximum_version --------------------------- */

TEST(version_bounds_defaults)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_INT(cssl_context_minimum_version(ctx), CSSL_TLSVERSION_TLSv1_2);
    CHECK_INT(cssl_context_maximum_version(ctx), CSSL_TLSVERSION_MAXIMUM_SUPPORTED);
    cssl_context_free(ctx);
    ctx = new_ctx(CSSL_PROTOCOL_TLSv1_2);
    CHECK_INT(cssl_context_minimum_version(ctx), CSSL_TLSVERSION_MINIMUM_SUPPORTED);
    CHECK_INT(cssl_context_maximum_version(ctx), CSSL_TLSVERSION_MAXIMUM_SUPPORTED);
    cssl_context_free(ctx);
}

TEST(version_bounds_read_only_on_pinned_protocols)
{
    static const int pinned[] = {CSSL_PROTOCOL_TLSv1, CSSL_PROTOCOL_TLSv1_1, CSSL_PROTOCOL_TLSv1_2};
    for (int i = 0; i < 3; i++) {
        cssl_context *ctx = new_ctx(pinned[i]);
        const char *msg = "The context's protocol doesn't support modification of highest and "
                          "lowest version.";
        CHECK_ERR(cssl_context_set_minimum_version(ctx, CSSL_TLSVERSION_TLSv1_2), CSSL_EVALUE, msg);
        CHECK_ERR(cssl_context_set_maximum_version(ctx, CSSL_TLSVERSION_TLSv1_2), CSSL_EVALUE, msg);
        /* The protocol check comes before the value check. */
        CHECK_ERR(cssl_context_set_maximum_version(ctx, 42), CSSL_EVALUE, msg);
        CHECK_INT(cssl_context_minimum_version(ctx), CSSL_TLSVERSION_MINIMUM_SUPPORTED);
        cssl_context_free(ctx);
    }
}

TEST(version_bounds_reject_unknown_values)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_SERVER);
    CHECK_ERR(cssl_context_set_minimum_version(ctx, 42), CSSL_EVALUE,
              "Unsupported TLS/SSL version 0x2a");
    CHECK_ERR(cssl_context_set_maximum_version(ctx, 0x305), CSSL_EVALUE,
              "Unsupported TLS/SSL version 0x305");
    CHECK_ERR(cssl_context_set_maximum_version(ctx, 0), CSSL_EVALUE,
              "Unsupported TLS/SSL version 0x0");
    CHECK_INT(cssl_context_minimum_version(ctx), CSSL_TLSVERSION_TLSv1_2);
    cssl_context_free(ctx);
}

TEST(version_bounds_inconsistent_combination_accepted)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_set_minimum_version(ctx, CSSL_TLSVERSION_TLSv1_3));
    CHECK_OK(cssl_context_set_maximum_version(ctx, CSSL_TLSVERSION_TLSv1_2));
    CHECK_INT(cssl_context_minimum_version(ctx), CSSL_TLSVERSION_TLSv1_3);
    CHECK_INT(cssl_context_maximum_version(ctx), CSSL_TLSVERSION_TLSv1_2);
    CHECK_OK(cssl_context_set_options(ctx, cssl_context_options(ctx) | CSSL_OP_NO_TLSv1_2));
    cssl_context_free(ctx);
}

/* Every legal and several illegal settings, min then max, as Python reads
 * them back (and the options, since setting SSLv3 clears OP_NO_SSLv3). */
TEST(version_bounds_match_python)
{
    static const int values[] = {-2, -1, 0x300, 0x301, 0x302, 0x303, 0x304, 42, -3, 0x2ff};
    size_t nvalues = sizeof values / sizeof values[0];
    char *out = python_run(
        "import ssl, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "for p in (2, 16, 17, 5):\n"
        "    for v in (-2, -1, 0x300, 0x301, 0x302, 0x303, 0x304, 42, -3, 0x2ff):\n"
        "        for attr in ('minimum_version', 'maximum_version'):\n"
        "            c = ssl.SSLContext(p)\n"
        "            try:\n"
        "                setattr(c, attr, v); r = 'ok'\n"
        "            except ValueError as e: r = str(e)\n"
        "            print(p, v, attr, r, int(c.minimum_version), int(c.maximum_version),\n"
        "                  int(c.options))\n",
        NULL);
    static const int protos[] = {CSSL_PROTOCOL_TLS, CSSL_PROTOCOL_TLS_CLIENT,
                                 CSSL_PROTOCOL_TLS_SERVER, CSSL_PROTOCOL_TLSv1_2};
    size_t cap = 65536, used = 0;
    char *mine = malloc(cap);
    REQUIRE(mine != NULL);
    mine[0] = '\0';
    for (int p = 0; p < 4; p++) {
        for (size_t i = 0; i < nvalues; i++) {
            for (int is_max = 0; is_max < 2; is_max++) {
                cssl_context *ctx = new_ctx(protos[p]);
                int rc = is_max ? cssl_context_set_maximum_version(ctx, values[i])
                                : cssl_context_set_minimum_version(ctx, values[i]);
                used += (size_t)snprintf(
                    mine + used, cap - used, "%d %d %s %s %d %d %llu\n", protos[p], values[i],
                    is_max ? "maximum_version" : "minimum_version",
                    rc == 0 ? "ok" : cssl_error_message(), cssl_context_minimum_version(ctx),
                    cssl_context_maximum_version(ctx),
                    (unsigned long long)cssl_context_options(ctx));
                cssl_context_free(ctx);
            }
        }
    }
    CHECK_STR(mine, out);
    free(mine);
    free(out);
}

/* ---- seed 4: num_tickets ------------------------------------------------- */

TEST(num_tickets_default_two_everywhere)
{
    for (size_t i = 0; i < NPROTO; i++) {
        cssl_context *ctx = new_ctx(all_protocols[i]);
        CHECK_INT(cssl_context_num_tickets(ctx), 2);
        cssl_context_free(ctx);
    }
}

TEST(num_tickets_server_settable_including_zero)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_SERVER);
    for (long n = 5; n >= 0; n--) {
        CHECK_OK(cssl_context_set_num_tickets(ctx, n));
        CHECK_INT(cssl_context_num_tickets(ctx), n);
    }
    CHECK_ERR(cssl_context_set_num_tickets(ctx, -1), CSSL_EVALUE, "value must be non-negative");
    CHECK_INT(cssl_context_num_tickets(ctx), 0);
    cssl_context_free(ctx);
}

TEST(num_tickets_refused_on_non_server_contexts)
{
    for (size_t i = 0; i < NPROTO; i++) {
        if (all_protocols[i] == CSSL_PROTOCOL_TLS_SERVER)
            continue;
        cssl_context *ctx = new_ctx(all_protocols[i]);
        CHECK_ERR(cssl_context_set_num_tickets(ctx, 1), CSSL_EVALUE,
                  "SSLContext is not a server context.");
        /* The sign is checked first. */
        CHECK_ERR(cssl_context_set_num_tickets(ctx, -1), CSSL_EVALUE,
                  "value must be non-negative");
        CHECK_INT(cssl_context_num_tickets(ctx), 2);
        cssl_context_free(ctx);
    }
}

TEST(num_tickets_match_python)
{
    char *out = python_run("import ssl, warnings\n"
                           "warnings.simplefilter('ignore')\n"
                           "for p in (2, 16, 17):\n"
                           "    c = ssl.SSLContext(p)\n"
                           "    for n in (1, 0, -1, 5):\n"
                           "        try: c.num_tickets = n; r = 'ok'\n"
                           "        except ValueError as e: r = str(e)\n"
                           "        print(p, n, r, c.num_tickets)\n",
                           NULL);
    char mine[4096];
    size_t used = 0;
    static const int protos[] = {CSSL_PROTOCOL_TLS, CSSL_PROTOCOL_TLS_CLIENT,
                                 CSSL_PROTOCOL_TLS_SERVER};
    static const long ns[] = {1, 0, -1, 5};
    for (int p = 0; p < 3; p++) {
        cssl_context *ctx = new_ctx(protos[p]);
        for (int i = 0; i < 4; i++) {
            int rc = cssl_context_set_num_tickets(ctx, ns[i]);
            used += (size_t)snprintf(mine + used, sizeof mine - used, "%d %ld %s %ld\n",
                                     protos[p], ns[i], rc == 0 ? "ok" : cssl_error_message(),
                                     cssl_context_num_tickets(ctx));
        }
        cssl_context_free(ctx);
    }
    CHECK_STR(mine, out);
    free(out);
}

/* ---- seed 5: options ----------------------------------------------------- */

TEST(options_default_value)
{
    for (size_t i = 0; i < NPROTO; i++) {
        cssl_context *ctx = new_ctx(all_protocols[i]);
        CHECK_U64(cssl_context_options(ctx), UINT64_C(0x82520050));
        CHECK_U64(cssl_context_options(ctx),
                  CSSL_OP_ALL | CSSL_OP_NO_SSLv3 | CSSL_OP_CIPHER_SERVER_PREFERENCE |
                      CSSL_OP_ENABLE_MIDDLEBOX_COMPAT | CSSL_OP_NO_COMPRESSION);
        cssl_context_free(ctx);
    }
}

TEST(options_set_and_clear_match_python)
{
    /* Each step: '|' or '&~' or '=' with a value. */
    static const struct {
        char op;
        uint64_t v;
    } steps[] = {
        {'|', CSSL_OP_NO_TLSv1},
        {'|', CSSL_OP_NO_TICKET},
        {'~', CSSL_OP_NO_COMPRESSION},
        {'|', CSSL_OP_IGNORE_UNEXPECTED_EOF | CSSL_OP_NO_RENEGOTIATION},
        {'=', CSSL_OP_ALL},
        {'|', UINT64_C(1) << 40},
        {'~', CSSL_OP_ALL},
        {'=', 0},
        {'=', UINT64_C(0x82520050)},
        {'|', CSSL_OP_NO_TLSv1_2 | CSSL_OP_LEGACY_SERVER_CONNECT},
    };
    size_t nsteps = sizeof steps / sizeof steps[0];
    char code[4096];
    size_t used = (size_t)snprintf(code, sizeof code,
                                   "import ssl, warnings\nwarnings.simplefilter('ignore')\n"
                                   "c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n");
    for (size_t i = 0; i < nsteps; i++) {
        const char *op = steps[i].op == '|' ? "c.options |= %llu\n"
                         : steps[i].op == '~' ? "c.options &= ~%llu\n"
                                              : "c.options = %llu\n";
        used += (size_t)snprintf(code + used, sizeof code - used, op,
                                 (unsigned long long)steps[i].v);
        used += (size_t)snprintf(code + used, sizeof code - used, "print(int(c.options))\n");
    }
    char *out = python_run(code, NULL);
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    char mine[4096];
    size_t m = 0;
    for (size_t i = 0; i < nsteps; i++) {
        uint64_t now = cssl_context_options(ctx);
        uint64_t next = steps[i].op == '|'   ? now | steps[i].v
                        : steps[i].op == '~' ? now & ~steps[i].v
                                             : steps[i].v;
        CHECK_OK(cssl_context_set_options(ctx, next));
        m += (size_t)snprintf(mine + m, sizeof mine - m, "%llu\n",
                              (unsigned long long)cssl_context_options(ctx));
    }
    CHECK_STR(mine, out);
    cssl_context_free(ctx);
    free(out);
}

TEST(options_or_no_tlsv1_value)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_set_options(ctx, cssl_context_options(ctx) | CSSL_OP_NO_TLSv1));
    CHECK_U64(cssl_context_options(ctx), UINT64_C(0x86520050));
    cssl_context_set_minimum_version(ctx, CSSL_TLSVERSION_SSLv3);
    CHECK_U64(cssl_context_options(ctx) & CSSL_OP_NO_SSLv3, 0);
    cssl_context_free(ctx);
}

TEST(options_text_of_default)
{
    char buf[256];
    size_t n = cssl_options_to_string(UINT64_C(0x82520050), buf, sizeof buf);
    CHECK_STR(buf, "OP_NO_COMPRESSION|OP_ENABLE_MIDDLEBOX_COMPAT|OP_CIPHER_SERVER_PREFERENCE|"
                   "OP_NO_SSLv3|OP_ALL");
    CHECK_INT(n, strlen(buf));
}

/* ---- other attributes ---------------------------------------------------- */

TEST(verify_flags_replace_whole_set)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_INT(cssl_context_verify_flags(ctx), CSSL_VERIFY_X509_TRUSTED_FIRST);
    CHECK_OK(cssl_context_set_verify_flags(ctx, CSSL_VERIFY_CRL_CHECK_LEAF));
    CHECK_INT(cssl_context_verify_flags(ctx), CSSL_VERIFY_CRL_CHECK_LEAF);
    CHECK_OK(cssl_context_set_verify_flags(ctx, CSSL_VERIFY_CRL_CHECK_CHAIN |
                                                    CSSL_VERIFY_X509_STRICT));
    CHECK_INT(cssl_context_verify_flags(ctx), CSSL_VERIFY_CRL_CHECK_CHAIN | CSSL_VERIFY_X509_STRICT);
    CHECK_OK(cssl_context_set_verify_flags(ctx, 0));
    CHECK_INT(cssl_context_verify_flags(ctx), 0);
    cssl_context_free(ctx);
}

TEST(post_handshake_auth_default_and_set)
{
    for (size_t i = 0; i < NPROTO; i++) {
        cssl_context *ctx = new_ctx(all_protocols[i]);
        CHECK(!cssl_context_post_handshake_auth(ctx));
        CHECK_OK(cssl_context_set_post_handshake_auth(ctx, true));
        CHECK(cssl_context_post_handshake_auth(ctx));
        /* It does not enable verification by itself (bpo-37428). */
        CHECK_INT(cssl_context_verify_mode(ctx), all_protocols[i] == CSSL_PROTOCOL_TLS_CLIENT
                                                     ? CSSL_CERT_REQUIRED
                                                     : CSSL_CERT_NONE);
        CHECK_OK(cssl_context_set_post_handshake_auth(ctx, false));
        CHECK(!cssl_context_post_handshake_auth(ctx));
        cssl_context_free(ctx);
    }
}

TEST(hostname_checks_common_name_toggle)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK(cssl_context_hostname_checks_common_name(ctx));
    CHECK_OK(cssl_context_set_hostname_checks_common_name(ctx, false));
    CHECK(!cssl_context_hostname_checks_common_name(ctx));
    CHECK_OK(cssl_context_set_hostname_checks_common_name(ctx, true));
    CHECK(cssl_context_hostname_checks_common_name(ctx));
    cssl_context_free(ctx);
}

TEST(security_level_default_two)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_SERVER);
    CHECK_INT(cssl_context_security_level(ctx), 2);
    cssl_context_free(ctx);
}

/* A getter given NULL returns its documented value and records EVALUE. */
#define CHECK_NULL_GETTER(expr, value)                                         \
    do {                                                                       \
        cssl_error_clear();                                                    \
        CHECK_INT((expr), (value));                                            \
        CHECK_INT(cssl_error_status(), CSSL_EVALUE);                           \
        CHECK_STR(cssl_error_message(), "ctx must not be NULL");               \
    } while (0)

TEST(null_context_is_a_value_error_everywhere)
{
    CHECK_ERR(cssl_context_set_verify_mode(NULL, 0), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_check_hostname(NULL, true), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_verify_flags(NULL, 0), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_options(NULL, 0), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_minimum_version(NULL, CSSL_TLSVERSION_SSLv3), CSSL_EVALUE,
              "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_maximum_version(NULL, 0x303), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_num_tickets(NULL, 1), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_post_handshake_auth(NULL, true), CSSL_EVALUE,
              "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_hostname_checks_common_name(NULL, true), CSSL_EVALUE,
              "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_keylog_filename(NULL, NULL), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_alpn_protocols(NULL, NULL, 0), CSSL_EVALUE,
              "ctx must not be NULL");
    CHECK_ERR(cssl_context_protocol(NULL), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_verify_mode(NULL), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_minimum_version(NULL), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_maximum_version(NULL), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_num_tickets(NULL), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_security_level(NULL), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_NULL_GETTER(cssl_context_check_hostname(NULL), false);
    CHECK_NULL_GETTER(cssl_context_post_handshake_auth(NULL), false);
    CHECK_NULL_GETTER(cssl_context_hostname_checks_common_name(NULL), false);
    CHECK_NULL_GETTER(cssl_context_verify_flags(NULL), 0);
    CHECK_NULL_GETTER(cssl_context_options(NULL), 0);
    CHECK_NULL_ERR(cssl_context_keylog_filename(NULL), CSSL_EVALUE, "ctx must not be NULL");
}

/* ---- ALPN list validation (selection is exercised on the wire) ---------- */

TEST(alpn_protocols_length_rules)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_SERVER);
    const char *ok[] = {"h2", "http/1.1"};
    CHECK_OK(cssl_context_set_alpn_protocols(ctx, ok, 2));
    const char *empty[] = {"h2", ""};
    CHECK_ERR(cssl_context_set_alpn_protocols(ctx, empty, 2), CSSL_ESSL,
              "ALPN protocols must be 1 to 255 in length");
    char longname[257];
    memset(longname, 'a', 256);
    longname[256] = '\0';
    const char *toolong[] = {longname};
    CHECK_ERR(cssl_context_set_alpn_protocols(ctx, toolong, 1), CSSL_ESSL,
              "ALPN protocols must be 1 to 255 in length");
    longname[255] = '\0';
    CHECK_OK(cssl_context_set_alpn_protocols(ctx, toolong, 1));
    const char *null_entry[] = {NULL};
    CHECK_ERR(cssl_context_set_alpn_protocols(ctx, null_entry, 1), CSSL_ESSL,
              "ALPN protocols must be 1 to 255 in length");
    CHECK_ERR(cssl_context_set_alpn_protocols(ctx, NULL, 1), CSSL_EVALUE,
              "protocols must not be NULL");
    CHECK_OK(cssl_context_set_alpn_protocols(ctx, NULL, 0));
    cssl_context_free(ctx);
}

/* ---- the parsed-once system store --------------------------------------- */

static size_t default_ca_count(void)
{
    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL, NULL,
                                                    0, 0);
    REQUIRE(ctx != NULL);
    cssl_cert_store_stats stats;
    CHECK_OK(cssl_context_cert_store_stats(ctx, &stats));
    cssl_context_free(ctx);
    return stats.x509_ca;
}

TEST(default_store_follows_changes_to_the_bundle)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/bundle.pem", test_tmpdir());
    size_t len = 0, len2 = 0;
    char *ca = read_file(fixture("ca.pem"), &len), *ca2 = read_file(fixture("ca2.pem"), &len2);
    REQUIRE(ca && ca2);
    write_file(path, ca, len);
    setenv("SSL_CERT_FILE", path, 1);
    CHECK_INT(default_ca_count(), 1);
    CHECK_INT(default_ca_count(), 1); /* from the cache */
    /* A rewritten bundle (new size and mtime) is read again. */
    char *both = malloc(len + len2);
    REQUIRE(both != NULL);
    memcpy(both, ca, len);
    memcpy(both + len, ca2, len2);
    write_file(path, both, len + len2);
    CHECK_INT(default_ca_count(), 2);
    /* Another path is another bundle; a missing file is an empty one. */
    char missing[1100];
    snprintf(missing, sizeof missing, "%s/none.pem", test_tmpdir());
    setenv("SSL_CERT_FILE", missing, 1);
    CHECK_INT(default_ca_count(), 0);
    setenv("SSL_CERT_FILE", fixture("ca2.pem"), 1);
    CHECK_INT(default_ca_count(), 1);
    unsetenv("SSL_CERT_FILE");
    free(both);
    free(ca);
    free(ca2);
}

TEST(default_contexts_do_not_share_their_stores)
{
    setenv("SSL_CERT_FILE", fixture("ca.pem"), 1);
    cssl_context *a = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL, NULL, 0, 0);
    REQUIRE(a != NULL);
    /* Loading more into one context leaves the next default context alone. */
    CHECK_OK(cssl_context_load_verify_locations(a, fixture("ca2.pem"), NULL, NULL, 0, 0));
    cssl_cert_store_stats stats;
    CHECK_OK(cssl_context_cert_store_stats(a, &stats));
    CHECK_INT(stats.x509_ca, 2);
    CHECK_INT(default_ca_count(), 1);
    cssl_context_free(a);
    unsetenv("SSL_CERT_FILE");
}

TEST(default_store_matches_python_with_the_system_bundle)
{
    unsetenv("SSL_CERT_FILE");
    char *out = python_run("import ssl\n"
                           "s = ssl.create_default_context().cert_store_stats()\n"
                           "print(s['x509'], s['crl'], s['x509_ca'])\n",
                           NULL);
    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL, NULL,
                                                    0, 0);
    REQUIRE(ctx != NULL);
    cssl_cert_store_stats stats;
    CHECK_OK(cssl_context_cert_store_stats(ctx, &stats));
    char mine[64];
    snprintf(mine, sizeof mine, "%zu %zu %zu\n", stats.x509, stats.crl, stats.x509_ca);
    CHECK_STR(mine, out);
    cssl_context_free(ctx);
    free(out);
}
