/* libnm-vpn-plugin-sstp-editor.so (GTK 3) and libnm-gtk4-vpn-plugin-sstp-editor.so
 * (GTK 4): the editor window of the sstp VPN type, built from this one file
 * twice. The base plugin (sstp-editor-plugin.c) loads the one that matches
 * the GTK of the host program and calls sstp_editor_new().
 *
 * The main page holds the gateway and the login; the Advanced dialog holds
 * certificate checking, EAP-TLS, the HTTP proxy, PPP and SSTP settings.
 * Every widget is a field bound to one key (sstp-editor-fields.c): keys the
 * user did not change are saved exactly as the connection had them. */
#include "sstp-editor-fields.h"
#include "sstp-editor-gtk.h"
#include "sstp-keys.h"

#include <string.h>

#define SSTP_EXPORT __attribute__((visibility("default")))

#define SSTP_TYPE_EDITOR (sstp_editor_get_type())
G_DECLARE_FINAL_TYPE(SstpEditor, sstp_editor, SSTP, EDITOR, GObject)

struct _SstpEditor {
    GObject       parent;
    GtkWidget    *root;     /* the main page */
    GtkWidget    *advanced; /* the Advanced dialog (a toplevel) */
    GtkWidget    *type;     /* connection-type combo */
    GtkWidget    *ignore_warning;
    GtkWidget    *ignore_check;
    GPtrArray    *fields;          /* SstpField, all of them */
    GPtrArray    *advanced_fields; /* the ones in the Advanced dialog (not owned) */
    GPtrArray    *password_rows;   /* widgets shown for connection-type=password */
    GPtrArray    *tls_rows;        /* widgets shown for connection-type=tls */
    GPtrArray    *building;        /* where add_* puts the fields it makes */
    GPtrArray    *rows_for_type;   /* password_rows, tls_rows or NULL while building */
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
    gtk_widget_set_visible(ed->ignore_warning, sstp_check_get(ed->ignore_check));
}

static void
on_changed(SstpEditor *ed)
{
    if (ed->loading)
        return;
    update_visibility(ed);
    check_all(ed, NULL);
    g_signal_emit_by_name(ed, "changed");
}

static void
on_widget_changed(GtkWidget *widget, gpointer user_data)
{
    (void) widget;
    on_changed(SSTP_EDITOR(user_data));
}

static void
on_widget_notify(GObject *object, GParamSpec *pspec, gpointer user_data)
{
    (void) object;
    (void) pspec;
    on_changed(SSTP_EDITOR(user_data));
}

/*****************************************************************************/
/* Building the pages */

static GtkWidget *
new_grid(void)
{
    GtkWidget *grid = gtk_grid_new();

    gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
    gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
    gtk_widget_set_margin_start(grid, 12);
    gtk_widget_set_margin_end(grid, 12);
    gtk_widget_set_margin_top(grid, 12);
    gtk_widget_set_margin_bottom(grid, 12);
    return grid;
}

static void
add_heading(GtkWidget *grid, int *row, const char *text)
{
    g_autofree char *markup = g_markup_printf_escaped("<b>%s</b>", text);
    GtkWidget       *label = gtk_label_new(NULL);

    gtk_label_set_markup(GTK_LABEL(label), markup);
    gtk_label_set_xalign(GTK_LABEL(label), 0.0f);
    if (*row > 0)
        gtk_widget_set_margin_top(label, 12);
    gtk_grid_attach(GTK_GRID(grid), label, 0, (*row)++, 2, 1);
}

/* A hint under a row, in the small dim style GNOME uses. */
static GtkWidget *
add_note(SstpEditor *ed, GtkWidget *grid, int *row, const char *icon, const char *text)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *label = gtk_label_new(text);

    if (icon)
        sstp_box_add(box, sstp_icon(icon));
    gtk_label_set_xalign(GTK_LABEL(label), 0.0f);
    sstp_label_wrap(label);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 50);
    sstp_css_class(label, "dim-label", TRUE);
    sstp_box_add(box, label);
    gtk_grid_attach(GTK_GRID(grid), box, 1, (*row)++, 1, 1);
    if (ed->rows_for_type) {
        sstp_toggled(box);
        g_ptr_array_add(ed->rows_for_type, box);
    }
    return box;
}

static SstpField *
bind_field(SstpEditor *ed, const char *key, SstpFieldKind kind, GtkWidget *widget, gboolean default_on)
{
    SstpField *field = sstp_field_new(key, kind, widget, default_on);

    g_ptr_array_add(ed->fields, field);
    if (ed->building != ed->fields)
        g_ptr_array_add(ed->building, field);
    switch (kind) {
    case SSTP_FIELD_ENTRY:
    case SSTP_FIELD_COMBO:
        g_signal_connect(widget, "changed", G_CALLBACK(on_widget_changed), ed);
        break;
    case SSTP_FIELD_CHECK:
    case SSTP_FIELD_CHECK_INVERTED:
        g_signal_connect(widget, "toggled", G_CALLBACK(on_widget_changed), ed);
        break;
    case SSTP_FIELD_SECRET:
        g_signal_connect(widget, "changed", G_CALLBACK(on_widget_changed), ed);
        /* libnma shows the storage choice as the entry's icon. */
        g_signal_connect(widget, "notify::secondary-icon-name", G_CALLBACK(on_widget_notify), ed);
        break;
    }
    return field;
}

/* Label text without the mnemonic underscore, for accessibility tools. */
static char *
plain(const char *mnemonic)
{
    GString *out = g_string_new(NULL);

    for (const char *p = mnemonic; *p; p++) {
        if (*p != '_')
            g_string_append_c(out, *p);
    }
    if (out->len && out->str[out->len - 1] == ':')
        g_string_truncate(out, out->len - 1);
    return g_string_free(out, FALSE);
}

/* label | widget (or box holding it), on one row. */
static void
attach_row(SstpEditor *ed, GtkWidget *grid, int *row, const char *label_text, GtkWidget *target,
           GtkWidget *shown, const char *tooltip)
{
    GtkWidget       *label = gtk_label_new_with_mnemonic(label_text);
    g_autofree char *name = plain(label_text);

    gtk_label_set_xalign(GTK_LABEL(label), 1.0f);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), target);
    sstp_accessible_name(target, name);
    gtk_widget_set_hexpand(shown, TRUE);
    if (tooltip)
        gtk_widget_set_tooltip_text(label, tooltip);
    gtk_grid_attach(GTK_GRID(grid), label, 0, *row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), shown, 1, *row, 1, 1);
    (*row)++;
    if (ed->rows_for_type) {
        sstp_toggled(label);
        sstp_toggled(shown);
        g_ptr_array_add(ed->rows_for_type, label);
        g_ptr_array_add(ed->rows_for_type, shown);
    }
}

static GtkWidget *
add_entry(SstpEditor *ed, GtkWidget *grid, int *row, const char *label, const char *key,
          const char *placeholder)
{
    GtkWidget *entry = gtk_entry_new();

    if (placeholder)
        gtk_entry_set_placeholder_text(GTK_ENTRY(entry), placeholder);
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    attach_row(ed, grid, row, label, entry, entry, NULL);
    bind_field(ed, key, SSTP_FIELD_ENTRY, entry, FALSE);
    return entry;
}

static void
on_file_chosen(GtkNativeDialog *dialog, int response, gpointer user_data)
{
    GtkWidget *entry = user_data;

    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        g_autofree char *path = file ? g_file_get_path(file) : NULL;

        if (path)
            sstp_entry_set(entry, path);
    }
    g_object_unref(dialog);
}

static void
on_browse(GtkWidget *button, gpointer user_data)
{
    GtkWidget            *entry = user_data;
    GtkFileChooserNative *chooser =
        gtk_file_chooser_native_new("Choose a file", sstp_toplevel(button),
                                    GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");

    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
    g_signal_connect(chooser, "response", G_CALLBACK(on_file_chosen), entry);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* A path: an entry and a button that opens a file chooser. */
static GtkWidget *
add_file(SstpEditor *ed, GtkWidget *grid, int *row, const char *label, const char *key)
{
    GtkWidget       *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget       *entry = gtk_entry_new();
    GtkWidget       *button = sstp_icon_button("document-open-symbolic");
    g_autofree char *name = plain(label);
    g_autofree char *button_name = g_strdup_printf("Choose %s", name);

    gtk_widget_set_hexpand(entry, TRUE);
    gtk_entry_set_placeholder_text(GTK_ENTRY(entry), "(none)");
    gtk_widget_set_tooltip_text(button, button_name);
    sstp_accessible_name(button, button_name);
    g_signal_connect(button, "clicked", G_CALLBACK(on_browse), entry);
    sstp_box_add(box, entry);
    sstp_box_add(box, button);
    attach_row(ed, grid, row, label, entry, box, NULL);
    bind_field(ed, key, SSTP_FIELD_ENTRY, entry, FALSE);
    return entry;
}

static GtkWidget *
add_check(SstpEditor *ed, GtkWidget *grid, int *row, const char *label, const char *key,
          SstpFieldKind kind, gboolean default_on, const char *tooltip)
{
    GtkWidget       *check = gtk_check_button_new_with_mnemonic(label);
    g_autofree char *name = plain(label);

    sstp_accessible_name(check, name);
    if (tooltip)
        gtk_widget_set_tooltip_text(check, tooltip);
    gtk_grid_attach(GTK_GRID(grid), check, 1, (*row)++, 1, 1);
    bind_field(ed, key, kind, check, default_on);
    return check;
}

/* items: id, text, id, text, ..., NULL. */
static GtkWidget *
add_combo(SstpEditor *ed, GtkWidget *grid, int *row, const char *label, const char *key, ...)
{
    GtkWidget  *combo = gtk_combo_box_text_new();
    const char *id;
    va_list     ap;

    va_start(ap, key);
    while ((id = va_arg(ap, const char *))) {
        const char *text = va_arg(ap, const char *);

        gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(combo), id, text);
    }
    va_end(ap);
    attach_row(ed, grid, row, label, combo, combo, NULL);
    bind_field(ed, key, SSTP_FIELD_COMBO, combo, FALSE);
    return combo;
}

static void
on_show_password(GtkWidget *check, gpointer user_data)
{
    gtk_entry_set_visibility(GTK_ENTRY(user_data), sstp_check_get(check));
}

static GtkWidget *
add_secret(SstpEditor *ed, GtkWidget *grid, int *row, const char *label, const char *key)
{
    GtkWidget       *entry = gtk_entry_new();
    GtkWidget       *show = gtk_check_button_new_with_mnemonic("Sho_w password");
    g_autofree char *name = g_strdup_printf("Show %s", label);

    gtk_entry_set_visibility(GTK_ENTRY(entry), FALSE);
    gtk_entry_set_input_purpose(GTK_ENTRY(entry), GTK_INPUT_PURPOSE_PASSWORD);
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    attach_row(ed, grid, row, label, entry, entry, NULL);
    bind_field(ed, key, SSTP_FIELD_SECRET, entry, FALSE);
    g_signal_connect(show, "toggled", G_CALLBACK(on_show_password), entry);
    gtk_grid_attach(GTK_GRID(grid), show, 1, (*row)++, 1, 1);
    if (ed->rows_for_type) {
        sstp_toggled(show);
        g_ptr_array_add(ed->rows_for_type, show);
    }
    return entry;
}

static GtkWidget *
build_main_page(SstpEditor *ed)
{
    GtkWidget *grid = new_grid();
    GtkWidget *button, *box;
    int        row = 0;

    add_heading(grid, &row, "General");
    add_entry(ed, grid, &row, "_Gateway:", "gateway", "vpn.example.com or vpn.example.com:443");

    add_heading(grid, &row, "Authentication");
    ed->type = add_combo(ed, grid, &row, "_Type:", "connection-type", "password", "Password",
                         "tls", "Certificate (EAP-TLS)", NULL);

    ed->rows_for_type = ed->password_rows;
    add_entry(ed, grid, &row, "User _name:", "user", NULL);
    add_secret(ed, grid, &row, "_Password:", "password");
    add_entry(ed, grid, &row, "NT _domain:", "domain", "(none)");

    ed->rows_for_type = ed->tls_rows;
    add_note(ed, grid, &row, "dialog-information-symbolic",
             "sstp-service does not support certificate login yet.");
    add_file(ed, grid, &row, "User _certificate:", "tls-user-cert");
    add_file(ed, grid, &row, "Private _key:", "tls-user-key");
    add_secret(ed, grid, &row, "Key pass_word:", "tls-user-key-secret");
    ed->rows_for_type = NULL;

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

static GtkWidget *
page(GtkWidget *notebook, const char *title)
{
    GtkWidget *grid = new_grid();

    gtk_notebook_append_page(GTK_NOTEBOOK(notebook), grid, gtk_label_new_with_mnemonic(title));
    return grid;
}

static void
build_certificate_page(SstpEditor *ed, GtkWidget *notebook)
{
    GtkWidget *grid = page(notebook, "_Certificates");
    int        row = 0;

    add_heading(grid, &row, "Server certificate");
    add_file(ed, grid, &row, "CA c_ertificate:", "ca-cert");
    add_file(ed, grid, &row, "E_xtra CA certificate:", "extra-ca-cert");
    add_entry(ed, grid, &row, "Certificate _pins:", "cert-pin", "sha256:BASE64, …");
    add_entry(ed, grid, &row, "Server _name:", "server-name", "(the gateway's name)");
    add_combo(ed, grid, &row, "TLS mi_nimum:", "tls-min", "", "Default", "1.2", "TLS 1.2", "1.3",
              "TLS 1.3", NULL);
    add_combo(ed, grid, &row, "TLS ma_ximum:", "tls-max", "", "Default", "1.2", "TLS 1.2", "1.3",
              "TLS 1.3", NULL);
    add_check(ed, grid, &row, "Send the server name in the TLS _hello (SNI)", "tls-ext",
              SSTP_FIELD_CHECK, TRUE, NULL);
    ed->ignore_check =
        add_check(ed, grid, &row, "_Ignore certificate warnings", "ignore-cert-warn",
                  SSTP_FIELD_CHECK, FALSE, "Connect even if the server's certificate fails the checks");
    ed->ignore_warning =
        add_note(ed, grid, &row, "dialog-warning-symbolic",
                 "The server's certificate is not checked: anyone on the path to the server "
                 "can pose as it and read your traffic.");
    sstp_css_class(ed->ignore_warning, "warning", TRUE);
    sstp_toggled(ed->ignore_warning);
}

static void
build_eap_tls_page(SstpEditor *ed, GtkWidget *notebook)
{
    GtkWidget *grid = page(notebook, "_EAP-TLS");
    int        row = 0;

    add_heading(grid, &row, "Certificate login inside PPP");
    add_file(ed, grid, &row, "_CA certificate:", "tls-ca-cert");
    add_file(ed, grid, &row, "_Revocation list:", "crl-file");
    add_entry(ed, grid, &row, "_Identity:", "tls-identity", NULL);
    add_entry(ed, grid, &row, "_Subject match:", "tls-subject-name", NULL);
    add_entry(ed, grid, &row, "_Verify method:", "tls-verify-method", NULL);
    add_entry(ed, grid, &row, "Re_mote name:", "tls-remotename", NULL);
    add_entry(ed, grid, &row, "Ma_ximum TLS version:", "tls-max-version", NULL);
    add_check(ed, grid, &row, "Verify the certificate's _key usage", "tls-verify-key-usage",
              SSTP_FIELD_CHECK, FALSE, NULL);
}

static void
build_proxy_page(SstpEditor *ed, GtkWidget *notebook)
{
    GtkWidget *grid = page(notebook, "Pro_xy");
    int        row = 0;

    add_heading(grid, &row, "HTTP proxy");
    add_entry(ed, grid, &row, "_Server:", "proxy-server", "(none: connect directly)");
    add_entry(ed, grid, &row, "_Port:", "proxy-port", NULL);
    add_entry(ed, grid, &row, "_User name:", "proxy-user", "(none)");
    add_secret(ed, grid, &row, "Pass_word:", "proxy-password");
}

typedef struct {
    const char   *label, *key;
    SstpFieldKind kind;
    gboolean      default_on;
} CheckSpec;

/* label | a block of check boxes, `columns` to a line. */
static void
add_checks(SstpEditor *ed, GtkWidget *grid, int *row, const char *label, const CheckSpec *checks,
           guint n, guint columns)
{
    GtkWidget *block = gtk_grid_new();
    GtkWidget *title = gtk_label_new(label);

    gtk_grid_set_row_spacing(GTK_GRID(block), 6);
    gtk_grid_set_column_spacing(GTK_GRID(block), 18);
    gtk_label_set_xalign(GTK_LABEL(title), 1.0f);
    gtk_widget_set_valign(title, GTK_ALIGN_START);
    for (guint i = 0; i < n; i++) {
        GtkWidget       *check = gtk_check_button_new_with_mnemonic(checks[i].label);
        g_autofree char *name = plain(checks[i].label);

        sstp_accessible_name(check, name);
        gtk_grid_attach(GTK_GRID(block), check, (int) (i % columns), (int) (i / columns), 1, 1);
        bind_field(ed, checks[i].key, checks[i].kind, check, checks[i].default_on);
    }
    gtk_grid_attach(GTK_GRID(grid), title, 0, *row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), block, 1, (*row)++, 1, 1);
}

static void
build_ppp_page(SstpEditor *ed, GtkWidget *notebook)
{
    static const CheckSpec methods[] = {
        {"_PAP", "refuse-pap", SSTP_FIELD_CHECK_INVERTED, TRUE},
        {"_CHAP", "refuse-chap", SSTP_FIELD_CHECK_INVERTED, TRUE},
        {"_MSCHAP", "refuse-mschap", SSTP_FIELD_CHECK_INVERTED, TRUE},
        {"MSCHAP_v2", "refuse-mschapv2", SSTP_FIELD_CHECK_INVERTED, TRUE},
        {"_EAP", "refuse-eap", SSTP_FIELD_CHECK_INVERTED, TRUE},
    };
    static const CheckSpec pppd_options[] = {
        {"Require MPPE", "require-mppe", SSTP_FIELD_CHECK, FALSE},
        {"Allow stateful MPPE", "mppe-stateful", SSTP_FIELD_CHECK, FALSE},
        {"Require 40-bit MPPE", "require-mppe-40", SSTP_FIELD_CHECK, FALSE},
        {"Require 128-bit MPPE", "require-mppe-128", SSTP_FIELD_CHECK, FALSE},
        {"No BSD compression", "nobsdcomp", SSTP_FIELD_CHECK, FALSE},
        {"No Deflate compression", "nodeflate", SSTP_FIELD_CHECK, FALSE},
        {"No VJ header compression", "no-vj-comp", SSTP_FIELD_CHECK, FALSE},
    };
    GtkWidget *grid = page(notebook, "_PPP");
    int        row = 0;

    add_heading(grid, &row, "Authentication");
    add_checks(ed, grid, &row, "Allow:", methods, G_N_ELEMENTS(methods), 3);

    add_heading(grid, &row, "Link");
    add_entry(ed, grid, &row, "M_TU:", "mtu", "(default)");
    add_check(ed, grid, &row, "Use _IPv6 inside the tunnel", "ipv6", SSTP_FIELD_CHECK, TRUE, NULL);
    add_entry(ed, grid, &row, "LCP echo _interval (s):", "lcp-echo-interval", "0 (off)");
    add_entry(ed, grid, &row, "LCP echo _failures:", "lcp-echo-failure", "0 (off)");
    add_entry(ed, grid, &row, "PPP _unit:", "unit", "(any)");

    add_heading(grid, &row, "pppd backend only");
    add_checks(ed, grid, &row, "Options:", pppd_options, G_N_ELEMENTS(pppd_options), 2);
}

static void
build_sstp_page(SstpEditor *ed, GtkWidget *notebook)
{
    GtkWidget *grid = page(notebook, "_SSTP");
    int        row = 0;

    add_heading(grid, &row, "SSTP");
    add_entry(ed, grid, &row, "_Hello interval (s):", "hello-interval", "(default)");
    add_combo(ed, grid, &row, "_Backend:", "backend", "", "Default (userspace)", "userspace",
              "Userspace PPP", "pppd", "pppd", NULL);
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

static GtkWidget *
build_advanced_dialog(SstpEditor *ed)
{
    GtkWidget *dialog = gtk_dialog_new_with_buttons("SSTP Advanced Options", NULL, GTK_DIALOG_MODAL,
                                                    "_Cancel", GTK_RESPONSE_CANCEL, "_Apply",
                                                    GTK_RESPONSE_APPLY, NULL);
    GtkWidget *notebook = gtk_notebook_new();

    ed->building = ed->advanced_fields;
    build_certificate_page(ed, notebook);
    build_eap_tls_page(ed, notebook);
    build_proxy_page(ed, notebook);
    build_ppp_page(ed, notebook);
    build_sstp_page(ed, notebook);
    ed->building = ed->fields;

    gtk_widget_set_margin_start(notebook, 6);
    gtk_widget_set_margin_end(notebook, 6);
    gtk_widget_set_margin_top(notebook, 6);
    gtk_widget_set_margin_bottom(notebook, 6);
    sstp_container_add(gtk_dialog_get_content_area(GTK_DIALOG(dialog)), notebook);
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_APPLY);
    gtk_window_set_resizable(GTK_WINDOW(dialog), FALSE);
    g_signal_connect(dialog, "response", G_CALLBACK(on_advanced_response), ed);
#if GTK_CHECK_VERSION(4, 0, 0)
    gtk_window_set_hide_on_close(GTK_WINDOW(dialog), TRUE);
#else
    g_signal_connect(dialog, "delete-event", G_CALLBACK(on_advanced_delete), ed);
    gtk_widget_show_all(notebook);
#endif
    return dialog;
}

static void
on_advanced_clicked(GtkWidget *button, gpointer user_data)
{
    SstpEditor *ed = user_data;
    GtkWindow  *parent = sstp_toplevel(button);

    for (guint i = 0; i < ed->advanced_fields->len; i++)
        sstp_field_remember(g_ptr_array_index(ed->advanced_fields, i));
    if (parent)
        gtk_window_set_transient_for(GTK_WINDOW(ed->advanced), parent);
    update_visibility(ed);
    gtk_window_present(GTK_WINDOW(ed->advanced));
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
    ed->building = ed->fields;
}

static void
sstp_editor_dispose(GObject *object)
{
    SstpEditor *ed = SSTP_EDITOR(object);

    /* Widgets being destroyed emit signals: nothing to check any more. */
    ed->loading = TRUE;
    if (ed->advanced) {
        g_signal_handlers_disconnect_by_data(ed->advanced, ed);
        sstp_window_destroy(ed->advanced);
        ed->advanced = NULL;
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
    ed->advanced = build_advanced_dialog(ed);
    button = g_object_get_data(G_OBJECT(ed->root), "sstp-advanced-button");
    g_signal_connect(button, "clicked", G_CALLBACK(on_advanced_clicked), ed);
    /* For tests: the Advanced dialog, reachable from the page. */
    g_object_set_data(G_OBJECT(ed->root), "sstp-advanced-dialog", ed->advanced);

    ed->loading = TRUE;
    for (guint i = 0; i < ed->fields->len; i++)
        sstp_field_load(g_ptr_array_index(ed->fields, i), ed->loaded);
    ed->loading = FALSE;
    sstp_show_all(ed->root);
    update_visibility(ed);
    check_all(ed, NULL);
    return NM_VPN_EDITOR(ed);
}
