/* sstp-auth-dialog: the auth dialog of the sstp VPN type (GLib only; GTK is
 * loaded only for the window, from sstp-auth-dialog-gtk.so).
 *
 * NetworkManager's secret agents (nmcli, GNOME Shell, nm-applet) run it as
 *   sstp-auth-dialog -u UUID -n NAME -s SERVICE [-i] [-r] [--external-ui-mode] [-t HINT]...
 * and write the connection's vpn.data and stored vpn.secrets on its standard
 * input (DATA_KEY=/DATA_VAL=, SECRET_KEY=/SECRET_VAL=, each pair ended by a
 * blank line, "=" continuation lines, then DONE).
 *
 * External-UI mode prints a "[VPN Plugin UI]" keyfile that tells the agent
 * which secrets to ask for. Standard mode asks itself (when -i allows it):
 * in a window when there is a display (sstp-auth-gtk.c, nm-applet's way),
 * else on /dev/tty; it prints "key\nvalue\n" pairs and an empty line, then
 * waits up to 20 s for QUIT. Secrets never go to argv, the environment or a log. */
#include "sstp-auth-gtk.h"
#include "sstp-auth-io.h"
#include "sstp-keys.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define QUIT_TIMEOUT_MS (20 * 1000)
#define HINT_MESSAGE    "x-vpn-message:"

typedef struct {
    const char *key;
    const char *flags_key;
    const char *label;
} SecretSpec;

static const SecretSpec secret_specs[] = {
    {"password", "password-flags", "Password"},
    {"tls-user-key-secret", "tls-user-key-secret-flags", "Private key password"},
    {"proxy-password", "proxy-password-flags", "Proxy password"},
};

typedef struct {
    const SecretSpec *spec;
    gboolean          listed; /* shown to the agent */
    gboolean          needed; /* must be asked for (or re-asked) */
    const char       *stored; /* the value the agent passed in, or NULL */
} Secret;

typedef struct {
    char    *uuid, *name, *service;
    gboolean interaction, reprompt, external_ui;
    char   **hints;
} Options;

static void
die(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

static void
die(const char *fmt, ...)
{
    va_list ap;

    fputs("sstp-auth-dialog: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void
parse_options(int argc, char **argv, Options *opt)
{
    GOptionEntry entries[] = {
        {"uuid", 'u', 0, G_OPTION_ARG_STRING, &opt->uuid, "UUID of the connection", "UUID"},
        {"name", 'n', 0, G_OPTION_ARG_STRING, &opt->name, "Name of the connection", "NAME"},
        {"service", 's', 0, G_OPTION_ARG_STRING, &opt->service, "VPN service type", "SERVICE"},
        {"allow-interaction", 'i', 0, G_OPTION_ARG_NONE, &opt->interaction,
         "Asking the user is allowed", NULL},
        {"reprompt", 'r', 0, G_OPTION_ARG_NONE, &opt->reprompt,
         "Ask again even for secrets that are stored", NULL},
        {"external-ui-mode", 0, 0, G_OPTION_ARG_NONE, &opt->external_ui,
         "Print what to ask for instead of asking", NULL},
        {"hint", 't', 0, G_OPTION_ARG_STRING_ARRAY, &opt->hints,
         "A secret the VPN service asked for (repeatable)", "HINT"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) context = g_option_context_new("- SSTP VPN auth dialog");
    g_autoptr(GError) error = NULL;

    g_option_context_add_main_entries(context, entries, NULL);
    g_option_context_set_help_enabled(context, TRUE);
    if (!g_option_context_parse(context, &argc, &argv, &error))
        die("%s (see --help)", error->message);
    if (argc > 1)
        die("unexpected argument '%s' (see --help)", argv[1]);
    if (!opt->uuid || !opt->name || !opt->service)
        die("-u UUID, -n NAME and -s SERVICE are all required (see --help)");
    if (strcmp(opt->service, SSTP_SERVICE) != 0)
        die("this dialog is for the VPN service %s, not %s", SSTP_SERVICE, opt->service);
}

static guint
secret_flags(GHashTable *data, const SecretSpec *spec)
{
    const char *value = g_hash_table_lookup(data, spec->flags_key);
    guint       flags = 0;

    if (value && !sstp_parse_flags(value, &flags))
        fprintf(stderr, "sstp-auth-dialog: ignoring %s='%s': not a number from 0 to 7\n",
                spec->flags_key, value);
    return flags;
}

/* Is the secret used by this connection at all? */
static gboolean
secret_relevant(GHashTable *data, const SecretSpec *spec)
{
    const char *type = g_hash_table_lookup(data, "connection-type");
    const char *proxy_user = g_hash_table_lookup(data, "proxy-user");
    gboolean    tls = g_strcmp0(type, "tls") == 0;

    if (strcmp(spec->key, "password") == 0)
        return !tls;
    if (strcmp(spec->key, "tls-user-key-secret") == 0)
        return tls;
    return proxy_user && proxy_user[0];
}

/* Decides, for each secret, whether to show it and whether to ask for it.
 * Hints from the VPN service override the connection's own view. */
static void
plan(const Options *opt, GHashTable *data, GHashTable *secrets, Secret out[],
     const char **message)
{
    gboolean hinted_any = FALSE;

    *message = NULL;
    for (guint h = 0; opt->hints && opt->hints[h]; h++) {
        if (g_str_has_prefix(opt->hints[h], HINT_MESSAGE)) {
            if (!*message)
                *message = opt->hints[h] + strlen(HINT_MESSAGE);
        } else if (sstp_is_secret_key(opt->hints[h])) {
            hinted_any = TRUE;
        }
    }

    for (guint i = 0; i < G_N_ELEMENTS(secret_specs); i++) {
        const SecretSpec *spec = &secret_specs[i];
        const char       *stored = g_hash_table_lookup(secrets, spec->key);
        guint             flags = secret_flags(data, spec);
        Secret           *s = &out[i];

        s->spec = spec;
        s->stored = (stored && stored[0]) ? stored : NULL;
        if (hinted_any) {
            s->listed = g_strv_contains((const char *const *) opt->hints, spec->key);
            s->needed = s->listed;
        } else {
            s->listed = secret_relevant(data, spec) && !(flags & SSTP_FLAG_NOT_REQUIRED);
            s->needed = s->listed
                        && ((flags & SSTP_FLAG_NOT_SAVED) || opt->reprompt || !s->stored);
        }
    }
}

/* GKeyFile's escaping for a string value. */
static void
append_escaped(GString *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        switch (*p) {
        case ' ':
            g_string_append(out, p == value ? "\\s" : " ");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        default:
            g_string_append_c(out, *p);
        }
    }
}

static void
append_entry(GString *out, const char *key, const char *value)
{
    g_string_append_printf(out, "%s=", key);
    append_escaped(out, value);
    g_string_append_c(out, '\n');
}

static char *
default_message(const Options *opt)
{
    return g_strdup_printf("Secrets are needed to connect to the SSTP VPN '%s'.", opt->name);
}

static int
run_external_ui(const Options *opt, Secret secrets[], const char *message)
{
    GString         *out = g_string_sized_new(1024);
    g_autofree char *title = g_strdup_printf("VPN '%s'", opt->name);
    g_autofree char *fallback = default_message(opt);
    gboolean         ok;

    g_string_append(out, "[VPN Plugin UI]\n");
    append_entry(out, "Version", "2");
    append_entry(out, "Description", message ? message : fallback);
    append_entry(out, "Title", title);
    for (guint i = 0; i < G_N_ELEMENTS(secret_specs); i++) {
        const Secret *s = &secrets[i];

        if (!s->listed)
            continue;
        g_string_append_printf(out, "\n[%s]\n", s->spec->key);
        append_entry(out, "Value", s->stored ? s->stored : "");
        append_entry(out, "Label", s->spec->label);
        append_entry(out, "IsSecret", "true");
        append_entry(out, "ShouldAsk", s->needed && opt->interaction ? "true" : "false");
    }
    ok = sstp_write_all(STDOUT_FILENO, out->str, out->len);
    sstp_wipe_gstring(out);
    if (!ok)
        die("cannot write to standard output");
    return 0;
}

/* Asks for every needed secret in one window. answers[i] is set for each
 * needed secrets[i]. SSTP_ASK_NO_DISPLAY when there is no display or no
 * graphical module: then the terminal is used. */
static SstpAskResult
ask_graphically(const Options *opt, const Secret secrets[], const char *message, char *answers[])
{
    const char      *display = g_getenv("DISPLAY"), *wayland = g_getenv("WAYLAND_DISPLAY");
    g_autofree char *exe = NULL, *dir = NULL, *path = NULL, *title = NULL;
    const char      *labels[SSTP_AUTH_GTK_MAX], *values[SSTP_AUTH_GTK_MAX];
    char            *got[SSTP_AUTH_GTK_MAX] = {0};
    guint            index[SSTP_AUTH_GTK_MAX], n = 0;
    SstpAuthGtkAsk   ask;
    SstpAskResult    result;
    void            *module;

    if (!(display && display[0]) && !(wayland && wayland[0]))
        return SSTP_ASK_NO_DISPLAY;
    for (guint i = 0; i < G_N_ELEMENTS(secret_specs) && n < SSTP_AUTH_GTK_MAX; i++) {
        if (!secrets[i].listed || !secrets[i].needed)
            continue;
        labels[n] = secrets[i].spec->label;
        values[n] = secrets[i].stored;
        index[n++] = i;
    }
    if (n == 0)
        return SSTP_ASK_NO_DISPLAY;

    /* The module is installed next to this program. */
    exe = g_file_read_link("/proc/self/exe", NULL);
    if (!exe)
        return SSTP_ASK_NO_DISPLAY;
    dir = g_path_get_dirname(exe);
    path = g_build_filename(dir, SSTP_AUTH_GTK_MODULE, NULL);
    module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        fprintf(stderr, "sstp-auth-dialog: no graphical prompt (%s); asking on the terminal\n",
                dlerror());
        return SSTP_ASK_NO_DISPLAY;
    }
    *(void **) &ask = dlsym(module, SSTP_AUTH_GTK_SYMBOL);
    if (!ask) {
        fprintf(stderr, "sstp-auth-dialog: %s has no %s; asking on the terminal\n", path,
                SSTP_AUTH_GTK_SYMBOL);
        return SSTP_ASK_NO_DISPLAY;
    }
    /* GTK stays loaded: it cannot be unloaded safely. */
    title = g_strdup_printf("Authenticate VPN %s", opt->name);
    result = ask(title, message, n, labels, values, got);
    for (guint k = 0; k < n; k++) {
        if (result == SSTP_ASK_OK)
            answers[index[k]] = got[k];
        else
            sstp_secret_free(got[k]);
    }
    return result;
}

static int
run_standard(const Options *opt, Secret secrets[], const char *message, SstpLineReader *reader)
{
    GString         *out = g_string_sized_new(256);
    g_autofree char *fallback = default_message(opt);
    gboolean         any = FALSE, shown = FALSE, ok;
    char            *windowed[G_N_ELEMENTS(secret_specs)] = {0};
    SstpAskResult    window = SSTP_ASK_NO_DISPLAY;

    if (opt->interaction)
        window = ask_graphically(opt, secrets, message ? message : fallback, windowed);
    if (window == SSTP_ASK_CANCELLED) {
        sstp_wipe_gstring(out);
        die("cancelled");
    }

    for (guint i = 0; i < G_N_ELEMENTS(secret_specs); i++) {
        const Secret *s = &secrets[i];
        char         *asked = NULL;
        const char   *value = s->stored;

        if (!s->listed)
            continue;
        if (s->needed && opt->interaction) {
            g_autoptr(GError) error = NULL;
            g_autofree char *prompt = g_strdup_printf("%s: ", s->spec->label);

            if (window == SSTP_ASK_OK) {
                asked = g_steal_pointer(&windowed[i]);
                if (!asked)
                    asked = g_strdup("");
            } else {
                asked = sstp_tty_ask(shown ? NULL : (message ? message : fallback), prompt, &error);
            }
            shown = TRUE;
            if (!asked) {
                sstp_wipe_gstring(out);
                die("%s", error->message);
            }
            if (!asked[0]) {
                /* An empty line would end the reply early: treat it as "cancel". */
                sstp_wipe_gstring(out);
                die("no %s given", s->spec->label);
            }
            value = asked;
        } else if (s->needed && !value) {
            sstp_wipe_gstring(out);
            die("the %s of '%s' is needed, but asking is not allowed (no -i)",
                s->spec->label, opt->name);
        }
        if (value) {
            g_string_append_printf(out, "%s\n%s\n", s->spec->key, value);
            any = TRUE;
        }
        sstp_secret_free(asked);
    }
    if (!any)
        g_string_append(out, "no-secret\ntrue\n");
    g_string_append(out, "\n\n");
    ok = sstp_write_all(STDOUT_FILENO, out->str, out->len);
    sstp_wipe_gstring(out);
    if (!ok)
        die("cannot write to standard output");

    sstp_wait_for_quit(reader, QUIT_TIMEOUT_MS);
    return 0;
}

int
main(int argc, char **argv)
{
    Options          opt = {0};
    g_autoptr(GHashTable) data = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                       sstp_secret_free);
    g_autoptr(GHashTable) stored = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                         sstp_secret_free);
    g_autoptr(GError) error = NULL;
    SstpLineReader  *reader;
    Secret           secrets[G_N_ELEMENTS(secret_specs)];
    const char      *message = NULL;
    int              status;

    signal(SIGPIPE, SIG_IGN);
    parse_options(argc, argv, &opt);

    reader = sstp_line_reader_new(STDIN_FILENO);
    if (!sstp_read_request(reader, data, stored, &error))
        die("bad input from the secret agent: %s", error->message);

    plan(&opt, data, stored, secrets, &message);
    if (opt.external_ui)
        status = run_external_ui(&opt, secrets, message);
    else
        status = run_standard(&opt, secrets, message, reader);

    sstp_line_reader_free(reader);
    g_free(opt.uuid);
    g_free(opt.name);
    g_free(opt.service);
    g_strfreev(opt.hints);
    return status;
}
