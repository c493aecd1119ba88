#include "web.h"

#include <json-glib/json-glib.h>
#include <libyuv.h>
#include <string.h>

#include "auth.h"
#include "http.h"
#include "json_write.h"
#include "limits.h"
#include "log.h"
#include "metrics.h"
#include "server_private.h"
#include "web_assets.h"
#include "web_users.h"

/* A session lasts a working day and a night shift's handover. */
#define SESSION_S (12 * 3600)
#define COOKIE "wall_session"
/* Longest line a page may send; a protocol line is far shorter. */
#define MAX_MESSAGE (64 * 1024)
/* The miniature: how often, and how wide at most. */
#define MINIATURE_EVERY_MS 1000
#define MINIATURE_WIDTH_PX 640

/* One page's WebSocket. Requests in flight hold references, so it may outlive its socket. */
struct web_client {
	gatomicrefcount refs;
	/* Valid while it is open (in web->clients). */
	struct wall_web *web;
	/* NULL once closed. */
	SoupWebsocketConnection *ws;
	char *user;
	enum wall_web_role role;
	/* As audited: "web:NAME ADDRESS:PORT". */
	char *peer;
	guint in_flight;
	/* It asked for the next picture ({"miniature": true}) and has not had it. */
	bool wants_miniature;
};

struct wall_web {
	struct wall_server *server;
	struct wall_web_users *users;
	struct wall_auth *auth;
	struct wall_camera_health *cameras;
	/* struct web_client *, open ones; each holds a reference. */
	GPtrArray *clients;
	GSource *timer;
	/* The cameras' health as last sent, to send only changes. */
	char *cameras_json;
	GCancellable *cancel;
	/* A canvas is on its way or being encoded: ask for no other. */
	bool miniature_busy;
	int64_t miniature_asked_us;
	GBytes *miniature;
};

static struct web_client *client_ref(struct web_client *client)
{
	g_atomic_ref_count_inc(&client->refs);
	return client;
}

/* Any thread: the last request may be freed wherever it ends. */
static void client_unref(void *data)
{
	struct web_client *client = data;
	if (!g_atomic_ref_count_dec(&client->refs)) {
		return;
	}
	g_free(client->user);
	g_free(client->peer);
	g_free(client);
}

static void send_text(struct web_client *client, const char *text)
{
	if (client->ws != NULL &&
	    soup_websocket_connection_get_state(client->ws) == SOUP_WEBSOCKET_STATE_OPEN) {
		soup_websocket_connection_send_text(client->ws, text);
	}
}

/* ---- Plain HTTP: assets, login, logout ---- */

static void respond(SoupServerMessage *msg, guint status, const char *type, char *body)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, type, SOUP_MEMORY_TAKE, body, strlen(body));
}

static void respond_json(SoupServerMessage *msg, guint status, JsonBuilder *builder)
{
	respond(msg, status, "application/json", wall_json_finish(builder));
}

static JsonBuilder *object_begin(void)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	return builder;
}

static void respond_error(SoupServerMessage *msg, guint status, const char *error)
{
	JsonBuilder *builder = object_begin();
	wall_json_set_string(builder, "error", error);
	json_builder_end_object(builder);
	respond_json(msg, status, builder);
}

static const char *request_header(SoupServerMessage *msg, const char *name)
{
	return soup_message_headers_get_one(soup_server_message_get_request_headers(msg), name);
}

static void response_header(SoupServerMessage *msg, const char *name, const char *value)
{
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), name, value);
}

/*
 * Cross-site requests carry the page's Origin; this server's own pages
 * carry its own (scheme, host and port as the browser reached it).
 * required: a browser always sends it here (the WebSocket).
 */
static bool origin_ok(SoupServerMessage *msg, bool required)
{
	const char *origin = request_header(msg, "Origin");
	const char *host = request_header(msg, "Host");
	if (origin == NULL) {
		return !required;
	}
	if (host == NULL) {
		return false;
	}
	char *expected = g_strconcat("http://", host, NULL);
	bool ok = g_ascii_strcasecmp(origin, expected) == 0;
	g_free(expected);
	return ok;
}

static char *peer_of(SoupServerMessage *msg, const char *user)
{
	GSocketAddress *address = soup_server_message_get_remote_address(msg);
	const char *host = soup_server_message_get_remote_host(msg);
	guint16 port = address != NULL && G_IS_INET_SOCKET_ADDRESS(address)
	                       ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(address))
	                       : 0;
	return g_strdup_printf("web:%s %s:%u", user, host != NULL ? host : "?", port);
}

static char *cookie_value(SoupServerMessage *msg)
{
	const char *header = request_header(msg, "Cookie");
	if (header == NULL) {
		return NULL;
	}
	char *value = NULL;
	char **pairs = g_strsplit(header, ";", -1);
	for (char **pair = pairs; *pair != NULL && value == NULL; pair++) {
		const char *text = g_strchug(*pair);
		if (g_str_has_prefix(text, COOKIE "=")) {
			value = g_strdup(text + strlen(COOKIE "="));
		}
	}
	g_strfreev(pairs);
	return value;
}

static const struct wall_web_user *session_user(struct wall_web *web, SoupServerMessage *msg)
{
	char *value = cookie_value(msg);
	const struct wall_web_user *user =
	        value != NULL ? wall_web_session_check(web->users, value,
	                                               g_get_real_time() / G_USEC_PER_SEC)
	                      : NULL;
	g_free(value);
	return user;
}

static void respond_user(SoupServerMessage *msg, const struct wall_web_user *user)
{
	JsonBuilder *builder = object_begin();
	wall_json_set_string(builder, "user", user->name);
	wall_json_set_string(builder, "role", wall_web_role_name(user->role));
	json_builder_end_object(builder);
	respond_json(msg, SOUP_STATUS_OK, builder);
}

static char *body_token(SoupServerMessage *msg)
{
	SoupMessageBody *body = soup_server_message_get_request_body(msg);
	GBytes *bytes = soup_message_body_flatten(body);
	gsize size = 0;
	const char *data = g_bytes_get_data(bytes, &size);
	char *token = NULL;
	JsonParser *parser = json_parser_new();
	if (size > 0 && size < 4096 &&
	    json_parser_load_from_data(parser, data, (gssize)size, NULL)) {
		JsonNode *root = json_parser_get_root(parser);
		JsonObject *object =
		        JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
		const char *given =
		        object != NULL && json_object_has_member(object, "token")
		                ? json_object_get_string_member_with_default(object, "token", NULL)
		                : NULL;
		token = g_strdup(given);
	}
	g_object_unref(parser);
	g_bytes_unref(bytes);
	return token;
}

static void do_login(struct wall_web *web, SoupServerMessage *msg)
{
	char *token = body_token(msg);
	if (token == NULL) {
		respond_error(msg, SOUP_STATUS_BAD_REQUEST, "send {\"token\": \"...\"}");
		return;
	}
	const char *address = soup_server_message_get_remote_host(msg);
	char *peer = peer_of(msg, "?");
	int wait_s = 0;
	int which = -1;
	enum wall_auth_result result = wall_auth_check_any(
	        web->auth, address != NULL ? address : "?", peer, token,
	        wall_web_users_tokens(web->users), wall_web_users_count(web->users), &which,
	        g_get_monotonic_time(), &wait_s);
	memset(token, 0, strlen(token));
	g_free(token);
	g_free(peer);
	if (result == WALL_AUTH_RESULT_OK) {
		const struct wall_web_user *user = wall_web_users_get(web->users, (guint)which);
		int64_t expires_s = g_get_real_time() / G_USEC_PER_SEC + SESSION_S;
		char *value = wall_web_session_new(user, expires_s);
		char *cookie = g_strdup_printf(COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; "
		                                      "Max-Age=%d",
		                               value, SESSION_S);
		response_header(msg, "Set-Cookie", cookie);
		g_free(cookie);
		g_free(value);
		wall_info("web: %s (%s) logged in from %s", user->name,
		          wall_web_role_name(user->role), address);
		respond_user(msg, user);
		return;
	}
	/* As on TCP: after the free tries the address waits, and the connection is closed. */
	response_header(msg, "Connection", "close");
	JsonBuilder *builder = object_begin();
	if (result == WALL_AUTH_RESULT_WAIT) {
		char *seconds = g_strdup_printf("%d", wait_s);
		response_header(msg, "Retry-After", seconds);
		g_free(seconds);
		wall_json_set_string(builder, "error", "too many wrong tokens");
		wall_json_set_int(builder, "wait_s", wait_s);
		json_builder_end_object(builder);
		respond_json(msg, 429 /* Too Many Requests */, builder);
		return;
	}
	wall_json_set_string(builder, "error",
	                     wall_web_users_count(web->users) == 0
	                             ? "no users: start the wall with "
	                               "--token-file or --web-users"
	                             : "wrong token");
	json_builder_end_object(builder);
	respond_json(msg, SOUP_STATUS_UNAUTHORIZED, builder);
}

struct asset {
	const char *path;
	const char *resource;
	const char *type;
};

static const struct asset assets[] = {
        {"/", "/wall/web/index.html", "text/html; charset=utf-8"},
        {"/remote.js", "/wall/web/remote.js", "text/javascript; charset=utf-8"},
        {"/remote.css", "/wall/web/remote.css", "text/css; charset=utf-8"},
        {"/icon.svg", "/wall/web/icon.svg", "image/svg+xml"},
};

static bool serve_asset(SoupServerMessage *msg, const char *path)
{
	for (size_t i = 0; i < G_N_ELEMENTS(assets); i++) {
		if (strcmp(path, assets[i].path) != 0) {
			continue;
		}
		GBytes *bytes =
		        g_resource_lookup_data(wall_web_assets_get_resource(), assets[i].resource,
		                               G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
		if (bytes == NULL) {
			return false;
		}
		/* Nothing from elsewhere, and never inside another site's frame. */
		response_header(msg, "Content-Security-Policy",
		                "default-src 'self'; img-src 'self' blob: data:; "
		                "connect-src 'self'; frame-ancestors 'none'");
		response_header(msg, "X-Content-Type-Options", "nosniff");
		response_header(msg, "Cache-Control", "no-cache");
		soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
		soup_server_message_set_response(msg, assets[i].type, SOUP_MEMORY_COPY,
		                                 g_bytes_get_data(bytes, NULL),
		                                 g_bytes_get_size(bytes));
		g_bytes_unref(bytes);
		return true;
	}
	return false;
}

bool wall_web_handle(struct wall_web *web, SoupServerMessage *msg, const char *path)
{
	const char *method = soup_server_message_get_method(msg);
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;
	if (strcmp(path, "/api/login") == 0 || strcmp(path, "/api/logout") == 0) {
		if (!post) {
			soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
		} else if (!origin_ok(msg, false)) {
			respond_error(msg, SOUP_STATUS_FORBIDDEN, "cross-site request refused");
		} else if (strcmp(path, "/api/login") == 0) {
			do_login(web, msg);
		} else {
			response_header(msg, "Set-Cookie",
			                COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
			respond(msg, SOUP_STATUS_OK, "application/json", g_strdup("{}"));
		}
		return true;
	}
	if (strcmp(path, "/api/me") == 0) {
		const struct wall_web_user *user = session_user(web, msg);
		if (user == NULL) {
			respond_error(msg, SOUP_STATUS_UNAUTHORIZED, "not logged in");
		} else {
			respond_user(msg, user);
		}
		return true;
	}
	return get && serve_asset(msg, path);
}

/* ---- The WebSocket ---- */

static void on_reply(void *data, const struct wall_request *request)
{
	struct web_client *client = data;
	client->in_flight--;
	JsonBuilder *builder = object_begin();
	wall_json_set_string(builder, "reply", request->tag);
	wall_json_set_bool(builder, "ok", request->ok);
	if (request->ok) {
		JsonNode *result = json_from_string(request->json, NULL);
		json_builder_set_member_name(builder, "result");
		json_builder_add_value(builder,
		                       result != NULL ? result : json_node_new(JSON_NODE_NULL));
	} else {
		wall_json_set_string(builder, "code", request->err_code);
		wall_json_set_string(builder, "message", request->err_message);
	}
	json_builder_end_object(builder);
	char *text = wall_json_finish(builder);
	send_text(client, text);
	g_free(text);
}

static void reply_now(struct web_client *client, const char *tag, const char *code,
                      const char *message)
{
	JsonBuilder *builder = object_begin();
	wall_json_set_string(builder, "reply", tag);
	wall_json_set_bool(builder, "ok", false);
	wall_json_set_string(builder, "code", code);
	wall_json_set_string(builder, "message", message);
	json_builder_end_object(builder);
	char *text = wall_json_finish(builder);
	send_text(client, text);
	g_free(text);
}

/* What a viewer may ask: it looks, it never changes or writes. */
static bool viewer_may(enum wall_command_kind kind)
{
	switch (kind) {
	case WALL_COMMAND_PING:
	case WALL_COMMAND_HELP:
	case WALL_COMMAND_LIST:
	case WALL_COMMAND_STATUS:
		return true;
	default:
		return false;
	}
}

static void page_settings(struct web_client *client, const char *text, gsize length)
{
	JsonNode *root = json_from_string(text, NULL);
	if (root != NULL && JSON_NODE_HOLDS_OBJECT(root)) {
		JsonObject *object = json_node_get_object(root);
		if (json_object_has_member(object, "miniature")) {
			client->wants_miniature = json_object_get_boolean_member_with_default(
			        object, "miniature", FALSE);
		}
	}
	if (root != NULL) {
		json_node_unref(root);
	}
	(void)length;
}

static void page_line(struct wall_web *web, struct web_client *client, const char *line,
                      gsize length)
{
	struct wall_command *command = g_new0(struct wall_command, 1);
	GError *error = NULL;
	if (!wall_protocol_parse(line, length, command, &error)) {
		reply_now(client, command->tag, wall_protocol_error_word(error->code),
		          error->message);
		g_error_free(error);
		goto out;
	}
	if (command->kind == WALL_COMMAND_INVALID) {
		goto out;
	}
	if (client->role != WALL_WEB_ROLE_OPERATOR && !viewer_may(command->kind)) {
		char *message = g_strdup_printf("%s is a viewer: the page shows the wall but "
		                                "cannot change it",
		                                client->user);
		reply_now(client, command->tag, "forbidden", message);
		g_free(message);
		goto out;
	}
	if (client->in_flight >= WALL_CONTROL_MAX_IN_FLIGHT) {
		reply_now(client, command->tag, "limit", "too many requests waiting for a frame");
		goto out;
	}
	/* The text as sent, for the audit log, without its tag. */
	const char *text = line;
	if (command->tag != NULL) {
		text = strchr(line, ' ') != NULL ? strchr(line, ' ') + 1 : line;
	}
	char *audited = g_strstrip(g_strndup(text, length - (gsize)(text - line)));
	struct wall_request *request =
	        wall_request_new(client->peer, audited, command->tag, command, 1, NULL);
	g_free(audited);
	request->reply = on_reply;
	request->reply_data = client_ref(client);
	request->reply_data_free = client_unref;
	client->in_flight++;
	wall_server_dispatch(web->server, request);
	return;
out:
	wall_command_clear(command);
	g_free(command);
}

static void on_message(SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
	struct web_client *client = data;
	gsize length = 0;
	const char *text = g_bytes_get_data(message, &length);
	if (type != SOUP_WEBSOCKET_DATA_TEXT || length == 0) {
		return;
	}
	/* Text frames are UTF-8 (libsoup checks); copied to end with a NUL. */
	char *line = g_strndup(text, length);
	if (line[0] == '{') {
		page_settings(client, line, length);
	} else {
		page_line(client->web, client, line, strlen(line));
	}
	g_free(line);
}

/* Forget a page whose WebSocket closed (or is closed now, when the wall stops). */
static void client_drop(struct web_client *client)
{
	if (client->ws == NULL) {
		return;
	}
	g_signal_handlers_disconnect_by_data(client->ws, client);
	g_clear_object(&client->ws);
	if (g_ptr_array_remove_fast(client->web->clients, client)) {
		client_unref(client);
	}
}

static void on_closed(SoupWebsocketConnection *ws, gpointer data)
{
	client_drop(data);
}

static char *hello_json(struct web_client *client)
{
	JsonBuilder *builder = object_begin();
	json_builder_set_member_name(builder, "hello");
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "user", client->user);
	wall_json_set_string(builder, "role", wall_web_role_name(client->role));
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	return wall_json_finish(builder);
}

static char *cameras_message(const char *cameras_json)
{
	/* {"cameras": [...]} as /api/cameras gives it, already. */
	return g_strdup(cameras_json);
}

static void on_websocket(SoupServer *soup, SoupServerMessage *msg, const char *path,
                         SoupWebsocketConnection *ws, gpointer data)
{
	struct wall_web *web = data;
	const struct wall_web_user *user = session_user(web, msg);
	if (user == NULL) {
		/* Checked before the handshake too; the token may have changed since. */
		soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "login");
		return;
	}
	struct web_client *client = g_new0(struct web_client, 1);
	g_atomic_ref_count_init(&client->refs);
	client->web = web;
	client->ws = g_object_ref(ws);
	client->user = g_strdup(user->name);
	client->role = user->role;
	client->peer = peer_of(msg, user->name);
	g_ptr_array_add(web->clients, client);
	soup_websocket_connection_set_max_incoming_payload_size(ws, MAX_MESSAGE);
	/* A tablet that leaves the network is noticed, and its slot freed. */
	soup_websocket_connection_set_keepalive_interval(ws, 15);
	g_signal_connect(ws, "message", G_CALLBACK(on_message), client);
	g_signal_connect(ws, "closed", G_CALLBACK(on_closed), client);
	char *hello = hello_json(client);
	send_text(client, hello);
	g_free(hello);
	if (web->cameras_json != NULL) {
		char *cameras = cameras_message(web->cameras_json);
		send_text(client, cameras);
		g_free(cameras);
	}
}

/* Before the handshake: a logged-in page of this server, or nothing. */
static void check_websocket(SoupServer *soup, SoupServerMessage *msg, const char *path,
                            GHashTable *query, gpointer data)
{
	struct wall_web *web = data;
	if (!origin_ok(msg, true)) {
		respond_error(msg, SOUP_STATUS_FORBIDDEN, "cross-site WebSocket refused");
	} else if (session_user(web, msg) == NULL) {
		respond_error(msg, SOUP_STATUS_UNAUTHORIZED, "not logged in");
	} else if (web->clients->len >= WALL_CONTROL_MAX_CONNECTIONS) {
		respond_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "too many pages open");
	}
}

void wall_web_attach(struct wall_web *web, SoupServer *soup)
{
	soup_server_add_handler(soup, "/ws", check_websocket, web, NULL);
	soup_server_add_websocket_handler(soup, "/ws", NULL, NULL, on_websocket, web, NULL);
}

void wall_web_broadcast(struct wall_web *web, const char *json)
{
	if (web == NULL || web->clients->len == 0) {
		return;
	}
	char *text = g_strdup_printf("{\"event\":%s}", json);
	for (guint i = 0; i < web->clients->len; i++) {
		send_text(web->clients->pdata[i], text);
	}
	g_free(text);
}

/* ---- The miniature and the cameras, once a second ---- */

static cairo_status_t append_png(void *closure, const unsigned char *data, unsigned int length)
{
	g_byte_array_append(closure, data, length);
	return CAIRO_STATUS_SUCCESS;
}

/* On a thread of GLib's pool: the render thread only copied the canvas. */
static void encode_miniature(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
	cairo_surface_t *canvas = data;
	int width = cairo_image_surface_get_width(canvas);
	int height = cairo_image_surface_get_height(canvas);
	int small_width = MIN(width, MINIATURE_WIDTH_PX);
	int small_height = MAX(1, height * small_width / MAX(width, 1));
	cairo_surface_t *small =
	        cairo_image_surface_create(CAIRO_FORMAT_RGB24, small_width, small_height);
	cairo_surface_flush(canvas);
	cairo_surface_flush(small);
	int64_t start_us = g_get_monotonic_time();
	/* A box filter, as libyuv scales tiles. */
	ARGBScale(cairo_image_surface_get_data(canvas), cairo_image_surface_get_stride(canvas),
	          width, height, cairo_image_surface_get_data(small),
	          cairo_image_surface_get_stride(small), small_width, small_height, kFilterBox);
	cairo_surface_mark_dirty(small);
	GByteArray *png = g_byte_array_new();
	cairo_surface_write_to_png_stream(small, append_png, png);
	cairo_surface_destroy(small);
	/* One picture is encoded at a time (miniature_busy), so nothing races on it. */
	static double encode_ms;
	encode_ms += (g_get_monotonic_time() - start_us) / 1000.0;
	wall_metrics_set("web.miniature_encode_ms", encode_ms);
	g_task_return_pointer(task, g_byte_array_free_to_bytes(png), (GDestroyNotify)g_bytes_unref);
}

static void miniature_encoded(GObject *source, GAsyncResult *result, gpointer data)
{
	GTask *task = G_TASK(result);
	GBytes *png = g_task_propagate_pointer(task, NULL);
	if (g_cancellable_is_cancelled(g_task_get_cancellable(task))) {
		/* The web remote is gone; data with it. */
		if (png != NULL) {
			g_bytes_unref(png);
		}
		return;
	}
	struct wall_web *web = data;
	web->miniature_busy = false;
	if (png == NULL) {
		return;
	}
	if (web->miniature != NULL) {
		g_bytes_unref(web->miniature);
	}
	web->miniature = png;
	for (guint i = 0; i < web->clients->len; i++) {
		struct web_client *client = web->clients->pdata[i];
		if (client->wants_miniature && client->ws != NULL &&
		    soup_websocket_connection_get_state(client->ws) == SOUP_WEBSOCKET_STATE_OPEN) {
			/* One picture per ask: a page that stops reading gets no more. */
			client->wants_miniature = false;
			soup_websocket_connection_send_message(client->ws,
			                                       SOUP_WEBSOCKET_DATA_BINARY, png);
		}
	}
}

void wall_web_miniature(struct wall_web *web, cairo_surface_t *picture)
{
	if (web == NULL) {
		return;
	}
	if (picture == NULL) {
		web->miniature_busy = false;
		return;
	}
	GTask *task = g_task_new(NULL, web->cancel, miniature_encoded, web);
	g_task_set_task_data(task, cairo_surface_reference(picture),
	                     (GDestroyNotify)cairo_surface_destroy);
	g_task_run_in_thread(task, encode_miniature);
	g_object_unref(task);
}

static bool anyone_wants_miniature(struct wall_web *web)
{
	for (guint i = 0; i < web->clients->len; i++) {
		if (((struct web_client *)web->clients->pdata[i])->wants_miniature) {
			return true;
		}
	}
	return false;
}

static void send_cameras(struct wall_web *web)
{
	if (web->cameras == NULL) {
		return;
	}
	char *json = wall_http_cameras_json(web->cameras);
	if (web->cameras_json != NULL && strcmp(json, web->cameras_json) == 0) {
		g_free(json);
		return;
	}
	g_free(web->cameras_json);
	web->cameras_json = json;
	for (guint i = 0; i < web->clients->len; i++) {
		send_text(web->clients->pdata[i], json);
	}
}

static gboolean on_tick(gpointer data)
{
	struct wall_web *web = data;
	int64_t now_us = g_get_monotonic_time();
	/* A canvas asked for that never came (the wall stopped drawing) is asked again. */
	if (web->miniature_busy && now_us - web->miniature_asked_us > 10 * G_USEC_PER_SEC) {
		web->miniature_busy = false;
	}
	if (!web->miniature_busy && anyone_wants_miniature(web)) {
		web->miniature_busy = true;
		web->miniature_asked_us = now_us;
		wall_server_want_miniature(web->server);
	}
	if (web->clients->len > 0) {
		send_cameras(web);
	}
	return G_SOURCE_CONTINUE;
}

struct wall_web *wall_web_new(struct wall_server *server, struct wall_web_users *users,
                              struct wall_auth *auth, struct wall_camera_health *cameras)
{
	struct wall_web *web = g_new0(struct wall_web, 1);
	web->server = server;
	web->users = users;
	web->auth = auth;
	web->cameras = cameras;
	web->clients = g_ptr_array_new();
	web->cancel = g_cancellable_new();
	web->timer = g_timeout_source_new(MINIATURE_EVERY_MS);
	g_source_set_callback(web->timer, on_tick, web, NULL);
	g_source_attach(web->timer, g_main_context_get_thread_default());
	if (cameras != NULL) {
		web->cameras_json = wall_http_cameras_json(cameras);
	}
	return web;
}

void wall_web_free(struct wall_web *web)
{
	if (web == NULL) {
		return;
	}
	g_cancellable_cancel(web->cancel);
	g_object_unref(web->cancel);
	g_source_destroy(web->timer);
	g_source_unref(web->timer);
	while (web->clients->len > 0) {
		struct web_client *client = web->clients->pdata[0];
		soup_websocket_connection_close(client->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
		client_drop(client);
	}
	g_ptr_array_unref(web->clients);
	if (web->miniature != NULL) {
		g_bytes_unref(web->miniature);
	}
	g_free(web->cameras_json);
	wall_web_users_free(web->users);
	g_free(web);
}
