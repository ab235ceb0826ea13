/*
 * record_flights.c - writes the recorded part of the seed corpus:
 * `fuzz_record DIR` runs every scenario of fuzz_tls_record (a cssl client
 * or server against a recorder-made peer, with the same deterministic
 * randomness as the targets) and stores each seed as DIR/<target>/<name>.
 * Run by fuzz/make_corpus.py.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_tls.h"

static void write_seed(const char *target, const char *name, const uint8_t *data, size_t len,
                       const fuzz_outcome *outcome, void *arg)
{
    const char *dir = arg;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, target);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/rec_%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    if (outcome != NULL)
        printf("%s/rec_%s: %zu bytes, the %s end %s\n", target, name, len, target,
               outcome->closed        ? "completes the connection"
               : outcome->established ? "completes the handshake"
                                      : "fails the handshake");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    fuzz_tls_record(write_seed, argv[1]);
    return 0;
}
