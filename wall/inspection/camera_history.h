/*
 * Camera health history: every change of a camera's state (online,
 * offline, unknown) with its wall-clock time and the exact reason, kept in
 * the wall's state file (table camera_transitions), and the online rate
 * computed from it over any span.
 *
 * Time the wall itself was not running is unknown, never offline: the
 * wall writes a heartbeat while it runs, and when it opens the history
 * again every camera that was known is marked unknown from the last
 * heartbeat ("wall not running"). The online rate is online time over
 * online + offline time; unknown time counts on neither side.
 *
 * One connection of its own on the state file (SQLite in WAL mode lets the
 * presets and audit connection share it). Control thread only: writes wait
 * for the disk.
 */
#ifndef WALL_INSPECTION_CAMERA_HISTORY_H
#define WALL_INSPECTION_CAMERA_HISTORY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

enum wall_camera_state {
	WALL_CAMERA_UNKNOWN = 0,
	WALL_CAMERA_ONLINE,
	WALL_CAMERA_OFFLINE,
};

/** "unknown", "online" or "offline". */
const char *wall_camera_state_name(enum wall_camera_state state);
/** Parse a name from wall_camera_state_name(); false for anything else. */
bool wall_camera_state_parse(const char *name, enum wall_camera_state *state);

struct wall_camera_history;

/**
 * Open (and create or migrate) the history in the state file at path, for
 * the wall whose layout is layout_key, to read it or, after
 * wall_camera_history_begin_run(), to write it. NULL with error set when
 * the file cannot be used.
 */
struct wall_camera_history *wall_camera_history_open(const char *path, const char *layout_key,
                                                     GError **error);
/** Accepts NULL. */
void wall_camera_history_close(struct wall_camera_history *history);

/** The state file's path and the layout's key it was opened with, for readers of their own. */
const char *wall_camera_history_path(const struct wall_camera_history *history);
const char *wall_camera_history_layout(const struct wall_camera_history *history);

/**
 * The wall starts running at now_us (wall clock, g_get_real_time): cameras
 * known at the last heartbeat become unknown from then on ("wall not
 * running"), and the heartbeat starts.
 */
bool wall_camera_history_begin_run(struct wall_camera_history *history, int64_t now_us);

/** The wall is running at now_us: call every few seconds. */
bool wall_camera_history_heartbeat(struct wall_camera_history *history, int64_t now_us);

/**
 * Record that camera entered state at time_us for reason. A state equal to
 * the last one recorded is not a transition and writes nothing (returns
 * true).
 */
bool wall_camera_history_record(struct wall_camera_history *history, const char *camera,
                                enum wall_camera_state state, int64_t time_us, const char *reason);

/**
 * The last transition of camera: false when it has none. *reason is
 * g_malloc'ed (g_free it); any output may be NULL.
 */
bool wall_camera_history_last(struct wall_camera_history *history, const char *camera,
                              enum wall_camera_state *state, int64_t *since_us, char **reason);

/** Seconds in each state over a span. */
struct wall_camera_tally {
	double online_s;
	double offline_s;
	double unknown_s;
};

/**
 * Add camera's time in each state over [from_us, to_us) to *tally (add,
 * so that several cameras sum into a group). Before its first transition
 * a camera is unknown; its last state lasts until to_us, so pass a to_us
 * no later than now.
 */
bool wall_camera_history_tally(struct wall_camera_history *history, const char *camera,
                               int64_t from_us, int64_t to_us, struct wall_camera_tally *tally);

/** Online over online + offline, 0..1; false when neither was ever seen. */
bool wall_camera_tally_rate(const struct wall_camera_tally *tally, double *rate);

typedef void (*wall_camera_history_camera_fn)(void *user, const char *camera);
/** Every camera this layout has history for, by name. */
void wall_camera_history_foreach_camera(struct wall_camera_history *history,
                                        wall_camera_history_camera_fn fn, void *user);

/**
 * Write one inspection result (a row of inspection_results): check is a
 * wall_quality_check_name(); thumbnail (PNG, may be NULL) is kept with it.
 */
bool wall_camera_history_add_result(struct wall_camera_history *history, const char *camera,
                                    int64_t time_us, const char *check, double score,
                                    double threshold, bool failed, GBytes *thumbnail);

/** Begin (true) or commit (false) a batch of writes, so a visit's rows land together. */
bool wall_camera_history_batch(struct wall_camera_history *history, bool begin);

/**
 * Forget what happened before before_us: inspection results, and
 * transitions except each camera's last one before before_us, which is
 * its state from then on (so rates over later spans stay exact). Returns
 * the rows removed, or -1 on error.
 */
int64_t wall_camera_history_prune(struct wall_camera_history *history, int64_t before_us);

/** The local hour or day that holds time_us, as [*from_us, *to_us). */
void wall_camera_history_hour(int64_t time_us, int64_t *from_us, int64_t *to_us);
void wall_camera_history_day(int64_t time_us, int64_t *from_us, int64_t *to_us);

#endif
