/*
 * A tile's camera tour (轮巡): which stop shows, and when to move on. It
 * knows only its tile's layout, so the compositor decides what a move
 * means for the sources.
 */
#ifndef WALL_COMPOSITOR_TOUR_H
#define WALL_COMPOSITOR_TOUR_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "tour.h"

struct tour {
	/* The stop shown, and when to move on. */
	guint index;
	bool running;
	bool paused;
	int64_t deadline_us;
	int64_t left_us;
};

/** A tour of config, running when it has more than one stop; not yet timed. */
void compositor_tour_init(struct tour *tour, const struct wall_layout_tile *config);
/** The source at stop index (modulo the tour's length); config must have a tour. */
const struct wall_layout_source *compositor_tour_stop(const struct wall_layout_tile *config,
                                                      guint index);
/** A running tour starts its dwell at now_us. */
void compositor_tour_start_clock(struct tour *tour, const struct wall_layout_tile *config,
                                 int64_t now_us);
/** Move to the next stop when its time is up; true when it moved. */
bool compositor_tour_advance(struct tour *tour, const struct wall_layout_tile *config,
                             int64_t now_us);
/** Do action at now_us; false for an unknown action. */
bool compositor_tour_act(struct tour *tour, const struct wall_layout_tile *config,
                         enum wall_tour_action action, int64_t now_us);
/** Add "tour": {index, length, running, paused, dwell_ms, next} to builder. */
void compositor_tour_describe(const struct tour *tour, const struct wall_layout_tile *config,
                              JsonBuilder *builder);

#endif
