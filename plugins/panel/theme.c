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
	theme->font = g_strdup(font != NULL && *font != '\0' ? font : "Noto Sans CJK SC");
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

void panel_set_argb(cairo_t *cr, uint32_t argb)
{
	cairo_set_source_rgba(cr, ((argb >> 16) & 0xff) / 255.0, ((argb >> 8) & 0xff) / 255.0,
			      (argb & 0xff) / 255.0, (argb >> 24) / 255.0);
}

PangoLayout *panel_text_layout(cairo_t *cr, const struct panel_theme *theme, const char *text,
			       double size_px, bool bold, double max_width_px)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	/*
	 * Fixed font options: the picture must not depend on the machine's
	 * fontconfig settings, or golden images would differ between hosts.
	 */
	cairo_font_options_t *options = cairo_font_options_create();
	cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
	cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(pango_layout_get_context(layout), options);
	cairo_font_options_destroy(options);
	pango_layout_context_changed(layout);

	PangoFontDescription *font = pango_font_description_from_string(theme->font);
	pango_font_description_set_absolute_size(font, MAX(size_px, 1.0) * PANGO_SCALE);
	pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(layout, font);
	pango_font_description_free(font);

	/* Tabular figures: digits keep their width, so numbers do not jump. */
	PangoAttrList *attrs = pango_attr_list_new();
	pango_attr_list_insert(attrs, pango_attr_font_features_new("tnum 1"));
	pango_layout_set_attributes(layout, attrs);
	pango_attr_list_unref(attrs);

	pango_layout_set_single_paragraph_mode(layout, TRUE);
	if (max_width_px > 0) {
		pango_layout_set_width(layout, (int)(max_width_px * PANGO_SCALE));
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
	}
	pango_layout_set_text(layout, text != NULL ? text : "", -1);
	return layout;
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
	panel_set_argb(cr, style->argb);
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
