/*
 * oom.h - allocation-failure injection and heap accounting for the tests.
 *
 * Every allocation of the library and of OpenSSL goes through OpenSSL's
 * allocator (CRYPTO_malloc and friends). oom.c replaces its functions
 * before main, before OpenSSL allocates anything (it refuses later), in
 * every test binary, and so can:
 *
 *   - fail the Nth allocation from now, once (oom_fail_at);
 *   - count the blocks and bytes live (oom_live_blocks/bytes), so a test
 *     can check that everything a call allocated is freed again, leak
 *     detection even without ASan or valgrind;
 *   - call an observer on every allocation (oom_set_observer), for tests
 *     that must act at a precise point inside OpenSSL.
 *
 * oom_sweep() is the driver of the allocation-failure tests: it runs a
 * scenario with its 1st, 2nd, 3rd ... allocation failing until a run gets
 * through without an injected failure, and checks every run: the status
 * returned is CSSL_OK or a failure recorded as such, CSSL_ENOMEM or one of
 * the statuses the caller allows; OpenSSL's error queue is empty; and the
 * scenario's own cleanup brought the live block count back to where it
 * was (no leak). CSSL_OOM_SWEEP selects which allocations are failed:
 *   full   every one;
 *   sites  the first and the last allocation of each call site (file and
 *          line as OpenSSL passes them) of an undisturbed run: often 10x
 *          fewer runs;
 *   auto   (default) full for scenarios of at most CSSL_OOM_FULL_MAX
 *          allocations (default 4000: a few seconds), sites for larger
 *          ones.
 * CSSL_OOM_VERBOSE=1 prints every run that failed with a status other than
 * CSSL_ENOMEM; CSSL_OOM_TRACE_LEAKS=1 names the allocation sites of leaked
 * blocks; CSSL_OOM_BACKTRACE=1 prints a backtrace of every injected
 * failure.
 */
#ifndef CSSL_TEST_OOM_H
#define CSSL_TEST_OOM_H

#include <stdbool.h>
#include <stddef.h>

/* The hooks are in place (false if OpenSSL had allocated before main). */
bool oom_available(void);

/* SKIPs the test unless the hooks are in place. */
void oom_require(void);

/*
 * Fail the nth allocation from now (0: the next one), once. Allocations are
 * counted while armed and not suspended. oom_disarm() stops counting and
 * failing; oom_fired() and oom_count() keep their values until the next
 * oom_fail_at().
 */
void oom_fail_at(long n);
void oom_disarm(void);

/* Fail the next allocation made from a file whose name ends with
 * file_suffix ("bio_meth.c"), once; oom_disarm() as above. */
void oom_fail_site(const char *file_suffix);

/* Whether the armed failure has happened since oom_fail_at(). */
bool oom_fired(void);

/* Allocations counted since the last oom_fail_at(). */
long oom_count(void);

/* Suspend injection and counting (nests): for a scenario's set-up that is
 * not under test. Live blocks are still counted. */
void oom_suspend(void);
void oom_resume(void);

/* Blocks and bytes allocated through OpenSSL's allocator and not yet freed
 * (all threads). Bytes are malloc_usable_size()'s. */
long oom_live_blocks(void);
long long oom_live_bytes(void);

/* The size of a live block (malloc_usable_size: at least what was asked). */
size_t oom_block_size(const void *p);

/*
 * Called on every allocation (malloc, and realloc to a new size) before it
 * is made, with OpenSSL's file and line (NULL, 0 when it passes none).
 * NULL removes it. The observer may call into cssl.
 */
typedef void (*oom_observer)(size_t size, const char *file, int line, void *arg);
void oom_set_observer(oom_observer fn, void *arg);

/*
 * Allocation sites OpenSSL itself mishandles when they fail ("x509_lu.c:NNN"
 * matched against the end of the file name and the line): an armed failure
 * passes over them to the next allocation. Each use needs a comment saying
 * what goes wrong inside OpenSSL. Cleared by oom_skip_clear().
 */
void oom_skip_site(const char *file_suffix, int line);
/* The same for every allocation made while an (exported) OpenSSL function
 * of that name is on the stack. */
void oom_skip_caller(const char *function);
void oom_skip_clear(void);

/* ---- the sweep driver --------------------------------------------------- */

/*
 * A scenario: does its work, checks any result it got (after
 * oom_disarm(), so that checking never fails), frees everything it
 * allocated, and returns CSSL_OK or the negative status of the first call
 * that failed (with the thread's error details as that call left them).
 */
typedef int (*oom_scenario)(void *arg);

/* What a scenario returns for a call that returned NULL (or another
 * failure value): the status the call recorded, or 1 if it recorded none,
 * which oom_sweep() reports as an error. */
int oom_status(void);

/* Failure statuses besides CSSL_ENOMEM a failed run may end with. */
#define OOM_ALLOW(status) (1u << (unsigned)-(status))
/* The scenario reports its allocation failures as another allowed status
 * (OpenSSL's), so no run need end in CSSL_ENOMEM. */
#define OOM_ENOMEM_OPTIONAL (1u << 31)

typedef struct oom_stats {
    long allocations; /* in an undisturbed run */
    long runs;        /* with a failure injected */
    long absorbed;    /* ... that still returned CSSL_OK */
    long nomem;       /* ... that returned CSSL_ENOMEM */
    long other;       /* ... that returned another allowed status */
} oom_stats;

/*
 * Sweep scenario fn (see above). allow: OOM_ALLOW() bits of the statuses
 * other than CSSL_ENOMEM a run with a failed allocation may return (e.g.
 * CSSL_ESSL where OpenSSL reports a lost allocation as a protocol error).
 * Fails the test for: a status not allowed, a status not recorded as the
 * thread's error, an error left in OpenSSL's queue, a live block count that
 * differs from the one before the run, a run without injected failure that
 * fails, or no CSSL_ENOMEM at all. Prints one summary line.
 */
oom_stats oom_sweep(const char *name, oom_scenario fn, void *arg, unsigned allow);

#endif
