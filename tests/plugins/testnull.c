/* Its entry point returns NULL: must be refused, not dereferenced. */
#include <wall/plugin.h>

const struct wall_plugin *wall_plugin_entry(void)
{
	return NULL;
}
