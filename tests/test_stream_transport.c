/*
 * RTSP transports: a camera that offers RTP over UDP only (as VLC's RTSP
 * server does; here the project's camera server with --udp-only) answers
 * the default request for TCP with "461 Unsupported transport". The
 * stream must ask for UDP at once and play, not show "no decoder".
 */
#include <gio/gio.h>
#include <glib.h>
#include <string.h>

#include "paths.h"
#include "plugin_registry.h"
#include "source.h"
#include "support.h"

/* The camera server, UDP only, on a free port it names; NULL: skipped. */
static GSubprocess *udp_only_camserver(int *port)
{
	char *path = wall_test_build_path("plugins/camera/camserver/wall-camserver");
	GSubprocess *process = NULL;
	if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
		const char *argv[] = {path, "--port=0", "--cameras=1", "--main=320x180",
				      "--udp-only", NULL};
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
	GSubprocess *server = udp_only_camserver(&port);
	if (server == NULL) {
		g_test_skip("wall-camserver was not built (no RTSP server library)");
		return;
	}
	char **dirs = wall_paths_plugin_dirs(NULL);
	struct wall_plugin_registry *registry =
		wall_plugin_registry_create((const char *const *)dirs);
	g_strfreev(dirs);
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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	wall_test_full_unwind_children();
	g_test_add_func("/stream-transport/tcp-refused-udp-plays", test_tcp_refused_udp_plays);
	return g_test_run();
}
