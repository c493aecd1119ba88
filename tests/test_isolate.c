/*
 * Isolated sources (isolate: true): the plugin runs in a wall-plugin-host
 * child, its pictures cross in shared memory, and a child that crashes,
 * hangs or runs out of memory loses only its own source: the source shows
 * why, the child is restarted, and a source beside it keeps its pictures
 * coming all along. Real children of the real host binary, through the
 * real host; the test plays the render thread.
 */
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "metrics.h"
#include "plugin_registry.h"
#include "source.h"
#include "support.h"

struct fixture {
	struct wall_plugin_registry *registry;
};

static void fixture_set_up(struct fixture *fixture, const void *data)
{
	const char *dirs[] = {WALL_TEST_PLUGIN_DIR, NULL};
	fixture->registry = wall_plugin_registry_create(dirs);
}

static void fixture_tear_down(struct fixture *fixture, const void *data)
{
	wall_plugin_registry_destroy(fixture->registry);
}

static struct wall_source *isolated_after(struct fixture *fixture, const char *name,
                                          const char *fault, const char *after_frames,
                                          int64_t memory_mb)
{
	struct wall_layout_source *config = wall_test_config(name, "testfault", "fault", fault,
	                                                     "after_frames", after_frames, NULL);
	config->isolate = true;
	config->memory_mb = memory_mb;
	struct wall_source *source = wall_source_create(config, fixture->registry);
	wall_test_config_free(config);
	return source;
}

static struct wall_source *isolated(struct fixture *fixture, const char *name, const char *fault,
                                    int64_t memory_mb)
{
	return isolated_after(fixture, name, fault, "10", memory_mb);
}

/* Take the newest frame, as the render thread does; true when there was one. */
static bool took_frame(struct wall_source *source, uint32_t *first_pixel)
{
	struct wall_frame_ref *ref = wall_source_take_frame(source);
	if (ref == NULL) {
		return false;
	}
	g_assert_cmpint(ref->frame.format, ==, WALL_PIXEL_FORMAT_BGRA);
	g_assert_cmpuint(ref->frame.width_px, ==, 16);
	if (first_pixel != NULL) {
		memcpy(first_pixel, ref->frame.planes[0], sizeof(*first_pixel));
	}
	wall_frame_ref_unref(ref);
	return true;
}

static void test_healthy(struct fixture *fixture, const void *data)
{
	struct wall_source *source = isolated(fixture, "calm", "none", 0);
	int frames = 0;
	uint32_t pixel = 0;
	int64_t deadline = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;
	while (frames < 20 && g_get_monotonic_time() < deadline) {
		frames += took_frame(source, &pixel);
		g_usleep(10000);
	}
	g_assert_cmpint(frames, >=, 20);
	/* The picture crossed intact: opaque, as the plugin drew it. */
	g_assert_cmphex(pixel & 0xff000000u, ==, 0xff000000u);
	g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_LIVE);

	/* Status is fed by heartbeats; wait for one carrying the plugin's own pair. */
	GHashTable *status = NULL;
	while (g_get_monotonic_time() < deadline) {
		status = wall_test_status(source);
		if (g_hash_table_contains(status, "fault")) {
			break;
		}
		g_clear_pointer(&status, g_hash_table_unref);
		g_usleep(50000);
	}
	g_assert_nonnull(status);
	g_assert_cmpstr(g_hash_table_lookup(status, "isolated"), ==, "yes");
	g_assert_cmpstr(g_hash_table_lookup(status, "fault"), ==, "none");
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "child_pid")), >, 0);
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "child_rss_kb")), >, 0);
	g_assert_cmpstr(g_hash_table_lookup(status, "restarts"), ==, "0");
	g_hash_table_unref(status);
	wall_source_destroy(source);
}

struct fault_case {
	const char *fault;
	const char *reason;
	int64_t memory_mb;
};

/*
 * The faulty source shows reason, and pictures come again after the
 * restart; the healthy one beside it never stops.
 */
static void test_fault(struct fixture *fixture, const void *data)
{
	const struct fault_case *fault = data;
	struct wall_source *bad = isolated(fixture, "bad", fault->fault, fault->memory_mb);
	struct wall_source *good =
	        wall_test_source(fixture->registry, "testfault", "good", "fault", "none", NULL);
	bool saw_reason = false;
	int64_t last_bad_us = 0;
	int frames_after = 0;
	int64_t good_gap_us = 0;
	int64_t last_good_us = g_get_monotonic_time();
	int64_t deadline = g_get_monotonic_time() + 40 * G_TIME_SPAN_SECOND;
	while (frames_after < 3 && g_get_monotonic_time() < deadline) {
		int64_t now = g_get_monotonic_time();
		if (took_frame(good, NULL)) {
			good_gap_us = MAX(good_gap_us, now - last_good_us);
			last_good_us = now;
		}
		bool bad_frame = took_frame(bad, NULL);
		last_bad_us = bad_frame && !saw_reason ? now : last_bad_us;
		char *reason = NULL;
		if (!saw_reason && wall_test_state(bad, &reason) == WALL_SOURCE_STATE_ERROR &&
		    reason != NULL && strstr(reason, fault->reason) != NULL) {
			saw_reason = true;
			/* For the record only: a figure for the report, not a limit. */
			g_test_message("%s: last picture to slate %" G_GINT64_FORMAT " ms",
			               fault->fault, (now - last_bad_us) / 1000);
		}
		g_free(reason);
		frames_after += saw_reason && bad_frame;
		g_usleep(10000);
	}
	g_assert_true(saw_reason);
	g_assert_cmpint(frames_after, >=, 3);
	/* The healthy source kept moving (a generous bound: the machine may be busy). */
	g_assert_cmpint(good_gap_us, <, 2 * G_TIME_SPAN_SECOND);

	GHashTable *status = wall_test_status(bad);
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "restarts")), >=, 1);
	g_assert_nonnull(strstr(g_hash_table_lookup(status, "last_exit"), fault->reason));
	g_hash_table_unref(status);
	wall_source_destroy(bad);
	wall_source_destroy(good);
}

/* The layout's word: the wall's default, and a source's own that overrides it. */

static const char *const isolate_layout =
        "wall: {canvas: 320x180, isolate: true}\n"
        "sources:\n"
        "  a: {plugin: color, color: \"#102030\"}\n"
        "  b: {plugin: color, color: \"#102030\", isolate: false}\n"
        "  c: {plugin: color, color: \"#102030\", memory_mb: 64}\n"
        "scenes:\n"
        "  s: {grid: 1x1, tiles: [{id: t, source: a, cell: [0, 0]}]}\n";

static const struct wall_layout_source *layout_source(const struct wall_layout *layout,
                                                      const char *name)
{
	for (guint i = 0; i < layout->sources->len; i++) {
		const struct wall_layout_source *source = g_ptr_array_index(layout->sources, i);
		if (g_str_equal(source->name, name)) {
			return source;
		}
	}
	g_assert_not_reached();
}

static void test_layout(void)
{
	GError *error = NULL;
	struct wall_layout *layout = wall_layout_parse("isolate.yaml", isolate_layout,
	                                               strlen(isolate_layout), NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(layout->isolate);
	g_assert_true(layout_source(layout, "a")->isolate);
	g_assert_false(layout_source(layout, "b")->isolate);
	g_assert_true(layout_source(layout, "c")->isolate);
	g_assert_cmpint(layout_source(layout, "c")->memory_mb, ==, 64);
	g_assert_cmpint(layout_source(layout, "a")->memory_mb, ==, 0);
	wall_layout_destroy(layout);

	/* Not a yes or no: the file, the line and the column say where. */
	const char *bad = "wall: {canvas: 320x180}\n"
	                  "sources:\n"
	                  "  a: {plugin: color, isolate: maybe}\n"
	                  "scenes:\n"
	                  "  s: {grid: 1x1, tiles: [{id: t, source: a, cell: [0, 0]}]}\n";
	g_assert_null(wall_layout_parse("bad.yaml", bad, strlen(bad), NULL, NULL, &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "bad.yaml:3:"));
	g_assert_nonnull(strstr(error->message, "true or false"));
	g_clear_error(&error);
}

/* Real plugins isolated, through the wall binary. */

/*
 * The golden layout (in tests/layouts) with wall: {isolate: true}, written
 * beside links to the folders its paths name, drawn headless by the soft
 * renderer and compared with the reference the in-process plugins match.
 */
static void golden_isolated(const char *layout, const char *reference, const char *frames)
{
	char *source_path = g_strdup_printf("%s/tests/layouts/%s", WALL_SOURCE_ROOT, layout);
	char *text = NULL;
	g_assert_true(g_file_get_contents(source_path, &text, NULL, NULL));
	char *isolated_text = NULL;
	char **parts = g_strsplit(text, "\nwall:\n", 2);
	g_assert_nonnull(parts[1]);
	isolated_text = g_strconcat(parts[0], "\nwall:\n  isolate: true\n", parts[1], NULL);
	char *isolated_path = wall_test_temp_path(layout);
	g_assert_true(g_file_set_contents(isolated_path, isolated_text, -1, NULL));
	const char *const folders[] = {"data", "images"};
	for (size_t i = 0; i < G_N_ELEMENTS(folders); i++) {
		char *target = g_strdup_printf("%s/tests/layouts/%s", WALL_SOURCE_ROOT, folders[i]);
		char *link = wall_test_temp_path(folders[i]);
		g_assert_true(g_file_test(link, G_FILE_TEST_EXISTS) || symlink(target, link) == 0);
		g_free(target);
		g_free(link);
	}
	char *shot = wall_test_temp_path("isolated.png");
	const char *args[] = {"--backend",     "headless",
	                      "--renderer",    "soft",
	                      "--fps",         "10",
	                      "--frames",      frames,
	                      "--plugin-path", WALL_TEST_PLUGIN_DIR,
	                      "--screenshot",  shot,
	                      isolated_path,   NULL};
	g_assert_cmpint(wall_test_run_wall(args, NULL, NULL), ==, 0);
	cairo_surface_t *picture = cairo_image_surface_create_from_png(shot);
	g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
	g_assert_true(wall_test_compare_reference(picture, reference, 10, 0.001));
	cairo_surface_destroy(picture);
	g_free(shot);
	g_free(isolated_path);
	g_strfreev(parts);
	g_free(isolated_text);
	g_free(text);
	g_free(source_path);
}

/* Every panel kind, each in its own child: the same picture as in-process. */
static void test_panels(void)
{
	g_setenv("WALL_PANEL_TIME", "2025-06-18T09:30:00+08:00", TRUE);
	golden_isolated("golden-panels-large.yaml", "golden-panels-large", "20");
}

/* The drone plugin (recorded telemetry, HUD and map) in its child. */
static void test_drone(void)
{
	g_setenv("TZ", "CST-8", TRUE);
	golden_isolated("golden-drone-large.yaml", "golden-drone-large", "20");
}

/* Colour, pattern and image plugins, each in its own child. */
static void test_tiles(void)
{
	golden_isolated("golden-tiles.yaml", "golden-tiles", "20");
}

/*
 * The camera isolated, on a real RTSP stream from the demo camera server:
 * the picture reaches the screen (its colour bars are there).
 */
/* The demo camera server with one camera; NULL (the test skipped) when it was not built. */
static GSubprocess *start_camserver(int *port, GDataInputStream **replies)
{
	char *server_path = wall_test_build_path("plugins/camera/camserver/wall-camserver");
	if (!g_file_test(server_path, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("wall-camserver was not built (no RTSP server library)");
		g_free(server_path);
		return NULL;
	}
	const char *server_args[] = {server_path, "--port=0", "--cameras=1", "--main=640x360",
	                             NULL};
	GSubprocess *server = wall_test_spawn(server_args, G_SUBPROCESS_FLAGS_STDIN_PIPE |
	                                                           G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	*replies = g_data_input_stream_new(g_subprocess_get_stdout_pipe(server));
	char *ready = g_data_input_stream_read_line_utf8(*replies, NULL, NULL, NULL);
	g_assert_nonnull(ready);
	g_assert_true(g_str_has_prefix(ready, "READY port="));
	*port = atoi(ready + strlen("READY port="));
	g_free(ready);
	g_free(server_path);
	return server;
}

static void test_camera(void)
{
	int port = 0;
	GDataInputStream *replies = NULL;
	GSubprocess *server = start_camserver(&port, &replies);
	if (server == NULL) {
		return;
	}

	char *layout_path = wall_test_temp_path("camera.yaml");
	char *shot_path = wall_test_temp_path("camera.png");
	char *layout =
	        g_strdup_printf("wall: {canvas: 640x360, isolate: true}\n"
	                        "sources:\n"
	                        "  cam: {plugin: camera, url: \"rtsp://127.0.0.1:%d/cam01\"}\n"
	                        "scenes:\n"
	                        "  s:\n"
	                        "    grid: 1x1\n"
	                        "    tiles:\n"
	                        "      - {id: a, source: cam, cell: [0, 0], label: false}\n",
	                        port);
	g_assert_true(g_file_set_contents(layout_path, layout, -1, NULL));
	/* Ten seconds of frames: the child, the stream and a busy machine. */
	const char *wall_args[] = {
	        "--backend=headless", "--renderer=soft", "--fps=25",  "--frames=250",
	        "--screenshot",       shot_path,         layout_path, NULL};
	g_assert_cmpint(wall_test_run_wall(wall_args, NULL, NULL), ==, 0);
	cairo_surface_t *shot = cairo_image_surface_create_from_png(shot_path);
	g_assert_cmpint(cairo_surface_status(shot), ==, CAIRO_STATUS_SUCCESS);
	/* The bars scroll: look along the middle row for each 75 % colour. */
	const uint32_t bars[] = {0xffbfbf00, 0xff00bfbf, 0xff00bf00, 0xffbf00bf};
	for (unsigned i = 0; i < G_N_ELEMENTS(bars); i++) {
		bool found = false;
		for (int x = 0; x < 640 && !found; x++) {
			found = wall_test_color_near(wall_test_pixel(shot, x, 180), bars[i], 24);
		}
		g_assert_true(found);
	}
	cairo_surface_destroy(shot);
	g_free(layout);
	g_free(layout_path);
	g_free(shot_path);
	g_object_unref(replies);
	wall_test_stop(server);
}

/*
 * The isolated camera decodes straight into the shared pool: its
 * pictures cross with no copy at all (STATUS counts them).
 */
static void test_camera_in_place(void)
{
	int port = 0;
	GDataInputStream *replies = NULL;
	GSubprocess *server = start_camserver(&port, &replies);
	if (server == NULL) {
		return;
	}
	struct wall_plugin_registry *registry = wall_test_registry_with("camera");
	char *url = g_strdup_printf("rtsp://127.0.0.1:%d/cam01", port);
	struct wall_layout_source *config = wall_test_config("cam", "camera", "url", url, NULL);
	config->isolate = true;
	struct wall_source *source = wall_source_create(config, registry);
	wall_test_config_free(config);
	int frames = 0;
	int64_t deadline = g_get_monotonic_time() + 60 * G_TIME_SPAN_SECOND;
	while (frames < 25 && g_get_monotonic_time() < deadline) {
		struct wall_frame_ref *ref = wall_source_take_frame(source);
		if (ref != NULL) {
			g_assert_cmpint(ref->frame.format, ==, WALL_PIXEL_FORMAT_I420);
			g_assert_cmpuint(ref->frame.width_px, ==, 640);
			frames++;
			wall_frame_ref_unref(ref);
		}
		g_usleep(10000);
	}
	g_assert_cmpint(frames, >=, 25);
	/* The counts come with heartbeats: wait for one that has seen the pictures. */
	int64_t in_place = 0;
	int64_t copied = -1;
	while (in_place < 10 && g_get_monotonic_time() < deadline) {
		GHashTable *status = wall_test_status(source);
		const char *direct = g_hash_table_lookup(status, "frames_in_place");
		const char *copies = g_hash_table_lookup(status, "frames_copied");
		in_place = direct != NULL ? atoll(direct) : 0;
		copied = copies != NULL ? atoll(copies) : -1;
		g_hash_table_unref(status);
		g_usleep(50000);
	}
	g_test_message("isolated camera: %" G_GINT64_FORMAT " pictures in place, %" G_GINT64_FORMAT
	               " copied",
	               in_place, copied);
	g_assert_cmpint(in_place, >=, 10);
	g_assert_cmpint(copied, ==, 0);
	wall_source_destroy(source);
	wall_plugin_registry_destroy(registry);
	g_free(url);
	g_object_unref(replies);
	wall_test_stop(server);
}

/*
 * A plugin that deadlocks in its per-frame callback while its other
 * thread keeps running: the child still answers heartbeats (and the
 * plugin's ticks still come), but its pictures stopped while it says it
 * is live. That counts as hung: the slate says so, the child is
 * restarted, and pictures come again; the source beside it never stops.
 */
static void test_deadlock(struct fixture *fixture, const void *data)
{
	/* A second of steady video first, so that the wall knows it as video. */
	struct wall_source *bad = isolated_after(fixture, "bad", "deadlock", "50", 0);
	struct wall_source *good =
	        wall_test_source(fixture->registry, "testfault", "good", "fault", "none", NULL);
	int bad_frames = 0;
	int frames_after = 0;
	bool saw_reason = false;
	double ticks_at_last_frame = 0;
	double ticks_at_slate = 0;
	int64_t good_gap_us = 0;
	int64_t last_good_us = g_get_monotonic_time();
	int64_t deadline = g_get_monotonic_time() + 90 * G_TIME_SPAN_SECOND;
	while (frames_after < 3 && g_get_monotonic_time() < deadline) {
		int64_t now = g_get_monotonic_time();
		if (took_frame(good, NULL)) {
			good_gap_us = MAX(good_gap_us, now - last_good_us);
			last_good_us = now;
		}
		bool bad_frame = took_frame(bad, NULL);
		double ticks = 0;
		wall_metrics_get("bad.ticks", &ticks);
		if (bad_frame && !saw_reason) {
			bad_frames++;
			ticks_at_last_frame = ticks;
		}
		char *reason = NULL;
		if (!saw_reason && wall_test_state(bad, &reason) == WALL_SOURCE_STATE_ERROR &&
		    reason != NULL && strstr(reason, "插件无响应") != NULL) {
			saw_reason = true;
			ticks_at_slate = ticks;
			g_test_message("deadlock: %s", reason);
		}
		g_free(reason);
		frames_after += saw_reason && bad_frame;
		g_usleep(10000);
	}
	g_assert_cmpint(bad_frames, >, 0);
	g_assert_true(saw_reason);
	/* Its other thread ran on while its pictures had stopped: no heartbeat was missed. */
	g_assert_cmpfloat(ticks_at_slate, >, ticks_at_last_frame + 10);
	g_assert_cmpint(frames_after, >=, 3);
	g_assert_cmpint(good_gap_us, <, 2 * G_TIME_SPAN_SECOND);
	GHashTable *status = wall_test_status(bad);
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "hangs")), >=, 1);
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "restarts")), >=, 1);
	g_hash_table_unref(status);

	/*
	 * The new child deadlocks too, after its 50 pictures. Destroying it
	 * then, which in-process would wait forever for the stuck thread,
	 * ends the child after its grace time instead.
	 */
	int64_t quiet_since_us = g_get_monotonic_time();
	while (g_get_monotonic_time() - quiet_since_us < G_TIME_SPAN_SECOND &&
	       g_get_monotonic_time() < deadline) {
		if (took_frame(bad, NULL)) {
			quiet_since_us = g_get_monotonic_time();
		}
		g_usleep(10000);
	}
	g_assert_cmpint(g_get_monotonic_time(), <, deadline);
	int64_t start = g_get_monotonic_time();
	wall_source_destroy(bad);
	g_test_message("destroying the deadlocked source took %" G_GINT64_FORMAT " ms",
	               (g_get_monotonic_time() - start) / 1000);
	/* Generous: the grace time is 300 ms, the machine may be busy. */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_TIME_SPAN_SECOND);
	wall_source_destroy(good);
}

/* A plugin whose create() fails in its child shows its own reason, as in-process. */
static void test_create_fails(struct fixture *fixture, const void *data)
{
	struct wall_layout_source *config = wall_test_config("failing", "testfail", NULL);
	config->isolate = true;
	struct wall_source *source = wall_source_create(config, fixture->registry);
	wall_test_config_free(config);
	char *reason = NULL;
	int64_t deadline = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;
	while (g_get_monotonic_time() < deadline) {
		g_clear_pointer(&reason, g_free);
		if (wall_test_state(source, &reason) == WALL_SOURCE_STATE_ERROR) {
			break;
		}
		g_usleep(20000);
	}
	g_assert_cmpstr(reason, ==, "testfail: the test device is unplugged (42)");
	g_free(reason);
	wall_source_destroy(source);
}

/* The STATUS of a running wall: tile's own status pairs. */
static JsonObject *tile_status(JsonObject *status, const char *id)
{
	JsonArray *tiles = json_object_get_array_member(status, "tiles");
	for (guint i = 0; i < json_array_get_length(tiles); i++) {
		JsonObject *tile = json_array_get_object_element(tiles, i);
		if (g_str_equal(json_object_get_string_member(tile, "id"), id)) {
			return tile;
		}
	}
	g_assert_not_reached();
}

/* The wall binary on a layout, with a control client connected to it. */
struct running_wall {
	char *layout_path;
	char *socket_path;
	char *state_path;
	char *wall_path;
	GSubprocess *process;
	struct wall_test_client client;
	/* For everything the test waits for. */
	int64_t deadline;
};

static void running_wall_start(struct running_wall *wall, const char *name, const char *layout)
{
	char *file = g_strdup_printf("%s.yaml", name);
	wall->layout_path = wall_test_temp_path(file);
	g_free(file);
	g_assert_true(g_file_set_contents(wall->layout_path, layout, -1, NULL));
	file = g_strdup_printf("%s.sock", name);
	wall->socket_path = wall_test_temp_path(file);
	g_free(file);
	file = g_strdup_printf("%s.sqlite", name);
	wall->state_path = wall_test_temp_path(file);
	g_free(file);
	wall->wall_path = wall_test_build_path("wall/wall");
	const char *argv[] = {
	        wall->wall_path,   "--backend", "headless",       "--renderer",         "soft",
	        "--fps",           "25",        "--plugin-path",  WALL_TEST_PLUGIN_DIR, "--control",
	        wall->socket_path, "--state",   wall->state_path, wall->layout_path,    NULL};
	wall->process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_NONE);
	wall->client = (struct wall_test_client){0};
	wall->deadline = g_get_monotonic_time() + 60 * G_TIME_SPAN_SECOND;
	while (!wall_test_client_open(&wall->client, wall->socket_path)) {
		g_assert_cmpint(g_get_monotonic_time(), <, wall->deadline);
		g_usleep(50000);
	}
}

/* SIGTERM: the wall exits cleanly. */
static void running_wall_stop(struct running_wall *wall)
{
	wall_test_client_close(&wall->client);
	g_subprocess_send_signal(wall->process, SIGTERM);
	g_assert_true(g_subprocess_wait(wall->process, NULL, NULL));
	g_assert_true(g_subprocess_get_if_exited(wall->process));
	g_assert_cmpint(g_subprocess_get_exit_status(wall->process), ==, 0);
	g_object_unref(wall->process);
	g_free(wall->wall_path);
	g_free(wall->state_path);
	g_free(wall->socket_path);
	g_free(wall->layout_path);
}

/*
 * The wall binary with a crashing isolated source beside an in-process
 * one: it keeps presenting, STATUS says isolated, the child's pid and
 * its restarts, and on SIGTERM the wall exits cleanly and leaves no child.
 */
static void test_wall_status(void)
{
	const char *layout = "wall: {canvas: 320x180, isolate: true}\n"
	                     "sources:\n"
	                     "  bad: {plugin: testfault, fault: segv, after_frames: 10}\n"
	                     "  good: {plugin: testfault, isolate: false}\n"
	                     "scenes:\n"
	                     "  s: {grid: 2x1, tiles: [{id: a, source: bad, cell: [0, 0]},\n"
	                     "                         {id: b, source: good, cell: [1, 0]}]}\n";
	struct running_wall wall;
	running_wall_start(&wall, "status", layout);
	struct wall_test_client *client = &wall.client;
	int64_t deadline = wall.deadline;
	int64_t first_frame = -1;
	int64_t frame = -1;
	int64_t child_pid = 0;
	bool restarted = false;
	while (!(restarted && child_pid > 0) && g_get_monotonic_time() < deadline) {
		JsonObject *status = wall_test_client_ask_ok(client, "STATUS");
		frame = json_object_get_int_member(status, "frame");
		first_frame = first_frame < 0 ? frame : first_frame;
		JsonObject *bad = json_object_get_object_member(tile_status(status, "a"), "status");
		g_assert_cmpstr(json_object_get_string_member(bad, "isolated"), ==, "yes");
		int64_t pid = atoi(json_object_get_string_member(bad, "child_pid"));
		child_pid = pid > 0 ? pid : child_pid;
		restarted = atoi(json_object_get_string_member(bad, "restarts")) >= 1;
		JsonObject *good =
		        json_object_get_object_member(tile_status(status, "b"), "status");
		g_assert_false(json_object_has_member(good, "isolated"));
		json_object_unref(status);
		g_usleep(100000);
	}
	g_assert_true(restarted);
	g_assert_cmpint(child_pid, >, 0);
	/* The wall kept presenting through the crash and the restart. */
	g_assert_cmpint(frame, >, first_frame);

	/* A reload that isolates the other source restarts it in a child. */
	char *isolated_layout = g_strdup(layout);
	char *flip = strstr(isolated_layout, "isolate: false");
	memcpy(flip, "isolate: true ", strlen("isolate: true "));
	g_assert_true(g_file_set_contents(wall.layout_path, isolated_layout, -1, NULL));
	json_object_unref(wall_test_client_ask_ok(client, "RELOAD"));
	bool good_isolated = false;
	while (!good_isolated && g_get_monotonic_time() < deadline) {
		JsonObject *status = wall_test_client_ask_ok(client, "STATUS");
		JsonObject *good =
		        json_object_get_object_member(tile_status(status, "b"), "status");
		good_isolated = json_object_has_member(good, "isolated");
		json_object_unref(status);
		g_usleep(100000);
	}
	g_assert_true(good_isolated);
	g_free(isolated_layout);
	running_wall_stop(&wall);
	/* Its children went with it. */
	g_assert_cmpint(kill((pid_t)child_pid, 0), !=, 0);
}

/*
 * A plugin's events reach the wall's subscribers, from a child as from
 * the wall's own process, in the same shape; text that is not JSON does
 * not.
 */
static void test_wall_events(void)
{
	const char *layout = "wall: {canvas: 320x180}\n"
	                     "sources:\n"
	                     "  iso: {plugin: testfault, isolate: true}\n"
	                     "  local: {plugin: testfault}\n"
	                     "scenes:\n"
	                     "  s: {grid: 2x1, tiles: [{id: a, source: iso, cell: [0, 0]},\n"
	                     "                         {id: b, source: local, cell: [1, 0]}]}\n";
	struct running_wall wall;
	running_wall_start(&wall, "events", layout);
	struct wall_test_client *client = &wall.client;
	int64_t deadline = wall.deadline;
	json_object_unref(wall_test_client_ask_ok(client, "SUBSCRIBE"));
	bool from_child = false;
	bool from_wall = false;
	while (!(from_child && from_wall) && g_get_monotonic_time() < deadline) {
		char *line = wall_test_client_read(client);
		g_assert_nonnull(line);
		g_assert_true(g_str_has_prefix(line, "EVENT {"));
		JsonParser *parser = json_parser_new();
		g_assert_true(
		        json_parser_load_from_data(parser, line + strlen("EVENT "), -1, NULL));
		JsonObject *event = json_node_get_object(json_parser_get_root(parser));
		if (g_str_equal(json_object_get_string_member(event, "event"), "plugin")) {
			const char *type = json_object_get_string_member(event, "type");
			g_assert_cmpstr(type, !=, "testfault.broken");
			if (g_str_equal(type, "testfault.tick")) {
				JsonObject *data = json_object_get_object_member(event, "data");
				g_assert_cmpint(json_object_get_int_member(data, "n"), >, 0);
				const char *name = json_object_get_string_member(event, "source");
				from_child |= g_str_equal(name, "iso");
				from_wall |= g_str_equal(name, "local");
			}
		}
		g_object_unref(parser);
		g_free(line);
	}
	g_assert_true(from_child);
	g_assert_true(from_wall);
	running_wall_stop(&wall);
}

static const struct fault_case segv = {"segv", "testfault: 插件崩溃 SIGSEGV", 0};
/* The sandbox refuses signals and tracing aimed at the wall. */
static const struct fault_case escape = {"escape", "插件退出 (4)", 0};
static const struct fault_case garbage = {"garbage", "插件违反协议", 0};
static const struct fault_case badframe = {"badframe", "插件违反协议", 0};
static const struct fault_case abrt = {"abort", "插件崩溃 SIGABRT", 0};
static const struct fault_case quit = {"exit", "插件退出 (3)", 0};
static const struct fault_case spin = {"spin", "插件无响应", 0};
static const struct fault_case alloc = {"alloc", "插件超出内存上限 256 MB", 256};

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/isolate/layout", test_layout);
	g_test_add("/isolate/healthy", struct fixture, NULL, fixture_set_up, test_healthy,
	           fixture_tear_down);
	g_test_add("/isolate/segv", struct fixture, &segv, fixture_set_up, test_fault,
	           fixture_tear_down);
	g_test_add("/isolate/abort", struct fixture, &abrt, fixture_set_up, test_fault,
	           fixture_tear_down);
	g_test_add("/isolate/exit", struct fixture, &quit, fixture_set_up, test_fault,
	           fixture_tear_down);
	g_test_add("/isolate/spin", struct fixture, &spin, fixture_set_up, test_fault,
	           fixture_tear_down);
	g_test_add("/isolate/alloc", struct fixture, &alloc, fixture_set_up, test_fault,
	           fixture_tear_down);
	g_test_add("/isolate/deadlock", struct fixture, NULL, fixture_set_up, test_deadlock,
	           fixture_tear_down);
	g_test_add("/isolate/create-fails", struct fixture, NULL, fixture_set_up, test_create_fails,
	           fixture_tear_down);
	g_test_add("/isolate/garbage", struct fixture, &garbage, fixture_set_up, test_fault,
	           fixture_tear_down);
	g_test_add("/isolate/badframe", struct fixture, &badframe, fixture_set_up, test_fault,
	           fixture_tear_down);
	g_test_add("/isolate/escape", struct fixture, &escape, fixture_set_up, test_fault,
	           fixture_tear_down);
	g_test_add_func("/isolate/wall/status", test_wall_status);
	g_test_add_func("/isolate/wall/events", test_wall_events);
	g_test_add_func("/isolate/real/panels", test_panels);
	g_test_add_func("/isolate/real/tiles", test_tiles);
	g_test_add_func("/isolate/real/drone", test_drone);
	g_test_add_func("/isolate/real/camera", test_camera);
	g_test_add_func("/isolate/real/camera-in-place", test_camera_in_place);
	return g_test_run();
}
