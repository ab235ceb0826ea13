/*
 * keylog.c - a key-logging walkthrough: a client that writes the TLS
 * secrets of its connection to a key log file (NSS format, as Firefox and
 * curl write with SSLKEYLOGFILE), then tells you how to decrypt a capture
 * of that connection with tshark (Wireshark's command-line twin).
 *
 * Shows: cssl_context_set_keylog_filename (Python's
 * SSLContext.keylog_filename): the file is appended to, gets a comment
 * header when empty, and receives five lines per TLS 1.3 handshake (one
 * CLIENT_RANDOM line for TLS 1.2). A default context does the same on its
 * own when the SSLKEYLOGFILE environment variable is set.
 *
 *   usage: keylog HOST PORT KEYLOG_FILE [--cafile FILE]
 *
 *   dumpcap -i lo -f 'tcp port 8443' -w /tmp/tls.pcapng &    # capture...
 *   ./keylog localhost 8443 /tmp/keys.log --cafile /tmp/pki/ca.pem
 *   kill %1                                                  # ...stop
 *   tshark -r /tmp/tls.pcapng -o tls.keylog_file:/tmp/keys.log \
 *       -d tcp.port==8443,tls -Y http                        # decrypted
 *
 * It sends "GET / HTTP/1.0" (openssl s_server -www answers it), prints
 * the response's status line, the labels of the logged lines, and the
 * tshark command for this host, port and file.
 *
 * Anyone who has the key log can decrypt the traffic: for debugging only.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cssl.h>

static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* One GET over TLS; the secrets are logged during the handshake. */
static int get(cssl_context *ctx, const char *host, const char *port)
{
    int fd = tcp_connect(host, port);
    if (fd < 0) {
        fprintf(stderr, "keylog: cannot connect to %s port %s\n", host, port);
        return -1;
    }
    cssl_conn *conn = cssl_context_wrap_socket(ctx, fd, CSSL_CLOSE_FD, host, NULL);
    if (conn == NULL) {
        close(fd);
        return -1;
    }
    static const char request[] = "GET / HTTP/1.0\r\n\r\n";
    char buf[4096];
    ssize_t n = -1;
    if (cssl_conn_do_handshake(conn) == CSSL_OK &&
        cssl_conn_sendall(conn, request, strlen(request), NULL) == CSSL_OK)
        n = cssl_conn_read(conn, buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = '\0';
        buf[strcspn(buf, "\r\n")] = '\0';
        printf("%s: %s\nresponse: %s\n", cssl_conn_version(conn),
               cssl_conn_cipher(conn, NULL, NULL), buf);
        while (cssl_conn_read(conn, buf, sizeof buf) > 0)
            ; /* the rest of the page */
    }
    cssl_conn_free(conn);
    return n > 0 ? 0 : -1;
}

/* Print the label of every line: never print the secrets themselves. */
static int show_log(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    char line[512];
    int secrets = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '#') {
            printf("  %s", line); /* the header of a new file */
            continue;
        }
        line[strcspn(line, " ")] = '\0';
        printf("  %s <client random> <secret>\n", line);
        secrets++;
    }
    fclose(f);
    printf("%d secret lines in %s\n", secrets, path);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cafile = NULL;
    if (argc == 6 && strcmp(argv[4], "--cafile") == 0)
        cafile = argv[5];
    else if (argc != 4) {
        fprintf(stderr, "usage: keylog HOST PORT KEYLOG_FILE [--cafile FILE]\n");
        return 2;
    }
    const char *host = argv[1], *port = argv[2], *keylog = argv[3];

    cssl_context *ctx = cssl_create_default_context(CSSL_PURPOSE_SERVER_AUTH, cafile, NULL,
                                                    NULL, 0, 0);
    /* Opened now, in append mode; lines are added as handshakes happen. */
    if (ctx == NULL || cssl_context_set_keylog_filename(ctx, keylog) != CSSL_OK) {
        fprintf(stderr, "keylog: %s\n", cssl_error_message());
        cssl_context_free(ctx);
        return 1;
    }
    printf("logging TLS secrets to %s\n", cssl_context_keylog_filename(ctx));
    int rc = get(ctx, host, port);
    if (rc != 0 && cssl_error_status() != CSSL_OK)
        fprintf(stderr, "keylog: %s\n", cssl_error_message());
    cssl_context_free(ctx); /* closes the key log file */
    if (rc != 0 || show_log(keylog) != 0)
        return 1;

    printf("\nTo see this connection decrypted, capture it while this program runs:\n"
           "  dumpcap -i any -f 'tcp port %s' -w /tmp/tls.pcapng\n"
           "then decrypt the capture with the key log:\n"
           "  tshark -r /tmp/tls.pcapng -o tls.keylog_file:%s -d tcp.port==%s,tls -Y http\n"
           "(in Wireshark: Preferences > Protocols > TLS > (Pre)-Master-Secret log "
           "filename).\n",
           port, keylog, port);
    return 0;
}
