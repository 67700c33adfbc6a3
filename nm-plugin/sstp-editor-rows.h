/* Building editor pages: one row per key (label | widget), each widget
 * bound to its key as an SstpField (sstp-editor-fields.h). Shared by the
 * main page (sstp-editor.c) and the Advanced dialog (sstp-editor-advanced.c). */
#ifndef SSTP_EDITOR_ROWS_H
#define SSTP_EDITOR_ROWS_H

#include "sstp-editor-fields.h"

typedef struct {
    GPtrArray *fields;  /* every field made is added here (owns them) */
    GPtrArray *group;   /* and here too, unless NULL (not owned) */
    GPtrArray *toggled; /* widgets of the rows made go here, unless NULL: rows
                         * shown only for one connection type or setting */
    void (*changed)(gpointer user_data); /* called on every change */
    gpointer user_data;
} SstpRows;

typedef struct {
    const char   *label, *key;
    SstpFieldKind kind;
    gboolean      default_on;
} SstpCheckSpec;

/* A grid with GNOME's spacing. Rows are added at *row, which moves on. */
GtkWidget *sstp_rows_grid(void);
void       sstp_rows_heading(GtkWidget *grid, int *row, const char *text);
GtkWidget *sstp_rows_note(SstpRows *rows, GtkWidget *grid, int *row, const char *icon,
                          const char *text);
GtkWidget *sstp_rows_entry(SstpRows *rows, GtkWidget *grid, int *row, const char *label,
                           const char *key, const char *placeholder);
/* An entry for a path and a button that opens a file chooser. */
GtkWidget *sstp_rows_file(SstpRows *rows, GtkWidget *grid, int *row, const char *label,
                          const char *key);
GtkWidget *sstp_rows_check(SstpRows *rows, GtkWidget *grid, int *row, const char *label,
                           const char *key, SstpFieldKind kind, gboolean default_on,
                           const char *tooltip);
/* label | a block of check boxes, `columns` to a line. */
void sstp_rows_checks(SstpRows *rows, GtkWidget *grid, int *row, const char *label,
                      const SstpCheckSpec *checks, guint n, guint columns);
/* After key: id, text, id, text, ..., NULL. */
GtkWidget *sstp_rows_combo(SstpRows *rows, GtkWidget *grid, int *row, const char *label,
                           const char *key, ...) G_GNUC_NULL_TERMINATED;
/* A password entry with libnma's storage menu and a "Show password" box. */
GtkWidget *sstp_rows_secret(SstpRows *rows, GtkWidget *grid, int *row, const char *label,
                            const char *key);

/* Label text without the mnemonic underscore and the colon. */
char *sstp_rows_plain(const char *mnemonic);

#endif
