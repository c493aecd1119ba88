/*
 * The compositor: runs the sources of the scene on screen and composes
 * the canvas once per frame, on the render thread.
 *
 * Each frame it takes every source's newest picture, decides what each
 * tile shows (picture, dimmed picture, or a slate saying why not), and
 * redraws only the tiles whose picture or overlay changed, plus the tiles
 * above them (damage tracking). A wall of still tiles costs nearly nothing.
 *
 * What a tile shows is, first to last: an alarm popped onto it, a source
 * pinned to it, the current stop of its tour, its layout source. Scene
 * changes may fade or wipe from the old picture, kept as a snapshot of the
 * canvas. Everything here runs on the render thread.
 */
#ifndef WALL_COMPOSITOR_H
#define WALL_COMPOSITOR_H

#include "inspection/camera_health.h"
#include <cairo.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "tour.h"
#include "transition.h"

struct wall_plugin_registry;
struct wall_renderer;
struct wall_stats;
struct wall_compositor;

/** renderer, registry and stats must outlive the compositor; stats may be NULL. */
struct wall_compositor *wall_compositor_create(struct wall_renderer *renderer,
					       struct wall_plugin_registry *registry,
					       struct wall_stats *stats);
/** Destroys every source and texture. Accepts NULL. */
void wall_compositor_destroy(struct wall_compositor *compositor);

/**
 * Show scene, from layout (which must outlive its use here), with a cut.
 * Sources the new scene shares with the old one keep running untouched;
 * so do those the layout keeps warm for other presets (wall.warm, see
 * wall_layout_warm_tiles), hidden; the others stop. Pins end; alarms
 * move to the new scene. The next render redraws the whole canvas.
 */
void wall_compositor_set_scene(struct wall_compositor *compositor,
			       const struct wall_layout *layout,
			       const struct wall_layout_scene *scene);

/**
 * Same, going from the picture on screen now to the new scene by
 * transition over duration_ms, starting at now_us. A transition still
 * running ends where it is: the new one starts from the picture shown.
 */
void wall_compositor_show_scene(struct wall_compositor *compositor,
				const struct wall_layout *layout,
				const struct wall_layout_scene *scene,
				enum wall_transition_kind transition, int64_t duration_ms,
				int64_t now_us);

/**
 * Move to a new layout (after a reload) on scene, a scene of layout.
 * Sources whose definition did not change keep running. The old layout
 * may be freed once this returns.
 */
void wall_compositor_set_layout(struct wall_compositor *compositor,
				const struct wall_layout *layout,
				const struct wall_layout_scene *scene);

const struct wall_layout_scene *wall_compositor_get_scene(const struct wall_compositor *compositor);

/** Show source on the tile called tile_id, or with NULL its own again. False: no such tile. */
bool wall_compositor_pin(struct wall_compositor *compositor, const char *tile_id,
			 const struct wall_layout_source *source);
typedef void (*wall_compositor_pin_fn)(void *user, const char *tile_id, const char *source);
/** Every pin of the scene shown, in tile order. */
void wall_compositor_foreach_pin(struct wall_compositor *compositor, wall_compositor_pin_fn fn,
				 void *user);

enum wall_tour_result {
	WALL_TOUR_RESULT_INVALID = 0,
	WALL_TOUR_RESULT_OK,
	WALL_TOUR_RESULT_NO_TILE,
	WALL_TOUR_RESULT_NOT_A_TOUR,
};

/** Do action (see tour.h) to the tour of the tile called tile_id. */
enum wall_tour_result wall_compositor_tour(struct wall_compositor *compositor,
					   const char *tile_id, enum wall_tour_action action,
					   int64_t now_us);

struct wall_alarm {
	const struct wall_layout_source *source;
	/** Tile to pop onto; NULL (or one the scene lacks) for the scene's largest. */
	const char *tile_id;
	int64_t duration_ms;
	/** Higher goes first; equal ones go in order of arrival. */
	int priority;
};

/**
 * Pop alarm->source onto the wall with a flashing red border for
 * alarm->duration_ms, then revert. While one shows, others queue. Returns
 * the alarm's place in the queue: 0 when it shows now.
 */
int wall_compositor_alarm(struct wall_compositor *compositor, const struct wall_alarm *alarm,
			  int64_t now_us);
/** End the alarm shown and drop the queue. Returns how many there were. */
int wall_compositor_alarm_clear(struct wall_compositor *compositor);
/** End source's alarm, shown or queued; true when the one shown ended. */
bool wall_compositor_alarm_end(struct wall_compositor *compositor, const char *source,
                               int64_t now_us);

/**
 * Add "tiles": [{id, source, state, reason, fps, age_ms, status, pinned,
 * tour, alarm}, ...] and "warm": [{source, state, reason, fps, age_ms,
 * status}, ...] (warm sources no tile shows) to builder, which is inside
 * an object. fps and age_ms are the pictures the wall took; status holds
 * the plugin's own pairs (a camera's decoder, bitrate, reconnects, ...).
 */
void wall_compositor_describe(struct wall_compositor *compositor, JsonBuilder *builder,
			      int64_t now_us);

/**
 * Events since the last call, as JSON object texts: tile source and state
 * changes, alarms starting and ending. The caller owns the array.
 */
GPtrArray *wall_compositor_take_events(struct wall_compositor *compositor);

/** A new picture drawn on a tile that spans nodes. */
struct wall_shown {
	/** Owned (g_free it). */
	char *tile_id;
	/** Its capture time, monotonic clock. */
	int64_t capture_time_us;
};

/**
 * The pictures drawn on tiles that span nodes since the last call: struct
 * wall_shown, in tile order; the caller owns the array and its strings.
 */
GArray *wall_compositor_take_shown(struct wall_compositor *compositor);
/** Free what wall_compositor_take_shown() returned. */
void wall_shown_free(GArray *shown);

/** True while a transition is running. */
bool wall_compositor_in_transition(const struct wall_compositor *compositor);

/** A copy of the canvas as last drawn; the caller destroys it. */
cairo_surface_t *wall_compositor_read_canvas(struct wall_compositor *compositor);
/** The renderer drawing the canvas: "gl" or "soft". */
const char *wall_compositor_renderer_name(const struct wall_compositor *compositor);

/**
 * Compose one frame at time now_us (monotonic). Returns true when the
 * canvas changed, false when nothing needed drawing.
 */
bool wall_compositor_render(struct wall_compositor *compositor, int64_t now_us);

/**
 * Hand every camera of the layout (sources whose plugin is of kind camera),
 * shown, warm or neither, to health: see inspection/camera_health.h.
 * now_real_us is wall clock. Render thread; no I/O.
 */
struct wall_inspection;
/** With inspection (may be NULL), the cameras go to the inspection scheduler too. */
void wall_compositor_observe_cameras(struct wall_compositor *compositor,
                                     struct wall_camera_health *health,
                                     struct wall_inspection *inspection, int64_t now_real_us);

/**
 * Hand the inspection visits of running cameras their live pictures, by
 * reference. Once a frame; does nothing while no such visit runs. Render
 * thread; no I/O.
 */
void wall_compositor_feed_inspection(struct wall_compositor *compositor,
                                     struct wall_inspection *inspection, int64_t now_us);

/**
 * ALARM every camera offline (by the camera health) for the layout's
 * wall.inspection.alarm_offline or longer, each once, and end its alarm
 * when it is back. Once a second. Render thread.
 */
void wall_compositor_alarm_offline(struct wall_compositor *compositor,
                                   struct wall_camera_health *health, int64_t now_us);

#endif
