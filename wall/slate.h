/*
 * Slates: what a tile says when it has no live picture. A tile never goes
 * black without saying why; it keeps its label and its place.
 */
#ifndef WALL_SLATE_H
#define WALL_SLATE_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

#include "source.h"

/** Background of a tile with no picture. */
#define WALL_SLATE_BACKGROUND_ARGB 0xff161b22u

struct wall_slate {
	/** Draw the source's picture (live, or stalled with a last picture). */
	bool show_frame;
	/** Darken the picture: it is not live. */
	bool dim;
	/** Big line in the middle of the tile; NULL when the picture shows. */
	char *title;
	/** Smaller line under it: the reason. May be NULL. */
	char *detail;
	/** Small badge in the top-right corner over a picture. May be NULL. */
	char *badge;
	uint32_t accent_argb;
};

/** Decide what a tile shows, now, for this health. Free with wall_slate_clear(). */
void wall_slate_describe(const struct wall_source_health *health, bool has_frame,
			 int64_t now_us, struct wall_slate *slate);
void wall_slate_clear(struct wall_slate *slate);

/** A text that changes exactly when the slate's picture changes. g_free it. */
char *wall_slate_key(const struct wall_slate *slate, int tile_width_px, int tile_height_px);

/** The title and detail block, to centre in the tile. */
cairo_surface_t *wall_slate_render_text(const struct wall_slate *slate, int tile_width_px,
					int tile_height_px);
/** The badge, for the tile's top-right corner. */
cairo_surface_t *wall_slate_render_badge(const struct wall_slate *slate, int tile_height_px);

#endif
