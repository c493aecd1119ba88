#include "report.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "inspection/camera_history.h"
#include "log.h"

/* One inspection visit: the rows of a camera that share a time_us. */
struct visit {
	int64_t time_us;
	bool failed;
};

struct builder {
	const struct wall_report_query *query;
	struct wall_report *report;
	struct wall_camera_history *history;
	/* Our own read-only connection, for inspection_results and the heartbeat. */
	sqlite3 *db;
	/* District name -> row, and district "\x1f" town -> row. */
	GHashTable *districts;
	GHashTable *towns;
};

bool wall_report_cell_online_rate(const struct wall_report_cell *cell, double *rate)
{
	struct wall_camera_tally tally = {cell->online_s, cell->offline_s, cell->unknown_s};
	return wall_camera_tally_rate(&tally, rate);
}

bool wall_report_cell_coverage(const struct wall_report_cell *cell, double *coverage)
{
	if (cell->cameras <= 0) {
		return false;
	}
	*coverage = (double)cell->good / cell->cameras;
	return true;
}

static const struct {
	const char *name;
	const char *label;
} check_labels[] = {
        {"no_signal", "无信号"},    {"black", "黑屏"},
        {"frozen", "画面冻结"},     {"dark", "过暗"},
        {"bright", "过亮"},         {"contrast", "低对比度"},
        {"blur", "模糊"},           {"colour_cast", "偏色"},
        {"noise", "雪花噪声"},      {"resolution", "分辨率不足"},
        {"frame_rate", "帧率不足"},
};

const char *wall_report_check_label(const char *check)
{
	for (size_t i = 0; i < G_N_ELEMENTS(check_labels); i++) {
		if (g_strcmp0(check, check_labels[i].name) == 0) {
			return check_labels[i].label;
		}
	}
	return check;
}

const char *wall_report_failure_label(enum wall_report_failure_kind kind)
{
	switch (kind) {
	case WALL_REPORT_FAILURE_OFFLINE:
		return "离线";
	case WALL_REPORT_FAILURE_CHECKS:
		return "画面异常";
	case WALL_REPORT_FAILURE_NOT_INSPECTED:
		return "未巡检";
	default:
		return "";
	}
}

char *wall_report_time_text(int64_t time_us)
{
	if (time_us == 0) {
		return g_strdup("—");
	}
	GDateTime *at = g_date_time_new_from_unix_local(time_us / G_USEC_PER_SEC);
	char *text = g_date_time_format(at, "%Y-%m-%d %H:%M");
	g_date_time_unref(at);
	return text;
}

char *wall_report_percent_text(bool known, double share)
{
	return known ? g_strdup_printf("%.1f%%", 100.0 * share) : g_strdup("—");
}

char *wall_report_day_text(int64_t time_us)
{
	GDateTime *at = g_date_time_new_from_unix_local(time_us / G_USEC_PER_SEC);
	char *text = g_date_time_format(at, "%Y-%m-%d");
	g_date_time_unref(at);
	return text;
}

bool wall_report_parse_day(const char *text, int64_t *start_us)
{
	int year, month, day, used = 0;
	if (text == NULL || strlen(text) != 10 ||
	    sscanf(text, "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3 || used != 10 ||
	    text[4] != '-' || text[7] != '-' || year < 1970 ||
	    !g_date_valid_dmy((GDateDay)day, (GDateMonth)month, (GDateYear)year)) {
		return false;
	}
	GDateTime *start = g_date_time_new_local(year, month, day, 0, 0, 0);
	if (start == NULL) {
		return false;
	}
	*start_us = g_date_time_to_unix(start) * G_USEC_PER_SEC;
	g_date_time_unref(start);
	return true;
}

static sqlite3_stmt *prepare(struct builder *b, const char *sql, const char *camera)
{
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(b->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		wall_warning("%s: %s", b->query->state_path, sqlite3_errmsg(b->db));
		return NULL;
	}
	sqlite3_bind_text(stmt, 1, b->query->layout_key, -1, SQLITE_STATIC);
	if (camera != NULL) {
		sqlite3_bind_text(stmt, 2, camera, -1, SQLITE_STATIC);
	}
	return stmt;
}

/* The last heartbeat: after it the wall may not have been running. */
static int64_t known_until(struct builder *b)
{
	int64_t until_us = b->query->now_us;
	sqlite3_stmt *stmt = prepare(b,
	                             "SELECT value FROM settings WHERE layout = ?1 AND "
	                             "key = 'camera_alive_us'",
	                             NULL);
	if (stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW) {
		until_us = MIN(until_us, sqlite3_column_int64(stmt, 0));
	}
	sqlite3_finalize(stmt);
	return until_us;
}

/*
 * The last state the history knows for camera before time_us, unknown
 * stretches skipped: a wall that was down (or did not show the camera)
 * learnt nothing new. False when it never knew one.
 */
static bool state_before(struct builder *b, const char *camera, int64_t time_us,
                         enum wall_camera_state *state, int64_t *since_us, char **reason)
{
	sqlite3_stmt *stmt = prepare(b,
	                             "SELECT state, time_us, reason FROM camera_transitions "
	                             "WHERE layout = ?1 AND camera = ?2 AND time_us < ?3 AND "
	                             "state != 'unknown' ORDER BY time_us DESC, id DESC LIMIT 1",
	                             camera);
	bool found = false;
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 3, time_us);
		found = sqlite3_step(stmt) == SQLITE_ROW;
	}
	if (found) {
		*state = WALL_CAMERA_UNKNOWN;
		wall_camera_state_parse((const char *)sqlite3_column_text(stmt, 0), state);
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

static GArray *load_visits(struct builder *b, const char *camera, int64_t from_us, int64_t to_us)
{
	GArray *visits = g_array_new(FALSE, FALSE, sizeof(struct visit));
	sqlite3_stmt *stmt = prepare(b,
	                             "SELECT time_us, MAX(failed) FROM inspection_results "
	                             "WHERE layout = ?1 AND camera = ?2 AND time_us >= ?3 AND "
	                             "time_us < ?4 GROUP BY time_us ORDER BY time_us",
	                             camera);
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 3, from_us);
		sqlite3_bind_int64(stmt, 4, to_us);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			struct visit visit = {sqlite3_column_int64(stmt, 0),
			                      sqlite3_column_int(stmt, 1) != 0};
			g_array_append_val(visits, visit);
		}
	}
	sqlite3_finalize(stmt);
	return visits;
}

static const struct visit *last_visit(GArray *visits, int64_t from_us, int64_t to_us)
{
	for (guint i = visits->len; i-- > 0;) {
		const struct visit *visit = &g_array_index(visits, struct visit, i);
		if (visit->time_us < to_us && visit->time_us >= from_us) {
			return visit;
		}
		if (visit->time_us < from_us) {
			break;
		}
	}
	return NULL;
}

/* One camera over one period: its time in each state, inspected, 优质. */
static void camera_cell(struct builder *b, const char *camera, GArray *visits,
                        const struct wall_report_period *period, struct wall_report_cell *cell)
{
	int64_t end_us = MIN(period->to_us, b->query->now_us);
	int64_t known_end_us = MIN(end_us, b->report->known_until_us);
	struct wall_camera_tally tally = {0};
	if (known_end_us > period->from_us) {
		wall_camera_history_tally(b->history, camera, period->from_us, known_end_us,
		                          &tally);
	}
	if (end_us > MAX(period->from_us, known_end_us)) {
		tally.unknown_s +=
		        (double)(end_us - MAX(period->from_us, known_end_us)) / G_USEC_PER_SEC;
	}
	*cell = (struct wall_report_cell){
	        tally.online_s, tally.offline_s, tally.unknown_s, 1, 0, 0};
	const struct visit *visit = last_visit(visits, period->from_us, end_us);
	if (visit == NULL) {
		return;
	}
	cell->inspected = 1;
	enum wall_camera_state state = WALL_CAMERA_UNKNOWN;
	state_before(b, camera, MAX(known_end_us, visit->time_us + 1), &state, NULL, NULL);
	cell->good = !visit->failed && state != WALL_CAMERA_OFFLINE;
}

static void add_cell(struct wall_report_cell *sum, const struct wall_report_cell *one)
{
	sum->online_s += one->online_s;
	sum->offline_s += one->offline_s;
	sum->unknown_s += one->unknown_s;
	sum->cameras += one->cameras;
	sum->good += one->good;
	sum->inspected += one->inspected;
}

static struct wall_report_row *row_new(const struct wall_report *report, const char *name)
{
	struct wall_report_row *row = g_new0(struct wall_report_row, 1);
	row->name = g_strdup(name);
	row->days = g_new0(struct wall_report_cell, report->days->len);
	if (report->hours != NULL) {
		row->hours = g_new0(struct wall_report_cell, report->hours->len);
	}
	return row;
}

static void row_free(void *data)
{
	struct wall_report_row *row = data;
	if (row == NULL) {
		return;
	}
	g_free(row->name);
	g_free(row->label);
	g_free(row->district);
	g_free(row->town);
	g_free(row->days);
	g_free(row->hours);
	g_free(row);
}

static void row_add(const struct wall_report *report, struct wall_report_row *sum,
                    const struct wall_report_row *one)
{
	add_cell(&sum->span, &one->span);
	for (guint i = 0; i < report->days->len; i++) {
		add_cell(&sum->days[i], &one->days[i]);
	}
	for (guint i = 0; report->hours != NULL && i < report->hours->len; i++) {
		add_cell(&sum->hours[i], &one->hours[i]);
	}
}

static struct wall_report_row *group_row(struct builder *b, GHashTable *table, GPtrArray *rows,
                                         const char *key, const char *name, const char *district)
{
	struct wall_report_row *row = g_hash_table_lookup(table, key);
	if (row == NULL) {
		row = row_new(b->report, name);
		row->district = g_strdup(district);
		g_hash_table_insert(table, g_strdup(key), row);
		g_ptr_array_add(rows, row);
	}
	return row;
}

static void failure_free(void *data)
{
	struct wall_report_failure *failure = data;
	g_free(failure->reason);
	g_strfreev(failure->checks);
	if (failure->thumbnail != NULL) {
		g_bytes_unref(failure->thumbnail);
	}
	g_free(failure);
}

/* The first visit of the failing run that ends with the visit at time_us. */
static int64_t failing_since(struct builder *b, const char *camera, int64_t time_us)
{
	sqlite3_stmt *stmt = prepare(b,
	                             "SELECT time_us, MAX(failed) FROM inspection_results "
	                             "WHERE layout = ?1 AND camera = ?2 AND time_us <= ?3 "
	                             "GROUP BY time_us ORDER BY time_us DESC",
	                             camera);
	int64_t since_us = time_us;
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 3, time_us);
		while (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 1) != 0) {
			since_us = sqlite3_column_int64(stmt, 0);
		}
	}
	sqlite3_finalize(stmt);
	return since_us;
}

/* The failed checks of the visit at time_us: names, the reason text, a thumbnail. */
static void failed_checks(struct builder *b, struct wall_report_failure *failure,
                          const char *camera, int64_t time_us)
{
	sqlite3_stmt *stmt = prepare(b,
	                             "SELECT check_name, score, threshold, thumbnail FROM "
	                             "inspection_results WHERE layout = ?1 AND camera = ?2 AND "
	                             "time_us = ?3 AND failed != 0 ORDER BY id",
	                             camera);
	GPtrArray *names = g_ptr_array_new();
	GString *reason = g_string_new(NULL);
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 3, time_us);
	}
	while (stmt != NULL && sqlite3_step(stmt) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(stmt, 0);
		g_ptr_array_add(names, g_strdup(name));
		g_string_append_printf(reason, "%s%s（得分 %.3g，阈值 %.3g）",
		                       reason->len > 0 ? "；" : "", wall_report_check_label(name),
		                       sqlite3_column_double(stmt, 1),
		                       sqlite3_column_double(stmt, 2));
		int bytes = sqlite3_column_bytes(stmt, 3);
		if (failure->thumbnail == NULL && bytes > 0) {
			failure->thumbnail =
			        g_bytes_new(sqlite3_column_blob(stmt, 3), (gsize)bytes);
		}
	}
	sqlite3_finalize(stmt);
	g_ptr_array_add(names, NULL);
	failure->checks = (char **)g_ptr_array_free(names, FALSE);
	failure->reason = g_string_free(reason, FALSE);
}

/* Why camera is not 优质 over the span; NULL when it is. */
static struct wall_report_failure *span_failure(struct builder *b,
                                                const struct wall_report_row *row, GArray *visits)
{
	if (row->span.good) {
		return NULL;
	}
	struct wall_report_failure *failure = g_new0(struct wall_report_failure, 1);
	failure->camera = row;
	int64_t end_us = MIN(b->report->to_us, b->query->now_us);
	enum wall_camera_state state = WALL_CAMERA_UNKNOWN;
	int64_t since_us = 0;
	char *reason = NULL;
	const struct visit *visit = last_visit(visits, b->report->from_us, end_us);
	int64_t at_us = MIN(end_us, b->report->known_until_us);
	if (visit != NULL) {
		at_us = MAX(at_us, visit->time_us + 1);
	}
	if (state_before(b, row->name, at_us, &state, &since_us, &reason) &&
	    state == WALL_CAMERA_OFFLINE) {
		failure->kind = WALL_REPORT_FAILURE_OFFLINE;
		failure->reason = reason;
		failure->since_us = since_us;
		return failure;
	}
	g_free(reason);
	if (visit != NULL && visit->failed) {
		failure->kind = WALL_REPORT_FAILURE_CHECKS;
		failed_checks(b, failure, row->name, visit->time_us);
		failure->since_us = failing_since(b, row->name, visit->time_us);
		return failure;
	}
	failure->kind = WALL_REPORT_FAILURE_NOT_INSPECTED;
	failure->reason = g_strdup("期间无巡检记录");
	return failure;
}

static void add_camera(struct builder *b, const struct wall_report_camera_in *in)
{
	struct wall_report *report = b->report;
	struct wall_report_row *row = row_new(report, in->source);
	row->label = g_strdup(in->label);
	row->district = g_strdup(in->district);
	row->town = g_strdup(in->town);
	GArray *visits = load_visits(b, in->source, report->from_us, report->to_us);
	struct wall_report_period span = {report->from_us, report->to_us};
	camera_cell(b, in->source, visits, &span, &row->span);
	const struct visit *last = last_visit(visits, report->from_us, report->to_us);
	row->last_visit_us = last != NULL ? last->time_us : 0;
	for (guint i = 0; i < report->days->len; i++) {
		camera_cell(b, in->source, visits,
		            &g_array_index(report->days, struct wall_report_period, i),
		            &row->days[i]);
	}
	for (guint i = 0; report->hours != NULL && i < report->hours->len; i++) {
		camera_cell(b, in->source, visits,
		            &g_array_index(report->hours, struct wall_report_period, i),
		            &row->hours[i]);
	}
	g_ptr_array_add(report->cameras, row);
	row_add(report, report->wall, row);
	if (in->district != NULL) {
		row_add(report,
		        group_row(b, b->districts, report->districts, in->district, in->district,
		                  NULL),
		        row);
	}
	if (in->town != NULL) {
		char *key = g_strconcat(in->district != NULL ? in->district : "", "\x1f", in->town,
		                        NULL);
		row_add(report, group_row(b, b->towns, report->towns, key, in->town, in->district),
		        row);
		g_free(key);
	}
	struct wall_report_failure *failure = span_failure(b, row, visits);
	if (failure != NULL) {
		g_ptr_array_add(report->failures, failure);
	}
	g_array_unref(visits);
}

/* Offline first, then failed checks, then not inspected; longest first within each. */
static gint compare_failures(gconstpointer a, gconstpointer b)
{
	const struct wall_report_failure *x = *(struct wall_report_failure *const *)a;
	const struct wall_report_failure *y = *(struct wall_report_failure *const *)b;
	if (x->kind != y->kind) {
		return x->kind < y->kind ? -1 : 1;
	}
	if (x->since_us != y->since_us) {
		return x->since_us < y->since_us ? -1 : 1;
	}
	return strcmp(x->camera->name, y->camera->name);
}

/* The local days (or hours) that hold [from_us, to_us). */
static GArray *periods(int64_t from_us, int64_t to_us, bool hours)
{
	GArray *list = g_array_new(FALSE, FALSE, sizeof(struct wall_report_period));
	int64_t at_us = from_us;
	while (at_us < to_us) {
		struct wall_report_period period;
		if (hours) {
			wall_camera_history_hour(at_us, &period.from_us, &period.to_us);
		} else {
			wall_camera_history_day(at_us, &period.from_us, &period.to_us);
		}
		g_array_append_val(list, period);
		at_us = period.to_us;
	}
	return list;
}

struct wall_report *wall_report_build(const struct wall_report_query *query,
                                      const struct wall_report_camera_in *cameras, size_t n,
                                      GError **error)
{
	if (!g_file_test(query->state_path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
		            "%s: no state file there: the wall writes its camera history while it "
		            "runs (give the wall's --state FILE)",
		            query->state_path);
		return NULL;
	}
	struct builder b = {.query = query};
	b.history = wall_camera_history_open(query->state_path, query->layout_key, error);
	if (b.history == NULL) {
		return NULL;
	}
	if (sqlite3_open_v2(query->state_path, &b.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s", query->state_path,
		            b.db != NULL ? sqlite3_errmsg(b.db) : "out of memory");
		sqlite3_close(b.db);
		wall_camera_history_close(b.history);
		return NULL;
	}
	sqlite3_busy_timeout(b.db, 2000);

	struct wall_report *report = g_new0(struct wall_report, 1);
	int64_t end_us;
	wall_camera_history_day(query->from_us, &report->from_us, &end_us);
	wall_camera_history_day(MAX(query->to_us, query->from_us), &end_us, &report->to_us);
	b.report = report;
	report->known_until_us = MIN(known_until(&b), report->to_us);
	report->days = periods(report->from_us, report->to_us, false);
	report->hours = query->hours ? periods(report->from_us, report->to_us, true) : NULL;
	report->wall = row_new(report, "");
	report->districts = g_ptr_array_new_with_free_func(row_free);
	report->towns = g_ptr_array_new_with_free_func(row_free);
	report->cameras = g_ptr_array_new_with_free_func(row_free);
	report->failures = g_ptr_array_new_with_free_func(failure_free);
	b.districts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	b.towns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sqlite3_exec(b.db, "BEGIN", NULL, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		add_camera(&b, &cameras[i]);
	}
	sqlite3_exec(b.db, "COMMIT", NULL, NULL, NULL);
	g_ptr_array_sort(report->failures, compare_failures);
	g_hash_table_unref(b.districts);
	g_hash_table_unref(b.towns);
	sqlite3_close(b.db);
	wall_camera_history_close(b.history);
	return report;
}

void wall_report_free(struct wall_report *report)
{
	if (report == NULL) {
		return;
	}
	g_ptr_array_unref(report->failures);
	g_ptr_array_unref(report->cameras);
	g_ptr_array_unref(report->towns);
	g_ptr_array_unref(report->districts);
	row_free(report->wall);
	if (report->hours != NULL) {
		g_array_unref(report->hours);
	}
	g_array_unref(report->days);
	g_free(report);
}

static gint compare_ranking(gconstpointer a, gconstpointer b)
{
	const struct wall_report_row *x = *(struct wall_report_row *const *)a;
	const struct wall_report_row *y = *(struct wall_report_row *const *)b;
	double rx = -1, ry = -1, cx = -1, cy = -1;
	wall_report_cell_online_rate(&x->span, &rx);
	wall_report_cell_online_rate(&y->span, &ry);
	wall_report_cell_coverage(&x->span, &cx);
	wall_report_cell_coverage(&y->span, &cy);
	if (rx != ry) {
		return rx > ry ? -1 : 1;
	}
	if (cx != cy) {
		return cx > cy ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

GPtrArray *wall_report_district_ranking(const struct wall_report *report)
{
	GPtrArray *ranking = g_ptr_array_new();
	for (guint i = 0; i < report->districts->len; i++) {
		g_ptr_array_add(ranking, report->districts->pdata[i]);
	}
	g_ptr_array_sort(ranking, compare_ranking);
	return ranking;
}
