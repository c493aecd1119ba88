/*
 * What the control plane counts: open connections, and each time a limit
 * of limits.h was hit. Written on the control thread, read by STATUS on
 * the render thread: every field is atomic, and nothing else is shared.
 */
#ifndef WALL_CONTROL_COUNTERS_H
#define WALL_CONTROL_COUNTERS_H

#include <json-glib/json-glib.h>
#include <stdatomic.h>
#include <stdint.h>

enum wall_counter {
	WALL_COUNTER_INVALID = 0,
	/** Gauges: connections open now, and those still waiting for AUTH. */
	WALL_COUNTER_CONNECTIONS_OPEN,
	WALL_COUNTER_UNAUTHENTICATED_OPEN,
	/** Wrong tokens, and tries refused unchecked while their address waits. */
	WALL_COUNTER_AUTH_FAILURES,
	WALL_COUNTER_AUTH_BACKOFF,
	/** Connections closed for not authenticating in time. */
	WALL_COUNTER_AUTH_TIMEOUTS,
	/** Connections refused: all slots, TCP's share, the unauthenticated share. */
	WALL_COUNTER_REFUSED_CONNECTIONS,
	WALL_COUNTER_REFUSED_TCP,
	WALL_COUNTER_REFUSED_UNAUTHENTICATED,
	WALL_COUNTER_LINES_TOO_LONG,
	WALL_COUNTER_SLOW_READERS,
	WALL_COUNTER_ERRORS_IN_A_ROW,
	WALL_COUNTER_IDLE_CLOSED,
	WALL_COUNTER_BATCH_FULL,
	WALL_COUNTER_AUDIT_TRUNCATED,
	WALL_COUNTER_AUDIT_ROWS_REFUSED,
	WALL_COUNTER_SCREENSHOTS_REFUSED,
	/** Canvas read-backs for screenshots: one per frame at most. */
	WALL_COUNTER_CANVAS_READS,
	WALL_COUNTER_COUNT,
};

struct wall_control_counters {
	atomic_uint_fast64_t value[WALL_COUNTER_COUNT];
};

/** Any thread. Accepts NULL. */
void wall_counter_add(struct wall_control_counters *counters, enum wall_counter counter,
                      int64_t delta);
uint64_t wall_counter_get(struct wall_control_counters *counters, enum wall_counter counter);
/** Add "control": {name: value, ...} to out. */
void wall_counters_describe(struct wall_control_counters *counters, JsonBuilder *out);

#endif
