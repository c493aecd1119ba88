/*
 * The drone tile's overlay, drawn with Cairo and Pango into a
 * transparent BGRA surface the size of the tile: the HUD figures along
 * the top and the mini-map inset in the bottom-right corner. The video
 * (or the host's slate) shows through everything else.
 */
#ifndef DRONE_HUD_H
#define DRONE_HUD_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

#include "telemetry.h"

/** A map background picture and the coordinates of its corners. */
struct map_background {
	cairo_surface_t *image;
	struct geo_point north_west;
	struct geo_point south_east;
};

struct hud_params {
	/* The time to measure ages against, µs since the epoch. */
	int64_t now_real_us;
	int64_t interval_ms;
	/* NULL for none. */
	const struct map_background *background;
	/* Show the telemetry's time of day rather than its age (recordings). */
	bool recorded;
};

/** The HUD and the map of view, onto cr, over width x height. */
void hud_draw(cairo_t *cr, int width, int height, const struct telemetry_view *view,
	      const struct hud_params *params);

/** The mini-map alone into the given box (also used by hud_draw). */
void map_draw(cairo_t *cr, double x, double y, double width, double height,
	      const struct telemetry_view *view, const struct hud_params *params, bool stale);

#endif
