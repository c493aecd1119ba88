#include "request.h"

#include <string.h>

#include "connection.h"

void wall_followup_free(struct wall_followup *followup)
{
	if (followup == NULL) {
		return;
	}
	g_free(followup->text);
	g_free(followup->json);
	if (followup->picture != NULL) {
		cairo_surface_destroy(followup->picture);
	}
	wall_request_free(followup->request);
	g_free(followup);
}

static struct wall_followup *followup_add(GPtrArray *list, enum wall_followup_kind kind)
{
	struct wall_followup *followup = g_new0(struct wall_followup, 1);
	followup->kind = kind;
	g_ptr_array_add(list, followup);
	return followup;
}

struct wall_request *wall_request_new(const char *peer, const char *text, const char *tag,
                                      struct wall_command *commands, guint count,
                                      struct wall_connection *conn)
{
	struct wall_request *request = g_new0(struct wall_request, 1);
	request->peer = g_strdup(peer);
	request->text = g_strdup(text);
	request->tag = g_strdup(tag);
	request->commands = commands;
	request->count = count;
	request->conn = conn != NULL ? wall_connection_ref(conn) : NULL;
	request->followups = g_ptr_array_new_with_free_func((GDestroyNotify)wall_followup_free);
	return request;
}

struct wall_request *wall_request_parse(const char *line, const char *peer, GError **error)
{
	struct wall_command *command = g_new0(struct wall_command, 1);
	if (!wall_protocol_parse(line, strlen(line), command, error)) {
		wall_command_clear(command);
		g_free(command);
		return NULL;
	}
	if (command->kind == WALL_COMMAND_INVALID) {
		g_set_error(error, WALL_PROTOCOL_ERROR, WALL_PROTOCOL_ERROR_SYNTAX,
		            "an empty line is no command");
		wall_command_clear(command);
		g_free(command);
		return NULL;
	}
	/* The text is for the audit log, where a token never goes. */
	char *text = g_strstrip(g_strdup(command->kind == WALL_COMMAND_AUTH ? "AUTH" : line));
	struct wall_request *request = wall_request_new(peer, text, command->tag, command, 1, NULL);
	g_free(text);
	return request;
}

/* A batch's text is its lines joined by "; " (dispatch.c): split there, but not inside quotes. */
static char **split_lines(const char *text)
{
	GPtrArray *lines = g_ptr_array_new();
	GString *line = g_string_new(NULL);
	bool quoted = false;
	for (const char *p = text; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0') {
			g_string_append_c(line, *p++);
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && (*p == ';' || *p == '\n')) {
			g_ptr_array_add(lines, g_strstrip(g_string_free(line, FALSE)));
			line = g_string_new(NULL);
			continue;
		}
		g_string_append_c(line, *p);
	}
	g_ptr_array_add(lines, g_strstrip(g_string_free(line, FALSE)));
	g_ptr_array_add(lines, NULL);
	return (char **)g_ptr_array_free(lines, FALSE);
}

struct wall_request *wall_request_parse_lines(const char *text, const char *peer, GError **error)
{
	GArray *commands = g_array_new(FALSE, TRUE, sizeof(struct wall_command));
	char **lines = split_lines(text);
	bool ok = true;
	for (char **line = lines; *line != NULL && ok; line++) {
		struct wall_command command = {0};
		ok = wall_protocol_parse(*line, strlen(*line), &command, error);
		if (ok && (command.kind == WALL_COMMAND_INVALID || command.kind == WALL_COMMAND_BEGIN ||
		           command.kind == WALL_COMMAND_COMMIT)) {
			wall_command_clear(&command);
			continue;
		}
		if (ok) {
			g_array_append_val(commands, command);
		}
	}
	g_strfreev(lines);
	if (ok && commands->len == 0) {
		g_set_error(error, WALL_PROTOCOL_ERROR, WALL_PROTOCOL_ERROR_SYNTAX,
		            "\"%s\" holds no command", text);
		ok = false;
	}
	if (!ok) {
		for (guint i = 0; i < commands->len; i++) {
			wall_command_clear(&g_array_index(commands, struct wall_command, i));
		}
		g_array_free(commands, TRUE);
		return NULL;
	}
	guint count = commands->len;
	struct wall_command *array = (struct wall_command *)(void *)g_array_free(commands, FALSE);
	return wall_request_new(peer, text, NULL, array, count, NULL);
}

void wall_request_free(struct wall_request *request)
{
	if (request == NULL) {
		return;
	}
	for (guint i = 0; i < request->count; i++) {
		wall_command_clear(&request->commands[i]);
	}
	g_free(request->commands);
	if (request->conn != NULL) {
		wall_connection_unref(request->conn);
	}
	if (request->reply_data_free != NULL) {
		request->reply_data_free(request->reply_data);
	}
	g_free(request->peer);
	g_free(request->text);
	g_free(request->tag);
	wall_layout_destroy(request->layout);
	g_free(request->json);
	g_free(request->err_code);
	g_free(request->err_message);
	g_ptr_array_unref(request->followups);
	g_free(request);
}

void wall_request_succeed(struct wall_request *request, const char *json)
{
	request->ok = true;
	g_free(request->json);
	request->json = g_strdup(json);
}

bool wall_request_fail(struct wall_request *request, const char *code, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	g_free(request->err_message);
	request->err_message = g_strdup_vprintf(format, args);
	va_end(args);
	g_free(request->err_code);
	request->err_code = g_strdup(code);
	request->ok = false;
	return false;
}

struct wall_followup *wall_request_follow_up(struct wall_request *request,
                                             enum wall_followup_kind kind)
{
	return followup_add(request->followups, kind);
}

bool wall_request_audited(const struct wall_request *request)
{
	for (guint i = 0; i < request->count; i++) {
		/*
		 * A screenshot changes nothing shown, but writes a file; a data
		 * delete takes away what a panel shows. A data set is not
		 * audited: feeds push values every few seconds, and their rows
		 * would push the operators' history out of the audit table.
		 */
		enum wall_command_kind kind = request->commands[i].kind;
		if (wall_command_changes_wall(kind) || kind == WALL_COMMAND_SCREENSHOT ||
		    kind == WALL_COMMAND_DATA_DELETE) {
			return true;
		}
	}
	return false;
}

char *wall_request_result(const struct wall_request *request)
{
	return request->ok ? g_strdup("OK")
	                   : g_strdup_printf("ERR %s %s", request->err_code, request->err_message);
}

struct wall_frame_report *wall_frame_report_new(uint64_t frame)
{
	struct wall_frame_report *report = g_new0(struct wall_frame_report, 1);
	report->frame = frame;
	report->work = g_ptr_array_new_with_free_func((GDestroyNotify)wall_followup_free);
	return report;
}

struct wall_followup *wall_frame_report_add(struct wall_frame_report *report,
                                            enum wall_followup_kind kind)
{
	return followup_add(report->work, kind);
}

void wall_frame_report_free(struct wall_frame_report *report)
{
	if (report == NULL) {
		return;
	}
	g_ptr_array_unref(report->work);
	g_free(report);
}
