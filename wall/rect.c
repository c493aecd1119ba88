#include "rect.h"

#include <math.h>

static int32_t max_i32(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

static int32_t min_i32(int32_t a, int32_t b)
{
	return a < b ? a : b;
}

bool wall_rect_intersects(const struct wall_rect *a, const struct wall_rect *b)
{
	struct wall_rect i = wall_rect_intersection(a, b);
	return !wall_rect_empty(&i);
}

struct wall_rect wall_rect_intersection(const struct wall_rect *a, const struct wall_rect *b)
{
	int32_t x0 = max_i32(a->x, b->x);
	int32_t y0 = max_i32(a->y, b->y);
	int32_t x1 = min_i32(a->x + a->width, b->x + b->width);
	int32_t y1 = min_i32(a->y + a->height, b->y + b->height);
	if (x1 <= x0 || y1 <= y0) {
		return (struct wall_rect){0};
	}
	return (struct wall_rect){x0, y0, x1 - x0, y1 - y0};
}

struct wall_rect wall_rect_union(const struct wall_rect *a, const struct wall_rect *b)
{
	if (wall_rect_empty(a)) {
		return *b;
	}
	if (wall_rect_empty(b)) {
		return *a;
	}
	int32_t x0 = min_i32(a->x, b->x);
	int32_t y0 = min_i32(a->y, b->y);
	int32_t x1 = max_i32(a->x + a->width, b->x + b->width);
	int32_t y1 = max_i32(a->y + a->height, b->y + b->height);
	return (struct wall_rect){x0, y0, x1 - x0, y1 - y0};
}

bool wall_rect_contains(const struct wall_rect *outer, const struct wall_rect *inner)
{
	return inner->x >= outer->x && inner->y >= outer->y &&
	       inner->x + inner->width <= outer->x + outer->width &&
	       inner->y + inner->height <= outer->y + outer->height;
}

void wall_fit_picture(enum wall_fit fit, uint32_t src_w, uint32_t src_h,
		      const struct wall_rect *tile, struct wall_crop *crop,
		      struct wall_rect *dest)
{
	*crop = (struct wall_crop){0, 0, src_w, src_h};
	*dest = *tile;
	if (src_w == 0 || src_h == 0 || wall_rect_empty(tile) || fit == WALL_FIT_STRETCH) {
		return;
	}
	double src_aspect = (double)src_w / src_h;
	double tile_aspect = (double)tile->width / tile->height;
	if (fit == WALL_FIT_COVER) {
		if (src_aspect > tile_aspect) {
			crop->width = src_h * tile_aspect;
			crop->x = (src_w - crop->width) / 2;
		} else {
			crop->height = src_w / tile_aspect;
			crop->y = (src_h - crop->height) / 2;
		}
		return;
	}
	/* CONTAIN: round to whole pixels so bars are crisp on both renderers. */
	if (src_aspect > tile_aspect) {
		dest->height = (int32_t)lround(tile->width / src_aspect);
		dest->y = tile->y + (tile->height - dest->height) / 2;
	} else {
		dest->width = (int32_t)lround(tile->height * src_aspect);
		dest->x = tile->x + (tile->width - dest->width) / 2;
	}
}
