/*
 * wallctl: the wall's command-line client. It joins its words into one
 * request line, sends it to the wall's control socket (or TCP), prints
 * the reply and exits 0 on OK, 1 on ERR, 2 on bad usage and 3 when it
 * cannot reach the wall.
 *
 *   wallctl preset 3
 *   wallctl scene overview transition fade 400
 *   wallctl --connect wall.local:9900 --token-file token status
 *   wallctl watch        (events until interrupted)
 *   wallctl audit 50
 */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "control/protocol.h"
#include "control/token.h"

enum {
	EXIT_OK = 0,
	EXIT_ERR = 1,
	EXIT_USAGE = 2,
	EXIT_NO_CONNECTION = 3,
};

struct client {
	GSocketConnection *conn;
	GDataInputStream *in;
	GOutputStream *out;
};

static bool send_line(struct client *client, const char *line, GError **error)
{
	char *text = g_strdup_printf("%s\n", line);
	bool ok = g_output_stream_write_all(client->out, text, strlen(text), NULL, NULL, error);
	g_free(text);
	return ok;
}

/* The next line from the wall, without its newline; NULL at the end. */
static char *read_line(struct client *client, GError **error)
{
	gsize length;
	char *line = g_data_input_stream_read_line(client->in, &length, NULL, error);
	if (line != NULL && length > 0 && line[length - 1] == '\r') {
		line[length - 1] = '\0';
	}
	return line;
}

static GSocketConnection *connect_to(const char *socket_path, const char *address,
				     GError **error)
{
	GSocketClient *client = g_socket_client_new();
	g_socket_client_set_timeout(client, 5);
	GSocketConnection *conn;
	if (address != NULL) {
		conn = g_socket_client_connect_to_host(client, address, 0, NULL, error);
	} else {
		GSocketAddress *unix_address = g_unix_socket_address_new(socket_path);
		conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(unix_address), NULL,
					       error);
		g_object_unref(unix_address);
	}
	g_object_unref(client);
	return conn;
}

/* "watch" prints events; everything else is one request, with words quoted as needed. */
static char *request_line(char **words)
{
	GString *line = g_string_new(NULL);
	for (int i = 0; words[i] != NULL; i++) {
		char *quoted = wall_protocol_quote(words[i]);
		/* DATA's JSON goes as typed: quoting would make it a string. */
		bool raw = i >= 2 && g_ascii_strcasecmp(words[0], "DATA") == 0;
		g_string_append_printf(line, "%s%s", i > 0 ? " " : "", raw ? words[i] : quoted);
		g_free(quoted);
	}
	return g_string_free(line, FALSE);
}

/* A human-friendly rendering of an OK reply; --json prints it raw. */
static void print_ok(const char *json, bool raw)
{
	if (raw) {
		printf("%s\n", json);
		return;
	}
	JsonNode *node = json_from_string(json, NULL);
	if (node == NULL) {
		printf("%s\n", json);
		return;
	}
	JsonObject *object = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
	JsonArray *audit = object != NULL && json_object_has_member(object, "audit")
				   ? json_object_get_array_member(object, "audit")
				   : NULL;
	if (audit != NULL) {
		for (guint i = 0; i < json_array_get_length(audit); i++) {
			JsonObject *row = json_array_get_object_element(audit, i);
			printf("%s  frame %-8" G_GINT64_FORMAT "  %-24s  %s  -> %s\n",
			       json_object_get_string_member(row, "time"),
			       json_object_get_int_member(row, "frame"),
			       json_object_get_string_member(row, "peer"),
			       json_object_get_string_member(row, "command"),
			       json_object_get_string_member(row, "result"));
		}
	} else {
		char *pretty = json_to_string(node, TRUE);
		printf("%s\n", pretty);
		g_free(pretty);
	}
	json_node_unref(node);
}

int main(int argc, char **argv)
{
	char *socket_path = NULL;
	char *address = NULL;
	char *token_file = NULL;
	gboolean json = FALSE;
	char **words = NULL;
	int status = EXIT_USAGE;
	GOptionEntry entries[] = {
		{"socket", 's', 0, G_OPTION_ARG_FILENAME, &socket_path,
		 "The wall's control socket (default: wall.sock in $XDG_RUNTIME_DIR)", "PATH"},
		{"connect", 'c', 0, G_OPTION_ARG_STRING, &address,
		 "Reach the wall over TCP instead", "HOST:PORT"},
		{"token-file", 't', 0, G_OPTION_ARG_FILENAME, &token_file,
		 "Send AUTH with the token in FILE first (also $WALL_TOKEN)", "FILE"},
		{"json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print replies as raw JSON", NULL},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &words, NULL, "COMMAND..."},
		{NULL},
	};
	GOptionContext *context = g_option_context_new("COMMAND [ARGS...]");
	g_option_context_set_summary(context, "Send one command to a running wall, for example: "
					      "wallctl preset 3, wallctl status, wallctl watch, "
					      "wallctl audit.");
	GString *help = g_string_new("Commands (case does not matter):\n");
	for (const char *const *line = wall_protocol_help; *line != NULL; line++) {
		g_string_append_printf(help, "  %s\n", *line);
	}
	g_string_append(help, "  WATCH  (print events until stopped)\n\n"
			      "Exit status: 0 OK, 1 ERR, 2 usage, 3 no connection.");
	g_option_context_set_description(context, help->str);
	g_string_free(help, TRUE);
	g_option_context_add_main_entries(context, entries, NULL);
	GError *error = NULL;
	struct client client = {0};
	char *line = NULL;
	char *token = NULL;
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "wallctl: %s\n", error->message);
		goto out;
	}
	if (words == NULL || words[0] == NULL) {
		fprintf(stderr, "wallctl: no command given (try --help)\n");
		goto out;
	}
	bool watch = g_ascii_strcasecmp(words[0], "watch") == 0 && words[1] == NULL;
	line = watch ? g_strdup("SUBSCRIBE") : request_line(words);
	/* Check here, so a typo exits 2 without reaching the wall. */
	struct wall_command command;
	if (!wall_protocol_parse(line, strlen(line), &command, &error)) {
		fprintf(stderr, "wallctl: %s\n", error->message);
		wall_command_clear(&command);
		goto out;
	}
	wall_command_clear(&command);

	if (token_file != NULL) {
		token = wall_token_read(token_file, &error);
		if (token == NULL) {
			fprintf(stderr, "wallctl: %s\n", error->message);
			goto out;
		}
	} else if (g_getenv("WALL_TOKEN") != NULL) {
		token = g_strdup(g_getenv("WALL_TOKEN"));
	}
	if (socket_path == NULL && address == NULL) {
		socket_path = g_build_filename(g_get_user_runtime_dir(), "wall.sock", NULL);
	}
	status = EXIT_NO_CONNECTION;
	client.conn = connect_to(socket_path, address, &error);
	if (client.conn == NULL) {
		fprintf(stderr, "wallctl: cannot reach the wall at %s: %s\n",
			address != NULL ? address : socket_path, error->message);
		goto out;
	}
	client.in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(client.conn)));
	g_data_input_stream_set_newline_type(client.in, G_DATA_STREAM_NEWLINE_TYPE_LF);
	client.out = g_io_stream_get_output_stream(G_IO_STREAM(client.conn));

	if (token != NULL) {
		char *auth = g_strdup_printf("AUTH %s", token);
		bool sent = send_line(&client, auth, &error);
		g_free(auth);
		char *reply = sent ? read_line(&client, &error) : NULL;
		if (reply == NULL) {
			fprintf(stderr, "wallctl: the wall closed the connection\n");
			goto out;
		}
		if (!g_str_has_prefix(reply, "OK")) {
			fprintf(stderr, "wallctl: %s\n", reply);
			g_free(reply);
			status = EXIT_ERR;
			goto out;
		}
		g_free(reply);
	}
	if (!send_line(&client, line, &error)) {
		fprintf(stderr, "wallctl: %s\n", error->message);
		goto out;
	}
	for (;;) {
		char *reply = read_line(&client, &error);
		if (reply == NULL) {
			fprintf(stderr, "wallctl: the wall closed the connection%s%s\n",
				error != NULL ? ": " : "", error != NULL ? error->message : "");
			break;
		}
		if (g_str_has_prefix(reply, "EVENT ")) {
			print_ok(reply + 6, json);
			fflush(stdout);
		} else if (g_str_has_prefix(reply, "OK")) {
			status = EXIT_OK;
			if (!watch) {
				print_ok(reply[2] == ' ' ? reply + 3 : "{}", json);
			}
		} else {
			fprintf(stderr, "wallctl: %s\n", reply);
			status = EXIT_ERR;
			g_free(reply);
			break;
		}
		g_free(reply);
		if (!watch) {
			break;
		}
	}
out:
	if (error != NULL) {
		g_error_free(error);
	}
	if (client.in != NULL) {
		g_object_unref(client.in);
	}
	if (client.conn != NULL) {
		g_object_unref(client.conn);
	}
	g_free(line);
	wall_token_free(token);
	g_free(socket_path);
	g_free(address);
	g_free(token_file);
	g_strfreev(words);
	g_option_context_free(context);
	return status;
}
