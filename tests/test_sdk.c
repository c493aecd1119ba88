/*
 * The plugin SDK as a third party meets it: the wall's header and
 * wall-plugin.pc installed into a scratch root (a destdir install), the
 * example plugin built as its own meson project against them through
 * PKG_CONFIG_PATH, and the wall loading that build with --plugin-path and
 * drawing its picture.
 */
#include <glib.h>
#include <string.h>

#include "support.h"

/* Run argv in env; the test fails unless it exits 0. Returns its stdout (g_free). */
static char *run(const char *const *argv, char **env)
{
	char *out = NULL;
	char *err = NULL;
	int wait_status = 0;
	GError *error = NULL;
	g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
	                           &err, &wait_status, &error));
	g_assert_no_error(error);
	if (!g_spawn_check_wait_status(wait_status, NULL)) {
		g_error("%s failed:\n%s%s", argv[0], out, err);
	}
	g_free(err);
	return out;
}

/*
 * pkg-config finds wall-plugin.pc in the scratch root. The .pc names the
 * real prefix; with sysroot the paths it gives point into the scratch root.
 */
static char **sdk_environment(const char *root, bool sysroot)
{
	char **env = g_get_environ();
	char *pc_dir = g_build_filename(root, WALL_INSTALL_LIBDIR, "pkgconfig", NULL);
	env = g_environ_setenv(env, "PKG_CONFIG_PATH", pc_dir, TRUE);
	env = sysroot ? g_environ_setenv(env, "PKG_CONFIG_SYSROOT_DIR", root, TRUE)
	              : g_environ_unsetenv(env, "PKG_CONFIG_SYSROOT_DIR");
	g_free(pc_dir);
	return env;
}

static void assert_same_file(const char *a, const char *b)
{
	char *a_text = NULL;
	char *b_text = NULL;
	g_assert_true(g_file_get_contents(a, &a_text, NULL, NULL));
	g_assert_true(g_file_get_contents(b, &b_text, NULL, NULL));
	g_assert_cmpstr(a_text, ==, b_text);
	g_free(a_text);
	g_free(b_text);
}

static void test_install_and_build_example(void)
{
	char *root = wall_test_temp_path("root");
	const char *install[] = {"meson",        "install",   "-C", WALL_BUILD_ROOT,
	                         "--no-rebuild", "--destdir", root, "--tags",
	                         "devel",        "--quiet",   NULL};
	g_free(run(install, NULL));

	char *header = g_build_filename(root, WALL_INSTALL_INCLUDEDIR, "wall", "plugin.h", NULL);
	char *source_header = wall_test_source_path("wall/include/wall/plugin.h");
	assert_same_file(header, source_header);

	/* pluginsdir names the folder the installed wall searches. */
	char **plain_env = sdk_environment(root, false);
	const char *variable[] = {"pkg-config", "--variable=pluginsdir", "wall-plugin", NULL};
	char *plugins_dir = run(variable, plain_env);
	g_assert_cmpstr(g_strstrip(plugins_dir), ==, WALL_INSTALL_PLUGIN_DIR);
	g_strfreev(plain_env);

	char **env = sdk_environment(root, true);

	char *build = wall_test_temp_path("example-build");
	char *project = wall_test_source_path("examples/plugin-checker");
	const char *setup[] = {"meson", "setup", build, project, NULL};
	g_free(run(setup, env));
	const char *compile[] = {"meson", "compile", "-C", build, NULL};
	g_free(run(compile, env));

	/* The wall takes the plugin from that build, and it draws. */
	char *layout = wall_test_source_path("tests/layouts/checker.yaml");
	char *shot = wall_test_temp_path("example.png");
	const char *args[] = {
	        "--backend",     "headless", "--renderer",   "soft", "--frames", "2", "--verbose",
	        "--plugin-path", build,      "--screenshot", shot,   layout,     NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 0);
	char *loaded = g_strdup_printf("loaded plugin \"checker\" from %s/checker.so", build);
	g_assert_nonnull(strstr(err, loaded));
	cairo_surface_t *picture = cairo_image_surface_create_from_png(shot);
	g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
	g_assert_true(wall_test_color_near(wall_test_pixel(picture, 16, 16), 0xff000000u, 2));
	g_assert_true(wall_test_color_near(wall_test_pixel(picture, 48, 16), 0xffffd000u, 2));
	cairo_surface_destroy(picture);

	/* Its options come out of the wall as the plugin declares them. */
	const char *help[] = {"--help-plugin", "checker", "--plugin-path", build, NULL};
	char *out = NULL;
	g_assert_cmpint(wall_test_run_wall(help, &out, NULL), ==, 0);
	g_assert_nonnull(strstr(out, "cell (int, 1 to 512, default 16)"));
	g_assert_nonnull(strstr(out, "size of one square, in pixels"));

	g_free(out);
	g_free(loaded);
	g_free(err);
	g_free(shot);
	g_free(layout);
	g_free(project);
	g_free(build);
	g_free(plugins_dir);
	g_strfreev(env);
	g_free(source_header);
	g_free(header);
	g_free(root);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sdk/install-and-build-example", test_install_and_build_example);
	return g_test_run();
}
