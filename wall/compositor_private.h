/*
 * The compositor itself, shared by compositor.c (scenes, sources, the
 * frame) and compositor_describe.c (status). Each part it is made of is
 * an object of its own, in wlroots' types/ style:
 *   compositor_slot.c        a running source and its picture
 *   compositor_tile.c        a tile on screen and how it is drawn
 *   compositor_tour.c        a tile's camera tour
 *   compositor_alarm.c       the alarm queue, placement and events
 *   compositor_transition.c  a scene change in progress
 *   compositor_overlay.c     a Cairo-drawn picture over a tile
 *   compositor_events.c      events as JSON texts
 * None of them knows the compositor; it knows them all.
 */
#ifndef WALL_COMPOSITOR_PRIVATE_H
#define WALL_COMPOSITOR_PRIVATE_H

#include <glib.h>

#include "compositor.h"
#include "compositor_alarm.h"
#include "compositor_slot.h"
#include "compositor_tile.h"
#include "compositor_transition.h"

struct wall_compositor {
	struct wall_renderer *renderer;
	struct wall_plugin_registry *registry;
	struct wall_stats *stats;
	const struct wall_layout *layout;
	const struct wall_layout_scene *scene;
	/* Source name -> struct source_slot *: shown, preloaded or warm. */
	GHashTable *slots;
	/* struct tile *, in drawing order (z). */
	GPtrArray *tiles;
	bool full_damage;
	struct transition transition;
	struct alarms alarms;
	/*
	 * Tiles of other presets whose sources run hidden, so a recall shows
	 * them at once (const struct wall_layout_tile *, into layout); from
	 * wall_layout_warm_tiles() on every scene change.
	 */
	GPtrArray *warm;
	/* JSON texts for wall_compositor_take_events(). */
	GPtrArray *events;
	/* struct wall_shown: new pictures on tiles that span nodes, this frame. */
	GArray *shown;
	/* Every camera's health, from the last wall_compositor_observe_cameras(); may be NULL. */
	struct wall_camera_health *cameras;
	/* Cameras ALARMed for being offline too long (name -> NULL); NULL before the first. */
	GHashTable *offline_alarms;
};


/** Member "cameras": every camera of the layout, shown or not (STATUS). */
void compositor_describe_cameras(struct wall_compositor *compositor, JsonBuilder *builder);

#endif
