/*
 * Cameras that behave as foreign RTSP servers do, from the project's
 * camera server:
 * - one that offers RTP over UDP only (as VLC's RTSP server does;
 *   --udp-only) answers the default request for TCP with "461 Unsupported
 *   transport": the stream must ask for UDP at once and play, not show
 *   "no decoder";
 * - one that restarts its session (end of stream, RTCP BYE: "end 1") is
 *   asked for again at once, not after a backoff nor the stall timer.
 */
#include <gio/gio.h>
#include <glib.h>
#include <string.h>

#include "plugin_registry.h"
#include "source.h"
#include "support.h"

/*
 * The camera server with one camera, and flag when not NULL, on a free
 * port it names in *port. NULL when it was not built.
 */
static GSubprocess *camserver(const char *flag, int *port)
{
	char *path = wall_test_build_path("plugins/camera/camserver/wall-camserver");
	GSubprocess *process = NULL;
	if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
		const char *argv[] = {path, "--port=0", "--cameras=1", "--main=320x180", flag, NULL};
		process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
							G_SUBPROCESS_FLAGS_STDOUT_PIPE);
		GDataInputStream *out =
			g_data_input_stream_new(g_subprocess_get_stdout_pipe(process));
		char *ready = g_data_input_stream_read_line_utf8(out, NULL, NULL, NULL);
		g_assert_true(g_str_has_prefix(ready, "READY port="));
		*port = atoi(ready + strlen("READY port="));
		g_free(ready);
		g_object_unref(out);
	}
	g_free(path);
	return process;
}

/* Status key of source, waited for until it reads want; false after 60 s. */
static bool wait_for(struct wall_source *source, const char *key, const char *want)
{
	for (int i = 0; i < 3000; i++) {
		GHashTable *status = wall_test_status(source);
		bool done = g_strcmp0(g_hash_table_lookup(status, key), want) == 0;
		g_hash_table_unref(status);
		struct wall_frame_ref *frame = wall_source_take_frame(source);
		wall_frame_ref_unref(frame);
		if (done) {
			return true;
		}
		g_usleep(20000);
	}
	return false;
}

static void test_tcp_refused_udp_plays(void)
{
	int port = 0;
	GSubprocess *server = camserver("--udp-only", &port);
	if (server == NULL) {
		g_test_skip("wall-camserver was not built (no RTSP server library)");
		return;
	}
	struct wall_plugin_registry *registry = wall_test_registry_with("camera");
	char *url = g_strdup_printf("rtsp://127.0.0.1:%d/cam01", port);
	/* transport: tcp is the default; said here so the test says what it tests. */
	struct wall_source *source =
		wall_test_source(registry, "camera", "vlc-like", "url", url, "transport", "tcp", NULL);
	g_assert_true(wait_for(source, "camera_state", "live"));
	GHashTable *status = wall_test_status(source);
	g_assert_cmpstr(g_hash_table_lookup(status, "transport"), ==, "udp");
	g_hash_table_unref(status);
	wall_source_destroy(source);
	g_free(url);
	wall_plugin_registry_destroy(registry);
	wall_test_stop(server);
}

static char *status_of(struct wall_source *source, const char *key)
{
	GHashTable *status = wall_test_status(source);
	char *value = g_strdup(g_hash_table_lookup(status, key));
	g_hash_table_unref(status);
	return value;
}

static void test_session_restart_reconnects_at_once(void)
{
	int port = 0;
	GSubprocess *server = camserver(NULL, &port);
	if (server == NULL) {
		g_test_skip("wall-camserver was not built (no RTSP server library)");
		return;
	}
	struct wall_plugin_registry *registry = wall_test_registry_with("camera");
	char *url = g_strdup_printf("rtsp://127.0.0.1:%d/cam01", port);
	/* A stall timer far away, so only the end itself can bring the reconnect. */
	struct wall_source *source = wall_test_source(registry, "camera", "restarting", "url", url,
						      "stall_ms", "600000", NULL);
	g_assert_true(wait_for(source, "camera_state", "live"));
	/* Live long enough to count as a stream that was fine. */
	g_usleep(2500 * 1000);
	char *before = status_of(source, "reconnects");
	GOutputStream *commands = g_subprocess_get_stdin_pipe(server);
	g_assert_true(g_output_stream_write_all(commands, "end 1\n", 6, NULL, NULL, NULL));
	g_assert_true(g_output_stream_flush(commands, NULL, NULL));
	/* It comes back, asked for again without waiting. */
	bool reconnected = false;
	for (int i = 0; i < 3000 && !reconnected; i++) {
		char *now = status_of(source, "reconnects");
		reconnected = g_strcmp0(now, before) != 0;
		g_free(now);
		g_usleep(20000);
	}
	g_assert_true(reconnected);
	char *delay = status_of(source, "retry_delay_ms");
	g_assert_cmpstr(delay, ==, "0");
	g_assert_true(wait_for(source, "camera_state", "live"));
	g_free(delay);
	g_free(before);
	wall_source_destroy(source);
	g_free(url);
	wall_plugin_registry_destroy(registry);
	wall_test_stop(server);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	wall_test_full_unwind_children();
	g_test_add_func("/stream-server/tcp-refused-udp-plays", test_tcp_refused_udp_plays);
	g_test_add_func("/stream-server/session-restart-reconnects-at-once",
			test_session_restart_reconnects_at_once);
	return g_test_run();
}
