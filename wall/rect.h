/* Integer rectangles in canvas pixels, and the geometry of fitting a
 * picture into a tile. */
#ifndef WALL_RECT_H
#define WALL_RECT_H

#include <stdbool.h>
#include <stdint.h>

struct wall_rect {
	int32_t x;
	int32_t y;
	int32_t width;
	int32_t height;
};

/** A sub-rectangle of a source picture, in source pixels. */
struct wall_crop {
	double x;
	double y;
	double width;
	double height;
};

/** How a picture fills its tile. */
enum wall_fit {
	WALL_FIT_INVALID = 0,
	/** Whole picture visible, aspect kept, bars where it does not fill. */
	WALL_FIT_CONTAIN,
	/** Tile filled, aspect kept, the overflow cropped. */
	WALL_FIT_COVER,
	/** Tile filled, aspect ignored. */
	WALL_FIT_STRETCH,
};

static inline bool wall_rect_empty(const struct wall_rect *r)
{
	return r->width <= 0 || r->height <= 0;
}

bool wall_rect_intersects(const struct wall_rect *a, const struct wall_rect *b);
struct wall_rect wall_rect_intersection(const struct wall_rect *a, const struct wall_rect *b);
/** Smallest rectangle holding both; an empty one is ignored. */
struct wall_rect wall_rect_union(const struct wall_rect *a, const struct wall_rect *b);
bool wall_rect_contains(const struct wall_rect *outer, const struct wall_rect *inner);

/**
 * Place a src_w x src_h picture in tile according to fit. Writes the part
 * of the picture to show (crop, in source pixels) and where it lands
 * (dest, inside tile). dest is smaller than tile only for CONTAIN.
 */
void wall_fit_picture(enum wall_fit fit, uint32_t src_w, uint32_t src_h,
		      const struct wall_rect *tile, struct wall_crop *crop,
		      struct wall_rect *dest);

#endif
