/* Where the wall finds its plugins and shaders: the build tree beside the
 * binary first, so build/wall/wall runs with no install step. */
#ifndef WALL_PATHS_H
#define WALL_PATHS_H

/**
 * Plugin search folders, NULL-terminated, in order: extra (from
 * --plugin-path, may be NULL), $WALL_PLUGIN_PATH (colon-separated), the
 * build tree's plugins/, the installed plugin folder. Free with g_strfreev.
 */
char **wall_paths_plugin_dirs(const char *extra);
/** The shader folder: $WALL_SHADER_PATH, the build tree's, or the installed one. */
char *wall_paths_shader_dir(void);

#endif
