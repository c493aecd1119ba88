/*
 * Not a test: writes a week (2026-11-23 to 2026-11-29, local days) of
 * made-up but plausible camera history for tests/layouts/report-sample.yaml
 * into a state file, for the README's sample report:
 *
 *   report-sample STATE.sqlite tests/layouts/report-sample.yaml
 *
 * Transitions go through the camera history's own functions, with the
 * wall down for 90 minutes on the third night; inspections are rows of
 * inspection_results every two hours, with a Cairo-drawn picture for each
 * failure. The same seed gives the same week.
 */
#include <cairo.h>
#include <glib.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>

#include "inspection/camera_history.h"
#include "inspection/report.h"
#include "layout.h"

#define HOUR_US ((int64_t)3600 * G_USEC_PER_SEC)
#define DAYS 7

static const char *const checks[] = {"no_signal", "black", "frozen",      "dark", "bright",
                                     "contrast",  "blur",  "colour_cast", "noise"};

/* The faults some cameras develop: which check, from which hour of the week. */
static const struct {
	const char *camera;
	const char *check;
	int from_hour;
	double score;
	double threshold;
} faults[] = {
        {"gaozhou-shigu-01", "dark", 122, 17.5, 30},
        {"huazhou-yangmei-01", "blur", 90, 0.05, 0.12},
        {"xinyi-chidong-01", "colour_cast", 140, 31.0, 20},
        {"dianbai-shalang-01", "frozen", 150, 0.985, 0.95},
        {"binhai-lighthouse-01", "noise", 100, 9.4, 6},
};

/* Cameras that go offline for good: from which hour, and why. */
static const struct {
	const char *camera;
	int from_hour;
	const char *reason;
} outages[] = {
        {"xinyi-qianpai-01", 131, "connection refused"},
        {"huazhou-daqiao-01", 158, "no data for 10 s"},
};

static cairo_status_t append_png(void *closure, const unsigned char *data, unsigned int length)
{
	g_byte_array_append(closure, data, length);
	return CAIRO_STATUS_SUCCESS;
}

/* A street scene as a camera would see it, spoilt the way check says. */
static GBytes *picture(const char *check, const char *label, int64_t time_us, GRand *rand)
{
	const int w = 160, h = 90;
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_t *cr = cairo_create(surface);
	cairo_pattern_t *sky = cairo_pattern_create_linear(0, 0, 0, h * 0.5);
	cairo_pattern_add_color_stop_rgb(sky, 0, 0.45, 0.62, 0.82);
	cairo_pattern_add_color_stop_rgb(sky, 1, 0.78, 0.85, 0.9);
	cairo_set_source(cr, sky);
	cairo_paint(cr);
	cairo_pattern_destroy(sky);
	cairo_set_source_rgb(cr, 0.32, 0.45, 0.28);
	cairo_rectangle(cr, 0, h * 0.5, w, h * 0.5);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0.35, 0.35, 0.37);
	cairo_move_to(cr, w * 0.42, h * 0.5);
	cairo_line_to(cr, w * 0.58, h * 0.5);
	cairo_line_to(cr, w * 0.95, h);
	cairo_line_to(cr, w * 0.05, h);
	cairo_fill(cr);
	for (int i = 0; i < 5; i++) {
		cairo_set_source_rgb(cr, 0.6 + 0.06 * i, 0.55, 0.5 - 0.05 * i);
		cairo_rectangle(cr, 6 + i * 12, h * 0.5 - 14 - i * 3, 10, 14 + i * 3);
		cairo_fill(cr);
	}
	cairo_set_source_rgb(cr, 0.85, 0.2, 0.15);
	cairo_rectangle(cr, w * 0.55, h * 0.72, 12, 7);
	cairo_fill(cr);
	cairo_destroy(cr);

	/* The fault, applied to the pixels. */
	cairo_surface_flush(surface);
	unsigned char *data = cairo_image_surface_get_data(surface);
	int stride = cairo_image_surface_get_stride(surface);
	bool blur = g_strcmp0(check, "blur") == 0;
	for (int pass = 0; blur && pass < 3; pass++) {
		for (int y = 1; y < h - 1; y++) {
			for (int x = 1; x < w - 1; x++) {
				for (int c = 0; c < 3; c++) {
					unsigned char *p = data + y * stride + x * 4 + c;
					*p = (unsigned char)((p[-4] + p[4] + p[-stride] +
					                      p[stride] + 4 * p[0]) /
					                     8);
				}
			}
		}
	}
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			unsigned char *p = data + y * stride + x * 4;
			for (int c = 0; c < 3; c++) {
				double v = p[c];
				if (g_strcmp0(check, "dark") == 0) {
					v *= 0.12;
				} else if (g_strcmp0(check, "colour_cast") == 0) {
					v = c == 1 ? MIN(255, v * 1.3 + 40) : v * 0.6;
				} else if (g_strcmp0(check, "noise") == 0) {
					v += g_rand_double_range(rand, -70, 70);
				}
				p[c] = (unsigned char)CLAMP(v, 0, 255);
			}
		}
	}
	cairo_surface_mark_dirty(surface);

	/* The camera's own caption, as an OSD would print it. */
	cr = cairo_create(surface);
	GDateTime *at = g_date_time_new_from_unix_local(time_us / G_USEC_PER_SEC);
	char *stamp = g_date_time_format(at, "%Y-%m-%d %H:%M");
	g_date_time_unref(at);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_select_font_face(cr, "Noto Sans CJK SC", CAIRO_FONT_SLANT_NORMAL,
	                       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 8);
	cairo_move_to(cr, 4, 10);
	cairo_show_text(cr, stamp);
	cairo_move_to(cr, 4, h - 4);
	cairo_show_text(cr, label);
	g_free(stamp);
	cairo_destroy(cr);
	GByteArray *png = g_byte_array_new();
	cairo_surface_write_to_png_stream(surface, append_png, png);
	cairo_surface_destroy(surface);
	return g_byte_array_free_to_bytes(png);
}

static void insert_row(sqlite3_stmt *stmt, const char *layout, const char *camera, int64_t time_us,
                       const char *check, double score, double threshold, bool failed,
                       GBytes *thumbnail)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	sqlite3_bind_text(stmt, 1, layout, -1, SQLITE_STATIC);
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
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		g_error("insert: %s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
	}
}

/* Hour of the week h (0 = Monday 00:00) as a time. */
static int64_t at_hour(int64_t week_us, double hour)
{
	return week_us + (int64_t)(hour * HOUR_US);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s STATE.sqlite LAYOUT.yaml\n", argv[0]);
		return 2;
	}
	GError *error = NULL;
	struct wall_layout *layout = wall_layout_load(argv[2], NULL, NULL, &error);
	if (layout == NULL) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	char *key = g_canonicalize_filename(layout->path, NULL);
	int64_t week_us = 0;
	wall_report_parse_day("2026-11-23", &week_us);
	/* The wall is down on the third night, 02:00 to 03:30. */
	double down_from = 2 * 24 + 2, down_to = 2 * 24 + 3.5;
	GRand *rand = g_rand_new_with_seed(2026);

	struct wall_camera_history *history = wall_camera_history_open(argv[1], key, &error);
	if (history == NULL) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	for (int run = 0; run < 2; run++) {
		double from = run == 0 ? 0 : down_to, to = run == 0 ? down_from : DAYS * 24;
		wall_camera_history_begin_run(history, at_hour(week_us, from));
		for (guint i = 0; i < layout->sources->len; i++) {
			const struct wall_layout_source *source = layout->sources->pdata[i];
			if (g_strcmp0(source->plugin, "camera") != 0) {
				continue;
			}
			wall_camera_history_record(history, source->name, WALL_CAMERA_ONLINE,
			                           at_hour(week_us, from), "first picture");
			double gone = to;
			for (size_t k = 0; k < G_N_ELEMENTS(outages); k++) {
				if (g_strcmp0(outages[k].camera, source->name) == 0) {
					gone = MIN(gone, outages[k].from_hour);
				}
			}
			/* Short outages now and then: a link that drops for a while. */
			for (double hour = from + g_rand_double_range(rand, 5, 40); hour < gone;
			     hour += g_rand_double_range(rand, 20, 70)) {
				double back = hour + g_rand_double_range(rand, 0.3, 4);
				if (back >= gone) {
					break;
				}
				wall_camera_history_record(
				        history, source->name, WALL_CAMERA_OFFLINE,
				        at_hour(week_us, hour), "no data for 5 s");
				wall_camera_history_record(history, source->name,
				                           WALL_CAMERA_ONLINE,
				                           at_hour(week_us, back), "first picture");
			}
			for (size_t k = 0; k < G_N_ELEMENTS(outages); k++) {
				if (g_strcmp0(outages[k].camera, source->name) == 0 && gone < to) {
					wall_camera_history_record(
					        history, source->name, WALL_CAMERA_OFFLINE,
					        at_hour(week_us, gone), outages[k].reason);
				}
			}
		}
		wall_camera_history_heartbeat(history, at_hour(week_us, to));
	}
	wall_camera_history_close(history);

	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(
	            db,
	            "INSERT INTO inspection_results (layout, camera, time_us, check_name, "
	            "score, threshold, failed, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	            -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (guint i = 0; i < layout->sources->len; i++) {
		const struct wall_layout_source *source = layout->sources->pdata[i];
		if (g_strcmp0(source->plugin, "camera") != 0) {
			continue;
		}
		double offset = g_rand_double_range(rand, 0, 2);
		for (double hour = offset; hour < DAYS * 24; hour += 2) {
			if (hour >= down_from && hour < down_to) {
				continue;
			}
			int64_t time_us = at_hour(week_us, hour);
			const char *failing = NULL;
			double score = 0, threshold = 0;
			for (size_t k = 0; k < G_N_ELEMENTS(faults); k++) {
				if (g_strcmp0(faults[k].camera, source->name) == 0 &&
				    hour >= faults[k].from_hour) {
					failing = faults[k].check;
					score = faults[k].score *
					        g_rand_double_range(rand, 0.98, 1.02);
					threshold = faults[k].threshold;
				}
			}
			GBytes *thumbnail = failing != NULL
			                            ? picture(failing, source->label, time_us, rand)
			                            : NULL;
			for (size_t c = 0; c < G_N_ELEMENTS(checks); c++) {
				bool failed = g_strcmp0(checks[c], failing) == 0;
				insert_row(stmt, key, source->name, time_us, checks[c],
				           failed ? score : 0, failed ? threshold : 0, failed,
				           failed ? thumbnail : NULL);
			}
			if (thumbnail != NULL) {
				g_bytes_unref(thumbnail);
			}
		}
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	g_rand_free(rand);
	g_free(key);
	wall_layout_destroy(layout);
	return 0;
}
