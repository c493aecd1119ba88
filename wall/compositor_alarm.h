/*
 * Alarms: the queue of sources popped onto the wall, which one shows,
 * where it sits (its own tile if the scene has it, else the largest), its
 * flashing border, and the alarm events (queued, start, end). It marks the
 * tiles it changes dirty; the compositor then gives them their sources.
 */
#ifndef WALL_COMPOSITOR_ALARM_H
#define WALL_COMPOSITOR_ALARM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "compositor.h"
#include "compositor_tile.h"

struct alarm_entry {
	const struct wall_layout_source *source;
	char *tile_id;
	int64_t duration_us;
	int priority;
	uint64_t seq;
	/* While shown: when it ends, and the tile it sits on. */
	int64_t start_us;
	int64_t end_us;
	struct tile *tile;
};

struct alarms {
	/* The alarm shown, or NULL, and the ones waiting (struct alarm_entry *). */
	struct alarm_entry *shown;
	GPtrArray *queue;
	uint64_t seq;
	/* Where events go (JSON texts); borrowed. */
	GPtrArray *events;
	/* The tiles on screen (struct tile *); borrowed. */
	GPtrArray *tiles;
};

/** events and tiles must outlive alarms. */
void compositor_alarms_init(struct alarms *alarms, GPtrArray *events, GPtrArray *tiles);
/** Free every alarm, with no events. */
void compositor_alarms_finish(struct alarms *alarms);

/** Queue alarm at now_us; returns its place in the queue, 0 when it shows now. */
int compositor_alarms_push(struct alarms *alarms, const struct wall_alarm *alarm, int64_t now_us);
/** End the alarm shown and drop the queue. Returns how many there were. */
int compositor_alarms_clear(struct alarms *alarms);
/** End and unqueue the alarms of source; true when the one shown ended. */
bool compositor_alarms_end_source(struct alarms *alarms, const char *source, int64_t now_us);
/** End the alarm shown when its time is up at now_us, and show the next; true when one ended. */
bool compositor_alarms_expire(struct alarms *alarms, int64_t now_us);
/** Flash the shown alarm's border at now_us. */
void compositor_alarms_flash(struct alarms *alarms, int64_t now_us);

/** Take the shown alarm off its tile, before the tiles go. */
void compositor_alarms_unplace(struct alarms *alarms);
/** Put the shown alarm on a tile of the tiles on screen now. */
void compositor_alarms_place(struct alarms *alarms);

#endif
