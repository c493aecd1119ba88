#include "label.h"

#include <math.h>

#include "argb.h"
#include "text.h"

static PangoLayout *create_layout(cairo_t *cr, const char *text, const struct wall_text_style *style)
{
	struct wall_text_font font = {.size_px = style->size_px, .bold = style->bold};
	double max_width_px = style->max_width_px > 2 * style->padding_px
				      ? style->max_width_px - 2 * style->padding_px
				      : 0;
	return wall_text_layout(cr, &font, text, max_width_px);
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
		wall_argb_set_source(cr, style->box_argb);
		cairo_paint(cr);
	}
	layout = create_layout(cr, text, style);
	wall_argb_set_source(cr, style->text_argb);
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
