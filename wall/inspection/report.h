/*
 * The inspection report's figures (wall report, /api/report): online rate
 * and quality coverage by camera, town, district and the whole wall, by
 * day (and by hour when asked) and over the whole span, read from the
 * state file's camera_transitions and inspection_results.
 *
 * Online rate = online time / (online + offline time), as the camera
 * history counts it: time the wall was not running, and time after its
 * last heartbeat, is unknown and on neither side.
 *
 * A camera is 优质 (good) for a period when its last inspection visit in
 * the period (the rows that share one time_us) passed every check, and the
 * last state the history knows at the end of the period (unknown stretches
 * skipped: the wall down, or not showing it) is not offline. (A camera no
 * tile shows is unknown to the history; an inspection that got pictures
 * which passed stands for it being online.) Quality coverage is the share
 * of a group's cameras that are 优质.
 *
 * Failures: every camera not 优质 over the whole span, with why: last
 * known offline at the end (the history's reason, since its transition), its last visit
 * failed (the checks, since the first visit of that failing run, and the
 * thumbnail of the last one), or not inspected in the span.
 *
 * Read-only on the state file; any thread, with a report of its own.
 */
#ifndef WALL_INSPECTION_REPORT_H
#define WALL_INSPECTION_REPORT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/** A camera of the layout, as the report groups it. Strings are copied. */
struct wall_report_camera_in {
	const char *source;
	/** NULL for none. */
	const char *label;
	const char *district;
	const char *town;
};

/** One camera or one group over one period. */
struct wall_report_cell {
	double online_s;
	double offline_s;
	double unknown_s;
	/** Cameras counted, those 优质, and those inspected in the period. */
	int cameras;
	int good;
	int inspected;
};

/** Online over known time, 0..1; false when no time was known. */
bool wall_report_cell_online_rate(const struct wall_report_cell *cell, double *rate);
/** Good over cameras, 0..1; false for no cameras. */
bool wall_report_cell_coverage(const struct wall_report_cell *cell, double *coverage);

struct wall_report_period {
	int64_t from_us;
	int64_t to_us;
};

/** A camera, a town, a district or the whole wall. */
struct wall_report_row {
	/** Source name, town, district, or "" for the wall. */
	char *name;
	/** Cameras: their label (NULL for none). */
	char *label;
	/** Cameras and towns: the district they belong to (NULL for none). */
	char *district;
	/** Cameras: their town (NULL for none). */
	char *town;
	struct wall_report_cell span;
	/** One per wall_report.days, and per wall_report.hours (NULL without hours). */
	struct wall_report_cell *days;
	struct wall_report_cell *hours;
	/** Cameras: the time of the last inspection visit in the span, 0 for none. */
	int64_t last_visit_us;
};

enum wall_report_failure_kind {
	WALL_REPORT_FAILURE_INVALID = 0,
	WALL_REPORT_FAILURE_OFFLINE,
	WALL_REPORT_FAILURE_CHECKS,
	WALL_REPORT_FAILURE_NOT_INSPECTED,
};

struct wall_report_failure {
	/** Points into wall_report.cameras. */
	const struct wall_report_row *camera;
	enum wall_report_failure_kind kind;
	/** Offline: the history's reason. Checks: "黑屏（得分 8，阈值 20）；..." (3 significant digits). */
	char *reason;
	/** Checks: the failed check names (no_signal, black, ...), NULL-terminated; else NULL. */
	char **checks;
	/** Since when, wall clock; 0 when unknown. */
	int64_t since_us;
	/** Checks: a PNG of the last failing picture, or NULL. */
	GBytes *thumbnail;
};

struct wall_report {
	/** The span asked, [from_us, to_us), and where known time ends (<= to_us). */
	int64_t from_us;
	int64_t to_us;
	int64_t known_until_us;
	/** struct wall_report_period: the local days of the span, and hours when asked. */
	GArray *days;
	GArray *hours;
	struct wall_report_row *wall;
	/** struct wall_report_row *: districts and towns by name, cameras in the order given. */
	GPtrArray *districts;
	GPtrArray *towns;
	GPtrArray *cameras;
	/** struct wall_report_failure *, longest failing first. */
	GPtrArray *failures;
};

struct wall_report_query {
	const char *state_path;
	/** The layout's key in the state file (its canonical path). */
	const char *layout_key;
	/** Local days: from the start of from_us's day to the end of to_us's day. */
	int64_t from_us;
	int64_t to_us;
	/** Now, wall clock: nothing after it is known. */
	int64_t now_us;
	bool hours;
};

/**
 * Build the report of cameras (n of them) from the state file. NULL with
 * error set when the state file is missing or unreadable.
 */
struct wall_report *wall_report_build(const struct wall_report_query *query,
                                      const struct wall_report_camera_in *cameras, size_t n,
                                      GError **error);
/** Accepts NULL. */
void wall_report_free(struct wall_report *report);

/** The rows of districts sorted for the ranking: online rate, then coverage, high first. */
GPtrArray *wall_report_district_ranking(const struct wall_report *report);

/** A check's name in Chinese ("黑屏" for black); the name itself when unknown. */
const char *wall_report_check_label(const char *check);

/** "离线", "画面异常" or "未巡检". */
const char *wall_report_failure_label(enum wall_report_failure_kind kind);
/** "YYYY-MM-DD HH:MM" local (g_free it); "—" for 0. */
char *wall_report_time_text(int64_t time_us);
/** "98.5%", or "—" when there is no figure (g_free it). */
char *wall_report_percent_text(bool known, double share);

/** "YYYY-MM-DD" of the local day holding time_us (g_free it). */
char *wall_report_day_text(int64_t time_us);
/** Parse "YYYY-MM-DD" as the start of that local day; false when malformed. */
bool wall_report_parse_day(const char *text, int64_t *start_us);

#endif
