/*
 * server_proc.h - run `cssl server` (and other programs) as child
 * processes for the CLI tests: start, wait for the ready line, watch the
 * log, signal, reap. Every wait is on a real event (a pipe, inotify on the
 * log file, a pidfd) with a bound; children still running at exit are
 * killed and reaped.
 *
 * CSSL_SERVER_WRAPPER, if set, is prepended to the server's command line
 * (e.g. "valgrind --leak-check=full --error-exitcode=1") and stretches
 * every bound by 10.
 */
#ifndef CSSL_TEST_SERVER_PROC_H
#define CSSL_TEST_SERVER_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "harness.h"

typedef struct server_proc {
    pid_t pid;
    int out_fd;      /* the server's stdout */
    int port;        /* from "listening on HOST:PORT" */
    char host[64];
    char log_path[512]; /* the server's stderr */
} server_proc;

/* Bounds in milliseconds, scaled when the server runs under a wrapper. */
int proc_ms(int ms);

/*
 * Start `$CSSL_CLI server --port 0` + args (NULL-terminated), which must
 * include --cert; REQUIREs "listening on HOST:PORT" on stdout.
 */
void server_start(server_proc *sp, const char *const *args);

/* The usual server: fixture server.pem/server.key plus args. */
void server_start_default(server_proc *sp, const char *const *args);

/*
 * Run `$CSSL_CLI server` + args expecting it not to start: returns the
 * exit status, stderr into *err (caller frees). A server that does start
 * is stopped and the test fails.
 */
int server_expect_exit(const char *const *args, char **err);

/* Send sig and wait up to ms for the exit; returns the exit status, or -1
 * (test failed) if it did not exit in time. */
int server_stop(server_proc *sp, int sig, int ms);

/* Wait for the process to exit (no signal); -1 on timeout. */
int server_wait_exit(server_proc *sp, int ms);

/* The server's stderr so far; caller frees. */
char *server_log(const server_proc *sp);

/* Wait until the log contains needle; false after ms. */
bool server_wait_log(const server_proc *sp, const char *needle, int ms);

/* Count the lines of the log containing needle. */
int server_log_count(const server_proc *sp, const char *needle);

/* VmRSS / VmHWM of the server in KiB (from /proc), -1 if unknown. */
long server_rss_kib(const server_proc *sp, const char *field);

/* CPU time (user + system) the server has used so far, in ms; -1 if
 * unknown. */
long server_cpu_ms(const server_proc *sp);

/* A child with pipes: stdin (write end) and stdout (read end); stderr to
 * err_path (or inherited if NULL). */
typedef struct child_proc {
    pid_t pid;
    int in_fd, out_fd;
    char *out; /* everything read from stdout so far */
    size_t out_len;
} child_proc;

void child_start(child_proc *c, const char *const *argv, const char *err_path);

/* Read stdout until it contains needle; false after ms or at EOF. */
bool child_read_until(child_proc *c, const char *needle, int ms);

/* Close stdin, read stdout to EOF, wait for the exit (bounded by ms);
 * returns the exit status or -1 on timeout (the child is then killed). */
int child_finish(child_proc *c, int ms);

/* Wait up to ms for fd to become readable; true if it did. */
bool wait_readable(int fd, int ms);

/* Local port of a connected socket. */
int local_port(int fd);

#endif
