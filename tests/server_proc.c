/* server_proc.c - see server_proc.h. */
#include "server_proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 64

static pid_t children[MAX_CHILDREN];
static bool cleanup_registered;

/* Whatever happens to the test, no child outlives it. */
static void kill_children(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        if (children[i] <= 0)
            continue;
        kill(children[i], SIGKILL);
        while (waitpid(children[i], NULL, 0) < 0 && errno == EINTR)
            ;
        children[i] = 0;
    }
}

static void track(pid_t pid)
{
    if (!cleanup_registered) {
        atexit(kill_children);
        cleanup_registered = true;
    }
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == 0) {
            children[i] = pid;
            return;
        }
    harness_fail(__FILE__, __LINE__, "too many child processes");
}

static void untrack(pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == pid)
            children[i] = 0;
}

int proc_ms(int ms)
{
    const char *w = getenv("CSSL_SERVER_WRAPPER");
    return w && *w ? ms * 10 : ms;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    return left < 0 ? 0 : (int)left;
}

/* poll one fd for events until the deadline; true if ready. */
static bool poll_until(int fd, short events, int64_t deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    for (;;) {
        int r = poll(&p, 1, remaining(deadline));
        if (r > 0)
            return true;
        if (r == 0)
            return false;
        if (errno != EINTR)
            return false;
    }
}

/* Wait for pid to exit within ms; its status, or -1 if still running. */
static int reap(pid_t pid, int ms)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0) {
        bool exited = poll_until(pfd, POLLIN, now_ms() + ms);
        close(pfd);
        if (!exited)
            return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    untrack(pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static pid_t spawn(const char *const *argv, int in_fd, int out_fd, int err_fd)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (in_fd >= 0)
            dup2(in_fd, 0);
        if (out_fd >= 0)
            dup2(out_fd, 1);
        if (err_fd >= 0)
            dup2(err_fd, 2);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    track(pid);
    return pid;
}

/* argv for the server: [wrapper...] $CSSL_CLI server --port 0 args... */
static void server_argv(const char **argv, size_t size, char *wrapper, const char *const *args)
{
    size_t n = 0;
    const char *w = getenv("CSSL_SERVER_WRAPPER");
    if (w && *w) {
        snprintf(wrapper, 1024, "%s", w);
        for (char *save = NULL, *p = strtok_r(wrapper, " ", &save); p && n < size - 8;
             p = strtok_r(NULL, " ", &save))
            argv[n++] = p;
    }
    const char *cli = getenv("CSSL_CLI");
    REQUIRE(cli != NULL);
    argv[n++] = cli;
    argv[n++] = "server";
    argv[n++] = "--port";
    argv[n++] = "0";
    for (size_t i = 0; args && args[i] && n < size - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
}

static int open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    return fd;
}

/* Read the first line from fd (bounded); into line. */
static bool read_line(int fd, char *line, size_t size, int ms)
{
    int64_t deadline = now_ms() + ms;
    size_t n = 0;
    while (n + 1 < size) {
        if (!poll_until(fd, POLLIN, deadline))
            break;
        ssize_t r = read(fd, line + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (line[n] == '\n') {
            line[n] = '\0';
            return true;
        }
        n++;
    }
    line[n] = '\0';
    return false;
}

void server_start(server_proc *sp, const char *const *args)
{
    static int seq;
    memset(sp, 0, sizeof *sp);
    snprintf(sp->log_path, sizeof sp->log_path, "%s/server%d.log", test_tmpdir(), seq++);
    const char *argv[96];
    char wrapper[1024];
    server_argv(argv, 96, wrapper, args);
    int out[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    int err = open_log(sp->log_path);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    sp->pid = spawn(argv, devnull, out[1], err);
    close(devnull);
    close(err);
    close(out[1]);
    sp->out_fd = out[0];
    char line[256];
    bool ok = read_line(sp->out_fd, line, sizeof line, proc_ms(20000));
    const char *prefix = "listening on ";
    char *colon = ok ? strrchr(line, ':') : NULL;
    if (!ok || strncmp(line, prefix, strlen(prefix)) != 0 || colon == NULL) {
        char *log = server_log(sp);
        harness_fail(__FILE__, __LINE__, "no ready line from cssl server (got \"%s\"); log: %s",
                     line, log ? log : "");
        free(log);
        harness_abort();
    }
    sp->port = atoi(colon + 1);
    size_t hlen = (size_t)(colon - line) - strlen(prefix);
    REQUIRE(hlen < sizeof sp->host);
    memcpy(sp->host, line + strlen(prefix), hlen);
    sp->host[hlen] = '\0';
    REQUIRE(sp->port > 0);
}

void server_start_default(server_proc *sp, const char *const *args)
{
    const char *argv[64];
    char cert[1024], key[1024];
    snprintf(cert, sizeof cert, "%s", fixture("server.pem"));
    snprintf(key, sizeof key, "%s", fixture("server.key"));
    size_t n = 0;
    argv[n++] = "--cert";
    argv[n++] = cert;
    argv[n++] = "--key";
    argv[n++] = key;
    for (size_t i = 0; args && args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    server_start(sp, argv);
}

int server_expect_exit(const char *const *args, char **err)
{
    char path[600];
    snprintf(path, sizeof path, "%s/expect_exit.log", test_tmpdir());
    const char *argv[96];
    char wrapper[1024];
    /* No --port 0 here: the test chooses. */
    server_argv(argv, 96, wrapper, NULL);
    size_t n = 0;
    while (argv[n] && strcmp(argv[n], "--port") != 0)
        n++;
    argv[n] = NULL; /* [wrapper] cli server */
    for (size_t i = 0; args && args[i] && n < 95; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int fd = open_log(path);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t pid = spawn(argv, devnull, devnull, fd);
    close(fd);
    close(devnull);
    int status = reap(pid, proc_ms(20000));
    if (status < 0) {
        harness_fail(__FILE__, __LINE__, "cssl server did not exit");
        kill(pid, SIGKILL);
        reap(pid, proc_ms(20000));
    }
    *err = read_file(path, NULL);
    REQUIRE(*err != NULL);
    return status;
}

int server_wait_exit(server_proc *sp, int ms)
{
    int status = reap(sp->pid, ms);
    if (status >= 0 && sp->out_fd >= 0) {
        close(sp->out_fd);
        sp->out_fd = -1;
    }
    return status;
}

int server_stop(server_proc *sp, int sig, int ms)
{
    if (sp->pid <= 0)
        return -1;
    kill(sp->pid, sig);
    int status = server_wait_exit(sp, ms);
    if (status < 0) {
        char *log = server_log(sp);
        harness_fail(__FILE__, __LINE__, "cssl server did not exit within %d ms of signal %d; "
                     "log:\n%s", ms, sig, log ? log : "");
        free(log);
        kill(sp->pid, SIGKILL);
        reap(sp->pid, proc_ms(20000));
    }
    if (sp->out_fd >= 0)
        close(sp->out_fd);
    sp->out_fd = -1;
    sp->pid = 0;
    return status;
}

char *server_log(const server_proc *sp)
{
    return read_file(sp->log_path, NULL);
}

bool server_wait_log(const server_proc *sp, const char *needle, int ms)
{
    int64_t deadline = now_ms() + ms;
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    REQUIRE(in >= 0);
    REQUIRE(inotify_add_watch(in, sp->log_path, IN_MODIFY) >= 0);
    bool found = false;
    for (;;) {
        char *log = server_log(sp);
        found = log && strstr(log, needle) != NULL;
        free(log);
        if (found || !poll_until(in, POLLIN, deadline))
            break;
        char events[4096];
        while (read(in, events, sizeof events) > 0)
            ;
    }
    close(in);
    return found;
}

int server_log_count(const server_proc *sp, const char *needle)
{
    char *log = server_log(sp);
    int count = 0;
    char *save = NULL;
    for (char *line = log ? strtok_r(log, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save))
        if (strstr(line, needle))
            count++;
    free(log);
    return count;
}

long server_rss_kib(const server_proc *sp, const char *field)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)sp->pid);
    char *status = read_file(path, NULL);
    if (status == NULL)
        return -1;
    long kib = -1;
    char key[32];
    snprintf(key, sizeof key, "\n%s:", field);
    char *p = strstr(status, key);
    if (p)
        kib = strtol(p + strlen(key), NULL, 10);
    free(status);
    return kib;
}

long server_cpu_ms(const server_proc *sp)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)sp->pid);
    char *stat = read_file(path, NULL);
    if (stat == NULL)
        return -1;
    /* Fields after the command name (which may hold spaces): state is
     * field 3, utime 14, stime 15. */
    char *p = strrchr(stat, ')');
    unsigned long utime = 0, stime = 0;
    int got = p ? sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                         &stime)
                : 0;
    free(stat);
    if (got != 2)
        return -1;
    return (long)((utime + stime) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

void child_start(child_proc *c, const char *const *argv, const char *err_path)
{
    memset(c, 0, sizeof *c);
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
    int err = err_path ? open_log(err_path) : -1;
    c->pid = spawn(argv, in[0], out[1], err);
    if (err >= 0)
        close(err);
    close(in[0]);
    close(out[1]);
    c->in_fd = in[1];
    c->out_fd = out[0];
    c->out = calloc(1, 1);
    REQUIRE(c->out != NULL);
}

/* One read into c->out; false at EOF or error. */
static bool child_read_some(child_proc *c)
{
    char buf[4096];
    ssize_t r;
    do
        r = read(c->out_fd, buf, sizeof buf);
    while (r < 0 && errno == EINTR);
    if (r <= 0)
        return false;
    c->out = realloc(c->out, c->out_len + (size_t)r + 1);
    REQUIRE(c->out != NULL);
    memcpy(c->out + c->out_len, buf, (size_t)r);
    c->out_len += (size_t)r;
    c->out[c->out_len] = '\0';
    return true;
}

bool child_read_until(child_proc *c, const char *needle, int ms)
{
    int64_t deadline = now_ms() + ms;
    while (strstr(c->out, needle) == NULL) {
        if (!poll_until(c->out_fd, POLLIN, deadline) || !child_read_some(c))
            return false;
    }
    return true;
}

int child_finish(child_proc *c, int ms)
{
    int64_t deadline = now_ms() + ms;
    if (c->in_fd >= 0)
        close(c->in_fd);
    c->in_fd = -1;
    while (poll_until(c->out_fd, POLLIN, deadline) && child_read_some(c))
        ;
    close(c->out_fd);
    c->out_fd = -1;
    int status = reap(c->pid, remaining(deadline));
    if (status < 0) {
        kill(c->pid, SIGKILL);
        reap(c->pid, 10000);
    }
    return status;
}

bool wait_readable(int fd, int ms)
{
    return poll_until(fd, POLLIN, now_ms() + ms);
}

int local_port(int fd)
{
    struct sockaddr_storage a;
    socklen_t len = sizeof a;
    REQUIRE(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    if (a.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&a)->sin6_port);
    return ntohs(((struct sockaddr_in *)&a)->sin_port);
}
