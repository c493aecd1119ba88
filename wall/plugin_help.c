#include "plugin_help.h"

#include <glib.h>

#include "plugin_registry.h"

static const char *type_name(enum wall_option_type type)
{
	switch (type) {
	case WALL_OPTION_STRING:
		return "string";
	case WALL_OPTION_INT:
		return "int";
	case WALL_OPTION_DOUBLE:
		return "number";
	case WALL_OPTION_BOOL:
		return "bool";
	case WALL_OPTION_COLOR:
		return "colour #rrggbb[aa]";
	case WALL_OPTION_DURATION:
		return "duration";
	case WALL_OPTION_ENUM:
		return "one of";
	case WALL_OPTION_PATH:
		return "path";
	case WALL_OPTION_JSON:
		return "any YAML value";
	case WALL_OPTION_INVALID:
		break;
	}
	return "?";
}

/* "cell (int, 1 to 512, default 16)": what a layout may write. */
static char *option_summary(const struct wall_option *option)
{
	GString *text = g_string_new(option->name);
	g_string_append_printf(text, " (%s", type_name(option->type));
	if (option->type == WALL_OPTION_ENUM) {
		g_string_append_printf(text, " %s", option->choices);
	}
	bool ranged = option->type == WALL_OPTION_INT || option->type == WALL_OPTION_DOUBLE ||
	              option->type == WALL_OPTION_DURATION;
	if (ranged && option->min < option->max) {
		char min[G_ASCII_DTOSTR_BUF_SIZE];
		char max[G_ASCII_DTOSTR_BUF_SIZE];
		g_ascii_formatd(min, sizeof(min), "%g", option->min);
		g_ascii_formatd(max, sizeof(max), "%g", option->max);
		g_string_append_printf(text, ", %s to %s%s", min, max,
		                       option->type == WALL_OPTION_DURATION ? " s" : "");
	}
	if (option->flags & WALL_OPTION_REQUIRED) {
		g_string_append(text, ", required");
	}
	if (option->default_value != NULL) {
		g_string_append_printf(text, ", default %s", option->default_value);
	}
	if (option->flags & WALL_OPTION_SECRET) {
		g_string_append(text, ", secret");
	}
	g_string_append_c(text, ')');
	return g_string_free(text, FALSE);
}

static void print_plugin(const struct wall_plugin *plugin, FILE *out)
{
	fprintf(out, "%s", plugin->name);
	if (plugin->description != NULL) {
		fprintf(out, ": %s", plugin->description);
	}
	fprintf(out, "\n");
	if (plugin->options == NULL || plugin->options[0].name == NULL) {
		fprintf(out, "  (no options)\n");
		return;
	}
	for (const struct wall_option *option = plugin->options; option->name != NULL; option++) {
		char *summary = option_summary(option);
		fprintf(out, "  %s\n", summary);
		if (option->help != NULL) {
			fprintf(out, "      %s\n", option->help);
		}
		g_free(summary);
	}
}

bool wall_plugin_help_print(struct wall_plugin_registry *registry, const char *name, FILE *out)
{
	/* A refusal is logged by the registry, naming the file and the reason. */
	const struct wall_plugin *plugin = wall_plugin_registry_get(registry, name, NULL);
	if (plugin == NULL) {
		return false;
	}
	print_plugin(plugin, out);
	return true;
}

bool wall_plugin_help_list(struct wall_plugin_registry *registry, FILE *out)
{
	char **names = wall_plugin_registry_names(registry);
	bool ok = true;
	for (char **name = names; *name != NULL; name++) {
		if (name != names) {
			fprintf(out, "\n");
		}
		ok = wall_plugin_help_print(registry, *name, out) && ok;
	}
	g_strfreev(names);
	return ok;
}
