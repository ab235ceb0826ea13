/*
 * cssl.h - the TLS model of Python's ssl module, for C, on OpenSSL 3.
 *
 * An SSL context (cssl_context) holds every security decision; connections
 * created from it run over a socket or over in-memory buffers. Names follow
 * Python's ssl module: SSLContext.verify_mode is cssl_context_verify_mode()
 * and cssl_context_set_verify_mode(), ssl.create_default_context() is
 * cssl_create_default_context(), and so on. docs/FEATURES.md maps every
 * Python name to its C name.
 *
 * Conventions (the whole API follows them):
 *  - A fallible call returns int (CSSL_OK or a negative CSSL_E* status),
 *    ssize_t for byte counts, or a pointer (NULL on failure). Outputs are
 *    written only on success.
 *  - On failure the calling thread's error details (cssl_error_*()) describe
 *    what went wrong; successful calls leave them untouched.
 *  - A getter passed a NULL object returns the value documented for it and
 *    records CSSL_EVALUE.
 *  - Ownership: strings and buffers passed in are copied unless stated.
 *    Memory returned as "caller frees" is released with cssl_free() (or the
 *    named *_free function). Strings returned by an object stay valid until
 *    the next call that changes that object, or its free.
 *  - *_free(NULL) is a no-op.
 *  - Thread safety: a configured context may be used by any number of threads
 *    at once to create and drive connections. Changing a context while other
 *    threads use it is the caller's race, as in Python. Error details are
 *    per thread.
 */
#ifndef CSSL_H
#define CSSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CSSL_BUILDING)
#define CSSL_API __attribute__((visibility("default")))
#else
#define CSSL_API
#endif

/* ------------------------------------------------------------------------ */
/* Library version                                                          */
/* ------------------------------------------------------------------------ */

#define CSSL_VERSION_MAJOR 0
#define CSSL_VERSION_MINOR 1
#define CSSL_VERSION_PATCH 0
#define CSSL_VERSION_STRING "0.1.0"

/** The version of this library as "MAJOR.MINOR.PATCH". */
CSSL_API const char *cssl_version(void);

/* ------------------------------------------------------------------------ */
/* Status codes: one per Python exception class                              */
/* ------------------------------------------------------------------------ */

#define CSSL_OK 0
#define CSSL_ESSL (-1)         /* ssl.SSLError */
#define CSSL_EZERO_RETURN (-2) /* ssl.SSLZeroReturnError: TLS connection closed */
#define CSSL_EWANT_READ (-3)   /* ssl.SSLWantReadError: retry when readable */
#define CSSL_EWANT_WRITE (-4)  /* ssl.SSLWantWriteError: retry when writable */
#define CSSL_ESYSCALL (-5)     /* ssl.SSLSyscallError */
#define CSSL_EEOF (-6)         /* ssl.SSLEOFError: EOF in violation of protocol */
#define CSSL_ECERT_VERIFY (-7) /* ssl.SSLCertVerificationError */
#define CSSL_EVALUE (-8)       /* ValueError / TypeError: bad argument */
#define CSSL_EOS (-9)          /* OSError: cssl_error_errno() holds errno */
#define CSSL_ETIMEOUT (-10)    /* TimeoutError */
#define CSSL_ENOMEM (-11)      /* MemoryError */
#define CSSL_EUNSUPPORTED (-12) /* NotImplementedError */

/**
 * A short description of a status code, e.g. "certificate verification
 * failed (SSLCertVerificationError)". Never NULL; static storage.
 */
CSSL_API const char *cssl_strerror(int status);

/* ------------------------------------------------------------------------ */
/* Error details of the calling thread's last failure                        */
/* ------------------------------------------------------------------------ */

/** Status of the last failure on this thread, CSSL_OK if none. */
CSSL_API int cssl_error_status(void);

/**
 * The full message, in Python's format:
 * "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname
 * mismatch, certificate is not valid for 'example.org'. (conn.c:412)".
 * "" if there was no failure. Valid until the next failing call on this
 * thread.
 */
CSSL_API const char *cssl_error_message(void);

/** OpenSSL library mnemonic ("SSL", "PEM", "X509", ...) or NULL. */
CSSL_API const char *cssl_error_library(void);

/** OpenSSL reason mnemonic ("CERTIFICATE_VERIFY_FAILED", ...) or NULL. */
CSSL_API const char *cssl_error_reason(void);

/**
 * Python's exception errno: for CSSL_EOS the C errno; for errors built from
 * OpenSSL's queue the packed reason code; for I/O errors the
 * CSSL_SSL_ERROR_* number; 0 otherwise.
 */
CSSL_API int cssl_error_errno(void);

/**
 * For CSSL_ECERT_VERIFY raised by a connection: the X509_V_* verify result
 * (e.g. 18 self-signed, 62 hostname mismatch). -1 otherwise.
 */
CSSL_API long cssl_error_verify_code(void);

/**
 * For CSSL_ECERT_VERIFY raised by a connection: Python's verify message
 * ("self-signed certificate", "Hostname mismatch, certificate is not valid
 * for 'example.org'."). NULL otherwise.
 */
CSSL_API const char *cssl_error_verify_message(void);

/** Forget the calling thread's error details. */
CSSL_API void cssl_error_clear(void);

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

/** Free memory the library returned as "caller frees". NULL is a no-op. */
CSSL_API void cssl_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Constants (values are OpenSSL's and Python's)                            */
/* ------------------------------------------------------------------------ */

/* Protocols: ssl.PROTOCOL_* */
#define CSSL_PROTOCOL_TLS 2         /* generic, either side (deprecated in Python) */
#define CSSL_PROTOCOL_SSLv23 CSSL_PROTOCOL_TLS
#define CSSL_PROTOCOL_TLSv1 3       /* pinned, deprecated */
#define CSSL_PROTOCOL_TLSv1_1 4     /* pinned, deprecated */
#define CSSL_PROTOCOL_TLSv1_2 5     /* pinned, deprecated */
#define CSSL_PROTOCOL_TLS_CLIENT 16 /* client only: hostname check, CERT_REQUIRED */
#define CSSL_PROTOCOL_TLS_SERVER 17 /* server only */

/* Verify modes: ssl.CERT_* */
#define CSSL_CERT_NONE 0
#define CSSL_CERT_OPTIONAL 1
#define CSSL_CERT_REQUIRED 2

/* Verify flags: ssl.VERIFY_* (X509_V_FLAG_* values) */
#define CSSL_VERIFY_DEFAULT 0x0UL
#define CSSL_VERIFY_CRL_CHECK_LEAF 0x4UL
#define CSSL_VERIFY_CRL_CHECK_CHAIN 0xcUL
#define CSSL_VERIFY_X509_STRICT 0x20UL
#define CSSL_VERIFY_ALLOW_PROXY_CERTS 0x40UL
#define CSSL_VERIFY_X509_TRUSTED_FIRST 0x8000UL
#define CSSL_VERIFY_X509_PARTIAL_CHAIN 0x80000UL

/* TLS versions: ssl.TLSVersion */
#define CSSL_TLSVERSION_MINIMUM_SUPPORTED (-2)
#define CSSL_TLSVERSION_MAXIMUM_SUPPORTED (-1)
#define CSSL_TLSVERSION_SSLv3 0x300
#define CSSL_TLSVERSION_TLSv1 0x301
#define CSSL_TLSVERSION_TLSv1_1 0x302
#define CSSL_TLSVERSION_TLSv1_2 0x303
#define CSSL_TLSVERSION_TLSv1_3 0x304

/* Options: ssl.OP_* (SSL_OP_* bits of OpenSSL 3) */
#define CSSL_OP_ALL UINT64_C(0x80000050) /* SSL_OP_ALL minus DONT_INSERT_EMPTY_FRAGMENTS */
#define CSSL_OP_NO_SSLv2 UINT64_C(0)
#define CSSL_OP_NO_SSLv3 UINT64_C(0x2000000)
#define CSSL_OP_NO_TLSv1 UINT64_C(0x4000000)
#define CSSL_OP_NO_TLSv1_1 UINT64_C(0x10000000)
#define CSSL_OP_NO_TLSv1_2 UINT64_C(0x8000000)
#define CSSL_OP_NO_TLSv1_3 UINT64_C(0x20000000)
#define CSSL_OP_NO_RENEGOTIATION UINT64_C(0x40000000)
#define CSSL_OP_CIPHER_SERVER_PREFERENCE UINT64_C(0x400000)
#define CSSL_OP_SINGLE_DH_USE UINT64_C(0)
#define CSSL_OP_SINGLE_ECDH_USE UINT64_C(0)
#define CSSL_OP_ENABLE_MIDDLEBOX_COMPAT UINT64_C(0x100000)
#define CSSL_OP_NO_COMPRESSION UINT64_C(0x20000)
#define CSSL_OP_NO_TICKET UINT64_C(0x4000)
#define CSSL_OP_IGNORE_UNEXPECTED_EOF UINT64_C(0x80)
#define CSSL_OP_ENABLE_KTLS UINT64_C(0x8)
#define CSSL_OP_LEGACY_SERVER_CONNECT UINT64_C(0x4)

/* Host flags: ssl.HOSTFLAG_* (X509_CHECK_FLAG_*) */
#define CSSL_HOSTFLAG_ALWAYS_CHECK_SUBJECT 0x1U
#define CSSL_HOSTFLAG_NO_WILDCARDS 0x2U
#define CSSL_HOSTFLAG_NO_PARTIAL_WILDCARDS 0x4U
#define CSSL_HOSTFLAG_MULTI_LABEL_WILDCARDS 0x8U
#define CSSL_HOSTFLAG_SINGLE_LABEL_SUBDOMAINS 0x10U
#define CSSL_HOSTFLAG_NEVER_CHECK_SUBJECT 0x20U

/* ssl.SSLErrorNumber: the errno of I/O errors (SSL_get_error values) */
#define CSSL_SSL_ERROR_SSL 1
#define CSSL_SSL_ERROR_WANT_READ 2
#define CSSL_SSL_ERROR_WANT_WRITE 3
#define CSSL_SSL_ERROR_WANT_X509_LOOKUP 4
#define CSSL_SSL_ERROR_SYSCALL 5
#define CSSL_SSL_ERROR_ZERO_RETURN 6
#define CSSL_SSL_ERROR_WANT_CONNECT 7
#define CSSL_SSL_ERROR_EOF 8
#define CSSL_SSL_ERROR_INVALID_ERROR_CODE 10

/* ssl.Purpose: the NIDs of the extended-key-usage OIDs */
#define CSSL_PURPOSE_SERVER_AUTH 129 /* 1.3.6.1.5.5.7.3.1 */
#define CSSL_PURPOSE_CLIENT_AUTH 130 /* 1.3.6.1.5.5.7.3.2 */

/* Encodings of certificate data */
#define CSSL_ENCODING_PEM 1
#define CSSL_ENCODING_DER 2

/* ssl.ALERT_DESCRIPTION_* (TLS alert numbers) */
#define CSSL_ALERT_DESCRIPTION_CLOSE_NOTIFY 0
#define CSSL_ALERT_DESCRIPTION_UNEXPECTED_MESSAGE 10
#define CSSL_ALERT_DESCRIPTION_BAD_RECORD_MAC 20
#define CSSL_ALERT_DESCRIPTION_RECORD_OVERFLOW 22
#define CSSL_ALERT_DESCRIPTION_DECOMPRESSION_FAILURE 30
#define CSSL_ALERT_DESCRIPTION_HANDSHAKE_FAILURE 40
#define CSSL_ALERT_DESCRIPTION_BAD_CERTIFICATE 42
#define CSSL_ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE 43
#define CSSL_ALERT_DESCRIPTION_CERTIFICATE_REVOKED 44
#define CSSL_ALERT_DESCRIPTION_CERTIFICATE_EXPIRED 45
#define CSSL_ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN 46
#define CSSL_ALERT_DESCRIPTION_ILLEGAL_PARAMETER 47
#define CSSL_ALERT_DESCRIPTION_UNKNOWN_CA 48
#define CSSL_ALERT_DESCRIPTION_ACCESS_DENIED 49
#define CSSL_ALERT_DESCRIPTION_DECODE_ERROR 50
#define CSSL_ALERT_DESCRIPTION_DECRYPT_ERROR 51
#define CSSL_ALERT_DESCRIPTION_PROTOCOL_VERSION 70
#define CSSL_ALERT_DESCRIPTION_INSUFFICIENT_SECURITY 71
#define CSSL_ALERT_DESCRIPTION_INTERNAL_ERROR 80
#define CSSL_ALERT_DESCRIPTION_USER_CANCELLED 90
#define CSSL_ALERT_DESCRIPTION_NO_RENEGOTIATION 100
#define CSSL_ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION 110
#define CSSL_ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE 111
#define CSSL_ALERT_DESCRIPTION_UNRECOGNIZED_NAME 112
#define CSSL_ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE 113
#define CSSL_ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE 114
#define CSSL_ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY 115

/* Feature flags: ssl.HAS_* */
#define CSSL_HAS_SNI 1
#define CSSL_HAS_ECDH 1
#define CSSL_HAS_ALPN 1
#define CSSL_HAS_NPN 0
#define CSSL_HAS_TLS_UNIQUE 1
#define CSSL_HAS_NEVER_CHECK_COMMON_NAME 1
#define CSSL_HAS_SSLv2 0
#define CSSL_HAS_SSLv3 0
#define CSSL_HAS_TLSv1 1
#define CSSL_HAS_TLSv1_1 1
#define CSSL_HAS_TLSv1_2 1
#define CSSL_HAS_TLSv1_3 1
#define CSSL_HAS_PSK 1
#define CSSL_HAS_PHA 1

/** Python's default cipher string (ssl._DEFAULT_CIPHERS). */
#define CSSL_DEFAULT_CIPHERS                                                   \
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:"   \
    "!aDSS:!SHA1:!AESCCM"

#define CSSL_PEM_HEADER "-----BEGIN CERTIFICATE-----"
#define CSSL_PEM_FOOTER "-----END CERTIFICATE-----"

/**
 * Render an options value as text: "OP_NO_COMPRESSION|...|OP_ALL", named
 * single bits in ascending order, then OP_ALL if all its bits are set, then
 * any remaining bits as one hex number ("0x10000000000"); "0" for zero (the
 * order of Python's ssl.Options repr, without the value).
 * Writes at most size bytes including the NUL. Returns the length of the
 * whole text (excluding the NUL), like snprintf: a result >= size means the
 * text was truncated.
 */
CSSL_API size_t cssl_options_to_string(uint64_t options, char *buf, size_t size);

/**
 * Same as cssl_options_to_string() for verify flags:
 * "VERIFY_X509_STRICT|VERIFY_X509_TRUSTED_FIRST|VERIFY_X509_PARTIAL_CHAIN".
 * VERIFY_CRL_CHECK_CHAIN (two bits) is named when both of its bits are set.
 */
CSSL_API size_t cssl_verify_flags_to_string(unsigned long flags, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Certificates (ssl._ssl.Certificate and the getpeercert() structure)      */
/* ------------------------------------------------------------------------ */

typedef struct cssl_cert cssl_cert;

/** One attribute of a distinguished name: ("commonName", "localhost"). */
typedef struct cssl_name_entry {
    const char *name;  /* long name ("countryName") or dotted OID if unknown */
    const char *value; /* UTF-8, NUL-terminated; may hold NULs: see value_len */
    size_t value_len;
    bool is_bytes;     /* value is raw bytes (BIT STRING), as Python's bytes */
} cssl_name_entry;

/** A relative distinguished name: usually one entry, sometimes several. */
typedef struct cssl_rdn {
    const cssl_name_entry *entries;
    size_t count;
} cssl_rdn;

/** A distinguished name: the sequence of RDNs, in certificate order. */
typedef struct cssl_name {
    const cssl_rdn *rdns;
    size_t count;
} cssl_name;

/**
 * One subjectAltName entry, typed as Python names it: "DNS", "email",
 * "URI", "DirName", "IP Address", "Registered ID", "othername",
 * "X400Name", "EdiPartyName". IPv4 is dotted quad, IPv6 eight uppercase
 * hex groups without "::" compression ("2001:DB8:0:0:0:0:0:1"), any
 * other address length "<invalid>".
 */
typedef struct cssl_general_name {
    const char *type;
    const char *value;       /* NULL for "DirName"; may hold NULs */
    size_t value_len;
    const cssl_name *dirname; /* for "DirName" only, else NULL */
} cssl_general_name;

/** A list of strings (URIs). */
typedef struct cssl_string_list {
    const char *const *items;
    size_t count;
} cssl_string_list;

/**
 * The decoded certificate: the fields of Python's getpeercert() dict.
 * Strings are NUL-terminated and owned by the cssl_cert.
 */
typedef struct cssl_cert_info {
    cssl_name subject;
    cssl_name issuer;
    long version;              /* X509 version + 1, usually 3 */
    const char *serial_number; /* uppercase hex, e.g. "CB2D80995A69525C" */
    const char *not_before;    /* "Aug 29 14:23:16 2018 GMT" */
    const char *not_after;
    bool has_subject_alt_name; /* the extension is present */
    const cssl_general_name *subject_alt_name;
    size_t subject_alt_name_count;
    cssl_string_list ocsp;                    /* AIA id-ad-ocsp URIs */
    cssl_string_list ca_issuers;              /* AIA id-ad-caIssuers URIs */
    cssl_string_list crl_distribution_points; /* fullName URIs */
} cssl_cert_info;

/** Parse the first certificate of PEM text (len bytes). NULL on error. */
CSSL_API cssl_cert *cssl_cert_from_pem(const char *pem, size_t len);

/** Parse one DER certificate (len bytes; trailing bytes are an error). */
CSSL_API cssl_cert *cssl_cert_from_der(const void *der, size_t len);

/**
 * Read a certificate file, PEM or DER. A missing file is CSSL_EOS with the
 * path in the message; undecodable content is CSSL_ESSL.
 */
CSSL_API cssl_cert *cssl_cert_load(const char *path);

/** Release a certificate. NULL is a no-op. */
CSSL_API void cssl_cert_free(cssl_cert *cert);

/** Release a NULL-terminated array of certificates and the array. */
CSSL_API void cssl_cert_list_free(cssl_cert **certs);

/**
 * The decoded fields, owned by cert and valid until cssl_cert_free().
 * NULL (CSSL_EVALUE) only if cert is NULL.
 */
CSSL_API const cssl_cert_info *cssl_cert_get_info(const cssl_cert *cert);

/** DER encoding; caller frees with cssl_free(). *len receives the size. */
CSSL_API uint8_t *cssl_cert_to_der(const cssl_cert *cert, size_t *len);

/** PEM encoding, NUL-terminated; caller frees with cssl_free(). */
CSSL_API char *cssl_cert_to_pem(const cssl_cert *cert);

/**
 * The decoded fields as JSON, shaped like Python's getpeercert() dict with
 * tuples as arrays: {"subject": [[["commonName", "x"]]], "issuer": ...,
 * "version": 3, "serialNumber": "...", "notBefore": "...", "notAfter":
 * "...", "subjectAltName": [["DNS", "x"], ["DirName", [[[...]]]]],
 * "OCSP": [...], "caIssuers": [...], "crlDistributionPoints": [...]}.
 * Keys appear when Python's would. Byte-valued name entries are rendered as
 * strings with \u00XX escapes. Caller frees with cssl_free().
 */
CSSL_API char *cssl_cert_to_json(const cssl_cert *cert);

/** The subject in RFC 2253 form ("CN=localhost,O=Example"); caller frees. */
CSSL_API char *cssl_cert_subject_rfc2253(const cssl_cert *cert);

/** True if both certificates are the same certificate (X509_cmp). */
CSSL_API bool cssl_cert_equal(const cssl_cert *a, const cssl_cert *b);

/* ------------------------------------------------------------------------ */
/* Module helpers                                                           */
/* ------------------------------------------------------------------------ */

/**
 * ssl.DER_cert_to_PEM_cert: base64 in 64-character lines between
 * CSSL_PEM_HEADER and CSSL_PEM_FOOTER, ending in "\n". Caller frees.
 */
CSSL_API char *cssl_der_cert_to_pem_cert(const void *der, size_t len);

/**
 * ssl.PEM_cert_to_DER_cert: the bytes between header and footer, base64
 * decoded. Errors (CSSL_EVALUE) are Python's: "Invalid PEM encoding; must
 * start with -----BEGIN CERTIFICATE-----" / "... must end with -----END
 * CERTIFICATE-----". Caller frees; *len receives the size.
 */
CSSL_API uint8_t *cssl_pem_cert_to_der_cert(const char *pem, size_t *len);

/**
 * ssl.cert_time_to_seconds: parse "May  9 00:00:00 2007 GMT" (format
 * "%b %d %H:%M:%S %Y GMT", C-locale month names, case-insensitive) into
 * seconds since the epoch (UTC). Errors are CSSL_EVALUE with Python's text:
 * "time data 'x' does not match format \"%b %d %H:%M:%S %Y GMT\"".
 */
CSSL_API int cssl_cert_time_to_seconds(const char *cert_time, int64_t *seconds);

/** ssl.get_default_verify_paths(): six strings, each possibly NULL. */
typedef struct cssl_verify_paths {
    const char *cafile;             /* effective file, NULL if it does not exist */
    const char *capath;             /* effective dir, NULL if it does not exist */
    const char *openssl_cafile_env; /* "SSL_CERT_FILE" */
    const char *openssl_cafile;     /* compiled-in default file */
    const char *openssl_capath_env; /* "SSL_CERT_DIR" */
    const char *openssl_capath;     /* compiled-in default dir */
} cssl_verify_paths;

/**
 * Fill *paths. The strings are valid until the next call on this thread.
 */
CSSL_API int cssl_get_default_verify_paths(cssl_verify_paths *paths);

/** ssl.RAND_bytes: n cryptographically strong random bytes into buf. */
CSSL_API int cssl_rand_bytes(void *buf, size_t n);

/** ssl.RAND_status: true if the generator is seeded. */
CSSL_API bool cssl_rand_status(void);

/** ssl.RAND_add: mix len bytes into the generator with an entropy estimate. */
CSSL_API int cssl_rand_add(const void *buf, size_t len, double entropy);

/** ssl.OPENSSL_VERSION: "OpenSSL 3.0.19 27 Jan 2026" (the running library). */
CSSL_API const char *cssl_openssl_version(void);

/** ssl.OPENSSL_VERSION_NUMBER, e.g. 0x30000130. */
CSSL_API unsigned long cssl_openssl_version_number(void);

/**
 * ssl.OPENSSL_VERSION_INFO: (major, minor, fix, patch, status) derived from
 * the version number as Python does.
 */
CSSL_API void cssl_openssl_version_info(int info[5]);

/* ------------------------------------------------------------------------ */
/* SSL context                                                              */
/* ------------------------------------------------------------------------ */

typedef struct cssl_context cssl_context;

/**
 * ssl.SSLContext(protocol). A CSSL_PROTOCOL_TLS_CLIENT context starts with
 * check_hostname on and CERT_REQUIRED; others with it off and CERT_NONE.
 * Options 0x82520050 on OpenSSL 3.0, Python's cipher string, minimum TLS 1.2
 * (not for the pinned TLSv1* protocols), 2 session tickets. An unknown
 * protocol is CSSL_EVALUE "invalid or unsupported protocol version 42".
 * The new context has one reference; release it with cssl_context_free().
 */
CSSL_API cssl_context *cssl_context_new(int protocol);

/** Add a reference; returns ctx. Connections hold one on their context. */
CSSL_API cssl_context *cssl_context_up_ref(cssl_context *ctx);

/** Drop a reference; the last one frees the context. NULL is a no-op. */
CSSL_API void cssl_context_free(cssl_context *ctx);

/** The protocol the context was created with (CSSL_EVALUE for NULL). */
CSSL_API int cssl_context_protocol(const cssl_context *ctx);

/** SSLContext.check_hostname (false for NULL). */
CSSL_API bool cssl_context_check_hostname(const cssl_context *ctx);

/**
 * Enable or disable hostname checking. Enabling it while the verify mode is
 * CERT_NONE switches the mode to CERT_REQUIRED; CERT_OPTIONAL is kept.
 * Disabling never touches the verify mode.
 */
CSSL_API int cssl_context_set_check_hostname(cssl_context *ctx, bool check);

/** SSLContext.verify_mode: CSSL_CERT_* (CSSL_EVALUE for NULL). */
CSSL_API int cssl_context_verify_mode(const cssl_context *ctx);

/**
 * Set the verify mode. Checks, in Python's order: CERT_NONE while hostname
 * checking is on → CSSL_EVALUE "Cannot set verify_mode to CERT_NONE when
 * check_hostname is enabled."; a value outside CERT_* → CSSL_EVALUE
 * "invalid value for verify_mode".
 */
CSSL_API int cssl_context_set_verify_mode(cssl_context *ctx, int mode);

/** SSLContext.verify_flags: CSSL_VERIFY_* bits (0 for NULL). */
CSSL_API unsigned long cssl_context_verify_flags(const cssl_context *ctx);

/** Replace the verify flags (bits are cleared and set as in Python). */
CSSL_API int cssl_context_set_verify_flags(cssl_context *ctx, unsigned long flags);

/** SSLContext.options: CSSL_OP_* bits (0 for NULL). */
CSSL_API uint64_t cssl_context_options(const cssl_context *ctx);

/**
 * Replace the options: bits set now but not in options are cleared, bits in
 * options not yet set are set. Invalid combinations with the version bounds
 * are not refused here; the handshake fails instead.
 */
CSSL_API int cssl_context_set_options(cssl_context *ctx, uint64_t options);

/**
 * SSLContext.minimum_version: a CSSL_TLSVERSION_* value;
 * CSSL_TLSVERSION_MINIMUM_SUPPORTED when no bound is set. CSSL_EVALUE for
 * NULL.
 */
CSSL_API int cssl_context_minimum_version(const cssl_context *ctx);

/**
 * Set the lowest version. Only TLS, TLS_CLIENT and TLS_SERVER contexts may:
 * others fail with CSSL_EVALUE "The context's protocol doesn't support
 * modification of highest and lowest version.". Values other than
 * CSSL_TLSVERSION_* fail with "Unsupported TLS/SSL version 0x2a".
 * MAXIMUM_SUPPORTED means TLS 1.3. No consistency check with the maximum.
 */
CSSL_API int cssl_context_set_minimum_version(cssl_context *ctx, int version);

/** SSLContext.maximum_version; MAXIMUM_SUPPORTED when unbounded. */
CSSL_API int cssl_context_maximum_version(const cssl_context *ctx);

/** Set the highest version; rules as cssl_context_set_minimum_version(). */
CSSL_API int cssl_context_set_maximum_version(cssl_context *ctx, int version);

/** SSLContext.num_tickets: TLS 1.3 tickets a server sends (default 2). */
CSSL_API long cssl_context_num_tickets(const cssl_context *ctx);

/**
 * Set the number of TLS 1.3 session tickets a server sends; 0 sends none.
 * Negative → CSSL_EVALUE "value must be non-negative" (checked first); a
 * context that is not CSSL_PROTOCOL_TLS_SERVER → CSSL_EVALUE "SSLContext is
 * not a server context.".
 */
CSSL_API int cssl_context_set_num_tickets(cssl_context *ctx, long n);

/** SSLContext.keylog_filename: the path being logged to, or NULL. */
CSSL_API const char *cssl_context_keylog_filename(const cssl_context *ctx);

/**
 * Log TLS secrets of every connection of this context to path, in NSS key
 * log format (for Wireshark). The file is opened in append mode, never
 * truncated; if it is empty, the header line "# TLS secrets log file,
 * generated by OpenSSL / cssl" is written now. Lines from all contexts and
 * threads are written whole under one process-wide lock. NULL closes the
 * file and stops logging. An unopenable path is CSSL_EOS "[Errno 2] No such
 * file or directory: '/path'"; the previous file is closed either way.
 * For debugging only: anyone who reads the file can decrypt the traffic.
 */
CSSL_API int cssl_context_set_keylog_filename(cssl_context *ctx, const char *path);

/** SSLContext.post_handshake_auth (TLS 1.3), default false. */
CSSL_API bool cssl_context_post_handshake_auth(const cssl_context *ctx);

/**
 * Enable TLS 1.3 post-handshake client authentication for connections
 * created afterwards: a client offers it; a server may then call
 * verify_client_post_handshake. It does not enable verification by itself.
 */
CSSL_API int cssl_context_set_post_handshake_auth(cssl_context *ctx, bool enabled);

/** SSLContext.hostname_checks_common_name, default true. */
CSSL_API bool cssl_context_hostname_checks_common_name(const cssl_context *ctx);

/**
 * When false, hostname checks ignore the subject's commonName
 * (X509_CHECK_FLAG_NEVER_CHECK_SUBJECT).
 */
CSSL_API int cssl_context_set_hostname_checks_common_name(cssl_context *ctx, bool check);

/** SSLContext.security_level: OpenSSL's security level (2 by default). */
CSSL_API int cssl_context_security_level(const cssl_context *ctx);

/* --- ciphers, groups, DH ------------------------------------------------ */

/**
 * SSLContext.set_ciphers: the TLS 1.2-and-below cipher list (OpenSSL cipher
 * string). TLS 1.3 suites are unaffected. A string selecting nothing is
 * CSSL_ESSL "No cipher can be selected.".
 */
CSSL_API int cssl_context_set_ciphers(cssl_context *ctx, const char *ciphers);

/**
 * The TLS 1.3 cipher suites, colon separated ("TLS_AES_128_GCM_SHA256:...")
 * (Python 3.15's set_ciphersuites). An invalid list is CSSL_ESSL.
 */
CSSL_API int cssl_context_set_ciphersuites(cssl_context *ctx, const char *suites);

/**
 * The key-exchange groups in preference order ("X25519:P-256")
 * (Python 3.15's set_groups). An unknown group is CSSL_ESSL.
 */
CSSL_API int cssl_context_set_groups(cssl_context *ctx, const char *groups);

/**
 * SSLContext.set_ecdh_curve: restrict key exchange to the one named group
 * ("prime256v1", "secp384r1", "X25519"). Unknown → CSSL_EVALUE
 * "unknown elliptic curve name 'foo'".
 */
CSSL_API int cssl_context_set_ecdh_curve(cssl_context *ctx, const char *name);

/**
 * SSLContext.load_dh_params: PEM DH parameters ("DH PARAMETERS" or "X9.42
 * DH PARAMETERS", the first such block of the file) for DHE key exchange in
 * TLS 1.2. A missing or unreadable file is CSSL_EOS naming the path
 * ("[Errno 2] No such file or directory: 'path'"); a file without DH
 * parameters is CSSL_ESSL "[PEM: NO_START_LINE] no start line (file.c:N)"
 * (library "PEM", reason "NO_START_LINE", errno 108); parameters too small
 * for the security level "[SSL: DH_KEY_TOO_SMALL] dh key too small".
 */
CSSL_API int cssl_context_load_dh_params(cssl_context *ctx, const char *path);

/** One entry of SSLContext.get_ciphers(), fields as Python's dict keys. */
typedef struct cssl_cipher_info {
    unsigned long id;       /* SSL_CIPHER_get_id, e.g. 0x03001302 */
    const char *name;       /* "TLS_AES_256_GCM_SHA384" */
    const char *protocol;   /* "TLSv1.3" */
    const char *description; /* SSL_CIPHER_description without the newline */
    int strength_bits;
    int alg_bits;
    bool aead;
    const char *symmetric;  /* "aes-256-gcm" */
    const char *digest;     /* NULL for AEAD ciphers */
    const char *kea;        /* "kx-ecdhe", "kx-any" */
    const char *auth;       /* "auth-rsa", "auth-any" */
} cssl_cipher_info;

/**
 * SSLContext.get_ciphers: the enabled ciphers in priority order, TLS 1.3
 * suites first. Returns an array of *count entries in one allocation the
 * caller frees with cssl_free(); NULL on error.
 */
CSSL_API cssl_cipher_info *cssl_context_get_ciphers(const cssl_context *ctx, size_t *count);

/* --- certificates and trust --------------------------------------------- */

/**
 * Password callback for encrypted private keys. Write the password into
 * buf (size bytes, 1024) and return its full length; a length above size
 * fails the load with CSSL_EVALUE "password cannot be longer than 1024
 * bytes". Return a negative CSSL_E* status to abort the load with that
 * status: if the callback recorded error details for that same status on
 * this thread (e.g. it returns the status of a failed cssl call) they are
 * kept, otherwise the message is "password callback failed". Any other
 * negative value is CSSL_EVALUE "password callback returned an invalid
 * status -100". Called only if the key is encrypted, at most once per load
 * (its answer, or its failure, is reused when OpenSSL asks again); a
 * successful call leaves the thread's error details as they were.
 */
typedef ssize_t (*cssl_password_cb)(char *buf, size_t size, void *userdata);

/**
 * SSLContext.load_cert_chain: the certificate chain (PEM, leaf first) and
 * its private key. keyfile NULL means the key is in certfile. password (may
 * be NULL; borrowed for the call) is used only if the key is encrypted, and
 * only then checked to be at most 1024 bytes. An encrypted key without a
 * password fails; nothing ever prompts on a terminal. Certificates of
 * different key types (RSA, ECDSA) are kept side by side; loading one
 * replaces the certificate, chain and key of its type.
 * Errors: certfile NULL → CSSL_EVALUE "certfile should be a valid
 * filesystem path"; missing or unreadable file → CSSL_EOS with errno and
 * path ("[Errno 2] No such file or directory: 'path'"); bad PEM, no
 * certificate, no key or wrong password → CSSL_ESSL "[SSL] PEM lib
 * (file.c:N)" (library "SSL", reason NULL, errno 524297); password too long
 * → CSSL_EVALUE "password cannot be longer than 1024 bytes"; key not
 * matching the certificate → CSSL_ESSL "[X509: KEY_VALUES_MISMATCH] key
 * values mismatch"; a key of another type → "[SSL: NO_CERTIFICATE_ASSIGNED]
 * no certificate assigned"; a key too weak for the security level →
 * "[SSL: EE_KEY_TOO_SMALL] ee key too small" (CA_KEY_TOO_SMALL for the
 * chain). On any failure the context's certificates and keys are unchanged.
 */
CSSL_API int cssl_context_load_cert_chain(cssl_context *ctx, const char *certfile,
                                          const char *keyfile, const char *password);

/**
 * load_cert_chain with a password callback (Python's callable password),
 * called with userdata as described at cssl_password_cb; cb NULL means no
 * password.
 */
CSSL_API int cssl_context_load_cert_chain_cb(cssl_context *ctx, const char *certfile,
                                             const char *keyfile, cssl_password_cb cb,
                                             void *userdata);

/**
 * SSLContext.load_verify_locations: add trust anchors (and CRLs) from a
 * PEM file, a hashed directory (`openssl rehash`; looked up lazily, so a
 * missing directory is not an error), and/or cadata_len bytes of cadata in
 * CSSL_ENCODING_PEM (one or more PEM certificates, other text ignored) or
 * CSSL_ENCODING_DER (concatenated DER certificates, nothing else). cadata
 * (ignored when NULL) is read first, then cafile; nothing is added unless
 * all of them load (only running out of memory while adding can leave part
 * added). Certificates already present are ignored.
 * Errors: all three omitted → CSSL_EVALUE "cafile, capath and cadata cannot
 * be all omitted"; another encoding → CSSL_EVALUE "cadata_encoding must be
 * CSSL_ENCODING_PEM or CSSL_ENCODING_DER"; cadata_len 0 → CSSL_EVALUE
 * "Empty certificate data"; above INT_MAX → "Certificate data is too
 * long."; no certificate in cadata → CSSL_ESSL "no start line: cadata does
 * not contain a certificate (file.c:N)" (PEM) or "not enough data: ..."
 * (DER); DER followed by other bytes → "[ASN1: NOT_ENOUGH_DATA] not enough
 * data" or "[ASN1: HEADER_TOO_LONG] header too long"; missing cafile →
 * CSSL_EOS naming it; cafile without certificates or CRLs → "[X509:
 * NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found".
 */
CSSL_API int cssl_context_load_verify_locations(cssl_context *ctx, const char *cafile,
                                                const char *capath, const void *cadata,
                                                size_t cadata_len, int cadata_encoding);

/**
 * SSLContext.load_default_certs(purpose): the system's trust store (as
 * set_default_verify_paths; the purpose selects nothing outside Windows).
 * purpose is CSSL_PURPOSE_SERVER_AUTH or CSSL_PURPOSE_CLIENT_AUTH, else
 * CSSL_EVALUE "invalid purpose 42".
 */
CSSL_API int cssl_context_load_default_certs(cssl_context *ctx, int purpose);

/**
 * SSLContext.set_default_verify_paths: OpenSSL's default CA file and
 * directory, honouring SSL_CERT_FILE and SSL_CERT_DIR. Missing defaults are
 * not an error.
 */
CSSL_API int cssl_context_set_default_verify_paths(cssl_context *ctx);

/**
 * SSLContext.get_ca_certs: the CA certificates (basicConstraints CA:TRUE)
 * in the trust store, as a NULL-terminated array the caller releases with
 * cssl_cert_list_free(). Certificates of a capath appear only once they
 * have been used.
 */
CSSL_API cssl_cert **cssl_context_get_ca_certs(const cssl_context *ctx);

/** SSLContext.cert_store_stats(). */
typedef struct cssl_cert_store_stats {
    size_t x509;    /* certificates */
    size_t crl;     /* CRLs */
    size_t x509_ca; /* certificates that are CAs */
} cssl_cert_store_stats;

/** Count the objects in the context's trust store into *stats. */
CSSL_API int cssl_context_cert_store_stats(const cssl_context *ctx,
                                           cssl_cert_store_stats *stats);

/** SSLContext.session_stats(): OpenSSL's session cache counters. */
typedef struct cssl_session_stats {
    long number, connect, connect_good, connect_renegotiate, accept, accept_good,
        accept_renegotiate, hits, misses, timeouts, cache_full;
} cssl_session_stats;

/** Copy the context's session cache counters into *stats (all 0 for a new context). */
CSSL_API int cssl_context_session_stats(const cssl_context *ctx, cssl_session_stats *stats);

/**
 * SSLContext.set_alpn_protocols: protocols in preference order ("h2",
 * "http/1.1"). A server picks the first of its own list the client offers;
 * with no overlap the handshake proceeds without ALPN. Each name must be 1
 * to 255 bytes: else CSSL_ESSL "ALPN protocols must be 1 to 255 in length".
 * count 0 clears the list.
 */
CSSL_API int cssl_context_set_alpn_protocols(cssl_context *ctx, const char *const *protocols,
                                             size_t count);

/* --- default contexts ----------------------------------------------------- */

/**
 * ssl.create_default_context(purpose, cafile, capath, cadata).
 * CSSL_PURPOSE_SERVER_AUTH gives a TLS_CLIENT context (CERT_REQUIRED,
 * hostname checking) for talking to servers; CLIENT_AUTH a TLS_SERVER
 * context (CERT_NONE). Both get VERIFY_X509_PARTIAL_CHAIN |
 * VERIFY_X509_STRICT on top of TRUSTED_FIRST, as Python 3.13 does. If any
 * of cafile/capath/cadata is given they are loaded
 * (cssl_context_load_verify_locations); otherwise, if the context verifies,
 * the system store is loaded. SSLKEYLOGFILE, if set and non-empty, becomes
 * the keylog file. Other purposes are CSSL_EVALUE.
 */
CSSL_API cssl_context *cssl_create_default_context(int purpose, const char *cafile,
                                                   const char *capath, const void *cadata,
                                                   size_t cadata_len, int cadata_encoding);

/**
 * ssl._create_unverified_context(purpose): like the default context but
 * CERT_NONE, no hostname checking and no CA loading (and no 3.13 strict
 * flags). Connections made with it accept any certificate: for tests and
 * diagnostics only. SSLKEYLOGFILE is honoured.
 */
CSSL_API cssl_context *cssl_create_unverified_context(int purpose);

#ifdef __cplusplus
}
#endif

#endif /* CSSL_H */
