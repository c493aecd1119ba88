#include "layout.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "yaml_tree.h"

G_DEFINE_QUARK(wall-layout-error-quark, wall_layout_error)

/* Large enough for any wall of monitors, small enough that pixel sums
 * never overflow int32. */
#define MAX_CANVAS_PX 65536
#define MAX_PRESET 99
#define MAX_WARM 256
#define DEFAULT_BORDER_ARGB 0xff3a4a5au

/* One load in progress: where messages point and what they need. */
struct loader {
	const char *path;
	char *dir;
	GError **error;
	wall_plugin_options_fn lookup;
	void *user;
	struct wall_layout *layout;
};

/* Per-scene grid, needed to place tiles given by cell. */
struct grid {
	const struct wall_yaml_node *node;
	int64_t cols;
	int64_t rows;
	int64_t gap;
};

typedef struct wall_yaml_node node_t;

static bool fail(struct loader *ld, const node_t *at, const char *format, ...) G_GNUC_PRINTF(3, 4);

static bool fail(struct loader *ld, const node_t *at, const char *format, ...)
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
static bool fail_got(struct loader *ld, const node_t *at, const char *expected)
{
	switch (at->kind) {
	case WALL_YAML_KIND_MAPPING:
		return fail(ld, at, "expected %s, got a mapping", expected);
	case WALL_YAML_KIND_SEQUENCE:
		return fail(ld, at, "expected %s, got a list", expected);
	default:
		break;
	}
	if (at->plain && at->text[0] == '\0') {
		return fail(ld, at, "expected %s, got nothing", expected);
	}
	return fail(ld, at, "expected %s, got \"%s\"", expected, at->text);
}

static bool is_scalar(const node_t *node)
{
	return node->kind == WALL_YAML_KIND_SCALAR;
}

/* A non-empty scalar, or an error saying what was expected. */
static bool want_text(struct loader *ld, const node_t *node, const char *expected)
{
	if (!is_scalar(node) || node->text[0] == '\0') {
		return fail_got(ld, node, expected);
	}
	return true;
}

static bool want_kind(struct loader *ld, const node_t *node, enum wall_yaml_kind kind,
		      const char *expected)
{
	return node->kind == kind || fail_got(ld, node, expected);
}

static bool check_keys(struct loader *ld, const node_t *map, const char *const *allowed,
		       const char *where)
{
	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		if (g_strv_contains(allowed, pair->key->text)) {
			continue;
		}
		char *names = g_strjoinv(", ", (char **)allowed);
		fail(ld, pair->key, "unknown key \"%s\" in %s; expected one of: %s",
		     pair->key->text, where, names);
		g_free(names);
		return false;
	}
	return true;
}

static bool require(struct loader *ld, const node_t *map, const char *key, const char *where,
		    const node_t **value)
{
	*value = wall_yaml_mapping_get(map, key);
	return *value != NULL || fail(ld, map, "missing key \"%s\" in %s", key, where);
}

static bool number_text(const char *text)
{
	return g_regex_match_simple("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$", text, 0,
				    0);
}

static bool parse_double(const char *text, double *value)
{
	if (!number_text(text)) {
		return false;
	}
	*value = g_ascii_strtod(text, NULL);
	return isfinite(*value);
}

static bool want_int(struct loader *ld, const node_t *node, int64_t min, int64_t max,
		     int64_t *value)
{
	if (is_scalar(node) &&
	    g_ascii_string_to_signed(node->text, 10, min, max, value, NULL)) {
		return true;
	}
	char *expected = max == INT64_MAX
				 ? g_strdup_printf("an integer of at least %" G_GINT64_FORMAT, min)
				 : g_strdup_printf("an integer from %" G_GINT64_FORMAT
						   " to %" G_GINT64_FORMAT,
						   min, max);
	fail_got(ld, node, expected);
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

static bool want_size(struct loader *ld, const node_t *node, const char *expected, int64_t *w,
		      int64_t *h)
{
	if (is_scalar(node) && parse_size(node->text, w, h)) {
		return true;
	}
	return fail_got(ld, node, expected);
}

static bool want_color(struct loader *ld, const node_t *node, uint32_t *argb)
{
	if (is_scalar(node) && wall_parse_color(node->text, argb)) {
		return true;
	}
	if (is_scalar(node) && node->plain && node->text[0] == '\0') {
		/* The usual cause: unquoted, YAML reads #rrggbb as a comment. */
		return fail(ld, node, "expected a colour, got nothing; write it in quotes: "
			    "\"#3a4a5a\"");
	}
	return fail_got(ld, node, "a colour like \"#3a4a5a\" or \"#3a4a5aff\"");
}

/* A list of exactly count integers, each at least min. */
static bool want_int_list(struct loader *ld, const node_t *node, guint count, int64_t min,
			  const char *expected, int64_t *values)
{
	if (node->kind != WALL_YAML_KIND_SEQUENCE || node->items->len != count) {
		return fail_got(ld, node, expected);
	}
	for (guint i = 0; i < count; i++) {
		if (!want_int(ld, g_ptr_array_index(node->items, i), min, MAX_CANVAS_PX,
			      &values[i])) {
			return false;
		}
	}
	return true;
}

static struct wall_mark mark_of(const node_t *node)
{
	return (struct wall_mark){node->line, node->column};
}

/* ---- Plugin options ---- */

static JsonNode *yaml_to_json(const node_t *node)
{
	JsonNode *json = json_node_alloc();
	if (node->kind == WALL_YAML_KIND_SEQUENCE) {
		JsonArray *array = json_array_new();
		for (guint i = 0; i < node->items->len; i++) {
			json_array_add_element(array, yaml_to_json(g_ptr_array_index(node->items, i)));
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
	} else if (number_text(node->text)) {
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
	bool ok = is_scalar(node) && g_strv_contains((const char *const *)words, node->text);
	if (!ok) {
		char *list = g_strjoinv(", ", words);
		char *expected = g_strdup_printf("one of %s", list);
		fail_got(ld, node, expected);
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
		return is_scalar(value) ? g_strdup(value->text) : json_text(value);
	}
	if (spec->type == WALL_OPTION_JSON) {
		return json_text(value);
	}
	if (!is_scalar(value)) {
		fail_got(ld, value, "a single value");
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
		if (!parse_double(text, &d) || !check_range(spec, d)) {
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
		if (!want_color(ld, value, &argb)) {
			return NULL;
		}
		break;
	case WALL_OPTION_ENUM:
		if (!want_enum(ld, value, spec->choices)) {
			return NULL;
		}
		break;
	case WALL_OPTION_PATH:
		if (!want_text(ld, value, "a file path")) {
			return NULL;
		}
		return g_canonicalize_filename(text, ld->dir);
	default:
		break;
	}
	return g_strdup(text);
bad:
	fail_got(ld, value, expected);
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
		return fail(ld, key, "unknown option \"%s\": plugin \"%s\" takes no options",
			    key->text, source->plugin);
	}
	GString *names = g_string_new(NULL);
	for (const struct wall_option *s = specs; s->name != NULL; s++) {
		g_string_append_printf(names, "%s%s", s == specs ? "" : ", ", s->name);
	}
	fail(ld, key, "unknown option \"%s\" for plugin \"%s\"; expected one of: %s, label",
	     key->text, source->plugin, names->str);
	g_string_free(names, TRUE);
	return false;
}

static void option_free(void *data)
{
	struct wall_layout_option *option = data;
	g_free(option->name);
	g_free(option->value);
	g_free(option);
}

static bool parse_options(struct loader *ld, struct wall_layout_source *source,
			  const node_t *map, const node_t *name)
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
		option->mark = mark_of(pair->key);
		g_ptr_array_add(source->options, option);
	}

	for (const struct wall_option *s = specs; s != NULL && s->name != NULL; s++) {
		if ((s->flags & WALL_OPTION_REQUIRED) && !wall_layout_source_option(source, s->name)) {
			return fail(ld, name, "source \"%s\" needs option \"%s\" (plugin \"%s\")",
				    source->name, s->name, source->plugin);
		}
	}
	return true;
}

/* ---- Sources ---- */

static void source_free(void *data)
{
	struct wall_layout_source *source = data;
	g_free(source->name);
	g_free(source->plugin);
	g_free(source->label);
	g_ptr_array_unref(source->options);
	g_free(source->plugin_error);
	g_free(source->dir);
	g_free(source);
}

/* A label value: text to show, or false / "" to show none (*text NULL). */
static bool want_label(struct loader *ld, const node_t *node, char **text)
{
	bool flag;
	*text = NULL;
	if (!is_scalar(node)) {
		return fail_got(ld, node, "a label, or false to hide it");
	}
	if (node->plain && wall_parse_bool(node->text, &flag)) {
		return !flag || fail_got(ld, node, "a label, or false to hide it");
	}
	if (node->text[0] != '\0') {
		*text = g_strdup(node->text);
	}
	return true;
}

static bool parse_source(struct loader *ld, const node_t *name, const node_t *map)
{
	if (!want_text(ld, name, "a source name") ||
	    !want_kind(ld, map, WALL_YAML_KIND_MAPPING, "a source: a mapping with plugin and its "
							"options")) {
		return false;
	}
	struct wall_layout_source *source = g_new0(struct wall_layout_source, 1);
	source->dir = g_strdup(ld->dir);
	source->name = g_strdup(name->text);
	source->options = g_ptr_array_new_with_free_func(option_free);
	source->mark = mark_of(name);
	/* Owned by the layout from here, so every failure below frees it. */
	g_ptr_array_add(ld->layout->sources, source);

	char *where = g_strdup_printf("source \"%s\"", name->text);
	const node_t *plugin, *label;
	bool ok = require(ld, map, "plugin", where, &plugin) &&
		  want_text(ld, plugin, "a plugin name, like camera");
	g_free(where);
	if (!ok) {
		return false;
	}
	source->plugin = g_strdup(plugin->text);
	source->plugin_mark = mark_of(plugin);
	label = wall_yaml_mapping_get(map, "label");
	if (label != NULL && !want_label(ld, label, &source->label)) {
		return false;
	}
	return parse_options(ld, source, map, name);
}

static bool parse_sources(struct loader *ld, const node_t *map)
{
	if (!want_kind(ld, map, WALL_YAML_KIND_MAPPING, "a mapping of source names to sources")) {
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

/* ---- Tiles ---- */

static void tile_free(void *data)
{
	struct wall_layout_tile *tile = data;
	g_free(tile->id);
	g_free(tile->label_own);
	if (tile->tour != NULL) {
		g_ptr_array_unref(tile->tour);
	}
	g_free(tile);
}

/* Left edge of grid column i, so that cells and gaps cover the canvas
 * exactly: the rounding remainder spreads over the cells, no seams. */
static int64_t grid_edge(int64_t i, int64_t size, int64_t gap, int64_t count)
{
	return (2 * i * (size + gap) + count) / (2 * count);
}

static bool place_cell(struct loader *ld, const struct grid *grid, const node_t *cell,
		       const node_t *span, struct wall_rect *rect)
{
	int64_t at[2], extent[2] = {1, 1};
	if (!want_int_list(ld, cell, 2, 0, "[column, row]", at) ||
	    (span != NULL && !want_int_list(ld, span, 2, 1, "[columns, rows]", extent))) {
		return false;
	}
	if (grid->node == NULL) {
		return fail(ld, cell, "a cell needs a grid: add grid: CxR to the scene");
	}
	if (at[0] >= grid->cols || at[1] >= grid->rows) {
		return fail(ld, cell,
			    "cell [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
			    "] is outside the %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " grid",
			    at[0], at[1], grid->cols, grid->rows);
	}
	if (at[0] + extent[0] > grid->cols || at[1] + extent[1] > grid->rows) {
		return fail(ld, span,
			    "span [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
			    "] from cell [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
			    "] does not fit in the %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " grid",
			    extent[0], extent[1], at[0], at[1], grid->cols, grid->rows);
	}
	int64_t w = ld->layout->canvas_width_px, h = ld->layout->canvas_height_px;
	int64_t x0 = grid_edge(at[0], w, grid->gap, grid->cols);
	int64_t x1 = grid_edge(at[0] + extent[0], w, grid->gap, grid->cols) - grid->gap;
	int64_t y0 = grid_edge(at[1], h, grid->gap, grid->rows);
	int64_t y1 = grid_edge(at[1] + extent[1], h, grid->gap, grid->rows) - grid->gap;
	*rect = (struct wall_rect){(int32_t)x0, (int32_t)y0, (int32_t)(x1 - x0),
				   (int32_t)(y1 - y0)};
	return true;
}

static bool place_rect(struct loader *ld, const node_t *node, struct wall_rect *rect)
{
	static const char expected[] =
		"[x, y, w, h] in canvas pixels (integers) or in fractions of the canvas (0 to 1)";
	if (node->kind != WALL_YAML_KIND_SEQUENCE || node->items->len != 4) {
		return fail_got(ld, node, expected);
	}
	int64_t px[4];
	double frac[4];
	bool integers = true;
	for (guint i = 0; i < 4; i++) {
		const node_t *item = g_ptr_array_index(node->items, i);
		if (!is_scalar(item) || !parse_double(item->text, &frac[i])) {
			return fail_got(ld, item, "a number");
		}
		/* As in YAML, 1 is an integer and 1.0 is not. */
		integers = integers && strpbrk(item->text, ".eE") == NULL;
	}
	int64_t cw = ld->layout->canvas_width_px, ch = ld->layout->canvas_height_px;
	if (integers) {
		for (guint i = 0; i < 4; i++) {
			/* Clamped only to keep the sums below in range; anything
			 * this large is outside the canvas anyway. */
			px[i] = llround(CLAMP(frac[i], -4.0 * MAX_CANVAS_PX, 4.0 * MAX_CANVAS_PX));
		}
	} else {
		for (guint i = 0; i < 4; i++) {
			if (frac[i] < 0 || frac[i] > 1) {
				return fail_got(ld, g_ptr_array_index(node->items, i),
						"a fraction from 0 to 1, as the rect has fractions");
			}
		}
		/* Round edges, not sizes, so fractions that meet stay seamless. */
		px[0] = llround(frac[0] * cw);
		px[1] = llround(frac[1] * ch);
		px[2] = llround((frac[0] + frac[2]) * cw) - px[0];
		px[3] = llround((frac[1] + frac[3]) * ch) - px[1];
	}
	if (px[2] <= 0 || px[3] <= 0) {
		return fail(ld, node, "rect has no area: width and height must be above 0");
	}
	if (px[0] < 0 || px[1] < 0 || px[0] + px[2] > cw || px[1] + px[3] > ch) {
		return fail(ld, node, "rect lies outside the %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
			    " canvas", cw, ch);
	}
	*rect = (struct wall_rect){(int32_t)px[0], (int32_t)px[1], (int32_t)px[2],
				   (int32_t)px[3]};
	return true;
}

static bool parse_border(struct loader *ld, const node_t *node, struct wall_layout_tile *tile)
{
	int64_t width;
	if (node->kind == WALL_YAML_KIND_MAPPING) {
		static const char *const keys[] = {"width", "color", NULL};
		const node_t *width_node, *color;
		if (!check_keys(ld, node, keys, "border") ||
		    !require(ld, node, "width", "border", &width_node) ||
		    !want_int(ld, width_node, 0, 1000, &width)) {
			return false;
		}
		color = wall_yaml_mapping_get(node, "color");
		if (color != NULL && !want_color(ld, color, &tile->border_argb)) {
			return false;
		}
	} else if (!is_scalar(node) ||
		   !g_ascii_string_to_signed(node->text, 10, 0, 1000, &width, NULL)) {
		return fail_got(ld, node, "a border width in pixels, or {width: 2, color: \"#3a4a5a\"}");
	}
	tile->border_px = (int)width;
	return true;
}

static bool parse_fit(struct loader *ld, const node_t *node, enum wall_fit *fit)
{
	static const struct {
		const char *word;
		enum wall_fit fit;
	} fits[] = {
		{"fit", WALL_FIT_CONTAIN},
		{"fill", WALL_FIT_COVER},
		{"stretch", WALL_FIT_STRETCH},
	};
	for (size_t i = 0; is_scalar(node) && i < G_N_ELEMENTS(fits); i++) {
		if (strcmp(node->text, fits[i].word) == 0) {
			*fit = fits[i].fit;
			return true;
		}
	}
	return fail_got(ld, node, "fit (letterbox), fill (crop) or stretch");
}

/* Places the tile by exactly one of cell (with span) and rect. */
static bool place_tile(struct loader *ld, const struct grid *grid, const node_t *map,
		       const char *where, struct wall_rect *rect)
{
	const struct wall_yaml_pair *cell = wall_yaml_mapping_find(map, "cell");
	const struct wall_yaml_pair *area = wall_yaml_mapping_find(map, "rect");
	const struct wall_yaml_pair *span = wall_yaml_mapping_find(map, "span");
	if (cell != NULL && area != NULL) {
		const node_t *second = cell->key->line > area->key->line ||
					       (cell->key->line == area->key->line &&
						cell->key->column > area->key->column)
				       ? cell->key
				       : area->key;
		return fail(ld, second, "%s sets both cell and rect; use one of them", where);
	}
	if (cell == NULL && area == NULL) {
		return fail(ld, map, "%s needs a place: cell: [column, row] or rect: [x, y, w, h]",
			    where);
	}
	if (area != NULL) {
		if (span != NULL) {
			return fail(ld, span->key, "span goes with cell, not with rect");
		}
		return place_rect(ld, area->value, rect);
	}
	return place_cell(ld, grid, cell->value, span != NULL ? span->value : NULL, rect);
}

static void insert_by_z(GPtrArray *tiles, struct wall_layout_tile *tile)
{
	/* Stable: a tile goes after every tile of the same z before it. */
	guint i = tiles->len;
	while (i > 0 && ((struct wall_layout_tile *)g_ptr_array_index(tiles, i - 1))->z > tile->z) {
		i--;
	}
	g_ptr_array_insert(tiles, (gint)i, tile);
}

/* A tour's shortest dwell: faster than this, nobody can read a tile. */
#define MIN_DWELL_MS 1000
#define DEFAULT_DWELL_MS 10000

static bool parse_tour(struct loader *ld, const node_t *map, const node_t *tour,
		       struct wall_layout_tile *tile)
{
	if (tour->kind != WALL_YAML_KIND_SEQUENCE || tour->items->len == 0) {
		return fail_got(ld, tour, "a tour: a list of source names, like [cam-a, cam-b]");
	}
	tile->tour = g_ptr_array_new();
	for (guint i = 0; i < tour->items->len; i++) {
		const node_t *item = g_ptr_array_index(tour->items, i);
		if (!want_text(ld, item, "a source name")) {
			return false;
		}
		const struct wall_layout_source *source =
			wall_layout_find_source(ld->layout, item->text);
		if (source == NULL) {
			return fail(ld, item, "no source named \"%s\"; define it under sources",
				    item->text);
		}
		g_ptr_array_add(tile->tour, (void *)source);
	}
	tile->source = g_ptr_array_index(tile->tour, 0);
	tile->dwell_ms = DEFAULT_DWELL_MS;
	const node_t *dwell = wall_yaml_mapping_get(map, "dwell");
	if (dwell != NULL) {
		if (!is_scalar(dwell) || !wall_parse_duration_ms(dwell->text, &tile->dwell_ms)) {
			return fail_got(ld, dwell, "a dwell time like 10s or 1m");
		}
		if (tile->dwell_ms < MIN_DWELL_MS) {
			return fail(ld, dwell, "a dwell of %s is too short to read; use at least 1s",
				    dwell->text);
		}
	}
	return true;
}

static bool parse_tile_fields(struct loader *ld, const struct grid *grid, const node_t *map,
			      const char *where, struct wall_layout_tile *tile)
{
	static const char *const keys[] = {"id",  "source", "tour",   "dwell", "cell", "span",
					   "rect", "z",     "fit",    "border", "label", NULL};
	const node_t *source = wall_yaml_mapping_get(map, "source");
	const node_t *tour = wall_yaml_mapping_get(map, "tour");
	const node_t *node;
	if (!check_keys(ld, map, keys, where)) {
		return false;
	}
	if (source != NULL && tour != NULL) {
		return fail(ld, tour, "%s has both source and tour; give one", where);
	}
	if (tour != NULL) {
		if (!parse_tour(ld, map, tour, tile)) {
			return false;
		}
	} else {
		if ((node = wall_yaml_mapping_get(map, "dwell")) != NULL) {
			return fail(ld, node, "dwell only applies to a tile with a tour");
		}
		if (!require(ld, map, "source", where, &source) ||
		    !want_text(ld, source, "a source name")) {
			return false;
		}
		tile->source = wall_layout_find_source(ld->layout, source->text);
		if (tile->source == NULL) {
			return fail(ld, source, "no source named \"%s\"; define it under sources",
				    source->text);
		}
	}
	if (!place_tile(ld, grid, map, where, &tile->rect)) {
		return false;
	}
	int64_t z = 0;
	if ((node = wall_yaml_mapping_get(map, "z")) != NULL &&
	    !want_int(ld, node, G_MININT32, G_MAXINT32, &z)) {
		return false;
	}
	tile->z = (int)z;
	tile->fit = WALL_FIT_CONTAIN;
	if ((node = wall_yaml_mapping_get(map, "fit")) != NULL && !parse_fit(ld, node, &tile->fit)) {
		return false;
	}
	tile->border_argb = DEFAULT_BORDER_ARGB;
	if ((node = wall_yaml_mapping_get(map, "border")) != NULL &&
	    !parse_border(ld, node, tile)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(map, "label")) != NULL) {
		if (!want_label(ld, node, &tile->label_own)) {
			return false;
		}
		tile->label = tile->label_own;
	} else {
		tile->label = tile->source->label;
	}
	return true;
}

static bool parse_tile(struct loader *ld, const struct grid *grid, const node_t *map,
		       GHashTable *ids, struct wall_layout_scene *scene)
{
	if (!want_kind(ld, map, WALL_YAML_KIND_MAPPING, "a tile: a mapping with id and source")) {
		return false;
	}
	const node_t *id;
	char *where = g_strdup_printf("a tile of scene \"%s\"", scene->name);
	bool ok = require(ld, map, "id", where, &id) && want_text(ld, id, "a tile id");
	g_free(where);
	if (!ok) {
		return false;
	}
	const node_t *first = g_hash_table_lookup(ids, id->text);
	if (first != NULL) {
		return fail(ld, id, "duplicate tile id \"%s\" (first at line %d, column %d)",
			    id->text, first->line, first->column);
	}
	g_hash_table_insert(ids, id->text, (gpointer)id);

	struct wall_layout_tile *tile = g_new0(struct wall_layout_tile, 1);
	tile->id = g_strdup(id->text);
	tile->mark = mark_of(map);
	where = g_strdup_printf("tile \"%s\"", id->text);
	ok = parse_tile_fields(ld, grid, map, where, tile);
	g_free(where);
	if (!ok) {
		tile_free(tile);
		return false;
	}
	insert_by_z(scene->tiles, tile);
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
	if (!want_size(ld, node, "a grid like 4x4 (columns x rows)", &grid->cols, &grid->rows)) {
		return false;
	}
	grid->node = node;
	const node_t *gap = wall_yaml_mapping_get(map, "gap");
	if (gap != NULL && !want_int(ld, gap, 0, MAX_CANVAS_PX, &grid->gap)) {
		return false;
	}
	/* Every cell must keep at least a pixel once the gaps are taken out. */
	struct wall_layout *layout = ld->layout;
	if ((layout->canvas_width_px + grid->gap) / grid->cols - grid->gap < 1 ||
	    (layout->canvas_height_px + grid->gap) / grid->rows - grid->gap < 1) {
		return fail(ld, gap != NULL ? gap : node,
			    "a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " grid with gap %" G_GINT64_FORMAT
			    " leaves no room for cells on a %dx%d canvas",
			    grid->cols, grid->rows, grid->gap, layout->canvas_width_px,
			    layout->canvas_height_px);
	}
	return true;
}

static bool parse_scene(struct loader *ld, const node_t *name, const node_t *map)
{
	static const char *const keys[] = {"grid", "gap", "tiles", NULL};
	if (!want_text(ld, name, "a scene name") ||
	    !want_kind(ld, map, WALL_YAML_KIND_MAPPING, "a scene: a mapping with tiles")) {
		return false;
	}
	struct wall_layout_scene *scene = g_new0(struct wall_layout_scene, 1);
	scene->name = g_strdup(name->text);
	scene->tiles = g_ptr_array_new_with_free_func(tile_free);
	scene->mark = mark_of(name);
	g_ptr_array_add(ld->layout->scenes, scene);

	char *where = g_strdup_printf("scene \"%s\"", name->text);
	struct grid grid;
	const node_t *tiles;
	bool ok = check_keys(ld, map, keys, where) && parse_grid(ld, map, &grid) &&
		  require(ld, map, "tiles", where, &tiles) &&
		  want_kind(ld, tiles, WALL_YAML_KIND_SEQUENCE, "a list of tiles");
	g_free(where);
	if (!ok) {
		return false;
	}
	GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; ok && i < tiles->items->len; i++) {
		ok = parse_tile(ld, &grid, g_ptr_array_index(tiles->items, i), ids, scene);
	}
	g_hash_table_unref(ids);
	return ok;
}

static bool parse_scenes(struct loader *ld, const node_t *map)
{
	if (!want_kind(ld, map, WALL_YAML_KIND_MAPPING, "a mapping of scene names to scenes")) {
		return false;
	}
	if (map->items->len == 0) {
		return fail(ld, map, "expected at least one scene");
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
	if (!want_text(ld, node, "a scene name")) {
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
	fail(ld, node, "no scene named \"%s\"; scenes: %s", node->text, names->str);
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
	if (!want_kind(ld, map, WALL_YAML_KIND_MAPPING, "a mapping of preset numbers to scenes")) {
		return false;
	}
	const node_t *seen[MAX_PRESET + 1] = {0};
	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		int64_t number;
		struct wall_layout_preset preset;
		if (!want_int(ld, pair->key, 0, MAX_PRESET, &number)) {
			return false;
		}
		/* "1" and "01" are different YAML keys but the same preset. */
		if (seen[number] != NULL) {
			return fail(ld, pair->key,
				    "preset %" G_GINT64_FORMAT " is set twice (first at line %d, "
				    "column %d)", number, seen[number]->line, seen[number]->column);
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
	if (!want_kind(ld, map, WALL_YAML_KIND_MAPPING,
		       "monitors like {cols: 2, rows: 2, size: 1920x1080, bezel: 12}") ||
	    !check_keys(ld, map, keys, "monitors") ||
	    !require(ld, map, "cols", "monitors", &cols_node) ||
	    !want_int(ld, cols_node, 1, 64, &cols) ||
	    !require(ld, map, "rows", "monitors", &rows_node) ||
	    !want_int(ld, rows_node, 1, 64, &rows) ||
	    !require(ld, map, "size", "monitors", &size_node) ||
	    !want_size(ld, size_node, "a size like 1920x1080", &w, &h)) {
		return false;
	}
	bezel_node = wall_yaml_mapping_get(map, "bezel");
	if (bezel_node != NULL && !want_int(ld, bezel_node, 0, 1000, &bezel)) {
		return false;
	}
	int64_t width = cols * w + (cols - 1) * bezel;
	int64_t height = rows * h + (rows - 1) * bezel;
	if (width > MAX_CANVAS_PX || height > MAX_CANVAS_PX) {
		return fail(ld, map,
			    "the monitors make a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
			    " canvas; the most is %dx%d", width, height, MAX_CANVAS_PX,
			    MAX_CANVAS_PX);
	}
	ld->layout->canvas_width_px = (int32_t)width;
	ld->layout->canvas_height_px = (int32_t)height;
	return true;
}

static bool parse_wall(struct loader *ld, const node_t *map)
{
	static const char *const keys[] = {"canvas", "monitors", "background", "start", "warm",
					   NULL};
	if (!want_kind(ld, map, WALL_YAML_KIND_MAPPING, "a mapping with canvas or monitors") ||
	    !check_keys(ld, map, keys, "wall")) {
		return false;
	}
	const struct wall_yaml_pair *canvas = wall_yaml_mapping_find(map, "canvas");
	const struct wall_yaml_pair *monitors = wall_yaml_mapping_find(map, "monitors");
	if (canvas != NULL && monitors != NULL) {
		return fail(ld, monitors->key, "set canvas or monitors, not both");
	}
	if (canvas == NULL && monitors == NULL) {
		return fail(ld, map, "missing key \"canvas\" (or \"monitors\") in wall");
	}
	if (canvas != NULL) {
		int64_t w, h;
		if (!want_size(ld, canvas->value, "a size like 1920x1080", &w, &h)) {
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
	if (warm != NULL && !want_int(ld, warm, 0, MAX_WARM, &warm_max)) {
		return false;
	}
	ld->layout->warm_max = (int)warm_max;
	const node_t *background = wall_yaml_mapping_get(map, "background");
	ld->layout->background_argb = 0xff000000u;
	return background == NULL || want_color(ld, background, &ld->layout->background_argb);
}

static bool parse_root(struct loader *ld, const node_t *root)
{
	static const char *const keys[] = {"wall", "sources", "scenes", "presets", NULL};
	const node_t *wall, *scenes, *node;
	if (is_scalar(root) && root->text[0] == '\0') {
		return fail(ld, root, "the layout is empty; expected a mapping with wall, sources "
			    "and scenes");
	}
	/* Mistakes come out in file order as far as possible, so a missing
	 * section is reported only once what is there has been read. */
	if (!want_kind(ld, root, WALL_YAML_KIND_MAPPING,
		       "a layout: a mapping with wall, sources and scenes") ||
	    !check_keys(ld, root, keys, "the layout") ||
	    !require(ld, root, "wall", "the layout", &wall) || !parse_wall(ld, wall)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(root, "sources")) != NULL && !parse_sources(ld, node)) {
		return false;
	}
	if (!require(ld, root, "scenes", "the layout", &scenes) || !parse_scenes(ld, scenes)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(root, "presets")) != NULL && !parse_presets(ld, node)) {
		return false;
	}
	/* Scenes are known only now, so the start scene is checked last. */
	ld->layout->start_scene = g_ptr_array_index(ld->layout->scenes, 0);
	node = wall_yaml_mapping_get(wall, "start");
	return node == NULL || want_scene(ld, node, &ld->layout->start_scene);
}

struct wall_layout *wall_layout_parse(const char *path, const char *text, size_t length,
				      wall_plugin_options_fn lookup, void *user,
				      GError **error)
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

struct wall_layout *wall_layout_load(const char *path, wall_plugin_options_fn lookup,
				     void *user, GError **error)
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
	g_free(layout->path);
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
			if (source == NULL || source->plugin_error != NULL ||
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

/* ---- Value syntax shared with the plugin host ---- */

bool wall_parse_color(const char *text, uint32_t *argb)
{
	size_t length = text != NULL ? strlen(text) : 0;
	if ((length != 7 && length != 9) || text[0] != '#') {
		return false;
	}
	uint32_t value = 0;
	for (size_t i = 1; i < length; i++) {
		int digit = g_ascii_xdigit_value(text[i]);
		if (digit < 0) {
			return false;
		}
		value = value << 4 | (uint32_t)digit;
	}
	/* Stored as written, RRGGBB[AA]; the wall wants AARRGGBB. */
	*argb = length == 7 ? 0xff000000u | value : (value >> 8) | (value << 24);
	return true;
}

bool wall_parse_duration_ms(const char *text, int64_t *ms)
{
	static const struct {
		const char *suffix;
		double ms;
	} units[] = {{"", 1000}, {"s", 1000}, {"ms", 1}, {"m", 60000}, {"h", 3600000}};
	if (text == NULL || !(g_ascii_isdigit(text[0]) || text[0] == '.') ||
	    strpbrk(text, "xX") != NULL) {
		return false;
	}
	char *end;
	double value = g_ascii_strtod(text, &end);
	if (end == text || !isfinite(value)) {
		return false;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			double result = value * units[i].ms;
			/* Beyond a year is surely a typo, and keeps int64 far away. */
			if (result > 365.0 * 24 * 3600000) {
				return false;
			}
			*ms = llround(result);
			return true;
		}
	}
	return false;
}

bool wall_parse_bool(const char *text, bool *value)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	for (size_t i = 0; text != NULL && i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(text, yes[i]) == 0) {
			*value = true;
			return true;
		}
		if (g_ascii_strcasecmp(text, no[i]) == 0) {
			*value = false;
			return true;
		}
	}
	return false;
}
