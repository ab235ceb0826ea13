/*
 * test_helpers.c - get_default_verify_paths, RAND_* and OPENSSL_VERSION*,
 * against OpenSSL and against Python's ssl module run with the same
 * environment.
 */
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "harness.h"
#include "helpers_oracle.h"

/* ---- get_default_verify_paths ------------------------------------------- */

static void set_env(const char *name, const char *value)
{
    if (value)
        REQUIRE(setenv(name, value, 1) == 0);
    else
        REQUIRE(unsetenv(name) == 0);
}

static void check_field(const char *what, const char *mine, const char *py_line)
{
    if (strcmp(py_line, "N") == 0) {
        if (mine != NULL)
            harness_fail(__FILE__, __LINE__, "%s: python None, cssl \"%s\"", what, mine);
        return;
    }
    char *want = unhex(py_line, NULL);
    if (mine == NULL || strcmp(mine, want) != 0)
        harness_fail(__FILE__, __LINE__, "%s: python \"%s\", cssl %s%s%s", what, want,
                     mine ? "\"" : "", mine ? mine : "NULL", mine ? "\"" : "");
    free(want);
}

/* Set the two variables (NULL: unset), then compare with Python run in the
 * same environment (the child inherits ours). */
static void compare_paths(const char *cafile_env, const char *capath_env)
{
    set_env("SSL_CERT_FILE", cafile_env);
    set_env("SSL_CERT_DIR", capath_env);
    cssl_verify_paths p;
    memset(&p, 0x5a, sizeof p);
    CHECK_OK(cssl_get_default_verify_paths(&p));
    char *out = python_run(
        "import ssl\n"
        "def hx(s): return 'h' + s.encode('utf-8', 'surrogateescape').hex()\n"
        "for v in ssl.get_default_verify_paths(): print('N' if v is None else hx(v))\n",
        NULL);
    char *lines[6] = {0};
    char *save = NULL;
    for (int i = 0; i < 6; i++)
        lines[i] = strtok_r(i ? NULL : out, "\n", &save);
    REQUIRE(lines[5] != NULL);
    const char *mine[6] = {p.cafile,         p.capath,           p.openssl_cafile_env,
                           p.openssl_cafile, p.openssl_capath_env, p.openssl_capath};
    static const char *const names[6] = {"cafile",         "capath",
                                         "openssl_cafile_env", "openssl_cafile",
                                         "openssl_capath_env", "openssl_capath"};
    for (int i = 0; i < 6; i++)
        check_field(names[i], mine[i], lines[i]);
    free(out);
}

TEST(verify_paths_fixed_fields)
{
    cssl_verify_paths p;
    CHECK_OK(cssl_get_default_verify_paths(&p));
    CHECK_STR(p.openssl_cafile_env, "SSL_CERT_FILE");
    CHECK_STR(p.openssl_capath_env, "SSL_CERT_DIR");
    CHECK_STR(p.openssl_cafile, X509_get_default_cert_file());
    CHECK_STR(p.openssl_capath, X509_get_default_cert_dir());
    CHECK_ERR(cssl_get_default_verify_paths(NULL), CSSL_EVALUE, "paths must not be NULL");
}

TEST(verify_paths_env)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", fixture(""));
    dir[strlen(dir) - 1] = '\0'; /* no trailing slash */
    set_env("SSL_CERT_FILE", fixture("ca.pem"));
    set_env("SSL_CERT_DIR", dir);
    cssl_verify_paths p;
    CHECK_OK(cssl_get_default_verify_paths(&p));
    CHECK_STR(p.cafile, fixture("ca.pem"));
    CHECK_STR(p.capath, dir);
    /* The strings are copies: changing the environment does not move them. */
    const char *kept = p.cafile;
    set_env("SSL_CERT_FILE", "/nonexistent/cssl/ca.pem");
    CHECK_STR(kept, fixture("ca.pem"));
    CHECK_OK(cssl_get_default_verify_paths(&p));
    CHECK(p.cafile == NULL);
    set_env("SSL_CERT_FILE", dir); /* a directory is not a file */
    set_env("SSL_CERT_DIR", fixture("ca.pem"));
    CHECK_OK(cssl_get_default_verify_paths(&p));
    CHECK(p.cafile == NULL && p.capath == NULL);
    set_env("SSL_CERT_FILE", "");
    set_env("SSL_CERT_DIR", "");
    CHECK_OK(cssl_get_default_verify_paths(&p));
    CHECK(p.cafile == NULL && p.capath == NULL);
}

TEST(python_verify_paths)
{
    const char *tmp = test_tmpdir();
    char dir[1024], link_file[1100], link_dir[1100], dangling[1100], odd[1100], oddfile[1200];
    snprintf(dir, sizeof dir, "%s", fixture(""));
    dir[strlen(dir) - 1] = '\0';
    snprintf(link_file, sizeof link_file, "%s/ca-link.pem", tmp);
    snprintf(link_dir, sizeof link_dir, "%s/dir-link", tmp);
    snprintf(dangling, sizeof dangling, "%s/dangling", tmp);
    snprintf(odd, sizeof odd, "%s/\xff\xfe-caf\xc3\xa9", tmp); /* not UTF-8 */
    snprintf(oddfile, sizeof oddfile, "%s/\xe9.pem", odd);
    REQUIRE(symlink(fixture("ca.pem"), link_file) == 0);
    REQUIRE(symlink(dir, link_dir) == 0);
    REQUIRE(symlink("/nonexistent/cssl", dangling) == 0);
    REQUIRE(mkdir(odd, 0700) == 0);
    write_file(oddfile, "x", 1);
    static char longpath[PATH_MAX + 64];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';

    compare_paths(NULL, NULL);                          /* compiled defaults */
    compare_paths(fixture("ca.pem"), dir);              /* existing */
    compare_paths("/nonexistent/cssl/ca.pem", "/nonexistent/cssl/certs"); /* missing */
    compare_paths("", "");                              /* set but empty */
    compare_paths(dir, fixture("ca.pem"));              /* wrong kinds */
    compare_paths(link_file, link_dir);                 /* symlinks are followed */
    compare_paths(dangling, dangling);
    compare_paths("/dev/null", "/dev");                 /* a device is not a file */
    compare_paths(oddfile, odd);                        /* bytes that are not UTF-8 */
    compare_paths(longpath, longpath);                  /* longer than PATH_MAX */
    compare_paths(fixture("ca.pem"), NULL);
    compare_paths(NULL, dir);
    REQUIRE(chdir(dir) == 0);                           /* relative to the cwd */
    compare_paths("ca.pem", ".");
    compare_paths("./ca.pem/", "..");
}

static void *paths_in_thread(void *arg)
{
    cssl_verify_paths *p = arg;
    cssl_get_default_verify_paths(p);
    return NULL;
}

TEST(verify_paths_per_thread)
{
    set_env("SSL_CERT_FILE", fixture("ca.pem"));
    cssl_verify_paths mine, theirs;
    CHECK_OK(cssl_get_default_verify_paths(&mine));
    REQUIRE(mine.cafile != NULL);
    set_env("SSL_CERT_FILE", fixture("server.pem"));
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, paths_in_thread, &theirs) == 0);
    REQUIRE(pthread_join(t, NULL) == 0);
    /* The other thread's call used its own buffer. */
    CHECK(theirs.cafile != mine.cafile);
    CHECK_STR(mine.cafile, fixture("ca.pem"));
}

/* ---- RAND ------------------------------------------------------------------- */

TEST(rand_bytes)
{
    unsigned char a[64], b[64], zero[64] = {0};
    memset(a, 0xA5, sizeof a);
    CHECK_OK(cssl_rand_bytes(a, 0)); /* Python: RAND_bytes(0) == b'' */
    for (size_t i = 0; i < sizeof a; i++)
        CHECK_INT(a[i], 0xA5);
    CHECK_OK(cssl_rand_bytes(a, sizeof a));
    CHECK_OK(cssl_rand_bytes(b, sizeof b));
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(memcmp(a, zero, sizeof a) != 0);
    size_t big = 1 << 20;
    unsigned char *m = calloc(1, big);
    REQUIRE(m != NULL);
    CHECK_OK(cssl_rand_bytes(m, big));
    size_t zeros = 0;
    for (size_t i = 0; i < big; i++)
        zeros += m[i] == 0;
    CHECK(zeros < big / 128); /* about big/256 */
    free(m);
    CHECK_ERR(cssl_rand_bytes(NULL, 1), CSSL_EVALUE, "buf must not be NULL");
    CHECK_ERR(cssl_rand_bytes(NULL, 0), CSSL_EVALUE, "buf must not be NULL");
}

TEST(rand_status_and_add)
{
    CHECK(cssl_rand_status());
    char *py = python_run("import ssl; print(ssl.RAND_status())", NULL);
    CHECK_STR(py, "True\n");
    free(py);
    CHECK_OK(cssl_rand_add("some entropy", 12, 12.0));
    CHECK_OK(cssl_rand_add("", 0, 0.0));
    CHECK_OK(cssl_rand_add("x", 1, -1.0)); /* Python passes any float on */
    CHECK_ERR(cssl_rand_add(NULL, 1, 1.0), CSSL_EVALUE, "buf must not be NULL");
    CHECK(cssl_rand_status());
}

/* A RAND_METHOD that records what reaches OpenSSL's RAND_* and can fail. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static struct {
    int calls;
    const unsigned char *ptr[8];
    int num[8];
    double entropy[8];
    int result;      /* what bytes() and status() return */
    int push_errors; /* errors bytes()/status() queue before failing */
} fake;

static void record(const void *buf, int num, double entropy)
{
    if (fake.calls < 8) {
        fake.ptr[fake.calls] = buf;
        fake.num[fake.calls] = num;
        fake.entropy[fake.calls] = entropy;
    }
    fake.calls++;
}

static void push_errors(void)
{
    if (fake.push_errors >= 1)
        ERR_raise(ERR_LIB_RAND, RAND_R_ERROR_INSTANTIATING_DRBG);
    if (fake.push_errors >= 2)
        ERR_raise(ERR_LIB_RAND, RAND_R_NOT_INSTANTIATED);
}

static int fake_bytes(unsigned char *buf, int num)
{
    record(buf, num, 0);
    if (fake.result != 1)
        push_errors();
    return fake.result;
}

static int fake_add(const void *buf, int num, double entropy)
{
    record(buf, num, entropy);
    ERR_raise(ERR_LIB_RAND, RAND_R_NOT_INSTANTIATED); /* ignored, as in Python */
    return 1;
}

static int fake_status(void)
{
    if (fake.result != 1)
        push_errors();
    return fake.result;
}

static const RAND_METHOD fake_method = {
    .bytes = fake_bytes, .add = fake_add, .pseudorand = fake_bytes, .status = fake_status};

static void use_fake(int result, int errors)
{
    memset(&fake, 0, sizeof fake);
    fake.result = result;
    fake.push_errors = errors;
    REQUIRE(RAND_set_rand_method(&fake_method) == 1);
}

static void use_real(void)
{
    REQUIRE(RAND_set_rand_method(RAND_OpenSSL()) == 1);
}

TEST(rand_failure_is_python_sslerror)
{
    unsigned char buf[16];
    unsigned long first = ERR_PACK(ERR_LIB_RAND, 0, RAND_R_ERROR_INSTANTIATING_DRBG);
    use_fake(0, 2);
    cssl_error_clear();
    int r = cssl_rand_bytes(buf, sizeof buf);
    use_real();
    /* Python: SSLError(ERR_get_error(), reason string) - the oldest error,
     * str() is the reason alone, errno the packed code. */
    CHECK_INT(r, CSSL_ESSL);
    CHECK_INT(cssl_error_status(), CSSL_ESSL);
    CHECK_STR(cssl_error_message(), ERR_reason_error_string(first));
    CHECK_STR(cssl_error_message(), "error instantiating drbg");
    CHECK_INT(cssl_error_errno(), (long long)first);
    CHECK(cssl_error_library() == NULL && cssl_error_reason() == NULL);
    CHECK(ERR_peek_error() == 0);

    use_fake(-1, 0); /* fails without saying why */
    cssl_error_clear();
    r = cssl_rand_bytes(buf, sizeof buf);
    use_real();
    CHECK_INT(r, CSSL_ESSL);
    CHECK_STR(cssl_error_message(), "(0, None)");
    CHECK_INT(cssl_error_errno(), 0);

    use_fake(0, 1);
    bool seeded = cssl_rand_status();
    use_real();
    CHECK(!seeded);
    CHECK(ERR_peek_error() == 0);
    CHECK_OK(cssl_rand_bytes(buf, sizeof buf)); /* the real generator is back */
}

TEST(rand_chunks_past_int_max)
{
    size_t len = (size_t)INT_MAX + 10;
    /* Address space only: the recording method never touches it. */
    unsigned char *big = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                              -1, 0);
    if (big == MAP_FAILED)
        SKIP("cannot reserve %zu bytes of address space", len);
    /* Start the real generator first: OpenSSL 3.0 leaks at exit when it
     * is first set up by OPENSSL_cleanup() itself. */
    unsigned char warm[1];
    CHECK_OK(cssl_rand_bytes(warm, 1));
    use_fake(1, 0);
    int r = cssl_rand_bytes(big, len);
    int calls = fake.calls;
    const unsigned char *p0 = fake.ptr[0], *p1 = fake.ptr[1];
    int n0 = fake.num[0], n1 = fake.num[1];
    use_real();
    CHECK_INT(r, CSSL_OK);
    CHECK_INT(calls, 2);
    CHECK(p0 == big && p1 == big + INT_MAX);
    CHECK_INT(n0, INT_MAX);
    CHECK_INT(n1, 10);

    use_fake(1, 0);
    r = cssl_rand_add(big, len, 3.5);
    calls = fake.calls;
    p0 = fake.ptr[0], p1 = fake.ptr[1];
    n0 = fake.num[0], n1 = fake.num[1];
    double e0 = fake.entropy[0], e1 = fake.entropy[1];
    use_real();
    CHECK_INT(r, CSSL_OK);
    CHECK_INT(calls, 2); /* Python: chunks of INT_MAX, same entropy each */
    CHECK(p0 == big && p1 == big + INT_MAX);
    CHECK_INT(n0, INT_MAX);
    CHECK_INT(n1, 10);
    CHECK(e0 == 3.5 && e1 == 3.5);
    CHECK(ERR_peek_error() == 0); /* what RAND_add queued is dropped */

    use_fake(1, 0);
    r = cssl_rand_add(big, 0, 1.0);
    calls = fake.calls;
    n0 = fake.num[0];
    use_real();
    CHECK_INT(r, CSSL_OK);
    CHECK_INT(calls, 1); /* Python calls RAND_add once even for b'' */
    CHECK_INT(n0, 0);
    CHECK(ERR_peek_error() == 0);
    munmap(big, len);
}
#pragma GCC diagnostic pop

/* ---- OPENSSL_VERSION* -------------------------------------------------------- */

TEST(openssl_version)
{
    CHECK_STR(cssl_openssl_version(), OpenSSL_version(OPENSSL_VERSION));
    CHECK_STR_STARTS(cssl_openssl_version(), "OpenSSL 3.");
    CHECK_U64(cssl_openssl_version_number(), OpenSSL_version_num());
    int info[5] = {-1, -1, -1, -1, -1};
    cssl_openssl_version_info(info);
    unsigned long n = OpenSSL_version_num();
    CHECK_INT(info[0], OPENSSL_VERSION_MAJOR);
    CHECK_INT(info[0], n >> 28);
    CHECK_INT(info[1], (n >> 20) & 0xff);
    CHECK_INT(info[2], (n >> 12) & 0xff);
    CHECK_INT(info[3], (n >> 4) & 0xff);
    CHECK_INT(info[4], n & 0xf);
    CHECK_INT(info[3], OPENSSL_version_patch()); /* 19 for 3.0.19 */
    cssl_error_clear();
    cssl_openssl_version_info(NULL);
    CHECK_INT(cssl_error_status(), CSSL_EVALUE);
    CHECK_STR(cssl_error_message(), "info must not be NULL");
}

TEST(python_openssl_version)
{
    char *py = python_run("import ssl\n"
                          "print(ssl.OPENSSL_VERSION)\n"
                          "print(ssl.OPENSSL_VERSION_NUMBER)\n"
                          "print(*ssl.OPENSSL_VERSION_INFO)\n",
                          NULL);
    char want[512];
    int info[5];
    cssl_openssl_version_info(info);
    snprintf(want, sizeof want, "%s\n%lu\n%d %d %d %d %d\n", cssl_openssl_version(),
             cssl_openssl_version_number(), info[0], info[1], info[2], info[3], info[4]);
    CHECK_STR(py, want);
    free(py);
}
