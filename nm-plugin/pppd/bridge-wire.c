/*
 * Message building, reading and checking for the pppd bridge protocol
 * (PROTOCOL.md). The service's side is Sources/PPPDBridge in Swift.
 */
#include "bridge-wire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *bridge_type_name(uint8_t type)
{
	switch (type) {
	case BRIDGE_HELLO: return "HELLO";
	case BRIDGE_PASSWORD_REQUEST: return "PASSWORD_REQUEST";
	case BRIDGE_PHASE: return "PHASE";
	case BRIDGE_AUTH_UP: return "AUTH_UP";
	case BRIDGE_IP_UP: return "IP_UP";
	case BRIDGE_IPV6_UP: return "IPV6_UP";
	case BRIDGE_EXIT: return "EXIT";
	case BRIDGE_PASSWORD: return "PASSWORD";
	case BRIDGE_PASSWORD_REFUSED: return "PASSWORD_REFUSED";
	case BRIDGE_AUTH_ACK: return "AUTH_ACK";
	case BRIDGE_FAILURE: return "FAILURE";
	default: return "an unknown message";
	}
}

static int from_service(uint8_t type)
{
	return type == BRIDGE_PASSWORD || type == BRIDGE_PASSWORD_REFUSED || type == BRIDGE_AUTH_ACK ||
	       type == BRIDGE_FAILURE;
}

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int utf8_valid(const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t c = p[i];
		size_t more;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			more = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			more = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			more = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (len - i <= more)
			return 0;
		for (size_t k = 1; k <= more; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += more + 1;
	}
	return 1;
}

void bridge_msg_init(struct bridge_msg *m, uint8_t type)
{
	m->type = type;
	m->length = 0;
	m->invalid = NULL;
}

void bridge_put(struct bridge_msg *m, uint16_t tag, const void *value, size_t len)
{
	if (m->invalid)
		return;
	if (len > BRIDGE_MAX_BODY - 4 || m->length > BRIDGE_MAX_BODY - 4 - len) {
		m->invalid = "the message would be longer than the protocol allows";
		return;
	}
	uint8_t *p = m->body + m->length;
	p[0] = (uint8_t)(tag >> 8);
	p[1] = (uint8_t)tag;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	if (len > 0)
		memcpy(p + 4, value, len);
	m->length += 4 + len;
}

void bridge_put_u8(struct bridge_msg *m, uint16_t tag, uint8_t value)
{
	bridge_put(m, tag, &value, 1);
}

void bridge_put_u32(struct bridge_msg *m, uint16_t tag, uint32_t value)
{
	uint8_t b[4] = { (uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8), (uint8_t)value };
	bridge_put(m, tag, b, sizeof b);
}

void bridge_put_string(struct bridge_msg *m, uint16_t tag, const char *value)
{
	size_t len = strlen(value);
	if (!utf8_valid((const uint8_t *)value, len)) {
		if (!m->invalid)
			m->invalid = "a string is not UTF-8";
		return;
	}
	bridge_put(m, tag, value, len);
}

int bridge_write(int fd, const struct bridge_msg *m)
{
	if (m->invalid) {
		errno = EINVAL;
		return -1;
	}
	uint8_t out[BRIDGE_HEADER_LEN + BRIDGE_MAX_BODY];
	size_t total = BRIDGE_HEADER_LEN + m->length;
	out[0] = BRIDGE_PROTOCOL_VERSION;
	out[1] = m->type;
	out[2] = (uint8_t)(m->length >> 8);
	out[3] = (uint8_t)m->length;
	memcpy(out + BRIDGE_HEADER_LEN, m->body, m->length);
	size_t done = 0;
	int rc = 0;
	while (done < total) {
		ssize_t n = send(fd, out + done, total - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = -1;
			break;
		}
		done += (size_t)n;
	}
	int saved = errno;
	explicit_bzero(out, total);
	errno = saved;
	return rc;
}

/* Reads exactly len bytes: 1, 0 on EOF before any byte, -2 on EOF inside,
 * -1 with errno. */
static int read_exact(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return done == 0 ? 0 : -2;
		done += (size_t)n;
	}
	return 1;
}

enum bridge_read_result bridge_read(int fd, struct bridge_msg *m, const char **problem)
{
	uint8_t header[BRIDGE_HEADER_LEN];
	int r = read_exact(fd, header, sizeof header);
	if (r == 0)
		return BRIDGE_READ_EOF;
	if (r == -1)
		return BRIDGE_READ_IO_ERROR;
	if (r == -2) {
		*problem = "the connection closed inside a message";
		return BRIDGE_READ_BAD_MESSAGE;
	}
	if (header[0] != BRIDGE_PROTOCOL_VERSION) {
		*problem = "the message has an unsupported protocol version";
		return BRIDGE_READ_BAD_MESSAGE;
	}
	if (!from_service(header[1])) {
		*problem = "the message type is unknown or not one the service sends";
		return BRIDGE_READ_BAD_MESSAGE;
	}
	size_t length = (size_t)header[2] << 8 | header[3];
	if (length > BRIDGE_MAX_BODY) {
		*problem = "the message body is longer than the protocol allows";
		return BRIDGE_READ_BAD_MESSAGE;
	}
	bridge_msg_init(m, header[1]);
	r = length > 0 ? read_exact(fd, m->body, length) : 1;
	if (r == -1)
		return BRIDGE_READ_IO_ERROR;
	if (r != 1) {
		*problem = "the connection closed inside a message";
		return BRIDGE_READ_BAD_MESSAGE;
	}
	m->length = length;
	for (size_t at = 0; at < length;) {
		if (length - at < 4) {
			*problem = "an attribute runs past the end of the message";
			return BRIDGE_READ_BAD_MESSAGE;
		}
		size_t len = (size_t)m->body[at + 2] << 8 | m->body[at + 3];
		if (length - at - 4 < len) {
			*problem = "an attribute runs past the end of the message";
			return BRIDGE_READ_BAD_MESSAGE;
		}
		at += 4 + len;
	}
	return BRIDGE_READ_MESSAGE;
}

int bridge_get_string(const struct bridge_msg *m, uint16_t tag, char *buf, size_t size, const char **problem)
{
	const uint8_t *value = NULL;
	size_t value_len = 0;
	for (size_t at = 0; at < m->length;) {
		uint16_t t = (uint16_t)(m->body[at] << 8 | m->body[at + 1]);
		size_t len = (size_t)m->body[at + 2] << 8 | m->body[at + 3];
		if (t == tag) {
			if (value) {
				*problem = "a single-valued attribute appears twice";
				return -1;
			}
			value = m->body + at + 4;
			value_len = len;
		}
		at += 4 + len;
	}
	if (!value) {
		*problem = "a required attribute is missing";
		return -1;
	}
	if (memchr(value, 0, value_len)) {
		*problem = "a string attribute contains a NUL byte";
		return -1;
	}
	if (!utf8_valid(value, value_len)) {
		*problem = "a string attribute is not UTF-8";
		return -1;
	}
	if (value_len >= size) {
		*problem = "a string attribute is too long";
		return -1;
	}
	memcpy(buf, value, value_len);
	buf[value_len] = '\0';
	return 0;
}

void bridge_msg_wipe(struct bridge_msg *m)
{
	explicit_bzero(m, sizeof *m);
}
