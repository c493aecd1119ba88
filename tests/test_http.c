/*
 * --http: the wall's /metrics scraped by a real Prometheus started here,
 * and read back through Prometheus' own query API; /api/cameras; the
 * Bearer token. Skips (77) only when prometheus is not installed.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "support.h"

#define TOKEN "inspect-token-2026"

/* GET url; the status and body (g_free it) come back. */
static char *get(SoupSession *session, const char *url, const char *token, guint *status)
{
	SoupMessage *msg = soup_message_new("GET", url);
	g_assert_nonnull(msg);
	if (token != NULL) {
		char *header = g_strconcat("Bearer ", token, NULL);
		soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization",
		                             header);
		g_free(header);
	}
	GBytes *bytes = soup_session_send_and_read(session, msg, NULL, NULL);
	*status = soup_message_get_status(msg);
	char *body = NULL;
	if (bytes != NULL) {
		body = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
		g_bytes_unref(bytes);
	}
	g_object_unref(msg);
	return body;
}

/* Poll url until it answers 200 with needle in the body, for up to 60 s. */
static char *wait_for(SoupSession *session, const char *url, const char *token, const char *needle)
{
	int64_t deadline_us = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < deadline_us) {
		guint status = 0;
		char *body = get(session, url, token, &status);
		if (status == 200 && body != NULL && strstr(body, needle) != NULL) {
			return body;
		}
		g_free(body);
		g_usleep(250 * 1000);
	}
	g_error("%s never answered with %s", url, needle);
}

/* Prometheus' answer to query: its data.result array, with the parser that holds it. */
static JsonArray *query(SoupSession *session, int port, const char *promql, JsonParser **parser)
{
	char *escaped = g_uri_escape_string(promql, NULL, FALSE);
	char *url = g_strdup_printf("http://127.0.0.1:%d/api/v1/query?query=%s", port, escaped);
	guint status = 0;
	char *body = get(session, url, NULL, &status);
	g_assert_cmpuint(status, ==, 200);
	*parser = json_parser_new();
	g_assert_true(json_parser_load_from_data(*parser, body, -1, NULL));
	JsonObject *root = json_node_get_object(json_parser_get_root(*parser));
	g_assert_cmpstr(json_object_get_string_member(root, "status"), ==, "success");
	JsonArray *result =
	        json_object_get_array_member(json_object_get_object_member(root, "data"), "result");
	g_free(body);
	g_free(url);
	g_free(escaped);
	return result;
}

/* Wait until Prometheus has scraped the wall: query has count results. */
static void wait_for_series(SoupSession *session, int port, const char *promql, guint count)
{
	int64_t deadline_us = g_get_monotonic_time() + 90 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < deadline_us) {
		JsonParser *parser = NULL;
		guint length = json_array_get_length(query(session, port, promql, &parser));
		g_object_unref(parser);
		if (length == count) {
			return;
		}
		g_usleep(500 * 1000);
	}
	g_error("Prometheus never had %u series for %s", count, promql);
}

static double sample_value(JsonArray *result, guint index)
{
	JsonObject *series = json_array_get_object_element(result, index);
	JsonArray *value = json_object_get_array_member(series, "value");
	return g_ascii_strtod(json_array_get_string_element(value, 1), NULL);
}

static void test_prometheus_scrapes_the_wall(void)
{
	int wall_port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	int prometheus_port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *token_file = wall_test_temp_path("token");
	g_assert_true(g_file_set_contents(token_file, TOKEN "\n", -1, NULL));
	/* The wall refuses a token file others can read. */
	g_assert_cmpint(g_chmod(token_file, 0600), ==, 0);
	char *state = wall_test_temp_path("http.sqlite");
	char *socket_path = wall_test_temp_path("http.sock");
	char *layout = wall_test_source_path("tests/layouts/four-cameras.yaml");
	char *wall = wall_test_build_path("wall/wall");
	char *address = g_strdup_printf("127.0.0.1:%d", wall_port);
	const char *wall_argv[] = {wall,        "--backend",    "headless", "--fps", "10",
	                           "--control", socket_path,    "--state",  state,   "--http",
	                           address,     "--token-file", token_file, layout,  NULL};
	GSubprocess *wall_process = wall_test_spawn(wall_argv, G_SUBPROCESS_FLAGS_NONE);

	SoupSession *session = soup_session_new();
	char *metrics_url = g_strdup_printf("http://%s/metrics", address);
	/* The shown camera's plugin says why it is offline; the rates follow
	 * its transition on the health thread, so wait for them. */
	char *metrics =
	        wait_for(session, metrics_url, TOKEN, "wall_online_rate{district=\"all\"} 0");
	g_assert_nonnull(strstr(metrics, "wall_camera_known{source=\"cam-1\"} 1"));
	g_assert_nonnull(strstr(metrics, "wall_camera_online{source=\"cam-1\",district=\"茂南区\","
	                                 "town=\"鳌头镇\"} 0\n"));
	g_assert_nonnull(strstr(metrics, "wall_camera_online{source=\"cam-4\",district=\"\","
	                                 "town=\"\"} 0\n"));
	g_assert_nonnull(strstr(metrics, "wall_online_rate{district=\"all\"} 0"));
	g_assert_nonnull(strstr(metrics, "wall_frames_total "));
	g_free(metrics);
	/* Without the token, or with a wrong one: 401, and nothing told. */
	guint status = 0;
	char *body = get(session, metrics_url, NULL, &status);
	g_assert_cmpuint(status, ==, 401);
	g_free(body);
	body = get(session, metrics_url, "inspect-token-2027", &status);
	g_assert_cmpuint(status, ==, 401);
	g_free(body);
	/* Every camera as JSON, with its reason. */
	char *cameras_url = g_strdup_printf("http://%s/api/cameras", address);
	body = get(session, cameras_url, TOKEN, &status);
	g_assert_cmpuint(status, ==, 200);
	JsonParser *parser = json_parser_new();
	g_assert_true(json_parser_load_from_data(parser, body, -1, NULL));
	JsonArray *cameras = json_object_get_array_member(
	        json_node_get_object(json_parser_get_root(parser)), "cameras");
	g_assert_cmpuint(json_array_get_length(cameras), ==, 4);
	JsonObject *cam4 = json_array_get_object_element(cameras, 3);
	g_assert_cmpstr(json_object_get_string_member(cam4, "state"), ==, "unknown");
	g_assert_cmpstr(json_object_get_string_member(cam4, "reason"), ==,
	                "not shown or kept warm");
	g_object_unref(parser);
	g_free(body);

	/* A real Prometheus scrapes it with the token. */
	char *config = wall_test_temp_path("prometheus.yml");
	char *storage = wall_test_temp_path("prometheus-data");
	char *config_text = g_strdup_printf("global:\n  scrape_interval: 1s\n"
	                                    "scrape_configs:\n  - job_name: wall\n"
	                                    "    authorization:\n      credentials: %s\n"
	                                    "    static_configs:\n"
	                                    "      - targets: ['%s']\n",
	                                    TOKEN, address);
	g_assert_true(g_file_set_contents(config, config_text, -1, NULL));
	char *config_arg = g_strconcat("--config.file=", config, NULL);
	char *storage_arg = g_strconcat("--storage.tsdb.path=", storage, NULL);
	char *listen_arg = g_strdup_printf("--web.listen-address=127.0.0.1:%d", prometheus_port);
	const char *prometheus_argv[] = {"prometheus", config_arg, storage_arg, listen_arg, NULL};
	GSubprocess *prometheus =
	        wall_test_spawn(prometheus_argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
	                                                 G_SUBPROCESS_FLAGS_STDERR_SILENCE);

	char *ready_url = g_strdup_printf("http://127.0.0.1:%d/-/ready", prometheus_port);
	g_free(wait_for(session, ready_url, NULL, "Ready"));
	g_free(ready_url);
	wait_for_series(session, prometheus_port, "wall_camera_online", 4);
	wait_for_series(session, prometheus_port, "wall_online_rate{district=\"all\"}", 1);
	JsonParser *answer = NULL;
	JsonArray *result = query(session, prometheus_port, "sum(wall_camera_known)", &answer);
	g_assert_cmpuint(json_array_get_length(result), ==, 1);
	g_assert_cmpfloat(sample_value(result, 0), ==, 1);
	g_object_unref(answer);
	result = query(session, prometheus_port,
	               "wall_camera_online{district=\"茂南区\",town=\"公馆镇\"}", &answer);
	g_assert_cmpuint(json_array_get_length(result), ==, 1);
	g_assert_cmpfloat(sample_value(result, 0), ==, 0);
	g_object_unref(answer);
	result = query(session, prometheus_port, "wall_online_rate{district=\"all\"}", &answer);
	g_assert_cmpfloat(sample_value(result, 0), ==, 0);
	g_object_unref(answer);

	wall_test_stop(prometheus);
	wall_test_stop(wall_process);
	g_object_unref(session);
	g_free(listen_arg);
	g_free(storage_arg);
	g_free(config_arg);
	g_free(config_text);
	g_free(storage);
	g_free(config);
	g_free(cameras_url);
	g_free(metrics_url);
	g_free(address);
	g_free(wall);
	g_free(layout);
	g_free(socket_path);
	g_free(state);
	g_free(token_file);
}

/* Beyond loopback without a token the wall refuses to start, and says why. */
static void test_beyond_loopback_needs_token(void)
{
	char *layout = wall_test_source_path("tests/layouts/four-cameras.yaml");
	char *state = wall_test_temp_path("refused.sqlite");
	char *socket_path = wall_test_temp_path("refused.sock");
	const char *args[] = {"--backend", "headless",  "--frames", "1",
	                      "--control", socket_path, "--state",  state,
	                      "--http",    "0.0.0.0:0", layout,     NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 2);
	g_assert_nonnull(strstr(err, "--http 0.0.0.0:0 reaches beyond this machine"));
	g_free(err);
	g_free(socket_path);
	g_free(state);
	g_free(layout);
}

/* A clip of a videotestsrc pattern, 8-bit 4:2:0 H.264 in MP4; false without GStreamer's tools. */
static bool make_clip(const char *pattern, const char *path)
{
	char *location = g_strconcat("location=", path, NULL);
	char *source = g_strconcat("pattern=", pattern, NULL);
	const char *argv[] = {"gst-launch-1.0",
	                      "-q",
	                      "videotestsrc",
	                      source,
	                      "num-buffers=500",
	                      "!",
	                      "video/x-raw,width=320,height=180,framerate=25/1,format=I420",
	                      "!",
	                      "x264enc",
	                      "speed-preset=ultrafast",
	                      "!",
	                      "video/x-h264,profile=baseline",
	                      "!",
	                      "h264parse",
	                      "!",
	                      "mp4mux",
	                      "!",
	                      "filesink",
	                      location,
	                      NULL};
	int status = -1;
	bool ok = g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
	                       NULL, &status, NULL) &&
	          g_spawn_check_wait_status(status, NULL);
	g_free(source);
	g_free(location);
	return ok;
}

/* The picture checks on live cameras: a black one is found, colour bars pass. */
static void test_picture_checks(void)
{
	char *black = wall_test_temp_path("black.mp4");
	char *bars = wall_test_temp_path("bars.mp4");
	if (!make_clip("black", black) || !make_clip("smpte", bars)) {
		g_test_skip("GStreamer's gst-launch-1.0 or x264enc is not installed");
		g_free(bars);
		g_free(black);
		return;
	}
	char *layout = wall_test_temp_path("checks.yaml");
	char *layout_text = g_strdup_printf("wall:\n  canvas: 320x180\nsources:\n"
	                                    "  black:\n    plugin: camera\n    url: file://%s\n"
	                                    "    district: 电白区\n"
	                                    "  bars:\n    plugin: camera\n    url: file://%s\n"
	                                    "    district: 茂南区\n"
	                                    "scenes:\n  main:\n    grid: 2x1\n    tiles:\n"
	                                    "      - {id: a, source: black, cell: [0, 0]}\n"
	                                    "      - {id: b, source: bars, cell: [1, 0]}\n",
	                                    black, bars);
	g_assert_true(g_file_set_contents(layout, layout_text, -1, NULL));
	char *state = wall_test_temp_path("checks.sqlite");
	char *socket_path = wall_test_temp_path("checks.sock");
	char *wall = wall_test_build_path("wall/wall");
	char *address = g_strdup_printf("127.0.0.1:%d", wall_test_free_port(G_SOCKET_TYPE_STREAM));
	const char *argv[] = {wall,        "--backend", "headless", "--fps", "10",
	                      "--control", socket_path, "--state",  state,   "--http",
	                      address,     layout,      NULL};
	GSubprocess *process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_NONE);
	SoupSession *session = soup_session_new();
	char *url = g_strdup_printf("http://%s/metrics", address);
	char *metrics = wait_for(session, url, NULL,
	                         "wall_camera_problem{source=\"black\",check=\"black\"} 1");
	g_free(metrics);
	metrics = wait_for(session, url, NULL,
	                   "wall_camera_problem{source=\"bars\",check=\"contrast\"} 0");
	g_assert_nonnull(strstr(metrics, "wall_camera_problem{source=\"bars\",check=\"black\"} 0"));
	g_assert_nonnull(strstr(metrics, "wall_camera_problem{source=\"bars\",check=\"blur\"} 0"));
	/* Each running camera's stream figures, from its plugin's status. */
	g_assert_nonnull(strstr(metrics, "wall_camera_bitrate_kbps{source=\"bars\"} "));
	g_assert_nonnull(strstr(metrics, "wall_camera_reconnects{source=\"bars\"} "));
	g_assert_nonnull(strstr(metrics, "wall_quality_coverage{district=\"电白区\"} 0.0000"));
	g_assert_nonnull(strstr(metrics, "wall_quality_coverage{district=\"all\"}"));
	g_free(metrics);
	wall_test_stop(process);
	g_object_unref(session);
	g_free(url);
	g_free(address);
	g_free(wall);
	g_free(socket_path);
	g_free(state);
	g_free(layout_text);
	g_free(layout);
	g_free(bars);
	g_free(black);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/http/beyond-loopback-needs-token", test_beyond_loopback_needs_token);
	g_test_add_func("/http/picture-checks", test_picture_checks);
	char *prometheus = g_find_program_in_path("prometheus");
	if (prometheus == NULL) {
		g_printerr("prometheus is not installed: skipping\n");
		return 77;
	}
	g_free(prometheus);
	g_test_add_func("/http/prometheus-scrapes-the-wall", test_prometheus_scrapes_the_wall);
	return g_test_run();
}
