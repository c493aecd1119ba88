/* nodes: the render nodes of a wall drawn by several machines, and one node's view of it. */
#include <stdlib.h>
#include <string.h>

#include "layout_loader.h"
#include "outputs.h"

#define NODE_SHAPE "a node like {viewport: [x, y, width, height], outputs: {HDMI-A-1: [0, 0]}}"

static void node_free(void *data)
{
	struct wall_layout_node *node = data;
	g_free(node->name);
	g_ptr_array_unref(node->outputs);
	g_free(node);
}

GPtrArray *layout_nodes_new(void)
{
	return g_ptr_array_new_with_free_func(node_free);
}

static bool parse_viewport(struct loader *ld, const node_t *value, struct wall_rect *rect)
{
	const struct wall_layout *layout = ld->layout;
	int64_t px[4];
	if (!loader_want_int_list(ld, value, 4, 0, "a viewport [x, y, width, height] in pixels",
	                          px)) {
		return false;
	}
	if (px[2] < 1 || px[3] < 1) {
		return loader_fail(ld, value,
		                   "viewport has no area: width and height must be above 0");
	}
	if (px[0] + px[2] > layout->canvas_width_px || px[1] + px[3] > layout->canvas_height_px) {
		return loader_fail(ld, value, "viewport lies outside the %dx%d canvas",
		                   layout->canvas_width_px, layout->canvas_height_px);
	}
	*rect = (struct wall_rect){(int32_t)px[0], (int32_t)px[1], (int32_t)px[2], (int32_t)px[3]};
	return true;
}

/* A node's outputs read as wall.outputs does, then checked against its viewport. */
static bool parse_node_outputs(struct loader *ld, const node_t *value,
                               struct wall_layout_node *node)
{
	struct wall_layout *layout = ld->layout;
	GPtrArray *wall_outputs = layout->outputs;
	layout->outputs = node->outputs;
	bool ok = layout_parse_outputs(ld, value);
	layout->outputs = wall_outputs;
	if (!ok) {
		return false;
	}
	for (guint i = 0; i < node->outputs->len; i++) {
		const struct wall_layout_output *output = node->outputs->pdata[i];
		if (!wall_rect_contains(&node->viewport, &output->rect)) {
			char *rect = wall_rect_describe(&output->rect);
			char *view = wall_rect_describe(&node->viewport);
			g_set_error(ld->error, WALL_LAYOUT_ERROR, WALL_LAYOUT_ERROR_SCHEMA,
			            "%s:%d:%d: output \"%s\" shows %s, outside node \"%s\"'s "
			            "viewport %s",
			            ld->path, output->mark.line, output->mark.column,
			            output->connector, rect, node->name, view);
			g_free(rect);
			g_free(view);
			return false;
		}
	}
	return true;
}

static bool parse_node(struct loader *ld, const node_t *key, const node_t *map)
{
	static const char *const keys[] = {"viewport", "outputs", NULL};
	if (!loader_want_text(ld, key, "a node name like a or left")) {
		return false;
	}
	struct wall_layout_node *node = g_new0(struct wall_layout_node, 1);
	node->name = g_strdup(key->text);
	node->mark = loader_mark_of(key);
	node->outputs = layout_outputs_new();
	g_ptr_array_add(ld->layout->nodes, node);
	for (guint i = 0; i + 1 < ld->layout->nodes->len; i++) {
		const struct wall_layout_node *other = ld->layout->nodes->pdata[i];
		if (strcmp(other->name, node->name) == 0) {
			return loader_fail(ld, key, "node \"%s\" is already defined", node->name);
		}
	}
	/* Node names go into topic names and command lines: keep them plain. */
	for (const char *p = node->name; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_') {
			return loader_fail(
			        ld, key, "a node name is letters, digits, - and _ only; got \"%s\"",
			        node->name);
		}
	}
	char *where = g_strdup_printf("node \"%s\"", node->name);
	const node_t *viewport;
	bool ok = loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING, NODE_SHAPE) &&
	          loader_check_keys(ld, map, keys, where) &&
	          loader_require(ld, map, "viewport", where, &viewport) &&
	          parse_viewport(ld, viewport, &node->viewport);
	g_free(where);
	if (!ok) {
		return false;
	}
	const node_t *outputs = wall_yaml_mapping_get(map, "outputs");
	return outputs == NULL || parse_node_outputs(ld, outputs, node);
}

bool layout_parse_nodes(struct loader *ld, const node_t *map)
{
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a mapping of node names to " NODE_SHAPE)) {
		return false;
	}
	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		if (!parse_node(ld, pair->key, pair->value)) {
			return false;
		}
	}
	return true;
}

static struct wall_layout_source *offscreen_source_new(const char *node)
{
	struct wall_layout_source *source = g_new0(struct wall_layout_source, 1);
	source->name = g_strdup("(offscreen)");
	source->plugin = g_strdup("none");
	source->options = g_ptr_array_new();
	source->plugin_error = g_strdup_printf("outside node %s's viewport", node);
	return source;
}

bool wall_layout_focus_node(struct wall_layout *layout, const char *name, GError **error)
{
	const struct wall_layout_node *node = NULL;
	GString *names = g_string_new(NULL);
	for (guint i = 0; i < layout->nodes->len; i++) {
		const struct wall_layout_node *n = layout->nodes->pdata[i];
		g_string_append_printf(names, "%s%s", i > 0 ? ", " : "", n->name);
		if (strcmp(n->name, name) == 0) {
			node = n;
		}
	}
	if (node == NULL) {
		g_set_error(error, WALL_LAYOUT_ERROR, WALL_LAYOUT_ERROR_SCHEMA,
		            "--node %s: %s has no such node (%s%s)", name, layout->path,
		            names->len > 0 ? "it has: " : "it has no nodes: section", names->str);
		g_string_free(names, TRUE);
		return false;
	}
	g_string_free(names, TRUE);
	const struct wall_rect view = node->viewport;
	for (guint i = 0; i < layout->scenes->len; i++) {
		const struct wall_layout_scene *scene = layout->scenes->pdata[i];
		for (guint j = 0; j < scene->tiles->len; j++) {
			struct wall_layout_tile *tile = scene->tiles->pdata[j];
			tile->offscreen = !wall_rect_intersects(&tile->rect, &view);
			tile->spans_nodes =
			        !tile->offscreen && !wall_rect_contains(&view, &tile->rect);
			tile->rect.x -= view.x;
			tile->rect.y -= view.y;
		}
	}
	/* The node's outputs, in its own pixels; without any, one output shows it all. */
	g_ptr_array_set_size(layout->outputs, 0);
	for (guint i = 0; i < node->outputs->len; i++) {
		const struct wall_layout_output *from = node->outputs->pdata[i];
		struct wall_layout_output *output = g_new0(struct wall_layout_output, 1);
		*output = *from;
		output->connector = g_strdup(from->connector);
		output->rect.x -= view.x;
		output->rect.y -= view.y;
		g_ptr_array_add(layout->outputs, output);
	}
	layout->monitor_cols = 0;
	layout->monitor_rows = 0;
	layout->canvas_width_px = view.width;
	layout->canvas_height_px = view.height;
	layout->node = node;
	layout->offscreen_source = offscreen_source_new(node->name);
	return true;
}

bool wall_cluster_url_parse(const char *text, char **host, int *port, char **topic)
{
	static const char scheme[] = "mqtt://";
	if (!g_str_has_prefix(text, scheme)) {
		return false;
	}
	const char *authority = text + strlen(scheme);
	const char *slash = strchr(authority, '/');
	if (slash == NULL || slash[1] == '\0' || slash == authority) {
		return false;
	}
	const char *colon = memchr(authority, ':', (size_t)(slash - authority));
	const char *host_end = colon != NULL ? colon : slash;
	long number = 1883;
	if (colon != NULL) {
		char *end;
		number = strtol(colon + 1, &end, 10);
		if (end != slash || number < 1 || number > 65535) {
			return false;
		}
	}
	const char *prefix = slash + 1;
	/* The prefix names topics: MQTT's wildcards and an empty level have no place in it. */
	if (host_end == authority || strpbrk(prefix, "+#") != NULL ||
	    strstr(prefix, "//") != NULL || g_str_has_suffix(prefix, "/")) {
		return false;
	}
	if (host != NULL) {
		*host = g_strndup(authority, (gsize)(host_end - authority));
	}
	if (port != NULL) {
		*port = (int)number;
	}
	if (topic != NULL) {
		*topic = g_strdup(prefix);
	}
	return true;
}
