#include "camera_history.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "log.h"

/*
 * The history's own schema version, kept in the settings table beside the
 * state file's ('', 'camera_history_schema'): the presets and audit tables
 * migrate on their own. Bump it when the tables below change, and migrate
 * in migrate().
 */
#define HISTORY_SCHEMA_VERSION 1

struct wall_camera_history {
	sqlite3 *db;
	char *path;
	char *layout;
};

static const char history_schema[] =
        "CREATE TABLE IF NOT EXISTS settings ("
        "  layout TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
        "  PRIMARY KEY (layout, key));"
        "CREATE TABLE IF NOT EXISTS camera_transitions ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT, layout TEXT NOT NULL,"
        "  camera TEXT NOT NULL, time_us INTEGER NOT NULL, state TEXT NOT NULL,"
        "  reason TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS camera_transitions_by_camera"
        "  ON camera_transitions (layout, camera, time_us);"
        /*
         * One row per check per inspection visit: check is a name of
         * wall_camera_problem's check label (no_signal, black, frozen,
         * ...); failed is 0 or 1; thumbnail is a small PNG of the picture
         * that failed, NULL when it passed.
         */
        "CREATE TABLE IF NOT EXISTS inspection_results ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT, layout TEXT NOT NULL,"
        "  camera TEXT NOT NULL, time_us INTEGER NOT NULL, check_name TEXT NOT NULL,"
        "  score REAL NOT NULL, threshold REAL NOT NULL, failed INTEGER NOT NULL,"
        "  thumbnail BLOB);"
        "CREATE INDEX IF NOT EXISTS inspection_results_by_camera"
        "  ON inspection_results (layout, camera, time_us);";

static const char *const state_names[] = {
        [WALL_CAMERA_UNKNOWN] = "unknown",
        [WALL_CAMERA_ONLINE] = "online",
        [WALL_CAMERA_OFFLINE] = "offline",
};

const char *wall_camera_state_name(enum wall_camera_state state)
{
	return (unsigned)state < G_N_ELEMENTS(state_names) ? state_names[state] : "unknown";
}

bool wall_camera_state_parse(const char *name, enum wall_camera_state *state)
{
	for (size_t i = 0; name != NULL && i < G_N_ELEMENTS(state_names); i++) {
		if (g_strcmp0(name, state_names[i]) == 0) {
			*state = (enum wall_camera_state)i;
			return true;
		}
	}
	return false;
}

/* Prepare with the layout bound to parameter 1; NULL (logged) on error. */
static sqlite3_stmt *statement(struct wall_camera_history *history, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(history->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		wall_error("%s: %s", history->path, sqlite3_errmsg(history->db));
		return NULL;
	}
	sqlite3_bind_text(stmt, 1, history->layout, -1, SQLITE_TRANSIENT);
	return stmt;
}

/* Step to the end and finalize; true when it ran to the end. */
static bool finish(struct wall_camera_history *history, sqlite3_stmt *stmt)
{
	int rc = stmt != NULL ? sqlite3_step(stmt) : SQLITE_ERROR;
	if (stmt != NULL && rc != SQLITE_DONE) {
		wall_error("%s: %s", history->path, sqlite3_errmsg(history->db));
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE;
}

/* A settings value of this layout (or of layout "" with global) as int64. */
static bool get_setting(struct wall_camera_history *history, bool global, const char *key,
                        int64_t *value)
{
	sqlite3_stmt *stmt = statement(history, "SELECT value FROM settings "
	                                        "WHERE layout = ? AND key = ?");
	bool found = false;
	if (stmt != NULL) {
		if (global) {
			sqlite3_bind_text(stmt, 1, "", -1, SQLITE_STATIC);
		}
		sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			*value = sqlite3_column_int64(stmt, 0);
			found = true;
		}
	}
	sqlite3_finalize(stmt);
	return found;
}

static bool set_setting(struct wall_camera_history *history, bool global, const char *key,
                        int64_t value)
{
	sqlite3_stmt *stmt = statement(history, "INSERT OR REPLACE INTO settings VALUES (?, ?, ?)");
	if (stmt != NULL) {
		if (global) {
			sqlite3_bind_text(stmt, 1, "", -1, SQLITE_STATIC);
		}
		sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 3, value);
	}
	return finish(history, stmt);
}

/* Version 1 is the first: there is nothing older to migrate from yet. */
static bool migrate(struct wall_camera_history *history, GError **error)
{
	int64_t version = 0;
	get_setting(history, true, "camera_history_schema", &version);
	if (version > HISTORY_SCHEMA_VERSION) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		            "%s: camera history was written by a newer wall "
		            "(schema %" G_GINT64_FORMAT ", this wall knows %d)",
		            history->path, version, HISTORY_SCHEMA_VERSION);
		return false;
	}
	return set_setting(history, true, "camera_history_schema", HISTORY_SCHEMA_VERSION);
}

/*
 * The wall was not running between its last heartbeat and now: every
 * camera that was known then is unknown from the heartbeat on.
 */
bool wall_camera_history_begin_run(struct wall_camera_history *history, int64_t now_us)
{
	int64_t alive_us = 0;
	if (!get_setting(history, false, "camera_alive_us", &alive_us)) {
		return wall_camera_history_heartbeat(history, now_us);
	}
	sqlite3_stmt *stmt = statement(
	        history, "INSERT INTO camera_transitions (layout, camera, time_us, state, reason) "
	                 "SELECT t.layout, t.camera, MAX(t.time_us, ?2), 'unknown', "
	                 "'wall not running' FROM camera_transitions t "
	                 "WHERE t.layout = ?1 AND t.state != 'unknown' AND t.id = "
	                 "(SELECT MAX(id) FROM camera_transitions u WHERE u.layout = t.layout "
	                 "AND u.camera = t.camera)");
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 2, MIN(alive_us, now_us));
	}
	return finish(history, stmt) && wall_camera_history_heartbeat(history, now_us);
}

struct wall_camera_history *wall_camera_history_open(const char *path, const char *layout_key,
                                                     GError **error)
{
	char *dir = g_path_get_dirname(path);
	int made = g_mkdir_with_parents(dir, 0700);
	g_free(dir);
	if (made != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "%s: cannot create its folder: %s", path, g_strerror(errno));
		return NULL;
	}
	struct wall_camera_history *history = g_new0(struct wall_camera_history, 1);
	history->path = g_strdup(path);
	history->layout = g_strdup(layout_key);
	int rc = sqlite3_open_v2(path, &history->db,
	                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
	                         NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(history->db, 2000);
		rc = sqlite3_exec(history->db,
		                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
		                  NULL);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(history->db, history_schema, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		            "%s: not a usable wall state file: %s", path,
		            history->db != NULL ? sqlite3_errmsg(history->db) : "out of memory");
		goto err;
	}
	if (!migrate(history, error)) {
		goto err;
	}
	return history;

err:
	sqlite3_close(history->db);
	history->db = NULL;
	wall_camera_history_close(history);
	return NULL;
}

void wall_camera_history_close(struct wall_camera_history *history)
{
	if (history == NULL) {
		return;
	}
	sqlite3_close(history->db);
	g_free(history->path);
	g_free(history->layout);
	g_free(history);
}

const char *wall_camera_history_path(const struct wall_camera_history *history)
{
	return history->path;
}

const char *wall_camera_history_layout(const struct wall_camera_history *history)
{
	return history->layout;
}

bool wall_camera_history_heartbeat(struct wall_camera_history *history, int64_t now_us)
{
	return set_setting(history, false, "camera_alive_us", now_us);
}

bool wall_camera_history_last(struct wall_camera_history *history, const char *camera,
                              enum wall_camera_state *state, int64_t *since_us, char **reason)
{
	sqlite3_stmt *stmt = statement(history, "SELECT state, time_us, reason FROM "
	                                        "camera_transitions WHERE layout = ? AND "
	                                        "camera = ? ORDER BY id DESC LIMIT 1");
	bool found = false;
	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 2, camera, -1, SQLITE_TRANSIENT);
		found = sqlite3_step(stmt) == SQLITE_ROW;
	}
	if (found) {
		enum wall_camera_state parsed = WALL_CAMERA_UNKNOWN;
		wall_camera_state_parse((const char *)sqlite3_column_text(stmt, 0), &parsed);
		if (state != NULL) {
			*state = parsed;
		}
		if (since_us != NULL) {
			*since_us = sqlite3_column_int64(stmt, 1);
		}
		if (reason != NULL) {
			*reason = g_strdup((const char *)sqlite3_column_text(stmt, 2));
		}
	}
	sqlite3_finalize(stmt);
	return found;
}

bool wall_camera_history_record(struct wall_camera_history *history, const char *camera,
                                enum wall_camera_state state, int64_t time_us, const char *reason)
{
	enum wall_camera_state last;
	if (wall_camera_history_last(history, camera, &last, NULL, NULL) && last == state) {
		return true;
	}
	sqlite3_stmt *stmt = statement(history, "INSERT INTO camera_transitions "
	                                        "(layout, camera, time_us, state, reason) "
	                                        "VALUES (?, ?, ?, ?, ?)");
	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 2, camera, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 3, time_us);
		sqlite3_bind_text(stmt, 4, wall_camera_state_name(state), -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, reason != NULL ? reason : "", -1, SQLITE_TRANSIENT);
	}
	return finish(history, stmt);
}

static void add_span(struct wall_camera_tally *tally, enum wall_camera_state state, int64_t from_us,
                     int64_t to_us)
{
	if (to_us <= from_us) {
		return;
	}
	double seconds = (double)(to_us - from_us) / G_USEC_PER_SEC;
	switch (state) {
	case WALL_CAMERA_ONLINE:
		tally->online_s += seconds;
		break;
	case WALL_CAMERA_OFFLINE:
		tally->offline_s += seconds;
		break;
	default:
		tally->unknown_s += seconds;
		break;
	}
}

bool wall_camera_history_tally(struct wall_camera_history *history, const char *camera,
                               int64_t from_us, int64_t to_us, struct wall_camera_tally *tally)
{
	/* The state at from_us (the last change before it), then every change
	 * inside the span, in the order they were written. */
	sqlite3_stmt *stmt = statement(
	        history, "SELECT time_us, state FROM camera_transitions WHERE layout = ?1 AND "
	                 "camera = ?2 AND id >= IFNULL((SELECT MAX(id) FROM camera_transitions "
	                 "WHERE layout = ?1 AND camera = ?2 AND time_us <= ?3), 0) AND "
	                 "time_us < ?4 ORDER BY id");
	if (stmt == NULL) {
		return false;
	}
	sqlite3_bind_text(stmt, 2, camera, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, from_us);
	sqlite3_bind_int64(stmt, 4, to_us);
	enum wall_camera_state state = WALL_CAMERA_UNKNOWN;
	int64_t at_us = from_us;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t time_us = MAX(sqlite3_column_int64(stmt, 0), from_us);
		add_span(tally, state, at_us, time_us);
		at_us = MAX(at_us, time_us);
		wall_camera_state_parse((const char *)sqlite3_column_text(stmt, 1), &state);
	}
	add_span(tally, state, at_us, to_us);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE;
}

bool wall_camera_tally_rate(const struct wall_camera_tally *tally, double *rate)
{
	double known_s = tally->online_s + tally->offline_s;
	if (known_s <= 0) {
		return false;
	}
	*rate = tally->online_s / known_s;
	return true;
}

void wall_camera_history_foreach_camera(struct wall_camera_history *history,
                                        wall_camera_history_camera_fn fn, void *user)
{
	sqlite3_stmt *stmt = statement(history, "SELECT DISTINCT camera FROM "
	                                        "camera_transitions WHERE layout = ? "
	                                        "ORDER BY camera");
	while (stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW) {
		fn(user, (const char *)sqlite3_column_text(stmt, 0));
	}
	sqlite3_finalize(stmt);
}

/* The local time that starts the hour (or day) holding time_us, and the next one. */
static void local_bucket(int64_t time_us, bool day, int64_t *from_us, int64_t *to_us)
{
	GDateTime *at = g_date_time_new_from_unix_local(time_us / G_USEC_PER_SEC);
	GDateTime *start = g_date_time_new_local(
	        g_date_time_get_year(at), g_date_time_get_month(at),
	        g_date_time_get_day_of_month(at), day ? 0 : g_date_time_get_hour(at), 0, 0);
	GDateTime *end = day ? g_date_time_add_days(start, 1) : g_date_time_add_hours(start, 1);
	*from_us = g_date_time_to_unix(start) * G_USEC_PER_SEC;
	*to_us = g_date_time_to_unix(end) * G_USEC_PER_SEC;
	g_date_time_unref(end);
	g_date_time_unref(start);
	g_date_time_unref(at);
}

void wall_camera_history_hour(int64_t time_us, int64_t *from_us, int64_t *to_us)
{
	local_bucket(time_us, false, from_us, to_us);
}

void wall_camera_history_day(int64_t time_us, int64_t *from_us, int64_t *to_us)
{
	local_bucket(time_us, true, from_us, to_us);
}

bool wall_camera_history_add_result(struct wall_camera_history *history, const char *camera,
                                    int64_t time_us, const char *check, double score,
                                    double threshold, bool failed, GBytes *thumbnail)
{
	sqlite3_stmt *stmt = statement(history, "INSERT INTO inspection_results (layout, camera, "
	                                        "time_us, check_name, score, threshold, failed, "
	                                        "thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 2, camera, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 3, time_us);
		sqlite3_bind_text(stmt, 4, check, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(stmt, 5, score);
		sqlite3_bind_double(stmt, 6, threshold);
		sqlite3_bind_int(stmt, 7, failed ? 1 : 0);
		gsize size = 0;
		const void *data = thumbnail != NULL ? g_bytes_get_data(thumbnail, &size) : NULL;
		if (data != NULL && size > 0) {
			sqlite3_bind_blob(stmt, 8, data, (int)size, SQLITE_TRANSIENT);
		} else {
			sqlite3_bind_null(stmt, 8);
		}
	}
	return finish(history, stmt);
}

bool wall_camera_history_batch(struct wall_camera_history *history, bool begin)
{
	if (sqlite3_exec(history->db, begin ? "BEGIN" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		wall_error("%s: %s", history->path, sqlite3_errmsg(history->db));
		return false;
	}
	return true;
}

int64_t wall_camera_history_prune(struct wall_camera_history *history, int64_t before_us)
{
	static const char *const deletes[] = {
	        "DELETE FROM inspection_results WHERE layout = ?1 AND time_us < ?2",
	        /* The last change before the cut is the state from then on. */
	        "DELETE FROM camera_transitions WHERE layout = ?1 AND time_us < ?2 AND id NOT IN "
	        "(SELECT MAX(id) FROM camera_transitions WHERE layout = ?1 AND time_us < ?2 "
	        "GROUP BY camera)",
	};
	int64_t removed = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(deletes); i++) {
		sqlite3_stmt *stmt = statement(history, deletes[i]);
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 2, before_us);
		}
		if (!finish(history, stmt)) {
			return -1;
		}
		removed += sqlite3_changes(history->db);
	}
	return removed;
}
