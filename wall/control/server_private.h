/*
 * The control thread's insides, shared by its parts:
 *   server.c      the listeners and the thread: binding, accepting, the
 *                 idle check and the layout file watch, start and stop
 *   connection.c  one connection: its state and line I/O
 *   dispatch.c    the commands: a line becomes a request; the control
 *                 thread's own commands; the render thread's answers
 *   reload.c      loading and checking a new layout
 * server.c uses dispatch.c, both use reload.c and connection.c, and
 * nothing leads back.
 */
#ifndef WALL_CONTROL_SERVER_PRIVATE_H
#define WALL_CONTROL_SERVER_PRIVATE_H

#include <gio/gio.h>

#include "connection.h"
#include "server.h"

struct wall_http;
struct wall_web;
struct wall_web_users;

struct wall_server {
	/* The control thread, with its main loop. */
	struct wall_worker *worker;
	/* The worker's context, where every source of the control thread goes. */
	GMainContext *context;
	GSocketService *service;
	/* struct wall_request *, for the render thread. */
	GAsyncQueue *inbox;
	char *socket_path;
	bool socket_is_default;
	bool socket_bound;
	char *listen;
	char *http_address;
	struct wall_camera_health *cameras;
	struct wall_http *http;
	/* The web remote on the HTTP server; NULL without --http. */
	struct wall_web *web;
	/* Its users, until the control thread hands them to it. */
	struct wall_web_users *web_users;
	/* The web remote wants the canvas for its miniature (atomic; the render thread clears it). */
	gint miniature_wanted;
	char *token;
	bool insecure_loopback;
	/* Checks tokens, with a backoff per address; NULL without a token. */
	struct wall_auth *auth;
	int idle_s;
	int auth_timeout_s;
	int screenshot_dir_fd;
	char *screenshot_dir;
	struct wall_control_counters *counters;
	struct wall_state *state;
	/* struct wall_connection *, open ones; each holds a reference. */
	GPtrArray *connections;
	GSource *idle_timer;
	/* The layout file, its watch, and what a reloaded layout must keep. */
	char *layout_path;
	char *node;
	struct wall_plugin_registry *registry;
	int32_t canvas_width_px;
	int32_t canvas_height_px;
	GFileMonitor *monitor;
	GSource *reload_timer;
	/* The contents last loaded or refused, so a save of the same text does nothing. */
	char *layout_checksum;
	/* Start-up handshake with the thread that called wall_server_start(). */
	GMutex lock;
	GCond started_cond;
	bool started;
	GError *start_error;
};

/* server.c */
/** c sent the right token: it counts as a waiting connection no more. */
void wall_server_authenticated(struct wall_server *server, struct wall_connection *c);

/** The web remote: ask the render thread for the canvas after its next frame. */
void wall_server_want_miniature(struct wall_server *server);

/* dispatch.c */
extern const struct wall_connection_handler wall_server_connection_handler;
/** Run request, made on the control thread: here, or queued for the render thread. */
void wall_server_dispatch(struct wall_server *server, struct wall_request *request);
/** Answer request to whoever asked (a connection, or the log), and audit it when it changed the
 * wall. */
void wall_server_answer(struct wall_server *server, struct wall_request *request);
/** Send json to every subscriber as an EVENT. */
void wall_server_broadcast(struct wall_server *server, const char *json);

/* reload.c */
/**
 * Load the layout file and check that it can replace the running one (it
 * keeps the canvas). Either way its contents count as seen. NULL with
 * error set when it cannot.
 */
struct wall_layout *wall_server_load_layout(struct wall_server *server, GError **error);
/** Remember the contents of the layout file as seen. */
void wall_server_layout_seen(struct wall_server *server);
/** True when the layout file holds other contents than last seen. */
bool wall_server_layout_changed(struct wall_server *server);

#endif
