#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "log.h"

/* Bump when the tables change, and migrate in open_schema(). */
#define SCHEMA_VERSION 1
/* Keep the audit log to this many rows: months of a busy wall. */
#define MAX_AUDIT_ROWS 200000

struct wall_state {
	sqlite3 *db;
	char *path;
	char *layout;
	int audit_since_prune;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS presets ("
	"  layout TEXT NOT NULL, number INTEGER NOT NULL, name TEXT, state TEXT NOT NULL,"
	"  saved_us INTEGER NOT NULL, PRIMARY KEY (layout, number));"
	"CREATE TABLE IF NOT EXISTS settings ("
	"  layout TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (layout, key));"
	"CREATE TABLE IF NOT EXISTS audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, time_us INTEGER NOT NULL,"
	"  peer TEXT NOT NULL, command TEXT NOT NULL, result TEXT NOT NULL,"
	"  frame INTEGER NOT NULL);";

static bool exec(struct wall_state *state, const char *sql)
{
	char *message = NULL;
	if (sqlite3_exec(state->db, sql, NULL, NULL, &message) != SQLITE_OK) {
		wall_error("%s: %s", state->path, message);
		sqlite3_free(message);
		return false;
	}
	return true;
}

static sqlite3_stmt *prepare(struct wall_state *state, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(state->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		wall_error("%s: %s", state->path, sqlite3_errmsg(state->db));
		return NULL;
	}
	return stmt;
}

/* Step a statement that returns no rows, and finalize it. */
static bool run(struct wall_state *state, sqlite3_stmt *stmt)
{
	if (stmt == NULL) {
		return false;
	}
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		wall_error("%s: %s", state->path, sqlite3_errmsg(state->db));
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE;
}

char *wall_state_default_path(void)
{
	const char *base = g_getenv("XDG_STATE_HOME");
	if (base != NULL && g_path_is_absolute(base)) {
		return g_build_filename(base, "wall", "state.sqlite", NULL);
	}
	return g_build_filename(g_get_home_dir(), ".local", "state", "wall", "state.sqlite",
				NULL);
}

/*
 * Create the file 0600 before SQLite does (SQLite would make it 0644 less
 * the umask), and take group and other rights from one made before: it
 * holds the audit log. SQLite gives its -wal and -shm files the mode of
 * the database file.
 */
static bool make_private(const char *path, GError **error)
{
	int fd = g_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
			    g_strerror(errno));
		return false;
	}
	struct stat info;
	if (fstat(fd, &info) == 0 && (info.st_mode & 077) != 0 &&
	    fchmod(fd, info.st_mode & 0700) != 0) {
		wall_warning("%s: cannot make it private (0600): %s", path, g_strerror(errno));
	}
	close(fd);
	return true;
}

/* The file is there but is not a database, or a damaged one. */
static bool is_corrupt(struct wall_state *state)
{
	int code = sqlite3_errcode(state->db);
	return code == SQLITE_NOTADB || code == SQLITE_CORRUPT;
}

/* PRAGMA quick_check: true when SQLite finds every page sound. */
static bool passes_quick_check(struct wall_state *state)
{
	sqlite3_stmt *stmt = prepare(state, "PRAGMA quick_check");
	bool ok = stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW &&
		  g_strcmp0((const char *)sqlite3_column_text(stmt, 0), "ok") == 0;
	sqlite3_finalize(stmt);
	return ok;
}

enum open_result {
	OPEN_INVALID = 0,
	OPEN_OK,
	OPEN_CORRUPT,
	OPEN_FAILED,
};

static enum open_result open_db(struct wall_state *state, GError **error)
{
	if (!make_private(state->path, error)) {
		return OPEN_FAILED;
	}
	if (sqlite3_open_v2(state->path, &state->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s", state->path,
			    state->db != NULL ? sqlite3_errmsg(state->db) : "out of memory");
		return OPEN_FAILED;
	}
	/* Another wall (or wallctl audit) may hold the file a moment. */
	sqlite3_busy_timeout(state->db, 2000);
	/*
	 * WAL with synchronous=NORMAL: a commit is one append, and a power cut
	 * loses at most the last moments, never the file.
	 */
	if (!exec(state, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")) {
		goto failed;
	}
	if (!passes_quick_check(state)) {
		/* Damage whatever the error code says, unless SQLite was busy. */
		int code = sqlite3_errcode(state->db);
		if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_NOMEM) {
			goto failed;
		}
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "%s: not a usable wall state file: damaged", state->path);
		return OPEN_CORRUPT;
	}
	if (exec(state, schema)) {
		return OPEN_OK;
	}
failed:;
	bool corrupt = is_corrupt(state);
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: not a usable wall state file: %s", state->path,
		    corrupt ? "damaged" : sqlite3_errmsg(state->db));
	return corrupt ? OPEN_CORRUPT : OPEN_FAILED;
}

/*
 * Rename a damaged file (and its -wal and -shm) to PATH.corrupt-TIME, so
 * the wall starts on a new one and the old one is still there to look at.
 */
static bool move_aside(const char *path, GError **error)
{
	GDateTime *now = g_date_time_new_now_utc();
	char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
	g_date_time_unref(now);
	char *aside = g_strdup_printf("%s.corrupt-%s", path, stamp);
	g_free(stamp);
	bool ok = g_rename(path, aside) == 0;
	if (!ok) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "%s: damaged, and it cannot be moved aside: %s", path,
			    g_strerror(errno));
	}
	static const char *const companions[] = {"-wal", "-shm", "-journal"};
	for (size_t i = 0; ok && i < G_N_ELEMENTS(companions); i++) {
		char *from = g_strconcat(path, companions[i], NULL);
		char *to = g_strconcat(aside, companions[i], NULL);
		if (g_file_test(from, G_FILE_TEST_EXISTS)) {
			g_rename(from, to);
		}
		g_free(from);
		g_free(to);
	}
	if (ok) {
		wall_warning("%s is damaged: moved it to %s and started a new one; saved "
			     "presets, the last scene and the audit log start empty",
			     path, aside);
	}
	g_free(aside);
	return ok;
}

struct wall_state *wall_state_open(const char *path, const char *layout_key, GError **error)
{
	char *dir = g_path_get_dirname(path);
	int made = g_mkdir_with_parents(dir, 0700);
	g_free(dir);
	if (made != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "%s: cannot create its folder: %s", path, g_strerror(errno));
		return NULL;
	}
	struct wall_state *state = g_new0(struct wall_state, 1);
	state->path = g_strdup(path);
	state->layout = g_strdup(layout_key);
	enum open_result result = open_db(state, error);
	if (result == OPEN_CORRUPT) {
		/* A power cut must not leave the wall dark: start afresh. */
		sqlite3_close(state->db);
		state->db = NULL;
		g_clear_error(error);
		if (!move_aside(path, error)) {
			goto err;
		}
		result = open_db(state, error);
	}
	if (result != OPEN_OK) {
		goto err;
	}
	char *version = g_strdup_printf("INSERT OR IGNORE INTO settings VALUES "
					"('', 'schema', '%d');",
					SCHEMA_VERSION);
	exec(state, version);
	g_free(version);
	return state;

err:
	wall_state_close(state);
	return NULL;
}

void wall_state_close(struct wall_state *state)
{
	if (state == NULL) {
		return;
	}
	sqlite3_close(state->db);
	g_free(state->path);
	g_free(state->layout);
	g_free(state);
}

bool wall_state_save_preset(struct wall_state *state, int number, const char *name,
			    const char *json)
{
	sqlite3_stmt *stmt =
		prepare(state, "INSERT OR REPLACE INTO presets VALUES (?, ?, ?, ?, ?)");
	if (stmt == NULL) {
		return false;
	}
	sqlite3_bind_text(stmt, 1, state->layout, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 2, number);
	sqlite3_bind_text(stmt, 3, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 5, g_get_real_time());
	return run(state, stmt);
}

bool wall_state_delete_preset(struct wall_state *state, int number)
{
	sqlite3_stmt *stmt = prepare(state, "DELETE FROM presets WHERE layout = ? AND number = ?");
	if (stmt == NULL) {
		return false;
	}
	sqlite3_bind_text(stmt, 1, state->layout, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 2, number);
	return run(state, stmt) && sqlite3_changes(state->db) > 0;
}

void wall_state_foreach_preset(struct wall_state *state, wall_state_preset_fn fn, void *user)
{
	sqlite3_stmt *stmt = prepare(state, "SELECT number, name, state FROM presets "
					    "WHERE layout = ? ORDER BY number");
	if (stmt == NULL) {
		return;
	}
	sqlite3_bind_text(stmt, 1, state->layout, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		fn(user, sqlite3_column_int(stmt, 0), (const char *)sqlite3_column_text(stmt, 1),
		   (const char *)sqlite3_column_text(stmt, 2));
	}
	sqlite3_finalize(stmt);
}

bool wall_state_set_last(struct wall_state *state, const char *json)
{
	sqlite3_stmt *stmt =
		prepare(state, "INSERT OR REPLACE INTO settings VALUES (?, 'last_state', ?)");
	if (stmt == NULL) {
		return false;
	}
	sqlite3_bind_text(stmt, 1, state->layout, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, json, -1, SQLITE_TRANSIENT);
	return run(state, stmt);
}

char *wall_state_get_last(struct wall_state *state)
{
	sqlite3_stmt *stmt = prepare(state, "SELECT value FROM settings WHERE layout = ? AND "
					    "key = 'last_state'");
	char *json = NULL;
	if (stmt != NULL) {
		sqlite3_bind_text(stmt, 1, state->layout, -1, SQLITE_TRANSIENT);
	}
	if (stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW) {
		json = g_strdup((const char *)sqlite3_column_text(stmt, 0));
	}
	sqlite3_finalize(stmt);
	return json;
}

bool wall_state_audit(struct wall_state *state, const struct wall_audit_entry *entry)
{
	sqlite3_stmt *stmt = prepare(state, "INSERT INTO audit (time_us, peer, command, result, "
					    "frame) VALUES (?, ?, ?, ?, ?)");
	if (stmt == NULL) {
		return false;
	}
	sqlite3_bind_int64(stmt, 1, entry->time_us);
	sqlite3_bind_text(stmt, 2, entry->peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, entry->command, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 4, entry->result, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)entry->frame);
	bool ok = run(state, stmt);
	/* Prune now and then rather than on every row: one DELETE per thousand. */
	if (ok && ++state->audit_since_prune >= 1000) {
		state->audit_since_prune = 0;
		char *sql = g_strdup_printf("DELETE FROM audit WHERE id <= "
					    "(SELECT MAX(id) FROM audit) - %d;",
					    MAX_AUDIT_ROWS);
		exec(state, sql);
		g_free(sql);
	}
	return ok;
}

void wall_state_foreach_audit(struct wall_state *state, int rows, wall_state_audit_fn fn,
			      void *user)
{
	sqlite3_stmt *stmt = prepare(state, "SELECT time_us, peer, command, result, frame FROM "
					    "(SELECT * FROM audit ORDER BY id DESC LIMIT ?) "
					    "ORDER BY id");
	if (stmt == NULL) {
		return;
	}
	sqlite3_bind_int(stmt, 1, rows);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct wall_audit_entry entry = {
			.time_us = sqlite3_column_int64(stmt, 0),
			.peer = (const char *)sqlite3_column_text(stmt, 1),
			.command = (const char *)sqlite3_column_text(stmt, 2),
			.result = (const char *)sqlite3_column_text(stmt, 3),
			.frame = (uint64_t)sqlite3_column_int64(stmt, 4),
		};
		fn(user, &entry);
	}
	sqlite3_finalize(stmt);
}

bool wall_state_audit_range(struct wall_state *state, int rows, int64_t *first_id,
			    int64_t *last_id)
{
	sqlite3_stmt *stmt = prepare(state, "SELECT MIN(id), MAX(id) FROM "
					    "(SELECT id FROM audit ORDER BY id DESC LIMIT ?)");
	bool found = false;
	if (stmt == NULL) {
		return false;
	}
	sqlite3_bind_int(stmt, 1, rows);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		*first_id = sqlite3_column_int64(stmt, 0);
		*last_id = sqlite3_column_int64(stmt, 1);
		found = true;
	}
	sqlite3_finalize(stmt);
	return found;
}

int wall_state_foreach_audit_page(struct wall_state *state, int64_t *from_id, int64_t to_id,
				  int limit, int max_chars, wall_state_audit_fn fn, void *user)
{
	/* Cut in SQL, so an old row of megabytes is never read whole. */
	sqlite3_stmt *stmt = prepare(state, "SELECT id, time_us, peer, substr(command, 1, ?), "
					    "substr(result, 1, ?), frame FROM audit "
					    "WHERE id >= ? AND id <= ? ORDER BY id LIMIT ?");
	int count = 0;
	if (stmt == NULL) {
		return 0;
	}
	sqlite3_bind_int(stmt, 1, max_chars);
	sqlite3_bind_int(stmt, 2, max_chars);
	sqlite3_bind_int64(stmt, 3, *from_id);
	sqlite3_bind_int64(stmt, 4, to_id);
	sqlite3_bind_int(stmt, 5, limit);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct wall_audit_entry entry = {
			.time_us = sqlite3_column_int64(stmt, 1),
			.peer = (const char *)sqlite3_column_text(stmt, 2),
			.command = (const char *)sqlite3_column_text(stmt, 3),
			.result = (const char *)sqlite3_column_text(stmt, 4),
			.frame = (uint64_t)sqlite3_column_int64(stmt, 5),
		};
		*from_id = sqlite3_column_int64(stmt, 0) + 1;
		fn(user, &entry);
		count++;
	}
	sqlite3_finalize(stmt);
	return count;
}
