/*
 * Finds, loads and checks plugins. A plugin "camera" is the file
 * camera.so in one of the search folders (or in DIR/camera/camera.so, the
 * build tree's shape). Loading checks the ABI version, the struct size and
 * the required callbacks; a plugin that fails is remembered with its
 * reason, which names the file, and never crashes the wall.
 */
#ifndef WALL_PLUGIN_REGISTRY_H
#define WALL_PLUGIN_REGISTRY_H

#include <stdbool.h>

#include "wall/plugin.h"

struct wall_plugin_registry;

/** dirs: search folders in order, NULL-terminated; copied. */
struct wall_plugin_registry *wall_plugin_registry_create(const char *const *dirs);
/** dlcloses every plugin. Instances must be destroyed first. Accepts NULL. */
void wall_plugin_registry_destroy(struct wall_plugin_registry *registry);

/**
 * The plugin for a layout key, loading it on first use. Returns NULL and
 * sets *why (owned by the registry) when it cannot be found or is refused,
 * for example "plugins/future.so: built for plugin ABI 99, this wall
 * speaks 1".
 */
const struct wall_plugin *wall_plugin_registry_get(struct wall_plugin_registry *registry,
						   const char *name, const char **why);

/** Load one file directly, with the same checks. *why as above. */
const struct wall_plugin *wall_plugin_registry_load_file(struct wall_plugin_registry *registry,
							 const char *path, const char **why);

/**
 * The names of every plugin file in the search folders (NAME.so or
 * NAME/NAME.so), sorted, each once; nothing is loaded. g_strfreev it.
 */
char **wall_plugin_registry_names(struct wall_plugin_registry *registry);

/** Adapter for wall_layout_load(): user is the registry. */
const struct wall_option *wall_plugin_registry_options(const char *plugin, const char **why,
						       void *user);

#endif
