/*
 * bench_main.c - `make bench`: each workload with cssl, with raw OpenSSL
 * and (optionally) with Python's ssl, in interleaved rounds (A B C, then
 * B C A, ...) so that a noisy machine cannot bias the ratios; prints a
 * Markdown table of medians, min/max and the ratios. Also: heap per idle
 * established connection and default-context creation time.
 *
 * Python runs in a child process (bench_python.py --serve) that measures
 * one round when asked, so its rounds interleave with ours.
 *
 *   cssl_bench [--quick] [--wall] [--rounds N] [--ms MS] [--only W[,W...]]
 *              [--idle-pairs N] [--pki DIR] [--python PYTHON [--script PATH]]
 *   cssl_bench --pki DIR --iterations WORKLOAD|default_context cssl|raw N
 *                                                     (for callgrind)
 *   cssl_bench --write-pki DIR
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "bench.h"
#include "cssl.h"
#include "../tools/cssl/mint.h"

#ifndef BENCH_PY_SCRIPT
#define BENCH_PY_SCRIPT "bench/bench_python.py"
#endif

static const char *const workloads[] = {
    "hs13_ecdsa",   "hs13_rsa",        "resume13",      "hs12",           "resume12",
    "bulk_aes_mem", "bulk_chacha_mem", "bulk_aes_sock", "bulk_chacha_sock"};
#define NWORK (sizeof workloads / sizeof workloads[0])
#define MAX_ROUNDS 63

bool bench_is_bulk(const char *w)
{
    return strncmp(w, "bulk_", 5) == 0;
}

bool bench_is_sock(const char *w)
{
    return strstr(w, "_sock") != NULL;
}

bool bench_is_resume(const char *w)
{
    return strncmp(w, "resume", 6) == 0;
}

bool bench_is_tls12(const char *w)
{
    return strcmp(w, "hs12") == 0 || strcmp(w, "resume12") == 0;
}

bool bench_is_rsa(const char *w)
{
    return strcmp(w, "hs13_rsa") == 0;
}

const char *bench_suite(const char *w)
{
    if (strstr(w, "chacha"))
        return "TLS_CHACHA20_POLY1305_SHA256";
    if (strstr(w, "aes"))
        return "TLS_AES_128_GCM_SHA256";
    return NULL;
}

void *bench_buffer(void)
{
    void *p = OPENSSL_zalloc(BENCH_BULK_SIZE);
    return p;
}

void bench_buffer_free(void *p)
{
    OPENSSL_free(p);
}

/* ---- heap accounting (OpenSSL's allocator, which cssl also uses) ----- */

static atomic_long live_bytes;

static void *count_malloc(size_t n, const char *file, int line)
{
    size_t *p = malloc(n + 16);
    if (p == NULL)
        return NULL;
    *p = n;
    atomic_fetch_add(&live_bytes, (long)n);
    return (char *)p + 16;
}

static void count_free(void *ptr, const char *file, int line)
{
    if (ptr == NULL)
        return;
    size_t *p = (size_t *)((char *)ptr - 16);
    atomic_fetch_sub(&live_bytes, (long)*p);
    free(p);
}

static void *count_realloc(void *ptr, size_t n, const char *file, int line)
{
    if (ptr == NULL)
        return count_malloc(n, file, line);
    size_t *p = (size_t *)((char *)ptr - 16);
    size_t old = *p;
    size_t *q = realloc(p, n + 16);
    if (q == NULL)
        return NULL;
    *q = n;
    atomic_fetch_add(&live_bytes, (long)n - (long)old);
    return (char *)q + 16;
}

/* Bytes malloc has handed out and not taken back (glibc). */
static long malloc_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long)(mi.uordblks + mi.hblkhd);
}

/* ---- layout: where large buffers land (main process only) --------------
 * Bulk throughput depends on the buffers' offsets within their 4 KiB pages
 * (4K aliasing between the record, transport and application buffers: a
 * third either way here), and a heap places them by chance. In the main
 * process every OpenSSL (and so cssl) allocation of 4 KiB or more gets
 * an offset chosen from its size and the round's seed: within a round
 * cssl and OpenSSL get the same layout, and rounds sample different ones.
 * Smaller blocks only carry the header. */

#define LAYOUT_HDR 32
static unsigned layout_seed;

static size_t layout_offset(size_t n)
{
    uint32_t h = (uint32_t)n * 0x9E3779B1u ^ layout_seed;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    return (size_t)(h & 0xFC0); /* a multiple of 64 below 4096 */
}

static void *layout_malloc(size_t n, const char *file, int line)
{
    bool large = n >= 4096;
    char *base = malloc(n + LAYOUT_HDR + (large ? 3 * 4096 : 0));
    if (base == NULL)
        return NULL;
    char *p = base + LAYOUT_HDR;
    if (large)
        p = (char *)(((uintptr_t)p + 4095) & ~(uintptr_t)4095) + layout_offset(n);
    if ((size_t)(p - base) < LAYOUT_HDR) /* keep room for the header */
        p += 4096;
    size_t *hdr = (size_t *)(p - LAYOUT_HDR);
    hdr[0] = (size_t)(p - base);
    hdr[1] = n;
    return p;
}

static void layout_free(void *ptr, const char *file, int line)
{
    if (ptr != NULL)
        free((char *)ptr - ((size_t *)((char *)ptr - LAYOUT_HDR))[0]);
}

static void *layout_realloc(void *ptr, size_t n, const char *file, int line)
{
    void *q = layout_malloc(n, file, line);
    if (q != NULL && ptr != NULL) {
        size_t old = ((size_t *)((char *)ptr - LAYOUT_HDR))[1];
        memcpy(q, ptr, old < n ? old : n);
        layout_free(ptr, file, line);
    }
    return q;
}

static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    int n = fscanf(f, "%ld %ld", &pages, &resident);
    fclose(f);
    return n == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

/* ---- PKI ------------------------------------------------------------- */

static const char *const pki_files[] = {"ca.pem", "ecdsa.pem", "ecdsa.key", "rsa.pem", "rsa.key"};

static char **pki_field(bench_pki *pki, int i)
{
    char **f[] = {&pki->ca_pem, &pki->ecdsa_cert, &pki->ecdsa_key, &pki->rsa_cert, &pki->rsa_key};
    return f[i];
}

static char *read_file(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    fclose(f);
    if (n == 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t len = strlen(text);
    int ok = fwrite(text, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int pki_load(bench_pki *pki, const char *dir)
{
    for (int i = 0; i < 5; i++)
        if ((*pki_field(pki, i) = read_file(dir, pki_files[i])) == NULL)
            return -1;
    return 0;
}

static int pki_mint(bench_pki *pki)
{
    EVP_PKEY *ca_key = mint_key("ecdsa", 0), *ek = mint_key("ecdsa", 0);
    EVP_PKEY *rk = mint_key("rsa", 2048);
    X509 *ca = ca_key ? mint_ca(ca_key, "bench CA", 2) : NULL;
    const char *names[] = {BENCH_HOST};
    X509 *ec = ca && ek ? mint_leaf(ca, ca_key, ek, BENCH_HOST, names, 1, false, 2) : NULL;
    X509 *rc = ca && rk ? mint_leaf(ca, ca_key, rk, BENCH_HOST, names, 1, false, 2) : NULL;
    int rcode = -1;
    if (ec && rc) {
        char *pem[5] = {mint_cert_pem(ca), mint_cert_pem(ec), mint_key_pem(ek), mint_cert_pem(rc),
                        mint_key_pem(rk)};
        rcode = 0;
        for (int i = 0; i < 5; i++) {
            *pki_field(pki, i) = pem[i] ? strdup(pem[i]) : NULL;
            rcode = *pki_field(pki, i) ? rcode : -1;
            OPENSSL_free(pem[i]);
        }
    }
    X509_free(ca);
    X509_free(ec);
    X509_free(rc);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(ek);
    EVP_PKEY_free(rk);
    return rcode;
}

void bench_pki_free(bench_pki *pki)
{
    for (int i = 0; i < 5; i++) {
        free(*pki_field(pki, i));
        *pki_field(pki, i) = NULL;
    }
}

int bench_pki_init(bench_pki *pki, const char *dir)
{
    memset(pki, 0, sizeof *pki);
    if (dir != NULL && pki_load(pki, dir) == 0)
        return 0;
    bench_pki_free(pki);
    if (pki_mint(pki) < 0) {
        bench_pki_free(pki);
        return -1;
    }
    if (dir == NULL)
        return 0;
    mkdir(dir, 0700);
    for (int i = 0; i < 5; i++)
        if (write_file(dir, pki_files[i], *pki_field(pki, i)) < 0) {
            fprintf(stderr, "bench: cannot write %s/%s: %s\n", dir, pki_files[i], strerror(errno));
            bench_pki_free(pki);
            return -1;
        }
    return 0;
}

/* ---- Python child: bench_python.py --serve ----------------------------- */

typedef struct python_child {
    pid_t pid;
    FILE *to, *from;
    char why[256]; /* why there is no Python column */
} python_child;

static void python_stop(python_child *py)
{
    if (py->pid <= 0)
        return;
    fputs("quit\n", py->to);
    fclose(py->to);
    fclose(py->from);
    waitpid(py->pid, NULL, 0);
    py->pid = 0;
}

/* Send one command; its one-line answer in line (without the newline).
 * 0, or -1 (and the child is stopped, the reason kept). */
static int python_ask(python_child *py, char *line, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int python_ask(python_child *py, char *line, size_t size, const char *fmt, ...)
{
    if (py->pid <= 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(py->to, fmt, ap);
    va_end(ap);
    fputc('\n', py->to);
    if (fflush(py->to) != 0 || fgets(line, (int)size, py->from) == NULL) {
        snprintf(py->why, sizeof py->why, "the Python process exited");
        python_stop(py);
        return -1;
    }
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "error", 5) == 0) {
        snprintf(py->why, sizeof py->why, "Python: %s", line);
        python_stop(py);
        return -1;
    }
    return 0;
}

static void python_start(python_child *py, const char *python, const char *script,
                         const char *pki_dir)
{
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) {
        snprintf(py->why, sizeof py->why, "pipe: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    py->pid = fork();
    if (py->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execlp(python, python, script, "--serve", "--pki", pki_dir, (char *)NULL);
        fprintf(stderr, "bench: cannot run %s: %s\n", python, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    py->to = fdopen(in[1], "w");
    py->from = fdopen(out[0], "r");
    char line[256];
    if (python_ask(py, line, sizeof line, "hello") == 0)
        snprintf(py->why, sizeof py->why, "%s", line); /* its version */
}

/* ---- timing ------------------------------------------------------------ */

/* The thread's CPU time by default: on a machine shared with other work
 * it leaves out the time this thread waits for a core (every workload
 * runs in this one thread, socket syscalls included). --wall: elapsed. */
static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

static double now(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Operations per second of impl on its state over about ms milliseconds:
 * batches double during the first quarter, then stay (bench_python.py
 * measures the same way). */
static double measure(const bench_impl *impl, void *state, double ms)
{
    long batch = 1, done = 0;
    double start = now(), end = start + ms / 1000.0, t = start;
    while (t < end) {
        if (impl->run(state, batch) < 0)
            return -1;
        done += batch;
        t = now();
        if (t - start < ms / 4000.0)
            batch *= 2;
    }
    return (double)done / (t - start);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stats {
    double median, min, max;
} stats;

static stats summarize(const double *values, int n)
{
    double v[MAX_ROUNDS + 1];
    memcpy(v, values, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return (stats){n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
}

/* Median of the per-round ratios a[r]/b[r]: each pair of measurements was
 * taken back to back, so slow phases of a shared machine cancel. */
static double ratio(const double *a, const double *b, int n)
{
    double r[MAX_ROUNDS + 1];
    for (int i = 0; i < n; i++)
        r[i] = a[i] / b[i];
    return summarize(r, n).median;
}

typedef struct options {
    int rounds;
    double ms;
    int idle_pairs;
    const char *only;
    python_child *py;
} options;

static bool selected(const options *o, const char *name)
{
    if (o->only == NULL)
        return true;
    size_t n = strlen(name);
    for (const char *p = o->only; p != NULL; p = strchr(p, ',')) {
        p += *p == ',';
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return true;
    }
    return false;
}

static void print_cell(double median, double min, double max, double scale)
{
    printf(" %.0f | %.0f–%.0f |", median * scale, min * scale, max * scale);
}

/* cssl's and OpenSSL's states for w, or -1 (both NULL). */
static int open_states(const bench_pki *pki, const char *w, void *state[2])
{
    state[0] = bench_cssl.setup(pki, w);
    state[1] = state[0] ? bench_raw.setup(pki, w) : NULL;
    if (state[1] != NULL)
        return 0;
    bench_cssl.teardown(state[0]);
    state[0] = NULL;
    return -1;
}

static void close_states(void *state[2])
{
    bench_cssl.teardown(state[0]);
    bench_raw.teardown(state[1]);
    state[0] = state[1] = NULL;
}

/*
 * The interleaved rounds of one workload; prints its row. A bulk
 * workload makes new connections in every round, under the round's
 * layout seed (see layout_malloc): the medians are over layouts, and
 * cssl and OpenSSL see the same one in each round.
 */
static int bench_workload(const bench_pki *pki, const char *w, const options *o)
{
    const bench_impl *impls[2] = {&bench_cssl, &bench_raw};
    void *state[2] = {NULL, NULL};
    bool per_round = bench_is_bulk(w);
    char line[256];
    bool py = python_ask(o->py, line, sizeof line, "setup %s", w) == 0;
    double v[3][MAX_ROUNDS + 1];
    int rc = 0;
    for (int r = 0; r < o->rounds && rc == 0; r++) {
        if (r == 0 || per_round) {
            close_states(state);
            layout_seed = (unsigned)r * 0x6F4F2A35u + 1;
            if (open_states(pki, w, state) < 0) {
                rc = -1;
                break;
            }
        }
        for (int k = 0; k < 3 && rc == 0; k++) {
            int i = (r + k) % 3; /* rotate which goes first */
            if (i == 2) {
                if (py && python_ask(o->py, line, sizeof line, "measure %s %.0f", w, o->ms) == 0)
                    v[2][r] = atof(line);
                else
                    py = false;
                continue;
            }
            v[i][r] = measure(impls[i], state[i], o->ms);
            if (v[i][r] < 0) {
                fprintf(stderr, "%s failed on %s\n", impls[i]->name, w);
                rc = -1;
            }
        }
    }
    close_states(state);
    if (py)
        python_ask(o->py, line, sizeof line, "teardown %s", w);
    if (rc < 0)
        return -1;
    bool bulk = bench_is_bulk(w);
    double scale = bulk ? BENCH_BULK_SIZE / 1e6 : 1; /* MB/s for bulk */
    printf("| %s | %s |", w, bulk ? "MB/s" : "handshakes/s");
    for (int k = 0; k < 2; k++) {
        stats s = summarize(v[k], o->rounds);
        print_cell(s.median, s.min, s.max, scale);
    }
    printf(" %.3f |", ratio(v[0], v[1], o->rounds));
    if (py) {
        stats s = summarize(v[2], o->rounds);
        print_cell(s.median, s.min, s.max, scale);
        printf(" %.2f |\n", ratio(v[0], v[2], o->rounds));
    } else {
        printf(" – | – | – |\n");
    }
    fflush(stdout);
    return 0;
}

/* Per established, idle client+server pair, over n pairs on one pair of
 * contexts: heap bytes through OpenSSL's allocator (what = "heap", with
 * the counting hooks), or bytes in use by malloc and RSS growth (what =
 * "rss", plain malloc: the hooks' headers would inflate them). Run in a
 * fresh process (cssl_bench --idle-child) so that no earlier workload's
 * freed memory hides the growth. Prints the figures. */
static int idle_child(const char *pki_dir, const char *impl_name, const char *setup, int n,
                      const char *what)
{
    const bench_impl *impl = strcmp(impl_name, "cssl") == 0 ? &bench_cssl : &bench_raw;
    bool heap = strcmp(what, "heap") == 0;
    bench_pki pki;
    if (bench_pki_init(&pki, pki_dir) < 0)
        return 1;
    void *state = impl->setup(&pki, setup);
    void **pairs = calloc((size_t)n, sizeof *pairs);
    if (state == NULL || pairs == NULL)
        return 1;
    /* One pair first, so that lazily initialised tables are not counted. */
    void *warm = impl->idle_open(state);
    if (warm == NULL)
        return 1;
    long heap0 = atomic_load(&live_bytes), malloc0 = malloc_bytes(), rss0 = rss_bytes();
    for (int i = 0; i < n; i++)
        if ((pairs[i] = impl->idle_open(state)) == NULL)
            return 1;
    if (heap)
        printf("%ld\n", (atomic_load(&live_bytes) - heap0) / n);
    else
        printf("%ld %ld\n", (malloc_bytes() - malloc0) / n, (rss_bytes() - rss0) / n);
    for (int i = 0; i < n; i++)
        impl->idle_close(pairs[i]);
    impl->idle_close(warm);
    free(pairs);
    impl->teardown(state);
    bench_pki_free(&pki);
    return 0;
}

/* Run this program again with args; its first output line in line. */
static int run_self(const char *const *args, char *line, size_t size)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execv("/proc/self/exe", (char *const *)args);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    bool ok = f && fgets(line, (int)size, f) != NULL;
    if (f)
        fclose(f);
    int status = 0;
    waitpid(pid, &status, 0);
    return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int idle_child_run(const char *pki_dir, const char *impl, const char *setup, int n,
                          const char *what, long *out, long *out2)
{
    char count[32], line[256];
    snprintf(count, sizeof count, "%d", n);
    const char *args[] = {"cssl_bench", "--pki", pki_dir, "--idle-child", impl, setup, count,
                          what, NULL};
    if (run_self(args, line, sizeof line) < 0 ||
        sscanf(line, "%ld %ld", out, out2) != (out2 == NULL ? 1 : 2)) {
        fprintf(stderr, "bench: idle %s measurement of %s (%s) failed\n", what, impl, setup);
        return -1;
    }
    return 0;
}

static int idle_row(const char *pki_dir, const char *impl, const char *setup, const char *label,
                    int n, long *heap)
{
    long in_use = 0, rss = 0;
    if (idle_child_run(pki_dir, impl, setup, n, "heap", heap, NULL) < 0 ||
        idle_child_run(pki_dir, impl, setup, n, "rss", &in_use, &rss) < 0)
        return -1;
    printf("| %s | %ld | %ld | %ld |\n", label, *heap, in_use, rss);
    return 0;
}

static int bench_idle(const char *pki_dir, const options *o)
{
    printf("\n| idle established pair (client+server, TLS 1.3, %d pairs) | OpenSSL-allocator "
           "bytes per pair | malloc bytes in use per pair | RSS bytes per pair |\n"
           "|---|---|---|---|\n",
           o->idle_pairs);
    long heap[3] = {0, 0, 0};
    if (idle_row(pki_dir, "cssl", "idle", "cssl", o->idle_pairs, &heap[0]) < 0 ||
        idle_row(pki_dir, "raw", "idle", "OpenSSL, SSL_MODE_RELEASE_BUFFERS", o->idle_pairs,
                 &heap[1]) < 0 ||
        idle_row(pki_dir, "raw", "idle_no_release", "OpenSSL, without RELEASE_BUFFERS",
                 o->idle_pairs, &heap[2]) < 0)
        return -1;
    char line[256];
    long py_in_use = 0, py_rss = 0;
    if (python_ask(o->py, line, sizeof line, "idle %d", o->idle_pairs) == 0 &&
        sscanf(line, "%ld %ld", &py_in_use, &py_rss) == 2)
        printf("| Python ssl (no allocator hook; tracemalloc does not see OpenSSL) | – | %ld | "
               "%ld |\n",
               py_in_use, py_rss);
    printf("\ncssl − OpenSSL (RELEASE_BUFFERS): %+ld heap bytes per pair\n", heap[0] - heap[1]);
    return 0;
}

static void bench_default_context(const options *o)
{
    printf("\n| default client context with the system CAs | first (ms) | next, median of %d "
           "(ms) |\n|---|---|---|\n",
           o->rounds);
    double t[MAX_ROUNDS + 1], first = 0;
    for (int i = 0; i <= o->rounds; i++) {
        double start = now();
        cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL,
                                                        NULL, 0, 0);
        double ms = (now() - start) * 1000;
        if (ctx == NULL)
            fprintf(stderr, "cssl_create_default_context: %s\n", cssl_error_message());
        cssl_context_free(ctx);
        *(i ? &t[i - 1] : &first) = ms;
    }
    printf("| cssl_create_default_context | %.2f | %.2f |\n", first,
           summarize(t, o->rounds).median);
    for (int i = 0; i <= o->rounds; i++) {
        double start = now();
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        if (ctx == NULL || SSL_CTX_set_default_verify_paths(ctx) != 1)
            fprintf(stderr, "SSL_CTX_set_default_verify_paths failed\n");
        double ms = (now() - start) * 1000;
        SSL_CTX_free(ctx);
        *(i ? &t[i - 1] : &first) = ms;
    }
    printf("| OpenSSL: SSL_CTX_new + SSL_CTX_set_default_verify_paths | %.2f | %.2f |\n", first,
           summarize(t, o->rounds).median);
    char line[256];
    if (python_ask(o->py, line, sizeof line, "default_context %d", o->rounds) == 0) {
        double pf = 0, pn = 0;
        if (sscanf(line, "%lf %lf", &pf, &pn) == 2)
            printf("| Python: ssl.create_default_context() | %.2f | %.2f |\n", pf, pn);
    }
}

/* ---- command line ---------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr,
            "usage: cssl_bench [--quick] [--wall] [--rounds N] [--ms MS] [--only W[,W...]]\n"
            "                  [--idle-pairs N] [--pki DIR] [--python PYTHON [--script PATH]]\n"
            "       cssl_bench [--pki DIR] --iterations WORKLOAD|default_context cssl|raw N\n"
            "       cssl_bench --write-pki DIR\n"
            "workloads:");
    for (size_t i = 0; i < NWORK; i++)
        fprintf(stderr, " %s", workloads[i]);
    fprintf(stderr, " idle_heap default_context\n");
    return 2;
}

static bool known_workload(const char *w)
{
    for (size_t i = 0; i < NWORK; i++)
        if (strcmp(w, workloads[i]) == 0)
            return true;
    return false;
}

/* n default client contexts with the system CAs, made and freed. */
static int default_contexts(bool cssl, long n)
{
    for (long i = 0; i < n; i++) {
        if (cssl) {
            cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, NULL, NULL,
                                                            NULL, 0, 0);
            if (ctx == NULL)
                return -1;
            cssl_context_free(ctx);
            continue;
        }
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        int ok = ctx && SSL_CTX_set_default_verify_paths(ctx) == 1;
        SSL_CTX_free(ctx);
        if (!ok)
            return -1;
    }
    return 0;
}

/* Run n operations of one workload with one implementation: what
 * bench/callgrind.sh counts instructions of. */
static int iterations(const char *pki_dir, const char *w, const char *impl_name, long n)
{
    if (strcmp(w, "default_context") == 0 && n >= 0 &&
        (strcmp(impl_name, "cssl") == 0 || strcmp(impl_name, "raw") == 0))
        return default_contexts(strcmp(impl_name, "cssl") == 0, n) < 0;
    bench_pki pki;
    const bench_impl *impl = strcmp(impl_name, "cssl") == 0  ? &bench_cssl
                             : strcmp(impl_name, "raw") == 0 ? &bench_raw
                                                             : NULL;
    if (impl == NULL || !known_workload(w) || n < 0)
        return usage();
    if (bench_pki_init(&pki, pki_dir) < 0)
        return 1;
    void *state = impl->setup(&pki, w);
    int rc = state ? impl->run(state, n) : -1;
    impl->teardown(state);
    bench_pki_free(&pki);
    return rc < 0;
}

static void remove_pki(const char *dir)
{
    char path[4096];
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, pki_files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* Allocator hooks: the layout hooks for the timed workloads, counting
 * hooks in the idle measurement's children (--idle-child ... heap), none
 * for --iterations (callgrind) and the idle RSS children. */
int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a Python child that dies is reported, not fatal */
    options o = {.rounds = 7, .ms = 400, .idle_pairs = 1000};
    python_child py = {0};
    o.py = &py;
    const char *pki_dir = NULL, *python = NULL, *script = BENCH_PY_SCRIPT;
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--quick") == 0)
            quick = true;
        else if (strcmp(a, "--rounds") == 0 && more)
            o.rounds = atoi(argv[++i]);
        else if (strcmp(a, "--ms") == 0 && more)
            o.ms = atof(argv[++i]);
        else if (strcmp(a, "--wall") == 0)
            bench_clock = CLOCK_MONOTONIC;
        else if (strcmp(a, "--only") == 0 && more)
            o.only = argv[++i];
        else if (strcmp(a, "--idle-pairs") == 0 && more)
            o.idle_pairs = atoi(argv[++i]);
        else if (strcmp(a, "--pki") == 0 && more)
            pki_dir = argv[++i];
        else if (strcmp(a, "--python") == 0 && more)
            python = argv[++i];
        else if (strcmp(a, "--script") == 0 && more)
            script = argv[++i];
        else if (strcmp(a, "--write-pki") == 0 && more) {
            bench_pki pki;
            int rc = bench_pki_init(&pki, argv[++i]);
            bench_pki_free(&pki);
            return rc < 0;
        } else if (strcmp(a, "--idle-child") == 0 && i + 4 < argc) {
            if (strcmp(argv[i + 4], "heap") == 0)
                CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
            return idle_child(pki_dir, argv[i + 1], argv[i + 2], atoi(argv[i + 3]), argv[i + 4]);
        } else if (strcmp(a, "--iterations") == 0 && i + 3 < argc)
            return iterations(pki_dir, argv[i + 1], argv[i + 2], atol(argv[i + 3]));
        else
            return usage();
    }
    if (CRYPTO_set_mem_functions(layout_malloc, layout_realloc, layout_free) != 1)
        fprintf(stderr, "bench: OpenSSL allocated before main; buffer layout not controlled\n");
    if (quick) {
        o.rounds = 3;
        o.ms = 50;
        o.idle_pairs = 50;
    }
    if (o.rounds < 1 || o.rounds > MAX_ROUNDS || o.ms <= 0 || o.idle_pairs < 1)
        return usage();
    /* The certificates go to files: for the Python child and for the
     * fresh processes of the idle measurement. */
    char tmp_pki[] = "/tmp/cssl_bench_pki.XXXXXX";
    if (pki_dir == NULL) {
        if (mkdtemp(tmp_pki) == NULL) {
            perror("mkdtemp");
            return 1;
        }
        pki_dir = tmp_pki;
    }
    bench_pki pki;
    if (bench_pki_init(&pki, pki_dir) < 0) {
        fprintf(stderr, "bench: could not make the certificates\n");
        return 1;
    }
    if (python)
        python_start(&py, python, script, pki_dir);
    else
        snprintf(py.why, sizeof py.why, "no --python given");
    bool wall = bench_clock == CLOCK_MONOTONIC;
    char answer[256];
    if (wall)
        python_ask(&py, answer, sizeof answer, "clock wall");
    printf("cssl %s vs %s; %d interleaved rounds of %.0f ms of %s time%s\n", cssl_version(),
           OpenSSL_version(OPENSSL_VERSION), o.rounds, o.ms, wall ? "elapsed" : "thread CPU",
           quick ? " (--quick)" : "");
    if (py.pid > 0)
        printf("Python: %s\n\n", py.why);
    else
        printf("SKIP Python column: %s\n\n", py.why);
    printf("| workload | unit | cssl median | cssl min–max | OpenSSL median | OpenSSL min–max | "
           "cssl/OpenSSL | Python median | Python min–max | cssl/Python |\n"
           "|---|---|---|---|---|---|---|---|---|---|\n");
    int rc = 0;
    for (size_t i = 0; i < NWORK && rc == 0; i++)
        if (selected(&o, workloads[i]) && bench_workload(&pki, workloads[i], &o) < 0)
            rc = 1;
    printf("\nratios: medians of per-round ratios of throughput (> 1: cssl faster)\n");
    if (rc == 0 && selected(&o, "idle_heap") && bench_idle(pki_dir, &o) < 0)
        rc = 1;
    if (rc == 0 && selected(&o, "default_context"))
        bench_default_context(&o);
    if (py.pid <= 0 && python)
        printf("\nSKIP Python column: %s\n", py.why);
    python_stop(&py);
    bench_pki_free(&pki);
    if (pki_dir == tmp_pki)
        remove_pki(tmp_pki);
    return rc;
}
