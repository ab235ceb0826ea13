/*
 * test_cert.c - cssl_cert: parsing (PEM, DER, files), the decoded fields,
 * export, JSON, equality; differential tests against Python's decoder
 * (ssl._ssl._test_decode_cert) for every fixture of gen_cert.sh; and
 * allocation-failure sweeps.
 */
#include "harness.h"

#include <errno.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "internal.h"
#include "oom.h"

/* ---- helpers ------------------------------------------------------------- */

/* expr returns NULL and records status st with a message starting with
 * prefix. */
#define CHECK_NULL_ERR_STARTS(expr, st, prefix)                                \
    do {                                                                       \
        cssl_error_clear();                                                    \
        const void *np_ = (expr);                                              \
        CHECK(np_ == NULL);                                                    \
        CHECK_INT(cssl_error_status(), st);                                    \
        CHECK_STR_STARTS(cssl_error_message(), prefix);                        \
    } while (0)

static cssl_cert *load(const char *name)
{
    cssl_cert *c = cssl_cert_load(fixture(name));
    if (c == NULL)
        harness_fail(__FILE__, __LINE__, "load %s: %s", name, cssl_error_message());
    REQUIRE(c != NULL);
    return c;
}

/* A growable string for building Python literals. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        REQUIRE(b->p != NULL);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* A Python bytes literal of exactly n bytes. */
static void lit_bytes(sbuf *b, const char *s, size_t n)
{
    sb_puts(b, "b'");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c != 0 && strchr(" .-_@:/", c) != NULL))
            snprintf(tmp, sizeof tmp, "%c", c);
        else
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
        sb_puts(b, tmp);
    }
    sb_puts(b, "'");
}

static void lit_name(sbuf *b, const cssl_name *name)
{
    sb_puts(b, "(");
    for (size_t i = 0; i < name->count; i++) {
        sb_puts(b, "(");
        for (size_t j = 0; j < name->rdns[i].count; j++) {
            const cssl_name_entry *e = &name->rdns[i].entries[j];
            REQUIRE(e->name != NULL && e->value != NULL);
            CHECK_INT(e->value[e->value_len], '\0');
            sb_puts(b, "(");
            lit_bytes(b, e->name, strlen(e->name));
            sb_puts(b, e->is_bytes ? ", ('BYTES', " : ", ");
            lit_bytes(b, e->value, e->value_len);
            sb_puts(b, e->is_bytes ? ")), " : "), ");
        }
        sb_puts(b, "), ");
    }
    sb_puts(b, ")");
}

static void lit_list(sbuf *b, const char *key, const cssl_string_list *list)
{
    if (list->count == 0)
        return;
    sb_puts(b, ", '");
    sb_puts(b, key);
    sb_puts(b, "': (");
    for (size_t i = 0; i < list->count; i++) {
        REQUIRE(list->lengths != NULL);
        CHECK_INT(list->items[i][list->lengths[i]], '\0');
        lit_bytes(b, list->items[i], list->lengths[i]);
        sb_puts(b, ", ");
    }
    sb_puts(b, ")");
}

/*
 * The decoded fields as a Python literal, written from the struct (not
 * from the JSON): every text is a bytes literal, byte values are tagged
 * ('BYTES', b'...'); the oracle decodes texts as UTF-8 and compares the
 * result with Python's dict exactly, tuples and types included.
 */
static char *info_literal(const cssl_cert_info *info)
{
    sbuf b = {0};
    char num[64];
    sb_puts(&b, "{'subject': ");
    lit_name(&b, &info->subject);
    sb_puts(&b, ", 'issuer': ");
    lit_name(&b, &info->issuer);
    snprintf(num, sizeof num, ", 'version': %ld, 'serialNumber': ", info->version);
    sb_puts(&b, num);
    lit_bytes(&b, info->serial_number, strlen(info->serial_number));
    sb_puts(&b, ", 'notBefore': ");
    lit_bytes(&b, info->not_before, strlen(info->not_before));
    sb_puts(&b, ", 'notAfter': ");
    lit_bytes(&b, info->not_after, strlen(info->not_after));
    if (info->has_subject_alt_name) {
        sb_puts(&b, ", 'subjectAltName': (");
        for (size_t i = 0; i < info->subject_alt_name_count; i++) {
            const cssl_general_name *gn = &info->subject_alt_name[i];
            sb_puts(&b, "(");
            lit_bytes(&b, gn->type, strlen(gn->type));
            sb_puts(&b, ", ");
            if (strcmp(gn->type, "DirName") == 0) {
                REQUIRE(gn->dirname != NULL);
                CHECK(gn->value == NULL);
                lit_name(&b, gn->dirname);
            } else {
                REQUIRE(gn->value != NULL);
                CHECK(gn->dirname == NULL);
                lit_bytes(&b, gn->value, gn->value_len);
            }
            sb_puts(&b, "), ");
        }
        sb_puts(&b, ")");
    } else {
        CHECK_INT(info->subject_alt_name_count, 0);
    }
    lit_list(&b, "OCSP", &info->ocsp);
    lit_list(&b, "caIssuers", &info->ca_issuers);
    lit_list(&b, "crlDistributionPoints", &info->crl_distribution_points);
    sb_puts(&b, "}");
    return b.p;
}

/* The oracle: argv = pem, literal file, json file. Prints OK or the
 * differences, path by path. */
static const char PY_COMPARE[] =
    "import ast, json, ssl, sys\n"
    "pem, litf, jsf = sys.argv[1:4]\n"
    "py = ssl._ssl._test_decode_cert(pem)\n"
    "def fix(o):\n"
    "    if isinstance(o, bytes): return o.decode('utf-8')\n"
    "    if isinstance(o, tuple):\n"
    "        if len(o) == 2 and o[0] == 'BYTES': return o[1]\n"
    "        return tuple(fix(x) for x in o)\n"
    "    if isinstance(o, dict): return {k: fix(v) for k, v in o.items()}\n"
    "    return o\n"
    "def lists(o):\n"
    "    if isinstance(o, (tuple, list)): return [lists(x) for x in o]\n"
    "    if isinstance(o, dict): return {k: lists(v) for k, v in o.items()}\n"
    "    if isinstance(o, bytes): return o.decode('latin-1')\n"
    "    return o\n"
    "def enc(o):  # json.dumps(o, ensure_ascii=False), bytes as U+00XX escaped\n"
    "    if isinstance(o, bytes):\n"
    "        return '\"' + ''.join('\\\\u%04x' % b if b >= 0x80 else json.dumps(chr(b))[1:-1]\n"
    "                             for b in o) + '\"'\n"
    "    if isinstance(o, (list, tuple)): return '[' + ', '.join(enc(x) for x in o) + ']'\n"
    "    if isinstance(o, dict):\n"
    "        return '{' + ', '.join(json.dumps(k) + ': ' + enc(v) for k, v in o.items()) + '}'\n"
    "    return json.dumps(o, ensure_ascii=False)\n"
    "problems = []\n"
    "def diff(path, a, b):\n"
    "    if type(a) is not type(b):\n"
    "        problems.append(f'{path}: python {a!r} != cssl {b!r}')\n"
    "    elif isinstance(a, dict):\n"
    "        if list(a) != list(b):\n"
    "            problems.append(f'{path}: keys python {list(a)} != cssl {list(b)}')\n"
    "        for k in a:\n"
    "            if k in b: diff(f'{path}.{k}', a[k], b[k])\n"
    "    elif isinstance(a, (tuple, list)):\n"
    "        if len(a) != len(b): problems.append(f'{path}: python {a!r} != cssl {b!r}')\n"
    "        else:\n"
    "            for i, (x, y) in enumerate(zip(a, b)): diff(f'{path}[{i}]', x, y)\n"
    "    elif a != b:\n"
    "        problems.append(f'{path}: python {a!r} != cssl {b!r}')\n"
    "diff('info', py, fix(ast.literal_eval(open(litf).read())))\n"
    "text = open(jsf, encoding='utf-8').read()\n"
    "diff('json', lists(py), json.loads(text))\n"
    "want = enc(py)\n"
    "if text != want: problems.append(f'json text: python {want!r} != cssl {text!r}')\n"
    "print('\\n'.join(problems) if problems else 'OK')\n";

static void write_str(const char *dir, const char *name, const char *ext, const char *text,
                      char *path, size_t size)
{
    snprintf(path, size, "%s/%s.%s", dir, name, ext);
    write_file(path, text, strlen(text));
}

/* Compare cssl's decoding of pem with Python's, through the struct and the
 * JSON. */
static void compare_with_python(const char *label, const cssl_cert *c, const char *pem)
{
    char *lit = info_literal(cssl_cert_get_info(c));
    char *json = cssl_cert_to_json(c);
    REQUIRE(json != NULL);
    char litf[1024], jsf[1024];
    write_str(test_tmpdir(), label, "lit", lit, litf, sizeof litf);
    write_str(test_tmpdir(), label, "json", json, jsf, sizeof jsf);
    const char *args[] = {pem, litf, jsf, NULL};
    char *out = python_run(PY_COMPARE, args);
    if (strcmp(out, "OK\n") != 0)
        harness_fail(__FILE__, __LINE__, "%s differs from Python:\n%s", label, out);
    free(out);
    free(lit);
    cssl_free(json);
}

/* The same JSON from the DER file (or, without one, from cssl's own DER)
 * and from a DER round trip. */
static void check_der_decodes_identically(const char *name, const cssl_cert *c)
{
    char *json = cssl_cert_to_json(c);
    REQUIRE(json != NULL);
    size_t len = 0;
    uint8_t *der = cssl_cert_to_der(c, &len);
    REQUIRE(der != NULL);
    cssl_cert *d = cssl_cert_from_der(der, len);
    REQUIRE(d != NULL);
    char *djson = cssl_cert_to_json(d);
    CHECK_STR(djson, json);
    CHECK(cssl_cert_equal(c, d));
    cssl_free(djson);
    cssl_cert_free(d);
    cssl_free(der);

    char dername[512];
    snprintf(dername, sizeof dername, "%.*s.der", (int)(strlen(name) - 4), name);
    struct stat st;
    if (stat(fixture(dername), &st) == 0) {
        cssl_cert *f = load(dername);
        char *fjson = cssl_cert_to_json(f);
        CHECK_STR(fjson, json);
        cssl_free(fjson);
        cssl_cert_free(f);
    }
    cssl_free(json);
}

/* The differential test of one fixture PEM file. */
static void differential(const char *name)
{
    cssl_cert *c = load(name);
    char label[256];
    snprintf(label, sizeof label, "%s", name);
    for (char *p = label; *p; p++)
        if (*p == '/')
            *p = '_';
    compare_with_python(label, c, fixture(name));
    check_der_decodes_identically(name, c);
    cssl_cert_free(c);
}

/* ---- differential tests: one per fixture -------------------------------- */

TEST(python_ca) { differential("ca.pem"); }
TEST(python_ca2) { differential("ca2.pem"); }
TEST(python_server) { differential("server.pem"); }
TEST(python_ecdsa) { differential("ecdsa.pem"); }
TEST(python_client) { differential("client.pem"); }
/* Multi-valued RDN, UTF-8 names, all CLI SAN kinds, AIA, CRL DPs. */
TEST(python_std) { differential("cert/std.pem"); }
TEST(python_serial0) { differential("cert/serial0.pem"); }
TEST(python_serial20) { differential("cert/serial20.pem"); }
TEST(python_v1) { differential("cert/v1.pem"); }
TEST(python_kuonly) { differential("cert/kuonly.pem"); }
/* NULs, escapes, BIT STRING, every GENERAL_NAME kind, 40-byte serial. */
TEST(python_exotic) { differential("cert/exotic.pem"); }
TEST(python_emptyext) { differential("cert/emptyext.pem"); }
TEST(python_dupsan) { differential("cert/dupsan.pem"); }
TEST(python_negserial) { differential("cert/negserial.pem"); }

/* Python cannot decode either: a SEQUENCE-valued attribute fails in
 * ASN1_STRING_to_UTF8 (SSLError), non-UTF-8 names fail in str(). */
static const char PY_MUST_FAIL[] =
    "import ssl, sys\n"
    "try:\n"
    "    ssl._ssl._test_decode_cert(sys.argv[1])\n"
    "    print('decoded')\n"
    "except Exception as e:\n"
    "    print(type(e).__name__)\n";

TEST(python_seqattr_fails_in_both)
{
    const char *args[] = {fixture("cert/seqattr.pem"), NULL};
    char *out = python_run(PY_MUST_FAIL, args);
    CHECK_STR(out, "SSLError\n");
    free(out);
    CHECK_NULL_ERR_STARTS(cssl_cert_load(fixture("cert/seqattr.pem")), CSSL_ESSL, "unknown error (cert.c:");
    CHECK_NULL_ERR_STARTS(cssl_cert_load(fixture("cert/seqattr.der")), CSSL_ESSL, "unknown error (cert.c:");
}

TEST(python_rawbytes_cssl_is_lenient)
{
    const char *args[] = {fixture("cert/rawbytes.pem"), NULL};
    char *out = python_run(PY_MUST_FAIL, args);
    CHECK_STR(out, "UnicodeDecodeError\n");
    free(out);
    /* cssl keeps the raw bytes and escapes what is not UTF-8 in JSON. */
    cssl_cert *c = load("cert/rawbytes.pem");
    const cssl_cert_info *info = cssl_cert_get_info(c);
    REQUIRE(info->subject_alt_name_count == 5);
    CHECK_INT(info->subject_alt_name[0].value_len, 10);
    CHECK(memcmp(info->subject_alt_name[0].value, "\xff\xfe.example", 10) == 0);
    char *json = cssl_cert_to_json(c);
    CHECK_STR_CONTAINS(json, "\"subjectAltName\": [[\"DNS\", \"\\u00ff\\u00fe.example\"], "
                             "[\"DNS\", \"over\\u00c0\\u00aflong\"], "
                             "[\"DNS\", \"surr\\u00ed\\u00a0\\u0080ogate\"], "
                             "[\"DNS\", \"max\xf4\x8f\xbf\xbf beyond\\u00f4\\u0090\\u0080\\u0080\"], "
                             "[\"URI\", \"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 trunc\\u00e6\\u0097\"]]}");
    /* ... and the result is valid JSON. */
    char path[1024];
    write_str(test_tmpdir(), "raw", "json", json, path, sizeof path);
    const char *jargs[] = {path, NULL};
    out = python_run("import json, sys; d = json.load(open(sys.argv[1], encoding='utf-8'));"
                     " print(len(d['subjectAltName']))",
                     jargs);
    CHECK_STR(out, "5\n");
    free(out);
    cssl_free(json);
    cssl_cert_free(c);
}

/* ---- the decoded fields, checked directly -------------------------------- */

static void check_entry(const cssl_rdn *rdn, size_t i, const char *name, const char *value,
                        size_t len)
{
    REQUIRE(i < rdn->count);
    CHECK_STR(rdn->entries[i].name, name);
    CHECK_INT(rdn->entries[i].value_len, len);
    CHECK(memcmp(rdn->entries[i].value, value, len) == 0);
    CHECK_INT(rdn->entries[i].value[len], '\0');
}

TEST(info_server)
{
    cssl_cert *c = load("server.pem");
    const cssl_cert_info *info = cssl_cert_get_info(c);
    REQUIRE(info != NULL);
    REQUIRE(info->subject.count == 3);
    check_entry(&info->subject.rdns[0], 0, "countryName", "XY", 2);
    check_entry(&info->subject.rdns[1], 0, "organizationName", "cssl tests", 10);
    check_entry(&info->subject.rdns[2], 0, "commonName", "localhost", 9);
    REQUIRE(info->issuer.count == 3);
    check_entry(&info->issuer.rdns[2], 0, "commonName", "cssl test CA", 12);
    CHECK_INT(info->version, 3);
    CHECK_INT(strlen(info->serial_number), 16);
    CHECK_INT(strspn(info->serial_number, "0123456789ABCDEF"), 16);
    CHECK_INT(strlen(info->not_before), 24);
    CHECK_STR(info->not_before + 20, " GMT");
    CHECK(info->has_subject_alt_name);
    REQUIRE(info->subject_alt_name_count == 3);
    CHECK_STR(info->subject_alt_name[0].type, "DNS");
    CHECK_STR(info->subject_alt_name[0].value, "localhost");
    CHECK_INT(info->subject_alt_name[0].value_len, 9);
    CHECK(info->subject_alt_name[0].dirname == NULL);
    CHECK_STR(info->subject_alt_name[1].type, "IP Address");
    CHECK_STR(info->subject_alt_name[1].value, "127.0.0.1");
    CHECK_STR(info->subject_alt_name[2].value, "0:0:0:0:0:0:0:1");
    CHECK_INT(info->ocsp.count, 0);
    CHECK_INT(info->ca_issuers.count, 0);
    CHECK_INT(info->crl_distribution_points.count, 0);
    cssl_cert_free(c);
}

TEST(info_exotic)
{
    cssl_cert *c = load("cert/exotic.pem");
    const cssl_cert_info *info = cssl_cert_get_info(c);
    REQUIRE(info->subject.count == 13);
    check_entry(&info->subject.rdns[3], 0, "commonName", "null.python.org\0example.org", 27);
    /* multi-valued RDN, in DER SET order */
    REQUIRE(info->subject.rdns[4].count == 3);
    check_entry(&info->subject.rdns[4], 0, "serialNumber", "1234", 4);
    check_entry(&info->subject.rdns[4], 1, "commonName", "multi", 5);
    check_entry(&info->subject.rdns[4], 2, "userId", "u1", 2);
    /* BIT STRING as bytes */
    check_entry(&info->subject.rdns[5], 0, "x500UniqueIdentifier", "\0A\x80\xff", 4);
    CHECK(info->subject.rdns[5].entries[0].is_bytes);
    CHECK(!info->subject.rdns[4].entries[0].is_bytes);
    check_entry(&info->subject.rdns[6], 0, "localityName", "\xc3\x9cn\xc3\xaf\xe6\x97\xa5\xe6\x9c\xac", 11);
    check_entry(&info->subject.rdns[7], 0, "stateOrProvinceName", "a\xf0\x9f\x98\x80z", 6);
    check_entry(&info->subject.rdns[8], 0, "streetAddress", "caf\xc3\xa9", 5);
    check_entry(&info->subject.rdns[10], 0, "1.3.6.1.4.1.99999.1", "unknown oid", 11);
    CHECK_STR(info->serial_number, "112233445566778899AABBCCDDEEFF112233445566778899AABBCCDDEEFF1122334455\\\n");
    CHECK_STR(info->not_before, "Aug  7 13:11:52 2013 GMT");
    CHECK_STR(info->not_after, "Jan  1 00:00:00 2050 GMT");
    REQUIRE(info->subject_alt_name_count == 24);
    const cssl_general_name *san = info->subject_alt_name;
    CHECK_INT(san[0].value_len, 30);
    CHECK(memcmp(san[0].value, "altnull.python.org\0example.com", 30) == 0);
    CHECK_STR(san[4].value, "192.0.2.255");
    CHECK_STR(san[5].value, "2001:DB8:0:0:0:0:ABCD:1");
    CHECK_STR(san[6].value, "<invalid>");
    CHECK_STR(san[8].value, "<invalid>");
    CHECK_STR(san[9].type, "Registered ID");
    CHECK_STR(san[10].value, "TLS Web Server Authentication");
    CHECK_STR(san[11].type, "DirName");
    REQUIRE(san[11].dirname != NULL && san[11].dirname->count == 3);
    CHECK_INT(san[11].dirname->rdns[2].count, 2);
    CHECK_STR(san[12].type, "X400Name");
    CHECK_STR(san[12].value, "<unsupported>");
    CHECK_STR(san[13].type, "EdiPartyName");
    CHECK_STR(san[15].type, "othername");
    CHECK_STR(san[15].value, "UPN:upn@example.org");
    CHECK_STR(san[17].value, "UPN:line1\n");
    CHECK_STR(san[18].value, "<unsupported>");
    REQUIRE(info->ocsp.count == 2);
    CHECK_INT(info->ocsp.lengths[0], 28);
    CHECK(memcmp(info->ocsp.items[0], "http://ocsp.example.org/\0nul", 29) == 0);
    CHECK_INT(info->ocsp.lengths[1], 25);
    CHECK_STR(info->ocsp.items[1], "http://ocsp2.example.org/");
    REQUIRE(info->ca_issuers.count == 1);
    CHECK_STR(info->ca_issuers.items[0], "http://ca.example.org/1.der");
    REQUIRE(info->crl_distribution_points.count == 3);
    CHECK_STR(info->crl_distribution_points.items[2], "http://crl2.example.org/b.crl");
    cssl_cert_free(c);
}

TEST(info_empty_extensions)
{
    cssl_cert *c = load("cert/emptyext.pem");
    const cssl_cert_info *info = cssl_cert_get_info(c);
    CHECK(info->has_subject_alt_name);
    CHECK_INT(info->subject_alt_name_count, 0);
    CHECK_INT(info->ocsp.count, 0);
    CHECK_INT(info->ca_issuers.count, 0);
    CHECK_INT(info->crl_distribution_points.count, 0);
    char *json = cssl_cert_to_json(c);
    CHECK_STR_CONTAINS(json, "\"subjectAltName\": []}");
    cssl_free(json);
    cssl_cert_free(c);

    c = load("cert/dupsan.pem");
    CHECK(!cssl_cert_get_info(c)->has_subject_alt_name);
    cssl_cert_free(c);
}

TEST(info_serials)
{
    cssl_cert *c = load("cert/serial0.pem");
    CHECK_STR(cssl_cert_get_info(c)->serial_number, "00");
    cssl_cert_free(c);
    c = load("cert/negserial.pem");
    CHECK_STR(cssl_cert_get_info(c)->serial_number, "-1234");
    CHECK_STR(cssl_cert_get_info(c)->not_after, "Jan  2 03:04:05.25 2050 GMT");
    cssl_cert_free(c);
    c = load("cert/v1.pem");
    CHECK_INT(cssl_cert_get_info(c)->version, 1);
    CHECK(!cssl_cert_get_info(c)->has_subject_alt_name);
    cssl_cert_free(c);
}

TEST(get_info_null)
{
    CHECK_NULL_ERR(cssl_cert_get_info(NULL), CSSL_EVALUE, "cert must not be NULL");
}

/* ---- parsing --------------------------------------------------------------- */

TEST(from_pem_first_certificate)
{
    size_t len;
    char *chain = read_file(fixture("server_chain.pem"), &len);
    REQUIRE(chain != NULL);
    cssl_cert *c = cssl_cert_from_pem(chain, len);
    REQUIRE(c != NULL);
    cssl_cert *server = load("server.pem");
    CHECK(cssl_cert_equal(c, server));
    cssl_cert_free(c);
    free(chain);

    /* a private key before the certificate is skipped */
    char *key = read_file(fixture("server.key"), NULL);
    char *pem = read_file(fixture("server.pem"), NULL);
    REQUIRE(key != NULL && pem != NULL);
    size_t n = strlen(key) + strlen(pem);
    char *both = malloc(n + 1);
    REQUIRE(both != NULL);
    strcpy(both, key);
    strcat(both, pem);
    c = cssl_cert_from_pem(both, n);
    REQUIRE(c != NULL);
    CHECK(cssl_cert_equal(c, server));
    cssl_cert_free(c);

    /* len bounds the text: the certificate cut short is refused */
    CHECK_NULL_ERR_STARTS(cssl_cert_from_pem(pem, strlen(pem) - 40), CSSL_ESSL, "[PEM: ");
    free(both);
    free(key);
    free(pem);
    cssl_cert_free(server);
}

TEST(from_pem_errors)
{
    CHECK_NULL_ERR(cssl_cert_from_pem(NULL, 10), CSSL_EVALUE, "pem must not be NULL");
    CHECK_NULL_ERR(cssl_cert_from_pem("", 0), CSSL_EVALUE, "Empty certificate data");
    const char *garbage = "this is not a certificate\n";
    CHECK_NULL_ERR_STARTS(cssl_cert_from_pem(garbage, strlen(garbage)), CSSL_ESSL,
                          "[PEM: NO_START_LINE] no start line (cert.c:");
    CHECK_STR(cssl_error_library(), "PEM");
    CHECK_STR(cssl_error_reason(), "NO_START_LINE");
    const char *bad = CSSL_PEM_HEADER "\nAAAA!!!!\n" CSSL_PEM_FOOTER "\n";
    CHECK_NULL_ERR_STARTS(cssl_cert_from_pem(bad, strlen(bad)), CSSL_ESSL, "[");
    const char *notcert = CSSL_PEM_HEADER "\nMAMCAQU=\n" CSSL_PEM_FOOTER "\n";
    CHECK_NULL_ERR_STARTS(cssl_cert_from_pem(notcert, strlen(notcert)), CSSL_ESSL, "[");
}

TEST(from_der_errors)
{
    CHECK_NULL_ERR(cssl_cert_from_der(NULL, 10), CSSL_EVALUE, "der must not be NULL");
    CHECK_NULL_ERR(cssl_cert_from_der("", 0), CSSL_EVALUE, "Empty certificate data");
    CHECK_NULL_ERR_STARTS(cssl_cert_from_der("garbage", 7), CSSL_ESSL, "[ASN1");

    size_t len;
    char *der = read_file(fixture("ca.der"), &len);
    REQUIRE(der != NULL && len > 100);
    cssl_cert *c = cssl_cert_from_der(der, len);
    REQUIRE(c != NULL);
    cssl_cert_free(c);
    CHECK_NULL_ERR_STARTS(cssl_cert_from_der(der, len - 1), CSSL_ESSL, "[ASN1");
    CHECK_NULL_ERR_STARTS(cssl_cert_from_der(der, 1), CSSL_ESSL, "[ASN1");

    char *longer = malloc(len + 3);
    REQUIRE(longer != NULL);
    memcpy(longer, der, len);
    memcpy(longer + len, "\0\0\0", 3);
    CHECK_NULL_ERR(cssl_cert_from_der(longer, len + 3), CSSL_ESSL,
                   "trailing data after the DER certificate: 3 bytes");
    /* the same in a file */
    char path[1024];
    snprintf(path, sizeof path, "%s/trailing.der", test_tmpdir());
    write_file(path, longer, len + 3);
    CHECK_NULL_ERR(cssl_cert_load(path), CSSL_ESSL,
                   "trailing data after the DER certificate: 3 bytes");
    free(longer);
    free(der);
}

TEST(load_pem_and_der)
{
    cssl_cert *pem = load("ca.pem");
    cssl_cert *der = load("ca.der");
    CHECK(cssl_cert_equal(pem, der));
    char *a = cssl_cert_to_json(pem), *b = cssl_cert_to_json(der);
    CHECK_STR(a, b);
    cssl_free(a);
    cssl_free(b);
    /* several certificates in a file: the first */
    cssl_cert *chain = load("server_chain.pem");
    cssl_cert *server = load("server.pem");
    CHECK(cssl_cert_equal(chain, server));
    /* certificate plus key */
    cssl_cert *keycert = load("keycert.pem");
    CHECK(cssl_cert_equal(keycert, server));
    cssl_cert_free(keycert);
    cssl_cert_free(chain);
    cssl_cert_free(server);
    cssl_cert_free(pem);
    cssl_cert_free(der);
}

TEST(load_errors)
{
    CHECK_NULL_ERR(cssl_cert_load(NULL), CSSL_EVALUE, "path must not be NULL");
    CHECK_NULL_ERR(cssl_cert_load("/nonexistent/cssl/x.pem"), CSSL_EOS,
                   "[Errno 2] No such file or directory: '/nonexistent/cssl/x.pem'");
    CHECK_INT(cssl_error_errno(), ENOENT);
    char msg[1200];
    snprintf(msg, sizeof msg, "[Errno 21] Is a directory: '%s'", test_tmpdir());
    CHECK_NULL_ERR(cssl_cert_load(test_tmpdir()), CSSL_EOS, msg);
    CHECK_INT(cssl_error_errno(), EISDIR);
    CHECK_NULL_ERR(cssl_cert_load(fixture("empty.pem")), CSSL_ESSL,
                   "Error decoding file: neither a PEM nor a DER certificate");
    CHECK_NULL_ERR(cssl_cert_load(fixture("garbage.pem")), CSSL_ESSL,
                   "Error decoding file: neither a PEM nor a DER certificate");
    CHECK_NULL_ERR(cssl_cert_load(fixture("server.key")), CSSL_ESSL,
                   "Error decoding PEM-encoded file");
    char path[1024];
    snprintf(path, sizeof path, "%s/bad.pem", test_tmpdir());
    const char *bad = CSSL_PEM_HEADER "\nnot base64 at all!\n" CSSL_PEM_FOOTER "\n";
    write_file(path, bad, strlen(bad));
    CHECK_NULL_ERR(cssl_cert_load(path), CSSL_ESSL, "Error decoding PEM-encoded file");
    CHECK_NULL_ERR(cssl_cert_load(fixture("dh.pem")), CSSL_ESSL,
                   "Error decoding PEM-encoded file");
}

/* ---- export ---------------------------------------------------------------- */

TEST(to_der_matches_openssl)
{
    const char *names[] = {"cert/std", "cert/exotic", "cert/v1", "ca"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char pemname[256], dername[256];
        snprintf(pemname, sizeof pemname, "%s.pem", names[i]);
        snprintf(dername, sizeof dername, "%s.der", names[i]);
        size_t flen;
        char *want = read_file(fixture(dername), &flen);
        REQUIRE(want != NULL);
        cssl_cert *c = load(pemname);
        size_t len = 0;
        uint8_t *der = cssl_cert_to_der(c, &len);
        REQUIRE(der != NULL);
        CHECK_INT(len, flen);
        CHECK(len == flen && memcmp(der, want, len) == 0);
        cssl_cert *back = cssl_cert_from_der(der, len);
        REQUIRE(back != NULL);
        CHECK(cssl_cert_equal(back, c));
        cssl_cert_free(back);
        cssl_free(der);
        cssl_cert_free(c);
        free(want);
    }
}

TEST(to_pem_round_trip)
{
    char *want = read_file(fixture("ca.pem"), NULL);
    REQUIRE(want != NULL);
    cssl_cert *c = load("ca.der");
    char *pem = cssl_cert_to_pem(c);
    CHECK_STR(pem, want);
    CHECK_STR_STARTS(pem, CSSL_PEM_HEADER "\n");
    CHECK_STR(pem + strlen(pem) - strlen(CSSL_PEM_FOOTER "\n"), CSSL_PEM_FOOTER "\n");
    cssl_cert *back = cssl_cert_from_pem(pem, strlen(pem));
    REQUIRE(back != NULL);
    CHECK(cssl_cert_equal(back, c));
    cssl_cert_free(back);
    cssl_free(pem);
    cssl_cert_free(c);
    free(want);
}

TEST(export_errors)
{
    size_t len = 1234;
    CHECK_NULL_ERR(cssl_cert_to_der(NULL, &len), CSSL_EVALUE, "cert must not be NULL");
    CHECK_INT(len, 1234);
    cssl_cert *c = load("ca.pem");
    CHECK_NULL_ERR(cssl_cert_to_der(c, NULL), CSSL_EVALUE, "len must not be NULL");
    CHECK_NULL_ERR(cssl_cert_to_pem(NULL), CSSL_EVALUE, "cert must not be NULL");
    CHECK_NULL_ERR(cssl_cert_to_json(NULL), CSSL_EVALUE, "cert must not be NULL");
    CHECK_NULL_ERR(cssl_cert_subject_rfc2253(NULL), CSSL_EVALUE, "cert must not be NULL");
    cssl_cert_free(c);
}

/* ---- JSON ------------------------------------------------------------------ */

TEST(json_exact_server)
{
    cssl_cert *c = load("server.pem");
    const cssl_cert_info *info = cssl_cert_get_info(c);
    char want[2048];
    snprintf(want, sizeof want,
             "{\"subject\": [[[\"countryName\", \"XY\"]], [[\"organizationName\", \"cssl tests\"]], "
             "[[\"commonName\", \"localhost\"]]], "
             "\"issuer\": [[[\"countryName\", \"XY\"]], [[\"organizationName\", \"cssl tests\"]], "
             "[[\"commonName\", \"cssl test CA\"]]], "
             "\"version\": 3, \"serialNumber\": \"%s\", \"notBefore\": \"%s\", \"notAfter\": \"%s\", "
             "\"subjectAltName\": [[\"DNS\", \"localhost\"], [\"IP Address\", \"127.0.0.1\"], "
             "[\"IP Address\", \"0:0:0:0:0:0:0:1\"]]}",
             info->serial_number, info->not_before, info->not_after);
    char *json = cssl_cert_to_json(c);
    CHECK_STR(json, want);
    cssl_free(json);
    cssl_cert_free(c);
}

TEST(json_escaping)
{
    cssl_cert *c = load("cert/exotic.pem");
    char *json = cssl_cert_to_json(c);
    REQUIRE(json != NULL);
    CHECK_STR_CONTAINS(json, "[[\"organizationName\", \"cssl \\\"quoted\\\" back\\\\slash\"]]");
    CHECK_STR_CONTAINS(json, "\"tab\\there nl\\nhere cr\\r bs\\b ff\\f ctl\\u0001\\u001f del\x7f\"");
    CHECK_STR_CONTAINS(json, "[[\"commonName\", \"null.python.org\\u0000example.org\"]]");
    CHECK_STR_CONTAINS(json, "[[\"x500UniqueIdentifier\", \"\\u0000A\\u0080\\u00ff\"]]");
    CHECK_STR_CONTAINS(json, "[[\"localityName\", \"\xc3\x9cn\xc3\xaf\xe6\x97\xa5\xe6\x9c\xac\"]]");
    CHECK_STR_CONTAINS(json, "[\"DNS\", \"altnull.python.org\\u0000example.com\"]");
    CHECK_STR_CONTAINS(json, "[\"DNS\", \"quote\\\"back\\\\slash\\u0001.example\"]");
    CHECK_STR_CONTAINS(json, "[\"DirName\", [[[\"countryName\", \"XY\"]], [[\"organizationName\", "
                             "\"dir org\"]], [[\"organizationalUnitName\", \"dir unit\"], "
                             "[\"commonName\", \"dir multi\"]]]]");
    CHECK_STR_CONTAINS(json, "\"serialNumber\": \"112233445566778899AABBCCDDEEFF112233445566778899"
                             "AABBCCDDEEFF1122334455\\\\\\n\"");
    CHECK_STR_CONTAINS(json, "\"OCSP\": [\"http://ocsp.example.org/\\u0000nul\", "
                             "\"http://ocsp2.example.org/\"], \"caIssuers\": "
                             "[\"http://ca.example.org/1.der\"], \"crlDistributionPoints\": "
                             "[\"http://crl.example.org/a.crl\", "
                             "\"ldap://crl.example.org/cn=a\\u0000nul\", "
                             "\"http://crl2.example.org/b.crl\"]}");
    /* nothing below 0x20 is left raw */
    for (const char *p = json; *p; p++)
        CHECK((unsigned char)*p >= 0x20);
    cssl_free(json);
    cssl_cert_free(c);
}

/* ---- equality, RFC 2253 ---------------------------------------------------- */

TEST(equal)
{
    cssl_cert *a = load("server.pem"), *b = load("server.pem"), *ca = load("ca.pem");
    CHECK(cssl_cert_equal(a, b));
    CHECK(cssl_cert_equal(a, a));
    CHECK(!cssl_cert_equal(a, ca));
    CHECK(!cssl_cert_equal(ca, a));
    cssl_cert *dup = load("cert/dupsan.pem"); /* extensions OpenSSL calls invalid */
    CHECK(!cssl_cert_equal(dup, a));
    CHECK(cssl_cert_equal(dup, dup));
    cssl_error_clear();
    CHECK(!cssl_cert_equal(NULL, a));
    CHECK_INT(cssl_error_status(), CSSL_EVALUE);
    CHECK_STR(cssl_error_message(), "a must not be NULL");
    CHECK(!cssl_cert_equal(a, NULL));
    CHECK_STR(cssl_error_message(), "b must not be NULL");
    cssl_cert_free(dup);
    cssl_cert_free(a);
    cssl_cert_free(b);
    cssl_cert_free(ca);
}

/* The subject as `openssl x509 -noout -subject -nameopt RFC2253` prints it. */
static char *openssl_rfc2253(const char *pem)
{
    const char *argv[] = {"openssl", "x509", "-in", pem, "-noout", "-subject", "-nameopt",
                          "RFC2253", NULL};
    char *out = NULL;
    REQUIRE(run_command(argv, &out) == 0);
    REQUIRE(strncmp(out, "subject=", 8) == 0);
    size_t n = strlen(out);
    if (n > 0 && out[n - 1] == '\n')
        out[n - 1] = '\0';
    memmove(out, out + 8, strlen(out + 8) + 1);
    return out;
}

TEST(subject_rfc2253)
{
    cssl_cert *c = load("server.pem");
    char *s = cssl_cert_subject_rfc2253(c);
    CHECK_STR(s, "CN=localhost,O=cssl tests,C=XY");
    cssl_free(s);
    cssl_cert_free(c);
    const char *names[] = {"cert/std.pem", "cert/exotic.pem", "ca.pem", "cert/v1.pem"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        c = load(names[i]);
        s = cssl_cert_subject_rfc2253(c);
        char *want = openssl_rfc2253(fixture(names[i]));
        CHECK_STR(s, want);
        free(want);
        cssl_free(s);
        cssl_cert_free(c);
    }
    c = load("cert/std.pem");
    s = cssl_cert_subject_rfc2253(c);
    CHECK_STR(s, "emailAddress=a@b.example,OU=cssl tests,UID=u1+CN=multi,"
                 "O=\\C3\\9Cn\\C3\\AFc\\C3\\B8d\\C3\\A9 \\E6\\97\\A5\\E6\\9C\\AC\\E8\\AA\\9E,C=XY");
    cssl_free(s);
    cssl_cert_free(c);
}

/* ---- lifetime, internals --------------------------------------------------- */

TEST(free_null_is_noop)
{
    cssl_cert_free(NULL);
    cssl_cert_list_free(NULL);
    cssl_cert **empty = cssl__zalloc(sizeof *empty);
    REQUIRE(empty != NULL);
    cssl_cert_list_free(empty);
    cssl_cert **two = cssl__zalloc(3 * sizeof *two);
    REQUIRE(two != NULL);
    two[0] = load("ca.pem");
    two[1] = load("server.pem");
    cssl_cert_list_free(two);
}

TEST(from_x509_takes_own_reference)
{
    CHECK_NULL_ERR(cssl__cert_from_x509(NULL), CSSL_EVALUE, "x509 must not be NULL");
    CHECK(cssl__cert_x509(NULL) == NULL);
    FILE *f = fopen(fixture("server.pem"), "r");
    REQUIRE(f != NULL);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    REQUIRE(x != NULL);
    cssl_cert *c = cssl__cert_from_x509(x);
    REQUIRE(c != NULL);
    CHECK(cssl__cert_x509(c) == x);
    X509_free(x); /* the certificate keeps its own reference */
    CHECK_STR(cssl_cert_get_info(c)->subject.rdns[2].entries[0].value, "localhost");
    size_t len;
    uint8_t *der = cssl_cert_to_der(c, &len);
    CHECK(der != NULL && len > 0);
    cssl_free(der);
    cssl_cert_free(c);
}

/* ---- allocation failures --------------------------------------------------- */

typedef struct blob {
    const char *name;
    char *data;
    size_t len;
    char *json; /* expected */
} blob;

static void blob_init(blob *b, const char *name)
{
    b->name = name;
    b->data = read_file(fixture(name), &b->len);
    REQUIRE(b->data != NULL);
    cssl_cert *c = load(name);
    b->json = cssl_cert_to_json(c);
    REQUIRE(b->json != NULL);
    cssl_cert_free(c);
}

static void blob_done(blob *b)
{
    free(b->data);
    cssl_free(b->json);
}

/* A certificate obtained despite a failed allocation must still be right
 * (OpenSSL absorbs some failures). */
static int check_cert(cssl_cert *c, const blob *b)
{
    if (c == NULL)
        return oom_status();
    oom_disarm();
    char *json = cssl_cert_to_json(c);
    CHECK_STR(json, b->json);
    cssl_free(json);
    cssl_cert_free(c);
    return CSSL_OK;
}

static int sc_from_pem(void *arg)
{
    const blob *b = arg;
    return check_cert(cssl_cert_from_pem(b->data, b->len), b);
}

static int sc_from_der(void *arg)
{
    const blob *b = arg;
    return check_cert(cssl_cert_from_der(b->data, b->len), b);
}

static int sc_load(void *arg)
{
    const blob *b = arg;
    return check_cert(cssl_cert_load(fixture(b->name)), b);
}

TEST(oom_from_pem_exotic)
{
    blob b;
    blob_init(&b, "cert/exotic.pem");
    oom_sweep("cert_from_pem", sc_from_pem, &b, 0);
    blob_done(&b);
}

TEST(oom_from_der_exotic)
{
    blob b;
    blob_init(&b, "cert/exotic.der");
    oom_sweep("cert_from_der", sc_from_der, &b, 0);
    blob_done(&b);
}

TEST(oom_load_std)
{
    blob b;
    blob_init(&b, "cert/std.pem");
    oom_sweep("cert_load", sc_load, &b, 0);
    blob_done(&b);
}

static cssl_cert *oom_subject;

/* An exported text: NULL with the error recorded, or exactly want. */
static int check_text(char *got, const char *want)
{
    if (got == NULL)
        return oom_status();
    oom_disarm();
    CHECK_STR(got, want);
    cssl_free(got);
    return CSSL_OK;
}

static int sc_to_json(void *want)
{
    return check_text(cssl_cert_to_json(oom_subject), want);
}

static int sc_to_pem(void *want)
{
    return check_text(cssl_cert_to_pem(oom_subject), want);
}

static int sc_rfc2253(void *want)
{
    return check_text(cssl_cert_subject_rfc2253(oom_subject), want);
}

static int sc_to_der(void *arg)
{
    const blob *b = arg;
    size_t len = 0;
    uint8_t *der = cssl_cert_to_der(oom_subject, &len);
    if (der == NULL)
        return oom_status();
    oom_disarm();
    CHECK(len == b->len && memcmp(der, b->data, b->len) == 0);
    cssl_free(der);
    return CSSL_OK;
}

TEST(oom_exports)
{
    oom_subject = load("cert/exotic.pem");
    char *json = cssl_cert_to_json(oom_subject);
    char *pem = cssl_cert_to_pem(oom_subject);
    char *rfc = cssl_cert_subject_rfc2253(oom_subject);
    REQUIRE(json && pem && rfc);
    oom_sweep("cert_to_json", sc_to_json, json, 0);
    oom_sweep("cert_to_pem", sc_to_pem, pem, 0);
    oom_sweep("cert_subject_rfc2253", sc_rfc2253, rfc, 0);
    blob der;
    der.data = read_file(fixture("cert/exotic.der"), &der.len);
    REQUIRE(der.data != NULL);
    oom_sweep("cert_to_der", sc_to_der, &der, 0);
    free(der.data);
    cssl_free(json);
    cssl_free(pem);
    cssl_free(rfc);
    cssl_cert_free(oom_subject);
}
