/*
 * The plugin's side of the bridge protocol (PROTOCOL.md): building messages
 * to the service, reading and checking its replies, over a blocking
 * AF_UNIX stream socket. Knows nothing of pppd.
 */
#ifndef SSTP_BRIDGE_WIRE_H
#define SSTP_BRIDGE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define BRIDGE_PROTOCOL_VERSION 1
#define BRIDGE_HEADER_LEN 4
#define BRIDGE_MAX_BODY 4092

enum bridge_type {
	/* plugin -> service */
	BRIDGE_HELLO = 0x01,
	BRIDGE_PASSWORD_REQUEST = 0x02,
	BRIDGE_PHASE = 0x03,
	BRIDGE_AUTH_UP = 0x04,
	BRIDGE_IP_UP = 0x05,
	BRIDGE_IPV6_UP = 0x06,
	BRIDGE_EXIT = 0x07,
	/* service -> plugin */
	BRIDGE_PASSWORD = 0x81,
	BRIDGE_PASSWORD_REFUSED = 0x82,
	BRIDGE_AUTH_ACK = 0x83,
	BRIDGE_FAILURE = 0x84,
};

enum bridge_tag {
	BRIDGE_TAG_PPPD_VERSION = 0x0001,
	BRIDGE_TAG_PID = 0x0002,
	BRIDGE_TAG_PROTOCOL_VERSION = 0x0003,
	BRIDGE_TAG_OPTION = 0x0004,
	BRIDGE_TAG_USER = 0x0005,
	BRIDGE_TAG_PHASE = 0x0006,
	BRIDGE_TAG_MPPE_SEND_KEY = 0x0007,
	BRIDGE_TAG_MPPE_RECV_KEY = 0x0008,
	BRIDGE_TAG_INTERFACE = 0x0009,
	BRIDGE_TAG_LOCAL_IPV4 = 0x000A,
	BRIDGE_TAG_PEER_IPV4 = 0x000B,
	BRIDGE_TAG_DNS_IPV4 = 0x000C,
	BRIDGE_TAG_MTU = 0x000D,
	BRIDGE_TAG_LOCAL_INTERFACE_ID = 0x000E,
	BRIDGE_TAG_PEER_INTERFACE_ID = 0x000F,
	BRIDGE_TAG_EXIT_STATUS = 0x0010,
	BRIDGE_TAG_PASSWORD = 0x0011,
	BRIDGE_TAG_REASON = 0x0012,
};

/* One message. `invalid` is set (and the message is not sent) when an
 * attribute did not fit or broke a value rule while it was built. */
struct bridge_msg {
	uint8_t type;
	size_t length;
	const char *invalid;
	uint8_t body[BRIDGE_MAX_BODY];
};

/* Outcome of bridge_read. */
enum bridge_read_result {
	BRIDGE_READ_MESSAGE = 1,
	BRIDGE_READ_EOF = 0,          /* closed before a message began */
	BRIDGE_READ_IO_ERROR = -1,    /* errno says why */
	BRIDGE_READ_BAD_MESSAGE = -2, /* the problem string says why */
};

const char *bridge_type_name(uint8_t type);

void bridge_msg_init(struct bridge_msg *m, uint8_t type);
void bridge_put(struct bridge_msg *m, uint16_t tag, const void *value, size_t len);
void bridge_put_u8(struct bridge_msg *m, uint16_t tag, uint8_t value);
void bridge_put_u32(struct bridge_msg *m, uint16_t tag, uint32_t value);
/* A string attribute: must be UTF-8 (a C string has no NUL inside). */
void bridge_put_string(struct bridge_msg *m, uint16_t tag, const char *value);

/* Sends the whole message; 0, or -1 with errno (EINVAL for an invalid
 * message). Never raises SIGPIPE. */
int bridge_write(int fd, const struct bridge_msg *m);

/* Reads one whole message from the service and checks its framing: the
 * version, a service-to-plugin type, the body length, the attribute
 * boundaries. Retries on EINTR. */
enum bridge_read_result bridge_read(int fd, struct bridge_msg *m, const char **problem);

/* The one value of a required string attribute, as a C string in
 * buf[size]; 0, or -1 with *problem set (missing, repeated, NUL inside,
 * not UTF-8, longer than size - 1). Unlisted tags are not looked at. */
int bridge_get_string(const struct bridge_msg *m, uint16_t tag, char *buf, size_t size, const char **problem);

/* Overwrites a message that held a secret. */
void bridge_msg_wipe(struct bridge_msg *m);

#endif
