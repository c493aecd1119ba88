/*
 * ticker: notices scrolling right to left along a strip, with the
 * title in a box on the left and "as of" on the right. Text that fits
 * stands still; text that does not scrolls in a seamless loop, and the
 * panel pushes frames at the display rate only while it does.
 *
 * Data: a list of strings, or one string; else the `text` option.
 */
#include <math.h>

#include "panel.h"

#define SEPARATOR "　　◆　　"

double panel_ticker_text_px(double width, double height, const struct panel_theme *theme)
{
	/* A strip is read along its length: its height sets the size, up to a limit. */
	return MAX(MIN(height * 0.45, width / 18.0) * theme->text_scale, 11.0);
}

char *panel_ticker_text(const struct panel_view *view)
{
	JsonNode *value = view->value;
	if (value != NULL && JSON_NODE_HOLDS_ARRAY(value)) {
		GString *text = g_string_new(NULL);
		JsonArray *array = json_node_get_array(value);
		for (guint i = 0; i < json_array_get_length(array); i++) {
			char *item = panel_json_text(json_array_get_element(array, i));
			if (item != NULL && *item != '\0') {
				g_string_append_printf(text, "%s%s", text->len > 0 ? SEPARATOR : "",
						       item);
			}
			g_free(item);
		}
		return g_string_free(text, FALSE);
	}
	char *single = panel_json_text(value);
	if (single != NULL) {
		return single;
	}
	const char *option = view->host->config_string(view->source, "text");
	return g_strdup(option != NULL ? option : "");
}

static char *check(const struct wall_host *host, struct wall_source *source, JsonNode *value)
{
	if (JSON_NODE_HOLDS_ARRAY(value) || JSON_NODE_HOLDS_VALUE(value)) {
		return NULL;
	}
	return g_strdup("not a list of notices");
}

/* Where the text runs: between the title box and the "as of" corner. */
struct strip {
	double text_px;
	double left;
	double right;
	double title_width;
	double corner_width;
};

static void measure(cairo_t *cr, const struct panel_view *view, struct strip *strip)
{
	const struct panel_theme *theme = view->theme;
	strip->text_px = panel_ticker_text_px(view->width, view->height, view->theme);
	double small = MAX(strip->text_px * 0.55, 10.0);
	strip->title_width = 0;
	if (view->title != NULL) {
		strip->title_width = MIN(panel_text_width(cr, theme, view->title, strip->text_px, true) +
						 strip->text_px,
					 view->width * 0.3);
	}
	strip->corner_width = 0;
	if (view->footer != NULL) {
		strip->corner_width =
			MIN(panel_text_width(cr, theme, view->footer, small, false) + small,
			    view->width * 0.3);
	}
	strip->left = view->x + strip->title_width + strip->text_px * 0.5;
	strip->right = view->x + view->width - strip->corner_width - strip->text_px * 0.3;
}

bool panel_ticker_overflows(cairo_t *cr, const struct panel_view *view)
{
	struct strip strip;
	measure(cr, view, &strip);
	char *text = panel_ticker_text(view);
	double width = panel_text_width(cr, view->theme, text, strip.text_px, false);
	g_free(text);
	return width > strip.right - strip.left;
}

static void draw(cairo_t *cr, const struct panel_view *view)
{
	const struct panel_theme *theme = view->theme;
	struct strip strip;
	measure(cr, view, &strip);
	double line = panel_text_line_px(strip.text_px);
	double text_y = view->y + (view->height - line) / 2;

	if (view->title != NULL) {
		wall_argb_set_source(cr, theme->accent_argb);
		cairo_rectangle(cr, view->x, view->y, strip.title_width, view->height);
		cairo_fill(cr);
		struct panel_text style = {strip.text_px, true, theme->background_argb,
					   PANEL_ALIGN_CENTER};
		panel_text_draw(cr, theme, view->title, &style, view->x, text_y, strip.title_width);
	}
	if (view->footer != NULL) {
		double small = MAX(strip.text_px * 0.55, 10.0);
		struct panel_text style = {small, false,
					   view->error != NULL ? theme->bad_argb
					   : view->stale       ? theme->warn_argb
							       : theme->muted_argb,
					   PANEL_ALIGN_RIGHT};
		const char *corner = view->error != NULL ? "⚠ " : "";
		char *text = g_strdup_printf("%s%s", corner, view->footer);
		panel_text_draw(cr, theme, text, &style, view->x + view->width - strip.corner_width,
				view->y + (view->height - panel_text_line_px(small)) / 2,
				strip.corner_width - small * 0.3);
		g_free(text);
	}

	char *text = panel_ticker_text(view);
	double room = strip.right - strip.left;
	PangoLayout *layout = panel_text_layout(cr, theme, text, strip.text_px, false, 0);
	PangoRectangle logical;
	pango_layout_get_pixel_extents(layout, NULL, &logical);
	cairo_save(cr);
	cairo_rectangle(cr, strip.left, view->y, room, view->height);
	cairo_clip(cr);
	wall_argb_set_source(cr, theme->text_argb);
	if (logical.width <= room || view->offset_px <= 0) {
		cairo_move_to(cr, strip.left - logical.x, round(text_y));
		pango_cairo_show_layout(cr, layout);
	} else {
		/* Two copies a gap apart make the loop seamless. */
		double period = logical.width + strip.text_px * 4;
		double shift = fmod(view->offset_px, period);
		for (int copy = 0; copy < 2; copy++) {
			cairo_move_to(cr, strip.left - logical.x - shift + copy * period,
				      round(text_y));
			pango_cairo_show_layout(cr, layout);
		}
	}
	cairo_restore(cr);
	g_object_unref(layout);
	g_free(text);
}

const struct panel_chart panel_chart_ticker = {
	.name = "ticker",
	.check = check,
	.draw = draw,
};
