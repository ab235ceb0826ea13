/*
 * test_error.c - status codes and the per-thread error details: Python's
 * message format for every shape of error, errno rules, thread isolation.
 */
#include "harness.h"

#include <errno.h>
#include <pthread.h>

#include <openssl/err.h>
#include <openssl/pemerr.h>
#include <openssl/sslerr.h>
#include <openssl/x509err.h>

#include "internal.h"

TEST(strerror_names_every_status)
{
    static const struct {
        int status;
        const char *python;
    } codes[] = {
        {CSSL_ESSL, "(SSLError)"},
        {CSSL_EZERO_RETURN, "(SSLZeroReturnError)"},
        {CSSL_EWANT_READ, "(SSLWantReadError)"},
        {CSSL_EWANT_WRITE, "(SSLWantWriteError)"},
        {CSSL_ESYSCALL, "(SSLSyscallError)"},
        {CSSL_EEOF, "(SSLEOFError)"},
        {CSSL_ECERT_VERIFY, "(SSLCertVerificationError)"},
        {CSSL_EVALUE, "(ValueError)"},
        {CSSL_EOS, "(OSError)"},
        {CSSL_ETIMEOUT, "(TimeoutError)"},
        {CSSL_ENOMEM, "(MemoryError)"},
        {CSSL_EUNSUPPORTED, "(NotImplementedError)"},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        CHECK_STR_CONTAINS(cssl_strerror(codes[i].status), codes[i].python);
    CHECK_STR(cssl_strerror(CSSL_OK), "success");
    CHECK_STR(cssl_strerror(-999), "unknown status");
    CHECK_STR(cssl_strerror(5), "unknown status");
}

TEST(clear_resets_everything)
{
    ERR_raise(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED);
    cssl__raise_openssl_verify("x.c", 1, CSSL_ECERT_VERIFY, NULL, 18, "self-signed certificate");
    CHECK_INT(cssl_error_status(), CSSL_ECERT_VERIFY);
    cssl_error_clear();
    CHECK_INT(cssl_error_status(), CSSL_OK);
    CHECK_STR(cssl_error_message(), "");
    CHECK(cssl_error_library() == NULL);
    CHECK(cssl_error_reason() == NULL);
    CHECK(cssl_error_verify_message() == NULL);
    CHECK_INT(cssl_error_verify_code(), -1);
    CHECK_INT(cssl_error_errno(), 0);
}

TEST(openssl_error_with_library_and_reason)
{
    ERR_raise(ERR_LIB_PEM, PEM_R_NO_START_LINE);
    CHECK_INT(cssl__raise_openssl("context_load.c", 42, CSSL_ESSL, NULL), CSSL_ESSL);
    CHECK_STR(cssl_error_message(), "[PEM: NO_START_LINE] no start line (context_load.c:42)");
    CHECK_STR(cssl_error_library(), "PEM");
    CHECK_STR(cssl_error_reason(), "NO_START_LINE");
    CHECK_INT(cssl_error_errno(), PEM_R_NO_START_LINE);
    CHECK(ERR_peek_error() == 0); /* drained */
}

TEST(openssl_error_library_only_for_common_reasons)
{
    /* ERR_R_PEM_LIB is a "common" reason: no mnemonic, library only. */
    ERR_raise(ERR_LIB_SSL, ERR_R_PEM_LIB);
    cssl__raise_openssl("context_load.c", 7, CSSL_ESSL, NULL);
    CHECK_STR(cssl_error_message(), "[SSL] PEM lib (context_load.c:7)");
    CHECK_STR(cssl_error_library(), "SSL");
    CHECK(cssl_error_reason() == NULL);
    CHECK_INT(cssl_error_errno(), 524297);
}

TEST(openssl_error_with_verify_message)
{
    ERR_raise(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED);
    cssl__raise_openssl_verify("conn.c", 412, CSSL_ECERT_VERIFY, NULL, 62,
                               "Hostname mismatch, certificate is not valid for 'example.org'.");
    CHECK_STR(cssl_error_message(),
              "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
              "certificate is not valid for 'example.org'. (conn.c:412)");
    CHECK_INT(cssl_error_verify_code(), 62);
    CHECK_STR(cssl_error_verify_message(),
              "Hostname mismatch, certificate is not valid for 'example.org'.");
}

TEST(openssl_error_with_empty_queue_and_replaced_text)
{
    cssl__raise_openssl("a.c", 3, CSSL_ESSL, NULL);
    CHECK_STR(cssl_error_message(), "unknown error (a.c:3)");
    CHECK(cssl_error_library() == NULL);
    ERR_raise(ERR_LIB_X509, X509_R_KEY_VALUES_MISMATCH);
    cssl__raise_openssl("a.c", 4, CSSL_ESSL, "custom text");
    CHECK_STR(cssl_error_message(), "[X509: KEY_VALUES_MISMATCH] custom text (a.c:4)");
}

TEST(literal_ssl_error_has_location)
{
    CHECK_INT(cssl__raise_at("conn.c", 9, CSSL_ESSL,
                             "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context"),
              CSSL_ESSL);
    CHECK_STR(cssl_error_message(),
              "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context (conn.c:9)");
    CHECK_INT(cssl_error_errno(), 0);
    CHECK(cssl_error_library() == NULL);
}

TEST(os_error_format_and_errno)
{
    cssl__raise_errno(ENOENT, "/no/such");
    CHECK_STR(cssl_error_message(), "[Errno 2] No such file or directory: '/no/such'");
    CHECK_INT(cssl_error_errno(), ENOENT);
    CHECK_INT(cssl_error_status(), CSSL_EOS);
    cssl__raise_errno(EACCES, NULL);
    CHECK_STR(cssl_error_message(), "[Errno 13] Permission denied");
}

TEST(syserr_from_queue_becomes_os_error)
{
    CHECK_INT(cssl__raise_if_syserr("p"), 0); /* empty queue: nothing */
    ERR_raise(ERR_LIB_PEM, PEM_R_NO_START_LINE);
    CHECK_INT(cssl__raise_if_syserr("p"), 0); /* not a system error */
    ERR_clear_error();
    ERR_raise_data(ERR_LIB_SYS, ENOENT, "calling fopen(p)");
    CHECK_INT(cssl__raise_if_syserr("p"), CSSL_EOS);
    CHECK_STR(cssl_error_message(), "[Errno 2] No such file or directory: 'p'");
    CHECK(ERR_peek_error() == 0);
}

static void *other_thread(void *arg)
{
    /* A fresh thread starts clean and its failure stays its own. */
    int *ok = arg;
    *ok = cssl_error_status() == CSSL_OK && strcmp(cssl_error_message(), "") == 0;
    cssl__raise(CSSL_ETIMEOUT, "The read operation timed out");
    *ok = *ok && cssl_error_status() == CSSL_ETIMEOUT;
    return NULL;
}

TEST(error_details_are_per_thread)
{
    cssl__raise(CSSL_EVALUE, "mine");
    int ok = 0;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, other_thread, &ok) == 0);
    pthread_join(t, NULL);
    CHECK(ok);
    CHECK_INT(cssl_error_status(), CSSL_EVALUE);
    CHECK_STR(cssl_error_message(), "mine");
}

TEST(long_messages_are_truncated_safely)
{
    char big[4096];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cssl__raise_at("f.c", 1, CSSL_ESSL, big);
    CHECK(strlen(cssl_error_message()) < sizeof big);
    cssl__raise_errno(ENOENT, big);
    CHECK_STR_STARTS(cssl_error_message(), "[Errno 2] No such file or directory: 'xxx");
}

/* repr() of strings as Python prints them, for messages quoting input. */
TEST(py_repr_matches_python)
{
    const char *inputs[] = {"plain",     "it's",   "say \"hi\"",    "both ' and \"",
                            "tab\there", "nl\nx",  "cr\r",          "back\\slash",
                            "\x01\x7f",  "caf\xc3\xa9", "\xc2\x85", "", NULL};
    char *out = python_run("import sys\n"
                           "for a in sys.argv[1:]: print(repr(a))\n",
                           inputs);
    char mine[4096];
    size_t used = 0;
    for (int i = 0; inputs[i]; i++) {
        used += cssl__py_repr(inputs[i], strlen(inputs[i]), mine + used, sizeof mine - used);
        mine[used++] = '\n';
        mine[used] = '\0';
    }
    CHECK_STR(mine, out);
    free(out);
    /* Truncation keeps a NUL and stops at a character boundary. */
    char small[4];
    CHECK_INT(cssl__py_repr("abcdef", 6, small, sizeof small), 3);
    CHECK_STR(small, "'ab");
}

TEST(library_and_reason_tables)
{
    CHECK_STR(cssl__lib_name(ERR_LIB_SSL), "SSL");
    CHECK_STR(cssl__lib_name(ERR_LIB_X509), "X509");
    CHECK_STR(cssl__lib_name(ERR_LIB_ASN1), "ASN1");
    CHECK(cssl__lib_name(9999) == NULL);
    CHECK_STR(cssl__reason_name(ERR_LIB_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING),
              "UNEXPECTED_EOF_WHILE_READING");
    CHECK_STR(cssl__reason_name(ERR_LIB_SSL, SSL_R_TLSV1_ALERT_UNKNOWN_CA), "TLSV1_ALERT_UNKNOWN_CA");
    CHECK(cssl__reason_name(ERR_LIB_SSL, 99999) == NULL);
}

TEST(library_version_string)
{
    CHECK_STR(cssl_version(), CSSL_VERSION_STRING);
    cssl_free(NULL);
}
