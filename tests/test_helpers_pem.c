/*
 * test_helpers_pem.c - cssl_der_cert_to_pem_cert / cssl_pem_cert_to_der_cert:
 * fixed vectors, the generated fixtures, malformed input, allocation
 * failures, and everything again against Python's ssl functions.
 */
#include <openssl/crypto.h>

#include "harness.h"
#include "helpers_oracle.h"
#include "oom.h"

#define HDR "-----BEGIN CERTIFICATE-----"
#define FTR "-----END CERTIFICATE-----"

/* ---- fixed vectors -------------------------------------------------------- */

static char *pem_of(const char *der, size_t len)
{
    char *pem = cssl_der_cert_to_pem_cert(der, len);
    if (pem == NULL)
        harness_fail(__FILE__, __LINE__, "der_cert_to_pem_cert: %s", cssl_error_message());
    return pem;
}

TEST(der_to_pem_vectors)
{
    char *p = pem_of("", 0);
    CHECK_STR(p, HDR "\n" FTR "\n");
    cssl_free(p);
    p = pem_of("f", 1);
    CHECK_STR(p, HDR "\nZg==\n" FTR "\n");
    cssl_free(p);
    p = pem_of("fo", 2);
    CHECK_STR(p, HDR "\nZm8=\n" FTR "\n");
    cssl_free(p);
    p = pem_of("foo", 3);
    CHECK_STR(p, HDR "\nZm9v\n" FTR "\n");
    cssl_free(p);
    p = pem_of("\xff\xfe\x00\x01", 4);
    CHECK_STR(p, HDR "\n//4AAQ==\n" FTR "\n");
    cssl_free(p);
    char x[49];
    memset(x, 'x', sizeof x);
    p = pem_of(x, 48); /* exactly one 64-character line */
    CHECK_STR(p, HDR "\neHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n" FTR
                     "\n");
    cssl_free(p);
    p = pem_of(x, 49);
    CHECK_STR(p, HDR "\neHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\neA==\n" FTR
                     "\n");
    cssl_free(p);
}

static void check_der(const char *pem, const char *want, size_t want_len)
{
    size_t len = 12345;
    cssl_error_clear();
    uint8_t *der = cssl_pem_cert_to_der_cert(pem, &len);
    if (der == NULL) {
        harness_fail(__FILE__, __LINE__, "\"%s\": %s", show(pem, strlen(pem)),
                     cssl_error_message());
        return;
    }
    if (len != want_len || memcmp(der, want, len) != 0)
        harness_fail(__FILE__, __LINE__, "\"%s\": %zu bytes, want %zu", show(pem, strlen(pem)),
                     len, want_len);
    cssl_free(der);
}

static void check_pem_error(const char *pem, const char *msg)
{
    size_t len = 12345;
    CHECK_NULL_ERR(cssl_pem_cert_to_der_cert(pem, &len), CSSL_EVALUE, msg);
    CHECK_INT(len, 12345); /* written only on success */
}

TEST(pem_to_der_vectors)
{
    check_der(HDR "\nZm9v\n" FTR "\n", "foo", 3);
    check_der(HDR "Zm9v" FTR, "foo", 3);
    check_der(HDR "\r\nZm\r\n9v\r\n" FTR "\r\n\r\n \t", "foo", 3);
    check_der(HDR "\n Z*m-9_v!\n" FTR, "foo", 3); /* outside the alphabet: skipped */
    check_der(HDR "\nZg==\n" FTR, "f", 1);
    check_der(HDR "\nZg==Zm9v\n" FTR, "f", 1);  /* decoding stops at the padding */
    check_der(HDR "\nZm9v=\n" FTR, "foo", 3);   /* a stray '=' is skipped */
    check_der(HDR "\nZm9=v\n" FTR, "fo", 2);
    check_der(HDR "\n" FTR, "", 0);
    check_der(HDR FTR, "", 0);
    check_der(HDR "---END CERTIFICATE-----", "", 0); /* header and footer overlap */
    check_der(HDR "\nZg==\n" FTR "\xc2\xa0\xe3\x80\x80", "f", 1); /* str.strip() */
    check_pem_error(HDR "\nZg\n" FTR, "Incorrect padding");
    check_pem_error(HDR "\nZg=\n" FTR, "Incorrect padding");
    check_pem_error(HDR "\nZm9vY\n" FTR,
                    "Invalid base64-encoded string: number of data characters (5) cannot be 1 "
                    "more than a multiple of 4");
    check_pem_error("", "Invalid PEM encoding; must start with " HDR);
    check_pem_error(" " HDR "\nZg==\n" FTR, "Invalid PEM encoding; must start with " HDR);
    check_pem_error(HDR "\nZg==\n", "Invalid PEM encoding; must end with " FTR);
    check_pem_error(HDR "\nZg==\n" FTR "x", "Invalid PEM encoding; must end with " FTR);
    check_pem_error(HDR "\nZg==\n" FTR "\xe2\x80\x8b", /* ZERO WIDTH SPACE: not stripped */
                    "Invalid PEM encoding; must end with " FTR);
    check_pem_error(HDR "\nZg==\xc3\xa9\n" FTR, "'ascii' codec can't encode character '\\xe9' "
                                               "in position 5: ordinal not in range(128)");
    check_pem_error(HDR "\xc3\xa9\xf0\x9f\x98\x80\xff" FTR,
                    "'ascii' codec can't encode characters in position 0-2: ordinal not in "
                    "range(128)");
    check_pem_error(HDR "Zg\xf0\x9f\x98\x80" FTR, "'ascii' codec can't encode character "
                                                 "'\\U0001f600' in position 2: ordinal not in "
                                                 "range(128)");
    check_pem_error(HDR "\xe2\x82\xac" FTR, "'ascii' codec can't encode character '\\u20ac' in "
                                            "position 0: ordinal not in range(128)");
    check_pem_error(HDR "\xff" FTR, "'ascii' codec can't encode character '\\udcff' in "
                                    "position 0: ordinal not in range(128)");
}

TEST(null_arguments)
{
    size_t len = 7;
    CHECK_NULL_ERR(cssl_der_cert_to_pem_cert(NULL, 0), CSSL_EVALUE, "der must not be NULL");
    CHECK_NULL_ERR(cssl_pem_cert_to_der_cert(NULL, &len), CSSL_EVALUE, "pem must not be NULL");
    CHECK_NULL_ERR(cssl_pem_cert_to_der_cert(HDR FTR, NULL), CSSL_EVALUE,
                   "len must not be NULL");
    CHECK_INT(len, 7);
}

TEST(huge_length_is_out_of_memory)
{
    CHECK_NULL_ERR(cssl_der_cert_to_pem_cert("x", SIZE_MAX), CSSL_ENOMEM, "out of memory");
    CHECK_NULL_ERR(cssl_der_cert_to_pem_cert("x", SIZE_MAX / 2 + 1), CSSL_ENOMEM,
                   "out of memory");
}

/* Every allocation failure is CSSL_ENOMEM "out of memory": nothing here
 * can absorb one. */
static int sc_pem_to_der(void *pem)
{
    size_t len = 0;
    uint8_t *der = cssl_pem_cert_to_der_cert(pem, &len);
    if (der == NULL) {
        CHECK_STR(cssl_error_message(), "out of memory");
        return oom_status();
    }
    CHECK(!oom_fired());
    oom_disarm();
    cssl_cert *c = cssl_cert_from_der(der, len); /* the right bytes */
    CHECK(c != NULL);
    cssl_cert_free(c);
    cssl_free(der);
    return CSSL_OK;
}

static int sc_der_to_pem(void *arg)
{
    char *out = cssl_der_cert_to_pem_cert("some der", 8);
    if (out == NULL)
        return oom_status();
    CHECK(!oom_fired());
    CHECK_STR(out, HDR "\nc29tZSBkZXI=\n" FTR "\n");
    cssl_free(out);
    return CSSL_OK;
}

TEST(allocation_failures)
{
    char *pem = read_file(fixture("ca.pem"), NULL);
    REQUIRE(pem != NULL);
    oom_sweep("pem_cert_to_der_cert", sc_pem_to_der, pem, 0);
    oom_sweep("der_cert_to_pem_cert", sc_der_to_pem, NULL, 0);
    free(pem);
}

/* ---- fixtures ---------------------------------------------------------------- */

TEST(fixture_round_trips)
{
    size_t der_len, pem_len;
    char *der = read_file(fixture("ca.der"), &der_len);
    char *pem = read_file(fixture("ca.pem"), &pem_len);
    REQUIRE(der != NULL && pem != NULL);
    char *mine = cssl_der_cert_to_pem_cert(der, der_len);
    CHECK_STR(mine, pem); /* openssl writes the same 64-column PEM */
    size_t back_len = 0;
    uint8_t *back = cssl_pem_cert_to_der_cert(pem, &back_len);
    REQUIRE(back != NULL);
    CHECK_INT(back_len, der_len);
    CHECK(memcmp(back, der, der_len) == 0);
    cssl_free(back);
    cssl_free(mine);
    free(der);
    free(pem);
    static const char *const certs[] = {"ca2.pem", "server.pem", "client.pem", "ecdsa.pem"};
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++) {
        pem = read_file(fixture(certs[i]), NULL);
        REQUIRE(pem != NULL);
        back = cssl_pem_cert_to_der_cert(pem, &back_len);
        REQUIRE(back != NULL);
        mine = cssl_der_cert_to_pem_cert(back, back_len);
        CHECK_STR(mine, pem);
        /* The DER is the certificate OpenSSL reads. */
        cssl_cert *c = cssl_cert_from_der(back, back_len);
        if (c == NULL && cssl_error_status() != CSSL_EUNSUPPORTED)
            harness_fail(__FILE__, __LINE__, "%s: %s", certs[i], cssl_error_message());
        cssl_error_clear();
        cssl_cert_free(c);
        cssl_free(mine);
        cssl_free(back);
        free(pem);
    }
}

/* ---- differential ------------------------------------------------------------ */

static const char pem_oracle[] =
    "for s in data:\n"
    "    try:\n"
    "        print('OK', 'h' + ssl.PEM_cert_to_DER_cert(s).hex())\n"
    "    except ValueError as e:\n"
    "        print('ERR', hx(str(e)))\n";

static void compare_pem_with_python(const input_list *l)
{
    char **lines = oracle_run(pem_oracle, l);
    for (size_t i = 0; i < l->count; i++) {
        const char *in = l->items[i];
        size_t len = 0;
        cssl_error_clear();
        uint8_t *der = cssl_pem_cert_to_der_cert(in, &len);
        if (strncmp(lines[i], "OK ", 3) == 0) {
            size_t want_len;
            char *want = unhex(lines[i] + 3, &want_len);
            if (der == NULL || len != want_len || memcmp(der, want, len) != 0)
                harness_fail(__FILE__, __LINE__, "#%zu \"%s\": python %zu bytes, cssl %s (%s)",
                             i, show(in, l->lens[i]), want_len, der ? "other bytes" : "failed",
                             cssl_error_message());
            free(want);
        } else {
            REQUIRE(strncmp(lines[i], "ERR ", 4) == 0);
            if (der != NULL || cssl_error_status() != CSSL_EVALUE)
                harness_fail(__FILE__, __LINE__, "#%zu \"%s\": python raised, cssl %s", i,
                             show(in, l->lens[i]), der ? "succeeded" : "other status");
            else
                check_message(in, l->lens[i], cssl_error_message(), lines[i] + 4);
        }
        cssl_free(der);
    }
    lines_free(lines);
}

static const char *const all_fixtures[] = {
    "ca.pem",     "ca2.pem",         "server.pem", "client.pem",     "ecdsa.pem",
    "keycert.pem", "server_chain.pem", "server.key", "server_enc.key", "other.key",
    "ecdsa.key",  "dh.pem",          "empty.pem",  "garbage.pem",
};

TEST(python_fixtures)
{
    input_list l = {0};
    for (size_t i = 0; i < sizeof all_fixtures / sizeof all_fixtures[0]; i++) {
        size_t n;
        char *text = read_file(fixture(all_fixtures[i]), &n);
        REQUIRE(text != NULL);
        inputs_add_n(&l, text, n);
        free(text);
    }
    compare_pem_with_python(&l);
    inputs_free(&l);
}

/* Text of ca.pem changed: s[0..at) + insert + s[at+drop..). */
static void add_edit(input_list *l, const char *s, size_t at, size_t drop, const char *insert)
{
    size_t n = strlen(s), k = strlen(insert);
    if (at > n)
        at = n;
    if (drop > n - at)
        drop = n - at;
    char *buf = malloc(n + k + 1);
    REQUIRE(buf != NULL);
    memcpy(buf, s, at);
    memcpy(buf + at, insert, k);
    memcpy(buf + at + k, s + at + drop, n - at - drop + 1);
    inputs_add(l, buf);
    free(buf);
}

TEST(python_malformed)
{
    char *pem = read_file(fixture("ca.pem"), NULL);
    REQUIRE(pem != NULL);
    size_t n = strlen(pem);
    const char *f = strstr(pem, FTR);
    REQUIRE(f != NULL);
    size_t body = strlen(HDR) + 1, foot = (size_t)(f - pem);
    input_list l = {0};

    /* header */
    add_edit(&l, pem, 0, strlen(HDR) + 1, "");
    add_edit(&l, pem, 0, 0, " ");
    add_edit(&l, pem, 0, 0, "\n");
    add_edit(&l, pem, 0, 0, "\xef\xbb\xbf");
    add_edit(&l, pem, 0, 0, "junk before\n");
    add_edit(&l, pem, 0, strlen(HDR), "-----BEGIN X509 CERTIFICATE-----");
    add_edit(&l, pem, 0, strlen(HDR), "-----begin certificate-----");
    add_edit(&l, pem, 0, 1, "");
    add_edit(&l, pem, strlen(HDR), 1, " \n");
    add_edit(&l, pem, strlen(HDR), 1, "");
    /* footer */
    add_edit(&l, pem, foot, n, "");
    add_edit(&l, pem, foot, n, FTR);
    add_edit(&l, pem, foot, n, FTR "\n\n \t\r\n\v\f");
    add_edit(&l, pem, foot, n, FTR "\xc2\x85\xc2\xa0\xe2\x80\xa8\xe3\x80\x80\x1c\x1f");
    add_edit(&l, pem, foot, n, FTR "\xe2\x80\x8b");
    add_edit(&l, pem, foot, n, FTR "\n\xef\xbb\xbf");
    add_edit(&l, pem, foot, n, FTR "x");
    add_edit(&l, pem, foot, n, FTR "\njunk after\n");
    add_edit(&l, pem, foot, n, "-----END CERTIFICATE----\n");
    add_edit(&l, pem, foot, n, "-----END X509 CERTIFICATE-----\n");
    add_edit(&l, pem, foot, n, "-----end certificate-----\n");
    add_edit(&l, pem, foot, n, FTR "\n" FTR "\n");
    add_edit(&l, pem, n, 0, pem); /* two certificates */
    /* whitespace and line endings */
    for (size_t i = body; i < foot; i += 65)
        add_edit(&l, pem, i, 0, "  \t ");
    {
        char *crlf = malloc(2 * n + 1);
        REQUIRE(crlf != NULL);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (pem[i] == '\n')
                crlf[k++] = '\r';
            crlf[k++] = pem[i];
        }
        crlf[k] = '\0';
        inputs_add(&l, crlf);
        char *one_line = malloc(n + 1);
        REQUIRE(one_line != NULL);
        k = 0;
        for (size_t i = 0; i < n; i++)
            if (pem[i] != '\n' || i < body || i >= foot - 1)
                one_line[k++] = pem[i];
        one_line[k] = '\0';
        inputs_add(&l, one_line);
        free(crlf);
        free(one_line);
    }
    /* characters outside the alphabet, inside the body */
    static const char *const garbage[] = {"*", "-", "_", "!", ".", "#", ":", "\x01", "\x7f",
                                          "~~~", "-----", "\\", "\"'", "@", "[]{}"};
    for (size_t g = 0; g < sizeof garbage / sizeof garbage[0]; g++)
        add_edit(&l, pem, body + 7 * g + 3, 0, garbage[g]);
    /* padding: drop or add characters just before the footer */
    for (size_t k = 1; k <= 8; k++)
        add_edit(&l, pem, foot - 1 - k, k, "");
    static const char *const tails[] = {"=", "==", "===", "A", "AB", "ABC", "A=", "AB=",
                                        "AB==", "ABC=", "=A", "A==B", "=\n=", "AB=\n=",
                                        "ABCD====", "AB=x="};
    for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
        add_edit(&l, pem, foot - 1, 0, tails[t]);
        add_edit(&l, pem, body, 0, tails[t]);
    }
    for (size_t at = body; at < body + 12; at++) /* '=' at every quantum position */
        add_edit(&l, pem, at, 0, "=");
    for (size_t at = body; at < body + 12; at++)
        add_edit(&l, pem, at, 0, "==");
    for (size_t at = body; at < body + 12; at++)
        add_edit(&l, pem, at, 1, "");
    /* non-ASCII in the body */
    static const char *const wide[] = {"\xc3\xa9", "\xc3\xa9\xc3\xa9", "\xf0\x9f\x98\x80",
                                       "\xff", "\x80\x80\x80", "\xc2\xa0", "\xe3\x80\x80",
                                       "\xc3\xa9x\xc3\xa9", "\xe2\x82\xac\xff\xc3",
                                       "\xef\xbf\xbf", "\xc2\x85"};
    for (size_t w = 0; w < sizeof wide / sizeof wide[0]; w++) {
        add_edit(&l, pem, body + 5 * w, 0, wide[w]);
        add_edit(&l, pem, foot - 1, 0, wide[w]);
        add_edit(&l, pem, body, 0, wide[w]);
    }
    /* the bare shapes */
    static const char *const shapes[] = {
        HDR, FTR, HDR FTR, HDR "\n" FTR, HDR "-" FTR, HDR "-----", HDR "END CERTIFICATE-----",
        HDR "-END CERTIFICATE-----", HDR "--END CERTIFICATE-----", HDR "----END CERTIFICATE-----",
        HDR "---END CERTIFICATE-----", "-----BEGIN CERTIFICATE----END CERTIFICATE-----",
        HDR "\n\n\n" FTR "\n\n\n", HDR "Zg==" FTR, HDR "Zg" FTR, HDR "Z" FTR, HDR "Z===" FTR,
        HDR "=Zg==" FTR, HDR "Z=g==" FTR, HDR "Zm9vYg=x=" FTR, HDR "Zm9vYmFyY" FTR, "", " ",
        "\n", "-----", HDR "\xc3\xa9", HDR "\xc3\xa9" FTR "\xc3\xa9",
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        inputs_add(&l, shapes[s]);
    compare_pem_with_python(&l);
    inputs_free(&l);
    free(pem);
}

TEST(python_der_to_pem)
{
    input_list l = {0};
    char buf[400];
    for (size_t len = 0; len < 200; len++) {
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)(i * 37 + len * 11 + (i >> 3));
        inputs_add_n(&l, buf, len);
    }
    for (size_t len = 380; len < 400; len++) {
        memset(buf, 0xff, len);
        inputs_add_n(&l, buf, len);
    }
    size_t der_len;
    char *der = read_file(fixture("ca.der"), &der_len);
    REQUIRE(der != NULL);
    inputs_add_n(&l, der, der_len);
    free(der);
    char **lines = oracle_run(
        "for l in lines: print(hx(ssl.DER_cert_to_PEM_cert(raw(l))))\n", &l);
    for (size_t i = 0; i < l.count; i++) {
        char *want = unhex(lines[i], NULL);
        char *mine = cssl_der_cert_to_pem_cert(l.items[i], l.lens[i]);
        if (mine == NULL || strcmp(mine, want) != 0)
            harness_fail(__FILE__, __LINE__, "%zu bytes:\n  cssl:   %s\n  python: %s", l.lens[i],
                         mine ? mine : cssl_error_message(), want);
        /* and back */
        size_t back_len = 0;
        uint8_t *back = mine ? cssl_pem_cert_to_der_cert(mine, &back_len) : NULL;
        CHECK(back != NULL && back_len == l.lens[i] && memcmp(back, l.items[i], back_len) == 0);
        cssl_free(back);
        cssl_free(mine);
        free(want);
    }
    lines_free(lines);
    inputs_free(&l);
}
