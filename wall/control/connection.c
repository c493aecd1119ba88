#include "connection.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

#include "counters.h"
#include "limits.h"
#include "log.h"
#include "protocol.h"
#include "text.h"

static gboolean on_readable(GObject *stream, gpointer user);
static gboolean on_writable(GObject *stream, gpointer user);

/* How the peer is named in the audit log; host_only gets a TCP peer's address alone. */
static char *peer_name(GSocketConnection *conn, char **host_only)
{
	GSocket *socket = g_socket_connection_get_socket(conn);
	if (g_socket_get_family(socket) == G_SOCKET_FAMILY_UNIX) {
		GCredentials *credentials = g_socket_get_credentials(socket, NULL);
		char *name = NULL;
		if (credentials != NULL) {
			uid_t uid = g_credentials_get_unix_user(credentials, NULL);
			pid_t pid = g_credentials_get_unix_pid(credentials, NULL);
			name = g_strdup_printf("uid:%u pid:%d", (unsigned)uid, (int)pid);
			g_object_unref(credentials);
		}
		return name != NULL ? name : g_strdup("unix");
	}
	GSocketAddress *address = g_socket_connection_get_remote_address(conn, NULL);
	char *name = NULL;
	if (G_IS_INET_SOCKET_ADDRESS(address)) {
		GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS(address);
		char *host = g_inet_address_to_string(g_inet_socket_address_get_address(inet));
		name = g_strdup_printf("tcp:%s:%u", host, g_inet_socket_address_get_port(inet));
		*host_only = host;
	}
	if (address != NULL) {
		g_object_unref(address);
	}
	if (*host_only == NULL) {
		*host_only = g_strdup("tcp");
	}
	return name != NULL ? name : g_strdup("tcp");
}

static void watch_input(struct wall_connection *c, bool on)
{
	if (on && c->read_source == NULL && !c->closed) {
		c->read_source = g_pollable_input_stream_create_source(c->in, NULL);
		g_source_set_callback(c->read_source, (GSourceFunc)(void (*)(void))on_readable, c,
		                      NULL);
		g_source_attach(c->read_source, c->context);
	} else if (!on && c->read_source != NULL) {
		g_source_destroy(c->read_source);
		g_source_unref(c->read_source);
		c->read_source = NULL;
	}
}

/* The streamed reply is whole (or the connection gone): the lines held back go next. */
static void end_stream(struct wall_connection *c)
{
	if (c->fill == NULL) {
		return;
	}
	c->fill = NULL;
	if (c->fill_free != NULL) {
		c->fill_free(c->fill_data);
	}
	c->fill_data = NULL;
	c->fill_free = NULL;
	g_string_append_len(c->outbuf, c->held->str, (gssize)c->held->len);
	g_string_truncate(c->held, 0);
}

struct wall_connection *wall_connection_new(GSocketConnection *conn, GMainContext *context,
                                            const struct wall_connection_handler *handler,
                                            void *user, bool needs_auth,
                                            struct wall_control_counters *counters)
{
	struct wall_connection *c = g_new0(struct wall_connection, 1);
	g_atomic_ref_count_init(&c->refs);
	c->handler = handler;
	c->user = user;
	c->conn = g_object_ref(conn);
	c->context = context;
	c->in = G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	c->out = G_POLLABLE_OUTPUT_STREAM(g_io_stream_get_output_stream(G_IO_STREAM(conn)));
	c->inbuf = g_string_new(NULL);
	c->outbuf = g_string_new(NULL);
	c->batch = g_array_new(FALSE, TRUE, sizeof(struct wall_command));
	c->batch_text = g_string_new(NULL);
	c->held = g_string_new(NULL);
	c->peer = peer_name(conn, &c->address);
	c->counters = counters;
	c->needs_auth = needs_auth;
	c->last_activity_us = g_get_monotonic_time();
	c->opened_us = c->last_activity_us;
	wall_debug("control: %s connected", c->peer);
	watch_input(c, true);
	return c;
}

struct wall_connection *wall_connection_ref(struct wall_connection *c)
{
	g_atomic_ref_count_inc(&c->refs);
	return c;
}

void wall_connection_unref(struct wall_connection *c)
{
	if (c == NULL || !g_atomic_ref_count_dec(&c->refs)) {
		return;
	}
	/* Sources were destroyed at close, on the control thread. */
	end_stream(c);
	g_object_unref(c->conn);
	g_string_free(c->inbuf, TRUE);
	g_string_free(c->outbuf, TRUE);
	g_string_free(c->held, TRUE);
	for (guint i = 0; i < c->batch->len; i++) {
		wall_command_clear(&g_array_index(c->batch, struct wall_command, i));
	}
	g_array_unref(c->batch);
	g_string_free(c->batch_text, TRUE);
	g_free(c->peer);
	g_free(c->address);
	g_free(c);
}

void wall_connection_close(struct wall_connection *c)
{
	if (c->closed) {
		return;
	}
	c->closed = true;
	watch_input(c, false);
	end_stream(c);
	if (c->write_source != NULL) {
		g_source_destroy(c->write_source);
		g_source_unref(c->write_source);
		c->write_source = NULL;
	}
	g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
	wall_debug("control: %s disconnected", c->peer);
	/* The owner drops its reference; requests in flight hold their own. */
	c->handler->closed(c->user, c);
}

/* Keep a streamed reply coming while little waits to go out. */
static void refill(struct wall_connection *c)
{
	while (c->fill != NULL && c->outbuf->len < WALL_CONTROL_STREAM_LOW_WATER) {
		if (!c->fill(c->fill_data, c->outbuf)) {
			g_string_append_c(c->outbuf, '\n');
			end_stream(c);
		}
	}
}

static void flush_output(struct wall_connection *c)
{
	while (!c->closed) {
		refill(c);
		if (c->outbuf->len == 0) {
			break;
		}
		GError *error = NULL;
		gssize n = g_pollable_output_stream_write_nonblocking(c->out, c->outbuf->str,
		                                                      c->outbuf->len, NULL, &error);
		if (n < 0) {
			if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
				g_error_free(error);
				if (c->write_source == NULL) {
					c->write_source = g_pollable_output_stream_create_source(
					        c->out, NULL);
					g_source_set_callback(
					        c->write_source,
					        (GSourceFunc)(void (*)(void))on_writable, c, NULL);
					g_source_attach(c->write_source, c->context);
				}
				return;
			}
			wall_debug("control: %s: %s", c->peer, error->message);
			g_error_free(error);
			wall_connection_close(c);
			return;
		}
		g_string_erase(c->outbuf, 0, n);
	}
	if (!c->closed && c->outbuf->len == 0 && c->closing) {
		wall_connection_close(c);
	}
}

static gboolean on_writable(GObject *stream, gpointer user)
{
	struct wall_connection *c = user;
	g_source_destroy(c->write_source);
	g_source_unref(c->write_source);
	c->write_source = NULL;
	flush_output(c);
	return G_SOURCE_REMOVE;
}

void wall_connection_send_line(struct wall_connection *c, const char *line)
{
	if (c->closed) {
		return;
	}
	if (c->outbuf->len + c->held->len > WALL_CONTROL_MAX_OUTPUT) {
		/* It does not read what it asked for: a stuck client or a
		 * subscriber far behind. Dropping it keeps memory bounded. */
		wall_info("control: %s reads too slowly; closing", c->peer);
		wall_counter_add(c->counters, WALL_COUNTER_SLOW_READERS, 1);
		wall_connection_close(c);
		return;
	}
	/* Nothing may land inside a streamed reply's line. */
	GString *to = c->fill != NULL ? c->held : c->outbuf;
	g_string_append(to, line);
	g_string_append_c(to, '\n');
	flush_output(c);
}

void wall_connection_stream(struct wall_connection *c, wall_connection_fill_fn fill, void *data,
                            GDestroyNotify free_data)
{
	if (c->closed || c->fill != NULL) {
		/* One at a time: dispatch never starts a second. */
		if (free_data != NULL) {
			free_data(data);
		}
		return;
	}
	c->fill = fill;
	c->fill_data = data;
	c->fill_free = free_data;
	flush_output(c);
}

bool wall_connection_trusted(const struct wall_connection *c)
{
	return !c->needs_auth || c->authed;
}

void wall_connection_close_after(struct wall_connection *c, const char *last_line)
{
	if (c->fill != NULL) {
		/* Its last line would wait behind a reply it does not read. */
		wall_connection_close(c);
		return;
	}
	wall_connection_send_line(c, last_line);
	c->closing = true;
	flush_output(c);
}

static void send_reply(struct wall_connection *c, const char *tag, const char *text)
{
	if (tag != NULL) {
		char *line = g_strdup_printf("#%s %s", tag, text);
		wall_connection_send_line(c, line);
		g_free(line);
	} else {
		wall_connection_send_line(c, text);
	}
}

void wall_connection_reply_ok(struct wall_connection *c, const char *tag, const char *json)
{
	char *text = g_strdup_printf("OK %s", json);
	send_reply(c, tag, text);
	g_free(text);
	c->errors_in_a_row = 0;
}

void wall_connection_reply_err(struct wall_connection *c, const char *tag, const char *code,
                               const char *message)
{
	/* One line of UTF-8, whatever the message held, cut at a character. */
	char *clean = wall_text_cut(message, WALL_CONTROL_MAX_ERROR_TEXT, NULL);
	g_strdelimit(clean, "\r\n", ' ');
	char *text = g_strdup_printf("ERR %s %s", code, clean);
	send_reply(c, tag, text);
	g_free(text);
	g_free(clean);
	if (++c->errors_in_a_row >= WALL_CONTROL_MAX_ERRORS_IN_A_ROW && !c->closing) {
		wall_counter_add(c->counters, WALL_COUNTER_ERRORS_IN_A_ROW, 1);
		wall_connection_close_after(c, "ERR limit too many errors in a row; closing");
	}
}

/* A line longer than any command: say so and hang up, as the README says. */
static void refuse_long_line(struct wall_connection *c)
{
	wall_counter_add(c->counters, WALL_COUNTER_LINES_TOO_LONG, 1);
	char *message = g_strdup_printf("a line may hold at most %d bytes; closing",
	                                WALL_PROTOCOL_MAX_LINE);
	wall_connection_reply_err(c, NULL, "too-long", message);
	g_free(message);
	c->closing = true;
	flush_output(c);
}

void wall_connection_read_lines(struct wall_connection *c)
{
	size_t start = 0;
	while (!c->closed && !c->closing && c->in_flight < WALL_CONTROL_MAX_IN_FLIGHT) {
		char *newline = memchr(c->inbuf->str + start, '\n', c->inbuf->len - start);
		if (newline == NULL) {
			break;
		}
		size_t length = (size_t)(newline - (c->inbuf->str + start));
		if (length > WALL_PROTOCOL_MAX_LINE) {
			/* Whole, yet too long: the same answer as one still coming. */
			refuse_long_line(c);
			break;
		}
		c->handler->line(c->user, c, c->inbuf->str + start, length);
		start += length + 1;
	}
	if (c->closed) {
		return;
	}
	g_string_erase(c->inbuf, 0, (gssize)start);
	if (!c->closing && c->inbuf->len > WALL_PROTOCOL_MAX_LINE + 1 &&
	    memchr(c->inbuf->str, '\n', c->inbuf->len) == NULL) {
		refuse_long_line(c);
	}
	/* Too much waiting for frames: read no more until answers go out. */
	watch_input(c, !c->closing && !c->eof && c->in_flight < WALL_CONTROL_MAX_IN_FLIGHT);
	/* A client that half-closed still hears every answer, then the wall hangs up. */
	if (!c->closed && c->eof && !c->closing && c->in_flight == 0 &&
	    memchr(c->inbuf->str, '\n', c->inbuf->len) == NULL) {
		c->closing = true;
		flush_output(c);
	}
}

static gboolean on_readable(GObject *stream, gpointer user)
{
	struct wall_connection *c = user;
	char chunk[WALL_CONTROL_READ_CHUNK];
	GError *error = NULL;
	gssize n =
	        g_pollable_input_stream_read_nonblocking(c->in, chunk, sizeof(chunk), NULL, &error);
	if (n < 0) {
		bool again = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
		g_error_free(error);
		if (again) {
			return G_SOURCE_CONTINUE;
		}
		wall_connection_close(c);
		return G_SOURCE_REMOVE;
	}
	if (n == 0) {
		/* It sent all it will; what it asked is still answered. A half
		 * line left at the end is dropped: it was never sent whole. */
		c->eof = true;
		wall_connection_ref(c);
		GSource *self = c->read_source;
		g_source_ref(self);
		wall_connection_read_lines(c);
		gboolean keep = c->read_source == self;
		g_source_unref(self);
		wall_connection_unref(c);
		return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
	}
	c->last_activity_us = g_get_monotonic_time();
	g_string_append_len(c->inbuf, chunk, n);
	/* Reading lines may replace or remove this source. */
	wall_connection_ref(c);
	GSource *self = c->read_source;
	g_source_ref(self);
	wall_connection_read_lines(c);
	gboolean keep = c->read_source == self;
	g_source_unref(self);
	wall_connection_unref(c);
	return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}
