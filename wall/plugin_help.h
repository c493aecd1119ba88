/*
 * wall --help-plugin NAME and wall --list-plugins: what a plugin takes,
 * printed straight from the option table it declares, so the help can
 * never drift from what the layout loader checks.
 */
#ifndef WALL_PLUGIN_HELP_H
#define WALL_PLUGIN_HELP_H

#include <stdbool.h>
#include <stdio.h>

struct wall_plugin_registry;

/**
 * Print plugin name's description and every option (type, range, default,
 * flags, help) to out. Returns false when the plugin cannot be found or
 * is refused; the registry has logged why.
 */
bool wall_plugin_help_print(struct wall_plugin_registry *registry, const char *name, FILE *out);

/**
 * Print every plugin in the registry's folders, each as
 * wall_plugin_help_print() does; a refused one is left out with its
 * reason logged. Returns false when any was refused.
 */
bool wall_plugin_help_list(struct wall_plugin_registry *registry, FILE *out);

#endif
