#include "paths.h"

#include <glib.h>
#include <stdbool.h>

#include "config.h"

/*
 * The folder holding the running executable, or NULL when the kernel does
 * not say (no /proc). Reading the link rather than argv[0] means the answer
 * holds whatever the current folder or $PATH was at start.
 */
static char *exe_dir(void)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL);
	if (exe == NULL) {
		return NULL;
	}
	char *dir = g_path_get_dirname(exe);
	g_free(exe);
	return dir;
}

/*
 * DIR/../name beside the executable, when that folder exists. In a build
 * tree build/wall/wall this is build/name; in an install it usually does
 * not exist, and the installed folder is used instead.
 */
static char *build_tree_dir(const char *name)
{
	char *dir = exe_dir();
	if (dir == NULL) {
		return NULL;
	}
	char *relative = g_build_filename("..", name, NULL);
	char *path = g_canonicalize_filename(relative, dir);
	g_free(relative);
	g_free(dir);
	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_free(path);
		return NULL;
	}
	return path;
}

/* Append each non-empty, not yet listed entry of a colon-separated list. */
static void add_search_list(GPtrArray *dirs, const char *list)
{
	if (list == NULL) {
		return;
	}
	char **parts = g_strsplit(list, G_SEARCHPATH_SEPARATOR_S, -1);
	for (char **part = parts; *part != NULL; part++) {
		if (**part == '\0') {
			continue;
		}
		bool seen = false;
		for (unsigned i = 0; i < dirs->len; i++) {
			if (g_str_equal(g_ptr_array_index(dirs, i), *part)) {
				seen = true;
				break;
			}
		}
		if (!seen) {
			g_ptr_array_add(dirs, g_strdup(*part));
		}
	}
	g_strfreev(parts);
}

char **wall_paths_plugin_dirs(const char *extra)
{
	GPtrArray *dirs = g_ptr_array_new();
	add_search_list(dirs, extra);
	add_search_list(dirs, g_getenv("WALL_PLUGIN_PATH"));
	char *build = build_tree_dir("plugins");
	add_search_list(dirs, build);
	g_free(build);
	add_search_list(dirs, WALL_INSTALL_PLUGIN_DIR);
	g_ptr_array_add(dirs, NULL);
	return (char **)g_ptr_array_free(dirs, FALSE);
}

char *wall_paths_shader_dir(void)
{
	const char *env = g_getenv("WALL_SHADER_PATH");
	if (env != NULL && *env != '\0') {
		return g_strdup(env);
	}
	char *build = build_tree_dir("shaders");
	if (build != NULL) {
		return build;
	}
	return g_strdup(WALL_INSTALL_SHADER_DIR);
}
