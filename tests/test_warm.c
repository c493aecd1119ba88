/*
 * Warm sources over real RTSP: a wall with two presets and wall.warm set
 * keeps the other preset's cameras connected but hidden, decoding key
 * frames only, and a PRESET recall shows their pictures on the frame it
 * lands on, with full motion soon after.
 *
 * The demo camera server (wall-camserver) sends a key frame about once a
 * second, so a warm camera decodes about one picture a second.
 */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Sanitized builds run several times slower; waits stretch by this much. */
#ifdef __SANITIZE_ADDRESS__
#define SLOW 4
#else
#define SLOW 1
#endif

#define FPS 25

static GSubprocess *spawn(GPtrArray *argv, GSubprocessFlags flags)
{
	g_ptr_array_add(argv, NULL);
	GSubprocess *process = wall_test_spawn((const char *const *)argv->pdata, flags);
	g_ptr_array_free(argv, TRUE);
	return process;
}

/* The demo camera server; returns NULL (test skipped) when it was not built. */
static GSubprocess *camserver_start(int cameras, int *port)
{
	char *path = wall_test_build_path("plugins/camera/camserver/wall-camserver");
	if (!g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("wall-camserver was not built (no RTSP server library)");
		g_free(path);
		return NULL;
	}
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, path);
	g_ptr_array_add(argv, g_strdup("--port=0"));
	g_ptr_array_add(argv, g_strdup_printf("--cameras=%d", cameras));
	g_ptr_array_add(argv, g_strdup("--main=320x180"));
	GSubprocess *process =
		spawn(argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	GDataInputStream *replies =
		g_data_input_stream_new(g_subprocess_get_stdout_pipe(process));
	GError *error = NULL;
	char *line = g_data_input_stream_read_line_utf8(replies, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "READY port="));
	*port = atoi(line + strlen("READY port="));
	g_assert_cmpint(*port, >, 0);
	g_free(line);
	g_object_unref(replies);
	return process;
}

/* The entry of array (tiles or warm) whose member key is value, or NULL. */
static JsonObject *find_entry(JsonObject *status, const char *array, const char *key,
			      const char *value)
{
	JsonArray *entries = json_object_get_array_member(status, array);
	for (guint i = 0; i < json_array_get_length(entries); i++) {
		JsonObject *entry = json_array_get_object_element(entries, i);
		if (g_strcmp0(json_object_get_string_member(entry, key), value) == 0) {
			return entry;
		}
	}
	return NULL;
}

static const char *plugin_status(JsonObject *entry, const char *key)
{
	JsonObject *status = json_object_get_object_member(entry, "status");
	return json_object_get_string_member_with_default(status, key, NULL);
}

/* Live, with a picture taken by the wall. */
static bool has_picture(JsonObject *entry)
{
	return entry != NULL && g_strcmp0(json_object_get_string_member(entry, "state"), "live") == 0 &&
	       !json_object_get_null_member(entry, "age_ms");
}

/* A 75% colour bar crosses the middle row of the tile at x0..x0+width. */
static bool shows_bars(cairo_surface_t *shot, int x0, int width, int y)
{
	for (int x = x0; x < x0 + width; x++) {
		uint32_t pixel = wall_test_pixel(shot, x, y);
		if (wall_test_color_near(pixel, 0xffbfbf00u, 30) ||
		    wall_test_color_near(pixel, 0xff00bfbfu, 30) ||
		    wall_test_color_near(pixel, 0xffbf00bfu, 30)) {
			return true;
		}
	}
	return false;
}

static void test_warm_recall(void)
{
	int port = 0;
	GSubprocess *server = camserver_start(4, &port);
	if (server == NULL) {
		return;
	}
	/* Preset 1 shows cam01 and cam02, preset 2 cam03 and cam04. */
	char *layout = g_strdup_printf(
		"wall: {canvas: 640x180, warm: 8}\n"
		"sources:\n"
		"  cam01: {plugin: camera, url: \"rtsp://127.0.0.1:%d/cam01\"}\n"
		"  cam02: {plugin: camera, url: \"rtsp://127.0.0.1:%d/cam02\"}\n"
		"  cam03: {plugin: camera, url: \"rtsp://127.0.0.1:%d/cam03\"}\n"
		"  cam04: {plugin: camera, url: \"rtsp://127.0.0.1:%d/cam04\"}\n"
		"scenes:\n"
		"  one:\n"
		"    grid: 2x1\n"
		"    tiles:\n"
		"      - {id: a, source: cam01, cell: [0, 0], label: false}\n"
		"      - {id: b, source: cam02, cell: [1, 0], label: false}\n"
		"  two:\n"
		"    grid: 2x1\n"
		"    tiles:\n"
		"      - {id: a, source: cam03, cell: [0, 0], label: false}\n"
		"      - {id: b, source: cam04, cell: [1, 0], label: false}\n"
		"presets: {1: one, 2: two}\n",
		port, port, port, port);
	char *layout_path = wall_test_temp_path("warm.yaml");
	g_assert_true(g_file_set_contents(layout_path, layout, -1, NULL));
	char *socket_path = wall_test_temp_path("warm.sock");
	char *state_path = wall_test_temp_path("warm.sqlite");

	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, wall_test_build_path("wall/wall"));
	const char *args[] = {"--backend", "headless", "--renderer", "soft", "--fps",
			      G_STRINGIFY(FPS), "--control", socket_path, "--state",
			      state_path, layout_path, NULL};
	for (int i = 0; args[i] != NULL; i++) {
		g_ptr_array_add(argv, g_strdup(args[i]));
	}
	GSubprocess *wall = spawn(argv, G_SUBPROCESS_FLAGS_NONE);
	struct wall_test_client c = {0};
	for (int i = 0; i < 200 && !wall_test_client_open(&c, socket_path); i++) {
		g_usleep(50000);
	}
	g_assert_nonnull(c.conn);

	/* Preset 1 live, and a key frame of each warm camera taken. */
	JsonObject *status = NULL;
	bool ready = false;
	int64_t start = g_get_monotonic_time();
	while (!ready && g_get_monotonic_time() - start < 15 * SLOW * G_USEC_PER_SEC) {
		g_clear_pointer(&status, json_object_unref);
		g_usleep(100000);
		status = wall_test_client_ask_ok(&c, "STATUS");
		ready = has_picture(find_entry(status, "tiles", "source", "cam01")) &&
			has_picture(find_entry(status, "tiles", "source", "cam02")) &&
			has_picture(find_entry(status, "warm", "source", "cam03")) &&
			has_picture(find_entry(status, "warm", "source", "cam04"));
	}
	g_test_message("preset 1 live and both warm cameras holding a picture after %.1f s",
		       (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
	g_assert_true(ready);

	/* Watched for a few seconds, warm cameras decode key frames only. */
	g_usleep(3 * G_USEC_PER_SEC);
	g_clear_pointer(&status, json_object_unref);
	status = wall_test_client_ask_ok(&c, "STATUS");
	for (int i = 3; i <= 4; i++) {
		char *name = g_strdup_printf("cam%02d", i);
		JsonObject *warm = find_entry(status, "warm", "source", name);
		g_assert_nonnull(warm);
		double fps = g_ascii_strtod(plugin_status(warm, "fps"), NULL);
		g_test_message("%s warm: %s fps decoded, decode %s, picture %" G_GINT64_FORMAT
			       " ms old",
			       name, plugin_status(warm, "fps"), plugin_status(warm, "decode"),
			       json_object_get_int_member(warm, "age_ms"));
		g_assert_cmpstr(plugin_status(warm, "decode"), ==, "keyframes");
		/* About one a second; 25 would mean every frame is decoded. */
		g_assert_cmpfloat(fps, <=, 3.0);
		g_assert_cmpstr(json_object_get_string_member(warm, "state"), ==, "live");
		g_free(name);
	}
	for (int i = 1; i <= 2; i++) {
		char *name = g_strdup_printf("cam%02d", i);
		JsonObject *tile = find_entry(status, "tiles", "source", name);
		g_assert_cmpstr(plugin_status(tile, "decode"), ==, "all");
		g_free(name);
	}

	/*
	 * Recall, and the screenshot right behind it: both land on the same
	 * frame or the next, and each tile already shows its camera's bars,
	 * not a slate.
	 */
	/* SCREENSHOT writes by name into the screenshot folder, beside the state file. */
	static const char lines[] = "PRESET 2\nSCREENSHOT warm.png\n";
	wall_test_client_send(&c, lines, strlen(lines));
	JsonObject *recalled = wall_test_client_read_ok(&c);
	JsonObject *shot_reply = wall_test_client_read_ok(&c);
	char *shot_path = g_strdup(json_object_get_string_member(shot_reply, "path"));
	int64_t recall_frame = json_object_get_int_member(recalled, "frame");
	int64_t shot_frame = json_object_get_int_member(shot_reply, "frame");
	g_test_message("PRESET 2 on frame %" G_GINT64_FORMAT ", screenshot of frame %" G_GINT64_FORMAT,
		       recall_frame, shot_frame);
	g_assert_cmpint(shot_frame - recall_frame, >=, 0);
	g_assert_cmpint(shot_frame - recall_frame, <=, 1);
	cairo_surface_t *shot = cairo_image_surface_create_from_png(shot_path);
	g_assert_cmpint(cairo_surface_status(shot), ==, CAIRO_STATUS_SUCCESS);
	bool left = shows_bars(shot, 0, 320, 90);
	bool right = shows_bars(shot, 320, 320, 90);
	if (!left || !right) {
		g_test_message("a recalled tile shows no picture; see %s", shot_path);
	}
	g_assert_true(left && right);
	cairo_surface_destroy(shot);

	/* Full motion from the next key frame; preset 1 is the warm one now. */
	g_usleep(3 * G_USEC_PER_SEC);
	g_clear_pointer(&status, json_object_unref);
	status = wall_test_client_ask_ok(&c, "STATUS");
	for (int i = 3; i <= 4; i++) {
		char *name = g_strdup_printf("cam%02d", i);
		JsonObject *tile = find_entry(status, "tiles", "source", name);
		g_assert_nonnull(tile);
		g_test_message("%s shown: %s fps decoded", name, plugin_status(tile, "fps"));
		g_assert_cmpstr(plugin_status(tile, "decode"), ==, "all");
		g_assert_cmpstr(json_object_get_string_member(tile, "state"), ==, "live");
		if (SLOW == 1) {
			/* More than key frames: motion. Rates are the benchmark's. */
			g_assert_cmpfloat(g_ascii_strtod(plugin_status(tile, "fps"), NULL), >, 3.0);
		}
		g_free(name);
	}
	for (int i = 1; i <= 2; i++) {
		char *name = g_strdup_printf("cam%02d", i);
		JsonObject *warm = find_entry(status, "warm", "source", name);
		g_assert_nonnull(warm);
		g_assert_cmpstr(plugin_status(warm, "decode"), ==, "keyframes");
		g_free(name);
	}

	g_clear_pointer(&status, json_object_unref);
	json_object_unref(recalled);
	json_object_unref(shot_reply);
	wall_test_client_close(&c);
	g_subprocess_send_signal(wall, SIGTERM);
	g_assert_true(g_subprocess_wait(wall, NULL, NULL));
	g_assert_true(g_subprocess_get_if_exited(wall));
	g_assert_cmpint(g_subprocess_get_exit_status(wall), ==, 0);
	g_object_unref(wall);
	g_subprocess_force_exit(server);
	g_subprocess_wait(server, NULL, NULL);
	g_object_unref(server);
	g_free(shot_path);
	g_free(layout);
	g_free(layout_path);
	g_free(socket_path);
	g_free(state_path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	wall_test_full_unwind_children();
	g_test_add_func("/warm/recall", test_warm_recall);
	return g_test_run();
}
