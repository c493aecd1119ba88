/*
 * gauge: a percentage ring, coloured by thresholds (red under bad_below,
 * green over good_above, amber between), with the thresholds marked on
 * the ring and the figure in its middle.
 */
#include <math.h>

#include "panel.h"

static char *check(const struct wall_host *host, struct wall_source *source, JsonNode *value)
{
	double current;
	double previous;
	bool has_previous;
	return panel_value_pair(value, &current, &previous, &has_previous)
		       ? NULL
		       : g_strdup("not a number");
}

/* The ring runs clockwise from the top; fraction 0..1 is an angle. */
static double angle_of(double fraction)
{
	return -G_PI / 2 + fraction * 2 * G_PI;
}

static void draw(cairo_t *cr, const struct panel_view *view)
{
	const struct panel_theme *theme = view->theme;
	double min = view->host->config_double(view->source, "min", 0);
	double max = view->host->config_double(view->source, "max", 100);
	if (max <= min) {
		max = min + 1;
	}
	double radius = MIN(view->width, view->height) / 2 * 0.92;
	double thickness = MAX(radius * 0.16, 3.0);
	double cx = view->x + view->width / 2;
	double cy = view->y + view->height / 2;
	radius -= thickness / 2;

	cairo_set_line_width(cr, thickness);
	wall_argb_set_source(cr, theme->surface_argb);
	cairo_arc(cr, cx, cy, radius, 0, 2 * G_PI);
	cairo_stroke(cr);

	/* Threshold ticks across the ring, so the target reads at a glance. */
	const char *marks[] = {"bad_below", "good_above"};
	for (size_t i = 0; i < G_N_ELEMENTS(marks); i++) {
		double at = view->host->config_double(view->source, marks[i], i == 0 ? 90 : 98);
		if (at <= min || at >= max) {
			continue;
		}
		double a = angle_of((at - min) / (max - min));
		cairo_set_line_width(cr, MAX(thickness * 0.12, 1.5));
		wall_argb_set_source(cr, theme->muted_argb);
		cairo_move_to(cr, cx + cos(a) * (radius - thickness * 0.65),
			      cy + sin(a) * (radius - thickness * 0.65));
		cairo_line_to(cr, cx + cos(a) * (radius + thickness * 0.65),
			      cy + sin(a) * (radius + thickness * 0.65));
		cairo_stroke(cr);
	}

	double current;
	double previous;
	bool has_previous;
	if (!panel_value_pair(view->value, &current, &previous, &has_previous)) {
		return;
	}
	double fraction = CLAMP((current - min) / (max - min), 0.0, 1.0);
	uint32_t argb = panel_threshold_argb(view, current);
	if (fraction > 0) {
		cairo_set_line_width(cr, thickness);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
		wall_argb_set_source(cr, argb);
		cairo_arc(cr, cx, cy, radius, angle_of(0), angle_of(fraction));
		cairo_stroke(cr);
	}

	int decimals = (int)view->host->config_int(view->source, "decimals", 1);
	const char *unit = view->host->config_string(view->source, "unit");
	char *number = panel_format_number(current, decimals < 0 ? 1 : decimals);
	char *text = g_strdup_printf("%s%s", number, unit != NULL ? unit : "%");
	double inner = (radius - thickness / 2) * 2 * 0.86;
	double size = inner / 4.2;
	double width = panel_text_width(cr, theme, text, size, true);
	if (width > inner) {
		size *= inner / width;
	}
	struct panel_text style = {size, true, argb, PANEL_ALIGN_CENTER};
	panel_text_draw(cr, theme, text, &style, cx - inner / 2,
			cy - panel_text_line_px(size) / 2, inner);
	g_free(text);
	g_free(number);
}

const struct panel_chart panel_chart_gauge = {
	.name = "gauge",
	.check = check,
	.draw = draw,
};
