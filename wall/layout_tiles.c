/* Tiles: placed by grid cell or rectangle, with fit, border, label, tour. */
#include "layout_loader.h"
#include "value.h"

#include <math.h>
#include <string.h>

void layout_tile_free(void *data)
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
	if (!loader_want_int_list(ld, cell, 2, 0, "[column, row]", at) ||
	    (span != NULL && !loader_want_int_list(ld, span, 2, 1, "[columns, rows]", extent))) {
		return false;
	}
	if (grid->node == NULL) {
		return loader_fail(ld, cell, "a cell needs a grid: add grid: CxR to the scene");
	}
	if (at[0] >= grid->cols || at[1] >= grid->rows) {
		return loader_fail(ld, cell,
		                   "cell [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		                   "] is outside the %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
		                   " grid",
		                   at[0], at[1], grid->cols, grid->rows);
	}
	if (at[0] + extent[0] > grid->cols || at[1] + extent[1] > grid->rows) {
		return loader_fail(ld, span,
		                   "span [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		                   "] from cell [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		                   "] does not fit in the %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
		                   " grid",
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
		return loader_fail_got(ld, node, expected);
	}
	int64_t px[4];
	double frac[4];
	bool integers = true;
	for (guint i = 0; i < 4; i++) {
		const node_t *item = g_ptr_array_index(node->items, i);
		if (!loader_is_scalar(item) || !loader_parse_double(item->text, &frac[i])) {
			return loader_fail_got(ld, item, "a number");
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
				return loader_fail_got(
				        ld, g_ptr_array_index(node->items, i),
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
		return loader_fail(ld, node, "rect has no area: width and height must be above 0");
	}
	if (px[0] < 0 || px[1] < 0 || px[0] + px[2] > cw || px[1] + px[3] > ch) {
		return loader_fail(ld, node,
		                   "rect lies outside the %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
		                   " canvas",
		                   cw, ch);
	}
	*rect = (struct wall_rect){(int32_t)px[0], (int32_t)px[1], (int32_t)px[2], (int32_t)px[3]};
	return true;
}

static bool parse_border(struct loader *ld, const node_t *node, struct wall_layout_tile *tile)
{
	int64_t width;
	if (node->kind == WALL_YAML_KIND_MAPPING) {
		static const char *const keys[] = {"width", "color", NULL};
		const node_t *width_node, *color;
		if (!loader_check_keys(ld, node, keys, "border") ||
		    !loader_require(ld, node, "width", "border", &width_node) ||
		    !loader_want_int(ld, width_node, 0, 1000, &width)) {
			return false;
		}
		color = wall_yaml_mapping_get(node, "color");
		if (color != NULL && !loader_want_color(ld, color, &tile->border_argb)) {
			return false;
		}
	} else if (!loader_is_scalar(node) ||
	           !g_ascii_string_to_signed(node->text, 10, 0, 1000, &width, NULL)) {
		return loader_fail_got(
		        ld, node, "a border width in pixels, or {width: 2, color: \"#3a4a5a\"}");
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
	for (size_t i = 0; loader_is_scalar(node) && i < G_N_ELEMENTS(fits); i++) {
		if (strcmp(node->text, fits[i].word) == 0) {
			*fit = fits[i].fit;
			return true;
		}
	}
	return loader_fail_got(ld, node, "fit (letterbox), fill (crop) or stretch");
}

/* Places the tile by exactly one of cell (with span) and rect. */
static bool place_tile(struct loader *ld, const struct grid *grid, const node_t *map,
                       const char *where, struct wall_rect *rect)
{
	const struct wall_yaml_pair *cell = wall_yaml_mapping_find(map, "cell");
	const struct wall_yaml_pair *area = wall_yaml_mapping_find(map, "rect");
	const struct wall_yaml_pair *span = wall_yaml_mapping_find(map, "span");
	if (cell != NULL && area != NULL) {
		const node_t *second =
		        cell->key->line > area->key->line || (cell->key->line == area->key->line &&
		                                              cell->key->column > area->key->column)
		                ? cell->key
		                : area->key;
		return loader_fail(ld, second, "%s sets both cell and rect; use one of them",
		                   where);
	}
	if (cell == NULL && area == NULL) {
		return loader_fail(ld, map,
		                   "%s needs a place: cell: [column, row] or rect: [x, y, w, h]",
		                   where);
	}
	if (area != NULL) {
		if (span != NULL) {
			return loader_fail(ld, span->key, "span goes with cell, not with rect");
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
		return loader_fail_got(ld, tour,
		                       "a tour: a list of source names, like [cam-a, cam-b]");
	}
	tile->tour = g_ptr_array_new();
	for (guint i = 0; i < tour->items->len; i++) {
		const node_t *item = g_ptr_array_index(tour->items, i);
		if (!loader_want_text(ld, item, "a source name")) {
			return false;
		}
		const struct wall_layout_source *source =
		        wall_layout_find_source(ld->layout, item->text);
		if (source == NULL) {
			return loader_fail(ld, item,
			                   "no source named \"%s\"; define it under sources",
			                   item->text);
		}
		g_ptr_array_add(tile->tour, (void *)source);
	}
	tile->source = g_ptr_array_index(tile->tour, 0);
	tile->dwell_ms = DEFAULT_DWELL_MS;
	const node_t *dwell = wall_yaml_mapping_get(map, "dwell");
	if (dwell != NULL) {
		if (!loader_is_scalar(dwell) ||
		    !wall_parse_duration_ms(dwell->text, &tile->dwell_ms)) {
			return loader_fail_got(ld, dwell, "a dwell time like 10s or 1m");
		}
		if (tile->dwell_ms < MIN_DWELL_MS) {
			return loader_fail(ld, dwell,
			                   "a dwell of %s is too short to read; use at least 1s",
			                   dwell->text);
		}
	}
	return true;
}

static bool parse_tile_fields(struct loader *ld, const struct grid *grid, const node_t *map,
                              const char *where, struct wall_layout_tile *tile)
{
	static const char *const keys[] = {"id",   "source", "tour", "dwell",  "cell",  "span",
	                                   "rect", "z",      "fit",  "border", "label", NULL};
	const node_t *source = wall_yaml_mapping_get(map, "source");
	const node_t *tour = wall_yaml_mapping_get(map, "tour");
	const node_t *node;
	if (!loader_check_keys(ld, map, keys, where)) {
		return false;
	}
	if (source != NULL && tour != NULL) {
		return loader_fail(ld, tour, "%s has both source and tour; give one", where);
	}
	if (tour != NULL) {
		if (!parse_tour(ld, map, tour, tile)) {
			return false;
		}
	} else {
		if ((node = wall_yaml_mapping_get(map, "dwell")) != NULL) {
			return loader_fail(ld, node, "dwell only applies to a tile with a tour");
		}
		if (!loader_require(ld, map, "source", where, &source) ||
		    !loader_want_text(ld, source, "a source name")) {
			return false;
		}
		tile->source = wall_layout_find_source(ld->layout, source->text);
		if (tile->source == NULL) {
			return loader_fail(ld, source,
			                   "no source named \"%s\"; define it under sources",
			                   source->text);
		}
	}
	if (!place_tile(ld, grid, map, where, &tile->rect)) {
		return false;
	}
	int64_t z = 0;
	if ((node = wall_yaml_mapping_get(map, "z")) != NULL &&
	    !loader_want_int(ld, node, G_MININT32, G_MAXINT32, &z)) {
		return false;
	}
	tile->z = (int)z;
	tile->fit = WALL_FIT_CONTAIN;
	if ((node = wall_yaml_mapping_get(map, "fit")) != NULL &&
	    !parse_fit(ld, node, &tile->fit)) {
		return false;
	}
	tile->border_argb = DEFAULT_BORDER_ARGB;
	if ((node = wall_yaml_mapping_get(map, "border")) != NULL &&
	    !parse_border(ld, node, tile)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(map, "label")) != NULL) {
		if (!layout_want_label(ld, node, &tile->label_own)) {
			return false;
		}
		tile->label = tile->label_own;
	} else {
		tile->label = tile->source->label;
	}
	return true;
}

bool layout_parse_tile(struct loader *ld, const struct grid *grid, const node_t *map,
                       GHashTable *ids, struct wall_layout_scene *scene)
{
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a tile: a mapping with id and source")) {
		return false;
	}
	const node_t *id;
	char *where = g_strdup_printf("a tile of scene \"%s\"", scene->name);
	bool ok =
	        loader_require(ld, map, "id", where, &id) && loader_want_text(ld, id, "a tile id");
	g_free(where);
	if (!ok) {
		return false;
	}
	const node_t *first = g_hash_table_lookup(ids, id->text);
	if (first != NULL) {
		return loader_fail(ld, id, "duplicate tile id \"%s\" (first at line %d, column %d)",
		                   id->text, first->line, first->column);
	}
	g_hash_table_insert(ids, id->text, (gpointer)id);

	struct wall_layout_tile *tile = g_new0(struct wall_layout_tile, 1);
	tile->id = g_strdup(id->text);
	tile->mark = loader_mark_of(map);
	where = g_strdup_printf("tile \"%s\"", id->text);
	ok = parse_tile_fields(ld, grid, map, where, tile);
	g_free(where);
	if (!ok) {
		layout_tile_free(tile);
		return false;
	}
	insert_by_z(scene->tiles, tile);
	return true;
}
