#include <stdio.h>

#include "backend/backend.h"
#include "config.h"
#include "layout.h"
#include "wall/plugin.h"
#include "options.h"
#include "wall.h"

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
	} else if (options.list_outputs) {
		status = list_outputs(options.layout_path);
	} else {
		status = wall_run(&options);
	}
	wall_options_finish(&options);
	return status;
}
