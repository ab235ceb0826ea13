/*
 * sess_util.h - helpers of the test_conn_session / _versions / _callbacks
 * units: a memory-BIO handshake that records each side's full error
 * details, and the Python oracle's matching driver (the same loop, in the
 * same order, over ssl.MemoryBIO), so both can print comparable lines.
 */
#ifndef CSSL_TEST_SESS_UTIL_H
#define CSSL_TEST_SESS_UTIL_H

#include "tls_util.h"

/* One side's outcome: status and the thread's error details at the time. */
typedef struct side_result {
    int rc;
    char lib[32];
    char reason[64];
    char msg[640];
} side_result;

static inline void side_record(side_result *r, int rc)
{
    r->rc = rc;
    r->lib[0] = r->reason[0] = r->msg[0] = '\0';
    if (rc >= 0)
        return;
    snprintf(r->lib, sizeof r->lib, "%s", cssl_error_library() ? cssl_error_library() : "None");
    snprintf(r->reason, sizeof r->reason, "%s",
             cssl_error_reason() ? cssl_error_reason() : "None");
    snprintf(r->msg, sizeof r->msg, "%s", cssl_error_message());
}

static inline bool is_want_status(int rc)
{
    return rc == CSSL_EWANT_READ || rc == CSSL_EWANT_WRITE;
}

/*
 * Drive both handshakes as the Python oracle's P.hs() does: client step,
 * move bytes, server step, move bytes; a side stops at success or a
 * non-WANT failure. Returns true when both finished successfully.
 */
static inline bool pair_hs(tls_pair *p, side_result *c, side_result *s)
{
    side_result cl = {.rc = CSSL_EWANT_READ}, sv = {.rc = CSSL_EWANT_READ};
    for (int round = 0; round < 20; round++) {
        if (is_want_status(cl.rc))
            side_record(&cl, cssl_conn_do_handshake(p->client));
        pair_pump(p);
        if (is_want_status(sv.rc))
            side_record(&sv, cssl_conn_do_handshake(p->server));
        pair_pump(p);
        if (!is_want_status(cl.rc) && !is_want_status(sv.rc))
            break;
    }
    if (c)
        *c = cl;
    if (s)
        *s = sv;
    return cl.rc == CSSL_OK && sv.rc == CSSL_OK;
}

/* Read on one side after moving pending bytes, recording the outcome. */
static inline ssize_t pair_read(tls_pair *p, bool on_client, void *buf, size_t size,
                                side_result *r)
{
    pair_pump(p);
    ssize_t n = cssl_conn_read(on_client ? p->client : p->server, buf, size);
    if (r)
        side_record(r, n < 0 ? (int)n : CSSL_OK);
    pair_pump(p);
    return n;
}

/* The message without its " (file.c:123)" location suffix, in place. */
static inline const char *strip_location(char *msg)
{
    size_t n = strlen(msg);
    if (n > 0 && msg[n - 1] == ')') {
        char *open = strrchr(msg, '(');
        if (open && open > msg && open[-1] == ' ' && strchr(open, ':'))
            open[-1] = '\0';
    }
    return msg;
}

/* Python's exception class for a cssl status (as the oracle prints it). */
static inline const char *status_class(int rc)
{
    switch (rc) {
    case CSSL_OK: return "OK";
    case CSSL_ESSL: return "SSLError";
    case CSSL_EZERO_RETURN: return "SSLZeroReturnError";
    case CSSL_EWANT_READ: return "SSLWantReadError";
    case CSSL_EWANT_WRITE: return "SSLWantWriteError";
    case CSSL_EEOF: return "SSLEOFError";
    case CSSL_ECERT_VERIFY: return "SSLCertVerificationError";
    case CSSL_EVALUE: return "ValueError";
    default: return "other";
    }
}

/* "OK" or "Class|LIB|REASON|message without location" — the oracle's fmt(). */
static inline void side_describe(const side_result *r, char *out, size_t size)
{
    if (r->rc >= 0) {
        snprintf(out, size, "OK");
        return;
    }
    char msg[640];
    snprintf(msg, sizeof msg, "%s", r->msg);
    snprintf(out, size, "%s|%s|%s|%s", status_class(r->rc), r->lib, r->reason,
             strip_location(msg));
}

/* Check a failed side: status, library, reason and the exact message
 * (without its location, which names our file and line). */
#define CHECK_SIDE(r, st, lib_, reason_, text)                                 \
    do {                                                                       \
        char m_[640];                                                          \
        snprintf(m_, sizeof m_, "%s", (r).msg);                                \
        CHECK_INT((r).rc, st);                                                 \
        CHECK_STR((r).lib, lib_);                                              \
        CHECK_STR((r).reason, reason_);                                        \
        CHECK_STR(strip_location(m_), text);                                   \
    } while (0)

/*
 * The oracle's prelude: fixture paths from argv[1], the same handshake
 * loop as pair_hs() over ssl.MemoryBIO, and fmt() printing an outcome as
 * side_describe() does.
 */
#define SESS_PY_PRELUDE                                                        \
    "import ssl, sys, re, warnings\n"                                          \
    "warnings.simplefilter('ignore')\n"                                        \
    "F = sys.argv[1]\n"                                                        \
    "def fmt(e):\n"                                                            \
    "    if e is None: return 'OK'\n"                                          \
    "    m = re.sub(r' \\([^()]*:[0-9]+\\)$', '', e.strerror or str(e))\n"     \
    "    return '%s|%s|%s|%s' % (type(e).__name__, e.library, e.reason, m)\n"  \
    "def mv(a, b):\n"                                                          \
    "    d = a.read()\n"                                                       \
    "    if d: b.write(d)\n"                                                   \
    "class P:\n"                                                               \
    "    def __init__(s, cctx, sctx, host='localhost', session=None):\n"      \
    "        s.ci, s.co = ssl.MemoryBIO(), ssl.MemoryBIO()\n"                  \
    "        s.si, s.so = ssl.MemoryBIO(), ssl.MemoryBIO()\n"                  \
    "        s.c = cctx.wrap_bio(s.ci, s.co, server_hostname=host, session=session)\n" \
    "        s.s = sctx.wrap_bio(s.si, s.so, server_side=True)\n"              \
    "    def pump(s):\n"                                                       \
    "        mv(s.co, s.si); mv(s.so, s.ci)\n"                                 \
    "    def hs(s):\n"                                                         \
    "        r = {'c': 'want', 's': 'want'}\n"                                 \
    "        for _ in range(20):\n"                                            \
    "            for side, obj in (('c', s.c), ('s', s.s)):\n"                 \
    "                if r[side] == 'want':\n"                                  \
    "                    try: obj.do_handshake(); r[side] = None\n"            \
    "                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError): pass\n" \
    "                    except ssl.SSLError as e: r[side] = e\n"              \
    "                s.pump()\n"                                               \
    "            if r['c'] != 'want' and r['s'] != 'want': break\n"            \
    "        return fmt(r['c']), fmt(r['s'])\n"                                \
    "    def read(s, client, n=1024):\n"                                       \
    "        s.pump()\n"                                                       \
    "        try: d = (s.c if client else s.s).read(n); e = None\n"            \
    "        except ssl.SSLError as x: d = b''; e = x\n"                       \
    "        s.pump()\n"                                                       \
    "        return d, fmt(e)\n"                                               \
    "    def write(s, client, data):\n"                                        \
    "        (s.c if client else s.s).write(data); s.pump()\n"                 \
    "def client_ctx():\n"                                                      \
    "    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"                        \
    "    c.load_verify_locations(F + '/ca.pem')\n"                             \
    "    return c\n"                                                           \
    "def server_ctx(name='server'):\n"                                         \
    "    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"                        \
    "    c.load_cert_chain(F + '/' + name + '.pem', F + '/' + name + '.key')\n" \
    "    return c\n"

/* Run an oracle script (SESS_PY_PRELUDE + code) with the fixture
 * directory as argv[1]; caller frees the output. */
static inline char *sess_python(const char *code)
{
    size_t n = strlen(SESS_PY_PRELUDE) + strlen(code) + 1;
    char *script = malloc(n);
    REQUIRE(script != NULL);
    snprintf(script, n, "%s%s", SESS_PY_PRELUDE, code);
    const char *dir = getenv("CSSL_FIXTURES");
    REQUIRE(dir != NULL);
    const char *args[] = {dir, NULL};
    char *out = python_run(script, args);
    free(script);
    return out;
}

/* Compare the oracle's output with ours line by line, naming the first
 * difference. */
static inline void check_same_lines(const char *ours, const char *python)
{
    if (strcmp(ours, python) == 0)
        return;
    const char *a = ours, *b = python;
    int line = 1;
    while (*a && *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la) != 0) {
            harness_fail(__FILE__, __LINE__, "line %d differs:\n  cssl:   %.*s\n  python: %.*s",
                         line, (int)la, a, (int)lb, b);
            return;
        }
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
        line++;
    }
    harness_fail(__FILE__, __LINE__, "outputs differ in length at line %d:\n  cssl: %s\n  python: %s",
                 line, a, b);
}

#endif
