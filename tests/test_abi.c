/*
 * The plugin loader's checks: every rule a plugin can break is refused
 * with a message that names the file and the reason, and the wall goes on.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "plugin_registry.h"

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

/* Look name up, expect a refusal, and check it names file and reason. */
static void assert_refused(struct fixture *fixture, const char *name, const char *reason)
{
	const char *why = NULL;
	const struct wall_plugin *plugin = wall_plugin_registry_get(fixture->registry, name, &why);
	g_assert_null(plugin);
	g_assert_nonnull(why);
	char *file = g_strdup_printf("%s/%s.so", WALL_TEST_PLUGIN_DIR, name);
	g_assert_true(g_str_has_prefix(why, file));
	g_free(file);
	if (strstr(why, reason) == NULL) {
		g_error("\"%s\" does not say \"%s\"", why, reason);
	}

	/* Refusals are remembered: the same answer, without loading again. */
	const char *again = NULL;
	g_assert_null(wall_plugin_registry_get(fixture->registry, name, &again));
	g_assert_true(again == why);
}

static void test_valid(struct fixture *fixture, const void *data)
{
	const char *why = NULL;
	const struct wall_plugin *plugin =
		wall_plugin_registry_get(fixture->registry, "testvalid", &why);
	g_assert_nonnull(plugin);
	g_assert_null(why);
	g_assert_cmpstr(plugin->name, ==, "testvalid");
	g_assert_nonnull(plugin->create);
	g_assert_nonnull(plugin->destroy);
	g_assert_nonnull(plugin->show);
	g_assert_nonnull(plugin->status);
	g_assert_true(wall_plugin_registry_get(fixture->registry, "testvalid", NULL) == plugin);

	const struct wall_option *options =
		wall_plugin_registry_options("testvalid", &why, fixture->registry);
	g_assert_nonnull(options);
	g_assert_cmpstr(options[0].name, ==, "title");

	/* Loading the same file by path gives the same plugin. */
	char *path = g_build_filename(WALL_TEST_PLUGIN_DIR, "testvalid.so", NULL);
	g_assert_true(wall_plugin_registry_load_file(fixture->registry, path, NULL) == plugin);
	g_free(path);
}

static void test_old(struct fixture *fixture, const void *data)
{
	const char *why = NULL;
	const struct wall_plugin *plugin =
		wall_plugin_registry_get(fixture->registry, "testold", &why);
	g_assert_nonnull(plugin);
	g_assert_nonnull(plugin->create);
	g_assert_nonnull(plugin->destroy);
	/* Beyond its struct_size: the host must see nothing, not the traps. */
	g_assert_null(plugin->show);
	g_assert_null(plugin->hide);
	g_assert_null(plugin->status);
	g_assert_null(plugin->set_view_size);
	g_assert_null(plugin->options);

	/* A plugin with no options still answers the layout loader. */
	const struct wall_option *options =
		wall_plugin_registry_options("testold", &why, fixture->registry);
	g_assert_nonnull(options);
	g_assert_null(options[0].name);
}

static void test_future(struct fixture *fixture, const void *data)
{
	assert_refused(fixture, "testfuture", "built for plugin ABI 99, this wall speaks 2");
}

static void test_newer(struct fixture *fixture, const void *data)
{
	char *expected = g_strdup_printf("struct wall_plugin is %zu bytes, larger than the %zu "
					 "this wall knows: built for a newer wall",
					 sizeof(struct wall_plugin) + sizeof(void (*)(void *)),
					 sizeof(struct wall_plugin));
	assert_refused(fixture, "testnewer", expected);
	g_free(expected);
}

static void test_no_destroy(struct fixture *fixture, const void *data)
{
	assert_refused(fixture, "testnodestroy", "missing required callback destroy");
}

static void test_no_entry(struct fixture *fixture, const void *data)
{
	assert_refused(fixture, "testnoentry", "no wall_plugin_entry symbol");
}

static void test_null(struct fixture *fixture, const void *data)
{
	assert_refused(fixture, "testnull", "wall_plugin_entry returned NULL");
}

static void test_bad_option(struct fixture *fixture, const void *data)
{
	assert_refused(fixture, "testbadoption",
		       "default \"wide\" of option \"width\" is not an integer");
	const char *why = NULL;
	g_assert_null(wall_plugin_registry_options("testbadoption", &why, fixture->registry));
	g_assert_nonnull(why);
}

static void test_wrong_name(struct fixture *fixture, const void *data)
{
	/* A valid plugin under another file name calls itself by the wrong name. */
	char *dir = g_dir_make_tmp("wall-abi-XXXXXX", NULL);
	g_assert_nonnull(dir);
	char *source = g_build_filename(WALL_TEST_PLUGIN_DIR, "testvalid.so", NULL);
	char *copy = g_build_filename(dir, "renamed.so", NULL);
	char *contents = NULL;
	size_t length = 0;
	g_assert_true(g_file_get_contents(source, &contents, &length, NULL));
	g_assert_true(g_file_set_contents(copy, contents, (gssize)length, NULL));

	const char *dirs[] = {dir, NULL};
	struct wall_plugin_registry *registry = wall_plugin_registry_create(dirs);
	const char *why = NULL;
	g_assert_null(wall_plugin_registry_get(registry, "renamed", &why));
	g_assert_true(g_str_has_prefix(why, copy));
	g_assert_nonnull(strstr(why, "calls itself \"testvalid\", not \"renamed\""));
	wall_plugin_registry_destroy(registry);

	g_unlink(copy);
	g_rmdir(dir);
	g_free(contents);
	g_free(copy);
	g_free(source);
	g_free(dir);
}

static void test_nested(struct fixture *fixture, const void *data)
{
	/* The build tree keeps each plugin in DIR/NAME/NAME.so. */
	char *plugins = g_build_filename(WALL_BUILD_ROOT, "plugins", NULL);
	const char *dirs[] = {plugins, NULL};
	struct wall_plugin_registry *registry = wall_plugin_registry_create(dirs);
	const char *why = NULL;
	const struct wall_plugin *plugin = wall_plugin_registry_get(registry, "color", &why);
	g_assert_nonnull(plugin);
	g_assert_cmpstr(plugin->name, ==, "color");
	wall_plugin_registry_destroy(registry);
	g_free(plugins);
}

static void test_not_found(struct fixture *fixture, const void *data)
{
	const char *dirs[] = {WALL_TEST_PLUGIN_DIR, "/nonexistent/wall-plugins", NULL};
	struct wall_plugin_registry *registry = wall_plugin_registry_create(dirs);
	const char *why = NULL;
	g_assert_null(wall_plugin_registry_get(registry, "nosuch", &why));
	char *expected = g_strdup_printf("no plugin \"nosuch\" in %s, /nonexistent/wall-plugins",
					 WALL_TEST_PLUGIN_DIR);
	g_assert_cmpstr(why, ==, expected);
	g_free(expected);

	/* A name cannot reach outside the search folders. */
	g_assert_null(wall_plugin_registry_get(registry, "../plugins/testvalid", &why));
	g_assert_nonnull(strstr(why, "not a plugin name"));
	wall_plugin_registry_destroy(registry);
}

static void test_load_file(struct fixture *fixture, const void *data)
{
	char *path = g_build_filename(WALL_TEST_PLUGIN_DIR, "testfuture.so", NULL);
	const char *why = NULL;
	g_assert_null(wall_plugin_registry_load_file(fixture->registry, path, &why));
	g_assert_true(g_str_has_prefix(why, path));
	g_assert_nonnull(strstr(why, "ABI 99"));
	g_free(path);

	why = NULL;
	g_assert_null(
		wall_plugin_registry_load_file(fixture->registry, "/nonexistent/missing.so", &why));
	g_assert_true(g_str_has_prefix(why, "/nonexistent/missing.so: "));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, fixture_set_up, fn, fixture_tear_down)
	ADD("/abi/valid", test_valid);
	ADD("/abi/old", test_old);
	ADD("/abi/future", test_future);
	ADD("/abi/newer", test_newer);
	ADD("/abi/no-destroy", test_no_destroy);
	ADD("/abi/no-entry", test_no_entry);
	ADD("/abi/null", test_null);
	ADD("/abi/bad-option", test_bad_option);
	ADD("/abi/wrong-name", test_wrong_name);
	ADD("/abi/nested", test_nested);
	ADD("/abi/not-found", test_not_found);
	ADD("/abi/load-file", test_load_file);
#undef ADD
	return g_test_run();
}
