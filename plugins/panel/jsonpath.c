/*
 * Picking a value out of a JSON document. json-glib's JsonPath does the
 * work; this adds the "$." a layout author tends to leave out, and turns
 * its always-an-array answer back into the one value most paths mean.
 */
#include <math.h>
#include <stdlib.h>

#include "panel.h"

JsonNode *panel_json_select(JsonNode *root, const char *path, char **error)
{
	if (path == NULL || *path == '\0' || g_str_equal(path, "$")) {
		return json_node_copy(root);
	}
	char *full = path[0] == '$' ? g_strdup(path)
		     : path[0] == '[' ? g_strconcat("$", path, NULL)
				      : g_strconcat("$.", path, NULL);
	JsonPath *compiled = json_path_new();
	GError *compile_error = NULL;
	JsonNode *result = NULL;
	if (!json_path_compile(compiled, full, &compile_error)) {
		*error = g_strdup_printf("bad path %s: %s", path, compile_error->message);
		g_error_free(compile_error);
		goto out;
	}
	JsonNode *matches = json_path_match(compiled, root);
	JsonArray *array = json_node_get_array(matches);
	guint count = array != NULL ? json_array_get_length(array) : 0;
	if (count == 0) {
		*error = g_strdup_printf("missing field %s", path);
	} else if (count == 1) {
		result = json_node_copy(json_array_get_element(array, 0));
	} else {
		result = json_node_ref(matches);
	}
	json_node_unref(matches);
out:
	g_object_unref(compiled);
	g_free(full);
	return result;
}

bool panel_json_number(JsonNode *node, double *value)
{
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node)) {
		return false;
	}
	GType type = json_node_get_value_type(node);
	if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE) {
		*value = json_node_get_double(node);
		return isfinite(*value);
	}
	if (type == G_TYPE_STRING) {
		/* Reports often quote their figures ("96.5" or "96.5%"). */
		const char *text = json_node_get_string(node);
		char *end = NULL;
		double parsed = g_ascii_strtod(text, &end);
		if (end == text || !isfinite(parsed)) {
			return false;
		}
		while (*end == ' ') {
			end++;
		}
		if (*end != '\0' && !g_str_equal(end, "%")) {
			return false;
		}
		*value = parsed;
		return true;
	}
	return false;
}

char *panel_json_text(JsonNode *node)
{
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node)) {
		return NULL;
	}
	GType type = json_node_get_value_type(node);
	if (type == G_TYPE_STRING) {
		return g_strdup(json_node_get_string(node));
	}
	if (type == G_TYPE_BOOLEAN) {
		return g_strdup(json_node_get_boolean(node) ? "true" : "false");
	}
	return panel_format_number(json_node_get_double(node), -1);
}
