/*
 * fuzz.h - shared by the libFuzzer targets in fuzz/ (one per input the
 * library parses) and by tests/test_fuzz_regressions.c, which replays fixed
 * inputs through the same target code without libFuzzer.
 *
 * A target is written as FUZZ_TARGET(name) { ... }. Built for libFuzzer it
 * is LLVMFuzzerTestOneInput; built with CSSL_FUZZ_REPLAY (the regression
 * test) it is fuzz_target_<name>(), so one program can link all of them.
 * Every broken invariant goes through fuzz_fail(), which prints what broke
 * and aborts: libFuzzer keeps the input as a crash, the replay test fails.
 */
#ifndef CSSL_FUZZ_H
#define CSSL_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cssl.h"

#ifdef CSSL_FUZZ_REPLAY
#define FUZZ_TARGET(name) int fuzz_target_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* One prototype per target (the replay names; libFuzzer's below). */
int fuzz_target_alpn(const uint8_t *data, size_t size);
int fuzz_target_cadata(const uint8_t *data, size_t size);
int fuzz_target_cert_chain(const uint8_t *data, size_t size);
int fuzz_target_cert_der(const uint8_t *data, size_t size);
int fuzz_target_cert_load(const uint8_t *data, size_t size);
int fuzz_target_cert_pem(const uint8_t *data, size_t size);
int fuzz_target_cert_time(const uint8_t *data, size_t size);
int fuzz_target_cipher_strings(const uint8_t *data, size_t size);
int fuzz_target_client(const uint8_t *data, size_t size);
int fuzz_target_hostname(const uint8_t *data, size_t size);
int fuzz_target_pem_der(const uint8_t *data, size_t size);
int fuzz_target_pyrepr(const uint8_t *data, size_t size);
int fuzz_target_server(const uint8_t *data, size_t size);
int fuzz_target_session(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- failing ------------------------------------------------------------ */

_Noreturn void fuzz_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(__FILE__, __LINE__, "invariant broken: %s", #cond);      \
    } while (0)

/* ---- the library's contract, checked after every call -------------------- */

/*
 * expr (an int or ssize_t status call) is run with the thread's error
 * details cleared; afterwards the result must be CSSL_OK / a count, or a
 * CSSL_E* status recorded with a message that is valid UTF-8, and
 * OpenSSL's error queue must be empty. Yields the result.
 */
#define FUZZ_RC(expr)                                                          \
    (cssl_error_clear(), fuzz_check_rc(__FILE__, __LINE__, #expr, (long long)(expr)))
/* The same for a call returning a pointer: NULL must come with a recorded
 * CSSL_E* status. */
#define FUZZ_PTR(expr)                                                         \
    (cssl_error_clear(), fuzz_check_ptr(__FILE__, __LINE__, #expr, (expr)))

long long fuzz_check_rc(const char *file, int line, const char *what, long long rc);
void *fuzz_check_ptr(const char *file, int line, const char *what, const void *p);

/* OpenSSL's error queue is empty (the library drains it on every path). */
void fuzz_check_queue(const char *file, int line, const char *what);
#define FUZZ_QUEUE_EMPTY(what) fuzz_check_queue(__FILE__, __LINE__, (what))

/*
 * Whether error messages must be valid UTF-8: true unless a target sets it
 * false for an input that is not. (Messages may quote input as Python's
 * str shows it, and a str from bytes.decode('utf-8', 'surrogateescape')
 * writes an undecodable byte back as that byte.)
 */
extern bool fuzz_messages_utf8;

/* status is one of the CSSL_E* codes (not CSSL_OK). */
bool fuzz_is_status(long long status);

/* ---- checkers ----------------------------------------------------------- */

/* Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
bool fuzz_utf8_valid(const char *s, size_t len);

/* s is one JSON text (RFC 8259, strict: UTF-8, no raw control characters,
 * valid escapes, nesting at most 64); on failure *why says where. */
bool fuzz_json_valid(const char *s, size_t len, const char **why);

/*
 * Everything a decoded certificate offers, with its invariants: the fields
 * are present and NUL-terminated at their lengths; DER and PEM exports
 * decode back to an equal certificate with the same JSON; the library's
 * PEM helpers agree with OpenSSL's PEM writer on its DER; the JSON is valid.
 */
void fuzz_check_cert(const cssl_cert *cert);

/* The fields alone (what cssl_conn_getpeercert hands out). */
void fuzz_check_cert_info(const cssl_cert_info *info);

/* ---- inputs ------------------------------------------------------------- */

/* A NUL-terminated copy of data (caller frees with free()). */
char *fuzz_cstring(const uint8_t *data, size_t size);

/* A path whose file holds exactly data: an in-memory file (memfd) reused by
 * every call of the process. */
const char *fuzz_file(const uint8_t *data, size_t size);

/* Reads an input front to back: bytes, then whatever is left. */
typedef struct fuzz_reader {
    const uint8_t *p;
    size_t left;
} fuzz_reader;

uint8_t fuzz_byte(fuzz_reader *r);                          /* 0 when empty */
size_t fuzz_take(fuzz_reader *r, size_t n, const uint8_t **out); /* up to n bytes */

#endif
