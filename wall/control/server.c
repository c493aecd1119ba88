#include "server.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "datastore.h"
#include "log.h"
#include "plugin_registry.h"
#include "state.h"

/* Per-connection limits, so one client cannot starve the others. */
#define MAX_CONNECTIONS 256
/* Requests waiting for a frame; past this the connection is not read. */
#define MAX_IN_FLIGHT 64
#define MAX_BATCH 64
/* Replies and events not yet taken by a slow client. */
#define MAX_OUTPUT (1024 * 1024)
/* Failed requests in a row before the connection is dropped. */
#define MAX_ERRORS_IN_A_ROW 32
#define MAX_AUTH_FAILURES 3
#define DEFAULT_IDLE_S 600
/* Editors save in several steps; wait for the file to settle. */
#define RELOAD_SETTLE_MS 300
#define READ_CHUNK 16384

struct wall_connection {
	gatomicrefcount refs;
	struct wall_server *server;
	GSocketConnection *conn;
	GPollableInputStream *in;
	GPollableOutputStream *out;
	GSource *read_source;
	GSource *write_source;
	GString *inbuf;
	GString *outbuf;
	char *peer;
	bool needs_auth;
	bool authed;
	bool subscribed;
	bool closed;
	/* Send what is queued, then close. */
	bool closing;
	guint in_flight;
	int errors_in_a_row;
	int auth_failures;
	int64_t last_activity_us;
	/* BEGIN ... COMMIT */
	bool in_batch;
	GArray *batch;
	GString *batch_text;
};

struct wall_server {
	GThread *thread;
	GMainContext *context;
	GMainLoop *loop;
	GSocketService *service;
	GAsyncQueue *inbox;
	char *socket_path;
	bool socket_is_default;
	bool socket_bound;
	char *listen;
	char *token;
	int idle_s;
	char *layout_path;
	struct wall_plugin_registry *registry;
	struct wall_state *state;
	/* struct wall_connection *, open ones. */
	GPtrArray *connections;
	GFileMonitor *monitor;
	GSource *reload_timer;
	GSource *idle_timer;
	char *layout_checksum;
	/* Start-up handshake with the thread that called wall_server_start(). */
	GMutex lock;
	GCond started_cond;
	bool started;
	GError *start_error;
};

/* ---- Connections ---- */

static void connection_close(struct wall_connection *c);

void wall_connection_unref(struct wall_connection *c)
{
	if (c == NULL || !g_atomic_ref_count_dec(&c->refs)) {
		return;
	}
	/* Sources were destroyed at close, on the control thread. */
	g_object_unref(c->conn);
	g_string_free(c->inbuf, TRUE);
	g_string_free(c->outbuf, TRUE);
	g_array_unref(c->batch);
	g_string_free(c->batch_text, TRUE);
	g_free(c->peer);
	g_free(c);
}

static struct wall_connection *connection_ref(struct wall_connection *c)
{
	g_atomic_ref_count_inc(&c->refs);
	return c;
}

static gboolean on_writable(GObject *stream, gpointer user);

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
					c->write_source = g_pollable_output_stream_create_source(c->out,
												 NULL);
					g_source_set_callback(c->write_source,
							      (GSourceFunc)(void (*)(void))on_writable,
							      c, NULL);
					g_source_attach(c->write_source, c->server->context);
				}
				return;
			}
			wall_debug("control: %s: %s", c->peer, error->message);
			g_error_free(error);
			connection_close(c);
			return;
		}
		g_string_erase(c->outbuf, 0, n);
	}
	if (c->outbuf->len == 0 && c->closing) {
		connection_close(c);
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

static void send_line(struct wall_connection *c, const char *line)
{
	if (c->closed) {
		return;
	}
	if (c->outbuf->len > MAX_OUTPUT) {
		/* It does not read what it asked for: a stuck client or a
		 * subscriber far behind. Dropping it keeps memory bounded. */
		wall_info("control: %s reads too slowly; closing", c->peer);
		connection_close(c);
		return;
	}
	g_string_append(c->outbuf, line);
	g_string_append_c(c->outbuf, '\n');
	flush_output(c);
}

static void send_reply(struct wall_connection *c, const char *tag, const char *text)
{
	if (tag != NULL) {
		char *line = g_strdup_printf("#%s %s", tag, text);
		send_line(c, line);
		g_free(line);
	} else {
		send_line(c, text);
	}
}

static void reply_ok(struct wall_connection *c, const char *tag, const char *json)
{
	char *text = g_strdup_printf("OK %s", json);
	send_reply(c, tag, text);
	g_free(text);
	c->errors_in_a_row = 0;
}

/* One line, whatever the message held. */
static char *one_line(const char *message)
{
	char *line = g_strdup(message);
	for (char *p = line; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r') {
			*p = ' ';
		}
	}
	return line;
}

static void reply_err(struct wall_connection *c, const char *tag, const char *code,
		      const char *message)
{
	char *clean = one_line(message);
	char *text = g_strdup_printf("ERR %s %s", code, clean);
	send_reply(c, tag, text);
	g_free(text);
	g_free(clean);
	if (++c->errors_in_a_row >= MAX_ERRORS_IN_A_ROW) {
		send_line(c, "ERR limit too many errors in a row; closing");
		c->closing = true;
		flush_output(c);
	}
}

static void connection_close(struct wall_connection *c)
{
	if (c->closed) {
		return;
	}
	c->closed = true;
	if (c->read_source != NULL) {
		g_source_destroy(c->read_source);
		g_source_unref(c->read_source);
		c->read_source = NULL;
	}
	if (c->write_source != NULL) {
		g_source_destroy(c->write_source);
		g_source_unref(c->write_source);
		c->write_source = NULL;
	}
	g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
	wall_debug("control: %s disconnected", c->peer);
	/* Drops the server's reference; requests in flight hold their own. */
	if (g_ptr_array_remove_fast(c->server->connections, c)) {
		wall_connection_unref(c);
	}
}

/* ---- Requests ---- */

static char *build_json(JsonBuilder *builder)
{
	JsonNode *root = json_builder_get_root(builder);
	char *text = json_to_string(root, FALSE);
	json_node_unref(root);
	g_object_unref(builder);
	return text;
}

static void audit(struct wall_server *server, const char *peer, const char *command,
		  const char *result, uint64_t frame)
{
	struct wall_audit_entry entry = {
		.time_us = g_get_real_time(),
		.peer = peer,
		.command = command,
		.result = result,
		.frame = frame,
	};
	wall_state_audit(server->state, &entry);
}

static void queue_request(struct wall_connection *c, struct wall_command *commands, guint count,
			  const char *text, const char *tag, struct wall_layout *layout)
{
	struct wall_request *request = g_new0(struct wall_request, 1);
	request->commands = commands;
	request->count = count;
	request->text = g_strdup(text);
	request->peer = g_strdup(c != NULL ? c->peer : "file");
	request->tag = g_strdup(tag);
	request->layout = layout;
	if (c != NULL) {
		request->conn = connection_ref(c);
		c->in_flight++;
	}
	g_async_queue_push(c->server->inbox, request);
}

static bool any_changes_wall(const struct wall_command *commands, guint count)
{
	for (guint i = 0; i < count; i++) {
		if (wall_command_changes_wall(commands[i].kind)) {
			return true;
		}
	}
	return false;
}

static char *file_checksum(const char *path)
{
	char *text = NULL;
	gsize length = 0;
	if (!g_file_get_contents(path, &text, &length, NULL)) {
		return NULL;
	}
	char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, length);
	g_free(text);
	return sum;
}

/* Load the layout file here, off the render thread; NULL with error on a bad file. */
static struct wall_layout *load_layout(struct wall_server *server, GError **error)
{
	struct wall_layout *layout = wall_layout_load(server->layout_path,
						      wall_plugin_registry_options,
						      server->registry, error);
	if (layout != NULL) {
		g_free(server->layout_checksum);
		server->layout_checksum = file_checksum(server->layout_path);
	}
	return layout;
}

static void broadcast(struct wall_server *server, const char *json)
{
	char *line = g_strdup_printf("EVENT %s", json);
	/* Closing removes from the array: walk a copy. */
	GPtrArray *all = g_ptr_array_copy(server->connections, NULL, NULL);
	for (guint i = 0; i < all->len; i++) {
		struct wall_connection *c = all->pdata[i];
		if (c->subscribed) {
			send_line(c, line);
		}
	}
	g_ptr_array_unref(all);
	g_free(line);
}

static void reload_failed(struct wall_server *server, const char *message)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "event");
	json_builder_add_string_value(builder, "reload");
	json_builder_set_member_name(builder, "ok");
	json_builder_add_boolean_value(builder, FALSE);
	json_builder_set_member_name(builder, "error");
	json_builder_add_string_value(builder, message);
	json_builder_end_object(builder);
	char *json = build_json(builder);
	broadcast(server, json);
	g_free(json);
}

static bool token_matches(const char *token, const char *given)
{
	/* Constant time over the token's length, so timing tells nothing. */
	size_t n = strlen(token);
	size_t m = strlen(given);
	unsigned diff = n != m;
	for (size_t i = 0; i < n; i++) {
		diff |= (unsigned char)token[i] ^ (unsigned char)(i < m ? given[i] : 0);
	}
	return diff == 0;
}

static void do_auth(struct wall_connection *c, struct wall_command *command)
{
	struct wall_server *server = c->server;
	if (!c->needs_auth) {
		reply_ok(c, command->tag, "{\"auth\":true,\"needed\":false}");
		return;
	}
	if (token_matches(server->token, command->name)) {
		c->authed = true;
		reply_ok(c, command->tag, "{\"auth\":true}");
		return;
	}
	wall_warning("control: %s sent a wrong token", c->peer);
	audit(server, c->peer, "AUTH", "ERR auth wrong token", 0);
	reply_err(c, command->tag, "auth", "wrong token");
	if (++c->auth_failures >= MAX_AUTH_FAILURES) {
		send_line(c, "ERR auth too many wrong tokens; closing");
		c->closing = true;
		flush_output(c);
	}
}

static void add_audit_row(void *user, const struct wall_audit_entry *entry)
{
	JsonBuilder *builder = user;
	json_builder_begin_object(builder);
	GDateTime *time = g_date_time_new_from_unix_local(entry->time_us / G_USEC_PER_SEC);
	char *iso = g_date_time_format_iso8601(time);
	json_builder_set_member_name(builder, "time");
	json_builder_add_string_value(builder, iso);
	g_free(iso);
	g_date_time_unref(time);
	json_builder_set_member_name(builder, "peer");
	json_builder_add_string_value(builder, entry->peer);
	json_builder_set_member_name(builder, "command");
	json_builder_add_string_value(builder, entry->command);
	json_builder_set_member_name(builder, "result");
	json_builder_add_string_value(builder, entry->result);
	json_builder_set_member_name(builder, "frame");
	json_builder_add_int_value(builder, (gint64)entry->frame);
	json_builder_end_object(builder);
}

static void do_audit(struct wall_connection *c, struct wall_command *command)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "audit");
	json_builder_begin_array(builder);
	wall_state_foreach_audit(c->server->state, command->number, add_audit_row, builder);
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	char *json = build_json(builder);
	reply_ok(c, command->tag, json);
	g_free(json);
}

static void do_help(struct wall_connection *c, struct wall_command *command)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "commands");
	json_builder_begin_array(builder);
	for (const char *const *line = wall_protocol_help; *line != NULL; line++) {
		json_builder_add_string_value(builder, *line);
	}
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	char *json = build_json(builder);
	reply_ok(c, command->tag, json);
	g_free(json);
}

static void do_data(struct wall_connection *c, struct wall_command *command)
{
	JsonParser *parser = json_parser_new();
	GError *error = NULL;
	if (!json_parser_load_from_data(parser, command->text, -1, &error)) {
		reply_err(c, command->tag, "usage", error->message);
		g_error_free(error);
	} else {
		wall_data_set(command->name, command->text);
		JsonBuilder *builder = json_builder_new();
		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "key");
		json_builder_add_string_value(builder, command->name);
		json_builder_end_object(builder);
		char *json = build_json(builder);
		reply_ok(c, command->tag, json);
		g_free(json);
	}
	g_object_unref(parser);
}

static void do_reload(struct wall_connection *c, struct wall_command *command, const char *line)
{
	GError *error = NULL;
	struct wall_layout *layout = load_layout(c->server, &error);
	if (layout == NULL) {
		char *result = g_strdup_printf("ERR layout %s", error->message);
		audit(c->server, c->peer, line, result, 0);
		g_free(result);
		reply_err(c, command->tag, "layout", error->message);
		reload_failed(c->server, error->message);
		g_error_free(error);
		return;
	}
	struct wall_command *commands = g_new0(struct wall_command, 1);
	*commands = *command;
	*command = (struct wall_command){0};
	queue_request(c, commands, 1, line, commands->tag, layout);
}

/* What a batch may hold: commands for the render thread, but not RELOAD. */
static bool batchable(enum wall_command_kind kind)
{
	return wall_command_needs_frame(kind) && kind != WALL_COMMAND_RELOAD;
}

static void handle_batch(struct wall_connection *c, struct wall_command *command,
			 const char *line)
{
	switch (command->kind) {
	case WALL_COMMAND_COMMIT: {
		guint count = c->batch->len;
		struct wall_command *commands = (struct wall_command *)(void *)g_array_free(c->batch,
											    FALSE);
		c->batch = g_array_new(FALSE, TRUE, sizeof(struct wall_command));
		g_string_append(c->batch_text, "COMMIT");
		c->in_batch = false;
		if (count == 0) {
			g_free(commands);
			reply_ok(c, command->tag, "{\"commands\":0}");
		} else {
			queue_request(c, commands, count, c->batch_text->str, command->tag, NULL);
		}
		g_string_truncate(c->batch_text, 0);
		return;
	}
	case WALL_COMMAND_ABORT: {
		char *json = g_strdup_printf("{\"aborted\":%u}", c->batch->len);
		for (guint i = 0; i < c->batch->len; i++) {
			wall_command_clear(&g_array_index(c->batch, struct wall_command, i));
		}
		g_array_set_size(c->batch, 0);
		g_string_truncate(c->batch_text, 0);
		c->in_batch = false;
		reply_ok(c, command->tag, json);
		g_free(json);
		return;
	}
	case WALL_COMMAND_BEGIN:
		reply_err(c, command->tag, "state", "already in a batch; COMMIT or ABORT it first");
		return;
	default:
		break;
	}
	if (!batchable(command->kind)) {
		reply_err(c, command->tag, "state",
			  "only wall commands go in a batch; COMMIT or ABORT it first");
		return;
	}
	if (c->batch->len >= MAX_BATCH) {
		reply_err(c, command->tag, "limit", "a batch holds at most 64 commands");
		return;
	}
	char *tag = command->tag;
	command->tag = NULL;
	g_array_append_val(c->batch, *command);
	*command = (struct wall_command){0};
	g_string_append_printf(c->batch_text, "%s; ", line);
	char *json = g_strdup_printf("{\"queued\":%u}", c->batch->len);
	reply_ok(c, tag, json);
	g_free(json);
	g_free(tag);
}

static void handle_line(struct wall_connection *c, const char *line, size_t length)
{
	struct wall_command command;
	GError *error = NULL;
	if (!wall_protocol_parse(line, length, &command, &error)) {
		reply_err(c, command.tag, wall_protocol_error_word(error->code), error->message);
		g_error_free(error);
		wall_command_clear(&command);
		return;
	}
	/* The text as typed, for the audit log: valid UTF-8 by now. */
	char *text = g_strndup(line, length);
	g_strstrip(text);
	if (command.kind == WALL_COMMAND_INVALID) {
		goto out;
	}
	if (c->needs_auth && !c->authed && command.kind != WALL_COMMAND_PING &&
	    command.kind != WALL_COMMAND_HELP && command.kind != WALL_COMMAND_AUTH) {
		reply_err(c, command.tag, "auth", "this connection needs AUTH <token> first");
		goto out;
	}
	if (c->in_batch) {
		handle_batch(c, &command, text);
		goto out;
	}
	switch (command.kind) {
	case WALL_COMMAND_PING:
		reply_ok(c, command.tag, "{\"pong\":true}");
		break;
	case WALL_COMMAND_HELP:
		do_help(c, &command);
		break;
	case WALL_COMMAND_AUTH:
		do_auth(c, &command);
		break;
	case WALL_COMMAND_SUBSCRIBE:
		c->subscribed = true;
		reply_ok(c, command.tag, "{\"subscribed\":true}");
		break;
	case WALL_COMMAND_DATA:
		do_data(c, &command);
		break;
	case WALL_COMMAND_AUDIT:
		do_audit(c, &command);
		break;
	case WALL_COMMAND_BEGIN:
		c->in_batch = true;
		reply_ok(c, command.tag, "{\"batch\":true}");
		break;
	case WALL_COMMAND_COMMIT:
	case WALL_COMMAND_ABORT:
		reply_err(c, command.tag, "state", "no batch is open; send BEGIN first");
		break;
	case WALL_COMMAND_RELOAD:
		do_reload(c, &command, text);
		break;
	default: {
		struct wall_command *commands = g_new0(struct wall_command, 1);
		*commands = command;
		command = (struct wall_command){0};
		queue_request(c, commands, 1, text, commands->tag, NULL);
		break;
	}
	}
out:
	g_free(text);
	wall_command_clear(&command);
}

static gboolean on_readable(GObject *stream, gpointer user);

static void watch_input(struct wall_connection *c, bool on)
{
	if (on && c->read_source == NULL && !c->closed) {
		c->read_source = g_pollable_input_stream_create_source(c->in, NULL);
		g_source_set_callback(c->read_source, (GSourceFunc)(void (*)(void))on_readable, c,
				      NULL);
		g_source_attach(c->read_source, c->server->context);
	} else if (!on && c->read_source != NULL) {
		g_source_destroy(c->read_source);
		g_source_unref(c->read_source);
		c->read_source = NULL;
	}
}

/* Take whole lines out of the input buffer. */
static void handle_input(struct wall_connection *c)
{
	size_t start = 0;
	while (!c->closed && !c->closing && c->in_flight < MAX_IN_FLIGHT) {
		char *newline = memchr(c->inbuf->str + start, '\n', c->inbuf->len - start);
		if (newline == NULL) {
			break;
		}
		size_t length = (size_t)(newline - (c->inbuf->str + start));
		handle_line(c, c->inbuf->str + start, length);
		start += length + 1;
	}
	g_string_erase(c->inbuf, 0, (gssize)start);
	if (!c->closed && c->inbuf->len > WALL_PROTOCOL_MAX_LINE + 1 &&
	    memchr(c->inbuf->str, '\n', c->inbuf->len) == NULL) {
		reply_err(c, NULL, "too-long",
			  "a line may hold at most 65536 bytes; closing");
		c->closing = true;
		flush_output(c);
	}
	/* Too much waiting for frames: read no more until answers go out. */
	watch_input(c, !c->closing && c->in_flight < MAX_IN_FLIGHT);
}

static gboolean on_readable(GObject *stream, gpointer user)
{
	struct wall_connection *c = user;
	char chunk[READ_CHUNK];
	GError *error = NULL;
	gssize n = g_pollable_input_stream_read_nonblocking(c->in, chunk, sizeof(chunk), NULL,
							    &error);
	if (n < 0) {
		bool again = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
		g_error_free(error);
		if (again) {
			return G_SOURCE_CONTINUE;
		}
		connection_close(c);
		return G_SOURCE_REMOVE;
	}
	if (n == 0) {
		/* A half line left at the end is dropped: it was never sent whole. */
		connection_close(c);
		return G_SOURCE_REMOVE;
	}
	c->last_activity_us = g_get_monotonic_time();
	g_string_append_len(c->inbuf, chunk, n);
	/* handle_input() may replace or remove this source. */
	connection_ref(c);
	GSource *self = c->read_source;
	g_source_ref(self);
	handle_input(c);
	gboolean keep = c->read_source == self;
	g_source_unref(self);
	wall_connection_unref(c);
	return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

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

static gboolean on_incoming(GSocketService *service, GSocketConnection *conn,
			    GObject *source_object, gpointer user)
{
	struct wall_server *server = user;
	GSocket *socket = g_socket_connection_get_socket(conn);
	bool tcp = g_socket_get_family(socket) != G_SOCKET_FAMILY_UNIX;
	if (server->connections->len >= MAX_CONNECTIONS) {
		/* A best-effort word before closing; the socket is fresh, so it fits. */
		static const char busy[] = "ERR limit too many connections\n";
		g_socket_send(socket, busy, sizeof(busy) - 1, NULL, NULL);
		g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
		return TRUE;
	}
	struct wall_connection *c = g_new0(struct wall_connection, 1);
	g_atomic_ref_count_init(&c->refs);
	c->server = server;
	c->conn = g_object_ref(conn);
	c->in = G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	c->out = G_POLLABLE_OUTPUT_STREAM(g_io_stream_get_output_stream(G_IO_STREAM(conn)));
	c->inbuf = g_string_new(NULL);
	c->outbuf = g_string_new(NULL);
	c->batch = g_array_new(FALSE, TRUE, sizeof(struct wall_command));
	c->batch_text = g_string_new(NULL);
	c->peer = peer_name(conn);
	c->needs_auth = tcp && server->token != NULL;
	c->last_activity_us = g_get_monotonic_time();
	g_ptr_array_add(server->connections, c);
	wall_debug("control: %s connected", c->peer);
	watch_input(c, true);
	return TRUE;
}

/* ---- Answers from the render thread ---- */

static void finish_reply(struct wall_server *server, struct wall_request *request)
{
	if (request->ok && request->screenshot != NULL) {
		cairo_status_t status =
			cairo_surface_write_to_png(request->screenshot, request->screenshot_path);
		if (status != CAIRO_STATUS_SUCCESS) {
			request->ok = false;
			request->err_code = g_strdup("io");
			request->err_message = g_strdup_printf("cannot write %s: %s",
							       request->screenshot_path,
							       cairo_status_to_string(status));
		} else {
			JsonBuilder *builder = json_builder_new();
			json_builder_begin_object(builder);
			json_builder_set_member_name(builder, "frame");
			json_builder_add_int_value(builder, (gint64)request->frame);
			json_builder_set_member_name(builder, "path");
			json_builder_add_string_value(builder, request->screenshot_path);
			json_builder_end_object(builder);
			g_free(request->json);
			request->json = build_json(builder);
		}
	}
	if (request->ok && request->save_preset != 0 &&
	    !wall_state_save_preset(server->state, request->save_preset,
				    request->save_preset_name, request->save_preset_json)) {
		request->ok = false;
		request->err_code = g_strdup("io");
		request->err_message = g_strdup("the preset is set but could not be saved to disk");
	}
	if (request->ok && request->delete_preset != 0) {
		wall_state_delete_preset(server->state, request->delete_preset);
	}
	if (any_changes_wall(request->commands, request->count)) {
		char *result = request->ok ? g_strdup("OK")
					   : g_strdup_printf("ERR %s %s", request->err_code,
							     request->err_message);
		audit(server, request->peer, request->text, result, request->frame);
		g_free(result);
	}
	struct wall_connection *c = request->conn;
	if (c == NULL) {
		if (!request->ok) {
			wall_warning("%s: %s", request->text, request->err_message);
		}
		return;
	}
	c->in_flight--;
	if (request->ok) {
		reply_ok(c, request->tag, request->json);
	} else {
		reply_err(c, request->tag, request->err_code, request->err_message);
	}
	if (!c->closed && !c->closing) {
		/* Lines held back by the in-flight limit go now. */
		handle_input(c);
	}
}

struct delivery {
	struct wall_server *server;
	struct wall_frame_report *report;
};

static void delivery_free(gpointer data)
{
	struct delivery *delivery = data;
	wall_frame_report_free(delivery->report);
	g_free(delivery);
}

static gboolean deliver_report(gpointer data)
{
	struct delivery *delivery = data;
	struct wall_server *server = delivery->server;
	struct wall_frame_report *report = delivery->report;
	/* On disk before anyone hears OK: a SIGKILL right after a reply
	 * still comes back on the scene that reply announced. */
	if (report->last_state != NULL) {
		wall_state_set_last(server->state, report->last_state);
	}
	for (guint i = 0; i < report->replies->len; i++) {
		finish_reply(server, report->replies->pdata[i]);
	}
	for (guint i = 0; i < report->events->len; i++) {
		broadcast(server, report->events->pdata[i]);
	}
	return G_SOURCE_REMOVE;
}

void wall_server_report(struct wall_server *server, struct wall_frame_report *report)
{
	struct delivery *delivery = g_new0(struct delivery, 1);
	delivery->server = server;
	delivery->report = report;
	/* Runs on the control thread; if it stops first, the source's
	 * destroy notify still frees the report. */
	g_main_context_invoke_full(server->context, G_PRIORITY_DEFAULT, deliver_report, delivery,
				   delivery_free);
}

/* ---- Timers and the layout file watch ---- */

static gboolean on_idle_check(gpointer user)
{
	struct wall_server *server = user;
	int64_t now = g_get_monotonic_time();
	GPtrArray *all = g_ptr_array_copy(server->connections, NULL, NULL);
	for (guint i = 0; i < all->len; i++) {
		struct wall_connection *c = all->pdata[i];
		if (!c->subscribed && c->in_flight == 0 &&
		    now - c->last_activity_us > (int64_t)server->idle_s * G_USEC_PER_SEC) {
			send_line(c, "ERR idle no request for too long; closing");
			c->closing = true;
			flush_output(c);
		}
	}
	g_ptr_array_unref(all);
	return G_SOURCE_CONTINUE;
}

static gboolean on_reload_timer(gpointer user)
{
	struct wall_server *server = user;
	g_source_unref(server->reload_timer);
	server->reload_timer = NULL;
	char *sum = file_checksum(server->layout_path);
	bool same = sum == NULL || g_strcmp0(sum, server->layout_checksum) == 0;
	g_free(sum);
	if (same) {
		/* Touched, or gone for a moment during a save: nothing to do. */
		return G_SOURCE_REMOVE;
	}
	GError *error = NULL;
	struct wall_layout *layout = load_layout(server, &error);
	if (layout == NULL) {
		wall_error("layout changed but is not valid; keeping the running one: %s",
			   error->message);
		char *result = g_strdup_printf("ERR layout %s", error->message);
		audit(server, "file", "RELOAD", result, 0);
		g_free(result);
		reload_failed(server, error->message);
		/* Remember it, so the same bad file is not reported again. */
		g_free(server->layout_checksum);
		server->layout_checksum = file_checksum(server->layout_path);
		g_error_free(error);
		return G_SOURCE_REMOVE;
	}
	wall_info("layout %s changed; reloading", server->layout_path);
	struct wall_command *commands = g_new0(struct wall_command, 1);
	commands->kind = WALL_COMMAND_RELOAD;
	struct wall_request *request = g_new0(struct wall_request, 1);
	request->commands = commands;
	request->count = 1;
	request->text = g_strdup("RELOAD");
	request->peer = g_strdup("file");
	request->layout = layout;
	g_async_queue_push(server->inbox, request);
	return G_SOURCE_REMOVE;
}

static void on_layout_changed(GFileMonitor *monitor, GFile *file, GFile *other,
			      GFileMonitorEvent event, gpointer user)
{
	struct wall_server *server = user;
	switch (event) {
	case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
	case G_FILE_MONITOR_EVENT_CREATED:
	case G_FILE_MONITOR_EVENT_MOVED_IN:
	case G_FILE_MONITOR_EVENT_RENAMED:
	case G_FILE_MONITOR_EVENT_CHANGED:
		break;
	default:
		return;
	}
	if (server->reload_timer != NULL) {
		g_source_destroy(server->reload_timer);
		g_source_unref(server->reload_timer);
	}
	server->reload_timer = g_timeout_source_new(RELOAD_SETTLE_MS);
	g_source_set_callback(server->reload_timer, on_reload_timer, server, NULL);
	g_source_attach(server->reload_timer, server->context);
}

/* ---- Start and stop ---- */

static bool parse_listen(const char *listen, GInetAddress **address, guint16 *port,
			 GError **error)
{
	const char *colon = strrchr(listen, ':');
	guint64 number = 0;
	if (colon == NULL || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &number, NULL)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "--listen %s: expected HOST:PORT, like 127.0.0.1:9900", listen);
		return false;
	}
	char *host = g_strndup(listen, (gsize)(colon - listen));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		char *inner = g_strndup(host + 1, strlen(host) - 2);
		g_free(host);
		host = inner;
	}
	*port = (guint16)number;
	*address = g_inet_address_new_from_string(host);
	if (*address == NULL && strcmp(host, "localhost") == 0) {
		*address = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	}
	if (*address == NULL) {
		GList *found = g_resolver_lookup_by_name(g_resolver_get_default(), host, NULL, error);
		if (found == NULL) {
			g_prefix_error(error, "--listen %s: ", listen);
			g_free(host);
			return false;
		}
		*address = g_object_ref(found->data);
		g_resolver_free_addresses(found);
	}
	g_free(host);
	return true;
}

/* True when another wall answers on path; a dead socket file is removed. */
static bool socket_in_use(const char *path)
{
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		return false;
	}
	GSocketClient *client = g_socket_client_new();
	GSocketAddress *address = g_unix_socket_address_new(path);
	GSocketConnection *conn =
		g_socket_client_connect(client, G_SOCKET_CONNECTABLE(address), NULL, NULL);
	g_object_unref(address);
	g_object_unref(client);
	if (conn != NULL) {
		g_object_unref(conn);
		return true;
	}
	g_unlink(path);
	return false;
}

static bool bind_unix(struct wall_server *server, GError **error)
{
	if (server->socket_path == NULL) {
		return true;
	}
	char *dir = g_path_get_dirname(server->socket_path);
	g_mkdir_with_parents(dir, 0700);
	g_free(dir);
	if (socket_in_use(server->socket_path)) {
		if (server->socket_is_default) {
			wall_warning("control: another wall answers on %s; this one has no "
				     "control socket (give --control PATH)",
				     server->socket_path);
			g_clear_pointer(&server->socket_path, g_free);
			return true;
		}
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
			    "--control %s: another wall answers there", server->socket_path);
		return false;
	}
	GSocketAddress *address = g_unix_socket_address_new(server->socket_path);
	bool ok = g_socket_listener_add_address(G_SOCKET_LISTENER(server->service), address,
						G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
						NULL, NULL, error);
	g_object_unref(address);
	if (!ok) {
		g_prefix_error(error, "control socket %s: ", server->socket_path);
		return false;
	}
	server->socket_bound = true;
	/* Owner and group: operators share a group, strangers do not. */
	g_chmod(server->socket_path, 0660);
	wall_info("control: listening on %s", server->socket_path);
	return true;
}

static bool bind_tcp(struct wall_server *server, GError **error)
{
	if (server->listen == NULL) {
		return true;
	}
	GInetAddress *inet = NULL;
	guint16 port = 0;
	if (!parse_listen(server->listen, &inet, &port, error)) {
		return false;
	}
	if (!g_inet_address_get_is_loopback(inet) && server->token == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
			    "--listen %s reaches beyond this machine: give --token-file FILE so "
			    "clients must send AUTH <token>",
			    server->listen);
		g_object_unref(inet);
		return false;
	}
	GSocketAddress *address = g_inet_socket_address_new(inet, port);
	GSocketAddress *effective = NULL;
	bool ok = g_socket_listener_add_address(G_SOCKET_LISTENER(server->service), address,
						G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
						&effective, error);
	if (ok) {
		guint16 bound = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
		char *host = g_inet_address_to_string(inet);
		wall_info("control: listening on tcp %s:%u%s", host, bound,
			  server->token != NULL ? " (AUTH required)" : "");
		g_free(host);
		g_object_unref(effective);
	} else {
		g_prefix_error(error, "--listen %s: ", server->listen);
	}
	g_object_unref(address);
	g_object_unref(inet);
	return ok;
}

static void start_watch(struct wall_server *server)
{
	GFile *file = g_file_new_for_path(server->layout_path);
	GError *error = NULL;
	server->monitor = g_file_monitor_file(file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
	g_object_unref(file);
	if (server->monitor == NULL) {
		wall_warning("cannot watch %s for changes: %s", server->layout_path, error->message);
		g_error_free(error);
		return;
	}
	g_signal_connect(server->monitor, "changed", G_CALLBACK(on_layout_changed), server);
}

static void signal_started(struct wall_server *server, GError *error)
{
	g_mutex_lock(&server->lock);
	server->start_error = error;
	server->started = true;
	g_cond_signal(&server->started_cond);
	g_mutex_unlock(&server->lock);
}

static gpointer server_thread(gpointer data)
{
	struct wall_server *server = data;
	g_main_context_push_thread_default(server->context);
	GError *error = NULL;
	/* Made here, so its sources belong to this thread's context. */
	server->service = g_socket_service_new();
	g_socket_service_stop(server->service);
	g_socket_listener_set_backlog(G_SOCKET_LISTENER(server->service), MAX_CONNECTIONS);
	if (!bind_unix(server, &error) || !bind_tcp(server, &error)) {
		signal_started(server, error);
		goto out;
	}
	g_signal_connect(server->service, "incoming", G_CALLBACK(on_incoming), server);
	g_socket_service_start(server->service);
	start_watch(server);
	server->layout_checksum = file_checksum(server->layout_path);
	server->idle_timer = g_timeout_source_new_seconds(1);
	g_source_set_callback(server->idle_timer, on_idle_check, server, NULL);
	g_source_attach(server->idle_timer, server->context);
	signal_started(server, NULL);

	g_main_loop_run(server->loop);

	while (server->connections->len > 0) {
		connection_close(server->connections->pdata[0]);
	}
	g_source_destroy(server->idle_timer);
	g_source_unref(server->idle_timer);
	if (server->reload_timer != NULL) {
		g_source_destroy(server->reload_timer);
		g_source_unref(server->reload_timer);
	}
	g_clear_object(&server->monitor);
out:
	g_socket_service_stop(server->service);
	g_socket_listener_close(G_SOCKET_LISTENER(server->service));
	g_clear_object(&server->service);
	if (server->socket_bound) {
		g_unlink(server->socket_path);
	}
	/* Run what is still queued (reports), so their data is freed here. */
	while (g_main_context_iteration(server->context, FALSE)) {
	}
	g_main_context_pop_thread_default(server->context);
	return NULL;
}

struct wall_server *wall_server_start(const struct wall_server_options *options,
				      GAsyncQueue *inbox, GError **error)
{
	struct wall_server *server = g_new0(struct wall_server, 1);
	server->context = g_main_context_new();
	server->loop = g_main_loop_new(server->context, FALSE);
	server->inbox = g_async_queue_ref(inbox);
	server->socket_path = g_strdup(options->socket_path);
	server->socket_is_default = options->socket_is_default;
	server->listen = g_strdup(options->listen);
	server->token = g_strdup(options->token);
	server->idle_s = options->idle_s > 0 ? options->idle_s : DEFAULT_IDLE_S;
	server->layout_path = g_strdup(options->layout_path);
	server->registry = options->registry;
	server->state = options->state;
	server->connections = g_ptr_array_new();
	g_mutex_init(&server->lock);
	g_cond_init(&server->started_cond);

	server->thread = g_thread_new("wall-control", server_thread, server);
	g_mutex_lock(&server->lock);
	while (!server->started) {
		g_cond_wait(&server->started_cond, &server->lock);
	}
	g_mutex_unlock(&server->lock);
	if (server->start_error != NULL) {
		g_propagate_error(error, server->start_error);
		server->start_error = NULL;
		wall_server_stop(server);
		return NULL;
	}
	return server;
}

static gboolean quit_loop(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

void wall_server_stop(struct wall_server *server)
{
	if (server == NULL) {
		return;
	}
	g_main_context_invoke(server->context, quit_loop, server->loop);
	g_thread_join(server->thread);
	g_main_loop_unref(server->loop);
	g_main_context_unref(server->context);
	g_async_queue_unref(server->inbox);
	g_ptr_array_unref(server->connections);
	g_mutex_clear(&server->lock);
	g_cond_clear(&server->started_cond);
	g_free(server->socket_path);
	g_free(server->listen);
	if (server->token != NULL) {
		memset(server->token, 0, strlen(server->token));
	}
	g_free(server->token);
	g_free(server->layout_path);
	g_free(server->layout_checksum);
	g_free(server);
}

const char *wall_server_socket_path(struct wall_server *server)
{
	return server->socket_path;
}
