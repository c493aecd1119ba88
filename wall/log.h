/* The wall's own log: one line per message on stderr, with a level. */
#ifndef WALL_LOG_H
#define WALL_LOG_H

#include <stdarg.h>

#include "wall/plugin.h"

/** Messages above this level are dropped. Default WALL_LOG_INFO. */
void wall_log_set_level(enum wall_log_level level);
enum wall_log_level wall_log_get_level(void);

void wall_log(enum wall_log_level level, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
void wall_logv(enum wall_log_level level, const char *prefix, const char *format, va_list args);

#define wall_error(...) wall_log(WALL_LOG_ERROR, __VA_ARGS__)
#define wall_warning(...) wall_log(WALL_LOG_WARNING, __VA_ARGS__)
#define wall_info(...) wall_log(WALL_LOG_INFO, __VA_ARGS__)
#define wall_debug(...) wall_log(WALL_LOG_DEBUG, __VA_ARGS__)

#endif
