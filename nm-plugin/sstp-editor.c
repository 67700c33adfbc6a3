/* libnm-vpn-plugin-sstp-editor.so (GTK 3) and libnm-gtk4-vpn-plugin-sstp-editor.so
 * (GTK 4): the editor window of the sstp VPN type, built from this one file
 * twice. The base plugin (sstp-editor-plugin.c) loads the one that matches
 * the GTK of the host program and calls sstp_editor_new().
 *
 * The main page holds the gateway and the login; the Advanced dialog
 * (sstp-editor-advanced.c) holds certificate checking, EAP-TLS, the HTTP
 * proxy, PPP and SSTP settings. Every widget is a field bound to one key
 * (sstp-editor-fields.c): keys the user did not change are saved exactly as
 * the connection had them. */
#include "sstp-editor-advanced.h"
#include "sstp-editor-gtk.h"
#include "sstp-keys.h"

#include <string.h>

#define SSTP_EXPORT __attribute__((visibility("default")))

#define SSTP_TYPE_EDITOR (sstp_editor_get_type())
G_DECLARE_FINAL_TYPE(SstpEditor, sstp_editor, SSTP, EDITOR, GObject)

struct _SstpEditor {
    GObject       parent;
    GtkWidget    *root;     /* the main page */
    SstpAdvanced  advanced; /* the Advanced dialog (a toplevel) */
    GtkWidget    *type;     /* connection-type combo */
    GPtrArray    *fields;          /* SstpField, all of them */
    GPtrArray    *advanced_fields; /* the ones in the Advanced dialog (not owned) */
    GPtrArray    *password_rows;   /* widgets shown for connection-type=password */
    GPtrArray    *tls_rows;        /* widgets shown for connection-type=tls */
    NMSettingVpn *loaded;          /* the vpn setting as it was given */
    gboolean      loading; /* (or disposing): widget signals are ignored */
};

static void sstp_editor_iface_init(NMVpnEditorInterface *iface);

G_DEFINE_TYPE_WITH_CODE(SstpEditor, sstp_editor, G_TYPE_OBJECT,
                        G_IMPLEMENT_INTERFACE(NM_TYPE_VPN_EDITOR, sstp_editor_iface_init))

/*****************************************************************************/
/* Validation and the "changed" signal */

static gboolean
check_all(SstpEditor *ed, GError **error)
{
    gboolean ok = TRUE;

    for (guint i = 0; i < ed->fields->len; i++) {
        /* Mark every bad field; report the first. */
        if (!sstp_field_check(g_ptr_array_index(ed->fields, i), ok ? error : NULL))
            ok = FALSE;
    }
    return ok;
}

static void
update_visibility(SstpEditor *ed)
{
    const char *type = gtk_combo_box_get_active_id(GTK_COMBO_BOX(ed->type));
    gboolean    tls = g_strcmp0(type, "tls") == 0;

    for (guint i = 0; i < ed->password_rows->len; i++)
        gtk_widget_set_visible(g_ptr_array_index(ed->password_rows, i), !tls);
    for (guint i = 0; i < ed->tls_rows->len; i++)
        gtk_widget_set_visible(g_ptr_array_index(ed->tls_rows, i), tls);
    gtk_widget_set_visible(ed->advanced.ignore_warning, sstp_check_get(ed->advanced.ignore_check));
}

static void
on_changed(gpointer user_data)
{
    SstpEditor *ed = user_data;

    if (ed->loading)
        return;
    update_visibility(ed);
    check_all(ed, NULL);
    g_signal_emit_by_name(ed, "changed");
}

/*****************************************************************************/
/* The main page and the Advanced dialog */

static GtkWidget *
build_main_page(SstpEditor *ed)
{
    SstpRows   rows = {ed->fields, NULL, NULL, on_changed, ed};
    SstpRows   password = {ed->fields, NULL, ed->password_rows, on_changed, ed};
    SstpRows   tls = {ed->fields, NULL, ed->tls_rows, on_changed, ed};
    GtkWidget *grid = sstp_rows_grid();
    GtkWidget *button, *box;
    int        row = 0;

    sstp_rows_heading(grid, &row, "General");
    sstp_rows_entry(&rows, grid, &row, "_Gateway:", "gateway",
                    "vpn.example.com or vpn.example.com:443");

    sstp_rows_heading(grid, &row, "Authentication");
    ed->type = sstp_rows_combo(&rows, grid, &row, "_Type:", "connection-type", "password",
                               "Password", "tls", "Certificate (EAP-TLS)", NULL);

    sstp_rows_entry(&password, grid, &row, "User _name:", "user", NULL);
    sstp_rows_secret(&password, grid, &row, "_Password:", "password");
    sstp_rows_entry(&password, grid, &row, "NT _domain:", "domain", "(none)");

    sstp_rows_note(&tls, grid, &row, "dialog-information-symbolic",
                   "sstp-service does not support certificate login yet.");
    sstp_rows_file(&tls, grid, &row, "User _certificate:", "tls-user-cert");
    sstp_rows_file(&tls, grid, &row, "Private _key:", "tls-user-key");
    sstp_rows_secret(&tls, grid, &row, "Key pass_word:", "tls-user-key-secret");

    box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
    gtk_widget_set_halign(box, GTK_ALIGN_END);
    gtk_widget_set_margin_top(box, 12);
    button = gtk_button_new_with_mnemonic("Ad_vanced…");
    gtk_widget_set_name(button, "advanced");
    sstp_accessible_name(button, "Advanced…");
    sstp_box_add(box, button);
    gtk_grid_attach(GTK_GRID(grid), box, 0, row++, 2, 1);
    g_object_set_data(G_OBJECT(grid), "sstp-advanced-button", button);
    return grid;
}

static void
on_advanced_response(GtkDialog *dialog, int response, gpointer user_data)
{
    SstpEditor *ed = user_data;

    if (response != GTK_RESPONSE_APPLY) {
        ed->loading = TRUE;
        for (guint i = 0; i < ed->advanced_fields->len; i++)
            sstp_field_restore(g_ptr_array_index(ed->advanced_fields, i));
        ed->loading = FALSE;
        on_changed(ed);
    }
    gtk_widget_set_visible(GTK_WIDGET(dialog), FALSE);
}

#if !GTK_CHECK_VERSION(4, 0, 0)
static gboolean
on_advanced_delete(GtkWidget *dialog, GdkEvent *event, gpointer user_data)
{
    (void) event;
    on_advanced_response(GTK_DIALOG(dialog), GTK_RESPONSE_DELETE_EVENT, user_data);
    return TRUE; /* keep it for next time */
}
#endif

static void
build_advanced_dialog(SstpEditor *ed)
{
    SstpRows rows = {ed->fields, ed->advanced_fields, NULL, on_changed, ed};

    sstp_advanced_build(&rows, &ed->advanced);
    g_signal_connect(ed->advanced.dialog, "response", G_CALLBACK(on_advanced_response), ed);
#if !GTK_CHECK_VERSION(4, 0, 0)
    g_signal_connect(ed->advanced.dialog, "delete-event", G_CALLBACK(on_advanced_delete), ed);
#endif
}

static void
on_advanced_clicked(GtkWidget *button, gpointer user_data)
{
    SstpEditor *ed = user_data;
    GtkWindow  *parent = sstp_toplevel(button);

    for (guint i = 0; i < ed->advanced_fields->len; i++)
        sstp_field_remember(g_ptr_array_index(ed->advanced_fields, i));
    if (parent)
        gtk_window_set_transient_for(GTK_WINDOW(ed->advanced.dialog), parent);
    update_visibility(ed);
    gtk_window_present(GTK_WINDOW(ed->advanced.dialog));
}

/*****************************************************************************/
/* NMVpnEditor */

static GObject *
get_widget(NMVpnEditor *editor)
{
    return G_OBJECT(SSTP_EDITOR(editor)->root);
}

static gboolean
update_connection(NMVpnEditor *editor, NMConnection *connection, GError **error)
{
    SstpEditor   *ed = SSTP_EDITOR(editor);
    NMSettingVpn *vpn;

    if (!check_all(ed, error))
        return FALSE;
    /* Start from the setting as it was loaded: keys no field changed (unknown
     * ones included) stay exactly as they were. */
    vpn = NM_SETTING_VPN(nm_setting_duplicate(NM_SETTING(ed->loaded)));
    for (guint i = 0; i < ed->fields->len; i++)
        sstp_field_apply(g_ptr_array_index(ed->fields, i), vpn);
    nm_connection_add_setting(connection, NM_SETTING(vpn));
    return TRUE;
}

static void
sstp_editor_init(SstpEditor *ed)
{
    ed->fields = g_ptr_array_new_with_free_func(sstp_field_free);
    ed->advanced_fields = g_ptr_array_new();
    ed->password_rows = g_ptr_array_new();
    ed->tls_rows = g_ptr_array_new();
}

static void
sstp_editor_dispose(GObject *object)
{
    SstpEditor *ed = SSTP_EDITOR(object);

    /* Widgets being destroyed emit signals: nothing to check any more. */
    ed->loading = TRUE;
    if (ed->advanced.dialog) {
        g_signal_handlers_disconnect_by_data(ed->advanced.dialog, ed);
        sstp_window_destroy(ed->advanced.dialog);
        ed->advanced.dialog = NULL;
    }
    g_clear_object(&ed->root);
    g_clear_object(&ed->loaded);
    G_OBJECT_CLASS(sstp_editor_parent_class)->dispose(object);
}

static void
sstp_editor_finalize(GObject *object)
{
    SstpEditor *ed = SSTP_EDITOR(object);

    g_ptr_array_unref(ed->fields);
    g_ptr_array_unref(ed->advanced_fields);
    g_ptr_array_unref(ed->password_rows);
    g_ptr_array_unref(ed->tls_rows);
    G_OBJECT_CLASS(sstp_editor_parent_class)->finalize(object);
}

static void
sstp_editor_class_init(SstpEditorClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = sstp_editor_dispose;
    G_OBJECT_CLASS(klass)->finalize = sstp_editor_finalize;
}

static void
sstp_editor_iface_init(NMVpnEditorInterface *iface)
{
    iface->get_widget = get_widget;
    iface->update_connection = update_connection;
}

/* Called by the base plugin through dlsym(). */
SSTP_EXPORT NMVpnEditor *
sstp_editor_new(NMConnection *connection, GError **error)
{
    NMSettingVpn *vpn = nm_connection_get_setting_vpn(connection);
    SstpEditor   *ed;
    GtkWidget    *button;

    if (!gdk_display_get_default()) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_NO_EDITOR,
                    "the sstp editor needs a display; edit the connection with "
                    "'nmcli connection modify <name> vpn.data ...'");
        return NULL;
    }
    ed = g_object_new(SSTP_TYPE_EDITOR, NULL);
    ed->loaded = vpn ? NM_SETTING_VPN(nm_setting_duplicate(NM_SETTING(vpn)))
                     : NM_SETTING_VPN(nm_setting_vpn_new());
    if (!vpn)
        g_object_set(ed->loaded, NM_SETTING_VPN_SERVICE_TYPE, SSTP_SERVICE, NULL);

    ed->root = g_object_ref_sink(build_main_page(ed));
    build_advanced_dialog(ed);
    button = g_object_get_data(G_OBJECT(ed->root), "sstp-advanced-button");
    g_signal_connect(button, "clicked", G_CALLBACK(on_advanced_clicked), ed);
    /* For tests: the Advanced dialog, reachable from the page. */
    g_object_set_data(G_OBJECT(ed->root), "sstp-advanced-dialog", ed->advanced.dialog);

    ed->loading = TRUE;
    for (guint i = 0; i < ed->fields->len; i++)
        sstp_field_load(g_ptr_array_index(ed->fields, i), ed->loaded);
    ed->loading = FALSE;
    sstp_show_all(ed->root);
    update_visibility(ed);
    check_all(ed, NULL);
    return NM_VPN_EDITOR(ed);
}
