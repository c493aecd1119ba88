/*
 * Loads fine, but create() fails after logging why, as a plugin with a
 * missing device would: the source must end in ERROR with that reason.
 */
#include <wall/plugin.h>

static void *fail_create(const struct wall_host *host, struct wall_source *source)
{
	host->log(source, WALL_LOG_WARNING, "looking for the test device");
	host->log(source, WALL_LOG_ERROR, "the test device is unplugged (%d)", 42);
	return NULL;
}

static void fail_destroy(void *instance)
{
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "testfail",
	.create = fail_create,
	.destroy = fail_destroy,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
