/* wall.outputs: connector names to monitor cells or canvas rectangles. */
#include "outputs.h"

#include <math.h>
#include <stdlib.h>

#include "layout_loader.h"

#define MAX_MODE_SIDE_PX 16384
#define OUTPUT_SHAPES                                                                              \
	"a monitor cell [column, row], {cell: [column, row], mode: WxH@Hz} or "                    \
	"{rect: [x, y, width, height]}"

static bool parse_positive(const char *text, char **end, int64_t max, int64_t *value)
{
	if (!g_ascii_isdigit(*text)) {
		return false;
	}
	guint64 number = g_ascii_strtoull(text, end, 10);
	*value = (int64_t)number;
	return number >= 1 && number <= (guint64)max;
}

bool wall_parse_mode(const char *text, struct wall_mode_request *mode)
{
	int64_t w, h;
	char *end;
	if (!parse_positive(text, &end, MAX_MODE_SIDE_PX, &w) || *end != 'x' ||
	    !parse_positive(end + 1, &end, MAX_MODE_SIDE_PX, &h)) {
		return false;
	}
	double hz = 0;
	if (*end == '@') {
		const char *rate = end + 1;
		if (!g_ascii_isdigit(*rate)) {
			return false;
		}
		hz = g_ascii_strtod(rate, &end);
		if (!isfinite(hz) || hz <= 0 || hz > 1000) {
			return false;
		}
	}
	if (*end != '\0') {
		return false;
	}
	*mode = (struct wall_mode_request){(int32_t)w, (int32_t)h, hz};
	return true;
}

struct wall_rect wall_layout_monitor_cell(const struct wall_layout *layout, int col, int row)
{
	if (layout->monitor_cols == 0) {
		return (struct wall_rect){0, 0, layout->canvas_width_px, layout->canvas_height_px};
	}
	return (struct wall_rect){
	        col * (layout->monitor_width_px + layout->bezel_px),
	        row * (layout->monitor_height_px + layout->bezel_px),
	        layout->monitor_width_px,
	        layout->monitor_height_px,
	};
}

bool wall_layout_output_plan(const struct wall_layout *layout, const char *connector,
                             size_t connected_index, struct wall_output_plan *plan)
{
	*plan = (struct wall_output_plan){0};
	if (layout->outputs != NULL && layout->outputs->len > 0) {
		for (guint i = 0; i < layout->outputs->len; i++) {
			const struct wall_layout_output *output = layout->outputs->pdata[i];
			if (g_strcmp0(output->connector, connector) == 0) {
				plan->rect = output->rect;
				plan->mode = output->mode;
				return true;
			}
		}
		return false;
	}
	size_t cols = layout->monitor_cols > 0 ? (size_t)layout->monitor_cols : 1;
	size_t rows = layout->monitor_rows > 0 ? (size_t)layout->monitor_rows : 1;
	if (connected_index >= cols * rows) {
		return false;
	}
	plan->rect = wall_layout_monitor_cell(layout, (int)(connected_index % cols),
	                                      (int)(connected_index / cols));
	/* A monitor cell asks for a mode of its own size; a plain canvas
	 * takes whatever the monitor prefers. */
	if (layout->monitor_cols > 0) {
		plan->mode.width_px = plan->rect.width;
		plan->mode.height_px = plan->rect.height;
	}
	return true;
}

char *wall_rect_describe(const struct wall_rect *rect)
{
	return g_strdup_printf("[%d,%d %dx%d]", rect->x, rect->y, rect->width, rect->height);
}

static void output_free(void *data)
{
	struct wall_layout_output *output = data;
	g_free(output->connector);
	g_free(output);
}

static bool place_cell(struct loader *ld, const node_t *node, struct wall_rect *rect)
{
	const struct wall_layout *layout = ld->layout;
	int64_t cell[2];
	if (!loader_want_int_list(ld, node, 2, 0, "a monitor cell [column, row]", cell)) {
		return false;
	}
	int cols = layout->monitor_cols > 0 ? layout->monitor_cols : 1;
	int rows = layout->monitor_rows > 0 ? layout->monitor_rows : 1;
	if (cell[0] >= cols || cell[1] >= rows) {
		return loader_fail(ld, node,
		                   "cell [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		                   "] is outside the %dx%d monitors%s",
		                   cell[0], cell[1], cols, rows,
		                   layout->monitor_cols > 0 ? "" : " (canvas: is one monitor)");
	}
	*rect = wall_layout_monitor_cell(layout, (int)cell[0], (int)cell[1]);
	return true;
}

static bool place_rect(struct loader *ld, const node_t *node, struct wall_rect *rect)
{
	const struct wall_layout *layout = ld->layout;
	int64_t px[4];
	if (!loader_want_int_list(ld, node, 4, 0, "a rect [x, y, width, height] in pixels", px)) {
		return false;
	}
	if (px[2] < 1 || px[3] < 1) {
		return loader_fail(ld, node, "rect has no area: width and height must be above 0");
	}
	if (px[0] + px[2] > layout->canvas_width_px || px[1] + px[3] > layout->canvas_height_px) {
		return loader_fail(ld, node, "rect lies outside the %dx%d canvas",
		                   layout->canvas_width_px, layout->canvas_height_px);
	}
	*rect = (struct wall_rect){(int32_t)px[0], (int32_t)px[1], (int32_t)px[2], (int32_t)px[3]};
	return true;
}

static bool parse_output_map(struct loader *ld, const node_t *map, const char *where,
                             struct wall_layout_output *output)
{
	static const char *const keys[] = {"cell", "rect", "mode", NULL};
	if (!loader_check_keys(ld, map, keys, where)) {
		return false;
	}
	const struct wall_yaml_pair *cell = wall_yaml_mapping_find(map, "cell");
	const struct wall_yaml_pair *area = wall_yaml_mapping_find(map, "rect");
	if (cell != NULL && area != NULL) {
		return loader_fail(ld, area->key, "%s sets both cell and rect; use one of them",
		                   where);
	}
	if (cell == NULL && area == NULL) {
		return loader_fail(ld, map, "%s needs cell: [column, row] or rect: [x, y, w, h]",
		                   where);
	}
	if (cell != NULL ? !place_cell(ld, cell->value, &output->rect)
	                 : !place_rect(ld, area->value, &output->rect)) {
		return false;
	}
	const node_t *mode = wall_yaml_mapping_get(map, "mode");
	if (mode != NULL &&
	    (!loader_is_scalar(mode) || !wall_parse_mode(mode->text, &output->mode))) {
		return loader_fail_got(ld, mode, "a mode like 1920x1080 or 1920x1080@60");
	}
	return true;
}

bool layout_parse_outputs(struct loader *ld, const node_t *map)
{
	struct wall_layout *layout = ld->layout;
	if (!loader_want_kind(
	            ld, map, WALL_YAML_KIND_MAPPING,
	            "a mapping of connector names (HDMI-A-1, DP-2, ...) to " OUTPUT_SHAPES)) {
		return false;
	}
	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		if (!loader_want_text(ld, pair->key, "a connector name like HDMI-A-1")) {
			return false;
		}
		struct wall_layout_output *output = g_new0(struct wall_layout_output, 1);
		output->connector = g_strdup(pair->key->text);
		output->mark = loader_mark_of(pair->key);
		g_ptr_array_add(layout->outputs, output);

		const node_t *value = pair->value;
		char *where = g_strdup_printf("output \"%s\"", pair->key->text);
		bool ok;
		if (value->kind == WALL_YAML_KIND_SEQUENCE) {
			ok = place_cell(ld, value, &output->rect);
		} else if (value->kind == WALL_YAML_KIND_MAPPING) {
			ok = parse_output_map(ld, value, where, output);
		} else {
			ok = loader_fail_got(ld, value, OUTPUT_SHAPES);
		}
		g_free(where);
		if (!ok) {
			return false;
		}
	}
	return true;
}

GPtrArray *layout_outputs_new(void)
{
	return g_ptr_array_new_with_free_func(output_free);
}
