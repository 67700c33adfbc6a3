#ifndef CSSTP_PLATFORM_H
#define CSSTP_PLATFORM_H


#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <sys/signalfd.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* Linux calls Swift cannot make directly: variadic ioctl, macros. Each
 * returns -1 and leaves errno set on failure. */

/* Opens /dev/net/tun and attaches a TUN interface (IFF_TUN | IFF_NO_PI,
 * plus IFF_VNET_HDR when vnet_hdr is non-zero). `name` may be a pattern
 * such as "sstp%d"; the kernel's chosen name is written to name_out (at
 * least 16 bytes). Returns the non-blocking, close-on-exec fd. */
int csstp_tun_open(const char *name, int vnet_hdr, char *name_out, size_t name_out_len);

/* Interface index of a name, or -1. */
int csstp_if_index(const char *name);

/* Sets the MTU of an interface through an AF_INET datagram socket. */
int csstp_if_set_mtu(const char *name, int mtu);

/* Brings an interface up (IFF_UP | IFF_RUNNING) or down. */
int csstp_if_set_up(const char *name, int up);

/* The credentials of a Unix socket's peer (SO_PEERCRED). */
int csstp_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

/* pipe2(O_CLOEXEC), declared here so the header needs no _GNU_SOURCE (which
 * would change glibc's declarations against Swift's Glibc module). */
int csstp_pipe_cloexec(int fds[2]);

/* accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC into a sockaddr_storage. */
int csstp_accept(int listener, struct sockaddr_storage *peer, socklen_t *length);

/* pipe2(O_CLOEXEC), declared here so the header needs no _GNU_SOURCE (which
 * would change glibc's declarations against Swift's Glibc module). */
int csstp_pipe_cloexec(int fds[2]);

/* accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC into a sockaddr_storage. */
int csstp_accept(int listener, struct sockaddr_storage *peer, socklen_t *length);

/* Opens a pty pair: the master (non-blocking, close-on-exec) is returned;
 * the slave's path is written to slave_path. */
int csstp_openpty(char *slave_path, size_t slave_path_len);

/* Forks and execs argv[0] with argv, in a new session, with the file
 * slave_path as stdin and stdout, stderr to /dev/null, and extra_fd (if
 * >= 0) as fd 3; every other fd is closed. Returns the child's pid or -1.
 * Only async-signal-safe calls run between fork and exec. */
pid_t csstp_spawn_on_tty(char *const argv[], const char *slave_path, int extra_fd);

/* pidfd_open(2): an fd that becomes readable when the process exits. */
int csstp_pidfd_open(pid_t pid);

/* waitpid without blocking: the exit status (0..255), 128+signal, or -1
 * when the child has not exited. */
int csstp_reap(pid_t pid);

#endif
