#include "text.h"

PangoLayout *wall_text_layout(cairo_t *cr, const struct wall_text_font *font, const char *text,
                              double max_width_px)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	/*
	 * Hinting off: the same text must draw the same at every size and on
	 * every machine, or golden images drift.
	 */
	cairo_font_options_t *options = cairo_font_options_create();
	cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
	cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(pango_layout_get_context(layout), options);
	cairo_font_options_destroy(options);
	pango_layout_context_changed(layout);

	PangoFontDescription *description = pango_font_description_from_string(
	        font->description != NULL ? font->description : WALL_TEXT_FONT);
	pango_font_description_set_absolute_size(description,
	                                         MAX(font->size_px, 1.0) * PANGO_SCALE);
	pango_font_description_set_weight(description,
	                                  font->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(layout, description);
	pango_font_description_free(description);

	if (font->tabular) {
		PangoAttrList *attrs = pango_attr_list_new();
		pango_attr_list_insert(attrs, pango_attr_font_features_new("tnum 1"));
		pango_layout_set_attributes(layout, attrs);
		pango_attr_list_unref(attrs);
	}
	pango_layout_set_single_paragraph_mode(layout, font->single_line);
	if (max_width_px > 0) {
		pango_layout_set_width(layout, (int)(max_width_px * PANGO_SCALE));
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
	}
	pango_layout_set_text(layout, text != NULL ? text : "", -1);
	return layout;
}
