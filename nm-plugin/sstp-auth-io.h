/* Input and terminal handling of sstp-auth-dialog: the line protocol that
 * NetworkManager's agents write to the dialog, and asking on /dev/tty.
 *
 * Everything that may hold a secret is wiped before it is freed. */
#ifndef SSTP_AUTH_IO_H
#define SSTP_AUTH_IO_H

#include <glib.h>

/* Wipes and frees a string; usable as a GDestroyNotify. */
void sstp_secret_free(gpointer string);

/* Wipes a GString's buffer and frees it. */
void sstp_wipe_gstring(GString *string);

typedef struct SstpLineReader SstpLineReader;

SstpLineReader *sstp_line_reader_new(int fd);
void            sstp_line_reader_free(SstpLineReader *reader);

typedef enum {
    SSTP_READ_LINE,
    SSTP_READ_EOF,
    SSTP_READ_TIMEOUT,
    SSTP_READ_ERROR,
} SstpReadResult;

/* Reads one line without its end; timeout_ms < 0 waits for ever. The line
 * is freed with sstp_secret_free(). */
SstpReadResult sstp_line_reader_next(SstpLineReader *reader, int timeout_ms, char **line);

/* Reads DATA_KEY/DATA_VAL and SECRET_KEY/SECRET_VAL pairs up to DONE into
 * two tables (values freed with sstp_secret_free). */
gboolean sstp_read_request(SstpLineReader *reader, GHashTable *data, GHashTable *secrets,
                           GError **error);

/* Waits up to timeout_ms for a QUIT line (or the end of the input). */
void sstp_wait_for_quit(SstpLineReader *reader, int timeout_ms);

/* Shows message, then asks for one line on /dev/tty with echo off. */
char *sstp_tty_ask(const char *message, const char *prompt, GError **error);

/* Writes all of buf to fd. */
gboolean sstp_write_all(int fd, const char *buf, gsize len);

#endif
