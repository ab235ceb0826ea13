/*
 * test_ciphers.c - set_ciphers, set_ciphersuites, set_groups, set_ecdh_curve
 * and get_ciphers: differential tests against Python's ssl module, unit
 * tests for the TLS 1.3 / groups setters (newer than the Python installed),
 * argument checks, and allocation checks through OpenSSL's memory hooks.
 */
#include "harness.h"
#include "internal.h"
#include "oom.h"

#include <openssl/obj_mac.h>

/* ---- helpers -------------------------------------------------------------- */

static cssl_context *new_ctx(int protocol)
{
    cssl_context *ctx = cssl_context_new(protocol);
    if (ctx == NULL)
        harness_fail(__FILE__, __LINE__, "cssl_context_new: %s", cssl_error_message());
    REQUIRE(ctx != NULL);
    return ctx;
}

/* Names of the enabled ciphers joined by ':' (caller frees). */
static char *cipher_names(const cssl_context *ctx)
{
    size_t n = 0;
    cssl_cipher_info *list = cssl_context_get_ciphers(ctx, &n);
    REQUIRE(list != NULL);
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += strlen(list[i].name) + 1;
    char *out = malloc(cap);
    REQUIRE(out != NULL);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(out, ":");
        strcat(out, list[i].name);
    }
    cssl_free(list);
    return out;
}

static size_t count_protocol(const cssl_context *ctx, const char *protocol)
{
    size_t n = 0, k = 0;
    cssl_cipher_info *list = cssl_context_get_ciphers(ctx, &n);
    REQUIRE(list != NULL);
    for (size_t i = 0; i < n; i++)
        k += strcmp(list[i].protocol, protocol) == 0;
    cssl_free(list);
    return k;
}

/* Group ids of the last ClientHello seen by record_groups. */
static int hello_groups[32];
static int hello_ngroups;

static int record_groups(SSL *ssl, int *alert, void *arg)
{
    const unsigned char *p;
    size_t len;
    hello_ngroups = -1;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_groups, &p, &len) == 1 && len >= 2) {
        size_t n = ((size_t)p[0] << 8 | p[1]) / 2;
        for (size_t i = 0; i < n && i < 32 && 4 + 2 * i <= len; i++)
            hello_groups[i] = p[2 + 2 * i] << 8 | p[3 + 2 * i];
        hello_ngroups = (int)n;
    }
    return SSL_CLIENT_HELLO_ERROR; /* seen enough */
}

/* The TLS group ids (29 X25519, 23 P-256, ...) a client of ctx offers, in
 * order, read from its ClientHello by a plain OpenSSL server. */
static int offered_groups(const cssl_context *ctx, int *ids, int max)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    REQUIRE(sctx != NULL);
    SSL_CTX_set_client_hello_cb(sctx, record_groups, NULL);
    SSL *client = SSL_new(ctx->ssl_ctx), *server = SSL_new(sctx);
    BIO *c2s = BIO_new(BIO_s_mem()), *s2c = BIO_new(BIO_s_mem());
    REQUIRE(client && server && c2s && s2c);
    BIO_up_ref(c2s); /* each BIO is shared by both ends */
    BIO_up_ref(s2c);
    SSL_set_bio(client, s2c, c2s);
    SSL_set_bio(server, c2s, s2c);
    hello_ngroups = -2;
    CHECK_INT(SSL_connect(client), -1); /* ClientHello sent, waiting */
    CHECK_INT(SSL_get_error(client, -1), SSL_ERROR_WANT_READ);
    CHECK(SSL_accept(server) != 1);
    ERR_clear_error();
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(sctx);
    REQUIRE(hello_ngroups >= 0 && hello_ngroups <= max);
    memcpy(ids, hello_groups, sizeof(int) * (size_t)hello_ngroups);
    return hello_ngroups;
}

enum { G_P256 = 23, G_P384 = 24, G_P521 = 25, G_X25519 = 29, G_X448 = 30, G_FFDHE2048 = 256 };

/* "text (file.c:123)" → "text": Python and cssl differ in the location. */
static void strip_location(char *s)
{
    size_t len = strlen(s);
    if (len == 0 || s[len - 1] != ')')
        return;
    char *open = strrchr(s, '(');
    if (open != NULL && open > s && open[-1] == ' ' && strchr(open, ':') != NULL)
        open[-1] = '\0';
}

/* ---- the get_ciphers oracle ------------------------------------------------ */

/* argv: client|server, then cipher strings applied in order with
 * set_ciphers. Prints SET lines, the security level, then every dict. */
static const char PY_GET_CIPHERS[] =
    "import ssl, sys\n"
    "proto = {'client': ssl.PROTOCOL_TLS_CLIENT, 'server': ssl.PROTOCOL_TLS_SERVER}\n"
    "ctx = ssl.SSLContext(proto[sys.argv[1]])\n"
    "for s in sys.argv[2:]:\n"
    "    try:\n"
    "        ctx.set_ciphers(s)\n"
    "        print('SET OK')\n"
    "    except ssl.SSLError as e:\n"
    "        print('SET ERR', e.args[0])\n"
    "print('LEVEL', ctx.security_level)\n"
    "def f(v):\n"
    "    if v is None: return 'None'\n"
    "    if isinstance(v, str): return 's:' + v\n"
    "    return str(v)\n"
    "ciphers = ctx.get_ciphers()\n"
    "print('COUNT', len(ciphers))\n"
    "for d in ciphers:\n"
    "    print('KEYS', ','.join(d))\n"
    "    print('\\t'.join(f(v) for v in d.values()))\n";

static const char *const FIELD_NAMES[] = {"id",  "name",      "protocol", "description",
                                          "strength_bits", "alg_bits", "aead", "symmetric",
                                          "digest", "kea", "auth"};
#define NFIELDS 11

static void fmt_str(char *out, size_t size, const char *s)
{
    if (s == NULL)
        snprintf(out, size, "None");
    else
        snprintf(out, size, "s:%s", s);
}

/* Our entry in the oracle's format, one string per dict value. */
static void entry_fields(const cssl_cipher_info *c, char fields[NFIELDS][600])
{
    snprintf(fields[0], 600, "%lu", c->id);
    fmt_str(fields[1], 600, c->name);
    fmt_str(fields[2], 600, c->protocol);
    fmt_str(fields[3], 600, c->description);
    snprintf(fields[4], 600, "%d", c->strength_bits);
    snprintf(fields[5], 600, "%d", c->alg_bits);
    snprintf(fields[6], 600, "%s", c->aead ? "True" : "False");
    fmt_str(fields[7], 600, c->symmetric);
    fmt_str(fields[8], 600, c->digest);
    fmt_str(fields[9], 600, c->kea);
    fmt_str(fields[10], 600, c->auth);
}

static char *next_line(char **cursor)
{
    char *line = *cursor;
    if (line == NULL || *line == '\0')
        return NULL;
    char *nl = strchr(line, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = line + strlen(line);
    }
    return line;
}

/*
 * Build the same context in C and in Python, apply the same cipher strings,
 * and compare every set_ciphers outcome, security_level, and get_ciphers()
 * entry by entry, field by field.
 */
static void compare_with_python(int protocol, const char *const *strings)
{
    const char *args[16] = {protocol == CSSL_PROTOCOL_TLS_SERVER ? "server" : "client"};
    size_t nargs = 1;
    for (; strings && strings[nargs - 1]; nargs++) {
        REQUIRE(nargs < 15);
        args[nargs] = strings[nargs - 1];
    }
    args[nargs] = NULL;
    char *out = python_run(PY_GET_CIPHERS, args);
    char *cursor = out, *line;

    cssl_context *ctx = new_ctx(protocol);
    for (size_t i = 1; i < nargs; i++) {
        REQUIRE((line = next_line(&cursor)) != NULL);
        int r = cssl_context_set_ciphers(ctx, args[i]);
        if (strcmp(line, "SET OK") == 0) {
            if (r != CSSL_OK)
                harness_fail(__FILE__, __LINE__, "set_ciphers(\"%s\"): %s", args[i],
                             cssl_error_message());
        } else {
            CHECK_STR_STARTS(line, "SET ERR ");
            CHECK_INT(r, CSSL_ESSL);
            CHECK_STR(cssl_error_message(), line + 8);
        }
    }
    REQUIRE((line = next_line(&cursor)) != NULL);
    REQUIRE(strncmp(line, "LEVEL ", 6) == 0);
    CHECK_INT(cssl_context_security_level(ctx), atoi(line + 6));

    REQUIRE((line = next_line(&cursor)) != NULL);
    REQUIRE(strncmp(line, "COUNT ", 6) == 0);
    size_t py_count = (size_t)atol(line + 6), count = 0;
    cssl_cipher_info *list = cssl_context_get_ciphers(ctx, &count);
    REQUIRE(list != NULL);
    CHECK_INT(count, py_count);
    REQUIRE(py_count > 0);

    char keys[256] = "";
    for (int f = 0; f < NFIELDS; f++)
        snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", f ? "," : "",
                 FIELD_NAMES[f]);
    for (size_t i = 0; i < py_count && i < count; i++) {
        REQUIRE((line = next_line(&cursor)) != NULL);
        CHECK_STR(line + 5, keys); /* "KEYS ": the dict has exactly our fields */
        REQUIRE((line = next_line(&cursor)) != NULL);
        char ours[NFIELDS][600];
        entry_fields(&list[i], ours);
        char *save = NULL, *field = strtok_r(line, "\t", &save);
        for (int f = 0; f < NFIELDS; f++, field = strtok_r(NULL, "\t", &save)) {
            if (field == NULL || strcmp(field, ours[f]) != 0)
                harness_fail(__FILE__, __LINE__, "cipher %zu (%s) field %s: cssl \"%s\", "
                             "Python \"%s\"", i, list[i].name, FIELD_NAMES[f], ours[f],
                             field ? field : "(missing)");
        }
        CHECK(field == NULL);
    }
    cssl_free(list);
    cssl_context_free(ctx);
    free(out);
}

/* ---- differential: get_ciphers, set_ciphers, security_level ---------------- */

TEST(diff_default_client)
{
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT, NULL);
}

TEST(diff_default_server)
{
    compare_with_python(CSSL_PROTOCOL_TLS_SERVER, NULL);
}

TEST(diff_ecdhe_aesgcm)
{
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT, (const char *const[]){"ECDHE+AESGCM", NULL});
}

TEST(diff_default_string)
{
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT, (const char *const[]){"DEFAULT", NULL});
}

TEST(diff_all)
{
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT, (const char *const[]){"ALL", NULL});
}

TEST(diff_aes256_sha)
{
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT, (const char *const[]){"AES256-SHA", NULL});
}

TEST(diff_seclevel1_all)
{
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT, (const char *const[]){"@SECLEVEL=1:ALL", NULL});
}

TEST(diff_chacha20)
{
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT, (const char *const[]){"CHACHA20", NULL});
}

/* Every cipher OpenSSL has: NULL encryption (symmetric None), PSK, SRP,
 * SSLv3/TLSv1.0 protocols, md5 digests. */
TEST(diff_everything)
{
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT,
                        (const char *const[]){"@SECLEVEL=0:ALL:COMPLEMENTOFALL", NULL});
}

/* Only @SECLEVEL changes security_level: it survives later strings. */
TEST(diff_security_level_sequence)
{
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT,
                        (const char *const[]){"@SECLEVEL=1:ALL", "DEFAULT", "ECDHE+AESGCM", NULL});
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT,
                        (const char *const[]){"@SECLEVEL=3:ECDHE+AESGCM", "CHACHA20", NULL});
    compare_with_python(CSSL_PROTOCOL_TLS_CLIENT,
                        (const char *const[]){"@SECLEVEL=0:aNULL:eNULL", NULL});
}

TEST(diff_server_strings)
{
    compare_with_python(CSSL_PROTOCOL_TLS_SERVER,
                        (const char *const[]){"@SECLEVEL=1:ALL", "AES256-SHA", NULL});
    compare_with_python(CSSL_PROTOCOL_TLS_SERVER, (const char *const[]){CSSL_DEFAULT_CIPHERS, NULL});
}

/* The failure text (Python: PyErr_SetString, so no library, reason or
 * location). The state after the failure is not compared: see
 * set_ciphers_failure_is_atomic. */
TEST(diff_set_ciphers_failure_text)
{
    const char *bad[] = {"foo", "", "!ALL", "eNULL:!eNULL", "@SECLEVEL=1:nothing", NULL};
    for (int i = 0; bad[i]; i++) {
        const char *args[] = {"client", bad[i], NULL};
        char *out = python_run("import ssl, sys\n"
                               "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
                               "try:\n"
                               "    ctx.set_ciphers(sys.argv[2])\n"
                               "    print('OK')\n"
                               "except ssl.SSLError as e:\n"
                               "    print(type(e).__name__, getattr(e, 'library', None),\n"
                               "          getattr(e, 'reason', None), e.args[0], sep='|')\n",
                               args);
        CHECK_STR(out, "SSLError|None|None|No cipher can be selected.\n");
        cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
        CHECK_ERR(cssl_context_set_ciphers(ctx, bad[i]), CSSL_ESSL, "No cipher can be selected.");
        CHECK(cssl_error_library() == NULL);
        CHECK(cssl_error_reason() == NULL);
        CHECK_INT(cssl_error_errno(), 0);
        cssl_context_free(ctx);
        free(out);
    }
}

/*
 * Deliberate difference: Python (OpenSSL) applies a failing string partly:
 * the TLS 1.2 list empties and its @SECLEVEL takes effect. cssl leaves the
 * context untouched. The Python half shows the difference is real.
 */
TEST(set_ciphers_failure_is_atomic)
{
    char *out = python_run("import ssl\n"
                           "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
                           "try: ctx.set_ciphers('@SECLEVEL=1:foo')\n"
                           "except ssl.SSLError: pass\n"
                           "print(ctx.security_level, len(ctx.get_ciphers()))\n",
                           NULL);
    CHECK_STR(out, "1 3\n"); /* Python: level lowered, TLS 1.3 suites only */
    free(out);

    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    char *before = cipher_names(ctx);
    CHECK_ERR(cssl_context_set_ciphers(ctx, "@SECLEVEL=1:foo"), CSSL_ESSL,
              "No cipher can be selected.");
    CHECK_INT(cssl_context_security_level(ctx), 2);
    char *after = cipher_names(ctx);
    CHECK_STR(after, before);
    free(before);
    free(after);
    cssl_context_free(ctx);
}

/* ---- get_ciphers: independent checks --------------------------------------- */

/* Reference §2.2: the 17 entries of a new context, in order. */
TEST(default_ciphers_reference_list)
{
    static const char expected[] =
        "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
        "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256:"
        "ECDHE-RSA-AES128-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:"
        "DHE-RSA-AES256-SHA256:DHE-RSA-AES128-SHA256";
    int protocols[] = {CSSL_PROTOCOL_TLS_CLIENT, CSSL_PROTOCOL_TLS_SERVER, CSSL_PROTOCOL_TLS};
    for (int i = 0; i < 3; i++) {
        cssl_context *ctx = new_ctx(protocols[i]);
        char *names = cipher_names(ctx);
        CHECK_STR(names, expected);
        free(names);
        CHECK_INT(cssl_context_security_level(ctx), 2);
        cssl_context_free(ctx);
    }
}

TEST(get_ciphers_first_entry_fields)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    size_t n = 0;
    cssl_cipher_info *list = cssl_context_get_ciphers(ctx, &n);
    REQUIRE(list != NULL && n == 17);
    CHECK_U64(list[0].id, 0x03001302);
    CHECK_STR(list[0].name, "TLS_AES_256_GCM_SHA384");
    CHECK_STR(list[0].protocol, "TLSv1.3");
    CHECK_STR(list[0].description, "TLS_AES_256_GCM_SHA384         TLSv1.3 Kx=any      Au=any   "
                                   "Enc=AESGCM(256)            Mac=AEAD");
    CHECK_INT(list[0].strength_bits, 256);
    CHECK_INT(list[0].alg_bits, 256);
    CHECK(list[0].aead);
    CHECK_STR(list[0].symmetric, "aes-256-gcm");
    CHECK(list[0].digest == NULL);
    CHECK_STR(list[0].kea, "kx-any");
    CHECK_STR(list[0].auth, "auth-any");
    CHECK_STR(list[16].name, "DHE-RSA-AES128-SHA256");
    CHECK(!list[16].aead);
    CHECK_STR(list[16].digest, "sha256");
    CHECK_STR(list[16].kea, "kx-dhe");
    CHECK_STR(list[16].auth, "auth-rsa");
    cssl_free(list);
    cssl_context_free(ctx);
}

/* One block holds the array and every string; nothing else stays allocated. */
TEST(get_ciphers_one_allocation)
{
    oom_require();
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    REQUIRE(cssl_context_set_ciphers(ctx, "@SECLEVEL=0:ALL:COMPLEMENTOFALL") == CSSL_OK);
    size_t n = 0;
    cssl_free(cssl_context_get_ciphers(ctx, &n)); /* warm OpenSSL's lazy state */
    long live = oom_live_blocks();
    cssl_cipher_info *list = cssl_context_get_ciphers(ctx, &n);
    REQUIRE(list != NULL);
    CHECK_INT(oom_live_blocks(), live + 1);
    const char *lo = (const char *)(list + n), *hi = (const char *)list + oom_block_size(list);
    for (size_t i = 0; i < n; i++) {
        const char *s[] = {list[i].name, list[i].protocol, list[i].description,
                           list[i].symmetric, list[i].digest, list[i].kea, list[i].auth};
        for (int f = 0; f < 7; f++) {
            if (s[f] == NULL)
                continue;
            if (s[f] < lo || s[f] + strlen(s[f]) >= hi)
                harness_fail(__FILE__, __LINE__, "cipher %zu field %d outside the block", i, f);
        }
    }
    cssl_free(list);
    CHECK_INT(oom_live_blocks(), live);
    cssl_context_free(ctx);
}

static cssl_context *oom_ctx;

static int sc_get_ciphers(void *arg)
{
    size_t count = 12345;
    cssl_cipher_info *list = cssl_context_get_ciphers(oom_ctx, &count);
    if (list == NULL) {
        CHECK_INT(count, 12345); /* outputs written only on success */
        return oom_status();
    }
    CHECK_INT(count, 17);
    cssl_free(list);
    return CSSL_OK;
}

TEST(get_ciphers_out_of_memory)
{
    oom_ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    oom_sweep("get_ciphers", sc_get_ciphers, NULL, 0);
    char *names = cipher_names(oom_ctx); /* still usable */
    CHECK_STR_STARTS(names, "TLS_AES_256_GCM_SHA384:");
    free(names);
    cssl_context_free(oom_ctx);
}

static int sc_set_ciphers(void *arg)
{
    return cssl_context_set_ciphers(oom_ctx, "ECDHE+AESGCM:CHACHA20");
}

static int sc_set_ciphersuites(void *arg)
{
    return cssl_context_set_ciphersuites(oom_ctx, "TLS_AES_128_GCM_SHA256");
}

static int sc_set_groups(void *arg)
{
    return cssl_context_set_groups(oom_ctx, "X25519:P-256");
}

static int sc_set_ecdh_curve(void *arg)
{
    return cssl_context_set_ecdh_curve(oom_ctx, "prime256v1");
}

/* Each setter under allocation failure: ENOMEM (or success if OpenSSL
 * tolerated it), a clean queue, no leak, and a usable context. */
TEST(setters_out_of_memory)
{
    oom_ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    oom_sweep("set_ciphers", sc_set_ciphers, NULL, 0);
    oom_sweep("set_ciphersuites", sc_set_ciphersuites, NULL, 0);
    oom_sweep("set_groups", sc_set_groups, NULL, 0);
    oom_sweep("set_ecdh_curve", sc_set_ecdh_curve, NULL, 0);
    CHECK_OK(cssl_context_set_ciphers(oom_ctx, "CHACHA20"));
    CHECK_OK(cssl_context_set_ciphersuites(oom_ctx, "TLS_AES_256_GCM_SHA384"));
    char *names = cipher_names(oom_ctx);
    CHECK_STR_STARTS(names, "TLS_AES_256_GCM_SHA384:");
    free(names);
    cssl_context_free(oom_ctx);
}

/* ---- set_ciphersuites (Python 3.15; no oracle here) ------------------------ */

TEST(ciphersuites_valid_order_and_effect)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_set_ciphersuites(ctx, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"));
    char *names = cipher_names(ctx);
    CHECK_STR_STARTS(names, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:"
                            "ECDHE-ECDSA-AES256-GCM-SHA384:");
    free(names);
    CHECK_INT(count_protocol(ctx, "TLSv1.3"), 2);
    CHECK_INT(count_protocol(ctx, "TLSv1.2"), 14);
    /* a suite not enabled by default; spaces around names as OpenSSL allows */
    CHECK_OK(cssl_context_set_ciphersuites(ctx, " TLS_AES_128_CCM_SHA256 "));
    names = cipher_names(ctx);
    CHECK_STR_STARTS(names, "TLS_AES_128_CCM_SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:");
    free(names);
    cssl_context_free(ctx);
}

/* Suites and the TLS 1.2 list are independent of each other. */
TEST(ciphersuites_and_ciphers_independent)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_SERVER);
    CHECK_OK(cssl_context_set_ciphersuites(ctx, "TLS_AES_256_GCM_SHA384"));
    CHECK_OK(cssl_context_set_ciphers(ctx, "ECDHE+AESGCM"));
    char *names = cipher_names(ctx);
    CHECK_STR(names, "TLS_AES_256_GCM_SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:"
                     "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
                     "ECDHE-RSA-AES128-GCM-SHA256");
    free(names);
    CHECK_OK(cssl_context_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"));
    names = cipher_names(ctx);
    CHECK_STR(names, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                     "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                     "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
    free(names);
    cssl_context_free(ctx);
}

TEST(ciphersuites_empty_disables_tls13)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_set_ciphersuites(ctx, ""));
    CHECK_INT(count_protocol(ctx, "TLSv1.3"), 0);
    CHECK_INT(count_protocol(ctx, "TLSv1.2"), 14);
    cssl_context_free(ctx);
}

TEST(ciphersuites_invalid)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256"));
    char *before = cipher_names(ctx);
    static const struct {
        const char *suites, *message;
    } cases[] = {
        {"foo", "unknown TLS 1.3 cipher suite 'foo' (ciphers.c:"},
        /* OpenSSL 3.0 would silently skip these: */
        {"TLS_AES_256_GCM_SHA384:foo", "unknown TLS 1.3 cipher suite 'foo' (ciphers.c:"},
        {"tls_aes_256_gcm_sha384", "unknown TLS 1.3 cipher suite 'tls_aes_256_gcm_sha384' ("},
        /* ...and would put this TLS 1.2 cipher in the TLS 1.3 list: */
        {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
         "unknown TLS 1.3 cipher suite 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' ("},
        {"ECDHE-RSA-AES128-GCM-SHA256", "unknown TLS 1.3 cipher suite 'ECDHE-RSA-AES128-GCM-SHA256'"},
        {"it's", "unknown TLS 1.3 cipher suite \"it's\" ("},
        {":", "no TLS 1.3 cipher suite in ':' (ciphers.c:"},
        {" : ", "no TLS 1.3 cipher suite in ' : ' ("},
        {"TLS_AES_256_GCM_SHA384_AND_A_VERY_LONG_NAME_THAT_NO_CIPHER_SUITE_HAS_AT_ALL_"
         "REALLY_NOT_AT_ALL_NOT_EVEN_CLOSE_TO_ANY",
         "unknown TLS 1.3 cipher suite 'TLS_AES_256_GCM_SHA384_AND_A_VERY_LONG_NAME"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_ERR_STARTS(cssl_context_set_ciphersuites(ctx, cases[i].suites), CSSL_ESSL,
                         cases[i].message);
        char *after = cipher_names(ctx); /* unchanged */
        CHECK_STR(after, before);
        free(after);
    }
    free(before);
    cssl_context_free(ctx);
}

/* ---- set_groups (Python 3.15; no oracle here) ------------------------------ */

TEST(groups_valid_and_effect)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    int nids[32];
    CHECK_OK(cssl_context_set_groups(ctx, "X25519:P-256"));
    REQUIRE(offered_groups(ctx, nids, 32) == 2);
    CHECK_INT(nids[0], G_X25519);
    CHECK_INT(nids[1], G_P256);
    CHECK_OK(cssl_context_set_groups(ctx, "secp384r1:X448:prime256v1:ffdhe2048"));
    REQUIRE(offered_groups(ctx, nids, 32) == 4);
    CHECK_INT(nids[0], G_P384);
    CHECK_INT(nids[1], G_X448);
    CHECK_INT(nids[2], G_P256);
    CHECK_INT(nids[3], G_FFDHE2048);
    CHECK_OK(cssl_context_set_groups(ctx, "P-521"));
    REQUIRE(offered_groups(ctx, nids, 32) == 1);
    CHECK_INT(nids[0], G_P521);
    cssl_context_free(ctx);
}

TEST(groups_invalid)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_OK(cssl_context_set_groups(ctx, "X448:P-384"));
    static const struct {
        const char *groups, *message;
    } cases[] = {
        {"foo", "unknown group 'foo' (ciphers.c:"},
        {"X25519:foo:P-256", "unknown group 'foo' (ciphers.c:"},
        {"X25519:P-256:rsaEncryption", "unknown group 'rsaEncryption' ("},
        {"", "empty group list (ciphers.c:"},
        {"X25519::P-256", "empty group name in 'X25519::P-256' (ciphers.c:"},
        {":", "empty group name in ':' ("},
        {"P-256:X25519:prime256v1", "group named twice: 'prime256v1' (ciphers.c:"},
        {"X25519:X25519", "group named twice: 'X25519' ("},
        {"ab\"c", "unknown group 'ab\"c' ("},
        {"X25519:AN_EXTREMELY_LONG_GROUP_NAME_THAT_OPENSSL_WOULD_REFUSE_EVEN_IF_IT_EXISTED_"
         "BECAUSE_IT_IS_LONGER_THAN_ITS_BUFFER_OF_SIXTY_FOUR_BYTES",
         "unknown group 'AN_EXTREMELY_LONG_GROUP_NAME"},
    };
    int nids[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_ERR_STARTS(cssl_context_set_groups(ctx, cases[i].groups), CSSL_ESSL,
                         cases[i].message);
        REQUIRE(offered_groups(ctx, nids, 32) == 2); /* unchanged */
        CHECK_INT(nids[0], G_X448);
        CHECK_INT(nids[1], G_P384);
    }
    cssl_context_free(ctx);
}

/* ---- set_ecdh_curve --------------------------------------------------------- */

/* For each name: "OK", or the exception type and str(e), errno for SSLError. */
static const char PY_ECDH[] = "import ssl, sys\n"
                              "for name in sys.argv[1:]:\n"
                              "    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
                              "    try:\n"
                              "        ctx.set_ecdh_curve(name)\n"
                              "        print('OK')\n"
                              "    except ssl.SSLError as e:\n"
                              "        print('SSLError', e.errno, str(e), sep='|')\n"
                              "    except ValueError as e:\n"
                              "        print('ValueError', str(e), sep='|')\n";

static void compare_ecdh(const char *const *names)
{
    char *out = python_run(PY_ECDH, names);
    char *cursor = out, *line;
    for (int i = 0; names[i]; i++) {
        REQUIRE((line = next_line(&cursor)) != NULL);
        cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
        cssl_error_clear();
        int r = cssl_context_set_ecdh_curve(ctx, names[i]);
        char ours[1024];
        if (r == CSSL_OK) {
            snprintf(ours, sizeof ours, "OK");
        } else if (r == CSSL_ESSL) {
            snprintf(ours, sizeof ours, "SSLError|%d|%s", cssl_error_errno(),
                     cssl_error_message());
            strip_location(ours);
            strip_location(line);
        } else if (r == CSSL_EVALUE) {
            snprintf(ours, sizeof ours, "ValueError|%s", cssl_error_message());
        } else {
            snprintf(ours, sizeof ours, "status %d|%s", r, cssl_error_message());
        }
        if (strcmp(ours, line) != 0)
            harness_fail(__FILE__, __LINE__, "set_ecdh_curve(\"%s\"): cssl \"%s\", Python \"%s\"",
                         names[i], ours, line);
        cssl_context_free(ctx);
    }
    free(out);
}

TEST(diff_ecdh_curve_valid)
{
    compare_ecdh((const char *const[]){"prime256v1", "secp384r1", "secp521r1", "X25519", "X448",
                                       "ffdhe2048", "brainpoolP256r1", NULL});
}

TEST(diff_ecdh_curve_invalid)
{
    compare_ecdh((const char *const[]){"foo", "", "P-256", "x25519", "ed25519", "a'b",
                                       "it's \"both\"", "tab\there", "back\\slash", "\x01\x7f",
                                       "caf\xc3\xa9", NULL});
}

/* Short names that are objects but not groups: SSLError "unknown error"
 * with errno 0, from the empty queue, as Python. */
TEST(diff_ecdh_curve_not_a_group)
{
    compare_ecdh((const char *const[]){"rsaEncryption", "ED25519", "SM2", NULL});
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    CHECK_ERR_STARTS(cssl_context_set_ecdh_curve(ctx, "rsaEncryption"), CSSL_ESSL,
                     "unknown error (ciphers.c:");
    CHECK(cssl_error_library() == NULL);
    cssl_context_free(ctx);
}

TEST(ecdh_curve_effect)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    int nids[32];
    CHECK_OK(cssl_context_set_ecdh_curve(ctx, "secp384r1"));
    REQUIRE(offered_groups(ctx, nids, 32) == 1);
    CHECK_INT(nids[0], G_P384);
    CHECK_OK(cssl_context_set_ecdh_curve(ctx, "X25519"));
    REQUIRE(offered_groups(ctx, nids, 32) == 1);
    CHECK_INT(nids[0], G_X25519);
    /* failures leave the group alone */
    CHECK_ERR(cssl_context_set_ecdh_curve(ctx, "foo"), CSSL_EVALUE,
              "unknown elliptic curve name 'foo'");
    CHECK_ERR_STARTS(cssl_context_set_ecdh_curve(ctx, "rsaEncryption"), CSSL_ESSL, "unknown error");
    REQUIRE(offered_groups(ctx, nids, 32) == 1);
    CHECK_INT(nids[0], G_X25519);
    cssl_context_free(ctx);
}

/* ---- arguments --------------------------------------------------------------- */

TEST(null_arguments)
{
    cssl_context *ctx = new_ctx(CSSL_PROTOCOL_TLS_CLIENT);
    size_t n = 99;
    CHECK_ERR(cssl_context_set_ciphers(NULL, "ALL"), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_ciphers(ctx, NULL), CSSL_EVALUE, "ciphers must not be NULL");
    CHECK_ERR(cssl_context_set_ciphersuites(NULL, ""), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_ciphersuites(ctx, NULL), CSSL_EVALUE, "suites must not be NULL");
    CHECK_ERR(cssl_context_set_groups(NULL, "X25519"), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_groups(ctx, NULL), CSSL_EVALUE, "groups must not be NULL");
    CHECK_ERR(cssl_context_set_ecdh_curve(NULL, "X25519"), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_ERR(cssl_context_set_ecdh_curve(ctx, NULL), CSSL_EVALUE, "name must not be NULL");
    CHECK_NULL_ERR(cssl_context_get_ciphers(NULL, &n), CSSL_EVALUE, "ctx must not be NULL");
    CHECK_INT(n, 99);
    CHECK_NULL_ERR(cssl_context_get_ciphers(ctx, NULL), CSSL_EVALUE, "count must not be NULL");
    char *names = cipher_names(ctx); /* nothing changed */
    CHECK_STR_STARTS(names, "TLS_AES_256_GCM_SHA384:");
    free(names);
    cssl_context_free(ctx);
}
