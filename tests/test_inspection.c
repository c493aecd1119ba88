/*
 * The inspection scheduler against real RTSP streams: the camera server
 * (wall-camserver) started here serves its normal test cameras and its
 * looks (a moving natural-looking scene and the faults made from it with
 * GStreamer), and a camera at a port where nothing listens is down. Every
 * camera is visited by the real scheduler, opened through the real camera
 * plugin on its sub stream, and the results are read back from the
 * SQLite state file the way a report would: each fault is found, the
 * scene and the normal cameras pass, the camera that is down is
 * no_signal and offline with the reason.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <string.h>

#include "inspection/camera_health.h"
#include "inspection/camera_history.h"
#include "inspection/inspection.h"
#include "layout.h"
#include "metrics.h"
#include "plugin_registry.h"
#include "support.h"

struct server {
	GSubprocess *process;
	int port;
};

static struct server *server_start(void)
{
	char *path = wall_test_build_path("plugins/camera/camserver/wall-camserver");
	if (!g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("wall-camserver was not built (no RTSP server library)");
		g_free(path);
		return NULL;
	}
	/* Small and slow pictures: the machine running the tests is shared. */
	const char *argv[] = {path,       "--port=0",       "--cameras=1",
	                      "--fps=12", "--main=640x360", "--sub=384x288",
	                      NULL};
	GSubprocess *process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
	                                                     G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_free(path);
	GDataInputStream *out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(process));
	GError *error = NULL;
	char *line = g_data_input_stream_read_line_utf8(out, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "READY port="));
	struct server *server = g_new0(struct server, 1);
	server->process = process;
	server->port = atoi(line + strlen("READY port="));
	g_free(line);
	g_object_unref(out);
	return server;
}

static void server_stop(struct server *server)
{
	if (server != NULL) {
		wall_test_stop(server->process);
		g_free(server);
	}
}

/* What the scheduler should find on each camera: the check that must fail, or NULL. */
struct expect {
	const char *camera;
	const char *fails;
};

static const struct expect expects[] = {
        {"scene", NULL},    {"normal", NULL},      {"black", "black"}, {"frozen", "frozen"},
        {"dark", "dark"},   {"bright", "bright"},  {"blur", "blur"},   {"cast", "colour_cast"},
        {"noise", "noise"}, {"down", "no_signal"},
};

static char *layout_text(int port, int down_port)
{
	GString *text = g_string_new("wall:\n"
	                             "  canvas: 640x360\n"
	                             "  inspection:\n"
	                             "    every: 10m\n"
	                             "    concurrency: 2\n"
	                             "    visit: 4s\n"
	                             "    open_timeout: 20s\n"
	                             /* The pictures here come 12 a second. */
	                             "    thresholds: {min_fps: 5}\n"
	                             "sources:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(expects); i++) {
		const char *name = expects[i].camera;
		g_string_append_printf(text, "  %s:\n    plugin: camera\n", name);
		if (strcmp(name, "normal") == 0) {
			/* The main stream is never opened: the sub stream is visited. */
			g_string_append_printf(text,
			                       "    url: rtsp://127.0.0.1:%d/cam01\n"
			                       "    sub: rtsp://127.0.0.1:%d/cam01-sub\n",
			                       port, port);
		} else if (strcmp(name, "down") == 0) {
			g_string_append_printf(text, "    url: rtsp://127.0.0.1:%d/cam01\n",
			                       down_port);
		} else {
			g_string_append_printf(text, "    url: rtsp://127.0.0.1:%d/look/%s\n", port,
			                       name);
		}
	}
	g_string_append(text, "scenes:\n"
	                      "  main:\n"
	                      "    grid: 1x1\n"
	                      "    tiles:\n"
	                      "      - {id: t1, source: scene, cell: [0, 0]}\n");
	return g_string_free(text, FALSE);
}

/* One round as the render thread makes it once a second: no camera runs here. */
static void observe(struct wall_camera_health *health, struct wall_inspection *inspection,
                    const struct wall_layout *layout)
{
	int64_t now_us = g_get_real_time();
	wall_camera_health_begin(health);
	wall_inspection_begin(inspection, &layout->inspection);
	for (guint i = 0; i < layout->sources->len; i++) {
		const struct wall_layout_source *config = layout->sources->pdata[i];
		struct wall_camera_seen seen = {
		        .source = config->name,
		        .state = WALL_CAMERA_UNKNOWN,
		        .reason = "not shown or kept warm",
		        .since_us = now_us,
		        .fps = -1,
		        .bitrate_kbps = -1,
		        .reconnects = -1,
		};
		wall_camera_health_see(health, &seen);
		wall_inspection_see(inspection, config, false, false, seen.reason);
	}
	wall_camera_health_end(health, now_us);
	wall_inspection_end(inspection);
}

static int count_visited(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	g_assert_cmpint(sqlite3_prepare_v2(db,
	                                   "SELECT COUNT(DISTINCT camera) FROM inspection_results",
	                                   -1, &stmt, NULL),
	                ==, SQLITE_OK);
	int count = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	return count;
}

struct camera_result {
	GString *failed;
	int judged;
	int false_positives;
};

/* Every check of camera's visit; checks that fail beyond the expected one count as false positives.
 */
static struct camera_result read_result(sqlite3 *db, const struct expect *expect)
{
	struct camera_result result = {.failed = g_string_new(NULL)};
	sqlite3_stmt *stmt;
	g_assert_cmpint(sqlite3_prepare_v2(db,
	                                   "SELECT check_name, score, threshold, failed, thumbnail "
	                                   "FROM inspection_results WHERE camera = ? ORDER BY id",
	                                   -1, &stmt, NULL),
	                ==, SQLITE_OK);
	sqlite3_bind_text(stmt, 1, expect->camera, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *check = (const char *)sqlite3_column_text(stmt, 0);
		double score = sqlite3_column_double(stmt, 1);
		double threshold = sqlite3_column_double(stmt, 2);
		bool failed = sqlite3_column_int(stmt, 3) != 0;
		g_test_message("%s: %s score %.3f threshold %.3f %s", expect->camera, check, score,
		               threshold, failed ? "FAILED" : "passed");
		result.judged++;
		if (!failed) {
			g_assert_true(sqlite3_column_type(stmt, 4) == SQLITE_NULL);
			continue;
		}
		g_string_append_printf(result.failed, "%s%s", result.failed->len > 0 ? "," : "",
		                       check);
		if (g_strcmp0(check, expect->fails) != 0) {
			result.false_positives++;
		}
		/* A picture that failed is kept as a small PNG, 160 pixels wide. */
		if (strcmp(check, "no_signal") != 0) {
			const uint8_t *png = sqlite3_column_blob(stmt, 4);
			int size = sqlite3_column_bytes(stmt, 4);
			g_assert_nonnull(png);
			g_assert_cmpint(size, >, 24);
			g_assert_cmpmem(png, 8, "\x89PNG\r\n\x1a\n", 8);
			int width = png[16] << 24 | png[17] << 16 | png[18] << 8 | png[19];
			g_assert_cmpint(width, ==, 160);
		}
	}
	sqlite3_finalize(stmt);
	return result;
}

struct health_view {
	const char *camera;
	struct wall_camera_seen seen;
	char *reason;
};

static void find_camera(void *user, const struct wall_camera_seen *camera)
{
	struct health_view *view = user;
	if (strcmp(camera->source, view->camera) == 0) {
		view->seen = *camera;
		view->reason = g_strdup(camera->reason);
	}
}

static void test_visits_find_faults(void)
{
	struct server *server = server_start();
	if (server == NULL) {
		return;
	}
	int down_port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	struct wall_plugin_registry *registry = wall_test_registry_with("camera");
	char *text = layout_text(server->port, down_port);
	GError *error = NULL;
	struct wall_layout *layout =
	        wall_layout_parse("inspection.yaml", text, strlen(text),
	                          wall_plugin_registry_options, registry, &error);
	g_assert_no_error(error);
	g_assert_true(layout->inspection.enabled);
	g_assert_cmpint(layout->inspection.concurrency, ==, 2);

	char *state = wall_test_temp_path("state.sqlite");
	struct wall_camera_history *history = wall_camera_history_open(state, "inspection", &error);
	g_assert_no_error(error);
	g_assert_true(wall_camera_history_begin_run(history, g_get_real_time()));
	struct wall_camera_health *health = wall_camera_health_new(history);
	struct wall_inspection *inspection = wall_inspection_new(health, registry);
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open_v2(state, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);

	/* Ten cameras, two at a time, four seconds each after their first
	 * picture: about 25 s on a quiet machine. */
	int64_t deadline_us = g_get_monotonic_time() + 300 * G_USEC_PER_SEC;
	int visited = 0;
	while (visited < (int)G_N_ELEMENTS(expects) && g_get_monotonic_time() < deadline_us) {
		observe(health, inspection, layout);
		g_usleep(200 * 1000);
		visited = count_visited(db);
	}
	g_assert_cmpint(visited, ==, G_N_ELEMENTS(expects));
	g_assert_cmpuint(wall_inspection_visits(inspection), >=, G_N_ELEMENTS(expects));
	/* A visit's source publishes none of the camera's own figures. */
	double figure;
	g_assert_false(wall_metrics_get("scene.online", &figure));
	g_assert_false(wall_metrics_get("scene.online_s", &figure));
	/* The visits' states reach the health at its next round. */
	observe(health, inspection, layout);

	int false_positives = 0, judged = 0;
	/* Every camera's findings are logged before any is asserted. */
	GString *wrong = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(expects); i++) {
		const struct expect *expect = &expects[i];
		struct camera_result result = read_result(db, expect);
		g_test_message("%s: failed [%s]", expect->camera, result.failed->str);
		judged += result.judged;
		false_positives += result.false_positives;
		if (expect->fails == NULL) {
			if (result.failed->len > 0) {
				g_string_append_printf(wrong, " %s failed %s;", expect->camera,
				                       result.failed->str);
			}
			/* Every check was judged on a camera that gave pictures. */
			g_assert_cmpint(result.judged, ==, WALL_CHECK_COUNT);
		} else {
			char **failed = g_strsplit(result.failed->str, ",", -1);
			if (!g_strv_contains((const char *const *)failed, expect->fails)) {
				g_string_append_printf(wrong, " %s not found (failed: %s);",
				                       expect->camera, result.failed->str);
			}
			g_strfreev(failed);
		}
		struct health_view view = {.camera = expect->camera};
		wall_camera_health_foreach(health, find_camera, &view);
		g_assert_cmpint(view.seen.problems, >=, 0);
		if (strcmp(expect->camera, "down") == 0) {
			g_assert_cmpint(view.seen.state, ==, WALL_CAMERA_OFFLINE);
			g_assert_true(g_str_has_prefix(view.reason, "no picture within") ||
			              strlen(view.reason) > 0);
			g_test_message("down: offline, %s", view.reason);
		} else {
			g_assert_cmpint(view.seen.state, ==, WALL_CAMERA_ONLINE);
			/* /metrics' per-camera figures come from the visit. */
			g_assert_cmpfloat(view.seen.fps, >, 0);
			g_assert_cmpfloat(view.seen.bitrate_kbps, >=, 0);
			g_assert_cmpfloat(view.seen.reconnects, >=, 0);
			if ((view.seen.problems == 0) != (expect->fails == NULL)) {
				g_string_append_printf(wrong, " %s health problems 0x%x;",
				                       expect->camera, view.seen.problems);
			}
		}
		g_free(view.reason);
		g_string_free(result.failed, TRUE);
	}
	g_test_message("checks judged %d, failed beyond the fault itself: %d", judged,
	               false_positives);
	g_assert_cmpstr(wrong->str, ==, "");
	g_string_free(wrong, TRUE);
	/* The faults made from the scene are the scene's only faults... except
	 * where one fault is also another by definition (a dark picture has
	 * little contrast): those are counted, not failed. The scene and the
	 * normal cameras failing nothing is asserted above. */

	sqlite3_close(db);
	wall_inspection_destroy(inspection);
	wall_camera_health_destroy(health);
	wall_layout_destroy(layout);
	wall_plugin_registry_destroy(registry);
	g_free(state);
	g_free(text);
	server_stop(server);
}

/* The text of file path once it holds needle, within the deadline; NULL if never. */
static char *wait_for_text(const char *path, const char *needle, int seconds)
{
	int64_t deadline_us = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
	do {
		char *text = NULL;
		if (g_file_get_contents(path, &text, NULL, NULL) && strstr(text, needle) != NULL) {
			return text;
		}
		g_free(text);
		g_usleep(250 * 1000);
	} while (g_get_monotonic_time() < deadline_us);
	return NULL;
}

/*
 * The wall itself: the camera on screen is visited through the pictures
 * the wall already has (never opened twice), the one off screen is opened,
 * and the one that is down is offline and ALARMed once it has been for
 * alarm_offline.
 */
static void test_wall_visits_and_alarms(void)
{
	struct server *server = server_start();
	if (server == NULL) {
		return;
	}
	int down_port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *layout = wall_test_temp_path("inspected.yaml");
	char *text = g_strdup_printf(
	        "wall:\n"
	        "  canvas: 640x360\n"
	        "  inspection:\n"
	        "    every: 10m\n"
	        /* One at a time: the camera on screen first, then the others. */
	        "    concurrency: 1\n"
	        "    visit: 3s\n"
	        "    open_timeout: 30s\n"
	        "    alarm_offline: 2s\n"
	        "    thresholds: {min_fps: 3}\n"
	        "sources:\n"
	        "  scene:\n    plugin: camera\n    url: rtsp://127.0.0.1:%d/look/scene\n"
	        "  black:\n    plugin: camera\n    url: rtsp://127.0.0.1:%d/look/black\n"
	        "  down:\n    plugin: camera\n    url: rtsp://127.0.0.1:%d/cam01\n"
	        "scenes:\n"
	        "  main:\n"
	        "    grid: 1x1\n"
	        "    tiles:\n"
	        "      - {id: t1, source: scene, cell: [0, 0]}\n",
	        server->port, server->port, down_port);
	g_assert_true(g_file_set_contents(layout, text, -1, NULL));
	char *state = wall_test_temp_path("inspected.sqlite");
	char *socket_path = wall_test_temp_path("inspected.sock");
	char *log = wall_test_temp_path("inspected.log");
	char *wall = wall_test_build_path("wall/wall");
	const char *argv[] = {wall,        "-v",        "--backend", "headless", "--fps", "10",
	                      "--control", socket_path, "--state",   state,      layout,  NULL};
	GSubprocessLauncher *launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_subprocess_launcher_set_child_setup(launcher, wall_test_die_with_parent, NULL, NULL);
	g_subprocess_launcher_set_stderr_file_path(launcher, log);
	GError *error = NULL;
	GSubprocess *process = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	g_object_unref(launcher);
	struct wall_test_client client = {0};
	int64_t deadline_us = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (!wall_test_client_open(&client, socket_path)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline_us);
		g_usleep(100 * 1000);
	}
	struct wall_test_client watcher = {0};
	g_assert_true(wall_test_client_open(&watcher, socket_path));
	json_object_unref(wall_test_client_ask_ok(&watcher, "SUBSCRIBE"));

	/* The camera that is down pops onto the wall once offline for 2 s. */
	bool alarmed = false;
	for (int i = 0; i < 400 && !alarmed; i++) {
		char *line = wall_test_client_read(&watcher);
		g_assert_nonnull(line);
		alarmed = g_str_has_prefix(line, "EVENT {\"event\":\"alarm\"") &&
		          strstr(line, "\"source\":\"down\"") != NULL &&
		          strstr(line, "\"state\":\"start\"") != NULL;
		g_free(line);
	}
	g_assert_true(alarmed);
	/* Every camera visited: the shown one through its live pictures. */
	char *logged = wait_for_text(log, "inspection: black:", 120);
	g_assert_nonnull(logged);
	g_free(logged);
	logged = wait_for_text(log, "inspection: scene:", 120);
	g_assert_nonnull(logged);
	g_assert_nonnull(strstr(logged, "inspection: scene: "));
	char *scene_line = strstr(logged, "inspection: scene: ");
	char *end = strchr(scene_line, '\n');
	char *visit =
	        g_strndup(scene_line, end != NULL ? (gsize)(end - scene_line) : strlen(scene_line));
	g_test_message("%s", visit);
	g_assert_nonnull(strstr(visit, "(live pictures)"));
	g_assert_nonnull(strstr(visit, "failed 0x0"));
	g_free(visit);
	g_free(logged);

	JsonObject *status = wall_test_client_ask_ok(&client, "STATUS");
	JsonArray *cameras = json_object_get_array_member(status, "cameras");
	g_assert_cmpuint(json_array_get_length(cameras), ==, 3);
	JsonObject *black = json_array_get_object_element(cameras, 1);
	g_assert_cmpstr(json_object_get_string_member(black, "source"), ==, "black");
	g_assert_cmpstr(json_object_get_string_member(black, "state"), ==, "online");
	JsonObject *down = json_array_get_object_element(cameras, 2);
	g_assert_cmpstr(json_object_get_string_member(down, "state"), ==, "offline");
	json_object_unref(status);
	wall_test_client_close(&watcher);
	wall_test_client_close(&client);
	wall_test_stop(process);

	/* The results are kept: the scene passed everything, black is black. */
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open_v2(state, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	const struct expect scene = {"scene", NULL}, black_look = {"black", "black"};
	struct camera_result result = read_result(db, &scene);
	g_assert_cmpstr(result.failed->str, ==, "");
	g_assert_cmpint(result.judged, >=, WALL_CHECK_COUNT - 1);
	g_string_free(result.failed, TRUE);
	result = read_result(db, &black_look);
	g_assert_nonnull(strstr(result.failed->str, "black"));
	g_string_free(result.failed, TRUE);
	sqlite3_close(db);
	g_free(wall);
	g_free(log);
	g_free(socket_path);
	g_free(state);
	g_free(text);
	g_free(layout);
	server_stop(server);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/inspection/visits-find-faults", test_visits_find_faults);
	g_test_add_func("/inspection/wall-visits-and-alarms", test_wall_visits_and_alarms);
	return g_test_run();
}
