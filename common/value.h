/*
 * The one grammar for values a person writes: durations, booleans and
 * colours, the same in a layout file, a plugin's option defaults, a
 * control command and wallctl. Needs only GLib, so wallctl links it too.
 */
#ifndef WALL_VALUE_H
#define WALL_VALUE_H

#include <stdbool.h>
#include <stdint.h>

/** The longest duration accepted: a year; more is surely a typo. */
#define WALL_DURATION_MAX_MS (365LL * 24 * 3600 * 1000)

/**
 * Parse a duration: a number (decimals allowed: "1.5s", ".5s") and a unit,
 * ms, s, m, h or d, in any case; a bare number counts in bare_unit_ms (1000
 * in layouts: seconds). Refuses signs, spaces, hex and anything beyond
 * WALL_DURATION_MAX_MS. Stores milliseconds, rounded, in *ms.
 */
bool wall_parse_duration_in(const char *text, int64_t bare_unit_ms, int64_t *ms);

/** wall_parse_duration_in() with a bare number in seconds, as layouts write it. */
bool wall_parse_duration_ms(const char *text, int64_t *ms);

/** Parse a YAML boolean word, in any case: true/false, yes/no, on/off. */
bool wall_parse_bool(const char *text, bool *value);

/** Parse "#rrggbb" or "#rrggbbaa" into 0xAARRGGBB. */
bool wall_parse_color(const char *text, uint32_t *argb);

#endif
