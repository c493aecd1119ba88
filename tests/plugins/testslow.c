/*
 * Breaks the render-thread rule: create() and show() wait 20 ms, as a
 * plugin that read a file there would. The loader must warn about it.
 */
#include <time.h>
#include <wall/plugin.h>

static int instance;

static void wait_20_ms(void)
{
	struct timespec pause = {.tv_nsec = 20 * 1000 * 1000};
	while (nanosleep(&pause, &pause) != 0) {
	}
}

static void *slow_create(const struct wall_host *host, struct wall_source *source)
{
	wait_20_ms();
	return &instance;
}

static void slow_destroy(void *data)
{
}

static void slow_show(void *data)
{
	wait_20_ms();
}

static void quick_hide(void *data)
{
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "testslow",
	.description = "waits on the render thread",
	.create = slow_create,
	.destroy = slow_destroy,
	.show = slow_show,
	.hide = quick_hide,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
