/*
 * Credentials never shown: pipeline_scrub() on the shapes that leaked
 * (an unescaped '/' in a password, user and password as query keys), and
 * the wall itself, run with -v, never printing them, nor STATUS showing them.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "paths.h"
#include "pipeline.h"
#include "plugin_registry.h"
#include "source.h"
#include "support.h"

static void expect_scrubbed(const char *text, const char *password, const char *want)
{
	char *scrubbed = pipeline_scrub(text, password);
	g_assert_cmpstr(scrubbed, ==, want);
	g_free(scrubbed);
}

static void test_scrub(void)
{
	expect_scrubbed("rtsp://admin:secret@cam.local/live", NULL, "rtsp://cam.local/live");
	/* The '/' in the password made "admin:Pa" look like the host. */
	expect_scrubbed("rtsp://admin:Pa/ss9@10.1.2.3:554/Streaming/101", NULL,
			"rtsp://10.1.2.3:554/Streaming/101");
	expect_scrubbed("could not open rtsp://admin:Pa/ss9@10.1.2.3/x: refused", NULL,
			"could not open rtsp://10.1.2.3/x: refused");
	expect_scrubbed("rtsp://10.1.2.3/live?user=admin&password=Pa/ss9&channel=1", NULL,
			"rtsp://10.1.2.3/live?user=***&password=***&channel=1");
	expect_scrubbed("http://media/live.flv?token=abc123&Secret=x;PWD=y", NULL,
			"http://media/live.flv?token=***&Secret=***;PWD=***");
	/* Not a credential: left alone. */
	expect_scrubbed("rtsp://cam.local/live?channel=1&subtype=0", NULL,
			"rtsp://cam.local/live?channel=1&subtype=0");
	expect_scrubbed("error: Pa/ss9 refused", "Pa/ss9", "error: *** refused");
}

static void test_status(void)
{
	char **dirs = wall_paths_plugin_dirs(NULL);
	struct wall_plugin_registry *registry =
		wall_plugin_registry_create((const char *const *)dirs);
	g_strfreev(dirs);
	int port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *url = g_strdup_printf("rtsp://admin:Pa/ss9@127.0.0.1:%d/live?pwd=x1", port);
	struct wall_source *source = wall_test_source(registry, "camera", "cam", "url", url, NULL);
	GHashTable *status = wall_test_status(source);
	char *want = g_strdup_printf("rtsp://127.0.0.1:%d/live?pwd=***", port);
	g_assert_cmpstr(g_hash_table_lookup(status, "url"), ==, want);
	g_free(want);
	g_hash_table_unref(status);
	wall_source_destroy(source);
	g_free(url);
	wall_plugin_registry_destroy(registry);
}

static void test_wall_never_prints_them(void)
{
	int port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *layout_path = wall_test_temp_path("credentials.yaml");
	char *layout = g_strdup_printf(
		"wall:\n  canvas: 320x180\n"
		"sources:\n"
		"  slash:\n    plugin: camera\n"
		"    url: rtsp://admin:Pa/ss9@127.0.0.1:%d/live\n"
		"  query:\n    plugin: camera\n"
		"    url: rtsp://127.0.0.1:%d/live?user=operator&password=Qu3ry-Pw\n"
		"scenes:\n  main:\n    grid: 2x1\n    tiles:\n"
		"      - {id: a, source: slash, cell: [0, 0]}\n"
		"      - {id: b, source: query, cell: [1, 0]}\n",
		port, port);
	g_assert_true(g_file_set_contents(layout_path, layout, -1, NULL));
	const char *args[] = {"-v", "--backend", "headless", "--renderer", "soft", "--fps", "10",
			      "--frames", "30", "--no-control", layout_path, NULL};
	char *out = NULL;
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, &out, &err), ==, 0);
	/* It did try, and said where. */
	g_assert_nonnull(strstr(err, "127.0.0.1"));
	const char *secrets[] = {"Pa/ss9", "ss9", "Pa%2F", "admin:", "operator", "Qu3ry-Pw"};
	for (size_t i = 0; i < G_N_ELEMENTS(secrets); i++) {
		if (strstr(err, secrets[i]) != NULL || strstr(out, secrets[i]) != NULL) {
			g_error("the wall printed \"%s\"", secrets[i]);
		}
	}
	g_free(out);
	g_free(err);
	g_free(layout);
	g_free(layout_path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	wall_test_full_unwind_children();
	g_test_add_func("/stream-scrub/scrub", test_scrub);
	g_test_add_func("/stream-scrub/status", test_status);
	g_test_add_func("/stream-scrub/wall-never-prints-them", test_wall_never_prints_them);
	return g_test_run();
}
