#include "log.h"

#include <glib.h>
#include <stdio.h>

static enum wall_log_level max_level = WALL_LOG_INFO;
static GMutex log_lock;

void wall_log_set_level(enum wall_log_level level)
{
	max_level = level;
}

enum wall_log_level wall_log_get_level(void)
{
	return max_level;
}

static const char *level_name(enum wall_log_level level)
{
	switch (level) {
	case WALL_LOG_ERROR:
		return "error";
	case WALL_LOG_WARNING:
		return "warning";
	case WALL_LOG_INFO:
		return "info";
	case WALL_LOG_DEBUG:
		return "debug";
	case WALL_LOG_INVALID:
		break;
	}
	return "log";
}

void wall_logv(enum wall_log_level level, const char *prefix, const char *format, va_list args)
{
	if (level > max_level) {
		return;
	}
	char *text = g_strdup_vprintf(format, args);
	/* One lock so lines from plugin threads never interleave. */
	g_mutex_lock(&log_lock);
	if (prefix != NULL) {
		fprintf(stderr, "wall: %s: %s: %s\n", level_name(level), prefix, text);
	} else {
		fprintf(stderr, "wall: %s: %s\n", level_name(level), text);
	}
	g_mutex_unlock(&log_lock);
	g_free(text);
}

void wall_log(enum wall_log_level level, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	wall_logv(level, NULL, format, args);
	va_end(args);
}
