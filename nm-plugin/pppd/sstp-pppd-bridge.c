/*
 * sstp-pppd-bridge.so: a pppd 2.4.9 plugin that bridges pppd back to the
 * SSTP service which started it (nm-plugin/pppd/README.md). The service
 * keeps TLS, HTTP and SSTP; pppd does PPP on a pty. Over one AF_UNIX
 * socket (PROTOCOL.md) the plugin reports pppd's phases, asks for the
 * password, hands over the MPPE keys at auth-up and waits until the
 * service has sent SSTP Call Connected, then reports the IPCP and IPv6CP
 * results and pppd's exit.
 *
 * Logging goes through pppd's dbglog/info/notice/fatal only: glibc also
 * exports error() and warn(), with other signatures.
 */
#define INET6 1
#define MPPE 1 /* declares mppe_send_key, mppe_recv_key, mppe_keys_set */

#include <pppd/pppd.h>
#include <pppd/fsm.h>
#include <pppd/ipcp.h>
#include <pppd/ipv6cp.h>
#include <pppd/chap_ms.h>
#include <pppd/patchlevel.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bridge-wire.h"

#define EXPORT __attribute__((visibility("default")))
#define LOG_PREFIX "sstp-pppd-bridge: "
/* pppd's made-up peer address when the peer gives none: 10.64.64.64 + unit
 * (ipcp.c ipcp_up). */
#define INVENTED_PEER_BASE 0x0a404040u

/* pppd refuses a plugin whose pppd_version differs from its own. */
EXPORT char pppd_version[] = VERSION;

static int bridge_fd = -1;
/* The sstp-bridge-socket option was handled (the connection may since
 * have been lost). */
static int bridge_configured;

static int bridge_socket_option(char **argv);

static option_t bridge_options[] = {
	{
		.name = "sstp-bridge-socket",
		.type = o_special,
		.addr = (void *)bridge_socket_option,
		.description = "Unix socket of the SSTP service to bridge to (sstp-pppd-bridge)",
		.flags = OPT_PRIV,
	},
	{ .name = NULL },
};

/* Sends m, logging it. A message that could not be built is not sent; a
 * failed write gives the connection up. */
static int bridge_send(struct bridge_msg *m)
{
	if (bridge_fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	if (m->invalid) {
		notice(LOG_PREFIX "cannot send %s to the service: %s", bridge_type_name(m->type), m->invalid);
		errno = EINVAL;
		return -1;
	}
	if (bridge_write(bridge_fd, m) < 0) {
		int saved = errno;
		notice(LOG_PREFIX "cannot send %s to the service: %m", bridge_type_name(m->type));
		close(bridge_fd);
		bridge_fd = -1;
		errno = saved;
		return -1;
	}
	dbglog(LOG_PREFIX "sent %s", bridge_type_name(m->type));
	return 0;
}

/* Reads the service's answer to what pppd now waits for. FAILURE, EOF, a
 * read error or a malformed message end pppd through fatal(). */
static int bridge_wait(struct bridge_msg *reply, const char *waiting_for)
{
	const char *problem = "";
	char reason[BRIDGE_MAX_BODY];
	if (bridge_fd < 0) {
		fatal(LOG_PREFIX "no connection to the service while waiting for %s", waiting_for);
		return -1;
	}
	switch (bridge_read(bridge_fd, reply, &problem)) {
	case BRIDGE_READ_MESSAGE:
		break;
	case BRIDGE_READ_EOF:
		fatal(LOG_PREFIX "the service closed the connection while pppd waited for %s", waiting_for);
		return -1;
	case BRIDGE_READ_IO_ERROR:
		fatal(LOG_PREFIX "reading from the service failed while waiting for %s: %m", waiting_for);
		return -1;
	case BRIDGE_READ_BAD_MESSAGE:
		fatal(LOG_PREFIX "protocol error while waiting for %s: %s", waiting_for, problem);
		return -1;
	}
	if (reply->type == BRIDGE_FAILURE) {
		if (bridge_get_string(reply, BRIDGE_TAG_REASON, reason, sizeof reason, &problem) < 0)
			fatal(LOG_PREFIX "protocol error in FAILURE: %s", problem);
		else
			fatal(LOG_PREFIX "the service failed the connection: %s", reason);
		return -1;
	}
	return 0;
}

/* An OPTION attribute `name=value`. Too long a value makes the message
 * invalid, so it is not sent. */
static void put_option(struct bridge_msg *m, const char *name, const char *value)
{
	char option[BRIDGE_MAX_BODY];
	size_t name_len = strlen(name), value_len = strlen(value);
	if (name_len + 1 + value_len >= sizeof option) {
		m->invalid = "an option value is too long";
		return;
	}
	memcpy(option, name, name_len);
	option[name_len] = '=';
	memcpy(option + name_len + 1, value, value_len + 1);
	bridge_put_string(m, BRIDGE_TAG_OPTION, option);
}

/* sstp-bridge-socket PATH: connect to the service now, while pppd parses
 * its options (before the /dev/ppp check), and say HELLO. */
static int bridge_socket_option(char **argv)
{
	const char *path = argv[0];
	struct sockaddr_un addr;
	struct bridge_msg hello;

	if (bridge_configured) {
		option_error("sstp-bridge-socket: given more than once");
		return 0;
	}
	if (path[0] != '/') {
		option_error("sstp-bridge-socket: %s is not an absolute path", path);
		return 0;
	}
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof addr.sun_path) {
		option_error("sstp-bridge-socket: %s is too long for a Unix socket path", path);
		return 0;
	}
	memcpy(addr.sun_path, path, strlen(path));

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		option_error("sstp-bridge-socket: cannot create a Unix socket: %m");
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		option_error("sstp-bridge-socket: cannot connect to %s: %m", path);
		return 0;
	}
	bridge_fd = fd;
	bridge_configured = 1;

	bridge_msg_init(&hello, BRIDGE_HELLO);
	bridge_put_string(&hello, BRIDGE_TAG_PPPD_VERSION, VERSION);
	bridge_put_u32(&hello, BRIDGE_TAG_PID, (uint32_t)getpid());
	bridge_put_u8(&hello, BRIDGE_TAG_PROTOCOL_VERSION, BRIDGE_PROTOCOL_VERSION);
	put_option(&hello, "sstp-bridge-socket", path);
	/* Known here only if given before this option (PROTOCOL.md). */
	if (user[0] != '\0')
		put_option(&hello, "user", user);
	if (ipparam != NULL && ipparam[0] != '\0')
		put_option(&hello, "ipparam", ipparam);
	if (bridge_send(&hello) < 0) {
		option_error("sstp-bridge-socket: cannot send HELLO to %s: %m", path);
		return 0;
	}
	info(LOG_PREFIX "connected to %s", path);
	return 1;
}

/* The password for `name`, asked of the service: 1 with the password in
 * passwd[MAXSECRETLEN], or -1 (refused, or too long for pppd). */
static int bridge_password(char *name, char *passwd)
{
	struct bridge_msg request, reply;
	char reason[BRIDGE_MAX_BODY];
	const char *problem = "";

	if (bridge_fd < 0) {
		notice(LOG_PREFIX "no connection to the service to ask for the password of %s", name);
		return -1;
	}
	bridge_msg_init(&request, BRIDGE_PASSWORD_REQUEST);
	bridge_put_string(&request, BRIDGE_TAG_USER, name);
	if (bridge_send(&request) < 0)
		return -1;
	if (bridge_wait(&reply, "a password") < 0)
		return -1;

	if (reply.type == BRIDGE_PASSWORD_REFUSED) {
		if (bridge_get_string(&reply, BRIDGE_TAG_REASON, reason, sizeof reason, &problem) < 0) {
			fatal(LOG_PREFIX "protocol error in PASSWORD_REFUSED: %s", problem);
			return -1;
		}
		notice(LOG_PREFIX "the service gave no password for %s: %s", name, reason);
		return -1;
	}
	if (reply.type != BRIDGE_PASSWORD) {
		fatal(LOG_PREFIX "protocol error: %s while waiting for a password", bridge_type_name(reply.type));
		return -1;
	}

	/* Decoded in place into a buffer as large as any value, so that the
	 * length check below can say what is wrong. */
	char secret[BRIDGE_MAX_BODY];
	int rc = -1;
	if (bridge_get_string(&reply, BRIDGE_TAG_PASSWORD, secret, sizeof secret, &problem) < 0) {
		bridge_msg_wipe(&reply);
		fatal(LOG_PREFIX "protocol error in PASSWORD: %s", problem);
		return -1;
	}
	size_t len = strlen(secret);
	if (len >= MAXSECRETLEN) {
		notice(LOG_PREFIX "the password for %s is longer than pppd's %d bytes; not used", name,
		       MAXSECRETLEN - 1);
	} else {
		memcpy(passwd, secret, len + 1);
		rc = 1;
	}
	explicit_bzero(secret, sizeof secret);
	bridge_msg_wipe(&reply);
	return rc;
}

/* pap_passwd_hook: passwd == NULL asks whether we can supply one. */
static int bridge_pap_passwd(char *name, char *passwd)
{
	if (passwd == NULL)
		return bridge_fd >= 0 ? 1 : 0;
	return bridge_password(name, passwd);
}

/* chap_passwd_hook: used by get_secret() when no `password` option was
 * given (passwd is char[MAXWORDLEN]; we fill at most MAXSECRETLEN). */
static int bridge_chap_passwd(char *name, char *passwd)
{
	return bridge_password(name, passwd);
}

/* chap_check_hook: "do we have a CHAP secret?" Without it a client lacking
 * a chap-secrets entry would refuse CHAP and MS-CHAP (auth.c auth_reset). */
static int bridge_chap_check(void)
{
	return bridge_fd >= 0 ? 1 : -1;
}

static void bridge_on_phase(void *arg, int phase)
{
	struct bridge_msg m;
	(void)arg;
	if (!bridge_configured) {
		/* The first phase change comes after option parsing. */
		fatal(LOG_PREFIX "loaded without the sstp-bridge-socket option");
		return;
	}
	if (bridge_fd < 0)
		return;
	bridge_msg_init(&m, BRIDGE_PHASE);
	bridge_put_u32(&m, BRIDGE_TAG_PHASE, (uint32_t)phase);
	bridge_send(&m);
}

/* Our authentication succeeded; CCP and IPCP have not started. Hand over
 * the MPPE keys (CCP wipes them if MPPE is negotiated) and hold pppd until
 * the service has sent SSTP Call Connected. */
static void bridge_on_auth_up(void *arg, int unused)
{
	struct bridge_msg m, reply;
	(void)arg;
	(void)unused;
	bridge_msg_init(&m, BRIDGE_AUTH_UP);
	if (mppe_keys_set) {
		bridge_put(&m, BRIDGE_TAG_MPPE_SEND_KEY, mppe_send_key, sizeof mppe_send_key);
		bridge_put(&m, BRIDGE_TAG_MPPE_RECV_KEY, mppe_recv_key, sizeof mppe_recv_key);
	}
	int sent = bridge_send(&m);
	bridge_msg_wipe(&m);
	if (sent < 0) {
		fatal(LOG_PREFIX "cannot hand the authentication result to the service");
		return;
	}
	if (bridge_wait(&reply, "AUTH_ACK") < 0)
		return;
	if (reply.type != BRIDGE_AUTH_ACK) {
		fatal(LOG_PREFIX "protocol error: %s while waiting for AUTH_ACK", bridge_type_name(reply.type));
		return;
	}
	dbglog(LOG_PREFIX "the service acknowledged auth-up");
}

static void bridge_on_ip_up(void *arg, int unused)
{
	ipcp_options *go = &ipcp_gotoptions[0];
	ipcp_options *ho = &ipcp_hisoptions[0];
	struct bridge_msg m;
	(void)arg;
	(void)unused;
	if (bridge_fd < 0)
		return;
	if (go->ouraddr == 0) {
		notice(LOG_PREFIX "IPCP is up without a local address; not reported");
		return;
	}
	bridge_msg_init(&m, BRIDGE_IP_UP);
	bridge_put_string(&m, BRIDGE_TAG_INTERFACE, ifname);
	/* The addresses are held in network byte order: copy the bytes. */
	bridge_put(&m, BRIDGE_TAG_LOCAL_IPV4, &go->ouraddr, 4);
	if (ho->hisaddr != 0 && ho->hisaddr != htonl(INVENTED_PEER_BASE + (uint32_t)ifunit))
		bridge_put(&m, BRIDGE_TAG_PEER_IPV4, &ho->hisaddr, 4);
	for (int i = 0; i < 2; i++) {
		if (go->dnsaddr[i] != 0)
			bridge_put(&m, BRIDGE_TAG_DNS_IPV4, &go->dnsaddr[i], 4);
	}
	int mtu = netif_get_mtu(ifunit);
	bridge_put_u32(&m, BRIDGE_TAG_MTU, mtu > 0 ? (uint32_t)mtu : 0);
	bridge_send(&m);
}

static void bridge_on_ipv6_up(void *arg, int unused)
{
	ipv6cp_options *go = &ipv6cp_gotoptions[0];
	ipv6cp_options *ho = &ipv6cp_hisoptions[0];
	struct bridge_msg m;
	(void)arg;
	(void)unused;
	if (bridge_fd < 0)
		return;
	if (eui64_iszero(go->ourid)) {
		notice(LOG_PREFIX "IPv6CP is up without a local interface identifier; not reported");
		return;
	}
	bridge_msg_init(&m, BRIDGE_IPV6_UP);
	bridge_put_string(&m, BRIDGE_TAG_INTERFACE, ifname);
	/* e8[] is the identifier in wire order: fe80:: followed by e8[0..7]. */
	bridge_put(&m, BRIDGE_TAG_LOCAL_INTERFACE_ID, go->ourid.e8, 8);
	if (!eui64_iszero(ho->hisid))
		bridge_put(&m, BRIDGE_TAG_PEER_INTERFACE_ID, ho->hisid.e8, 8);
	bridge_send(&m);
}

static void bridge_on_exit(void *arg, int status)
{
	struct bridge_msg m;
	(void)arg;
	if (bridge_fd < 0)
		return;
	bridge_msg_init(&m, BRIDGE_EXIT);
	bridge_put_u32(&m, BRIDGE_TAG_EXIT_STATUS, (uint32_t)status);
	bridge_send(&m);
	if (bridge_fd >= 0) {
		close(bridge_fd);
		bridge_fd = -1;
	}
}

EXPORT void plugin_init(void)
{
	add_options(bridge_options);
	pap_passwd_hook = bridge_pap_passwd;
	chap_passwd_hook = bridge_chap_passwd;
	chap_check_hook = bridge_chap_check;
	add_notifier(&phasechange, bridge_on_phase, NULL);
	add_notifier(&auth_up_notifier, bridge_on_auth_up, NULL);
	add_notifier(&ip_up_notifier, bridge_on_ip_up, NULL);
	add_notifier(&ipv6_up_notifier, bridge_on_ipv6_up, NULL);
	add_notifier(&exitnotify, bridge_on_exit, NULL);
	info(LOG_PREFIX "plugin for pppd %s, bridge protocol %d", VERSION, BRIDGE_PROTOCOL_VERSION);
}
