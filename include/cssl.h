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
 *    at once to create and drive connections; each connection (and memory
 *    BIO) is driven by one thread at a time. Changing a context while other
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
 * OpenSSL's queue the error's reason code (ERR_GET_REASON, flag bits
 * included: 108 for PEM NO_START_LINE, 524297 for ERR_R_PEM_LIB); for
 * connection I/O errors the CSSL_SSL_ERROR_* number; 0 otherwise.
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
 * names of Python's ssl.Options repr, which prints the remainder in decimal
 * and names zero OP_NO_SSLv2). A value equal to a named one is just that
 * name.
 * Writes at most size bytes including the NUL. Returns the length of the
 * whole text (excluding the NUL), like snprintf: a result >= size means the
 * text was truncated.
 */
CSSL_API size_t cssl_options_to_string(uint64_t options, char *buf, size_t size);

/**
 * Same as cssl_options_to_string() for verify flags:
 * "VERIFY_X509_STRICT|VERIFY_X509_TRUSTED_FIRST|VERIFY_X509_PARTIAL_CHAIN".
 * As in Python's ssl.VerifyFlags repr, 0xc alone is "VERIFY_CRL_CHECK_CHAIN";
 * in a larger value VERIFY_CRL_CHECK_CHAIN (two bits) follows the single
 * bits when both of its bits are set, after VERIFY_CRL_CHECK_LEAF:
 * 0x800c is "VERIFY_CRL_CHECK_LEAF|VERIFY_X509_TRUSTED_FIRST|
 * VERIFY_CRL_CHECK_CHAIN". Zero is "0" (Python: VERIFY_DEFAULT).
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

/**
 * A list of strings (URIs). Each item is NUL-terminated but may hold NULs
 * itself (as Python's str may): lengths[i] is its full length in bytes.
 */
typedef struct cssl_string_list {
    const char *const *items;
    size_t count;
    const size_t *lengths;
} cssl_string_list;

/**
 * The decoded certificate: the fields of Python's getpeercert() dict.
 * Strings are NUL-terminated and owned by the cssl_cert.
 */
typedef struct cssl_cert_info {
    cssl_name subject;
    cssl_name issuer;
    long version;              /* X509 version + 1, usually 3 */
    const char *serial_number; /* uppercase hex, e.g. "CB2D80995A69525C"; "00" for
                                * zero, "-1234" if negative; as Python takes it
                                * from i2a_ASN1_INTEGER, a serial over 35 bytes
                                * is cut after 70 digits plus a backslash and a
                                * newline */
    const char *not_before;    /* "Aug 29 14:23:16 2018 GMT", day space-padded */
    const char *not_after;
    bool has_subject_alt_name; /* the extension is present (once, decodable) */
    const cssl_general_name *subject_alt_name;
    size_t subject_alt_name_count;
    cssl_string_list ocsp;                    /* AIA id-ad-ocsp URIs */
    cssl_string_list ca_issuers;              /* AIA id-ad-caIssuers URIs */
    cssl_string_list crl_distribution_points; /* fullName URIs */
} cssl_cert_info;

/**
 * Parse the first certificate of PEM text (len bytes; other PEM blocks
 * before it, such as keys, are skipped). NULL on error: len 0 is
 * CSSL_EVALUE "Empty certificate data"; no certificate or a broken one is
 * CSSL_ESSL from OpenSSL ("[PEM: NO_START_LINE] no start line (cert.c:N)").
 * The fields are decoded here, so a certificate whose names cannot be
 * decoded (a name attribute of a non-string type, as Python fails on too)
 * is refused with CSSL_ESSL.
 */
CSSL_API cssl_cert *cssl_cert_from_pem(const char *pem, size_t len);

/**
 * Parse one DER certificate of exactly len bytes. len 0 is CSSL_EVALUE
 * "Empty certificate data"; undecodable data is CSSL_ESSL from OpenSSL;
 * bytes after the certificate are CSSL_ESSL "trailing data after the DER
 * certificate: 3 bytes".
 */
CSSL_API cssl_cert *cssl_cert_from_der(const void *der, size_t len);

/**
 * Read a certificate file: PEM (the first certificate) if it holds a
 * "-----BEGIN " line, else DER. A file that cannot be read is CSSL_EOS
 * with errno and the path: "[Errno 2] No such file or directory: 'x.pem'".
 * Undecodable PEM is CSSL_ESSL "Error decoding PEM-encoded file" (Python's
 * text); anything else is CSSL_ESSL "Error decoding file: neither a PEM nor
 * a DER certificate" (or the trailing-data error of cssl_cert_from_der).
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

/**
 * DER encoding (Certificate.public_bytes(ENCODING_DER)); caller frees with
 * cssl_free(). *len receives the size.
 */
CSSL_API uint8_t *cssl_cert_to_der(const cssl_cert *cert, size_t *len);

/**
 * PEM encoding (public_bytes(ENCODING_PEM)): 64-column base64 between
 * CSSL_PEM_HEADER and CSSL_PEM_FOOTER, ending in "\n". NUL-terminated;
 * caller frees with cssl_free().
 */
CSSL_API char *cssl_cert_to_pem(const cssl_cert *cert);

/**
 * The decoded fields as JSON, shaped like Python's getpeercert() dict with
 * tuples as arrays: {"subject": [[["commonName", "x"]]], "issuer": ...,
 * "version": 3, "serialNumber": "...", "notBefore": "...", "notAfter":
 * "...", "subjectAltName": [["DNS", "x"], ["DirName", [[[...]]]]],
 * "OCSP": [...], "caIssuers": [...], "crlDistributionPoints": [...]}.
 * Keys appear when Python's would, in its order. The text is exactly
 * Python's json.dumps(d, ensure_ascii=False) of that dict: ", " and ": "
 * separators; \" \\ \b \f \n \r \t; other control characters and NUL as
 * \u00xx; UTF-8 passed through. Byte-valued name entries (is_bytes) map
 * each byte to U+00XX, escaped as \u00xx unless printable ASCII; bytes of
 * a text value that are not well-formed UTF-8 are escaped the same way, so
 * the output is always valid JSON. Caller frees with cssl_free().
 */
CSSL_API char *cssl_cert_to_json(const cssl_cert *cert);

/**
 * The subject in RFC 2253 form, as Python's Certificate repr shows it
 * (X509_NAME_print_ex with XN_FLAG_RFC2253: last RDN first, non-ASCII
 * bytes escaped as \XX): "CN=localhost,O=Example". Caller frees.
 */
CSSL_API char *cssl_cert_subject_rfc2253(const cssl_cert *cert);

/**
 * True if both certificates are the same certificate (X509_cmp, Python's
 * Certificate ==). False, recording CSSL_EVALUE, if either is NULL.
 */
CSSL_API bool cssl_cert_equal(const cssl_cert *a, const cssl_cert *b);

/* ------------------------------------------------------------------------ */
/* Module helpers                                                           */
/* ------------------------------------------------------------------------ */

/**
 * ssl.DER_cert_to_PEM_cert: base64 in 64-character lines between
 * CSSL_PEM_HEADER and CSSL_PEM_FOOTER, ending in "\n" (len 0 gives the
 * header and footer lines alone). Caller frees. der NULL (even with len 0)
 * is CSSL_EVALUE; a len whose text cannot be allocated is CSSL_ENOMEM.
 */
CSSL_API char *cssl_der_cert_to_pem_cert(const void *der, size_t len);

/**
 * ssl.PEM_cert_to_DER_cert: the bytes between header and footer, base64
 * decoded. Caller frees (an empty result is a valid pointer with *len 0);
 * *len receives the size, and is written only on success.
 * The text is read as Python reads bytes.decode('utf-8', 'surrogateescape')
 * and handled as Python does: the text must start with CSSL_PEM_HEADER, its
 * str.strip()ped form (Unicode whitespace) must end with CSSL_PEM_FOOTER;
 * the base64 between them skips characters outside the alphabet and stops
 * at the padding that completes a quantum (binascii.a2b_base64, non-strict).
 * Errors, all CSSL_EVALUE with Python's str(exception):
 *   "Invalid PEM encoding; must start with -----BEGIN CERTIFICATE-----"
 *   "Invalid PEM encoding; must end with -----END CERTIFICATE-----"
 *   "'ascii' codec can't encode character '\xe9' in position 5: ordinal not
 *   in range(128)" (non-ASCII between header and footer; "characters in
 *   position 5-6" for a run)
 *   "Incorrect padding" (binascii.Error)
 *   "Invalid base64-encoded string: number of data characters (5) cannot be
 *   1 more than a multiple of 4" (binascii.Error)
 */
CSSL_API uint8_t *cssl_pem_cert_to_der_cert(const char *pem, size_t *len);

/**
 * ssl.cert_time_to_seconds: parse "May  9 00:00:00 2007 GMT" into seconds
 * since the epoch (UTC), exactly as Python 3.13 does, with no dependence on
 * the locale or TZ: the month is the first three characters title-cased
 * ("jAN"; U+017F long s counts as "s") among the C locale's abbreviations;
 * the rest must match time.strptime's ' %d %H:%M:%S %Y GMT'
 * (case-insensitive; each space is any run of Unicode whitespace; \d takes
 * any Unicode decimal digit; days 1-31 in 1 or 2 digits, seconds up to 61);
 * the value is calendar.timegm's, so Feb 30 is Mar 1/2 and :60/:61 roll
 * into the next minute. Text is read as bytes.decode('utf-8',
 * 'surrogateescape'). Errors are CSSL_EVALUE with
 * Python's text, input quoted as repr() does:
 *   "time data 'x' does not match format \"%b %d %H:%M:%S %Y GMT\""
 *   "time data ' 5 09:34:43 2018 UTC' does not match format
 *   ' %d %H:%M:%S %Y GMT'"
 *   "unconverted data remains: x"     "year 0 is out of range"
 * Messages longer than 639 bytes are cut at a character boundary.
 * *seconds is written only on success.
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
 * Fill *paths. cafile/capath are the environment variable's value when it
 * is set (even to ""), else the compiled-in default, kept only if stat()
 * finds a regular file / a directory (symbolic links followed), as
 * os.path.isfile/isdir. The environment is read at each call. The strings
 * are valid until the next call on this thread.
 */
CSSL_API int cssl_get_default_verify_paths(cssl_verify_paths *paths);

/**
 * ssl.RAND_bytes: n cryptographically strong random bytes into buf (n 0
 * is fine; n past INT_MAX is done in chunks). On failure CSSL_ESSL as
 * Python's SSLError(err, reason): the message is the reason string of the
 * oldest queued OpenSSL error and cssl_error_errno() its packed code; buf
 * is then left partly written.
 */
CSSL_API int cssl_rand_bytes(void *buf, size_t n);

/** ssl.RAND_status: true if the generator is seeded. */
CSSL_API bool cssl_rand_status(void);

/**
 * ssl.RAND_add: mix len bytes into the generator with an entropy estimate
 * (passed on unchecked, as Python does), in chunks of at most INT_MAX
 * bytes. OpenSSL reports nothing back, so this only fails for buf NULL.
 */
CSSL_API int cssl_rand_add(const void *buf, size_t len, double entropy);

/** ssl.OPENSSL_VERSION: "OpenSSL 3.0.19 27 Jan 2026" (the running library). */
CSSL_API const char *cssl_openssl_version(void);

/** ssl.OPENSSL_VERSION_NUMBER, e.g. 0x30000130. */
CSSL_API unsigned long cssl_openssl_version_number(void);

/**
 * ssl.OPENSSL_VERSION_INFO: (major, minor, fix, patch, status) derived from
 * the version number as Python does, e.g. {3, 0, 0, 19, 0}. info NULL
 * records CSSL_EVALUE.
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
 * string). TLS 1.3 suites are unaffected; only an "@SECLEVEL=N" token
 * changes cssl_context_security_level(). A string selecting no TLS 1.2
 * cipher is CSSL_ESSL "No cipher can be selected." (no library, reason or
 * location, as Python). Unlike Python, a failing string leaves the context
 * unchanged (OpenSSL would empty the TLS 1.2 list and apply its @SECLEVEL).
 */
CSSL_API int cssl_context_set_ciphers(cssl_context *ctx, const char *ciphers);

/**
 * The TLS 1.3 cipher suites in preference order, colon separated
 * ("TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256") (Python 3.15's
 * set_ciphersuites). "" disables TLS 1.3. Every name must be a TLS 1.3
 * suite of OpenSSL (by its RFC name, case-sensitive): else CSSL_ESSL
 * "unknown TLS 1.3 cipher suite 'foo' (ciphers.c:N)" and the context is
 * unchanged. (OpenSSL 3.0 alone would skip unknown names and accept TLS 1.2
 * RFC names.) A list of separators only is "no TLS 1.3 cipher suite in ':'".
 */
CSSL_API int cssl_context_set_ciphersuites(cssl_context *ctx, const char *suites);

/**
 * The key-exchange groups in preference order ("X25519:P-256", OpenSSL's
 * group names and aliases) (Python 3.15's set_groups). A refused list
 * leaves the context unchanged and is CSSL_ESSL naming the problem:
 * "unknown group 'foo' (ciphers.c:N)", "group named twice: 'prime256v1'",
 * "empty group name in 'X25519::P-256'", "empty group list".
 */
CSSL_API int cssl_context_set_groups(cssl_context *ctx, const char *groups);

/**
 * SSLContext.set_ecdh_curve: restrict key exchange to the one named group
 * ("prime256v1", "secp384r1", "X25519"; OpenSSL short names, so not
 * "P-256"). Unknown → CSSL_EVALUE "unknown elliptic curve name 'foo'" (the
 * name quoted as Python's repr). A short name that is not a group
 * ("rsaEncryption") → CSSL_ESSL "unknown error (ciphers.c:N)", as Python.
 */
CSSL_API int cssl_context_set_ecdh_curve(cssl_context *ctx, const char *name);

/**
 * SSLContext.load_dh_params: PEM DH parameters ("DH PARAMETERS" or "X9.42
 * DH PARAMETERS", the first such block of the file) for DHE key exchange in
 * TLS 1.2. A missing or unreadable file is CSSL_EOS naming the path
 * ("[Errno 2] No such file or directory: 'path'"); a file without DH
 * parameters is CSSL_ESSL "[PEM: NO_START_LINE] no start line (file.c:N)"
 * (library "PEM", reason "NO_START_LINE", errno 108); PEM that OpenSSL's
 * reader refuses without saying why (a ':' inside a base64 line) is
 * CSSL_ESSL "unknown error (file.c:N)" without library or reason, as in
 * Python; parameters too small for the security level
 * "[SSL: DH_KEY_TOO_SMALL] dh key too small".
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
    const char *symmetric;  /* "aes-256-gcm"; NULL for NULL encryption */
    const char *digest;     /* "sha256"; NULL for AEAD ciphers */
    const char *kea;        /* "kx-ecdhe", "kx-any"; NULL if OpenSSL has none */
    const char *auth;       /* "auth-rsa", "auth-any"; NULL if OpenSSL has none */
} cssl_cipher_info;

/**
 * SSLContext.get_ciphers: the enabled ciphers in priority order, TLS 1.3
 * suites first (the list of a new connection of the context). Returns an
 * array of *count entries (possibly 0) in one allocation, holding the
 * strings too, that the caller frees with cssl_free(); NULL on error
 * (*count untouched). A NULL field is Python's None.
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
 * load_cert_chain from memory: cert_pem (cert_len bytes) holds the chain,
 * leaf first; key_pem (key_len bytes) the private key, or NULL when the key
 * is in cert_pem. Same rules and errors as cssl_context_load_cert_chain(),
 * without paths. (libtls's tls_config_set_keypair_mem; Python has none.)
 */
CSSL_API int cssl_context_load_cert_chain_mem(cssl_context *ctx, const char *cert_pem,
                                              size_t cert_len, const char *key_pem,
                                              size_t key_len, const char *password);

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
 * SSLContext.get_ca_certs: the certificates of the trust store that
 * X509_check_ca() accepts (basicConstraints CA:TRUE; also, as in Python, a
 * self-signed X.509 v1 certificate and one with keyCertSign usage but no
 * basicConstraints), in the store's order, as a NULL-terminated array the
 * caller releases with cssl_cert_list_free(); the certificates stay valid
 * after the context is freed. Certificates of a capath appear only once
 * they have been used. Running out of memory is CSSL_ENOMEM "failed to
 * query cert store" (Python's MemoryError).
 */
CSSL_API cssl_cert **cssl_context_get_ca_certs(const cssl_context *ctx);

/** SSLContext.cert_store_stats(). */
typedef struct cssl_cert_store_stats {
    size_t x509;    /* certificates */
    size_t crl;     /* CRLs */
    size_t x509_ca; /* certificates that are CAs */
} cssl_cert_store_stats;

/**
 * Count the objects in the context's trust store into *stats (Python's
 * cert_store_stats): certificates, CRLs, and the certificates
 * cssl_context_get_ca_certs() would return.
 */
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

/* ------------------------------------------------------------------------ */
/* Memory BIOs (ssl.MemoryBIO): in-memory transports for event loops         */
/* ------------------------------------------------------------------------ */

typedef struct cssl_memory_bio cssl_memory_bio;

/** ssl.MemoryBIO(): an empty buffer. A read finding it empty means "retry
 * later" until cssl_memory_bio_write_eof() marks the end. */
CSSL_API cssl_memory_bio *cssl_memory_bio_new(void);

/** Release the BIO. A connection using it keeps its own reference. */
CSSL_API void cssl_memory_bio_free(cssl_memory_bio *bio);

/**
 * MemoryBIO.write: append len bytes (copied); returns len. After
 * write_eof: CSSL_ESSL "cannot write() after write_eof()".
 */
CSSL_API ssize_t cssl_memory_bio_write(cssl_memory_bio *bio, const void *data, size_t len);

/**
 * MemoryBIO.read: move up to size buffered bytes into buf; returns the
 * count, 0 when nothing is buffered (no data yet, or EOF: see eof()).
 */
CSSL_API ssize_t cssl_memory_bio_read(cssl_memory_bio *bio, void *buf, size_t size);

/** MemoryBIO.write_eof: no more data will be written. */
CSSL_API int cssl_memory_bio_write_eof(cssl_memory_bio *bio);

/** MemoryBIO.pending: bytes buffered (0 for NULL). */
CSSL_API size_t cssl_memory_bio_pending(const cssl_memory_bio *bio);

/** MemoryBIO.eof: write_eof() was called and every byte has been read. */
CSSL_API bool cssl_memory_bio_eof(const cssl_memory_bio *bio);

/* ------------------------------------------------------------------------ */
/* Sessions (ssl.SSLSession)                                                 */
/* ------------------------------------------------------------------------ */

typedef struct cssl_session cssl_session;

/** Release a session. NULL is a no-op. */
CSSL_API void cssl_session_free(cssl_session *session);

/** SSLSession.id: *len bytes (up to 32), owned by the session. */
CSSL_API const uint8_t *cssl_session_id(const cssl_session *session, size_t *len);

/** SSLSession.time: creation time, seconds since the epoch. */
CSSL_API int64_t cssl_session_time(const cssl_session *session);

/** SSLSession.timeout: lifetime in seconds. */
CSSL_API long cssl_session_timeout(const cssl_session *session);

/** SSLSession.ticket_lifetime_hint: seconds, from the server's ticket. */
CSSL_API unsigned long cssl_session_ticket_lifetime_hint(const cssl_session *session);

/** SSLSession.has_ticket: the session carries a ticket. */
CSSL_API bool cssl_session_has_ticket(const cssl_session *session);

/** SSLSession ==: the same object or the same session id. */
CSSL_API bool cssl_session_equal(const cssl_session *a, const cssl_session *b);

/**
 * Serialise a session (DER, caller frees) so a later process can resume it
 * with cssl_session_from_der(). Contains the session's master secret: store
 * it like a key.
 */
CSSL_API uint8_t *cssl_session_to_der(const cssl_session *session, size_t *len);

/** Rebuild a session serialised by cssl_session_to_der(), for use with
 * connections of ctx. */
CSSL_API cssl_session *cssl_session_from_der(cssl_context *ctx, const void *der, size_t len);

/* ------------------------------------------------------------------------ */
/* Connections (ssl.SSLSocket and ssl.SSLObject)                             */
/* ------------------------------------------------------------------------ */

typedef struct cssl_conn cssl_conn;

/* Flags for cssl_context_wrap_socket() and cssl_context_wrap_bio(). */
#define CSSL_SERVER_SIDE 0x1U             /* server_side=True */
#define CSSL_NO_SUPPRESS_RAGGED_EOFS 0x2U /* suppress_ragged_eofs=False */
#define CSSL_CLOSE_FD 0x4U                /* cssl_conn_free() closes the fd */

/**
 * SSLContext.wrap_socket: a TLS connection over the stream socket fd
 * (connected, or to be connected by the caller before the first I/O).
 * flags: CSSL_SERVER_SIDE, CSSL_NO_SUPPRESS_RAGGED_EOFS, CSSL_CLOSE_FD.
 * server_hostname (client only) is sent as SNI unless it is an IP address,
 * and checked against the certificate if the context checks hostnames;
 * non-ASCII names are converted to their A-label. session (client only,
 * borrowed) is offered for resumption. The handshake runs on the first
 * read/write, or explicitly with cssl_conn_do_handshake(). The timeout
 * starts as the fd's mode: non-blocking fd → 0, else blocking (-1).
 * Errors (Python's texts): "Cannot create a server socket with a
 * PROTOCOL_TLS_CLIENT context", "Cannot create a client socket with a
 * PROTOCOL_TLS_SERVER context", "server_hostname can only be specified in
 * client mode", "session can only be specified in client mode",
 * "check_hostname requires server_hostname", "server_hostname cannot be an
 * empty string or start with a leading dot.", "only stream sockets are
 * supported" (CSSL_EUNSUPPORTED); names Python's idna codec refuses get its
 * text ("'idna' codec can't encode character '\x2e' in position 2: label
 * empty", "... characters in position 0-63: label too long"), bytes that
 * are not UTF-8 "server_hostname is not a valid UTF-8 IDNA host name". The
 * connection holds a reference to ctx.
 */
CSSL_API cssl_conn *cssl_context_wrap_socket(cssl_context *ctx, int fd, unsigned flags,
                                             const char *server_hostname,
                                             const cssl_session *session);

/**
 * SSLContext.wrap_bio: a TLS connection over two memory BIOs (sans-IO):
 * the caller moves bytes from outgoing to the peer and from the peer into
 * incoming. I/O never blocks: CSSL_EWANT_READ means "feed incoming and
 * retry"; CSSL_EWANT_WRITE does not occur. Any call, whatever it returns,
 * may have written to outgoing: send it. Ragged EOFs are never suppressed
 * (cssl_memory_bio_write_eof(incoming) without close_notify is CSSL_EEOF).
 * Same checks as wrap_socket — including "check_hostname requires
 * server_hostname", which Python forgets for memory BIOs. The connection
 * references both BIOs.
 */
CSSL_API cssl_conn *cssl_context_wrap_bio(cssl_context *ctx, cssl_memory_bio *incoming,
                                          cssl_memory_bio *outgoing, unsigned flags,
                                          const char *server_hostname,
                                          const cssl_session *session);

/**
 * Release the connection without sending close_notify (the session stays
 * resumable, as in Python). Closes the fd only with CSSL_CLOSE_FD.
 */
CSSL_API void cssl_conn_free(cssl_conn *conn);

/**
 * do_handshake(): run or continue the handshake. CSSL_EWANT_READ/WRITE on
 * non-blocking transports; CSSL_ECERT_VERIFY with verify code and message;
 * CSSL_ETIMEOUT "The handshake operation timed out"; CSSL_EOS ENOTCONN if
 * the socket is not connected yet.
 */
CSSL_API int cssl_conn_do_handshake(cssl_conn *conn);

/**
 * read(): up to size decrypted bytes into buf (handshaking first if
 * needed). Returns the count, or 0 at a clean close (close_notify) — and,
 * on sockets with suppress_ragged_eofs, at a transport EOF without one.
 * Otherwise a negative status: CSSL_EEOF "EOF occurred in violation of
 * protocol", CSSL_EZERO_RETURN once both sides have closed, CSSL_EWANT_*,
 * CSSL_ETIMEOUT "The read operation timed out", CSSL_EVALUE "Read on closed
 * or unwrapped SSL socket.". size 0 returns 0 at once.
 */
CSSL_API ssize_t cssl_conn_read(cssl_conn *conn, void *buf, size_t size);

/**
 * write(): encrypt and send len bytes; returns len (a write is never
 * partial). CSSL_EWANT_WRITE/READ on non-blocking transports (retry with
 * the same bytes and length; the buffer may move), CSSL_ETIMEOUT "The
 * write operation timed out", CSSL_ESSL "[SSL: PROTOCOL_IS_SHUTDOWN]
 * protocol is shutdown" after close. len 0 returns 0.
 */
CSSL_API ssize_t cssl_conn_write(cssl_conn *conn, const void *buf, size_t len);

/**
 * sendall(): write all len bytes, waiting as the timeout allows. On a
 * non-blocking transport it returns CSSL_EWANT_* with *sent (if non-NULL)
 * holding the bytes already sent.
 */
CSSL_API int cssl_conn_sendall(cssl_conn *conn, const void *buf, size_t len, size_t *sent);

/**
 * sendfile(): send count bytes of in_fd from offset (count 0: to EOF)
 * through TLS. Returns the bytes sent. in_fd's file position is neither
 * used nor moved (pread). Sockets only: memory BIOs are CSSL_EUNSUPPORTED;
 * non-blocking connections (timeout 0) are CSSL_EVALUE "non-blocking
 * sockets are not supported", as in Python.
 */
CSSL_API ssize_t cssl_conn_sendfile(cssl_conn *conn, int in_fd, off_t offset, size_t count);

/** pending(): decrypted bytes buffered and readable without I/O. */
CSSL_API size_t cssl_conn_pending(const cssl_conn *conn);

/**
 * unwrap(): the TLS closing handshake (send close_notify, wait for the
 * peer's). Afterwards the socket carries plaintext again (STARTTLS /
 * STOPTLS); read/write on the connection fail. On memory BIOs and
 * non-blocking sockets the first call sends close_notify and returns
 * CSSL_EWANT_READ until the peer's arrives. Call it when the peer has
 * nothing more to send: application data arriving while it waits fails
 * with "[SSL: APPLICATION_DATA_AFTER_CLOSE_NOTIFY] ...", as in Python
 * (after a first CSSL_EWANT_READ, cssl_conn_read() still returns the peer's
 * remaining data, then CSSL_EZERO_RETURN).
 */
CSSL_API int cssl_conn_unwrap(cssl_conn *conn);

/**
 * Half-close: send close_notify now and return, without waiting for the
 * peer's (the first step of unwrap). Writing is over; reading goes on, and
 * once the peer's close_notify arrives cssl_conn_read() returns 0. For
 * protocols where the client signals the end of its request and then
 * reads the whole reply. Not in Python's ssl (its unwrap always waits).
 * CSSL_EWANT_WRITE on a non-blocking transport whose buffer is full.
 */
CSSL_API int cssl_conn_close_notify(cssl_conn *conn);

/**
 * getpeercert(): the peer's decoded certificate, owned by conn: valid
 * until the connection is freed or, after post-handshake authentication
 * replaced the peer's certificate, until the next getpeercert call.
 * *info is NULL if the peer sent none; it points to an empty structure
 * (all counts 0, strings NULL) when the connection's context does not
 * verify certificates (CERT_NONE), exactly when Python returns {}. Before the handshake: CSSL_EVALUE "handshake not done yet".
 */
CSSL_API int cssl_conn_getpeercert(cssl_conn *conn, const cssl_cert_info **info);

/**
 * getpeercert(binary_form=True): the peer certificate's DER (caller
 * frees), regardless of verification; *der NULL if none.
 */
CSSL_API int cssl_conn_getpeercert_der(cssl_conn *conn, uint8_t **der, size_t *len);

/**
 * get_verified_chain(): the chain OpenSSL verified, leaf first, as a
 * NULL-terminated array (cssl_cert_list_free). Empty if none.
 */
CSSL_API cssl_cert **cssl_conn_get_verified_chain(const cssl_conn *conn);

/**
 * get_unverified_chain(): the chain the peer sent, leaf first (on the
 * server side the client's leaf is included, as in Python).
 */
CSSL_API cssl_cert **cssl_conn_get_unverified_chain(const cssl_conn *conn);

/**
 * cipher(): the negotiated cipher's name ("TLS_AES_256_GCM_SHA384") or
 * NULL before the handshake; *protocol ("TLSv1.3") and *secret_bits if
 * non-NULL. Strings are static.
 */
CSSL_API const char *cssl_conn_cipher(const cssl_conn *conn, const char **protocol,
                                      int *secret_bits);

/** One cipher of shared_ciphers(). */
typedef struct cssl_cipher_desc {
    const char *name;
    const char *protocol;
    int secret_bits;
} cssl_cipher_desc;

/**
 * shared_ciphers(): on the server side, the server's ciphers the client
 * offered, in server order (caller frees *ciphers). *ciphers is NULL on the
 * client side and before the handshake (Python's None).
 */
CSSL_API int cssl_conn_shared_ciphers(const cssl_conn *conn, cssl_cipher_desc **ciphers,
                                      size_t *count);

/** compression(): the compression method, NULL (none) on OpenSSL 3. */
CSSL_API const char *cssl_conn_compression(const cssl_conn *conn);

/** version(): "TLSv1.2", "TLSv1.3"; NULL before the handshake. */
CSSL_API const char *cssl_conn_version(const cssl_conn *conn);

/** selected_alpn_protocol(): the agreed protocol or NULL (NULL with
 * CSSL_ENOMEM recorded if its copy cannot be made). The string belongs to
 * the connection: valid until it is freed or a TLS 1.2 renegotiation
 * agrees on another protocol. */
CSSL_API const char *cssl_conn_selected_alpn_protocol(const cssl_conn *conn);

/**
 * get_channel_binding(cb_type): "tls-unique" (RFC 5929) only: the first
 * Finished message of the latest handshake into buf (size ≥ 128 suffices).
 * Returns its length, 0 before the handshake (Python's None). Other types:
 * CSSL_EVALUE "'tls-server-end-point' channel binding type not implemented";
 * a buf too small for it: CSSL_EVALUE "buffer too small for the channel
 * binding".
 */
CSSL_API ssize_t cssl_conn_get_channel_binding(const cssl_conn *conn, const char *cb_type,
                                               uint8_t *buf, size_t size);

/**
 * verify_client_post_handshake(): a TLS 1.3 server asks the client for a
 * certificate now; it arrives with the next read/write. Client side:
 * "[SSL: NOT_SERVER] not server"; no PHA offered: "[SSL:
 * EXTENSION_NOT_RECEIVED] extension not received".
 */
CSSL_API int cssl_conn_verify_client_post_handshake(cssl_conn *conn);

/**
 * session: the current session (caller frees) or NULL if none. TLS 1.3
 * tickets arrive after the handshake and are taken in by the next read (or
 * unwrap): a session taken before that has no ticket and cannot resume.
 */
CSSL_API cssl_session *cssl_conn_get_session(const cssl_conn *conn);

/**
 * Offer session for resumption (client, before the handshake). Errors in
 * Python's order and words: "Session refers to a different SSLContext.",
 * "Cannot set session for server-side SSLSocket.", "Cannot set session
 * after handshake.".
 */
CSSL_API int cssl_conn_set_session(cssl_conn *conn, const cssl_session *session);

/** session_reused: the handshake resumed a session. */
CSSL_API bool cssl_conn_session_reused(const cssl_conn *conn);

/** server_side. */
CSSL_API bool cssl_conn_server_side(const cssl_conn *conn);

/** server_hostname as sent (A-label), or NULL. */
CSSL_API const char *cssl_conn_server_hostname(const cssl_conn *conn);

/** context: the connection's current context (borrowed). */
CSSL_API cssl_context *cssl_conn_context(const cssl_conn *conn);

/**
 * Switch the connection to another context (typically in an SNI callback,
 * to present other certificates). The connection takes a reference.
 */
CSSL_API int cssl_conn_set_context(cssl_conn *conn, cssl_context *ctx);

/** The socket fd, or -1 for memory BIOs. */
CSSL_API int cssl_conn_fileno(const cssl_conn *conn);

/**
 * The socket timeout in seconds: negative = blocking, 0 = non-blocking,
 * positive = a total deadline for each operation (handshake, read, write,
 * unwrap). Memory BIO connections report 0.
 */
CSSL_API double cssl_conn_timeout(const cssl_conn *conn);

/**
 * Set the timeout (as Python's socket.settimeout). The fd is switched to
 * O_NONBLOCK for timeout >= 0 and back for blocking.
 */
CSSL_API int cssl_conn_set_timeout(cssl_conn *conn, double seconds);

/* ------------------------------------------------------------------------ */
/* Callbacks on the context                                                  */
/* ------------------------------------------------------------------------ */

/**
 * SNI callback, called by a server for every ClientHello: server_name is
 * the name the client asked for (A-label) or NULL if it sent none; ctx is
 * the context the callback was set on. Return 0 to continue (after,
 * perhaps, cssl_conn_set_context(conn, other)), a CSSL_ALERT_DESCRIPTION_*
 * value to abort the handshake with that alert, or a negative value to
 * abort with handshake_failure.
 */
typedef int (*cssl_sni_callback)(cssl_conn *conn, const char *server_name, cssl_context *ctx,
                                 void *userdata);

/**
 * SSLContext.sni_callback. NULL removes it. On a TLS_CLIENT context:
 * CSSL_EVALUE "sni_callback cannot be set on TLS_CLIENT context".
 */
CSSL_API int cssl_context_set_sni_callback(cssl_context *ctx, cssl_sni_callback cb,
                                           void *userdata);

/**
 * PSK client callback: given the server's identity hint (NULL if none),
 * write a NUL-terminated identity (at most identity_size bytes including
 * the NUL) and the key (at most psk_size bytes); return the key length, or
 * 0 to refuse. Works for TLS 1.2 and 1.3.
 */
typedef size_t (*cssl_psk_client_callback)(cssl_conn *conn, const char *hint, char *identity,
                                           size_t identity_size, uint8_t *psk, size_t psk_size,
                                           void *userdata);

/**
 * SSLContext.set_psk_client_callback. NULL removes it. On a TLS_SERVER
 * context: CSSL_ESSL "Cannot add PSK client callback to a
 * PROTOCOL_TLS_SERVER context".
 */
CSSL_API int cssl_context_set_psk_client_callback(cssl_context *ctx, cssl_psk_client_callback cb,
                                                  void *userdata);

/**
 * PSK server callback: given the client's identity (NULL if none), write
 * the key (at most psk_size bytes) and return its length, 0 to refuse.
 */
typedef size_t (*cssl_psk_server_callback)(cssl_conn *conn, const char *identity, uint8_t *psk,
                                           size_t psk_size, void *userdata);

/**
 * SSLContext.set_psk_server_callback. identity_hint (may be NULL, at most
 * 256 bytes: else "failed to set identity hint") is sent in TLS 1.2. On a
 * TLS_CLIENT context: CSSL_ESSL "Cannot add PSK server callback to a
 * PROTOCOL_TLS_CLIENT context".
 */
CSSL_API int cssl_context_set_psk_server_callback(cssl_context *ctx, cssl_psk_server_callback cb,
                                                  const char *identity_hint, void *userdata);

/**
 * ssl.get_server_certificate(host, port): connect (timeout seconds, < 0 for
 * none), handshake with SNI = host, and return the server's certificate as
 * PEM (caller frees). With ca_certs (a PEM file) the chain is verified,
 * the hostname is not, as in Python. Errors: CSSL_EOS with errno
 * ("[Errno 111] Connection refused"; a name that does not resolve has
 * getaddrinfo's negative code, as Python's gaierror), CSSL_ETIMEOUT,
 * CSSL_ECERT_VERIFY.
 */
CSSL_API char *cssl_get_server_certificate(const char *host, int port, const char *ca_certs,
                                           double timeout);

#ifdef __cplusplus
}
#endif

#endif /* CSSL_H */
