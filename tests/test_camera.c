/*
 * The camera plugin against real RTSP streams: each test starts the demo
 * camera server (wall-camserver) on a free loopback port, then plays its
 * cameras through the real host, either the core's source API (to time
 * state changes) or the wall binary (to look at the picture). The server
 * is killed, frozen and dropped to drive every failure path.
 *
 * Each test prints its measured figures with g_test_message(), so
 * `meson test -v camera` shows time to first frame, to detect a stall and
 * to recover.
 */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "plugin_registry.h"
#include "source.h"
#include "support.h"

#define STALL_MS 2000

/*
 * Sanitized builds run several times slower; their time limits stretch by
 * this much. The figures the issue promises are checked unstretched in
 * the plain build.
 */
#ifdef __SANITIZE_ADDRESS__
#define SLOW 4
#else
#define SLOW 1
#endif

static struct wall_plugin_registry *registry;

/* The demo camera server, as a child process. */

struct camserver {
	GSubprocess *process;
	GOutputStream *commands;
	GDataInputStream *replies;
	int port;
};

static char *camserver_path(void)
{
	return wall_test_build_path("plugins/camera/camserver/wall-camserver");
}

/* Starts the server; NULL (and the test skipped) when it was not built. */
static struct camserver *camserver_start(int port, const char *const *extra)
{
	char *path = camserver_path();
	if (!g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("wall-camserver was not built (no RTSP server library)");
		g_free(path);
		return NULL;
	}
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, path);
	g_ptr_array_add(argv, g_strdup_printf("--port=%d", port));
	for (; extra != NULL && *extra != NULL; extra++) {
		g_ptr_array_add(argv, g_strdup(*extra));
	}
	g_ptr_array_add(argv, NULL);

	GSubprocess *process = wall_test_spawn((const char *const *)argv->pdata,
					       G_SUBPROCESS_FLAGS_STDIN_PIPE |
						       G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_ptr_array_free(argv, TRUE);

	struct camserver *server = g_new0(struct camserver, 1);
	server->process = process;
	server->commands = g_subprocess_get_stdin_pipe(process);
	server->replies = g_data_input_stream_new(g_subprocess_get_stdout_pipe(process));
	GError *error = NULL;
	char *line = g_data_input_stream_read_line_utf8(server->replies, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "READY port="));
	server->port = atoi(line + strlen("READY port="));
	g_assert_cmpint(server->port, >, 0);
	g_free(line);
	return server;
}

static void camserver_command(struct camserver *server, const char *command)
{
	char *line = g_strconcat(command, "\n", NULL);
	GError *error = NULL;
	g_output_stream_write_all(server->commands, line, strlen(line), NULL, NULL, &error);
	g_assert_no_error(error);
	g_free(line);
	char *reply = g_data_input_stream_read_line_utf8(server->replies, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(reply, ==, "OK");
	g_free(reply);
}

/* SIGKILL: the server vanishes without closing anything politely. */
static void camserver_kill(struct camserver *server)
{
	if (server == NULL) {
		return;
	}
	g_subprocess_force_exit(server->process);
	g_subprocess_wait(server->process, NULL, NULL);
	g_object_unref(server->replies);
	g_object_unref(server->process);
	g_free(server);
}

static char *stream_url(int port, const char *path)
{
	return g_strdup_printf("rtsp://127.0.0.1:%d/%s", port, path);
}

/* Sources through the core. */

/* Options as name, value pairs, then NULL. */
#define camera_source(name, ...) wall_test_source(registry, "camera", name, __VA_ARGS__)

/* What the test saw of the frames it took, as the render thread would. */
struct watch {
	uint64_t frames;
	uint32_t width_px;
	/* Frames whose middle row was dark: the bars never are. */
	uint64_t black;
	int64_t last_frame_us;
	int64_t longest_gap_us;
};

static bool frame_is_dark(const struct wall_frame *frame)
{
	const uint8_t *row = frame->planes[0] + (size_t)frame->strides[0] * (frame->height_px / 2);
	uint64_t sum = 0;
	for (uint32_t x = 0; x < frame->width_px; x++) {
		sum += row[x];
	}
	/* The 75% bars average about Y 110; black is 16. */
	return sum / frame->width_px < 40;
}

static void take_frames(struct wall_source *source, struct watch *watch)
{
	struct wall_frame_ref *ref = wall_source_take_frame(source);
	if (ref == NULL || watch == NULL) {
		wall_frame_ref_unref(ref);
		return;
	}
	int64_t now = g_get_monotonic_time();
	g_assert_true(ref->frame.format == WALL_PIXEL_FORMAT_I420 ||
		      ref->frame.format == WALL_PIXEL_FORMAT_NV12);
	if (watch->last_frame_us != 0 && now - watch->last_frame_us > watch->longest_gap_us) {
		watch->longest_gap_us = now - watch->last_frame_us;
	}
	watch->last_frame_us = now;
	watch->frames++;
	watch->width_px = ref->frame.width_px;
	if (frame_is_dark(&ref->frame)) {
		watch->black++;
	}
	wall_frame_ref_unref(ref);
}

/*
 * Takes frames every 10 ms until source is in state; returns the ms it
 * took, or -1 after timeout_ms.
 */
static int64_t wait_state(struct wall_source *source, enum wall_source_state state,
			  int64_t timeout_ms, struct watch *watch)
{
	int64_t start = g_get_monotonic_time();
	while (g_get_monotonic_time() - start < timeout_ms * SLOW * 1000) {
		take_frames(source, watch);
		if (wall_test_state(source, NULL) == state) {
			return (g_get_monotonic_time() - start) / 1000;
		}
		g_usleep(10000);
	}
	return -1;
}

/* Keeps taking frames for ms. */
static void watch_for(struct wall_source *source, int64_t ms, struct watch *watch)
{
	int64_t start = g_get_monotonic_time();
	while (g_get_monotonic_time() - start < ms * 1000) {
		take_frames(source, watch);
		g_usleep(10000);
	}
}

struct status_copy {
	GHashTable *values;
};

static void assert_reason(struct wall_source *source, const char *expected)
{
	char *reason = NULL;
	g_assert_cmpint(wall_test_state(source, &reason), ==, WALL_SOURCE_STATE_OFFLINE);
	g_assert_cmpstr(reason, ==, expected);
	g_free(reason);
}

/* Tests. */

static void test_first_frame(void)
{
	const char *args[] = {"--cameras=1", "--main=640x360", NULL};
	struct camserver *server = camserver_start(0, args);
	if (server == NULL) {
		return;
	}
	char *url = stream_url(server->port, "cam01");
	int64_t start = g_get_monotonic_time();
	struct wall_source *source = camera_source("first", "url", url, NULL);
	int64_t create_ms = (g_get_monotonic_time() - start) / 1000;
	/* create() only starts a thread: it must not wait for the network. */
	g_assert_cmpint(create_ms, <, 100 * SLOW);

	struct watch watch = {0};
	int64_t live_ms = wait_state(source, WALL_SOURCE_STATE_LIVE, 10000, &watch);
	g_test_message("time to first frame: %" G_GINT64_FORMAT " ms", live_ms);
	g_assert_cmpint(live_ms, >=, 0);
	g_assert_cmpint(live_ms, <, 2000 * SLOW);

	watch_for(source, 1500, &watch);
	/* Frames keep flowing (25 fps sent; a loaded machine drops some,
	 * a stuck pipeline drops all). The rate itself is the benchmark's. */
	g_assert_cmpuint(watch.frames, >, 10 / SLOW);
	g_assert_cmpuint(watch.black, ==, 0);
	g_assert_cmpuint(watch.width_px, ==, 640);

	GHashTable *status = wall_test_status(source);
	g_assert_cmpstr(g_hash_table_lookup(status, "camera_state"), ==, "live");
	g_assert_cmpstr(g_hash_table_lookup(status, "resolution"), ==, "640x360");
	g_assert_nonnull(strstr(g_hash_table_lookup(status, "codec"), "H.264"));
	g_assert_cmpstr(g_hash_table_lookup(status, "decoder"), !=, "-");
	g_assert_cmpstr(g_hash_table_lookup(status, "url"), ==, url);
	g_test_message("decoder %s, codec %s, %s fps, %s kbit/s",
		       (char *)g_hash_table_lookup(status, "decoder"),
		       (char *)g_hash_table_lookup(status, "codec"),
		       (char *)g_hash_table_lookup(status, "fps"),
		       (char *)g_hash_table_lookup(status, "bitrate_kbps"));
	g_hash_table_unref(status);

	double online = 0;
	g_assert_true(wall_metrics_get("first.online", &online));
	g_assert_cmpfloat(online, ==, 1.0);
	double online_s = 0;
	g_assert_true(wall_metrics_get("first.online_s", &online_s));
	g_assert_cmpfloat(online_s, >, 0.0);

	wall_source_destroy(source);
	g_free(url);
	camserver_kill(server);
}

static void test_picture(void)
{
	const char *args[] = {"--cameras=1", "--main=640x360", NULL};
	struct camserver *server = camserver_start(0, args);
	if (server == NULL) {
		return;
	}
	char *layout_path = wall_test_temp_path("picture.yaml");
	char *shot_path = wall_test_temp_path("picture.png");
	char *layout = g_strdup_printf("wall:\n"
				       "  canvas: 640x360\n"
				       "sources:\n"
				       "  cam:\n"
				       "    plugin: camera\n"
				       "    url: rtsp://127.0.0.1:%d/cam01\n"
				       "scenes:\n"
				       "  s:\n"
				       "    grid: 1x1\n"
				       "    tiles:\n"
				       "      - {id: a, source: cam, cell: [0, 0], label: false}\n",
				       server->port);
	g_assert_true(g_file_set_contents(layout_path, layout, -1, NULL));
	/* 50 frames at 25 fps: the picture must be up within 2 s. */
	char *frames = g_strdup_printf("--frames=%d", 50 * SLOW);
	const char *wall_args[] = {"--backend=headless", "--renderer=soft", "--fps=25",
				   frames, "--screenshot", shot_path, layout_path, NULL};
	g_assert_cmpint(wall_test_run_wall(wall_args, NULL, NULL), ==, 0);

	cairo_surface_t *shot = cairo_image_surface_create_from_png(shot_path);
	g_assert_cmpint(cairo_surface_status(shot), ==, CAIRO_STATUS_SUCCESS);
	/*
	 * The bars scroll, so look along the middle row for each of the
	 * 75% colours rather than at fixed places.
	 */
	const uint32_t bars[] = {0xffbfbf00, 0xff00bfbf, 0xff00bf00, 0xffbf00bf,
				 0xffbf0000, 0xff0000bf};
	for (unsigned i = 0; i < G_N_ELEMENTS(bars); i++) {
		bool found = false;
		for (int x = 0; x < 640 && !found; x++) {
			found = wall_test_color_near(wall_test_pixel(shot, x, 180), bars[i], 24);
		}
		if (!found) {
			g_test_message("colour %08x not in the tile; see %s", bars[i], shot_path);
		}
		g_assert_true(found);
	}
	cairo_surface_destroy(shot);
	g_free(frames);
	g_free(layout);
	g_free(layout_path);
	g_free(shot_path);
	camserver_kill(server);
}

static void test_server_killed(void)
{
	const char *args[] = {"--cameras=1", "--main=640x360", NULL};
	struct camserver *server = camserver_start(0, args);
	if (server == NULL) {
		return;
	}
	int port = server->port;
	char *url = stream_url(port, "cam01");
	struct wall_source *source =
		camera_source("killed", "url", url, "stall_ms", G_STRINGIFY(STALL_MS), NULL);
	struct watch watch = {0};
	g_assert_cmpint(wait_state(source, WALL_SOURCE_STATE_LIVE, 10000, &watch), >=, 0);
	watch_for(source, 500, &watch);

	int64_t killed = g_get_monotonic_time();
	camserver_kill(server);
	int64_t stalled_ms = wait_state(source, WALL_SOURCE_STATE_STALLED, STALL_MS + 1000, NULL);
	g_assert_cmpint(stalled_ms, >=, 0);
	int64_t offline_ms = wait_state(source, WALL_SOURCE_STATE_OFFLINE, STALL_MS + 2000, NULL);
	g_assert_cmpint(offline_ms, >=, 0);
	offline_ms = (g_get_monotonic_time() - killed) / 1000;
	g_test_message("server killed: stalled after %" G_GINT64_FORMAT " ms, offline after "
		       "%" G_GINT64_FORMAT " ms (stall_ms %d)",
		       stalled_ms, offline_ms, STALL_MS);
	g_assert_cmpint(offline_ms, <=, STALL_MS + 1000 * SLOW);

	/* Let a few reconnects fail, so the backoff has grown. */
	g_usleep(3 * G_USEC_PER_SEC);
	assert_reason(source, "connection refused");
	int64_t back = g_get_monotonic_time();
	server = camserver_start(port, args);
	int64_t live_ms = wait_state(source, WALL_SOURCE_STATE_LIVE, 20000, &watch);
	g_test_message("server back: live again after %" G_GINT64_FORMAT " ms",
		       live_ms >= 0 ? (g_get_monotonic_time() - back) / 1000 : -1);
	g_assert_cmpint(live_ms, >=, 0);
	/* Three failures so far: the next try comes within 4 s + 25%. */
	g_assert_cmpint(live_ms, <, 5000 + 2000 * SLOW);

	GHashTable *status = wall_test_status(source);
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "reconnects")), >=, 1);
	g_hash_table_unref(status);

	wall_source_destroy(source);
	g_free(url);
	camserver_kill(server);
}

static void test_frozen(void)
{
	const char *args[] = {"--cameras=1", "--main=640x360", NULL};
	struct camserver *server = camserver_start(0, args);
	if (server == NULL) {
		return;
	}
	char *url = stream_url(server->port, "cam01");
	struct wall_source *source =
		camera_source("frozen", "url", url, "stall_ms", G_STRINGIFY(STALL_MS), NULL);
	struct watch watch = {0};
	g_assert_cmpint(wait_state(source, WALL_SOURCE_STATE_LIVE, 10000, &watch), >=, 0);

	/* Connected, sending nothing: only the frame watchdog can see it. */
	camserver_command(server, "freeze 1");
	int64_t stalled_ms = wait_state(source, WALL_SOURCE_STATE_STALLED, STALL_MS + 2000, NULL);
	g_test_message("frozen stream: stalled after %" G_GINT64_FORMAT " ms (stall_ms %d)",
		       stalled_ms, STALL_MS);
	g_assert_cmpint(stalled_ms, >=, STALL_MS - 500);
	g_assert_cmpint(stalled_ms, <=, STALL_MS + 1000 * SLOW);

	camserver_command(server, "thaw 1");
	int64_t live_ms = wait_state(source, WALL_SOURCE_STATE_LIVE, 3000, &watch);
	g_test_message("thawed: live after %" G_GINT64_FORMAT " ms", live_ms);
	g_assert_cmpint(live_ms, >=, 0);

	/* Frozen for good: given up as "no video" and reconnected. */
	camserver_command(server, "freeze 1");
	g_assert_cmpint(wait_state(source, WALL_SOURCE_STATE_OFFLINE, 3 * STALL_MS + 1000, NULL),
			>=, 0);
	assert_reason(source, "no video");
	camserver_command(server, "thaw 1");
	live_ms = wait_state(source, WALL_SOURCE_STATE_LIVE, 10000, &watch);
	g_test_message("after a reconnect: live after %" G_GINT64_FORMAT " ms", live_ms);
	g_assert_cmpint(live_ms, >=, 0);

	wall_source_destroy(source);
	g_free(url);
	camserver_kill(server);
}

static void test_failures(void)
{
	const char *args[] = {"--cameras=1", "--main=640x360", NULL};
	struct camserver *server = camserver_start(0, args);
	if (server == NULL) {
		return;
	}
	const char *secure_args[] = {"--cameras=1", "--main=320x180", "--user=dispatch",
				     "--password=Mm-2024!", NULL};
	struct camserver *secure = camserver_start(0, secure_args);

	char *good_url = stream_url(server->port, "cam01");
	char *refused_url = stream_url(wall_test_free_port(G_SOCKET_TYPE_STREAM), "cam01");
	char *missing_url = stream_url(server->port, "no-such-camera");
	char *nohost_url = g_strdup_printf("rtsp://no-such-host.invalid:%d/cam01", server->port);
	char *secure_url = stream_url(secure->port, "cam01");

	struct wall_source *good = camera_source("good", "url", good_url, NULL);
	struct wall_source *refused = camera_source("refused", "url", refused_url, NULL);
	struct wall_source *missing = camera_source("missing", "url", missing_url, NULL);
	struct wall_source *nohost = camera_source("nohost", "url", nohost_url, NULL);
	struct wall_source *badauth = camera_source("badauth", "url", secure_url, "user",
						    "dispatch", "password", "wrong-one", NULL);
	struct wall_source *goodauth = camera_source("goodauth", "url", secure_url, "user",
						     "dispatch", "password", "Mm-2024!", NULL);

	struct {
		struct wall_source *source;
		const char *reason;
	} bad[] = {
		{refused, "connection refused"},
		{missing, "not found (404)"},
		{nohost, "host not found"},
		{badauth, "authentication failed"},
	};
	struct watch watch = {0};
	g_assert_cmpint(wait_state(good, WALL_SOURCE_STATE_LIVE, 10000, &watch), >=, 0);
	int64_t start = g_get_monotonic_time();
	uint64_t frames_before = watch.frames;
	for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
		int64_t ms = -1;
		int64_t begin = g_get_monotonic_time();
		while ((g_get_monotonic_time() - begin) < 10 * G_USEC_PER_SEC) {
			take_frames(good, &watch);
			if (wall_test_state(bad[i].source, NULL) == WALL_SOURCE_STATE_OFFLINE) {
				ms = (g_get_monotonic_time() - begin) / 1000;
				break;
			}
			g_usleep(10000);
		}
		g_assert_cmpint(ms, >=, 0);
		assert_reason(bad[i].source, bad[i].reason);
	}
	/* The rest of the wall carries on at full rate meanwhile. */
	watch_for(good, 2000, &watch);
	double seconds = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	double fps = (double)(watch.frames - frames_before) / seconds;
	g_test_message("good camera at %.1f fps while four others failed", fps);
	/* 25 fps sent: a failing neighbour that blocked this camera would
	 * bring it near zero; the margin is for a shared, noisy machine. */
	g_assert_cmpfloat(fps, >, 15.0 / SLOW);
	g_assert_cmpint(wall_test_state(good, NULL), ==, WALL_SOURCE_STATE_LIVE);
	g_assert_cmpint(wait_state(goodauth, WALL_SOURCE_STATE_LIVE, 10000, NULL), >=, 0);

	/* The password never shows in status. */
	GHashTable *status = wall_test_status(badauth);
	GHashTableIter iter;
	gpointer key;
	gpointer value;
	g_hash_table_iter_init(&iter, status);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		g_assert_null(strstr(value, "wrong-one"));
	}
	g_hash_table_unref(status);

	wall_source_destroy(goodauth);
	wall_source_destroy(badauth);
	wall_source_destroy(nohost);
	wall_source_destroy(missing);
	wall_source_destroy(refused);
	wall_source_destroy(good);
	g_free(good_url);
	g_free(refused_url);
	g_free(missing_url);
	g_free(nohost_url);
	g_free(secure_url);
	camserver_kill(secure);
	camserver_kill(server);
}

static void test_failures_in_wall(void)
{
	const char *args[] = {"--cameras=1", "--main=640x360", NULL};
	struct camserver *server = camserver_start(0, args);
	if (server == NULL) {
		return;
	}
	char *layout_path = wall_test_temp_path("failures.yaml");
	char *layout = g_strdup_printf(
		"wall:\n"
		"  canvas: 1280x720\n"
		"sources:\n"
		"  good: {plugin: camera, url: \"rtsp://127.0.0.1:%d/cam01\"}\n"
		"  refused: {plugin: camera, url: \"rtsp://127.0.0.1:%d/cam01\"}\n"
		"  missing: {plugin: camera, url: \"rtsp://127.0.0.1:%d/nope\"}\n"
		"  nohost: {plugin: camera, url: \"rtsp://no-such-host.invalid/cam01\"}\n"
		"scenes:\n"
		"  s:\n"
		"    grid: 2x2\n"
		"    tiles:\n"
		"      - {id: a, source: good, cell: [0, 0]}\n"
		"      - {id: b, source: refused, cell: [1, 0]}\n"
		"      - {id: c, source: missing, cell: [0, 1]}\n"
		"      - {id: d, source: nohost, cell: [1, 1]}\n",
		server->port, wall_test_free_port(G_SOCKET_TYPE_STREAM), server->port);
	g_assert_true(g_file_set_contents(layout_path, layout, -1, NULL));
	const char *wall_args[] = {"--backend=headless", "--renderer=soft", "--fps=25",
				   "--frames=100", "--stats", layout_path, NULL};
	char *out = NULL;
	int64_t start = g_get_monotonic_time();
	g_assert_cmpint(wall_test_run_wall(wall_args, &out, NULL), ==, 0);
	double seconds = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	g_test_message("100 frames at 25 fps took %.2f s with three failing cameras", seconds);
	/* 4 s of frames, plus start-up; a blocked render thread would show. */
	g_assert_cmpfloat(seconds, <, 4.0 + 2.0 * SLOW);
	if (SLOW == 1) {
		g_assert_nonnull(strstr(out, "frames late: 0\n"));
	}
	g_free(out);
	g_free(layout);
	g_free(layout_path);
	camserver_kill(server);
}

static void test_sub_to_main(void)
{
	const char *args[] = {"--cameras=1", "--main=640x360", "--sub=320x180", NULL};
	struct camserver *server = camserver_start(0, args);
	if (server == NULL) {
		return;
	}
	char *main_url = stream_url(server->port, "cam01");
	char *sub_url = stream_url(server->port, "cam01-sub");
	struct wall_source *source = camera_source("switch", "url", main_url, "sub", sub_url,
						   "sub_below", "300", NULL);
	/* As the compositor does: the size comes before the first show. */
	wall_source_set_view_size(source, 320, 180);
	struct watch watch = {0};
	g_assert_cmpint(wait_state(source, WALL_SOURCE_STATE_LIVE, 10000, &watch), >=, 0);
	watch_for(source, 1000, &watch);
	g_assert_cmpuint(watch.width_px, ==, 320);

	/* Enlarged: the sub stream stays up until the main one delivers. */
	watch.longest_gap_us = 0;
	int64_t start = g_get_monotonic_time();
	wall_source_set_view_size(source, 640, 360);
	int64_t switch_ms = -1;
	while (g_get_monotonic_time() - start < 10 * G_USEC_PER_SEC) {
		take_frames(source, &watch);
		g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_LIVE);
		if (watch.width_px == 640) {
			switch_ms = (g_get_monotonic_time() - start) / 1000;
			break;
		}
		g_usleep(5000);
	}
	watch_for(source, 500, &watch);
	g_test_message("sub to main: main stream on screen after %" G_GINT64_FORMAT
		       " ms; longest gap between frames %" G_GINT64_FORMAT " ms",
		       switch_ms, watch.longest_gap_us / 1000);
	g_assert_cmpint(switch_ms, >=, 0);
	g_assert_cmpuint(watch.black, ==, 0);
	g_assert_cmpint(watch.longest_gap_us, <, 500 * 1000 * SLOW);
	GHashTable *status = wall_test_status(source);
	g_assert_cmpstr(g_hash_table_lookup(status, "stream"), ==, "main");
	g_hash_table_unref(status);

	/* And back down. */
	wall_source_set_view_size(source, 320, 180);
	start = g_get_monotonic_time();
	while (watch.width_px != 320 && g_get_monotonic_time() - start < 10 * G_USEC_PER_SEC) {
		take_frames(source, &watch);
		g_assert_cmpint(wall_test_state(source, NULL), ==, WALL_SOURCE_STATE_LIVE);
		g_usleep(5000);
	}
	g_assert_cmpuint(watch.width_px, ==, 320);
	g_assert_cmpuint(watch.black, ==, 0);

	wall_source_destroy(source);
	g_free(main_url);
	g_free(sub_url);
	camserver_kill(server);
}

static void test_sixteen(void)
{
	/* Sanitized builds encode and decode sixteen streams on the same
	 * two cores several times slower: they get smaller, slower ones. */
	const char *args[] = {"--cameras=16", SLOW > 1 ? "--main=320x180" : "--main=640x360",
			      SLOW > 1 ? "--fps=5" : "--fps=15", NULL};
	struct camserver *server = camserver_start(0, args);
	if (server == NULL) {
		return;
	}
	GString *layout = g_string_new("wall:\n  canvas: 1280x720\nsources:\n");
	for (int i = 1; i <= 16; i++) {
		g_string_append_printf(layout,
				       "  cam%02d: {plugin: camera, url: "
				       "\"rtsp://127.0.0.1:%d/cam%02d\"}\n",
				       i, server->port, i);
	}
	g_string_append(layout, "scenes:\n  s:\n    grid: 4x4\n    tiles:\n");
	for (int i = 0; i < 16; i++) {
		g_string_append_printf(layout,
				       "      - {id: t%02d, source: cam%02d, cell: [%d, %d], "
				       "label: false}\n",
				       i + 1, i + 1, i % 4, i / 4);
	}
	char *layout_path = wall_test_temp_path("sixteen.yaml");
	char *shot_path = wall_test_temp_path("sixteen.png");
	g_assert_true(g_file_set_contents(layout_path, layout->str, -1, NULL));
	/* Six seconds, longer in sanitized builds, where sixteen decoders
	 * start several times slower. */
	char *frames = g_strdup_printf("--frames=%d", 90 * SLOW);
	const char *wall_args[] = {"--backend=headless", "--renderer=soft", "--fps=15",
				   frames, "--stats", "--screenshot", shot_path,
				   layout_path, NULL};
	char *out = NULL;
	g_assert_cmpint(wall_test_run_wall(wall_args, &out, NULL), ==, 0);
	g_test_message("%s", out);

	cairo_surface_t *shot = cairo_image_surface_create_from_png(shot_path);
	g_assert_cmpint(cairo_surface_status(shot), ==, CAIRO_STATUS_SUCCESS);
	unsigned showing = 0;
	for (int i = 0; i < 16; i++) {
		/* The wall counted new pictures on the tile... */
		char *line = g_strdup_printf("s/t%02d (cam%02d): ", i + 1, i + 1);
		const char *found = strstr(out, line);
		g_assert_nonnull(found);
		long shown = strtol(found + strlen(line), NULL, 10);
		g_free(line);
		/* ...and the last one is on screen: a colour bar, which no
		 * slate has, crosses the tile's middle row. */
		int y = (i / 4) * 180 + 90;
		bool bar = false;
		for (int x = (i % 4) * 320; x < (i % 4 + 1) * 320 && !bar; x++) {
			uint32_t pixel = wall_test_pixel(shot, x, y);
			bar = wall_test_color_near(pixel, 0xffbfbf00u, 30) ||
			      wall_test_color_near(pixel, 0xff00bfbfu, 30) ||
			      wall_test_color_near(pixel, 0xffbf00bfu, 30);
		}
		showing += shown > 0 && bar ? 1 : 0;
	}
	g_test_message("%u of 16 tiles show their camera", showing);
	g_assert_cmpuint(showing, ==, 16);
	cairo_surface_destroy(shot);
	g_string_free(layout, TRUE);
	g_free(layout_path);
	g_free(shot_path);
	g_free(frames);
	g_free(out);
	camserver_kill(server);
}

static unsigned open_fds(void)
{
	GDir *dir = g_dir_open("/proc/self/fd", 0, NULL);
	unsigned count = 0;
	while (dir != NULL && g_dir_read_name(dir) != NULL) {
		count++;
	}
	if (dir != NULL) {
		g_dir_close(dir);
	}
	return count;
}

static void test_reconnect_cycles(void)
{
	const char *args[] = {"--cameras=1", "--main=320x180", NULL};
	struct camserver *server = camserver_start(0, args);
	if (server == NULL) {
		return;
	}
	char *url = stream_url(server->port, "cam01");
	/* One warm-up run, so GStreamer's one-time set-up is not counted. */
	struct wall_source *source = camera_source("cycles", "url", url, NULL);
	g_assert_cmpint(wait_state(source, WALL_SOURCE_STATE_LIVE, 10000, NULL), >=, 0);
	wall_source_destroy(source);
	unsigned fds_before = open_fds();

	source = camera_source("cycles", "url", url, NULL);
	g_assert_cmpint(wait_state(source, WALL_SOURCE_STATE_LIVE, 10000, NULL), >=, 0);
	int64_t worst_ms = 0;
	for (int cycle = 0; cycle < 20; cycle++) {
		camserver_command(server, "drop 1");
		g_assert_cmpint(wait_state(source, WALL_SOURCE_STATE_STALLED, 5000, NULL), >=, 0);
		camserver_command(server, "restore 1");
		int64_t ms = wait_state(source, WALL_SOURCE_STATE_LIVE, 10000, NULL);
		g_assert_cmpint(ms, >=, 0);
		worst_ms = MAX(worst_ms, ms);
	}
	g_test_message("20 reconnect cycles; slowest recovery %" G_GINT64_FORMAT " ms", worst_ms);
	GHashTable *status = wall_test_status(source);
	g_assert_cmpint(atoi(g_hash_table_lookup(status, "reconnects")), >=, 20);
	g_hash_table_unref(status);
	wall_source_destroy(source);

	/* Sockets and pipes of every connection are gone again. */
	g_assert_cmpuint(open_fds(), <=, fds_before);
	g_free(url);
	camserver_kill(server);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	wall_test_full_unwind_children();
	/* The camera plugin from this build, found by name like the wall does. */
	char *plugins = wall_test_build_path("plugins");
	const char *dirs[] = {plugins, NULL};
	registry = wall_plugin_registry_create(dirs);
	/* Loaded up front, so create() is timed alone. */
	const char *why = NULL;
	if (wall_plugin_registry_get(registry, "camera", &why) == NULL) {
		g_printerr("camera plugin: %s\n", why);
		return 1;
	}

	g_test_add_func("/camera/first-frame", test_first_frame);
	g_test_add_func("/camera/picture", test_picture);
	g_test_add_func("/camera/server-killed", test_server_killed);
	g_test_add_func("/camera/frozen", test_frozen);
	g_test_add_func("/camera/failures", test_failures);
	g_test_add_func("/camera/failures-in-wall", test_failures_in_wall);
	g_test_add_func("/camera/sub-to-main", test_sub_to_main);
	g_test_add_func("/camera/sixteen", test_sixteen);
	g_test_add_func("/camera/reconnect-cycles", test_reconnect_cycles);
	int result = g_test_run();

	wall_plugin_registry_destroy(registry);
	g_free(plugins);
	return result;
}
