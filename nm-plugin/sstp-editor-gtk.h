/* The few calls that differ between GTK 3 and GTK 4, for sstp-editor.c and
 * sstp-advanced.c, which are compiled once against each. */
#ifndef SSTP_EDITOR_GTK_H
#define SSTP_EDITOR_GTK_H

#include <gtk/gtk.h>

#if GTK_CHECK_VERSION(4, 0, 0)

static inline void
sstp_box_add(GtkWidget *box, GtkWidget *child)
{
    gtk_box_append(GTK_BOX(box), child);
}

static inline const char *
sstp_entry_get(GtkWidget *entry)
{
    return gtk_editable_get_text(GTK_EDITABLE(entry));
}

static inline void
sstp_entry_set(GtkWidget *entry, const char *text)
{
    gtk_editable_set_text(GTK_EDITABLE(entry), text);
}

static inline gboolean
sstp_check_get(GtkWidget *check)
{
    return gtk_check_button_get_active(GTK_CHECK_BUTTON(check));
}

static inline void
sstp_check_set(GtkWidget *check, gboolean on)
{
    gtk_check_button_set_active(GTK_CHECK_BUTTON(check), on);
}

static inline void
sstp_css_class(GtkWidget *widget, const char *name, gboolean on)
{
    if (on)
        gtk_widget_add_css_class(widget, name);
    else
        gtk_widget_remove_css_class(widget, name);
}

static inline GtkWindow *
sstp_toplevel(GtkWidget *widget)
{
    GtkRoot *root = gtk_widget_get_root(widget);

    return GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL;
}

static inline GtkWidget *
sstp_icon_button(const char *icon)
{
    return gtk_button_new_from_icon_name(icon);
}

static inline GtkWidget *
sstp_icon(const char *icon)
{
    return gtk_image_new_from_icon_name(icon);
}

static inline void
sstp_show_all(GtkWidget *widget)
{
    (void) widget; /* GTK 4 widgets are visible unless hidden */
}

static inline void
sstp_window_destroy(GtkWidget *window)
{
    gtk_window_destroy(GTK_WINDOW(window));
}

static inline void
sstp_accessible_name(GtkWidget *widget, const char *name)
{
    gtk_accessible_update_property(GTK_ACCESSIBLE(widget), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static inline void
sstp_toggled(GtkWidget *widget)
{
    (void) widget;
}

static inline void
sstp_label_wrap(GtkWidget *label)
{
    gtk_label_set_wrap(GTK_LABEL(label), TRUE);
}

static inline void
sstp_container_add(GtkWidget *box, GtkWidget *child)
{
    gtk_box_append(GTK_BOX(box), child);
    gtk_widget_set_vexpand(child, TRUE);
}

#else /* GTK 3 */

static inline void
sstp_box_add(GtkWidget *box, GtkWidget *child)
{
    /* Expands as the child's hexpand/vexpand say, and fills its space. */
    gtk_box_pack_start(GTK_BOX(box), child, FALSE, TRUE, 0);
}

static inline const char *
sstp_entry_get(GtkWidget *entry)
{
    return gtk_entry_get_text(GTK_ENTRY(entry));
}

static inline void
sstp_entry_set(GtkWidget *entry, const char *text)
{
    gtk_entry_set_text(GTK_ENTRY(entry), text);
}

static inline gboolean
sstp_check_get(GtkWidget *check)
{
    return gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(check));
}

static inline void
sstp_check_set(GtkWidget *check, gboolean on)
{
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(check), on);
}

static inline void
sstp_css_class(GtkWidget *widget, const char *name, gboolean on)
{
    GtkStyleContext *style = gtk_widget_get_style_context(widget);

    if (on)
        gtk_style_context_add_class(style, name);
    else
        gtk_style_context_remove_class(style, name);
}

static inline GtkWindow *
sstp_toplevel(GtkWidget *widget)
{
    GtkWidget *top = gtk_widget_get_toplevel(widget);

    return GTK_IS_WINDOW(top) ? GTK_WINDOW(top) : NULL;
}

static inline GtkWidget *
sstp_icon_button(const char *icon)
{
    return gtk_button_new_from_icon_name(icon, GTK_ICON_SIZE_BUTTON);
}

static inline GtkWidget *
sstp_icon(const char *icon)
{
    return gtk_image_new_from_icon_name(icon, GTK_ICON_SIZE_BUTTON);
}

static inline void
sstp_show_all(GtkWidget *widget)
{
    gtk_widget_show_all(widget);
}

static inline void
sstp_window_destroy(GtkWidget *window)
{
    gtk_widget_destroy(window);
}

static inline void
sstp_accessible_name(GtkWidget *widget, const char *name)
{
    atk_object_set_name(gtk_widget_get_accessible(widget), name);
}

/* Host programs call gtk_widget_show_all() on the page: widgets shown only
 * for one authentication type (or one setting) opt out of it, their own
 * children shown first. */
static inline void
sstp_toggled(GtkWidget *widget)
{
    gtk_widget_show_all(widget);
    gtk_widget_set_no_show_all(widget, TRUE);
}

static inline void
sstp_label_wrap(GtkWidget *label)
{
    gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
}

static inline void
sstp_container_add(GtkWidget *box, GtkWidget *child)
{
    gtk_box_pack_start(GTK_BOX(box), child, TRUE, TRUE, 0);
}

#endif

#endif
