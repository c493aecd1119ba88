/* A shared object that is not a wall plugin: no wall_plugin_entry symbol. */
#include <wall/plugin.h>

__attribute__((visibility("default"))) int testnoentry_something(void);

int testnoentry_something(void)
{
	return WALL_PLUGIN_ABI_VERSION;
}
