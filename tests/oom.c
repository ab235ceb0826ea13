/* oom.c - see oom.h. */
#include "oom.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "harness.h"

/* ---- the allocator hooks ------------------------------------------------- */

static bool hooked;
static atomic_long live_blocks;
static atomic_llong live_bytes;
static atomic_long counted;       /* counted allocations since arming */
static atomic_long fail_target = -1;
static atomic_bool fired;
static atomic_int suspended;
static const char *target_site;   /* oom_fail_site(): fail there instead */
static const char *fired_file;    /* where the injected failure hit */
static int fired_line;

static _Atomic(oom_observer) observer;
static void *_Atomic observer_arg;
static _Thread_local bool in_observer;

#define MAX_SKIPS 16
static struct {
    const char *suffix;
    int line;
} skips[MAX_SKIPS];
static int nskips;

/* The sites of the allocations of a tracing run (for CSSL_OOM_SWEEP=sites). */
typedef struct site {
    const char *file;
    int line;
} site;
static site *trace;
static long trace_len, trace_cap;
static bool tracing;

/* CSSL_OOM_TRACE_LEAKS=1: every live block with its allocation site and
 * serial number, so that a sweep can name the blocks a run leaked. */
typedef struct live_entry {
    void *p;
    const char *file;
    int line;
    size_t size;
    unsigned long serial;
} live_entry;
static bool registry_on;
static bool backtraces; /* CSSL_OOM_BACKTRACE=1: print where each failure hits */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static live_entry *registry;
static size_t registry_cap, registry_used;
static unsigned long registry_serial;

static size_t slot_of(const void *p, size_t cap)
{
    return ((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull % cap;
}

static void registry_grow(void);

static void registry_add(void *p, const char *file, int line, size_t size)
{
    pthread_mutex_lock(&registry_lock);
    if (2 * (registry_used + 1) > registry_cap)
        registry_grow();
    size_t i = slot_of(p, registry_cap);
    while (registry[i].p != NULL)
        i = (i + 1) % registry_cap;
    registry[i] = (live_entry){p, file, line, size, ++registry_serial};
    registry_used++;
    pthread_mutex_unlock(&registry_lock);
}

/* Called with the lock held. */
static void registry_insert_entry(live_entry e)
{
    size_t i = slot_of(e.p, registry_cap);
    while (registry[i].p != NULL)
        i = (i + 1) % registry_cap;
    registry[i] = e;
}

static void registry_grow(void)
{
    live_entry *old = registry;
    size_t old_cap = registry_cap;
    registry_cap = old_cap ? 2 * old_cap : 1 << 16;
    registry = calloc(registry_cap, sizeof *registry);
    if (registry == NULL)
        abort();
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].p != NULL)
            registry_insert_entry(old[i]);
    free(old);
}

static void registry_remove(uintptr_t key)
{
    void *p = (void *)key;
    pthread_mutex_lock(&registry_lock);
    if (registry_cap == 0) {
        pthread_mutex_unlock(&registry_lock);
        return;
    }
    size_t i = slot_of(p, registry_cap);
    while (registry[i].p != NULL && registry[i].p != p)
        i = (i + 1) % registry_cap;
    if (registry[i].p == p) {
        /* backward-shift deletion keeps the probe chains intact */
        registry[i].p = NULL;
        registry_used--;
        for (size_t j = (i + 1) % registry_cap; registry[j].p != NULL; j = (j + 1) % registry_cap) {
            live_entry e = registry[j];
            registry[j].p = NULL;
            registry_insert_entry(e);
        }
    }
    pthread_mutex_unlock(&registry_lock);
}

/* Print the live blocks allocated after serial. */
static void registry_report(unsigned long since)
{
    pthread_mutex_lock(&registry_lock);
    int shown = 0;
    for (size_t i = 0; i < registry_cap && shown < 20; i++)
        if (registry[i].p != NULL && registry[i].serial > since) {
            fprintf(stderr, "  leaked: %zu bytes from %s:%d (#%lu)\n", registry[i].size,
                    registry[i].file ? registry[i].file : "?", registry[i].line,
                    registry[i].serial);
            shown++;
        }
    pthread_mutex_unlock(&registry_lock);
}

static unsigned long registry_now(void)
{
    pthread_mutex_lock(&registry_lock);
    unsigned long n = registry_serial;
    pthread_mutex_unlock(&registry_lock);
    return n;
}

#define MAX_SKIP_CALLERS 8
static const char *skip_callers[MAX_SKIP_CALLERS];
static int nskip_callers;

/* Whether a function named in skip_callers is on the stack (exported
 * symbols only: dladdr names those). */
static bool inside_skipped_caller(void)
{
    if (nskip_callers == 0)
        return false;
    void *frames[64];
    int depth = backtrace(frames, 64);
    for (int i = 0; i < depth; i++) {
        Dl_info info;
        if (dladdr(frames[i], &info) == 0 || info.dli_sname == NULL)
            continue;
        for (int k = 0; k < nskip_callers; k++)
            if (strcmp(info.dli_sname, skip_callers[k]) == 0)
                return true;
    }
    return false;
}

static bool skipped(const char *file, int line)
{
    if (inside_skipped_caller())
        return true;
    if (file == NULL)
        return false;
    size_t flen = strlen(file);
    for (int i = 0; i < nskips; i++) {
        size_t slen = strlen(skips[i].suffix);
        if (line == skips[i].line && flen >= slen &&
            strcmp(file + flen - slen, skips[i].suffix) == 0)
            return true;
    }
    return false;
}

static void record_site(const char *file, int line)
{
    if (trace_len == trace_cap) {
        long cap = trace_cap ? 2 * trace_cap : 4096;
        site *t = realloc(trace, (size_t)cap * sizeof *t);
        if (t == NULL)
            abort();
        trace = t;
        trace_cap = cap;
    }
    trace[trace_len++] = (site){file, line};
}

/* Whether this allocation is the one to fail. */
static bool should_fail(size_t n, const char *file, int line)
{
    oom_observer fn = atomic_load(&observer);
    if (fn != NULL && !in_observer) {
        in_observer = true;
        fn(n, file, line, atomic_load(&observer_arg));
        in_observer = false;
    }
    long target = atomic_load(&fail_target);
    if (target < 0 || atomic_load(&suspended) > 0)
        return false;
    if (target_site != NULL) {
        size_t flen = file ? strlen(file) : 0, slen = strlen(target_site);
        if (flen < slen || strcmp(file + flen - slen, target_site) != 0 ||
            atomic_exchange(&fired, true))
            return false;
        fired_file = file;
        fired_line = line;
        return true;
    }
    long i = atomic_fetch_add(&counted, 1);
    if (tracing)
        record_site(file, line);
    if (i < target || atomic_load(&fired) || skipped(file, line))
        return false;
    if (atomic_exchange(&fired, true))
        return false;
    fired_file = file;
    fired_line = line;
    if (backtraces) {
        void *frames[32];
        int depth = backtrace(frames, 32);
        fprintf(stderr, "injected failure at %s:%d:\n", file ? file : "?", line);
        backtrace_symbols_fd(frames, depth, 2);
    }
    return true;
}

static void account(void *p, int sign)
{
    atomic_fetch_add(&live_blocks, sign);
    atomic_fetch_add(&live_bytes, sign * (long long)malloc_usable_size(p));
}

static void *hook_malloc(size_t n, const char *file, int line)
{
    if (n == 0)
        return NULL; /* as OpenSSL's own CRYPTO_malloc: callers rely on it */
    if (should_fail(n, file, line))
        return NULL;
    void *p = malloc(n);
    if (p != NULL) {
        account(p, 1);
        if (registry_on)
            registry_add(p, file, line, n);
    }
    return p;
}

static void hook_free(void *p, const char *file, int line)
{
    if (p == NULL)
        return;
    account(p, -1);
    if (registry_on)
        registry_remove((uintptr_t)p);
    free(p);
}

static void *hook_realloc(void *p, size_t n, const char *file, int line)
{
    if (p == NULL)
        return hook_malloc(n, file, line);
    if (n == 0) { /* CRYPTO_realloc's contract: free, return NULL */
        hook_free(p, file, line);
        return NULL;
    }
    if (should_fail(n, file, line))
        return NULL;
    /* Accounted as a free and a new block (the registry must drop p
     * before realloc may hand its address to another thread). */
    account(p, -1);
    if (registry_on)
        registry_remove((uintptr_t)p);
    void *q = realloc(p, n);
    void *live = q != NULL ? q : p; /* a failed realloc leaves p as it was */
    account(live, 1);
    if (registry_on)
        registry_add(live, file, line, n);
    return q;
}

/* Before main and before OpenSSL's first allocation (other constructors of
 * the test binaries run later, at the default priority). */
__attribute__((constructor(101))) static void oom_install(void)
{
    const char *trace_leaks = getenv("CSSL_OOM_TRACE_LEAKS");
    registry_on = trace_leaks != NULL && *trace_leaks != '\0' && strcmp(trace_leaks, "0") != 0;
    backtraces = getenv("CSSL_OOM_BACKTRACE") != NULL;
    hooked = CRYPTO_set_mem_functions(hook_malloc, hook_realloc, hook_free) == 1;
}

__attribute__((destructor)) static void oom_free_trace(void)
{
    free(trace);
}

/* ---- control --------------------------------------------------------------- */

bool oom_available(void)
{
    return hooked;
}

void oom_require(void)
{
    if (!hooked)
        SKIP("CRYPTO_set_mem_functions was refused: OpenSSL allocated before main");
}

void oom_fail_site(const char *file_suffix)
{
    oom_fail_at(0);
    target_site = file_suffix;
}

void oom_fail_at(long n)
{
    target_site = NULL;
    if (n < 0) {
        oom_disarm();
        return;
    }
    atomic_store(&fired, false);
    atomic_store(&counted, 0);
    atomic_store(&fail_target, n);
}

bool oom_fired(void)
{
    return atomic_load(&fired);
}

long oom_count(void)
{
    return atomic_load(&counted);
}

void oom_disarm(void)
{
    atomic_store(&fail_target, -1);
}

void oom_suspend(void)
{
    atomic_fetch_add(&suspended, 1);
}

void oom_resume(void)
{
    atomic_fetch_sub(&suspended, 1);
}

long oom_live_blocks(void)
{
    return atomic_load(&live_blocks);
}

long long oom_live_bytes(void)
{
    return atomic_load(&live_bytes);
}

size_t oom_block_size(const void *p)
{
    return malloc_usable_size((void *)p);
}

void oom_set_observer(oom_observer fn, void *arg)
{
    atomic_store(&observer_arg, arg);
    atomic_store(&observer, fn);
}

void oom_skip_site(const char *file_suffix, int line)
{
    if (nskips == MAX_SKIPS) {
        fprintf(stderr, "oom_skip_site: too many sites\n");
        abort();
    }
    skips[nskips].suffix = file_suffix;
    skips[nskips].line = line;
    nskips++;
}

void oom_skip_caller(const char *function)
{
    if (nskip_callers == MAX_SKIP_CALLERS) {
        fprintf(stderr, "oom_skip_caller: too many functions\n");
        abort();
    }
    skip_callers[nskip_callers++] = function;
}

void oom_skip_clear(void)
{
    nskips = 0;
    nskip_callers = 0;
}

int oom_status(void)
{
    int st = cssl_error_status();
    return st < 0 ? st : 1;
}

/* ---- the sweep ------------------------------------------------------------- */

#define MAX_OTHER 12

typedef struct sweep {
    const char *name;
    oom_scenario fn;
    void *arg;
    unsigned allow;
    bool verbose;
    oom_stats st;
    int failures; /* of this sweep */
    long settled; /* runs whose extra blocks were OpenSSL's cache growth */
    char other[MAX_OTHER][160];
    int nother;
} sweep;

static void note_other(sweep *s, int status, const char *msg)
{
    char line[160];
    snprintf(line, sizeof line, "%d %s", status, msg);
    for (int i = 0; i < s->nother; i++)
        if (strcmp(s->other[i], line) == 0)
            return;
    if (s->nother < MAX_OTHER)
        snprintf(s->other[s->nother++], sizeof s->other[0], "%s", line);
}

#define SWEEP_FAIL(s, ...)                                                     \
    do {                                                                       \
        harness_fail(__FILE__, __LINE__, __VA_ARGS__);                         \
        if (++(s)->failures >= 20) {                                           \
            fprintf(stderr, "%s: too many failures, sweep stopped\n", (s)->name); \
            harness_abort();                                                   \
        }                                                                      \
    } while (0)

/*
 * OpenSSL keeps the text buffers of its error queue's 16 slots for reuse
 * (err_clear() with deall 0): an error with data allocates one the first
 * time its slot carries data, and it lives as long as the thread. Give
 * every slot one now, so that they do not count as leaks later.
 */
static void fill_error_slots(void)
{
    for (int i = 0; i < 2 * ERR_NUM_ERRORS; i++)
        ERR_raise_data(ERR_LIB_USER, 1, "%s",
                       "a text long enough that later error data fits in its buffer, "
                       "so that OpenSSL has no reason to reallocate it: 0123456789");
    ERR_clear_error();
}

/* Run the scenario once with allocation n failing; *blocks_left: blocks
 * still live that were not before. Returns the scenario's status. */
static int run_raw(sweep *s, long n, long *blocks_left, long long *bytes_left,
                   unsigned long *serial)
{
    cssl_error_clear();
    ERR_clear_error();
    long blocks = oom_live_blocks();
    long long bytes = oom_live_bytes();
    *serial = registry_on ? registry_now() : 0;
    fired_file = NULL;
    fired_line = 0;
    oom_fail_at(n);
    int rc = s->fn(s->arg);
    oom_disarm();
    *blocks_left = oom_live_blocks() - blocks;
    *bytes_left = oom_live_bytes() - bytes;
    return rc;
}

/*
 * A run left blocks behind. OpenSSL grows caches of its own that live
 * until OPENSSL_cleanup() (fetched algorithms, names), and a failure can
 * make it add an entry an undisturbed run never needed: once. A leak
 * happens again when the same run is repeated; cache growth does not.
 */
static void check_leak(sweep *s, long n, int rc, const char *where, long left,
                       long long bytes_left, unsigned long serial)
{
    int line = fired_line;
    for (int again = 0; again < 2; again++) {
        long left2;
        long long bytes2;
        unsigned long serial2;
        run_raw(s, n, &left2, &bytes2, &serial2);
        if (left2 == 0) {
            s->settled++;
            if (s->verbose) {
                printf("%s, allocation %ld (%s:%d): %ld blocks left once\n", s->name, n, where,
                       line, left);
                if (registry_on)
                    registry_report(serial);
            }
            return;
        }
    }
    if (registry_on)
        registry_report(serial);
    SWEEP_FAIL(s, "%s, allocation %ld (%s:%d): returned %d, %ld blocks (%lld bytes) leaked%s",
               s->name, n, where, line, rc, left, bytes_left,
               registry_on ? "" : " (CSSL_OOM_TRACE_LEAKS=1 names them)");
}

/* One run with allocation n failing (n < 0: none). Returns whether the
 * injected failure happened. */
static bool run_once(sweep *s, long n)
{
    long left;
    long long bytes_left;
    unsigned long serial;
    int rc = run_raw(s, n, &left, &bytes_left, &serial);
    bool hit = oom_fired();
    const char *where = fired_file ? fired_file : "?";
    if (ERR_peek_error() != 0) {
        char buf[256];
        ERR_error_string_n(ERR_peek_error(), buf, sizeof buf);
        SWEEP_FAIL(s, "%s, allocation %ld (%s:%d): returned %d, OpenSSL's queue left dirty: %s",
                   s->name, n, where, fired_line, rc, buf);
        ERR_clear_error();
    }
    if (rc > 0 || (rc < 0 && cssl_error_status() != rc))
        SWEEP_FAIL(s, "%s, allocation %ld (%s:%d): returned %d (1: a failure) but recorded %d (%s)", s->name, n,
                   where, fired_line, rc, cssl_error_status(), cssl_error_message());
    if (!hit && rc != 0)
        SWEEP_FAIL(s, "%s: failed without an injected failure (allocation %ld): %d %s", s->name,
                   n, rc, cssl_error_message());
    if (hit && rc < 0 && rc != CSSL_ENOMEM && !(s->allow & OOM_ALLOW(rc)))
        SWEEP_FAIL(s, "%s, allocation %ld (%s:%d): status %d not allowed: %s", s->name, n, where,
                   fired_line, rc, cssl_error_message());
    if (left != 0)
        check_leak(s, n, rc, where, left, bytes_left, serial);
    if (hit) {
        s->st.runs++;
        if (rc == 0)
            s->st.absorbed++;
        else if (rc == CSSL_ENOMEM)
            s->st.nomem++;
        else {
            s->st.other++;
            note_other(s, rc, cssl_error_message());
            if (s->verbose)
                printf("%s, allocation %ld (%s:%d): %d %s\n", s->name, n, where, fired_line, rc,
                       cssl_error_message());
        }
    }
    return hit;
}

/* The first and the last allocation of each call site of a traced run. */
static long *site_plan(long *count)
{
    long *idx = malloc((size_t)(trace_len + 1) * sizeof *idx), k = 0;
    if (idx == NULL)
        abort();
    for (long i = 0; i < trace_len; i++) {
        bool first = true, last = true;
        for (long j = 0; j < trace_len && (first || last); j++) {
            if (j == i || trace[j].line != trace[i].line || trace[j].file != trace[i].file)
                continue;
            if (j < i)
                first = false;
            else
                last = false;
        }
        if (first || last)
            idx[k++] = i;
    }
    *count = k;
    return idx;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* auto mode: the most allocations a scenario may make to be swept whole. */
static long full_max(void)
{
    const char *v = getenv("CSSL_OOM_FULL_MAX");
    long n = v ? atol(v) : 0;
    return n > 0 ? n : 4000;
}

oom_stats oom_sweep(const char *name, oom_scenario fn, void *arg, unsigned allow)
{
    oom_require();
    sweep s = {.name = name, .fn = fn, .arg = arg, .allow = allow,
               .verbose = getenv("CSSL_OOM_VERBOSE") != NULL};
    const char *mode = getenv("CSSL_OOM_SWEEP");
    double t0 = seconds_now();
    int before = harness_failures;
    /* OpenSSL's lazy one-time set-up (providers, algorithm caches, the
     * thread's error state) happens in this first run, out of the way. */
    REQUIRE(fn(arg) == 0);
    fill_error_slots();
    /* An undisturbed run: counts the allocations, traces their sites, and
     * must not leak either. */
    trace_len = 0;
    tracing = true;
    run_once(&s, LONG_MAX);
    tracing = false;
    s.st.allocations = oom_count();
    bool sites;
    if (mode != NULL && strcmp(mode, "full") == 0)
        sites = false;
    else if (mode != NULL && strcmp(mode, "sites") == 0)
        sites = true;
    else
        sites = s.st.allocations > full_max();
    if (sites) {
        long k = 0;
        long *plan = site_plan(&k);
        for (long i = 0; i < k; i++)
            run_once(&s, plan[i]);
        free(plan);
        CHECK(!run_once(&s, s.st.allocations + 1000)); /* past the end */
    } else {
        long limit = 4 * s.st.allocations + 1000; /* allocation counts vary a little */
        long n = 0;
        while (run_once(&s, n)) {
            if (++n > limit) {
                SWEEP_FAIL(&s, "%s: still failing allocations after %ld runs", name, n);
                break;
            }
        }
    }
    printf("%s: %ld allocations; %ld runs with one failing (%s): %ld CSSL_ENOMEM, "
           "%ld other, %ld absorbed; %ld grew OpenSSL's caches (%.2f s)\n",
           name, s.st.allocations, s.st.runs,
           sites ? "first and last of each site; CSSL_OOM_SWEEP=full for all" : "every one",
           s.st.nomem, s.st.other, s.st.absorbed, s.settled, seconds_now() - t0);
    for (int i = 0; i < s.nother; i++)
        printf("  other: %s\n", s.other[i]);
    if (s.st.allocations > 0 && s.st.nomem == 0 && !(allow & OOM_ENOMEM_OPTIONAL))
        harness_fail(__FILE__, __LINE__, "%s: no run failed with CSSL_ENOMEM", name);
    if (harness_failures > before)
        fflush(stdout);
    return s.st;
}
