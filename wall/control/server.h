/*
 * The control thread: a GLib main loop of its own that owns the sockets
 * (Unix and TCP), reads request lines under per-connection limits (see
 * limits.h), checks tokens, watches the layout file, and writes state
 * and audit rows to SQLite. Requests for the render thread go into a
 * queue it drains at each frame; its answers come back through
 * wall_server_report(). server_private.h says which file does what.
 */
#ifndef WALL_CONTROL_SERVER_H
#define WALL_CONTROL_SERVER_H

#include <glib.h>
#include <stdint.h>

#include "request.h"

struct wall_server;
struct wall_state;
struct wall_plugin_registry;
struct wall_camera_health;
struct wall_control_counters;

struct wall_server_options {
	/** Unix socket path; NULL for none. */
	const char *socket_path;
	/** The socket path was not asked for: give it up quietly when taken. */
	bool socket_is_default;
	/** "HOST:PORT", or NULL. */
	const char *listen;
	/** "HOST:PORT" for the HTTP server (http.h), or NULL. */
	const char *http;
	struct wall_camera_health *cameras;
	/** The web remote's users (web_users.h); taken by the server. */
	struct wall_web_users *web_users;
	/** The token, or NULL when none was given. */
	const char *token;
	/** TCP on loopback with no token: every local user may drive the wall. */
	bool insecure_loopback;
	int idle_s;
	/** Seconds a TCP connection has to send the token; 0 for the default. */
	int auth_timeout_s;
	/** The screenshot folder, open (the caller keeps it open while the server runs). */
	int screenshot_dir_fd;
	/** Its path, for replies. */
	const char *screenshot_dir;
	/** Where limits hit are counted (for STATUS); must outlive the server. */
	struct wall_control_counters *counters;
	/** Watched, and reloaded on RELOAD. */
	const char *layout_path;
	/** The node whose viewport a reloaded layout is focused on, or NULL. */
	const char *node;
	/** The running canvas, which a reloaded layout must keep. */
	int32_t canvas_width_px;
	int32_t canvas_height_px;
	struct wall_plugin_registry *registry;
	/** Used only on the control thread once started. */
	struct wall_state *state;
};

/**
 * Bind the sockets and start the thread. Requests go into inbox (a
 * GAsyncQueue of struct wall_request *). NULL with error set when a socket
 * cannot be bound.
 */
struct wall_server *wall_server_start(const struct wall_server_options *options,
				      GAsyncQueue *inbox, GError **error);
/** Stop the thread and close everything. Accepts NULL. */
void wall_server_stop(struct wall_server *server);

/** Render thread: hand over a frame's answers and events; takes report. */
void wall_server_report(struct wall_server *server, struct wall_frame_report *report);

/**
 * Any thread: run request (one command, no connection) on the control
 * thread as if it came from a socket, for commands the render thread
 * does not run; it is answered to the log. Takes request.
 */
void wall_server_submit(struct wall_server *server, struct wall_request *request);

const char *wall_server_socket_path(struct wall_server *server);

/**
 * Render thread, once a frame: true when the web remote asked for a
 * picture of the canvas since the last call (at most once a second).
 * Hand it over with a WALL_FOLLOWUP_MINIATURE in the frame's report.
 */
bool wall_server_miniature_wanted(struct wall_server *server);

#endif
