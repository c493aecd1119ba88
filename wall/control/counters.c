#include "counters.h"

#include "json_write.h"

/* Names as STATUS shows them under "control". */
static const char *const names[WALL_COUNTER_COUNT] = {
        [WALL_COUNTER_CONNECTIONS_OPEN] = "connections",
        [WALL_COUNTER_UNAUTHENTICATED_OPEN] = "unauthenticated",
        [WALL_COUNTER_AUTH_FAILURES] = "auth_failures",
        [WALL_COUNTER_AUTH_BACKOFF] = "auth_backoff_refused",
        [WALL_COUNTER_AUTH_TIMEOUTS] = "auth_timeouts",
        [WALL_COUNTER_REFUSED_CONNECTIONS] = "refused_connections",
        [WALL_COUNTER_REFUSED_TCP] = "refused_tcp_connections",
        [WALL_COUNTER_REFUSED_UNAUTHENTICATED] = "refused_unauthenticated",
        [WALL_COUNTER_LINES_TOO_LONG] = "lines_too_long",
        [WALL_COUNTER_SLOW_READERS] = "slow_readers_closed",
        [WALL_COUNTER_ERRORS_IN_A_ROW] = "errors_in_a_row_closed",
        [WALL_COUNTER_IDLE_CLOSED] = "idle_closed",
        [WALL_COUNTER_BATCH_FULL] = "batch_full",
        [WALL_COUNTER_AUDIT_TRUNCATED] = "audit_truncated",
        [WALL_COUNTER_AUDIT_ROWS_REFUSED] = "audit_rows_refused",
        [WALL_COUNTER_SCREENSHOTS_REFUSED] = "screenshots_refused",
        [WALL_COUNTER_CANVAS_READS] = "canvas_reads",
};

void wall_counter_add(struct wall_control_counters *counters, enum wall_counter counter,
                      int64_t delta)
{
	if (counters == NULL || counter <= WALL_COUNTER_INVALID || counter >= WALL_COUNTER_COUNT) {
		return;
	}
	/* Gauges go down too: adding a negative number wraps back. */
	atomic_fetch_add_explicit(&counters->value[counter], (uint_fast64_t)delta,
	                          memory_order_relaxed);
}

uint64_t wall_counter_get(struct wall_control_counters *counters, enum wall_counter counter)
{
	if (counters == NULL || counter <= WALL_COUNTER_INVALID || counter >= WALL_COUNTER_COUNT) {
		return 0;
	}
	return atomic_load_explicit(&counters->value[counter], memory_order_relaxed);
}

void wall_counters_describe(struct wall_control_counters *counters, JsonBuilder *out)
{
	json_builder_set_member_name(out, "control");
	json_builder_begin_object(out);
	for (int i = WALL_COUNTER_INVALID + 1; i < WALL_COUNTER_COUNT; i++) {
		wall_json_set_int(out, names[i], (int64_t)wall_counter_get(counters, i));
	}
	json_builder_end_object(out);
}
