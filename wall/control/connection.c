#include "connection.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

#include "limits.h"
#include "log.h"
#include "protocol.h"

static gboolean on_readable(GObject *stream, gpointer user);
static gboolean on_writable(GObject *stream, gpointer user);

/* How the peer is named in the audit log. */
static char *peer_name(GSocketConnection *conn)
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
		g_free(host);
	}
	if (address != NULL) {
		g_object_unref(address);
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

struct wall_connection *wall_connection_new(GSocketConnection *conn, GMainContext *context,
                                            const struct wall_connection_handler *handler,
                                            void *user, bool needs_auth)
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
	c->peer = peer_name(conn);
	c->needs_auth = needs_auth;
	c->last_activity_us = g_get_monotonic_time();
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
	g_object_unref(c->conn);
	g_string_free(c->inbuf, TRUE);
	g_string_free(c->outbuf, TRUE);
	for (guint i = 0; i < c->batch->len; i++) {
		wall_command_clear(&g_array_index(c->batch, struct wall_command, i));
	}
	g_array_unref(c->batch);
	g_string_free(c->batch_text, TRUE);
	g_free(c->peer);
	g_free(c);
}

void wall_connection_close(struct wall_connection *c)
{
	if (c->closed) {
		return;
	}
	c->closed = true;
	watch_input(c, false);
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

static void flush_output(struct wall_connection *c)
{
	while (c->outbuf->len > 0 && !c->closed) {
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
	if (c->outbuf->len == 0 && c->closing) {
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
	if (c->outbuf->len > WALL_CONTROL_MAX_OUTPUT) {
		/* It does not read what it asked for: a stuck client or a
		 * subscriber far behind. Dropping it keeps memory bounded. */
		wall_info("control: %s reads too slowly; closing", c->peer);
		wall_connection_close(c);
		return;
	}
	g_string_append(c->outbuf, line);
	g_string_append_c(c->outbuf, '\n');
	flush_output(c);
}

void wall_connection_close_after(struct wall_connection *c, const char *last_line)
{
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
	/* One line, whatever the message held. */
	char *clean = g_strdup(message);
	g_strdelimit(clean, "\r\n", ' ');
	char *text = g_strdup_printf("ERR %s %s", code, clean);
	send_reply(c, tag, text);
	g_free(text);
	g_free(clean);
	if (++c->errors_in_a_row >= WALL_CONTROL_MAX_ERRORS_IN_A_ROW) {
		wall_connection_close_after(c, "ERR limit too many errors in a row; closing");
	}
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
		c->handler->line(c->user, c, c->inbuf->str + start, length);
		start += length + 1;
	}
	g_string_erase(c->inbuf, 0, (gssize)start);
	if (!c->closed && c->inbuf->len > WALL_PROTOCOL_MAX_LINE + 1 &&
	    memchr(c->inbuf->str, '\n', c->inbuf->len) == NULL) {
		char *message = g_strdup_printf("a line may hold at most %d bytes; closing",
		                                WALL_PROTOCOL_MAX_LINE);
		wall_connection_reply_err(c, NULL, "too-long", message);
		g_free(message);
		c->closing = true;
		flush_output(c);
	}
	/* Too much waiting for frames: read no more until answers go out. */
	watch_input(c, !c->closing && c->in_flight < WALL_CONTROL_MAX_IN_FLIGHT);
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
		/* A half line left at the end is dropped: it was never sent whole. */
		wall_connection_close(c);
		return G_SOURCE_REMOVE;
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
