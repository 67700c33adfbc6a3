/*
 * benchtool: the small programs `make bench` needs beside iperf3 and socat.
 *
 *   benchtool sink IP PORT CERT KEY
 *       TLS server: accepts one connection, decrypts and discards until the
 *       peer closes, prints "sink bytes=N seconds=S cipher=C".
 *   benchtool pump IP PORT SECONDS RECORD
 *       TLS client: writes records of RECORD bytes for SECONDS, prints
 *       "pump bytes=N seconds=S cpu=C cipher=C".
 *   benchtool mitm LISTEN_IP PORT SERVER_IP SERVER_PORT CERT KEY
 *       For the client's data plane in isolation: terminates the client's
 *       TLS (with the server's own certificate, so the SSTP crypto binding,
 *       which covers only the certificate hash, stays valid) and relays to
 *       the real server. SSTP control packets and PPP control frames go
 *       through both ways, so the call comes up and stays up; IPv4/IPv6 data
 *       frames from the client are only decrypted, counted and dropped.
 *       Commands on stdin, one a line:
 *         stats           -> "stats bytes=N packets=P t=SECONDS"
 *         source SECONDS [tcp]
 *                         -> writes SSTP data frames (1400-byte IPv4 packets
 *                            to 10.201.0.250, which the client's namespace
 *                            drops after routing: UDP, or with `tcp` the
 *                            consecutive ACK segments of one TCP stream,
 *                            whose checksums are left zero as nothing checks
 *                            them before the drop) to the client in 16 KB
 *                            records for SECONDS, then prints
 *                            "source bytes=N packets=P seconds=S"
 *   benchtool flood DST_IP PORT SECONDS SIZE [GSO]
 *       UDP sender (sendmmsg, 64 per call) of SIZE-byte payloads for SECONDS;
 *       with GSO, UDP_SEGMENT sends of GSO datagrams at a time (which a TUN
 *       with UDP segmentation offload takes as one superpacket); prints
 *       "flood packets=N". Losses are expected: it fills the TUN.
 *   benchtool tcpsink IP PORT SECONDS
 *       Accepts TCP connections, reads and discards; after SECONDS prints
 *       "tcpsink bytes=N conns=C seconds=S" and exits.
 *   benchtool tcpsrc DST_IP PORT SECONDS IFNAME...
 *       One TCP connection per IFNAME (SO_BINDTODEVICE), each writing as fast
 *       as it can for SECONDS; prints "tcpsrc bytes=N conns=C".
 *
 * Everything is bounded in time and talks only to the addresses given.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what) {
    fprintf(stderr, "benchtool: %s: %s\n", what, strerror(errno));
    ERR_print_errors_fp(stderr);
    exit(1);
}

static struct sockaddr_in address(const char *ip, const char *port) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(port));
    if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
        fprintf(stderr, "benchtool: bad address %s\n", ip);
        exit(2);
    }
    return sa;
}

static int listen_on(const char *ip, const char *port) {
    struct sockaddr_in sa = address(ip, port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0) die("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
    if (listen(fd, 256) < 0) die("listen");
    printf("listening\n");
    fflush(stdout);
    return fd;
}

static int connect_to(const char *ip, const char *port) {
    struct sockaddr_in sa = address(ip, port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void set_nonblocking(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static SSL_CTX *server_ctx(const char *cert, const char *key) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) die("SSL_CTX_new");
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) die("certificate");
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) die("key");
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

static SSL_CTX *client_ctx(void) {
    /* The bench's own peers on its own namespaces: no verification. */
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) die("SSL_CTX_new");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

/* ---- sink and pump ---------------------------------------------------- */

static int cmd_sink(int argc, char **argv) {
    if (argc != 6) return 2;
    SSL_CTX *ctx = server_ctx(argv[4], argv[5]);
    int lfd = listen_on(argv[2], argv[3]);
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) die("accept");
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) die("SSL_accept");
    static unsigned char buf[65536];
    uint64_t total = 0;
    double start = 0;
    for (;;) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) break;
        if (total == 0) start = now();
        total += (uint64_t)n;
    }
    printf("sink bytes=%llu seconds=%.6f cipher=%s\n", (unsigned long long)total, now() - start,
           SSL_get_cipher_name(ssl));
    return 0;
}

static int cmd_pump(int argc, char **argv) {
    if (argc != 6) return 2;
    double seconds = atof(argv[4]);
    int record = atoi(argv[5]);
    if (record < 1 || record > 16384) return 2;
    SSL_CTX *ctx = client_ctx();
    int fd = connect_to(argv[2], argv[3]);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) die("SSL_connect");
    static unsigned char buf[16384];
    memset(buf, 0x5a, sizeof buf);
    uint64_t total = 0;
    double cpu0 = cpu_seconds();
    double start = now(), end = start + seconds;
    unsigned loops = 0;
    while ((loops++ & 63) != 0 || now() < end) {
        int n = SSL_write(ssl, buf, record);
        if (n <= 0) die("SSL_write");
        total += (uint64_t)n;
    }
    double elapsed = now() - start;
    printf("pump bytes=%llu seconds=%.6f cpu=%.6f cipher=%s\n", (unsigned long long)total, elapsed,
           cpu_seconds() - cpu0, SSL_get_cipher_name(ssl));
    fflush(stdout);
    SSL_shutdown(ssl);
    close(fd);
    return 0;
}

/* ---- mitm ------------------------------------------------------------- */

typedef struct {
    unsigned char *data;
    size_t len, cap;
} buffer;

static void buf_reserve(buffer *b, size_t more) {
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more) cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) die("realloc");
    b->cap = cap;
}

static void buf_append(buffer *b, const void *p, size_t n) {
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void buf_consume(buffer *b, size_t n) {
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

typedef struct {
    SSL *ssl;
    int fd;
    buffer in;        /* decrypted bytes not yet a whole SSTP packet */
    buffer out;       /* whole packets waiting to be encrypted */
    size_t last_try;  /* length of a write that wanted a retry */
    int want_write;
    int closed;
} side;

static uint64_t dropped_bytes, dropped_packets;

/* Moves whole SSTP packets (MS-SSTP 2.2.1: 0x10, C bit, 12-bit length)
 * from `from->in` to `to->out`; with `filter`, IPv4/IPv6 data frames are
 * counted and dropped instead. */
static void forward_packets(side *from, side *to, int filter) {
    size_t off = 0;
    while (from->in.len - off >= 4) {
        unsigned char *p = from->in.data + off;
        size_t length = ((size_t)(p[2] & 0x0f) << 8) | p[3];
        if (length < 4) {
            fprintf(stderr, "benchtool: bad SSTP length\n");
            exit(1);
        }
        if (from->in.len - off < length) break;
        int control = p[1] & 1;
        int data_ip = 0;
        if (!control && length >= 8) {
            /* PPP: ff 03 then the protocol (RFC 1662), or the protocol alone. */
            unsigned proto = (p[4] == 0xff && p[5] == 0x03) ? ((unsigned)p[6] << 8 | p[7]) : ((unsigned)p[4] << 8 | p[5]);
            data_ip = proto == 0x0021 || proto == 0x0057;
        }
        if (filter && data_ip) {
            dropped_bytes += length - 8;
            dropped_packets++;
        } else {
            buf_append(&to->out, p, length);
        }
        off += length;
    }
    if (off) buf_consume(&from->in, off);
}

static int side_read(side *s) {
    static unsigned char tmp[65536];
    for (;;) {
        int n = SSL_read(s->ssl, tmp, sizeof tmp);
        if (n > 0) {
            buf_append(&s->in, tmp, (size_t)n);
            continue;
        }
        int e = SSL_get_error(s->ssl, n);
        if (e == SSL_ERROR_WANT_READ) return 0;
        if (e == SSL_ERROR_WANT_WRITE) return 0;
        s->closed = 1;
        return -1;
    }
}

static void side_write(side *s) {
    s->want_write = 0;
    while (s->out.len > 0) {
        size_t n = s->out.len < 16384 ? s->out.len : 16384;
        if (n < s->last_try) n = s->last_try;
        int w = SSL_write(s->ssl, s->out.data, (int)n);
        if (w > 0) {
            s->last_try = 0;
            buf_consume(&s->out, (size_t)w);
            continue;
        }
        int e = SSL_get_error(s->ssl, w);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
            s->last_try = n;
            s->want_write = 1;
            return;
        }
        s->closed = 1;
        return;
    }
}

static size_t make_frames(unsigned char *chunk, size_t cap, uint64_t *packets, int tcp) {
    /* IPv4 + UDP (or TCP), 1400 bytes: 10.201.0.1 -> 10.201.0.250, port 9. */
    unsigned char ip[1400];
    memset(ip, 0, sizeof ip);
    ip[0] = 0x45;
    ip[2] = 1400 >> 8;
    ip[3] = 1400 & 0xff;
    ip[8] = 64;
    ip[9] = tcp ? 6 : 17;
    unsigned char src[4] = {10, 201, 0, 1}, dst[4] = {10, 201, 0, 250};
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (unsigned char)(~sum >> 8);
    ip[11] = (unsigned char)(~sum & 0xff);
    ip[20] = 0x30;
    ip[21] = 0x39;
    ip[22] = 0;
    ip[23] = 9;
    if (tcp) {
        ip[32] = 5 << 4; /* data offset */
        ip[33] = 0x10;   /* ACK */
        ip[34] = 0xff;   /* window */
    } else {
        ip[24] = (1400 - 20) >> 8;
        ip[25] = (1400 - 20) & 0xff;
    }
    size_t len = 0;
    *packets = 0;
    while (len + 8 + sizeof ip <= cap) {
        unsigned char *p = chunk + len;
        size_t total = 8 + sizeof ip;
        p[0] = 0x10;
        p[1] = 0;
        p[2] = (unsigned char)(total >> 8);
        p[3] = (unsigned char)(total & 0xff);
        p[4] = 0xff;
        p[5] = 0x03;
        p[6] = 0x00;
        p[7] = 0x21;
        memcpy(p + 8, ip, sizeof ip);
        len += total;
        (*packets)++;
    }
    return len;
}

static int cmd_mitm(int argc, char **argv) {
    if (argc != 8) return 2;
    signal(SIGPIPE, SIG_IGN);
    SSL_CTX *sctx = server_ctx(argv[6], argv[7]);
    SSL_CTX *cctx = client_ctx();
    int lfd = listen_on(argv[2], argv[3]);
    side c = {0}, s = {0};
    c.fd = accept(lfd, NULL, NULL);
    if (c.fd < 0) die("accept");
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c.ssl = SSL_new(sctx);
    SSL_set_fd(c.ssl, c.fd);
    if (SSL_accept(c.ssl) != 1) die("SSL_accept");
    s.fd = connect_to(argv[4], argv[5]);
    s.ssl = SSL_new(cctx);
    SSL_set_fd(s.ssl, s.fd);
    if (SSL_connect(s.ssl) != 1) die("SSL_connect");
    printf("relaying cipher=%s\n", SSL_get_cipher_name(c.ssl));
    fflush(stdout);
    set_nonblocking(c.fd);
    set_nonblocking(s.fd);
    set_nonblocking(0);

    /* The HTTP exchange precedes SSTP framing: pass bytes through verbatim
     * until the server's response head has gone by. */
    int c_http = 1, s_http = 1;
    static unsigned char chunk[16384];
    uint64_t chunk_packets = 0;
    size_t chunk_len = make_frames(chunk, sizeof chunk, &chunk_packets, 0);
    static unsigned char tcp_chunk[16384];
    make_frames(tcp_chunk, sizeof tcp_chunk, &chunk_packets, 1);
    int source_tcp = 0;
    uint32_t sequence = 1;
    double source_end = 0, source_start = 0;
    uint64_t source_bytes = 0, source_packets = 0;
    char line[256];
    size_t line_len = 0;
    double t0 = now();

    for (;;) {
        int sourcing = source_end > 0;
        struct pollfd fds[3] = {
            {c.fd, POLLIN | ((c.want_write || (sourcing && c.out.len)) ? POLLOUT : 0), 0},
            {s.fd, POLLIN | (s.want_write ? POLLOUT : 0), 0},
            {0, POLLIN, 0},
        };
        int timeout = sourcing ? 0 : 1000;
        if (sourcing && c.out.len >= 4 * 16384) timeout = 100;
        int rc = poll(fds, 3, timeout);
        if (rc < 0 && errno != EINTR) die("poll");
        if (side_read(&c) < 0 || side_read(&s) < 0) break;
        if (c_http) {
            char *end = memmem(c.in.data, c.in.len, "\r\n\r\n", 4);
            if (end) {
                size_t n = (size_t)(end - (char *)c.in.data) + 4;
                buf_append(&s.out, c.in.data, n);
                buf_consume(&c.in, n);
                c_http = 0;
            }
        }
        if (!c_http) forward_packets(&c, &s, 1);
        if (s_http) {
            char *end = memmem(s.in.data, s.in.len, "\r\n\r\n", 4);
            if (end) {
                size_t n = (size_t)(end - (char *)s.in.data) + 4;
                buf_append(&c.out, s.in.data, n);
                buf_consume(&s.in, n);
                s_http = 0;
            }
        }
        if (!s_http) forward_packets(&s, &c, 0);
        if (source_end > 0) {
            double t = now();
            if (t >= source_end) {
                printf("source bytes=%llu packets=%llu seconds=%.6f\n", (unsigned long long)source_bytes,
                       (unsigned long long)source_packets, t - source_start);
                fflush(stdout);
                source_end = 0;
            } else {
                while (c.out.len < 4 * 16384) {
                    unsigned char *frames = source_tcp ? tcp_chunk : chunk;
                    if (source_tcp) {
                        /* The next sequence numbers of the stream. */
                        for (uint64_t i = 0; i < chunk_packets; i++) {
                            unsigned char *seq = frames + i * 1408 + 8 + 24;
                            seq[0] = (unsigned char)(sequence >> 24);
                            seq[1] = (unsigned char)(sequence >> 16);
                            seq[2] = (unsigned char)(sequence >> 8);
                            seq[3] = (unsigned char)sequence;
                            sequence += 1400 - 40;
                        }
                    }
                    buf_append(&c.out, frames, chunk_len);
                    source_bytes += chunk_packets * 1400;
                    source_packets += chunk_packets;
                }
            }
        }
        side_write(&s);
        side_write(&c);
        if (c.closed || s.closed) break;
        /* Commands. */
        for (;;) {
            ssize_t n = read(0, line + line_len, sizeof line - 1 - line_len);
            if (n <= 0) break;
            line_len += (size_t)n;
            char *nl;
            while ((nl = memchr(line, '\n', line_len))) {
                *nl = 0;
                if (strcmp(line, "stats") == 0) {
                    printf("stats bytes=%llu packets=%llu t=%.6f\n", (unsigned long long)dropped_bytes,
                           (unsigned long long)dropped_packets, now() - t0);
                    fflush(stdout);
                } else if (strncmp(line, "source ", 7) == 0) {
                    source_start = now();
                    source_end = source_start + atof(line + 7);
                    source_tcp = strstr(line + 7, "tcp") != NULL;
                    source_bytes = source_packets = 0;
                }
                size_t used = (size_t)(nl - line) + 1;
                memmove(line, nl + 1, line_len - used);
                line_len -= used;
            }
        }
    }
    printf("closed\n");
    return 0;
}

/* ---- flood ------------------------------------------------------------ */

static int cmd_flood(int argc, char **argv) {
    if (argc != 6 && argc != 7) return 2;
    int gso = argc == 7 ? atoi(argv[6]) : 0;
    struct sockaddr_in sa = address(argv[2], argv[3]);
    double seconds = atof(argv[4]);
    int size = atoi(argv[5]);
    if (size < 1 || size > 65000) return 2;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect");
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    enum { BATCH = 64 };
    static unsigned char payload[65507];
    size_t datagram = (size_t)size;
    if (gso > 1) {
        /* UDP_SEGMENT (Linux 4.18): one send of gso * size bytes leaves as
         * gso datagrams of `size`, or as one superpacket to a device that
         * takes UDP segmentation offload. */
        int segment = size;
        if (setsockopt(fd, IPPROTO_UDP, 103 /* UDP_SEGMENT */, &segment, sizeof segment) < 0) die("UDP_SEGMENT");
        datagram = (size_t)size * (size_t)gso;
        if (datagram > sizeof payload) datagram = sizeof payload / (size_t)size * (size_t)size;
    }
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = payload;
        iov[i].iov_len = datagram;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    uint64_t sent = 0;
    double end = now() + seconds;
    int batch = gso > 1 ? 1 : BATCH;
    while (now() < end) {
        int n = sendmmsg(fd, msgs, (unsigned)batch, 0);
        if (n > 0) sent += (uint64_t)n * (datagram / (size_t)size);
        else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) die("sendmmsg");
    }
    printf("flood packets=%llu\n", (unsigned long long)sent);
    return 0;
}

/* ---- many TCP streams ------------------------------------------------- */

static int cmd_tcpsink(int argc, char **argv) {
    if (argc != 5) return 2;
    int lfd = listen_on(argv[2], argv[3]);
    double seconds = atof(argv[4]);
    set_nonblocking(lfd);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    static unsigned char buf[262144];
    uint64_t total = 0;
    int conns = 0;
    double start = now(), end = start + seconds;
    struct epoll_event events[64];
    while (now() < end) {
        int n = epoll_wait(ep, events, 64, 100);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                int c;
                while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                    conns++;
                }
                continue;
            }
            for (;;) {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r > 0) {
                    total += (uint64_t)r;
                    continue;
                }
                if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                }
                break;
            }
        }
    }
    printf("tcpsink bytes=%llu conns=%d seconds=%.6f\n", (unsigned long long)total, conns, now() - start);
    return 0;
}

static int cmd_tcpsrc(int argc, char **argv) {
    if (argc < 6) return 2;
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in sa = address(argv[2], argv[3]);
    double seconds = atof(argv[4]);
    int count = argc - 5;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int *fds = calloc((size_t)count, sizeof(int));
    int conns = 0;
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        const char *ifname = argv[5 + i];
        if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0) die("SO_BINDTODEVICE");
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            fprintf(stderr, "benchtool: connect via %s: %s\n", ifname, strerror(errno));
            close(fd);
            fds[i] = -1;
            continue;
        }
        set_nonblocking(fd);
        struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        fds[i] = fd;
        conns++;
    }
    static unsigned char buf[65536];
    memset(buf, 0x33, sizeof buf);
    uint64_t total = 0;
    double end = now() + seconds;
    struct epoll_event events[128];
    while (now() < end) {
        int n = epoll_wait(ep, events, 128, 100);
        for (int i = 0; i < n; i++) {
            ssize_t w = write(events[i].data.fd, buf, sizeof buf);
            if (w > 0) total += (uint64_t)w;
            else if (w < 0 && errno != EAGAIN) {
                epoll_ctl(ep, EPOLL_CTL_DEL, events[i].data.fd, NULL);
            }
        }
    }
    for (int i = 0; i < count; i++)
        if (fds[i] >= 0) close(fds[i]);
    printf("tcpsrc bytes=%llu conns=%d\n", (unsigned long long)total, conns);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2) {
        int rc = 2;
        if (strcmp(argv[1], "sink") == 0) rc = cmd_sink(argc, argv);
        else if (strcmp(argv[1], "pump") == 0) rc = cmd_pump(argc, argv);
        else if (strcmp(argv[1], "mitm") == 0) rc = cmd_mitm(argc, argv);
        else if (strcmp(argv[1], "flood") == 0) rc = cmd_flood(argc, argv);
        else if (strcmp(argv[1], "tcpsink") == 0) rc = cmd_tcpsink(argc, argv);
        else if (strcmp(argv[1], "tcpsrc") == 0) rc = cmd_tcpsrc(argc, argv);
        if (rc != 2) return rc;
    }
    fprintf(stderr, "usage: see the comment at the top of bench/tools/benchtool.c\n");
    return 2;
}
