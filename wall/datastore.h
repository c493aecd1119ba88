/*
 * Named JSON documents pushed into the wall at run time ("DATA <key>
 * <json>" on the control socket) for panels to show. One table for the
 * whole process; every function may be called from any thread. Each key
 * has a generation that bumps on every set, so a reader can tell cheaply
 * whether to redraw.
 */
#ifndef WALL_DATASTORE_H
#define WALL_DATASTORE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The table's limits: at most WALL_DATA_MAX_KEYS keys, each at most
 * WALL_DATA_MAX_KEY_BYTES long. A document's size is bounded by the
 * control protocol's line length.
 */
#define WALL_DATA_MAX_KEYS 1024
#define WALL_DATA_MAX_KEY_BYTES 256

/**
 * Store json (copied; the caller has checked it parses) under key.
 * Returns false, storing nothing, when the key is too long or is new and
 * the table already holds WALL_DATA_MAX_KEYS keys (replacing a key always
 * works); *why (may be NULL) then says so in words for an ERR reply.
 */
bool wall_data_set_checked(const char *key, const char *json, const char **why);
/** wall_data_set_checked() without the reason: the refusal is logged. */
bool wall_data_set(const char *key, const char *json);
/** Forget key. Returns false when it was not set. */
bool wall_data_delete(const char *key);
/** Keys held now. */
unsigned wall_data_count(void);
/** Sets refused by a limit since the process started, for STATUS. */
uint64_t wall_data_refused(void);
/**
 * A copy of the document under key (g_free it), or NULL when never set.
 * When generation is not NULL it receives the key's generation (0 when
 * unset).
 */
char *wall_data_get(const char *key, uint64_t *generation);
/** Forget every document; for tests. */
void wall_data_clear(void);

#endif
