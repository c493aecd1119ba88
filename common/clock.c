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

char *wall_clock_since_text(int64_t real_us, int64_t now_real_us)
{
	GDateTime *time = g_date_time_new_from_unix_local(real_us / G_USEC_PER_SEC);
	GDateTime *now = g_date_time_new_from_unix_local(now_real_us / G_USEC_PER_SEC);
	char *text = NULL;
	if (time == NULL || now == NULL) {
		text = g_strdup("--:--:--");
	} else {
		bool today = g_date_time_get_year(time) == g_date_time_get_year(now) &&
			     g_date_time_get_day_of_year(time) == g_date_time_get_day_of_year(now);
		text = g_date_time_format(time, today ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S");
	}
	if (time != NULL) {
		g_date_time_unref(time);
	}
	if (now != NULL) {
		g_date_time_unref(now);
	}
	return text;
}
