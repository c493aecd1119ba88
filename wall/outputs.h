/*
 * Outputs: which part of the canvas each monitor shows.
 *
 * A layout may map connector names (HDMI-A-1, DP-2, Virtual-1) to a
 * monitor cell of wall.monitors or to any rectangle of the canvas, with an
 * optional mode. Without a mapping, connected connectors take the monitor
 * cells in connector order, row by row. An output always shows its crop of
 * the canvas 1:1, never scaled, so bezels stay compensated. Nothing here
 * touches hardware: the kms and sdl backends ask, and the tests check.
 */
#ifndef WALL_OUTPUTS_H
#define WALL_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "rect.h"

/** A display mode as a layout asks for it; zero fields mean "any". */
struct wall_mode_request {
	int32_t width_px;
	int32_t height_px;
	/** 0: any refresh (the preferred mode's when the size matches). */
	double refresh_hz;
};

/** One entry of wall.outputs, in file order. */
struct wall_layout_output {
	char *connector;
	/** The crop of the canvas this output shows, canvas pixels. */
	struct wall_rect rect;
	/** width_px 0: the connector's preferred mode. */
	struct wall_mode_request mode;
	struct wall_mark mark;
};

/** What one connector shows. */
struct wall_output_plan {
	struct wall_rect rect;
	struct wall_mode_request mode;
};

/**
 * Parse "WxH" or "WxH@HZ" (HZ may have decimals, as 59.94). Returns false
 * for anything else, sizes below 1 or above 16384, or a rate not in
 * (0, 1000].
 */
bool wall_parse_mode(const char *text, struct wall_mode_request *mode);

/** The canvas rectangle of monitor cell [col, row]; the whole canvas without monitors. */
struct wall_rect wall_layout_monitor_cell(const struct wall_layout *layout, int col, int row);

/**
 * What connector should show. connected_index is the connector's place
 * among the connected connectors, in connector order (cards in order,
 * then each card's connectors). Returns false when it stays dark: the
 * layout maps outputs and does not name it, or it has no cell left.
 */
bool wall_layout_output_plan(const struct wall_layout *layout, const char *connector,
                             size_t connected_index, struct wall_output_plan *plan);

/** Text like "[0,0 1024x768]" for logs and --list-outputs; free it. */
char *wall_rect_describe(const struct wall_rect *rect);

#endif
