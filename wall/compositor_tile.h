/*
 * A tile on screen: what it shows (see the top of compositor.h), its
 * slate, label and badge, its tour, whether an alarm sits on it, and how
 * it is drawn. The compositor gives it the slot of the source it shows.
 */
#ifndef WALL_COMPOSITOR_TILE_H
#define WALL_COMPOSITOR_TILE_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "compositor_overlay.h"
#include "compositor_slot.h"
#include "compositor_tour.h"
#include "layout.h"
#include "slate.h"

struct tile {
	const struct wall_layout_tile *config;
	/* The source shown now, and its slot. */
	const struct wall_layout_source *shown;
	struct source_slot *slot;
	const struct wall_layout_source *pinned;
	/* Tour tiles only. */
	struct tour tour;
	/* The source of an alarm that sits on this tile, and whether its border is lit. */
	const struct wall_layout_source *alarm_source;
	bool alarm_lit;
	/* Redraw whatever the look says: its source changed. */
	bool dirty;
	/* What the last tile event said, to send one only on change. */
	const struct wall_layout_source *reported_source;
	enum wall_source_state reported_state;
	struct wall_slate slate;
	char *slate_key;
	struct overlay label;
	struct overlay slate_text;
	struct overlay badge;
	bool damaged;
	uint64_t *shown_counter;
};

struct tile *compositor_tile_create(const struct wall_layout_tile *config);
void compositor_tile_destroy(struct tile *tile, struct wall_renderer *renderer);
/** The tile called id in tiles (struct tile *), or NULL. */
struct tile *compositor_tile_find(GPtrArray *tiles, const char *id);

/** What the tile should show now: alarm, pin, tour stop, own source, first to last. */
const struct wall_layout_source *compositor_tile_want(const struct tile *tile);
/**
 * Show source from slot; shown_counter counts its pictures shown (may be
 * NULL). Does nothing when it shows slot already.
 */
void compositor_tile_show(struct tile *tile, const struct wall_layout_source *source,
                          struct source_slot *slot, uint64_t *shown_counter);
/** Decide what the tile shows at now_us (picture or slate); true when its look changed. */
bool compositor_tile_update_look(struct tile *tile, int64_t now_us);
/** Draw the whole tile: picture or slate, overlays, border and alarm border. */
void compositor_tile_draw(struct tile *tile, struct wall_renderer *renderer);
/**
 * Grow damage over tiles (struct tile *, in drawing order) until every
 * tile touching a damaged tile is redrawn whole.
 */
void compositor_tiles_close_damage(GPtrArray *tiles);
/** Add {id, source, state, ..., pinned, alarm, tour} to builder, which is inside an array. */
void compositor_tile_describe(struct tile *tile, JsonBuilder *builder, int64_t now_us);

#endif
