/*
 * fakepppd PLUGIN SOCKET SCENARIO: a stand-in for pppd 2.4.9 that loads
 * sstp-pppd-bridge.so the way pppd does (dlopen RTLD_GLOBAL|RTLD_NOW; the
 * plugin's imports resolve against this executable, linked -rdynamic) and
 * then drives it through the part of a connection that needs kernel PPP:
 * option parsing, phase changes, the password hooks, auth-up with MPPE
 * keys, ip-up, ipv6-up and exit. The service's side is the Swift test
 * Tests/PPPDPluginTests, which listens on SOCKET.
 *
 * It defines exactly what the plugin imports, with the types of
 * /usr/include/pppd, and fires events in pppd's order (auth.c, ipcp.c,
 * main.c of 2.4.9): auth-up before CCP and IPCP; CCP wiping the MPPE keys;
 * np_up's PHASE_RUNNING before the ip-up notifier; exitnotify from die().
 *
 * Prints "harness: ..." lines on stdout for the test to check. Exit status:
 * 0 done, 1 the plugin called fatal() (like pppd's die(1)), 3 a check here
 * failed ("FAIL: ...").
 *
 * Scenarios:
 *   conversation   the whole sequence; answer PASSWORD, then
 *                  PASSWORD_REFUSED, then AUTH_ACK
 *   invented-peer  no keys, pppd's invented peer address, one DNS server
 *   auth-up        only auth-up: for the service to answer FAILURE or EOF
 *   passwords      the CHAP hook three times: for length limits and bad replies
 *   no-option      the plugin without its option: a phase change must be fatal
 *   latin1-user    `user` is not UTF-8: HELLO cannot be sent, an option error
 */
#define INET6 1
#define MPPE 1

#include <pppd/pppd.h>
#include <pppd/fsm.h>
#include <pppd/ipcp.h>
#include <pppd/ipv6cp.h>
#include <pppd/chap_ms.h>
#include <pppd/patchlevel.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- What pppd exports and the plugin imports ------------------------- */

struct notifier *phasechange;
struct notifier *exitnotify;
struct notifier *auth_up_notifier;
struct notifier *ip_up_notifier;
struct notifier *ipv6_up_notifier;
int (*pap_passwd_hook)(char *user, char *passwd);
int (*chap_passwd_hook)(char *user, char *passwd);
int (*chap_check_hook)(void);
u_char mppe_send_key[MPPE_MAX_KEY_LEN];
u_char mppe_recv_key[MPPE_MAX_KEY_LEN];
int mppe_keys_set;
ipcp_options ipcp_gotoptions[NUM_PPP];
ipcp_options ipcp_hisoptions[NUM_PPP];
ipv6cp_options ipv6cp_gotoptions[NUM_PPP];
ipv6cp_options ipv6cp_hisoptions[NUM_PPP];
char ifname[MAXIFNAMELEN];
int ifunit;
char user[MAXNAMELEN];
char *ipparam;

static option_t *option_lists[8];
static int option_list_count;
static int interface_mtu;
static int failures;

void add_options(option_t *opt)
{
	if (option_list_count < (int)(sizeof option_lists / sizeof option_lists[0]))
		option_lists[option_list_count++] = opt;
}

/* Like pppd: the new notifier goes first. */
void add_notifier(struct notifier **list, notify_func func, void *arg)
{
	struct notifier *n = malloc(sizeof *n);
	if (n == NULL)
		abort();
	n->next = *list;
	n->func = func;
	n->arg = arg;
	*list = n;
}

void notify(struct notifier *list, int value)
{
	for (struct notifier *n = list; n != NULL; n = n->next)
		n->func(n->arg, value);
}

int netif_get_mtu(int unit)
{
	return unit == ifunit ? interface_mtu : 0;
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	printf("%s: ", level);
	vprintf(fmt, ap);
	printf("\n");
}

void dbglog(char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("dbglog", fmt, ap);
	va_end(ap);
}

void info(char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}

void notice(char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("notice", fmt, ap);
	va_end(ap);
}

void option_error(char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fakepppd: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* pppd's fatal(): log, then die(1), which fires exitnotify and exits. */
void fatal(char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("fatal", fmt, ap);
	va_end(ap);
	fflush(stdout);
	notify(exitnotify, EXIT_FATAL_ERROR);
	exit(EXIT_FATAL_ERROR);
}

/* ---- The harness -------------------------------------------------------- */

#define CHECK(cond, ...)                                                                                     \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			printf("FAIL: " __VA_ARGS__);                                                        \
			printf(" (%s, line %d)\n", #cond, __LINE__);                                         \
			failures++;                                                                          \
		}                                                                                            \
	} while (0)

static void load_plugin(const char *path)
{
	void *handle = dlopen(path, RTLD_GLOBAL | RTLD_NOW);
	if (handle == NULL) {
		printf("FAIL: dlopen: %s\n", dlerror());
		exit(3);
	}
	const char *version = dlsym(handle, "pppd_version");
	void (*init)(void) = (void (*)(void))dlsym(handle, "plugin_init");
	if (version == NULL || init == NULL) {
		printf("FAIL: the plugin lacks pppd_version or plugin_init\n");
		exit(3);
	}
	CHECK(strcmp(version, VERSION) == 0, "pppd_version is %s, pppd's headers say %s", version, VERSION);
	printf("harness: loaded %s for pppd %s\n", path, version);
	init();
}

/* What pppd's parser does with "NAME VALUE" for an o_special option. */
static int run_option(const char *name, const char *value)
{
	for (int i = 0; i < option_list_count; i++) {
		for (option_t *opt = option_lists[i]; opt->name != NULL; opt++) {
			if (strcmp(opt->name, name) != 0)
				continue;
			CHECK(opt->type == o_special, "%s is not o_special", name);
			CHECK(opt->flags & OPT_PRIV, "%s is not OPT_PRIV", name);
			char *argv[] = { (char *)value, NULL };
			int ok = ((int (*)(char **))opt->addr)(argv);
			printf("harness: option %s -> %d\n", name, ok);
			return ok;
		}
	}
	printf("FAIL: unrecognized option '%s'\n", name);
	exit(3);
}

static void new_phase_notify(int p)
{
	notify(phasechange, p);
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void print_hex(const char *label, const void *bytes, size_t len)
{
	const unsigned char *p = bytes;
	printf("harness: %s ", label);
	for (size_t i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static void set_keys(void)
{
	for (int i = 0; i < MPPE_MAX_KEY_LEN; i++) {
		mppe_send_key[i] = (u_char)(0x10 + i);
		mppe_recv_key[i] = (u_char)(0xa0 + i);
	}
	mppe_keys_set = 1;
}

/* Calls the CHAP hook with a MAXWORDLEN buffer, as get_secret() does, and
 * checks that the plugin wrote a C string within MAXSECRETLEN. */
static int chap_password(void)
{
	char secbuf[MAXWORDLEN];
	memset(secbuf, 'X', sizeof secbuf);
	int r = chap_passwd_hook(user, secbuf);
	if (r >= 0) {
		size_t len = strnlen(secbuf, MAXSECRETLEN);
		CHECK(len < MAXSECRETLEN, "the password is not terminated within MAXSECRETLEN");
		printf("harness: chap_passwd_hook = %d, %zu bytes\n", r, len);
		print_hex("chap password", secbuf, len);
	} else {
		printf("harness: chap_passwd_hook = %d\n", r);
	}
	for (size_t i = MAXSECRETLEN; i < sizeof secbuf; i++) {
		if (secbuf[i] != 'X') {
			CHECK(0, "the hook wrote past MAXSECRETLEN at %zu", i);
			break;
		}
	}
	explicit_bzero(secbuf, sizeof secbuf);
	return r;
}

static void conversation(const char *socket_path)
{
	struct timespec t0;
	static const u_char our_id[8] = { 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 };
	static const u_char his_id[8] = { 0x0a, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0x01 };

	/* `user alice ipparam sstp-test` come before the plugin's option. */
	strcpy(user, "alice");
	ipparam = "sstp-test";
	CHECK(run_option("sstp-bridge-socket", socket_path) == 1, "the option handler failed");

	new_phase_notify(PHASE_SERIALCONN);
	new_phase_notify(PHASE_ESTABLISH);
	/* auth_reset() when LCP starts: can we do PAP and CHAP as a client? */
	CHECK(pap_passwd_hook != NULL && pap_passwd_hook(user, NULL) == 1, "the PAP probe did not answer 1");
	CHECK(chap_check_hook != NULL && chap_check_hook() == 1, "chap_check_hook did not answer 1");
	new_phase_notify(PHASE_AUTHENTICATE);

	CHECK(chap_password() == 1, "the CHAP hook did not supply the password");
	char pap[MAXSECRETLEN];
	memset(pap, 'X', sizeof pap);
	int r = pap_passwd_hook(user, pap);
	printf("harness: pap_passwd_hook = %d\n", r);
	CHECK(r == -1, "PASSWORD_REFUSED did not make the PAP hook return -1");

	/* network_phase(): auth-up, then PHASE_NETWORK and CCP/IPCP. */
	set_keys();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	notify(auth_up_notifier, 0);
	printf("harness: auth_up returned after %ld ms\n", elapsed_ms(&t0));
	/* ccp_up() with MPPE negotiated wipes the keys. */
	memset(mppe_send_key, 0, sizeof mppe_send_key);
	memset(mppe_recv_key, 0, sizeof mppe_recv_key);
	mppe_keys_set = 0;
	new_phase_notify(PHASE_NETWORK);

	strcpy(ifname, "ppp0");
	ifunit = 0;
	interface_mtu = 1400;
	ipcp_gotoptions[0].ouraddr = inet_addr("10.0.0.2");
	ipcp_hisoptions[0].hisaddr = inet_addr("10.0.0.1");
	ipcp_gotoptions[0].dnsaddr[0] = inet_addr("192.0.2.53");
	ipcp_gotoptions[0].dnsaddr[1] = inet_addr("192.0.2.54");
	/* ipcp_up(): np_up() enters PHASE_RUNNING, then the notifier runs. */
	new_phase_notify(PHASE_RUNNING);
	notify(ip_up_notifier, 0);

	memcpy(ipv6cp_gotoptions[0].ourid.e8, our_id, 8);
	memcpy(ipv6cp_hisoptions[0].hisid.e8, his_id, 8);
	notify(ipv6_up_notifier, 0);

	new_phase_notify(PHASE_TERMINATE);
	new_phase_notify(PHASE_DISCONNECT);
	new_phase_notify(PHASE_DEAD);
	notify(exitnotify, EXIT_HANGUP);
}

static void invented_peer(const char *socket_path)
{
	CHECK(run_option("sstp-bridge-socket", socket_path) == 1, "the option handler failed");
	new_phase_notify(PHASE_ESTABLISH);
	/* PAP or CHAP-MD5: no MPPE keys. */
	mppe_keys_set = 0;
	notify(auth_up_notifier, 0);
	strcpy(ifname, "ppp3");
	ifunit = 3;
	interface_mtu = 1500;
	ipcp_gotoptions[0].ouraddr = inet_addr("172.16.0.9");
	/* ipcp_up(): the peer gave no address, pppd made one up. */
	ipcp_hisoptions[0].hisaddr = htonl(0x0a404040u + 3);
	/* Only the secondary server came back. */
	ipcp_gotoptions[0].dnsaddr[0] = 0;
	ipcp_gotoptions[0].dnsaddr[1] = inet_addr("192.0.2.9");
	notify(ip_up_notifier, 0);
	notify(exitnotify, EXIT_USER_REQUEST);
}

static void auth_up_only(const char *socket_path)
{
	CHECK(run_option("sstp-bridge-socket", socket_path) == 1, "the option handler failed");
	set_keys();
	notify(auth_up_notifier, 0);
	CHECK(0, "auth_up returned although the service did not acknowledge");
}

static void passwords(const char *socket_path)
{
	strcpy(user, "bob");
	CHECK(run_option("sstp-bridge-socket", socket_path) == 1, "the option handler failed");
	for (int i = 0; i < 3; i++)
		chap_password();
	notify(exitnotify, EXIT_OK);
}

static void latin1_user(const char *socket_path)
{
	strcpy(user, "j\xf6rg");
	CHECK(run_option("sstp-bridge-socket", socket_path) == 0, "HELLO with a non-UTF-8 user was accepted");
}

static void no_option(void)
{
	new_phase_notify(PHASE_SERIALCONN);
	CHECK(0, "a phase change without sstp-bridge-socket was not fatal");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fakepppd PLUGIN SOCKET SCENARIO\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	load_plugin(argv[1]);
	const char *scenario = argv[3];
	if (strcmp(scenario, "conversation") == 0)
		conversation(argv[2]);
	else if (strcmp(scenario, "invented-peer") == 0)
		invented_peer(argv[2]);
	else if (strcmp(scenario, "auth-up") == 0)
		auth_up_only(argv[2]);
	else if (strcmp(scenario, "passwords") == 0)
		passwords(argv[2]);
	else if (strcmp(scenario, "no-option") == 0)
		no_option();
	else if (strcmp(scenario, "latin1-user") == 0)
		latin1_user(argv[2]);
	else {
		fprintf(stderr, "fakepppd: unknown scenario %s\n", scenario);
		return 2;
	}
	if (failures > 0)
		return 3;
	printf("harness: done\n");
	return 0;
}
