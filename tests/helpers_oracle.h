/*
 * helpers_oracle.h - how the test_helpers*.c files talk to the Python
 * oracle: inputs go to Python as hex lines in a file (any bytes survive,
 * Python decodes them with 'utf-8'/'surrogateescape' exactly as cssl reads
 * C strings), answers come back one line each, texts hex-encoded again.
 */
#ifndef CSSL_TEST_HELPERS_ORACLE_H
#define CSSL_TEST_HELPERS_ORACLE_H

#include "harness.h"

/* Python prelude: the inputs as str, and hx() to send text back. */
#define ORACLE_PRELUDE                                                         \
    "import sys, ssl\n"                                                        \
    "def hx(s): return 'h' + s.encode('utf-8', 'surrogateescape').hex()\n"     \
    "def raw(line): return bytes.fromhex(line.strip()[1:])\n"                  \
    "lines = open(sys.argv[1]).read().split('\\n')[:-1]\n"                     \
    "data = [raw(l).decode('utf-8', 'surrogateescape') for l in lines]\n"

/* The longest message the library keeps (its buffer holds 640 bytes). */
#define MSG_MAX 639

static inline char *hex_of(const void *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;
    char *out = malloc(2 * len + 2);
    REQUIRE(out != NULL);
    out[0] = 'h';
    for (size_t i = 0; i < len; i++) {
        out[1 + 2 * i] = digits[p[i] >> 4];
        out[2 + 2 * i] = digits[p[i] & 15];
    }
    out[1 + 2 * len] = '\0';
    return out;
}

/* "h<hex>" back to bytes (NUL-terminated too); caller frees. */
static inline char *unhex(const char *h, size_t *len)
{
    REQUIRE(h[0] == 'h');
    size_t n = strlen(h + 1) / 2;
    char *out = malloc(n + 1);
    REQUIRE(out != NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        REQUIRE(sscanf(h + 1 + 2 * i, "%2x", &v) == 1);
        out[i] = (char)v;
    }
    out[n] = '\0';
    if (len)
        *len = n;
    return out;
}

/* A growing list of byte strings to send. */
typedef struct {
    char **items;
    size_t *lens;
    size_t count, cap;
} input_list;

static inline void inputs_add_n(input_list *l, const void *data, size_t len)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        l->lens = realloc(l->lens, l->cap * sizeof *l->lens);
        REQUIRE(l->items && l->lens);
    }
    l->items[l->count] = malloc(len + 1);
    REQUIRE(l->items[l->count] != NULL);
    memcpy(l->items[l->count], data, len);
    l->items[l->count][len] = '\0';
    l->lens[l->count++] = len;
}

static inline void inputs_add(input_list *l, const char *s)
{
    inputs_add_n(l, s, strlen(s));
}

static inline void inputs_free(input_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    free(l->lens);
    memset(l, 0, sizeof *l);
}

/*
 * Run code (after ORACLE_PRELUDE) over the inputs; returns its output split
 * into lines, exactly one per input (REQUIREd). Free with lines_free().
 */
static inline char **oracle_run(const char *code, const input_list *l)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/oracle-input-%d.txt", test_tmpdir(), rand());
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    for (size_t i = 0; i < l->count; i++) {
        char *h = hex_of(l->items[i], l->lens[i]);
        fprintf(f, "%s\n", h);
        free(h);
    }
    REQUIRE(fclose(f) == 0);
    size_t clen = strlen(ORACLE_PRELUDE) + strlen(code) + 1;
    char *full = malloc(clen);
    REQUIRE(full != NULL);
    snprintf(full, clen, "%s%s", ORACLE_PRELUDE, code);
    const char *args[] = {path, NULL};
    char *out = python_run(full, args);
    free(full);
    char **lines = calloc(l->count + 1, sizeof *lines);
    REQUIRE(lines != NULL);
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(out, "\n", &save); tok;
         tok = strtok_r(NULL, "\n", &save)) {
        REQUIRE(n < l->count);
        lines[n] = strdup(tok);
        REQUIRE(lines[n] != NULL);
        n++;
    }
    free(out);
    if (n != l->count)
        harness_fail(__FILE__, __LINE__, "oracle gave %zu lines for %zu inputs", n, l->count);
    REQUIRE(n == l->count);
    return lines;
}

static inline void lines_free(char **lines)
{
    for (size_t i = 0; lines && lines[i]; i++)
        free(lines[i]);
    free(lines);
}

/* Printable form of an input for failure reports (hex if not plain). */
static inline const char *show(const char *s, size_t len)
{
    static char buf[4][160];
    static int slot;
    char *b = buf[slot++ % 4];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 5 < sizeof buf[0]; i++) {
        unsigned char c = (unsigned char)s[i];
        n += (size_t)snprintf(b + n, sizeof buf[0] - n, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x",
                              c);
    }
    b[n] = '\0';
    return b;
}

/*
 * The library's message equals Python's str(exception) (hex in py_hex), or,
 * when Python's is longer than the library keeps, is its prefix cut at a
 * character or escape boundary (at most 10 bytes short).
 */
static inline void check_message(const char *input, size_t input_len, const char *mine,
                                 const char *py_hex)
{
    size_t plen;
    char *py = unhex(py_hex, &plen);
    bool ok;
    if (plen <= MSG_MAX)
        ok = strcmp(mine, py) == 0;
    else
        ok = strncmp(mine, py, strlen(mine)) == 0 && strlen(mine) + 10 > MSG_MAX;
    if (!ok)
        harness_fail(__FILE__, __LINE__, "input \"%s\": message\n  cssl:   %s\n  python: %s",
                     show(input, input_len), mine, py);
    free(py);
}

#endif
