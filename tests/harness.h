/*
 * harness.h - the small test harness every tests/test_*.c uses.
 *
 *   TEST(name) { ... }        registers a test; ctest runs each one as
 *                             `test_unit name` (tests/CMakeLists.txt finds
 *                             them by scanning for TEST( at line start).
 *   CHECK(cond)               records a failure and continues.
 *   REQUIRE(cond)             records a failure and ends the test.
 *   CHECK_INT/STR/...         compare and print both sides on mismatch.
 *   CHECK_ERR(expr, st, msg)  expr returns st and the thread's error
 *                             message equals msg exactly.
 *   SKIP(reason)              prints "SKIP: reason" and exits 77, which
 *                             ctest reports as skipped, never as passed.
 *
 * After each test the harness fails it if OpenSSL's error queue is not
 * empty: the library must never leave it dirty.
 */
#ifndef CSSL_TEST_HARNESS_H
#define CSSL_TEST_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cssl.h"

typedef void (*test_fn)(void);
void harness_register(const char *name, test_fn fn);

#define TEST(name)                                                             \
    static void test_##name(void);                                             \
    __attribute__((constructor)) static void register_##name(void)             \
    {                                                                          \
        harness_register(#name, test_##name);                                  \
    }                                                                          \
    static void test_##name(void)

extern int harness_failures;
void harness_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void harness_abort(void);
_Noreturn void harness_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            harness_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);              \
    } while (0)

#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond)) {                                                         \
            harness_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond);            \
            harness_abort();                                                   \
        }                                                                      \
    } while (0)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_)                                                          \
            harness_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld (0x%llx != 0x%llx)", \
                         #a, #b, a_, b_, a_, b_);                              \
    } while (0)

#define CHECK_U64(a, b)                                                        \
    do {                                                                       \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                       \
        if (a_ != b_)                                                          \
            harness_fail(__FILE__, __LINE__, "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, #a, \
                         #b, a_, b_);                                          \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (a_ == NULL || b_ == NULL ? a_ != b_ : strcmp(a_, b_) != 0)         \
            harness_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
                         a_ ? a_ : "(null)", b_ ? b_ : "(null)");              \
    } while (0)

#define CHECK_STR_STARTS(a, prefix)                                            \
    do {                                                                       \
        const char *a_ = (a), *p_ = (prefix);                                  \
        if (a_ == NULL || strncmp(a_, p_, strlen(p_)) != 0)                    \
            harness_fail(__FILE__, __LINE__, "%s starts with \"%s\": got \"%s\"", #a, p_, \
                         a_ ? a_ : "(null)");                                  \
    } while (0)

#define CHECK_STR_CONTAINS(a, needle)                                          \
    do {                                                                       \
        const char *a_ = (a), *n_ = (needle);                                  \
        if (a_ == NULL || strstr(a_, n_) == NULL)                              \
            harness_fail(__FILE__, __LINE__, "%s contains \"%s\": got \"%s\"", #a, n_, \
                         a_ ? a_ : "(null)");                                  \
    } while (0)

/* expr fails with status st and exactly the message msg. */
#define CHECK_ERR(expr, st, msg)                                               \
    do {                                                                       \
        cssl_error_clear();                                                    \
        long long r_ = (long long)(expr);                                      \
        CHECK_INT(r_, st);                                                     \
        CHECK_INT(cssl_error_status(), st);                                    \
        CHECK_STR(cssl_error_message(), msg);                                  \
    } while (0)

/* expr fails with status st and a message starting with prefix. */
#define CHECK_ERR_STARTS(expr, st, prefix)                                     \
    do {                                                                       \
        cssl_error_clear();                                                    \
        long long r_ = (long long)(expr);                                      \
        CHECK_INT(r_, st);                                                     \
        CHECK_INT(cssl_error_status(), st);                                    \
        CHECK_STR_STARTS(cssl_error_message(), prefix);                        \
    } while (0)

/* expr returns NULL and records status st with message msg. */
#define CHECK_NULL_ERR(expr, st, msg)                                          \
    do {                                                                       \
        cssl_error_clear();                                                    \
        const void *p_ = (expr);                                               \
        CHECK(p_ == NULL);                                                     \
        CHECK_INT(cssl_error_status(), st);                                    \
        CHECK_STR(cssl_error_message(), msg);                                  \
    } while (0)

#define CHECK_OK(expr)                                                         \
    do {                                                                       \
        long long r_ = (long long)(expr);                                      \
        if (r_ != 0)                                                           \
            harness_fail(__FILE__, __LINE__, "%s: %lld, %s", #expr, r_,         \
                         cssl_error_message());                                \
    } while (0)

#define SKIP(...) harness_skip(__VA_ARGS__)

/* Path of a generated fixture file ($CSSL_FIXTURES/name); static buffer
 * rotated over 8 slots so a few may be used at once. */
const char *fixture(const char *name);

/* A fresh private temporary directory for this test (removed at exit). */
const char *test_tmpdir(void);

/* Read a whole file; caller frees. NULL if it cannot be read. */
char *read_file(const char *path, size_t *len);

/* Write a whole file; REQUIREs success. */
void write_file(const char *path, const void *data, size_t len);

/*
 * The Python oracle. python_path() finds the interpreter: $CSSL_PYTHON,
 * else a Python 3.13 (python3.13 on PATH or under $PYENV_ROOT), else
 * python3; SKIPs the test if none exists. python_is_313() tells which.
 * python_run(code) runs it with `-c code` and extra argv, returns its
 * stdout (caller frees); a non-zero exit fails the test.
 */
const char *python_path(void);
bool python_is_313(void);
char *python_run(const char *code, const char *const *args);

/*
 * Repetitions of a stress loop: n, or fewer (at least 1) where the tests
 * run under a slow checker: CSSL_TEST_SCALE, a fraction (0.1 under make
 * check-valgrind, which serialises threads and runs 20-50 times slower).
 */
int harness_scale(int n);

/* Run argv (no shell); returns exit status, stdout into *out if non-NULL. */
int run_command(const char *const *argv, char **out);

#endif
