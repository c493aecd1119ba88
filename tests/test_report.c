/*
 * The inspection report: figures from a real SQLite state file, filled
 * through the camera history's own functions (two runs of the wall with
 * its downtime between) and plain inserts into inspection_results with
 * PNG thumbnails drawn by Cairo; checked against figures worked out by
 * hand. Then `wall report` (CSV, HTML, PDF read back with pdftotext), its
 * errors, and /api/report over real HTTP from a running wall.
 *
 * Days are local: the tests run in China Standard Time (TZ=CST-8), so the
 * day 2026-03-01 starts at 2026-02-28 16:00 UTC.
 */
#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <string.h>

#include "inspection/camera_history.h"
#include "inspection/report_write.h"
#include "support.h"

#define H(hours) ((int64_t)(hours)*3600 * G_USEC_PER_SEC)
/* 2026-03-01 00:00 in UTC+8. */
#define T0 ((int64_t)1772294400 * G_USEC_PER_SEC)
#define EPS 1e-6

static char *layout_path;
static char *state_path;
/* The PNG kept with cam-c's last failing visit, to find in the HTML. */
static GBytes *cam_c_thumbnail;

static const struct wall_report_camera_in cameras[] = {
        {"cam-a", "茂南区鳌头镇 01", "茂南区", "鳌头镇"},
        {"cam-b", "茂南区公馆镇 02", "茂南区", "公馆镇"},
        {"cam-c", "电白区水东街道 01", "电白区", "水东街道"},
        {"cam-d", "电白区博贺镇 03", "电白区", "博贺镇"},
};

static cairo_status_t append_png(void *closure, const unsigned char *data, unsigned int length)
{
	g_byte_array_append(closure, data, length);
	return CAIRO_STATUS_SUCCESS;
}

/* A small picture as an inspection would keep it: dark, with a mark. */
static GBytes *thumbnail_png(double grey, const char *mark)
{
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 96, 54);
	cairo_t *cr = cairo_create(surface);
	cairo_pattern_t *ramp = cairo_pattern_create_linear(0, 0, 96, 54);
	cairo_pattern_add_color_stop_rgb(ramp, 0, grey, grey, grey * 1.1);
	cairo_pattern_add_color_stop_rgb(ramp, 1, grey * 0.4, grey * 0.5, grey * 0.4);
	cairo_set_source(cr, ramp);
	cairo_paint(cr);
	cairo_pattern_destroy(ramp);
	cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
	cairo_move_to(cr, 6, 48);
	cairo_set_font_size(cr, 12);
	cairo_show_text(cr, mark);
	cairo_destroy(cr);
	GByteArray *png = g_byte_array_new();
	g_assert_cmpint(cairo_surface_write_to_png_stream(surface, append_png, png), ==,
	                CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(surface);
	return g_byte_array_free_to_bytes(png);
}

/* One row of inspection_results, as the scheduler writes it. */
static void inspect(sqlite3 *db, const char *camera, int64_t time_us, const char *check,
                    double score, double threshold, bool failed, GBytes *thumbnail)
{
	sqlite3_stmt *stmt = NULL;
	g_assert_cmpint(
	        sqlite3_prepare_v2(db,
	                           "INSERT INTO inspection_results (layout, camera, time_us, "
	                           "check_name, score, threshold, failed, thumbnail) VALUES "
	                           "(?, ?, ?, ?, ?, ?, ?, ?)",
	                           -1, &stmt, NULL),
	        ==, SQLITE_OK);
	sqlite3_bind_text(stmt, 1, layout_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, camera, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, time_us);
	sqlite3_bind_text(stmt, 4, check, -1, SQLITE_STATIC);
	sqlite3_bind_double(stmt, 5, score);
	sqlite3_bind_double(stmt, 6, threshold);
	sqlite3_bind_int(stmt, 7, failed);
	if (thumbnail != NULL) {
		sqlite3_bind_blob(stmt, 8, g_bytes_get_data(thumbnail, NULL),
		                  (int)g_bytes_get_size(thumbnail), SQLITE_TRANSIENT);
	}
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_DONE);
	sqlite3_finalize(stmt);
}

static struct wall_camera_history *open_history(void)
{
	GError *error = NULL;
	struct wall_camera_history *history =
	        wall_camera_history_open(state_path, layout_path, &error);
	g_assert_no_error(error);
	return history;
}

static void record(struct wall_camera_history *history, const char *camera,
                   enum wall_camera_state state, int64_t time_us, const char *reason)
{
	g_assert_true(wall_camera_history_record(history, camera, state, time_us, reason));
}

/*
 * Two days. The wall runs from 00:00 of day 1 to 20:00, is down until
 * 22:00, then runs until 16:00 of day 2 (its last heartbeat).
 *
 *   cam-a  online 0-6h, offline 6-8h, online 8-20h; online again from 22h
 *   cam-b  online 0-20h; offline from 22h ("no data for 5 s")
 *   cam-c  offline 0-20h; online from 23h
 *   cam-d  never seen
 *
 * Inspections (hours from day 1's start):
 *   cam-a  10h pass; 19h black fails; 30h pass; 35h pass
 *   cam-b  12h pass; 26h blur fails; 33h blur and noise fail
 *   cam-c  25h dark fails; 28h dark fails; 36h dark and contrast fail
 */
static void make_state(void)
{
	struct wall_camera_history *history = open_history();
	g_assert_true(wall_camera_history_begin_run(history, T0));
	record(history, "cam-a", WALL_CAMERA_ONLINE, T0, "first picture");
	record(history, "cam-b", WALL_CAMERA_ONLINE, T0, "first picture");
	record(history, "cam-c", WALL_CAMERA_OFFLINE, T0, "not found");
	record(history, "cam-a", WALL_CAMERA_OFFLINE, T0 + H(6), "connection refused");
	record(history, "cam-a", WALL_CAMERA_ONLINE, T0 + H(8), "first picture");
	g_assert_true(wall_camera_history_heartbeat(history, T0 + H(20)));
	wall_camera_history_close(history);

	history = open_history();
	g_assert_true(wall_camera_history_begin_run(history, T0 + H(22)));
	record(history, "cam-a", WALL_CAMERA_ONLINE, T0 + H(22), "first picture");
	record(history, "cam-b", WALL_CAMERA_OFFLINE, T0 + H(22), "no data for 5 s");
	record(history, "cam-c", WALL_CAMERA_ONLINE, T0 + H(23), "first picture");
	g_assert_true(wall_camera_history_heartbeat(history, T0 + H(40)));
	wall_camera_history_close(history);

	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open(state_path, &db), ==, SQLITE_OK);
	GBytes *black = thumbnail_png(0.03, "cam-a");
	GBytes *blur = thumbnail_png(0.5, "cam-b");
	GBytes *dark = thumbnail_png(0.1, "cam-c 25h");
	cam_c_thumbnail = thumbnail_png(0.08, "cam-c 36h");
	inspect(db, "cam-a", T0 + H(10), "black", 90, 20, false, NULL);
	inspect(db, "cam-a", T0 + H(10), "frozen", 0.2, 0.95, false, NULL);
	inspect(db, "cam-a", T0 + H(19), "black", 8, 20, true, black);
	inspect(db, "cam-a", T0 + H(19), "frozen", 0.1, 0.95, false, NULL);
	inspect(db, "cam-a", T0 + H(30), "black", 95, 20, false, NULL);
	inspect(db, "cam-a", T0 + H(35), "black", 96, 20, false, NULL);
	inspect(db, "cam-b", T0 + H(12), "blur", 0.2, 0.12, false, NULL);
	inspect(db, "cam-b", T0 + H(26), "blur", 0.05, 0.12, true, blur);
	inspect(db, "cam-b", T0 + H(33), "blur", 0.04, 0.12, true, blur);
	inspect(db, "cam-b", T0 + H(33), "noise", 9, 6, true, blur);
	inspect(db, "cam-c", T0 + H(25), "dark", 21, 30, true, dark);
	inspect(db, "cam-c", T0 + H(28), "dark", 22, 30, true, dark);
	inspect(db, "cam-c", T0 + H(36), "dark", 18, 30, true, cam_c_thumbnail);
	inspect(db, "cam-c", T0 + H(36), "contrast", 12, 25, true, NULL);
	inspect(db, "cam-c", T0 + H(36), "blur", 0.3, 0.12, false, NULL);
	sqlite3_close(db);
	g_bytes_unref(black);
	g_bytes_unref(blur);
	g_bytes_unref(dark);
}

static struct wall_report *build(const char *from, const char *to, bool hours)
{
	struct wall_report_query query = {
	        .state_path = state_path,
	        .layout_key = layout_path,
	        .now_us = g_get_real_time(),
	        .hours = hours,
	};
	g_assert_true(wall_report_parse_day(from, &query.from_us));
	g_assert_true(wall_report_parse_day(to, &query.to_us));
	GError *error = NULL;
	struct wall_report *report =
	        wall_report_build(&query, cameras, G_N_ELEMENTS(cameras), &error);
	g_assert_no_error(error);
	return report;
}

static void assert_cell(const struct wall_report_cell *cell, double online_h, double offline_h,
                        double unknown_h, int cameras_n, int good, int inspected)
{
	g_assert_cmpfloat_with_epsilon(cell->online_s, online_h * 3600, EPS);
	g_assert_cmpfloat_with_epsilon(cell->offline_s, offline_h * 3600, EPS);
	g_assert_cmpfloat_with_epsilon(cell->unknown_s, unknown_h * 3600, EPS);
	g_assert_cmpint(cell->cameras, ==, cameras_n);
	g_assert_cmpint(cell->good, ==, good);
	g_assert_cmpint(cell->inspected, ==, inspected);
}

static double rate_of(const struct wall_report_cell *cell)
{
	double rate = -1;
	g_assert_true(wall_report_cell_online_rate(cell, &rate));
	return rate;
}

static void test_day_parsing(void)
{
	int64_t start_us = 0;
	g_assert_true(wall_report_parse_day("2026-03-01", &start_us));
	g_assert_cmpint(start_us, ==, T0);
	g_assert_false(wall_report_parse_day("2026-02-30", &start_us));
	g_assert_false(wall_report_parse_day("2026-3-01", &start_us));
	g_assert_false(wall_report_parse_day("2026-03-01x", &start_us));
	g_assert_false(wall_report_parse_day("yesterday", &start_us));
	char *text = wall_report_day_text(T0 + H(23));
	g_assert_cmpstr(text, ==, "2026-03-01");
	g_free(text);
}

/* wall.name is the report's title; anything but text is refused where it stands. */
static void test_layout_name(void)
{
	GError *error = NULL;
	struct wall_layout *layout = wall_layout_load(layout_path, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(layout->name, ==, "茂名市视频监控中心");
	wall_layout_destroy(layout);
	static const char text[] = "wall:\n  canvas: 320x180\n  name: {a: 1}\nsources: {}\n"
	                           "scenes:\n  s: {grid: 1x1, tiles: []}\n";
	layout = wall_layout_parse("named.yaml", text, sizeof text - 1, NULL, NULL, &error);
	g_assert_null(layout);
	g_assert_nonnull(error);
	if (!g_str_has_prefix(error->message, "named.yaml:3:9: ")) {
		g_error("unexpected: %s", error->message);
	}
	g_error_free(error);
}

static const struct wall_report_row *row_named(GPtrArray *rows, const char *name)
{
	for (guint i = 0; i < rows->len; i++) {
		const struct wall_report_row *row = rows->pdata[i];
		if (strcmp(row->name, name) == 0) {
			return row;
		}
	}
	g_error("no row %s", name);
}

static void test_figures(void)
{
	struct wall_report *report = build("2026-03-01", "2026-03-02", false);
	g_assert_cmpint(report->from_us, ==, T0);
	g_assert_cmpint(report->to_us, ==, T0 + H(48));
	g_assert_cmpint(report->known_until_us, ==, T0 + H(40));
	g_assert_cmpuint(report->days->len, ==, 2);
	g_assert_null(report->hours);

	/* Day 1: the wall's two hours down are unknown for everyone. */
	const struct wall_report_row *a = row_named(report->cameras, "cam-a");
	const struct wall_report_row *b = row_named(report->cameras, "cam-b");
	const struct wall_report_row *c = row_named(report->cameras, "cam-c");
	const struct wall_report_row *d = row_named(report->cameras, "cam-d");
	/* cam-a's last visit of day 1 failed black; cam-b passed at 12h but is
	 * offline when the day ends; cam-c was not inspected. */
	assert_cell(&a->days[0], 20, 2, 2, 1, 0, 1);
	assert_cell(&b->days[0], 20, 2, 2, 1, 0, 1);
	assert_cell(&c->days[0], 1, 20, 3, 1, 0, 0);
	assert_cell(&d->days[0], 0, 0, 24, 1, 0, 0);
	g_assert_cmpfloat_with_epsilon(rate_of(&a->days[0]), 20.0 / 22, EPS);
	g_assert_cmpfloat_with_epsilon(rate_of(&c->days[0]), 1.0 / 21, EPS);
	double rate;
	g_assert_false(wall_report_cell_online_rate(&d->days[0], &rate));
	/* Day 2: known until the heartbeat at 16:00. */
	assert_cell(&a->days[1], 16, 0, 8, 1, 1, 1);
	assert_cell(&b->days[1], 0, 16, 8, 1, 0, 1);
	assert_cell(&c->days[1], 16, 0, 8, 1, 0, 1);
	assert_cell(&d->days[1], 0, 0, 24, 1, 0, 0);
	/* The span: 36 of 38 known hours for cam-a, and so on. */
	assert_cell(&a->span, 36, 2, 10, 1, 1, 1);
	assert_cell(&b->span, 20, 18, 10, 1, 0, 1);
	assert_cell(&c->span, 17, 20, 11, 1, 0, 1);
	g_assert_cmpint(a->last_visit_us, ==, T0 + H(35));
	g_assert_cmpint(d->last_visit_us, ==, 0);

	/* Groups sum their cameras. */
	assert_cell(&report->wall->days[0], 41, 24, 31, 4, 0, 2);
	assert_cell(&report->wall->days[1], 32, 16, 48, 4, 1, 3);
	assert_cell(&report->wall->span, 73, 40, 79, 4, 1, 3);
	g_assert_cmpfloat_with_epsilon(rate_of(&report->wall->span), 73.0 / 113, EPS);
	double coverage = -1;
	g_assert_true(wall_report_cell_coverage(&report->wall->days[1], &coverage));
	g_assert_cmpfloat_with_epsilon(coverage, 0.25, EPS);
	g_assert_cmpuint(report->districts->len, ==, 2);
	const struct wall_report_row *maonan = row_named(report->districts, "茂南区");
	const struct wall_report_row *dianbai = row_named(report->districts, "电白区");
	assert_cell(&maonan->days[0], 40, 4, 4, 2, 0, 2);
	assert_cell(&maonan->span, 56, 20, 20, 2, 1, 2);
	assert_cell(&dianbai->span, 17, 20, 59, 2, 0, 1);
	g_assert_cmpfloat_with_epsilon(rate_of(&maonan->span), 56.0 / 76, EPS);
	g_assert_cmpuint(report->towns->len, ==, 4);
	const struct wall_report_row *town = row_named(report->towns, "水东街道");
	g_assert_cmpstr(town->district, ==, "电白区");
	assert_cell(&town->span, 17, 20, 11, 1, 0, 1);

	GPtrArray *ranking = wall_report_district_ranking(report);
	g_assert_true(ranking->pdata[0] == maonan);
	g_assert_true(ranking->pdata[1] == dianbai);
	g_ptr_array_unref(ranking);

	/* Failing at the end of the span: offline, then failed checks, then not inspected. */
	g_assert_cmpuint(report->failures->len, ==, 3);
	const struct wall_report_failure *offline = report->failures->pdata[0];
	g_assert_true(offline->camera == b);
	g_assert_cmpint(offline->kind, ==, WALL_REPORT_FAILURE_OFFLINE);
	g_assert_cmpstr(offline->reason, ==, "no data for 5 s");
	g_assert_cmpint(offline->since_us, ==, T0 + H(22));
	const struct wall_report_failure *checks = report->failures->pdata[1];
	g_assert_true(checks->camera == c);
	g_assert_cmpint(checks->kind, ==, WALL_REPORT_FAILURE_CHECKS);
	g_assert_cmpint(checks->since_us, ==, T0 + H(25));
	g_assert_cmpuint(g_strv_length(checks->checks), ==, 2);
	g_assert_cmpstr(checks->checks[0], ==, "dark");
	g_assert_cmpstr(checks->checks[1], ==, "contrast");
	g_assert_cmpstr(checks->reason, ==,
	                "过暗（得分 18，阈值 30）；低对比度（得分 12，阈值 25）");
	g_assert_nonnull(checks->thumbnail);
	g_assert_true(g_bytes_equal(checks->thumbnail, cam_c_thumbnail));
	const struct wall_report_failure *never = report->failures->pdata[2];
	g_assert_true(never->camera == d);
	g_assert_cmpint(never->kind, ==, WALL_REPORT_FAILURE_NOT_INSPECTED);
	g_assert_cmpint(never->since_us, ==, 0);
	wall_report_free(report);

	/* Day 1 alone: cam-a's failed black visit is the last, since 19h, with its picture. */
	report = build("2026-03-01", "2026-03-01", false);
	g_assert_cmpint(report->known_until_us, ==, T0 + H(24));
	g_assert_cmpuint(report->failures->len, ==, 4);
	const struct wall_report_failure *black = NULL;
	for (guint i = 0; i < report->failures->len; i++) {
		const struct wall_report_failure *failure = report->failures->pdata[i];
		if (strcmp(failure->camera->name, "cam-a") == 0) {
			black = failure;
		}
	}
	g_assert_nonnull(black);
	g_assert_cmpint(black->kind, ==, WALL_REPORT_FAILURE_CHECKS);
	g_assert_cmpint(black->since_us, ==, T0 + H(19));
	g_assert_cmpstr(black->checks[0], ==, "black");
	g_assert_null(black->checks[1]);
	wall_report_free(report);
}

static void test_hours(void)
{
	struct wall_report *report = build("2026-03-02", "2026-03-02", true);
	g_assert_cmpuint(report->hours->len, ==, 24);
	const struct wall_report_row *a = row_named(report->cameras, "cam-a");
	const struct wall_report_row *b = row_named(report->cameras, "cam-b");
	/* 06:00-07:00 of day 2 (30h): cam-a online and inspected, passing. */
	assert_cell(&a->hours[6], 1, 0, 0, 1, 1, 1);
	/* 09:00-10:00 (33h): cam-b's visit failed blur and noise. */
	assert_cell(&b->hours[9], 0, 1, 0, 1, 0, 1);
	/* After the last heartbeat (16:00) nothing is known. */
	assert_cell(&report->wall->hours[17], 0, 0, 4, 4, 0, 0);
	g_assert_cmpfloat_with_epsilon(rate_of(&report->wall->hours[0]), 2.0 / 3, EPS);
	wall_report_free(report);
}

/* `wall report` with args; its exit status, and its stdout and stderr. */
static int run_report(const char *const *args, char **out, char **err)
{
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (char *)"report");
	for (const char *const *arg = args; *arg != NULL; arg++) {
		g_ptr_array_add(argv, (char *)*arg);
	}
	g_ptr_array_add(argv, NULL);
	int status = wall_test_run_wall((const char *const *)argv->pdata, out, err);
	g_ptr_array_unref(argv);
	return status;
}

static void test_csv(void)
{
	const char *args[] = {"--from", "2026-03-01", "--to",    "2026-03-02", "--format",  "csv",
	                      "-o",     "-",          "--state", state_path,   layout_path, NULL};
	char *out = NULL;
	g_assert_cmpint(run_report(args, &out, NULL), ==, 0);
	char **lines = g_strsplit(out, "\r\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 1 + 8 + 1);
	g_assert_cmpstr(lines[0], ==,
	                "date,camera,label,district,town,online_seconds,offline_seconds,"
	                "unknown_seconds,online_rate,inspected,quality_ok");
	g_assert_cmpstr(lines[1], ==,
	                "2026-03-01,cam-a,茂南区鳌头镇 01,茂南区,鳌头镇,72000,7200,7200,"
	                "0.9091,1,0");
	g_assert_cmpstr(lines[3], ==,
	                "2026-03-01,cam-c,电白区水东街道 01,电白区,水东街道,3600,72000,"
	                "10800,0.0476,0,0");
	g_assert_cmpstr(lines[4], ==,
	                "2026-03-01,cam-d,电白区博贺镇 03,电白区,博贺镇,0,0,86400,,0,0");
	g_assert_cmpstr(lines[5], ==,
	                "2026-03-02,cam-a,茂南区鳌头镇 01,茂南区,鳌头镇,57600,0,28800,"
	                "1.0000,1,1");
	g_assert_cmpstr(lines[6], ==,
	                "2026-03-02,cam-b,茂南区公馆镇 02,茂南区,公馆镇,0,57600,28800,"
	                "0.0000,1,0");
	g_assert_cmpstr(lines[9], ==, "");
	g_strfreev(lines);
	g_free(out);
}

static void test_html(void)
{
	char *path = wall_test_temp_path("report.html");
	const char *args[] = {"--from",   "2026-03-01", "--to",      "2026-03-02",
	                      "--format", "html",       "--output",  path,
	                      "--state",  state_path,   layout_path, NULL};
	char *err = NULL;
	g_assert_cmpint(run_report(args, NULL, &err), ==, 0);
	g_assert_nonnull(strstr(err, "3 failing"));
	g_free(err);
	char *html = NULL;
	g_assert_true(g_file_get_contents(path, &html, NULL, NULL));
	g_assert_true(g_str_has_prefix(html, "<!DOCTYPE html>"));
	g_assert_nonnull(strstr(html, "茂名市视频监控中心"));
	/* The headline figures: 73 of 113 known hours online, 1 of 4 cameras 优质. */
	g_assert_nonnull(strstr(html, "<b>64.6%</b><span>视频在线率</span>"));
	g_assert_nonnull(strstr(html, "<b>25.0%</b><span>优质视频覆盖率</span>"));
	g_assert_nonnull(strstr(html, "2026-03-01 至 2026-03-02"));
	/* Each failing camera, with its reason and since when. */
	g_assert_nonnull(strstr(html, "data-source=\"cam-b\""));
	g_assert_nonnull(strstr(html, "no data for 5 s"));
	g_assert_nonnull(strstr(html, "2026-03-01 22:00"));
	g_assert_nonnull(strstr(html, "data-source=\"cam-c\""));
	g_assert_nonnull(strstr(html, "过暗（得分 18，阈值 30）"));
	g_assert_nonnull(strstr(html, "2026-03-02 01:00"));
	g_assert_nonnull(strstr(html, "data-source=\"cam-d\""));
	g_assert_null(strstr(html, "data-source=\"cam-a\""));
	/* cam-c's picture, inline. */
	char *base64 = g_base64_encode(g_bytes_get_data(cam_c_thumbnail, NULL),
	                               g_bytes_get_size(cam_c_thumbnail));
	char *img = g_strdup_printf("src=\"data:image/png;base64,%s\"", base64);
	g_assert_nonnull(strstr(html, img));
	g_free(img);
	g_free(base64);
	/* Nothing fetched from elsewhere. */
	g_assert_null(strstr(html, "src=\"http"));
	g_assert_null(strstr(html, "href="));
	g_assert_null(strstr(html, "<script"));
	g_assert_null(strstr(html, "<link"));
	g_assert_null(strstr(html, "url("));
	/* The ranking: 茂南区 (73.7 %) before 电白区 (45.9 %). */
	const char *ranking = strstr(html, "id=\"ranking\"");
	g_assert_nonnull(ranking);
	const char *first = strstr(ranking, "茂南区");
	const char *second = strstr(ranking, "电白区");
	g_assert_true(first != NULL && second != NULL && first < second);
	g_assert_nonnull(strstr(ranking, "73.7%"));
	g_assert_nonnull(strstr(ranking, "45.9%"));
	g_free(html);
	g_free(path);
}

static void test_pdf(void)
{
	char *path = wall_test_temp_path("report.pdf");
	const char *args[] = {"--from", "2026-03-01", "--to",     "2026-03-02", "--output",
	                      path,     "--state",    state_path, layout_path,  NULL};
	g_assert_cmpint(run_report(args, NULL, NULL), ==, 0);
	char *pdf = NULL;
	gsize size = 0;
	g_assert_true(g_file_get_contents(path, &pdf, &size, NULL));
	g_assert_cmpuint(size, >, 1000);
	g_assert_true(g_str_has_prefix(pdf, "%PDF-"));
	g_free(pdf);
	/* The text as a reader gets it out of the PDF. */
	const char *argv[] = {"pdftotext", "-enc", "UTF-8", path, "-", NULL};
	char *text = NULL;
	int status = 0;
	GError *error = NULL;
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
	                           &text, NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	g_test_message("pdftotext: %s", text);
	static const char *const expected[] = {
	        "视频巡检报告",
	        "茂名市视频监控中心",
	        "2026-03-01至2026-03-02",
	        "区县排名",
	        "茂南区",
	        "电白区",
	        "每日趋势",
	        "异常摄像机清单",
	        "电白区水东街道01",
	        "过暗",
	        "nodatafor5s",
	        "未巡检",
	        "乡镇明细",
	        "水东街道",
	        "73.7%",
	        "64.6%",
	        "第1页/共2页",
	};
	/* pdftotext keeps or drops the spaces between Chinese characters as it
	 * sees fit: compare without them. */
	char *packed = g_strdelimit(g_strdup(text), " ", '\x1f');
	GString *squeezed = g_string_new(NULL);
	for (const char *p = packed; *p != '\0'; p++) {
		if (*p != '\x1f') {
			g_string_append_c(squeezed, *p);
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
		if (strstr(squeezed->str, expected[i]) == NULL) {
			g_error("the PDF's text has no \"%s\"", expected[i]);
		}
	}
	g_string_free(squeezed, TRUE);
	g_free(packed);
	g_free(text);
	g_free(path);
}

static void expect_refused(const char *const *args, int code, const char *message)
{
	char *err = NULL;
	g_assert_cmpint(run_report(args, NULL, &err), ==, code);
	if (strstr(err, message) == NULL) {
		g_error("expected \"%s\" in: %s", message, err);
	}
	g_free(err);
}

static void test_bad_arguments(void)
{
	const char *no_from[] = {"--state", state_path, layout_path, NULL};
	expect_refused(no_from, 2, "wall report: --from DAY is required");
	const char *bad_day[] = {"--from", "2026-13-01", layout_path, NULL};
	expect_refused(bad_day, 2, "--from 2026-13-01: expected a day as YYYY-MM-DD");
	const char *backwards[] = {"--from", "2026-03-02", "--to", "2026-03-01", layout_path, NULL};
	expect_refused(backwards, 2, "--to 2026-03-01 comes before --from");
	const char *format[] = {"--from", "2026-03-01", "--format", "docx", layout_path, NULL};
	expect_refused(format, 2, "--format must be pdf, html or csv, not \"docx\"");
	const char *future[] = {"--from", "2026-03-01", "--to", "2999-01-01", layout_path, NULL};
	expect_refused(future, 2, "--to 2999-01-01 is after today");
	const char *long_span[] = {"--from", "2024-01-01", "--to", "2026-01-01", layout_path, NULL};
	expect_refused(long_span, 2, "a report covers at most 366 days");
	const char *no_layout[] = {"--from", "2026-03-01", NULL};
	expect_refused(no_layout, 2, "no layout file given");
	const char *unknown[] = {"--from", "2026-03-01", "--colour", layout_path, NULL};
	expect_refused(unknown, 2, "Unknown option --colour");
	char *missing = wall_test_temp_path("missing.sqlite");
	const char *no_state[] = {"--from", "2026-03-01", "--state", missing, layout_path, NULL};
	expect_refused(no_state, 4, "no state file there");
	g_assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));
	g_free(missing);
	char *bad_layout = wall_test_temp_path("bad.yaml");
	g_assert_true(g_file_set_contents(bad_layout, "wall:\n  canvas: huge\n", -1, NULL));
	const char *broken[] = {"--from", "2026-03-01", "--state", state_path, bad_layout, NULL};
	expect_refused(broken, 1, "bad.yaml:2:");
	g_free(bad_layout);
	char *nowhere = wall_test_temp_path("no/such/folder/report.pdf");
	const char *unwritable[] = {"--from", "2026-03-01", "--state",   state_path,
	                            "-o",     nowhere,      layout_path, NULL};
	expect_refused(unwritable, 4, nowhere);
	g_free(nowhere);
}

static JsonObject *object_at(JsonArray *array, guint index)
{
	return json_array_get_object_element(array, index);
}

static char *http_get(SoupSession *session, const char *url, guint *status)
{
	SoupMessage *msg = soup_message_new("GET", url);
	GBytes *bytes = soup_session_send_and_read(session, msg, NULL, NULL);
	*status = soup_message_get_status(msg);
	char *body = bytes != NULL
	                     ? g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes))
	                     : NULL;
	if (bytes != NULL) {
		g_bytes_unref(bytes);
	}
	g_object_unref(msg);
	return body;
}

/* A running wall on the same state file answers /api/report with the same figures. */
static void test_api_report(void)
{
	int port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *address = g_strdup_printf("127.0.0.1:%d", port);
	char *socket_path = wall_test_temp_path("report.sock");
	char *wall = wall_test_build_path("wall/wall");
	const char *argv[] = {wall,        "--backend", "headless", "--fps",    "10",
	                      "--control", socket_path, "--state",  state_path, "--http",
	                      address,     layout_path, NULL};
	GSubprocess *process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_NONE);
	SoupSession *session = soup_session_new();
	char *cameras_url = g_strdup_printf("http://%s/api/cameras", address);
	/* Up, with every camera of the layout known to its health. */
	int64_t deadline_us = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
	for (;;) {
		guint status = 0;
		char *body = http_get(session, cameras_url, &status);
		bool ready = status == 200 && body != NULL && strstr(body, "\"cam-d\"") != NULL;
		g_free(body);
		if (ready) {
			break;
		}
		g_assert_cmpint(g_get_monotonic_time(), <, deadline_us);
		g_usleep(200 * 1000);
	}

	char *url = g_strdup_printf("http://%s/api/report?day=2026-03-02", address);
	guint status = 0;
	char *body = http_get(session, url, &status);
	g_assert_cmpuint(status, ==, 200);
	JsonParser *parser = json_parser_new();
	g_assert_true(json_parser_load_from_data(parser, body, -1, NULL));
	JsonObject *root = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(root, "from"), ==, "2026-03-02");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "hours")), ==,
	                 24);
	JsonObject *all = json_object_get_object_member(root, "wall");
	g_assert_cmpfloat_with_epsilon(json_object_get_double_member(all, "online_rate"), 2.0 / 3,
	                               EPS);
	g_assert_cmpfloat_with_epsilon(json_object_get_double_member(all, "quality_coverage"), 0.25,
	                               EPS);
	g_assert_cmpint(json_object_get_int_member(all, "cameras"), ==, 4);
	JsonArray *districts = json_object_get_array_member(root, "districts");
	g_assert_cmpstr(json_object_get_string_member(object_at(districts, 0), "name"), ==,
	                "电白区");
	g_assert_cmpfloat_with_epsilon(
	        json_object_get_double_member(object_at(districts, 0), "online_rate"), 1.0, EPS);
	g_assert_cmpfloat_with_epsilon(
	        json_object_get_double_member(object_at(districts, 1), "online_rate"), 0.5, EPS);
	JsonArray *cams = json_object_get_array_member(root, "cameras");
	g_assert_cmpuint(json_array_get_length(cams), ==, 4);
	JsonObject *a = object_at(cams, 0);
	g_assert_cmpstr(json_object_get_string_member(a, "source"), ==, "cam-a");
	JsonObject *a_hour = object_at(json_object_get_array_member(a, "hours"), 6);
	g_assert_cmpfloat_with_epsilon(json_object_get_double_member(a_hour, "online_seconds"),
	                               3600, EPS);
	g_assert_cmpint(json_object_get_int_member(a_hour, "good"), ==, 1);
	JsonArray *failures = json_object_get_array_member(root, "failures");
	g_assert_cmpuint(json_array_get_length(failures), ==, 3);
	g_assert_cmpstr(json_object_get_string_member(object_at(failures, 0), "kind"), ==,
	                "offline");
	JsonObject *checks = object_at(failures, 1);
	g_assert_cmpstr(json_object_get_string_member(checks, "source"), ==, "cam-c");
	g_assert_cmpint(json_object_get_int_member(checks, "since_us"), ==, T0 + H(25));
	g_assert_true(json_object_get_boolean_member(checks, "thumbnail"));
	g_object_unref(parser);
	g_free(body);
	g_free(url);

	/* A span by day. */
	url = g_strdup_printf("http://%s/api/report?from=2026-03-01&to=2026-03-02", address);
	body = http_get(session, url, &status);
	g_assert_cmpuint(status, ==, 200);
	parser = json_parser_new();
	g_assert_true(json_parser_load_from_data(parser, body, -1, NULL));
	root = json_node_get_object(json_parser_get_root(parser));
	g_assert_false(json_object_has_member(root, "hours"));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "days")), ==, 2);
	all = json_object_get_object_member(root, "wall");
	g_assert_cmpfloat_with_epsilon(json_object_get_double_member(all, "online_rate"),
	                               73.0 / 113, EPS);
	g_object_unref(parser);
	g_free(body);
	g_free(url);

	/* The same span by hour. */
	url = g_strdup_printf("http://%s/api/report?from=2026-03-01&to=2026-03-02&by=hour",
	                      address);
	body = http_get(session, url, &status);
	g_assert_cmpuint(status, ==, 200);
	parser = json_parser_new();
	g_assert_true(json_parser_load_from_data(parser, body, -1, NULL));
	root = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "hours")), ==,
	                 48);
	g_object_unref(parser);
	g_free(body);
	g_free(url);

	/* A bad day is a 400 that says why; the wall goes on. */
	url = g_strdup_printf("http://%s/api/report?day=2026-02-30", address);
	body = http_get(session, url, &status);
	g_assert_cmpuint(status, ==, 400);
	g_assert_nonnull(strstr(body, "day=2026-02-30: expected a day as YYYY-MM-DD"));
	g_free(body);
	g_free(url);
	url = g_strdup_printf("http://%s/api/report?day=2026-03-01&by=week", address);
	body = http_get(session, url, &status);
	g_assert_cmpuint(status, ==, 400);
	g_assert_nonnull(strstr(body, "by=week: expected hour or day"));
	g_free(body);
	g_free(url);
	body = http_get(session, cameras_url, &status);
	g_assert_cmpuint(status, ==, 200);
	g_free(body);

	g_object_unref(session);
	wall_test_stop(process);
	g_free(cameras_url);
	g_free(wall);
	g_free(socket_path);
	g_free(address);
}

int main(int argc, char **argv)
{
	/* Local days in China Standard Time, here and in every wall started. */
	g_setenv("TZ", "CST-8", TRUE);
	g_test_init(&argc, &argv, NULL);
	layout_path = wall_test_source_path("tests/layouts/report-town.yaml");
	state_path = wall_test_temp_path("report.sqlite");
	make_state();
	g_test_add_func("/report/day-parsing", test_day_parsing);
	g_test_add_func("/report/layout-name", test_layout_name);
	g_test_add_func("/report/figures", test_figures);
	g_test_add_func("/report/hours", test_hours);
	g_test_add_func("/report/csv", test_csv);
	g_test_add_func("/report/html", test_html);
	g_test_add_func("/report/pdf", test_pdf);
	g_test_add_func("/report/bad-arguments", test_bad_arguments);
	g_test_add_func("/report/api", test_api_report);
	int status = g_test_run();
	g_bytes_unref(cam_c_thumbnail);
	g_free(state_path);
	g_free(layout_path);
	return status;
}
