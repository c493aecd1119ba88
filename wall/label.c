#include "label.h"

#include <math.h>
#include <pango/pangocairo.h>

static void set_source_argb(cairo_t *cr, uint32_t argb)
{
	cairo_set_source_rgba(cr, ((argb >> 16) & 0xff) / 255.0, ((argb >> 8) & 0xff) / 255.0,
			      (argb & 0xff) / 255.0, (argb >> 24) / 255.0);
}

static PangoLayout *create_layout(cairo_t *cr, const char *text, const struct wall_text_style *style)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *font = pango_font_description_new();
	pango_font_description_set_family(font, WALL_UI_FONT);
	pango_font_description_set_absolute_size(font, style->size_px * PANGO_SCALE);
	pango_font_description_set_weight(font, style->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(layout, font);
	pango_font_description_free(font);
	/* Hinting off: the same text must draw the same at every size and on
	 * every machine, or golden images drift. */
	cairo_font_options_t *options = cairo_font_options_create();
	cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
	pango_cairo_context_set_font_options(pango_layout_get_context(layout), options);
	cairo_font_options_destroy(options);
	pango_layout_context_changed(layout);
	pango_layout_set_text(layout, text, -1);
	if (style->max_width_px > 2 * style->padding_px) {
		pango_layout_set_width(layout,
				       (style->max_width_px - 2 * style->padding_px) * PANGO_SCALE);
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
	}
	return layout;
}

cairo_surface_t *wall_text_render(const char *text, const struct wall_text_style *style)
{
	if (text == NULL || text[0] == '\0') {
		return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
	}
	/* Measure on a scratch surface, then draw at the exact size. */
	cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
	cairo_t *measure = cairo_create(scratch);
	PangoLayout *layout = create_layout(measure, text, style);
	PangoRectangle logical;
	pango_layout_get_pixel_extents(layout, NULL, &logical);
	g_object_unref(layout);
	cairo_destroy(measure);
	cairo_surface_destroy(scratch);

	int width = logical.width + 2 * style->padding_px;
	int height = logical.height + 2 * style->padding_px;
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
							      width > 0 ? width : 1,
							      height > 0 ? height : 1);
	cairo_t *cr = cairo_create(surface);
	if (style->box_argb != 0) {
		set_source_argb(cr, style->box_argb);
		cairo_paint(cr);
	}
	layout = create_layout(cr, text, style);
	set_source_argb(cr, style->text_argb);
	cairo_move_to(cr, style->padding_px - logical.x, style->padding_px - logical.y);
	pango_cairo_show_layout(cr, layout);
	g_object_unref(layout);
	cairo_destroy(cr);
	cairo_surface_flush(surface);
	return surface;
}

double wall_label_size_px(int tile_height_px)
{
	/* About 6.5 % of the tile, never under 16 px: a 270-line tile (a
	 * 4x4 grid on 1080p) gets 18 px and a 1080-line tile 64 px, the
	 * most that reads at 5-10 m on a 55" panel without hiding the
	 * picture. */
	double size = tile_height_px * 0.065;
	return fmin(fmax(size, 16.0), 64.0);
}
