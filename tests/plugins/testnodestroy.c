/* Lacks the required destroy callback: must be refused. */
#include <wall/plugin.h>

static void *nodestroy_create(const struct wall_host *host, struct wall_source *source)
{
	return (void *)1;
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "testnodestroy",
	.create = nodestroy_create,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
