/*
 * SCREENSHOT's files: only in one folder (--screenshot-dir), by a plain
 * file name, never through a link. A request names a file, never a path,
 * so no command can overwrite the layout, the state file or anything else
 * the wall's user may write.
 */
#ifndef WALL_CONTROL_SCREENSHOT_H
#define WALL_CONTROL_SCREENSHOT_H

#include <cairo.h>
#include <glib.h>
#include <stdbool.h>

/** The default folder: "screenshots" beside the state file. g_free it. */
char *wall_screenshot_default_dir(const char *state_path);
/**
 * Make the folder (0700) when missing and open it. Returns its descriptor,
 * or -1 with error set.
 */
int wall_screenshot_dir_open(const char *path, GError **error);
/**
 * True when name is fit for the folder: one file name ending in .png, not
 * hidden, at most WALL_CONTROL_MAX_SCREENSHOT_NAME bytes. Else false with
 * why set (g_free it).
 */
bool wall_screenshot_name_ok(const char *name, char **why);
/**
 * Write picture as the PNG name in the folder dir_fd: into a new file of
 * its own, then renamed over name, so an existing link or hard link is
 * replaced, never followed or truncated. A name that is there and is not
 * a regular file (a link, a folder) is refused. False with error set.
 */
bool wall_screenshot_write(int dir_fd, const char *name, cairo_surface_t *picture, GError **error);

#endif
