/* Rows of the editor pages. See sstp-editor-rows.h. */
#include "sstp-editor-rows.h"

#include "sstp-editor-gtk.h"

#include <stdarg.h>

GtkWidget *
sstp_rows_grid(void)
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

void
sstp_rows_heading(GtkWidget *grid, int *row, const char *text)
{
    g_autofree char *markup = g_markup_printf_escaped("<b>%s</b>", text);
    GtkWidget       *label = gtk_label_new(NULL);

    gtk_label_set_markup(GTK_LABEL(label), markup);
    gtk_label_set_xalign(GTK_LABEL(label), 0.0f);
    if (*row > 0)
        gtk_widget_set_margin_top(label, 12);
    gtk_grid_attach(GTK_GRID(grid), label, 0, (*row)++, 2, 1);
}

GtkWidget *
sstp_rows_note(SstpRows *rows, GtkWidget *grid, int *row, const char *icon, const char *text)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *label = gtk_label_new(text);

    if (icon)
        sstp_box_add(box, sstp_icon(icon));
    gtk_label_set_xalign(GTK_LABEL(label), 0.0f);
    sstp_label_wrap(label);
    gtk_label_set_max_width_chars(GTK_LABEL(label), 50);
    /* A warning stays in full colour; other notes are dim. */
    sstp_css_class(label, "dim-label", g_strcmp0(icon, "dialog-warning-symbolic") != 0);
    sstp_box_add(box, label);
    gtk_grid_attach(GTK_GRID(grid), box, 1, (*row)++, 1, 1);
    if (rows->toggled) {
        sstp_toggled(box);
        g_ptr_array_add(rows->toggled, box);
    }
    return box;
}

static SstpField *
bind_field(SstpRows *rows, const char *key, SstpFieldKind kind, GtkWidget *widget,
           gboolean default_on)
{
    SstpField *field = sstp_field_new(key, kind, widget, default_on);

    g_ptr_array_add(rows->fields, field);
    if (rows->group)
        g_ptr_array_add(rows->group, field);
    switch (kind) {
    case SSTP_FIELD_ENTRY:
    case SSTP_FIELD_COMBO:
        g_signal_connect_swapped(widget, "changed", G_CALLBACK(rows->changed), rows->user_data);
        break;
    case SSTP_FIELD_CHECK:
    case SSTP_FIELD_CHECK_INVERTED:
        g_signal_connect_swapped(widget, "toggled", G_CALLBACK(rows->changed), rows->user_data);
        break;
    case SSTP_FIELD_SECRET:
        g_signal_connect_swapped(widget, "changed", G_CALLBACK(rows->changed), rows->user_data);
        /* libnma shows the storage choice as the entry's icon. */
        g_signal_connect_swapped(widget, "notify::secondary-icon-name", G_CALLBACK(rows->changed),
                                 rows->user_data);
        break;
    }
    return field;
}

char *
sstp_rows_plain(const char *mnemonic)
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
attach_row(SstpRows *rows, GtkWidget *grid, int *row, const char *label_text, GtkWidget *target,
           GtkWidget *shown, const char *tooltip)
{
    GtkWidget       *label = gtk_label_new_with_mnemonic(label_text);
    g_autofree char *name = sstp_rows_plain(label_text);

    gtk_label_set_xalign(GTK_LABEL(label), 1.0f);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), target);
    sstp_accessible_name(target, name);
    gtk_widget_set_hexpand(shown, TRUE);
    if (tooltip)
        gtk_widget_set_tooltip_text(label, tooltip);
    gtk_grid_attach(GTK_GRID(grid), label, 0, *row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), shown, 1, *row, 1, 1);
    (*row)++;
    if (rows->toggled) {
        sstp_toggled(label);
        sstp_toggled(shown);
        g_ptr_array_add(rows->toggled, label);
        g_ptr_array_add(rows->toggled, shown);
    }
}

GtkWidget *
sstp_rows_entry(SstpRows *rows, GtkWidget *grid, int *row, const char *label, const char *key,
                const char *placeholder)
{
    GtkWidget *entry = gtk_entry_new();

    if (placeholder)
        gtk_entry_set_placeholder_text(GTK_ENTRY(entry), placeholder);
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    attach_row(rows, grid, row, label, entry, entry, NULL);
    bind_field(rows, key, SSTP_FIELD_ENTRY, entry, FALSE);
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

GtkWidget *
sstp_rows_file(SstpRows *rows, GtkWidget *grid, int *row, const char *label, const char *key)
{
    GtkWidget       *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget       *entry = gtk_entry_new();
    GtkWidget       *button = sstp_icon_button("document-open-symbolic");
    g_autofree char *name = sstp_rows_plain(label);
    g_autofree char *button_name = g_strdup_printf("Choose %s", name);

    gtk_widget_set_hexpand(entry, TRUE);
    gtk_entry_set_placeholder_text(GTK_ENTRY(entry), "(none)");
    gtk_widget_set_tooltip_text(button, button_name);
    sstp_accessible_name(button, button_name);
    g_signal_connect(button, "clicked", G_CALLBACK(on_browse), entry);
    sstp_box_add(box, entry);
    sstp_box_add(box, button);
    attach_row(rows, grid, row, label, entry, box, NULL);
    bind_field(rows, key, SSTP_FIELD_ENTRY, entry, FALSE);
    return entry;
}

GtkWidget *
sstp_rows_check(SstpRows *rows, GtkWidget *grid, int *row, const char *label, const char *key,
                SstpFieldKind kind, gboolean default_on, const char *tooltip)
{
    GtkWidget       *check = gtk_check_button_new_with_mnemonic(label);
    g_autofree char *name = sstp_rows_plain(label);

    sstp_accessible_name(check, name);
    if (tooltip)
        gtk_widget_set_tooltip_text(check, tooltip);
    gtk_grid_attach(GTK_GRID(grid), check, 1, (*row)++, 1, 1);
    bind_field(rows, key, kind, check, default_on);
    return check;
}

GtkWidget *
sstp_rows_combo(SstpRows *rows, GtkWidget *grid, int *row, const char *label, const char *key, ...)
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
    attach_row(rows, grid, row, label, combo, combo, NULL);
    bind_field(rows, key, SSTP_FIELD_COMBO, combo, FALSE);
    return combo;
}

static void
on_show_password(GtkWidget *check, gpointer user_data)
{
    gtk_entry_set_visibility(GTK_ENTRY(user_data), sstp_check_get(check));
}

GtkWidget *
sstp_rows_secret(SstpRows *rows, GtkWidget *grid, int *row, const char *label, const char *key)
{
    GtkWidget       *entry = gtk_entry_new();
    GtkWidget       *show = gtk_check_button_new_with_mnemonic("Sho_w password");

    gtk_entry_set_visibility(GTK_ENTRY(entry), FALSE);
    gtk_entry_set_input_purpose(GTK_ENTRY(entry), GTK_INPUT_PURPOSE_PASSWORD);
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    attach_row(rows, grid, row, label, entry, entry, NULL);
    bind_field(rows, key, SSTP_FIELD_SECRET, entry, FALSE);
    g_signal_connect(show, "toggled", G_CALLBACK(on_show_password), entry);
    gtk_grid_attach(GTK_GRID(grid), show, 1, (*row)++, 1, 1);
    if (rows->toggled) {
        sstp_toggled(show);
        g_ptr_array_add(rows->toggled, show);
    }
    return entry;
}

void
sstp_rows_checks(SstpRows *rows, GtkWidget *grid, int *row, const char *label,
                 const SstpCheckSpec *checks, guint n, guint columns)
{
    GtkWidget *block = gtk_grid_new();
    GtkWidget *title = gtk_label_new(label);

    gtk_grid_set_row_spacing(GTK_GRID(block), 6);
    gtk_grid_set_column_spacing(GTK_GRID(block), 18);
    gtk_label_set_xalign(GTK_LABEL(title), 1.0f);
    gtk_widget_set_valign(title, GTK_ALIGN_START);
    for (guint i = 0; i < n; i++) {
        GtkWidget       *check = gtk_check_button_new_with_mnemonic(checks[i].label);
        g_autofree char *name = sstp_rows_plain(checks[i].label);

        sstp_accessible_name(check, name);
        gtk_grid_attach(GTK_GRID(block), check, (int) (i % columns), (int) (i / columns), 1, 1);
        bind_field(rows, checks[i].key, checks[i].kind, check, checks[i].default_on);
    }
    gtk_grid_attach(GTK_GRID(grid), title, 0, *row, 1, 1);
    gtk_grid_attach(GTK_GRID(grid), block, 1, (*row)++, 1, 1);
}

