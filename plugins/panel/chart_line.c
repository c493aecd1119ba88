/*
 * line: trends over time. One or more series over shared labels, with a
 * value axis of round steps, thinned time labels and a legend.
 *
 * Data: {"labels": ["6/12", …], "series": [{"name": "在线率", "values":
 * [97.1, …]}, …]}, or a bare list of numbers for one unnamed series.
 */
#include <math.h>

#include "panel.h"

struct series {
	const char *name;
	JsonArray *values;
};

/* The series and labels of value; false with *error when malformed. */
static bool read_lines(JsonNode *value, GArray *series, JsonArray **labels, char **error)
{
	*labels = NULL;
	if (value != NULL && JSON_NODE_HOLDS_ARRAY(value)) {
		struct series one = {NULL, json_node_get_array(value)};
		g_array_append_val(series, one);
		return true;
	}
	if (value == NULL || !JSON_NODE_HOLDS_OBJECT(value)) {
		*error = g_strdup("not {labels, series}");
		return false;
	}
	JsonObject *object = json_node_get_object(value);
	JsonNode *labels_node = json_object_get_member(object, "labels");
	if (labels_node != NULL && JSON_NODE_HOLDS_ARRAY(labels_node)) {
		*labels = json_node_get_array(labels_node);
	}
	JsonNode *list = json_object_get_member(object, "series");
	if (list == NULL || !JSON_NODE_HOLDS_ARRAY(list)) {
		*error = g_strdup("missing field series");
		return false;
	}
	JsonArray *array = json_node_get_array(list);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *item = json_array_get_element(array, i);
		JsonNode *values = JSON_NODE_HOLDS_OBJECT(item)
					   ? json_object_get_member(json_node_get_object(item), "values")
					   : NULL;
		if (values == NULL || !JSON_NODE_HOLDS_ARRAY(values)) {
			*error = g_strdup_printf("series %u has no values", i + 1);
			return false;
		}
		JsonNode *name = json_object_get_member(json_node_get_object(item), "name");
		struct series one = {
			name != NULL && JSON_NODE_HOLDS_VALUE(name) ? json_node_get_string(name) : NULL,
			json_node_get_array(values),
		};
		g_array_append_val(series, one);
	}
	return true;
}

static char *check(const struct wall_host *host, struct wall_source *source, JsonNode *value)
{
	GArray *series = g_array_new(FALSE, FALSE, sizeof(struct series));
	JsonArray *labels;
	char *error = NULL;
	read_lines(value, series, &labels, &error);
	g_array_free(series, TRUE);
	return error;
}

/* A round step (1, 2 or 5 times a power of ten) for about count ticks. */
static double nice_step(double span, int count)
{
	double raw = span / MAX(count, 1);
	double power = pow(10, floor(log10(raw)));
	double fraction = raw / power;
	double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
	return nice * power;
}

static void draw(cairo_t *cr, const struct panel_view *view)
{
	const struct panel_theme *theme = view->theme;
	GArray *series = g_array_new(FALSE, FALSE, sizeof(struct series));
	JsonArray *labels;
	char *error = NULL;
	if (view->value == NULL || !read_lines(view->value, series, &labels, &error)) {
		g_free(error);
		g_array_free(series, TRUE);
		return;
	}
	double lo = INFINITY;
	double hi = -INFINITY;
	guint points = 0;
	for (guint s = 0; s < series->len; s++) {
		JsonArray *values = g_array_index(series, struct series, s).values;
		points = MAX(points, json_array_get_length(values));
		for (guint i = 0; i < json_array_get_length(values); i++) {
			double v;
			if (panel_json_number(json_array_get_element(values, i), &v)) {
				lo = MIN(lo, v);
				hi = MAX(hi, v);
			}
		}
	}
	if (points == 0 || !isfinite(lo)) {
		g_array_free(series, TRUE);
		return;
	}
	double text_px = MAX(view->body_px * 0.7, 10.0);
	double line_px = panel_text_line_px(text_px);
	int ticks = CLAMP((int)(view->height / (line_px * 2.2)), 2, 6);
	double step = nice_step(MAX(hi - lo, fabs(hi) * 0.02 + 1e-9), ticks);
	double axis_lo = floor(lo / step) * step;
	double axis_hi = ceil(hi / step) * step;
	if (axis_hi <= axis_lo) {
		axis_hi = axis_lo + step;
	}
	int decimals = step >= 1 ? 0 : (int)ceil(-log10(step));

	/* The legend across the top, when any series has a name. */
	double top = view->y;
	bool named = false;
	for (guint s = 0; s < series->len; s++) {
		named |= g_array_index(series, struct series, s).name != NULL;
	}
	if (named && view->height > line_px * 4) {
		double x = view->x;
		for (guint s = 0; s < series->len && x < view->x + view->width; s++) {
			const char *name = g_array_index(series, struct series, s).name;
			wall_argb_set_source(cr, panel_theme_series_argb(theme, s));
			cairo_rectangle(cr, x, top + line_px * 0.35, text_px * 0.8, line_px * 0.3);
			cairo_fill(cr);
			x += text_px * 1.1;
			struct panel_text style = {text_px, false, theme->text_argb, PANEL_ALIGN_LEFT};
			x += panel_text_draw(cr, theme, name != NULL ? name : "", &style, x, top,
					     view->x + view->width - x) +
			     text_px;
		}
		top += line_px * 1.2;
	}

	double axis_width = 0;
	for (double v = axis_lo; v <= axis_hi + step / 2; v += step) {
		char *text = panel_format_number(v, decimals);
		axis_width = MAX(axis_width, panel_text_width(cr, theme, text, text_px, false));
		g_free(text);
	}
	double plot_x = view->x + axis_width + text_px * 0.5;
	double plot_w = MAX(view->x + view->width - plot_x - text_px * 0.5, 1.0);
	double plot_y = top + line_px * 0.5;
	/* Room under the plot for the time labels, clear of the lowest value label. */
	double plot_h = MAX(view->y + view->height - line_px * 1.6 - plot_y, 1.0);

	struct panel_text axis_style = {text_px, false, theme->muted_argb, PANEL_ALIGN_RIGHT};
	cairo_set_line_width(cr, 1);
	for (double v = axis_lo; v <= axis_hi + step / 2; v += step) {
		double y = round(plot_y + plot_h - (v - axis_lo) / (axis_hi - axis_lo) * plot_h) + 0.5;
		wall_argb_set_source(cr, theme->grid_argb);
		cairo_move_to(cr, plot_x, y);
		cairo_line_to(cr, plot_x + plot_w, y);
		cairo_stroke(cr);
		char *text = panel_format_number(v, decimals);
		panel_text_draw(cr, theme, text, &axis_style, view->x, y - line_px / 2, axis_width);
		g_free(text);
	}

	double dx = points > 1 ? plot_w / (points - 1) : 0;
	if (labels != NULL) {
		/* Only as many labels as fit side by side, evenly spaced. */
		double label_w = text_px * 3.2;
		guint every = MAX(1u, (guint)ceil(label_w / MAX(dx, 1.0)));
		struct panel_text label_style = {text_px, false, theme->muted_argb,
						 PANEL_ALIGN_CENTER};
		for (guint i = 0; i < json_array_get_length(labels) && i < points; i += every) {
			char *text = panel_json_text(json_array_get_element(labels, i));
			double x = plot_x + i * dx;
			double left = CLAMP(x - label_w / 2, plot_x - text_px,
					    view->x + view->width - label_w);
			panel_text_draw(cr, theme, text != NULL ? text : "", &label_style, left,
					plot_y + plot_h + line_px * 0.5, label_w);
			g_free(text);
		}
	}

	double stroke = MAX(view->body_px * 0.14, 1.5);
	for (guint s = 0; s < series->len; s++) {
		JsonArray *values = g_array_index(series, struct series, s).values;
		wall_argb_set_source(cr, panel_theme_series_argb(theme, s));
		cairo_set_line_width(cr, stroke);
		cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
		bool drawing = false;
		for (guint i = 0; i < json_array_get_length(values); i++) {
			double v;
			if (!panel_json_number(json_array_get_element(values, i), &v)) {
				/* A gap in the data is a gap in the line. */
				drawing = false;
				continue;
			}
			double x = plot_x + (points > 1 ? i * dx : plot_w / 2);
			double y = plot_y + plot_h - (v - axis_lo) / (axis_hi - axis_lo) * plot_h;
			if (drawing) {
				cairo_line_to(cr, x, y);
			} else {
				cairo_move_to(cr, x, y);
				drawing = true;
			}
		}
		cairo_stroke(cr);
		for (guint i = 0; i < json_array_get_length(values); i++) {
			double v;
			if (panel_json_number(json_array_get_element(values, i), &v)) {
				double x = plot_x + (points > 1 ? i * dx : plot_w / 2);
				double y = plot_y + plot_h - (v - axis_lo) / (axis_hi - axis_lo) * plot_h;
				cairo_arc(cr, x, y, stroke * 1.4, 0, 2 * G_PI);
				cairo_fill(cr);
			}
		}
	}
	g_array_free(series, TRUE);
}

const struct panel_chart panel_chart_line = {
	.name = "line",
	.check = check,
	.draw = draw,
};
