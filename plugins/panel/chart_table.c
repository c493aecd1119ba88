/*
 * table: rows and columns, with a header, alignment and relative column
 * widths; cells that do not fit are ellipsized, rows that do not fit are
 * left out.
 *
 * Data: {"columns": [...], "rows": [[...], ...]}, or a list of objects.
 * Columns come from the layout's `columns` option when set, else from the
 * data: each is a title, or {title, key, align, width}.
 */
#include <string.h>

#include "panel.h"

struct column {
	char *title;
	char *key;
	enum panel_align align;
	double weight;
};

static void columns_free(GArray *columns)
{
	for (guint i = 0; i < columns->len; i++) {
		struct column *column = &g_array_index(columns, struct column, i);
		g_free(column->title);
		g_free(column->key);
	}
	g_array_free(columns, TRUE);
}

static const char *member_string(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);
	return node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
			       json_node_get_value_type(node) == G_TYPE_STRING
		       ? json_node_get_string(node)
		       : NULL;
}

static void add_columns(GArray *columns, JsonArray *list)
{
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonNode *item = json_array_get_element(list, i);
		struct column column = {.weight = 1, .align = PANEL_ALIGN_LEFT};
		if (JSON_NODE_HOLDS_OBJECT(item)) {
			JsonObject *object = json_node_get_object(item);
			column.title = g_strdup(member_string(object, "title"));
			column.key = g_strdup(member_string(object, "key"));
			const char *align = member_string(object, "align");
			if (g_strcmp0(align, "right") == 0) {
				column.align = PANEL_ALIGN_RIGHT;
			} else if (g_strcmp0(align, "center") == 0) {
				column.align = PANEL_ALIGN_CENTER;
			}
			double weight;
			if (panel_json_number(json_object_get_member(object, "width"), &weight) &&
			    weight > 0) {
				column.weight = weight;
			}
		} else {
			column.title = panel_json_text(item);
		}
		if (column.title == NULL) {
			column.title = g_strdup(column.key != NULL ? column.key : "");
		}
		g_array_append_val(columns, column);
	}
}

/* The rows of value, or NULL with *error. */
static JsonArray *table_rows(JsonNode *value, JsonArray **data_columns, char **error)
{
	*data_columns = NULL;
	if (value != NULL && JSON_NODE_HOLDS_ARRAY(value)) {
		return json_node_get_array(value);
	}
	if (value != NULL && JSON_NODE_HOLDS_OBJECT(value)) {
		JsonObject *object = json_node_get_object(value);
		JsonNode *columns = json_object_get_member(object, "columns");
		if (columns != NULL && JSON_NODE_HOLDS_ARRAY(columns)) {
			*data_columns = json_node_get_array(columns);
		}
		JsonNode *rows = json_object_get_member(object, "rows");
		if (rows != NULL && JSON_NODE_HOLDS_ARRAY(rows)) {
			return json_node_get_array(rows);
		}
		*error = g_strdup("missing field rows");
		return NULL;
	}
	*error = g_strdup("not a table");
	return NULL;
}

static char *check(const struct wall_host *host, struct wall_source *source, JsonNode *value)
{
	JsonArray *columns;
	char *error = NULL;
	table_rows(value, &columns, &error);
	return error;
}

static GArray *columns_for(const struct panel_view *view, JsonArray *data_columns,
			   JsonArray *rows)
{
	GArray *columns = g_array_new(FALSE, FALSE, sizeof(struct column));
	const char *option = view->host->config_string(view->source, "columns");
	if (option != NULL) {
		JsonNode *parsed = json_from_string(option, NULL);
		if (parsed != NULL && JSON_NODE_HOLDS_ARRAY(parsed)) {
			add_columns(columns, json_node_get_array(parsed));
		}
		if (parsed != NULL) {
			json_node_unref(parsed);
		}
	}
	if (columns->len == 0 && data_columns != NULL) {
		add_columns(columns, data_columns);
	}
	if (columns->len == 0 && json_array_get_length(rows) > 0) {
		/* Objects with no columns named: their own keys, in order. */
		JsonNode *first = json_array_get_element(rows, 0);
		if (JSON_NODE_HOLDS_OBJECT(first)) {
			GList *names = json_object_get_members(json_node_get_object(first));
			for (GList *l = names; l != NULL; l = l->next) {
				struct column column = {g_strdup(l->data), g_strdup(l->data),
							PANEL_ALIGN_LEFT, 1};
				g_array_append_val(columns, column);
			}
			g_list_free(names);
		}
	}
	return columns;
}

static char *cell_text(JsonNode *row, const struct column *column, guint index)
{
	JsonNode *cell = NULL;
	if (JSON_NODE_HOLDS_ARRAY(row)) {
		JsonArray *array = json_node_get_array(row);
		cell = index < json_array_get_length(array) ? json_array_get_element(array, index)
							    : NULL;
	} else if (JSON_NODE_HOLDS_OBJECT(row)) {
		cell = json_object_get_member(json_node_get_object(row),
					      column->key != NULL ? column->key : column->title);
	}
	char *text = panel_json_text(cell);
	return text != NULL ? text : g_strdup("");
}

static void draw(cairo_t *cr, const struct panel_view *view)
{
	const struct panel_theme *theme = view->theme;
	JsonArray *data_columns;
	char *error = NULL;
	JsonArray *rows = table_rows(view->value, &data_columns, &error);
	g_free(error);
	if (rows == NULL) {
		return;
	}
	GArray *columns = columns_for(view, data_columns, rows);
	if (columns->len == 0) {
		columns_free(columns);
		return;
	}
	double total_weight = 0;
	for (guint c = 0; c < columns->len; c++) {
		total_weight += g_array_index(columns, struct column, c).weight;
	}
	guint count = json_array_get_length(rows);
	double text_px = MAX(MIN(view->body_px * 0.85, view->height / ((count + 1) * 1.7)), 11.0);
	/* Smaller text, down to what reads, before any cell is ellipsized. */
	double pad = text_px * 0.35;
	double scale = 1.0;
	for (guint c = 0; c < columns->len; c++) {
		const struct column *column = &g_array_index(columns, struct column, c);
		double room = view->width * column->weight / total_weight - 2 * pad;
		/* Cells decide; a long header may be ellipsized. */
		double need = 0;
		for (guint r = 0; r < count; r++) {
			char *text = cell_text(json_array_get_element(rows, r), column, c);
			need = MAX(need, panel_text_width(cr, theme, text, text_px, false));
			g_free(text);
		}
		if (need > room && need > 0) {
			scale = MIN(scale, room / need);
		}
	}
	text_px = MAX(text_px * MAX(scale, 0.6), 11.0);
	pad = text_px * 0.35;
	double row_px = panel_text_line_px(text_px) * 1.15;
	guint shown = MIN(count, (guint)MAX(0.0, view->height / row_px - 1));

	for (guint r = 0; r <= shown; r++) {
		double y = view->y + r * row_px;
		if (r == 0) {
			wall_argb_set_source(cr, theme->grid_argb);
			cairo_rectangle(cr, view->x, y + row_px - 2, view->width, 2);
			cairo_fill(cr);
		} else if (r % 2 == 0) {
			wall_argb_set_source(cr, theme->surface_argb);
			cairo_rectangle(cr, view->x, y, view->width, row_px);
			cairo_fill(cr);
		}
		JsonNode *row = r > 0 ? json_array_get_element(rows, r - 1) : NULL;
		double x = view->x;
		for (guint c = 0; c < columns->len; c++) {
			const struct column *column = &g_array_index(columns, struct column, c);
			double width = view->width * column->weight / total_weight;
			char *text = r == 0 ? g_strdup(column->title) : cell_text(row, column, c);
			struct panel_text style = {text_px, r == 0,
						   r == 0 ? theme->muted_argb : theme->text_argb,
						   column->align};
			panel_text_draw(cr, theme, text, &style, x + pad,
					y + (row_px - panel_text_line_px(text_px)) / 2,
					width - 2 * pad);
			g_free(text);
			x += width;
		}
	}
	columns_free(columns);
}

const struct panel_chart panel_chart_table = {
	.name = "table",
	.check = check,
	.draw = draw,
};
