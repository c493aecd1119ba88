/*
 * Built against a newer header whose struct wall_plugin has a callback
 * this wall does not know: its struct_size is larger than the host's.
 * Same ABI version, so only the size check can refuse it.
 */
#include <wall/plugin.h>

struct newer_plugin {
	struct wall_plugin base;
	/* A callback appended by a later wall. */
	void (*later)(void *instance);
};

static void *newer_create(const struct wall_host *host, struct wall_source *source)
{
	return (void *)1;
}

static void newer_destroy(void *instance)
{
}

static void newer_later(void *instance)
{
}

static const struct newer_plugin plugin = {
        .base =
                {
                        .abi_version = WALL_PLUGIN_ABI_VERSION,
                        .struct_size = sizeof(struct newer_plugin),
                        .name = "testnewer",
                        .create = newer_create,
                        .destroy = newer_destroy,
                },
        .later = newer_later,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin.base;
}
