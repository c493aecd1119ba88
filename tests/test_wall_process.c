/*
 * The wall binary end to end: command line, --check, a refused plugin
 * that leaves the rest of the wall running, and a clean exit on SIGTERM.
 * Under the sanitized build, LeakSanitizer checks every run's exit too.
 */
#include <glib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

static void test_version(void)
{
	char *out = NULL;
	const char *args[] = {"--version", NULL};
	g_assert_cmpint(wall_test_run_wall(args, &out, NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "wall "));
	g_assert_nonnull(strstr(out, "plugin ABI 2"));
	g_free(out);
}

static void test_help_names_options(void)
{
	char *out = NULL;
	const char *args[] = {"--help", NULL};
	g_assert_cmpint(wall_test_run_wall(args, &out, NULL), ==, 0);
	const char *names[] = {"--backend", "--renderer", "--fps", "--frames", "--screenshot",
			       "--check", "--stats", "--plugin-path", "--fullscreen", "--display",
			       "--scene", "--verbose", "--quiet", "--version", "--help-plugin",
			       "--list-plugins"};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_assert_nonnull(strstr(out, names[i]));
	}
	g_free(out);
}

/* Printed from the option table the plugin declares: type, range, default, help. */
static void test_help_plugin(void)
{
	const char *args[] = {"--help-plugin", "color", NULL};
	char *out = NULL;
	g_assert_cmpint(wall_test_run_wall(args, &out, NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "color: a flat colour\n"));
	g_assert_nonnull(strstr(out, "  color (colour #rrggbb[aa], default #202830)\n"
				     "      the colour to fill the tile with"));
	g_free(out);

	char *err = NULL;
	const char *missing[] = {"--help-plugin", "nosuch", NULL};
	g_assert_cmpint(wall_test_run_wall(missing, NULL, &err), ==, 1);
	g_assert_nonnull(strstr(err, "no plugin \"nosuch\""));
	g_free(err);
}

static void test_list_plugins(void)
{
	const char *args[] = {"--list-plugins", "--plugin-path", WALL_TEST_PLUGIN_DIR, NULL};
	char *out = NULL;
	char *err = NULL;
	/* The test folder holds plugins refused on purpose, so it exits 1... */
	g_assert_cmpint(wall_test_run_wall(args, &out, &err), ==, 1);
	g_assert_nonnull(strstr(err, "testfuture.so: built for plugin ABI 99"));
	/* ...and lists every good one, from both folders, with its options. */
	g_assert_nonnull(strstr(out, "camera: "));
	g_assert_nonnull(strstr(out, "  url (string, required)\n"));
	g_assert_nonnull(strstr(out, "  password (string, secret)\n"));
	g_assert_nonnull(strstr(out, "  transport (one of tcp|udp|auto, default tcp)\n"));
	g_assert_nonnull(strstr(out, "  cell (int, 1 to 512, default 16)\n"));
	g_assert_nonnull(strstr(out, "testold\n  (no options)\n"));
	g_assert_null(strstr(out, "testfuture"));
	g_free(out);
	g_free(err);
}

static void test_bad_usage(void)
{
	char *err = NULL;
	const char *args[] = {"--renderer", "vulkan", "x.yaml", NULL};
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 2);
	g_assert_nonnull(strstr(err, "--renderer must be auto, gl or soft"));
	g_free(err);
}

static void test_check_valid(void)
{
	char *layout = wall_test_source_path("layouts/demo.yaml");
	const char *args[] = {"--check", layout, NULL};
	char *out = NULL;
	g_assert_cmpint(wall_test_run_wall(args, &out, NULL), ==, 0);
	g_assert_nonnull(strstr(out, ": ok ("));
	g_free(out);
	g_free(layout);
}

static void test_check_broken_layout(void)
{
	char *layout = wall_test_source_path("tests/layouts/broken-missing-source.yaml");
	const char *args[] = {"--check", layout, NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 1);
	/* The tile on line 11 names a source that does not exist. */
	char *expected = g_strdup_printf("%s:11:", layout);
	g_assert_nonnull(strstr(err, expected));
	g_assert_nonnull(strstr(err, "blue"));
	g_free(expected);
	g_free(err);
	g_free(layout);
}

static void test_check_refuses_future_plugin(void)
{
	char *layout = wall_test_source_path("tests/layouts/future-plugin.yaml");
	const char *args[] = {"--check", "--plugin-path", WALL_TEST_PLUGIN_DIR, layout, NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 1);
	char *expected = g_strdup_printf("%s:9:13:", layout);
	g_assert_nonnull(strstr(err, expected));
	g_assert_nonnull(strstr(err, "testfuture.so"));
	g_assert_nonnull(strstr(err, "ABI 99"));
	g_free(expected);
	g_free(err);
	g_free(layout);
}

static void test_future_plugin_leaves_rest_running(void)
{
	char *layout = wall_test_source_path("tests/layouts/future-plugin.yaml");
	char *shot = wall_test_temp_path("future.png");
	const char *args[] = {"--backend", "headless", "--renderer", "soft", "--frames", "5",
			      "--plugin-path", WALL_TEST_PLUGIN_DIR, "--screenshot", shot, layout,
			      NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 0);
	g_assert_nonnull(strstr(err, "testfuture.so"));

	cairo_surface_t *picture = cairo_image_surface_create_from_png(shot);
	g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
	g_assert_cmpint(cairo_image_surface_get_width(picture), ==, 320);
	/* The good tile shows its colour... */
	g_assert_true(wall_test_color_near(wall_test_pixel(picture, 80, 40), 0xffff0000u, 2));
	/* ...and the refused one an error slate, not black, with the red
	 * error bar along its top. */
	g_assert_true(wall_test_color_near(wall_test_pixel(picture, 170, 20), 0xff161b22u, 2));
	g_assert_true(wall_test_color_near(wall_test_pixel(picture, 240, 0), 0xffff3b3bu, 2));
	cairo_surface_destroy(picture);
	g_free(err);
	g_free(shot);
	g_free(layout);
}

/* The plugin README.md teaches, built from examples/plugin-checker/checker.c. */
static void test_readme_plugin_renders(void)
{
	char *layout = wall_test_source_path("tests/layouts/checker.yaml");
	char *shot = wall_test_temp_path("checker.png");
	const char *args[] = {"--backend", "headless", "--renderer", "soft", "--frames", "2", "--plugin-path",
			      WALL_TEST_PLUGIN_DIR, "--screenshot", shot, layout, NULL};
	g_assert_cmpint(wall_test_run_wall(args, NULL, NULL), ==, 0);
	cairo_surface_t *picture = cairo_image_surface_create_from_png(shot);
	g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
	g_assert_true(wall_test_color_near(wall_test_pixel(picture, 16, 16), 0xff000000u, 2));
	g_assert_true(wall_test_color_near(wall_test_pixel(picture, 48, 16), 0xffffd000u, 2));
	g_assert_true(wall_test_color_near(wall_test_pixel(picture, 48, 48), 0xff000000u, 2));
	cairo_surface_destroy(picture);
	g_free(shot);
	g_free(layout);
}

static void test_readme_plugin_option_checked(void)
{
	char *layout = wall_test_source_path("tests/layouts/checker-bad-cell.yaml");
	const char *args[] = {"--check", "--plugin-path", WALL_TEST_PLUGIN_DIR, layout, NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 1);
	char *expected = g_strdup_printf("%s:6:11:", layout);
	g_assert_nonnull(strstr(err, expected));
	g_free(expected);
	g_free(err);
	g_free(layout);
}

/* README.md shows examples/plugin-checker/checker.c whole; they must not drift. */
static void test_readme_shows_checker(void)
{
	char *readme_path = wall_test_source_path("README.md");
	char *plugin_path = wall_test_source_path("examples/plugin-checker/checker.c");
	char *readme = NULL;
	char *plugin = NULL;
	g_assert_true(g_file_get_contents(readme_path, &readme, NULL, NULL));
	g_assert_true(g_file_get_contents(plugin_path, &plugin, NULL, NULL));
	char *block = g_strdup_printf("```c\n%s```\n", plugin);
	g_assert_nonnull(strstr(readme, block));
	g_free(block);
	g_free(plugin);
	g_free(readme);
	g_free(plugin_path);
	g_free(readme_path);
}

static void test_demo_screenshot(void)
{
	char *layout = wall_test_source_path("layouts/demo.yaml");
	char *shot = wall_test_temp_path("demo.png");
	const char *args[] = {"--backend", "headless", "--frames", "60", "--stats",
			      "--screenshot", shot, layout, NULL};
	char *out = NULL;
	g_assert_cmpint(wall_test_run_wall(args, &out, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "frames presented: 60"));
	g_assert_nonnull(strstr(out, "render time p99:"));
	cairo_surface_t *picture = cairo_image_surface_create_from_png(shot);
	g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
	g_assert_cmpint(cairo_image_surface_get_width(picture), ==, 1920);
	g_assert_cmpint(cairo_image_surface_get_height(picture), ==, 1080);
	cairo_surface_destroy(picture);
	g_free(out);
	g_free(shot);
	g_free(layout);
}

static void test_unknown_scene(void)
{
	char *layout = wall_test_source_path("layouts/demo.yaml");
	const char *args[] = {"--backend", "headless", "--scene", "nope", layout, NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 2);
	g_assert_nonnull(strstr(err, "no such scene"));
	g_free(err);
	g_free(layout);
}

/* Start the wall, let it run, stop it with a signal: it must exit 0. */
static void check_clean_exit_on(int signal_number)
{
	char *wall = wall_test_build_path("wall/wall");
	char *layout = wall_test_source_path("tests/layouts/moving.yaml");
	/* soft: LeakSanitizer checks this exit (see tests/support.c). */
	char *argv[] = {wall, "--backend", "headless", "--renderer", "soft", "--fps", "30", layout,
			NULL};
	GPid pid;
	GError *error = NULL;
	g_assert_true(g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
				    &error));
	g_assert_no_error(error);
	/* Long enough for moving pattern threads to be pushing frames. */
	g_usleep(1500 * 1000);
	g_assert_cmpint(kill(pid, signal_number), ==, 0);
	int wait_status = 0;
	g_assert_cmpint(waitpid(pid, &wait_status, 0), ==, pid);
	g_assert_true(WIFEXITED(wait_status));
	g_assert_cmpint(WEXITSTATUS(wait_status), ==, 0);
	g_spawn_close_pid(pid);
	g_free(layout);
	g_free(wall);
}

static void test_sigterm(void)
{
	check_clean_exit_on(SIGTERM);
}

static void test_sigint(void)
{
	check_clean_exit_on(SIGINT);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/process/version", test_version);
	g_test_add_func("/process/help", test_help_names_options);
	g_test_add_func("/process/bad-usage", test_bad_usage);
	g_test_add_func("/process/check-valid", test_check_valid);
	g_test_add_func("/process/check-broken", test_check_broken_layout);
	g_test_add_func("/process/check-future-plugin", test_check_refuses_future_plugin);
	g_test_add_func("/process/future-plugin-rest-runs", test_future_plugin_leaves_rest_running);
	g_test_add_func("/process/demo-screenshot", test_demo_screenshot);
	g_test_add_func("/process/readme-plugin-renders", test_readme_plugin_renders);
	g_test_add_func("/process/readme-plugin-option-checked", test_readme_plugin_option_checked);
	g_test_add_func("/process/readme-shows-plugin", test_readme_shows_checker);
	g_test_add_func("/process/help-plugin", test_help_plugin);
	g_test_add_func("/process/list-plugins", test_list_plugins);
	g_test_add_func("/process/unknown-scene", test_unknown_scene);
	g_test_add_func("/process/sigterm", test_sigterm);
	g_test_add_func("/process/sigint", test_sigint);
	return g_test_run();
}
