/*
 * bars: a ranking. One horizontal bar per row, sorted, with its rank, its
 * name and its value; the leaders and the last places stand out in the
 * theme's good and bad colours. Rows that do not fit are left out from
 * the bottom of the order shown, never squeezed into unreadable text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "panel.h"

struct row {
	char *name;
	double value;
};

static void rows_free(GArray *rows)
{
	for (guint i = 0; i < rows->len; i++) {
		g_free(g_array_index(rows, struct row, i).name);
	}
	g_array_free(rows, TRUE);
}

/*
 * The rows of value: [{name, value}, …] with the keys the layout names,
 * or {"name": value, …}. NULL with *error when it is neither.
 */
static GArray *read_rows(JsonNode *value, const char *name_key, const char *value_key,
			 char **error)
{
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct row));
	if (value != NULL && JSON_NODE_HOLDS_ARRAY(value)) {
		JsonArray *array = json_node_get_array(value);
		for (guint i = 0; i < json_array_get_length(array); i++) {
			JsonNode *item = json_array_get_element(array, i);
			struct row row = {0};
			if (!JSON_NODE_HOLDS_OBJECT(item) ||
			    !panel_json_number(
				    json_object_get_member(json_node_get_object(item), value_key),
				    &row.value)) {
				*error = g_strdup_printf("row %u has no number \"%s\"", i + 1,
							 value_key);
				goto fail;
			}
			row.name = panel_json_text(
				json_object_get_member(json_node_get_object(item), name_key));
			if (row.name == NULL) {
				row.name = g_strdup_printf("#%u", i + 1);
			}
			g_array_append_val(rows, row);
		}
		return rows;
	}
	if (value != NULL && JSON_NODE_HOLDS_OBJECT(value)) {
		JsonObjectIter iter;
		const char *name;
		JsonNode *member;
		json_object_iter_init_ordered(&iter, json_node_get_object(value));
		while (json_object_iter_next_ordered(&iter, &name, &member)) {
			struct row row = {0};
			if (!panel_json_number(member, &row.value)) {
				*error = g_strdup_printf("\"%s\" is not a number", name);
				goto fail;
			}
			row.name = g_strdup(name);
			g_array_append_val(rows, row);
		}
		return rows;
	}
	*error = g_strdup("not a list of rows");
fail:
	rows_free(rows);
	return NULL;
}

static int by_value_desc(const void *a, const void *b)
{
	double x = ((const struct row *)a)->value;
	double y = ((const struct row *)b)->value;
	return (x < y) - (x > y);
}

static int by_value_asc(const void *a, const void *b)
{
	return -by_value_desc(a, b);
}

static char *check(const struct wall_host *host, struct wall_source *source, JsonNode *value)
{
	const char *name_key = host->config_string(source, "name_key");
	const char *value_key = host->config_string(source, "value_key");
	char *error = NULL;
	GArray *rows = read_rows(value, name_key != NULL ? name_key : "name",
				 value_key != NULL ? value_key : "value", &error);
	if (rows != NULL) {
		rows_free(rows);
	}
	return error;
}

static void draw(cairo_t *cr, const struct panel_view *view)
{
	const struct panel_theme *theme = view->theme;
	const char *name_key = view->host->config_string(view->source, "name_key");
	const char *value_key = view->host->config_string(view->source, "value_key");
	char *error = NULL;
	GArray *rows = read_rows(view->value, name_key != NULL ? name_key : "name",
				 value_key != NULL ? value_key : "value", &error);
	if (rows == NULL) {
		if (view->value != NULL) {
			struct panel_text style = {view->body_px * 0.8, false, theme->bad_argb,
						   PANEL_ALIGN_LEFT};
			panel_text_draw(cr, theme, error, &style, view->x, view->y, view->width);
		}
		g_free(error);
		return;
	}
	const char *sort = view->host->config_string(view->source, "sort");
	if (g_strcmp0(sort, "asc") == 0) {
		qsort(rows->data, rows->len, sizeof(struct row), by_value_asc);
	} else if (g_strcmp0(sort, "none") != 0) {
		qsort(rows->data, rows->len, sizeof(struct row), by_value_desc);
	}
	guint count = rows->len;
	if (count == 0) {
		rows_free(rows);
		return;
	}
	int leaders = (int)view->host->config_int(view->source, "leaders", 3);
	int laggards = (int)view->host->config_int(view->source, "laggards", 1);
	int decimals = (int)view->host->config_int(view->source, "decimals", -1);
	const char *unit = view->host->config_string(view->source, "unit");
	double min = view->host->config_double(view->source, "min", 0);
	double max = view->host->config_double(view->source, "max", 0);
	/* With no scale set, the longest bar is the largest value. */
	for (guint i = 0; i < count; i++) {
		max = MAX(max, g_array_index(rows, struct row, i).value);
	}
	if (max <= min) {
		max = min + 1;
	}

	/* Rows as tall as readable text needs; fewer rows rather than tiny ones. */
	double row_px = view->height / count;
	double text_px = MIN(view->body_px, row_px / 1.6);
	guint shown = count;
	if (text_px < 11.0) {
		text_px = MIN(view->body_px, 11.0);
		shown = MAX(1u, (guint)(view->height / (text_px * 1.6)));
		shown = MIN(shown, count);
		row_px = view->height / shown;
	}
	double rank_width = panel_text_width(cr, theme, "00", text_px, true) + text_px * 0.4;
	double name_width = MIN(view->width * 0.3, text_px * 5.2);
	double value_width = 0;
	for (guint i = 0; i < count; i++) {
		char *number = panel_format_number(g_array_index(rows, struct row, i).value, decimals);
		char *text = g_strdup_printf("%s%s", number, unit != NULL ? unit : "");
		value_width = MAX(value_width, panel_text_width(cr, theme, text, text_px, false));
		g_free(text);
		g_free(number);
	}
	value_width = MIN(value_width + text_px * 0.4, view->width * 0.3);
	double bar_x = view->x + rank_width + name_width + text_px * 0.4;
	double bar_room = MAX(view->x + view->width - value_width - bar_x, 1.0);

	for (guint i = 0; i < shown; i++) {
		const struct row *row = &g_array_index(rows, struct row, i);
		double y = view->y + i * row_px;
		double text_y = y + (row_px - panel_text_line_px(text_px)) / 2;
		uint32_t bar_argb = theme->accent_argb;
		uint32_t rank_argb = theme->muted_argb;
		if ((int)i < leaders) {
			bar_argb = theme->good_argb;
			rank_argb = theme->good_argb;
		} else if ((int)(count - i) <= laggards) {
			bar_argb = theme->bad_argb;
			rank_argb = theme->bad_argb;
		}
		char *rank = g_strdup_printf("%u", i + 1);
		struct panel_text rank_style = {text_px, true, rank_argb, PANEL_ALIGN_RIGHT};
		panel_text_draw(cr, theme, rank, &rank_style, view->x, text_y,
				rank_width - text_px * 0.4);
		g_free(rank);
		struct panel_text name_style = {text_px, false, theme->text_argb, PANEL_ALIGN_LEFT};
		panel_text_draw(cr, theme, row->name, &name_style, view->x + rank_width, text_y,
				name_width);

		double bar_h = MAX(row_px * 0.46, 2.0);
		double bar_y = y + (row_px - bar_h) / 2;
		wall_argb_set_source(cr, theme->surface_argb);
		cairo_rectangle(cr, bar_x, bar_y, bar_room, bar_h);
		cairo_fill(cr);
		double fraction = CLAMP((row->value - min) / (max - min), 0.0, 1.0);
		wall_argb_set_source(cr, bar_argb);
		cairo_rectangle(cr, bar_x, bar_y, round(bar_room * fraction), bar_h);
		cairo_fill(cr);

		char *number = panel_format_number(row->value, decimals);
		char *text = g_strdup_printf("%s%s", number, unit != NULL ? unit : "");
		struct panel_text value_style = {text_px, false, theme->text_argb, PANEL_ALIGN_RIGHT};
		panel_text_draw(cr, theme, text, &value_style, bar_x + bar_room, text_y, value_width);
		g_free(text);
		g_free(number);
	}
	rows_free(rows);
}

const struct panel_chart panel_chart_bars = {
	.name = "bars",
	.check = check,
	.draw = draw,
};
