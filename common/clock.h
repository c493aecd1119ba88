/* Times of day as tiles show them, in the wall's local time zone. */
#ifndef WALL_CLOCK_H
#define WALL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/**
 * "12:34:56" (or "12:34" without seconds) for real_us, microseconds of
 * g_get_real_time(); "--:--:--" ("--:--") when it is out of range. g_free it.
 */
char *wall_clock_text(int64_t real_us, bool seconds);

/**
 * "since" as a tile shows it: "12:34:56" when real_us is on the same local
 * day as now_real_us, else with its date, "2026-03-01 12:34:56". g_free it.
 */
char *wall_clock_since_text(int64_t real_us, int64_t now_real_us);

#endif
