/* The wall process: load the layout, open the output, run the frame loop. */
#ifndef WALL_WALL_H
#define WALL_WALL_H

#include "options.h"

/** Exit codes, so scripts can tell a bad layout from a broken machine. */
enum wall_exit {
	WALL_EXIT_OK = 0,
	/** The layout or a plugin option is wrong (wall --check). */
	WALL_EXIT_BAD_LAYOUT = 1,
	/** Bad command line. */
	WALL_EXIT_USAGE = 2,
	/** The output or renderer could not start. */
	WALL_EXIT_NO_OUTPUT = 3,
	/** wall report: the state file cannot be read, or the report cannot be written. */
	WALL_EXIT_NO_DATA = 4,
};

/** Run the wall as the options say; returns an exit code. */
int wall_run(const struct wall_options *options);

#endif
