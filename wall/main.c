#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "config.h"
#include "heap.h"
#include "layout.h"
#include "wall/plugin.h"
#include "log.h"
#include "options.h"
#include "paths.h"
#include "plugin_help.h"
#include "plugin_registry.h"
#include "report_command.h"
#include "wall.h"

/* --help-plugin and --list-plugins: the plugins in the same folders a run would search. */
static int print_plugins(const struct wall_options *options)
{
	wall_log_set_level(options->verbose ? WALL_LOG_DEBUG : WALL_LOG_WARNING);
	char **dirs = wall_paths_plugin_dirs(options->plugin_path);
	struct wall_plugin_registry *registry =
		wall_plugin_registry_create((const char *const *)dirs);
	g_strfreev(dirs);
	bool ok = options->help_plugin != NULL
			  ? wall_plugin_help_print(registry, options->help_plugin, stdout)
			  : wall_plugin_help_list(registry, stdout);
	wall_plugin_registry_destroy(registry);
	return ok ? WALL_EXIT_OK : WALL_EXIT_BAD_LAYOUT;
}

/* wall --list-outputs [LAYOUT]: plugins need not load to know the canvas. */
static int list_outputs(const char *layout_path)
{
	struct wall_layout *layout = NULL;
	if (layout_path != NULL) {
		GError *error = NULL;
		layout = wall_layout_load(layout_path, NULL, NULL, &error);
		if (layout == NULL) {
			fprintf(stderr, "%s\n", error->message);
			g_error_free(error);
			return WALL_EXIT_BAD_LAYOUT;
		}
	}
	int status = wall_kms_list_outputs(layout, stdout);
	wall_layout_destroy(layout);
	return status;
}

int main(int argc, char **argv)
{
	/* Before any thread starts: heap.h says why. */
	wall_heap_limit_arenas();
	/* Subcommands come first: wall report ... */
	if (argc > 1 && strcmp(argv[1], "report") == 0) {
		return wall_report_main(argc - 1, argv + 1);
	}
	struct wall_options options;
	GError *error = NULL;
	if (!wall_options_parse(&options, argc, argv, &error)) {
		fprintf(stderr, "wall: %s\n", error->message);
		g_error_free(error);
		wall_options_finish(&options);
		return WALL_EXIT_USAGE;
	}
	int status = WALL_EXIT_OK;
	if (options.version) {
		printf("wall %s (plugin ABI %u)\n", WALL_VERSION, WALL_PLUGIN_ABI_VERSION);
	} else if (options.help_plugin != NULL || options.list_plugins) {
		status = print_plugins(&options);
	} else if (options.list_outputs) {
		status = list_outputs(options.layout_path);
	} else {
		status = wall_run(&options);
	}
	wall_options_finish(&options);
	return status;
}
