/*
 * Declares an option whose default its own type rejects. The layout
 * loader trusts option tables, so the loader must refuse this one.
 */
#include <wall/plugin.h>

static const struct wall_option options[] = {
	{.name = "mode", .type = WALL_OPTION_ENUM, .default_value = "tcp", .choices = "tcp|udp"},
	{.name = "width", .type = WALL_OPTION_INT, .default_value = "wide"},
	{0},
};

static void *badoption_create(const struct wall_host *host, struct wall_source *source)
{
	return (void *)1;
}

static void badoption_destroy(void *instance)
{
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "testbadoption",
	.options = options,
	.create = badoption_create,
	.destroy = badoption_destroy,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
