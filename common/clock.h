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

#endif
