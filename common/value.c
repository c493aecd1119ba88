#include "value.h"

#include <glib.h>
#include <math.h>
#include <string.h>

bool wall_parse_duration_in(const char *text, int64_t bare_unit_ms, int64_t *ms)
{
	static const struct {
		const char *suffix;
		double ms;
	} units[] = {{"s", 1000}, {"ms", 1}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	/* strtod alone would take a sign, spaces, "inf" and hex: none is a duration. */
	if (text == NULL || !(g_ascii_isdigit(text[0]) || text[0] == '.') ||
	    strpbrk(text, "xX") != NULL) {
		return false;
	}
	char *end;
	double value = g_ascii_strtod(text, &end);
	if (end == text || !isfinite(value)) {
		return false;
	}
	double scale = *end == '\0' ? (double)bare_unit_ms : 0;
	for (size_t i = 0; i < G_N_ELEMENTS(units) && scale == 0; i++) {
		if (g_ascii_strcasecmp(end, units[i].suffix) == 0) {
			scale = units[i].ms;
		}
	}
	if (scale == 0) {
		return false;
	}
	double result = value * scale;
	if (result > (double)WALL_DURATION_MAX_MS) {
		return false;
	}
	*ms = llround(result);
	return true;
}

bool wall_parse_duration_ms(const char *text, int64_t *ms)
{
	return wall_parse_duration_in(text, 1000, ms);
}

bool wall_parse_bool(const char *text, bool *value)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	for (size_t i = 0; text != NULL && i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(text, yes[i]) == 0) {
			*value = true;
			return true;
		}
		if (g_ascii_strcasecmp(text, no[i]) == 0) {
			*value = false;
			return true;
		}
	}
	return false;
}

bool wall_parse_color(const char *text, uint32_t *argb)
{
	size_t length = text != NULL ? strlen(text) : 0;
	if ((length != 7 && length != 9) || text[0] != '#') {
		return false;
	}
	uint32_t value = 0;
	for (size_t i = 1; i < length; i++) {
		int digit = g_ascii_xdigit_value(text[i]);
		if (digit < 0) {
			return false;
		}
		value = value << 4 | (uint32_t)digit;
	}
	/* Stored as written, RRGGBB[AA]; the wall wants AARRGGBB. */
	*argb = length == 7 ? 0xff000000u | value : (value >> 8) | (value << 24);
	return true;
}
