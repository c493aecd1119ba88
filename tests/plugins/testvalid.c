/*
 * A plugin that follows every rule, with one option of each type, for the
 * loader and host-service tests. It records what the host did to it in
 * exported variables that the tests read through dlsym().
 */
#include <stdlib.h>
#include <wall/plugin.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT extern const struct wall_host *testvalid_host;
EXPORT extern struct wall_source *testvalid_source;
EXPORT extern int testvalid_shows;
EXPORT extern int testvalid_hides;
EXPORT extern int testvalid_destroys;
uint32_t testvalid_view_width_px;
int testvalid_view_sizes;
EXPORT extern uint32_t testvalid_view_width_px;
EXPORT extern int testvalid_view_sizes;

const struct wall_host *testvalid_host;
struct wall_source *testvalid_source;
int testvalid_shows;
int testvalid_hides;
int testvalid_destroys;

static const struct wall_option options[] = {
	{.name = "title", .type = WALL_OPTION_STRING, .default_value = "hello"},
	{.name = "count", .type = WALL_OPTION_INT, .default_value = "3", .min = 0, .max = 100},
	{.name = "ratio", .type = WALL_OPTION_DOUBLE, .default_value = "0.5"},
	{.name = "enabled", .type = WALL_OPTION_BOOL, .default_value = "yes"},
	{.name = "tint", .type = WALL_OPTION_COLOR, .default_value = "#102030"},
	{.name = "delay", .type = WALL_OPTION_DURATION, .default_value = "250ms"},
	{.name = "mode", .type = WALL_OPTION_ENUM, .default_value = "b", .choices = "a|b|c"},
	{.name = "file", .type = WALL_OPTION_PATH},
	{.name = "extra", .type = WALL_OPTION_JSON},
	{0},
};

struct instance {
	int unused;
};

static void *valid_create(const struct wall_host *host, struct wall_source *source)
{
	testvalid_host = host;
	testvalid_source = source;
	return calloc(1, sizeof(struct instance));
}

static void valid_destroy(void *instance)
{
	testvalid_destroys++;
	free(instance);
}

static void valid_show(void *instance)
{
	testvalid_shows++;
}

static void valid_hide(void *instance)
{
	testvalid_hides++;
}

static void valid_set_view_size(void *instance, uint32_t width_px, uint32_t height_px)
{
	testvalid_view_width_px = width_px;
	testvalid_view_sizes++;
}

static void valid_status(void *instance, wall_status_fn add, void *user)
{
	add(user, "test", "fine");
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "testvalid",
	.description = "follows every rule",
	.options = options,
	.create = valid_create,
	.destroy = valid_destroy,
	.show = valid_show,
	.hide = valid_hide,
	.status = valid_status,
	.set_view_size = valid_set_view_size,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
