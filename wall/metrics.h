/*
 * Figures published by sources and the wall itself ("maonan-01.fps",
 * "health.online_rate"), for panels, status and export. One table for the
 * whole process; every function may be called from any thread.
 */
#ifndef WALL_METRICS_H
#define WALL_METRICS_H

#include <stdbool.h>

/** Set or replace a figure. name is copied. */
void wall_metrics_set(const char *name, double value);
/** The figure called name; false, leaving *value alone, when never set. */
bool wall_metrics_get(const char *name, double *value);
/** Forget a figure. Returns false when there was none. */
bool wall_metrics_remove(const char *name);

typedef void (*wall_metrics_fn)(void *user, const char *name, double value);
/**
 * Call fn for every figure, sorted by name, on a snapshot: fn may call
 * back into this table.
 */
void wall_metrics_foreach(wall_metrics_fn fn, void *user);

/** Forget every figure; for tests and a full restart. */
void wall_metrics_clear(void);

#endif
