/*
 * The dark command-center theme and text drawing. Every colour, the font
 * and a text scale come from the layout; the sizes themselves follow the
 * tile, so a panel reads the same from across the room at any size.
 */
#include <math.h>

#include "panel.h"

void panel_theme_load(struct panel_theme *theme, const struct wall_host *host,
		      struct wall_source *source)
{
	theme->background_argb = host->config_color(source, "background", 0xff0b1620u);
	theme->surface_argb = host->config_color(source, "surface", 0xff13263au);
	theme->text_argb = host->config_color(source, "text_color", 0xffe8f1f8u);
	theme->muted_argb = host->config_color(source, "muted_color", 0xff8aa0b4u);
	theme->grid_argb = host->config_color(source, "grid_color", 0xff2a4156u);
	theme->accent_argb = host->config_color(source, "accent", 0xff33b1ffu);
	theme->good_argb = host->config_color(source, "good", 0xff2ecc71u);
	theme->warn_argb = host->config_color(source, "warn", 0xfff5a623u);
	theme->bad_argb = host->config_color(source, "bad", 0xffff4d4fu);
	const char *font = host->config_string(source, "font");
	theme->font = g_strdup(font != NULL && *font != '\0' ? font : WALL_TEXT_FONT);
	theme->text_scale = host->config_double(source, "text_scale", 1.0);
}

void panel_theme_finish(struct panel_theme *theme)
{
	g_free(theme->font);
	theme->font = NULL;
}

uint32_t panel_theme_series_argb(const struct panel_theme *theme, unsigned index)
{
	/* The accent first; then colours that stay apart on a dark ground. */
	static const uint32_t others[] = {0xfff5a623u, 0xff2ecc71u, 0xffb07cffu, 0xffff6b8bu,
					  0xff4dd9d9u};
	if (index == 0) {
		return theme->accent_argb;
	}
	return others[(index - 1) % G_N_ELEMENTS(others)];
}

PangoLayout *panel_text_layout(cairo_t *cr, const struct panel_theme *theme, const char *text,
			       double size_px, bool bold, double max_width_px)
{
	/* Tabular figures: digits keep their width, so numbers do not jump. */
	struct wall_text_font font = {
		.description = theme->font,
		.size_px = size_px,
		.bold = bold,
		.tabular = true,
		.single_line = true,
	};
	return wall_text_layout(cr, &font, text, max_width_px);
}

double panel_text_draw(cairo_t *cr, const struct panel_theme *theme, const char *text,
		       const struct panel_text *style, double x, double y, double width)
{
	if (width < 1) {
		return 0;
	}
	PangoLayout *layout = panel_text_layout(cr, theme, text, style->size_px, style->bold,
						width);
	PangoRectangle logical;
	pango_layout_get_pixel_extents(layout, NULL, &logical);
	double left = x;
	if (style->align == PANEL_ALIGN_CENTER) {
		left = x + (width - logical.width) / 2.0;
	} else if (style->align == PANEL_ALIGN_RIGHT) {
		left = x + width - logical.width;
	}
	/* The layout's own box starts at its width's left; undo its offset. */
	left -= logical.x;
	wall_argb_set_source(cr, style->argb);
	cairo_move_to(cr, round(left), round(y));
	pango_cairo_show_layout(cr, layout);
	g_object_unref(layout);
	return logical.width;
}

double panel_text_width(cairo_t *cr, const struct panel_theme *theme, const char *text,
			double size_px, bool bold)
{
	PangoLayout *layout = panel_text_layout(cr, theme, text, size_px, bold, 0);
	PangoRectangle logical;
	pango_layout_get_pixel_extents(layout, NULL, &logical);
	g_object_unref(layout);
	return logical.width;
}

double panel_text_line_px(double size_px)
{
	/* Noto Sans CJK's ascent plus descent is about 1.45 em. */
	return ceil(size_px * 1.45);
}

char *panel_format_number(double value, int decimals)
{
	if (decimals < 0) {
		decimals = fabs(value - round(value)) < 1e-9 ? 0 : 1;
	}
	char buffer[G_ASCII_DTOSTR_BUF_SIZE];
	char format[16];
	g_snprintf(format, sizeof(format), "%%.%df", MIN(decimals, 6));
	g_ascii_formatd(buffer, sizeof(buffer), format, value);
	return g_strdup(buffer);
}
