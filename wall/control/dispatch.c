/*
 * The commands of the control thread. A line becomes a request; the
 * control thread runs its own commands (PING, HELP, AUTH, SUBSCRIBE,
 * DATA, AUDIT, batches, loading a RELOAD) and queues the others for the
 * render thread; the render thread's answers come back here, where their
 * follow-up work runs, they are audited, and whoever asked hears.
 */
#include "server_private.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "auth.h"
#include "counters.h"
#include "datastore.h"
#include "json_write.h"
#include "limits.h"
#include "log.h"
#include "screenshot.h"
#include "state.h"
#include "text.h"
#include "web.h"

/* A row of the operators' history: every text in it bounded, whatever was sent. */
static void audit(struct wall_server *server, const char *peer, const char *command,
                  const char *result, uint64_t frame)
{
	bool command_cut = false;
	bool result_cut = false;
	char *short_command = wall_text_cut(command, WALL_CONTROL_MAX_AUDIT_TEXT, &command_cut);
	char *short_result = wall_text_cut(result, WALL_CONTROL_MAX_AUDIT_TEXT, &result_cut);
	if (command_cut || result_cut) {
		wall_counter_add(server->counters, WALL_COUNTER_AUDIT_TRUNCATED, 1);
	}
	struct wall_audit_entry entry = {
	        .time_us = g_get_real_time(),
	        .peer = peer,
	        .command = short_command,
	        .result = short_result,
	        .frame = frame,
	};
	wall_state_audit(server->state, &entry);
	g_free(short_command);
	g_free(short_result);
}

void wall_server_broadcast(struct wall_server *server, const char *json)
{
	char *line = g_strdup_printf("EVENT %s", json);
	/* Closing removes from the array: walk a copy. */
	GPtrArray *all = g_ptr_array_copy(server->connections, NULL, NULL);
	for (guint i = 0; i < all->len; i++) {
		struct wall_connection *c = all->pdata[i];
		if (c->subscribed) {
			wall_connection_send_line(c, line);
		}
	}
	g_ptr_array_unref(all);
	g_free(line);
	wall_web_broadcast(server->web, json);
}

void wall_server_answer(struct wall_server *server, struct wall_request *request)
{
	if (wall_request_audited(request)) {
		char *result = wall_request_result(request);
		audit(server, request->peer, request->text, result, request->frame);
		g_free(result);
	}
	if (request->reply != NULL) {
		request->reply(request->reply_data, request);
		return;
	}
	struct wall_connection *c = request->conn;
	if (c == NULL) {
		if (!request->ok) {
			wall_warning("%s from %s: %s", request->text, request->peer,
			             request->err_message);
		}
		return;
	}
	if (request->ok) {
		wall_connection_reply_ok(c, request->tag, request->json);
	} else {
		wall_connection_reply_err(c, request->tag, request->err_code, request->err_message);
	}
}

/* Answer now and let the request go. */
static void answer_now(struct wall_server *server, struct wall_request *request)
{
	wall_server_answer(server, request);
	wall_request_free(request);
}

static void queue_for_frame(struct wall_server *server, struct wall_request *request)
{
	if (request->conn != NULL) {
		request->conn->in_flight++;
	}
	g_async_queue_push(server->inbox, request);
}

/* ---- The control thread's own commands ---- */

/* Refused before it ran (no token yet): answered, and not audited, so
 * nobody without a token can write the operators' history. */
static void refuse_now(struct wall_request *request, const char *code, const char *message)
{
	wall_connection_reply_err(request->conn, request->tag, code, message);
	wall_request_free(request);
}

static void do_auth(struct wall_server *server, struct wall_request *request)
{
	struct wall_connection *c = request->conn;
	if (!c->needs_auth) {
		wall_request_succeed(request, "{\"auth\":true,\"needed\":false}");
		answer_now(server, request);
		return;
	}
	int wait_s = 0;
	enum wall_auth_result result =
	        wall_auth_check(server->auth, c->address, c->peer, request->commands[0].name,
	                        g_get_monotonic_time(), &wait_s);
	if (result == WALL_AUTH_RESULT_OK) {
		wall_server_authenticated(server, c);
		wall_request_succeed(request, "{\"auth\":true}");
		answer_now(server, request);
		return;
	}
	char *message = result == WALL_AUTH_RESULT_WAIT
	                        ? g_strdup_printf("too many wrong tokens from %s; try again in %d s",
	                                          c->address, wait_s)
	                        : g_strdup("wrong token");
	wall_connection_ref(c);
	refuse_now(request, "auth", message);
	g_free(message);
	if (++c->auth_failures >= WALL_CONTROL_MAX_AUTH_FAILURES && !c->closed) {
		wall_connection_close_after(c, "ERR auth too many wrong tokens; closing");
	}
	wall_connection_unref(c);
}

/* An AUDIT reply, read and sent a page at a time as the client takes it. */
struct audit_stream {
	struct wall_state *state;
	char *tag;
	bool started;
	/* A row was written: the next needs a comma. */
	bool any;
	int64_t next_id;
	int64_t last_id;
	/* Where this page goes. */
	GString *out;
};

static void add_audit_row(void *user, const struct wall_audit_entry *entry)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	GDateTime *time = g_date_time_new_from_unix_local(entry->time_us / G_USEC_PER_SEC);
	char *iso = g_date_time_format_iso8601(time);
	wall_json_set_string(builder, "time", iso);
	g_free(iso);
	g_date_time_unref(time);
	/* Rows written before texts were bounded may be long: cut them here too. */
	const char *texts[][2] = {{"peer", entry->peer},
	                          {"command", entry->command},
	                          {"result", entry->result}};
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		char *text = wall_text_cut(texts[i][1], WALL_CONTROL_MAX_AUDIT_TEXT, NULL);
		wall_json_set_string(builder, texts[i][0], text);
		g_free(text);
	}
	wall_json_set_int(builder, "frame", (gint64)entry->frame);
	json_builder_end_object(builder);
	char *json = wall_json_finish(builder);
	struct audit_stream *stream = user;
	if (stream->any) {
		g_string_append_c(stream->out, ',');
	}
	stream->any = true;
	g_string_append(stream->out, json);
	g_free(json);
}

static void audit_stream_free(void *data)
{
	struct audit_stream *stream = data;
	g_free(stream->tag);
	g_free(stream);
}

static bool audit_stream_fill(void *data, GString *out)
{
	struct audit_stream *stream = data;
	if (!stream->started) {
		stream->started = true;
		if (stream->tag != NULL) {
			g_string_append_printf(out, "#%s ", stream->tag);
		}
		g_string_append(out, "OK {\"audit\":[");
		return true;
	}
	stream->out = out;
	int rows = stream->next_id <= stream->last_id
	                   ? wall_state_foreach_audit_page(
	                             stream->state, &stream->next_id, stream->last_id,
	                             WALL_CONTROL_AUDIT_PAGE_ROWS, WALL_CONTROL_MAX_AUDIT_TEXT,
	                             add_audit_row, stream)
	                   : 0;
	if (rows > 0) {
		return true;
	}
	g_string_append(out, "]}");
	return false;
}

/* Rows are bounded (WALL_CONTROL_MAX_AUDIT_ROWS, each text cut), and
 * streamed, so neither the reply nor the control thread's time grows with
 * the log. */
static void do_audit(struct wall_server *server, struct wall_request *request)
{
	int rows = request->commands[0].number;
	if (rows > WALL_CONTROL_MAX_AUDIT_ROWS) {
		wall_counter_add(server->counters, WALL_COUNTER_AUDIT_ROWS_REFUSED, 1);
		wall_request_fail(request, "limit", "AUDIT gives at most %d rows at a time",
		                  WALL_CONTROL_MAX_AUDIT_ROWS);
		answer_now(server, request);
		return;
	}
	struct audit_stream *stream = g_new0(struct audit_stream, 1);
	stream->state = server->state;
	stream->tag = g_strdup(request->tag);
	if (!wall_state_audit_range(server->state, rows, &stream->next_id, &stream->last_id)) {
		stream->next_id = 1;
		stream->last_id = 0;
	}
	wall_connection_stream(request->conn, audit_stream_fill, stream, audit_stream_free);
	wall_request_free(request);
}

static void do_help(JsonBuilder *out)
{
	json_builder_set_member_name(out, "commands");
	json_builder_begin_array(out);
	for (const char *const *line = wall_protocol_help; *line != NULL; line++) {
		json_builder_add_string_value(out, *line);
	}
	json_builder_end_array(out);
}

static bool do_data(struct wall_request *request, JsonBuilder *out)
{
	const struct wall_command *command = &request->commands[0];
	JsonParser *parser = json_parser_new();
	GError *error = NULL;
	bool ok = json_parser_load_from_data(parser, command->text, -1, &error);
	g_object_unref(parser);
	if (!ok) {
		wall_request_fail(request, "usage", "%s", error->message);
		g_error_free(error);
		return false;
	}
	const char *why = NULL;
	if (!wall_data_set_checked(command->name, command->text, &why)) {
		return wall_request_fail(request, "limit", "%s", why);
	}
	wall_json_set_string(out, "key", command->name);
	return true;
}

static bool do_data_delete(struct wall_request *request, JsonBuilder *out)
{
	const char *key = request->commands[0].name;
	if (!wall_data_delete(key)) {
		return wall_request_fail(request, "not-found", "no data under key %.64s", key);
	}
	wall_json_set_string(out, "key", key);
	wall_json_set_bool(out, "deleted", true);
	return true;
}

static void reload_failed(struct wall_server *server, const char *message)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "event", "reload");
	wall_json_set_bool(builder, "ok", false);
	wall_json_set_string(builder, "error", message);
	json_builder_end_object(builder);
	char *json = wall_json_finish(builder);
	wall_server_broadcast(server, json);
	g_free(json);
}

/* The layout is loaded and checked here, off the render thread, which only swaps it in. */
static void do_reload(struct wall_server *server, struct wall_request *request)
{
	GError *error = NULL;
	request->layout = wall_server_load_layout(server, &error);
	if (request->layout == NULL) {
		wall_request_fail(request, "layout", "%s", error->message);
		answer_now(server, request);
		reload_failed(server, error->message);
		g_error_free(error);
		return;
	}
	queue_for_frame(server, request);
}

/* The commands a connection-less request (a key, the file watch) cannot give. */
static bool needs_connection(enum wall_command_kind kind)
{
	switch (kind) {
	case WALL_COMMAND_AUTH:
	case WALL_COMMAND_AUDIT:
	case WALL_COMMAND_SUBSCRIBE:
	case WALL_COMMAND_BEGIN:
	case WALL_COMMAND_COMMIT:
	case WALL_COMMAND_ABORT:
		return true;
	default:
		return false;
	}
}

/* Commands answered at once with a JSON object; false when the kind is not one. */
static bool run_here(struct wall_server *server, struct wall_request *request)
{
	JsonBuilder *out = json_builder_new();
	json_builder_begin_object(out);
	bool ok = true;
	switch (request->commands[0].kind) {
	case WALL_COMMAND_PING:
		wall_json_set_bool(out, "pong", true);
		break;
	case WALL_COMMAND_HELP:
		do_help(out);
		break;
	case WALL_COMMAND_SUBSCRIBE:
		request->conn->subscribed = true;
		wall_json_set_bool(out, "subscribed", true);
		break;
	case WALL_COMMAND_DATA:
		ok = do_data(request, out);
		break;
	case WALL_COMMAND_DATA_DELETE:
		ok = do_data_delete(request, out);
		break;
	case WALL_COMMAND_BEGIN:
		request->conn->in_batch = true;
		wall_json_set_bool(out, "batch", true);
		break;
	case WALL_COMMAND_COMMIT:
	case WALL_COMMAND_ABORT:
		ok = wall_request_fail(request, "state", "no batch is open; send BEGIN first");
		break;
	default:
		g_object_unref(out);
		return false;
	}
	json_builder_end_object(out);
	char *json = wall_json_finish(out);
	if (ok) {
		wall_request_succeed(request, json);
	}
	g_free(json);
	answer_now(server, request);
	return true;
}

/* A SCREENSHOT names a file of the screenshot folder: refused before it costs a frame. */
static bool screenshot_name_ok(struct wall_server *server, const struct wall_command *command,
                               char **why)
{
	if (command->kind != WALL_COMMAND_SCREENSHOT ||
	    wall_screenshot_name_ok(command->name, why)) {
		return true;
	}
	wall_counter_add(server->counters, WALL_COUNTER_SCREENSHOTS_REFUSED, 1);
	return false;
}

static bool screenshots_ok(struct wall_server *server, struct wall_request *request)
{
	for (guint i = 0; i < request->count; i++) {
		char *why = NULL;
		if (!screenshot_name_ok(server, &request->commands[i], &why)) {
			wall_request_fail(request, "usage", "%s", why);
			g_free(why);
			return false;
		}
	}
	return true;
}

void wall_server_dispatch(struct wall_server *server, struct wall_request *request)
{
	enum wall_command_kind kind = request->commands[0].kind;
	struct wall_connection *c = request->conn;
	if (c == NULL && needs_connection(kind)) {
		wall_request_fail(request, "state", "this command needs a connection");
		answer_now(server, request);
		return;
	}
	if (c != NULL && !wall_connection_trusted(c) && kind != WALL_COMMAND_PING &&
	    kind != WALL_COMMAND_HELP && kind != WALL_COMMAND_AUTH) {
		refuse_now(request, "auth", "this connection needs AUTH <token> first");
		return;
	}
	if (!screenshots_ok(server, request)) {
		answer_now(server, request);
		return;
	}
	if (kind == WALL_COMMAND_AUTH) {
		do_auth(server, request);
	} else if (kind == WALL_COMMAND_AUDIT) {
		do_audit(server, request);
	} else if (kind == WALL_COMMAND_RELOAD) {
		do_reload(server, request);
	} else if (!run_here(server, request)) {
		queue_for_frame(server, request);
	}
}

/* ---- Lines from connections ---- */

/* What a batch may hold: commands for the render thread, but not RELOAD. */
static bool batchable(enum wall_command_kind kind)
{
	return wall_command_needs_frame(kind) && kind != WALL_COMMAND_RELOAD;
}

static void commit_batch(struct wall_server *server, struct wall_connection *c, const char *tag)
{
	guint count = c->batch->len;
	struct wall_command *commands =
	        (struct wall_command *)(void *)g_array_free(c->batch, FALSE);
	c->batch = g_array_new(FALSE, TRUE, sizeof(struct wall_command));
	g_string_append(c->batch_text, "COMMIT");
	c->in_batch = false;
	if (count == 0) {
		g_free(commands);
		wall_connection_reply_ok(c, tag, "{\"commands\":0}");
	} else {
		queue_for_frame(server, wall_request_new(c->peer, c->batch_text->str, tag, commands,
		                                         count, c));
	}
	g_string_truncate(c->batch_text, 0);
}

static void abort_batch(struct wall_connection *c, const char *tag)
{
	char *json = g_strdup_printf("{\"aborted\":%u}", c->batch->len);
	for (guint i = 0; i < c->batch->len; i++) {
		wall_command_clear(&g_array_index(c->batch, struct wall_command, i));
	}
	g_array_set_size(c->batch, 0);
	g_string_truncate(c->batch_text, 0);
	c->in_batch = false;
	wall_connection_reply_ok(c, tag, json);
	g_free(json);
}

/* A line inside BEGIN ... COMMIT: kept until COMMIT sends them all as one request. */
static void batch_line(struct wall_server *server, struct wall_connection *c,
                       struct wall_command *command, const char *text)
{
	switch (command->kind) {
	case WALL_COMMAND_COMMIT:
		commit_batch(server, c, command->tag);
		return;
	case WALL_COMMAND_ABORT:
		abort_batch(c, command->tag);
		return;
	case WALL_COMMAND_BEGIN:
		wall_connection_reply_err(c, command->tag, "state",
		                          "already in a batch; COMMIT or ABORT it first");
		return;
	default:
		break;
	}
	if (!batchable(command->kind)) {
		wall_connection_reply_err(
		        c, command->tag, "state",
		        "only wall commands go in a batch; COMMIT or ABORT it first");
		return;
	}
	char *why = NULL;
	if (!screenshot_name_ok(server, command, &why)) {
		wall_connection_reply_err(c, command->tag, "usage", why);
		g_free(why);
		return;
	}
	if (c->batch->len >= WALL_CONTROL_MAX_BATCH) {
		wall_counter_add(server->counters, WALL_COUNTER_BATCH_FULL, 1);
		char *message = g_strdup_printf("a batch holds at most %d commands",
		                                WALL_CONTROL_MAX_BATCH);
		wall_connection_reply_err(c, command->tag, "limit", message);
		g_free(message);
		return;
	}
	char *tag = g_steal_pointer(&command->tag);
	g_array_append_val(c->batch, *command);
	*command = (struct wall_command){0};
	g_string_append_printf(c->batch_text, "%s; ", text);
	char *json = g_strdup_printf("{\"queued\":%u}", c->batch->len);
	wall_connection_reply_ok(c, tag, json);
	g_free(json);
	g_free(tag);
}

static void on_line(void *user, struct wall_connection *c, const char *line, size_t length)
{
	struct wall_server *server = user;
	struct wall_command command;
	GError *error = NULL;
	if (!wall_protocol_parse(line, length, &command, &error)) {
		wall_connection_reply_err(c, command.tag, wall_protocol_error_word(error->code),
		                          error->message);
		g_error_free(error);
		wall_command_clear(&command);
		return;
	}
	if (command.kind == WALL_COMMAND_INVALID) {
		wall_command_clear(&command);
		return;
	}
	/* The text as typed, for the audit log: valid UTF-8 by now. A token
	 * never goes there. */
	char *text = command.kind == WALL_COMMAND_AUTH ? g_strdup("AUTH") : g_strndup(line, length);
	g_strstrip(text);
	if (c->in_batch && wall_connection_trusted(c)) {
		batch_line(server, c, &command, text);
		wall_command_clear(&command);
	} else {
		struct wall_command *commands = g_new(struct wall_command, 1);
		*commands = command;
		wall_server_dispatch(
		        server, wall_request_new(c->peer, text, commands->tag, commands, 1, c));
	}
	g_free(text);
}

static void on_closed(void *user, struct wall_connection *c)
{
	struct wall_server *server = user;
	if (g_ptr_array_remove_fast(server->connections, c)) {
		wall_counter_add(server->counters, WALL_COUNTER_CONNECTIONS_OPEN, -1);
		wall_counter_add(server->counters, WALL_COUNTER_UNAUTHENTICATED_OPEN,
		                 -(int64_t)!wall_connection_trusted(c));
		wall_connection_unref(c);
	}
}

const struct wall_connection_handler wall_server_connection_handler = {
        .line = on_line,
        .closed = on_closed,
};

/* ---- Answers from the render thread ---- */

static bool write_screenshot(struct wall_server *server, struct wall_request *request,
                             struct wall_followup *followup)
{
	if (followup->picture == NULL) {
		return wall_request_fail(request, "internal", "no picture was taken for %s",
		                         followup->text);
	}
	GError *error = NULL;
	if (!wall_screenshot_write(server->screenshot_dir_fd, followup->text, followup->picture,
	                           &error)) {
		wall_counter_add(server->counters, WALL_COUNTER_SCREENSHOTS_REFUSED, 1);
		wall_request_fail(request, "io", "%s: %s", server->screenshot_dir, error->message);
		g_error_free(error);
		return false;
	}
	return true;
}

/* The request's own follow-ups, in order; the first that fails turns its answer to ERR. */
static void follow_up(struct wall_server *server, struct wall_request *request)
{
	for (guint i = 0; i < request->followups->len && request->ok; i++) {
		struct wall_followup *followup = request->followups->pdata[i];
		switch (followup->kind) {
		case WALL_FOLLOWUP_SCREENSHOT:
			write_screenshot(server, request, followup);
			break;
		case WALL_FOLLOWUP_SAVE_PRESET:
			if (!wall_state_save_preset(server->state, followup->number, followup->text,
			                            followup->json)) {
				wall_request_fail(
				        request, "io",
				        "the preset is set but could not be saved to disk");
			}
			break;
		case WALL_FOLLOWUP_DELETE_PRESET:
			wall_state_delete_preset(server->state, followup->number);
			break;
		default:
			wall_request_fail(request, "internal", "follow-up %d is not a request's",
			                  (int)followup->kind);
			break;
		}
	}
}

static void finish_request(struct wall_server *server, struct wall_request *request)
{
	if (request->ok) {
		follow_up(server, request);
	}
	wall_server_answer(server, request);
	struct wall_connection *c = request->conn;
	if (c == NULL) {
		return;
	}
	c->in_flight--;
	if (!c->closed && !c->closing) {
		/* Lines held back by the in-flight limit go now. */
		wall_connection_read_lines(c);
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
	GPtrArray *work = delivery->report->work;
	for (guint i = 0; i < work->len; i++) {
		struct wall_followup *followup = work->pdata[i];
		switch (followup->kind) {
		case WALL_FOLLOWUP_SAVE_STATE:
			wall_state_set_last(server->state, followup->json);
			break;
		case WALL_FOLLOWUP_ANSWER:
			finish_request(server, followup->request);
			break;
		case WALL_FOLLOWUP_EVENT:
			wall_server_broadcast(server, followup->json);
			break;
		case WALL_FOLLOWUP_MINIATURE:
			wall_web_miniature(server->web, followup->picture);
			break;
		default:
			wall_warning("control: follow-up %d is not a frame's", (int)followup->kind);
			break;
		}
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

struct submission {
	struct wall_server *server;
	struct wall_request *request;
};

static void submission_free(gpointer data)
{
	struct submission *submission = data;
	wall_request_free(submission->request);
	g_free(submission);
}

static gboolean run_submission(gpointer data)
{
	struct submission *submission = data;
	wall_server_dispatch(submission->server, g_steal_pointer(&submission->request));
	return G_SOURCE_REMOVE;
}

void wall_server_submit(struct wall_server *server, struct wall_request *request)
{
	struct submission *submission = g_new0(struct submission, 1);
	submission->server = server;
	submission->request = request;
	g_main_context_invoke_full(server->context, G_PRIORITY_DEFAULT, run_submission, submission,
	                           submission_free);
}
