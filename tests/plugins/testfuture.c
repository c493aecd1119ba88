/* Built for a plugin ABI the wall does not speak yet: must be refused. */
#include <wall/plugin.h>

static void *future_create(const struct wall_host *host, struct wall_source *source)
{
	return (void *)1;
}

static void future_destroy(void *instance)
{
}

static const struct wall_plugin plugin = {
	.abi_version = 99,
	.struct_size = sizeof(struct wall_plugin),
	.name = "testfuture",
	.create = future_create,
	.destroy = future_destroy,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
