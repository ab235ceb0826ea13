/* harness.c - see harness.h. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>

#include "oom.h"

#define MAX_TESTS 1024

static struct {
    const char *name;
    test_fn fn;
} tests[MAX_TESTS];
static int ntests;
int harness_failures;
static char tmpdir[256];

void harness_register(const char *name, test_fn fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        exit(2);
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: FAIL: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    harness_failures++;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void cleanup_tmpdir(void)
{
    if (tmpdir[0] != '\0')
        nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    tmpdir[0] = '\0';
}

_Noreturn void harness_abort(void)
{
    cleanup_tmpdir();
    fprintf(stderr, "test aborted after %d failure(s)\n", harness_failures);
    exit(1);
}

_Noreturn void harness_skip(const char *fmt, ...)
{
    va_list ap;
    printf("SKIP: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    cleanup_tmpdir();
    exit(77);
}

const char *fixture(const char *name)
{
    static char bufs[8][1024];
    static int slot;
    const char *dir = getenv("CSSL_FIXTURES");
    if (dir == NULL) {
        fprintf(stderr, "CSSL_FIXTURES is not set (run the tests through ctest)\n");
        exit(2);
    }
    char *b = bufs[slot++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

const char *test_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/cssl-test-XXXXXX", base ? base : "/tmp");
        REQUIRE(mkdtemp(tmpdir) != NULL);
    }
    return tmpdir;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(data, 1, len, f) == len);
    REQUIRE(fclose(f) == 0);
}

int harness_scale(int n)
{
    const char *v = getenv("CSSL_TEST_SCALE");
    double f = v ? atof(v) : 1.0;
    if (!(f > 0 && f < 1))
        return n;
    int k = (int)(n * f);
    return k > 0 ? k : 1;
}

int run_command(const char *const *argv, char **out)
{
    int pipefd[2];
    REQUIRE(pipe(pipefd) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    REQUIRE(buf != NULL);
    for (;;) {
        if (n == cap) {
            buf = realloc(buf, cap * 2 + 1);
            REQUIRE(buf != NULL);
            cap *= 2;
        }
        ssize_t r = read(pipefd[0], buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(pipefd[0]);
    buf[n] = '\0';
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool executable(const char *path)
{
    return access(path, X_OK) == 0;
}

static bool on_path(const char *name, char *out, size_t size)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return false;
    char *copy = strdup(path), *save = NULL;
    bool found = false;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, size, "%s/%s", dir, name);
        found = executable(out);
    }
    free(copy);
    return found;
}

static char python[1024];
static bool python313;

/* Run candidate's version check; true if it works (pyenv shims may exist on
 * PATH for versions that are not selected, and fail when run). */
static bool try_python(const char *candidate)
{
    const char *argv[] = {candidate, "-c",
                          "import sys, ssl; print(sys.version_info[:2] >= (3, 13))", NULL};
    char *out = NULL;
    int rc = run_command(argv, &out);
    bool ok = rc == 0 && (strncmp(out, "True", 4) == 0 || strncmp(out, "False", 5) == 0);
    if (ok) {
        snprintf(python, sizeof python, "%s", candidate);
        python313 = strncmp(out, "True", 4) == 0;
    }
    free(out);
    return ok;
}

const char *python_path(void)
{
    if (python[0] != '\0')
        return python;
    const char *env = getenv("CSSL_PYTHON");
    if (env && *env && try_python(env))
        return python;
    const char *root = getenv("PYENV_ROOT");
    char pattern[1024], found[1024];
    snprintf(pattern, sizeof pattern, "%s/versions/3.13*/bin/python3",
             root ? root : "/root/.pyenv");
    glob_t g;
    bool ok = false;
    if (glob(pattern, 0, NULL, &g) == 0)
        for (size_t i = g.gl_pathc; i-- > 0 && !ok;)
            ok = try_python(g.gl_pathv[i]);
    globfree(&g);
    if (!ok && on_path("python3.13", found, sizeof found))
        ok = try_python(found);
    if (!ok && on_path("python3", found, sizeof found))
        ok = try_python(found);
    if (!ok)
        SKIP("no working python3 interpreter found for the oracle");
    return python;
}

bool python_is_313(void)
{
    python_path();
    return python313;
}

char *python_run(const char *code, const char *const *args)
{
    const char *argv[64] = {python_path(), "-c", code};
    int n = 3;
    for (int i = 0; args && args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *out = NULL;
    int rc = run_command(argv, &out);
    if (rc != 0) {
        harness_fail(__FILE__, __LINE__, "python oracle exited %d; output: %s", rc, out);
        free(out);
        harness_abort();
    }
    return out;
}

static int run_one(int i)
{
    harness_failures = 0;
    ERR_clear_error();
    cssl_error_clear();
    tests[i].fn();
    oom_disarm(); /* a test that stopped half way may have left it armed */
    oom_skip_clear();
    oom_set_observer(NULL, NULL);
    if (ERR_peek_error() != 0) {
        char buf[256];
        ERR_error_string_n(ERR_peek_error(), buf, sizeof buf);
        harness_fail(__FILE__, __LINE__, "OpenSSL error queue left dirty: %s", buf);
        ERR_clear_error();
    }
    return harness_failures;
}

int main(int argc, char **argv)
{
    atexit(cleanup_tmpdir);
    setvbuf(stdout, NULL, _IOLBF, 0); /* in step with stderr's FAIL lines */
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < ntests; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    int failed = 0, ran = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        ran++;
        if (run_one(i) != 0) {
            fprintf(stderr, "FAILED: %s\n", tests[i].name);
            failed++;
        }
    }
    if (ran == 0) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(any)");
        return 2;
    }
    return failed ? 1 : 0;
}
