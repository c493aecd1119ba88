/*
 * Text for the wall's own overlays (tile labels, slates, badges): laid out
 * with Pango (common/text.h, as plugins lay theirs out), so Chinese renders
 * with Noto Sans CJK, and drawn into a small
 * Cairo ARGB32 surface that the caller caches until the text changes.
 */
#ifndef WALL_LABEL_H
#define WALL_LABEL_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

struct wall_text_style {
	double size_px;
	uint32_t text_argb;
	/** Box behind the text; 0 for none. */
	uint32_t box_argb;
	int padding_px;
	/** Text wider than this is ellipsized at the end; 0 for no limit. */
	int max_width_px;
	bool bold;
};

/** A new surface holding text in a box. Never NULL; an empty text gives a 1x1 surface. */
cairo_surface_t *wall_text_render(const char *text, const struct wall_text_style *style);

/** Label size for a tile of this height, readable across a room. */
double wall_label_size_px(int tile_height_px);

#endif
