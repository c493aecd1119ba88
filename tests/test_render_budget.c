/*
 * "No plugin callback on the render thread does I/O", enforced: a debug
 * build times create(), show(), hide() and set_view_size() and warns when
 * one takes longer than 1 ms. tests/plugins/testslow.c waits 20 ms in
 * create() and show().
 */
#include <glib.h>
#include <string.h>

#include "plugin_registry.h"
#include "source.h"
#include "support.h"

static void test_counted(void)
{
#ifdef NDEBUG
	g_test_skip("built with NDEBUG: callbacks are not timed");
	return;
#endif
	const char *dirs[] = {WALL_TEST_PLUGIN_DIR, NULL};
	struct wall_plugin_registry *registry = wall_plugin_registry_create(dirs);
	unsigned before = wall_source_slow_callbacks();
	struct wall_layout_source config = {
		.name = (char *)"slow",
		.plugin = (char *)"testslow",
		.options = g_ptr_array_new(),
	};
	struct wall_source *source = wall_source_create(&config, registry);
	g_ptr_array_free(config.options, TRUE);
	g_assert_cmpuint(wall_source_slow_callbacks(), ==, before + 1);
	wall_source_set_visible(source, true);
	g_assert_cmpuint(wall_source_slow_callbacks(), ==, before + 2);
	/* hide() returns at once: nothing to say. */
	wall_source_set_visible(source, false);
	g_assert_cmpuint(wall_source_slow_callbacks(), ==, before + 2);
	wall_source_destroy(source);
	wall_plugin_registry_destroy(registry);
}

static void test_wall_warns(void)
{
#ifdef NDEBUG
	g_test_skip("built with NDEBUG: callbacks are not timed");
	return;
#endif
	char *layout = wall_test_source_path("tests/layouts/slow-plugin.yaml");
	const char *args[] = {"--backend", "headless", "--renderer", "soft", "--frames", "3",
			      "--no-control", "--plugin-path", WALL_TEST_PLUGIN_DIR, layout, NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), ==, 0);
	g_assert_nonnull(strstr(err, "slow: plugin testslow took"));
	g_assert_nonnull(strstr(err, "in create() on the render thread"));
	g_assert_nonnull(strstr(err, "in show() on the render thread"));
	g_free(err);
	g_free(layout);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/render-budget/counted", test_counted);
	g_test_add_func("/render-budget/wall-warns", test_wall_warns);
	return g_test_run();
}
