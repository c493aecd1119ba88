/*
 * Named JSON documents pushed into the wall at run time ("DATA <key>
 * <json>" on the control socket) for panels to show. One table for the
 * whole process; every function may be called from any thread. Each key
 * has a generation that bumps on every set, so a reader can tell cheaply
 * whether to redraw.
 */
#ifndef WALL_DATASTORE_H
#define WALL_DATASTORE_H

#include <stdint.h>

/** Store json (copied; the caller has checked it parses) under key. */
void wall_data_set(const char *key, const char *json);
/**
 * A copy of the document under key (g_free it), or NULL when never set.
 * When generation is not NULL it receives the key's generation (0 when
 * unset).
 */
char *wall_data_get(const char *key, uint64_t *generation);
/** Forget every document; for tests. */
void wall_data_clear(void);

#endif
