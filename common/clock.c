#include "clock.h"

#include <glib.h>

char *wall_clock_text(int64_t real_us, bool seconds)
{
	GDateTime *time = g_date_time_new_from_unix_local(real_us / G_USEC_PER_SEC);
	if (time == NULL) {
		return g_strdup(seconds ? "--:--:--" : "--:--");
	}
	char *text = g_date_time_format(time, seconds ? "%H:%M:%S" : "%H:%M");
	g_date_time_unref(time);
	return text;
}
