/* Input and terminal handling of sstp-auth-dialog. See sstp-auth-io.h. */
#include "sstp-auth-io.h"
#include "sstp-keys.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Longest line or value accepted: far more than any password. */
#define MAX_LINE (64 * 1024)

static void
wipe(void *p, gsize n)
{
    if (p && n)
        explicit_bzero(p, n);
}

void
sstp_secret_free(gpointer string)
{
    if (string) {
        wipe(string, strlen(string));
        g_free(string);
    }
}

void
sstp_wipe_gstring(GString *string)
{
    if (string) {
        wipe(string->str, string->allocated_len);
        g_string_free(string, TRUE);
    }
}

gboolean
sstp_write_all(int fd, const char *buf, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        buf += n;
        len -= (gsize) n;
    }
    return TRUE;
}

/*****************************************************************************/

struct SstpLineReader {
    int      fd;
    GString *buf; /* bytes read but not yet returned */
    gboolean eof;
};

SstpLineReader *
sstp_line_reader_new(int fd)
{
    SstpLineReader *reader = g_new0(SstpLineReader, 1);

    reader->fd = fd;
    reader->buf = g_string_sized_new(4096);
    return reader;
}

void
sstp_line_reader_free(SstpLineReader *reader)
{
    if (reader) {
        sstp_wipe_gstring(reader->buf);
        g_free(reader);
    }
}

static gint64
now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

SstpReadResult
sstp_line_reader_next(SstpLineReader *reader, int timeout_ms, char **line)
{
    gint64 deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

    *line = NULL;
    for (;;) {
        char *nl = memchr(reader->buf->str, '\n', reader->buf->len);
        char  chunk[4096];
        ssize_t n;

        if (nl || (reader->eof && reader->buf->len > 0)) {
            gsize len = nl ? (gsize) (nl - reader->buf->str) : reader->buf->len;

            *line = g_strndup(reader->buf->str, len);
            if (len > 0 && (*line)[len - 1] == '\r')
                (*line)[len - 1] = '\0';
            wipe(reader->buf->str, MIN(len + 1, reader->buf->len));
            g_string_erase(reader->buf, 0, (gssize) MIN(len + 1, reader->buf->len));
            return SSTP_READ_LINE;
        }
        if (reader->eof)
            return SSTP_READ_EOF;
        if (reader->buf->len > MAX_LINE)
            return SSTP_READ_ERROR;

        if (deadline >= 0) {
            struct pollfd pfd = {.fd = reader->fd, .events = POLLIN};
            gint64        left = deadline - now_ms();
            int           r;

            if (left <= 0)
                return SSTP_READ_TIMEOUT;
            r = poll(&pfd, 1, (int) MIN(left, G_MAXINT));
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return SSTP_READ_ERROR;
            if (r == 0)
                return SSTP_READ_TIMEOUT;
        }
        n = read(reader->fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return SSTP_READ_ERROR;
        if (n == 0)
            reader->eof = TRUE;
        else
            g_string_append_len(reader->buf, chunk, n);
        wipe(chunk, sizeof(chunk));
    }
}

/*****************************************************************************/

typedef struct {
    GString *key;
    GString *val;
} Pair;

static void
pair_clear(Pair *pair)
{
    sstp_wipe_gstring(pair->key);
    sstp_wipe_gstring(pair->val);
    pair->key = pair->val = NULL;
}

static gboolean
set_field(GString **field, const char *value, const char *name, guint lineno, GError **error)
{
    if (*field) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "input line %u: a second %s before the blank line that ends a pair", lineno,
                    name);
        return FALSE;
    }
    *field = g_string_new(value);
    return TRUE;
}

/* A blank line ends a pair: store it in its table. */
static gboolean
commit(Pair *pair, GHashTable *table, guint lineno, GError **error)
{
    if (!pair->key && !pair->val)
        return TRUE;
    if (!pair->key || !pair->val) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "input line %u: a %s without its %s", lineno, pair->key ? "key" : "value",
                    pair->key ? "value" : "key");
        pair_clear(pair);
        return FALSE;
    }
    g_hash_table_replace(table, g_strdup(pair->key->str), g_strdup(pair->val->str));
    pair_clear(pair);
    return TRUE;
}

gboolean
sstp_read_request(SstpLineReader *reader, GHashTable *data, GHashTable *secrets, GError **error)
{
    Pair        data_pair = {NULL, NULL}, secret_pair = {NULL, NULL};
    GString   **last = NULL; /* the field that '=' continuation lines extend */
    guint       lineno = 0;
    gboolean    ok = FALSE;

    for (;;) {
        char          *line = NULL;
        SstpReadResult r = sstp_line_reader_next(reader, -1, &line);

        if (r != SSTP_READ_LINE) {
            g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                        r == SSTP_READ_EOF ? "the input ended before DONE"
                                           : "cannot read the input (or a line is too long)");
            ok = FALSE;
            break;
        }
        lineno++;
        if (strcmp(line, "DONE") == 0 || strcmp(line, "QUIT") == 0) {
            ok = commit(&data_pair, data, lineno, error)
                 && commit(&secret_pair, secrets, lineno, error);
            sstp_secret_free(line);
            break;
        }
        if (line[0] == '\0') {
            ok = commit(&data_pair, data, lineno, error)
                 && commit(&secret_pair, secrets, lineno, error);
            last = NULL;
        } else if (g_str_has_prefix(line, "DATA_KEY=")) {
            ok = set_field(&data_pair.key, line + 9, "DATA_KEY", lineno, error);
            last = &data_pair.key;
        } else if (g_str_has_prefix(line, "DATA_VAL=")) {
            ok = set_field(&data_pair.val, line + 9, "DATA_VAL", lineno, error);
            last = &data_pair.val;
        } else if (g_str_has_prefix(line, "SECRET_KEY=")) {
            ok = set_field(&secret_pair.key, line + 11, "SECRET_KEY", lineno, error);
            last = &secret_pair.key;
        } else if (g_str_has_prefix(line, "SECRET_VAL=")) {
            ok = set_field(&secret_pair.val, line + 11, "SECRET_VAL", lineno, error);
            last = &secret_pair.val;
        } else if (line[0] == '=' && last && *last) {
            g_string_append_c(*last, '\n');
            g_string_append(*last, line + 1);
            ok = TRUE;
        } else {
            g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                        "input line %u is not part of the DATA/SECRET protocol", lineno);
            ok = FALSE;
        }
        sstp_secret_free(line);
        if (!ok)
            break;
    }
    pair_clear(&data_pair);
    pair_clear(&secret_pair);
    return ok;
}

void
sstp_wait_for_quit(SstpLineReader *reader, int timeout_ms)
{
    gint64 deadline = now_ms() + timeout_ms;

    for (;;) {
        char          *line = NULL;
        gint64         left = deadline - now_ms();
        SstpReadResult r;
        gboolean       quit;

        if (left <= 0)
            return;
        r = sstp_line_reader_next(reader, (int) left, &line);
        if (r != SSTP_READ_LINE)
            return;
        quit = strcmp(line, "QUIT") == 0;
        sstp_secret_free(line);
        if (quit)
            return;
    }
}

/*****************************************************************************/

static int            tty_fd = -1;
static struct termios tty_saved;

static void
restore_tty(void)
{
    if (tty_fd >= 0)
        tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
}

static void
on_signal(int sig)
{
    restore_tty();
    signal(sig, SIG_DFL);
    raise(sig);
}

char *
sstp_tty_ask(const char *message, const char *prompt, GError **error)
{
    struct termios   quiet;
    struct sigaction sa = {.sa_handler = on_signal};
    struct sigaction old_int, old_term, old_hup;
    GString         *answer = NULL;
    char             c;
    ssize_t          n;
    char            *result = NULL;

    tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_fd < 0) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_FAILED, "cannot ask: no terminal (/dev/tty: %s)",
                    g_strerror(errno));
        return NULL;
    }
    if (tcgetattr(tty_fd, &tty_saved) != 0) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_FAILED, "cannot ask: /dev/tty: %s",
                    g_strerror(errno));
        close(tty_fd);
        tty_fd = -1;
        return NULL;
    }

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);

    quiet = tty_saved;
    quiet.c_lflag &= ~(tcflag_t) (ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    tcsetattr(tty_fd, TCSAFLUSH, &quiet);

    if (message) {
        sstp_write_all(tty_fd, message, strlen(message));
        sstp_write_all(tty_fd, "\n", 1);
    }
    sstp_write_all(tty_fd, prompt, strlen(prompt));

    answer = g_string_sized_new(128);
    while ((n = read(tty_fd, &c, 1)) == 1 || (n < 0 && errno == EINTR)) {
        if (n < 0)
            continue;
        if (c == '\n' || answer->len > MAX_LINE)
            break;
        g_string_append_c(answer, c);
    }
    wipe(&c, sizeof(c));
    restore_tty();
    sstp_write_all(tty_fd, "\n", 1);
    close(tty_fd);
    tty_fd = -1;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);

    if (n == 1 || answer->len > 0)
        result = g_strndup(answer->str, answer->len);
    else
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_FAILED, "cannot ask: the terminal closed");
    sstp_wipe_gstring(answer);
    return result;
}
