#include "options.h"

#include <string.h>

static bool one_of(const char *value, const char *const *words)
{
	for (; *words != NULL; words++) {
		if (strcmp(value, *words) == 0) {
			return true;
		}
	}
	return false;
}

bool wall_options_parse(struct wall_options *options, int argc, char **argv, GError **error)
{
	*options = (struct wall_options){.fps = 60.0, .renderer = g_strdup("auto")};
	char *renderer = NULL;
	gint64 frames = 0;
	char **rest = NULL;
	GOptionEntry entries[] = {
		{"backend", 0, 0, G_OPTION_ARG_STRING, &options->backend,
		 "Where the picture goes: sdl, kms or headless (default: sdl when a display "
		 "is available, else kms when a monitor is connected to a display card)",
		 "NAME"},
		{"renderer", 0, 0, G_OPTION_ARG_STRING, &renderer,
		 "auto, gl or soft (default auto: soft on software GL)", "NAME"},
		{"fps", 0, 0, G_OPTION_ARG_DOUBLE, &options->fps,
		 "Presentation rate of the headless backend (default 60)", "N"},
		{"frames", 0, 0, G_OPTION_ARG_INT64, &frames,
		 "Exit after N presented frames", "N"},
		{"screenshot", 0, 0, G_OPTION_ARG_FILENAME, &options->screenshot_path,
		 "Write the last presented frame to FILE.png on exit", "FILE"},
		{"check", 0, 0, G_OPTION_ARG_NONE, &options->check,
		 "Validate the layout and its plugin options, then exit", NULL},
		{"list-outputs", 0, 0, G_OPTION_ARG_NONE, &options->list_outputs,
		 "List display cards, connectors and modes, and what LAYOUT (optional) "
		 "would show on each, then exit",
		 NULL},
		{"stats", 0, 0, G_OPTION_ARG_NONE, &options->stats,
		 "Print frame and tile statistics on exit", NULL},
		{"plugin-path", 0, 0, G_OPTION_ARG_FILENAME, &options->plugin_path,
		 "Look for plugins in DIR first (also $WALL_PLUGIN_PATH)", "DIR"},
		{"fullscreen", 0, 0, G_OPTION_ARG_NONE, &options->fullscreen,
		 "Fill the display", NULL},
		{"display", 0, 0, G_OPTION_ARG_INT, &options->display_index,
		 "Display to use with --fullscreen (default 0)", "N"},
		{"node", 0, 0, G_OPTION_ARG_STRING, &options->node,
		 "Draw only node NAME's viewport of the layout's nodes: (one machine of several)",
		 "NAME"},
		{"scene", 0, 0, G_OPTION_ARG_STRING, &options->start_scene,
		 "Scene to start on (default: the layout's start scene)", "NAME"},
		{"control", 0, 0, G_OPTION_ARG_FILENAME, &options->control_path,
		 "Control socket (default: wall.sock in $XDG_RUNTIME_DIR)", "PATH"},
		{"listen", 0, 0, G_OPTION_ARG_STRING, &options->listen,
		 "Take control commands on TCP too, e.g. 127.0.0.1:9900", "HOST:PORT"},
		{"http", 0, 0, G_OPTION_ARG_STRING, &options->http,
		 "Serve /metrics (Prometheus), /api/cameras and /api/report over HTTP, e.g. "
		 "127.0.0.1:9100",
		 "HOST:PORT"},
		{"token-file", 0, 0, G_OPTION_ARG_FILENAME, &options->token_file,
		 "TCP clients must send AUTH with the token in FILE (mode 0600; required "
		 "with --listen)",
		 "FILE"},
		{"web-users", 0, 0, G_OPTION_ARG_FILENAME, &options->web_users_file,
		 "Users of the web remote on --http: \"operator|viewer NAME TOKEN\" a line "
		 "(mode 0600); the --token-file token logs in as \"operator\"",
		 "FILE"},
		{"listen-insecure-loopback", 0, 0, G_OPTION_ARG_NONE,
		 &options->listen_insecure_loopback,
		 "Allow --listen on loopback without a token: every local user can drive the "
		 "wall",
		 NULL},
		{"auth-timeout", 0, 0, G_OPTION_ARG_INT, &options->auth_timeout_s,
		 "Close a TCP connection that has not sent AUTH within S seconds (default 10)",
		 "S"},
		{"screenshot-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->screenshot_dir,
		 "The only folder SCREENSHOT writes in (default: screenshots beside the state "
		 "file)",
		 "DIR"},
		{"state", 0, 0, G_OPTION_ARG_FILENAME, &options->state_path,
		 "Saved presets, audit log and last scene (default: "
		 "$XDG_STATE_HOME/wall/state.sqlite)",
		 "FILE"},
		{"no-control", 0, 0, G_OPTION_ARG_NONE, &options->no_control,
		 "No control socket and no state file", NULL},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose, "Log more", NULL},
		{"quiet", 'q', 0, G_OPTION_ARG_NONE, &options->quiet, "Log only errors", NULL},
		{"version", 0, 0, G_OPTION_ARG_NONE, &options->version, "Print the version",
		 NULL},
		{"help-plugin", 0, 0, G_OPTION_ARG_STRING, &options->help_plugin,
		 "Print the options plugin NAME takes: type, default and help", "NAME"},
		{"list-plugins", 0, 0, G_OPTION_ARG_NONE, &options->list_plugins,
		 "Print every plugin found, with its options", NULL},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
		 "LAYOUT.yaml"},
		{NULL},
	};
	GOptionContext *context = g_option_context_new("LAYOUT.yaml");
	g_option_context_set_summary(context,
				     "Show a dispatch video wall: camera, drone and panel tiles "
				     "composed on one canvas, as the layout file describes.");
	g_option_context_add_main_entries(context, entries, NULL);
	bool ok = g_option_context_parse(context, &argc, &argv, error);
	g_option_context_free(context);
	if (!ok) {
		goto out;
	}
	if (renderer != NULL) {
		g_free(options->renderer);
		options->renderer = renderer;
		renderer = NULL;
	}
	options->frames = frames;
	ok = false;
	static const char *const renderers[] = {"auto", "gl", "soft", NULL};
	static const char *const backends[] = {"sdl", "kms", "headless", NULL};
	if (!one_of(options->renderer, renderers)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--renderer must be auto, gl or soft, not \"%s\"", options->renderer);
		goto out;
	}
	if (options->backend != NULL && !one_of(options->backend, backends)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--backend must be sdl, kms or headless, not \"%s\"", options->backend);
		goto out;
	}
	if (options->fps <= 0 || options->fps > 1000) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--fps must be between 0 and 1000");
		goto out;
	}
	if (frames < 0) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--frames must not be negative");
		goto out;
	}
	if (options->no_control && (options->control_path != NULL || options->listen != NULL ||
				    options->token_file != NULL || options->http != NULL ||
				    options->web_users_file != NULL ||
				    options->screenshot_dir != NULL)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--no-control cannot go with --control, --listen, --http, --token-file "
			    "or --screenshot-dir");
		goto out;
	}
	if (options->auth_timeout_s < 0 || options->auth_timeout_s > 3600) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--auth-timeout must be 1 to 3600 seconds");
		goto out;
	}
	if (options->version || options->help_plugin != NULL || options->list_plugins) {
		ok = true;
		goto out;
	}
	if (options->list_outputs && (rest == NULL || rest[0] == NULL)) {
		ok = true;
		goto out;
	}
	if (rest == NULL || rest[0] == NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
			    "no layout file given (try --help)");
		goto out;
	}
	if (rest[1] != NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
			    "one layout file only, got \"%s\" too", rest[1]);
		goto out;
	}
	options->layout_path = g_strdup(rest[0]);
	ok = true;
out:
	g_free(renderer);
	g_strfreev(rest);
	return ok;
}

void wall_options_finish(struct wall_options *options)
{
	g_free(options->layout_path);
	g_free(options->backend);
	g_free(options->renderer);
	g_free(options->screenshot_path);
	g_free(options->plugin_path);
	g_free(options->start_scene);
	g_free(options->node);
	g_free(options->control_path);
	g_free(options->listen);
	g_free(options->http);
	g_free(options->token_file);
	g_free(options->web_users_file);
	g_free(options->screenshot_dir);
	g_free(options->state_path);
	g_free(options->help_plugin);
	*options = (struct wall_options){0};
}
