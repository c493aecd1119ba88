/* Checks that turn YAML nodes into values or precise errors. */
#include "layout_loader.h"
#include "value.h"

#include <math.h>
#include <string.h>

bool loader_fail(struct loader *ld, const node_t *at, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char *message = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(ld->error, WALL_LAYOUT_ERROR, WALL_LAYOUT_ERROR_SCHEMA, "%s:%d:%d: %s",
	            ld->path, at->line, at->column, message);
	g_free(message);
	return false;
}

/* "expected X, got Y", where Y shows the value the way the user wrote it. */
bool loader_fail_got(struct loader *ld, const node_t *at, const char *expected)
{
	switch (at->kind) {
	case WALL_YAML_KIND_MAPPING:
		return loader_fail(ld, at, "expected %s, got a mapping", expected);
	case WALL_YAML_KIND_SEQUENCE:
		return loader_fail(ld, at, "expected %s, got a list", expected);
	default:
		break;
	}
	if (at->plain && at->text[0] == '\0') {
		return loader_fail(ld, at, "expected %s, got nothing", expected);
	}
	return loader_fail(ld, at, "expected %s, got \"%s\"", expected, at->text);
}

bool loader_is_scalar(const node_t *node)
{
	return node->kind == WALL_YAML_KIND_SCALAR;
}

/* A non-empty scalar, or an error saying what was expected. */
bool loader_want_text(struct loader *ld, const node_t *node, const char *expected)
{
	if (!loader_is_scalar(node) || node->text[0] == '\0') {
		return loader_fail_got(ld, node, expected);
	}
	return true;
}

bool loader_want_kind(struct loader *ld, const node_t *node, enum wall_yaml_kind kind,
                      const char *expected)
{
	return node->kind == kind || loader_fail_got(ld, node, expected);
}

bool loader_check_keys(struct loader *ld, const node_t *map, const char *const *allowed,
                       const char *where)
{
	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		if (g_strv_contains(allowed, pair->key->text)) {
			continue;
		}
		char *names = g_strjoinv(", ", (char **)allowed);
		loader_fail(ld, pair->key, "unknown key \"%s\" in %s; expected one of: %s",
		            pair->key->text, where, names);
		g_free(names);
		return false;
	}
	return true;
}

bool loader_require(struct loader *ld, const node_t *map, const char *key, const char *where,
                    const node_t **value)
{
	*value = wall_yaml_mapping_get(map, key);
	return *value != NULL || loader_fail(ld, map, "missing key \"%s\" in %s", key, where);
}

bool loader_number_text(const char *text)
{
	return g_regex_match_simple("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$", text, 0,
	                            0);
}

bool loader_parse_double(const char *text, double *value)
{
	if (!loader_number_text(text)) {
		return false;
	}
	*value = g_ascii_strtod(text, NULL);
	return isfinite(*value);
}

bool loader_want_int(struct loader *ld, const node_t *node, int64_t min, int64_t max,
                     int64_t *value)
{
	if (loader_is_scalar(node) &&
	    g_ascii_string_to_signed(node->text, 10, min, max, value, NULL)) {
		return true;
	}
	char *expected = max == INT64_MAX
	                         ? g_strdup_printf("an integer of at least %" G_GINT64_FORMAT, min)
	                         : g_strdup_printf("an integer from %" G_GINT64_FORMAT
	                                           " to %" G_GINT64_FORMAT,
	                                           min, max);
	loader_fail_got(ld, node, expected);
	g_free(expected);
	return false;
}

/* "WxH" with both sides from 1 to MAX_CANVAS_PX. */
static bool parse_size(const char *text, int64_t *w, int64_t *h)
{
	const char *x = strchr(text, 'x');
	if (x == NULL) {
		return false;
	}
	char *left = g_strndup(text, (gsize)(x - text));
	bool ok = g_ascii_string_to_signed(left, 10, 1, MAX_CANVAS_PX, w, NULL) &&
	          g_ascii_string_to_signed(x + 1, 10, 1, MAX_CANVAS_PX, h, NULL);
	g_free(left);
	return ok;
}

bool loader_want_size(struct loader *ld, const node_t *node, const char *expected, int64_t *w,
                      int64_t *h)
{
	if (loader_is_scalar(node) && parse_size(node->text, w, h)) {
		return true;
	}
	return loader_fail_got(ld, node, expected);
}

bool loader_want_color(struct loader *ld, const node_t *node, uint32_t *argb)
{
	if (loader_is_scalar(node) && wall_parse_color(node->text, argb)) {
		return true;
	}
	if (loader_is_scalar(node) && node->plain && node->text[0] == '\0') {
		/* The usual cause: unquoted, YAML reads #rrggbb as a comment. */
		return loader_fail(ld, node,
		                   "expected a colour, got nothing; write it in quotes: "
		                   "\"#3a4a5a\"");
	}
	return loader_fail_got(ld, node, "a colour like \"#3a4a5a\" or \"#3a4a5aff\"");
}

/* A list of exactly count integers, each at least min. */
bool loader_want_int_list(struct loader *ld, const node_t *node, guint count, int64_t min,
                          const char *expected, int64_t *values)
{
	if (node->kind != WALL_YAML_KIND_SEQUENCE || node->items->len != count) {
		return loader_fail_got(ld, node, expected);
	}
	for (guint i = 0; i < count; i++) {
		if (!loader_want_int(ld, g_ptr_array_index(node->items, i), min, MAX_CANVAS_PX,
		                     &values[i])) {
			return false;
		}
	}
	return true;
}

struct wall_mark loader_mark_of(const node_t *node)
{
	return (struct wall_mark){node->line, node->column};
}
