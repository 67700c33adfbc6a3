/* Batched TUN reads through io_uring (raw system calls: no liburing, so no
 * new run-time dependency). One multishot read (IORING_OP_READ_MULTISHOT,
 * Linux 6.7) stays armed on the TUN descriptor and takes its buffers from
 * a provided-buffer ring (IORING_REGISTER_PBUF_RING, Linux 5.19): the
 * kernel reads each packet as it arrives, without a read(2) per packet,
 * and the event loop polls the ring's descriptor, which is readable while
 * completions wait. See include/CSSTPPlatform.h. */
#include "CSSTPPlatform.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

/* Not in the uapi headers of older distributions (Linux 6.7). */
#define CSSTP_IORING_OP_READ_MULTISHOT 49

struct csstp_tun_ring {
    int ring_fd;
    int source_fd;
    int armed;
    void *sq_ring;
    size_t sq_ring_size;
    void *cq_ring;
    size_t cq_ring_size;
    struct io_uring_sqe *sqes;
    size_t sqes_size;
    unsigned *sq_tail;
    unsigned *sq_mask;
    unsigned *sq_array;
    unsigned *cq_head;
    unsigned *cq_tail;
    unsigned *cq_mask;
    struct io_uring_cqe *cqes;
    struct io_uring_buf_ring *buffer_ring;
    size_t buffer_ring_size;
    uint16_t buffer_tail;
    unsigned slots;
    size_t slot_size;
    uint8_t *buffers;
    size_t buffers_size;
};

static int ring_setup(unsigned entries, struct io_uring_params *p) {
    return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int ring_enter(int fd, unsigned submit) {
    return (int)syscall(__NR_io_uring_enter, fd, submit, 0, 0, NULL, 0);
}

static int ring_register(int fd, unsigned op, void *arg, unsigned count) {
    return (int)syscall(__NR_io_uring_register, fd, op, arg, count);
}

/* Whether the kernel knows the multishot read (IORING_REGISTER_PROBE). */
static int supports_multishot_read(int ring_fd) {
    size_t size = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
    struct io_uring_probe *probe = calloc(1, size);
    if (!probe) return 0;
    int ok = ring_register(ring_fd, IORING_REGISTER_PROBE, probe, 256) == 0 &&
             probe->last_op >= CSSTP_IORING_OP_READ_MULTISHOT &&
             (probe->ops[CSSTP_IORING_OP_READ_MULTISHOT].flags & IO_URING_OP_SUPPORTED);
    free(probe);
    return ok;
}

static void give_buffer(struct csstp_tun_ring *r, unsigned bid) {
    struct io_uring_buf *b = &r->buffer_ring->bufs[r->buffer_tail & (r->slots - 1)];
    b->addr = (uint64_t)(uintptr_t)(r->buffers + (size_t)bid * r->slot_size);
    b->len = (uint32_t)r->slot_size;
    b->bid = (uint16_t)bid;
    r->buffer_tail++;
    __atomic_store_n(&r->buffer_ring->tail, r->buffer_tail, __ATOMIC_RELEASE);
}

/* Arms the multishot read (one io_uring_enter). */
static int arm(struct csstp_tun_ring *r) {
    unsigned tail = *r->sq_tail;
    unsigned index = tail & *r->sq_mask;
    struct io_uring_sqe *sqe = &r->sqes[index];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = CSSTP_IORING_OP_READ_MULTISHOT;
    sqe->fd = r->source_fd;
    sqe->flags = IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    sqe->off = (uint64_t)-1; /* the file's position: a TUN has none */
    sqe->user_data = 1;
    r->sq_array[index] = index;
    __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
    int rc;
    do {
        rc = ring_enter(r->ring_fd, 1);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -1;
    r->armed = 1;
    return 0;
}

void csstp_tun_ring_close(struct csstp_tun_ring *r) {
    if (!r) return;
    if (r->ring_fd >= 0) close(r->ring_fd);
    if (r->buffers) munmap(r->buffers, r->buffers_size);
    if (r->buffer_ring) munmap(r->buffer_ring, r->buffer_ring_size);
    if (r->sqes) munmap(r->sqes, r->sqes_size);
    if (r->cq_ring && r->cq_ring != r->sq_ring) munmap(r->cq_ring, r->cq_ring_size);
    if (r->sq_ring) munmap(r->sq_ring, r->sq_ring_size);
    free(r);
}

static void *map_ring(int fd, size_t size, off_t offset) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
    return p == MAP_FAILED ? NULL : p;
}

struct csstp_tun_ring *csstp_tun_ring_open(int fd, unsigned slots, size_t slot_size) {
    if (slots == 0 || slots > 32768 || (slots & (slots - 1)) != 0 || slot_size == 0 || slot_size > (1u << 20)) {
        errno = EINVAL;
        return NULL;
    }
    struct csstp_tun_ring *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->ring_fd = -1;
    r->source_fd = fd;
    r->slots = slots;
    r->slot_size = slot_size;

    /* Room in the completion queue for a completion per buffer and the
     * one that ends the multishot read: it never overflows. */
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN;
    p.cq_entries = slots * 2;
    r->ring_fd = ring_setup(4, &p);
    if (r->ring_fd < 0 && errno == EINVAL) {
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = slots * 2;
        r->ring_fd = ring_setup(4, &p);
    }
    if (r->ring_fd < 0) goto fail;
    fcntl(r->ring_fd, F_SETFD, FD_CLOEXEC);
    if (!supports_multishot_read(r->ring_fd)) {
        errno = EOPNOTSUPP;
        goto fail;
    }

    r->sq_ring_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    r->cq_ring_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (p.features & IORING_FEAT_SINGLE_MMAP) {
        if (r->cq_ring_size > r->sq_ring_size) r->sq_ring_size = r->cq_ring_size;
        r->sq_ring = map_ring(r->ring_fd, r->sq_ring_size, IORING_OFF_SQ_RING);
        if (!r->sq_ring) goto fail;
        r->cq_ring = r->sq_ring;
    } else {
        r->sq_ring = map_ring(r->ring_fd, r->sq_ring_size, IORING_OFF_SQ_RING);
        if (!r->sq_ring) goto fail;
        r->cq_ring = map_ring(r->ring_fd, r->cq_ring_size, IORING_OFF_CQ_RING);
        if (!r->cq_ring) goto fail;
    }
    r->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
    r->sqes = map_ring(r->ring_fd, r->sqes_size, IORING_OFF_SQES);
    if (!r->sqes) goto fail;
    uint8_t *sq = r->sq_ring, *cq = r->cq_ring;
    r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->cq_head = (unsigned *)(cq + p.cq_off.head);
    r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);

    /* The buffers, and the ring that hands them to the kernel (page
     * aligned, a power of two entries). Untouched pages cost no memory. */
    r->buffer_ring_size = slots * sizeof(struct io_uring_buf);
    r->buffer_ring = mmap(NULL, r->buffer_ring_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r->buffer_ring == MAP_FAILED) {
        r->buffer_ring = NULL;
        goto fail;
    }
    r->buffers_size = (size_t)slots * slot_size;
    r->buffers = mmap(NULL, r->buffers_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r->buffers == MAP_FAILED) {
        r->buffers = NULL;
        goto fail;
    }
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (uint64_t)(uintptr_t)r->buffer_ring;
    reg.ring_entries = slots;
    reg.bgid = 0;
    if (ring_register(r->ring_fd, IORING_REGISTER_PBUF_RING, &reg, 1) != 0) goto fail;
    for (unsigned i = 0; i < slots; i++) give_buffer(r, i);
    if (arm(r) != 0) goto fail;
    return r;
fail: {
    int saved = errno;
    csstp_tun_ring_close(r);
    errno = saved;
    return NULL;
}
}

int csstp_tun_ring_fd(const struct csstp_tun_ring *r) { return r->ring_fd; }

ssize_t csstp_tun_ring_read(struct csstp_tun_ring *r, void *header, size_t header_length, void *packet,
                            size_t packet_capacity) {
    for (;;) {
        unsigned head = *r->cq_head;
        unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
        if (head == tail) {
            /* Nothing waits: make sure the read is armed again (it ends
             * when the buffers run out or on an error) before saying so. */
            if (!r->armed && arm(r) != 0) return -1;
            errno = EAGAIN;
            return -1;
        }
        struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
        int res = cqe->res;
        unsigned flags = cqe->flags;
        __atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
        if (!(flags & IORING_CQE_F_MORE)) r->armed = 0;
        ssize_t length = -1;
        if (flags & IORING_CQE_F_BUFFER) {
            unsigned bid = flags >> IORING_CQE_BUFFER_SHIFT;
            if (bid >= r->slots) {
                errno = EIO;
                return -1;
            }
            length = 0;
            if (res > 0) {
                const uint8_t *data = r->buffers + (size_t)bid * r->slot_size;
                size_t got = (size_t)res < r->slot_size ? (size_t)res : r->slot_size;
                if (got < header_length) {
                    /* Too short for its virtio header: an empty packet. */
                    memset(header, 0, header_length);
                } else {
                    memcpy(header, data, header_length);
                    size_t body = got - header_length;
                    if (body > packet_capacity) body = packet_capacity;
                    memcpy(packet, data + header_length, body);
                    length = (ssize_t)body;
                }
            }
            give_buffer(r, bid);
        }
        /* The read ended (its buffers ran out, or an error): arm it again
         * now, so that an owner that stops reading before the queue is
         * empty still hears of the next packet (a failure to arm is
         * retried, and reported, by the next call). */
        if (!r->armed) (void)arm(r);
        if (length >= 0) return length;
        /* Out of buffers (ENOBUFS) or interrupted: armed again above.
         * Anything else is the read's error. */
        if (res == -ENOBUFS || res == -EAGAIN || res == -EINTR || res == -ECANCELED || res >= 0) continue;
        errno = -res;
        return -1;
    }
}
