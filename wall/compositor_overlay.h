/* A Cairo-drawn picture the wall lays over a tile (label, slate text, badge), uploaded once. */
#ifndef WALL_COMPOSITOR_OVERLAY_H
#define WALL_COMPOSITOR_OVERLAY_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

#include "render/renderer.h"

struct overlay {
	cairo_surface_t *surface;
	struct wall_texture texture;
	bool needs_upload;
};

/** Show surface (taken; NULL for nothing) from the next draw on. */
void compositor_overlay_set(struct overlay *overlay, cairo_surface_t *surface);
/** Free the surface and the texture. */
void compositor_overlay_finish(struct overlay *overlay, struct wall_renderer *renderer);
/** Draw at x, y at its own size, uploading it first when it changed. */
void compositor_overlay_draw(struct overlay *overlay, struct wall_renderer *renderer, int32_t x,
                             int32_t y);

#endif
