/*
 * Control of a running wall: the control thread (server.h) turns request
 * lines from sockets, keys and the layout file watch into commands, and
 * this side applies them on the render thread at a frame boundary.
 *
 * Once per frame the frame loop calls wall_control_begin_frame() before
 * composing, which applies everything queued since the last frame (so a
 * BEGIN ... COMMIT batch lands on one frame), and wall_control_end_frame()
 * after presenting, which hands the replies, with the frame number they
 * landed on, and the events back to the control thread. Nothing here
 * waits for the disk or the network.
 */
#ifndef WALL_CONTROL_H
#define WALL_CONTROL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "compositor.h"
#include "layout.h"

struct wall_plugin_registry;
struct wall_control;

struct wall_control_options {
	/** Unix socket path; NULL for the default in $XDG_RUNTIME_DIR. */
	const char *socket_path;
	/** "HOST:PORT" to listen on TCP too, or NULL. */
	const char *listen;
	/** "HOST:PORT" for /metrics and /api/cameras (http.h), or NULL. */
	const char *http;
	/** The cameras the HTTP server reports; must outlive the control. */
	struct wall_camera_health *cameras;
	/** File holding the token TCP clients must send with AUTH, or NULL; it must be 0600. */
	const char *token_file;
	/**
	 * The web remote's users, "ROLE NAME TOKEN" a line (web_users.h), or
	 * NULL; it must be 0600. Needs http.
	 */
	const char *web_users_file;
	/** TCP on loopback without a token: every local user may drive the wall. */
	bool listen_insecure_loopback;
	/** Seconds a TCP client has to send its token; 0 for the default. */
	int auth_timeout_s;
	/** The only folder SCREENSHOT writes in; NULL for "screenshots" beside the state file. */
	const char *screenshot_dir;
	/** SQLite state file; NULL for the default under the XDG state dir. */
	const char *state_path;
	/** Seconds a silent connection may stay open; 0 for the default. */
	int idle_s;
	/** How often frames are presented: the node's deadline margin counts frames. */
	int64_t frame_period_us;
	/** Used to check reloaded layouts; must outlive the control. */
	struct wall_plugin_registry *registry;
};

/**
 * Open the state file, bind the sockets and start the control thread.
 * Takes layout (the one loaded at start). Returns NULL with error set
 * when a socket cannot be bound, TCP has no token (unless allowed on
 * loopback), the token file is unfit, or the state file or the
 * screenshot folder cannot be opened.
 */
struct wall_control *wall_control_create(const struct wall_control_options *options,
					 struct wall_layout *layout, GError **error);
/** Stops the control thread, closes every connection, frees the layout. Accepts NULL. */
void wall_control_destroy(struct wall_control *control);

/** The layout shown now; it changes on reload, so fetch it again after a frame. */
const struct wall_layout *wall_control_layout(struct wall_control *control);

/**
 * Put the wall back as it was before a restart (scene and pins from the
 * state file) when that scene still exists; else show scene. Call once,
 * before the first frame. Returns the scene shown.
 */
const struct wall_layout_scene *wall_control_start(struct wall_control *control,
						   struct wall_compositor *compositor,
						   const struct wall_layout_scene *scene,
						   bool restore);

/** Apply what is queued; frame is the number of the frame about to be composed. */
void wall_control_begin_frame(struct wall_control *control, uint64_t frame, int64_t now_us);
/**
 * Render thread, between begin and end of a frame: run command, one
 * request line, from the wall's own input, as peer ("keyboard",
 * "input:<device>"). It is the same request a socket line makes, audited
 * the same way, and answered to the log. Commands that change the wall
 * land on this frame; the control thread's own commands and RELOAD run
 * there, as from a socket. False when command is not a command.
 */
bool wall_control_submit_key(struct wall_control *control, const char *command,
			     const char *peer, int64_t now_us);
/** The frame is on screen: answer, take screenshots, send events. */
void wall_control_end_frame(struct wall_control *control);

/** True for a node of a wall over several machines (wall.cluster and --node). */
bool wall_control_clustered(struct wall_control *control);

/** The socket path in use, or NULL when none. */
const char *wall_control_socket_path(struct wall_control *control);

#endif
