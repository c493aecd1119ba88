/*
 * The health of every camera in the layout, shown or not: its state, since
 * when (wall clock) and the exact reason, as the render thread last saw it
 * once a second (see wall_compositor_observe_cameras). Every transition is
 * written to the camera history on a thread of its own, which also keeps
 * the heartbeat and publishes the online rates computed from the history
 * as metrics (panels read them as wall:NAME):
 *
 *   inspection.online_rate.hour / .day                 the whole wall
 *   inspection.district.<district>.online_rate.hour / .day
 *   inspection.town.<town>.online_rate.hour / .day
 *   inspection.camera.<source>.online_rate.hour / .day
 *
 * rates 0..100 (percent, like health.online_rate), over the current local
 * hour and day up to now; a figure with no known time is not published.
 *
 * A camera no tile shows and the layout does not keep warm runs no plugin
 * instance, so the wall cannot know its state: it is unknown, with the
 * reason "not shown or kept warm", until a probe (the inspection
 * scheduler) visits it.
 */
#ifndef WALL_INSPECTION_CAMERA_HEALTH_H
#define WALL_INSPECTION_CAMERA_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "health.h"
#include "inspection/camera_history.h"
#include "inspection/quality.h"
#include "inspection/visit.h"

struct wall_camera_health;

/** One camera as seen now. Strings are copied. */
struct wall_camera_seen {
	const char *source;
	/** NULL when the layout gives none. */
	const char *district;
	const char *town;
	enum wall_camera_state state;
	const char *reason;
	/** When the state began, wall clock. */
	int64_t since_us;
	/** Connecting: the camera keeps the state and reason it had (unknown if new). */
	bool undecided;
	/** Pictures a second while a tile shows it or it is warm; -1 when not running. */
	double fps;
	/**
	 * Out only (wall_camera_health_foreach): the checks its last picture
	 * (or its last inspection visit) failed, bits 1 << enum
	 * wall_quality_check; -1 when none was checked.
	 */
	int problems;
	/**
	 * A tile shows it or it is kept warm, so its plugin runs. When it
	 * does not, state, reason and since are those of the last inspection
	 * visit (unknown before the first).
	 */
	bool running;
	/** From the plugin's status (or the last visit's); -1 when unknown. */
	double bitrate_kbps;
	double reconnects;
};

/** What one inspection visit of a camera found. Strings and result are copied. */
struct wall_camera_visit {
	const char *source;
	/** Online when a picture came, else offline with the reason. */
	enum wall_camera_state state;
	const char *reason;
	/** When the visit ended, wall clock. */
	int64_t time_us;
	const struct wall_visit_result *result;
	/** PNG of the picture that failed a check, or NULL; a reference is taken. */
	GBytes *thumbnail;
	/** Over the visit; -1 when unknown. */
	double fps;
	double bitrate_kbps;
	double reconnects;
};

/**
 * Takes history (NULL: keep nothing, publish no rates) and starts the
 * thread that writes it. Cameras start as the history last had them.
 */
struct wall_camera_health *wall_camera_health_new(struct wall_camera_history *history);
/**
 * The wall's camera health: with keep, its history in the state file at
 * state_path (NULL: the default one) for the layout file layout_path; a
 * history that cannot be opened is logged and the wall goes on without.
 */
struct wall_camera_health *wall_camera_health_open(const char *state_path, const char *layout_path,
                                                   bool keep);
/** Writes what is pending, stops the thread, closes the history. Accepts NULL. */
void wall_camera_health_destroy(struct wall_camera_health *health);

/**
 * Begin a round of observations: every camera of the layout, then
 * wall_camera_health_end(). Cameras not seen in a round have left the
 * layout. Render thread; no I/O.
 */
void wall_camera_health_begin(struct wall_camera_health *health);
void wall_camera_health_see(struct wall_camera_health *health, const struct wall_camera_seen *seen);
void wall_camera_health_end(struct wall_camera_health *health, int64_t now_us);

struct wall_frame_ref;
/**
 * True when source is due a picture check (once a second). Render thread.
 */
bool wall_camera_health_wants_picture(struct wall_camera_health *health, const char *source,
                                      int64_t now_us);
/**
 * Check picture (I420; takes the reference) of source on the health
 * thread: the quality checks of inspection/quality.h, frozen against the
 * picture checked before. Any thread; never blocks on the check.
 */
void wall_camera_health_check_picture(struct wall_camera_health *health, const char *source,
                                      struct wall_frame_ref *picture);

/** Put the camera counts of the whole layout into figures and publish them. */
void wall_camera_health_apply(struct wall_camera_health *health,
                              struct wall_health_figures *figures);

typedef void (*wall_camera_health_fn)(void *user, const struct wall_camera_seen *camera);
/** Every camera, in layout order, under the lock: fn must not block. Any thread. */
void wall_camera_health_foreach(struct wall_camera_health *health, wall_camera_health_fn fn,
                                void *user);

/**
 * Take what a visit found: its problems become the camera's, a camera
 * that does not run takes its state, and one row per judged check goes to
 * inspection_results (written on the health thread). Any thread.
 */
void wall_camera_health_visited(struct wall_camera_health *health,
                                const struct wall_camera_visit *visit);

/**
 * Check the live pictures of running cameras once a second (true, the
 * default), or leave the checks to inspection visits (false). Any thread.
 */
void wall_camera_health_set_live_checks(struct wall_camera_health *health, bool on);

/** Forget history older than keep_ms (0: keep all), checked every hour. Any thread. */
void wall_camera_health_set_keep(struct wall_camera_health *health, int64_t keep_ms);

/**
 * The history it keeps, NULL when none: only to read its path and layout
 * key (for a reader of its own, such as the report). Any thread.
 */
const struct wall_camera_history *wall_camera_health_history(struct wall_camera_health *health);

/** Write pending transitions, the heartbeat and the rates now (tests). Any thread. */
void wall_camera_health_sync(struct wall_camera_health *health);

#endif
