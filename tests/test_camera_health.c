/*
 * Camera health in the wall: every camera of the layout counts, shown or
 * not; each transition lands in the state file with its reason; a restart
 * keeps the history and counts the time the wall was down as unknown; the
 * online rates by district and town come out as wall: metrics.
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "inspection/camera_health.h"
#include "metrics.h"
#include "support.h"

static void run_four_cameras(const char *state, char **out)
{
	char *layout = wall_test_source_path("tests/layouts/four-cameras.yaml");
	/* 10 s: the missing file is reported long before, even on a cold cache. */
	const char *args[] = {"--backend", "headless", "--fps", "30",   "--frames", "300",
	                      "--stats",   "--state",  state,   layout, NULL};
	g_assert_cmpint(wall_test_run_wall(args, out, NULL), ==, 0);
	g_free(layout);
}

static struct wall_camera_history *open_history(const char *state)
{
	char *layout = wall_test_source_path("tests/layouts/four-cameras.yaml");
	char *key = g_canonicalize_filename(layout, NULL);
	GError *error = NULL;
	struct wall_camera_history *history = wall_camera_history_open(state, key, &error);
	g_assert_no_error(error);
	g_free(key);
	g_free(layout);
	return history;
}

static void test_every_camera_counts_and_is_kept(void)
{
	char *state = wall_test_temp_path("cameras.sqlite");
	char *out = NULL;
	int64_t first_start_us = g_get_real_time();
	run_four_cameras(state, &out);
	/* Before: "cameras online: 1 of 1", only the tile on screen. */
	g_assert_nonnull(strstr(out, "cameras online: 0 of 4\n"));
	g_free(out);

	/* Read the history while no wall runs. */
	struct wall_camera_history *history = open_history(state);
	enum wall_camera_state camera_state;
	int64_t since_us = 0;
	char *reason = NULL;
	/* Shown: the plugin said why, and that reason is kept word for word. */
	g_assert_true(
	        wall_camera_history_last(history, "cam-1", &camera_state, &since_us, &reason));
	g_assert_cmpint(camera_state, ==, WALL_CAMERA_OFFLINE);
	g_assert_cmpstr(reason, !=, "");
	g_assert_cmpint(since_us, >=, first_start_us);
	g_free(reason);
	/* Not shown, not warm: unknown, and it says so. */
	g_assert_true(wall_camera_history_last(history, "cam-4", &camera_state, NULL, &reason));
	g_assert_cmpint(camera_state, ==, WALL_CAMERA_UNKNOWN);
	g_assert_cmpstr(reason, ==, "not shown or kept warm");
	g_free(reason);
	/* The color source is no camera. */
	g_assert_false(wall_camera_history_last(history, "red", NULL, NULL, NULL));
	wall_camera_history_close(history);

	/* The wall stays down a while, then runs again. */
	g_usleep(1500 * 1000);
	int64_t second_start_us = g_get_real_time();
	run_four_cameras(state, NULL);
	int64_t end_us = g_get_real_time();
	history = open_history(state);
	struct wall_camera_tally tally = {0};
	g_assert_true(wall_camera_history_tally(history, "cam-1", first_start_us, end_us, &tally));
	/* At least the 1.5 s between the runs was unknown, not offline, and
	 * the camera was offline in both runs. */
	g_assert_cmpfloat(tally.unknown_s, >=, 1.4);
	g_assert_cmpfloat(tally.offline_s, >, 0);
	g_assert_cmpfloat(tally.online_s, ==, 0);
	g_assert_cmpfloat(tally.offline_s + tally.unknown_s + tally.online_s, <=,
	                  (end_us - first_start_us) / 1e6 + 0.01);
	g_assert_true(wall_camera_history_last(history, "cam-1", &camera_state, &since_us, NULL));
	g_assert_cmpint(camera_state, ==, WALL_CAMERA_OFFLINE);
	g_assert_cmpint(since_us, >=, second_start_us);
	wall_camera_history_close(history);
	g_free(state);
}

static double metric(const char *name)
{
	double value = -1;
	if (!wall_metrics_get(name, &value)) {
		g_error("no metric %s", name);
	}
	return value;
}

/* Rates by camera, town, district and wall, from the history. */
static void test_rates_by_group(void)
{
	char *state = wall_test_temp_path("groups.sqlite");
	int64_t now_us = g_get_real_time();
	/* Within the current hour whatever the clock: start 60 s back, or at
	 * the hour's start when that is nearer. */
	int64_t hour_us, end_us;
	wall_camera_history_hour(now_us, &hour_us, &end_us);
	int64_t start_us = MAX(now_us - 60 * G_USEC_PER_SEC, hour_us);
	g_assert_cmpint(now_us - start_us, >, 0);
	struct wall_camera_history *history = open_history(state);
	g_assert_true(wall_camera_history_begin_run(history, start_us));
	struct wall_camera_health *health = wall_camera_health_new(history);
	wall_metrics_clear();
	const struct wall_camera_seen cameras[] = {
	        {"cam-1", "茂南区", "鳌头镇", WALL_CAMERA_ONLINE, "", start_us, false, -1, -1, true, -1, -1},
	        {"cam-2", "茂南区", "公馆镇", WALL_CAMERA_OFFLINE, "connection refused", start_us,
	         false, -1, -1, true, -1, -1},
	        {"cam-3", "电白区", NULL, WALL_CAMERA_ONLINE, "", start_us, false, -1, -1, true, -1, -1},
	        {"cam-4", NULL, NULL, WALL_CAMERA_UNKNOWN, "not shown or kept warm", start_us,
	         false, -1, -1, true, -1, -1},
	};
	wall_camera_health_begin(health);
	for (size_t i = 0; i < G_N_ELEMENTS(cameras); i++) {
		wall_camera_health_see(health, &cameras[i]);
	}
	wall_camera_health_end(health, now_us);
	struct wall_health_figures figures = {0};
	wall_camera_health_apply(health, &figures);
	g_assert_cmpint(figures.cameras_total, ==, 4);
	g_assert_cmpint(figures.cameras_online, ==, 2);
	wall_camera_health_sync(health);

	g_assert_cmpfloat_with_epsilon(metric("inspection.online_rate.hour"), 100.0 * 2 / 3, 0.5);
	g_assert_cmpfloat_with_epsilon(metric("inspection.district.茂南区.online_rate.day"), 50.0,
	                               0.5);
	g_assert_cmpfloat_with_epsilon(metric("inspection.district.电白区.online_rate.hour"), 100.0,
	                               0.5);
	g_assert_cmpfloat_with_epsilon(metric("inspection.town.公馆镇.online_rate.day"), 0.0, 0.5);
	g_assert_cmpfloat_with_epsilon(metric("inspection.camera.cam-1.online_rate.hour"), 100.0,
	                               0.5);
	/* Never known: no figure at all rather than 0 %. */
	double rate;
	g_assert_false(wall_metrics_get("inspection.camera.cam-4.online_rate.day", &rate));
	wall_camera_health_destroy(health);
	g_free(state);
}

/* The member of obj named name must be a non-empty string. */
static void assert_text(JsonObject *obj, const char *name)
{
	const char *text = json_object_get_string_member_with_default(obj, name, NULL);
	g_assert_nonnull(text);
	g_assert_cmpstr(text, !=, "");
}

/* STATUS lists every camera with state, reason and since; tile events carry both. */
static void test_status_and_events(void)
{
	char *state = wall_test_temp_path("status.sqlite");
	char *socket_path = wall_test_temp_path("status.sock");
	char *layout = wall_test_source_path("tests/layouts/four-cameras.yaml");
	char *wall = wall_test_build_path("wall/wall");
	const char *argv[] = {wall,        "--backend", "headless", "--fps", "10", "--control",
	                      socket_path, "--state",   state,      layout,  NULL};
	GSubprocess *process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_NONE);
	struct wall_test_client client = {0};
	int64_t deadline_us = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (!wall_test_client_open(&client, socket_path)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline_us);
		g_usleep(100 * 1000);
	}
	struct wall_test_client watcher = {0};
	g_assert_true(wall_test_client_open(&watcher, socket_path));
	json_object_unref(wall_test_client_ask_ok(&watcher, "SUBSCRIBE"));
	json_object_unref(wall_test_client_ask_ok(&client, "SCENE other"));
	/* cam-2 on tile a of the other scene: its event says since when and why. */
	bool seen = false;
	for (int i = 0; i < 50 && !seen; i++) {
		char *line = wall_test_client_read(&watcher);
		g_assert_nonnull(line);
		if (g_str_has_prefix(line, "EVENT {\"event\":\"tile\"") &&
		    strstr(line, "\"source\":\"cam-2\"") != NULL) {
			JsonParser *parser = json_parser_new();
			g_assert_true(json_parser_load_from_data(parser, line + 6, -1, NULL));
			JsonObject *event = json_node_get_object(json_parser_get_root(parser));
			assert_text(event, "since");
			g_assert_true(json_object_has_member(event, "reason"));
			g_object_unref(parser);
			seen = true;
		}
		g_free(line);
	}
	g_assert_true(seen);

	/* Every camera, the shown ones known (offline: no such file) in time. */
	bool known = false;
	for (int tries = 0; tries < 100 && !known; tries++) {
		JsonObject *status = wall_test_client_ask_ok(&client, "STATUS");
		JsonArray *cameras = json_object_get_array_member(status, "cameras");
		g_assert_nonnull(cameras);
		g_assert_cmpuint(json_array_get_length(cameras), ==, 4);
		JsonObject *cam2 = json_array_get_object_element(cameras, 1);
		g_assert_cmpstr(json_object_get_string_member(cam2, "district"), ==, "茂南区");
		g_assert_cmpstr(json_object_get_string_member(cam2, "town"), ==, "公馆镇");
		known = g_strcmp0(json_object_get_string_member(cam2, "state"), "offline") == 0;
		if (known) {
			assert_text(cam2, "reason");
			assert_text(cam2, "since");
			JsonObject *cam4 = json_array_get_object_element(cameras, 3);
			g_assert_cmpstr(json_object_get_string_member(cam4, "state"), ==,
			                "unknown");
			g_assert_cmpstr(json_object_get_string_member(cam4, "reason"), ==,
			                "not shown or kept warm");
			JsonObject *tile = json_array_get_object_element(
			        json_object_get_array_member(status, "tiles"), 0);
			assert_text(tile, "since");
		}
		json_object_unref(status);
		if (!known) {
			g_usleep(200 * 1000);
		}
	}
	g_assert_true(known);
	wall_test_client_close(&watcher);
	wall_test_client_close(&client);
	wall_test_stop(process);
	g_free(wall);
	g_free(layout);
	g_free(socket_path);
	g_free(state);
}

/* A grouping key that is not text is refused with FILE:LINE:COL and what was expected. */
static void test_bad_district(void)
{
	char *layout = wall_test_temp_path("bad-district.yaml");
	g_assert_true(g_file_set_contents(layout,
	                                  "wall:\n  canvas: 320x180\n"
	                                  "sources:\n"
	                                  "  cam-1:\n"
	                                  "    plugin: camera\n"
	                                  "    url: file:///nonexistent/one.mp4\n"
	                                  "    district: [茂南区, 电白区]\n"
	                                  "scenes:\n"
	                                  "  main:\n"
	                                  "    grid: 1x1\n"
	                                  "    tiles:\n"
	                                  "      - {id: a, source: cam-1, cell: [0, 0]}\n",
	                                  -1, NULL));
	const char *args[] = {"--check", layout, NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 1);
	char *expected = g_strdup_printf("%s:7:15:", layout);
	g_assert_nonnull(strstr(err, expected));
	g_assert_nonnull(strstr(err, "a district name"));
	g_free(expected);
	g_free(err);
	g_free(layout);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/camera-health/rates-by-group", test_rates_by_group);
	g_test_add_func("/camera-health/every-camera-kept", test_every_camera_counts_and_is_kept);
	g_test_add_func("/camera-health/status-and-events", test_status_and_events);
	g_test_add_func("/camera-health/bad-district", test_bad_district);
	return g_test_run();
}
