#include <stdio.h>

#include "config.h"
#include "wall/plugin.h"
#include "options.h"
#include "wall.h"

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
	} else {
		status = wall_run(&options);
	}
	wall_options_finish(&options);
	return status;
}
