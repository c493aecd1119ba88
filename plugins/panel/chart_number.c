/*
 * number: one figure with its unit, large, and the change since the value
 * before it, green or red by whether a rise is good news.
 */
#include <math.h>

#include "panel.h"

bool panel_value_pair(JsonNode *value, double *current, double *previous, bool *has_previous)
{
	*has_previous = false;
	if (panel_json_number(value, current)) {
		return true;
	}
	/* {"value": 96.4, "previous": 95.1}: a report that states its own change. */
	if (value == NULL || !JSON_NODE_HOLDS_OBJECT(value)) {
		return false;
	}
	JsonObject *object = json_node_get_object(value);
	if (!panel_json_number(json_object_get_member(object, "value"), current)) {
		return false;
	}
	*has_previous = panel_json_number(json_object_get_member(object, "previous"), previous);
	return true;
}

uint32_t panel_threshold_argb(const struct panel_view *view, double value)
{
	double bad_below = view->host->config_double(view->source, "bad_below", 90);
	double good_above = view->host->config_double(view->source, "good_above", 98);
	if (value < bad_below) {
		return view->theme->bad_argb;
	}
	if (value > good_above) {
		return view->theme->good_argb;
	}
	return view->theme->warn_argb;
}

static char *check(const struct wall_host *host, struct wall_source *source, JsonNode *value)
{
	double current;
	double previous;
	bool has_previous;
	return panel_value_pair(value, &current, &previous, &has_previous)
		       ? NULL
		       : g_strdup("not a number");
}

static void draw(cairo_t *cr, const struct panel_view *view)
{
	double current;
	double previous = 0;
	bool has_previous = false;
	if (!panel_value_pair(view->value, &current, &previous, &has_previous)) {
		/* No value yet: the chrome says why. */
		return;
	}
	if (!has_previous && view->previous != NULL) {
		double before;
		bool ignored;
		has_previous = panel_value_pair(view->previous, &previous, &before, &ignored);
	}
	const struct panel_theme *theme = view->theme;
	int decimals = (int)view->host->config_int(view->source, "decimals", -1);
	const char *unit = view->host->config_string(view->source, "unit");
	char *number = panel_format_number(current, decimals);

	/* The figure takes most of the box; the change line sits under it. */
	double change_px = MIN(view->body_px, view->height * 0.2);
	double big_px = MIN(view->height - panel_text_line_px(change_px) * 1.1,
			    view->height * 0.62) / 1.45;
	big_px = MAX(big_px, view->body_px);
	double unit_px = big_px * 0.45;
	double number_width = panel_text_width(cr, theme, number, big_px, true);
	double unit_width = unit != NULL ? panel_text_width(cr, theme, unit, unit_px, false) : 0;
	double total = number_width + (unit != NULL ? unit_width + big_px * 0.12 : 0);
	if (total > view->width) {
		/* Too wide: shrink the figure, never cut it. */
		double scale = view->width / total;
		big_px *= scale;
		unit_px *= scale;
		number_width *= scale;
		unit_width *= scale;
		total = view->width;
	}
	double block = panel_text_line_px(big_px) + (has_previous ? panel_text_line_px(change_px) : 0);
	double top = view->y + MAX(0.0, (view->height - block) / 2);
	double left = view->x + (view->width - total) / 2;
	struct panel_text style = {big_px, true, theme->text_argb, PANEL_ALIGN_LEFT};
	panel_text_draw(cr, theme, number, &style, left, top, number_width + 2);
	if (unit != NULL) {
		struct panel_text unit_style = {unit_px, false, theme->muted_argb, PANEL_ALIGN_LEFT};
		/* On the figure's baseline, more or less. */
		double unit_top = top + (panel_text_line_px(big_px) - panel_text_line_px(unit_px)) * 0.78;
		panel_text_draw(cr, theme, unit, &unit_style, left + number_width + big_px * 0.12,
				unit_top, unit_width + 2);
	}
	if (has_previous) {
		double delta = current - previous;
		bool up_is_good = view->host->config_int(view->source, "up_is_good", 1) != 0;
		uint32_t argb = theme->muted_argb;
		const char *arrow = "■";
		if (delta > 0) {
			arrow = "▲";
			argb = up_is_good ? theme->good_argb : theme->bad_argb;
		} else if (delta < 0) {
			arrow = "▼";
			argb = up_is_good ? theme->bad_argb : theme->good_argb;
		}
		char *amount = panel_format_number(fabs(delta), decimals);
		char *line = g_strdup_printf("%s %s%s 较上次 vs last", arrow, amount,
					     unit != NULL ? unit : "");
		struct panel_text change_style = {change_px, false, argb, PANEL_ALIGN_CENTER};
		panel_text_draw(cr, theme, line, &change_style, view->x,
				top + panel_text_line_px(big_px), view->width);
		g_free(line);
		g_free(amount);
	}
	g_free(number);
}

const struct panel_chart panel_chart_number = {
	.name = "number",
	.check = check,
	.draw = draw,
};
