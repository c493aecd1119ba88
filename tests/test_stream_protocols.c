/*
 * The camera plugin beyond RTSP, each against a real server from Debian's
 * packages or GStreamer's own elements, started by the test on a free
 * loopback port: a file, HLS served by nginx, RTMP through nginx's RTMP
 * module, and H.265. GStreamer's test bars go in; the test looks for
 * the bars' brightness steps in the frames that come out.
 *
 * A server or element that is not installed skips its test, saying which
 * package brings it.
 */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_registry.h"
#include "source.h"
#include "support.h"

/* Sanitized builds run several times slower; waits stretch by this much. */
#ifdef __SANITIZE_ADDRESS__
#define SLOW 4
#else
#define SLOW 1
#endif

#define NGINX "/usr/sbin/nginx"
#define RTMP_MODULE "/usr/lib/nginx/modules/ngx_rtmp_module.so"
#define BARS "videotestsrc is-live=true pattern=smpte75 ! video/x-raw,format=I420,width=320,height=180,framerate=25/1"
/* Parameter sets with every key frame, for players that join late. */
#define H264                                                                    \
	"x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! h264parse " \
	"config-interval=-1"

static struct wall_plugin_registry *registry;

/* gst-launch-1.0 with the description split at spaces, as its shell form. */
static GSubprocess *gst_launch(const char *description)
{
	char **words = g_strsplit(description, " ", -1);
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (char *)"gst-launch-1.0");
	g_ptr_array_add(argv, (char *)"-q");
	for (char **word = words; *word != NULL; word++) {
		if (**word != '\0') {
			g_ptr_array_add(argv, *word);
		}
	}
	g_ptr_array_add(argv, NULL);
	GSubprocess *process = wall_test_spawn((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_ptr_array_free(argv, TRUE);
	g_strfreev(words);
	return process;
}

/* True when every element is installed; else the test is skipped. */
static bool have_elements(const char *const *names, const char *package)
{
	for (; *names != NULL; names++) {
		char *path = g_find_program_in_path("gst-inspect-1.0");
		const char *argv[] = {path, "--exists", *names, NULL};
		int status = -1;
		bool ok = path != NULL &&
			  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
					       G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
				       &status, NULL) &&
			  g_spawn_check_wait_status(status, NULL);
		g_free(path);
		if (!ok) {
			char *why = g_strdup_printf("GStreamer element %s is missing (%s)", *names,
						    package);
			g_test_skip(why);
			g_free(why);
			return false;
		}
	}
	return true;
}

/*
 * The top two thirds of GStreamer's test bars: seven 75% bars whose
 * brightness (limited-range BT.601 Y) steps down from white to blue.
 */
static bool shows_bars(const struct wall_frame *frame)
{
	static const int luma[] = {180, 162, 131, 112, 84, 65, 35};
	const uint8_t *row = frame->planes[0] + (size_t)frame->strides[0] * (frame->height_px / 4);
	for (unsigned i = 0; i < G_N_ELEMENTS(luma); i++) {
		uint32_t x = (uint32_t)((2 * i + 1) * frame->width_px / 14);
		if (abs(row[x] - luma[i]) > 20) {
			g_test_message("bar %u at %u,%u: Y %d, want %d (%ux%u format %d)", i, x,
				       frame->height_px / 4, row[x], luma[i], frame->width_px,
				       frame->height_px, frame->format);
			return false;
		}
	}
	return true;
}

static struct wall_source *camera_source(const char *name, const char *url)
{
	return wall_test_source(registry, "camera", name, "url", url, NULL);
}


static void add_pair(void *user, const char *key, const char *value)
{
	g_hash_table_replace(user, g_strdup(key), g_strdup(value));
}

static const char *status_value(struct wall_source *source, GHashTable **keep, const char *key)
{
	if (*keep == NULL) {
		*keep = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		wall_source_status(source, add_pair, *keep);
	}
	return g_hash_table_lookup(*keep, key);
}

/*
 * Plays url until it is live and a frame shows the bars, then checks that
 * frames keep coming. Returns the codec it reported (g_free it).
 */
static char *expect_bars(const char *name, const char *url, int64_t timeout_s)
{
	struct wall_source *source = camera_source(name, url);
	int64_t start = g_get_monotonic_time();
	int64_t bars_ms = -1;
	uint64_t frames = 0;
	while (g_get_monotonic_time() - start < timeout_s * SLOW * G_USEC_PER_SEC) {
		struct wall_frame_ref *ref = wall_source_take_frame(source);
		if (ref != NULL) {
			frames++;
			struct wall_source_health health;
			wall_source_get_health(source, &health);
			g_free(health.reason);
			if (bars_ms < 0 && health.state == WALL_SOURCE_STATE_LIVE &&
			    shows_bars(&ref->frame)) {
				bars_ms = (g_get_monotonic_time() - start) / 1000;
				frames = 0;
			}
			wall_frame_ref_unref(ref);
		}
		/* A second more of frames after the first picture. */
		if (bars_ms >= 0 && g_get_monotonic_time() - start > (bars_ms + 1000) * 1000) {
			break;
		}
		g_usleep(10000);
	}
	GHashTable *status = NULL;
	char *codec = g_strdup(status_value(source, &status, "codec"));
	g_test_message("%s: bars on screen after %" G_GINT64_FORMAT " ms, then %" G_GUINT64_FORMAT
		       " frames in a second; %s, %s, decoder %s",
		       url, bars_ms, frames, status_value(source, &status, "camera_state"),
		       codec, status_value(source, &status, "decoder"));
	g_assert_cmpint(bars_ms, >=, 0);
	/* Frames flow; their rate is the benchmark's business. */
	g_assert_cmpuint(frames, >, 0);
	g_hash_table_unref(status);
	wall_source_destroy(source);
	return codec;
}

/* Writes a file of bars with encoder (and its parser) into muxer. */
static char *make_file(const char *name, const char *encoder, const char *muxer)
{
	char *path = wall_test_temp_path(name);
	char *description = g_strdup_printf(
		"-e videotestsrc num-buffers=125 pattern=smpte75 ! video/x-raw,format=I420,width=320,height=180,framerate=25/1 "
		"! %s ! %s ! filesink location=%s",
		encoder, muxer, path);
	GSubprocess *process = gst_launch(description);
	g_assert_true(g_subprocess_wait_check(process, NULL, NULL));
	g_object_unref(process);
	g_free(description);
	return path;
}

static void test_file(void)
{
	const char *elements[] = {"x264enc", "mp4mux", NULL};
	if (!have_elements(elements, "gstreamer1.0-plugins-ugly, -good")) {
		return;
	}
	char *path = make_file("bars.mp4", H264, "mp4mux");
	char *url = g_strconcat("file://", path, NULL);
	char *codec = expect_bars("file", url, 10);
	g_assert_nonnull(strstr(codec, "H.264"));
	g_free(codec);
	g_free(url);
	g_unlink(path);
	g_free(path);
}

static void test_h265(void)
{
	const char *elements[] = {"x265enc", "h265parse", "matroskamux", NULL};
	if (!have_elements(elements, "gstreamer1.0-plugins-bad")) {
		return;
	}
	char *path = make_file("bars-h265.mkv", "x265enc tune=zerolatency key-int-max=25 ! h265parse",
			       "matroskamux");
	char *url = g_strconcat("file://", path, NULL);
	char *codec = expect_bars("h265", url, 10);
	g_assert_nonnull(strstr(codec, "H.265"));
	g_free(codec);
	g_free(url);
	g_unlink(path);
	g_free(path);
}

/* nginx in the foreground with config as its whole configuration. */
static GSubprocess *nginx_start(const char *dir, const char *config)
{
	char *conf_path = g_build_filename(dir, "nginx.conf", NULL);
	char *text = g_strdup_printf("daemon off;\n"
				     "master_process off;\n"
				     "worker_processes 1;\n"
				     "pid %s/nginx.pid;\n"
				     "error_log stderr warn;\n"
				     "%s",
				     dir, config);
	g_assert_true(g_file_set_contents(conf_path, text, -1, NULL));
	const char *argv[] = {NGINX, "-p", dir, "-e", "stderr", "-c", conf_path, NULL};
	GSubprocess *process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_free(text);
	g_free(conf_path);
	return process;
}

/* Waits until something listens on the loopback port. */
static void wait_listening(int port)
{
	for (int i = 0; i < 100 * SLOW; i++) {
		GSocketClient *client = g_socket_client_new();
		GSocketConnection *connection =
			g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)port, NULL, NULL);
		g_object_unref(client);
		if (connection != NULL) {
			g_object_unref(connection);
			return;
		}
		g_usleep(50000);
	}
	g_error("nothing listens on port %d", port);
}

static bool have_nginx(void)
{
	if (!g_file_test(NGINX, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("nginx is not installed (nginx-light)");
		return false;
	}
	return true;
}

/* nginx serving the files in dir over HTTP on the loopback port. */
static GSubprocess *nginx_serve(const char *dir, int port)
{
	char *config = g_strdup_printf("events {}\n"
				       "http {\n"
				       "  access_log off;\n"
				       "  client_body_temp_path %s/body;\n"
				       "  proxy_temp_path %s/proxy;\n"
				       "  fastcgi_temp_path %s/fastcgi;\n"
				       "  uwsgi_temp_path %s/uwsgi;\n"
				       "  scgi_temp_path %s/scgi;\n"
				       "  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; "
				       "video/x-flv flv; }\n"
				       "  server { listen 127.0.0.1:%d; root %s; }\n"
				       "}\n",
				       dir, dir, dir, dir, dir, port, dir);
	GSubprocess *server = nginx_start(dir, config);
	g_free(config);
	return server;
}

/* HTTP-FLV: an FLV stream over plain HTTP, as media servers offer it. */
static void test_http_flv(void)
{
	const char *elements[] = {"x264enc", "flvmux", "flvdemux", "souphttpsrc", NULL};
	if (!have_nginx() || !have_elements(elements, "gstreamer1.0-plugins-good, -ugly")) {
		return;
	}
	char *dir = wall_test_temp_path("flv");
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	char *path = make_file("flv/cam01.flv", H264, "flvmux streamable=true");
	int port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	GSubprocess *server = nginx_serve(dir, port);
	wait_listening(port);
	char *url = g_strdup_printf("http://127.0.0.1:%d/cam01.flv", port);
	char *codec = expect_bars("http-flv", url, 10);
	g_assert_nonnull(strstr(codec, "H.264"));
	g_free(codec);
	wall_test_stop(server);
	g_unlink(path);
	g_free(url);
	g_free(path);
	g_free(dir);
}

static void test_hls(void)
{
	const char *elements[] = {"x264enc", "hlssink2", "hlsdemux", "souphttpsrc", NULL};
	if (!have_nginx() || !have_elements(elements, "gstreamer1.0-plugins-bad, -good")) {
		return;
	}
	char *dir = wall_test_temp_path("hls");
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	int port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	GSubprocess *server = nginx_serve(dir, port);
	char *description = g_strdup_printf(BARS " ! " H264 " ! hlssink2 target-duration=1 "
					    "max-files=6 playlist-length=3 location=%s/seg%%05d.ts "
					    "playlist-location=%s/live.m3u8",
					    dir, dir);
	GSubprocess *producer = gst_launch(description);
	wait_listening(port);
	/* As on a real server, the playlist is there before anyone asks. */
	char *playlist = g_build_filename(dir, "live.m3u8", NULL);
	for (int i = 0; i < 200 * SLOW && !g_file_test(playlist, G_FILE_TEST_EXISTS); i++) {
		g_usleep(50000);
	}
	g_assert_true(g_file_test(playlist, G_FILE_TEST_EXISTS));
	g_free(playlist);
	char *url = g_strdup_printf("http://127.0.0.1:%d/live.m3u8", port);
	/* A playlist needs a segment or two before a player can start. */
	g_free(expect_bars("hls", url, 20));
	wall_test_stop(producer);
	wall_test_stop(server);
	g_free(url);
	g_free(description);
	g_free(dir);
}

static void test_rtmp(void)
{
	const char *elements[] = {"x264enc", "flvmux", "rtmpsink", "rtmpsrc", NULL};
	if (!have_nginx() || !have_elements(elements, "gstreamer1.0-plugins-bad, -good")) {
		return;
	}
	if (!g_file_test(RTMP_MODULE, G_FILE_TEST_EXISTS)) {
		g_test_skip("nginx's RTMP module is not installed (libnginx-mod-rtmp)");
		return;
	}
	char *dir = wall_test_temp_path("rtmp");
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	int port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *config = g_strdup_printf("load_module " RTMP_MODULE ";\n"
				       "events {}\n"
				       "rtmp {\n"
				       "  server {\n"
				       "    listen 127.0.0.1:%d;\n"
				       "    application live { live on; }\n"
				       "  }\n"
				       "}\n",
				       port);
	GSubprocess *server = nginx_start(dir, config);
	wait_listening(port);
	char *url = g_strdup_printf("rtmp://127.0.0.1:%d/live/cam01", port);
	char *description = g_strdup_printf(BARS " ! " H264 " ! flvmux streamable=true "
					    "! rtmpsink location=%s",
					    url);
	GSubprocess *producer = gst_launch(description);
	/* A player that comes before the publisher is turned away; a camera
	 * on a media server has been publishing all along. */
	g_usleep(1500 * 1000);
	g_free(expect_bars("rtmp", url, 15));
	wall_test_stop(producer);
	wall_test_stop(server);
	g_free(description);
	g_free(url);
	g_free(config);
	g_free(dir);
}

/* SRT, as encoders and media servers send it: the sender listens and
 * the wall calls (srt://host:port is a caller by default). */
static void test_srt(void)
{
	const char *elements[] = {"x264enc", "mpegtsmux", "srtsink", "srtsrc", "tsdemux", NULL};
	if (!have_elements(elements, "gstreamer1.0-plugins-bad, -ugly")) {
		return;
	}
	int port = wall_test_free_port(G_SOCKET_TYPE_DATAGRAM);
	/* Not ultrafast: its all-skip slices of still bars are a few bytes,
	 * which the parser behind tsdemux drops as broken, and a camera's
	 * picture always moves anyway. */
	char *description = g_strdup_printf(BARS " ! x264enc tune=zerolatency key-int-max=25 "
					    "! mpegtsmux ! srtsink uri=srt://127.0.0.1:%d?mode=listener "
					    "wait-for-connection=false",
					    port);
	GSubprocess *producer = gst_launch(description);
	char *url = g_strdup_printf("srt://127.0.0.1:%d", port);
	char *codec = expect_bars("srt", url, 10);
	g_assert_nonnull(strstr(codec, "H.264"));
	g_free(codec);
	wall_test_stop(producer);
	g_free(url);
	g_free(description);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	char *plugins = wall_test_build_path("plugins");
	const char *dirs[] = {plugins, NULL};
	registry = wall_plugin_registry_create(dirs);
	const char *why = NULL;
	if (wall_plugin_registry_get(registry, "camera", &why) == NULL) {
		g_printerr("camera plugin: %s\n", why);
		return 1;
	}
	g_test_add_func("/protocols/file", test_file);
	g_test_add_func("/protocols/h265", test_h265);
	g_test_add_func("/protocols/hls", test_hls);
	g_test_add_func("/protocols/rtmp", test_rtmp);
	g_test_add_func("/protocols/srt", test_srt);
	g_test_add_func("/protocols/http-flv", test_http_flv);
	int result = g_test_run();
	wall_plugin_registry_destroy(registry);
	g_free(plugins);
	return result;
}
