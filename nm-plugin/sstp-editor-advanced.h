/* The Advanced dialog of the editor: certificate checking, EAP-TLS, the
 * HTTP proxy, PPP and SSTP settings, one notebook page each. */
#ifndef SSTP_EDITOR_ADVANCED_H
#define SSTP_EDITOR_ADVANCED_H

#include "sstp-editor-rows.h"

typedef struct {
    GtkWidget *dialog; /* a toplevel with Cancel and Apply */
    GtkWidget *ignore_check;
    GtkWidget *ignore_warning; /* shown while ignore_check is on */
} SstpAdvanced;

/* Builds the dialog (hidden); its fields go to rows. */
void sstp_advanced_build(SstpRows *rows, SstpAdvanced *out);

#endif
