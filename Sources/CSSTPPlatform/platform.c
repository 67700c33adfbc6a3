#define _GNU_SOURCE
#include "CSSTPPlatform.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

int csstp_tun_open(const char *name, int vnet_hdr, char *name_out, size_t name_out_len) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (vnet_hdr) {
        ifr.ifr_flags |= IFF_VNET_HDR;
    }
    if (name != NULL) {
        strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (name_out != NULL && name_out_len > 0) {
        strncpy(name_out, ifr.ifr_name, name_out_len - 1);
        name_out[name_out_len - 1] = '\0';
    }
    return fd;
}

int csstp_if_index(const char *name) {
    unsigned int index = if_nametoindex(name);
    return index == 0 ? -1 : (int)index;
}

static int with_ifreq_socket(const char *name, struct ifreq *ifr, int *sock) {
    memset(ifr, 0, sizeof *ifr);
    strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
    *sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return *sock < 0 ? -1 : 0;
}

int csstp_if_set_mtu(const char *name, int mtu) {
    struct ifreq ifr;
    int sock;
    if (with_ifreq_socket(name, &ifr, &sock) < 0) {
        return -1;
    }
    ifr.ifr_mtu = mtu;
    int rc = ioctl(sock, SIOCSIFMTU, &ifr);
    int saved = errno;
    close(sock);
    errno = saved;
    return rc;
}

int csstp_if_set_up(const char *name, int up) {
    struct ifreq ifr;
    int sock;
    if (with_ifreq_socket(name, &ifr, &sock) < 0) {
        return -1;
    }
    int rc = ioctl(sock, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        if (up) {
            ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        } else {
            ifr.ifr_flags &= ~IFF_UP;
        }
        rc = ioctl(sock, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(sock);
    errno = saved;
    return rc;
}

int csstp_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        return -1;
    }
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

int csstp_accept(int listener, struct sockaddr_storage *peer, socklen_t *length) {
    return accept4(listener, (struct sockaddr *)peer, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int csstp_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int csstp_openpty(char *slave_path, size_t slave_path_len) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) {
        return -1;
    }
    if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, slave_path, slave_path_len) != 0) {
        int saved = errno;
        close(master);
        errno = saved;
        return -1;
    }
    /* Raw from the start: with the default line discipline the pty echoes
     * what we write until pppd sets up the tty, and the peer would see its
     * own LCP packets come back. */
    struct termios tio;
    if (tcgetattr(master, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(master, TCSANOW, &tio);
    }
    int flags = fcntl(master, F_GETFL);
    if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0) {
        int saved = errno;
        close(master);
        errno = saved;
        return -1;
    }
    return master;
}

pid_t csstp_spawn_on_tty(char *const argv[], const char *slave_path, int extra_fd) {
    pid_t pid = fork();
    if (pid != 0) {
        return pid;
    }
    /* Child: only async-signal-safe calls from here on. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setsid();
    int tty = open(slave_path, O_RDWR);
    int null = open("/dev/null", O_RDWR);
    if (tty < 0 || null < 0) {
        _exit(127);
    }
    if (extra_fd >= 0 && extra_fd != 3) {
        if (dup2(extra_fd, 3) < 0) {
            _exit(127);
        }
    }
    if (dup2(tty, 0) < 0 || dup2(tty, 1) < 0 || dup2(null, 2) < 0) {
        _exit(127);
    }
    int first = extra_fd >= 0 ? 4 : 3;
    for (int fd = first; fd < 1024; fd++) {
        close(fd);
    }
    if (extra_fd >= 0) {
        int fl = fcntl(3, F_GETFD);
        if (fl >= 0) {
            fcntl(3, F_SETFD, fl & ~FD_CLOEXEC);
        }
    }
    execv(argv[0], argv);
    _exit(127);
}

int csstp_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int csstp_reap(pid_t pid) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r != pid) {
        return -1;
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}
