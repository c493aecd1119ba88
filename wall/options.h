/* The wall's command line. */
#ifndef WALL_OPTIONS_H
#define WALL_OPTIONS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct wall_options {
	char *layout_path;
	/** "sdl", "kms", "headless", or NULL to pick what is there. */
	char *backend;
	/** "auto", "gl" or "soft". */
	char *renderer;
	double fps;
	/** Exit after this many presented frames; 0 runs until stopped. */
	int64_t frames;
	char *screenshot_path;
	char *plugin_path;
	char *start_scene;
	/** --node: draw only this node's viewport of the layout's nodes:. */
	char *node;
	/** Control socket path; NULL for the default in $XDG_RUNTIME_DIR. */
	char *control_path;
	/** "HOST:PORT" for a TCP control listener, or NULL. */
	char *listen;
	/** "HOST:PORT" for the monitoring HTTP server (control/http.h), or NULL. */
	char *http;
	char *token_file;
	/* The web remote's users: "ROLE NAME TOKEN" a line. */
	char *web_users_file;
	/** TCP on loopback without a token, knowingly. */
	bool listen_insecure_loopback;
	/** Seconds a TCP client has to send AUTH; 0 for the default. */
	int auth_timeout_s;
	/** SCREENSHOT's folder; NULL for "screenshots" beside the state file. */
	char *screenshot_dir;
	/** SQLite state file; NULL for the default under the XDG state dir. */
	char *state_path;
	/** No control socket, no state file: a plain player. */
	bool no_control;
	int display_index;
	bool check;
	/** Print the display cards' outputs (and what LAYOUT would show on each). */
	bool list_outputs;
	bool stats;
	bool fullscreen;
	bool verbose;
	bool quiet;
	bool version;
	/** Print this plugin's options and exit. */
	char *help_plugin;
	/** Print every plugin found, with its options, and exit. */
	bool list_plugins;
};

/**
 * Parse argv. Returns false with error set on bad usage. --help prints and
 * exits, as GOption does.
 */
bool wall_options_parse(struct wall_options *options, int argc, char **argv, GError **error);
void wall_options_finish(struct wall_options *options);

#endif
