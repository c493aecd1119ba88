/*
 * A plugin built before the optional callbacks existed: its struct_size
 * ends after destroy. It must load, and the host must never read past
 * that size, so the fields beyond it hold traps that abort if called.
 */
#include <stdlib.h>
#include <wall/plugin.h>

static void *old_create(const struct wall_host *host, struct wall_source *source)
{
	return malloc(1);
}

static void old_destroy(void *instance)
{
	free(instance);
}

static void trap(void *instance)
{
	abort();
}

static void trap_status(void *instance, wall_status_fn add, void *user)
{
	abort();
}

static void trap_view_size(void *instance, uint32_t width_px, uint32_t height_px)
{
	abort();
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = offsetof(struct wall_plugin, destroy) + sizeof(void (*)(void *)),
	.name = "testold",
	.create = old_create,
	.destroy = old_destroy,
	.show = trap,
	.hide = trap,
	.status = trap_status,
	.set_view_size = trap_view_size,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
