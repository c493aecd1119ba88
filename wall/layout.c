#include "layout.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "layout_loader.h"
#include "value.h"

G_DEFINE_QUARK(wall - layout - error - quark, wall_layout_error)

/* ---- Sources ---- */

void wall_layout_source_clear(struct wall_layout_source *source)
{
	g_free(source->name);
	g_free(source->plugin);
	g_free(source->label);
	g_free(source->district);
	g_free(source->town);
	if (source->options != NULL) {
		g_ptr_array_unref(source->options);
	}
	g_free(source->plugin_error);
	g_free(source->dir);
}

static void source_free(void *data)
{
	wall_layout_source_clear(data);
	g_free(data);
}

void wall_layout_source_copy(struct wall_layout_source *copy,
                             const struct wall_layout_source *source)
{
	*copy = *source;
	copy->name = g_strdup(source->name != NULL ? source->name : "");
	copy->plugin = g_strdup(source->plugin);
	copy->label = g_strdup(source->label);
	copy->district = g_strdup(source->district);
	copy->town = g_strdup(source->town);
	copy->plugin_error = g_strdup(source->plugin_error);
	copy->dir = g_strdup(source->dir);
	copy->options = g_ptr_array_new_with_free_func(layout_option_free);
	for (guint i = 0; source->options != NULL && i < source->options->len; i++) {
		const struct wall_layout_option *option = source->options->pdata[i];
		struct wall_layout_option *option_copy = g_new(struct wall_layout_option, 1);
		*option_copy = *option;
		option_copy->name = g_strdup(option->name);
		option_copy->value = g_strdup(option->value);
		g_ptr_array_add(copy->options, option_copy);
	}
}

/* A label value: text to show, or false / "" to show none (*text NULL). */
bool layout_want_label(struct loader *ld, const node_t *node, char **text)
{
	bool flag;
	*text = NULL;
	if (!loader_is_scalar(node)) {
		return loader_fail_got(ld, node, "a label, or false to hide it");
	}
	if (node->plain && wall_parse_bool(node->text, &flag)) {
		return !flag || loader_fail_got(ld, node, "a label, or false to hide it");
	}
	if (node->text[0] != '\0') {
		*text = g_strdup(node->text);
	}
	return true;
}

static bool want_bool(struct loader *ld, const node_t *node, bool *value)
{
	return (loader_is_scalar(node) && wall_parse_bool(node->text, value)) ||
	       loader_fail_got(ld, node, "true or false");
}

static bool parse_source(struct loader *ld, const node_t *name, const node_t *map)
{
	if (!loader_want_text(ld, name, "a source name") ||
	    !loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a source: a mapping with plugin and its "
	                      "options")) {
		return false;
	}
	struct wall_layout_source *source = g_new0(struct wall_layout_source, 1);
	source->dir = g_strdup(ld->dir);
	source->name = g_strdup(name->text);
	source->options = g_ptr_array_new_with_free_func(layout_option_free);
	source->mark = loader_mark_of(name);
	/* Owned by the layout from here, so every failure below frees it. */
	g_ptr_array_add(ld->layout->sources, source);

	char *where = g_strdup_printf("source \"%s\"", name->text);
	const node_t *plugin, *label, *district, *town;
	bool ok = loader_require(ld, map, "plugin", where, &plugin) &&
	          loader_want_text(ld, plugin, "a plugin name, like camera");
	g_free(where);
	if (!ok) {
		return false;
	}
	source->plugin = g_strdup(plugin->text);
	source->plugin_mark = loader_mark_of(plugin);
	label = wall_yaml_mapping_get(map, "label");
	district = wall_yaml_mapping_get(map, "district");
	town = wall_yaml_mapping_get(map, "town");
	if ((label != NULL && !layout_want_label(ld, label, &source->label)) ||
	    (district != NULL && !loader_want_text(ld, district, "a district name, like 茂南区")) ||
	    (town != NULL && !loader_want_text(ld, town, "a town name, like 鳌头镇"))) {
		return false;
	}
	source->isolate = ld->layout->isolate;
	const node_t *isolate = wall_yaml_mapping_get(map, "isolate");
	if (isolate != NULL && !want_bool(ld, isolate, &source->isolate)) {
		return false;
	}
	const node_t *memory = wall_yaml_mapping_get(map, "memory_mb");
	if (memory != NULL && !loader_want_int(ld, memory, 16, 1 << 20, &source->memory_mb)) {
		return false;
	}
	source->district = district != NULL ? g_strdup(district->text) : NULL;
	source->town = town != NULL ? g_strdup(town->text) : NULL;
	return layout_parse_options(ld, source, map, name);
}

static bool parse_sources(struct loader *ld, const node_t *map)
{
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a mapping of source names to sources")) {
		return false;
	}
	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		if (!parse_source(ld, pair->key, pair->value)) {
			return false;
		}
	}
	return true;
}

/* ---- Scenes ---- */

static void scene_free(void *data)
{
	struct wall_layout_scene *scene = data;
	g_free(scene->name);
	g_ptr_array_unref(scene->tiles);
	g_free(scene);
}

static bool parse_grid(struct loader *ld, const node_t *map, struct grid *grid)
{
	const node_t *node = wall_yaml_mapping_get(map, "grid");
	*grid = (struct grid){0};
	if (node == NULL) {
		return true;
	}
	if (!loader_want_size(ld, node, "a grid like 4x4 (columns x rows)", &grid->cols,
	                      &grid->rows)) {
		return false;
	}
	grid->node = node;
	const node_t *gap = wall_yaml_mapping_get(map, "gap");
	if (gap != NULL && !loader_want_int(ld, gap, 0, MAX_CANVAS_PX, &grid->gap)) {
		return false;
	}
	/* Every cell must keep at least a pixel once the gaps are taken out. */
	struct wall_layout *layout = ld->layout;
	if ((layout->canvas_width_px + grid->gap) / grid->cols - grid->gap < 1 ||
	    (layout->canvas_height_px + grid->gap) / grid->rows - grid->gap < 1) {
		return loader_fail(ld, gap != NULL ? gap : node,
		                   "a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
		                   " grid with gap %" G_GINT64_FORMAT
		                   " leaves no room for cells on a %dx%d canvas",
		                   grid->cols, grid->rows, grid->gap, layout->canvas_width_px,
		                   layout->canvas_height_px);
	}
	return true;
}

static bool parse_scene(struct loader *ld, const node_t *name, const node_t *map)
{
	static const char *const keys[] = {"grid", "gap", "tiles", NULL};
	if (!loader_want_text(ld, name, "a scene name") ||
	    !loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING, "a scene: a mapping with tiles")) {
		return false;
	}
	struct wall_layout_scene *scene = g_new0(struct wall_layout_scene, 1);
	scene->name = g_strdup(name->text);
	scene->tiles = g_ptr_array_new_with_free_func(layout_tile_free);
	scene->mark = loader_mark_of(name);
	g_ptr_array_add(ld->layout->scenes, scene);

	char *where = g_strdup_printf("scene \"%s\"", name->text);
	struct grid grid;
	const node_t *tiles;
	bool ok = loader_check_keys(ld, map, keys, where) && parse_grid(ld, map, &grid) &&
	          loader_require(ld, map, "tiles", where, &tiles) &&
	          loader_want_kind(ld, tiles, WALL_YAML_KIND_SEQUENCE, "a list of tiles");
	g_free(where);
	if (!ok) {
		return false;
	}
	GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; ok && i < tiles->items->len; i++) {
		ok = layout_parse_tile(ld, &grid, g_ptr_array_index(tiles->items, i), ids, scene);
	}
	g_hash_table_unref(ids);
	return ok;
}

static bool parse_scenes(struct loader *ld, const node_t *map)
{
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a mapping of scene names to scenes")) {
		return false;
	}
	if (map->items->len == 0) {
		return loader_fail(ld, map, "expected at least one scene");
	}
	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		if (!parse_scene(ld, pair->key, pair->value)) {
			return false;
		}
	}
	return true;
}

/* A scene by name, or an error at node that lists the scenes there are. */
static bool want_scene(struct loader *ld, const node_t *node,
                       const struct wall_layout_scene **scene)
{
	if (!loader_want_text(ld, node, "a scene name")) {
		return false;
	}
	*scene = wall_layout_find_scene(ld->layout, node->text);
	if (*scene != NULL) {
		return true;
	}
	GString *names = g_string_new(NULL);
	for (guint i = 0; i < ld->layout->scenes->len; i++) {
		const struct wall_layout_scene *s = g_ptr_array_index(ld->layout->scenes, i);
		g_string_append_printf(names, "%s%s", i > 0 ? ", " : "", s->name);
	}
	loader_fail(ld, node, "no scene named \"%s\"; scenes: %s", node->text, names->str);
	g_string_free(names, TRUE);
	return false;
}

static int preset_compare(const void *a, const void *b)
{
	return ((const struct wall_layout_preset *)a)->number -
	       ((const struct wall_layout_preset *)b)->number;
}

static bool parse_presets(struct loader *ld, const node_t *map)
{
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a mapping of preset numbers to scenes")) {
		return false;
	}
	const node_t *seen[MAX_PRESET + 1] = {0};
	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		int64_t number;
		struct wall_layout_preset preset;
		if (!loader_want_int(ld, pair->key, 0, MAX_PRESET, &number)) {
			return false;
		}
		/* "1" and "01" are different YAML keys but the same preset. */
		if (seen[number] != NULL) {
			return loader_fail(ld, pair->key,
			                   "preset %" G_GINT64_FORMAT
			                   " is set twice (first at line %d, "
			                   "column %d)",
			                   number, seen[number]->line, seen[number]->column);
		}
		seen[number] = pair->key;
		if (!want_scene(ld, pair->value, &preset.scene)) {
			return false;
		}
		preset.number = (int)number;
		g_array_append_val(ld->layout->presets, preset);
	}
	g_array_sort(ld->layout->presets, preset_compare);
	return true;
}

/* ---- The wall ---- */

static bool parse_monitors(struct loader *ld, const node_t *map)
{
	static const char *const keys[] = {"cols", "rows", "size", "bezel", NULL};
	const node_t *cols_node, *rows_node, *size_node, *bezel_node;
	int64_t cols, rows, w, h, bezel = 0;
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "monitors like {cols: 2, rows: 2, size: 1920x1080, bezel: 12}") ||
	    !loader_check_keys(ld, map, keys, "monitors") ||
	    !loader_require(ld, map, "cols", "monitors", &cols_node) ||
	    !loader_want_int(ld, cols_node, 1, 64, &cols) ||
	    !loader_require(ld, map, "rows", "monitors", &rows_node) ||
	    !loader_want_int(ld, rows_node, 1, 64, &rows) ||
	    !loader_require(ld, map, "size", "monitors", &size_node) ||
	    !loader_want_size(ld, size_node, "a size like 1920x1080", &w, &h)) {
		return false;
	}
	bezel_node = wall_yaml_mapping_get(map, "bezel");
	if (bezel_node != NULL && !loader_want_int(ld, bezel_node, 0, 1000, &bezel)) {
		return false;
	}
	int64_t width = cols * w + (cols - 1) * bezel;
	int64_t height = rows * h + (rows - 1) * bezel;
	if (width > MAX_CANVAS_PX || height > MAX_CANVAS_PX) {
		return loader_fail(ld, map,
		                   "the monitors make a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
		                   " canvas; the most is %dx%d",
		                   width, height, MAX_CANVAS_PX, MAX_CANVAS_PX);
	}
	ld->layout->canvas_width_px = (int32_t)width;
	ld->layout->canvas_height_px = (int32_t)height;
	ld->layout->monitor_cols = (int32_t)cols;
	ld->layout->monitor_rows = (int32_t)rows;
	ld->layout->monitor_width_px = (int32_t)w;
	ld->layout->monitor_height_px = (int32_t)h;
	ld->layout->bezel_px = (int32_t)bezel;
	return true;
}

static bool parse_wall(struct loader *ld, const node_t *map)
{
	static const char *const keys[] = {"canvas", "monitors", "background",    "start",
	                                   "warm",   "outputs",  "isolate",       "inspection",
	                                   "name",   "cluster",  "capture_delay", NULL};
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a mapping with canvas or monitors") ||
	    !loader_check_keys(ld, map, keys, "wall")) {
		return false;
	}
	const struct wall_yaml_pair *canvas = wall_yaml_mapping_find(map, "canvas");
	const struct wall_yaml_pair *monitors = wall_yaml_mapping_find(map, "monitors");
	if (canvas != NULL && monitors != NULL) {
		return loader_fail(ld, monitors->key, "set canvas or monitors, not both");
	}
	if (canvas == NULL && monitors == NULL) {
		return loader_fail(ld, map, "missing key \"canvas\" (or \"monitors\") in wall");
	}
	if (canvas != NULL) {
		int64_t w, h;
		if (!loader_want_size(ld, canvas->value, "a size like 1920x1080", &w, &h)) {
			return false;
		}
		ld->layout->canvas_width_px = (int32_t)w;
		ld->layout->canvas_height_px = (int32_t)h;
	} else if (!parse_monitors(ld, monitors->value)) {
		return false;
	}
	/* Each warm source holds a connection and a decoder: the limit keeps
	 * a wall of many presets from opening every camera it knows. */
	const node_t *warm = wall_yaml_mapping_get(map, "warm");
	int64_t warm_max = 0;
	if (warm != NULL && !loader_want_int(ld, warm, 0, MAX_WARM, &warm_max)) {
		return false;
	}
	ld->layout->warm_max = (int)warm_max;
	const node_t *isolate = wall_yaml_mapping_get(map, "isolate");
	if (isolate != NULL && !want_bool(ld, isolate, &ld->layout->isolate)) {
		return false;
	}
	const node_t *inspection = wall_yaml_mapping_get(map, "inspection");
	ld->layout->inspection = wall_inspection_config_default();
	if (inspection != NULL && !layout_parse_inspection(ld, inspection)) {
		return false;
	}
	const node_t *outputs = wall_yaml_mapping_get(map, "outputs");
	if (outputs != NULL && !layout_parse_outputs(ld, outputs)) {
		return false;
	}
	/* The wall's name, for reports. */
	const node_t *name = wall_yaml_mapping_get(map, "name");
	if (name != NULL) {
		if (!loader_want_text(ld, name, "the wall's name, like 茂名市指挥中心")) {
			return false;
		}
		ld->layout->name = g_strdup(name->text);
	}
	const node_t *delay = wall_yaml_mapping_get(map, "capture_delay");
	if (delay != NULL && (!loader_is_scalar(delay) ||
	                      !wall_parse_duration_ms(delay->text, &ld->layout->capture_delay_ms) ||
	                      ld->layout->capture_delay_ms > MAX_CAPTURE_DELAY_MS)) {
		return loader_fail_got(ld, delay, "a delay like 300ms, at most 1s");
	}
	const node_t *cluster = wall_yaml_mapping_get(map, "cluster");
	if (cluster != NULL) {
		if (!loader_want_text(ld, cluster, "mqtt://host:port/wall/NAME") ||
		    !wall_cluster_url_parse(cluster->text, NULL, NULL, NULL)) {
			return loader_fail_got(
			        ld, cluster, "a broker and topic like mqtt://host:1883/wall/NAME");
		}
		ld->layout->cluster_url = g_strdup(cluster->text);
		ld->layout->cluster_mark = loader_mark_of(cluster);
	}
	const node_t *background = wall_yaml_mapping_get(map, "background");
	ld->layout->background_argb = 0xff000000u;
	return background == NULL ||
	       loader_want_color(ld, background, &ld->layout->background_argb);
}

static bool parse_root(struct loader *ld, const node_t *root)
{
	static const char *const keys[] = {"wall", "sources", "scenes", "presets",
	                                   "keys", "nodes",   NULL};
	const node_t *wall, *scenes, *node;
	if (loader_is_scalar(root) && root->text[0] == '\0') {
		return loader_fail(ld, root,
		                   "the layout is empty; expected a mapping with wall, sources "
		                   "and scenes");
	}
	/* Mistakes come out in file order as far as possible, so a missing
	 * section is reported only once what is there has been read. */
	if (!loader_want_kind(ld, root, WALL_YAML_KIND_MAPPING,
	                      "a layout: a mapping with wall, sources and scenes") ||
	    !loader_check_keys(ld, root, keys, "the layout") ||
	    !loader_require(ld, root, "wall", "the layout", &wall) || !parse_wall(ld, wall)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(root, "sources")) != NULL && !parse_sources(ld, node)) {
		return false;
	}
	if (!loader_require(ld, root, "scenes", "the layout", &scenes) ||
	    !parse_scenes(ld, scenes)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(root, "presets")) != NULL && !parse_presets(ld, node)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(root, "keys")) != NULL && !layout_parse_keys(ld, node)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(root, "nodes")) != NULL &&
	    !layout_parse_nodes(ld, node)) {
		return false;
	}
	/* Scenes are known only now, so the start scene is checked last. */
	ld->layout->start_scene = g_ptr_array_index(ld->layout->scenes, 0);
	node = wall_yaml_mapping_get(wall, "start");
	return node == NULL || want_scene(ld, node, &ld->layout->start_scene);
}

struct wall_layout *wall_layout_parse(const char *path, const char *text, size_t length,
                                      wall_plugin_options_fn lookup, void *user, GError **error)
{
	node_t *root = wall_yaml_parse(path, text, length, error);
	if (root == NULL) {
		return NULL;
	}
	struct wall_layout *layout = g_new0(struct wall_layout, 1);
	char *dir = g_path_get_dirname(path);
	layout->path = g_strdup(path);
	layout->dir = g_canonicalize_filename(dir, NULL);
	g_free(dir);
	layout->sources = g_ptr_array_new_with_free_func(source_free);
	layout->scenes = g_ptr_array_new_with_free_func(scene_free);
	layout->presets = g_array_new(FALSE, FALSE, sizeof(struct wall_layout_preset));
	layout->outputs = layout_outputs_new();
	layout->nodes = layout_nodes_new();
	wall_layout_keys_init(layout);

	struct loader ld = {
	        .path = path,
	        .dir = layout->dir,
	        .error = error,
	        .lookup = lookup,
	        .user = user,
	        .layout = layout,
	};
	bool ok = parse_root(&ld, root);
	wall_yaml_node_destroy(root);
	if (!ok) {
		wall_layout_destroy(layout);
		return NULL;
	}
	return layout;
}

struct wall_layout *wall_layout_load(const char *path, wall_plugin_options_fn lookup, void *user,
                                     GError **error)
{
	char *text;
	gsize length;
	if (!g_file_get_contents(path, &text, &length, error)) {
		return NULL;
	}
	struct wall_layout *layout = wall_layout_parse(path, text, length, lookup, user, error);
	g_free(text);
	return layout;
}

void wall_layout_destroy(struct wall_layout *layout)
{
	if (layout == NULL) {
		return;
	}
	/* Scenes point at sources, so they go first. */
	g_ptr_array_unref(layout->scenes);
	g_ptr_array_unref(layout->sources);
	g_array_unref(layout->presets);
	g_ptr_array_unref(layout->outputs);
	g_ptr_array_unref(layout->nodes);
	if (layout->offscreen_source != NULL) {
		source_free(layout->offscreen_source);
	}
	g_free(layout->cluster_url);
	g_array_unref(layout->keys);
	g_free(layout->path);
	g_free(layout->name);
	g_free(layout->dir);
	g_free(layout);
}

const struct wall_layout_source *wall_layout_find_source(const struct wall_layout *layout,
                                                         const char *name)
{
	for (guint i = 0; i < layout->sources->len; i++) {
		const struct wall_layout_source *source = g_ptr_array_index(layout->sources, i);
		if (strcmp(source->name, name) == 0) {
			return source;
		}
	}
	return NULL;
}

const struct wall_layout_scene *wall_layout_find_scene(const struct wall_layout *layout,
                                                       const char *name)
{
	for (guint i = 0; i < layout->scenes->len; i++) {
		const struct wall_layout_scene *scene = g_ptr_array_index(layout->scenes, i);
		if (strcmp(scene->name, name) == 0) {
			return scene;
		}
	}
	return NULL;
}

const struct wall_layout_tile *wall_layout_find_tile(const struct wall_layout_scene *scene,
                                                     const char *id)
{
	for (guint i = 0; i < scene->tiles->len; i++) {
		const struct wall_layout_tile *tile = g_ptr_array_index(scene->tiles, i);
		if (strcmp(tile->id, id) == 0) {
			return tile;
		}
	}
	return NULL;
}

const struct wall_layout_scene *wall_layout_find_preset(const struct wall_layout *layout,
                                                        int number)
{
	for (guint i = 0; i < layout->presets->len; i++) {
		const struct wall_layout_preset *preset =
		        &g_array_index(layout->presets, struct wall_layout_preset, i);
		if (preset->number == number) {
			return preset->scene;
		}
	}
	return NULL;
}

/* Larger tiles first; equal ones keep file order (the sort is stable). */
static gint tile_area_compare(gconstpointer a, gconstpointer b)
{
	const struct wall_layout_tile *x = *(const struct wall_layout_tile *const *)a;
	const struct wall_layout_tile *y = *(const struct wall_layout_tile *const *)b;
	int64_t ax = (int64_t)x->rect.width * x->rect.height;
	int64_t ay = (int64_t)y->rect.width * y->rect.height;
	return ax > ay ? -1 : ax < ay ? 1 : 0;
}

/* The number of the first preset that shows scene, or 0 when none does. */
static int preset_of(const struct wall_layout *layout, const struct wall_layout_scene *scene)
{
	for (guint i = 0; i < layout->presets->len; i++) {
		const struct wall_layout_preset *preset =
		        &g_array_index(layout->presets, struct wall_layout_preset, i);
		if (preset->scene == scene) {
			return preset->number;
		}
	}
	return 0;
}

static bool scene_uses(const struct wall_layout_scene *scene,
                       const struct wall_layout_source *source)
{
	for (guint i = 0; i < scene->tiles->len; i++) {
		const struct wall_layout_tile *tile = scene->tiles->pdata[i];
		if (tile->source == source) {
			return true;
		}
	}
	return false;
}

/* Nearer presets first; at equal distance the one above, as hosts step forward. */
static gint preset_distance_compare(gconstpointer a, gconstpointer b, gpointer user)
{
	const struct wall_layout_preset *x = *(const struct wall_layout_preset *const *)a;
	const struct wall_layout_preset *y = *(const struct wall_layout_preset *const *)b;
	int from = *(const int *)user;
	int dx = ABS(x->number - from);
	int dy = ABS(y->number - from);
	if (dx != dy) {
		return dx < dy ? -1 : 1;
	}
	return y->number - x->number;
}

GPtrArray *wall_layout_warm_tiles(const struct wall_layout *layout,
                                  const struct wall_layout_scene *scene)
{
	GPtrArray *tiles = g_ptr_array_new();
	if (layout->warm_max <= 0) {
		return tiles;
	}
	int from = scene != NULL ? preset_of(layout, scene) : 0;
	GPtrArray *presets = g_ptr_array_new();
	for (guint i = 0; i < layout->presets->len; i++) {
		struct wall_layout_preset *preset =
		        &g_array_index(layout->presets, struct wall_layout_preset, i);
		if (preset->scene != scene) {
			g_ptr_array_add(presets, preset);
		}
	}
	g_ptr_array_sort_with_data(presets, preset_distance_compare, &from);
	GHashTable *taken = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < presets->len && tiles->len < (guint)layout->warm_max; i++) {
		const struct wall_layout_preset *preset = presets->pdata[i];
		/* Largest tiles first: a preset that cannot be warmed whole
		 * shows its main pictures at once at least. */
		/* By hand: a copy would take over the tiles' free function. */
		GPtrArray *order = g_ptr_array_sized_new(preset->scene->tiles->len);
		for (guint j = 0; j < preset->scene->tiles->len; j++) {
			g_ptr_array_add(order, preset->scene->tiles->pdata[j]);
		}
		g_ptr_array_sort(order, tile_area_compare);
		for (guint j = 0; j < order->len && tiles->len < (guint)layout->warm_max; j++) {
			const struct wall_layout_tile *tile = order->pdata[j];
			const struct wall_layout_source *source = tile->source;
			/* A source of the scene on screen runs anyway; one whose
			 * plugin is missing has nothing to keep warm. */
			if (source == NULL || source->plugin_error != NULL || tile->offscreen ||
			    g_hash_table_contains(taken, source) ||
			    (scene != NULL && scene_uses(scene, source))) {
				continue;
			}
			g_hash_table_add(taken, (void *)source);
			g_ptr_array_add(tiles, (void *)tile);
		}
		g_ptr_array_free(order, TRUE);
	}
	g_hash_table_destroy(taken);
	g_ptr_array_free(presets, TRUE);
	return tiles;
}

const struct wall_layout_option *wall_layout_source_option(const struct wall_layout_source *source,
                                                           const char *name)
{
	for (guint i = 0; i < source->options->len; i++) {
		const struct wall_layout_option *option = g_ptr_array_index(source->options, i);
		if (strcmp(option->name, name) == 0) {
			return option;
		}
	}
	return NULL;
}
