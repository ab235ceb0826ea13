/*
 * test_flags.c - cssl_options_to_string / cssl_verify_flags_to_string:
 * differential against Python's repr(ssl.Options(v)) / repr(ssl.VerifyFlags(v))
 * and snprintf-like truncation.
 */
#include "harness.h"

typedef size_t (*to_string_fn)(uint64_t value, char *buf, size_t size);

static size_t verify_to_string(uint64_t value, char *buf, size_t size)
{
    return cssl_verify_flags_to_string((unsigned long)value, buf, size);
}

/* Prints repr(cls(v)) for each argument, one per line. */
static const char PY_REPRS[] = "import ssl, sys\n"
                               "cls = getattr(ssl, sys.argv[1])\n"
                               "for a in sys.argv[2:]:\n"
                               "    print(repr(cls(int(a, 0))))\n";

/*
 * The names part of Python's repr in cssl's format: "<Options.A|B|7: 263>"
 * gives "A|B|0x7", "<Options: 16>" gives "0x10" (Python prints unnamed
 * remainders in decimal, cssl in hex).
 */
static void python_names(const char *repr, const char *cls, char *out, size_t size)
{
    char head[64];
    snprintf(head, sizeof head, "<%s", cls);
    size_t hl = strlen(head);
    REQUIRE(strncmp(repr, head, hl) == 0);
    const char *names, *end;
    if (repr[hl] == '.') {
        names = repr + hl + 1;
        end = strstr(names, ": ");
    } else {
        REQUIRE(strncmp(repr + hl, ": ", 2) == 0);
        names = repr + hl + 2;
        end = strchr(names, '>');
    }
    REQUIRE(end != NULL);
    size_t n = 0;
    out[0] = '\0';
    while (names < end) {
        const char *bar = memchr(names, '|', (size_t)(end - names));
        const char *tok_end = bar ? bar : end;
        char tok[256];
        size_t tl = (size_t)(tok_end - names);
        REQUIRE(tl < sizeof tok);
        memcpy(tok, names, tl);
        tok[tl] = '\0';
        if (tok[0] >= '0' && tok[0] <= '9') {
            unsigned long long v = strtoull(tok, NULL, 10);
            snprintf(tok, sizeof tok, "0x%llx", v);
        }
        n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "|" : "", tok);
        REQUIRE(n < size);
        names = bar ? bar + 1 : end;
    }
}

/* Compare cssl's text with Python's for every value. */
static void differential(const char *cls, to_string_fn fn, const uint64_t *values, size_t count,
                         const char *zero_name)
{
    const char *args[40] = {cls};
    char nums[40][24];
    REQUIRE(count < 39);
    for (size_t i = 0; i < count; i++) {
        snprintf(nums[i], sizeof nums[i], "0x%" PRIx64, values[i]);
        args[i + 1] = nums[i];
    }
    args[count + 1] = NULL;
    char *out = python_run(PY_REPRS, args);
    char *save = NULL, *line = strtok_r(out, "\n", &save);
    for (size_t i = 0; i < count; i++, line = strtok_r(NULL, "\n", &save)) {
        REQUIRE(line != NULL);
        char expected[1024], ours[1024];
        python_names(line, cls, expected, sizeof expected);
        if (values[i] == 0) {
            /* Deliberate difference: Python names zero by its first alias. */
            CHECK_STR(expected, zero_name);
            snprintf(expected, sizeof expected, "0");
        }
        size_t len = fn(values[i], ours, sizeof ours);
        CHECK_INT(len, strlen(ours));
        if (strcmp(ours, expected) != 0)
            harness_fail(__FILE__, __LINE__, "%s(0x%" PRIx64 "): cssl \"%s\", Python %s", cls,
                         values[i], ours, line);
    }
    free(out);
}

TEST(options_match_python)
{
    const uint64_t all = CSSL_OP_ALL, defaults = UINT64_C(0x82520050);
    uint64_t values[] = {
        0,
        defaults,                              /* a new context's options */
        defaults | CSSL_OP_NO_TLSv1,           /* options |= OP_NO_TLSv1 */
        defaults | CSSL_OP_NO_TICKET,
        defaults & ~CSSL_OP_NO_SSLv3,          /* minimum_version = SSLv3 */
        UINT64_C(0x10000000000),               /* unknown high bit alone */
        defaults | UINT64_C(0x10300000000),    /* named bits and unknown ones */
        all,
        all | 1,
        UINT64_C(0x10), UINT64_C(0x40), UINT64_C(0x50), /* part of OP_ALL */
        UINT64_C(0x80000000), UINT64_C(0x80000010),
        defaults & ~UINT64_C(0x40),             /* OP_ALL incomplete among named bits */
        CSSL_OP_NO_TLSv1 | CSSL_OP_NO_TLSv1_1 | CSSL_OP_NO_TLSv1_2 | CSSL_OP_NO_TLSv1_3,
        CSSL_OP_NO_RENEGOTIATION, CSSL_OP_IGNORE_UNEXPECTED_EOF, CSSL_OP_CIPHER_SERVER_PREFERENCE,
        UINT64_C(1), UINT64_C(3), UINT64_MAX,
        /* named only from Python 3.12 on (3.11 prints them as numbers) */
        CSSL_OP_LEGACY_SERVER_CONNECT, CSSL_OP_ENABLE_KTLS,
        CSSL_OP_LEGACY_SERVER_CONNECT | CSSL_OP_ENABLE_KTLS, defaults | CSSL_OP_ENABLE_KTLS,
    };
    size_t count = sizeof values / sizeof values[0];
    if (!python_is_313()) {
        /* 3.11 lacks OP_ENABLE_KTLS and OP_LEGACY_SERVER_CONNECT. */
        size_t kept = 0;
        for (size_t i = 0; i < count; i++)
            if ((values[i] & (CSSL_OP_ENABLE_KTLS | CSSL_OP_LEGACY_SERVER_CONNECT)) == 0)
                values[kept++] = values[i];
        count = kept;
    }
    differential("Options", cssl_options_to_string, values, count, "OP_NO_SSLv2");
}

TEST(verify_flags_match_python)
{
    const uint64_t values[] = {
        0x8000,  /* SSLContext() default */
        0x88020, /* create_default_context() on 3.13 */
        0xc,     /* VERIFY_CRL_CHECK_CHAIN alone: its own name */
        0x4, 0x8, 0,
        0x800c,  /* CHAIN among other bits: LEAF, singles, then CHAIN */
        0x8800c, 0x8004, 0x8008, 0xd, 0x1, 0x3, 0x20, 0x40, 0x80000, 0x88024, 0x400000,
        0xffffffff,
    };
    differential("VerifyFlags", verify_to_string, values, sizeof values / sizeof values[0],
                 "VERIFY_DEFAULT");
}

TEST(options_known_texts)
{
    char buf[256];
    CHECK_INT(cssl_options_to_string(UINT64_C(0x82520050), buf, sizeof buf), strlen(buf));
    CHECK_STR(buf, "OP_NO_COMPRESSION|OP_ENABLE_MIDDLEBOX_COMPAT|OP_CIPHER_SERVER_PREFERENCE|"
                   "OP_NO_SSLv3|OP_ALL");
    cssl_options_to_string(0, buf, sizeof buf);
    CHECK_STR(buf, "0");
    cssl_options_to_string(UINT64_C(0x10000000000), buf, sizeof buf);
    CHECK_STR(buf, "0x10000000000");
    cssl_options_to_string(CSSL_OP_ALL | 1, buf, sizeof buf);
    CHECK_STR(buf, "OP_ALL|0x1");
    cssl_options_to_string(UINT64_C(0x50), buf, sizeof buf);
    CHECK_STR(buf, "0x50");
}

TEST(verify_flags_known_texts)
{
    char buf[256];
    cssl_verify_flags_to_string(0xc, buf, sizeof buf);
    CHECK_STR(buf, "VERIFY_CRL_CHECK_CHAIN");
    cssl_verify_flags_to_string(0x4, buf, sizeof buf);
    CHECK_STR(buf, "VERIFY_CRL_CHECK_LEAF");
    cssl_verify_flags_to_string(0x8, buf, sizeof buf);
    CHECK_STR(buf, "0x8");
    cssl_verify_flags_to_string(0xd, buf, sizeof buf);
    CHECK_STR(buf, "VERIFY_CRL_CHECK_LEAF|VERIFY_CRL_CHECK_CHAIN|0x1");
    cssl_verify_flags_to_string(0x88020, buf, sizeof buf);
    CHECK_STR(buf, "VERIFY_X509_STRICT|VERIFY_X509_TRUSTED_FIRST|VERIFY_X509_PARTIAL_CHAIN");
    cssl_verify_flags_to_string(0, buf, sizeof buf);
    CHECK_STR(buf, "0");
}

/* At every size from 0 to past the end: snprintf's contract. */
static void check_truncation(to_string_fn fn, uint64_t value)
{
    char full[1024];
    size_t len = fn(value, full, sizeof full);
    REQUIRE(len < sizeof full);
    CHECK_INT(strlen(full), len);
    CHECK_INT(fn(value, NULL, 0), len);
    for (size_t size = 0; size <= len + 2; size++) {
        char buf[1024 + 8];
        memset(buf, '#', sizeof buf);
        size_t r = fn(value, buf, size);
        CHECK_INT(r, len);
        if (size == 0) {
            CHECK(buf[0] == '#');
            continue;
        }
        size_t kept = len < size - 1 ? len : size - 1;
        if (memcmp(buf, full, kept) != 0 || buf[kept] != '\0')
            harness_fail(__FILE__, __LINE__, "0x%" PRIx64 " size %zu: \"%.*s\"", value, size,
                         (int)kept, buf);
        for (size_t i = size; i < size + 8; i++)
            if (buf[i] != '#')
                harness_fail(__FILE__, __LINE__, "0x%" PRIx64 " size %zu: wrote byte %zu",
                             value, size, i);
    }
}

TEST(options_truncation)
{
    check_truncation(cssl_options_to_string, 0);
    check_truncation(cssl_options_to_string, UINT64_C(0x82520050));
    check_truncation(cssl_options_to_string, UINT64_C(0x10382520050));
    check_truncation(cssl_options_to_string, UINT64_MAX);
    check_truncation(cssl_options_to_string, UINT64_C(0x10));
}

TEST(verify_flags_truncation)
{
    check_truncation(verify_to_string, 0);
    check_truncation(verify_to_string, 0xc);
    check_truncation(verify_to_string, 0x88020);
    check_truncation(verify_to_string, 0xd);
    check_truncation(verify_to_string, 0xffffffff);
}
