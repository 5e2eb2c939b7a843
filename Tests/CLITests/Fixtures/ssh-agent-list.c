/* A step's SSH agent client for RunSSHTests (busybox has none): lists the agent's keys as
   `ssh-add -L` does, speaking the agent protocol on $SSH_AUTH_SOCK (or argv[1]); compiled
   static by the test. Exit 1: no keys; 3: cannot connect; 4, 5: no or a bad reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static unsigned char reply[1 << 16];

static int full(int fd, unsigned char *bytes, size_t count, int writing) {
    while (count > 0) {
        ssize_t done = writing ? write(fd, bytes, count) : read(fd, bytes, count);
        if (done <= 0) return -1;
        bytes += done;
        count -= (size_t)done;
    }
    return 0;
}

static unsigned long be32(const unsigned char *p) {
    return ((unsigned long)p[0] << 24) | ((unsigned long)p[1] << 16) | ((unsigned long)p[2] << 8) | p[3];
}

static void base64(const unsigned char *p, unsigned long n) {
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (unsigned long i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        putchar(a[v >> 18 & 63]);
        putchar(a[v >> 12 & 63]);
        putchar(i + 1 < n ? a[v >> 6 & 63] : '=');
        putchar(i + 2 < n ? a[v & 63] : '=');
    }
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : getenv("SSH_AUTH_SOCK");
    if (!path) { fprintf(stderr, "no SSH_AUTH_SOCK\n"); return 2; }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strncpy(address.sun_path, path, sizeof address.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); return 3; }
    unsigned char request[] = {0, 0, 0, 1, 11};
    unsigned char header[4];
    if (full(fd, request, sizeof request, 1) != 0 || full(fd, header, 4, 0) != 0) { fprintf(stderr, "agent hung up\n"); return 4; }
    unsigned long length = be32(header);
    if (length < 5 || length > sizeof reply || full(fd, reply, length, 0) != 0 || reply[0] != 12) { fprintf(stderr, "bad reply\n"); return 5; }
    unsigned long keys = be32(reply + 1), at = 5;
    if (keys == 0) { printf("The agent has no identities.\n"); return 1; }
    for (unsigned long k = 0; k < keys; k++) {
        if (at + 8 > length) { fprintf(stderr, "bad reply\n"); return 5; }
        unsigned long blob = be32(reply + at), type = be32(reply + at + 4);
        if (type > blob || at + 8 + blob > length) { fprintf(stderr, "bad reply\n"); return 5; }
        fwrite(reply + at + 8, 1, type, stdout);
        putchar(' ');
        base64(reply + at + 4, blob);
        at += 4 + blob;
        unsigned long comment = be32(reply + at);
        if (at + 4 + comment > length) { fprintf(stderr, "bad reply\n"); return 5; }
        putchar(' ');
        fwrite(reply + at + 4, 1, comment, stdout);
        putchar('\n');
        at += 4 + comment;
    }
    return 0;
}
