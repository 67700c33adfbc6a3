/* One editor field: a widget bound to one vpn.data key (or one secret and
 * its "<secret>-flags" key).
 *
 * A field remembers the value its widget showed right after loading. On
 * saving, a key whose widget still shows that value is left exactly as the
 * connection had it (absent, or with its original text); only keys the user
 * changed are written. Values are checked with sstp_check_data_item(), the
 * one table of keys and checks in sstp-keys.c. */
#ifndef SSTP_EDITOR_FIELDS_H
#define SSTP_EDITOR_FIELDS_H

#include <NetworkManager.h>
#include <gtk/gtk.h>

typedef enum {
    SSTP_FIELD_ENTRY,          /* text; empty means "no key" */
    SSTP_FIELD_CHECK,          /* yes when active */
    SSTP_FIELD_CHECK_INVERTED, /* "Allow X" for a refuse-X key: yes when inactive */
    SSTP_FIELD_COMBO,          /* GtkComboBoxText ids; id "" means "no key" */
    SSTP_FIELD_SECRET,         /* a password entry with libnma's storage menu */
} SstpFieldKind;

typedef struct {
    const char   *key;
    SstpFieldKind kind;
    gboolean      default_on; /* checks: the state when the key is absent */
    GtkWidget    *widget;
    char         *flags_key;     /* secrets: "<key>-flags" */
    char         *initial;       /* the widget's value after loading, or NULL */
    guint         initial_flags; /* secrets */
    char         *remembered;    /* for Cancel in the Advanced dialog */
} SstpField;

SstpField *sstp_field_new(const char *key, SstpFieldKind kind, GtkWidget *widget,
                          gboolean default_on);
void       sstp_field_free(gpointer field);

/* Shows the connection's value (vpn.data or vpn.secrets) in the widget. */
void sstp_field_load(SstpField *field, NMSettingVpn *vpn);

/* The value the widget shows now, or NULL for "no key". */
char *sstp_field_value(const SstpField *field);

/* Checks the widget's value and marks the widget (error style and tooltip). */
gboolean sstp_field_check(SstpField *field, GError **error);

/* Writes the field into vpn, which started as a copy of the connection as it
 * was loaded: changed keys are set or removed, unchanged ones left alone. */
void sstp_field_apply(const SstpField *field, NMSettingVpn *vpn);

/* Remembers the current value, and puts it back (Cancel). */
void sstp_field_remember(SstpField *field);
void sstp_field_restore(SstpField *field);

#endif
