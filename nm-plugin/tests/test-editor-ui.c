/* Tests of the editor windows, through the libnm editor API the way
 * nm-connection-editor uses it. Built twice, against GTK 3 and GTK 4, and run
 * under Xvfb:
 *
 *   test-editor-ui-gtk3 PATH/libnm-vpn-plugin-sstp.so
 *
 * The base plugin must load the editor library of this program's GTK.
 * Opening a connection and saving it untouched must leave vpn.data and
 * vpn.secrets exactly as they were (network-manager-sstp 1.3 profiles,
 * unknown keys, every key); changed fields write only their keys; bad values
 * are refused with the message of sstp_check_data_item(). */
#include "../sstp-keys.h"

#include <NetworkManager.h>
#include <gtk/gtk.h>
#include <nma-ui-utils.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if GTK_CHECK_VERSION(4, 0, 0)
#define EDITOR_LIBRARY "libnm-gtk4-vpn-plugin-sstp-editor.so"
#define OTHER_LIBRARY  "libnm-vpn-plugin-sstp-editor.so"
#else
#define EDITOR_LIBRARY "libnm-vpn-plugin-sstp-editor.so"
#define OTHER_LIBRARY  "libnm-gtk4-vpn-plugin-sstp-editor.so"
#endif

static guint passed, failed;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            printf("FAIL %s:%d: ", __func__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

/*****************************************************************************/
/* GTK 3 / GTK 4 */

static GtkWidget *
find_named(GtkWidget *widget, const char *name)
{
    GtkWidget *found = NULL;

    if (g_strcmp0(gtk_widget_get_name(widget), name) == 0)
        return widget;
#if GTK_CHECK_VERSION(4, 0, 0)
    for (GtkWidget *child = gtk_widget_get_first_child(widget); child && !found;
         child = gtk_widget_get_next_sibling(child))
        found = find_named(child, name);
    if (!found && GTK_IS_NOTEBOOK(widget)) {
        for (int i = 0; i < gtk_notebook_get_n_pages(GTK_NOTEBOOK(widget)) && !found; i++)
            found = find_named(gtk_notebook_get_nth_page(GTK_NOTEBOOK(widget), i), name);
    }
#else
    if (GTK_IS_CONTAINER(widget)) {
        GList *children = gtk_container_get_children(GTK_CONTAINER(widget));

        for (GList *l = children; l && !found; l = l->next)
            found = find_named(l->data, name);
        g_list_free(children);
    }
#endif
    return found;
}

static void
set_text(GtkWidget *entry, const char *text)
{
#if GTK_CHECK_VERSION(4, 0, 0)
    gtk_editable_set_text(GTK_EDITABLE(entry), text);
#else
    gtk_entry_set_text(GTK_ENTRY(entry), text);
#endif
}

static void
toggle(GtkWidget *check)
{
#if GTK_CHECK_VERSION(4, 0, 0)
    gtk_check_button_set_active(GTK_CHECK_BUTTON(check),
                                !gtk_check_button_get_active(GTK_CHECK_BUTTON(check)));
#else
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(check),
                                 !gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(check)));
#endif
}

static gboolean
has_error_style(GtkWidget *widget)
{
#if GTK_CHECK_VERSION(4, 0, 0)
    return gtk_widget_has_css_class(widget, "error");
#else
    return gtk_style_context_has_class(gtk_widget_get_style_context(widget), "error");
#endif
}

/*****************************************************************************/

typedef struct {
    NMVpnEditor *editor;
    GtkWidget   *page;
    GtkWidget   *advanced;
} Editor;

static gboolean
open_editor(NMVpnEditorPlugin *plugin, NMConnection *connection, Editor *out)
{
    g_autoptr(GError) error = NULL;

    out->editor = nm_vpn_editor_plugin_get_editor(plugin, connection, &error);
    CHECK(out->editor != NULL, "get_editor: %s", error ? error->message : "");
    if (!out->editor)
        return FALSE;
    out->page = GTK_WIDGET(nm_vpn_editor_get_widget(out->editor));
    out->advanced = g_object_get_data(G_OBJECT(out->page), "sstp-advanced-dialog");
    CHECK(GTK_IS_WIDGET(out->page) && GTK_IS_WINDOW(out->advanced), "a page and a dialog");
    return GTK_IS_WIDGET(out->page) && GTK_IS_WINDOW(out->advanced);
}

static GtkWidget *
field(Editor *ed, const char *key)
{
    GtkWidget *widget = find_named(ed->page, key);

    if (!widget)
        widget = find_named(ed->advanced, key);
    CHECK(widget != NULL, "a field for %s", key);
    return widget;
}

static void
close_editor(Editor *ed)
{
    g_clear_object(&ed->editor);
}

static NMConnection *
new_connection(const char *const items[][2], gsize n_items, const char *const secrets[][2],
               gsize n_secrets)
{
    NMConnection    *connection = nm_simple_connection_new();
    NMSetting       *s_con = nm_setting_connection_new();
    NMSetting       *s_vpn = nm_setting_vpn_new();
    g_autofree char *uuid = nm_utils_uuid_generate();

    g_object_set(s_con, NM_SETTING_CONNECTION_ID, "Work", NM_SETTING_CONNECTION_UUID, uuid,
                 NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
    g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, SSTP_SERVICE, NULL);
    for (gsize i = 0; i < n_items; i++)
        nm_setting_vpn_add_data_item(NM_SETTING_VPN(s_vpn), items[i][0], items[i][1]);
    for (gsize i = 0; i < n_secrets; i++)
        nm_setting_vpn_add_secret(NM_SETTING_VPN(s_vpn), secrets[i][0], secrets[i][1]);
    nm_connection_add_setting(connection, s_con);
    nm_connection_add_setting(connection, s_vpn);
    return connection;
}

/* "k=v\n" for every data item (or secret), sorted: what must not change. */
static char *
dump(NMConnection *connection, gboolean secrets)
{
    NMSettingVpn *vpn = nm_connection_get_setting_vpn(connection);
    GString      *out = g_string_new(NULL);
    guint         n = 0;
    const char  **keys;

    if (!vpn)
        return g_string_free(out, FALSE);
    keys = secrets ? nm_setting_vpn_get_secret_keys(vpn, &n) : nm_setting_vpn_get_data_keys(vpn, &n);
    for (guint i = 0; i < n; i++)
        g_string_append_printf(out, "%s=%s\n", keys[i],
                               secrets ? nm_setting_vpn_get_secret(vpn, keys[i])
                                       : nm_setting_vpn_get_data_item(vpn, keys[i]));
    g_free(keys);
    return g_string_free(out, FALSE);
}

/* Saves the editor into a copy of connection; returns the copy or NULL. */
static NMConnection *
save(Editor *ed, NMConnection *connection, GError **error)
{
    NMConnection *copy = nm_simple_connection_new_clone(connection);

    if (!nm_vpn_editor_update_connection(ed->editor, copy, error)) {
        g_object_unref(copy);
        return NULL;
    }
    return copy;
}

static void
check_untouched(NMVpnEditorPlugin *plugin, const char *what, NMConnection *original)
{
    Editor                  ed = {0};
    g_autoptr(GError)       error = NULL;
    g_autoptr(NMConnection) saved = NULL;
    g_autofree char        *before = dump(original, FALSE), *before_secrets = dump(original, TRUE);
    g_autofree char        *after = NULL, *after_secrets = NULL;

    if (!open_editor(plugin, original, &ed))
        return;
    saved = save(&ed, original, &error);
    CHECK(saved != NULL, "%s: saving untouched works: %s", what, error ? error->message : "");
    if (saved) {
        after = dump(saved, FALSE);
        after_secrets = dump(saved, TRUE);
        CHECK(strcmp(before, after) == 0, "%s: vpn.data unchanged:\n--- before\n%s--- after\n%s",
              what, before, after);
        CHECK(strcmp(before_secrets, after_secrets) == 0, "%s: vpn.secrets unchanged", what);
        CHECK(g_strcmp0(nm_setting_vpn_get_service_type(nm_connection_get_setting_vpn(saved)),
                        SSTP_SERVICE)
                  == 0,
              "%s: service type kept", what);
    }
    close_editor(&ed);
}

/*****************************************************************************/

static void
test_loads_matching_gtk(NMVpnEditorPlugin *plugin)
{
    g_autoptr(NMConnection) connection = new_connection(NULL, 0, NULL, 0);
    Editor                  ed = {0};
    g_autofree char        *maps = NULL;

    if (!open_editor(plugin, connection, &ed))
        return;
    g_file_get_contents("/proc/self/maps", &maps, NULL, NULL);
    CHECK(maps && strstr(maps, "/" EDITOR_LIBRARY), "%s is loaded", EDITOR_LIBRARY);
    CHECK(maps && !strstr(maps, "/" OTHER_LIBRARY), "%s is not loaded", OTHER_LIBRARY);
    close_editor(&ed);
}

/* What network-manager-sstp 1.3's editor writes for a new connection. */
static void
test_network_manager_sstp_profile_untouched(NMVpnEditorPlugin *plugin)
{
    static const char *const items[][2] = {
        {"gateway", "vpn.example.com"},   {"connection-type", "password"},
        {"user", "alice"},                {"password-flags", "1"},
        {"ca-cert", "/etc/ssl/ca.pem"},   {"ignore-cert-warn", "no"},
        {"tls-ext", "yes"},               {"refuse-eap", "yes"},
        {"refuse-pap", "yes"},            {"refuse-chap", "yes"},
        {"refuse-mschap", "yes"},         {"require-mppe", "yes"},
        {"lcp-echo-failure", "5"},        {"lcp-echo-interval", "30"},
        {"proxy-password-flags", "0"},    {"tls-user-key-secret-flags", "0"},
        {"uuid", "0e5b27ba-0a7e-4b3a-8c54-b8f1b1a0e7b3"},
    };
    static const char *const secrets[][2] = {{"password", "S3cret"}};
    g_autoptr(NMConnection) connection =
        new_connection(items, G_N_ELEMENTS(items), secrets, G_N_ELEMENTS(secrets));

    check_untouched(plugin, "network-manager-sstp 1.3 profile", connection);
}

static void
test_every_key_and_unknown_keys_untouched(NMVpnEditorPlugin *plugin)
{
    static const char *const items[][2] = {
        {"gateway", "vpn.example.com:8443"},
        {"connection-type", "tls"},
        {"user", "  alice; bob # x"},
        {"domain", "CONTOSO"},
        {"password-flags", "2"},
        {"proxy-password-flags", "4"},
        {"tls-user-key-secret-flags", "1"},
        {"ca-cert", "/etc/ssl/work ca.pem"},
        {"ignore-cert-warn", "yes"},
        {"tls-ext", "no"},
        {"proxy-server", "proxy.example.com"},
        {"proxy-port", "3128"},
        {"proxy-user", "bob"},
        {"refuse-eap", "no"},
        {"refuse-pap", "yes"},
        {"refuse-chap", "no"},
        {"refuse-mschap", "yes"},
        {"refuse-mschapv2", "no"},
        {"require-mppe", "no"},
        {"require-mppe-40", "yes"},
        {"require-mppe-128", "no"},
        {"mppe-stateful", "yes"},
        {"nobsdcomp", "yes"},
        {"nodeflate", "no"},
        {"no-vj-comp", "yes"},
        {"lcp-echo-failure", "5"},
        {"lcp-echo-interval", "30"},
        {"unit", "7"},
        {"mtu", "1400"},
        {"crl-file", "/etc/ssl/crl.pem"},
        {"tls-ca-cert", "/etc/ssl/ca.pem"},
        {"tls-identity", "alice@example.com"},
        {"tls-subject-name", "CN=vpn.example.com"},
        {"tls-user-cert", "/home/alice/cert.pem"},
        {"tls-user-key", "/home/alice/key.pem"},
        {"tls-verify-method", "name"},
        {"tls-remotename", "vpn.example.com"},
        {"tls-verify-key-usage", "yes"},
        {"tls-max-version", "1.3"},
        {"uuid", "1b6a0e0c-4c8e-4b8a-9d51-6c1c4f1c2f0e"},
        {"cert-pin", "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
        {"tls-min", "1.3"},
        {"tls-max", "1.3"},
        {"extra-ca-cert", "/etc/ssl/extra.pem"},
        {"server-name", "sni.example.com"},
        {"ipv6", "no"},
        {"hello-interval", "60"},
        {"backend", "pppd"},
        {"colour", "blue"}, /* unknown to us: kept */
    };
    static const char *const secrets[][2] = {
        {"password", "S3cret"}, {"proxy-password", "Pr0xy"}, {"tls-user-key-secret", "K3y"},
        {"x-other", "kept"},
    };
    g_autoptr(NMConnection) connection =
        new_connection(items, G_N_ELEMENTS(items), secrets, G_N_ELEMENTS(secrets));
    static const char *const gateway_only[][2] = {{"gateway", "vpn.example.com"}};
    g_autoptr(NMConnection) minimal = new_connection(gateway_only, 1, NULL, 0);

    Editor                  ed = {0};

    /* Each key of the shared table has a field, except uuid (carried) and
     * the secret flags (the secrets' storage menus). */
    if (!open_editor(plugin, connection, &ed))
        return;
    for (guint i = 0; sstp_data_keys[i]; i++) {
        if (strcmp(sstp_data_keys[i], "uuid") != 0 && !g_str_has_suffix(sstp_data_keys[i], "-flags"))
            field(&ed, sstp_data_keys[i]);
    }
    for (guint i = 0; sstp_secret_keys[i]; i++)
        field(&ed, sstp_secret_keys[i]);
    close_editor(&ed);
    check_untouched(plugin, "every key, values off their defaults", connection);
    check_untouched(plugin, "only a gateway", minimal);
}

static void
test_filled_fields_write_exactly_their_keys(NMVpnEditorPlugin *plugin)
{
    g_autoptr(NMConnection) connection = new_connection(NULL, 0, NULL, 0);
    g_autoptr(NMConnection) saved = NULL;
    g_autoptr(GError)       error = NULL;
    g_autofree char        *data = NULL, *secrets = NULL;
    Editor                  ed = {0};

    if (!open_editor(plugin, connection, &ed))
        return;
    set_text(field(&ed, "gateway"), "vpn.example.com");
    set_text(field(&ed, "user"), "alice");
    set_text(field(&ed, "password"), "S3cret");
    set_text(field(&ed, "ca-cert"), "/etc/ssl/ca.pem");
    /* Toggled twice: back where it was, so not written. */
    toggle(field(&ed, "ipv6"));
    toggle(field(&ed, "ipv6"));
    toggle(field(&ed, "refuse-pap")); /* "Allow PAP" off */
    saved = save(&ed, connection, &error);
    CHECK(saved != NULL, "saves: %s", error ? error->message : "");
    if (saved) {
        data = dump(saved, FALSE);
        secrets = dump(saved, TRUE);
        CHECK(strcmp(data,
                     "ca-cert=/etc/ssl/ca.pem\ngateway=vpn.example.com\nrefuse-pap=yes\nuser=alice\n")
                  == 0,
              "exactly the filled keys:\n%s", data);
        CHECK(strcmp(secrets, "password=S3cret\n") == 0, "the password: %s", secrets);
    }
    /* Emptying a field removes its key. */
    g_clear_object(&saved);
    set_text(field(&ed, "user"), "");
    saved = save(&ed, connection, &error);
    CHECK(saved && !nm_setting_vpn_get_data_item(nm_connection_get_setting_vpn(saved), "user"),
          "an emptied field removes its key");
    close_editor(&ed);
}

/* "Ask for this password every time": flags 2, and the stored secret is no
 * longer kept. */
static void
test_ask_every_time_drops_the_stored_password(NMVpnEditorPlugin *plugin)
{
    static const char *const items[][2] = {{"gateway", "vpn.example.com"}};
    static const char *const secrets[][2] = {{"password", "S3cret"}};
    g_autoptr(NMConnection) connection = new_connection(items, 1, secrets, 1);
    g_autoptr(NMConnection) saved = NULL;
    NMSettingVpn           *vpn;
    Editor                  ed = {0};

    if (!open_editor(plugin, connection, &ed))
        return;
    nma_utils_update_password_storage(field(&ed, "password"), NM_SETTING_SECRET_FLAG_NOT_SAVED, NULL,
                                      NULL);
    saved = save(&ed, connection, NULL);
    vpn = saved ? nm_connection_get_setting_vpn(saved) : NULL;
    CHECK(vpn && g_strcmp0(nm_setting_vpn_get_data_item(vpn, "password-flags"), "2") == 0,
          "password-flags=2");
    CHECK(vpn && !nm_setting_vpn_get_secret(vpn, "password"), "no stored password");
    close_editor(&ed);
}

static void
test_validation_uses_the_key_table(NMVpnEditorPlugin *plugin)
{
    static const char *const items[][2] = {{"gateway", "vpn.example.com"}};
    static const char *const bad[][2] = {
        {"gateway", "vpn example com"}, {"mtu", "12"},          {"proxy-port", "0"},
        {"cert-pin", "sha256:short"},   {"lcp-echo-failure", "x"}, {"hello-interval", "-1"},
    };
    g_autoptr(NMConnection) connection = new_connection(items, G_N_ELEMENTS(items), NULL, 0);
    Editor                  ed = {0};

    if (!open_editor(plugin, connection, &ed))
        return;
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        GtkWidget              *widget = field(&ed, bad[i][0]);
        g_autoptr(GError)       error = NULL, expected = NULL;
        g_autoptr(NMConnection) saved = NULL;

        if (!widget)
            continue;
        set_text(widget, bad[i][1]);
        sstp_check_data_item(bad[i][0], bad[i][1], &expected);
        saved = save(&ed, connection, &error);
        CHECK(saved == NULL, "%s=%s is refused", bad[i][0], bad[i][1]);
        CHECK(error && expected && strcmp(error->message, expected->message) == 0,
              "the message is the key table's: '%s' vs '%s'", error ? error->message : "",
              expected ? expected->message : "");
        CHECK(has_error_style(widget), "%s is marked", bad[i][0]);
        CHECK(g_strcmp0(gtk_widget_get_tooltip_text(widget), expected ? expected->message : "")
                  == 0,
              "%s's tooltip tells why", bad[i][0]);
        set_text(widget, strcmp(bad[i][0], "gateway") == 0 ? "vpn.example.com" : "");
        g_clear_object(&saved);
        g_clear_error(&error);
        saved = save(&ed, connection, &error);
        CHECK(saved != NULL && !has_error_style(widget), "fixed %s saves: %s", bad[i][0],
              error ? error->message : "");
    }
    {
        g_autoptr(GError)       error = NULL;
        g_autoptr(NMConnection) saved = NULL;

        set_text(field(&ed, "gateway"), "");
        saved = save(&ed, connection, &error);
        CHECK(saved == NULL && error && strstr(error->message, "'gateway' is required"),
              "the gateway is required: %s", error ? error->message : "");
    }
    close_editor(&ed);
}

static void
test_advanced_cancel_restores(NMVpnEditorPlugin *plugin)
{
    static const char *const items[][2] = {{"gateway", "vpn.example.com"}, {"mtu", "1400"}};
    g_autoptr(NMConnection) connection = new_connection(items, G_N_ELEMENTS(items), NULL, 0);
    g_autoptr(NMConnection) saved = NULL;
    GtkWidget              *button;
    Editor                  ed = {0};

    if (!open_editor(plugin, connection, &ed))
        return;
    button = find_named(ed.page, "advanced");
    CHECK(button != NULL, "an Advanced button");
    if (!button)
        return;
    g_signal_emit_by_name(button, "clicked");
    CHECK(gtk_widget_get_visible(ed.advanced), "the Advanced dialog shows");
    set_text(field(&ed, "mtu"), "1300");
    gtk_dialog_response(GTK_DIALOG(ed.advanced), GTK_RESPONSE_CANCEL);
    CHECK(!gtk_widget_get_visible(ed.advanced), "Cancel hides it");
    saved = save(&ed, connection, NULL);
    CHECK(saved && g_strcmp0(nm_setting_vpn_get_data_item(nm_connection_get_setting_vpn(saved),
                                                          "mtu"),
                             "1400")
                       == 0,
          "Cancel puts the MTU back");
    g_clear_object(&saved);
    g_signal_emit_by_name(button, "clicked");
    set_text(field(&ed, "mtu"), "1300");
    gtk_dialog_response(GTK_DIALOG(ed.advanced), GTK_RESPONSE_APPLY);
    saved = save(&ed, connection, NULL);
    CHECK(saved && g_strcmp0(nm_setting_vpn_get_data_item(nm_connection_get_setting_vpn(saved),
                                                          "mtu"),
                             "1300")
                       == 0,
          "Apply keeps the new MTU");
    close_editor(&ed);
}

/* --without-editor: PLUGIN.so lies in a directory without the editor
 * libraries, as with only the sstp-client-swift package installed; the
 * plugin must refuse with an error naming the missing file and the way out. */
static void
test_without_editor_library(NMVpnEditorPlugin *plugin)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NMConnection) connection = new_connection(NULL, 0, NULL, 0);
    NMVpnEditor *editor = nm_vpn_editor_plugin_get_editor(plugin, connection, &error);

    CHECK(editor == NULL, "no editor object");
    CHECK(error && strstr(error->message, "/" EDITOR_LIBRARY " is missing")
              && strstr(error->message, "sstp-client-swift-gnome") && strstr(error->message, "nmcli"),
          "get_editor explains: %s", error ? error->message : "(no error)");
    if (error)
        printf("get_editor without %s: %s\n", EDITOR_LIBRARY, error->message);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char   *plugin_path = NULL;
    NMVpnEditorPlugin *plugin;

    gboolean           without_editor = argc == 3 && strcmp(argv[2], "--without-editor") == 0;

    if (argc != 2 && !without_editor) {
        fprintf(stderr, "usage: %s PLUGIN.so [--without-editor]\n", argv[0]);
        return 2;
    }
#if GTK_CHECK_VERSION(4, 0, 0)
    if (!gtk_init_check()) {
#else
    if (!gtk_init_check(NULL, NULL)) {
#endif
        fprintf(stderr, "%s: no display (run under xvfb-run)\n", argv[0]);
        return 1;
    }
    plugin_path = g_canonicalize_filename(argv[1], NULL);
    plugin = nm_vpn_editor_plugin_load_from_file(plugin_path, SSTP_SERVICE, (int) geteuid(), NULL,
                                                 NULL, &error);
    CHECK(plugin != NULL, "plugin loads: %s", error ? error->message : "");
    if (plugin && without_editor) {
        test_without_editor_library(plugin);
        g_object_unref(plugin);
    } else if (plugin) {
        test_loads_matching_gtk(plugin);
        test_network_manager_sstp_profile_untouched(plugin);
        test_every_key_and_unknown_keys_untouched(plugin);
        test_filled_fields_write_exactly_their_keys(plugin);
        test_ask_every_time_drops_the_stored_password(plugin);
        test_validation_uses_the_key_table(plugin);
        test_advanced_cancel_restores(plugin);
        g_object_unref(plugin);
    }
    printf("editor-ui (GTK %d): %u passed, %u failed\n", GTK_MAJOR_VERSION, passed, failed);
    return failed ? 1 : 0;
}
