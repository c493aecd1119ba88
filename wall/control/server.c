/* The listeners and their thread: binding, accepting, the idle check, the layout file watch, start
 * and stop. */
#include "server_private.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auth.h"
#include "counters.h"
#include "http.h"
#include "limits.h"
#include "log.h"
#include "web.h"
#include "web_users.h"
#include "worker.h"

/* ---- Accepting and the idle check ---- */

/* A best-effort word before closing; the socket is fresh, so it fits. */
static void refuse(struct wall_server *server, GSocketConnection *conn, enum wall_counter counter,
                   const char *line)
{
	wall_counter_add(server->counters, counter, 1);
	g_socket_send(g_socket_connection_get_socket(conn), line, strlen(line), NULL, NULL);
	g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
}

static gboolean on_incoming(GSocketService *service, GSocketConnection *conn,
                            GObject *source_object, gpointer user)
{
	struct wall_server *server = user;
	GSocket *socket = g_socket_connection_get_socket(conn);
	bool tcp = g_socket_get_family(socket) != G_SOCKET_FAMILY_UNIX;
	bool needs_auth = tcp && server->token != NULL;
	guint open = server->connections->len;
	guint tcp_open = 0;
	guint waiting = 0;
	for (guint i = 0; i < open; i++) {
		const struct wall_connection *c = server->connections->pdata[i];
		tcp_open += c->address != NULL;
		waiting += !wall_connection_trusted(c);
	}
	/* Operators on the Unix socket are never locked out by TCP clients,
	 * nor is anyone by clients that never authenticate. */
	if (open >= WALL_CONTROL_MAX_CONNECTIONS) {
		refuse(server, conn, WALL_COUNTER_REFUSED_CONNECTIONS,
		       "ERR limit too many connections\n");
		return TRUE;
	}
	if (tcp && tcp_open >= WALL_CONTROL_MAX_CONNECTIONS - WALL_CONTROL_UNIX_RESERVED) {
		refuse(server, conn, WALL_COUNTER_REFUSED_TCP, "ERR limit too many TCP connections\n");
		return TRUE;
	}
	if (needs_auth && waiting >= WALL_CONTROL_MAX_UNAUTHENTICATED) {
		refuse(server, conn, WALL_COUNTER_REFUSED_UNAUTHENTICATED,
		       "ERR limit too many connections waiting to authenticate\n");
		return TRUE;
	}
	struct wall_connection *c =
	        wall_connection_new(conn, server->context, &wall_server_connection_handler, server,
	                            needs_auth, server->counters);
	g_ptr_array_add(server->connections, c);
	wall_counter_add(server->counters, WALL_COUNTER_CONNECTIONS_OPEN, 1);
	wall_counter_add(server->counters, WALL_COUNTER_UNAUTHENTICATED_OPEN, needs_auth);
	return TRUE;
}

void wall_server_authenticated(struct wall_server *server, struct wall_connection *c)
{
	if (!c->authed) {
		c->authed = true;
		wall_counter_add(server->counters, WALL_COUNTER_UNAUTHENTICATED_OPEN, -1);
	}
}

static gboolean on_idle_check(gpointer user)
{
	struct wall_server *server = user;
	int64_t now = g_get_monotonic_time();
	GPtrArray *all = g_ptr_array_copy(server->connections, NULL, NULL);
	for (guint i = 0; i < all->len; i++) {
		struct wall_connection *c = all->pdata[i];
		bool idle = now - c->last_activity_us > (int64_t)server->idle_s * G_USEC_PER_SEC;
		if (c->closing) {
			/* Its last words never left: a client that does not read
			 * must not keep its slot. */
			if (idle) {
				wall_connection_close(c);
			}
			continue;
		}
		if (!wall_connection_trusted(c) &&
		    now - c->opened_us > (int64_t)server->auth_timeout_s * G_USEC_PER_SEC) {
			/* A slot held without a token is a slot taken from operators. */
			wall_counter_add(server->counters, WALL_COUNTER_AUTH_TIMEOUTS, 1);
			char *line = g_strdup_printf("ERR auth no AUTH <token> within %d s; closing",
			                             server->auth_timeout_s);
			wall_connection_close_after(c, line);
			g_free(line);
		} else if (!c->subscribed && c->in_flight == 0 && idle) {
			wall_counter_add(server->counters, WALL_COUNTER_IDLE_CLOSED, 1);
			wall_connection_close_after(c, "ERR idle no request for too long; closing");
		}
	}
	g_ptr_array_unref(all);
	if (server->auth != NULL) {
		wall_auth_prune(server->auth, now);
	}
	return G_SOURCE_CONTINUE;
}

/* ---- The layout file watch ---- */

static gboolean on_reload_timer(gpointer user)
{
	struct wall_server *server = user;
	g_source_unref(server->reload_timer);
	server->reload_timer = NULL;
	if (!wall_server_layout_changed(server)) {
		/* Touched, or gone for a moment during a save: nothing to do. */
		return G_SOURCE_REMOVE;
	}
	wall_info("layout %s changed; reloading", server->layout_path);
	struct wall_command *command = g_new0(struct wall_command, 1);
	command->kind = WALL_COMMAND_RELOAD;
	wall_server_dispatch(server, wall_request_new("file", "RELOAD", NULL, command, 1, NULL));
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
	server->reload_timer = g_timeout_source_new(WALL_CONTROL_RELOAD_SETTLE_MS);
	g_source_set_callback(server->reload_timer, on_reload_timer, server, NULL);
	g_source_attach(server->reload_timer, server->context);
}

static void start_watch(struct wall_server *server)
{
	wall_server_layout_seen(server);
	GFile *file = g_file_new_for_path(server->layout_path);
	GError *error = NULL;
	server->monitor = g_file_monitor_file(file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
	g_object_unref(file);
	if (server->monitor == NULL) {
		wall_warning("cannot watch %s for changes: %s", server->layout_path,
		             error->message);
		g_error_free(error);
		return;
	}
	g_signal_connect(server->monitor, "changed", G_CALLBACK(on_layout_changed), server);
}

/* ---- Binding ---- */

static bool parse_listen(const char *listen, GInetAddress **address, guint16 *port, GError **error)
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
		GList *found =
		        g_resolver_lookup_by_name(g_resolver_get_default(), host, NULL, error);
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

/*
 * True when another wall answers on path; a dead socket file is removed.
 * Anything else there (a file, a link, a folder) is never removed: a
 * swapped --state and --control must not cost the state file.
 */
static bool socket_in_use(const char *path, GError **error)
{
	struct stat info;
	if (g_lstat(path, &info) != 0) {
		return false;
	}
	if (!S_ISSOCK(info.st_mode)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		            "--control %s: that is there and is not a socket; the wall does not "
		            "remove it (give another path, or remove it yourself)",
		            path);
		return true;
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
	GError *taken = NULL;
	if (socket_in_use(server->socket_path, &taken)) {
		if (taken != NULL) {
			g_propagate_error(error, taken);
			return false;
		}
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
	/*
	 * TCP cannot tell which local user is on the other end, as the Unix
	 * socket's mode does: without a token even loopback would let every
	 * user of the machine drive the wall. Only an explicit opt-in allows
	 * that, and never beyond loopback.
	 */
	bool loopback = g_inet_address_get_is_loopback(inet);
	if (server->token == NULL && (!loopback || !server->insecure_loopback)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
		            loopback ? "--listen %s: give --token-file FILE so TCP clients must "
		                       "send AUTH <token> (any local user can reach loopback; "
		                       "--listen-insecure-loopback lets them, knowingly)"
		                     : "--listen %s reaches beyond this machine: give "
		                       "--token-file FILE so clients must send AUTH <token>",
		            server->listen);
		g_object_unref(inet);
		return false;
	}
	if (server->token == NULL) {
		wall_warning("control: TCP on %s takes commands with no token: every user of "
		             "this machine can drive the wall",
		             server->listen);
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

static void signal_started(struct wall_server *server, GError *error)
{
	g_mutex_lock(&server->lock);
	server->start_error = error;
	server->started = true;
	g_cond_signal(&server->started_cond);
	g_mutex_unlock(&server->lock);
}

/* On the control thread, before its loop runs: bind and listen. */
static void server_begin(void *data)
{
	struct wall_server *server = data;
	GError *error = NULL;
	/* Made here, so its sources belong to this thread's context. */
	server->service = g_socket_service_new();
	g_socket_service_stop(server->service);
	g_socket_listener_set_backlog(G_SOCKET_LISTENER(server->service),
	                              WALL_CONTROL_MAX_CONNECTIONS);
	/* TCP first: a client that finds the Unix socket answering may count
	 * on TCP being there too (the tests do). */
	if (server->http_address != NULL) {
		server->web = wall_web_new(server, g_steal_pointer(&server->web_users), server->auth,
		                           server->cameras);
	}
	if (!bind_tcp(server, &error) || !bind_unix(server, &error) ||
	    (server->http_address != NULL &&
	     (server->http = wall_http_start(server->http_address, server->token, server->cameras,
	                                     server->web, &error)) == NULL)) {
		/* wall_server_start() stops the worker, and server_finish() cleans up. */
		signal_started(server, error);
		return;
	}
	g_signal_connect(server->service, "incoming", G_CALLBACK(on_incoming), server);
	g_socket_service_start(server->service);
	start_watch(server);
	server->idle_timer = g_timeout_source_new_seconds(1);
	g_source_set_callback(server->idle_timer, on_idle_check, server, NULL);
	g_source_attach(server->idle_timer, server->context);
	signal_started(server, NULL);
}

/* On the control thread, once its loop has stopped: undo what server_begin() did. */
static void server_finish(void *data)
{
	struct wall_server *server = data;
	while (server->connections->len > 0) {
		wall_connection_close(server->connections->pdata[0]);
	}
	if (server->idle_timer != NULL) {
		g_source_destroy(server->idle_timer);
		g_source_unref(server->idle_timer);
	}
	if (server->reload_timer != NULL) {
		g_source_destroy(server->reload_timer);
		g_source_unref(server->reload_timer);
	}
	g_clear_object(&server->monitor);
	wall_http_stop(server->http);
	server->http = NULL;
	wall_web_free(server->web);
	server->web = NULL;
	g_socket_service_stop(server->service);
	g_socket_listener_close(G_SOCKET_LISTENER(server->service));
	g_clear_object(&server->service);
	if (server->socket_bound) {
		g_unlink(server->socket_path);
	}
	/* Run what is still queued (reports), so their data is freed here. */
	while (g_main_context_iteration(server->context, FALSE)) {
	}
}

struct wall_server *wall_server_start(const struct wall_server_options *options, GAsyncQueue *inbox,
                                      GError **error)
{
	struct wall_server *server = g_new0(struct wall_server, 1);
	server->worker = wall_worker_new();
	server->context = wall_worker_context(server->worker);
	server->inbox = g_async_queue_ref(inbox);
	server->socket_path = g_strdup(options->socket_path);
	server->socket_is_default = options->socket_is_default;
	server->listen = g_strdup(options->listen);
	server->http_address = g_strdup(options->http);
	server->cameras = options->cameras;
	server->token = g_strdup(options->token);
	/* Made without a token too: the web remote's users share its backoff. */
	server->auth = wall_auth_new(options->token, options->counters);
	server->web_users = options->web_users;
	server->insecure_loopback = options->insecure_loopback;
	server->idle_s = options->idle_s > 0 ? options->idle_s : WALL_CONTROL_DEFAULT_IDLE_S;
	server->auth_timeout_s = options->auth_timeout_s > 0 ? options->auth_timeout_s
	                                                     : WALL_CONTROL_DEFAULT_AUTH_TIMEOUT_S;
	server->screenshot_dir_fd = options->screenshot_dir_fd;
	server->screenshot_dir = g_strdup(options->screenshot_dir);
	server->counters = options->counters;
	server->layout_path = g_strdup(options->layout_path);
	server->node = g_strdup(options->node);
	server->registry = options->registry;
	server->canvas_width_px = options->canvas_width_px;
	server->canvas_height_px = options->canvas_height_px;
	server->state = options->state;
	server->connections = g_ptr_array_new();
	g_mutex_init(&server->lock);
	g_cond_init(&server->started_cond);

	wall_worker_start(server->worker, "wall-control", server_begin, server_finish, server);
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

void wall_server_stop(struct wall_server *server)
{
	if (server == NULL) {
		return;
	}
	wall_worker_stop(server->worker);
	g_async_queue_unref(server->inbox);
	g_ptr_array_unref(server->connections);
	g_mutex_clear(&server->lock);
	g_cond_clear(&server->started_cond);
	g_free(server->socket_path);
	g_free(server->listen);
	g_free(server->http_address);
	if (server->token != NULL) {
		memset(server->token, 0, strlen(server->token));
	}
	g_free(server->token);
	wall_auth_free(server->auth);
	wall_web_users_free(server->web_users);
	g_free(server->screenshot_dir);
	g_free(server->layout_path);
	g_free(server->node);
	g_free(server->layout_checksum);
	g_free(server);
}

const char *wall_server_socket_path(struct wall_server *server)
{
	return server->socket_path;
}

void wall_server_want_miniature(struct wall_server *server)
{
	g_atomic_int_set(&server->miniature_wanted, 1);
}

bool wall_server_miniature_wanted(struct wall_server *server)
{
	return g_atomic_int_compare_and_exchange(&server->miniature_wanted, 1, 0);
}
