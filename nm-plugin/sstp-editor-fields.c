/* Editor fields: widgets bound to vpn.data keys. See sstp-editor-fields.h. */
#include "sstp-editor-fields.h"

#include "sstp-editor-gtk.h"
#include "sstp-keys.h"

#include <nma-ui-utils.h>
#include <string.h>

SstpField *
sstp_field_new(const char *key, SstpFieldKind kind, GtkWidget *widget, gboolean default_on)
{
    SstpField *field = g_new0(SstpField, 1);

    field->key = key;
    field->kind = kind;
    field->widget = widget;
    field->default_on = default_on;
    if (kind == SSTP_FIELD_SECRET)
        field->flags_key = g_strdup_printf("%s-flags", key);
    /* Names for accessibility tools and for the tests. */
    gtk_widget_set_name(widget, key);
    return field;
}

static void
free_secret(char *text)
{
    if (text) {
        explicit_bzero(text, strlen(text));
        g_free(text);
    }
}

void
sstp_field_free(gpointer data)
{
    SstpField *field = data;

    free_secret(field->initial);
    free_secret(field->remembered);
    g_free(field->flags_key);
    g_free(field);
}

static void
combo_select(GtkWidget *widget, const char *id)
{
    GtkComboBox *combo = GTK_COMBO_BOX(widget);

    /* A value the list does not have (one the service would refuse, say) is
     * shown as it is, so the check below can point at it. */
    if (!gtk_combo_box_set_active_id(combo, id)) {
        gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(widget), id, id);
        gtk_combo_box_set_active_id(combo, id);
    }
}

static void
show_value(SstpField *field, const char *value)
{
    switch (field->kind) {
    case SSTP_FIELD_ENTRY:
    case SSTP_FIELD_SECRET:
        sstp_entry_set(field->widget, value ? value : "");
        break;
    case SSTP_FIELD_CHECK:
        sstp_check_set(field->widget, value ? strcmp(value, "yes") == 0 : field->default_on);
        break;
    case SSTP_FIELD_CHECK_INVERTED:
        sstp_check_set(field->widget, value ? strcmp(value, "yes") != 0 : field->default_on);
        break;
    case SSTP_FIELD_COMBO:
        if (value)
            combo_select(field->widget, value);
        else if (!gtk_combo_box_set_active_id(GTK_COMBO_BOX(field->widget), ""))
            gtk_combo_box_set_active(GTK_COMBO_BOX(field->widget), 0);
        break;
    }
}

void
sstp_field_load(SstpField *field, NMSettingVpn *vpn)
{
    if (field->kind == SSTP_FIELD_SECRET) {
        guint flags = 0;

        if (!sstp_parse_flags(nm_setting_vpn_get_data_item(vpn, field->flags_key), &flags))
            flags = 0;
        field->initial_flags = flags;
        nma_utils_setup_password_storage(field->widget, (NMSettingSecretFlags) flags, NULL, NULL,
                                         TRUE, FALSE);
        show_value(field, nm_setting_vpn_get_secret(vpn, field->key));
    } else {
        show_value(field, nm_setting_vpn_get_data_item(vpn, field->key));
    }
    free_secret(field->initial);
    field->initial = sstp_field_value(field);
}

char *
sstp_field_value(const SstpField *field)
{
    const char *text;

    switch (field->kind) {
    case SSTP_FIELD_ENTRY:
    case SSTP_FIELD_SECRET:
        text = sstp_entry_get(field->widget);
        return text[0] ? g_strdup(text) : NULL;
    case SSTP_FIELD_CHECK:
        return g_strdup(sstp_check_get(field->widget) ? "yes" : "no");
    case SSTP_FIELD_CHECK_INVERTED:
        return g_strdup(sstp_check_get(field->widget) ? "no" : "yes");
    case SSTP_FIELD_COMBO:
        text = gtk_combo_box_get_active_id(GTK_COMBO_BOX(field->widget));
        return text && text[0] ? g_strdup(text) : NULL;
    }
    g_assert_not_reached();
}

static void
mark(SstpField *field, const char *message)
{
    sstp_css_class(field->widget, "error", message != NULL);
    gtk_widget_set_tooltip_text(field->widget, message);
}

gboolean
sstp_field_check(SstpField *field, GError **error)
{
    g_autofree char *value = NULL;
    g_autoptr(GError) local = NULL;

    if (field->kind == SSTP_FIELD_SECRET)
        return TRUE;
    value = sstp_field_value(field);
    if (!value && strcmp(field->key, "gateway") == 0) {
        g_set_error(&local, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "key 'gateway' is required: enter the SSTP server's host name or address");
    } else if (value && !sstp_check_data_item(field->key, value, &local)) {
        /* local is set */
    }
    /* An empty gateway is not painted red (the page starts so), but it is
     * refused, with the message shown by the host program. */
    mark(field, local && value ? local->message : NULL);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    return TRUE;
}

static void
apply_secret(const SstpField *field, NMSettingVpn *vpn)
{
    guint            flags = (guint) nma_utils_menu_to_secret_flags(field->widget);
    char            *value = sstp_field_value(field);
    g_autofree char *flags_text = NULL;

    if (flags != field->initial_flags) {
        flags_text = g_strdup_printf("%u", flags);
        nm_setting_vpn_add_data_item(vpn, field->flags_key, flags_text);
    }
    if (flags != field->initial_flags && (flags & (SSTP_FLAG_NOT_SAVED | SSTP_FLAG_NOT_REQUIRED))) {
        /* Now asked for every time, or never: no longer kept. */
        nm_setting_vpn_remove_secret(vpn, field->key);
    } else if (g_strcmp0(value, field->initial) != 0) {
        if (value)
            nm_setting_vpn_add_secret(vpn, field->key, value);
        else
            nm_setting_vpn_remove_secret(vpn, field->key);
    }
    free_secret(value);
}

void
sstp_field_apply(const SstpField *field, NMSettingVpn *vpn)
{
    g_autofree char *value = NULL;

    if (field->kind == SSTP_FIELD_SECRET) {
        apply_secret(field, vpn);
        return;
    }
    value = sstp_field_value(field);
    if (g_strcmp0(value, field->initial) == 0)
        return; /* untouched: the key stays as it was */
    if (value)
        nm_setting_vpn_add_data_item(vpn, field->key, value);
    else
        nm_setting_vpn_remove_data_item(vpn, field->key);
}

void
sstp_field_remember(SstpField *field)
{
    free_secret(field->remembered);
    field->remembered = sstp_field_value(field);
}

void
sstp_field_restore(SstpField *field)
{
    show_value(field, field->remembered);
}
