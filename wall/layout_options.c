/* A source's plugin options, checked against what the plugin declares. */
#include "layout_loader.h"
#include "value.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

static JsonNode *yaml_to_json(const node_t *node)
{
	JsonNode *json = json_node_alloc();
	if (node->kind == WALL_YAML_KIND_SEQUENCE) {
		JsonArray *array = json_array_new();
		for (guint i = 0; i < node->items->len; i++) {
			json_array_add_element(array,
			                       yaml_to_json(g_ptr_array_index(node->items, i)));
		}
		json_node_init_array(json, array);
		json_array_unref(array);
	} else if (node->kind == WALL_YAML_KIND_MAPPING) {
		JsonObject *object = json_object_new();
		for (guint i = 0; i < node->items->len; i++) {
			const struct wall_yaml_pair *pair = g_ptr_array_index(node->items, i);
			json_object_set_member(object, pair->key->text, yaml_to_json(pair->value));
		}
		json_node_init_object(json, object);
		json_object_unref(object);
	} else if (!node->plain) {
		json_node_init_string(json, node->text);
	} else if (node->text[0] == '\0' || strcmp(node->text, "~") == 0 ||
	           strcmp(node->text, "null") == 0) {
		json_node_init_null(json);
	} else if (strcmp(node->text, "true") == 0 || strcmp(node->text, "false") == 0) {
		json_node_init_boolean(json, node->text[0] == 't');
	} else if (loader_number_text(node->text)) {
		gint64 i;
		if (g_ascii_string_to_signed(node->text, 10, G_MININT64, G_MAXINT64, &i, NULL)) {
			json_node_init_int(json, i);
		} else {
			json_node_init_double(json, g_ascii_strtod(node->text, NULL));
		}
	} else {
		json_node_init_string(json, node->text);
	}
	return json;
}

static char *json_text(const node_t *node)
{
	JsonNode *json = yaml_to_json(node);
	char *text = json_to_string(json, FALSE);
	json_node_unref(json);
	return text;
}

/* "an integer from 16 to 7680", or just "an integer" when unbounded. */
static void describe_range(char *text, size_t size, const struct wall_option *spec,
                           const char *what, const char *unit)
{
	if (spec->min < spec->max) {
		g_snprintf(text, size, "%s from %g%s to %g%s", what, spec->min, unit, spec->max,
		           unit);
	} else {
		g_strlcpy(text, what, size);
	}
}

static bool check_range(const struct wall_option *spec, double value)
{
	return spec->min >= spec->max || (value >= spec->min && value <= spec->max);
}

static bool want_enum(struct loader *ld, const node_t *node, const char *choices)
{
	char **words = g_strsplit(choices != NULL ? choices : "", "|", -1);
	bool ok = loader_is_scalar(node) && g_strv_contains((const char *const *)words, node->text);
	if (!ok) {
		char *list = g_strjoinv(", ", words);
		char *expected = g_strdup_printf("one of %s", list);
		loader_fail_got(ld, node, expected);
		g_free(expected);
		g_free(list);
	}
	g_strfreev(words);
	return ok;
}

/* Checks value against spec and returns the text to store, or NULL. */
static char *option_value(struct loader *ld, const struct wall_option *spec, const node_t *value)
{
	char expected[160];
	int64_t i;
	double d;
	bool b;
	uint32_t argb;

	if (spec == NULL) {
		/* Unvalidated: keep scalars as written, and lists or mappings
		 * as JSON, the only way a plugin could read them. */
		return loader_is_scalar(value) ? g_strdup(value->text) : json_text(value);
	}
	if (spec->type == WALL_OPTION_JSON) {
		return json_text(value);
	}
	if (!loader_is_scalar(value)) {
		loader_fail_got(ld, value, "a single value");
		return NULL;
	}
	const char *text = value->text;
	switch (spec->type) {
	case WALL_OPTION_INT:
		describe_range(expected, sizeof(expected), spec, "an integer", "");
		if (!g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &i, NULL) ||
		    !check_range(spec, (double)i)) {
			goto bad;
		}
		break;
	case WALL_OPTION_DOUBLE:
		describe_range(expected, sizeof(expected), spec, "a number", "");
		if (!loader_parse_double(text, &d) || !check_range(spec, d)) {
			goto bad;
		}
		break;
	case WALL_OPTION_DURATION:
		describe_range(expected, sizeof(expected), spec, "a duration", "s");
		g_strlcat(expected, ", like \"250ms\", \"3s\" or \"2m\"", sizeof(expected));
		if (!wall_parse_duration_ms(text, &i) || !check_range(spec, (double)i / 1000.0)) {
			goto bad;
		}
		break;
	case WALL_OPTION_BOOL:
		g_strlcpy(expected, "true or false", sizeof(expected));
		if (!wall_parse_bool(text, &b)) {
			goto bad;
		}
		break;
	case WALL_OPTION_COLOR:
		if (!loader_want_color(ld, value, &argb)) {
			return NULL;
		}
		break;
	case WALL_OPTION_ENUM:
		if (!want_enum(ld, value, spec->choices)) {
			return NULL;
		}
		break;
	case WALL_OPTION_PATH:
		if (!loader_want_text(ld, value, "a file path")) {
			return NULL;
		}
		return g_canonicalize_filename(text, ld->dir);
	default:
		break;
	}
	return g_strdup(text);
bad:
	loader_fail_got(ld, value, expected);
	return NULL;
}

static const struct wall_option *find_spec(const struct wall_option *specs, const char *name)
{
	for (; specs->name != NULL; specs++) {
		if (strcmp(specs->name, name) == 0) {
			return specs;
		}
	}
	return NULL;
}

static bool unknown_option(struct loader *ld, const struct wall_layout_source *source,
                           const struct wall_option *specs, const node_t *key)
{
	if (specs->name == NULL) {
		return loader_fail(ld, key, "unknown option \"%s\": plugin \"%s\" takes no options",
		                   key->text, source->plugin);
	}
	GString *names = g_string_new(NULL);
	for (const struct wall_option *s = specs; s->name != NULL; s++) {
		g_string_append_printf(names, "%s%s", s == specs ? "" : ", ", s->name);
	}
	loader_fail(ld, key, "unknown option \"%s\" for plugin \"%s\"; expected one of: %s, label",
	            key->text, source->plugin, names->str);
	g_string_free(names, TRUE);
	return false;
}

void layout_option_free(void *data)
{
	struct wall_layout_option *option = data;
	g_free(option->name);
	g_free(option->value);
	g_free(option);
}

bool layout_parse_options(struct loader *ld, struct wall_layout_source *source, const node_t *map,
                          const node_t *name)
{
	const struct wall_option *specs = NULL;
	if (ld->lookup != NULL) {
		const char *why = NULL;
		specs = ld->lookup(source->plugin, &why, ld->user);
		if (specs == NULL) {
			/* Not a layout mistake: the wall shows this source as an
			 * error slate and --check reports it. */
			source->plugin_error = g_strdup(why != NULL ? why : "plugin not found");
		}
	}

	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		const char *key = pair->key->text;
		if (strcmp(key, "plugin") == 0 || strcmp(key, "label") == 0) {
			continue;
		}
		const struct wall_option *spec = NULL;
		if (specs != NULL) {
			spec = find_spec(specs, key);
			if (spec == NULL) {
				return unknown_option(ld, source, specs, pair->key);
			}
		}
		char *value = option_value(ld, spec, pair->value);
		if (value == NULL) {
			return false;
		}
		struct wall_layout_option *option = g_new0(struct wall_layout_option, 1);
		option->name = g_strdup(key);
		option->value = value;
		option->spec = spec;
		option->mark = loader_mark_of(pair->key);
		g_ptr_array_add(source->options, option);
	}

	for (const struct wall_option *s = specs; s != NULL && s->name != NULL; s++) {
		if ((s->flags & WALL_OPTION_REQUIRED) &&
		    !wall_layout_source_option(source, s->name)) {
			return loader_fail(ld, name,
			                   "source \"%s\" needs option \"%s\" (plugin \"%s\")",
			                   source->name, s->name, source->plugin);
		}
	}
	return true;
}
