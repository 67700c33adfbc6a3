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
